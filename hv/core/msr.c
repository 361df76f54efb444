/* SPDX-License-Identifier: MIT */
#include "core/msr.h"
#include "arch/x86/cpu.h"
#include "arch/x86/virt.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/vcpu.h"
#include "lib/errno.h"

#define MSR_IA32_TSC 0x10
/* MTRRs (Intel SDM vol. 3A, 11.11; AMD APM vol. 2, 7.7). */
#define MSR_MTRR_CAP 0xFE
#define MSR_MTRR_DEF_TYPE 0x2FF
#define MSR_MTRR_VAR_BASE 0x200
#define MSR_MTRR_VAR_COUNT 16
#define MSR_MTRR_FIX64K 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_FIRST 0x268
#define MSR_MTRR_FIX4K_LAST 0x26F
#define MTRR_CAP_VCNT 8ull
#define MTRR_CAP_FIX (1ull << 8)
#define MTRR_CAP_WC (1ull << 10)
#define MTRR_DEF_TYPE_VALID 0xCFFull /* type 7:0, FE bit 10, E bit 11 */
#define MSR_MISC_ENABLE 0x1A0
/*
 * AMD SYSCFG (APM vol. 2, 7.9.1 and 15.34): Linux reads it unguarded when
 * the CPU has MTRRs and is an AMD one. It reads 0 (no MtrrFixDram bits, no
 * memory encryption) and ignores writes.
 */
#define MSR_AMD64_SYSCFG 0xC0010010
/* AMD interrupt pending message (C1E/SMI on CMP halt): Linux's idle setup reads it. */
#define MSR_K8_INT_PENDING_MSG 0xC0010055
/* Fast strings on; branch trace and PEBS unavailable (SDM vol. 4, table 2-2). */
#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAIL (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ull << 12)
#define MISC_ENABLE_DEFAULT                                                                        \
	(MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL)
/*
 * Machine-check architecture (Intel SDM vol. 3B, 15.3.1; AMD APM vol. 2,
 * 9.3): offered with zero banks and no MCG_CTL, so the only registers are
 * MCG_CAP (read-only, count 0) and MCG_STATUS (no machine check in
 * progress; only 0 may be written). MCG_CTL does not exist without
 * MCG_CAP.MCG_CTL_P and raises #GP.
 */
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17A
#define MCG_CAP_NO_BANKS 0ull
/* Log at most this many refused MSR accesses per partition. */
#define MSR_LOG_LIMIT 16

static void log_refused(struct vcpu *v, const char *op, uint32_t index)
{
	if (v->part->unbacked_logs++ < MSR_LOG_LIMIT)
		pr_debug("%s vCPU %u: %s of MSR %#x refused with #GP\n", v->part->name, v->id, op,
			 index);
}

/* The slot of a fixed-range MTRR, or -1. */
static int fixed_mtrr(uint32_t index)
{
	if (index == MSR_MTRR_FIX64K)
		return 0;
	if (index == MSR_MTRR_FIX16K_80000 || index == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(index - MSR_MTRR_FIX16K_80000);
	if (index >= MSR_MTRR_FIX4K_FIRST && index <= MSR_MTRR_FIX4K_LAST)
		return 3 + (int)(index - MSR_MTRR_FIX4K_FIRST);
	return -1;
}

static bool var_mtrr(uint32_t index)
{
	return index >= MSR_MTRR_VAR_BASE && index < MSR_MTRR_VAR_BASE + MSR_MTRR_VAR_COUNT;
}

int msr_read(struct vcpu *v, uint32_t index, uint64_t *val)
{
	int fixed = fixed_mtrr(index);

	if (var_mtrr(index)) {
		*val = v->mtrr_var[index - MSR_MTRR_VAR_BASE];
		return 0;
	}
	if (fixed >= 0) {
		*val = v->mtrr_fixed[fixed];
		return 0;
	}
	switch (index) {
	case MSR_MTRR_CAP:
		*val = MTRR_CAP_VCNT | MTRR_CAP_FIX | MTRR_CAP_WC;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = v->mtrr_def_type;
		return 0;
	case MSR_MISC_ENABLE:
		*val = v->misc_enable ? v->misc_enable : MISC_ENABLE_DEFAULT;
		return 0;
	case MSR_AMD64_SYSCFG:
	case MSR_K8_INT_PENDING_MSG:
	case MSR_MCG_STATUS:
		*val = 0;
		return 0;
	case MSR_MCG_CAP:
		*val = MCG_CAP_NO_BANKS;
		return 0;
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
	int fixed = fixed_mtrr(index);

	/* MTRRs take what OSes write; nested paging, not MTRRs, types guest memory. */
	if (var_mtrr(index)) {
		v->mtrr_var[index - MSR_MTRR_VAR_BASE] = val;
		return 0;
	}
	if (fixed >= 0) {
		v->mtrr_fixed[fixed] = val;
		return 0;
	}
	switch (index) {
	case MSR_MTRR_DEF_TYPE:
		if (val & ~MTRR_DEF_TYPE_VALID)
			return -EINVAL;
		v->mtrr_def_type = val;
		return 0;
	case MSR_MISC_ENABLE:
		v->misc_enable = val;
		return 0;
	case MSR_IA32_TSC:
		/* The TSC is shared with the host and every partition: writes are ignored. */
		return 0;
	case MSR_AMD64_SYSCFG:
	case MSR_K8_INT_PENDING_MSG:
		return 0;
	case MSR_MCG_STATUS:
		return val ? -EINVAL : 0;
	case MSR_EFER:
		return virt->set_efer(v, val);
	case MSR_IA32_PAT:
		return virt->set_pat(v, val);
	default:
		log_refused(v, "write", index);
		return -EINVAL;
	}
}
