/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU run queues. Every physical CPU has one; until the scheduler
 * issue each holds at most one vCPU (vCPUs are pinned and the
 * configuration refuses two on one CPU), but the loop already picks from a
 * queue so that a real scheduler can replace the policy, not the shape.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include "lib/compiler.h"

struct vcpu;

/* Put v on the run queue of v->pcpu. */
void sched_add(struct vcpu *v);

/* Make CPU cpu look at its run queue again (an IPI unless it is this CPU). */
void sched_kick(unsigned int cpu);

/* Switch every online CPU from plain idling to running its queue. */
void sched_start(void);

/* Arm this CPU's timer for guest time deadline_ns (UINT64_MAX: nothing). */
void sched_arm_timer(uint64_t deadline_ns);

/* One pass of this CPU's scheduler: run a vCPU until it cannot go on, or idle. */
void sched_idle_once(void);

#endif
