/* SPDX-License-Identifier: MIT */
#include "core/selftest.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"

#define TIMER_TEST_TICKS 5
#define TIMER_TEST_PERIOD_US 10000ull
#define TIMER_TEST_TIMEOUT_US 5000000ull
#define POLL_US 1000ull
#define NS_PER_US 1000ull
#define DEBUG_FAULT_ARG_MAX 16
/* A non-canonical address: any access raises #GP (APM vol. 2, 5.3.1). */
#define NONCANONICAL_ADDR 0x8000000000000000ull

struct timer_test {
	volatile unsigned int ticks;
	uint64_t first, last;
	uint64_t period;
	uint64_t deadline;	/* of the pending tick */
	int64_t min_late;	/* smallest delay from deadline to callback */
	int64_t max_late;	/* largest delay from deadline to callback */
};

static struct timer_test tt[HV_MAX_CPUS];

/* A signed TSC interval in microseconds, for the report. */
static long long signed_us(int64_t tsc)
{
	long long us = (long long)(tsc_to_ns(tsc < 0 ? -(uint64_t)tsc : (uint64_t)tsc) /
				   NS_PER_US);

	return tsc < 0 ? -us : us;
}

static void timer_test_tick(void *arg)
{
	struct timer_test *t = arg;
	uint64_t now = rdtsc();
	int64_t late = (int64_t)(now - t->deadline);

	/*
	 * A negative delay would be a callback before its deadline, which the
	 * timer must never deliver; the smallest delay also shows a timer that
	 * runs slow (every tick late), whatever the load on the host.
	 */
	if (t->ticks == 0 || late < t->min_late)
		t->min_late = late;
	if (t->ticks == 0 || late > t->max_late)
		t->max_late = late;
	if (t->ticks == 0)
		t->first = now;
	t->last = now;
	t->ticks++;
	/*
	 * Deadlines advance by the period from the previous deadline, not from
	 * now, so interrupt latency does not add up over the ticks.
	 */
	if (t->ticks < TIMER_TEST_TICKS) {
		t->deadline += t->period;
		timer_set(t->deadline, timer_test_tick, t);
	}
}

static void timer_test_start(void *arg)
{
	struct timer_test *t = arg;

	t->deadline = rdtsc() + t->period;
	timer_set(t->deadline, timer_test_tick, t);
}

int selftest_timers(void)
{
	uint64_t period = tsc_from_ns(TIMER_TEST_PERIOD_US * NS_PER_US);
	unsigned int ok = 0, ncpus = 0;
	uint64_t waited = 0;
	int err = 0;

	for (unsigned int c = 0; c < HV_MAX_CPUS; c++) {
		if (!percpu_area[c].online)
			continue;
		memset(&tt[c], 0, sizeof(tt[c]));
		tt[c].period = period;
		if (smp_call(c, timer_test_start, &tt[c]) == 0)
			ncpus++;
	}
	irq_enable();
	for (;;) {
		unsigned int done = 0;

		for (unsigned int c = 0; c < HV_MAX_CPUS; c++)
			if (percpu_area[c].online && READ_ONCE(tt[c].ticks) >= TIMER_TEST_TICKS)
				done++;
		if (done == ncpus || waited >= TIMER_TEST_TIMEOUT_US)
			break;
		tsc_delay_us(POLL_US);
		waited += POLL_US;
	}

	for (unsigned int c = 0; c < HV_MAX_CPUS; c++) {
		struct timer_test *t = &tt[c];

		if (!percpu_area[c].online)
			continue;
		if (t->ticks < TIMER_TEST_TICKS) {
			pr_err("timer: cpu%u got %u of %u timer interrupts\n", c, t->ticks,
			       TIMER_TEST_TICKS);
			err = -ETIMEDOUT;
			continue;
		}
		ok++;
		pr_info("timer: cpu%u: %u interrupts, period %llu us (programmed %llu us), "
			"delay after deadline min %lld us max %lld us\n",
			c, t->ticks,
			(unsigned long long)(tsc_to_ns((t->last - t->first) /
						       (TIMER_TEST_TICKS - 1)) /
					     NS_PER_US),
			(unsigned long long)TIMER_TEST_PERIOD_US,
			signed_us(t->min_late), signed_us(t->max_late));
	}
	if (!err)
		pr_info("timer: interrupts arrived on all %u CPUs\n", ok);
	return err;
}

static void ipi_noop(void *arg)
{
}

int selftest_ipis(void)
{
	unsigned int ok = 0, targets = 0;
	int err = 0;

	for (unsigned int c = 0; c < HV_MAX_CPUS; c++) {
		uint64_t before;

		if (!percpu_area[c].online || c == cpu_id())
			continue;
		targets++;
		before = percpu_area[c].ipi_pings;
		if (smp_call(c, ipi_noop, NULL) == 0 && percpu_area[c].ipi_pings > before) {
			ok++;
		} else {
			pr_err("ipi: cpu%u did not answer\n", c);
			err = -ETIMEDOUT;
		}
	}
	pr_info("ipi: %u of %u CPUs answered\n", ok, targets);
	return err;
}

/* The deliberate faults. noinline keeps them visible in backtraces. */
static __attribute__((noinline)) void fault_page(void)
{
	pr_info("debug: dereferencing NULL on purpose\n");
	WRITE_ONCE(*(volatile uint64_t *)0, 1);
}

static __attribute__((noinline)) void fault_gp(void)
{
	pr_info("debug: touching a non-canonical address on purpose\n");
	(void)READ_ONCE(*(volatile uint64_t *)NONCANONICAL_ADDR);
}

static __attribute__((noinline)) void fault_ud(void)
{
	pr_info("debug: executing UD2 on purpose\n");
	__asm__ __volatile__("ud2");
}

static __attribute__((noinline)) void fault_divide(void)
{
	volatile uint64_t zero = 0;

	pr_info("debug: dividing by zero on purpose\n");
	__asm__ __volatile__("divq %0" ::"r"(zero), "a"(1ull), "d"(0ull));
}

static __attribute__((noinline)) void fault_panic(void)
{
	panic("debug_fault=panic on the command line");
}

static const struct {
	const char *name;
	void (*fn)(void);
} faults[] = {
	{"pf", fault_page}, {"gp", fault_gp}, {"ud", fault_ud},
	{"de", fault_divide}, {"panic", fault_panic},
};

static void run_fault(void *arg)
{
	((void (*)(void))arg)();
}

void debug_fault_maybe(const char *cmdline)
{
	char kind[DEBUG_FAULT_ARG_MAX], cpustr[DEBUG_FAULT_ARG_MAX];
	uint64_t want_cpu = 0;

	if (cmdline_get(cmdline, "debug_fault", kind, sizeof(kind)) < 0)
		return;
	if (cmdline_get(cmdline, "debug_fault_cpu", cpustr, sizeof(cpustr)) >= 0 &&
	    parse_u64(cpustr, &want_cpu) != 0) {
		pr_warn("debug_fault_cpu=%s is not a number; using cpu0\n", cpustr);
		want_cpu = 0;
	}
	if (want_cpu >= HV_MAX_CPUS || !percpu_area[want_cpu].online) {
		pr_warn("debug_fault_cpu=%llu is not an online CPU; using cpu0\n",
			(unsigned long long)want_cpu);
		want_cpu = 0;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(faults); i++) {
		if (strcmp(kind, faults[i].name) == 0) {
			if (smp_call((unsigned int)want_cpu, run_fault, (void *)faults[i].fn) != 0)
				pr_err("debug: cpu%llu did not take the fault call\n",
				       (unsigned long long)want_cpu);
			return;
		}
	}
	pr_warn("debug_fault=%s: unknown kind (pf, gp, ud, de, panic)\n", kind);
}
