/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables: the per-CPU GDT with its 64-bit TSS, and the IDT.
 * Layouts: AMD APM vol. 2, 4.8 (descriptors), 8.9 (long-mode interrupt
 * control transfers), 12.2.5 (64-bit TSS).
 */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include "arch/x86/regs.h"
#include "lib/compiler.h"

/*
 * Flat 4 GiB segment descriptors, DPL 0 (APM vol. 2, 4.8.1 and 4.8.2): the
 * hypervisor's GDT, the AP trampoline's and a Linux partition's boot GDT.
 */
#define DESC_FLAT_CODE64 0x00AF9A000000FFFFull /* P, code RX, L=1, G */
#define DESC_FLAT_DATA 0x00CF92000000FFFFull   /* P, data RW, D/B, G */
#define DESC_FLAT_CODE32 0x00CF9A000000FFFFull /* P, code RX, D=1, G */

/* null, code64, data, code32, TSS (two slots in long mode) */
#define GDT_ENTRIES 6

struct tss64 {
	uint32_t reserved0;	/* 0x00 */
	uint64_t rsp[3];	/* 0x04 */
	uint64_t reserved1;	/* 0x1c */
	uint64_t ist[7];	/* 0x24: ist[0] is IST1 */
	uint64_t reserved2;	/* 0x5c */
	uint16_t reserved3;	/* 0x64 */
	uint16_t iomap_base;	/* 0x66 */
} __packed;
ASSERT_OFFSET(struct tss64, ist, 0x24);
ASSERT_OFFSET(struct tss64, iomap_base, 0x66);
BUILD_ASSERT(sizeof(struct tss64) == 0x68);

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

struct percpu;

/* Build and load this CPU's GDT and TSS, reload segments, load TR. */
void gdt_load(struct percpu *pc);

/* Build the shared IDT (once, on the boot CPU). */
void idt_init(void);

/* Load the shared IDT on this CPU. */
void idt_load(void);

#endif
