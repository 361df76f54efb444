/* SPDX-License-Identifier: MIT */
#include "arch/x86/trap.h"
#include "arch/x86/percpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/errno.h"

struct extable_entry {
	uint64_t fault_rip;
	uint64_t fixup_rip;
};

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

static irq_handler_fn handlers[IDT_VECTORS];

static const char *const exc_names[EXC_COUNT] = {
	[EXC_DE] = "#DE divide error",
	[EXC_DB] = "#DB debug",
	[EXC_NMI] = "NMI",
	[EXC_BP] = "#BP breakpoint",
	[EXC_OF] = "#OF overflow",
	[EXC_BR] = "#BR bound range",
	[EXC_UD] = "#UD invalid opcode",
	[EXC_NM] = "#NM device not available",
	[EXC_DF] = "#DF double fault",
	[EXC_TS] = "#TS invalid TSS",
	[EXC_NP] = "#NP segment not present",
	[EXC_SS] = "#SS stack fault",
	[EXC_GP] = "#GP general protection",
	[EXC_PF] = "#PF page fault",
	[EXC_MF] = "#MF x87 floating point",
	[EXC_AC] = "#AC alignment check",
	[EXC_MC] = "#MC machine check",
	[EXC_XF] = "#XF SIMD floating point",
	[EXC_CP] = "#CP control protection",
};

const char *trap_name(unsigned int vector)
{
	if (vector < EXC_COUNT)
		return exc_names[vector] ? exc_names[vector] : "reserved exception";
	return "interrupt";
}

int trap_set_handler(unsigned int vector, irq_handler_fn fn)
{
	if (vector < EXC_COUNT || vector >= IDT_VECTORS)
		return -EINVAL;
	handlers[vector] = fn;
	return 0;
}

static bool try_fixup(struct trap_frame *tf)
{
	size_t n = (SYM_ADDR(__ex_table_end) - SYM_ADDR(__ex_table_start)) /
		   sizeof(struct extable_entry);

	for (size_t i = 0; i < n; i++) {
		if (__ex_table_start[i].fault_rip == tf->rip) {
			tf->rip = __ex_table_start[i].fixup_rip;
			return true;
		}
	}
	return false;
}

void trap_dispatch(struct trap_frame *tf)
{
	unsigned int vec = (unsigned int)tf->vector;

	if (vec == EXC_NMI) {
		panic_nmi(tf);
		return;
	}
	if (vec < EXC_COUNT) {
		/* Only #GP from a *_safe accessor is expected; anything else is a bug. */
		if (vec == EXC_GP && try_fixup(tf))
			return;
		panic_trap(tf);
	}
	if (handlers[vec]) {
		handlers[vec](tf);
		return;
	}
	this_cpu()->spurious_irqs++;
}
