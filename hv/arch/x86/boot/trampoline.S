/* SPDX-License-Identifier: MIT */
/*
 * Real-mode start-up code for application processors. A STARTUP IPI makes
 * the AP begin at CS:IP = (page >> 4):0 in real mode (APM vol. 2, 16.5;
 * Intel SDM vol. 3A, 8.4.4). This template is copied to a page below
 * 1 MiB; the boot CPU fills in the parameter block (struct tramp_params in
 * smp.h) for each AP. The code only uses offsets from the page start, so
 * it runs wherever it is copied.
 */
#include "arch/x86/regs.h"

#define P_GDTR 0x08
#define P_PM_JMP 0x10
#define P_LM_JMP 0x18
#define P_CR3 0x20
#define P_EFER 0x24
#define P_STACK 0x28
#define P_ENTRY 0x30
#define P_ARG 0x38

	.section .trampoline, "a"
	.code16
	.globl tramp_start
tramp_start:
	jmp	tramp_code16
	.balign 8
tramp_params:				/* TRAMP_PARAMS_OFFSET */
	.skip 0x58
tramp_code16:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ebx, %ebx
	mov	%cs, %bx
	shl	$4, %ebx			/* ebx = physical base of this page */
	lgdtl	P_GDTR
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	*P_PM_JMP

	.code32
	.globl tramp_pm32
tramp_pm32:
	mov	$GDT_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	P_CR3(%ebx), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	or	P_EFER(%ebx), %eax		/* NXE before paging: the tables use NX */
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmpl	*P_LM_JMP(%ebx)

	.code64
	.globl tramp_lm64
tramp_lm64:
	mov	$GDT_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%ebx, %ebx
	mov	P_STACK(%rbx), %rsp
	mov	P_ARG(%rbx), %rdi
	mov	P_ENTRY(%rbx), %rax
	xor	%ebp, %ebp
	call	*%rax
1:	cli
	hlt
	jmp	1b
	.globl tramp_end
tramp_end:
