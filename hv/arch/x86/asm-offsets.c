/* SPDX-License-Identifier: MIT */
/*
 * Structure offsets for assembly, generated at build time (never written
 * by hand): the Makefile compiles this file to assembly and turns each
 * "->NAME value" marker into a #define in build/include/generated/.
 * This file is not linked into the image.
 */
#include "core/vcpu.h"

#define DEFINE(sym, val) __asm__ __volatile__("\n.ascii \"->" #sym " %c0\"" ::"i"(val))
#define OFFSET(sym, type, field) DEFINE(sym, offsetof(type, field))

void asm_offsets(void);

void asm_offsets(void)
{
	OFFSET(GREGS_RAX, struct guest_regs, rax);
	OFFSET(GREGS_RBX, struct guest_regs, rbx);
	OFFSET(GREGS_RCX, struct guest_regs, rcx);
	OFFSET(GREGS_RDX, struct guest_regs, rdx);
	OFFSET(GREGS_RSI, struct guest_regs, rsi);
	OFFSET(GREGS_RDI, struct guest_regs, rdi);
	OFFSET(GREGS_RBP, struct guest_regs, rbp);
	OFFSET(GREGS_R8, struct guest_regs, r8);
	OFFSET(GREGS_R9, struct guest_regs, r9);
	OFFSET(GREGS_R10, struct guest_regs, r10);
	OFFSET(GREGS_R11, struct guest_regs, r11);
	OFFSET(GREGS_R12, struct guest_regs, r12);
	OFFSET(GREGS_R13, struct guest_regs, r13);
	OFFSET(GREGS_R14, struct guest_regs, r14);
	OFFSET(GREGS_R15, struct guest_regs, r15);
}
