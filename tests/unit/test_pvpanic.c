/* SPDX-License-Identifier: MIT */
/* Unit tests of the pvpanic device (hv/vdev/pvpanic.c). */
#include "test.h"

#include "vdev/pvpanic.h"

TEST(read_reports_features)
{
	struct pvpanic d;

	pvpanic_init(&d);
	/* Linux masks its own capabilities with this byte (pvpanic-mmio probe). */
	CHECK_EQ(pvpanic_io_read(&d, 1), 0x03);
	CHECK_EQ(pvpanic_io_read(&d, 2), 0xFF03);
	CHECK_EQ(pvpanic_io_read(&d, 4), 0xFFFFFF03u);
}

TEST(panicked_is_a_crash)
{
	struct pvpanic d;

	pvpanic_init(&d);
	CHECK_EQ(pvpanic_io_write(&d, PVPANIC_PANICKED), PVPANIC_CRASHED);
	CHECK_EQ(d.panicked, 1);
	/* Both bits: the host-processed panic wins. */
	CHECK_EQ(pvpanic_io_write(&d, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED), PVPANIC_CRASHED);
	CHECK_EQ(d.panicked, 2);
	CHECK_EQ(d.crash_loaded, 0);
}

TEST(crash_loaded_is_recorded_only)
{
	struct pvpanic d;

	pvpanic_init(&d);
	CHECK_EQ(pvpanic_io_write(&d, PVPANIC_CRASH_LOADED), PVPANIC_RECORD);
	CHECK_EQ(d.crash_loaded, 1);
	CHECK_EQ(d.panicked, 0);
}

TEST(unknown_bits_are_ignored)
{
	struct pvpanic d;

	pvpanic_init(&d);
	CHECK_EQ(pvpanic_io_write(&d, 0), PVPANIC_IGNORE);
	CHECK_EQ(pvpanic_io_write(&d, 0x04), PVPANIC_IGNORE); /* guest shutdown: not offered */
	CHECK_EQ(pvpanic_io_write(&d, 0xFC), PVPANIC_IGNORE);
	/* Only the low byte of a wider write counts. */
	CHECK_EQ(pvpanic_io_write(&d, 0x0100), PVPANIC_IGNORE);
	CHECK_EQ(pvpanic_io_write(&d, 0x0101), PVPANIC_CRASHED);
	CHECK_EQ(d.panicked, 1);
}

int main(void)
{
	RUN(read_reports_features);
	RUN(panicked_is_a_crash);
	RUN(crash_loaded_is_recorded_only);
	RUN(unknown_bits_are_ignored);
	TEST_EXIT();
}
