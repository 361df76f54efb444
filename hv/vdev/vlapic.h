/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC: one per vCPU, in xAPIC mode (a 4 KiB MMIO page)
 * or x2APIC mode (MSRs 0x800-0x8FF). Intel SDM vol. 3A, chapter 11
 * ("Advanced Programmable Interrupt Controller"); AMD APM vol. 2, chapter 16
 * ("Advanced Programmable Interrupt Controller").
 *
 * A pure state machine with explicit time: every entry point that can move
 * the timer takes now_ns, the guest's time in nanoseconds (monotonic, never
 * going backwards). The hypervisor arms its real per-CPU timer for
 * vlapic_next_event() and calls vlapic_advance() when it fires; it injects
 * what vlapic_pending() returns and then calls vlapic_ack().
 *
 * Concurrency: none inside. The caller serializes every call on one vlapic
 * (the owning vCPU's exit path, or another CPU holding that vCPU's lock for
 * vlapic_accept()). Callbacks run synchronously from the call that caused
 * them, with the vlapic already in a consistent state, so a send_ipi
 * callback may call vlapic_accept() on the sending vlapic itself (a
 * self-IPI); it must not call vlapic_mmio_write/vlapic_msr_write on it.
 *
 * Choices (documented once here, with the reasons in vlapic.c):
 *  - Version register 0x00050014: an integrated APIC (0x14), max LVT entry 5
 *    (timer, thermal, perf, LINT0, LINT1, error; no CMCI), no directed-EOI
 *    support (bit 24 clear, so SVR bit 12 is reserved).
 *  - Timer clock: a 1 GHz bus (1 tick = 1 ns before the divider), as in QEMU
 *    and KVM, so counts convert to ns exactly without division.
 *  - Late periodic timers coalesce: one interrupt however many periods were
 *    missed, next deadline stays on the original grid (no drift), and at most
 *    one periodic interrupt per VLAPIC_TIMER_MIN_PERIOD_NS of guest time.
 *  - Lowest-priority IPIs and messages: routed by the hypervisor to the
 *    first matching target, as fixed (SDM 11.6.2.4 lets the chipset choose).
 *  - Focus processor checking, spurious-interrupt delivery on a TPR race and
 *    remote read are not modelled (no bus arbitration exists here).
 *  - LINT0/LINT1: fixed, NMI, SMI, INIT and ExtINT deliveries, see
 *    vlapic_set_lint(). With the APIC globally disabled they act as the
 *    processor's INTR and NMI pins (virtual wire).
 */
#ifndef VDEV_VLAPIC_H
#define VDEV_VLAPIC_H

#include "lib/compiler.h"

/* Architectural constants the hypervisor also needs. */
#define VLAPIC_DEFAULT_BASE	   0xFEE00000ull /* SDM 11.4.1 */
#define VLAPIC_MMIO_SIZE	   0x1000u
#define VLAPIC_MSR_APIC_BASE	   0x1Bu  /* IA32_APIC_BASE */
#define VLAPIC_MSR_X2APIC_LO	   0x800u /* SDM 11.12.1.2, Table 11-6 */
#define VLAPIC_MSR_X2APIC_HI	   0x8FFu
#define VLAPIC_BASE_BSP		   (1ull << 8)
#define VLAPIC_BASE_EXTD	   (1ull << 10)
#define VLAPIC_BASE_EN		   (1ull << 11)
#define VLAPIC_BUS_HZ		   1000000000ull /* timer input before the divider */
#define VLAPIC_TIMER_MIN_PERIOD_NS 50000ull	 /* periodic rate cap: 20 kHz */
#define VLAPIC_NO_EVENT		   UINT64_MAX

/* ICR delivery modes (SDM 11.6.1, Figure 11-12), as passed in vlapic_ipi. */
enum vlapic_delivery {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_SMI = 2,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_STARTUP = 6,
	/*
	 * INIT with level = 0 and trigger = level: "INIT level de-assert",
	 * which only resynchronizes arbitration IDs (SDM 11.6.1). Reported
	 * separately so that the hypervisor never resets a vCPU for it.
	 */
	VLAPIC_DM_INIT_DEASSERT = 8,
};

/* ICR destination shorthand, bits 19:18 (SDM 11.6.1). */
enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL_INCL = 2,
	VLAPIC_SH_ALL_EXCL = 3,
};

/* One interprocessor interrupt message, decoded from the ICR. */
struct vlapic_ipi {
	uint32_t dest;	    /* 8-bit (xAPIC) or 32-bit (x2APIC) destination */
	uint32_t source_id; /* sender's APIC id (x2APIC id in x2APIC mode) */
	uint8_t vector;	    /* STARTUP: the page number of the start address */
	uint8_t delivery;   /* enum vlapic_delivery */
	uint8_t shorthand;  /* enum vlapic_shorthand */
	bool logical;	    /* destination mode, ICR bit 11 */
	bool level;	    /* ICR bit 14: assert (1) or de-assert (0) */
	bool trigger_level; /* ICR bit 15: level (1) or edge (0) */
	bool x2apic;	    /* dest is an x2APIC (32-bit) destination */
};

/* What the vlapic asks of the hypervisor. Every pointer may be NULL. */
struct vlapic_ops {
	/*
	 * Deliver an IPI written to the ICR or SELF_IPI. The hypervisor finds
	 * the targets with vlapic_match_dest() and, per delivery mode, calls
	 * vlapic_accept() (fixed, lowest priority: first match), injects an
	 * NMI, resets (INIT) or starts (STARTUP) a vCPU, ignores SMI and
	 * INIT_DEASSERT. The return value is ignored (no bus to report to).
	 */
	int (*send_ipi)(void *ctx, const struct vlapic_ipi *ipi);
	/*
	 * EOI of a level-triggered vector (its TMR bit was set): the IO-APIC
	 * clears Remote IRR for the entries with that vector (SDM 11.8.5).
	 */
	void (*eoi)(void *ctx, uint8_t vector);
	void *ctx;
};

struct vlapic_config {
	struct vlapic_ops ops;
	bool x2apic;		/* guest may enter x2APIC mode (CPUID.1:ECX[21]) */
	uint8_t phys_addr_bits; /* MAXPHYADDR for IA32_APIC_BASE; 0 = 36 */
};

#define VLAPIC_LVT_COUNT 6 /* timer, thermal, perf, LINT0, LINT1, error */

/* The state of one local APIC. Opaque to callers: use the functions. */
struct vlapic {
	struct vlapic_ops ops;
	bool x2apic_ok;
	uint8_t phys_bits;

	uint32_t hw_id; /* initial APIC id = x2APIC id = vCPU id */
	uint64_t base;	/* IA32_APIC_BASE */
	uint32_t id;	/* xAPIC ID register (id in bits 31:24) */
	uint32_t tpr;
	uint32_t ldr; /* xAPIC LDR; derived in x2APIC mode */
	uint32_t dfr;
	uint32_t svr;
	uint32_t esr;	      /* what the guest reads */
	uint32_t esr_pending; /* errors seen since the last ESR write */
	uint32_t icr_lo;
	uint32_t icr_hi; /* xAPIC: destination in 31:24; x2APIC: 32 bits */
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t timer_icr; /* initial count */
	uint32_t timer_dcr; /* divide configuration */

	bool timer_armed;	  /* one-shot/periodic counting */
	uint64_t timer_deadline;  /* ns when the count next reaches 0 */
	uint64_t timer_period;	  /* initial count x divider, in ns */
	uint64_t timer_last_fire; /* ns of the last periodic interrupt */
	bool timer_fired_once;
	uint64_t tsc_deadline;	  /* TSC-deadline mode: ns, 0 = disarmed */
	uint64_t timer_coalesced; /* periodic expiries merged (statistics) */

	bool lint_level[2]; /* the LINT0/LINT1 input lines */
};

/*
 * Install callbacks and options and put the APIC in its power-up state for
 * APIC id `id` (vlapic_reset). Call once when the vCPU is created.
 */
void vlapic_setup(struct vlapic *v, const struct vlapic_config *cfg, uint32_t id, bool bsp);

/*
 * RESET (power-up) state, SDM 11.4.7.1 and 11.12.5.1: APIC_BASE =
 * 0xFEE00000 | EN | (bsp ? BSP : 0) in xAPIC mode, APIC id = `id` (also the
 * x2APIC id), every other register at its reset value, timer stopped.
 * Keeps the callbacks. Callable at any time by the vCPU's owner.
 */
void vlapic_reset(struct vlapic *v, uint32_t id, bool bsp);

/*
 * INIT (an INIT IPI or INIT signal), SDM 11.4.7.3 and 11.12.5.1: like RESET
 * but keeps the APIC id (all 32 bits, or the xAPIC id as last written) and
 * IA32_APIC_BASE, so the mode (disabled, xAPIC, x2APIC) survives.
 */
void vlapic_init_reset(struct vlapic *v);

/* IA32_APIC_BASE as the guest reads it. */
uint64_t vlapic_get_base(const struct vlapic *v);

/*
 * WRMSR IA32_APIC_BASE. Reserved bits, EXTD without x2APIC support, and the
 * invalid transitions of SDM 11.12.5 (to EN=0/EXTD=1, x2APIC -> xAPIC,
 * disabled -> x2APIC) return -EINVAL: the caller injects #GP. The BSP flag
 * is not writable (kept as reset set it). Disabling resets every register
 * but the ids. The MMIO page moves with the base: re-read
 * vlapic_mmio_base() afterwards. 0 on success.
 */
int vlapic_set_base(struct vlapic *v, uint64_t value);

/* Mode queries. */
bool vlapic_enabled(const struct vlapic *v); /* IA32_APIC_BASE.EN */
bool vlapic_x2apic_mode(const struct vlapic *v);
bool vlapic_sw_enabled(const struct vlapic *v); /* EN and SVR bit 8 */
/* Guest-physical address of the MMIO page (meaningful in xAPIC mode). */
uint64_t vlapic_mmio_base(const struct vlapic *v);
/* The APIC id the guest sees now (8-bit xAPIC id or 32-bit x2APIC id). */
uint32_t vlapic_id(const struct vlapic *v);

/*
 * xAPIC MMIO access at `offset` (0..0xFFF) in the page, size 1, 2, 4 or 8.
 * Only aligned 32-bit accesses to a register's first 4 bytes are
 * architectural (SDM 11.4.1). Defined here: reads of any size return the
 * register bytes they cover (bytes 4..15 of each 16-byte slot read 0);
 * writes that are not aligned 32-bit accesses at a slot start are ignored.
 * Reserved registers read 0, ignore writes and set ESR bit 7 (illegal
 * register address). -ENODEV if the page is not decoded (APIC disabled or
 * in x2APIC mode: the caller treats the access as unclaimed), -EINVAL for a
 * bad offset or size (a caller bug), else 0.
 */
int vlapic_mmio_read(struct vlapic *v, uint32_t offset, unsigned size, uint64_t *val,
		     uint64_t now_ns);
int vlapic_mmio_write(struct vlapic *v, uint32_t offset, unsigned size, uint64_t val,
		      uint64_t now_ns);

/*
 * RDMSR/WRMSR of an x2APIC register, msr in 0x800..0x8FF (SDM 11.12.1.2).
 * -EINVAL means #GP: not in x2APIC mode, reserved register, read of a
 * write-only register (EOI, SELF_IPI), write of a read-only one, non-zero
 * reserved bits (including bits 63:32 of all but the ICR), non-zero EOI or
 * ESR data. The ICR is one 64-bit MSR (0x830); ICR2, DFR, APR and RRD do
 * not exist; LDR is read-only.
 */
int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val, uint64_t now_ns);
int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val, uint64_t now_ns);

/*
 * IA32_TSC_DEADLINE, already converted to guest ns by the hypervisor (which
 * also sets CPUID.1:ECX[24]). Only has an effect in TSC-deadline mode (SDM
 * 11.5.4.1); 0 disarms; a deadline in the past fires at the next
 * vlapic_advance(). get returns the armed deadline, 0 when disarmed or
 * after it fired, or when not in TSC-deadline mode.
 */
void vlapic_set_tsc_deadline(struct vlapic *v, uint64_t deadline_ns);
uint64_t vlapic_get_tsc_deadline(const struct vlapic *v);

/*
 * Guest time of the next timer interrupt, or VLAPIC_NO_EVENT. No event is
 * reported while the timer LVT is masked (the count still runs and reads
 * correctly, and no interrupt is lost that a real APIC would deliver).
 * Re-read after every call that may touch the timer.
 */
uint64_t vlapic_next_event(const struct vlapic *v);

/* Run the timer up to now_ns: expiries up to now set the timer vector. */
void vlapic_advance(struct vlapic *v, uint64_t now_ns);

/*
 * Accept a fixed (or lowest-priority) interrupt: set IRR, and TMR for level
 * triggered, clear TMR for edge (SDM 11.8.4). Vectors 0-15 are illegal:
 * they set ESR bit 6 and are not accepted. An APIC that is disabled
 * (globally or by software, SDM 11.4.7.2) does not accept either. True if
 * the vector is now pending in IRR.
 */
bool vlapic_accept(struct vlapic *v, uint8_t vector, bool level_trigger);

/*
 * The vector the vCPU should take now: the highest IRR vector whose
 * priority class (bits 7:4) is above PPR's (SDM 11.8.3.1), or -1.
 */
int vlapic_pending(const struct vlapic *v);

/* The vCPU took `vector` (as returned by vlapic_pending): IRR -> ISR. */
void vlapic_ack(struct vlapic *v, uint8_t vector);

/* Processor priority (SDM 11.8.3.1), as the PPR register reads. */
uint32_t vlapic_ppr(const struct vlapic *v);

/*
 * Does `target` accept `ipi` sent by `source` (SDM 11.6.2)? Shorthands are
 * resolved against source (NULL: no sender, as for IO-APIC or MSI
 * messages, where shorthand must be NONE). A globally disabled target
 * accepts nothing.
 */
bool vlapic_match_dest(const struct vlapic *target, const struct vlapic_ipi *ipi,
		       const struct vlapic *source);

/*
 * Address matching alone: physical (with broadcast 0xFF, or 0xFFFFFFFF for
 * an x2APIC destination) or logical (flat or cluster xAPIC, x2APIC
 * cluster). x2apic_dest says the destination is 32-bit. An 8-bit
 * destination against an x2APIC target (IO-APIC or MSI without interrupt
 * remapping) matches physically by id, with 0xFF as broadcast; in logical
 * mode it matches only the 0xFF broadcast.
 */
bool vlapic_match_addr(const struct vlapic *target, uint32_t dest, bool logical, bool x2apic_dest);

/* What a LINT pin transition asks of the hypervisor. */
enum vlapic_lint_event {
	VLAPIC_LINT_NONE = 0,
	VLAPIC_LINT_FIXED,  /* a vector was accepted into IRR */
	VLAPIC_LINT_NMI,    /* inject an NMI */
	VLAPIC_LINT_SMI,    /* ignored by Bulkhead, reported for counting */
	VLAPIC_LINT_INIT,   /* INIT the vCPU */
	VLAPIC_LINT_EXTINT, /* ask the PIC for the vector (INTA cycle) */
};

/*
 * Drive input pin LINT0 (pin 0) or LINT1 (pin 1) to `level` (true =
 * asserted, after polarity). Per the pin's LVT entry (SDM 11.5.1): masked
 * or software-disabled -> nothing; NMI, SMI, INIT and edge-triggered fixed
 * act on the rising edge; level-triggered fixed sets Remote IRR and fires
 * again after EOI if still asserted; ExtINT is reported while asserted.
 * Globally disabled: LINT0 is INTR (EXTINT), LINT1 is NMI (SDM 11.4.3).
 */
enum vlapic_lint_event vlapic_set_lint(struct vlapic *v, unsigned pin, bool level);

/* An ExtINT source (LINT0/1 in ExtINT mode, or virtual wire) is asserted. */
bool vlapic_extint_pending(const struct vlapic *v);

/* The current-count register at now_ns (0 in TSC-deadline mode). */
uint32_t vlapic_timer_current(const struct vlapic *v, uint64_t now_ns);

#endif
