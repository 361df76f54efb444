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
/* Exceptions and hardware interrupts: the whole IDT (see guest_set_irq_handler). */
#define RT_IDT_VECTORS 256

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
extern const uint64_t rt_irq_table[RT_IDT_VECTORS - RT_VECTORS];

/* Called only from crt0.S. */
void rt_cpu_init(unsigned int vcpu);
__noreturn void rt_secondary_main(struct rt_start *s);
void rt_exception(struct rt_frame *f);
void rt_irq(struct rt_frame *f);

/* The guest's entry point. */
void guest_main(void);

/*
 * One GDT per vCPU (four slots, so the index is a shift): the GDTR base
 * then tells which vCPU is running, see rt_vcpu_index().
 */
static uint64_t rt_gdt[RT_MAX_VCPUS][4] __aligned(32);
static struct rt_idt_entry rt_idt[RT_IDT_VECTORS] __aligned(16);
/* Set by the first guest_set_irq_handler: IDTR then covers all 256 vectors. */
static bool rt_idt_full;
static guest_irq_fn rt_irq_handlers[RT_IDT_VECTORS];
static uint32_t rt_irq_unexpected;
static struct rt_vcpu rt_vcpus[RT_MAX_VCPUS];
static struct rt_start rt_starts[RT_MAX_VCPUS];
static struct rt_lock rt_console_lock;

uint32_t rt_passed, rt_failed;

static void rt_idt_build(void)
{
	for (unsigned int v = 0; v < RT_IDT_VECTORS; v++) {
		uint64_t h = v < RT_VECTORS ? rt_isr_table[v] : rt_irq_table[v - RT_VECTORS];
		rt_idt[v] = (struct rt_idt_entry){
		    .off_lo = (uint16_t)h,
		    .sel = KERNEL_CS,
		    .attr = IDT_INTR_GATE,
		    .off_mid = (uint16_t)(h >> 16),
		    .off_hi = (uint32_t)(h >> 32),
		};
	}
}

/* Only the exception vectors until a guest registers an interrupt handler. */
static uint16_t rt_idt_limit(void)
{
	unsigned int n =
	    __atomic_load_n(&rt_idt_full, __ATOMIC_ACQUIRE) ? RT_IDT_VECTORS : RT_VECTORS;

	return (uint16_t)(n * sizeof(struct rt_idt_entry) - 1);
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
	idtr.limit = rt_idt_limit();
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

/* ---------------------------------------------------------------------------
 * Platform-test additions (see the second half of rt.h)
 * -------------------------------------------------------------------------*/

void guest_load_idt(void)
{
	struct rt_dtr idtr = {.limit = rt_idt_limit(), .base = (uintptr_t)rt_idt};

	__asm__ __volatile__("lidt %0" : : "m"(idtr) : "memory");
}

void guest_set_irq_handler(uint8_t vector, guest_irq_fn fn)
{
	if (vector < RT_IRQ_FIRST)
		return;
	__atomic_store_n(&rt_irq_handlers[vector], fn, __ATOMIC_RELEASE);
	if (!__atomic_load_n(&rt_idt_full, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&rt_idt_full, true, __ATOMIC_RELEASE);
		guest_load_idt();
	}
}

uint32_t guest_irq_unexpected(void)
{
	return __atomic_load_n(&rt_irq_unexpected, __ATOMIC_RELAXED);
}

void guest_cpu_init(unsigned int vcpu)
{
	if (vcpu < RT_MAX_VCPUS)
		rt_cpu_init(vcpu);
}

/* Called from irq_common (crt0.S) with interrupts off, for vectors 32-255. */
void rt_irq(struct rt_frame *f)
{
	uint8_t vector = (uint8_t)f->vector;
	guest_irq_fn fn = __atomic_load_n(&rt_irq_handlers[vector], __ATOMIC_ACQUIRE);

	if (fn) {
		fn(vector);
		return;
	}
	__atomic_fetch_add(&rt_irq_unexpected, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rt_failed, 1, __ATOMIC_RELAXED);
	/* The interrupted code may hold the console lock: bounded wait. */
	rt_panic_printf("GUEST-FAIL: unexpected interrupt %u at %#lx on vCPU %u\n", vector, f->rip,
			rt_vcpu_index());
}

/* Timing ------------------------------------------------------------------*/

static uint64_t rt_tsc_khz;
static const char *rt_tsc_src = "none";

static uint32_t rt_pm_timer(void)
{
	return inl(RT_PM_TMR_PORT);
}

/*
 * The PM timer is 24 or 32 bits wide (FADT TMR_VAL_EXT); differences are
 * taken modulo 2^24, which is right for both as long as the interval is
 * under 2^24 / 3.58 MHz = 4.6 s.
 */
#define RT_PM_MASK 0xFFFFFFu

static uint64_t rt_calibrate_pm(void)
{
	uint32_t p0, p1, d;
	uint64_t t0, t1, end;

	/* A missing timer reads all ones, a stopped one never moves. */
	p0 = rt_pm_timer();
	end = rdtsc() + 2000000000ull;
	while ((p1 = rt_pm_timer()) == p0 && rdtsc() < end)
		cpu_pause();
	if (p1 == p0 || p0 == 0xFFFFFFFFu)
		return 0;
	/* Start on a tick edge, measure about 50 ms (RT_PM_TMR_HZ / 20 ticks). */
	t0 = rdtsc_ordered();
	p0 = rt_pm_timer();
	do {
		p1 = rt_pm_timer();
		t1 = rdtsc_ordered();
		d = (p1 - p0) & RT_PM_MASK;
	} while (d < RT_PM_TMR_HZ / 20 && t1 - t0 < 100000000000ull);
	if (d == 0)
		return 0;
	return (t1 - t0) * RT_PM_TMR_HZ / ((uint64_t)d * 1000);
}

static bool rt_timing_leaf(uint32_t *tsc_khz, uint32_t *bus_khz)
{
	uint32_t a, b, c, d;

	cpuid(BH_CPUID_SIGNATURE_LEAF, 0, &a, &b, &c, &d);
	if (a < RT_CPUID_TIMING_LEAF || a > BH_CPUID_SIGNATURE_LEAF + 0xFF)
		return false;
	cpuid(RT_CPUID_TIMING_LEAF, 0, &a, &b, &c, &d);
	*tsc_khz = a;
	*bus_khz = b;
	return true;
}

uint64_t guest_tsc_khz(void)
{
	uint32_t tsc = 0, bus = 0;
	uint64_t khz = __atomic_load_n(&rt_tsc_khz, __ATOMIC_ACQUIRE);

	if (khz)
		return khz;
	if (rt_timing_leaf(&tsc, &bus) && tsc) {
		khz = tsc;
		rt_tsc_src = "cpuid";
	} else if ((khz = rt_calibrate_pm()) != 0) {
		rt_tsc_src = "pmtimer";
	} else {
		khz = 1000000;
		rt_tsc_src = "assumed";
	}
	__atomic_store_n(&rt_tsc_khz, khz, __ATOMIC_RELEASE);
	return khz;
}

const char *guest_tsc_source(void)
{
	guest_tsc_khz();
	return rt_tsc_src;
}

uint32_t guest_lapic_bus_khz(void)
{
	uint32_t tsc, bus;

	return rt_timing_leaf(&tsc, &bus) ? bus : 0;
}

uint64_t guest_us_to_tsc(uint64_t us)
{
	return us * guest_tsc_khz() / 1000;
}

uint64_t guest_tsc_to_us(uint64_t cycles)
{
	return cycles * 1000 / guest_tsc_khz();
}

void guest_delay_us(uint64_t us)
{
	delay_cycles(guest_us_to_tsc(us));
}

/* Timing checks (see rt.h) ------------------------------------------------*/

void guest_timing_begin(struct guest_timing *t, const char *name, const char *unit,
			unsigned int below, unsigned int above)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->unit = unit;
	t->below = below < 100 ? below : 100;
	t->above = above;
}

bool guest_timing_more(const struct guest_timing *t)
{
	return !t->inside && !t->broken && t->n < GUEST_TIMING_ATTEMPTS;
}

void guest_timing_add(struct guest_timing *t, uint64_t got, uint64_t want, const char *broken)
{
	const char *verdict;

	if (!guest_timing_more(t))
		return;
	t->got[t->n] = got;
	t->want[t->n] = want;
	t->n++;
	t->broken = broken;
	t->inside = got * 100 >= want * (100 - t->below) && got * 100 <= want * (100 + t->above);
	verdict = t->inside ? "inside" : "outside";
	if (broken) {
		t->inside = false;
		verdict = "broken: ";
	}
	gprintf("timing: %s: attempt %u: %lu %s for %lu (-%u/+%u %%): %s%s\n", t->name, t->n, got,
		t->unit, want, t->below, t->above, verdict, broken ? broken : "");
}

bool guest_timing_end(const struct guest_timing *t)
{
	char why[GPRINTF_BUF];
	size_t len = 0;
	bool same = true;

	if (t->inside) {
		guest_pass(t->name);
		return true;
	}
	if (t->broken)
		len += (size_t)fmt_snprintf(why, sizeof(why), "attempt %u: %s; ", t->n, t->broken);
	for (unsigned int i = 1; i < t->n; i++)
		same = same && t->want[i] == t->want[0];
	for (unsigned int i = 0; i < t->n && len < sizeof(why); i++) {
		len += (size_t)fmt_snprintf(why + len, sizeof(why) - len, "%s%lu", i ? ", " : "",
					    t->got[i]);
		if (!same && len < sizeof(why))
			len += (size_t)fmt_snprintf(why + len, sizeof(why) - len, " for %lu",
						    t->want[i]);
	}
	if (len < sizeof(why) && same && t->n)
		len += (size_t)fmt_snprintf(why + len, sizeof(why) - len, " %s for %lu", t->unit,
					    t->want[0]);
	else if (len < sizeof(why))
		len += (size_t)fmt_snprintf(why + len, sizeof(why) - len, " %s", t->unit);
	if (len < sizeof(why))
		fmt_snprintf(why + len, sizeof(why) - len, " (-%u/+%u %%), %u attempt%s", t->below,
			     t->above, t->n, t->n == 1 ? "" : "s");
	guest_fail(t->name, "%s", why);
	return false;
}

void guest_timing_irqs(struct guest_timing *t, const char *what, volatile uint32_t *count,
		       uint64_t hz, uint64_t us)
{
	uint64_t t0, t1, want;
	uint32_t c0, n;
	const char *broken = NULL;

	/* TSC, counter ... counter, TSC: a stall anywhere adds time, not interrupts. */
	t0 = rdtsc_ordered();
	c0 = *count;
	guest_delay_us(us);
	n = *count - c0;
	t1 = rdtsc_ordered();
	us = guest_tsc_to_us(t1 - t0);
	want = hz * us / 1000000;
	gprintf("%s: %u interrupts in %lu us (want %lu)\n", what, n, us, want);
	if (n * 100 > want * (100 + t->above))
		broken = "more interrupts than programmed";
	guest_timing_add(t, n, want, broken);
}

/* Local APIC, I/O APIC, PIT -----------------------------------------------*/

void lapic_enable(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VEC);
}

static bool lapic_wait_idle(void)
{
	return guest_wait_us(!(lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_BUSY), 100000);
}

bool lapic_send_ipi(uint8_t dest, uint32_t lo)
{
	bool ok = lapic_wait_idle();

	/* Writing the low half sends the IPI (SDM 11.6.1). */
	lapic_write(LAPIC_ICR_HI, (uint32_t)dest << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	return lapic_wait_idle() && ok;
}

uint32_t ioapic_read(uint8_t index)
{
	mmio_write32(IOAPIC_BASE + 0x00, index);
	return mmio_read32(IOAPIC_BASE + 0x10);
}

void ioapic_write(uint8_t index, uint32_t v)
{
	mmio_write32(IOAPIC_BASE + 0x00, index);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

uint64_t ioapic_read_rte(unsigned int pin)
{
	uint32_t lo = ioapic_read((uint8_t)IOAPIC_REG_REDIR(pin));
	uint32_t hi = ioapic_read((uint8_t)(IOAPIC_REG_REDIR(pin) + 1));

	return ((uint64_t)hi << 32) | lo;
}

void ioapic_write_rte(unsigned int pin, uint64_t rte)
{
	ioapic_write((uint8_t)(IOAPIC_REG_REDIR(pin) + 1), (uint32_t)(rte >> 32));
	ioapic_write((uint8_t)IOAPIC_REG_REDIR(pin), (uint32_t)rte);
}

void ioapic_mask(unsigned int pin, bool masked)
{
	uint32_t lo = ioapic_read((uint8_t)IOAPIC_REG_REDIR(pin));

	if (masked)
		lo |= (uint32_t)IOAPIC_RTE_MASKED;
	else
		lo &= ~(uint32_t)IOAPIC_RTE_MASKED;
	ioapic_write((uint8_t)IOAPIC_REG_REDIR(pin), lo);
}

void pit_ch0_periodic(unsigned int hz)
{
	uint32_t div = (uint32_t)((PIT_HZ + hz / 2) / hz);

	if (div > 0xFFFF)
		div = 0; /* 0 means 65536 */
	/* Channel 0, lobyte/hibyte, mode 2, binary (82C54 control word). */
	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, (uint8_t)div);
	outb(PIT_CH0, (uint8_t)(div >> 8));
}

void pit_ch0_stop(void)
{
	outb(PIT_CMD, 0x30);
}

/* Partition info -----------------------------------------------------------*/

bool guest_require_vcpus(const struct bh_partition_info *info, const char *test, unsigned int n)
{
	char name[64];

	if (info->vcpu_count >= n)
		return true;
	fmt_snprintf(name, sizeof(name), "%s-vcpus", test);
	guest_fail(name, "needs vcpus >= %u, partition has %u", n, info->vcpu_count);
	return false;
}

BUILD_ASSERT(offsetof(struct bh_partition_info, name) + BH_NAME_MAX == RT_INFO_ACPI_RSDP_OFFSET);

uint64_t guest_acpi_rsdp(void)
{
	/* Room for the 1.0 layout, the 1.1 field and any growth after it. */
	static uint64_t buf[64] __aligned(16);
	long r;

	memset(buf, 0, sizeof(buf));
	r = bh_partition_info((struct bh_partition_info *)buf);
	if (r < 0)
		return 0;
	return buf[RT_INFO_ACPI_RSDP_OFFSET / 8];
}
