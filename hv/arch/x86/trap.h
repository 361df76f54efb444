/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts taken by the hypervisor itself. isr.S saves the
 * registers into a struct trap_frame and calls trap_dispatch().
 */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include "lib/compiler.h"

/* Exception vectors (APM vol. 2, 8.2). */
#define EXC_DE 0
#define EXC_DB 1
#define EXC_NMI 2
#define EXC_BP 3
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6
#define EXC_NM 7
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_MF 16
#define EXC_AC 17
#define EXC_MC 18
#define EXC_XF 19
#define EXC_CP 21
#define EXC_COUNT 32

/* Interrupt vectors the hypervisor uses (above every exception). */
#define VEC_IPI_PING 0xF1	/* cross-CPU calls (smp_call) and kicks */
#define VEC_TIMER 0xF0		/* per-CPU one-shot timer */
#define VEC_CONSOLE 0xE0	/* the console UART's receive interrupt */
#define VEC_APIC_ERROR 0xFE
#define VEC_SPURIOUS 0xFF
#define IDT_VECTORS 256

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_fn)(struct trap_frame *tf);

/* Called from isr.S with interrupts disabled. */
void trap_dispatch(struct trap_frame *tf);

/* Install the handler for an interrupt vector (>= EXC_COUNT). 0 or -EINVAL. */
int trap_set_handler(unsigned int vector, irq_handler_fn fn);

/* "#PF" etc. */
const char *trap_name(unsigned int vector);

/* The stubs, one per vector, generated in isr.S. */
extern const uint64_t isr_stub_table[IDT_VECTORS];

#endif
