/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC. Intel SDM vol. 3A, chapter 11; AMD APM vol. 2,
 * chapter 16. Section numbers below are the SDM's unless marked APM.
 *
 * One register file serves both interfaces: the xAPIC MMIO page and the
 * x2APIC MSRs address the same registers by index (offset >> 4 = MSR -
 * 0x800, SDM 11.12.1.2); the interface only decides what is legal and what
 * an illegal access does (ignored plus ESR in xAPIC mode, #GP in x2APIC).
 */
#include "vdev/vlapic.h"

#include "lib/errno.h"
#include "lib/string.h"

/* Register indices: xAPIC offset >> 4, or x2APIC MSR - 0x800 (Table 11-6). */
enum {
	REG_ID = 0x02,
	REG_VERSION = 0x03,
	REG_TPR = 0x08,
	REG_APR = 0x09,
	REG_PPR = 0x0A,
	REG_EOI = 0x0B,
	REG_RRD = 0x0C,
	REG_LDR = 0x0D,
	REG_DFR = 0x0E,
	REG_SVR = 0x0F,
	REG_ISR0 = 0x10,
	REG_TMR0 = 0x18,
	REG_IRR0 = 0x20,
	REG_ESR = 0x28,
	REG_LVT_CMCI = 0x2F,
	REG_ICR = 0x30,
	REG_ICR2 = 0x31,
	REG_LVT_TIMER = 0x32,
	REG_LVT_THERMAL = 0x33,
	REG_LVT_PERF = 0x34,
	REG_LVT_LINT0 = 0x35,
	REG_LVT_LINT1 = 0x36,
	REG_LVT_ERROR = 0x37,
	REG_TIMER_ICR = 0x38,
	REG_TIMER_CCR = 0x39,
	REG_TIMER_DCR = 0x3E,
	REG_SELF_IPI = 0x3F,
	REG_COUNT = 0x40,
};

/* Index into v->lvt[] of each LVT register (REG_LVT_TIMER + n). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/*
 * Version register (11.4.8, Figure 11-7): 0x14 = integrated APIC; max LVT
 * entry 5 = six LVT registers, CMCI left out because the guest CPUID hides
 * machine-check extensions; bit 24 (EOI-broadcast suppression) clear
 * because directed EOI would need IO-APIC EOI registers we do not model.
 */
#define APIC_VERSION	 0x14u
#define APIC_MAX_LVT	 (VLAPIC_LVT_COUNT - 1)
#define APIC_VERSION_REG (APIC_VERSION | ((uint32_t)APIC_MAX_LVT << 16))

#define APIC_ID_SHIFT	   24 /* xAPIC ID and LDR: bits 31:24 */
#define APIC_ID_MASK	   0xFF000000u
#define APIC_TPR_MASK	   0xFFu
#define APIC_DFR_MODEL	   0xF0000000u /* 11.6.2.2, Figure 11-14 */
#define APIC_DFR_FLAT	   0xF0000000u
#define APIC_DFR_CLUSTER   0x00000000u
#define APIC_DFR_RSVD_1S   0x0FFFFFFFu /* bits 27:0 read as 1 */
#define APIC_SVR_VECTOR	   0xFFu       /* 11.9, Figure 11-23 */
#define APIC_SVR_ENABLE	   0x100u
#define APIC_SVR_FOCUS_OFF 0x200u
#define APIC_SVR_MASK	   (APIC_SVR_VECTOR | APIC_SVR_ENABLE | APIC_SVR_FOCUS_OFF)
#define APIC_SVR_RESET	   0xFFu

/* ESR bits (11.5.3, Figure 11-9). */
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG	 (1u << 7)

/* LVT fields (11.5.1, Figure 11-8). */
#define LVT_VECTOR	   0xFFu
#define LVT_DM_SHIFT	   8
#define LVT_DM_MASK	   (7u << LVT_DM_SHIFT)
#define LVT_DELIV_STATUS   (1u << 12) /* read-only, always idle here */
#define LVT_POLARITY	   (1u << 13)
#define LVT_REMOTE_IRR	   (1u << 14) /* read-only */
#define LVT_TRIGGER_LEVEL  (1u << 15)
#define LVT_MASKED	   (1u << 16)
#define LVT_TIMER_SHIFT	   17
#define LVT_TIMER_MODE	   (3u << LVT_TIMER_SHIFT)
#define TIMER_ONESHOT	   0u
#define TIMER_PERIODIC	   1u
#define TIMER_TSC_DEADLINE 2u
#define TIMER_MODE_RSVD	   3u

/* LVT delivery modes (the 3-bit field, 11.5.1). */
#define DM_FIXED  0u
#define DM_LOWEST 1u
#define DM_SMI	  2u
#define DM_NMI	  4u
#define DM_INIT	  5u
#define DM_START  6u
#define DM_EXTINT 7u

/* Writable bits of each LVT register. */
static const uint32_t lvt_writable[VLAPIC_LVT_COUNT] = {
    [LVT_TIMER] = LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE,
    [LVT_THERMAL] = LVT_VECTOR | LVT_DM_MASK | LVT_MASKED,
    [LVT_PERF] = LVT_VECTOR | LVT_DM_MASK | LVT_MASKED,
    [LVT_LINT0] = LVT_VECTOR | LVT_DM_MASK | LVT_POLARITY | LVT_TRIGGER_LEVEL | LVT_MASKED,
    [LVT_LINT1] = LVT_VECTOR | LVT_DM_MASK | LVT_POLARITY | LVT_TRIGGER_LEVEL | LVT_MASKED,
    [LVT_ERROR] = LVT_VECTOR | LVT_MASKED,
};

/*
 * Read-only bits defined in each LVT: a guest that writes back what it read
 * (Linux masks LVT0 that way) must not #GP in x2APIC mode.
 */
static const uint32_t lvt_readonly[VLAPIC_LVT_COUNT] = {
    [LVT_TIMER] = LVT_DELIV_STATUS,
    [LVT_THERMAL] = LVT_DELIV_STATUS,
    [LVT_PERF] = LVT_DELIV_STATUS,
    [LVT_LINT0] = LVT_DELIV_STATUS | LVT_REMOTE_IRR,
    [LVT_LINT1] = LVT_DELIV_STATUS | LVT_REMOTE_IRR,
    [LVT_ERROR] = LVT_DELIV_STATUS,
};

/* ICR fields (11.6.1, Figure 11-12; x2APIC layout 11.12.9). */
#define ICR_VECTOR	  0xFFu
#define ICR_DM_SHIFT	  8
#define ICR_DM_MASK	  (7u << ICR_DM_SHIFT)
#define ICR_LOGICAL	  (1u << 11)
#define ICR_BUSY	  (1u << 12) /* delivery status: always idle here */
#define ICR_LEVEL_ASSERT  (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SH_SHIFT	  18
#define ICR_SH_MASK	  (3u << ICR_SH_SHIFT)
#define ICR_LO_WRITABLE                                                                            \
	(ICR_VECTOR | ICR_DM_MASK | ICR_LOGICAL | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL |           \
	 ICR_SH_MASK)
#define ICR2_DEST_MASK APIC_ID_MASK

#define DCR_MASK	0xBu /* bits 0, 1 and 3 (11.5.4, Figure 11-10) */
#define SELF_IPI_VECTOR 0xFFu

#define BASE_ADDR_MASK	  (~0xFFFull)
#define BASE_RSVD_LOW	  0x2FFull /* bits 7:0 and 9 */
#define DEFAULT_PHYS_BITS 36

#define VECTOR_ILLEGAL_MAX 15 /* vectors 0-15 are reserved (11.5.2) */
#define XAPIC_BROADCAST	   0xFFu
#define X2APIC_BROADCAST   0xFFFFFFFFu

/* Internal results of a register access, mapped by each interface. */
#define ACC_OK	      0
#define ACC_RESERVED  (-ENOENT) /* no such register in this mode */
#define ACC_DIRECTION (-EPERM)	/* read of write-only / write of read-only */
#define ACC_RSVD_BITS (-EINVAL) /* x2APIC: reserved bits set */

/* ---------------------------------------------------------------------- */
/* Vector bitmaps: IRR, ISR, TMR are 256 bits as 8 x 32 (11.8.4). */

static bool vec_test(const uint32_t *bm, unsigned vec)
{
	return bm[vec >> 5] & (1u << (vec & 31));
}

static void vec_set(uint32_t *bm, unsigned vec)
{
	bm[vec >> 5] |= 1u << (vec & 31);
}

static void vec_clear(uint32_t *bm, unsigned vec)
{
	bm[vec >> 5] &= ~(1u << (vec & 31));
}

/* Highest set vector, or -1. */
static int vec_highest(const uint32_t *bm)
{
	for (int i = 7; i >= 0; i--)
		if (bm[i])
			return i * 32 + 31 - __builtin_clz(bm[i]);
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Modes */

bool vlapic_enabled(const struct vlapic *v)
{
	return v->base & VLAPIC_BASE_EN;
}

bool vlapic_x2apic_mode(const struct vlapic *v)
{
	return (v->base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

bool vlapic_sw_enabled(const struct vlapic *v)
{
	return vlapic_enabled(v) && (v->svr & APIC_SVR_ENABLE);
}

uint64_t vlapic_mmio_base(const struct vlapic *v)
{
	return v->base & BASE_ADDR_MASK;
}

uint64_t vlapic_get_base(const struct vlapic *v)
{
	return v->base;
}

uint32_t vlapic_id(const struct vlapic *v)
{
	return vlapic_x2apic_mode(v) ? v->hw_id : v->id >> APIC_ID_SHIFT;
}

/*
 * The x2APIC logical id is derived from the x2APIC id (11.12.10.2):
 * cluster = id[19:4] in bits 31:16, one bit for id[3:0] in bits 15:0.
 */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xF));
}

/* ---------------------------------------------------------------------- */
/* Priorities (11.8.3) */

uint32_t vlapic_ppr(const struct vlapic *v)
{
	int isrv = vec_highest(v->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	/* 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
	if ((v->tpr & 0xF0) >= isr_class)
		return v->tpr & APIC_TPR_MASK;
	return isr_class;
}

/*
 * Arbitration priority (11.8.3.1 / Figure 11-15 APR), kept for xAPIC reads
 * only: it mattered for lowest-priority arbitration on the APIC bus.
 */
static uint32_t apr(const struct vlapic *v)
{
	int irrv = vec_highest(v->irr), isrv = vec_highest(v->isr);
	uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t tpr_class = v->tpr & 0xF0;

	if (tpr_class >= irr_class && tpr_class > isr_class)
		return v->tpr & APIC_TPR_MASK;
	return MAX(tpr_class, MAX(irr_class, isr_class));
}

int vlapic_pending(const struct vlapic *v)
{
	int irrv;

	if (!vlapic_enabled(v))
		return -1;
	irrv = vec_highest(v->irr);
	/* 11.8.3: delivered only if its class is above the PPR's class. */
	if (irrv < 0 || ((uint32_t)irrv & 0xF0) <= (vlapic_ppr(v) & 0xF0))
		return -1;
	return irrv;
}

void vlapic_ack(struct vlapic *v, uint8_t vector)
{
	if (!vec_test(v->irr, vector))
		return;
	vec_clear(v->irr, vector);
	vec_set(v->isr, vector);
}

/* ---------------------------------------------------------------------- */
/* Acceptance and errors */

static void local_deliver(struct vlapic *v, uint32_t lvt_value, bool level, bool is_error);

/*
 * Record an error (11.5.3): it shows in ESR after the next ESR write, and
 * raises the error LVT's interrupt unless masked.
 */
static void set_error(struct vlapic *v, uint32_t bits, bool from_error_lvt)
{
	v->esr_pending |= bits;
	/* An illegal error vector must not raise another error interrupt. */
	if (!from_error_lvt)
		local_deliver(v, v->lvt[LVT_ERROR], false, true);
}

static bool accept(struct vlapic *v, uint8_t vector, bool level_trigger, bool from_error_lvt)
{
	if (!vlapic_sw_enabled(v))
		return false;
	if (vector <= VECTOR_ILLEGAL_MAX) {
		/* 11.5.3: "Received Illegal Vector", never set in IRR. */
		set_error(v, ESR_RECV_ILLEGAL, from_error_lvt);
		return false;
	}
	vec_set(v->irr, vector);
	/* 11.8.4: TMR set for level-triggered, cleared for edge. */
	if (level_trigger)
		vec_set(v->tmr, vector);
	else
		vec_clear(v->tmr, vector);
	return true;
}

bool vlapic_accept(struct vlapic *v, uint8_t vector, bool level_trigger)
{
	return accept(v, vector, level_trigger, false);
}

/* A fixed interrupt from an LVT entry (timer, error, LINTn in fixed mode). */
static void local_deliver(struct vlapic *v, uint32_t lvt_value, bool level, bool is_error)
{
	if (lvt_value & LVT_MASKED)
		return;
	accept(v, lvt_value & LVT_VECTOR, level, is_error);
}

/* ---------------------------------------------------------------------- */
/* Timer (11.5.4) */

static unsigned timer_mode(const struct vlapic *v)
{
	return (v->lvt[LVT_TIMER] & LVT_TIMER_MODE) >> LVT_TIMER_SHIFT;
}

/*
 * Divide configuration (Figure 11-10): bits 3,1,0 = 000 -> 2, 001 -> 4, ...
 * 110 -> 128, 111 -> 1. As log2: ((bit3 << 2 | bits1:0) + 1) mod 8.
 */
static unsigned timer_shift(uint32_t dcr)
{
	unsigned code = ((dcr >> 1) & 4) | (dcr & 3);

	return (code + 1) & 7;
}

/* ns per timer tick: the 1 GHz bus clock divided. */
static uint64_t tick_ns(const struct vlapic *v)
{
	return 1ull << timer_shift(v->timer_dcr);
}

/*
 * The current count at now (11.5.4): counting started at deadline - period
 * with the initial count, one decrement per tick, so the count is the
 * number of started ticks left, ceil((deadline - now) / tick). A periodic
 * timer reloads on reaching 0: past the stored deadline (not yet advanced),
 * the count follows the same grid.
 */
uint32_t vlapic_timer_current(const struct vlapic *v, uint64_t now_ns)
{
	uint64_t deadline = v->timer_deadline, shift = timer_shift(v->timer_dcr);

	if (!v->timer_armed || timer_mode(v) == TIMER_TSC_DEADLINE)
		return 0;
	if (now_ns >= deadline) {
		if (timer_mode(v) != TIMER_PERIODIC)
			return 0;
		deadline += ((now_ns - deadline) / v->timer_period + 1) * v->timer_period;
	}
	return (uint32_t)((deadline - now_ns + (1ull << shift) - 1) >> shift);
}

static void timer_stop(struct vlapic *v)
{
	v->timer_armed = false;
	v->tsc_deadline = 0;
}

/* Initial-count write (11.5.4): starts counting; 0 stops the timer. */
static void timer_start(struct vlapic *v, uint32_t count, uint64_t now)
{
	v->timer_icr = count;
	if (timer_mode(v) == TIMER_TSC_DEADLINE)
		return; /* 11.5.4.1: writes are ignored in TSC-deadline mode */
	if (!count) {
		v->timer_armed = false;
		return;
	}
	v->timer_period = (uint64_t)count * tick_ns(v);
	v->timer_deadline = now + v->timer_period;
	v->timer_armed = true;
}

/*
 * Changing the divider while counting is not defined by the SDM (11.5.4
 * asks software to configure it first). Here the current count is kept and
 * continues at the new rate from now; the period uses the new rate.
 */
static void timer_set_divide(struct vlapic *v, uint32_t dcr, uint64_t now)
{
	uint32_t cur = vlapic_timer_current(v, now);

	v->timer_dcr = dcr & DCR_MASK;
	if (!v->timer_armed || timer_mode(v) == TIMER_TSC_DEADLINE)
		return;
	v->timer_period = (uint64_t)v->timer_icr * tick_ns(v);
	v->timer_deadline = now + (uint64_t)cur * tick_ns(v);
}

/* Fire the timer LVT: masked entries still count but deliver nothing. */
static void timer_fire(struct vlapic *v, uint64_t now)
{
	local_deliver(v, v->lvt[LVT_TIMER], false, false);
}

void vlapic_advance(struct vlapic *v, uint64_t now_ns)
{
	if (!vlapic_enabled(v))
		return;
	if (timer_mode(v) == TIMER_TSC_DEADLINE) {
		/* 11.5.4.1: fires once, then disarms (the MSR reads 0). */
		if (v->tsc_deadline && now_ns >= v->tsc_deadline) {
			v->tsc_deadline = 0;
			timer_fire(v, now_ns);
		}
		return;
	}
	if (!v->timer_armed || now_ns < v->timer_deadline)
		return;
	if (timer_mode(v) != TIMER_PERIODIC) {
		v->timer_armed = false;
		timer_fire(v, now_ns);
		return;
	}
	/*
	 * Periodic. Rate cap: a guest programming a tiny period gets at most
	 * one interrupt per VLAPIC_TIMER_MIN_PERIOD_NS of guest time, or it
	 * could make the host timer fire continuously.
	 */
	if (v->timer_fired_once && now_ns - v->timer_last_fire < VLAPIC_TIMER_MIN_PERIOD_NS)
		return;
	/*
	 * Coalesce: however late we are, one interrupt (a real APIC would
	 * also merge them into the one IRR bit the guest has not serviced),
	 * and the next deadline stays on the grid deadline + k * period, so
	 * the period never drifts and the current count stays exact.
	 */
	uint64_t missed = (now_ns - v->timer_deadline) / v->timer_period;

	v->timer_coalesced += missed;
	v->timer_deadline += (missed + 1) * v->timer_period;
	/* Only delivered interrupts count against the rate cap. */
	if (!(v->lvt[LVT_TIMER] & LVT_MASKED)) {
		v->timer_last_fire = now_ns;
		v->timer_fired_once = true;
	}
	timer_fire(v, now_ns);
}

uint64_t vlapic_next_event(const struct vlapic *v)
{
	uint64_t t;

	if (!vlapic_enabled(v) || (v->lvt[LVT_TIMER] & LVT_MASKED))
		return VLAPIC_NO_EVENT;
	if (timer_mode(v) == TIMER_TSC_DEADLINE)
		return v->tsc_deadline ? v->tsc_deadline : VLAPIC_NO_EVENT;
	if (!v->timer_armed)
		return VLAPIC_NO_EVENT;
	t = v->timer_deadline;
	if (timer_mode(v) == TIMER_PERIODIC && v->timer_fired_once)
		t = MAX(t, v->timer_last_fire + VLAPIC_TIMER_MIN_PERIOD_NS);
	return t;
}

void vlapic_set_tsc_deadline(struct vlapic *v, uint64_t deadline_ns)
{
	/* 11.5.4.1: writes have no effect outside TSC-deadline mode. */
	if (!vlapic_enabled(v) || timer_mode(v) != TIMER_TSC_DEADLINE)
		return;
	v->tsc_deadline = deadline_ns;
}

uint64_t vlapic_get_tsc_deadline(const struct vlapic *v)
{
	if (timer_mode(v) != TIMER_TSC_DEADLINE)
		return 0;
	return v->tsc_deadline;
}

/* ---------------------------------------------------------------------- */
/* Reset, INIT and IA32_APIC_BASE */

/*
 * Registers as after RESET (11.4.7.1, 11.12.5.1), leaving ids, base,
 * callbacks and options alone: IRR, ISR, TMR, ICR, LDR, TPR, DCR, counts
 * zero; LVTs masked; SVR 0xFF (software-disabled); DFR all ones.
 */
static void reset_registers(struct vlapic *v)
{
	v->tpr = 0;
	v->ldr = 0;
	v->dfr = 0xFFFFFFFFu;
	v->svr = APIC_SVR_RESET;
	v->esr = 0;
	v->esr_pending = 0;
	v->icr_lo = 0;
	v->icr_hi = 0;
	memset(v->isr, 0, sizeof(v->isr));
	memset(v->tmr, 0, sizeof(v->tmr));
	memset(v->irr, 0, sizeof(v->irr));
	for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
		v->lvt[i] = LVT_MASKED;
	v->timer_icr = 0;
	v->timer_dcr = 0;
	v->timer_deadline = 0;
	v->timer_period = 0;
	timer_stop(v);
	/* lint_level[] are the input lines, outside the APIC: not reset. */
}

void vlapic_reset(struct vlapic *v, uint32_t id, bool bsp)
{
	v->hw_id = id;
	/* The xAPIC id is the low 8 bits of the x2APIC id (11.12.5.1). */
	v->id = (id & 0xFF) << APIC_ID_SHIFT;
	v->base = VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN | (bsp ? VLAPIC_BASE_BSP : 0);
	reset_registers(v);
	v->timer_last_fire = 0;
	v->timer_fired_once = false;
	v->timer_coalesced = 0;
}

void vlapic_init_reset(struct vlapic *v)
{
	/* 11.4.7.3: all but the APIC id; IA32_APIC_BASE is not touched. */
	reset_registers(v);
}

void vlapic_setup(struct vlapic *v, const struct vlapic_config *cfg, uint32_t id, bool bsp)
{
	memset(v, 0, sizeof(*v));
	v->ops = cfg->ops;
	v->x2apic_ok = cfg->x2apic;
	v->phys_bits = cfg->phys_addr_bits ? cfg->phys_addr_bits : DEFAULT_PHYS_BITS;
	if (v->phys_bits > 52)
		v->phys_bits = 52;
	vlapic_reset(v, id, bsp);
}

int vlapic_set_base(struct vlapic *v, uint64_t value)
{
	uint64_t rsvd = BASE_RSVD_LOW | ~((1ull << v->phys_bits) - 1);
	bool old_en = vlapic_enabled(v), old_x2 = vlapic_x2apic_mode(v);
	bool en = value & VLAPIC_BASE_EN, extd = value & VLAPIC_BASE_EXTD;

	/* The BSP flag is set by reset, not by software: ignore its bit. */
	value = (value & ~VLAPIC_BASE_BSP) | (v->base & VLAPIC_BASE_BSP);
	if (!v->x2apic_ok)
		rsvd |= VLAPIC_BASE_EXTD;
	if (value & rsvd)
		return -EINVAL;
	/* 11.12.5.1, Figure 11-27: EN=0 with EXTD=1 is the invalid state. */
	if (!en && extd)
		return -EINVAL;
	/* x2APIC -> xAPIC must go through disabled. */
	if (old_x2 && en && !extd)
		return -EINVAL;
	/* disabled -> x2APIC must go through xAPIC. */
	if (!old_en && extd)
		return -EINVAL;

	v->base = value;
	/*
	 * Disabling loses all register state but the ids (11.12.5.1 "x2APIC
	 * Transitions From Disabled Mode"; 11.4.3): reset the registers now,
	 * so re-enabling finds the power-up values. The x2APIC -> disabled
	 * transition keeps the 8-bit xAPIC id as well.
	 */
	if (old_en && !en)
		reset_registers(v);
	/*
	 * xAPIC -> x2APIC keeps the x2APIC id and derives the logical id
	 * (done on read); other registers keep their values, which the SDM
	 * leaves undefined beyond the xAPIC fields.
	 */
	if (!old_x2 && vlapic_x2apic_mode(v))
		v->icr_hi = 0;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* EOI (11.8.5) */

static void do_eoi(struct vlapic *v)
{
	int vec = vec_highest(v->isr);
	bool level;

	if (vec < 0)
		return; /* EOI with nothing in service: no effect */
	vec_clear(v->isr, (unsigned)vec);
	level = vec_test(v->tmr, (unsigned)vec);
	if (!level)
		return;
	/*
	 * Level-triggered: clear Remote IRR of a level LINT entry with this
	 * vector (11.5.1) and fire it again if the line is still asserted.
	 */
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &v->lvt[LVT_LINT0 + pin];

		if ((*lvt & LVT_REMOTE_IRR) && (*lvt & LVT_VECTOR) == (uint32_t)vec) {
			*lvt &= ~LVT_REMOTE_IRR;
			if (v->lint_level[pin])
				vlapic_set_lint(v, pin, true);
		}
	}
	/* 11.8.5: the EOI is broadcast to the IO-APICs (no suppression). */
	if (v->ops.eoi)
		v->ops.eoi(v->ops.ctx, (uint8_t)vec);
}

/* ---------------------------------------------------------------------- */
/* IPIs (11.6) */

static void send_ipi(struct vlapic *v, uint32_t lo, uint32_t dest, bool x2apic)
{
	struct vlapic_ipi ipi = {
	    .dest = dest,
	    .source_id = vlapic_id(v),
	    .vector = lo & ICR_VECTOR,
	    .delivery = (uint8_t)((lo & ICR_DM_MASK) >> ICR_DM_SHIFT),
	    .shorthand = (uint8_t)((lo & ICR_SH_MASK) >> ICR_SH_SHIFT),
	    .logical = lo & ICR_LOGICAL,
	    .level = lo & ICR_LEVEL_ASSERT,
	    .trigger_level = lo & ICR_TRIGGER_LEVEL,
	    .x2apic = x2apic,
	};

	switch (ipi.delivery) {
	case DM_FIXED:
	case DM_LOWEST:
		/* 11.5.3: "Send Illegal Vector"; the message is not sent. */
		if (ipi.vector <= VECTOR_ILLEGAL_MAX) {
			set_error(v, ESR_SEND_ILLEGAL, false);
			return;
		}
		break;
	case DM_INIT:
		/* 11.6.1: level 0 with level trigger is INIT level de-assert. */
		if (!ipi.level && ipi.trigger_level)
			ipi.delivery = VLAPIC_DM_INIT_DEASSERT;
		break;
	case DM_SMI:
	case DM_NMI:
	case DM_START:
		break;
	default:
		/* 011 is reserved and ExtINT is not an IPI mode: dropped. */
		return;
	}
	if (v->ops.send_ipi)
		v->ops.send_ipi(v->ops.ctx, &ipi);
}

bool vlapic_match_addr(const struct vlapic *t, uint32_t dest, bool logical, bool x2apic_dest)
{
	uint32_t ldr;

	if (!vlapic_enabled(t))
		return false;
	if (x2apic_dest ? dest == X2APIC_BROADCAST : dest == XAPIC_BROADCAST)
		return true; /* 11.6.2.1, 11.12.9: broadcast in either mode */
	if (vlapic_x2apic_mode(t)) {
		if (!x2apic_dest)
			return !logical && dest == t->hw_id;
		if (!logical)
			return dest == t->hw_id;
		/* 11.12.10.2: cluster in 31:16, member bitmap in 15:0. */
		ldr = x2apic_ldr(t->hw_id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF);
	}
	dest &= 0xFF;
	if (!logical)
		return dest == t->id >> APIC_ID_SHIFT; /* 11.6.2.1 */
	ldr = t->ldr >> APIC_ID_SHIFT;
	/* 11.6.2.2: flat = any common bit; cluster = same cluster, common bit. */
	if ((t->dfr & APIC_DFR_MODEL) == APIC_DFR_FLAT)
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xF);
}

bool vlapic_match_dest(const struct vlapic *t, const struct vlapic_ipi *ipi,
		       const struct vlapic *source)
{
	if (!vlapic_enabled(t))
		return false;
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return t == source;
	case VLAPIC_SH_ALL_INCL:
		return true;
	case VLAPIC_SH_ALL_EXCL:
		return t != source;
	default:
		return vlapic_match_addr(t, ipi->dest, ipi->logical, ipi->x2apic);
	}
}

/* ---------------------------------------------------------------------- */
/* LINT pins (11.5.1) */

enum vlapic_lint_event vlapic_set_lint(struct vlapic *v, unsigned pin, bool level)
{
	bool rising;
	uint32_t *lvt;

	if (pin > 1)
		return VLAPIC_LINT_NONE;
	rising = level && !v->lint_level[pin];
	v->lint_level[pin] = level;
	if (!vlapic_enabled(v)) {
		/* 11.4.3: without an APIC the pins are INTR and NMI. */
		if (pin == 0)
			return level ? VLAPIC_LINT_EXTINT : VLAPIC_LINT_NONE;
		return rising ? VLAPIC_LINT_NMI : VLAPIC_LINT_NONE;
	}
	lvt = &v->lvt[LVT_LINT0 + pin];
	if ((*lvt & LVT_MASKED) || !vlapic_sw_enabled(v))
		return VLAPIC_LINT_NONE;
	switch ((*lvt & LVT_DM_MASK) >> LVT_DM_SHIFT) {
	case DM_FIXED:
		if (*lvt & LVT_TRIGGER_LEVEL) {
			/* Level: once per assertion until the EOI. */
			if (!level || (*lvt & LVT_REMOTE_IRR))
				return VLAPIC_LINT_NONE;
			if (!accept(v, *lvt & LVT_VECTOR, true, false))
				return VLAPIC_LINT_NONE;
			*lvt |= LVT_REMOTE_IRR;
			return VLAPIC_LINT_FIXED;
		}
		if (!rising || !accept(v, *lvt & LVT_VECTOR, false, false))
			return VLAPIC_LINT_NONE;
		return VLAPIC_LINT_FIXED;
	case DM_NMI:
		return rising ? VLAPIC_LINT_NMI : VLAPIC_LINT_NONE;
	case DM_SMI:
		return rising ? VLAPIC_LINT_SMI : VLAPIC_LINT_NONE;
	case DM_INIT:
		return rising ? VLAPIC_LINT_INIT : VLAPIC_LINT_NONE;
	case DM_EXTINT:
		return level ? VLAPIC_LINT_EXTINT : VLAPIC_LINT_NONE;
	default:
		return VLAPIC_LINT_NONE;
	}
}

bool vlapic_extint_pending(const struct vlapic *v)
{
	if (!vlapic_enabled(v))
		return v->lint_level[0];
	if (!vlapic_sw_enabled(v))
		return false;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t lvt = v->lvt[LVT_LINT0 + pin];

		if (v->lint_level[pin] && !(lvt & LVT_MASKED) &&
		    ((lvt & LVT_DM_MASK) >> LVT_DM_SHIFT) == DM_EXTINT)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* The register file */

static bool is_lvt(unsigned reg)
{
	return reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR;
}

/*
 * Read register `reg` in the current mode. ICR is 64 bits in x2APIC mode;
 * everything else fits in 32.
 */
static int reg_read(struct vlapic *v, unsigned reg, uint64_t *val, uint64_t now)
{
	bool x2 = vlapic_x2apic_mode(v);

	*val = 0;
	if (reg >= REG_ISR0 && reg < REG_ISR0 + 8) {
		*val = v->isr[reg - REG_ISR0];
		return ACC_OK;
	}
	if (reg >= REG_TMR0 && reg < REG_TMR0 + 8) {
		*val = v->tmr[reg - REG_TMR0];
		return ACC_OK;
	}
	if (reg >= REG_IRR0 && reg < REG_IRR0 + 8) {
		*val = v->irr[reg - REG_IRR0];
		return ACC_OK;
	}
	if (is_lvt(reg)) {
		*val = v->lvt[reg - REG_LVT_TIMER];
		return ACC_OK;
	}
	switch (reg) {
	case REG_ID:
		*val = x2 ? v->hw_id : v->id;
		return ACC_OK;
	case REG_VERSION:
		*val = APIC_VERSION_REG;
		return ACC_OK;
	case REG_TPR:
		*val = v->tpr;
		return ACC_OK;
	case REG_APR:
		if (x2)
			return ACC_RESERVED;
		*val = apr(v);
		return ACC_OK;
	case REG_PPR:
		*val = vlapic_ppr(v);
		return ACC_OK;
	case REG_EOI:
		return ACC_DIRECTION;
	case REG_RRD:
		/* Remote read is gone; the register reads 0 (Table 11-1). */
		return x2 ? ACC_RESERVED : ACC_OK;
	case REG_LDR:
		*val = x2 ? x2apic_ldr(v->hw_id) : v->ldr;
		return ACC_OK;
	case REG_DFR:
		if (x2)
			return ACC_RESERVED;
		*val = v->dfr;
		return ACC_OK;
	case REG_SVR:
		*val = v->svr;
		return ACC_OK;
	case REG_ESR:
		*val = v->esr;
		return ACC_OK;
	case REG_ICR:
		/* Delivery status is always idle: delivery is instant. */
		*val = v->icr_lo;
		if (x2)
			*val |= (uint64_t)v->icr_hi << 32;
		return ACC_OK;
	case REG_ICR2:
		if (x2)
			return ACC_RESERVED;
		*val = v->icr_hi;
		return ACC_OK;
	case REG_TIMER_ICR:
		*val = v->timer_icr;
		return ACC_OK;
	case REG_TIMER_CCR:
		*val = vlapic_timer_current(v, now);
		return ACC_OK;
	case REG_TIMER_DCR:
		*val = v->timer_dcr;
		return ACC_OK;
	case REG_SELF_IPI:
		return x2 ? ACC_DIRECTION : ACC_RESERVED;
	default:
		return ACC_RESERVED;
	}
}

/* In x2APIC mode, bits outside `defined` must be zero (11.12.1.2). */
static int check_bits(bool x2, uint64_t val, uint64_t defined)
{
	return x2 && (val & ~defined) ? ACC_RSVD_BITS : ACC_OK;
}

static int write_lvt(struct vlapic *v, unsigned idx, uint64_t val, bool x2)
{
	uint32_t old = v->lvt[idx], w = lvt_writable[idx], nv;
	unsigned old_mode, new_mode;
	int err = check_bits(x2, val, w | lvt_readonly[idx]);

	if (err)
		return err;
	nv = (old & ~w) | ((uint32_t)val & w);
	if (idx == LVT_TIMER) {
		new_mode = (nv & LVT_TIMER_MODE) >> LVT_TIMER_SHIFT;
		if (new_mode == TIMER_MODE_RSVD) {
			/* Reserved: #GP in x2APIC mode, mode unchanged in xAPIC. */
			if (x2)
				return ACC_RSVD_BITS;
			nv = (nv & ~LVT_TIMER_MODE) | (old & LVT_TIMER_MODE);
			new_mode = (nv & LVT_TIMER_MODE) >> LVT_TIMER_SHIFT;
		}
		old_mode = (old & LVT_TIMER_MODE) >> LVT_TIMER_SHIFT;
		/*
		 * 11.5.4.1: moving into or out of TSC-deadline mode disarms
		 * the timer (the initial count and the deadline are cleared).
		 * Between one-shot and periodic the count keeps running and
		 * the new mode applies when it reaches 0, as hardware does.
		 */
		if ((old_mode == TIMER_TSC_DEADLINE) != (new_mode == TIMER_TSC_DEADLINE)) {
			timer_stop(v);
			v->timer_icr = 0;
		}
	}
	/* 11.4.7.2: while software-disabled, the mask bits stay set. */
	if (!vlapic_sw_enabled(v))
		nv |= LVT_MASKED;
	v->lvt[idx] = nv;
	return ACC_OK;
}

static int write_svr(struct vlapic *v, uint64_t val, bool x2)
{
	int err = check_bits(x2, val, APIC_SVR_MASK);

	if (err)
		return err;
	v->svr = (uint32_t)val & APIC_SVR_MASK;
	/* 11.4.7.2: software disable sets every LVT mask bit. */
	if (!(v->svr & APIC_SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			v->lvt[i] |= LVT_MASKED;
	return ACC_OK;
}

static int reg_write(struct vlapic *v, unsigned reg, uint64_t val, uint64_t now)
{
	bool x2 = vlapic_x2apic_mode(v);
	int err;

	/* Only the ICR is 64 bits wide in x2APIC mode. */
	if (x2 && reg != REG_ICR && (val >> 32))
		return ACC_RSVD_BITS;
	if (is_lvt(reg))
		return write_lvt(v, reg - REG_LVT_TIMER, val, x2);
	switch (reg) {
	case REG_ID:
		/* Writable in xAPIC mode (11.4.6), read-only in x2APIC. */
		if (x2)
			return ACC_DIRECTION;
		v->id = (uint32_t)val & APIC_ID_MASK;
		return ACC_OK;
	case REG_TPR:
		if ((err = check_bits(x2, val, APIC_TPR_MASK)))
			return err;
		v->tpr = (uint32_t)val & APIC_TPR_MASK;
		return ACC_OK;
	case REG_EOI:
		/* 11.12.1.2: a non-zero EOI write is #GP in x2APIC mode. */
		if ((err = check_bits(x2, val, 0)))
			return err;
		do_eoi(v);
		return ACC_OK;
	case REG_LDR:
		if (x2)
			return ACC_DIRECTION; /* 11.12.10.2: read-only, derived */
		v->ldr = (uint32_t)val & APIC_ID_MASK;
		return ACC_OK;
	case REG_DFR:
		if (x2)
			return ACC_RESERVED;
		v->dfr = ((uint32_t)val & APIC_DFR_MODEL) | APIC_DFR_RSVD_1S;
		return ACC_OK;
	case REG_SVR:
		return write_svr(v, val, x2);
	case REG_ESR:
		/* 11.5.3: a write latches the errors seen since the last one. */
		if ((err = check_bits(x2, val, 0)))
			return err;
		v->esr = v->esr_pending;
		v->esr_pending = 0;
		return ACC_OK;
	case REG_ICR:
		if (x2) {
			/* 11.12.9: one write, destination in 63:32. */
			if ((err = check_bits(x2, val,
					      0xFFFFFFFF00000000ull | ICR_LO_WRITABLE | ICR_BUSY)))
				return err;
			v->icr_hi = (uint32_t)(val >> 32);
			v->icr_lo = (uint32_t)val & ICR_LO_WRITABLE;
			send_ipi(v, v->icr_lo, v->icr_hi, true);
		} else {
			/* 11.6.1: writing the low half sends. */
			v->icr_lo = (uint32_t)val & ICR_LO_WRITABLE;
			send_ipi(v, v->icr_lo, v->icr_hi >> APIC_ID_SHIFT, false);
		}
		return ACC_OK;
	case REG_ICR2:
		if (x2)
			return ACC_RESERVED;
		v->icr_hi = (uint32_t)val & ICR2_DEST_MASK;
		return ACC_OK;
	case REG_TIMER_ICR:
		timer_start(v, (uint32_t)val, now);
		return ACC_OK;
	case REG_TIMER_DCR:
		if ((err = check_bits(x2, val, DCR_MASK)))
			return err;
		timer_set_divide(v, (uint32_t)val, now);
		return ACC_OK;
	case REG_SELF_IPI:
		if (!x2)
			return ACC_RESERVED;
		if ((err = check_bits(x2, val, SELF_IPI_VECTOR)))
			return err;
		/* 11.12.11: same as a fixed, edge, self-shorthand ICR write. */
		send_ipi(v, ((uint32_t)val & SELF_IPI_VECTOR) | (VLAPIC_SH_SELF << ICR_SH_SHIFT),
			 v->hw_id, true);
		return ACC_OK;
	case REG_VERSION:
	case REG_PPR:
	case REG_ISR0 ... REG_IRR0 + 7:
	case REG_TIMER_CCR:
		return ACC_DIRECTION;
	case REG_APR:
	case REG_RRD:
		return x2 ? ACC_RESERVED : ACC_DIRECTION;
	default:
		return ACC_RESERVED;
	}
}

/* ---------------------------------------------------------------------- */
/* Interfaces */

#define MMIO_REG_BYTES 4  /* a register is the first 4 bytes of its slot */
#define MMIO_SLOT      16 /* registers are 16-byte aligned (11.4.1) */

int vlapic_mmio_read(struct vlapic *v, uint32_t offset, unsigned size, uint64_t *val,
		     uint64_t now_ns)
{
	uint64_t out = 0;

	*val = 0;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (offset >= VLAPIC_MMIO_SIZE || size > VLAPIC_MMIO_SIZE - offset)
		return -EINVAL;
	if (!vlapic_enabled(v) || vlapic_x2apic_mode(v))
		return -ENODEV;
	vlapic_advance(v, now_ns);
	/* Byte by byte: each byte comes from the register it lies in. */
	for (unsigned i = 0; i < size; i++) {
		uint32_t off = offset + i;
		uint64_t reg = 0;
		int err;

		if (off % MMIO_SLOT >= MMIO_REG_BYTES)
			continue;
		err = reg_read(v, off / MMIO_SLOT, &reg, now_ns);
		if (err == ACC_RESERVED)
			set_error(v, ESR_ILLEGAL_REG, false);
		if (err)
			reg = 0;
		out |= ((reg >> (8 * (off % MMIO_SLOT))) & 0xFF) << (8 * i);
	}
	*val = out;
	return 0;
}

int vlapic_mmio_write(struct vlapic *v, uint32_t offset, unsigned size, uint64_t val,
		      uint64_t now_ns)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (offset >= VLAPIC_MMIO_SIZE || size > VLAPIC_MMIO_SIZE - offset)
		return -EINVAL;
	if (!vlapic_enabled(v) || vlapic_x2apic_mode(v))
		return -ENODEV;
	vlapic_advance(v, now_ns);
	/* Only aligned 32-bit stores are architectural (11.4.1). */
	if (size != MMIO_REG_BYTES || offset % MMIO_SLOT)
		return 0;
	if (reg_write(v, offset / MMIO_SLOT, (uint32_t)val, now_ns) == ACC_RESERVED)
		set_error(v, ESR_ILLEGAL_REG, false);
	return 0;
}

static int msr_reg(const struct vlapic *v, uint32_t msr, unsigned *reg)
{
	if (msr < VLAPIC_MSR_X2APIC_LO || msr > VLAPIC_MSR_X2APIC_HI)
		return -EINVAL;
	/* 11.12.1.2: x2APIC MSRs #GP unless the APIC is in x2APIC mode. */
	if (!vlapic_x2apic_mode(v))
		return -EINVAL;
	/* MSRs 0x840-0x8FF are reserved. */
	*reg = msr - VLAPIC_MSR_X2APIC_LO;
	return *reg < REG_COUNT ? 0 : -EINVAL;
}

int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val, uint64_t now_ns)
{
	unsigned reg;

	*val = 0;
	if (msr_reg(v, msr, &reg))
		return -EINVAL;
	vlapic_advance(v, now_ns);
	return reg_read(v, reg, val, now_ns) ? -EINVAL : 0;
}

int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val, uint64_t now_ns)
{
	unsigned reg;

	if (msr_reg(v, msr, &reg))
		return -EINVAL;
	vlapic_advance(v, now_ns);
	return reg_write(v, reg, val, now_ns) ? -EINVAL : 0;
}
