// SPDX-License-Identifier: MIT
/*
 * msrs: proves the SVM machinery is invisible and untouchable from inside
 * a partition, and that resetting the PC resets only this partition.
 *  - EFER.SVME reads as clear and cannot be set (no nested SVM is offered,
 *    so bit 12 is reserved as on a CPU without SVM: #GP); writing EFER back
 *    unchanged works.
 *  - VM_HSAVE_PA and VM_CR, the host-save area and SVM lock, raise #GP.
 *  - A write to the reset control port 0xCF9 resets this partition only
 *    (its on_reboot policy decides what follows); the machine and the
 *    other partitions go on. It is done last, after guest_done(). The
 *    other reset paths are covered by the p_power guest.
 *  - CPUID shows the Bulkhead leaves and hypervisor bit, and hides SVM.
 *  - The machine-check architecture is offered without banks: CPUID MCE
 *    and MCA, MCG_CAP reads 0 and is read-only, MCG_STATUS reads 0 and
 *    takes only 0, MCG_CTL (absent without MCG_CTL_P) raises #GP; the
 *    RAS bits of leaf 0x80000007 EBX (scalable MCA and friends) are clear.
 *    (Intel SDM vol. 3B, 15.3.1; AMD APM vol. 2, 9.3.)
 *  - KVM's clock interface (Linux Documentation/virt/kvm/x86/msr.rst): the
 *    signature at 0x40000100, only CLOCKSOURCE2 and STABLE_BIT; the
 *    system-time MSR reads back what was written and fills the structure
 *    (even version, stable flag, a scale that agrees with the TSC rate of
 *    leaf 0x40000010, a time that runs with the TSC); the wall clock is a
 *    plausible date; an address outside RAM or misaligned is accepted
 *    without #GP and writes nothing (the hypervisor logs it, within the
 *    partition's log budget).
 * (AMD APM vol. 2: 15.4 "Enabling SVM", 15.30 "SVM-related MSRs".)
 */
#include "rt.h"

#define MSR_EFER	    0xc0000080u
#define EFER_SVME	    (1ull << 12)
#define MSR_VM_CR	    0xc0010114u
#define MSR_VM_HSAVE_PA	    0xc0010117u
#define MSR_MCG_CAP	    0x179u
#define MSR_MCG_STATUS	    0x17au
#define MSR_MCG_CTL	    0x17bu
#define MSR_KVM_WALL_CLOCK  0x4b564d00u
#define MSR_KVM_SYSTEM_TIME 0x4b564d01u
#define KVM_ENABLE	    1ull
#define KVM_SIG_LEAF	    0x40000100u
#define KVM_FEATURE_LEAF    0x40000101u
#define KVM_FEATURES	    ((1u << 3) | (1u << 24))
#define OUTSIDE_RAM	    0xFEE00000ull /* the local APIC page */
#define WALL_2024	    1704067200u	  /* 2024-01-01 00:00:00 UTC */
#define CPUID1_EDX_MCE	    (1u << 7)
#define CPUID1_EDX_MCA	    (1u << 14)

static uint64_t efer;

static void wr_efer_same(void *arg)
{
	wrmsr(MSR_EFER, efer);
}

static void wr_efer_svme(void *arg)
{
	wrmsr(MSR_EFER, efer | EFER_SVME);
}

static void wr_hsave(void *arg)
{
	wrmsr(MSR_VM_HSAVE_PA, 0);
}

static void rd_vm_cr(void *arg)
{
	*(volatile uint64_t *)arg = rdmsr(MSR_VM_CR);
}

static void wr_vm_cr(void *arg)
{
	wrmsr(MSR_VM_CR, 0);
}

static void wr_mcg_cap(void *arg)
{
	wrmsr(MSR_MCG_CAP, 0);
}

static void wr_mcg_status_zero(void *arg)
{
	wrmsr(MSR_MCG_STATUS, 0);
}

static void wr_mcg_status_one(void *arg)
{
	wrmsr(MSR_MCG_STATUS, 1);
}

static void rd_mcg_ctl(void *arg)
{
	*(volatile uint64_t *)arg = rdmsr(MSR_MCG_CTL);
}

/* struct pvclock_vcpu_time_info and struct pvclock_wall_clock. */
struct pvti {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags, pad[2];
};

struct wallclock {
	uint32_t version, sec, nsec;
};

static struct pvti pvti __attribute__((aligned(64)));
static uint8_t misaligned_area[64] __attribute__((aligned(64)));
static struct wallclock wall __attribute__((aligned(16)));

static uint64_t pvti_ns(uint64_t tsc)
{
	uint64_t d = tsc - pvti.tsc_timestamp;

	d = pvti.shift < 0 ? d >> -pvti.shift : d << pvti.shift;
	return pvti.system_time + (uint64_t)(((unsigned __int128)d * pvti.mul) >> 32);
}

static void wr_bad_system_time(void *arg)
{
	wrmsr(MSR_KVM_SYSTEM_TIME, *(uint64_t *)arg);
}

static void check_kvmclock(void)
{
	uint32_t a, b, c, d;
	uint64_t khz, t0, t1, ns, us, val;
	int v;

	cpuid(KVM_SIG_LEAF, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-kvm-signature",
		    a == KVM_FEATURE_LEAF && b == 0x4b4d564bu && c == 0x564b4d56u && d == 0x4du);
	cpuid(KVM_FEATURE_LEAF, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-kvm-features-clock-only", a == KVM_FEATURES && d == 0);

	wrmsr(MSR_KVM_SYSTEM_TIME, (uint64_t)(uintptr_t)&pvti | KVM_ENABLE);
	GUEST_CHECK("msrs-kvm-system-time-readback",
		    rdmsr(MSR_KVM_SYSTEM_TIME) == ((uint64_t)(uintptr_t)&pvti | KVM_ENABLE));
	khz = pvti.mul ? (1000000ull << 32) / pvti.mul : 0;
	khz = pvti.shift < 0 ? khz << -pvti.shift : khz >> pvti.shift;
	gprintf("kvmclock: version %u, mul %u, shift %d, flags %#x: %lu kHz (leaf 0x40000010: "
		"%lu kHz)\n",
		pvti.version, pvti.mul, pvti.shift, pvti.flags, khz, guest_tsc_khz());
	GUEST_CHECK("msrs-kvm-time-info",
		    pvti.version % 2 == 0 && (pvti.flags & 1) && pvti.mul != 0);
	/* The same rate, to 0.1 % (Linux's own read-back rounds by a few kHz). */
	GUEST_CHECK("msrs-kvm-rate-matches",
		    khz * 1000 >= guest_tsc_khz() * 999 && khz * 1000 <= guest_tsc_khz() * 1001);
	/* The clock runs with the TSC: 10 ms of TSC time is 10 ms of clock time. */
	t0 = rdtsc();
	guest_delay_us(10000);
	t1 = rdtsc();
	ns = pvti_ns(t1) - pvti_ns(t0);
	us = guest_tsc_to_us(t1 - t0);
	GUEST_CHECK("msrs-kvm-clock-runs",
		    ns / 1000 + 2 >= us && ns / 1000 <= us + 2 && pvti_ns(t1) > 0);

	wrmsr(MSR_KVM_WALL_CLOCK, (uint64_t)(uintptr_t)&wall);
	gprintf("kvmclock: wall clock %u s + %u ns at clock 0\n", wall.sec, wall.nsec);
	GUEST_CHECK("msrs-kvm-wall-clock",
		    wall.version % 2 == 0 && wall.sec > WALL_2024 && wall.nsec < 1000000000u);

	/* Outside RAM and misaligned: accepted, nothing written. */
	val = OUTSIDE_RAM | KVM_ENABLE;
	v = guest_try(wr_bad_system_time, &val);
	GUEST_CHECK("msrs-kvm-outside-ram-no-gp", v < 0);
	val = (uint64_t)(uintptr_t)&misaligned_area[2] | KVM_ENABLE;
	v = guest_try(wr_bad_system_time, &val);
	a = 0;
	for (unsigned int i = 0; i < sizeof(misaligned_area); i++)
		a |= misaligned_area[i];
	GUEST_CHECK("msrs-kvm-misaligned-not-written", v < 0 && a == 0);
	/* Repeated bad writes: the hypervisor's log stays within its budget. */
	val = OUTSIDE_RAM | KVM_ENABLE;
	for (unsigned int i = 0; i < 20; i++)
		guest_try(wr_bad_system_time, &val);
}

static void expect_gp(const char *name, void (*fn)(void *), void *arg)
{
	int v = guest_try(fn, arg);

	if (v == VEC_GP)
		GUEST_PASS(name);
	else
		GUEST_FAIL(name, "expected #GP (13), got %s %d", v < 0 ? "no exception" : "vector",
			   v);
}

static void check_efer(void)
{
	int v;

	efer = rdmsr(MSR_EFER);
	GUEST_CHECK("msrs-efer-svme-hidden", !(efer & EFER_SVME));
	v = guest_try(wr_efer_same, NULL);
	if (v < 0)
		GUEST_PASS("msrs-efer-write-same");
	else
		GUEST_FAIL("msrs-efer-write-same", "wrmsr EFER %#lx raised vector %d", efer, v);
	expect_gp("msrs-efer-svme-set-gp", wr_efer_svme, NULL);
	if (rdmsr(MSR_EFER) != efer) {
		GUEST_FAIL("msrs-efer-unchanged", "EFER %#lx, was %#lx", rdmsr(MSR_EFER), efer);
		guest_try(wr_efer_same, NULL);
	} else {
		GUEST_PASS("msrs-efer-unchanged");
	}
}

static void check_cpuid(void)
{
	uint32_t a, b, c, d;

	cpuid(BH_CPUID_SIGNATURE_LEAF, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-signature", b == BH_CPUID_SIGNATURE_EBX &&
						c == BH_CPUID_SIGNATURE_ECX &&
						d == BH_CPUID_SIGNATURE_EDX);
	GUEST_CHECK("msrs-cpuid-max-leaf", a >= BH_CPUID_VERSION_LEAF);
	cpuid(BH_CPUID_VERSION_LEAF, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-abi-version", a == BH_ABI_VERSION);
	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-hypervisor-bit", c & (1u << 31));
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-svm-hidden", !(c & (1u << 2)));
}

static void check_mca(void)
{
	uint32_t a, b, c, d;
	int v;

	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-mce-mca", (d & CPUID1_EDX_MCE) && (d & CPUID1_EDX_MCA));
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	GUEST_CHECK("msrs-cpuid-no-ras", b == 0);
	GUEST_CHECK("msrs-mcg-cap-no-banks", rdmsr(MSR_MCG_CAP) == 0);
	GUEST_CHECK("msrs-mcg-status-zero", rdmsr(MSR_MCG_STATUS) == 0);
	expect_gp("msrs-mcg-cap-write-gp", wr_mcg_cap, NULL);
	v = guest_try(wr_mcg_status_zero, NULL);
	if (v < 0)
		GUEST_PASS("msrs-mcg-status-write-zero");
	else
		GUEST_FAIL("msrs-mcg-status-write-zero", "raised vector %d", v);
	expect_gp("msrs-mcg-status-write-one-gp", wr_mcg_status_one, NULL);
	expect_gp("msrs-mcg-ctl-gp", rd_mcg_ctl, (void *)&a);
}

void guest_main(void)
{
	volatile uint64_t sink;

	check_efer();
	expect_gp("msrs-vm-hsave-pa-gp", wr_hsave, NULL);
	expect_gp("msrs-vm-cr-read-gp", rd_vm_cr, (void *)&sink);
	expect_gp("msrs-vm-cr-write-gp", wr_vm_cr, NULL);
	check_cpuid();
	check_mca();
	check_kvmclock();
	guest_done();
	/* 0xCF9: bit 1 = hard reset, bit 2 = do it (Intel ICH/PCH, AMD FCH). */
	gprintf("msrs: resetting through 0xcf9\n");
	outb(0xcf9, 0x06);
	gprintf("GUEST-FAIL: msrs: still running after the reset\n");
	for (;;)
		cpu_pause();
}
