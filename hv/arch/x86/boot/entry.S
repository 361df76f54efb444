/* SPDX-License-Identifier: MIT */
/*
 * First instructions. A Multiboot1 loader (QEMU -kernel) and a Multiboot2
 * loader (GRUB) both enter _start in 32-bit protected mode with paging off,
 * EAX = the loader's magic and EBX = the physical address of its boot
 * information (Multiboot 0.6.96, 3.2; Multiboot2 1.0, 3.3). We check for
 * long mode, identity-map the first 4 GiB with 2 MiB pages, enter 64-bit
 * mode and call boot_main(magic, info). A CPU without long mode gets a
 * readable refusal on COM1 and a clean halt, never a triple fault.
 */
#include "arch/x86/regs.h"

#define MB1_HEADER_MAGIC 0x1BADB002
#define MB1_FLAG_PAGE_ALIGN (1 << 0)
#define MB1_FLAG_MEMINFO (1 << 1)
#define MB1_FLAGS (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO)

#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQUEST 1
#define MB2_TAG_MODULE_ALIGN 6
#define MB2_INFO_CMDLINE 1
#define MB2_INFO_MODULES 3
#define MB2_INFO_MMAP 6
#define MB2_INFO_ACPI_OLD 14
#define MB2_INFO_ACPI_NEW 15

#define BOOT_STACK_SIZE 16384
#define PAGE 4096
#define PT_ENTRIES 512
#define LARGE_PAGE (2 << 20)
#define BOOT_PD_COUNT 4 /* 4 x 1 GiB = the first 4 GiB */

#define EARLY_COM1 0x3F8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_LSR_THRE 0x20
#define UART_DIV_115200 1

#define CPUID_EXT_MAX 0x80000000

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)

	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.balign 8
mb2_info_req:
	.short MB2_TAG_INFO_REQUEST
	.short 0
	.long mb2_info_req_end - mb2_info_req
	.long MB2_INFO_CMDLINE
	.long MB2_INFO_MODULES
	.long MB2_INFO_MMAP
mb2_info_req_end:
	.balign 8
	.short MB2_TAG_MODULE_ALIGN
	.short 0
	.long 8
	.balign 8
	.short MB2_TAG_END
	.short 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %ebp			/* loader magic */
	mov	%ebx, %esi			/* boot information */

	/* Zero .bss ourselves rather than trust every loader to. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	mov	%ebp, %edi			/* edi = magic, esi = info from here on */
	mov	$(boot_stack + BOOT_STACK_SIZE), %esp

	/* CPUID exists if EFLAGS.ID can be toggled. */
	pushfl
	pop	%eax
	mov	%eax, %ecx
	xor	$RFLAGS_ID, %eax
	push	%eax
	popfl
	pushfl
	pop	%eax
	cmp	%eax, %ecx
	je	.Lno_long_mode

	mov	$CPUID_EXT_MAX, %eax
	cpuid
	cmp	$CPUID_EXT_FEATURES, %eax
	jb	.Lno_long_mode
	mov	$CPUID_EXT_FEATURES, %eax
	cpuid
	test	$CPUID_81_EDX_LM, %edx
	jz	.Lno_long_mode

	/* Identity map [0, 4 GiB) with 2 MiB pages: PML4[0] -> PDPT[0..3]. */
	lea	boot_pd, %ebx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax			/* entry index * 2 MiB (low 32 bits) */
	or	$(PTE_P | PTE_W | PTE_PS), %eax
	mov	%eax, (%ebx, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax			/* high 32 bits of index * 2 MiB */
	mov	%eax, 4(%ebx, %ecx, 8)
	inc	%ecx
	cmp	$(PT_ENTRIES * BOOT_PD_COUNT), %ecx
	jb	1b

	lea	boot_pdpt, %ebx
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$12, %eax
	add	$boot_pd, %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, (%ebx, %ecx, 8)
	movl	$0, 4(%ebx, %ecx, 8)
	inc	%ecx
	cmp	$BOOT_PD_COUNT, %ecx
	jb	2b

	mov	$boot_pdpt, %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, boot_pml4
	movl	$0, boot_pml4 + 4

	/* Long mode: PAE, CR3, EFER.LME, then paging (APM vol. 2, 14.6.1). */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
	mov	%eax, %cr0

	lgdt	boot_gdtr
	ljmp	$GDT_SEL_CODE64, $start64

.Lno_long_mode:
	/* 115200 8N1 on COM1; the command line is not parsed yet. */
	mov	$(EARLY_COM1 + UART_IER), %dx
	xor	%al, %al
	outb	%al, %dx
	mov	$(EARLY_COM1 + UART_LCR), %dx
	mov	$UART_LCR_DLAB, %al
	outb	%al, %dx
	mov	$(EARLY_COM1 + UART_THR), %dx
	mov	$UART_DIV_115200, %al
	outb	%al, %dx
	mov	$(EARLY_COM1 + UART_IER), %dx
	xor	%al, %al
	outb	%al, %dx
	mov	$(EARLY_COM1 + UART_LCR), %dx
	mov	$UART_LCR_8N1, %al
	outb	%al, %dx
	lea	no_long_mode_msg, %esi
3:	lodsb
	test	%al, %al
	jz	5f
	mov	%al, %bl
	mov	$(EARLY_COM1 + UART_LSR), %dx
4:	inb	%dx, %al
	test	$UART_LSR_THRE, %al
	jz	4b
	mov	$(EARLY_COM1 + UART_THR), %dx
	mov	%bl, %al
	outb	%al, %dx
	jmp	3b
5:	cli
	hlt
	jmp	5b

	.code64
start64:
	mov	$GDT_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$(boot_stack + BOOT_STACK_SIZE), %rsp
	xor	%ebp, %ebp			/* ends backtraces */
	/* edi = magic, esi = info: already the first two C arguments. */
	mov	%edi, %edi
	mov	%esi, %esi
	call	boot_main
6:	cli
	hlt
	jmp	6b

	.section .rodata
no_long_mode_msg:
	.ascii "Bulkhead: refusing to start: this CPU has no 64-bit long mode (x86-64); "
	.ascii "Bulkhead needs an x86-64 CPU with AMD-V and nested paging\r\n"
	.ascii "Bulkhead: halted.\r\n\0"

	.balign 8
boot_gdt:
	.quad 0					/* GDT_SEL_NULL */
	.quad 0x00AF9A000000FFFF		/* GDT_SEL_CODE64: L=1, P, DPL0, code */
	.quad 0x00CF92000000FFFF		/* GDT_SEL_DATA: flat data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss.pagetables, "aw", @nobits
	.balign PAGE
boot_pml4:
	.skip PAGE
boot_pdpt:
	.skip PAGE
boot_pd:
	.skip PAGE * BOOT_PD_COUNT

	.section .bss, "aw", @nobits
	.balign 16
	.globl boot_stack
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
