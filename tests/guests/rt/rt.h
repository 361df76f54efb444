/* SPDX-License-Identifier: MIT */
/*
 * The test-guest runtime: a freestanding environment just large enough for
 * guests of a few lines of C that print their outcome on the console.
 *
 * Entry (crt0.S): the hypervisor's test-guest loader starts vCPU 0 at _start
 * in 64-bit mode with an identity map of [0, 4 GiB) and no GDT, IDT or
 * stack. The runtime zeroes .bss, takes a 16 KiB boot stack, loads its GDT
 * and an IDT that catches all 32 exception vectors, and calls
 *
 *	void guest_main(void);
 *
 * which every guest defines. If guest_main returns, the partition powers
 * off (BH_HC_POWEROFF).
 *
 * Secondary vCPUs: guest_start_vcpu(vcpu, fn, arg, stack, size) starts vCPU
 * `vcpu` at guest_secondary_entry with RSP at the top of `stack` and RDI
 * pointing at a runtime start block; the stub loads that vCPU's GDT and the
 * shared IDT and calls fn(arg). If fn returns, the vCPU halts for good.
 * bh_vcpu_start() is the raw hypercall, for tests of the call itself.
 *
 * Output: gprintf() formats into 256 bytes and writes them with one
 * console-write hypercall under a lock, so a line from one vCPU is never
 * split by another's. The test macros print one line each:
 *
 *	GUEST-PASS: <name>
 *	GUEST-FAIL: <name>: <why>
 *	GUEST-DONE: <N> passed, <M> failed
 *
 * which the integration tests grep. Names are string expressions.
 *
 * Exceptions: guest_try(fn, arg) runs fn(arg) and returns -1 if it returned
 * normally or the exception vector if an exception was raised inside it
 * (execution resumes in guest_try; fn's frame is abandoned). Any other
 * exception prints "GUEST-FAIL: unexpected exception V at RIP ..." and
 * powers the partition off.
 *
 * Per-vCPU state: each vCPU runs on its own copy of the GDT, so SGDT (which
 * does not exit to the hypervisor) names the current vCPU without needing
 * an MSR or a hypercall: see rt_vcpu_index().
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdarg.h>

#include "abi/bulkhead.h"
#include "lib/compiler.h"
#include "lib/string.h"

/* vCPUs the runtime keeps state for (the configuration allows as many). */
#define RT_MAX_VCPUS 64

/* Exception vectors the tests expect. */
#define VEC_DE 0
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

/* Image bounds from guest.ld. */
extern char __image_start[], __image_end[];

/* ---------------------------------------------------------------------------
 * Hypercalls (include/abi/bulkhead.h). VMMCALL with RAX = number, RDI, RSI,
 * RDX, R10, R8, R9 = arguments; the result comes back in RAX. All other
 * registers are preserved, but they are declared as in/out operands anyway
 * ("+r") so the compiler never relies on a value surviving a call it cannot
 * see into. Pointers are guest-physical; with the identity map that is the
 * same number as the virtual address.
 * -------------------------------------------------------------------------*/
static inline long bh_hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
				unsigned long a3, unsigned long a4, unsigned long a5,
				unsigned long a6)
{
	register unsigned long rax __asm__("rax") = nr;
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	register unsigned long r9 __asm__("r9") = a6;

	__asm__ __volatile__(".byte 0x0f, 0x01, 0xd9" /* vmmcall */
			     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8),
			       "+r"(r9)
			     :
			     : "memory");
	return (long)rax;
}

static inline long bh_version(void)
{
	return bh_hypercall(BH_HC_VERSION, 0, 0, 0, 0, 0, 0);
}

static inline long bh_console_write(const void *buf, size_t len)
{
	return bh_hypercall(BH_HC_CONSOLE_WRITE, (uintptr_t)buf, len, 0, 0, 0, 0);
}

static inline long bh_partition_info(struct bh_partition_info *info)
{
	return bh_hypercall(BH_HC_PARTITION_INFO, (uintptr_t)info, 0, 0, 0, 0, 0);
}

static inline long bh_yield(void)
{
	return bh_hypercall(BH_HC_YIELD, 0, 0, 0, 0, 0, 0);
}

static inline long bh_vcpu_start(unsigned long vcpu, uint64_t rip, uint64_t rsp, uint64_t arg)
{
	return bh_hypercall(BH_HC_VCPU_START, vcpu, rip, rsp, arg, 0, 0);
}

static inline long bh_stats(struct bh_vcpu_stats *stats, unsigned long count)
{
	return bh_hypercall(BH_HC_STATS, (uintptr_t)stats, count, 0, 0, 0, 0);
}

/* Do not return; if the hypervisor ever did return, halt for good. */
__noreturn void bh_poweroff(void);
__noreturn void bh_reboot(void);

/* ---------------------------------------------------------------------------
 * CPU helpers
 * -------------------------------------------------------------------------*/
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSC fenced on both sides: nothing moves across it (for timing). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_pause(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void cpu_hlt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/* Busy-wait for about n TSC cycles. */
void delay_cycles(uint64_t n);

/* Halt forever (interrupts are off, so the hypervisor parks the vCPU). */
__noreturn void halt_forever(void);

/* ---------------------------------------------------------------------------
 * Spinlock (ticket, FIFO) and a tiny PRNG
 * -------------------------------------------------------------------------*/
struct rt_lock {
	uint32_t next;
	uint32_t owner;
};

void rt_lock(struct rt_lock *l);
void rt_unlock(struct rt_lock *l);

/* xorshift64 (Marsaglia 2003): deterministic for a given non-zero seed. */
struct rng {
	uint64_t s;
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

/* Uniform enough in [lo, hi) for tests; hi > lo. */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(r) % (hi - lo);
}

/* ---------------------------------------------------------------------------
 * Output and test macros
 * -------------------------------------------------------------------------*/
#define GPRINTF_BUF 256

/* Format and write with one console-write hypercall (truncated to 255 bytes). */
void gprintf(const char *fmt, ...) __printf(1, 2);
void gvprintf(const char *fmt, va_list ap);

extern uint32_t rt_passed, rt_failed;

void guest_pass(const char *name);
void guest_fail(const char *name, const char *fmt, ...) __printf(2, 3);
/* Prints "GUEST-DONE: N passed, M failed"; returns M. */
unsigned int guest_done(void);

#define GUEST_PASS(name)      guest_pass(name)
#define GUEST_FAIL(name, ...) guest_fail(name, __VA_ARGS__)
/* PASS, or FAIL naming the condition and where it is. */
#define GUEST_CHECK(name, cond)                                                                    \
	do {                                                                                       \
		if (cond)                                                                          \
			guest_pass(name);                                                          \
		else                                                                               \
			guest_fail(name, "%s:%d: CHECK(%s)", __FILE__, __LINE__, #cond);           \
	} while (0)

/* ---------------------------------------------------------------------------
 * Exceptions, vCPUs, partition info
 * -------------------------------------------------------------------------*/

/* -1 if fn(arg) returned, else the vector of the exception raised inside it. */
int guest_try(void (*fn)(void *), void *arg);

/* This vCPU's index (0 for the boot vCPU, the vcpu argument for the others). */
unsigned int rt_vcpu_index(void);

/*
 * Start secondary vCPU `vcpu` running fn(arg) on [stack, stack + size)
 * (16-byte aligned by the runtime). Returns the hypercall's result, or
 * -BH_EINVAL without calling it if vcpu >= RT_MAX_VCPUS.
 */
long guest_start_vcpu(unsigned int vcpu, void (*fn)(uint64_t), uint64_t arg, void *stack,
		      size_t size);

/*
 * Where guest_start_vcpu starts a vCPU (crt0.S). Started by a raw
 * bh_vcpu_start with an arg that is not one of the runtime's start blocks,
 * the vCPU just halts: a safe rip for tests that expect a refusal.
 */
void guest_secondary_entry(void);

/*
 * BH_HC_PARTITION_INFO into *info; on failure prints GUEST-FAIL and powers
 * off, since no guest can do anything sensible without it.
 */
void guest_info(struct bh_partition_info *info);

/* First page-aligned guest-physical address above the image (and its stacks). */
static inline uint64_t guest_free_base(void)
{
	return ALIGN_UP(SYM_ADDR(__image_end), KiB(4));
}

#endif
