/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual clock of KVM's guest interface (Linux
 * Documentation/virt/kvm/x86/msr.rst and cpuid.rst), offered for what it
 * tells a guest that nothing on a PC tells it: the TSC's exact rate, and
 * that the TSC is the same on every vCPU. Linux then neither calibrates
 * the TSC against the PIT nor checks it against the PM timer, both of
 * which cost exits and fail when exits are slow; it keeps the TSC as its
 * clock source.
 *
 * Only the clock is offered: the KVM signature sits at leaf 0x40000100
 * (0x40000000 stays Bulkhead's, as Xen moves its own leaves for Hyper-V's
 * interface), and its feature leaf sets only CLOCKSOURCE2 and
 * CLOCKSOURCE_STABLE_BIT, so Linux uses none of KVM's other interfaces
 * (asynchronous page faults, steal time, PV EOI, PV IPIs, KVM hypercalls).
 *
 * The guest registers, per vCPU, a guest-physical address where the
 * hypervisor writes a struct pvclock_vcpu_time_info; the guest computes
 *   time_ns = system_time + scale(tsc - tsc_timestamp, mul, shift).
 * Bulkhead's guests read the host TSC unchanged and its rate never changes,
 * so the structure is written once per registration and is identical on
 * every vCPU (hence the stable bit). The wall-clock structure gives the
 * wall time at which time_ns was 0. Pure logic: the glue is in platform.c.
 */
#ifndef VDEV_KVMCLOCK_H
#define VDEV_KVMCLOCK_H

#include "lib/compiler.h"

/* CPUID (cpuid.rst): the signature leaf and the feature leaf. */
#define KVMCLOCK_CPUID_BASE	       0x40000100u
#define KVMCLOCK_CPUID_FEATURES	       0x40000101u
#define KVMCLOCK_SIG_EBX	       0x4b4d564bu /* "KVMK" */
#define KVMCLOCK_SIG_ECX	       0x564b4d56u /* "VMKV" */
#define KVMCLOCK_SIG_EDX	       0x0000004du /* "M\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE2       (1u << 3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE (1u << 24)
#define KVMCLOCK_FEATURES	       (KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE)

/* MSRs (msr.rst): the "new" pair that CLOCKSOURCE2 announces. */
#define KVMCLOCK_MSR_WALL_CLOCK	    0x4b564d00u
#define KVMCLOCK_MSR_SYSTEM_TIME    0x4b564d01u
#define KVMCLOCK_MSR_COUNT	    2
#define KVMCLOCK_SYSTEM_TIME_ENABLE 1ull /* bit 0 of MSR_KVM_SYSTEM_TIME_NEW */

/* struct pvclock_vcpu_time_info and struct pvclock_wall_clock, in bytes. */
#define KVMCLOCK_TIME_INFO_SIZE	 32
#define KVMCLOCK_WALL_CLOCK_SIZE 12
#define KVMCLOCK_TIME_INFO_ALIGN 4 /* the guest's structure: naturally aligned u32s */
#define PVCLOCK_TSC_STABLE_BIT	 (1u << 0)

struct kvmclock_scale {
	uint32_t mul; /* ns per tick, times 2^32, divided by 2^shift */
	int8_t shift;
};

/*
 * The multiplier and shift that turn TSC ticks at tsc_hz into nanoseconds
 * as the guest computes it. Returns 0, or -EINVAL for a rate the format
 * cannot express (0 Hz, or below 1 Hz per 2^31 ns).
 */
int kvmclock_scale(uint64_t tsc_hz, struct kvmclock_scale *s);

/* The guest's conversion (pvclock_scale_delta in Linux), for checks. */
uint64_t kvmclock_delta_ns(const struct kvmclock_scale *s, uint64_t delta);

/*
 * struct pvclock_vcpu_time_info for version (even: the data is stable),
 * the TSC value tsc_timestamp at which the clock read system_time ns.
 */
void kvmclock_time_info(uint8_t out[KVMCLOCK_TIME_INFO_SIZE], uint32_t version,
			uint64_t tsc_timestamp, uint64_t system_time,
			const struct kvmclock_scale *s);

/* struct pvclock_wall_clock: the wall time (Unix epoch) at which the clock read 0. */
void kvmclock_wall_clock(uint8_t out[KVMCLOCK_WALL_CLOCK_SIZE], uint32_t version, uint32_t sec,
			 uint32_t nsec);

/*
 * Whether the guest-physical address in a system-time MSR value (address
 * | enable) is 4-byte aligned, as msr.rst requires.
 */
bool kvmclock_gpa_ok(uint64_t msr_value);

#endif
