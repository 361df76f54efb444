/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU one-shot timer: one pending deadline per CPU, in TSC ticks,
 * and a callback run from the timer interrupt on that CPU. Uses the local
 * APIC's TSC-deadline mode where the CPU has it (CPUID.1:ECX[24]), else the
 * APIC timer in one-shot mode with its count computed from the deadline.
 */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

#include "arch/x86/percpu.h"

/* Choose the mode (after TSC and APIC calibration). 0 or -errno. */
int timer_init(void);

/* Set up the timer on this CPU. */
void timer_init_cpu(void);

/* "TSC-deadline" or "APIC one-shot". */
const char *timer_mode_name(void);

/*
 * Fire cb(arg) on this CPU at TSC value deadline (at once if it has
 * passed). Replaces any pending deadline. Call with interrupts disabled or
 * from the callback itself.
 */
void timer_set(uint64_t deadline, timer_fn cb, void *arg);

/* Cancel this CPU's pending deadline. */
void timer_cancel(void);

#endif
