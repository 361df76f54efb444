/* SPDX-License-Identifier: MIT */
#include "arch/x86/tsc.h"
#include "arch/x86/clocksource.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"

#define NS_PER_SEC 1000000000ull
#define NS_PER_USEC 1000ull
/* Calibration window: long enough that a few clock ticks of jitter are <0.1%. */
#define CALIBRATE_MS 50ull
#define MS_PER_SEC 1000ull
#define FIXED_SHIFT 32
#define KHZ 1000ull
/* A clock that does not tick within this many reads is broken. */
#define CALIBRATE_EDGE_SPINS 100000000ull

uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t ns_per_tick_fx;	/* ns per TSC tick, 32.32 fixed point */
static uint64_t ticks_per_ns_fx;	/* TSC ticks per ns, 32.32 fixed point */

static uint64_t mul_shift(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> FIXED_SHIFT);
}

int tsc_calibrate(void)
{
	uint64_t mask = clocksource_mask();
	uint64_t want = clocksource_hz() * CALIBRATE_MS / MS_PER_SEC;
	uint64_t c0, c1, t0, t1, elapsed = 0, guard = 0;

	/* Start on a counter edge so the window is measured from a tick. */
	c0 = clocksource_read();
	while ((c1 = clocksource_read()) == c0) {
		if (++guard > CALIBRATE_EDGE_SPINS)
			return -EIO;
		cpu_relax();
	}
	t0 = rdtsc_ordered();
	c0 = c1;
	while (elapsed < want) {
		c1 = clocksource_read();
		elapsed += (c1 - c0) & mask;
		c0 = c1;
	}
	t1 = rdtsc_ordered();

	tsc_hz = (t1 - t0) * clocksource_hz() / elapsed;
	if (tsc_hz == 0)
		return -EIO;
	ns_per_tick_fx = (NS_PER_SEC << FIXED_SHIFT) / tsc_hz;
	/* (hz / 1000) << 32 stays below 2^64 for any TSC under 4 THz. */
	ticks_per_ns_fx = ((tsc_hz / KHZ) << FIXED_SHIFT) / (NS_PER_SEC / KHZ);
	tsc_boot = t0;
	return 0;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return mul_shift(ticks, ns_per_tick_fx);
}

uint64_t tsc_from_ns(uint64_t ns)
{
	return mul_shift(ns, ticks_per_ns_fx);
}

uint64_t tsc_at_ns(uint64_t ns)
{
	return tsc_boot + tsc_from_ns(ns);
}

uint64_t tsc_ns_since_boot(void)
{
	if (!tsc_hz)
		return 0;
	return tsc_to_ns(rdtsc() - tsc_boot);
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_from_ns(us * NS_PER_USEC);

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
