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
 *
 * The second half of this header adds what the virtual-platform guests
 * (p_*.c) need: interrupt handlers for vectors 32-255, TSC timing and
 * waits, timing checks that retry what a busy host delays, MMIO
 * accessors, and helpers for the local APIC, I/O APIC, PIT and CMOS.
 * Guests that do not use them see the runtime exactly as before.
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

/* ===========================================================================
 * Platform-test additions: interrupts, timing, MMIO and the PC devices.
 * Used by the p_*.c guests; nothing above depends on them.
 * =========================================================================*/

/* ---------------------------------------------------------------------------
 * Hardware interrupts (vectors 32-255)
 *
 * Every vector 32-255 has a stub (crt0.S) that saves all general-purpose
 * registers, clears DF, calls the C handler registered for the vector with
 * guest_set_irq_handler() and returns with IRETQ. The handler table and the
 * IDT are shared by all vCPUs. A vector with no handler prints
 * "GUEST-FAIL: unexpected interrupt V ..." and counts a failure (the
 * partition goes on; nothing is acknowledged).
 *
 * Until the first guest_set_irq_handler() the IDT limit covers only the 32
 * exception vectors, exactly as before these additions. The first call
 * extends it on the calling vCPU; vCPUs started after that (by
 * guest_start_vcpu or guest_cpu_init) get the full IDT, and a vCPU already
 * running can call guest_load_idt().
 *
 * Handlers run with interrupts disabled (interrupt gates) and must not call
 * gprintf or the test macros: the interrupted code may hold the console
 * lock. They record what they saw in variables and acknowledge the
 * interrupt themselves (lapic_eoi(), a PIC EOI...): the runtime cannot know
 * which controller delivered it.
 * -------------------------------------------------------------------------*/
#define RT_IRQ_FIRST 32

typedef void (*guest_irq_fn)(uint8_t vector);

/* fn == NULL restores the default (unexpected-interrupt) handler. Vectors < 32 are ignored. */
void guest_set_irq_handler(uint8_t vector, guest_irq_fn fn);
/* Reload this vCPU's IDTR (with the current limit). */
void guest_load_idt(void);
/* Interrupts no handler was registered for, on any vCPU. */
uint32_t guest_irq_unexpected(void);

/*
 * Set up a vCPU that was started without guest_start_vcpu (INIT/SIPI): load
 * its own GDT and the shared IDT. Call first thing, on its own stack.
 */
void guest_cpu_init(unsigned int vcpu);

static inline void cpu_sti(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline void cpu_cli(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

/* STI; HLT: the STI shadow makes the pair atomic, so no wakeup is lost. */
static inline void cpu_sti_hlt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

#define RFLAGS_IF (1ull << 9)

/* ---------------------------------------------------------------------------
 * Timing
 *
 * guest_tsc_khz(): the TSC frequency. From CPUID leaf 0x40000010 EAX (kHz,
 * the VMware/KVM "timing information" leaf) if leaf 0x40000000 reports it;
 * otherwise measured once against the ACPI PM timer (port 0x608,
 * 3.579545 MHz); otherwise (no PM timer either) 1 GHz is assumed.
 * guest_tsc_source() says which ("cpuid", "pmtimer", "assumed").
 * guest_lapic_bus_khz(): CPUID 0x40000010 EBX, the local APIC timer's input
 * clock, 0 if the leaf is absent.
 * -------------------------------------------------------------------------*/
#define RT_CPUID_TIMING_LEAF 0x40000010u
#define RT_PM_TMR_PORT	     0x608
#define RT_PM_TMR_HZ	     3579545ul

uint64_t guest_tsc_khz(void);
const char *guest_tsc_source(void);
uint32_t guest_lapic_bus_khz(void);

/* Conversions at guest_tsc_khz(). */
uint64_t guest_us_to_tsc(uint64_t us);
uint64_t guest_tsc_to_us(uint64_t cycles);

/* Busy-wait for about us microseconds of TSC time. */
void guest_delay_us(uint64_t us);

/*
 * Poll the expression cond (with PAUSE) until it is true or timeout_us of
 * TSC time has passed; evaluates to the last value of cond (true = it
 * happened in time). cond is evaluated once more after the deadline, so a
 * slow vCPU never reports a timeout for something that did happen.
 */
#define guest_wait_us(cond, timeout_us)                                                            \
	({                                                                                         \
		uint64_t __end = rdtsc() + guest_us_to_tsc(timeout_us);                            \
		bool __ok;                                                                         \
		for (;;) {                                                                         \
			if ((__ok = (cond)))                                                       \
				break;                                                             \
			if (rdtsc() >= __end) {                                                    \
				__ok = (cond);                                                     \
				break;                                                             \
			}                                                                          \
			cpu_pause();                                                               \
		}                                                                                  \
		__ok;                                                                              \
	})

/* ---------------------------------------------------------------------------
 * Timing checks on a busy host
 *
 * The integration tests run QEMU TCG, two at a time on small machines: the
 * host thread of a vCPU can lose its CPU for tens of milliseconds at any
 * moment while the TSC and the device clocks go on. Such a stall only ever
 * adds to one measurement (an interrupt taken late, an interval stretched,
 * periods merged); a wrong device model is wrong on every attempt. So a
 * timing check measures up to GUEST_TIMING_ATTEMPTS times and passes at the
 * first figure inside its window, want - below % to want + above %.
 *
 * A bound that no stall can break (a timer firing before its time, a
 * counter slower than a TSC interval read inside its own reads) is a
 * correctness property, not a tolerance: the guest checks it on every
 * attempt and names it in `broken`, and the check then fails at once.
 *
 *	struct guest_timing t;
 *
 *	guest_timing_begin(&t, "apic-timer-oneshot-timing", "us", 25, 25);
 *	while (guest_timing_more(&t)) {
 *		us = ...;
 *		guest_timing_add(&t, us, ONESHOT_US, us < min_us ? "fired early" : NULL);
 *	}
 *	guest_timing_end(&t);
 *
 * Each attempt prints "timing: <name>: attempt K: <got> <unit> for <want>
 * (-below/+above %): inside|outside|broken: <why>"; guest_timing_end prints
 * GUEST-PASS: <name>, or GUEST-FAIL: <name>: ... with every attempt's figure.
 * -------------------------------------------------------------------------*/
#define GUEST_TIMING_ATTEMPTS 3

struct guest_timing {
	const char *name;	   /* of the check, as PASS/FAIL print it */
	const char *unit;	   /* of the figures */
	unsigned int below, above; /* the window, in % of want */
	unsigned int n;		   /* attempts recorded */
	bool inside;		   /* the last one was inside the window */
	const char *broken;	   /* the hard bound the last one broke, or NULL */
	uint64_t got[GUEST_TIMING_ATTEMPTS], want[GUEST_TIMING_ATTEMPTS];
};

void guest_timing_begin(struct guest_timing *t, const char *name, const char *unit,
			unsigned int below, unsigned int above);
/* True while another attempt is wanted: none inside, none broken, attempts left. */
bool guest_timing_more(const struct guest_timing *t);
/* Record and print one attempt: got against want; broken = the hard bound it broke, or NULL. */
void guest_timing_add(struct guest_timing *t, uint64_t got, uint64_t want, const char *broken);
/* GUEST-PASS if an attempt was inside (and none broken), else GUEST-FAIL; true for PASS. */
bool guest_timing_end(const struct guest_timing *t);

/*
 * Interrupt rates. A busy host merges periods (a pending interrupt is one
 * bit or flag), so fewer interrupts than programmed is worth another
 * attempt, and at least half are wanted even so; more than 25 % over is a
 * source running fast on any attempt (the TSC interval encloses the two
 * counter reads, so a stall adds time, never interrupts). Begin t with
 * these bounds, then each guest_timing_irqs() counts what *count gains
 * over us of TSC time against hz, prints "<what>: N interrupts in U us
 * (want W)" and adds the attempt.
 */
#define GUEST_IRQ_RATE_BELOW 50
#define GUEST_IRQ_RATE_ABOVE 25

void guest_timing_irqs(struct guest_timing *t, const char *what, volatile uint32_t *count,
		       uint64_t hz, uint64_t us);

/* ---------------------------------------------------------------------------
 * MMIO: one plain MOV of the given width (so the hypervisor's instruction
 * emulator sees the simplest form), volatile, with a compiler barrier.
 * -------------------------------------------------------------------------*/
static inline uint8_t mmio_read8(uint64_t addr)
{
	uint8_t v;

	__asm__ __volatile__("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint16_t mmio_read16(uint64_t addr)
{
	uint16_t v;

	__asm__ __volatile__("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	uint64_t v;

	__asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	__asm__ __volatile__("movb %0, (%1)" : : "q"(v), "r"(addr) : "memory");
}

static inline void mmio_write16(uint64_t addr, uint16_t v)
{
	__asm__ __volatile__("movw %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ __volatile__("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	__asm__ __volatile__("movq %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* ---------------------------------------------------------------------------
 * Local APIC, xAPIC mode (Intel SDM vol. 3A, 11.4.1, Table 11-1)
 * -------------------------------------------------------------------------*/
#define LAPIC_BASE	 0xFEE00000ull
#define MSR_APIC_BASE	 0x1Bu
#define APIC_BASE_BSP	 (1ull << 8)
#define APIC_BASE_EXTD	 (1ull << 10)
#define APIC_BASE_EN	 (1ull << 11)
#define MSR_TSC_DEADLINE 0x6E0u
#define MSR_X2APIC(reg)	 (0x800u + ((reg) >> 4)) /* SDM 11.12.1.2 */

#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_TPR	0x080
#define LAPIC_PPR	0x0A0
#define LAPIC_EOI	0x0B0
#define LAPIC_LDR	0x0D0
#define LAPIC_DFR	0x0E0
#define LAPIC_SVR	0x0F0
#define LAPIC_ISR	0x100
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3E0

#define LAPIC_SVR_ENABLE   (1u << 8)
#define LAPIC_SPURIOUS_VEC 0xFF
#define LAPIC_LVT_MASKED   (1u << 16)
#define LAPIC_LVT_PERIODIC (1u << 17) /* timer mode 01b */
#define LAPIC_LVT_TSC_DL   (2u << 17) /* timer mode 10b */
#define LAPIC_DM_FIXED	   (0u << 8)  /* ICR / LVT delivery modes */
#define LAPIC_DM_NMI	   (4u << 8)
#define LAPIC_DM_INIT	   (5u << 8)
#define LAPIC_DM_STARTUP   (6u << 8)
#define LAPIC_DM_EXTINT	   (7u << 8)
#define LAPIC_ICR_LOGICAL  (1u << 11)
#define LAPIC_ICR_BUSY	   (1u << 12) /* delivery status */
#define LAPIC_ICR_ASSERT   (1u << 14)
#define LAPIC_ICR_LEVEL	   (1u << 15)
#define LAPIC_SH_SELF	   (1u << 18)
#define LAPIC_SH_ALL	   (2u << 18)
#define LAPIC_SH_OTHERS	   (3u << 18)

static inline uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static inline void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* The bit for vector in the 256-bit ISR, TMR or IRR starting at reg. */
static inline bool lapic_vector_bit(uint32_t reg, uint8_t vector)
{
	return (lapic_read(reg + 0x10u * (vector / 32u)) >> (vector % 32u)) & 1;
}

/* Software-enable this vCPU's APIC: SVR = enable | spurious vector 0xFF, TPR = 0. */
void lapic_enable(void);

/*
 * Send an IPI in xAPIC mode: ICR high = dest << 24, then ICR low = lo.
 * Waits (up to 100 ms) for the delivery-status bit to clear first and
 * afterwards; false if it never did.
 */
bool lapic_send_ipi(uint8_t dest, uint32_t lo);

/* ---------------------------------------------------------------------------
 * I/O APIC (Intel 82093AA datasheet, 3.0): IOREGSEL at +0x00, IOWIN at +0x10
 * -------------------------------------------------------------------------*/
#define IOAPIC_BASE	      0xFEC00000ull
#define IOAPIC_REG_ID	      0x00
#define IOAPIC_REG_VER	      0x01
#define IOAPIC_REG_REDIR(pin) (0x10u + 2u * (pin))
#define IOAPIC_RTE_DELIVS     (1ull << 12)
#define IOAPIC_RTE_ACTIVE_LOW (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_LEVEL      (1ull << 15)
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_DEST(id)   ((uint64_t)(id) << 56)

uint32_t ioapic_read(uint8_t index);
void ioapic_write(uint8_t index, uint32_t v);
uint64_t ioapic_read_rte(unsigned int pin);
/* Writes the high half first, then the low half (which may unmask). */
void ioapic_write_rte(unsigned int pin, uint64_t rte);
/* Set or clear the mask bit of one entry, leaving the rest as it is. */
void ioapic_mask(unsigned int pin, bool masked);

/* ---------------------------------------------------------------------------
 * 8254 PIT (Intel 82C54 datasheet), 8259A PICs, MC146818 RTC/CMOS
 * -------------------------------------------------------------------------*/
#define PIT_HZ	   1193182ul
#define PIT_CH0	   0x40
#define PIT_CH2	   0x42
#define PIT_CMD	   0x43
#define PORT_B	   0x61 /* bit 0 ch2 gate, bit 1 speaker, bit 5 ch2 OUT */
#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1
#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71

/* Channel 0 in mode 2 (rate generator) at hz: one IRQ 0 edge per period. */
void pit_ch0_periodic(unsigned int hz);
/* Control word for channel 0, mode 0, no count: counting stops with OUT low. */
void pit_ch0_stop(void);

/*
 * Index then data with interrupts off, so an interrupt handler's own CMOS
 * access (reading register C) cannot slip between the two.
 */
static inline uint8_t cmos_read(uint8_t index)
{
	uint64_t f = read_rflags();
	uint8_t v;

	cpu_cli();
	outb(CMOS_INDEX, index);
	v = inb(CMOS_DATA);
	if (f & RFLAGS_IF)
		cpu_sti();
	return v;
}

static inline void cmos_write(uint8_t index, uint8_t v)
{
	uint64_t f = read_rflags();

	cpu_cli();
	outb(CMOS_INDEX, index);
	outb(CMOS_DATA, v);
	if (f & RFLAGS_IF)
		cpu_sti();
}

/* ---------------------------------------------------------------------------
 * Partition requirements and ABI 1.1 fields
 * -------------------------------------------------------------------------*/

/*
 * If the partition has fewer than n vCPUs: prints
 * "GUEST-FAIL: <test>-vcpus: needs vcpus >= n, partition has m" and returns
 * false (the guest then calls guest_done and returns). Else true.
 */
bool guest_require_vcpus(const struct bh_partition_info *info, const char *test, unsigned int n);

/*
 * ABI 1.1 appends `uint64_t acpi_rsdp` to struct bh_partition_info: the
 * guest-physical address of the partition's ACPI RSDP. It follows name[]
 * at offset 56, whether or not this tree's header has the field yet; this
 * reads it from a buffer large enough for either layout. 0 = no tables (or
 * an ABI 1.0 hypervisor).
 */
#define RT_INFO_ACPI_RSDP_OFFSET 56
uint64_t guest_acpi_rsdp(void);

#endif
