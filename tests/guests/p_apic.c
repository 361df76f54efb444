// SPDX-License-Identifier: MIT
/*
 * p_apic: the virtual local APIC of vCPU 0, in xAPIC then x2APIC mode.
 * Needs: 1 vCPU (uses only vCPU 0), any RAM size, no device option.
 *
 * Proves, citing Intel SDM vol. 3A chapter 11 (and AMD APM vol. 2,
 * chapter 16, where the two agree):
 *  - CPUID advertises the APIC, x2APIC and TSC-deadline timer and the
 *    timing leaf 0x40000010 (TSC and APIC bus kHz);
 *  - the power-up register values (11.4.7.1): APIC_BASE, ID = vCPU index,
 *    a version of an integrated APIC, SVR 0xFF, every LVT masked;
 *  - TPR reads back and drives PPR, and blocks lower priority classes
 *    (11.8.3); SVR software enable; ESR latches errors on write (11.5.3);
 *  - a fixed self-IPI via the ICR pends in IRR while IF = 0, is delivered
 *    with its ISR bit set, and EOI clears ISR (11.6, 11.8.4, 11.8.5);
 *  - the timer (11.5.4): one-shot fires once, about when programmed (TSC
 *    measured), with the current count falling to 0; periodic fires at the
 *    programmed period; masking and a zero initial count stop it; the
 *    TSC-deadline mode (11.5.4.1) fires at the deadline, clears the MSR,
 *    is disarmed by writing 0 and fires at once for a past deadline;
 *  - x2APIC mode (11.12): entered by IA32_APIC_BASE.EXTD, ID/version/LDR
 *    through MSRs, self-IPI through SELF_IPI (0x83F) and the 64-bit ICR
 *    (0x830), the timer through MSRs, and #GP for reserved MSRs, writes to
 *    read-only ones, reads of write-only ones, a non-zero EOI, and the
 *    illegal x2APIC -> xAPIC transition (11.12.5).
 * Timing tolerance: 25 % (the partition runs under full emulation), the
 * best of up to 3 attempts (a busy host only ever makes a timer late, see
 * guest_timing in rt.h); firing early is a failure on any attempt.
 */
#include "rt.h"

#define VEC_SELF     0x40
#define VEC_ONESHOT  0x41
#define VEC_PERIODIC 0x42
#define VEC_TSCDL    0x43
#define VEC_X2	     0x44
#define VEC_TPR	     0x45 /* priority class 4 */

#define ONESHOT_US	  50000
#define PERIOD_US	  10000
#define PERIODIC_N	  21 /* interrupts: 20 periods */
#define TSCDL_US	  50000
#define DCR_DIV16	  0x3 /* SDM Figure 11-10 */
#define DCR_DIV1	  0xB
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSCDL  (1u << 24)
#define CPUID1_EDX_APIC	  (1u << 9)

static volatile uint32_t hits[256];
static volatile uint64_t first_tsc[256], last_tsc[256], nth_tsc;
static volatile bool isr_in_handler, x2apic_on;
static uint64_t tsc_khz;
static uint32_t bus_khz;

static void on_irq(uint8_t v)
{
	uint64_t now = rdtsc();
	uint32_t n = hits[v] + 1;

	if (n == 1)
		first_tsc[v] = now;
	if (v == VEC_PERIODIC && n == PERIODIC_N)
		nth_tsc = now;
	last_tsc[v] = now;
	hits[v] = n;
	if (x2apic_on) {
		wrmsr(MSR_X2APIC(LAPIC_EOI), 0);
	} else {
		if (v == VEC_SELF)
			isr_in_handler = lapic_vector_bit(LAPIC_ISR, v);
		lapic_eoi();
	}
}

static void check_cpuid(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_CHECK("apic-cpuid-apic", d & CPUID1_EDX_APIC);
	GUEST_CHECK("apic-cpuid-x2apic", c & CPUID1_ECX_X2APIC);
	GUEST_CHECK("apic-cpuid-tsc-deadline", c & CPUID1_ECX_TSCDL);
	GUEST_CHECK("apic-cpuid-initial-id", (b >> 24) == 0);

	tsc_khz = guest_tsc_khz();
	bus_khz = guest_lapic_bus_khz();
	gprintf("apic: TSC %lu kHz (%s), APIC bus %u kHz (CPUID 0x40000010 EBX)\n", tsc_khz,
		guest_tsc_source(), bus_khz);
	if (bus_khz && strcmp(guest_tsc_source(), "cpuid") == 0)
		GUEST_PASS("apic-cpuid-timing-leaf");
	else
		GUEST_FAIL("apic-cpuid-timing-leaf", "leaf 0x40000010 gives TSC %s, bus %u kHz",
			   guest_tsc_source(), bus_khz);
}

/* Without the leaf, measure the bus clock against the TSC so the timer checks still mean something.
 */
static void calibrate_bus(void)
{
	uint32_t ccr;

	if (bus_khz)
		return;
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFFu);
	guest_delay_us(10000);
	ccr = lapic_read(LAPIC_TIMER_CCR);
	lapic_write(LAPIC_TIMER_ICR, 0);
	bus_khz = (0xFFFFFFFFu - ccr) / 10;
	if (!bus_khz)
		bus_khz = 1000000;
	gprintf("apic: measured APIC bus %u kHz\n", bus_khz);
}

static void check_reset_state(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t ver = lapic_read(LAPIC_VER);
	uint32_t lvts[] = {LAPIC_LVT_TIMER, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1, LAPIC_LVT_ERROR};
	bool masked = true;

	gprintf("apic: APIC_BASE %#lx, version %#x, SVR %#x\n", base, ver, lapic_read(LAPIC_SVR));
	/* 11.4.4: base 0xFEE00000, enabled, BSP flag on the boot processor; xAPIC mode. */
	GUEST_CHECK("apic-base-msr", (base & 0xFFFFF000ull) == LAPIC_BASE &&
					 (base & APIC_BASE_EN) && (base & APIC_BASE_BSP) &&
					 !(base & APIC_BASE_EXTD));
	/* 11.4.6: the ID register holds the APIC ID in bits 31:24; here the vCPU index. */
	GUEST_CHECK("apic-id", lapic_read(LAPIC_ID) >> 24 == 0);
	/* 11.4.8: 0x10-0x15 = integrated APIC; max LVT entry (23:16) >= 3. */
	GUEST_CHECK("apic-version",
		    (ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x15 && ((ver >> 16) & 0xFF) >= 3);
	/* 11.4.7.1: SVR resets to 0xFF (software disabled), every LVT entry masked. */
	GUEST_CHECK("apic-svr-reset", lapic_read(LAPIC_SVR) == 0xFF);
	for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
		masked = masked && (lapic_read(lvts[i]) & LAPIC_LVT_MASKED);
	GUEST_CHECK("apic-lvt-reset-masked", masked);
	/* 11.6.2.2: DFR resets to all ones (flat model), LDR to 0. */
	GUEST_CHECK("apic-dfr-ldr-reset",
		    lapic_read(LAPIC_DFR) == 0xFFFFFFFFu && lapic_read(LAPIC_LDR) == 0);
}

static void check_tpr_svr(void)
{
	static const uint32_t vals[] = {0x00, 0x20, 0xF0, 0x5A};
	bool ok = true, ppr_ok;

	for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++) {
		lapic_write(LAPIC_TPR, vals[i]);
		ok = ok && lapic_read(LAPIC_TPR) == vals[i];
	}
	GUEST_CHECK("apic-tpr-readback", ok);
	/* 11.8.3.1: with ISR empty, PPR = TPR. */
	lapic_write(LAPIC_TPR, 0x25);
	ppr_ok = lapic_read(LAPIC_PPR) == 0x25;
	lapic_write(LAPIC_TPR, 0);
	ppr_ok = ppr_ok && lapic_read(LAPIC_PPR) == 0;
	GUEST_CHECK("apic-ppr-follows-tpr", ppr_ok);

	/* 11.9: SVR bit 8 enables the APIC in software; the vector is bits 7:0. */
	lapic_enable();
	GUEST_CHECK("apic-svr-enable",
		    lapic_read(LAPIC_SVR) == (LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VEC));
}

static void check_esr(void)
{
	uint32_t esr;

	/* 11.5.3: write (any value) to latch the errors seen since, then read. */
	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	if (esr == 0)
		GUEST_PASS("apic-esr-clear");
	else
		GUEST_FAIL("apic-esr-clear", "ESR %#x with no error", esr);

	/* Vectors 0-15 are illegal: "Send Illegal Vector" (bit 5), or bit 6 on receipt. */
	cpu_cli();
	lapic_send_ipi(0, 0x03 | LAPIC_SH_SELF);
	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	if (esr & 0x60)
		GUEST_PASS("apic-esr-illegal-vector");
	else
		GUEST_FAIL("apic-esr-illegal-vector", "ESR %#x after a self-IPI of vector 3", esr);
	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	GUEST_CHECK("apic-esr-rearm", esr == 0);
}

static void check_self_ipi(void)
{
	bool irr, sent;

	cpu_cli();
	sent = lapic_send_ipi(0, VEC_SELF | LAPIC_DM_FIXED | LAPIC_SH_SELF);
	GUEST_CHECK("apic-icr-idle", sent);
	/* IF = 0: accepted into IRR, not taken (11.8.3). */
	irr = lapic_vector_bit(LAPIC_IRR, VEC_SELF);
	GUEST_CHECK("apic-self-ipi-pending-irr", irr && hits[VEC_SELF] == 0);
	cpu_sti();
	if (guest_wait_us(hits[VEC_SELF] >= 1, 100000) && hits[VEC_SELF] == 1)
		GUEST_PASS("apic-self-ipi");
	else
		GUEST_FAIL("apic-self-ipi", "%u deliveries of vector %#x", hits[VEC_SELF],
			   VEC_SELF);
	/* 11.8.4: IRR -> ISR on delivery; 11.8.5: EOI clears the highest ISR bit. */
	GUEST_CHECK("apic-isr-during-handler", isr_in_handler);
	GUEST_CHECK("apic-eoi-clears-isr", !lapic_vector_bit(LAPIC_ISR, VEC_SELF) &&
					       !lapic_vector_bit(LAPIC_IRR, VEC_SELF));
}

static void check_tpr_blocks(void)
{
	bool held;

	/* 11.8.3.1: a class-4 vector waits while TPR's class is 5, goes once TPR drops. */
	lapic_write(LAPIC_TPR, 0x50);
	lapic_send_ipi(0, VEC_TPR | LAPIC_SH_SELF);
	guest_delay_us(20000);
	held = hits[VEC_TPR] == 0 && lapic_vector_bit(LAPIC_IRR, VEC_TPR);
	lapic_write(LAPIC_TPR, 0);
	guest_wait_us(hits[VEC_TPR] >= 1, 100000);
	if (held && hits[VEC_TPR] == 1)
		GUEST_PASS("apic-tpr-blocks");
	else
		GUEST_FAIL("apic-tpr-blocks", "held %d, delivered %u after TPR 0", held,
			   hits[VEC_TPR]);
}

/*
 * How early a timer may seem to fire, in % of its time. With the timing
 * leaf the guest converts with the very TSC and bus rates the hypervisor
 * programs its timers with, so only rounding separates the two (1 %, as
 * for the TSC deadline); a rate the guest measured itself carries its
 * measurement error, up to the 25 % window.
 */
static unsigned int early_pct(void)
{
	return strcmp(guest_tsc_source(), "cpuid") == 0 && guest_lapic_bus_khz() ? 1 : 25;
}

/* Arm the one-shot (DCR /16 already set); the TSC just before the initial-count write. */
static uint64_t oneshot_arm(uint32_t count)
{
	uint64_t t0;

	lapic_write(LAPIC_LVT_TIMER, VEC_ONESHOT); /* one-shot, unmasked */
	t0 = rdtsc_ordered();
	lapic_write(LAPIC_TIMER_ICR, count);
	return t0;
}

/*
 * One attempt of apic-timer-oneshot-timing: the TSC time from the
 * initial-count write to the interrupt. A busy host can only make it
 * longer; shorter than the programmed time (less the conversion
 * tolerance) is a timer that fires early, on any attempt.
 */
static void oneshot_attempt(struct guest_timing *t, uint32_t count, uint64_t t0)
{
	uint64_t us = guest_tsc_to_us(last_tsc[VEC_ONESHOT] - t0);
	uint64_t min_us = ONESHOT_US - ONESHOT_US / 100 * early_pct();

	gprintf("apic: one-shot of %u us (count %u, /16) fired after %lu us\n", ONESHOT_US, count,
		us);
	guest_timing_add(t, us, ONESHOT_US,
			 us < min_us ? "fired before its programmed time" : NULL);
}

static void check_oneshot(void)
{
	uint32_t count = (uint32_t)((uint64_t)bus_khz * (ONESHOT_US / 1000) / 16);
	uint32_t ccr1, ccr2, h;
	uint64_t t0;
	struct guest_timing t;

	lapic_write(LAPIC_TIMER_DCR, DCR_DIV16);
	t0 = oneshot_arm(count);
	ccr1 = lapic_read(LAPIC_TIMER_CCR);
	guest_delay_us(1000);
	ccr2 = lapic_read(LAPIC_TIMER_CCR);
	GUEST_CHECK("apic-timer-ccr-counts-down", ccr1 <= count && ccr2 < ccr1);
	if (!guest_wait_us(hits[VEC_ONESHOT] >= 1, 4 * ONESHOT_US)) {
		GUEST_FAIL("apic-timer-oneshot", "no interrupt in %u us", 4 * ONESHOT_US);
		return;
	}
	GUEST_PASS("apic-timer-oneshot");
	guest_timing_begin(&t, "apic-timer-oneshot-timing", "us", 25, 25);
	oneshot_attempt(&t, count, t0);
	/* 11.5.4: in one-shot mode the count stays at 0 until reprogrammed. */
	GUEST_CHECK("apic-timer-oneshot-ccr-zero", lapic_read(LAPIC_TIMER_CCR) == 0);
	guest_delay_us(2 * ONESHOT_US);
	GUEST_CHECK("apic-timer-oneshot-once", hits[VEC_ONESHOT] == 1);

	/* Late only because the host was busy? Then another attempt is on time. */
	while (guest_timing_more(&t)) {
		h = hits[VEC_ONESHOT];
		t0 = oneshot_arm(count);
		if (!guest_wait_us(hits[VEC_ONESHOT] > h, 4 * ONESHOT_US)) {
			guest_timing_add(&t, guest_tsc_to_us(rdtsc() - t0), ONESHOT_US,
					 "no interrupt");
			break;
		}
		oneshot_attempt(&t, count, t0);
	}
	guest_timing_end(&t);
}

/*
 * Start the periodic timer afresh, counting from the first interrupt;
 * true once PERIODIC_N have come. An earlier run is stopped first and its
 * last interrupt left time to be taken, so the count starts at 0.
 */
static bool periodic_run(uint32_t count)
{
	lapic_write(LAPIC_TIMER_ICR, 0);
	guest_delay_us(PERIOD_US / 5);
	hits[VEC_PERIODIC] = 0;
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV1);
	lapic_write(LAPIC_LVT_TIMER, VEC_PERIODIC | LAPIC_LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_ICR, count);
	return guest_wait_us(hits[VEC_PERIODIC] >= PERIODIC_N, 4 * PERIODIC_N * PERIOD_US);
}

/*
 * One attempt of apic-timer-periodic-period: the average period over
 * PERIODIC_N - 1 periods, from the first interrupt to the last. A busy
 * host merges periods (the timer stays on its grid, see vlapic.c) and
 * delays interrupts, which lengthens it; it can shorten it only by
 * delaying the first interrupt, by less than a period, 5 %. Below 75 %
 * the timer runs fast, on any attempt.
 */
static void periodic_attempt(struct guest_timing *t, bool all)
{
	uint64_t end = all ? nth_tsc : rdtsc();
	uint64_t avg = guest_tsc_to_us(end - first_tsc[VEC_PERIODIC]) / (PERIODIC_N - 1);

	gprintf("apic: periodic %u us: average period %lu us over %u interrupts\n", PERIOD_US, avg,
		all ? PERIODIC_N : hits[VEC_PERIODIC]);
	guest_timing_add(t, avg, PERIOD_US,
			 avg * 100 < PERIOD_US * 75 ? "faster than programmed" : NULL);
}

static void check_periodic(void)
{
	uint32_t count = bus_khz * (PERIOD_US / 1000);
	uint32_t settled;
	struct guest_timing t;

	if (!periodic_run(count)) {
		GUEST_FAIL("apic-timer-periodic", "%u of %u interrupts in %u us",
			   hits[VEC_PERIODIC], PERIODIC_N, 4 * PERIODIC_N * PERIOD_US);
	} else {
		GUEST_PASS("apic-timer-periodic");
		guest_timing_begin(&t, "apic-timer-periodic-period", "us", 25, 25);
		periodic_attempt(&t, true);
		/* The last run is left going, for the stop check below. */
		while (guest_timing_more(&t))
			periodic_attempt(&t, periodic_run(count));
		guest_timing_end(&t);
	}
	/* 11.5.4: a zero initial count stops the timer; masked entries deliver nothing. */
	lapic_write(LAPIC_LVT_TIMER, VEC_PERIODIC | LAPIC_LVT_PERIODIC | LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
	guest_delay_us(2 * PERIOD_US);
	settled = hits[VEC_PERIODIC];
	guest_delay_us(5 * PERIOD_US);
	GUEST_CHECK("apic-timer-periodic-stop", hits[VEC_PERIODIC] == settled);
}

/* Arm the TSC deadline TSCDL_US from now; returns the deadline. */
static uint64_t tscdl_arm(void)
{
	uint64_t deadline = rdtsc() + guest_us_to_tsc(TSCDL_US);

	wrmsr(MSR_TSC_DEADLINE, deadline);
	return deadline;
}

/*
 * One attempt of apic-tsc-deadline-timing: the TSC time from arming to the
 * interrupt, against TSCDL_US. A busy host only makes it late; before the
 * deadline (less 1 % for the hypervisor's ns rounding) is a failure on any
 * attempt.
 */
static void tscdl_attempt(struct guest_timing *t, uint64_t deadline)
{
	int64_t delta = (int64_t)(last_tsc[VEC_TSCDL] - deadline);
	int64_t slack = (int64_t)(guest_us_to_tsc(TSCDL_US) / 100);
	uint64_t us = guest_tsc_to_us(last_tsc[VEC_TSCDL] - (deadline - guest_us_to_tsc(TSCDL_US)));

	gprintf("apic: TSC deadline fired %ld cycles after the deadline (%ld us)\n", delta,
		delta / (int64_t)(tsc_khz / 1000 ? tsc_khz / 1000 : 1));
	guest_timing_add(t, us, TSCDL_US, delta < -slack ? "fired before the deadline" : NULL);
}

static void check_tsc_deadline(void)
{
	uint32_t a, b, c, d, h;
	uint64_t deadline, rb;
	struct guest_timing t;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_TSCDL)) {
		GUEST_FAIL("apic-tsc-deadline", "CPUID.1:ECX[24] clear: no TSC-deadline mode");
		return;
	}
	/* 11.5.4.1: LVT timer mode 10b, then the MSR; MFENCE orders the MMIO write first. */
	lapic_write(LAPIC_LVT_TIMER, VEC_TSCDL | LAPIC_LVT_TSC_DL);
	__asm__ __volatile__("mfence" ::: "memory");
	deadline = tscdl_arm();
	rb = rdmsr(MSR_TSC_DEADLINE);
	/* The hypervisor keeps the deadline in ns: allow 1 us of rounding. */
	GUEST_CHECK("apic-tsc-deadline-readback",
		    (rb > deadline ? rb - deadline : deadline - rb) <= tsc_khz / 1000 + 1);
	if (!guest_wait_us(hits[VEC_TSCDL] >= 1, 4 * TSCDL_US)) {
		GUEST_FAIL("apic-tsc-deadline-fires", "no interrupt in %u us", 4 * TSCDL_US);
		return;
	}
	GUEST_PASS("apic-tsc-deadline-fires");
	guest_timing_begin(&t, "apic-tsc-deadline-timing", "us", 25, 25);
	tscdl_attempt(&t, deadline);
	/* "When the timer generates an interrupt, it disarms itself and clears the MSR." */
	GUEST_CHECK("apic-tsc-deadline-cleared", rdmsr(MSR_TSC_DEADLINE) == 0);
	while (guest_timing_more(&t)) {
		h = hits[VEC_TSCDL];
		deadline = tscdl_arm();
		if (!guest_wait_us(hits[VEC_TSCDL] > h, 4 * TSCDL_US)) {
			guest_timing_add(&t, 4 * TSCDL_US, TSCDL_US, "no interrupt");
			break;
		}
		tscdl_attempt(&t, deadline);
	}
	guest_timing_end(&t);

	/* Writing 0 disarms (11.5.4.1). */
	h = hits[VEC_TSCDL];
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + guest_us_to_tsc(TSCDL_US));
	wrmsr(MSR_TSC_DEADLINE, 0);
	guest_delay_us(3 * TSCDL_US);
	GUEST_CHECK("apic-tsc-deadline-disarm", hits[VEC_TSCDL] == h);

	/* A deadline already passed fires at once. */
	wrmsr(MSR_TSC_DEADLINE, rdtsc() - 1000);
	if (guest_wait_us(hits[VEC_TSCDL] > h, TSCDL_US))
		GUEST_PASS("apic-tsc-deadline-past");
	else
		GUEST_FAIL("apic-tsc-deadline-past", "no interrupt for a past deadline");
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
}

/* guest_try bodies: arg points at the MSR number. */
static void try_rdmsr(void *arg)
{
	*(volatile uint64_t *)arg = rdmsr(*(uint32_t *)arg);
}

static void try_wrmsr0(void *arg)
{
	wrmsr(*(uint32_t *)arg, 0);
}

static void try_wrmsr1(void *arg)
{
	wrmsr(*(uint32_t *)arg, 1);
}

static uint64_t x2_base;

static void try_to_xapic(void *arg)
{
	wrmsr(MSR_APIC_BASE, x2_base & ~APIC_BASE_EXTD);
}

static void expect_gp(const char *name, void (*fn)(void *), uint32_t msr)
{
	uint64_t buf = msr;
	int v = guest_try(fn, &buf);

	if (v == VEC_GP)
		GUEST_PASS(name);
	else
		GUEST_FAIL(name, "MSR %#x: expected #GP, got %s %d", msr,
			   v < 0 ? "no exception" : "vector", v);
}

static void check_x2apic(uint32_t xapic_ver)
{
	uint32_t a, b, c, d, h;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_X2APIC)) {
		GUEST_FAIL("apic-x2apic", "CPUID.1:ECX[21] clear: no x2APIC");
		return;
	}
	cpu_cli();
	/* 11.12.1: EN = 1 and EXTD = 1 selects x2APIC mode. */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	x2_base = rdmsr(MSR_APIC_BASE);
	x2apic_on = true;
	GUEST_CHECK("apic-x2apic-enable",
		    (x2_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD));
	/* 11.12.2: the x2APIC ID MSR holds the full 32-bit ID. */
	GUEST_CHECK("apic-x2apic-id", rdmsr(MSR_X2APIC(LAPIC_ID)) == 0);
	GUEST_CHECK("apic-x2apic-version", rdmsr(MSR_X2APIC(LAPIC_VER)) == xapic_ver);
	/* 11.12.10.2: logical ID = (ID[19:4] << 16) | (1 << ID[3:0]) = 1 for ID 0. */
	GUEST_CHECK("apic-x2apic-ldr", rdmsr(MSR_X2APIC(LAPIC_LDR)) == 1);
	/* 11.12.5.1: the transition keeps the other registers (SVR still enabled). */
	GUEST_CHECK("apic-x2apic-svr-kept", rdmsr(MSR_X2APIC(LAPIC_SVR)) & LAPIC_SVR_ENABLE);

	/* 11.12.11: SELF_IPI, vector in bits 7:0. */
	cpu_sti();
	wrmsr(0x83F, VEC_X2);
	if (guest_wait_us(hits[VEC_X2] >= 1, 100000) && hits[VEC_X2] == 1)
		GUEST_PASS("apic-x2apic-self-ipi");
	else
		GUEST_FAIL("apic-x2apic-self-ipi", "%u deliveries", hits[VEC_X2]);
	/* 11.12.9: one 64-bit ICR write sends; shorthand self. */
	wrmsr(MSR_X2APIC(LAPIC_ICR_LO), VEC_X2 | LAPIC_SH_SELF);
	if (guest_wait_us(hits[VEC_X2] >= 2, 100000) && hits[VEC_X2] == 2)
		GUEST_PASS("apic-x2apic-icr-self");
	else
		GUEST_FAIL("apic-x2apic-icr-self", "%u deliveries", hits[VEC_X2]);

	/* The timer through its MSRs (0x83E DCR, 0x832 LVT, 0x838 initial count). */
	h = hits[VEC_ONESHOT];
	wrmsr(MSR_X2APIC(LAPIC_TIMER_DCR), DCR_DIV1);
	wrmsr(MSR_X2APIC(LAPIC_LVT_TIMER), VEC_ONESHOT);
	wrmsr(MSR_X2APIC(LAPIC_TIMER_ICR), (uint64_t)bus_khz * 10);
	if (guest_wait_us(hits[VEC_ONESHOT] > h, 100000))
		GUEST_PASS("apic-x2apic-timer");
	else
		GUEST_FAIL("apic-x2apic-timer", "no interrupt from a 10 ms one-shot");

	/* 11.12.1.2, Table 11-6: every access below raises #GP. */
	expect_gp("apic-x2apic-reserved-gp", try_rdmsr, 0x801);
	expect_gp("apic-x2apic-icr2-gp", try_rdmsr, 0x831);
	expect_gp("apic-x2apic-id-write-gp", try_wrmsr0, MSR_X2APIC(LAPIC_ID));
	expect_gp("apic-x2apic-eoi-read-gp", try_rdmsr, MSR_X2APIC(LAPIC_EOI));
	expect_gp("apic-x2apic-eoi-nonzero-gp", try_wrmsr1, MSR_X2APIC(LAPIC_EOI));
	/* 11.12.5: x2APIC -> xAPIC directly is illegal (#GP); the mode stays. */
	expect_gp("apic-x2apic-to-xapic-gp", try_to_xapic, MSR_APIC_BASE);
	GUEST_CHECK("apic-x2apic-mode-kept", rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD);
	cpu_cli();
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint32_t ver;

	guest_info(&info);
	gprintf("apic: %s: needs 1 vCPU (has %u); local APIC of vCPU 0, xAPIC and x2APIC\n",
		info.name, info.vcpu_count);
	for (unsigned int v = VEC_SELF; v <= VEC_TPR; v++)
		guest_set_irq_handler((uint8_t)v, on_irq);

	check_cpuid();
	check_reset_state();
	ver = lapic_read(LAPIC_VER);
	check_tpr_svr();
	calibrate_bus();
	check_esr();
	check_self_ipi();
	check_tpr_blocks();
	check_oneshot();
	check_periodic();
	check_tsc_deadline();
	check_x2apic(ver);
	GUEST_CHECK("apic-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
