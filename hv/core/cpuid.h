/* SPDX-License-Identifier: MIT */
/*
 * The guest CPUID policy: what a vCPU sees for each leaf, computed from
 * the host's values. It hides what Bulkhead does not virtualize (SVM, VMX,
 * MONITOR/MWAIT, x2APIC and the TSC deadline until the virtual APIC
 * exists, RDTSCP, performance counters, topology), sets the
 * hypervisor-present bit and adds the Bulkhead leaves at 0x40000000 and
 * the timing leaf 0x40000010 (TSC and APIC bus kHz, as VMware and KVM
 * define it), and with the virtual platform KVM's clock leaves at
 * 0x40000100 (vdev/kvmclock.h). Every other leaf of the hypervisor range
 * 0x40000000-0x4FFFFFFF reads as zeros. Pure
 * logic: the host's CPUID comes through a callback, so host unit tests
 * check the policy.
 */
#ifndef CORE_CPUID_H
#define CORE_CPUID_H

#include "lib/compiler.h"

struct cpuid_ctx {
	/* The host's CPUID (leaf, subleaf) -> out[0..3] = EAX, EBX, ECX, EDX. */
	void (*host)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	unsigned int vcpu_id;		/* becomes the initial APIC id */
	unsigned int nvcpus;
	bool guest_osxsave;		/* the guest's CR4.OSXSAVE */
	/*
	 * The partition has the virtual platform: its local APIC offers
	 * x2APIC and the TSC deadline, leaf 0xB describes its vCPUs, and
	 * leaf 0x40000010 gives the TSC and APIC bus frequencies.
	 */
	bool vplatform;
	uint32_t tsc_khz;
	uint32_t apic_bus_khz;
};

/* The guest's CPUID result for (leaf, subleaf). */
void cpuid_guest(const struct cpuid_ctx *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
