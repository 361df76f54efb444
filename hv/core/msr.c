/* SPDX-License-Identifier: MIT */
#include "core/msr.h"
#include "arch/x86/cpu.h"
#include "arch/x86/virt.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/vcpu.h"
#include "lib/errno.h"

#define MSR_IA32_TSC 0x10
/* Log at most this many refused MSR accesses per partition. */
#define MSR_LOG_LIMIT 16

static void log_refused(struct vcpu *v, const char *op, uint32_t index)
{
	if (v->part->unbacked_logs++ < MSR_LOG_LIMIT)
		pr_debug("%s vCPU %u: %s of MSR %#x refused with #GP\n", v->part->name, v->id, op,
			 index);
}

int msr_read(struct vcpu *v, uint32_t index, uint64_t *val)
{
	switch (index) {
	case MSR_EFER:
		*val = virt->get_efer(v);
		return 0;
	case MSR_IA32_PAT:
		*val = virt->get_pat(v);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();
		return 0;
	default:
		log_refused(v, "read", index);
		return -EINVAL;
	}
}

int msr_write(struct vcpu *v, uint32_t index, uint64_t val)
{
	switch (index) {
	case MSR_EFER:
		return virt->set_efer(v, val);
	case MSR_IA32_PAT:
		return virt->set_pat(v, val);
	default:
		log_refused(v, "write", index);
		return -EINVAL;
	}
}
