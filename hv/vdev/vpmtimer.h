/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power-management timer (ACPI 6.5, 4.8.3.3 "Power Management
 * Timer"): a free-running up-counter at 3.579545 MHz that the guest reads
 * from the PM_TMR_BLK port the FADT names. It is a pure function of guest
 * time: the value is computed from now_ns on every read, so it never drifts
 * from the clock the hypervisor derives now_ns from.
 *
 * Width: 32 bits. The FADT must set TMR_VAL_EXT (FADT Flags bit 8) so the
 * guest knows the counter wraps at 2^32 (every ~20 minutes) and not 2^24.
 *
 * This header also holds the exact clock-domain conversions (nanoseconds to
 * ticks of a slower clock and back) that the PIT and the RTC use too.
 */
#ifndef VDEV_VPMTIMER_H
#define VDEV_VPMTIMER_H

#include "lib/compiler.h"

#define VPMTIMER_HZ	 3579545u /* ACPI 6.5, 4.8.3.3: 3.579545 MHz */
#define VPMTIMER_BITS	 32	  /* TMR_VAL_EXT = 1 in the FADT */
#define VPMTIMER_IO_LEN	 4	  /* FADT PM_TMR_LEN */
#define VTIME_NS_PER_SEC 1000000000ull
#define VTIME_NEVER	 UINT64_MAX

/*
 * Number of rising edges of a clock of hz Hertz (hz < 10^9) that started at
 * 0 ns, seen by time ns: floor(ns * hz / 10^9), exactly. Splitting ns into
 * whole seconds and the rest keeps every product within 64 bits, so there is
 * no 128-bit division and no rounding error that could accumulate: the
 * result is the exact floor at any ns (gcc turns the divisions by the
 * constant 10^9 into multiply-high and shift).
 */
static inline uint64_t vtime_ns_to_ticks(uint64_t ns, uint32_t hz)
{
	return (ns / VTIME_NS_PER_SEC) * hz + (ns % VTIME_NS_PER_SEC) * hz / VTIME_NS_PER_SEC;
}

/*
 * The first nanosecond at which vtime_ns_to_ticks(ns, hz) >= ticks, i.e.
 * ceil(ticks * 10^9 / hz), exactly; VTIME_NEVER if it does not fit.
 */
static inline uint64_t vtime_ticks_to_ns(uint64_t ticks, uint32_t hz)
{
	uint64_t q = ticks / hz, r = ticks % hz;

	if (q >= UINT64_MAX / VTIME_NS_PER_SEC)
		return VTIME_NEVER;
	return q * VTIME_NS_PER_SEC + (r * VTIME_NS_PER_SEC + hz - 1) / hz;
}

struct vpmtimer {
	uint64_t start_ns; /* guest time at which the counter read 0 */
};

/* Start the counter at 0 at guest time now_ns. Called once per partition. */
void vpmtimer_init(struct vpmtimer *t, uint64_t now_ns);

/* The 32-bit TMR_VAL at now_ns (wraps at 2^32). */
uint32_t vpmtimer_read(const struct vpmtimer *t, uint64_t now_ns);

/*
 * A port read of size bytes (1, 2 or 4) at offset (0..3) into PM_TMR_BLK;
 * bytes past the block read as 0xFF. Called by the port I/O dispatcher.
 */
uint32_t vpmtimer_io_read(const struct vpmtimer *t, unsigned int offset, unsigned int size,
			  uint64_t now_ns);

/*
 * Guest time at which bit 31 of the counter next changes (strictly after
 * now_ns). The ACPI PM1 event block sets TMR_STS then (ACPI 6.5, 4.8.3.3),
 * and raises an SCI if TMR_EN is set.
 */
uint64_t vpmtimer_next_msb_toggle(const struct vpmtimer *t, uint64_t now_ns);

#endif
