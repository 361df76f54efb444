/* SPDX-License-Identifier: MIT */
/* Unit tests of the virtual local APIC (hv/vdev/vlapic.c). */
#include "test.h"

#include "lib/errno.h"
#include "vdev/vlapic.h"

/* What the callbacks saw. */
#define MAX_IPIS 16
static struct vlapic_ipi ipis[MAX_IPIS];
static int nipis;
static int neois;
static uint8_t last_eoi;

static int cb_send_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	if (nipis < MAX_IPIS)
		ipis[nipis] = *ipi;
	nipis++;
	return 0;
}

static void cb_eoi(void *ctx, uint8_t vector)
{
	neois++;
	last_eoi = vector;
}

static void setup(struct vlapic *v, uint32_t id, bool bsp)
{
	struct vlapic_config cfg = {
	    .ops = {.send_ipi = cb_send_ipi, .eoi = cb_eoi, .ctx = NULL},
	    .x2apic = true,
	    .phys_addr_bits = 40,
	};

	vlapic_setup(v, &cfg, id, bsp);
	nipis = 0;
	neois = 0;
	last_eoi = 0;
}

/* xAPIC register offsets used below (SDM Table 11-1). */
enum {
	ID = 0x20,
	VER = 0x30,
	TPR = 0x80,
	APR = 0x90,
	PPR = 0xA0,
	EOI = 0xB0,
	LDR = 0xD0,
	DFR = 0xE0,
	SVR = 0xF0,
	ISR = 0x100,
	TMR = 0x180,
	IRR = 0x200,
	ESR = 0x280,
	ICR = 0x300,
	ICR2 = 0x310,
	LVTT = 0x320,
	LVTTHM = 0x330,
	LVTPC = 0x340,
	LINT0 = 0x350,
	LINT1 = 0x360,
	LVTERR = 0x370,
	TMICT = 0x380,
	TMCCT = 0x390,
	TDCR = 0x3E0,
};

#define MSR(off) (0x800u + ((off) >> 4))
#define MASKED	 (1u << 16)
#define PERIODIC (1u << 17)
#define TSCDL	 (2u << 17)

static uint64_t now;

static uint32_t rd(struct vlapic *v, uint32_t off)
{
	uint64_t val = 0xDEAD;

	if (vlapic_mmio_read(v, off, 4, &val, now) != 0)
		return 0xBAD0BAD0;
	return (uint32_t)val;
}

static void wr(struct vlapic *v, uint32_t off, uint32_t val)
{
	vlapic_mmio_write(v, off, 4, val, now);
}

static uint64_t rdmsr(struct vlapic *v, uint32_t msr, int *err)
{
	uint64_t val = 0xDEAD;

	*err = vlapic_msr_read(v, msr, &val, now);
	return val;
}

static int wrmsr(struct vlapic *v, uint32_t msr, uint64_t val)
{
	return vlapic_msr_write(v, msr, val, now);
}

/* A software-enabled xAPIC with spurious vector 0xFF. */
static void enable(struct vlapic *v)
{
	wr(v, SVR, 0x1FF);
}

static void to_x2apic(struct vlapic *v)
{
	vlapic_set_base(v, VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

static bool irr_has(struct vlapic *v, unsigned vec)
{
	return v->irr[vec / 32] & (1u << (vec % 32));
}

/* Take the pending interrupt as the CPU would, and EOI it. */
static int take_and_eoi(struct vlapic *v)
{
	int vec = vlapic_pending(v);

	if (vec >= 0) {
		vlapic_ack(v, (uint8_t)vec);
		wr(v, EOI, 0);
	}
	return vec;
}

/* Latch and read ESR. */
static uint32_t esr(struct vlapic *v)
{
	wr(v, ESR, 0);
	return rd(v, ESR);
}

TEST(reset_state)
{
	struct vlapic v;

	now = 0;
	setup(&v, 3, true);
	CHECK_EQ(vlapic_get_base(&v), 0xFEE00900u);
	CHECK(vlapic_enabled(&v) && !vlapic_x2apic_mode(&v) && !vlapic_sw_enabled(&v));
	CHECK_EQ(rd(&v, ID), 3u << 24);
	CHECK_EQ(rd(&v, VER), 0x00050014u);
	CHECK_EQ(rd(&v, SVR), 0xFF);
	CHECK_EQ(rd(&v, DFR), 0xFFFFFFFFu);
	CHECK_EQ(rd(&v, LDR), 0);
	CHECK_EQ(rd(&v, TPR), 0);
	for (uint32_t off = LVTT; off <= LVTERR; off += 0x10)
		CHECK_EQ(rd(&v, off), MASKED);
	CHECK_EQ(rd(&v, TMICT), 0);
	CHECK_EQ(rd(&v, TDCR), 0);
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	setup(&v, 4, false);
	CHECK_EQ(vlapic_get_base(&v), 0xFEE00800u);
	CHECK_EQ(vlapic_id(&v), 4);
}

TEST(init_keeps_id_and_base)
{
	struct vlapic v;
	int err;

	now = 0;
	setup(&v, 1, false);
	enable(&v);
	wr(&v, ID, 0x07000000);
	wr(&v, TPR, 0x20);
	wr(&v, LVTT, 0x40);
	CHECK(vlapic_accept(&v, 0x40, false));
	vlapic_set_base(&v, 0xFED00000u | VLAPIC_BASE_EN);
	vlapic_init_reset(&v);
	/* INIT: id and base kept, everything else initialized. */
	CHECK_EQ(vlapic_get_base(&v), 0xFED00800u);
	CHECK_EQ(rd(&v, ID), 0x07000000u);
	CHECK_EQ(rd(&v, TPR), 0);
	CHECK_EQ(rd(&v, SVR), 0xFF);
	CHECK_EQ(rd(&v, LVTT), MASKED);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* INIT in x2APIC mode stays in x2APIC mode. */
	setup(&v, 0x123, false);
	to_x2apic(&v);
	CHECK(vlapic_x2apic_mode(&v));
	CHECK_EQ(wrmsr(&v, MSR(SVR), 0x1FF), 0);
	vlapic_init_reset(&v);
	CHECK(vlapic_x2apic_mode(&v));
	CHECK_EQ(rdmsr(&v, MSR(ID), &err), 0x123);
	CHECK_EQ(rdmsr(&v, MSR(SVR), &err), 0xFF);
	/* RESET goes back to xAPIC at the default base with the new id. */
	vlapic_reset(&v, 5, true);
	CHECK(!vlapic_x2apic_mode(&v));
	CHECK_EQ(vlapic_get_base(&v), 0xFEE00900u);
	CHECK_EQ(rd(&v, ID), 5u << 24);
}

TEST(xapic_registers)
{
	struct vlapic v;
	uint64_t val;

	now = 0;
	setup(&v, 2, false);
	wr(&v, TPR, 0x1234);
	CHECK_EQ(rd(&v, TPR), 0x34);
	wr(&v, LDR, 0x12345678);
	CHECK_EQ(rd(&v, LDR), 0x12000000);
	wr(&v, DFR, 0x0);
	CHECK_EQ(rd(&v, DFR), 0x0FFFFFFF);
	wr(&v, SVR, 0xFFFFFFFF);
	CHECK_EQ(rd(&v, SVR), 0x3FF);
	wr(&v, ID, 0x0A0000FF);
	CHECK_EQ(rd(&v, ID), 0x0A000000);
	CHECK_EQ(vlapic_id(&v), 0x0A);
	wr(&v, VER, 0);
	CHECK_EQ(rd(&v, VER), 0x00050014u);
	wr(&v, ICR2, 0xFFFFFFFF);
	CHECK_EQ(rd(&v, ICR2), 0xFF000000u);
	wr(&v, TDCR, 0xFF);
	CHECK_EQ(rd(&v, TDCR), 0xB);
	/* LVT: only defined bits stick; LINT keeps polarity/trigger. */
	wr(&v, LINT0, 0xFFFFFFFF);
	CHECK_EQ(rd(&v, LINT0), 0x1A7FF);
	wr(&v, LVTERR, 0xFFFFFFFF);
	CHECK_EQ(rd(&v, LVTERR), 0x100FF);
	wr(&v, LVTT, 0xFFFFFFFF); /* mode 11b reserved: mode unchanged */
	CHECK_EQ(rd(&v, LVTT), 0x100FF);
	/* ISR/IRR read-only; EOI reads 0; reserved registers set ESR bit 7. */
	wr(&v, IRR + 0x10, 0xFFFFFFFF);
	CHECK_EQ(rd(&v, IRR + 0x10), 0);
	CHECK_EQ(rd(&v, EOI), 0);
	CHECK_EQ(esr(&v), 0);
	CHECK_EQ(rd(&v, 0x040), 0);
	CHECK_EQ(esr(&v), 0x80);
	wr(&v, 0x3F0, 0x30); /* SELF_IPI is reserved in xAPIC mode */
	CHECK_EQ(nipis, 0);
	CHECK_EQ(esr(&v), 0x80);
	CHECK_EQ(esr(&v), 0);
	/* Sub-word reads see the register's bytes; bytes 4..15 read 0. */
	wr(&v, LDR, 0xA5000000);
	CHECK_EQ(vlapic_mmio_read(&v, LDR + 3, 1, &val, now), 0);
	CHECK_EQ(val, 0xA5);
	CHECK_EQ(vlapic_mmio_read(&v, LDR + 2, 2, &val, now), 0);
	CHECK_EQ(val, 0xA500);
	CHECK_EQ(vlapic_mmio_read(&v, LDR, 8, &val, now), 0);
	CHECK_EQ(val, 0xA5000000u);
	CHECK_EQ(vlapic_mmio_read(&v, LDR + 4, 4, &val, now), 0);
	CHECK_EQ(val, 0);
	/* Non-32-bit or unaligned writes are ignored. */
	CHECK_EQ(vlapic_mmio_write(&v, TPR, 1, 0x55, now), 0);
	CHECK_EQ(vlapic_mmio_write(&v, TPR + 4, 4, 0x55, now), 0);
	CHECK_EQ(vlapic_mmio_write(&v, TPR, 8, 0x55, now), 0);
	CHECK_EQ(rd(&v, TPR), 0x34);
	/* Bad accesses are caller bugs. */
	CHECK_EQ(vlapic_mmio_read(&v, 0x1000, 4, &val, now), -EINVAL);
	CHECK_EQ(vlapic_mmio_read(&v, 0xFFC, 8, &val, now), -EINVAL);
	CHECK_EQ(vlapic_mmio_read(&v, TPR, 3, &val, now), -EINVAL);
	/* Not decoded in x2APIC mode or disabled. */
	to_x2apic(&v);
	CHECK_EQ(vlapic_mmio_read(&v, TPR, 4, &val, now), -ENODEV);
	CHECK_EQ(vlapic_mmio_write(&v, TPR, 4, 0, now), -ENODEV);
	vlapic_set_base(&v, VLAPIC_DEFAULT_BASE);
	CHECK_EQ(vlapic_mmio_read(&v, TPR, 4, &val, now), -ENODEV);
}

TEST(x2apic_registers)
{
	struct vlapic v;
	int err;

	now = 0;
	setup(&v, 0x12345, false);
	/* x2APIC MSRs #GP in xAPIC mode. */
	CHECK_EQ(wrmsr(&v, MSR(TPR), 0), -EINVAL);
	rdmsr(&v, MSR(ID), &err);
	CHECK_EQ(err, -EINVAL);
	to_x2apic(&v);
	CHECK_EQ(rdmsr(&v, MSR(ID), &err), 0x12345);
	CHECK_EQ(err, 0);
	CHECK_EQ(vlapic_id(&v), 0x12345);
	/* LDR derived: cluster id >> 4, bit id & 15 (11.12.10.2). */
	CHECK_EQ(rdmsr(&v, MSR(LDR), &err), (0x1234u << 16) | (1u << 5));
	CHECK_EQ(rdmsr(&v, MSR(VER), &err), 0x00050014u);
	CHECK_EQ(wrmsr(&v, MSR(TPR), 0x50), 0);
	CHECK_EQ(rdmsr(&v, MSR(TPR), &err), 0x50);
	CHECK_EQ(rdmsr(&v, MSR(PPR), &err), 0x50);
	/* Reserved registers. */
	static const uint32_t rsvd[] = {0x800, 0x801, 0x804, 0x809, 0x80C, 0x80E,
					0x82F, 0x831, 0x83A, 0x840, 0x8FF};
	for (unsigned i = 0; i < ARRAY_SIZE(rsvd); i++) {
		rdmsr(&v, rsvd[i], &err);
		CHECK_EQ(err, -EINVAL);
		CHECK_EQ(wrmsr(&v, rsvd[i], 0), -EINVAL);
	}
	/* Read-only registers. */
	static const uint32_t ro[] = {0x802, 0x803, 0x80A, 0x80D, 0x810, 0x818, 0x820, 0x839};
	for (unsigned i = 0; i < ARRAY_SIZE(ro); i++) {
		rdmsr(&v, ro[i], &err);
		CHECK_EQ(err, 0);
		CHECK_EQ(wrmsr(&v, ro[i], 0), -EINVAL);
	}
	/* Write-only registers. */
	rdmsr(&v, 0x80B, &err);
	CHECK_EQ(err, -EINVAL);
	rdmsr(&v, 0x83F, &err);
	CHECK_EQ(err, -EINVAL);
	/* Non-zero reserved bits. */
	CHECK_EQ(wrmsr(&v, MSR(TPR), 0x100), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(TPR), 1ull << 32), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(SVR), 0x1000 | 0x1FF), -EINVAL); /* no directed EOI */
	CHECK_EQ(wrmsr(&v, MSR(SVR), 0x3FF), 0);
	CHECK_EQ(wrmsr(&v, MSR(LVTT), 3u << 17), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(LVTT), 1u << 20), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(TDCR), 0x4), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(EOI), 1), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(EOI), 0), 0);
	CHECK_EQ(wrmsr(&v, MSR(ESR), 1), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(ESR), 0), 0);
	CHECK_EQ(wrmsr(&v, 0x83F, 0x100), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(ICR), 1u << 13 | 0x30), -EINVAL);
	CHECK_EQ(wrmsr(&v, MSR(ICR), 1u << 20 | 0x30), -EINVAL);
	CHECK_EQ(nipis, 0);
	/* Read-only LVT bits written back are accepted, not stored. */
	CHECK_EQ(wrmsr(&v, MSR(LINT0), MASKED | (1u << 14) | (1u << 12) | 0x700), 0);
	CHECK_EQ(rdmsr(&v, MSR(LINT0), &err), MASKED | 0x700);
	CHECK_EQ(wrmsr(&v, MSR(TMICT), 0xFFFFFFFF), 0);
	CHECK_EQ(rdmsr(&v, MSR(TMICT), &err), 0xFFFFFFFFu);
}

TEST(apic_base_transitions)
{
	struct vlapic v;
	const uint64_t en = VLAPIC_BASE_EN, extd = VLAPIC_BASE_EXTD, b = VLAPIC_DEFAULT_BASE;

	now = 0;
	setup(&v, 9, true);
	/* Reserved bits: 7:0, 9, above MAXPHYADDR (40 here). */
	CHECK_EQ(vlapic_set_base(&v, b | en | 1), -EINVAL);
	CHECK_EQ(vlapic_set_base(&v, b | en | (1u << 9)), -EINVAL);
	CHECK_EQ(vlapic_set_base(&v, b | en | (1ull << 40)), -EINVAL);
	CHECK_EQ(vlapic_set_base(&v, (1ull << 39) | en), 0);
	CHECK_EQ(vlapic_mmio_base(&v), 1ull << 39);
	CHECK_EQ(vlapic_set_base(&v, b | en), 0);
	/* Invalid state EN=0, EXTD=1 from anywhere. */
	CHECK_EQ(vlapic_set_base(&v, b | extd), -EINVAL);
	/* The BSP flag cannot be changed by software. */
	CHECK_EQ(vlapic_set_base(&v, b | en), 0);
	CHECK(vlapic_get_base(&v) & VLAPIC_BASE_BSP);
	/* xAPIC -> x2APIC, then x2APIC -> xAPIC is illegal. */
	enable(&v);
	wr(&v, TPR, 0x30);
	CHECK_EQ(vlapic_set_base(&v, b | en | extd), 0);
	CHECK(vlapic_x2apic_mode(&v));
	CHECK_EQ(v.tpr, 0x30); /* registers survive xAPIC -> x2APIC */
	CHECK_EQ(vlapic_set_base(&v, b | en), -EINVAL);
	CHECK(vlapic_x2apic_mode(&v));
	CHECK_EQ(vlapic_set_base(&v, b | extd), -EINVAL);
	/* x2APIC -> disabled: state lost except the ids. */
	CHECK_EQ(vlapic_set_base(&v, b), 0);
	CHECK(!vlapic_enabled(&v));
	CHECK(!vlapic_accept(&v, 0x40, false));
	CHECK_EQ(vlapic_pending(&v), -1);
	/* disabled -> x2APIC is illegal; disabled -> xAPIC is fine. */
	CHECK_EQ(vlapic_set_base(&v, b | en | extd), -EINVAL);
	CHECK_EQ(vlapic_set_base(&v, b | en), 0);
	CHECK_EQ(rd(&v, TPR), 0);
	CHECK_EQ(rd(&v, SVR), 0xFF);
	CHECK_EQ(rd(&v, ID), 9u << 24);
	CHECK_EQ(vlapic_get_base(&v), b | en | VLAPIC_BASE_BSP);
	/* Without x2APIC support EXTD is a reserved bit. */
	struct vlapic_config cfg = {.x2apic = false};
	vlapic_setup(&v, &cfg, 0, false);
	CHECK_EQ(vlapic_set_base(&v, b | en | extd), -EINVAL);
	CHECK(!vlapic_x2apic_mode(&v));
	/* Default MAXPHYADDR 36. */
	CHECK_EQ(vlapic_set_base(&v, (1ull << 36) | en), -EINVAL);
}

TEST(tpr_ppr_priority)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	CHECK_EQ(vlapic_pending(&v), -1);
	CHECK(vlapic_accept(&v, 0x45, false));
	CHECK(vlapic_accept(&v, 0x52, false));
	CHECK_EQ(vlapic_pending(&v), 0x52);
	/* TPR class 5 blocks class 5 and below. */
	wr(&v, TPR, 0x50);
	CHECK_EQ(rd(&v, PPR), 0x50);
	CHECK_EQ(vlapic_pending(&v), -1);
	wr(&v, TPR, 0x4F);
	CHECK_EQ(vlapic_pending(&v), 0x52);
	wr(&v, TPR, 0);
	/* In service 0x52: PPR = 0x50, blocks 0x45 and another 0x5x. */
	vlapic_ack(&v, 0x52);
	CHECK_EQ(rd(&v, ISR + 0x20), 1u << (0x52 - 0x40));
	CHECK(!irr_has(&v, 0x52));
	CHECK_EQ(rd(&v, PPR), 0x50);
	/* Same class as ISR: TPR wins, with its low bits (11.8.3.1). */
	wr(&v, TPR, 0x5A);
	CHECK_EQ(rd(&v, PPR), 0x5A);
	wr(&v, TPR, 0);
	CHECK(vlapic_accept(&v, 0x5F, false));
	CHECK_EQ(vlapic_pending(&v), -1);
	CHECK(vlapic_accept(&v, 0x61, false));
	CHECK_EQ(vlapic_pending(&v), 0x61);
	/* TPR above ISR class: PPR = TPR with its low bits. */
	wr(&v, TPR, 0x73);
	CHECK_EQ(rd(&v, PPR), 0x73);
	CHECK_EQ(vlapic_pending(&v), -1);
	wr(&v, TPR, 0x00);
	/* APR (xAPIC): the highest of TPR, IRR and ISR classes. */
	CHECK_EQ(rd(&v, APR), 0x60);
	vlapic_ack(&v, 0x61);
	wr(&v, EOI, 0); /* EOIs 0x61 */
	wr(&v, EOI, 0); /* EOIs 0x52 */
	CHECK_EQ(rd(&v, PPR), 0);
	CHECK_EQ(vlapic_pending(&v), 0x5F);
}

TEST(eoi_highest_and_level_broadcast)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	CHECK(vlapic_accept(&v, 0x30, true)); /* level */
	vlapic_ack(&v, 0x30);
	CHECK(vlapic_accept(&v, 0x80, false)); /* edge, nests above */
	vlapic_ack(&v, 0x80);
	CHECK_EQ(rd(&v, TMR + 0x10), 1u << 16);
	wr(&v, EOI, 0);
	CHECK_EQ(rd(&v, ISR + 0x40), 0); /* 0x80 cleared first */
	CHECK_EQ(rd(&v, ISR + 0x10), 1u << 16);
	CHECK_EQ(neois, 0); /* edge: no broadcast */
	wr(&v, EOI, 0);
	CHECK_EQ(rd(&v, ISR + 0x10), 0);
	CHECK_EQ(neois, 1);
	CHECK_EQ(last_eoi, 0x30);
	wr(&v, EOI, 0); /* nothing in service: no effect */
	CHECK_EQ(neois, 1);
	/* A later edge acceptance of the same vector clears TMR. */
	CHECK(vlapic_accept(&v, 0x30, false));
	CHECK_EQ(rd(&v, TMR + 0x10), 0);
}

TEST(esr_latch_and_illegal_vectors)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	/* Software-disabled: nothing accepted. */
	CHECK(!vlapic_accept(&v, 0x40, false));
	CHECK(!irr_has(&v, 0x40));
	enable(&v);
	CHECK(!vlapic_accept(&v, 7, false));
	CHECK_EQ(rd(&v, IRR), 0);
	/* Errors show only after a write to ESR, which clears them. */
	CHECK_EQ(rd(&v, ESR), 0);
	wr(&v, ESR, 0x1234);
	CHECK_EQ(rd(&v, ESR), 0x40);
	wr(&v, ESR, 0);
	CHECK_EQ(rd(&v, ESR), 0);
	/* Unmasked error LVT: an error raises its vector. */
	wr(&v, LVTERR, 0xFE);
	CHECK(!vlapic_accept(&v, 3, false));
	CHECK_EQ(vlapic_pending(&v), 0xFE);
	/* An illegal error vector does not recurse. */
	wr(&v, LVTERR, 0x01);
	CHECK(!vlapic_accept(&v, 3, false));
	CHECK_EQ(esr(&v), 0x40);
	/* Sending an illegal vector: ESR bit 5, no message. */
	wr(&v, LVTERR, MASKED | 0xFE);
	wr(&v, ICR, 0x0005);
	CHECK_EQ(nipis, 0);
	CHECK_EQ(esr(&v), 0x20);
}

TEST(icr_messages_xapic)
{
	struct vlapic v;

	now = 0;
	setup(&v, 6, false);
	enable(&v);
	/* Fixed, physical, to APIC 3; delivery status reads idle. */
	wr(&v, ICR2, 0x03000000);
	wr(&v, ICR, 0x00004031);
	CHECK_EQ(nipis, 1);
	CHECK_EQ(ipis[0].vector, 0x31);
	CHECK_EQ(ipis[0].delivery, VLAPIC_DM_FIXED);
	CHECK_EQ(ipis[0].dest, 3);
	CHECK_EQ(ipis[0].source_id, 6);
	CHECK(!ipis[0].logical && !ipis[0].x2apic && ipis[0].level && !ipis[0].trigger_level);
	CHECK_EQ(ipis[0].shorthand, VLAPIC_SH_NONE);
	CHECK_EQ(rd(&v, ICR) & (1u << 12), 0);
	CHECK_EQ(rd(&v, ICR), 0x4031);
	/* Each delivery mode, logical destination. */
	static const struct {
		uint32_t lo;
		uint8_t dm;
	} modes[] = {
	    {0x0940, VLAPIC_DM_LOWEST},	       {0x0A00, VLAPIC_DM_SMI},
	    {0x0C00, VLAPIC_DM_NMI},	       {0xCD00, VLAPIC_DM_INIT},
	    {0x8D00, VLAPIC_DM_INIT_DEASSERT}, {0x0E9F, VLAPIC_DM_STARTUP},
	};
	wr(&v, ICR2, 0xF1000000);
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		nipis = 0;
		wr(&v, ICR, modes[i].lo);
		CHECK_EQ(nipis, 1);
		CHECK_EQ(ipis[0].delivery, modes[i].dm);
		CHECK_EQ(ipis[0].vector, modes[i].lo & 0xFF);
		CHECK(ipis[0].logical);
		CHECK_EQ(ipis[0].dest, 0xF1);
		CHECK_EQ(ipis[0].trigger_level, !!(modes[i].lo & 0x8000));
		CHECK_EQ(ipis[0].level, !!(modes[i].lo & 0x4000));
	}
	/* Reserved delivery modes 011 and 111 send nothing. */
	nipis = 0;
	wr(&v, ICR, 0x0340);
	wr(&v, ICR, 0x0740);
	CHECK_EQ(nipis, 0);
	/* Shorthands. */
	for (unsigned sh = 0; sh < 4; sh++) {
		nipis = 0;
		wr(&v, ICR, (sh << 18) | 0x4050);
		CHECK_EQ(nipis, 1);
		CHECK_EQ(ipis[0].shorthand, sh);
		CHECK_EQ(ipis[0].vector, 0x50);
	}
}

TEST(icr_messages_x2apic)
{
	struct vlapic v;
	int err;

	now = 0;
	setup(&v, 0x1000, false);
	to_x2apic(&v);
	wrmsr(&v, MSR(SVR), 0x1FF);
	CHECK_EQ(wrmsr(&v, MSR(ICR), (0xABCDEFull << 32) | 0x0840 | (1u << 12)), 0);
	CHECK_EQ(nipis, 1);
	CHECK_EQ(ipis[0].dest, 0xABCDEF);
	CHECK(ipis[0].x2apic && ipis[0].logical);
	CHECK_EQ(ipis[0].source_id, 0x1000);
	CHECK_EQ(rdmsr(&v, MSR(ICR), &err), (0xABCDEFull << 32) | 0x0840);
	/* SELF_IPI: fixed, edge, shorthand self. */
	CHECK_EQ(wrmsr(&v, 0x83F, 0x77), 0);
	CHECK_EQ(nipis, 2);
	CHECK_EQ(ipis[1].vector, 0x77);
	CHECK_EQ(ipis[1].delivery, VLAPIC_DM_FIXED);
	CHECK_EQ(ipis[1].shorthand, VLAPIC_SH_SELF);
	CHECK(!ipis[1].trigger_level);
	/* Illegal vector through SELF_IPI: not sent, ESR bit 5. */
	CHECK_EQ(wrmsr(&v, 0x83F, 0x0F), 0);
	CHECK_EQ(nipis, 2);
	wrmsr(&v, MSR(ESR), 0);
	CHECK_EQ(rdmsr(&v, MSR(ESR), &err), 0x20);
}

TEST(match_physical_and_broadcast)
{
	struct vlapic a, b;
	struct vlapic_ipi ipi = {.dest = 2};

	setup(&a, 1, true);
	setup(&b, 2, false);
	CHECK(!vlapic_match_dest(&a, &ipi, &a));
	CHECK(vlapic_match_dest(&b, &ipi, &a));
	ipi.dest = 0xFF;
	CHECK(vlapic_match_dest(&a, &ipi, &a) && vlapic_match_dest(&b, &ipi, &a));
	/* Shorthands ignore the destination. */
	ipi.dest = 2;
	ipi.shorthand = VLAPIC_SH_SELF;
	CHECK(vlapic_match_dest(&a, &ipi, &a) && !vlapic_match_dest(&b, &ipi, &a));
	ipi.shorthand = VLAPIC_SH_ALL_INCL;
	CHECK(vlapic_match_dest(&a, &ipi, &a) && vlapic_match_dest(&b, &ipi, &a));
	ipi.shorthand = VLAPIC_SH_ALL_EXCL;
	CHECK(!vlapic_match_dest(&a, &ipi, &a) && vlapic_match_dest(&b, &ipi, &a));
	/* A globally disabled APIC matches nothing. */
	vlapic_set_base(&b, VLAPIC_DEFAULT_BASE);
	CHECK(!vlapic_match_dest(&b, &ipi, &a));
	/* x2APIC: 32-bit ids, broadcast 0xFFFFFFFF; 0xFF from an IO-APIC. */
	setup(&b, 0x300, false);
	to_x2apic(&b);
	CHECK(vlapic_match_addr(&b, 0x300, false, true));
	CHECK(!vlapic_match_addr(&b, 0x301, false, true));
	CHECK(!vlapic_match_addr(&b, 0xFF, false, true));
	CHECK(vlapic_match_addr(&b, 0xFFFFFFFF, false, true));
	CHECK(vlapic_match_addr(&b, 0xFF, false, false));
	setup(&b, 0x05, false);
	to_x2apic(&b);
	CHECK(vlapic_match_addr(&b, 0x05, false, false));
}

TEST(match_logical)
{
	struct vlapic a, now_b;
	struct vlapic *b = &now_b;

	now = 0;
	setup(&a, 1, true);
	setup(b, 2, false);
	/* Flat: LDR bits 31:24 are a bitmap, any common bit matches. */
	wr(&a, LDR, 0x01000000);
	wr(b, LDR, 0x02000000);
	CHECK(vlapic_match_addr(&a, 0x01, true, false));
	CHECK(!vlapic_match_addr(b, 0x01, true, false));
	CHECK(vlapic_match_addr(b, 0x03, true, false));
	CHECK(vlapic_match_addr(&a, 0x03, true, false));
	CHECK(!vlapic_match_addr(&a, 0x00, true, false));
	CHECK(vlapic_match_addr(b, 0xFF, true, false));
	/* Cluster: cluster in 7:4 must be equal, member bits in 3:0. */
	wr(&a, DFR, 0x0FFFFFFF);
	wr(b, DFR, 0x0FFFFFFF);
	wr(&a, LDR, 0x31000000); /* cluster 3, member 1 */
	wr(b, LDR, 0x42000000);	 /* cluster 4, member 2 */
	CHECK(vlapic_match_addr(&a, 0x31, true, false));
	CHECK(vlapic_match_addr(&a, 0x33, true, false));
	CHECK(!vlapic_match_addr(&a, 0x41, true, false));
	CHECK(!vlapic_match_addr(&a, 0x32, true, false));
	CHECK(vlapic_match_addr(b, 0x4E, true, false));
	CHECK(!vlapic_match_addr(b, 0x3E, true, false));
	/* Logical via the IPI path too. */
	struct vlapic_ipi ipi = {.dest = 0x42, .logical = true};
	CHECK(vlapic_match_dest(b, &ipi, &a) && !vlapic_match_dest(&a, &ipi, &a));
	/* x2APIC cluster: LDR derived from id 0x25 = cluster 2, bit 5. */
	setup(b, 0x25, false);
	to_x2apic(b);
	CHECK(vlapic_match_addr(b, (2u << 16) | (1u << 5), true, true));
	CHECK(vlapic_match_addr(b, (2u << 16) | 0xFFFF, true, true));
	CHECK(!vlapic_match_addr(b, (2u << 16) | (1u << 4), true, true));
	CHECK(!vlapic_match_addr(b, (1u << 16) | (1u << 5), true, true));
	CHECK(vlapic_match_addr(b, 0xFFFFFFFF, true, true));
}

TEST(timer_oneshot)
{
	struct vlapic v;

	now = 1000;
	setup(&v, 0, true);
	enable(&v);
	wr(&v, TDCR, 0x3); /* divide by 16: 16 ns per tick */
	wr(&v, LVTT, 0x40);
	wr(&v, TMICT, 100);
	CHECK_EQ(rd(&v, TMICT), 100);
	CHECK_EQ(vlapic_next_event(&v), 1000 + 1600);
	CHECK_EQ(vlapic_timer_current(&v, 1000), 100);
	CHECK_EQ(vlapic_timer_current(&v, 1015), 100);
	CHECK_EQ(vlapic_timer_current(&v, 1016), 99);
	CHECK_EQ(vlapic_timer_current(&v, 1000 + 800), 50);
	CHECK_EQ(vlapic_timer_current(&v, 1000 + 1599), 1);
	CHECK_EQ(vlapic_timer_current(&v, 1000 + 1600), 0);
	now = 1000 + 808;
	CHECK_EQ(rd(&v, TMCCT), 50);
	vlapic_advance(&v, 2599);
	CHECK(!irr_has(&v, 0x40));
	vlapic_advance(&v, 2600);
	CHECK(irr_has(&v, 0x40));
	CHECK_EQ(vlapic_pending(&v), 0x40);
	/* One-shot: done, count stays 0, no more events. */
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	now = 100000;
	CHECK_EQ(rd(&v, TMCCT), 0);
	CHECK_EQ(take_and_eoi(&v), 0x40);
	vlapic_advance(&v, 200000);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Writing 0 stops a running timer. */
	wr(&v, TMICT, 10);
	wr(&v, TMICT, 0);
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	vlapic_advance(&v, 10000000);
	CHECK_EQ(vlapic_pending(&v), -1);
}

TEST(timer_divide_values)
{
	/* Figure 11-10: bits 3,1,0 encode the divider. */
	static const struct {
		uint32_t dcr, div;
	} t[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},   {0x3, 16},
		 {0x8, 32}, {0x9, 64}, {0xA, 128}, {0xB, 1}};
	struct vlapic v;

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		now = 5;
		setup(&v, 0, true);
		enable(&v);
		wr(&v, LVTT, 0x41);
		wr(&v, TDCR, t[i].dcr);
		wr(&v, TMICT, 1000);
		CHECK_EQ(vlapic_next_event(&v), 5 + 1000 * t[i].div);
		CHECK_EQ(vlapic_timer_current(&v, 5 + 10 * t[i].div), 990);
		vlapic_advance(&v, 5 + 1000 * t[i].div - 1);
		CHECK_EQ(vlapic_pending(&v), -1);
		vlapic_advance(&v, 5 + 1000 * t[i].div);
		CHECK_EQ(vlapic_pending(&v), 0x41);
	}
	/* Changing the divider mid-count keeps the count, new rate. */
	now = 0;
	setup(&v, 0, true);
	enable(&v);
	wr(&v, LVTT, 0x41);
	wr(&v, TDCR, 0xB);
	wr(&v, TMICT, 1000);
	now = 400;
	wr(&v, TDCR, 0x0); /* by 2 */
	CHECK_EQ(rd(&v, TMCCT), 600);
	CHECK_EQ(vlapic_next_event(&v), 400 + 1200);
}

TEST(timer_periodic_no_drift)
{
	const uint64_t period = 1000000; /* 1 ms: 15625 ticks at divide by 64 */
	const uint64_t t0 = 12345;
	struct vlapic v;
	uint32_t seed = 1;
	int fired = 0;

	now = t0;
	setup(&v, 0, true);
	enable(&v);
	wr(&v, TDCR, 0x9);
	wr(&v, LVTT, PERIODIC | 0x50);
	wr(&v, TMICT, 15625);
	for (int k = 1; k <= 1000; k++) {
		uint64_t deadline = vlapic_next_event(&v);

		CHECK_EQ(deadline, t0 + k * period);
		/* The host timer fires up to 0.9 period late. */
		seed = seed * 1103515245u + 12345u;
		now = deadline + (seed >> 8) % (period * 9 / 10);
		vlapic_advance(&v, now);
		/* The count is still exact on the grid. */
		CHECK_EQ(vlapic_timer_current(&v, now), 15625 - (now - (t0 + k * period)) / 64);
		if (take_and_eoi(&v) == 0x50)
			fired++;
	}
	CHECK_EQ(fired, 1000);
	CHECK_EQ(v.timer_coalesced, 0);
	/* 3.5 periods late: one interrupt, then back on the grid. */
	uint64_t grid = vlapic_next_event(&v);
	now = grid + 3 * period + period / 2;
	vlapic_advance(&v, now);
	CHECK_EQ(take_and_eoi(&v), 0x50);
	CHECK_EQ(take_and_eoi(&v), -1);
	CHECK_EQ(v.timer_coalesced, 3);
	CHECK_EQ(vlapic_next_event(&v), grid + 4 * period);
	CHECK_EQ(vlapic_timer_current(&v, now), 15625 - (period / 2) / 64);
	/* An exact reload: the count is back to the initial count. */
	CHECK_EQ(vlapic_timer_current(&v, grid + 4 * period), 15625);
}

TEST(timer_periodic_rate_cap)
{
	struct vlapic v;
	int fired = 0;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	wr(&v, TDCR, 0xB);
	wr(&v, LVTT, PERIODIC | 0x50);
	wr(&v, TMICT, 10); /* 10 ns period */
	for (now = 0; now <= 1000000; now += 10) {
		vlapic_advance(&v, now);
		if (take_and_eoi(&v) == 0x50)
			fired++;
		CHECK(vlapic_next_event(&v) > now);
	}
	/* At most one per VLAPIC_TIMER_MIN_PERIOD_NS: 20 in 1 ms. */
	CHECK(fired >= 19 && fired <= 21);
}

TEST(timer_tsc_deadline)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	/* Ignored outside TSC-deadline mode. */
	vlapic_set_tsc_deadline(&v, 5000);
	CHECK_EQ(vlapic_get_tsc_deadline(&v), 0);
	wr(&v, LVTT, TSCDL | 0x60);
	vlapic_set_tsc_deadline(&v, 5000);
	CHECK_EQ(vlapic_get_tsc_deadline(&v), 5000);
	CHECK_EQ(vlapic_next_event(&v), 5000);
	/* The count registers are inert in this mode. */
	wr(&v, TMICT, 100);
	CHECK_EQ(rd(&v, TMCCT), 0);
	vlapic_advance(&v, 4999);
	CHECK_EQ(vlapic_pending(&v), -1);
	vlapic_advance(&v, 5000);
	CHECK_EQ(vlapic_pending(&v), 0x60);
	CHECK_EQ(vlapic_get_tsc_deadline(&v), 0); /* disarms after firing */
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	CHECK_EQ(take_and_eoi(&v), 0x60);
	/* Writing 0 disarms. */
	vlapic_set_tsc_deadline(&v, 9000);
	vlapic_set_tsc_deadline(&v, 0);
	vlapic_advance(&v, 10000);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* A deadline in the past fires at once. */
	vlapic_set_tsc_deadline(&v, 1);
	CHECK_EQ(vlapic_next_event(&v), 1);
	vlapic_advance(&v, 10000);
	CHECK_EQ(take_and_eoi(&v), 0x60);
	/* Leaving TSC-deadline mode disarms. */
	vlapic_set_tsc_deadline(&v, 20000);
	wr(&v, LVTT, 0x60);
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	wr(&v, LVTT, TSCDL | 0x60);
	CHECK_EQ(vlapic_get_tsc_deadline(&v), 0);
	vlapic_advance(&v, 30000);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Entering it disarms a running one-shot count. */
	now = 40000;
	wr(&v, LVTT, 0x60);
	wr(&v, TMICT, 1000);
	wr(&v, LVTT, TSCDL | 0x60);
	CHECK_EQ(rd(&v, TMICT), 0);
	wr(&v, LVTT, 0x60);
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	vlapic_advance(&v, 100000);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* One-shot <-> periodic keeps the count running. */
	now = 100000;
	wr(&v, TDCR, 0xB);
	wr(&v, TMICT, 1000);
	wr(&v, LVTT, PERIODIC | 0x60);
	CHECK_EQ(vlapic_next_event(&v), 101000);
}

TEST(timer_masked_still_counts)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	wr(&v, TDCR, 0xB);
	wr(&v, LVTT, MASKED | 0x40);
	wr(&v, TMICT, 1000);
	CHECK_EQ(vlapic_next_event(&v), VLAPIC_NO_EVENT);
	now = 300;
	CHECK_EQ(rd(&v, TMCCT), 700);
	now = 999;
	CHECK_EQ(rd(&v, TMCCT), 1);
	now = 1500;
	CHECK_EQ(rd(&v, TMCCT), 0);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Unmasking after the expiry must not deliver a stale interrupt. */
	wr(&v, LVTT, 0x40);
	vlapic_advance(&v, 2000);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Periodic masked: counts, reloads, never interrupts. */
	now = 10000;
	wr(&v, LVTT, MASKED | PERIODIC | 0x40);
	wr(&v, TMICT, 100000); /* 100 us */
	now = 10000 + 250000;
	CHECK_EQ(rd(&v, TMCCT), 50000);
	now = 1000000;
	vlapic_advance(&v, now);
	CHECK_EQ(vlapic_pending(&v), -1);
	now = 1010030;
	CHECK_EQ(rd(&v, TMCCT), 99970);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Unmasked again: the next reload interrupts. */
	wr(&v, LVTT, PERIODIC | 0x40);
	CHECK_EQ(vlapic_next_event(&v), 1110000);
	vlapic_advance(&v, 1110000);
	CHECK_EQ(vlapic_pending(&v), 0x40);
}

TEST(sw_disable_masks_lvts)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	enable(&v);
	for (uint32_t off = LVTT; off <= LVTERR; off += 0x10)
		wr(&v, off, 0x40);
	CHECK_EQ(rd(&v, LINT0), 0x40);
	wr(&v, SVR, 0xFF); /* software disable */
	CHECK(!vlapic_sw_enabled(&v));
	for (uint32_t off = LVTT; off <= LVTERR; off += 0x10)
		CHECK_EQ(rd(&v, off), MASKED | 0x40);
	/* Writes cannot clear the mask while disabled. */
	wr(&v, LVTT, 0x41);
	CHECK_EQ(rd(&v, LVTT), MASKED | 0x41);
	/* Timer expiries and interrupts are not delivered. */
	wr(&v, TMICT, 10);
	vlapic_advance(&v, 1000);
	CHECK_EQ(rd(&v, IRR + 0x20), 0);
	CHECK(!vlapic_accept(&v, 0x50, false));
	/* Re-enabling leaves the masks set. */
	enable(&v);
	CHECK_EQ(rd(&v, LVTT), MASKED | 0x41);
	wr(&v, LVTT, 0x41);
	CHECK_EQ(rd(&v, LVTT), 0x41);
}

TEST(lint_pins)
{
	struct vlapic v;

	now = 0;
	setup(&v, 0, true);
	/* Globally disabled: virtual wire. */
	vlapic_set_base(&v, VLAPIC_DEFAULT_BASE);
	CHECK_EQ(vlapic_set_lint(&v, 0, true), VLAPIC_LINT_EXTINT);
	CHECK(vlapic_extint_pending(&v));
	CHECK_EQ(vlapic_set_lint(&v, 1, true), VLAPIC_LINT_NMI);
	CHECK_EQ(vlapic_set_lint(&v, 1, true), VLAPIC_LINT_NONE);
	vlapic_set_base(&v, VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN);
	enable(&v);
	/* Masked after reset. */
	CHECK_EQ(vlapic_set_lint(&v, 0, true), VLAPIC_LINT_NONE);
	CHECK(!vlapic_extint_pending(&v));
	/* LINT0 ExtINT, LINT1 NMI: Linux's virtual-wire setup. */
	wr(&v, LINT0, 0x700);
	wr(&v, LINT1, 0x400);
	CHECK_EQ(vlapic_set_lint(&v, 0, true), VLAPIC_LINT_EXTINT);
	CHECK(vlapic_extint_pending(&v));
	vlapic_set_lint(&v, 0, false);
	CHECK(!vlapic_extint_pending(&v));
	vlapic_set_lint(&v, 1, false);
	CHECK_EQ(vlapic_set_lint(&v, 1, true), VLAPIC_LINT_NMI);
	CHECK_EQ(vlapic_set_lint(&v, 1, true), VLAPIC_LINT_NONE); /* edge only */
	vlapic_set_lint(&v, 1, false);
	/* Fixed level-triggered: Remote IRR until EOI, then again if held. */
	wr(&v, LINT0, 0x8000 | 0x44);
	CHECK_EQ(vlapic_set_lint(&v, 0, true), VLAPIC_LINT_FIXED);
	CHECK(rd(&v, LINT0) & (1u << 14));
	CHECK_EQ(vlapic_set_lint(&v, 0, true), VLAPIC_LINT_NONE);
	CHECK_EQ(take_and_eoi(&v), 0x44);
	CHECK_EQ(neois, 1);		   /* level EOI broadcast too */
	CHECK(rd(&v, LINT0) & (1u << 14)); /* re-fired: still held */
	CHECK_EQ(vlapic_pending(&v), 0x44);
	vlapic_set_lint(&v, 0, false);
	CHECK_EQ(take_and_eoi(&v), 0x44);
	CHECK_EQ(rd(&v, LINT0) & (1u << 14), 0);
	CHECK_EQ(vlapic_pending(&v), -1);
	/* Fixed edge. */
	wr(&v, LINT1, 0x45);
	CHECK_EQ(vlapic_set_lint(&v, 1, true), VLAPIC_LINT_FIXED);
	CHECK_EQ(vlapic_pending(&v), 0x45);
	CHECK_EQ(rd(&v, TMR + 0x20) & (1u << 5), 0); /* edge: TMR clear */
}

int main(void)
{
	RUN(reset_state);
	RUN(init_keeps_id_and_base);
	RUN(xapic_registers);
	RUN(x2apic_registers);
	RUN(apic_base_transitions);
	RUN(tpr_ppr_priority);
	RUN(eoi_highest_and_level_broadcast);
	RUN(esr_latch_and_illegal_vectors);
	RUN(icr_messages_xapic);
	RUN(icr_messages_x2apic);
	RUN(match_physical_and_broadcast);
	RUN(match_logical);
	RUN(timer_oneshot);
	RUN(timer_divide_values);
	RUN(timer_periodic_no_drift);
	RUN(timer_periodic_rate_cap);
	RUN(timer_tsc_deadline);
	RUN(timer_masked_still_counts);
	RUN(sw_disable_masks_lvts);
	RUN(lint_pins);
	TEST_EXIT();
}
