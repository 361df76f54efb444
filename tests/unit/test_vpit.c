/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the 8254 PIT (hv/vdev/vpit.c): every mode's OUT and count at
 * chosen clock edges, latch and read-back, access sequencing, BCD, the
 * channel 2 gate and OUT through port 0x61, Linux's TSC calibration loops,
 * and IRQ 0 through next_event/advance.
 */
#include "test.h"

#include "vdev/vpit.h"
#include "vdev/vpmtimer.h"
#include "irq_rec.h"

static struct irq_rec rec;
static struct vpit pit;

/* The first nanosecond of PIT clock edge k. */
static uint64_t E(uint64_t k)
{
	return vtime_ticks_to_ns(k, VPIT_HZ);
}

static void setup(uint64_t now)
{
	struct irq_sink s = {.set = irq_rec_set, .ctx = &rec};

	memset(&rec, 0, sizeof(rec));
	vpit_init(&pit, &s, now);
}

static void out(uint16_t port, uint8_t v, uint64_t ns)
{
	vpit_io_write(&pit, port, v, ns);
}

static uint8_t in(uint16_t port, uint64_t ns)
{
	return vpit_io_read(&pit, port, ns);
}

/* Counter latch command and the two bytes (channel in word access). */
static unsigned int latched(unsigned int ch, uint64_t ns)
{
	unsigned int lo, hi;

	out(VPIT_PORT_CTRL, (uint8_t)(ch << 6), ns);
	lo = in((uint16_t)(VPIT_PORT_CH0 + ch), ns);
	hi = in((uint16_t)(VPIT_PORT_CH0 + ch), ns);
	return lo | hi << 8;
}

/* Status byte through the read-back command. */
static uint8_t status(unsigned int ch, uint64_t ns)
{
	out(VPIT_PORT_CTRL, (uint8_t)(0xC0 | 0x20 | (2u << ch)), ns);
	return in((uint16_t)(VPIT_PORT_CH0 + ch), ns);
}

static bool out_bit(unsigned int ch, uint64_t ns)
{
	return status(ch, ns) & 0x80;
}

/* Program channel ch: control word cw then a word count, at ns. */
static void program(unsigned int ch, uint8_t cw, uint16_t count, uint64_t ns)
{
	out(VPIT_PORT_CTRL, cw, ns);
	out((uint16_t)(VPIT_PORT_CH0 + ch), (uint8_t)count, ns);
	out((uint16_t)(VPIT_PORT_CH0 + ch), (uint8_t)(count >> 8), ns);
}

TEST(clock_math_exact)
{
	uint64_t x = 88172645463325252ull;
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t k, ns;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x >> (i % 40 + 11); /* edges of many magnitudes, up to 2^53 */
		ns = E(k);
		CHECK(ns != VTIME_NEVER);
		CHECK_EQ(vtime_ns_to_ticks(ns, VPIT_HZ), k);
		if (k)
			CHECK_EQ(vtime_ns_to_ticks(ns - 1, VPIT_HZ), k - 1);
		/* Against a 128-bit reference. */
		ns = x >> (i % 20);
		CHECK_EQ(vtime_ns_to_ticks(ns, VPIT_HZ),
			 (uint64_t)((unsigned __int128)ns * VPIT_HZ / 1000000000u));
	}
	CHECK_EQ(vtime_ns_to_ticks(1000000000ull, VPIT_HZ), VPIT_HZ);
	CHECK_EQ(E(VPIT_HZ), 1000000000ull);
}

TEST(bios_state_and_18hz)
{
	uint64_t t0 = 5000000, next;

	setup(t0);
	/* Channel 0 in mode 3, count 65536: IRQ 0 every 54.925 ms. */
	CHECK_EQ(status(0, t0) & 0x3F, 0x36);
	CHECK(rec.level);
	next = vpit_next_event(&pit, t0);
	CHECK(next > t0 + 54924000 && next < t0 + 54926000);
	/* Channel 2's gate is low: port 0x61 reads gate 0, its count holds. */
	CHECK_EQ(in(VPIT_PORT_NMI_SC, t0) & VPIT_P61_GATE2, 0);
	CHECK_EQ(latched(2, t0 + 1000000), latched(2, t0 + 9000000));
	CHECK(vpit_claims_port(0x40) && vpit_claims_port(0x43) && vpit_claims_port(0x61));
	CHECK(!vpit_claims_port(0x44) && !vpit_claims_port(0x60));
	CHECK_EQ(in(VPIT_PORT_CTRL, t0), 0xFF);
}

TEST(mode0_interrupt_on_terminal_count)
{
	uint64_t w = E(1000);

	setup(0);
	out(VPIT_PORT_CTRL, 0x30, w); /* ch0, word, mode 0, binary */
	CHECK(!rec.level);	      /* mode 0 drives OUT low at once */
	CHECK_EQ(status(0, w), 0x70); /* OUT 0, null count, RW 11, mode 0 */
	out(VPIT_PORT_CH0, 100, w);
	out(VPIT_PORT_CH0, 0, w);
	CHECK_EQ(status(0, w) & 0x40, 0x40); /* not loaded before the next edge */
	CHECK_EQ(latched(0, E(1001)), 100);  /* the loading edge does not count */
	CHECK_EQ(status(0, E(1001)), 0x30);
	CHECK_EQ(latched(0, E(1051)), 50);
	CHECK_EQ(latched(0, E(1100) + 500), 1);
	CHECK(!out_bit(0, E(1101) - 1));
	CHECK(out_bit(0, E(1101)));	       /* N + 1 edges after the write */
	CHECK_EQ(latched(0, E(1102)), 0xFFFF); /* keeps counting, wraps */
	CHECK(out_bit(0, E(1102) + 100000000));

	/* The same through next_event/advance: one IRQ at edge 1101. */
	setup(0);
	program(0, 0x30, 100, w);
	rec.rises = 0;
	CHECK_EQ(vpit_next_event(&pit, w), E(1101));
	vpit_advance(&pit, E(1101) - 1);
	CHECK_EQ(rec.rises, 0);
	vpit_advance(&pit, E(1101));
	CHECK_EQ(rec.rises, 1);
	CHECK_EQ(rec.line, VPIT_IRQ_LINE);
	CHECK_EQ(vpit_next_event(&pit, E(1101)), VTIME_NEVER);
	vpit_advance(&pit, E(9000));
	CHECK_EQ(rec.rises, 1);
}

TEST(mode2_rate_generator_irq)
{
	uint64_t w = E(5000), t;
	int i;

	/* IRQ 0 at every period through next_event/advance. */
	setup(0);
	program(0, 0x34, 1000, w); /* loaded at edge 5001 */
	rec.rises = 0;
	t = w;
	for (i = 1; i <= 10; i++) {
		uint64_t next = vpit_next_event(&pit, t);

		CHECK_EQ(next, E(5001 + (uint64_t)i * 1000));
		vpit_advance(&pit, next);
		t = next;
	}
	CHECK_EQ(rec.rises, 10);
	CHECK(rec.level);
	/* 10 periods of 1000 clocks: 8.3809 ms. */
	CHECK(t - E(5001) >= 8380000 && t - E(5001) <= 8382000);
	/* A late call reports one edge for several missed periods. */
	vpit_advance(&pit, t + 3500000);
	CHECK_EQ(rec.rises, 11);
	CHECK(rec.level);

	/* The waveform and the count. */
	setup(0);
	program(0, 0x34, 1000, w);
	CHECK_EQ(latched(0, E(5011)), 990);
	CHECK(out_bit(0, E(5999)));  /* count 2 */
	CHECK(!out_bit(0, E(6000))); /* count 1: OUT low for one edge */
	CHECK(out_bit(0, E(6001)));  /* reload: OUT high */
	CHECK_EQ(latched(0, E(6001)), 1000);
	CHECK_EQ(latched(0, E(6002)), 999);
}

TEST(mode2_new_count_waits_for_period_end)
{
	setup(0);
	program(0, 0x34, 100, E(0));
	/* Loaded at edge 1; periods start at 1, 101, 201, ... */
	out(VPIT_PORT_CH0, 50, E(30));
	out(VPIT_PORT_CH0, 0, E(30));
	CHECK_EQ(latched(0, E(31)), 70);	 /* the running period goes on */
	CHECK_EQ(status(0, E(31)) & 0x40, 0x40); /* null count until the reload */
	CHECK_EQ(latched(0, E(101)), 50);	 /* new count from the next period */
	CHECK_EQ(status(0, E(101)) & 0x40, 0);
	CHECK(!out_bit(0, E(150)));
	CHECK(out_bit(0, E(151)));
	CHECK_EQ(vpit_next_event(&pit, E(151)), E(201));
}

TEST(mode3_square_wave)
{
	uint64_t w = E(100), t;
	int i;

	setup(0);
	program(0, 0x36, 1000, w); /* loaded at edge 101 */
	CHECK_EQ(latched(0, E(101)), 1000);
	CHECK(out_bit(0, E(101)));
	CHECK_EQ(latched(0, E(102)), 998); /* decrements by 2 */
	CHECK(out_bit(0, E(600)));
	CHECK(!out_bit(0, E(601)));
	CHECK_EQ(latched(0, E(601)), 1000); /* the low half starts again */
	CHECK_EQ(latched(0, E(602)), 998);
	CHECK(!out_bit(0, E(1100)));
	CHECK(out_bit(0, E(1101)));

	/* Odd count 5: high for 3 clocks, low for 2. */
	program(0, 0x36, 5, E(2000));	  /* loaded at edge 2001 */
	CHECK_EQ(latched(0, E(2001)), 4); /* odd: N - 1 loaded, minus 2 */
	CHECK(out_bit(0, E(2001)));
	CHECK_EQ(latched(0, E(2002)), 2);
	CHECK(out_bit(0, E(2002)) && out_bit(0, E(2003)));
	CHECK(!out_bit(0, E(2004)) && !out_bit(0, E(2005)));
	CHECK(out_bit(0, E(2006)));

	/* Count 0 = 65536: 18.2 Hz IRQs at exact multiples. */
	program(0, 0x36, 0, E(10000));
	rec.rises = 0;
	t = E(10000);
	for (i = 1; i <= 20; i++) {
		uint64_t next = vpit_next_event(&pit, t);

		CHECK_EQ(next, E(10001 + (uint64_t)i * 65536));
		vpit_advance(&pit, next);
		t = next;
	}
	CHECK_EQ(rec.rises, 20);
	/* The line also went low in the low halves when asked in between. */
	vpit_advance(&pit, t + E(40000));
	CHECK(!rec.level);
	vpit_advance(&pit, t + E(65536));
	CHECK(rec.level);
	CHECK_EQ(rec.rises, 21);
}

TEST(mode4_software_strobe_linux_oneshot)
{
	setup(0);
	/* Linux's i8253 clockevent in one-shot mode: 0x38 then LSB, MSB. */
	program(0, 0x38, 200, E(50));
	rec.rises = 0;
	CHECK(rec.level); /* mode 4 OUT starts high */
	CHECK_EQ(status(0, E(50)) & 0x0E, 0x08);
	CHECK_EQ(vpit_next_event(&pit, E(50)), E(252));
	CHECK(out_bit(0, E(250)));  /* count 1 */
	CHECK(!out_bit(0, E(251))); /* count 0: one clock low */
	CHECK(!rec.level);
	CHECK(out_bit(0, E(252)));
	CHECK_EQ(rec.rises, 1);				      /* seen by the status read's sync */
	CHECK_EQ(vpit_next_event(&pit, E(252)), VTIME_NEVER); /* one strobe per count */
	/* Re-arming: a new count restarts the counter on the next edge. */
	out(VPIT_PORT_CH0, 10, E(300));
	out(VPIT_PORT_CH0, 0, E(300));
	CHECK_EQ(vpit_next_event(&pit, E(300)), E(312));
	vpit_advance(&pit, E(400));
	CHECK_EQ(rec.rises, 2);
}

TEST(mode1_and_mode5_gate_triggered)
{
	setup(0);
	/* Channel 2 in mode 1: OUT stays high until a gate rising edge. */
	program(2, 0xB2, 50, E(10));
	CHECK(out_bit(2, E(100)));
	CHECK_EQ(status(2, E(100)) & 0x40, 0x40);      /* null count until triggered */
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(100)); /* trigger at edge 100 */
	CHECK(out_bit(2, E(100)));
	CHECK(!out_bit(2, E(101))); /* low from the next edge */
	CHECK_EQ(latched(2, E(101)), 50);
	CHECK(!out_bit(2, E(150)));
	CHECK(out_bit(2, E(151))); /* terminal count */
	/* Retrigger in the middle of a pulse: it lasts 50 clocks from there. */
	out(VPIT_PORT_NMI_SC, 0, E(200));
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(200));
	out(VPIT_PORT_NMI_SC, 0, E(230));
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(230)); /* retrigger */
	CHECK(!out_bit(2, E(260)));
	CHECK(!out_bit(2, E(280)));
	CHECK(out_bit(2, E(281)));

	/* Mode 5: a one-clock low strobe N clocks after the trigger. */
	out(VPIT_PORT_NMI_SC, 0, E(1000));
	program(2, 0xBA, 20, E(1000));
	CHECK(out_bit(2, E(1100)));
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(1100));
	CHECK(out_bit(2, E(1120)));
	CHECK(!out_bit(2, E(1121)));
	CHECK(out_bit(2, E(1122)));
	/* The same strobe seen through port 0x61 bit 5. */
	out(VPIT_PORT_NMI_SC, 0, E(1200));
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(1200)); /* retrigger: low at 1221 */
	CHECK(in(VPIT_PORT_NMI_SC, E(1220)) & VPIT_P61_OUT2);
	CHECK(!(in(VPIT_PORT_NMI_SC, E(1221)) & VPIT_P61_OUT2));
	CHECK(in(VPIT_PORT_NMI_SC, E(1222)) & VPIT_P61_OUT2);
}

TEST(latch_command_and_readback)
{
	uint64_t t = E(1000);
	unsigned int lo, hi;

	setup(0);
	program(2, 0xB0, 0x1234, t); /* loaded at 1001 */
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, t);
	/* A latched count stays while the counter runs. */
	out(VPIT_PORT_CTRL, 0x80, E(1011));
	out(VPIT_PORT_CTRL, 0x80, E(1500)); /* ignored: one latch is pending */
	lo = in(VPIT_PORT_CH2, E(2000));
	hi = in(VPIT_PORT_CH2, E(3000));
	CHECK_EQ(lo | hi << 8, 0x1234 - 10);
	/* Without a latch the bytes come from the live count. */
	lo = in(VPIT_PORT_CH2, E(3001));
	hi = in(VPIT_PORT_CH2, E(3001));
	CHECK_EQ(lo | hi << 8, 0x1234 - 2000);

	/* Read-back of count and status: status first, then the count. */
	out(VPIT_PORT_CTRL, 0xC8, E(4001));	    /* CNT2, count and status */
	CHECK_EQ(in(VPIT_PORT_CH2, E(4100)), 0x30); /* OUT 0, loaded, RW 11, mode 0 */
	lo = in(VPIT_PORT_CH2, E(4200));
	hi = in(VPIT_PORT_CH2, E(4300));
	CHECK_EQ(lo | hi << 8, 0x1234 - 3000);

	/* All channels at once, status only; BCD and mode 6 (= 2) echoed. */
	out(VPIT_PORT_CTRL, 0x7D, E(5000));		   /* ch1, word, mode 6, BCD */
	out(VPIT_PORT_CTRL, 0xEE, E(5000));		   /* no count; CNT0, 1, 2 */
	CHECK_EQ(in(VPIT_PORT_CH0, E(5000)), 0x80 | 0x36); /* OUT high, BIOS mode 3 */
	CHECK_EQ(in(VPIT_PORT_CH1, E(5000)), 0x80 | 0x40 | 0x3D);
	CHECK_EQ(in(VPIT_PORT_CH2, E(5000)), 0x30); /* before terminal count */
	/* Status latched: a second read-back does not overwrite it. */
	out(VPIT_PORT_CTRL, 0xE4, E(6000)); /* status only, CNT1 */
	out(VPIT_PORT_CH1, 0x00, E(6000));
	out(VPIT_PORT_CH1, 0x01, E(6000)); /* count 100 (BCD) */
	out(VPIT_PORT_CTRL, 0xE4, E(6010));
	CHECK_EQ(in(VPIT_PORT_CH1, E(6010)), 0x80 | 0x40 | 0x3D); /* the first one */
	/* Read-back of count only, ch1 in BCD, mode 2: 100 - 9 = 91. */
	out(VPIT_PORT_CTRL, 0xD4, E(6010));
	CHECK_EQ(in(VPIT_PORT_CH1, E(6020)), 0x91);
	CHECK_EQ(in(VPIT_PORT_CH1, E(6020)), 0x00);
}

TEST(access_modes_lsb_msb_word)
{
	setup(0);
	/* LSB only: MSB is 0, every read returns the LSB. */
	out(VPIT_PORT_CTRL, 0x90, E(0)); /* ch2, LSB, mode 0 */
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(0));
	out(VPIT_PORT_CH2, 0x40, E(10)); /* loaded at 11 */
	CHECK_EQ(in(VPIT_PORT_CH2, E(11)), 0x40);
	CHECK_EQ(in(VPIT_PORT_CH2, E(12)), 0x3F);
	CHECK_EQ(in(VPIT_PORT_CH2, E(13)), 0x3E);
	/* MSB only: LSB is 0, reads return the MSB. */
	out(VPIT_PORT_CTRL, 0xA0, E(100));
	out(VPIT_PORT_CH2, 0x12, E(100)); /* 0x1200, loaded at 101 */
	CHECK_EQ(in(VPIT_PORT_CH2, E(101)), 0x12);
	CHECK_EQ(in(VPIT_PORT_CH2, E(102)), 0x11);
	/* Word: read and write byte pointers are independent. */
	program(2, 0xB0, 0x0500, E(200));	   /* loaded at 201 */
	CHECK_EQ(in(VPIT_PORT_CH2, E(211)), 0xF6); /* LSB of 0x04F6 */
	out(VPIT_PORT_CH2, 0x00, E(211));	   /* new LSB: mode 0 stops counting */
	CHECK(!out_bit(2, E(211)));
	CHECK_EQ(in(VPIT_PORT_CH2, E(300)), 0x04); /* MSB of the held 0x04F6 */
	CHECK_EQ(latched(2, E(400)), 0x04F6);	   /* still held */
	out(VPIT_PORT_CH2, 0x02, E(400));	   /* MSB: 0x0200, loaded at 401 */
	CHECK_EQ(latched(2, E(411)), 0x0200 - 10);
	/* Mode 0 terminal count after the rewrite: 0x200 + 1 edges. */
	CHECK(!(in(VPIT_PORT_NMI_SC, E(400 + 0x200)) & VPIT_P61_OUT2));
	CHECK(in(VPIT_PORT_NMI_SC, E(401 + 0x200)) & VPIT_P61_OUT2);
	/* A control word resets the byte pointers. */
	out(VPIT_PORT_CH2, 0x77, E(2000));  /* first byte of a word write... */
	out(VPIT_PORT_CTRL, 0xB0, E(2000)); /* ...abandoned */
	out(VPIT_PORT_CH2, 0x10, E(2000));
	out(VPIT_PORT_CH2, 0x00, E(2000));
	CHECK_EQ(latched(2, E(2001)), 0x10);
}

TEST(bcd_counting)
{
	setup(0);
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(0));
	program(2, 0xB1, 0x1000, E(0)); /* mode 0, BCD 1000, loaded at 1 */
	CHECK_EQ(latched(2, E(1)), 0x1000);
	CHECK_EQ(latched(2, E(2)), 0x0999);
	CHECK_EQ(latched(2, E(1 + 995)), 0x0005);
	CHECK(!out_bit(2, E(1000)));
	CHECK(out_bit(2, E(1001)));
	CHECK_EQ(latched(2, E(1002)), 0x9999); /* wraps in BCD */
	/* Count 0 in BCD is 10000. */
	program(2, 0xB1, 0x0000, E(5000));
	CHECK_EQ(latched(2, E(5002)), 0x9999);
	CHECK(!out_bit(2, E(15000)));
	CHECK(out_bit(2, E(15001)));
	/* Mode 2 in BCD: period 10 clocks, count 10..1. */
	program(2, 0xB5, 0x0010, E(20000));
	CHECK_EQ(latched(2, E(20001)), 0x0010);
	CHECK_EQ(latched(2, E(20002)), 0x0009);
	CHECK_EQ(latched(2, E(20011)), 0x0010);
}

/*
 * Linux pit_calibrate_tsc(): gate on and speaker off through port 0x61,
 * channel 2 mode 0 with a 10 ms count, then poll port 0x61 bit 5.
 */
static void calibrate_once(uint64_t t0, uint16_t latch, uint64_t step)
{
	uint64_t t = t0, ideal, elapsed, tick = 1000000000ull / VPIT_HZ + 3;
	uint8_t p61;
	int polls = 0;

	p61 = in(VPIT_PORT_NMI_SC, t);
	out(VPIT_PORT_NMI_SC, (uint8_t)((p61 & ~VPIT_P61_SPKR) | VPIT_P61_GATE2), t += 700);
	out(VPIT_PORT_CTRL, 0xB0, t += 700);
	out(VPIT_PORT_CH2, (uint8_t)latch, t += 700);
	out(VPIT_PORT_CH2, (uint8_t)(latch >> 8), t += 700);
	t0 = t;
	while (!(in(VPIT_PORT_NMI_SC, t) & VPIT_P61_OUT2)) {
		t += step;
		if (++polls > 100000000)
			break;
	}
	CHECK(polls > 0);
	elapsed = t - t0;
	ideal = (uint64_t)latch * 1000000000ull / VPIT_HZ;
	/* OUT rises N + 1 edges after the write: within one clock of N. */
	CHECK(elapsed + step >= ideal);
	CHECK(elapsed <= ideal + tick + step);
}

TEST(linux_channel2_calibration)
{
	setup(0);
	calibrate_once(123456789, 11931, 7);	    /* 10 ms, fine polling */
	calibrate_once(987654321, 11931, 997);	    /* 10 ms, ~1 us polling */
	calibrate_once(3000000000ull, 59659, 37);   /* 50 ms */
	calibrate_once(7777777777ull, 0xFFFF, 101); /* quick calibration count */
	/* Gate off: the speaker bit stayed off, the gate is on. */
	CHECK_EQ(in(VPIT_PORT_NMI_SC, 9000000000ull) & 0x03, VPIT_P61_GATE2);
}

/*
 * Linux quick_pit_calibrate(): count 0xFFFF in mode 0, then read LSB and MSB
 * of the live count without latching and watch the MSB step down.
 */
TEST(linux_quick_calibration_msb)
{
	uint64_t t0 = 4242424242ull, t, w;
	unsigned int msb, expect;
	uint64_t k0;

	setup(0);
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, t0);
	out(VPIT_PORT_CTRL, 0xB0, t0);
	out(VPIT_PORT_CH2, 0xFF, t0);
	out(VPIT_PORT_CH2, 0xFF, t0);
	k0 = vtime_ns_to_ticks(t0, VPIT_HZ) + 1; /* loaded on the next edge */
	for (t = t0 + 1000; t < t0 + 40000000; t += 3331) {
		in(VPIT_PORT_CH2, t); /* LSB, ignored */
		w = t + 200;
		msb = in(VPIT_PORT_CH2, w);
		expect = (unsigned int)((0xFFFF - (vtime_ns_to_ticks(w, VPIT_HZ) - k0)) >> 8);
		CHECK_EQ(msb, expect);
	}
	/* 40 ms: the MSB went down by about 186. */
	CHECK(msb < 0xFF - 180);
}

TEST(gate_low_stops_channel2)
{
	setup(0);
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(0));
	program(2, 0xB0, 1000, E(0)); /* mode 0, loaded at 1 */
	CHECK_EQ(latched(2, E(101)), 900);
	out(VPIT_PORT_NMI_SC, 0, E(101)); /* gate low: counting suspended */
	CHECK_EQ(latched(2, E(500)), 900);
	CHECK(!(in(VPIT_PORT_NMI_SC, E(5000)) & VPIT_P61_OUT2));
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(5000)); /* resumes */
	CHECK_EQ(latched(2, E(5100)), 800);
	CHECK(!out_bit(2, E(5899)));
	CHECK(out_bit(2, E(5900)));

	/* Mode 2: gate low holds the count with OUT high; high restarts. */
	program(2, 0xB4, 100, E(10000)); /* loaded at 10001 */
	CHECK(!out_bit(2, E(10100)));	 /* count 1 */
	out(VPIT_PORT_NMI_SC, 0, E(10100));
	CHECK(out_bit(2, E(10100))); /* forced high */
	CHECK_EQ(latched(2, E(10200)), 1);
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(10300)); /* reload at 10301 */
	CHECK_EQ(latched(2, E(10301)), 100);
	CHECK_EQ(latched(2, E(10311)), 90);

	/* Mode 0 written while the gate is low: loaded, but not counting. */
	out(VPIT_PORT_NMI_SC, 0, E(20000));
	program(2, 0xB0, 50, E(20000));
	CHECK_EQ(latched(2, E(20100)), 50);
	out(VPIT_PORT_NMI_SC, VPIT_P61_GATE2, E(20100));
	CHECK(!out_bit(2, E(20149)));
	CHECK(out_bit(2, E(20150)));
}

TEST(port61_refresh_and_bits)
{
	uint64_t k;
	uint8_t a, b;

	setup(0);
	out(VPIT_PORT_NMI_SC, 0xFF, E(0));
	CHECK_EQ(in(VPIT_PORT_NMI_SC, E(0)) & 0xCF, 0x0F); /* bits 7:6 read 0 */
	out(VPIT_PORT_NMI_SC, 0x00, E(0));
	/* Bit 4 toggles every 18 clocks (15.09 us). */
	for (k = 18 * 100; k < 18 * 110; k += 18) {
		a = in(VPIT_PORT_NMI_SC, E(k)) & VPIT_P61_REFRESH;
		b = in(VPIT_PORT_NMI_SC, E(k + 17)) & VPIT_P61_REFRESH;
		CHECK_EQ(a, b);
		CHECK(a != (in(VPIT_PORT_NMI_SC, E(k + 18)) & VPIT_P61_REFRESH));
	}
}

TEST(mode_change_moves_irq_line)
{
	setup(0);
	program(0, 0x30, 10, E(0)); /* mode 0: OUT low */
	CHECK(!rec.level);
	vpit_advance(&pit, E(20));
	CHECK(rec.level);
	rec.rises = 0;
	out(VPIT_PORT_CTRL, 0x30, E(30)); /* back to low */
	CHECK(!rec.level);
	out(VPIT_PORT_CTRL, 0x34, E(31)); /* mode 2 sets OUT high: an edge */
	CHECK(rec.level);
	CHECK_EQ(rec.rises, 1);
	/* No count written yet: nothing scheduled. */
	CHECK_EQ(vpit_next_event(&pit, E(31)), VTIME_NEVER);
	/* A count of 1 in mode 2 is illegal and runs as 2. */
	out(VPIT_PORT_CH0, 1, E(40));
	out(VPIT_PORT_CH0, 0, E(40));
	CHECK_EQ(vpit_next_event(&pit, E(40)), E(43));
}

int main(void)
{
	RUN(clock_math_exact);
	RUN(bios_state_and_18hz);
	RUN(mode0_interrupt_on_terminal_count);
	RUN(mode2_rate_generator_irq);
	RUN(mode2_new_count_waits_for_period_end);
	RUN(mode3_square_wave);
	RUN(mode4_software_strobe_linux_oneshot);
	RUN(mode1_and_mode5_gate_triggered);
	RUN(latch_command_and_readback);
	RUN(access_modes_lsb_msb_word);
	RUN(bcd_counting);
	RUN(linux_channel2_calibration);
	RUN(linux_quick_calibration_msb);
	RUN(gate_low_stops_channel2);
	RUN(port61_refresh_and_bits);
	RUN(mode_change_moves_irq_line);
	TEST_EXIT();
}
