/* SPDX-License-Identifier: MIT */
/*
 * GDT, TSS and IDT. Every CPU has its own GDT and TSS (the TSS holds the
 * CPU's IST stacks); the IDT is shared. Descriptor formats: AMD APM vol. 2,
 * 4.8.1 (code), 4.8.2 (data), 4.8.3 (system descriptors), 8.9.1 (gates).
 */
#include "arch/x86/desc.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"

#define TSS_TYPE_AVAILABLE 0x9ull
#define DESC_PRESENT (1ull << 47)
#define GATE_INTERRUPT 0xEull
#define GATE_PRESENT 0x80ull
#define TSS_NO_IOMAP 0xFFFF

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;
BUILD_ASSERT(sizeof(struct idt_gate) == 16);

static struct idt_gate idt[IDT_VECTORS] __aligned(16);

void gdt_load(struct percpu *pc)
{
	uint64_t tss = (uint64_t)(uintptr_t)&pc->tss;
	uint64_t limit = sizeof(pc->tss) - 1;
	struct desc_ptr gdtr;

	pc->gdt[GDT_SEL_NULL / 8] = 0;
	pc->gdt[GDT_SEL_CODE64 / 8] = DESC_FLAT_CODE64;
	pc->gdt[GDT_SEL_DATA / 8] = DESC_FLAT_DATA;
	pc->gdt[GDT_SEL_CODE32 / 8] = DESC_FLAT_CODE32;
	/* 64-bit TSS descriptor: 16 bytes, base split over both slots. */
	pc->gdt[GDT_SEL_TSS / 8] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) |
				   (TSS_TYPE_AVAILABLE << 40) | DESC_PRESENT |
				   (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
	pc->gdt[GDT_SEL_TSS / 8 + 1] = tss >> 32;

	for (unsigned int i = 1; i <= IST_COUNT; i++)
		pc->tss.ist[i - 1] = pc->ist_base[i] + IST_STACK_SIZE;
	pc->tss.iomap_base = TSS_NO_IOMAP;

	gdtr.limit = sizeof(pc->gdt) - 1;
	gdtr.base = (uint64_t)(uintptr_t)pc->gdt;
	__asm__ __volatile__("lgdt %0\n"
			     "mov %w1, %%ds\n"
			     "mov %w1, %%es\n"
			     "mov %w1, %%ss\n"
			     /* Reload CS with a far return. */
			     "pushq %2\n"
			     "leaq 1f(%%rip), %%rax\n"
			     "pushq %%rax\n"
			     "lretq\n"
			     "1:\n"
			     "ltr %w3\n" ::"m"(gdtr),
			     "r"(GDT_SEL_DATA), "i"(GDT_SEL_CODE64), "r"(GDT_SEL_TSS)
			     : "rax", "memory");
}

static void set_gate(unsigned int vec, uint64_t handler, uint8_t ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = handler & 0xFFFF;
	g->selector = GDT_SEL_CODE64;
	g->ist = ist;
	g->type_attr = GATE_PRESENT | GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xFFFF;
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void idt_init(void)
{
	for (unsigned int v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_stub_table[v], 0);
	/* Exceptions that can strike with a bad stack get known-good ones. */
	set_gate(EXC_NMI, isr_stub_table[EXC_NMI], IST_NMI);
	set_gate(EXC_DF, isr_stub_table[EXC_DF], IST_DOUBLE_FAULT);
	set_gate(EXC_MC, isr_stub_table[EXC_MC], IST_MACHINE_CHECK);
}

void idt_load(void)
{
	struct desc_ptr idtr = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};

	__asm__ __volatile__("lidt %0" ::"m"(idtr));
}
