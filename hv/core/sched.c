/* SPDX-License-Identifier: MIT */
#include "core/sched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/virt.h"
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

/* A start request (BH_HC_VCPU_START) is carried out on the vCPU's own CPU. */
static void apply_start(struct vcpu *v)
{
	struct vcpu_boot b = {
		.rip = v->start_rip,
		.rsp = v->start_rsp,
		.arg = v->start_arg,
		.cr3 = v->part->boot_cr3,
	};

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
		if (__atomic_load_n(&v->start_pending, __ATOMIC_ACQUIRE) &&
		    v->state == VCPU_OFFLINE)
			apply_start(v);
		if (v->state == VCPU_RUNNABLE) {
			found = v;
			break;
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return found;
}

void sched_idle_once(void)
{
	struct vcpu *v = pick(&rq[cpu_id()]);

	if (v)
		vcpu_run_loop(v);
	else
		cpu_idle_once();
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
