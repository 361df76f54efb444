/* SPDX-License-Identifier: MIT */
/*
 * Test-guest entry points and the small pieces that must be assembly:
 * segment reload, exception stubs and the guest_try jump pair.
 *
 * vCPU 0 arrives at _start in 64-bit mode at CPL 0 with interrupts off,
 * RSP = 0 and no GDT or IDT (see rt.h). It may not touch memory through
 * the stack until it has one, and the boot stack lives in .bss, so .bss is
 * zeroed first with REP STOSB, which needs no stack.
 */

/* Exception vectors that push an error code (AMD APM vol. 2, 8.2). */
#define HAS_ERROR_CODE(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
			   (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define BOOT_STACK_SIZE 16384

	.code64
	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	cld
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb

	leaq rt_boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	xorl %edi, %edi			/* vCPU 0 */
	call rt_cpu_init		/* GDT, IDT */
	call guest_main
	call bh_poweroff		/* does not return */
1:	hlt
	jmp 1b
	.size _start, . - _start

/*
 * Secondary vCPUs start here (guest_start_vcpu): RDI = struct rt_start *,
 * RSP = the top of the stack the starter gave. The C side loads this vCPU's
 * GDT and the IDT and calls the guest's function.
 */
	.text
	.globl guest_secondary_entry
	.type guest_secondary_entry, @function
guest_secondary_entry:
	cld
	andq $-16, %rsp			/* the ABI wants RSP % 16 == 0 at a call */
	xorl %ebp, %ebp
	call rt_secondary_main		/* does not return */
1:	hlt
	jmp 1b
	.size guest_secondary_entry, . - guest_secondary_entry

/*
 * void rt_load_tables(const void *gdtr, const void *idtr)
 * Load GDTR and IDTR, then the data segments and CS. CS can only be
 * reloaded by a far transfer; LRETQ to our own return address does it.
 */
	.globl rt_load_tables
	.type rt_load_tables, @function
rt_load_tables:
	lgdt (%rdi)
	lidt (%rsi)
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	popq %rax			/* return address */
	pushq $KERNEL_CS
	pushq %rax
	lretq
	.size rt_load_tables, . - rt_load_tables

/*
 * int rt_try_call(struct rt_jmp *j, void (*fn)(void *), void *arg)
 * Record the callee-saved registers and where to return, then call
 * fn(arg) and return -1. rt_longjmp(j, v) later makes this same call
 * return v instead, from any depth below it on the same stack.
 * struct rt_jmp: rip 0, rsp 8, rbx 16, rbp 24, r12 32, r13 40, r14 48, r15 56.
 */
	.globl rt_try_call
	.type rt_try_call, @function
rt_try_call:
	movq (%rsp), %rax
	movq %rax, 0(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 8(%rdi)
	movq %rbx, 16(%rdi)
	movq %rbp, 24(%rdi)
	movq %r12, 32(%rdi)
	movq %r13, 40(%rdi)
	movq %r14, 48(%rdi)
	movq %r15, 56(%rdi)
	movq %rsi, %rax
	movq %rdx, %rdi
	subq $8, %rsp			/* keep RSP % 16 == 0 at the call */
	call *%rax
	addq $8, %rsp
	movl $-1, %eax
	ret
	.size rt_try_call, . - rt_try_call

/* __noreturn void rt_longjmp(struct rt_jmp *j, int ret) */
	.globl rt_longjmp
	.type rt_longjmp, @function
rt_longjmp:
	movq 16(%rdi), %rbx
	movq 24(%rdi), %rbp
	movq 32(%rdi), %r12
	movq 40(%rdi), %r13
	movq 48(%rdi), %r14
	movq 56(%rdi), %r15
	movq 8(%rdi), %rsp
	movl %esi, %eax
	jmpq *0(%rdi)
	.size rt_longjmp, . - rt_longjmp

/*
 * Exception stubs: each pushes a zero in place of the error code if the
 * CPU pushed none, then its vector, so every frame has the same layout
 * (struct rt_frame in rt.c).
 */
	.macro ISR vec
	.balign 16
isr_\vec:
	.if HAS_ERROR_CODE(\vec) == 0
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ISR \v
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi			/* struct rt_frame * */
	movq %rsp, %rbx			/* callee-saved: survives the call */
	andq $-16, %rsp
	call rt_exception
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

/*
 * Hardware-interrupt stubs for vectors 32-255 (guest_set_irq_handler):
 * the same frame as the exception stubs (a zero error code, the vector,
 * then every general-purpose register), DF cleared for the C handler, and
 * IRETQ back. The vector is \hi * 16 + \lo; the labels are irq_<hi>_<lo>.
 */
	.macro IRQ hi, lo
	.balign 16
irq_\hi\()_\lo:
	pushq $0
	pushq $(\hi * 16 + \lo)
	jmp irq_common
	.endm

	.irp hi, 2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	IRQ \hi, \lo
	.endr
	.endr

irq_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld				/* the C ABI wants DF = 0; IRETQ restores it */
	movq %rsp, %rdi			/* struct rt_frame * */
	movq %rsp, %rbx			/* callee-saved: survives the call */
	andq $-16, %rsp
	call rt_irq
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl rt_isr_table
rt_isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr

	/* Vectors 32-255, in order. */
	.globl rt_irq_table
rt_irq_table:
	.irp hi, 2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.quad irq_\hi\()_\lo
	.endr
	.endr

	.section .bss
	.balign 16
rt_boot_stack:
	.skip BOOT_STACK_SIZE
rt_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
