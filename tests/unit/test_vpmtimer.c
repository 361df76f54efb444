/* SPDX-License-Identifier: MIT */
/* Unit tests of the ACPI PM timer (hv/vdev/vpmtimer.c): rate, exactness, wrap. */
#include "test.h"

#include "vdev/vpmtimer.h"

#define NS 1000000000ull

/* The exact count, by 128-bit arithmetic. */
static uint32_t ref(uint64_t elapsed_ns)
{
	return (uint32_t)((unsigned __int128)elapsed_ns * VPMTIMER_HZ / NS);
}

TEST(rate_is_3579545_hz)
{
	struct vpmtimer t;
	uint64_t s = 123456789;

	vpmtimer_init(&t, s);
	CHECK_EQ(vpmtimer_read(&t, s), 0);
	CHECK_EQ(vpmtimer_read(&t, s + NS), 3579545);
	CHECK_EQ(vpmtimer_read(&t, s + 1000), 3); /* 3.58 ticks */
	CHECK_EQ(vpmtimer_read(&t, s + 280), 1);  /* one tick is 279.4 ns */
	CHECK_EQ(vpmtimer_read(&t, s + 279), 0);
	CHECK_EQ(vpmtimer_read(&t, s + 60 * NS), 3579545u * 60);
	/* A clock behind the start reads 0. */
	CHECK_EQ(vpmtimer_read(&t, s - 1), 0);
}

TEST(no_drift_over_hours)
{
	struct vpmtimer t;
	uint64_t x = 0x2545F4914F6CDD1Dull, s = 5 * NS;
	int i;

	vpmtimer_init(&t, s);
	/* 10 hours: 128,863,620,000 ticks, modulo 2^32. */
	CHECK_EQ(vpmtimer_read(&t, s + 36000 * NS), (uint32_t)(3579545ull * 36000));
	/* Any instant in 200 days, to the tick. */
	for (i = 0; i < 200000; i++) {
		uint64_t e;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e = x % (200 * 86400 * NS);
		CHECK_EQ(vpmtimer_read(&t, s + e), ref(e));
		if (test_cur_failed)
			break;
	}
	/* Consecutive nanoseconds never step by more than one tick. */
	for (i = 0; i < 100000; i++) {
		uint64_t e = 7 * 3600 * NS + (uint64_t)i;
		uint32_t d = vpmtimer_read(&t, s + e + 1) - vpmtimer_read(&t, s + e);

		CHECK(d <= 1);
	}
}

TEST(wraps_at_32_bits)
{
	struct vpmtimer t;
	uint64_t wrap_ns = vtime_ticks_to_ns(1ull << 32, VPMTIMER_HZ);

	vpmtimer_init(&t, 0);
	/* 2^32 ticks take 1199.86 s. */
	CHECK(wrap_ns > 1199 * NS && wrap_ns < 1200 * NS);
	CHECK_EQ(vpmtimer_read(&t, wrap_ns - 1), 0xFFFFFFFFu);
	CHECK_EQ(vpmtimer_read(&t, wrap_ns), 0);
	CHECK_EQ(vpmtimer_read(&t, wrap_ns + NS), 3579545);
	/* Bit 31 toggles every 2^31 ticks (TMR_STS). */
	CHECK_EQ(vpmtimer_next_msb_toggle(&t, 0), vtime_ticks_to_ns(1ull << 31, VPMTIMER_HZ));
	CHECK_EQ(vpmtimer_next_msb_toggle(&t, wrap_ns - 1), wrap_ns);
	CHECK_EQ(vpmtimer_next_msb_toggle(&t, wrap_ns), vtime_ticks_to_ns(3ull << 31, VPMTIMER_HZ));
	CHECK_EQ(vpmtimer_read(&t, vpmtimer_next_msb_toggle(&t, 0)), 0x80000000u);
	CHECK_EQ(vpmtimer_read(&t, vpmtimer_next_msb_toggle(&t, 0) - 1), 0x7FFFFFFFu);
}

TEST(port_reads)
{
	struct vpmtimer t;
	uint64_t at;

	vpmtimer_init(&t, 1000);
	at = 1000 + vtime_ticks_to_ns(0x12345678, VPMTIMER_HZ);
	CHECK_EQ(vpmtimer_io_read(&t, 0, 4, at), 0x12345678);
	CHECK_EQ(vpmtimer_io_read(&t, 0, 2, at), 0x5678);
	CHECK_EQ(vpmtimer_io_read(&t, 2, 2, at), 0x1234);
	CHECK_EQ(vpmtimer_io_read(&t, 1, 1, at), 0x56);
	CHECK_EQ(vpmtimer_io_read(&t, 3, 2, at), 0xFF12); /* past the block */
}

int main(void)
{
	RUN(rate_is_3579545_hz);
	RUN(no_drift_over_hours);
	RUN(wraps_at_32_bits);
	RUN(port_reads);
	TEST_EXIT();
}
