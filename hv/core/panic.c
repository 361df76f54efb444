/* SPDX-License-Identifier: MIT */
#include "core/panic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "core/console.h"
#include "core/log.h"
#include "lib/format.h"

#define BACKTRACE_MAX_DEPTH 16
/* How long the panicking CPU waits for the others to stop. */
#define STOP_WAIT_US 200000ull
#define STOP_POLL_US 100ull

extern char boot_stack[], boot_stack_top[];

static volatile int panic_cpu = -1;
static volatile unsigned int cpus_stopped;

bool panic_in_progress(void)
{
	return READ_ONCE(panic_cpu) >= 0;
}

/* True if [p, p + 16) lies on one of this CPU's stacks. */
static bool on_stack(uint64_t p)
{
	struct percpu *pc = this_cpu();

	if (p >= pc->stack_base && p + 16 <= pc->stack_top)
		return true;
	for (unsigned int i = 1; i <= IST_COUNT; i++) {
		if (pc->ist_base[i] && p >= pc->ist_base[i] &&
		    p + 16 <= pc->ist_base[i] + IST_STACK_SIZE)
			return true;
	}
	return false;
}

static void backtrace(uint64_t rip, uint64_t rbp)
{
	log_raw("Backtrace (resolve with: addr2line -f -e build/bulkhead.elf ADDR):\n");
	log_raw("  #0  0x%016llx\n", (unsigned long long)rip);
	for (unsigned int depth = 1; depth < BACKTRACE_MAX_DEPTH; depth++) {
		uint64_t next, ret;

		if (rbp % sizeof(uint64_t) || !on_stack(rbp))
			break;
		next = ((uint64_t *)(uintptr_t)rbp)[0];
		ret = ((uint64_t *)(uintptr_t)rbp)[1];
		if (!ret)
			break;
		log_raw("  #%-2u 0x%016llx\n", depth, (unsigned long long)ret);
		if (next <= rbp)
			break;
		rbp = next;
	}
}

/*
 * Claim the panic. A CPU that loses the race (another CPU panics at the
 * same time) just stops, as if it had received the stop NMI.
 */
static void claim(void)
{
	int me = (int)cpu_id();
	int expect = -1;

	irq_disable();
	if (!__atomic_compare_exchange_n(&panic_cpu, &expect, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (expect == me)
			log_raw("\n*** nested panic on CPU %d: halting\n", me);
		__atomic_fetch_add(&cpus_stopped, 1, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	console_enter_panic();
}

static __noreturn void stop_all_and_halt(void)
{
	unsigned int others = cpus_online > 0 ? cpus_online - 1 : 0;

	if (others && lapic_ready()) {
		lapic_send_nmi_all_but_self();
		for (uint64_t waited = 0; waited < STOP_WAIT_US && READ_ONCE(cpus_stopped) < others;
		     waited += STOP_POLL_US)
			tsc_delay_us(STOP_POLL_US);
	}
	log_raw("Stopped %u other CPU(s). System halted.\n", READ_ONCE(cpus_stopped));
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	uint64_t rbp;
	va_list ap;

	claim();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw("\n*** PANIC on CPU %u (APIC id %u): %s\n", cpu_id(), this_cpu()->apic_id, msg);
	__asm__ __volatile__("mov %%rbp, %0" : "=r"(rbp));
	backtrace((uint64_t)(uintptr_t)__builtin_return_address(0), rbp);
	stop_all_and_halt();
}

void panic_trap(struct trap_frame *tf)
{
	claim();
	log_raw("\n*** PANIC on CPU %u (APIC id %u): unexpected exception %llu (%s), "
		"error code %#llx\n",
		cpu_id(), this_cpu()->apic_id, (unsigned long long)tf->vector,
		trap_name((unsigned int)tf->vector), (unsigned long long)tf->error);
	if (tf->vector == EXC_PF)
		log_raw("Faulting address (CR2): 0x%016llx\n", (unsigned long long)read_cr2());
	log_raw("RIP: %04llx:%016llx RFLAGS: %016llx RSP: %04llx:%016llx\n",
		(unsigned long long)tf->cs, (unsigned long long)tf->rip,
		(unsigned long long)tf->rflags, (unsigned long long)tf->ss,
		(unsigned long long)tf->rsp);
	log_raw("RAX: %016llx RBX: %016llx RCX: %016llx RDX: %016llx\n",
		(unsigned long long)tf->rax, (unsigned long long)tf->rbx,
		(unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
	log_raw("RSI: %016llx RDI: %016llx RBP: %016llx R8:  %016llx\n",
		(unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
		(unsigned long long)tf->rbp, (unsigned long long)tf->r8);
	log_raw("R9:  %016llx R10: %016llx R11: %016llx R12: %016llx\n",
		(unsigned long long)tf->r9, (unsigned long long)tf->r10,
		(unsigned long long)tf->r11, (unsigned long long)tf->r12);
	log_raw("R13: %016llx R14: %016llx R15: %016llx\n", (unsigned long long)tf->r13,
		(unsigned long long)tf->r14, (unsigned long long)tf->r15);
	log_raw("CR0: %016llx CR2: %016llx CR3: %016llx CR4: %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	backtrace(tf->rip, tf->rbp);
	stop_all_and_halt();
}

void panic_nmi(struct trap_frame *tf)
{
	if (panic_in_progress()) {
		__atomic_fetch_add(&cpus_stopped, 1, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	/*
	 * Not a panic stop: count it. Logging here could deadlock if this CPU
	 * was interrupted while holding the console lock.
	 */
	this_cpu()->nmis++;
}

void refuse(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw("Bulkhead: refusing to start: %s\n", msg);
	log_raw("Bulkhead: halted.\n");
	cpu_halt_forever();
}
