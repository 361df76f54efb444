// SPDX-License-Identifier: MIT
/*
 * Host tests of the virtual PCI configuration space (hv/vdev/vpci.c):
 * configuration mechanism #1 and ECAM reaching the same model, the host
 * bridge's header, and what an OS scan of the bus sees.
 */
#include "test.h"

#include "lib/errno.h"
#include "vdev/vpci.h"

#define ECAM_BASE 0xB0000000ull
#define CF8	  0xCF8
#define CFC	  0xCFC
#define ENABLE	  0x80000000u

static struct vpci pci;

static uint32_t cf8_addr(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC);
}

static uint64_t ecam_off(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return (uint64_t)bus << 20 | dev << 15 | fn << 12 | reg;
}

/* Mechanism #1 read of size bytes at reg; CHECKs that it is handled. */
static uint32_t io_cfg_read(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg,
			    unsigned int size)
{
	uint32_t v = 0x12345678;

	CHECK_EQ(vpci_io_write(&pci, CF8, 4, cf8_addr(bus, dev, fn, reg)), 0);
	CHECK_EQ(vpci_io_read(&pci, (uint16_t)(CFC + (reg & 3)), size, &v), 0);
	return v;
}

static void io_cfg_write(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg,
			 unsigned int size, uint32_t val)
{
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, cf8_addr(bus, dev, fn, reg)), 0);
	CHECK_EQ(vpci_io_write(&pci, (uint16_t)(CFC + (reg & 3)), size, val), 0);
}

static uint32_t ecam_read(uint64_t off, unsigned int size)
{
	uint32_t v = 0x12345678;

	CHECK_EQ(vpci_ecam_read(&pci, off, size, &v), 0);
	return v;
}

static void setup(uint8_t bus_end)
{
	CHECK_EQ(vpci_init(&pci, ECAM_BASE, bus_end), 0);
}

TEST(host_bridge_identity)
{
	setup(255);
	/* Through mechanism #1... */
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x00, 4), VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x00, 2), VPCI_HB_VENDOR);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x02, 2), VPCI_HB_DEVICE);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x08, 4), 0x06000000u | VPCI_HB_REVISION); /* class 060000 */
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x0B, 1), 0x06);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x0A, 1), 0x00);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x0E, 1), 0x00); /* header type 0, single function */
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x06, 2), 0);    /* status: no capability list */
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x34, 1), 0);    /* capabilities pointer */
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x3D, 1), 0);    /* no interrupt pin */
	for (unsigned int bar = 0x10; bar <= 0x24; bar += 4)
		CHECK_EQ(io_cfg_read(0, 0, 0, bar, 4), 0);
	/* ... and through ECAM, the same bytes. */
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x00), 4), VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x0B), 1), 0x06);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x0E), 1), 0x00);
	for (unsigned int reg = 0; reg < VPCI_CFG_LEGACY_SIZE; reg += 4)
		CHECK_EQ(ecam_read(ecam_off(0, 0, 0, reg), 4), io_cfg_read(0, 0, 0, reg, 4));
	/* Extended space (ECAM only): no extended capabilities, reads 0. */
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x100), 4), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0xFFC), 4), 0);
}

TEST(byte_word_dword_offsets)
{
	uint32_t id = VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR;

	setup(255);
	/* CONFIG_DATA at 0xCFC..0xCFF selects the byte lane. */
	for (unsigned int b = 0; b < 4; b++)
		CHECK_EQ(io_cfg_read(0, 0, 0, b, 1), (id >> (8 * b)) & 0xFF);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0, 2), id & 0xFFFF);
	CHECK_EQ(io_cfg_read(0, 0, 0, 1, 2), (id >> 8) & 0xFFFF); /* word at 0xCFD */
	CHECK_EQ(io_cfg_read(0, 0, 0, 2, 2), id >> 16);
	/* The low two bits of CONFIG_ADDRESS are not a byte offset. */
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, ENABLE | 3), 0);
	{
		uint32_t v = 0;

		CHECK_EQ(vpci_io_read(&pci, CF8, 4, &v), 0);
		CHECK_EQ(v, ENABLE);
		CHECK_EQ(vpci_io_read(&pci, CFC, 4, &v), 0);
		CHECK_EQ(v, id);
		/* A word at 0xCFF or a dword at 0xCFE would run past 0xCFF. */
		CHECK_EQ(vpci_io_read(&pci, 0xCFF, 2, &v), 0);
		CHECK_EQ(v, 0xFFFF);
		CHECK_EQ(vpci_io_read(&pci, 0xCFE, 4, &v), 0);
		CHECK_EQ(v, 0xFFFFFFFFu);
	}
	/* ECAM byte/word lanes, and a word inside one dword at offset 1. */
	for (unsigned int b = 0; b < 4; b++)
		CHECK_EQ(ecam_read(ecam_off(0, 0, 0, b), 1), (id >> (8 * b)) & 0xFF);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 2), 2), id >> 16);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 1), 2), (id >> 8) & 0xFFFF);
	/* Crossing a dword boundary is unsupported: all ones. */
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 3), 2), 0xFFFF);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 2), 4), 0xFFFFFFFFu);
}

TEST(enable_bit)
{
	uint32_t v = 0;

	setup(255);
	/* Enable clear: CONFIG_DATA is plain I/O to nothing. */
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, 0), 0);
	CHECK_EQ(vpci_io_read(&pci, CFC, 4, &v), 0);
	CHECK_EQ(v, 0xFFFFFFFFu);
	CHECK_EQ(vpci_io_read(&pci, 0xCFE, 1, &v), 0);
	CHECK_EQ(v, 0xFF);
	/* Writes with the enable bit clear change nothing. */
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, 0x04), 0);
	CHECK_EQ(vpci_io_write(&pci, CFC, 2, 0x0007), 0);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 2), 0);
	/* CONFIG_ADDRESS reads back what was written, reserved bits 30:24 as 0. */
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, 0xFFFFFFFFu), 0);
	CHECK_EQ(vpci_io_read(&pci, CF8, 4, &v), 0);
	CHECK_EQ(v, 0x80FFFFFCu);
	/* Power-on state: 0. */
	setup(255);
	CHECK_EQ(vpci_io_read(&pci, CF8, 4, &v), 0);
	CHECK_EQ(v, 0);
}

TEST(cf8_non_dword_is_not_config)
{
	uint32_t v = 0;

	setup(255);
	CHECK_EQ(vpci_io_write(&pci, CF8, 4, cf8_addr(0, 0, 0, 0)), 0);
	/* Byte and word writes at 0xCF8-0xCFB leave CONFIG_ADDRESS alone... */
	CHECK_EQ(vpci_io_write(&pci, CF8, 1, 0), -ENODEV);
	CHECK_EQ(vpci_io_write(&pci, CF8, 2, 0), -ENODEV);
	CHECK_EQ(vpci_io_write(&pci, 0xCF9, 1, 0x06), -ENODEV); /* the reset register */
	CHECK_EQ(vpci_io_write(&pci, 0xCFA, 2, 0), -ENODEV);
	CHECK_EQ(vpci_io_write(&pci, 0xCFB, 1, 0), -ENODEV);
	CHECK_EQ(vpci_io_write(&pci, 0xCF9, 4, 0), -ENODEV); /* unaligned dword */
	CHECK_EQ(vpci_io_read(&pci, CF8, 4, &v), 0);
	CHECK_EQ(v, cf8_addr(0, 0, 0, 0));
	/* ...and so do non-dword reads, which read as open bus. */
	CHECK_EQ(vpci_io_read(&pci, CF8, 2, &v), -ENODEV);
	CHECK_EQ(v, 0xFFFF);
	CHECK_EQ(vpci_io_read(&pci, 0xCF9, 1, &v), -ENODEV);
	CHECK_EQ(v, 0xFF);
	CHECK_EQ(vpci_io_read(&pci, CFC, 4, &v), 0);
	CHECK_EQ(v, VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR);
	/* Outside the contract: ports not ours, sizes not 1/2/4. */
	CHECK_EQ(vpci_io_read(&pci, 0xCF7, 1, &v), -EINVAL);
	CHECK_EQ(vpci_io_read(&pci, 0xD00, 1, &v), -EINVAL);
	CHECK_EQ(vpci_io_write(&pci, CFC, 3, 0), -EINVAL);
	CHECK_EQ(vpci_io_write(&pci, CF8, 8, 0), -EINVAL);
}

TEST(read_only_fields)
{
	setup(255);
	/* IDs, class, revision, header type, BARs, subsystem, pin: read-only. */
	io_cfg_write(0, 0, 0, 0x00, 4, 0);
	io_cfg_write(0, 0, 0, 0x08, 4, 0xFFFFFFFFu);
	io_cfg_write(0, 0, 0, 0x0E, 1, 0x80);
	io_cfg_write(0, 0, 0, 0x10, 4, 0xFFFFFFFFu); /* BAR sizing: unimplemented */
	io_cfg_write(0, 0, 0, 0x2C, 4, 0x12345678);
	io_cfg_write(0, 0, 0, 0x3D, 1, 1);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x00, 4), VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x08, 4), 0x06000000u);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x0E, 1), 0);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x10, 4), 0);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x2C, 4), VPCI_HB_SUBSYSTEM << 16 | VPCI_HB_SUBVENDOR);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x3D, 1), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x0D), 1), 0); /* latency timer */
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 0, 0, 0x0D), 1, 0x40), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x0D), 1), 0);
	/* Extended space ignores writes. */
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 0, 0, 0x100), 4, 0xFFFFFFFFu), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x100), 4), 0);
}

TEST(command_status_writable_bits)
{
	setup(255);
	/* Command: IO, MEM, MASTER, PARITY, SERR, INTX_DISABLE are writable. */
	io_cfg_write(0, 0, 0, 0x04, 2, 0xFFFF);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 2), 0x0547);
	io_cfg_write(0, 0, 0, 0x04, 2, 0x0006);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 2), 0x0006);
	/* A dword write at 0x04 also hits status, whose bits are W1C and clear. */
	io_cfg_write(0, 0, 0, 0x04, 4, 0xFFFF0003);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 4), 0x00000003);
	/* Byte write to the command register's high byte through ECAM. */
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 0, 0, 0x05), 1, 0x04), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x04), 2), 0x0403);
	/* Cache line size and interrupt line are scratch registers. */
	io_cfg_write(0, 0, 0, 0x0C, 1, 0x10);
	io_cfg_write(0, 0, 0, 0x3C, 1, 0x0B);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x0C), 1), 0x10);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x3C), 1), 0x0B);
	/* A write that crosses a dword boundary is dropped. */
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 0, 0, 0x03), 2, 0xFFFF), 0);
	CHECK_EQ(ecam_read(ecam_off(0, 0, 0, 0x04), 2), 0x0403);
	/* vpci_init is a reset. */
	setup(255);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 4), 0);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x0C, 1), 0);
}

TEST(absent_functions_all_ones)
{
	unsigned int found = 0;

	setup(255);
	/* An OS scan of every bus/device/function finds exactly 00:00.0. */
	for (unsigned int bus = 0; bus < 256; bus++)
		for (unsigned int dev = 0; dev < 32; dev++)
			for (unsigned int fn = 0; fn < 8; fn++) {
				uint32_t a = io_cfg_read(bus, dev, fn, 0, 4);
				uint32_t b = ecam_read(ecam_off(bus, dev, fn, 0), 4);

				CHECK_EQ(a, b);
				if (a != 0xFFFFFFFFu)
					found++;
			}
	CHECK_EQ(found, 1);
	/* All sizes and offsets of an absent function read all ones. */
	CHECK_EQ(io_cfg_read(0, 1, 0, 0x0E, 1), 0xFF);
	CHECK_EQ(io_cfg_read(0, 0, 1, 0x02, 2), 0xFFFF);
	CHECK_EQ(ecam_read(ecam_off(3, 31, 7, 0xFFF), 1), 0xFF);
	/* Writes to them are ignored and do not disturb the host bridge. */
	io_cfg_write(0, 1, 0, 0x04, 2, 0xFFFF);
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 0, 1, 0x04), 2, 0xFFFF), 0);
	CHECK_EQ(io_cfg_read(0, 1, 0, 0x04, 2), 0xFFFF);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0x04, 2), 0);
}

TEST(ecam_window_bounds)
{
	uint32_t v = 0;

	setup(15);
	CHECK_EQ(vpci_ecam_size(&pci), 16ull << 20);
	/* The last byte of bus 15 is inside, bus 16 is not ours. */
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(15, 31, 7, 0xFFF), 1, &v), 0);
	CHECK_EQ(v, 0xFF);
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(16, 0, 0, 0), 4, &v), -EINVAL);
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(16, 0, 0, 0), 4, 0), -EINVAL);
	CHECK_EQ(vpci_ecam_read(&pci, UINT64_MAX, 1, &v), -EINVAL);
	/* Sizes other than 1, 2 and 4 (say a MOVQ) are the caller's to refuse. */
	CHECK_EQ(vpci_ecam_read(&pci, 0, 8, &v), -EINVAL);
	CHECK_EQ(vpci_ecam_read(&pci, 0, 3, &v), -EINVAL);
	CHECK_EQ(vpci_ecam_read(&pci, 0, 0, &v), -EINVAL);
	/* Mechanism #1 still reaches buses past the ECAM: nothing is there. */
	CHECK_EQ(io_cfg_read(16, 0, 0, 0, 4), 0xFFFFFFFFu);
	CHECK_EQ(io_cfg_read(0, 0, 0, 0, 2), VPCI_HB_VENDOR);
	/* Bad ECAM bases. */
	CHECK_EQ(vpci_init(&pci, 0, 255), -EINVAL);
	CHECK_EQ(vpci_init(&pci, ECAM_BASE + 0x1000, 255), -EINVAL);
	CHECK_EQ(vpci_init(&pci, ECAM_BASE, 0), 0);
	CHECK_EQ(vpci_ecam_size(&pci), 1ull << 20);
}

/* A test device registered on the bus: a 256-byte register file. */
struct fake_dev {
	uint8_t cfg[256];
	unsigned int reads, writes;
	unsigned int last_reg, last_size;
};

static uint32_t fake_read(void *ctx, unsigned int reg, unsigned int size)
{
	struct fake_dev *d = ctx;
	uint32_t v = 0;

	d->reads++;
	d->last_reg = reg;
	d->last_size = size;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)d->cfg[(reg + i) & 0xFF] << (8 * i);
	return v;
}

static void fake_write(void *ctx, unsigned int reg, unsigned int size, uint32_t val)
{
	struct fake_dev *d = ctx;

	d->writes++;
	d->last_reg = reg;
	d->last_size = size;
	for (unsigned int i = 0; i < size; i++)
		d->cfg[(reg + i) & 0xFF] = (uint8_t)(val >> (8 * i));
}

static const struct vpci_ops fake_ops = {.read = fake_read, .write = fake_write};

TEST(register_handlers)
{
	static struct fake_dev dev;
	static const struct vpci_ops no_write = {.read = fake_read};

	setup(255);
	memset(&dev, 0, sizeof(dev));
	dev.cfg[0] = 0xF4;
	dev.cfg[1] = 0x1A;
	CHECK_EQ(vpci_register(&pci, 0, 3, 0, &fake_ops, &dev), 0);
	CHECK_EQ(io_cfg_read(0, 3, 0, 0, 2), 0x1AF4);
	CHECK_EQ(dev.last_reg, 0);
	CHECK_EQ(dev.last_size, 2);
	/* Both paths reach the handler with the same register and size. */
	io_cfg_write(0, 3, 0, 0x42, 2, 0xBEEF);
	CHECK_EQ(dev.last_reg, 0x42);
	CHECK_EQ(dev.last_size, 2);
	CHECK_EQ(ecam_read(ecam_off(0, 3, 0, 0x42), 2), 0xBEEF);
	CHECK_EQ(ecam_read(ecam_off(0, 3, 0, 0x40), 4), 0xBEEF0000u);
	/* Extended registers reach the handler through ECAM. */
	CHECK_EQ(vpci_ecam_write(&pci, ecam_off(0, 3, 0, 0x104), 1, 0x5A), 0);
	CHECK_EQ(dev.last_reg, 0x104);
	/* A dword-crossing access never reaches the handler. */
	dev.reads = 0;
	CHECK_EQ(ecam_read(ecam_off(0, 3, 0, 0x43), 2), 0xFFFF);
	CHECK_EQ(dev.reads, 0);
	/* Registration errors. */
	CHECK_EQ(vpci_register(&pci, 0, 3, 0, &fake_ops, &dev), -EEXIST);
	CHECK_EQ(vpci_register(&pci, 0, 0, 0, &fake_ops, &dev), -EEXIST); /* host bridge */
	CHECK_EQ(vpci_register(&pci, 0, 32, 0, &fake_ops, &dev), -EINVAL);
	CHECK_EQ(vpci_register(&pci, 0, 4, 8, &fake_ops, &dev), -EINVAL);
	CHECK_EQ(vpci_register(&pci, 0, 4, 0, NULL, &dev), -EINVAL);
	CHECK_EQ(vpci_register(&pci, 0, 4, 0, &no_write, &dev), -EINVAL);
	for (unsigned int i = 2; i < VPCI_MAX_FUNCS; i++)
		CHECK_EQ(
		    vpci_register(&pci, 1, (uint8_t)(i / 8), (uint8_t)(i % 8), &fake_ops, &dev), 0);
	CHECK_EQ(vpci_register(&pci, 2, 0, 0, &fake_ops, &dev), -ENOSPC);
	/* Buses outside the ECAM window cannot hold functions. */
	setup(0);
	CHECK_EQ(vpci_register(&pci, 1, 0, 0, &fake_ops, &dev), -EINVAL);
}

int main(void)
{
	RUN(host_bridge_identity);
	RUN(byte_word_dword_offsets);
	RUN(enable_bit);
	RUN(cf8_non_dword_is_not_config);
	RUN(read_only_fields);
	RUN(command_status_writable_bits);
	RUN(absent_functions_all_ones);
	RUN(ecam_window_bounds);
	RUN(register_handlers);
	TEST_EXIT();
}
