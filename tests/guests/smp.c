// SPDX-License-Identifier: MIT
/*
 * smp: proves BH_HC_VCPU_START brings up every vCPU of the partition, each
 * with the identity the hypervisor reports for it and working exception
 * delivery, and that the call refuses to start a vCPU twice (-BH_EBUSY) or
 * one the partition does not have (-BH_EINVAL).
 */
#include "rt.h"

#define STACK_SIZE 16384
/* Generous: under TCG a vCPU can take seconds to come up. */
#define START_TIMEOUT_CYCLES 20000000000ull

static uint8_t stacks[RT_MAX_VCPUS][STACK_SIZE] __aligned(16);
static uint32_t started, wrong_id, wrong_exception;

static void do_ud2(void *arg)
{
	__asm__ __volatile__("ud2");
}

static void secondary(uint64_t k)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("smp: vCPU %u running\n", info.vcpu_id);
	if (info.vcpu_id != k || rt_vcpu_index() != k)
		__atomic_fetch_add(&wrong_id, 1, __ATOMIC_RELAXED);
	/* guest_try's recovery state is per vCPU: this must not disturb vCPU 0's. */
	if (guest_try(do_ud2, NULL) != VEC_UD)
		__atomic_fetch_add(&wrong_exception, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	/* Returning halts this vCPU for good. */
}

static uint64_t stack_top(unsigned int k)
{
	return (uintptr_t)stacks[k] + STACK_SIZE;
}

void guest_main(void)
{
	struct bh_partition_info info;
	unsigned int n, want;
	uint64_t t0;
	long r;

	guest_info(&info);
	n = info.vcpu_count;
	gprintf("smp: %s has %u vCPUs\n", info.name, n);
	if (n > RT_MAX_VCPUS) {
		GUEST_FAIL("smp-vcpu-count", "%u vCPUs, the runtime handles %u", n, RT_MAX_VCPUS);
		n = RT_MAX_VCPUS;
	}
	want = n ? n - 1 : 0;

	for (unsigned int k = 1; k < n; k++) {
		r = guest_start_vcpu(k, secondary, k, stacks[k], STACK_SIZE);
		if (r != 0)
			GUEST_FAIL("smp-start", "BH_HC_VCPU_START(%u) returned %ld", k, r);
	}
	t0 = rdtsc();
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < want &&
	       rdtsc() - t0 < START_TIMEOUT_CYCLES)
		cpu_pause();
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == want)
		GUEST_PASS("smp-all-started");
	else
		GUEST_FAIL("smp-all-started", "%u of %u secondary vCPUs checked in",
			   __atomic_load_n(&started, __ATOMIC_ACQUIRE), want);
	GUEST_CHECK("smp-vcpu-ids", __atomic_load_n(&wrong_id, __ATOMIC_RELAXED) == 0);
	GUEST_CHECK("smp-secondary-exceptions",
		    __atomic_load_n(&wrong_exception, __ATOMIC_RELAXED) == 0);

	/*
	 * Refusals. The rip is the runtime's secondary entry with no start
	 * block, which just halts, should a broken hypervisor start it anyway.
	 */
	r = bh_vcpu_start(0, (uintptr_t)guest_secondary_entry, stack_top(0), 0);
	GUEST_CHECK("smp-start-self-ebusy", r == -BH_EBUSY);
	if (n > 1) {
		r = bh_vcpu_start(1, (uintptr_t)guest_secondary_entry, stack_top(0), 0);
		GUEST_CHECK("smp-start-running-ebusy", r == -BH_EBUSY);
	}
	r = bh_vcpu_start(info.vcpu_count, (uintptr_t)guest_secondary_entry, stack_top(0), 0);
	GUEST_CHECK("smp-start-out-of-range-einval", r == -BH_EINVAL);
	guest_done();
}
