/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data. Each physical CPU finds its own struct percpu through the
 * GS base (gs:0 holds the struct's own address), set first thing on every
 * CPU, so this_cpu() works in interrupt and exception handlers too.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "arch/x86/desc.h"
#include "lib/compiler.h"

#define HV_MAX_CPUS 256
#define IST_STACK_SIZE 8192
#define CPU_STACK_SIZE 16384

/* Interrupt stack table slots (1-based in the IDT gate, APM vol. 2, 8.9.4). */
enum ist_slot {
	IST_NMI = 1,
	IST_DOUBLE_FAULT = 2,
	IST_MACHINE_CHECK = 3,
	IST_COUNT = 3,
};

typedef void (*timer_fn)(void *arg);

struct percpu {
	struct percpu *self;		/* must stay first: read through gs:0 */
	unsigned int id;		/* logical CPU number, 0 = boot CPU */
	uint32_t apic_id;
	volatile bool online;
	uint64_t stack_base;		/* lowest address of the main stack */
	uint64_t stack_top;
	uint64_t ist_base[IST_COUNT + 1];	/* lowest addresses of the IST stacks */

	struct tss64 tss;
	uint64_t gdt[GDT_ENTRIES];

	/* The one-shot timer (timer.c). */
	timer_fn timer_cb;
	uint64_t timer_deadline;
	void *timer_arg;
	volatile uint64_t timer_irqs;

	void (*idle_hook)(void);	/* the idle loop's work (the scheduler) */

	/* A pending cross-CPU call (smp_call). */
	void (*volatile call_fn)(void *arg);
	void *call_arg;

	/* Counters read by tests and the log. */
	volatile uint64_t ipi_pings;
	volatile uint64_t spurious_irqs;
	volatile uint64_t apic_errors;
	volatile uint64_t nmis;
};

extern struct percpu percpu_area[HV_MAX_CPUS];
extern unsigned int cpus_online;	/* CPUs that reached their idle loop */
extern unsigned int cpus_possible;	/* CPUs listed usable in the MADT */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned int cpu_id(void)
{
	return this_cpu()->id;
}

/* Point GS at the struct for CPU id and fill in its identity. */
void percpu_init(unsigned int id, uint32_t apic_id);

#endif
