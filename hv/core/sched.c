/* SPDX-License-Identifier: MIT */
#include "core/sched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/virt.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "core/partition.h"
#include "core/vcpu.h"
#include "lib/spinlock.h"

struct runqueue {
	spinlock_t lock;
	struct vcpu *head;
};

static struct runqueue rq[HV_MAX_CPUS];

void sched_add(struct vcpu *v)
{
	struct runqueue *q = &rq[v->pcpu];
	uint64_t flags = spin_lock_irqsave(&q->lock);

	v->rq_next = q->head;
	q->head = v;
	spin_unlock_irqrestore(&q->lock, flags);
}

void sched_kick(unsigned int cpu)
{
	if (cpu != cpu_id() && cpu < HV_MAX_CPUS && percpu_area[cpu].online)
		lapic_send_ipi(percpu_area[cpu].apic_id, VEC_IPI_PING);
}

/*
 * A start request (BH_HC_VCPU_START, or a STARTUP IPI) is carried out on
 * the vCPU's own CPU, which owns its control block.
 */
static void apply_start(struct vcpu *v)
{
	struct vcpu_boot b = {
		.rip = v->start_rip,
		.rsp = v->start_rsp,
		.arg = v->start_arg,
		.cr3 = v->part->boot_cr3,
	};

	if (v->start_sipi)
		virt->vcpu_reset_sipi(v, v->start_vector);
	else
		virt->vcpu_reset(v, &b);
	__atomic_store_n(&v->start_pending, false, __ATOMIC_RELEASE);
	v->state = VCPU_RUNNABLE;
}

static struct vcpu *pick(struct runqueue *q)
{
	struct vcpu *found = NULL;
	uint64_t flags = spin_lock_irqsave(&q->lock);

	for (struct vcpu *v = q->head; v; v = v->rq_next) {
		if (v->part->state != PART_RUNNING)
			continue;
		/* INIT: the vCPU stops and waits for a STARTUP IPI (SDM 8.4.1). */
		if (__atomic_load_n(&v->init_pending, __ATOMIC_ACQUIRE)) {
			if (part_hooks && part_hooks->vcpu_init_signal)
				part_hooks->vcpu_init_signal(v);
			v->state = VCPU_OFFLINE;
			__atomic_store_n(&v->init_pending, false, __ATOMIC_RELEASE);
		}
		if (__atomic_load_n(&v->start_pending, __ATOMIC_ACQUIRE) &&
		    v->state == VCPU_OFFLINE)
			apply_start(v);
		if (v->state == VCPU_HALTED && part_hooks && part_hooks->vcpu_wakeup &&
		    part_hooks->vcpu_wakeup(v))
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_RUNNABLE) {
			found = v;
			break;
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return found;
}

static void timer_wake(void *arg)
{
	/* Nothing to do here: the interrupt itself ends HLT or the guest's run. */
}

/* The earliest timer event of this CPU's halted vCPUs, as a TSC deadline. */
static void arm_idle_timer(struct runqueue *q)
{
	uint64_t flags, when = UINT64_MAX;

	if (!part_hooks || !part_hooks->vcpu_deadline)
		return;
	flags = spin_lock_irqsave(&q->lock);
	for (struct vcpu *v = q->head; v; v = v->rq_next) {
		if (v->part->state == PART_RUNNING && v->state == VCPU_HALTED)
			when = MIN(when, part_hooks->vcpu_deadline(v));
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (when != UINT64_MAX)
		timer_set(tsc_at_ns(when), timer_wake, NULL);
}

void sched_idle_once(void)
{
	struct runqueue *q = &rq[cpu_id()];
	struct vcpu *v;

	/*
	 * Interrupts off from the look at the queue to HLT (STI's shadow
	 * covers HLT): a kick that arrives in between stays pending and ends
	 * the HLT, instead of being handled before it and missed.
	 */
	irq_disable();
	v = pick(q);
	if (v) {
		irq_enable();
		vcpu_run_loop(v);
		return;
	}
	arm_idle_timer(q);
	cpu_idle_once();
}

void sched_arm_timer(uint64_t deadline_ns)
{
	struct percpu *pc = this_cpu();
	uint64_t flags, tsc;

	if (deadline_ns == UINT64_MAX)
		return;
	tsc = tsc_at_ns(deadline_ns);
	/* timer_set() wants interrupts off: the old deadline could fire in between. */
	flags = irq_save();
	/*
	 * Most exits leave the next device event where it was: reprogramming
	 * the timer anyway costs three APIC register writes per exit.
	 */
	if (pc->timer_cb != timer_wake || pc->timer_deadline != tsc)
		timer_set(tsc, timer_wake, NULL);
	irq_restore(flags);
}

static void enter_sched(void *arg)
{
	smp_set_idle_hook(sched_idle_once);
}

void sched_start(void)
{
	for (unsigned int c = 0; c < HV_MAX_CPUS; c++) {
		if (percpu_area[c].online)
			smp_call(c, enter_sched, NULL);
	}
}
