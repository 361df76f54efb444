/* SPDX-License-Identifier: MIT */
#include "arch/x86/smp.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "core/log.h"
#include "core/mem.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/x86/trap.h"

ASSERT_OFFSET(struct tramp_params, pm_offset, 0x08);
ASSERT_OFFSET(struct tramp_params, lm_offset, 0x10);
ASSERT_OFFSET(struct tramp_params, cr3, 0x18);
ASSERT_OFFSET(struct tramp_params, stack, 0x20);
ASSERT_OFFSET(struct tramp_params, entry, 0x28);
ASSERT_OFFSET(struct tramp_params, arg, 0x30);
ASSERT_OFFSET(struct tramp_params, gdt, 0x38);

extern const char __trampoline_start[], __trampoline_end[];
extern const char tramp_pm32[], tramp_lm64[];

#define LOW_1M 0x100000ull
#define LOW_4G GiB(4)
/* Under full emulation an AP can take a while to run its first code. */
#define AP_START_TIMEOUT_US 2000000ull
#define AP_POLL_US 100ull
#define XAPIC_MAX_ID 0xFE


static volatile bool ap_started;
static spinlock_t call_lock = SPINLOCK_INIT;

#define CALL_TIMEOUT_US 1000000ull

static void ipi_handler(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();
	void (*fn)(void *) = pc->call_fn;

	lapic_eoi();
	pc->ipi_pings++;
	if (fn) {
		fn(pc->call_arg);
		__atomic_store_n(&pc->call_fn, NULL, __ATOMIC_RELEASE);
	}
}

int smp_call(unsigned int cpu, smp_call_fn fn, void *arg)
{
	struct percpu *pc;
	uint64_t waited;
	int err = 0;

	if (cpu >= HV_MAX_CPUS || !percpu_area[cpu].online)
		return -EINVAL;
	if (cpu == cpu_id()) {
		uint64_t flags = irq_save();

		fn(arg);
		irq_restore(flags);
		return 0;
	}
	pc = &percpu_area[cpu];
	spin_lock(&call_lock);
	pc->call_arg = arg;
	__atomic_store_n(&pc->call_fn, fn, __ATOMIC_RELEASE);
	lapic_send_ipi(pc->apic_id, VEC_IPI_PING);
	for (waited = 0; __atomic_load_n(&pc->call_fn, __ATOMIC_ACQUIRE); waited += AP_POLL_US) {
		if (waited >= CALL_TIMEOUT_US) {
			pc->call_fn = NULL;
			err = -ETIMEDOUT;
			break;
		}
		tsc_delay_us(AP_POLL_US);
	}
	spin_unlock(&call_lock);
	return err;
}

/* Stacks come from whole frames so they are page aligned. */
static int alloc_stack(uint64_t size, uint64_t *base)
{
	return mem_alloc_frames(size / PAGE_SIZE, PAGE_SIZE, 0, base);
}

static int alloc_cpu_stacks(struct percpu *pc)
{
	int err = alloc_stack(CPU_STACK_SIZE, &pc->stack_base);

	if (err)
		return err;
	pc->stack_top = pc->stack_base + CPU_STACK_SIZE;
	for (unsigned int i = 1; i <= IST_COUNT; i++) {
		err = alloc_stack(IST_STACK_SIZE, &pc->ist_base[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Everything a CPU does to become part of the hypervisor, BSP and APs alike. */
static void cpu_local_setup(struct percpu *pc)
{
	gdt_load(pc);
	idt_load();
	lapic_init_cpu();
	timer_init_cpu();
}

static __noreturn void ap_entry(struct percpu *pc)
{
	percpu_init(pc->id, pc->apic_id);
	paging_load_cpu();
	cpu_local_setup(pc);
	if (lapic_id() != pc->apic_id)
		pr_warn("APIC id %u, but the MADT said %u\n", lapic_id(), pc->apic_id);
	pr_info("online, APIC id %u\n", pc->apic_id);
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
	pc->online = true;
	ap_started = true;
	smp_idle_loop();
}

void smp_set_idle_hook(void (*fn)(void))
{
	WRITE_ONCE(this_cpu()->idle_hook, fn);
}

void smp_idle_loop(void)
{
	for (;;) {
		void (*fn)(void) = READ_ONCE(this_cpu()->idle_hook);

		if (fn)
			fn();
		else
			cpu_idle_once();
	}
}

void smp_init_bsp(unsigned int apic_id)
{
	struct percpu *pc = &percpu_area[0];
	extern char boot_stack[], boot_stack_top[];

	percpu_init(0, apic_id);
	pc->stack_base = (uint64_t)(uintptr_t)boot_stack;
	pc->stack_top = (uint64_t)(uintptr_t)boot_stack_top;
}

int smp_setup_bsp(void)
{
	struct percpu *pc = &percpu_area[0];
	int err = 0;

	for (unsigned int i = 1; i <= IST_COUNT && !err; i++)
		err = alloc_stack(IST_STACK_SIZE, &pc->ist_base[i]);
	if (err)
		return err;
	cpu_local_setup(pc);
	pc->online = true;
	cpus_online = 1;
	return trap_set_handler(VEC_IPI_PING, ipi_handler);
}

static int start_ap(struct percpu *pc, uint64_t tramp)
{
	struct tramp_params *p = phys_to_virt(tramp + TRAMP_PARAMS_OFFSET);
	uint64_t waited;
	int err;

	err = alloc_cpu_stacks(pc);
	if (err)
		return err;

	p->stack = pc->stack_top;
	p->entry = (uint64_t)(uintptr_t)ap_entry;
	p->arg = (uint64_t)(uintptr_t)pc;
	ap_started = false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	err = lapic_send_init(pc->apic_id);
	if (!err)
		err = lapic_send_startup(pc->apic_id, tramp);
	if (err)
		return err;
	for (waited = 0; waited < AP_START_TIMEOUT_US && !READ_ONCE(ap_started);
	     waited += AP_POLL_US)
		tsc_delay_us(AP_POLL_US);
	return READ_ONCE(ap_started) ? 0 : -ETIMEDOUT;
}

static void prepare_trampoline(uint64_t tramp)
{
	size_t len = (size_t)(SYM_ADDR(__trampoline_end) - SYM_ADDR(__trampoline_start));
	struct tramp_params *p = phys_to_virt(tramp + TRAMP_PARAMS_OFFSET);

	memcpy(phys_to_virt(tramp), __trampoline_start, len);
	p->gdt[0] = 0;
	p->gdt[GDT_SEL_CODE64 / 8] = DESC_FLAT_CODE64;
	p->gdt[GDT_SEL_DATA / 8] = DESC_FLAT_DATA;
	p->gdt[GDT_SEL_CODE32 / 8] = DESC_FLAT_CODE32;
	p->gdt_limit = sizeof(p->gdt) - 1;
	p->gdt_base = (uint32_t)(tramp + TRAMP_PARAMS_OFFSET + offsetof(struct tramp_params, gdt));
	p->pm_offset = (uint32_t)(tramp + (SYM_ADDR(tramp_pm32) - SYM_ADDR(__trampoline_start)));
	p->pm_selector = GDT_SEL_CODE32;
	p->lm_offset = (uint32_t)(tramp + (SYM_ADDR(tramp_lm64) - SYM_ADDR(__trampoline_start)));
	p->lm_selector = GDT_SEL_CODE64;
	p->cr3 = (uint32_t)paging_root();
	p->efer_set = paging_has_nx() ? EFER_NXE : 0;
}

int smp_boot_aps(const struct acpi_info *ai)
{
	uint32_t bsp_apic = percpu_area[0].apic_id;
	uint64_t tramp;
	unsigned int next_id = 1;
	int err;

	if (paging_root() >= LOW_4G)
		return -EINVAL;
	err = mem_alloc_frames(1, PAGE_SIZE, LOW_1M, &tramp);
	if (err)
		return err;
	prepare_trampoline(tramp);
	err = paging_set_exec(tramp, PAGE_SIZE, true);
	if (err)
		return err;

	cpus_possible = 1;
	for (unsigned int i = 0; i < ai->ncpus; i++) {
		const struct acpi_cpu *c = &ai->cpus[i];
		struct percpu *pc;

		if (!c->enabled || c->apic_id == bsp_apic)
			continue;
		cpus_possible++;
		if (next_id >= HV_MAX_CPUS) {
			pr_warn("APIC id %u: more than %u CPUs, left offline\n", c->apic_id,
				HV_MAX_CPUS);
			continue;
		}
		if (!lapic_x2apic_mode() && c->apic_id > XAPIC_MAX_ID) {
			pr_warn("APIC id %u cannot be reached without x2APIC, left offline\n",
				c->apic_id);
			continue;
		}
		pc = &percpu_area[next_id];
		pc->id = next_id;
		pc->apic_id = c->apic_id;
		err = start_ap(pc, tramp);
		if (err) {
			pr_err("CPU with APIC id %u did not start (%s), left offline\n",
			       c->apic_id, err_name(err));
			continue;
		}
		next_id++;
	}

	/* The page stays reserved; it is no longer code. */
	paging_set_exec(tramp, PAGE_SIZE, false);
	return (int)READ_ONCE(cpus_online);
}
