/* SPDX-License-Identifier: MIT */
/*
 * The host's local APIC, in x2APIC mode (MSRs) when the CPU has it, else
 * in xAPIC mode (MMIO page). AMD APM vol. 2, chapter 16; the x2APIC MSR
 * interface is in Intel SDM vol. 3A, 11.12 and AMD APM vol. 2, 16.11.
 */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include "lib/compiler.h"

/*
 * Map (xAPIC) or switch to x2APIC mode on the boot CPU and set up its
 * local APIC. mmio_pa is the address from the MADT. 0 or -errno.
 */
int lapic_init_bsp(uint64_t mmio_pa);

/* Set up this CPU's local APIC (all CPUs, after lapic_init_bsp). */
void lapic_init_cpu(void);

bool lapic_ready(void);
bool lapic_x2apic_mode(void);

/* This CPU's APIC id (full 32 bits in x2APIC mode). */
uint32_t lapic_id(void);

void lapic_eoi(void);

/* Fixed interrupt `vector` to the CPU with APIC id dest. */
void lapic_send_ipi(uint32_t dest, uint8_t vector);

/* NMI to every CPU but this one (the panic path). */
void lapic_send_nmi_all_but_self(void);

/* INIT, then the two STARTUP IPIs for the real-mode page at tramp_pa. */
int lapic_send_init(uint32_t dest);
int lapic_send_startup(uint32_t dest, uint64_t tramp_pa);

/* Local APIC timer: one-shot with count ticks (already divided), vector. */
void lapic_timer_oneshot(uint32_t count, uint8_t vector);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);
/* Timer input frequency after the divider, measured against the TSC. */
uint64_t lapic_timer_hz(void);
int lapic_timer_calibrate(void);

/* TSC-deadline mode for the LVT timer (CPUID.1:ECX[24]). */
bool lapic_has_tsc_deadline(void);
void lapic_timer_deadline_mode(uint8_t vector);

#endif
