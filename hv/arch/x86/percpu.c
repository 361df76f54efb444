/* SPDX-License-Identifier: MIT */
#include "arch/x86/percpu.h"
#include "arch/x86/cpu.h"

struct percpu percpu_area[HV_MAX_CPUS];
unsigned int cpus_online;
unsigned int cpus_possible;

void percpu_init(unsigned int id, uint32_t apic_id)
{
	struct percpu *pc = &percpu_area[id];

	pc->self = pc;
	pc->id = id;
	pc->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
}
