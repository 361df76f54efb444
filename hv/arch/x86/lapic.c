/* SPDX-License-Identifier: MIT */
#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"

/* Register offsets in the xAPIC page (APM vol. 2, table 16-2). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LAPIC_MMIO_SIZE 0x1000

/* x2APIC: MSR 0x800 + offset / 16 (Intel SDM vol. 3A, 11.12.1.2). */
#define X2APIC_MSR_BASE 0x800
#define X2APIC_REG_SHIFT 4

#define XAPIC_ID_SHIFT 24
#define XAPIC_DEST_SHIFT 24
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define TIMER_DIV_16 0x3

#define ICR_DM_FIXED (0u << 8)
#define ICR_DM_NMI (4u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12) /* xAPIC delivery status */
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SH_ALL_BUT_SELF (3u << 18)
#define ICR_IDLE_SPINS 1000000

/* Startup-IPI timing from the MP spec (B.4): 10 ms after INIT, 200 us between SIPIs. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define SIPI_VECTOR_SHIFT 12
#define SIPI_PAGE_SIZE 0x1000ull
#define LOW_MEM_LIMIT 0x100000ull

#define TIMER_CALIBRATE_US 10000ull
#define USEC_PER_SEC 1000000ull

static volatile uint32_t *mmio;
static bool x2apic;
static bool ready;
static bool tsc_deadline;
static uint64_t timer_hz;

static uint32_t reg_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> X2APIC_REG_SHIFT));
	return mmio[reg / sizeof(uint32_t)];
}

static void reg_write(uint32_t reg, uint32_t val)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> X2APIC_REG_SHIFT), val);
	else
		mmio[reg / sizeof(uint32_t)] = val;
}

static int icr_wait_idle(void)
{
	if (x2apic) /* x2APIC ICR writes complete without a pending state */
		return 0;
	for (unsigned int i = 0; i < ICR_IDLE_SPINS; i++) {
		if (!(reg_read(LAPIC_ICR_LO) & ICR_PENDING))
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

static int icr_send(uint32_t dest, uint32_t low)
{
	int err;

	if (x2apic) {
		/* One 64-bit write: destination in bits 63:32 (SDM 11.12.9). */
		wrmsr(X2APIC_MSR_BASE + (LAPIC_ICR_LO >> X2APIC_REG_SHIFT),
		      ((uint64_t)dest << 32) | low);
		return 0;
	}
	err = icr_wait_idle();
	if (err)
		return err;
	reg_write(LAPIC_ICR_HI, dest << XAPIC_DEST_SHIFT);
	reg_write(LAPIC_ICR_LO, low);
	return icr_wait_idle();
}

/* APIC error interrupt: clear and acknowledge, or it would block lower vectors. */
static void apic_error_irq(struct trap_frame *tf)
{
	reg_write(LAPIC_ESR, 0);
	lapic_eoi();
	this_cpu()->apic_errors++;
}

int lapic_init_bsp(uint64_t mmio_pa)
{
	struct cpuid_regs r;
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	cpuid(CPUID_LEAF_FEATURES, &r);
	if (!(r.edx & CPUID_1_EDX_APIC))
		return -ENODEV;
	x2apic = r.ecx & CPUID_1_ECX_X2APIC;
	tsc_deadline = r.ecx & CPUID_1_ECX_TSC_DEADLINE;

	if (!x2apic) {
		/* The MADT's address wins if the two differ; they agree on every PC we know. */
		uint64_t pa = base & APIC_BASE_ADDR_MASK;

		if (mmio_pa && mmio_pa != pa)
			pa = mmio_pa;
		mmio = paging_map_mmio(pa, LAPIC_MMIO_SIZE);
		if (!mmio)
			return -ENOMEM;
	}
	ready = true;
	return trap_set_handler(VEC_APIC_ERROR, apic_error_irq);
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;

	/* xAPIC must be enabled before x2APIC (SDM 11.12.5: no direct jump). */
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC_ENABLE);

	reg_write(LAPIC_TPR, 0);
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED);
	reg_write(LAPIC_LVT_LINT0, LVT_MASKED);
	reg_write(LAPIC_LVT_LINT1, LVT_MASKED);
	reg_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	reg_write(LAPIC_ESR, 0);
	reg_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	reg_write(LAPIC_EOI, 0);
}

bool lapic_ready(void)
{
	return ready;
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	uint32_t id = reg_read(LAPIC_ID);

	return x2apic ? id : id >> XAPIC_ID_SHIFT;
}

void lapic_eoi(void)
{
	reg_write(LAPIC_EOI, 0);
}

void lapic_send_ipi(uint32_t dest, uint8_t vector)
{
	icr_send(dest, ICR_DM_FIXED | ICR_LEVEL_ASSERT | vector);
}

void lapic_send_nmi_all_but_self(void)
{
	icr_send(0, ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_ALL_BUT_SELF);
}

int lapic_send_init(uint32_t dest)
{
	int err = icr_send(dest, ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);

	if (err)
		return err;
	/* INIT level de-assert, which older CPUs need (SDM 8.4.4.1). */
	if (!x2apic)
		err = icr_send(dest, ICR_DM_INIT | ICR_TRIGGER_LEVEL);
	tsc_delay_us(INIT_DELAY_US);
	return err;
}

int lapic_send_startup(uint32_t dest, uint64_t tramp_pa)
{
	int err;

	if (tramp_pa >= LOW_MEM_LIMIT || tramp_pa % SIPI_PAGE_SIZE)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		err = icr_send(dest, ICR_DM_STARTUP | ICR_LEVEL_ASSERT |
					     (uint32_t)(tramp_pa >> SIPI_VECTOR_SHIFT));
		if (err)
			return err;
		tsc_delay_us(SIPI_DELAY_US);
	}
	return 0;
}

void lapic_timer_oneshot(uint32_t count, uint8_t vector)
{
	reg_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, vector);
	reg_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED);
	reg_write(LAPIC_TIMER_INIT, 0);
}

uint32_t lapic_timer_current(void)
{
	return reg_read(LAPIC_TIMER_CUR);
}

bool lapic_has_tsc_deadline(void)
{
	return tsc_deadline;
}

void lapic_timer_deadline_mode(uint8_t vector)
{
	reg_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | vector);
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

int lapic_timer_calibrate(void)
{
	uint64_t t0, t1;
	uint32_t c0 = UINT32_MAX, c1;

	reg_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED);
	reg_write(LAPIC_TIMER_INIT, c0);
	t0 = rdtsc_ordered();
	tsc_delay_us(TIMER_CALIBRATE_US);
	c1 = reg_read(LAPIC_TIMER_CUR);
	t1 = rdtsc_ordered();
	reg_write(LAPIC_TIMER_INIT, 0);
	if (c1 >= c0 || t1 == t0)
		return -EIO;
	timer_hz = (uint64_t)(c0 - c1) * tsc_hz / (t1 - t0);
	return timer_hz ? 0 : -EIO;
}
