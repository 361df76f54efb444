/* SPDX-License-Identifier: MIT */
#include "arch/x86/timer.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"

/* The APIC timer's count register is 32 bits; longer waits re-arm. */
#define APIC_COUNT_MAX 0xFFFFFFFFull
#define APIC_COUNT_MIN 1ull
#define RATIO_SHIFT 32

static bool use_deadline;
/* APIC timer ticks per TSC tick, 32.32 fixed point. */
static uint64_t apic_per_tsc_fx;

static void arm_hw(uint64_t deadline)
{
	uint64_t now, ticks;

	if (use_deadline) {
		/* A deadline in the past fires at once (SDM 10.5.4.1). */
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
		return;
	}
	now = rdtsc();
	ticks = (int64_t)(deadline - now) > 0 ? deadline - now : 0;
	ticks = (uint64_t)(((unsigned __int128)ticks * apic_per_tsc_fx) >> RATIO_SHIFT);
	ticks = MIN(MAX(ticks, APIC_COUNT_MIN), APIC_COUNT_MAX);
	lapic_timer_oneshot((uint32_t)ticks, VEC_TIMER);
}

static void timer_irq(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();
	timer_fn cb = pc->timer_cb;

	lapic_eoi();
	pc->timer_irqs++;
	if (!cb)
		return;
	/* The APIC one-shot may fire early after a long wait was clamped. */
	if (!use_deadline && (int64_t)(pc->timer_deadline - rdtsc()) > 0) {
		arm_hw(pc->timer_deadline);
		return;
	}
	pc->timer_cb = NULL;
	cb(pc->timer_arg);
}

int timer_init(void)
{
	use_deadline = lapic_has_tsc_deadline();
	if (!use_deadline) {
		int err = lapic_timer_calibrate();

		if (err)
			return err;
		/* The divided APIC clock is far below 2^32 Hz, so this cannot overflow. */
		apic_per_tsc_fx = (lapic_timer_hz() << RATIO_SHIFT) / tsc_hz;
	}
	return trap_set_handler(VEC_TIMER, timer_irq);
}

void timer_init_cpu(void)
{
	if (use_deadline)
		lapic_timer_deadline_mode(VEC_TIMER);
	else
		lapic_timer_stop();
}

const char *timer_mode_name(void)
{
	return use_deadline ? "TSC-deadline" : "APIC one-shot";
}

void timer_set(uint64_t deadline, timer_fn cb, void *arg)
{
	struct percpu *pc = this_cpu();

	pc->timer_cb = cb;
	pc->timer_arg = arg;
	pc->timer_deadline = deadline;
	arm_hw(deadline);
}

void timer_cancel(void)
{
	struct percpu *pc = this_cpu();

	pc->timer_cb = NULL;
	if (use_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	else
		lapic_timer_stop();
}
