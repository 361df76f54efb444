/* SPDX-License-Identifier: MIT */
/* Unit tests of the per-partition port, MMIO and MSR claim tables. */
#include "test.h"

#include "core/iomap.h"

static const struct io_port_ops pops;
static const struct io_mmio_ops mops;
static const struct io_msr_ops sops;
static int dev_a, dev_b;

TEST(ports)
{
	struct iomap m = {0};
	void *dev = NULL;

	CHECK_EQ(iomap_claim_ports(&m, 0x3F8, 8, &pops, &dev_a), 0);
	CHECK_EQ(iomap_claim_ports(&m, 0x3FF, 1, &pops, &dev_b), -17);
	CHECK_EQ(iomap_claim_ports(&m, 0x3F0, 9, &pops, &dev_b), -17);
	CHECK_EQ(iomap_claim_ports(&m, 0x3F0, 8, &pops, &dev_b), 0);
	CHECK_EQ(iomap_claim_ports(&m, 0xFFFF, 2, &pops, &dev_b), -22);
	CHECK_EQ(iomap_claim_ports(&m, 0, 0, &pops, &dev_b), -22);
	CHECK(iomap_find_port(&m, 0x3F8, &dev) == &pops && dev == &dev_a);
	CHECK(iomap_find_port(&m, 0x3FF, &dev) == &pops && dev == &dev_a);
	CHECK(iomap_find_port(&m, 0x3F7, &dev) == &pops && dev == &dev_b);
	CHECK(iomap_find_port(&m, 0x400, &dev) == NULL);
	CHECK(iomap_find_port(&m, 0x3EF, &dev) == NULL);
}

TEST(ports_full)
{
	struct iomap m = {0};

	for (unsigned int i = 0; i < IOMAP_MAX_PORT_RANGES; i++)
		CHECK_EQ(iomap_claim_ports(&m, (uint16_t)(i * 4), 4, &pops, NULL), 0);
	CHECK_EQ(iomap_claim_ports(&m, 0x1000, 4, &pops, NULL), -28);
}

TEST(mmio)
{
	struct iomap m = {0};
	void *dev = NULL;

	CHECK_EQ(iomap_claim_mmio(&m, 0xFEC00000, 0x1000, &mops, &dev_a), 0);
	CHECK_EQ(iomap_claim_mmio(&m, 0xFEC00FFF, 2, &mops, &dev_b), -17);
	CHECK_EQ(iomap_claim_mmio(&m, ~0ull - 4, 16, &mops, &dev_b), -22);
	CHECK(iomap_find_mmio(&m, 0xFEC00010, 4, &dev) == &mops && dev == &dev_a);
	CHECK(iomap_find_mmio(&m, 0xFEC00FFC, 4, &dev) == &mops);
	/* An access that runs past the end of the range is not the device's. */
	CHECK(iomap_find_mmio(&m, 0xFEC00FFE, 4, &dev) == NULL);
	CHECK(iomap_find_mmio(&m, 0xFEBFFFFF, 1, &dev) == NULL);
}

TEST(msrs)
{
	struct iomap m = {0};
	void *dev = NULL;

	CHECK_EQ(iomap_claim_msrs(&m, 0x800, 0x100, &sops, &dev_a), 0);
	CHECK_EQ(iomap_claim_msrs(&m, 0x8FF, 1, &sops, &dev_b), -17);
	CHECK_EQ(iomap_claim_msrs(&m, 0x1B, 1, &sops, &dev_b), 0);
	CHECK_EQ(iomap_claim_msrs(&m, 0xFFFFFFFF, 2, &sops, &dev_b), -22);
	CHECK(iomap_find_msr(&m, 0x830, &dev) == &sops && dev == &dev_a);
	CHECK(iomap_find_msr(&m, 0x1B, &dev) == &sops && dev == &dev_b);
	CHECK(iomap_find_msr(&m, 0x900, &dev) == NULL);
}

int main(void)
{
	RUN(ports);
	RUN(ports_full);
	RUN(mmio);
	RUN(msrs);
	TEST_EXIT();
}
