// SPDX-License-Identifier: MIT
/*
 * p_ioapic: the virtual I/O APIC at 0xFEC00000 (Intel 82093AA datasheet,
 * order no. 290566; its 3.2.4 describes the redirection entries).
 * Needs: 1 vCPU, any RAM, no device option. Uses the PIT (IRQ 0 on pin 2,
 * as the MADT's interrupt source override says) and the RTC (IRQ 8, pin 8).
 *
 * Proves:
 *  - the version register: version 0x11-0x20, maximum redirection entry 23
 *    (24 pins); every entry masked after reset; an entry reads back what
 *    was written (but for the read-only delivery status and remote IRR);
 *  - edge delivery: the PIT in mode 2 at 100 Hz through pin 2 gives about
 *    100 interrupts per second; masking the pin stops them and unmasking
 *    resumes them;
 *  - an ISA edge pin: the RTC's 256 Hz periodic interrupt through pin 8;
 *  - level semantics (3.2.4, bit 14 "Remote IRR"): with pin 8 programmed
 *    level-triggered, the RTC holds its IRQ line until register C is read
 *    (MC146818A datasheet, "Register C"). The first message sets remote
 *    IRR and the local APIC's TMR bit (Intel SDM vol. 3A, 11.8.4); no
 *    further message is sent while remote IRR is set; the local APIC's EOI
 *    (broadcast to the I/O APIC for a level vector, SDM 11.8.5) clears
 *    remote IRR and, the line still being asserted, delivers again at once;
 *    once the line is released, an EOI leaves remote IRR clear.
 * Tolerances on rates: at most 25 % over, at least half, the best of up to
 * 3 attempts (see guest_timing_irqs in rt.h).
 */
#include "rt.h"

#define VEC_PIT	   0x30
#define VEC_RTC	   0x38
#define PIN_PIT	   2
#define PIN_RTC	   8
#define PIN_SPARE  10
#define PIT_RATE   100
#define COUNT_US   500000
#define RTC_US	   250000
#define RTC_A_1024 0x26 /* 32.768 kHz time base, rate 6 = 1024 Hz */
/* The counted rate: slow enough that a loaded host does not merge periods. */
#define RTC_A_256    0x28 /* rate 8 = 256 Hz */
#define RTC_COUNT_HZ 256
#define RTC_B_PIE    0x40
#define RTC_B_24H    0x02

static volatile uint32_t pit_hits, rtc_hits;
static volatile uint8_t rtc_mode;
static volatile bool tmr_seen;

enum { RTC_EDGE, RTC_LEVEL_NO_EOI, RTC_LEVEL_ACK };

static void on_pit(uint8_t v)
{
	pit_hits++;
	lapic_eoi();
}

static void on_rtc(uint8_t v)
{
	rtc_hits++;
	switch (rtc_mode) {
	case RTC_EDGE:
		cmos_read(0x0C); /* release the line for the next edge */
		lapic_eoi();
		break;
	case RTC_LEVEL_NO_EOI:
		/* Leave the line asserted and the interrupt in service. */
		tmr_seen = lapic_vector_bit(LAPIC_TMR, VEC_RTC);
		break;
	default:
		cmos_read(0x0C);
		lapic_eoi();
		break;
	}
}

static uint64_t rte(uint8_t vector, bool level, bool masked)
{
	return vector | IOAPIC_RTE_DEST(0) | (level ? IOAPIC_RTE_LEVEL : 0) |
	       (masked ? IOAPIC_RTE_MASKED : 0);
}

static void check_registers(void)
{
	uint32_t ver = ioapic_read(IOAPIC_REG_VER);
	uint64_t want, got;
	bool masked = true;

	gprintf("ioapic: ID %#x, version register %#x\n", ioapic_read(IOAPIC_REG_ID), ver);
	/* 82093AA 3.2.2: version in bits 7:0, maximum redirection entry in 23:16. */
	GUEST_CHECK("ioapic-version", (ver & 0xFF) >= 0x11 && (ver & 0xFF) <= 0x20);
	GUEST_CHECK("ioapic-max-redir-23", ((ver >> 16) & 0xFF) == 23);
	for (unsigned int pin = 0; pin < 24; pin++)
		masked = masked && (ioapic_read_rte(pin) & IOAPIC_RTE_MASKED);
	GUEST_CHECK("ioapic-reset-masked", masked);

	/* Every writable field set: vector, lowest priority, logical, active low, level, mask. */
	want = 0x5A | (1ull << 8) | (1ull << 11) | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL |
	       IOAPIC_RTE_MASKED | IOAPIC_RTE_DEST(0x0F);
	ioapic_write_rte(PIN_SPARE, want);
	got = ioapic_read_rte(PIN_SPARE) & ~(IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR);
	if (got == want)
		GUEST_PASS("ioapic-redir-readback");
	else
		GUEST_FAIL("ioapic-redir-readback", "wrote %#lx, read %#lx", want, got);
	ioapic_write_rte(PIN_SPARE, IOAPIC_RTE_MASKED);
	GUEST_CHECK("ioapic-redir-rewrite", ioapic_read_rte(PIN_SPARE) == IOAPIC_RTE_MASKED);
}

static void check_pit(void)
{
	uint32_t settled;
	struct guest_timing t;

	ioapic_write_rte(PIN_PIT, rte(VEC_PIT, false, false));
	pit_ch0_periodic(PIT_RATE);
	guest_wait_us(pit_hits >= 1, 1000000);
	guest_timing_begin(&t, "ioapic-pit-irq0-count", "interrupts", GUEST_IRQ_RATE_BELOW,
			   GUEST_IRQ_RATE_ABOVE);
	while (guest_timing_more(&t))
		guest_timing_irqs(&t, "ioapic: PIT pin 2", &pit_hits, PIT_RATE, COUNT_US);
	guest_timing_end(&t);

	/* 82093AA 3.2.4 bit 16: a masked pin sends nothing (edges are lost). */
	ioapic_mask(PIN_PIT, true);
	guest_delay_us(20000);
	settled = pit_hits;
	guest_delay_us(100000);
	GUEST_CHECK("ioapic-mask-stops", pit_hits == settled);
	ioapic_mask(PIN_PIT, false);
	if (guest_wait_us(pit_hits >= settled + 3, 2000000))
		GUEST_PASS("ioapic-unmask-resumes");
	else
		GUEST_FAIL("ioapic-unmask-resumes", "%u interrupts after unmasking",
			   pit_hits - settled);
	ioapic_mask(PIN_PIT, true);
	pit_ch0_stop();
}

static void rtc_stop(void)
{
	cmos_write(0x0B, cmos_read(0x0B) & ~RTC_B_PIE);
	cmos_read(0x0C);
}

static void check_rtc_edge(void)
{
	struct guest_timing t;

	rtc_mode = RTC_EDGE;
	ioapic_write_rte(PIN_RTC, rte(VEC_RTC, false, false));
	cmos_write(0x0A, RTC_A_256);
	cmos_read(0x0C);
	cmos_write(0x0B, cmos_read(0x0B) | RTC_B_PIE);
	guest_wait_us(rtc_hits >= 1, 1000000);
	guest_timing_begin(&t, "ioapic-rtc-irq8-edge-count", "interrupts", GUEST_IRQ_RATE_BELOW,
			   GUEST_IRQ_RATE_ABOVE);
	while (guest_timing_more(&t))
		guest_timing_irqs(&t, "ioapic: RTC pin 8 (edge)", &rtc_hits, RTC_COUNT_HZ, RTC_US);
	guest_timing_end(&t);
	cpu_cli();
	rtc_stop();
	ioapic_mask(PIN_RTC, true);
	cpu_sti();
	guest_delay_us(10000);
}

static void check_rtc_level(void)
{
	uint64_t e;
	uint32_t h;
	bool irr_again, lapic_irr;

	/* Line released, entry level-triggered active high, then the periodic source on. */
	rtc_hits = 0;
	rtc_mode = RTC_LEVEL_NO_EOI;
	cmos_read(0x0C);
	ioapic_write_rte(PIN_RTC, rte(VEC_RTC, true, false));
	cmos_write(0x0B, cmos_read(0x0B) | RTC_B_PIE);
	if (!guest_wait_us(rtc_hits >= 1, 2000000)) {
		GUEST_FAIL("ioapic-level-delivered", "no interrupt from pin %u as level", PIN_RTC);
		rtc_stop();
		ioapic_mask(PIN_RTC, true);
		return;
	}
	GUEST_PASS("ioapic-level-delivered");
	cpu_cli();
	e = ioapic_read_rte(PIN_RTC);
	GUEST_CHECK("ioapic-level-remote-irr-set", e & IOAPIC_RTE_REMOTE_IRR);
	GUEST_CHECK("ioapic-level-lapic-tmr-set", tmr_seen);

	/* Still asserted, remote IRR set: no second message (nothing new in the APIC's IRR). */
	cpu_sti();
	guest_delay_us(20000);
	cpu_cli();
	GUEST_CHECK("ioapic-level-held-until-eoi",
		    rtc_hits == 1 && !lapic_vector_bit(LAPIC_IRR, VEC_RTC));

	/* EOI with the line still asserted: remote IRR clears and the pin fires again at once. */
	rtc_mode = RTC_LEVEL_ACK;
	h = rtc_hits;
	lapic_eoi();
	irr_again = ioapic_read_rte(PIN_RTC) & IOAPIC_RTE_REMOTE_IRR;
	lapic_irr = lapic_vector_bit(LAPIC_IRR, VEC_RTC);
	GUEST_CHECK("ioapic-level-redeliver-after-eoi", irr_again && lapic_irr);
	cpu_sti();
	guest_wait_us(rtc_hits > h, 1000000);
	GUEST_CHECK("ioapic-level-redelivered-taken", rtc_hits > h);

	/* Source off, line released: the handler's EOI leaves remote IRR clear. */
	cpu_cli();
	rtc_stop();
	cpu_sti();
	guest_delay_us(10000);
	e = ioapic_read_rte(PIN_RTC);
	if (!(e & IOAPIC_RTE_REMOTE_IRR))
		GUEST_PASS("ioapic-level-eoi-clears-remote-irr");
	else
		GUEST_FAIL("ioapic-level-eoi-clears-remote-irr", "entry %#lx", e);
	ioapic_mask(PIN_RTC, true);
}

void guest_main(void)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("ioapic: %s: needs 1 vCPU (has %u); IO-APIC, PIT on pin 2, RTC on pin 8\n",
		info.name, info.vcpu_count);
	gprintf("ioapic: TSC %lu kHz (%s)\n", guest_tsc_khz(), guest_tsc_source());
	guest_set_irq_handler(VEC_PIT, on_pit);
	guest_set_irq_handler(VEC_RTC, on_rtc);
	lapic_enable();
	cpu_sti();

	check_registers();
	check_pit();
	check_rtc_edge();
	check_rtc_level();
	GUEST_CHECK("ioapic-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
