/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs. The CPU pushes an error code for some exceptions
 * only (APM vol. 2, 8.2: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP and #VC,
 * #SX); the stubs push a zero for the others so every frame has one shape,
 * then the vector, then the general registers (struct trap_frame).
 */
	.text
	.code64

/* Vectors that come with an error code: bits 8, 10-14, 17, 21, 29, 30. */
#define ERRCODE_VECTORS 0x60227D00

	.macro stub vec
	.balign 16
isr_\vec:
	.if (\vec < 32) && ((ERRCODE_VECTORS >> \vec) & 1)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
	.endm

	.altmacro
	.macro stubs from, to
	stub \from
	.if \to-\from
	stubs %(\from+1), \to
	.endif
	.endm

	stubs 0, 63
	stubs 64, 127
	stubs 128, 191
	stubs 192, 255

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

	.macro stubaddr vec
	.quad isr_\vec
	.endm
	.macro stubaddrs from, to
	stubaddr \from
	.if \to-\from
	stubaddrs %(\from+1), \to
	.endif
	.endm

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	stubaddrs 0, 63
	stubaddrs 64, 127
	stubaddrs 128, 191
	stubaddrs 192, 255
