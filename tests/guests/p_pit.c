// SPDX-License-Identifier: MIT
/*
 * p_pit: the 8254 programmable interval timer at 0x40-0x43 and its channel
 * 2 gate/output in port 0x61 (Intel 82C54 datasheet, order no. 231244:
 * "Control Word Format", "Read-Back Command", "Counter Latch Command",
 * modes 0, 2 and 3). Needs: 1 vCPU, any RAM, no device option. Polls only;
 * no interrupts (channel 2 has no IRQ).
 *
 * Proves:
 *  - Linux's TSC calibration (arch/x86/kernel/tsc.c, pit_calibrate_tsc):
 *    channel 2 in mode 0 with a 50 ms count, gate on through port 0x61
 *    bit 0, OUT (port 0x61 bit 5) low until terminal count, then high and
 *    staying high; the TSC cycles counted meanwhile give the TSC frequency
 *    of CPUID 0x40000010 EAX within 25 %;
 *  - the read-back command's status byte reports the programmed access mode
 *    and mode (0, 2, 3), binary counting, and the OUT pin as port 0x61
 *    sees it (mode 0 starts low, mode 2 high);
 *  - counter latch: successive latched counts decrease, at 1.193182 MHz
 *    against the TSC; a latched count holds until read; the read-back
 *    command can latch the count too;
 *  - in mode 0, gate low suspends counting and gate high resumes it.
 * The rates are the best of up to 3 attempts, each timed so that a busy
 * host (which can only stretch the TSC interval, or only add counts) never
 * takes the figure past the bound a wrong model breaks on any attempt; see
 * guest_timing in rt.h.
 */
#include "rt.h"

#define CAL_LATCH   59659u /* PIT_HZ / 20: 50 ms, as Linux */
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02
#define PORTB_OUT2  0x20
/*
 * A mode 2 cycle of 0xFFFF counts lasts 54.9 ms. Counts latched less TSC
 * time apart than this are exact: the counter reloaded at most once
 * between them, or not at all if the interval began before programming it.
 */
#define NO_WRAP_US 50000

static void gate2(bool on)
{
	uint8_t b = inb(PORT_B) & ~(PORTB_SPKR | PORTB_GATE2);

	outb(PORT_B, b | (on ? PORTB_GATE2 : 0));
}

static bool out2(void)
{
	return inb(PORT_B) & PORTB_OUT2;
}

/* Channel 2, lobyte/hibyte, the given mode, binary. */
static void program_ch2(unsigned int mode, uint16_t count)
{
	outb(PIT_CMD, (uint8_t)(0xB0 | (mode << 1)));
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
}

/* The two bytes of a latched count, LSB first. */
static uint16_t read_latched_ch2(void)
{
	uint8_t lo = inb(PIT_CH2);
	uint8_t hi = inb(PIT_CH2);

	return (uint16_t)(lo | hi << 8);
}

/* Counter latch command for channel 2 (SC = 10, RW = 00), then LSB, MSB. */
static uint16_t latch_ch2(void)
{
	outb(PIT_CMD, 0x80);
	return read_latched_ch2();
}

/* Read-back (11), latch status only (COUNT# = 1, STATUS# = 0), counter 2. */
static uint8_t status_ch2(void)
{
	outb(PIT_CMD, 0xE8);
	return inb(PIT_CH2);
}

/*
 * One pass of Linux's calibration: the TSC frequency that 50 ms of channel
 * 2 in mode 0 gives, 0 if OUT2 never rose. t0 is read before the count's
 * MSB, the write that starts the count, so the TSC interval can only be
 * longer than the PIT's 50 ms: a busy host stretches it (too many kHz),
 * but fewer kHz than the reference less 25 % is a PIT that ends its count
 * early, on any attempt.
 */
static uint64_t calibrate(bool *low_first)
{
	uint64_t t0, t1;

	gate2(true);
	outb(PIT_CMD, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, CAL_LATCH & 0xFF);
	t0 = rdtsc_ordered();
	outb(PIT_CH2, CAL_LATCH >> 8);
	/* Mode 0: OUT goes low on the control word and stays low until terminal count. */
	*low_first = !out2();
	if (!guest_wait_us(out2(), 2000000))
		return 0;
	t1 = rdtsc_ordered();
	return (t1 - t0) * PIT_HZ / ((uint64_t)CAL_LATCH * 1000);
}

static void check_calibration(void)
{
	uint64_t khz, ref = guest_tsc_khz();
	bool low_first, first = true;
	struct guest_timing t;

	guest_timing_begin(&t, "pit-ch2-calibration", "kHz", 25, 25);
	while (guest_timing_more(&t)) {
		khz = calibrate(&low_first);
		if (first)
			GUEST_CHECK("pit-mode0-out-low-first", low_first);
		first = false;
		if (!khz) {
			GUEST_FAIL("pit-ch2-calibration", "OUT2 never went high in 2 s");
			return;
		}
		gprintf("pit: channel 2 calibration: TSC %lu kHz; reference %lu kHz (%s)\n", khz,
			ref, guest_tsc_source());
		guest_timing_add(&t, khz, ref,
				 khz * 100 < ref * 75 ? "terminal count before 50 ms" : NULL);
	}
	guest_timing_end(&t);
	guest_delay_us(10000);
	GUEST_CHECK("pit-mode0-out-stays-high", out2());
}

static void check_readback(void)
{
	static const unsigned int modes[] = {0, 2, 3};
	static const char *const names[] = {"pit-readback-mode0", "pit-readback-mode2",
					    "pit-readback-mode3"};
	uint8_t st;
	bool pin;

	gate2(true);
	for (unsigned int i = 0; i < ARRAY_SIZE(modes); i++) {
		unsigned int mode = modes[i];
		/* Status: 7 OUT, 6 null count, 5:4 RW (11 = LSB then MSB), 3:1 mode, 0 BCD. */
		uint8_t want = (uint8_t)(0x30 | (mode << 1));

		program_ch2(mode, 0xFFFF);
		st = status_ch2();
		pin = out2();
		gprintf("pit: mode %u: status %#x, port 0x61 OUT2 %d\n", mode, st, pin);
		if ((st & 0x3F) == want && !!(st & 0x80) == pin &&
		    (mode == 3 || !!(st & 0x80) == (mode != 0)))
			GUEST_PASS(names[i]);
		else
			GUEST_FAIL(names[i], "status %#x (want %#x, OUT %d), port 0x61 OUT2 %d", st,
				   want, mode != 0, pin);
	}
}

/*
 * The hard bound of the two latch rates. The TSC interval is read inside
 * the two latch commands (after the first, before the second), so the PIT
 * time between them can only be longer: a busy host adds counts, but
 * fewer than the TSC interval less 25 % is a slow (or not holding) counter,
 * on any attempt that ran in less than one counter cycle (NO_WRAP_US).
 */
static const char *latch_broken(uint64_t pit_us, uint64_t tsc_us, uint64_t span_us, const char *why)
{
	return span_us < NO_WRAP_US && pit_us * 100 < tsc_us * 75 ? why : NULL;
}

/*
 * One attempt of pit-latch-rate: six counts latched 1 ms apart in mode 2;
 * the counts from the first to the last in us of PIT time, against the
 * TSC time between them. *wraps: reloads from 0xFFFF seen.
 */
static void latch_rate_attempt(struct guest_timing *t, unsigned int *wraps)
{
	uint16_t c[6];
	uint64_t ta[6], tb[6], counts = 0, us, pit_us;

	/* Mode 2 with the largest count: 54.9 ms per cycle, counting down. */
	gate2(true);
	program_ch2(2, 0xFFFF);
	for (unsigned int i = 0; i < ARRAY_SIZE(c); i++) {
		if (i)
			guest_delay_us(1000);
		ta[i] = rdtsc_ordered();
		outb(PIT_CMD, 0x80);
		tb[i] = rdtsc_ordered();
		c[i] = read_latched_ch2();
	}
	*wraps = 0;
	for (unsigned int i = 1; i < ARRAY_SIZE(c); i++) {
		if (c[i] < c[i - 1]) {
			counts += c[i - 1] - c[i];
		} else {
			(*wraps)++; /* reloaded from 0xFFFF once in a while */
			counts += c[i - 1] + 0xFFFFu - c[i];
		}
	}
	us = guest_tsc_to_us(ta[5] - tb[0]);
	pit_us = counts * 1000000 / PIT_HZ;
	gprintf("pit: latched %u %u %u %u %u %u: %lu counts in %lu us\n", c[0], c[1], c[2], c[3],
		c[4], c[5], counts, us);
	guest_timing_add(t, pit_us, us,
			 latch_broken(pit_us, us, guest_tsc_to_us(tb[5] - ta[0]),
				      "fewer counts than the TSC time"));
}

/*
 * One attempt of pit-latch-holds: a count latched, read back 5 ms later,
 * against a count latched then; in us of PIT time against the TSC time
 * between the two latch commands. A latch that did not hold would give
 * the count at the read, about the second one.
 */
static void latch_hold_attempt(struct guest_timing *t)
{
	uint16_t l1, l2;
	uint64_t t0, ta, tb, us, pit_us;

	t0 = rdtsc_ordered();
	program_ch2(2, 0xFFFF);
	outb(PIT_CMD, 0x80);
	ta = rdtsc_ordered();
	guest_delay_us(5000);
	l1 = read_latched_ch2();
	tb = rdtsc_ordered();
	l2 = latch_ch2();
	us = guest_tsc_to_us(tb - ta);
	pit_us = (l1 > l2 ? (uint64_t)(l1 - l2) : 0) * 1000000 / PIT_HZ;
	gprintf("pit: latch hold: %u then %u over %lu us\n", l1, l2, us);
	guest_timing_add(t, pit_us, us,
			 latch_broken(pit_us, us, guest_tsc_to_us(rdtsc_ordered() - t0),
				      "the latched count did not hold"));
}

static void check_latch(void)
{
	uint16_t l1, l2;
	unsigned int wraps;
	bool first = true;
	struct guest_timing t;

	guest_timing_begin(&t, "pit-latch-rate", "us", 25, 25);
	while (guest_timing_more(&t)) {
		latch_rate_attempt(&t, &wraps);
		if (first)
			GUEST_CHECK("pit-latch-decreasing", wraps <= 1);
		first = false;
	}
	guest_timing_end(&t);

	/* A latched count holds until both bytes are read. */
	guest_timing_begin(&t, "pit-latch-holds", "us", 25, 25);
	while (guest_timing_more(&t))
		latch_hold_attempt(&t);
	guest_timing_end(&t);

	/* Read-back latching the count (COUNT# = 0, STATUS# = 1), counter 2. */
	l1 = latch_ch2();
	outb(PIT_CMD, 0xD8);
	l2 = read_latched_ch2();
	GUEST_CHECK("pit-readback-count", l2 <= l1 && l1 - l2 < 0x4000);
}

static void check_gate(void)
{
	uint16_t a, b, c;

	/* Mode 0: GATE low disables counting, GATE high enables it (82C54, mode 0). */
	gate2(true);
	program_ch2(0, 0xFFFF);
	guest_delay_us(2000);
	gate2(false);
	a = latch_ch2();
	guest_delay_us(5000);
	b = latch_ch2();
	GUEST_CHECK("pit-gate-low-holds", a == b);
	gate2(true);
	guest_delay_us(2000);
	c = latch_ch2();
	gprintf("pit: gate: %u, %u with gate low, %u after gate high\n", a, b, c);
	GUEST_CHECK("pit-gate-high-resumes", c < b);
}

void guest_main(void)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("pit: %s: needs 1 vCPU (has %u); 8254 channel 2 and port 0x61, polled\n", info.name,
		info.vcpu_count);
	check_calibration();
	check_readback();
	check_latch();
	check_gate();
	gate2(false);
	guest_done();
}
