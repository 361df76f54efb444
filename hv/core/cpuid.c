/* SPDX-License-Identifier: MIT */
#include "core/cpuid.h"
#include "abi/bulkhead.h"
#include "lib/string.h"
#include "vdev/kvmclock.h"

enum { EAX, EBX, ECX, EDX };

/* The highest leaves the policy describes; beyond them a guest gets zeros. */
#define STD_MAX_LEAF 0x0Du
#define EXT_BASE 0x80000000u
#define EXT_MAX_LEAF 0x80000008u
#define HV_BASE 0x40000000u
/* The range reserved for hypervisors (SDM vol. 2A, CPUID): all ours to answer. */
#define HV_LAST 0x4FFFFFFFu
#define HV_TIMING_LEAF 0x40000010u
/* Leaf 0xB (SDM vol. 2A, CPUID: x2APIC topology): level types in ECX[15:8]. */
#define TOPO_LEVEL_SMT 1u
#define TOPO_LEVEL_CORE 2u
#define TOPO_TYPE_SHIFT 8

/* Leaf 1 (AMD APM vol. 3, E.3.2; Intel SDM vol. 2A, CPUID). */
#define L1_ECX_MONITOR (1u << 3)
#define L1_ECX_VMX (1u << 5)
#define L1_ECX_SMX (1u << 6)
#define L1_ECX_X2APIC (1u << 21)
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EBX_LOW_MASK 0x0000FFFFu	/* brand index, CLFLUSH size */
#define L1_EBX_COUNT_SHIFT 16
#define L1_EBX_APIC_ID_SHIFT 24
#define L1_EBX_COUNT_MAX 0xFFu
#define L1_EDX_HTT (1u << 28)
#define L1_EDX_MCE (1u << 7)
#define L1_EDX_MCA (1u << 14)
/* Leaf 7.0 */
#define L7_EBX_TSC_ADJUST (1u << 1)
#define L7_ECX_WAITPKG (1u << 5)
/* Leaf 0x80000001 (APM vol. 3, E.4.2) */
#define L81_ECX_SVM (1u << 2)
#define L81_ECX_SKINIT (1u << 12)
#define L81_EDX_RDTSCP (1u << 27)
/* Leaf 0x80000007: only the invariant TSC is passed on. */
#define L87_EDX_INVARIANT_TSC (1u << 8)

/* Leaves that describe hardware Bulkhead does not expose: all zero. */
static bool hidden_leaf(const struct cpuid_ctx *ctx, uint32_t leaf)
{
	if (leaf == 0xB && ctx->vplatform)
		return false;
	switch (leaf) {
	case 0x4:	 /* cache topology: per-partition topology comes later */
	case 0x5:	 /* MONITOR/MWAIT */
	case 0x6:	 /* thermal and power management */
	case 0xA:	 /* performance monitoring */
	case 0xB:	 /* x2APIC topology */
	case 0x8000000A: /* SVM features */
		return true;
	default:
		return false;
	}
}

void cpuid_guest(const struct cpuid_ctx *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	uint32_t max[4];

	memset(out, 0, 4 * sizeof(uint32_t));

	if (leaf >= HV_BASE && leaf <= HV_LAST) {
		if (leaf == BH_CPUID_SIGNATURE_LEAF) {
			out[EAX] = ctx->vplatform ? HV_TIMING_LEAF : BH_CPUID_VERSION_LEAF;
			out[EBX] = BH_CPUID_SIGNATURE_EBX;
			out[ECX] = BH_CPUID_SIGNATURE_ECX;
			out[EDX] = BH_CPUID_SIGNATURE_EDX;
		} else if (leaf == BH_CPUID_VERSION_LEAF) {
			out[EAX] = BH_ABI_VERSION;
		} else if (leaf == HV_TIMING_LEAF && ctx->vplatform) {
			out[EAX] = ctx->tsc_khz;
			out[EBX] = ctx->apic_bus_khz;
		} else if (leaf == KVMCLOCK_CPUID_BASE && ctx->vplatform) {
			/* KVM's clock interface only (vdev/kvmclock.h). */
			out[EAX] = KVMCLOCK_CPUID_FEATURES;
			out[EBX] = KVMCLOCK_SIG_EBX;
			out[ECX] = KVMCLOCK_SIG_ECX;
			out[EDX] = KVMCLOCK_SIG_EDX;
		} else if (leaf == KVMCLOCK_CPUID_FEATURES && ctx->vplatform) {
			out[EAX] = KVMCLOCK_FEATURES; /* EDX: no hints */
		}
		return;
	}

	/* Leaves above what both the host and the policy know read as zero. */
	ctx->host(leaf & EXT_BASE, 0, max);
	if (leaf < EXT_BASE) {
		if (leaf > MIN(max[EAX], STD_MAX_LEAF))
			return;
	} else if (leaf > MIN(max[EAX], EXT_MAX_LEAF) || (max[EAX] & EXT_BASE) == 0) {
		return;
	}
	if (hidden_leaf(ctx, leaf))
		return;
	if (leaf == 0xB) {
		/* One thread per core, nvcpus cores in one package; EDX = x2APIC id. */
		unsigned int shift = 0;

		while ((1u << shift) < ctx->nvcpus)
			shift++;
		out[ECX] = subleaf;
		out[EDX] = ctx->vcpu_id;
		if (subleaf == 0) {
			out[EBX] = 1;
			out[ECX] |= TOPO_LEVEL_SMT << TOPO_TYPE_SHIFT;
		} else if (subleaf == 1) {
			out[EAX] = shift;
			out[EBX] = ctx->nvcpus;
			out[ECX] |= TOPO_LEVEL_CORE << TOPO_TYPE_SHIFT;
		}
		return;
	}

	ctx->host(leaf, subleaf, out);
	switch (leaf) {
	case 0x0:
		out[EAX] = MIN(out[EAX], STD_MAX_LEAF);
		break;
	case 0x1:
		out[EBX] = (out[EBX] & L1_EBX_LOW_MASK) |
			   ((uint32_t)MIN(ctx->nvcpus, L1_EBX_COUNT_MAX) << L1_EBX_COUNT_SHIFT) |
			   ((uint32_t)ctx->vcpu_id << L1_EBX_APIC_ID_SHIFT);
		out[ECX] &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_X2APIC |
			      L1_ECX_TSC_DEADLINE | L1_ECX_OSXSAVE);
		out[ECX] |= L1_ECX_HYPERVISOR | (ctx->guest_osxsave ? L1_ECX_OSXSAVE : 0);
		/* Both are emulated by the virtual local APIC, whatever the host has. */
		if (ctx->vplatform)
			out[ECX] |= L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
		/*
		 * Machine checks are the host's business, but an OS expects the
		 * architecture (Linux logs an error without it): the guest sees
		 * MCE and MCA with no error-reporting banks (core/msr.c), so it
		 * never has an error to read or a bank to configure.
		 */
		out[EDX] |= L1_EDX_MCE | L1_EDX_MCA;
		if (ctx->nvcpus > 1)
			out[EDX] |= L1_EDX_HTT;
		else
			out[EDX] &= ~L1_EDX_HTT;
		break;
	case 0x7:
		out[EBX] &= ~L7_EBX_TSC_ADJUST;
		out[ECX] &= ~L7_ECX_WAITPKG;
		break;
	case EXT_BASE:
		out[EAX] = MIN(out[EAX], EXT_MAX_LEAF);
		break;
	case 0x80000001:
		out[ECX] &= ~(L81_ECX_SVM | L81_ECX_SKINIT);
		out[EDX] &= ~L81_EDX_RDTSCP;
		break;
	case 0x80000007:
		out[EAX] = out[EBX] = out[ECX] = 0;
		out[EDX] &= L87_EDX_INVARIANT_TSC;
		/*
		 * With the virtual platform the TSC is offered as invariant, its
		 * rate in leaf 0x40000010: the guest reads the host's TSC, which
		 * Bulkhead calibrates once and keeps time by, so it must run at a
		 * constant rate for the hypervisor too.
		 */
		if (ctx->vplatform)
			out[EDX] |= L87_EDX_INVARIANT_TSC;
		break;
	default:
		break;
	}
}
