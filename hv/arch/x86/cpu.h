/* SPDX-License-Identifier: MIT */
/*
 * Thin wrappers around x86 instructions: CPUID, MSRs, control registers,
 * port I/O, the TSC, and interrupt-flag handling.
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include "arch/x86/regs.h"
#include "lib/compiler.h"
#include "lib/errno.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline void cpuid_count(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, struct cpuid_regs *r)
{
	cpuid_count(leaf, 0, r);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

/*
 * RDMSR that survives a #GP (an MSR the CPU does not implement): the
 * exception handler finds the faulting RIP in __ex_table and resumes at the
 * fixup, which reports -EFAULT. Returns 0 or -EFAULT.
 */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int err = 0;

	__asm__ __volatile__("1: rdmsr\n"
			     "2:\n"
			     ".section .fixup, \"ax\"\n"
			     "3: mov %[efault], %[err]\n"
			     "   jmp 2b\n"
			     ".previous\n"
			     ".section __ex_table, \"a\"\n"
			     ".balign 8\n"
			     ".quad 1b, 3b\n"
			     ".previous\n"
			     : [err] "+r"(err), "+a"(lo), "+d"(hi)
			     : "c"(msr), [efault] "i"(-EFAULT));
	*val = ((uint64_t)hi << 32) | lo;
	return err;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSC ordered after earlier loads (APM vol. 3, RDTSC: use LFENCE). */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
	return rdtsc();
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	irq_disable();
	return f;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}

/* Wait for an interrupt with interrupts enabled (STI shadow covers HLT). */
static inline void cpu_idle_once(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

#endif
