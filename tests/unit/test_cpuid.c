/* SPDX-License-Identifier: MIT */
/* Unit tests of the guest CPUID policy against a fake host CPU. */
#include "test.h"

#include "abi/bulkhead.h"
#include "core/cpuid.h"

enum { EAX, EBX, ECX, EDX };

/* A host with every feature bit set, max std leaf 0x16, max ext 0x80000021. */
static void fake_host(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0xFFFFFFFF;
	if (leaf == 0)
		out[EAX] = 0x16;
	else if (leaf == 0x80000000)
		out[EAX] = 0x80000021;
	else if (leaf == 1)
		out[EBX] = 0xAB12CDEF;
}

/* The same host without an invariant TSC (like QEMU's qemu64). */
static void fake_host_no_itsc(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	fake_host(leaf, sub, out);
	if (leaf == 0x80000007)
		out[EDX] = 0;
}

static struct cpuid_ctx ctx(unsigned int id, unsigned int n, bool osxsave)
{
	struct cpuid_ctx c = {.host = fake_host, .vcpu_id = id, .nvcpus = n,
			      .guest_osxsave = osxsave};
	return c;
}

TEST(signature_and_version)
{
	struct cpuid_ctx c = ctx(0, 1, false);
	uint32_t r[4];

	cpuid_guest(&c, 0x40000000, 0, r);
	CHECK_EQ(r[EAX], 0x40000001);
	CHECK_EQ(r[EBX], BH_CPUID_SIGNATURE_EBX);
	CHECK(memcmp(&r[EBX], "Bulk", 4) == 0 && memcmp(&r[ECX], "head", 4) == 0);
	cpuid_guest(&c, 0x40000001, 0, r);
	CHECK_EQ(r[EAX], BH_ABI_VERSION);
	cpuid_guest(&c, 0x40000002, 0, r);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}

TEST(leaf1_policy)
{
	struct cpuid_ctx c = ctx(2, 3, false);
	uint32_t r[4];

	cpuid_guest(&c, 1, 0, r);
	CHECK_EQ(r[EBX] >> 24, 2);		/* initial APIC id = vCPU id */
	CHECK_EQ((r[EBX] >> 16) & 0xFF, 3);	/* logical processor count */
	CHECK_EQ(r[EBX] & 0xFFFF, 0xCDEF);	/* host's low bits kept */
	CHECK(r[ECX] & (1u << 31));		/* hypervisor present */
	CHECK(!(r[ECX] & (1u << 5)));		/* VMX hidden */
	CHECK(!(r[ECX] & (1u << 3)));		/* MONITOR hidden */
	CHECK(!(r[ECX] & (1u << 21)));		/* x2APIC hidden until virtualized */
	CHECK(!(r[ECX] & (1u << 24)));		/* TSC deadline hidden */
	CHECK(!(r[ECX] & (1u << 27)));		/* OSXSAVE follows the guest's CR4 */
	CHECK((r[EDX] & (1u << 7)) && (r[EDX] & (1u << 14))); /* MCE/MCA (no banks) */
	c.guest_osxsave = true;
	cpuid_guest(&c, 1, 0, r);
	CHECK(r[ECX] & (1u << 27));
}

TEST(svm_hidden)
{
	struct cpuid_ctx c = ctx(0, 1, false);
	uint32_t r[4];

	cpuid_guest(&c, 0x80000001, 0, r);
	CHECK(!(r[ECX] & (1u << 2)));		/* SVM */
	CHECK(!(r[EDX] & (1u << 27)));		/* RDTSCP */
	cpuid_guest(&c, 0x8000000A, 0, r);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}

TEST(limits)
{
	struct cpuid_ctx c = ctx(0, 1, false);
	uint32_t r[4];

	cpuid_guest(&c, 0, 0, r);
	CHECK_EQ(r[EAX], 0xD);			/* capped at what the policy knows */
	cpuid_guest(&c, 0x10, 0, r);		/* above the cap: zeros */
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	cpuid_guest(&c, 0x80000000, 0, r);
	CHECK_EQ(r[EAX], 0x80000008);
	cpuid_guest(&c, 0x80000020, 0, r);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	cpuid_guest(&c, 0xB, 0, r);		/* topology hidden */
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	cpuid_guest(&c, 0x80000007, 0, r);	/* only the invariant TSC */
	CHECK_EQ(r[EDX], 1u << 8);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX], 0);
	cpuid_guest(&c, 0xC0000000, 0, r);	/* unknown ranges: zeros */
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}

TEST(virtual_platform)
{
	struct cpuid_ctx c = ctx(3, 6, false);
	uint32_t r[4];

	c.vplatform = true;
	c.tsc_khz = 2600000;
	c.apic_bus_khz = 1000000;
	cpuid_guest(&c, 1, 0, r);
	CHECK(r[ECX] & (1u << 21));		/* x2APIC offered */
	CHECK(r[ECX] & (1u << 24));		/* TSC deadline offered */
	cpuid_guest(&c, 0x40000000, 0, r);
	CHECK_EQ(r[EAX], 0x40000010);
	cpuid_guest(&c, 0x40000010, 0, r);
	CHECK_EQ(r[EAX], 2600000);
	CHECK_EQ(r[EBX], 1000000);
	cpuid_guest(&c, 0xB, 0, r);		/* SMT level: one thread */
	CHECK_EQ(r[EBX], 1);
	CHECK_EQ(r[ECX], 0x100);
	CHECK_EQ(r[EDX], 3);
	cpuid_guest(&c, 0xB, 1, r);		/* core level: 6 vCPUs, 3 id bits */
	CHECK_EQ(r[EAX], 3);
	CHECK_EQ(r[EBX], 6);
	CHECK_EQ(r[ECX], 0x201);
	CHECK_EQ(r[EDX], 3);
	c.host = fake_host_no_itsc;
	cpuid_guest(&c, 0x80000007, 0, r);	/* invariant TSC offered anyway */
	CHECK_EQ(r[EDX], 1u << 8);
	c.vplatform = false;
	cpuid_guest(&c, 0x80000007, 0, r);	/* without the platform: as the host */
	CHECK_EQ(r[EDX], 0);
	c.vplatform = true;
	c.host = fake_host;
	cpuid_guest(&c, 0xB, 2, r);		/* end of the list */
	CHECK_EQ(r[EBX], 0);
	CHECK_EQ(r[ECX], 2);
}

/* How Linux finds KVM (hypervisor_cpuid_base): a scan in steps of 0x100. */
static uint32_t find_kvm(const struct cpuid_ctx *c)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t r[4];

		cpuid_guest(c, base, 0, r);
		if (memcmp(&r[EBX], "KVMK", 4) == 0 && memcmp(&r[ECX], "VMKV", 4) == 0 &&
		    memcmp(&r[EDX], "M\0\0\0", 4) == 0)
			return base;
	}
	return 0;
}

TEST(kvm_clock_leaves)
{
	struct cpuid_ctx c = ctx(0, 2, false);
	uint32_t r[4];

	/* Without the virtual platform there is no KVM clock to find. */
	CHECK_EQ(find_kvm(&c), 0);
	c.vplatform = true;
	c.tsc_khz = 2600000;
	CHECK_EQ(find_kvm(&c), 0x40000100);
	cpuid_guest(&c, 0x40000100, 0, r);
	CHECK_EQ(r[EAX], 0x40000101);
	cpuid_guest(&c, 0x40000101, 0, r);
	CHECK_EQ(r[EAX], (1u << 3) | (1u << 24)); /* CLOCKSOURCE2, STABLE_BIT only */
	CHECK_EQ(r[EBX] | r[ECX] | r[EDX], 0);	  /* no hints */
	/* Bulkhead's own leaves stay first, and the rest of the range is empty. */
	cpuid_guest(&c, 0x40000000, 0, r);
	CHECK(memcmp(&r[EBX], "Bulk", 4) == 0);
	cpuid_guest(&c, 0x40000200, 0, r);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	cpuid_guest(&c, 0x4FFFFFFF, 0, r);
	CHECK_EQ(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}

int main(void)
{
	RUN(signature_and_version);
	RUN(leaf1_policy);
	RUN(svm_hidden);
	RUN(limits);
	RUN(virtual_platform);
	RUN(kvm_clock_leaves);
	TEST_EXIT();
}
