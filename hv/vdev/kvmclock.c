/* SPDX-License-Identifier: MIT */
#include "vdev/kvmclock.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#define NS_PER_SEC    1000000000ull
#define FRACTION_BITS 32
#define MAX_SHIFT     31

/* Field offsets of struct pvclock_vcpu_time_info (arch/x86/include/asm/pvclock-abi.h). */
#define TI_VERSION	 0
#define TI_TSC_TIMESTAMP 8
#define TI_SYSTEM_TIME	 16
#define TI_MUL		 24
#define TI_SHIFT	 28
#define TI_FLAGS	 29
/* ... and of struct pvclock_wall_clock. */
#define WC_VERSION 0
#define WC_SEC	   4
#define WC_NSEC	   8

int kvmclock_scale(uint64_t tsc_hz, struct kvmclock_scale *s)
{
	/* ns per tick in 32.32 fixed point; 10^9 << 32 fits in 64 bits. */
	uint64_t frac = (NS_PER_SEC << FRACTION_BITS) / (tsc_hz ? tsc_hz : 1);
	int shift = 0;

	if (tsc_hz == 0 || frac == 0)
		return -EINVAL;
	/*
	 * Above 1 GHz, shift the delta right and the multiplier left so the
	 * multiplier keeps 32 significant bits; below, shift the other way.
	 */
	while (frac < (1ull << (FRACTION_BITS - 1)) && shift > -MAX_SHIFT) {
		frac <<= 1;
		shift--;
	}
	while (frac >= (1ull << FRACTION_BITS) && shift < MAX_SHIFT) {
		frac >>= 1;
		shift++;
	}
	if (frac >= (1ull << FRACTION_BITS))
		return -EINVAL;
	s->mul = (uint32_t)frac;
	s->shift = (int8_t)shift;
	return 0;
}

uint64_t kvmclock_delta_ns(const struct kvmclock_scale *s, uint64_t delta)
{
	uint64_t lo, hi;

	if (s->shift < 0)
		delta >>= -s->shift;
	else
		delta <<= s->shift;
	/* (delta * mul) >> 32 without 128-bit arithmetic. */
	lo = (delta & 0xFFFFFFFFull) * s->mul;
	hi = (delta >> FRACTION_BITS) * s->mul;
	return hi + (lo >> FRACTION_BITS);
}

void kvmclock_time_info(uint8_t out[KVMCLOCK_TIME_INFO_SIZE], uint32_t version,
			uint64_t tsc_timestamp, uint64_t system_time,
			const struct kvmclock_scale *s)
{
	memset(out, 0, KVMCLOCK_TIME_INFO_SIZE);
	put_le32(out, TI_VERSION, version);
	put_le64(out, TI_TSC_TIMESTAMP, tsc_timestamp);
	put_le64(out, TI_SYSTEM_TIME, system_time);
	put_le32(out, TI_MUL, s->mul);
	out[TI_SHIFT] = (uint8_t)s->shift;
	out[TI_FLAGS] = PVCLOCK_TSC_STABLE_BIT;
}

void kvmclock_wall_clock(uint8_t out[KVMCLOCK_WALL_CLOCK_SIZE], uint32_t version, uint32_t sec,
			 uint32_t nsec)
{
	put_le32(out, WC_VERSION, version);
	put_le32(out, WC_SEC, sec);
	put_le32(out, WC_NSEC, nsec);
}

bool kvmclock_gpa_ok(uint64_t msr_value)
{
	return ((msr_value & ~KVMCLOCK_SYSTEM_TIME_ENABLE) % KVMCLOCK_TIME_INFO_ALIGN) == 0;
}
