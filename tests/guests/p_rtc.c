// SPDX-License-Identifier: MIT
/*
 * p_rtc: the MC146818 real-time clock and CMOS at ports 0x70/0x71, IRQ 8
 * (Motorola MC146818A datasheet: "Register A" to "Register D", "Update
 * Cycle", "Interrupts"). Needs: 1 vCPU, any RAM, no device option. The
 * interrupt checks route IRQ 8 through the I/O APIC's pin 8 (ISA: edge,
 * active high, no override in the MADT).
 *
 * Proves:
 *  - the clock starts at the host's wall-clock time: a valid BCD date and
 *    time (24-hour mode), year >= 2024;
 *  - data modes (register B bit 2): after the datasheet's procedure (SET,
 *    write the registers in the new format, clear SET) the registers read
 *    in binary and tell the same time; switched back to BCD at the end;
 *  - the seconds advance once per second of TSC time (25 %), read only
 *    while register A's UIP is clear;
 *  - periodic interrupt (rate 8 = 256 Hz, register B PIE): about 64 in
 *    0.25 s (no more than 25 % over, at least half); clearing PIE stops
 *    them;
 *  - alarm interrupt (register B AIE, alarm = now + 2 s): arrives, with
 *    register C's AF set, between 0.5 and 3.5 s later;
 *  - register C is read-to-clear: PF (bit 6) set by the periodic rate,
 *    a second read returns 0.
 * The second and the periodic rate are the best of up to 3 attempts, each
 * with a bound that a busy host cannot break and a wrong model breaks on
 * any attempt; see guest_timing in rt.h.
 */
#include "rt.h"

#define VEC_RTC	     0x38
#define PIN_RTC	     8
#define REG_SEC	     0x00
#define REG_SEC_ALM  0x01
#define REG_MIN	     0x02
#define REG_MIN_ALM  0x03
#define REG_HOUR     0x04
#define REG_HOUR_ALM 0x05
#define REG_DAY	     0x07
#define REG_MON	     0x08
#define REG_YEAR     0x09
#define REG_A	     0x0A
#define REG_B	     0x0B
#define REG_C	     0x0C
#define REG_CENTURY  0x32 /* the PC/AT convention, also in the FADT CENTURY field */
#define A_UIP	     0x80
#define A_1024HZ     0x26 /* 32.768 kHz time base, rate 6 */
/* The counted rate: slow enough that a loaded host does not merge periods. */
#define A_256HZ	    0x28 /* 32.768 kHz time base, rate 8 */
#define COUNT_HZ    256
#define A_NO_RATE   0x20
#define B_SET	    0x80
#define B_PIE	    0x40
#define B_AIE	    0x20
#define B_DM_BINARY 0x04
#define B_24H	    0x02
#define C_PF	    0x40
#define C_AF	    0x20

struct rtc_time {
	unsigned int sec, min, hour, day, mon, year; /* year: two digits */
};

static volatile uint32_t irqs, pf, af;
static volatile uint64_t af_tsc;

static void on_rtc(uint8_t v)
{
	uint8_t c = cmos_read(REG_C);

	irqs++;
	if (c & C_PF)
		pf++;
	if ((c & C_AF) && af++ == 0)
		af_tsc = rdtsc();
	lapic_eoi();
}

static unsigned int bcd2bin(uint8_t v)
{
	return (v >> 4) * 10u + (v & 0xF);
}

static uint8_t bin2bcd(unsigned int v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

static bool bcd_ok(uint8_t v)
{
	return (v >> 4) <= 9 && (v & 0xF) <= 9;
}

static void read_raw(uint8_t r[6])
{
	static const uint8_t regs[6] = {REG_SEC, REG_MIN, REG_HOUR, REG_DAY, REG_MON, REG_YEAR};

	for (unsigned int i = 0; i < 6; i++)
		r[i] = cmos_read(regs[i]);
}

/*
 * The registers, consistently: outside an update cycle (UIP clear, which
 * guarantees 244 us without one) and twice the same.
 */
static bool read_consistent(uint8_t r[6])
{
	uint8_t again[6];

	for (unsigned int tries = 0; tries < 100; tries++) {
		if (!guest_wait_us(!(cmos_read(REG_A) & A_UIP), 10000))
			continue;
		read_raw(r);
		read_raw(again);
		if (memcmp(r, again, 6) == 0)
			return true;
	}
	return false;
}

static void decode(const uint8_t r[6], bool binary, struct rtc_time *t)
{
	unsigned int v[6];

	for (unsigned int i = 0; i < 6; i++)
		v[i] = binary ? r[i] : bcd2bin(r[i]);
	t->sec = v[0];
	t->min = v[1];
	t->hour = v[2];
	t->day = v[3];
	t->mon = v[4];
	t->year = v[5];
}

static bool time_valid(const struct rtc_time *t)
{
	return t->sec < 60 && t->min < 60 && t->hour < 24 && t->day >= 1 && t->day <= 31 &&
	       t->mon >= 1 && t->mon <= 12 && t->year < 100;
}

static unsigned int day_seconds(const struct rtc_time *t)
{
	return (t->hour * 60 + t->min) * 60 + t->sec;
}

/*
 * Switch data mode the datasheet's way: SET stops updates, the time is
 * rewritten in the new format, then clearing SET restarts the clock.
 * Leaves 24-hour mode on (a 12-hour clock is converted).
 */
static void set_mode(bool binary)
{
	uint8_t b = cmos_read(REG_B), r[6];
	bool was_binary = b & B_DM_BINARY;
	struct rtc_time t;

	cmos_write(REG_B, b | B_SET);
	read_raw(r);
	if (!(b & B_24H)) {
		/* 12-hour mode: bit 7 = PM, 12 = midnight or noon. */
		bool pm = r[2] & 0x80;
		unsigned int h = was_binary ? (r[2] & 0x7Fu) : bcd2bin(r[2] & 0x7F);

		h = h % 12 + (pm ? 12 : 0);
		r[2] = was_binary ? (uint8_t)h : bin2bcd(h);
	}
	decode(r, was_binary, &t);
	/*
	 * The new format and 24-hour mode while SET still holds the clock, so
	 * that whoever reloads the time when SET clears reads the registers
	 * in the format they are written in (a real MC146818 just keeps
	 * counting in whatever format the bytes are).
	 */
	b = (uint8_t)((b | B_24H | B_SET) & ~B_DM_BINARY);
	b |= binary ? B_DM_BINARY : 0;
	cmos_write(REG_B, b);
	cmos_write(REG_SEC, binary ? (uint8_t)t.sec : bin2bcd(t.sec));
	cmos_write(REG_MIN, binary ? (uint8_t)t.min : bin2bcd(t.min));
	cmos_write(REG_HOUR, binary ? (uint8_t)t.hour : bin2bcd(t.hour));
	cmos_write(REG_DAY, binary ? (uint8_t)t.day : bin2bcd(t.day));
	cmos_write(REG_MON, binary ? (uint8_t)t.mon : bin2bcd(t.mon));
	cmos_write(REG_YEAR, binary ? (uint8_t)t.year : bin2bcd(t.year));
	cmos_write(REG_B, (uint8_t)(b & ~B_SET));
}

static void check_time(struct rtc_time *bcd_time)
{
	uint8_t r[6], cent;
	struct rtc_time t;
	unsigned int century, year;
	bool valid = true;

	if (!read_consistent(r)) {
		GUEST_FAIL("rtc-read", "no consistent read outside update cycles");
		return;
	}
	for (unsigned int i = 0; i < 6; i++)
		valid = valid && bcd_ok(r[i]);
	decode(r, false, &t);
	*bcd_time = t;
	cent = cmos_read(REG_CENTURY);
	century = bcd_ok(cent) && bcd2bin(cent) >= 19 && bcd2bin(cent) <= 21 ? bcd2bin(cent) : 20;
	year = century * 100 + t.year;
	gprintf("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC (BCD %02x %02x %02x %02x %02x %02x, "
		"century register %#x)\n",
		year, t.mon, t.day, t.hour, t.min, t.sec, r[5], r[4], r[3], r[2], r[1], r[0], cent);
	GUEST_CHECK("rtc-bcd-valid", valid && time_valid(&t));
	GUEST_CHECK("rtc-year-plausible", year >= 2024 && year < 2100);
}

static void check_binary(const struct rtc_time *bcd_time)
{
	uint8_t r[6];
	struct rtc_time t;
	unsigned int d;

	set_mode(true);
	if (!read_consistent(r)) {
		GUEST_FAIL("rtc-binary-mode", "no consistent read");
		return;
	}
	decode(r, true, &t);
	d = (day_seconds(&t) + 86400 - day_seconds(bcd_time)) % 86400;
	gprintf("rtc: binary mode: %02u:%02u:%02u (register B %#x)\n", t.hour, t.min, t.sec,
		cmos_read(REG_B));
	GUEST_CHECK("rtc-binary-mode", (cmos_read(REG_B) & B_DM_BINARY) && time_valid(&t) &&
					   d <= 3 && t.day == bcd_time->day &&
					   t.year == bcd_time->year);
}

static uint8_t read_seconds(void)
{
	uint8_t r[6];

	read_consistent(r);
	return r[0];
}

/* A seconds register value as a number, in the current data mode. */
static unsigned int seconds_value(uint8_t raw)
{
	return (cmos_read(REG_B) & B_DM_BINARY) ? raw : bcd2bin(raw);
}

/* The seconds last read, and the TSC when the last read showing them began. */
struct sec_poll {
	uint8_t s;
	uint64_t since;
};

/*
 * Wait up to 3 s for the seconds to change from p->s. The update that
 * changed them came after *before (the start of the last read still
 * showing the old value) and before *after (the end of the first read
 * showing the new one); p then holds the new value.
 */
static bool next_second(struct sec_poll *p, uint64_t *before, uint64_t *after)
{
	uint64_t end = rdtsc() + guest_us_to_tsc(3000000), ta, tb;
	uint8_t v;

	for (;;) {
		ta = rdtsc_ordered();
		v = read_seconds();
		tb = rdtsc_ordered();
		if (v != p->s)
			break;
		p->since = ta;
		if (tb >= end)
			return false;
	}
	*before = p->since;
	*after = tb;
	p->s = v;
	p->since = ta;
	return true;
}

/*
 * One attempt of rtc-second-tick: the TSC time between the reads that
 * first saw two successive second updates. A busy host can delay either
 * read, so the figure can come out long or short; but each update is
 * bracketed by the reads around it, so the second lasted more than
 * `inner` (from the end of the first bracket to the start of the second)
 * and less than `outer` (from the start of the first to the end of the
 * second). Either beyond the window, on the side it bounds, is a wrong RTC
 * on any attempt. (After a stall of over a second the seconds move on by
 * k > 1: everything is then per k seconds.)
 */
static bool tick_attempt(struct guest_timing *t)
{
	struct sec_poll p;
	uint64_t b1, a1, b2, a2, us, inner, outer;
	unsigned int k;
	uint8_t s1;
	const char *broken = NULL;

	p.since = rdtsc_ordered();
	p.s = read_seconds();
	if (!next_second(&p, &b1, &a1)) {
		GUEST_FAIL("rtc-second-tick", "seconds stuck at %u for 3 s", p.s);
		return false;
	}
	s1 = p.s;
	if (!next_second(&p, &b2, &a2)) {
		GUEST_FAIL("rtc-second-tick", "seconds stuck at %u for 3 s", p.s);
		return false;
	}
	k = (seconds_value(p.s) + 60 - seconds_value(s1)) % 60;
	k = k ? k : 60;
	us = guest_tsc_to_us(a2 - a1) / k;
	inner = b2 > a1 ? guest_tsc_to_us(b2 - a1) / k : 0;
	outer = guest_tsc_to_us(a2 - b1) / k;
	gprintf("rtc: one RTC second took %lu us of TSC time (bracketed %lu-%lu us, seconds +%u)\n",
		us, inner, outer, k);
	if (inner * 100 > 1000000 * 125)
		broken = "the second is longer than 1.25 s";
	else if (outer * 100 < 1000000 * 75)
		broken = "the second is shorter than 0.75 s";
	guest_timing_add(t, us, 1000000, broken);
	return true;
}

static void check_tick(void)
{
	struct guest_timing t;

	guest_timing_begin(&t, "rtc-second-tick", "us", 25, 25);
	while (guest_timing_more(&t))
		if (!tick_attempt(&t))
			return;
	guest_timing_end(&t);
}

static void check_periodic(void)
{
	uint32_t settled;
	struct guest_timing t;

	cmos_write(REG_A, A_256HZ);
	cmos_read(REG_C);
	ioapic_write_rte(PIN_RTC, VEC_RTC | IOAPIC_RTE_DEST(0));
	cmos_write(REG_B, cmos_read(REG_B) | B_PIE);
	guest_wait_us(pf >= 2, 1000000);
	guest_timing_begin(&t, "rtc-periodic-rate", "interrupts", GUEST_IRQ_RATE_BELOW,
			   GUEST_IRQ_RATE_ABOVE);
	while (guest_timing_more(&t))
		guest_timing_irqs(&t, "rtc: periodic 256 Hz", &pf, COUNT_HZ, 250000);
	if (!guest_timing_end(&t)) {
		/* Where the interrupt is stuck, for whoever reads this failure. */
		gprintf("rtc: LAPIC IRR %d ISR %d, IO-APIC RTE %#lx, RTC C %#x, RFLAGS %#lx\n",
			lapic_vector_bit(LAPIC_IRR, VEC_RTC), lapic_vector_bit(LAPIC_ISR, VEC_RTC),
			ioapic_read_rte(PIN_RTC), cmos_read(REG_C), read_rflags());
	}
	cmos_write(REG_B, cmos_read(REG_B) & ~B_PIE);
	guest_delay_us(10000);
	settled = irqs;
	guest_delay_us(50000);
	GUEST_CHECK("rtc-periodic-stop", irqs == settled);
}

static void check_alarm(void)
{
	uint8_t r[6];
	struct rtc_time t;
	uint64_t t0, us;

	/* Binary mode now: the alarm is now + 2 s, carried into minutes and hours. */
	read_consistent(r);
	decode(r, true, &t);
	t.sec += 2;
	if (t.sec >= 60) {
		t.sec -= 60;
		if (++t.min == 60) {
			t.min = 0;
			t.hour = (t.hour + 1) % 24;
		}
	}
	cmos_write(REG_SEC_ALM, (uint8_t)t.sec);
	cmos_write(REG_MIN_ALM, (uint8_t)t.min);
	cmos_write(REG_HOUR_ALM, (uint8_t)t.hour);
	cmos_read(REG_C);
	af = 0;
	t0 = rdtsc();
	cmos_write(REG_B, cmos_read(REG_B) | B_AIE);
	if (!guest_wait_us(af >= 1, 5000000)) {
		GUEST_FAIL("rtc-alarm", "no alarm interrupt within 5 s (alarm %02u:%02u:%02u)",
			   t.hour, t.min, t.sec);
	} else {
		GUEST_PASS("rtc-alarm");
		us = guest_tsc_to_us(af_tsc - t0);
		gprintf("rtc: alarm for now + 2 s arrived after %lu us\n", us);
		if (us >= 500000 && us <= 3500000)
			GUEST_PASS("rtc-alarm-timing");
		else
			GUEST_FAIL("rtc-alarm-timing", "after %lu us", us);
	}
	cmos_write(REG_B, cmos_read(REG_B) & ~B_AIE);
}

static void check_regc(void)
{
	uint8_t c1, c2;

	/* Flags without interrupts: pin masked, the periodic rate running for 10 ms. */
	ioapic_mask(PIN_RTC, true);
	cmos_write(REG_A, A_1024HZ);
	cmos_write(REG_B, cmos_read(REG_B) | B_PIE);
	guest_delay_us(10000);
	cmos_write(REG_B, cmos_read(REG_B) & ~B_PIE);
	cmos_write(REG_A, A_NO_RATE);
	c1 = cmos_read(REG_C);
	c2 = cmos_read(REG_C);
	gprintf("rtc: register C %#x, then %#x\n", c1, c2);
	GUEST_CHECK("rtc-regc-read-to-clear", (c1 & C_PF) && c2 == 0);
	cmos_write(REG_A, A_1024HZ);
}

void guest_main(void)
{
	struct bh_partition_info info;
	struct rtc_time bcd_time = {0};
	uint8_t b0;

	guest_info(&info);
	gprintf("rtc: %s: needs 1 vCPU (has %u); MC146818 at 0x70, IRQ 8 on IO-APIC pin 8\n",
		info.name, info.vcpu_count);
	gprintf("rtc: TSC %lu kHz (%s)\n", guest_tsc_khz(), guest_tsc_source());
	guest_set_irq_handler(VEC_RTC, on_rtc);
	lapic_enable();

	b0 = cmos_read(REG_B);
	gprintf("rtc: register A %#x, B %#x, D %#x\n", cmos_read(REG_A), b0, cmos_read(0x0D));
	/* Register D bit 7, VRT: the RAM and time are valid (battery good). */
	GUEST_CHECK("rtc-vrt", cmos_read(0x0D) & 0x80);
	if ((b0 & B_DM_BINARY) || !(b0 & B_24H))
		set_mode(false);
	check_time(&bcd_time);
	check_binary(&bcd_time);
	check_tick();

	cpu_sti();
	check_periodic();
	check_alarm();
	cpu_cli();
	check_regc();
	set_mode(false);
	GUEST_CHECK("rtc-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
