/* SPDX-License-Identifier: MIT */
/*
 * The world switch. VMRUN saves and restores only part of the host state
 * (APM vol. 2, 15.5.1 and 15.30.4: RIP, RSP, RAX, segment registers,
 * control registers, EFER, RFLAGS); the guest's FS, GS, TR, LDTR and the
 * SYSCALL/SYSENTER MSRs are swapped with VMLOAD/VMSAVE (15.5.2), and the
 * general registers are ours to swap.
 */
#include "generated/asm-offsets.h"

	.text
	.code64
	.globl svm_vmrun
/* void svm_vmrun(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa) */
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rsi			/* regs: 8(%rsp) after the next push */
	push	%rdx			/* host save area: (%rsp) */

	mov	%rdi, %rax
	mov	GREGS_RBX(%rsi), %rbx
	mov	GREGS_RCX(%rsi), %rcx
	mov	GREGS_RDX(%rsi), %rdx
	mov	GREGS_RDI(%rsi), %rdi
	mov	GREGS_RBP(%rsi), %rbp
	mov	GREGS_R8(%rsi), %r8
	mov	GREGS_R9(%rsi), %r9
	mov	GREGS_R10(%rsi), %r10
	mov	GREGS_R11(%rsi), %r11
	mov	GREGS_R12(%rsi), %r12
	mov	GREGS_R13(%rsi), %r13
	mov	GREGS_R14(%rsi), %r14
	mov	GREGS_R15(%rsi), %r15
	mov	GREGS_RSI(%rsi), %rsi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	push	%rsi			/* the guest's RSI */
	mov	16(%rsp), %rsi		/* regs */
	mov	%rbx, GREGS_RBX(%rsi)
	mov	%rcx, GREGS_RCX(%rsi)
	mov	%rdx, GREGS_RDX(%rsi)
	mov	%rdi, GREGS_RDI(%rsi)
	mov	%rbp, GREGS_RBP(%rsi)
	mov	%r8, GREGS_R8(%rsi)
	mov	%r9, GREGS_R9(%rsi)
	mov	%r10, GREGS_R10(%rsi)
	mov	%r11, GREGS_R11(%rsi)
	mov	%r12, GREGS_R12(%rsi)
	mov	%r13, GREGS_R13(%rsi)
	mov	%r14, GREGS_R14(%rsi)
	mov	%r15, GREGS_R15(%rsi)
	pop	%rax
	mov	%rax, GREGS_RSI(%rsi)

	pop	%rax			/* host save area */
	vmload	%rax
	add	$8, %rsp		/* regs */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
