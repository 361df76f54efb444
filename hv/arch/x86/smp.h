/* SPDX-License-Identifier: MIT */
/* Application-processor bring-up and cross-CPU calls. */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "lib/compiler.h"

struct acpi_info;

/*
 * Start every enabled processor in the MADT other than this one, one at a
 * time, through INIT-SIPI-SIPI and the real-mode trampoline. A CPU that
 * does not answer is logged and left out. Returns the number of CPUs
 * online (including this one), or a negative code if the trampoline
 * cannot be set up.
 */
int smp_boot_aps(const struct acpi_info *ai);

/* Make this the boot CPU's percpu (GS base, boot stack). First thing in boot. */
void smp_init_bsp(unsigned int apic_id);

/* Give the boot CPU its IST stacks, GDT, TSS, IDT, APIC and timer. 0 or -errno. */
int smp_setup_bsp(void);

typedef void (*smp_call_fn)(void *arg);

/*
 * Run fn(arg) on CPU cpu from its IPI handler (interrupts disabled there)
 * and wait until it has run. On this CPU, fn runs directly. Returns 0,
 * -EINVAL for a CPU that is not online, or -ETIMEDOUT.
 */
int smp_call(unsigned int cpu, smp_call_fn fn, void *arg);

/*
 * Install what this CPU runs when it has nothing else to do (default:
 * wait for an interrupt). Call on the CPU itself (through smp_call).
 */
void smp_set_idle_hook(void (*fn)(void));

/* Every CPU's loop once booted: the idle hook, or wait for an interrupt. */
__noreturn void smp_idle_loop(void);

/* The trampoline's parameter block (layout shared with trampoline.S). */
struct tramp_params {
	uint16_t gdt_limit;	/* 0x00: lgdt operand, 32-bit base */
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t pm_offset;	/* 0x08: far pointer to the 32-bit code */
	uint16_t pm_selector;
	uint16_t pad1;
	uint32_t lm_offset;	/* 0x10: far pointer to the 64-bit code */
	uint16_t lm_selector;
	uint16_t pad2;
	uint32_t cr3;		/* 0x18 */
	uint32_t efer_set;	/* 0x1c: EFER bits to set besides LME */
	uint64_t stack;		/* 0x20 */
	uint64_t entry;		/* 0x28: void entry(void *arg) */
	uint64_t arg;		/* 0x30 */
	uint64_t gdt[4];	/* 0x38: null, code64, data, code32 */
} __packed;

#define TRAMP_PARAMS_OFFSET 8

#endif
