/* SPDX-License-Identifier: MIT */
/* Unit tests of the KVM-compatible paravirtual clock (hv/vdev/kvmclock.c). */
#include "test.h"

#include "lib/errno.h"
#include "vdev/kvmclock.h"

#define NS 1000000000ull

/* What Linux derives from the structure: pvclock_tsc_khz() in arch/x86/kernel/pvclock.c. */
static uint64_t guest_tsc_khz(const struct kvmclock_scale *s)
{
	uint64_t khz = (1000000ull << 32) / s->mul;

	return s->shift < 0 ? khz << -s->shift : khz >> s->shift;
}

/* The exact nanoseconds in delta ticks, by 128-bit arithmetic. */
static uint64_t exact_ns(uint64_t delta, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)delta * NS / hz);
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

TEST(scale_across_rates)
{
	static const uint64_t rates[] = {1000000ull,	24000000ull,   999999999ull,
					 1000000000ull, 1000000001ull, 2597534000ull,
					 3000000000ull, 4294967296ull, 5200000000ull};

	for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
		struct kvmclock_scale s;
		uint64_t hz = rates[i];

		CHECK_EQ(kvmclock_scale(hz, &s), 0);
		/* 32 significant bits in the multiplier. */
		CHECK(s.mul >= (1u << 31));
		/* One second and one hour of ticks, within 1 ppm. */
		CHECK(absdiff(kvmclock_delta_ns(&s, hz), NS) <= NS / 1000000);
		CHECK(absdiff(kvmclock_delta_ns(&s, hz * 3600), 3600 * NS) <= 3600 * NS / 1000000);
		/*
		 * Linux reads back the rate to the kHz; its formula rounds
		 * before it shifts left, which costs it 2^-shift kHz.
		 */
		CHECK(absdiff(guest_tsc_khz(&s), hz / 1000) <= (s.shift < 0 ? 1u << -s.shift : 1u));
		if (test_cur_failed) {
			printf("  at %llu Hz: mul %u shift %d\n", (unsigned long long)hz, s.mul,
			       s.shift);
			break;
		}
	}
}

TEST(scale_is_monotonic_and_close)
{
	struct kvmclock_scale s;
	uint64_t hz = 2597534000ull, prev = 0;

	CHECK_EQ(kvmclock_scale(hz, &s), 0);
	/* A day of uptime in irregular steps: never backwards, within 1 ppm of exact. */
	for (uint64_t t = 0; t < 86400 * hz; t += hz / 7 + 12345) {
		uint64_t ns = kvmclock_delta_ns(&s, t);

		CHECK(ns >= prev);
		CHECK(absdiff(ns, exact_ns(t, hz)) <= exact_ns(t, hz) / 1000000 + 1);
		prev = ns;
		if (test_cur_failed)
			break;
	}
}

TEST(scale_rejects)
{
	struct kvmclock_scale s = {0, 0};

	CHECK_EQ(kvmclock_scale(0, &s), -EINVAL);
	CHECK_EQ(s.mul, 0);
}

TEST(time_info_layout)
{
	struct kvmclock_scale s = {.mul = 0xC5A5B5E5u, .shift = -1};
	uint8_t b[KVMCLOCK_TIME_INFO_SIZE];
	/*
	 * version 2 and padding; tsc_timestamp; system_time; tsc_to_system_mul;
	 * tsc_shift -1; flags (stable); padding.
	 */
	static const uint8_t want[KVMCLOCK_TIME_INFO_SIZE] = {
	    2,	  0,	0,    0,    0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	    0x10, 0x32, 0x54, 0x76, 0, 0, 0, 0, 0xE5, 0xB5, 0xA5, 0xC5, 0xFF, 1,    0,	  0,
	};

	memset(b, 0xAA, sizeof(b));
	kvmclock_time_info(b, 2, 0x1122334455667788ull, 0x76543210ull, &s);
	CHECK(memcmp(b, want, sizeof(b)) == 0);
	CHECK_EQ(PVCLOCK_TSC_STABLE_BIT, 1);
}

TEST(wall_clock_layout)
{
	uint8_t b[KVMCLOCK_WALL_CLOCK_SIZE];
	/* version 4; sec 0x07654321; nsec 999999999. */
	static const uint8_t want[KVMCLOCK_WALL_CLOCK_SIZE] = {
	    4, 0, 0, 0, 0x21, 0x43, 0x65, 0x07, 0xFF, 0xC9, 0x9A, 0x3B,
	};

	kvmclock_wall_clock(b, 4, 0x07654321u, 999999999u);
	CHECK(memcmp(b, want, sizeof(b)) == 0);
}

TEST(gpa_alignment)
{
	CHECK(kvmclock_gpa_ok(0x1000 | KVMCLOCK_SYSTEM_TIME_ENABLE));
	CHECK(kvmclock_gpa_ok(0x1004));
	CHECK(kvmclock_gpa_ok(0x1fe0 | KVMCLOCK_SYSTEM_TIME_ENABLE));
	CHECK(!kvmclock_gpa_ok(0x1002 | KVMCLOCK_SYSTEM_TIME_ENABLE));
	CHECK(!kvmclock_gpa_ok(0x1003));
}

TEST(cpuid_signature_spells_kvm)
{
	char sig[12];
	uint32_t regs[3] = {KVMCLOCK_SIG_EBX, KVMCLOCK_SIG_ECX, KVMCLOCK_SIG_EDX};

	memcpy(sig, regs, sizeof(sig));
	CHECK(memcmp(sig, "KVMKVMKVM\0\0\0", sizeof(sig)) == 0);
	CHECK_EQ(KVMCLOCK_FEATURES, (1u << 3) | (1u << 24));
}

int main(void)
{
	RUN(scale_across_rates);
	RUN(scale_is_monotonic_and_close);
	RUN(scale_rejects);
	RUN(time_info_layout);
	RUN(wall_clock_layout);
	RUN(gpa_alignment);
	RUN(cpuid_signature_spells_kvm);
	TEST_EXIT();
}
