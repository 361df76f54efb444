// SPDX-License-Identifier: MIT
/*
 * The test-guest runtime: descriptor tables, exception handling with
 * guest_try, console output and the test counters. See rt.h.
 */
#include "rt.h"

#include "lib/format.h"

#define KERNEL_CS 0x08

/* Long-mode descriptors: null, code (L=1, DPL 0), data (writable). */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA   0x00cf92000000ffffull

/* 64-bit interrupt gate, present, DPL 0 (AMD APM vol. 2, 4.8.4). */
#define IDT_INTR_GATE 0x8e

#define RT_VECTORS 32

struct __packed rt_dtr {
	uint16_t limit;
	uint64_t base;
};

struct rt_idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};
BUILD_ASSERT(sizeof(struct rt_idt_entry) == 16);

/* What isr_common in crt0.S leaves on the stack, lowest address first. */
struct rt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Saved context of rt_try_call; the offsets are used by crt0.S. */
struct rt_jmp {
	uint64_t rip, rsp, rbx, rbp, r12, r13, r14, r15;
};
ASSERT_OFFSET(struct rt_jmp, rsp, 8);
ASSERT_OFFSET(struct rt_jmp, r15, 56);

/* Handed to a secondary vCPU in RDI by guest_start_vcpu. */
struct rt_start {
	uint32_t vcpu;
	void (*fn)(uint64_t);
	uint64_t arg;
};

struct rt_vcpu {
	struct rt_jmp *volatile try; /* innermost guest_try, or NULL */
};

/* crt0.S */
void rt_load_tables(const struct rt_dtr *gdtr, const struct rt_dtr *idtr);
int rt_try_call(struct rt_jmp *j, void (*fn)(void *), void *arg);
__noreturn void rt_longjmp(struct rt_jmp *j, int ret);
extern const uint64_t rt_isr_table[RT_VECTORS];

/* Called only from crt0.S. */
void rt_cpu_init(unsigned int vcpu);
__noreturn void rt_secondary_main(struct rt_start *s);
void rt_exception(struct rt_frame *f);

/* The guest's entry point. */
void guest_main(void);

/*
 * One GDT per vCPU (four slots, so the index is a shift): the GDTR base
 * then tells which vCPU is running, see rt_vcpu_index().
 */
static uint64_t rt_gdt[RT_MAX_VCPUS][4] __aligned(32);
static struct rt_idt_entry rt_idt[RT_VECTORS] __aligned(16);
static struct rt_vcpu rt_vcpus[RT_MAX_VCPUS];
static struct rt_start rt_starts[RT_MAX_VCPUS];
static struct rt_lock rt_console_lock;

uint32_t rt_passed, rt_failed;

static void rt_idt_build(void)
{
	for (unsigned int v = 0; v < RT_VECTORS; v++) {
		uint64_t h = rt_isr_table[v];
		rt_idt[v] = (struct rt_idt_entry){
		    .off_lo = (uint16_t)h,
		    .sel = KERNEL_CS,
		    .attr = IDT_INTR_GATE,
		    .off_mid = (uint16_t)(h >> 16),
		    .off_hi = (uint32_t)(h >> 32),
		};
	}
}

void rt_cpu_init(unsigned int vcpu)
{
	struct rt_dtr gdtr, idtr;

	/* vCPU 0 runs before any other vCPU exists, so it builds the shared IDT. */
	if (vcpu == 0)
		rt_idt_build();
	rt_gdt[vcpu][0] = 0;
	rt_gdt[vcpu][1] = GDT_CODE64;
	rt_gdt[vcpu][2] = GDT_DATA;
	gdtr.limit = 3 * 8 - 1;
	gdtr.base = (uintptr_t)rt_gdt[vcpu];
	idtr.limit = sizeof(rt_idt) - 1;
	idtr.base = (uintptr_t)rt_idt;
	rt_load_tables(&gdtr, &idtr);
}

unsigned int rt_vcpu_index(void)
{
	struct rt_dtr gdtr;
	uint64_t off;

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	off = gdtr.base - (uintptr_t)rt_gdt;
	/* Before rt_cpu_init (or with a foreign GDT) call it vCPU 0. */
	if (gdtr.base < (uintptr_t)rt_gdt || off >= sizeof(rt_gdt))
		return 0;
	return (unsigned int)(off / sizeof(rt_gdt[0]));
}

void rt_secondary_main(struct rt_start *s)
{
	uint64_t off = (uintptr_t)s - (uintptr_t)rt_starts;

	/* A block we did not fill in (raw bh_vcpu_start): nothing safe to run. */
	if (off >= sizeof(rt_starts) || off % sizeof(*s) != 0 || s->vcpu != off / sizeof(*s))
		halt_forever();
	rt_cpu_init(s->vcpu);
	s->fn(s->arg);
	halt_forever();
}

long guest_start_vcpu(unsigned int vcpu, void (*fn)(uint64_t), uint64_t arg, void *stack,
		      size_t size)
{
	struct rt_start *s;
	uint64_t top = ALIGN_DOWN((uintptr_t)stack + size, 16);

	if (vcpu >= RT_MAX_VCPUS)
		return -BH_EINVAL;
	s = &rt_starts[vcpu];
	s->vcpu = vcpu;
	s->fn = fn;
	s->arg = arg;
	/* The hypercall's "memory" clobber orders these stores before the start. */
	return bh_vcpu_start(vcpu, (uintptr_t)guest_secondary_entry, top, (uintptr_t)s);
}

int guest_try(void (*fn)(void *), void *arg)
{
	struct rt_vcpu *v = &rt_vcpus[rt_vcpu_index()];
	struct rt_jmp j;
	struct rt_jmp *prev = v->try;
	int ret;

	v->try = &j;
	ret = rt_try_call(&j, fn, arg);
	v->try = prev;
	return ret;
}

void halt_forever(void)
{
	for (;;)
		cpu_hlt();
}

void bh_poweroff(void)
{
	bh_hypercall(BH_HC_POWEROFF, 0, 0, 0, 0, 0, 0);
	halt_forever();
}

void bh_reboot(void)
{
	bh_hypercall(BH_HC_REBOOT, 0, 0, 0, 0, 0, 0);
	halt_forever();
}

void delay_cycles(uint64_t n)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < n)
		cpu_pause();
}

void rt_lock(struct rt_lock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_pause();
}

static bool rt_trylock(struct rt_lock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

void rt_unlock(struct rt_lock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Format into buf; a line cut short still ends with its newline. */
static size_t rt_format(char *buf, const char *fmt, va_list ap)
{
	int n = fmt_vsnprintf(buf, GPRINTF_BUF, fmt, ap);

	if (n < 0)
		return 0;
	if (n >= GPRINTF_BUF) {
		n = GPRINTF_BUF - 1;
		buf[n - 1] = '\n';
	}
	return (size_t)n;
}

void gvprintf(const char *fmt, va_list ap)
{
	char buf[GPRINTF_BUF];
	size_t n = rt_format(buf, fmt, ap);

	rt_lock(&rt_console_lock);
	bh_console_write(buf, n);
	rt_unlock(&rt_console_lock);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}

/*
 * The exception path may have interrupted this very vCPU inside gprintf,
 * with the lock held: wait for it only a bounded time, then write anyway.
 */
static void __printf(1, 2) rt_panic_printf(const char *fmt, ...)
{
	char buf[GPRINTF_BUF];
	va_list ap;
	size_t n;
	uint64_t start = rdtsc();
	bool locked;

	va_start(ap, fmt);
	n = rt_format(buf, fmt, ap);
	va_end(ap);
	while (!(locked = rt_trylock(&rt_console_lock)) && rdtsc() - start < 100000000ull)
		cpu_pause();
	bh_console_write(buf, n);
	if (locked)
		rt_unlock(&rt_console_lock);
}

void guest_pass(const char *name)
{
	__atomic_fetch_add(&rt_passed, 1, __ATOMIC_RELAXED);
	gprintf("GUEST-PASS: %s\n", name);
}

void guest_fail(const char *name, const char *fmt, ...)
{
	char why[GPRINTF_BUF];
	va_list ap;

	__atomic_fetch_add(&rt_failed, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	gprintf("GUEST-FAIL: %s: %s\n", name, why);
}

unsigned int guest_done(void)
{
	uint32_t p = __atomic_load_n(&rt_passed, __ATOMIC_RELAXED);
	uint32_t f = __atomic_load_n(&rt_failed, __ATOMIC_RELAXED);

	gprintf("GUEST-DONE: %u passed, %u failed\n", p, f);
	return f;
}

void guest_info(struct bh_partition_info *info)
{
	long r;

	memset(info, 0, sizeof(*info));
	r = bh_partition_info(info);
	if (r < 0) {
		guest_fail("partition-info", "BH_HC_PARTITION_INFO returned %ld", r);
		bh_poweroff();
	}
	info->name[BH_NAME_MAX - 1] = '\0';
}

void rt_exception(struct rt_frame *f)
{
	unsigned int vcpu = rt_vcpu_index();
	struct rt_jmp *j = rt_vcpus[vcpu].try;
	uint64_t cr2;

	/* Inside guest_try: make it return the vector (never returns here). */
	if (j)
		rt_longjmp(j, (int)f->vector);

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));
	__atomic_fetch_add(&rt_failed, 1, __ATOMIC_RELAXED);
	rt_panic_printf("GUEST-FAIL: unexpected exception %lu at %#lx (error %#lx, cr2 %#lx, "
			"rsp %#lx, vCPU %u)\n",
			f->vector, f->rip, f->error, cr2, f->rsp, vcpu);
	bh_poweroff();
}
