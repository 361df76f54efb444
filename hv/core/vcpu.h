/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU. Each vCPU is pinned to one physical CPU and sits on that
 * CPU's run queue (sched.c); it is only ever run and modified on that CPU,
 * except for its state field and start request, which other CPUs set and
 * then kick the owner.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include "abi/bulkhead.h"
#include "lib/compiler.h"

enum vcpu_state {
	VCPU_OFFLINE,	/* not started yet (secondary vCPUs wait for a start call) */
	VCPU_RUNNABLE,
	VCPU_HALTED,	/* executed HLT; nothing can wake it yet */
	VCPU_STOPPED,	/* its partition stopped */
};

/* General-purpose registers; the backend keeps RSP, RIP and RFLAGS too. */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags;
};

struct partition;

struct vcpu {
	struct partition *part;
	unsigned int id;		/* index within the partition */
	unsigned int pcpu;		/* the physical CPU it is pinned to */
	volatile enum vcpu_state state;
	struct guest_regs regs;
	void *backend;			/* the backend's control block (VMCB) */
	struct vcpu *rq_next;		/* run queue link */

	/* A pending start request (BH_HC_VCPU_START), set by another vCPU. */
	volatile bool start_pending;
	bool start_sipi;		/* a STARTUP IPI: real mode at start_vector << 12 */
	uint8_t start_vector;
	uint64_t start_rip, start_rsp, start_arg;
	volatile bool init_pending;	/* an INIT IPI waits to be applied */

	/* Accounting (bh_vcpu_stats: exits by reason, guest and hypervisor time). */
	struct bh_vcpu_stats stats;
	uint64_t tsc_exit;		/* TSC at the last #VMEXIT */
	uint64_t xcr0;			/* the guest's XCR0 (XSETBV) */
	/* MTRRs: stored, not enforced (nested paging decides the memory types). */
	uint64_t mtrr_def_type;
	uint64_t mtrr_var[16];		/* base/mask pairs 0x200-0x20F */
	uint64_t mtrr_fixed[11];	/* 0x250, 0x258, 0x259, 0x268-0x26F */
	uint64_t misc_enable;
	volatile bool active;		/* inside its run loop on its CPU */
};

/* Boot state of a test-guest vCPU: 64-bit long mode with paging on. */
struct vcpu_boot {
	uint64_t rip, rsp, cr3, arg;
	uint64_t rsi;			/* Linux: boot_params */
	uint64_t gdt_base;		/* 0: no GDT (test guests load their own) */
	uint16_t gdt_limit;
	uint16_t cs, ds;		/* selectors; 0: the defaults */
};

/*
 * Whether v may enter the guest now. The backend asks this with interrupts
 * and GIF disabled, right before VMRUN, so a stop request that arrives
 * after the check still forces an exit (its kick IPI stays pending).
 */
bool vcpu_may_enter(const struct vcpu *v);

/*
 * Run v on this CPU until it halts, stops or its partition stops: enter
 * the guest, dispatch each exit, repeat.
 */
void vcpu_run_loop(struct vcpu *v);

/* Account an exit and the time in guest/hypervisor. Called by the run loop. */
void vcpu_account_exit(struct vcpu *v, unsigned int reason, uint64_t entry_tsc,
		       uint64_t exit_tsc);

/*
 * Copy v's statistics into *out. May be called on any CPU while v runs on
 * its own: each counter is read with one 64-bit load (READ_ONCE), so it is
 * a value the counter really had, but the counters are not read at one
 * instant (an exit counted between two loads shows in one and not in the
 * other), and a restart that zeroes them meanwhile gives a mix. Good enough
 * for statistics; exact once the vCPU has stopped.
 */
void vcpu_stats_read(const struct vcpu *v, struct bh_vcpu_stats *out);

/*
 * Print the vCPU's statistics at info level, one line:
 *   stats: NAME vCPU N: E exits ( cpuid=1 io=2 ... ), guest G ms, hypervisor H ms
 * Safe on any CPU and in interrupt context (through vcpu_stats_read()).
 */
void vcpu_log_stats(const struct vcpu *v);

#endif
