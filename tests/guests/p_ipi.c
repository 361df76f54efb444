// SPDX-License-Identifier: MIT
/*
 * p_ipi: interprocessor interrupts between the vCPUs of one partition.
 * Needs: vcpus >= 2 (uses up to 8: logical flat mode has 8 bits), any RAM.
 *
 * vCPU 0 starts the others with BH_HC_VCPU_START (guest_start_vcpu); each
 * software-enables its local APIC, joins the flat logical model (DFR all
 * ones, LDR bit k for vCPU k) and enables interrupts. Then, every count
 * kept per vCPU (Intel SDM vol. 3A, 11.6):
 *  - fixed, physical destination, vCPU 0 -> each other vCPU and back: each
 *    IPI reaches exactly the addressed APIC (11.6.2.1);
 *  - logical flat destination (11.6.2.2): a mask of the others reaches
 *    exactly them; a mask including vCPU 0 reaches the sender too;
 *  - shorthand all-excluding-self and all-including-self (11.6.1, bits
 *    19:18): every running vCPU but (or and) the sender, once.
 * Each handler EOIs its own APIC (the same address 0xFEE00000 reaches the
 * APIC of the vCPU that accesses it, 11.4.1).
 */
#include "rt.h"

#define MAX_VCPUS  8
#define STACK_SIZE 16384
#define IPI_N	   5
#define START_US   20000000ul /* vCPUs can take seconds to start under TCG */
#define DELIVER_US 1000000ull
#define SETTLE_US  20000ull

enum { SLOT_PHYS, SLOT_LOGICAL, SLOT_BCAST_OTHERS, SLOT_BCAST_ALL, SLOT_BACK, SLOTS };
#define VEC_BASE 0x50 /* vectors 0x50 + slot */

static uint8_t stacks[MAX_VCPUS][STACK_SIZE] __aligned(16);
static volatile uint32_t counts[MAX_VCPUS][SLOTS];
static volatile uint32_t ready, apic_id[MAX_VCPUS], ldr[MAX_VCPUS];
static volatile uint32_t go_back[MAX_VCPUS], back_done[MAX_VCPUS], back_failed;
static unsigned int m; /* vCPUs taking part */

static void on_ipi(uint8_t v)
{
	unsigned int k = rt_vcpu_index();

	if (k < MAX_VCPUS)
		__atomic_fetch_add(&counts[k][v - VEC_BASE], 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

static uint32_t count(unsigned int k, unsigned int slot)
{
	return __atomic_load_n(&counts[k][slot], __ATOMIC_RELAXED);
}

static void join_flat_model(unsigned int k)
{
	lapic_enable();
	lapic_write(LAPIC_DFR, 0xFFFFFFFFu);
	lapic_write(LAPIC_LDR, (1u << k) << 24);
}

static void secondary(uint64_t arg)
{
	unsigned int k = (unsigned int)arg;

	join_flat_model(k);
	apic_id[k] = lapic_read(LAPIC_ID) >> 24;
	ldr[k] = lapic_read(LAPIC_LDR);
	cpu_sti();
	__atomic_fetch_add(&ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		if (!__atomic_load_n(&go_back[k], __ATOMIC_ACQUIRE)) {
			cpu_pause();
			continue;
		}
		go_back[k] = 0;
		/* k -> 0, fixed, physical: one at a time, each seen before the next. */
		for (unsigned int i = 0; i < IPI_N; i++) {
			uint32_t before = count(0, SLOT_BACK);

			lapic_send_ipi(0, (VEC_BASE + SLOT_BACK) | LAPIC_DM_FIXED);
			if (!guest_wait_us(count(0, SLOT_BACK) > before, DELIVER_US))
				__atomic_fetch_add(&back_failed, 1, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&back_done[k], 1, __ATOMIC_RELEASE);
	}
}

static bool counts_reached(unsigned int slot, const uint32_t *want)
{
	for (unsigned int k = 0; k < m; k++) {
		if (count(k, slot) < want[k])
			return false;
	}
	return true;
}

/* Every vCPU's count in slot equals want[k]; print them either way. */
static void check_counts(const char *name, unsigned int slot, const uint32_t *want)
{
	bool ok = guest_wait_us(counts_reached(slot, want), DELIVER_US);

	guest_delay_us(SETTLE_US); /* and no extra ones */
	for (unsigned int k = 0; k < m; k++) {
		ok = ok && count(k, slot) == want[k];
		gprintf("ipi: %s: vCPU %u got %u (want %u)\n", name, k, count(k, slot), want[k]);
	}
	if (ok)
		GUEST_PASS(name);
	else
		GUEST_FAIL(name, "per-vCPU counts differ (see the lines above)");
}

static void check_fixed(void)
{
	uint32_t want[MAX_VCPUS] = {0};
	bool sent = true;

	/* 0 -> k, physical destination k, IPI_N times each, one in flight at a time. */
	for (unsigned int k = 1; k < m; k++) {
		for (unsigned int i = 0; i < IPI_N; i++) {
			uint32_t before = count(k, SLOT_PHYS);

			sent =
			    lapic_send_ipi((uint8_t)k, (VEC_BASE + SLOT_PHYS) | LAPIC_DM_FIXED) &&
			    sent;
			guest_wait_us(count(k, SLOT_PHYS) > before, DELIVER_US);
		}
		want[k] = IPI_N;
	}
	GUEST_CHECK("ipi-icr-idle", sent);
	check_counts("ipi-fixed-0-to-k", SLOT_PHYS, want);

	/* k -> 0, each secondary in turn. */
	for (unsigned int k = 0; k < m; k++)
		want[k] = 0;
	for (unsigned int k = 1; k < m; k++) {
		__atomic_store_n(&go_back[k], 1, __ATOMIC_RELEASE);
		guest_wait_us(__atomic_load_n(&back_done[k], __ATOMIC_ACQUIRE), 10 * DELIVER_US);
		want[0] += IPI_N;
	}
	check_counts("ipi-fixed-k-to-0", SLOT_BACK, want);
}

static void check_logical(void)
{
	uint32_t want[MAX_VCPUS] = {0};
	uint8_t others = (uint8_t)(((1u << m) - 1) & ~1u);
	bool ldr_ok = true;

	for (unsigned int k = 1; k < m; k++)
		ldr_ok = ldr_ok && ldr[k] == (1u << k) << 24;
	GUEST_CHECK("ipi-ldr-readback", ldr_ok && lapic_read(LAPIC_LDR) == 1u << 24);

	/* 11.6.2.2 flat model: an APIC accepts if (its LDR & destination) != 0. */
	lapic_send_ipi(others, (VEC_BASE + SLOT_LOGICAL) | LAPIC_ICR_LOGICAL);
	for (unsigned int k = 1; k < m; k++)
		want[k] = 1;
	check_counts("ipi-logical-flat", SLOT_LOGICAL, want);

	/* Destination bits 0 and 1: vCPU 1 and the sender itself. */
	lapic_send_ipi(0x03, (VEC_BASE + SLOT_LOGICAL) | LAPIC_ICR_LOGICAL);
	want[0] = 1;
	want[1] = 2;
	check_counts("ipi-logical-flat-self", SLOT_LOGICAL, want);
}

static void check_broadcast(void)
{
	uint32_t want[MAX_VCPUS] = {0};

	for (unsigned int k = 1; k < m; k++)
		want[k] = 1;
	lapic_send_ipi(0, (VEC_BASE + SLOT_BCAST_OTHERS) | LAPIC_SH_OTHERS);
	check_counts("ipi-broadcast-all-excluding-self", SLOT_BCAST_OTHERS, want);
	want[0] = 1;
	lapic_send_ipi(0, (VEC_BASE + SLOT_BCAST_ALL) | LAPIC_SH_ALL);
	check_counts("ipi-broadcast-all-including-self", SLOT_BCAST_ALL, want);
}

void guest_main(void)
{
	struct bh_partition_info info;
	bool ids_ok = true;
	long r;

	guest_info(&info);
	gprintf("ipi: %s: needs vcpus >= 2 (has %u; uses up to %u)\n", info.name, info.vcpu_count,
		MAX_VCPUS);
	if (!guest_require_vcpus(&info, "ipi", 2)) {
		guest_done();
		return;
	}
	m = MIN(info.vcpu_count, MAX_VCPUS);
	for (unsigned int s = 0; s < SLOTS; s++)
		guest_set_irq_handler((uint8_t)(VEC_BASE + s), on_ipi);
	join_flat_model(0);
	cpu_sti();

	for (unsigned int k = 1; k < m; k++) {
		r = guest_start_vcpu(k, secondary, k, stacks[k], STACK_SIZE);
		if (r != 0)
			GUEST_FAIL("ipi-start", "BH_HC_VCPU_START(%u) returned %ld", k, r);
	}
	if (guest_wait_us(__atomic_load_n(&ready, __ATOMIC_ACQUIRE) >= m - 1, START_US)) {
		GUEST_PASS("ipi-vcpus-ready");
	} else {
		GUEST_FAIL("ipi-vcpus-ready", "%u of %u vCPUs ready", ready, m - 1);
		guest_done();
		return;
	}
	for (unsigned int k = 1; k < m; k++)
		ids_ok = ids_ok && apic_id[k] == k;
	GUEST_CHECK("ipi-apic-ids", ids_ok && lapic_read(LAPIC_ID) >> 24 == 0);

	check_fixed();
	GUEST_CHECK("ipi-back-delivered", __atomic_load_n(&back_failed, __ATOMIC_RELAXED) == 0);
	check_logical();
	check_broadcast();
	GUEST_CHECK("ipi-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
