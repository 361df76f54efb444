/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the MC146818A RTC and CMOS (hv/vdev/vrtc.c): time in BCD and
 * binary, 12/24 hours, SET, the divider, UIP timing, periodic, alarm and
 * update-ended interrupts with register C read-to-clear, calendar
 * conversions across leap years and centuries, CMOS RAM and the NMI bit.
 */
#include <time.h>

#include "test.h"

#include "lib/errno.h"
#include "vdev/vpmtimer.h"
#include "vdev/vrtc.h"
#include "irq_rec.h"

#define NS 1000000000ull

static struct irq_rec rec;
static struct vrtc rtc;

static void setup(int64_t wall, uint64_t now)
{
	struct irq_sink s = {.set = irq_rec_set, .ctx = &rec};

	memset(&rec, 0, sizeof(rec));
	vrtc_init(&rtc, &s, wall, now);
}

static uint8_t rd(uint8_t idx, uint64_t ns)
{
	vrtc_io_write(&rtc, VRTC_PORT_INDEX, idx, ns);
	return vrtc_io_read(&rtc, VRTC_PORT_DATA, ns);
}

static void wr(uint8_t idx, uint8_t val, uint64_t ns)
{
	vrtc_io_write(&rtc, VRTC_PORT_INDEX, idx, ns);
	vrtc_io_write(&rtc, VRTC_PORT_DATA, val, ns);
}

static bool uip(uint64_t ns)
{
	return rd(VRTC_REG_A, ns) & VRTC_A_UIP;
}

static int64_t mk(int y, int mo, int d, int h, int mi, int s)
{
	struct vrtc_tm tm = {.year = y,
			     .mon = (uint8_t)mo,
			     .mday = (uint8_t)d,
			     .hour = (uint8_t)h,
			     .min = (uint8_t)mi,
			     .sec = (uint8_t)s};

	return vrtc_tm_to_unix(&tm);
}

TEST(date_known_values)
{
	struct vrtc_tm tm;

	CHECK_EQ(mk(1970, 1, 1, 0, 0, 0), 0);
	CHECK_EQ(mk(2000, 2, 29, 0, 0, 0), 951782400);
	CHECK_EQ(mk(2100, 3, 1, 0, 0, 0), 4107542400ll);
	CHECK_EQ(mk(2024, 2, 29, 13, 45, 56), 1709214356);
	CHECK_EQ(mk(1900, 1, 1, 0, 0, 0), -2208988800ll);
	CHECK_EQ(mk(9999, 12, 31, 23, 59, 59), 253402300799ll);
	vrtc_unix_to_tm(-1, &tm);
	CHECK(tm.year == 1969 && tm.mon == 12 && tm.mday == 31 && tm.hour == 23 && tm.min == 59 &&
	      tm.sec == 59 && tm.wday == 3);
	/* 2000 is a leap year (divisible by 400), 2100 is not. */
	vrtc_unix_to_tm(mk(2000, 2, 28, 12, 0, 0) + 86400, &tm);
	CHECK(tm.mon == 2 && tm.mday == 29 && tm.wday == 2);
	vrtc_unix_to_tm(4107542399ll + 1, &tm);
	CHECK(tm.year == 2100 && tm.mon == 3 && tm.mday == 1 && tm.wday == 1);
	vrtc_unix_to_tm(4102444799ll + 1, &tm);
	CHECK(tm.year == 2100 && tm.mon == 1 && tm.mday == 1 && tm.wday == 5);
}

TEST(date_round_trip_against_libc)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	int i;

	for (i = 0; i < 300000; i++) {
		struct vrtc_tm tm;
		struct tm ref;
		time_t tt;
		int64_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Years 1800 to 2300. */
		t = (int64_t)(x % 15778800000ull) - 5364662400ll;
		vrtc_unix_to_tm(t, &tm);
		CHECK_EQ(vrtc_tm_to_unix(&tm), t);
		tt = (time_t)t;
		gmtime_r(&tt, &ref);
		CHECK_EQ(tm.year, ref.tm_year + 1900);
		CHECK_EQ(tm.mon, ref.tm_mon + 1);
		CHECK_EQ(tm.mday, ref.tm_mday);
		CHECK_EQ(tm.hour, ref.tm_hour);
		CHECK_EQ(tm.min, ref.tm_min);
		CHECK_EQ(tm.sec, ref.tm_sec);
		CHECK_EQ(tm.wday, ref.tm_wday);
		if (test_cur_failed)
			break;
	}
}

TEST(time_in_bcd_and_binary)
{
	uint64_t t0 = 7 * NS + 123;

	setup(1709214356, t0); /* 2024-02-29 13:45:56, a Thursday */
	CHECK_EQ(rd(VRTC_SECONDS, t0), 0x56);
	CHECK_EQ(rd(VRTC_MINUTES, t0), 0x45);
	CHECK_EQ(rd(VRTC_HOURS, t0), 0x13);
	CHECK_EQ(rd(VRTC_WEEKDAY, t0), 5);
	CHECK_EQ(rd(VRTC_MDAY, t0), 0x29);
	CHECK_EQ(rd(VRTC_MONTH, t0), 0x02);
	CHECK_EQ(rd(VRTC_YEAR, t0), 0x24);
	CHECK_EQ(rd(VRTC_CENTURY, t0), 0x20);
	CHECK_EQ(rd(VRTC_REG_B, t0), VRTC_B_24H);
	CHECK_EQ(rd(VRTC_REG_D, t0), VRTC_D_VRT);
	/* Seconds tick exactly at the second boundaries after t0. */
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 5 * NS - 1), 0x00);
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 5 * NS), 0x01);
	CHECK_EQ(rd(VRTC_MINUTES, t0 + 5 * NS), 0x46);
	/* Binary mode. */
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_DM_BIN, t0 + 5 * NS);
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 5 * NS), 1);
	CHECK_EQ(rd(VRTC_MINUTES, t0 + 5 * NS), 46);
	CHECK_EQ(rd(VRTC_HOURS, t0 + 5 * NS), 13);
	CHECK_EQ(rd(VRTC_MDAY, t0 + 5 * NS), 29);
	CHECK_EQ(rd(VRTC_YEAR, t0 + 5 * NS), 24);
	CHECK_EQ(rd(VRTC_CENTURY, t0 + 5 * NS), 20);
	/* An hour later, in binary. */
	CHECK_EQ(rd(VRTC_HOURS, t0 + 3605 * NS), 14);
	CHECK_EQ(vrtc_time(&rtc, t0 + 3605 * NS), 1709214356 + 3605);
}

TEST(twelve_hour_mode)
{
	int64_t midnight = mk(2023, 7, 4, 0, 0, 0);

	setup(midnight, 0);
	wr(VRTC_REG_B, 0, 0);				/* 12 hours, BCD */
	CHECK_EQ(rd(VRTC_HOURS, 0), 0x12);		/* 12 AM */
	CHECK_EQ(rd(VRTC_HOURS, 3600 * NS), 0x01);	/* 1 AM */
	CHECK_EQ(rd(VRTC_HOURS, 12 * 3600 * NS), 0x92); /* 12 PM */
	CHECK_EQ(rd(VRTC_HOURS, 13 * 3600 * NS), 0x81); /* 1 PM */
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0x91); /* 11 PM */
	wr(VRTC_REG_B, VRTC_B_DM_BIN, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0x80 | 11);
	/* Setting 12:30 AM in 12-hour binary is 00:30. */
	wr(VRTC_REG_B, VRTC_B_SET | VRTC_B_DM_BIN, 23 * 3600 * NS);
	wr(VRTC_HOURS, 12, 23 * 3600 * NS);
	wr(VRTC_MINUTES, 30, 23 * 3600 * NS);
	wr(VRTC_REG_B, VRTC_B_DM_BIN, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 12);
	CHECK_EQ(vrtc_time(&rtc, 23 * 3600 * NS), midnight + 30 * 60);
	wr(VRTC_REG_B, VRTC_B_DM_BIN | VRTC_B_24H, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0);
	CHECK_EQ(rd(VRTC_MINUTES, 23 * 3600 * NS), 30);
	/* 12 PM written as 0x92 in 12-hour BCD is noon. */
	wr(VRTC_REG_B, 0, 23 * 3600 * NS);
	wr(VRTC_REG_B, VRTC_B_SET, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0x12); /* 00:30 is 12 AM */
	wr(VRTC_HOURS, 0x92, 23 * 3600 * NS);
	wr(VRTC_REG_B, 0, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0x92);
	wr(VRTC_REG_B, VRTC_B_24H, 23 * 3600 * NS);
	CHECK_EQ(rd(VRTC_HOURS, 23 * 3600 * NS), 0x12);
	CHECK_EQ(rd(VRTC_MINUTES, 23 * 3600 * NS), 0x30);
}

TEST(set_bit_freezes_and_sets_time)
{
	uint64_t t0 = 1000 * NS, t;

	setup(1709214356, t0);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, t0);
	rd(VRTC_REG_C, t0);
	/* SET: updates stop, UIE is cleared, UIP reads 0. */
	t = t0 + 300000000;
	wr(VRTC_REG_B, VRTC_B_SET | VRTC_B_24H | VRTC_B_UIE, t);
	CHECK_EQ(rd(VRTC_REG_B, t), VRTC_B_SET | VRTC_B_24H);
	CHECK_EQ(rd(VRTC_SECONDS, t + 10 * NS), 0x56);
	CHECK(!uip(t + 10 * NS + 999900000 - 300000000));
	/* Linux's set_rtc_time order: the fields, then SET off. */
	wr(VRTC_YEAR, 0x99, t + 11 * NS);
	wr(VRTC_CENTURY, 0x19, t + 11 * NS);
	wr(VRTC_MONTH, 0x12, t + 11 * NS);
	wr(VRTC_MDAY, 0x31, t + 11 * NS);
	wr(VRTC_HOURS, 0x23, t + 11 * NS);
	wr(VRTC_MINUTES, 0x59, t + 11 * NS);
	wr(VRTC_SECONDS, 0x58, t + 11 * NS);
	CHECK_EQ(rd(VRTC_SECONDS, t + 12 * NS), 0x58);
	CHECK_EQ(rd(VRTC_REG_C, t + 12 * NS) & VRTC_C_UF, 0); /* no update under SET */
	wr(VRTC_REG_B, VRTC_B_24H, t + 12 * NS);	      /* t0 + 12.3 s */
	CHECK_EQ(vrtc_time(&rtc, t + 12 * NS), mk(1999, 12, 31, 23, 59, 58));
	/* The divider kept its phase: the next update is at t0 + 13 s. */
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 13 * NS - 1), 0x58);
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 13 * NS), 0x59);
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 14 * NS), 0x00);
	CHECK_EQ(rd(VRTC_YEAR, t0 + 14 * NS), 0x00);
	CHECK_EQ(rd(VRTC_CENTURY, t0 + 14 * NS), 0x20);
	CHECK_EQ(rd(VRTC_MONTH, t0 + 14 * NS), 0x01);
	CHECK_EQ(rd(VRTC_WEEKDAY, t0 + 14 * NS), 7); /* 2000-01-01: Saturday */
	CHECK_EQ(rd(VRTC_REG_C, t0 + 14 * NS) & VRTC_C_UF, VRTC_C_UF);
	/* A write without SET: the clock counts on from it, same phase. */
	wr(VRTC_MINUTES, 0x10, t0 + 14 * NS + 500000000);
	CHECK_EQ(rd(VRTC_MINUTES, t0 + 15 * NS), 0x10);
	CHECK_EQ(rd(VRTC_SECONDS, t0 + 15 * NS), 0x01);
}

TEST(uip_window_244us)
{
	uint64_t t0 = 3 * NS; /* an update boundary of the divider */

	setup(1709214356, t0);
	/* 8 periods of 32768 Hz = 244140.625 ns before each update. */
	CHECK(!uip(t0 + NS - 244141));
	CHECK(uip(t0 + NS - 244140));
	CHECK_EQ(rd(VRTC_SECONDS, t0 + NS - 1), 0x56); /* not updated yet */
	CHECK(uip(t0 + NS - 1));
	CHECK(!uip(t0 + NS));
	CHECK_EQ(rd(VRTC_SECONDS, t0 + NS), 0x57);
	CHECK(!uip(t0 + 2 * NS - 244141));
	CHECK(uip(t0 + 2 * NS - 200000));
	/* The register A bits other than UIP read back; UIP is read-only. */
	wr(VRTC_REG_A, 0xA6, t0 + 3 * NS);
	CHECK_EQ(rd(VRTC_REG_A, t0 + 3 * NS), 0x26);
	/* No UIP while SET is on. */
	wr(VRTC_REG_B, VRTC_B_SET | VRTC_B_24H, t0 + 3 * NS);
	CHECK(!uip(t0 + 4 * NS - 1000));
}

TEST(divider_reset_and_restart)
{
	uint64_t t0 = 0;

	setup(1709214356, t0);
	wr(VRTC_REG_A, 0x76, 2 * NS + 250000000); /* DV = 111: reset */
	CHECK_EQ(rd(VRTC_SECONDS, 2 * NS + 250000000), 0x58);
	CHECK_EQ(rd(VRTC_SECONDS, 60 * NS), 0x58);
	CHECK(!uip(61 * NS - 1000));
	wr(VRTC_REG_A, 0x26, 70 * NS); /* first update 500 ms later */
	CHECK_EQ(rd(VRTC_SECONDS, 70 * NS + 500000000 - 1), 0x58);
	CHECK(uip(70 * NS + 500000000 - 1));
	CHECK_EQ(rd(VRTC_SECONDS, 70 * NS + 500000000), 0x59);
	CHECK_EQ(rd(VRTC_SECONDS, 71 * NS + 500000000), 0x00);
	/* No periodic interrupts while the divider is stopped. */
	wr(VRTC_REG_A, 0x76, 80 * NS);
	rd(VRTC_REG_C, 80 * NS);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, 80 * NS);
	CHECK_EQ(vrtc_next_event(&rtc, 80 * NS), VTIME_NEVER);
	CHECK_EQ(rd(VRTC_REG_C, 90 * NS), 0);
}

/* Count periodic interrupts in one second, acknowledging like a guest. */
static int periodic_count(unsigned int rate, uint64_t *min_gap, uint64_t *max_gap)
{
	uint64_t t0 = 5 * NS, t = t0, last = 0;
	int n = 0;

	setup(1709214356, t0);
	wr(VRTC_REG_A, (uint8_t)(VRTC_A_DV_32K | rate), t0);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, t0);
	*min_gap = UINT64_MAX;
	*max_gap = 0;
	for (;;) {
		uint64_t next = vrtc_next_event(&rtc, t);

		if (next == VTIME_NEVER || next > t0 + NS)
			break;
		vrtc_advance(&rtc, next);
		if (!rec.level)
			return -1;
		if (last) {
			*min_gap = MIN(*min_gap, next - last);
			*max_gap = MAX(*max_gap, next - last);
		}
		last = t = next;
		n++;
		/* The handler reads C: PF and IRQF, then the line drops. */
		if ((rd(VRTC_REG_C, t) & ~VRTC_C_UF) != (VRTC_C_IRQF | VRTC_C_PF))
			return -2;
		if (rec.level)
			return -3;
	}
	return n;
}

TEST(periodic_interrupt_rates)
{
	static const unsigned int hz[16] = {0,	 256, 128, 8192, 4096, 2048, 1024, 512,
					    256, 128, 64,  32,	 16,   8,    4,	   2};
	unsigned int rate;
	uint64_t lo, hi;

	for (rate = 1; rate < 16; rate++) {
		int n = periodic_count(rate, &lo, &hi);
		uint64_t period = NS / hz[rate];

		CHECK_EQ(n, hz[rate]);
		/* Ticks fall on the 32.768 kHz grid: at most 1 ns rounding. */
		if (hz[rate] > 1) {
			CHECK(lo + 1 >= period && hi <= period + 1);
		}
	}
	/* Rate 0: no periodic interrupt. */
	CHECK_EQ(periodic_count(0, &lo, &hi), 0);
	/* PF is set even with PIE off, but no IRQ. */
	setup(0, 0);
	CHECK_EQ(rd(VRTC_REG_C, 0), 0);
	CHECK_EQ(rd(VRTC_REG_C, 2000000), VRTC_C_PF); /* rate 6, 1024 Hz */
	CHECK(!rec.level);
	CHECK_EQ(rec.rises, 0);
	/* Enabling PIE with PF pending raises the line at once. */
	vrtc_advance(&rtc, 4000000);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, 4000000);
	CHECK(rec.level);
	CHECK_EQ(rec.line, VRTC_IRQ_LINE);
}

TEST(update_ended_interrupt)
{
	uint64_t t0 = 2 * NS + 777;

	setup(1709214356, t0);
	wr(VRTC_REG_A, VRTC_A_DV_32K, t0); /* no periodic flag in the way */
	rd(VRTC_REG_C, t0);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, t0 + 100);
	CHECK_EQ(vrtc_next_event(&rtc, t0 + 100), t0 + NS);
	vrtc_advance(&rtc, t0 + NS - 1);
	CHECK(!rec.level);
	vrtc_advance(&rtc, t0 + NS);
	CHECK(rec.level);
	/* While the line is up nothing else is scheduled. */
	CHECK_EQ(vrtc_next_event(&rtc, t0 + NS), VTIME_NEVER);
	vrtc_advance(&rtc, t0 + 3 * NS);
	CHECK_EQ(rec.rises, 1);
	/* Reading C returns UF | IRQF and clears it; the line drops. */
	CHECK_EQ(rd(VRTC_REG_C, t0 + 3 * NS), VRTC_C_IRQF | VRTC_C_UF);
	CHECK(!rec.level);
	CHECK_EQ(rd(VRTC_REG_C, t0 + 3 * NS), 0);
	CHECK_EQ(vrtc_next_event(&rtc, t0 + 3 * NS), t0 + 4 * NS);
	vrtc_advance(&rtc, t0 + 4 * NS);
	CHECK_EQ(rec.rises, 2);
}

TEST(alarm_interrupt)
{
	uint64_t t0 = 10 * NS, next;

	setup(1709214356, t0);		   /* 13:45:56 */
	wr(VRTC_REG_A, VRTC_A_DV_32K, t0); /* no periodic flag in the way */
	rd(VRTC_REG_C, t0);
	/* Alarm at 13:46:30. */
	wr(VRTC_HOURS_AL, 0x13, t0);
	wr(VRTC_MINUTES_AL, 0x46, t0);
	wr(VRTC_SECONDS_AL, 0x30, t0);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_AIE, t0);
	next = vrtc_next_event(&rtc, t0);
	CHECK_EQ(next, t0 + 34 * NS);
	vrtc_advance(&rtc, next - 1);
	CHECK(!rec.level);
	vrtc_advance(&rtc, next);
	CHECK(rec.level);
	CHECK_EQ(rd(VRTC_REG_C, next), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	CHECK(!rec.level);
	/* The same alarm again: a day later. */
	CHECK_EQ(vrtc_next_event(&rtc, next), next + 86400 * NS);
	/* Don't care: hours and minutes any, seconds 00 -> every minute. */
	wr(VRTC_HOURS_AL, 0xFF, next);
	wr(VRTC_MINUTES_AL, 0xC0, next);
	wr(VRTC_SECONDS_AL, 0x00, next);
	CHECK_EQ(vrtc_next_event(&rtc, next), next + 30 * NS); /* 13:47:00 */
	/* All don't care: every second. */
	wr(VRTC_SECONDS_AL, 0xC5, next);
	CHECK_EQ(vrtc_next_event(&rtc, next), next + NS);
	/* An alarm missed while the hypervisor slept still sets AF. */
	wr(VRTC_HOURS_AL, 0x14, next);
	wr(VRTC_MINUTES_AL, 0x00, next);
	wr(VRTC_SECONDS_AL, 0x00, next);
	CHECK_EQ(vrtc_next_event(&rtc, next), next + 810 * NS); /* 14:00:00 */
	CHECK_EQ(rd(VRTC_REG_C, next + 3600 * NS) & VRTC_C_AF, VRTC_C_AF);
	/* An alarm hour that names no hour never matches. */
	wr(VRTC_HOURS_AL, 0x25, next + 3600 * NS);
	CHECK_EQ(vrtc_next_event(&rtc, next + 3600 * NS), VTIME_NEVER);
	/* 12-hour mode: 2 PM is 0x82. */
	wr(VRTC_REG_B, VRTC_B_AIE, next + 3600 * NS); /* now 14:46:30 */
	wr(VRTC_HOURS_AL, 0x82, next + 3600 * NS);
	wr(VRTC_MINUTES_AL, 0x47, next + 3600 * NS);
	wr(VRTC_SECONDS_AL, 0x00, next + 3600 * NS);
	CHECK_EQ(vrtc_next_event(&rtc, next + 3600 * NS), next + 3630 * NS);
}

TEST(century_and_leap_rollover)
{
	setup(4102444799ll, 0); /* 2099-12-31 23:59:59 */
	CHECK_EQ(rd(VRTC_CENTURY, 0), 0x20);
	CHECK_EQ(rd(VRTC_YEAR, 0), 0x99);
	CHECK_EQ(rd(VRTC_YEAR, NS), 0x00);
	CHECK_EQ(rd(VRTC_CENTURY, NS), 0x21);
	CHECK_EQ(rd(VRTC_MONTH, NS), 0x01);
	CHECK_EQ(rd(VRTC_MDAY, NS), 0x01);
	CHECK_EQ(rd(VRTC_WEEKDAY, NS), 6); /* Friday */
	/* 2100 is not a leap year: February 28 is followed by March 1. */
	setup(4107542399ll, 0);
	CHECK_EQ(rd(VRTC_MDAY, 0), 0x28);
	CHECK_EQ(rd(VRTC_MONTH, NS), 0x03);
	CHECK_EQ(rd(VRTC_MDAY, NS), 0x01);
	/* 2000 is: February 29 exists. */
	setup(951782400 - 1, 0);
	CHECK_EQ(rd(VRTC_MDAY, NS), 0x29);
	CHECK_EQ(rd(VRTC_MONTH, NS), 0x02);
	/* Setting Feb 29 2100 through SET: clamped to the 28th. */
	wr(VRTC_REG_B, VRTC_B_SET | VRTC_B_24H, NS);
	wr(VRTC_CENTURY, 0x21, NS);
	wr(VRTC_YEAR, 0x00, NS);
	wr(VRTC_MDAY, 0x29, NS);
	wr(VRTC_REG_B, VRTC_B_24H, NS);
	CHECK_EQ(rd(VRTC_MDAY, NS), 0x28);
}

TEST(index_port_nmi_bit)
{
	setup(1709214356, 0);
	vrtc_io_write(&rtc, VRTC_PORT_INDEX, 0x80 | VRTC_MINUTES, 0);
	CHECK(vrtc_nmi_disabled(&rtc));
	CHECK_EQ(vrtc_io_read(&rtc, VRTC_PORT_DATA, 0), 0x45);
	vrtc_io_write(&rtc, VRTC_PORT_INDEX, 0x80 | VRTC_REG_D, 0);
	CHECK_EQ(vrtc_io_read(&rtc, VRTC_PORT_DATA, 0), VRTC_D_VRT);
	vrtc_io_write(&rtc, VRTC_PORT_INDEX, VRTC_HOURS, 0);
	CHECK(!vrtc_nmi_disabled(&rtc));
	CHECK_EQ(vrtc_io_read(&rtc, VRTC_PORT_DATA, 0), 0x13);
	/* The index port is write-only. */
	CHECK_EQ(vrtc_io_read(&rtc, VRTC_PORT_INDEX, 0), 0xFF);
	/* 0xFF selects RAM byte 0x7F, not an out-of-range index. */
	wr(0xFF, 0x5A, 0);
	CHECK_EQ(rd(0x7F, 0), 0x5A);
	CHECK(vrtc_claims_port(0x70) && vrtc_claims_port(0x71) && !vrtc_claims_port(0x72));
}

TEST(cmos_ram_and_checksum)
{
	unsigned int sum = 0, i;

	setup(0, 0);
	CHECK_EQ(rd(VRTC_SHUTDOWN, 0), 0);
	CHECK_EQ(rd(VRTC_FLOPPY, 0), 0);
	CHECK_EQ(rd(VRTC_EQUIPMENT, 0) & 0x02, 0x02); /* FPU */
	CHECK_EQ(rd(VRTC_BASEMEM_LO, 0) | rd(VRTC_BASEMEM_HI, 0) << 8, 640);
	/* 2 GiB: 63 MiB above 1 MiB (capped), 2032 MiB above 16 MiB. */
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_EXTMEM_LO, 0x00), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_EXTMEM_HI, 0xFC), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_EXTMEM2_LO, 0x00), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_EXTMEM2_HI, 0xFC), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_MEM16M_LO, 0x00), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_MEM16M_HI, 0x7F), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_MEM4G_LO, 0x00), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_MEM4G_MID, 0x10), 0);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_MEM4G_HI, 0x00), 0);
	CHECK_EQ(rd(VRTC_EXTMEM_HI, 0), 0xFC);
	CHECK_EQ(rd(VRTC_MEM16M_HI, 0), 0x7F);
	CHECK_EQ(rd(VRTC_MEM4G_MID, 0), 0x10);
	for (i = 0x10; i < 0x2E; i++)
		sum += rd((uint8_t)i, 0);
	CHECK_EQ(rd(VRTC_CSUM_HI, 0) << 8 | rd(VRTC_CSUM_LO, 0), sum);
	/* The clock's registers are not the hypervisor's to set. */
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_SECONDS, 1), -EINVAL);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_REG_B, 1), -EINVAL);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_REG_D, 1), -EINVAL);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_CENTURY, 1), -EINVAL);
	CHECK_EQ(vrtc_set_cmos(&rtc, 128, 1), -EINVAL);
	CHECK_EQ(vrtc_set_cmos(&rtc, VRTC_SHUTDOWN, 0x0A), 0);
	CHECK_EQ(rd(VRTC_SHUTDOWN, 0), 0x0A);
	/* The guest writes RAM; C and D are read-only. */
	wr(0x40, 0xA5, 0);
	CHECK_EQ(rd(0x40, 0), 0xA5);
	wr(VRTC_REG_D, 0x00, 0);
	CHECK_EQ(rd(VRTC_REG_D, 0), VRTC_D_VRT);
	wr(VRTC_REG_C, 0xF0, 0);
	CHECK_EQ(rd(VRTC_REG_C, 0), 0);
}

int main(void)
{
	RUN(date_known_values);
	RUN(date_round_trip_against_libc);
	RUN(time_in_bcd_and_binary);
	RUN(twelve_hour_mode);
	RUN(set_bit_freezes_and_sets_time);
	RUN(uip_window_244us);
	RUN(divider_reset_and_restart);
	RUN(periodic_interrupt_rates);
	RUN(update_ended_interrupt);
	RUN(alarm_interrupt);
	RUN(century_and_leap_rollover);
	RUN(index_port_nmi_bit);
	RUN(cmos_ram_and_checksum);
	TEST_EXIT();
}
