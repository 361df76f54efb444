/* SPDX-License-Identifier: MIT */
#include "core/vcpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/virt.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/partition.h"
#include "lib/format.h"

#define NS_PER_MS 1000000ull

static const char *const reason_names[BH_EXIT_REASONS] = {
	[BH_EXIT_CPUID] = "cpuid",	 [BH_EXIT_MSR] = "msr",
	[BH_EXIT_IO] = "io",		 [BH_EXIT_HLT] = "hlt",
	[BH_EXIT_HYPERCALL] = "hypercall", [BH_EXIT_NPF] = "npf",
	[BH_EXIT_INTR] = "intr",	 [BH_EXIT_NMI] = "nmi",
	[BH_EXIT_EXCEPTION] = "exception", [BH_EXIT_SVM_INSN] = "svm-insn",
	[BH_EXIT_CACHE] = "cache",	 [BH_EXIT_XSETBV] = "xsetbv",
	[BH_EXIT_SHUTDOWN] = "shutdown", [BH_EXIT_OTHER] = "other",
};

bool vcpu_may_enter(const struct vcpu *v)
{
	return READ_ONCE(v->state) == VCPU_RUNNABLE && READ_ONCE(v->part->state) == PART_RUNNING &&
	       !READ_ONCE(v->init_pending);
}

void vcpu_account_exit(struct vcpu *v, unsigned int reason, uint64_t entry_tsc,
		       uint64_t exit_tsc)
{
	if (reason >= BH_EXIT_REASONS)
		reason = BH_EXIT_OTHER;
	v->stats.exits[reason]++;
	v->stats.guest_ns += tsc_to_ns(exit_tsc - entry_tsc);
	/* Hypervisor time: from the previous exit to this entry. */
	if (v->tsc_exit && entry_tsc > v->tsc_exit)
		v->stats.hv_ns += tsc_to_ns(entry_tsc - v->tsc_exit);
	v->tsc_exit = exit_tsc;
}

void vcpu_run_loop(struct vcpu *v)
{
	struct exit_info e;

	__atomic_store_n(&v->active, true, __ATOMIC_SEQ_CST);
	while (vcpu_may_enter(v)) {
		/*
		 * Interrupts stay off from here to VMRUN: the hook arms this
		 * CPU's timer for the next device event, and a timer interrupt
		 * taken before VMRUN would be lost (handled in the host, the
		 * guest then entered with nothing armed). Kept pending, it ends
		 * the guest's run at once instead.
		 */
		irq_disable();
		if (part_hooks && part_hooks->vcpu_entry) {
			part_hooks->vcpu_entry(v);
			/* The hook may have powered the partition off or rebooted it. */
			if (!vcpu_may_enter(v))
				break;
		}
		virt->vcpu_run(v, &e);
		if (e.kind != EXIT_NONE)
			exit_dispatch(v, &e);
	}
	irq_enable();
	v->tsc_exit = 0;
	__atomic_store_n(&v->active, false, __ATOMIC_SEQ_CST);
}

void vcpu_stats_read(const struct vcpu *v, struct bh_vcpu_stats *out)
{
	/*
	 * The owner updates each counter with a plain aligned 64-bit store
	 * (vcpu_account_exit()); a single load sees the old or the new value.
	 */
	for (unsigned int r = 0; r < BH_EXIT_REASONS; r++)
		out->exits[r] = READ_ONCE(v->stats.exits[r]);
	out->guest_ns = READ_ONCE(v->stats.guest_ns);
	out->hv_ns = READ_ONCE(v->stats.hv_ns);
}

void vcpu_log_stats(const struct vcpu *v)
{
	struct bh_vcpu_stats st;
	char line[LOG_LINE_MAX];
	uint64_t total = 0;
	int n = 0;

	vcpu_stats_read(v, &st);
	for (unsigned int r = 0; r < BH_EXIT_REASONS; r++)
		total += st.exits[r];
	for (unsigned int r = 0; r < BH_EXIT_REASONS && n >= 0 && (size_t)n < sizeof(line); r++) {
		if (st.exits[r])
			n += fmt_snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
					  reason_names[r], (unsigned long long)st.exits[r]);
	}
	if (n <= 0)
		line[0] = '\0';
	pr_info("stats: %s vCPU %u: %llu exits (%s ), guest %llu ms, hypervisor %llu ms\n",
		v->part->name, v->id, (unsigned long long)total, line,
		(unsigned long long)(st.guest_ns / NS_PER_MS),
		(unsigned long long)(st.hv_ns / NS_PER_MS));
}
