/* SPDX-License-Identifier: MIT */
/*
 * A virtual I/O APIC with 24 input pins.
 *
 * References: Intel 82093AA I/O APIC datasheet (order no. 290566), cited by
 * section; the I/O APIC chapter of the Intel ICH datasheets (e.g. ICH9,
 * 13.5) for the version 0x20 additions.
 *
 * Version: 0x20, the I/O APIC of the PIIX4/ICH family that QEMU's q35 also
 * reports. It adds the EOI register at offset 0x40, which Linux uses to
 * clear a level-triggered pin's remote IRR when the version is >= 0x20
 * (for older versions it flips the pin to edge and back, which works here
 * too). The 82093AA ARB register (index 0x02) is kept as well.
 *
 * MMIO window (base 0xFEC00000 in the partition, VIOAPIC_MMIO_SIZE long):
 *   0x00 IOREGSEL  index of the register IOWIN reaches (bits 7:0)
 *   0x10 IOWIN     the selected register
 *   0x40 EOI       write a vector: as a local APIC EOI broadcast for it
 * Indirect registers: 0x00 ID, 0x01 VER, 0x02 ARB, 0x10 + 2n / 0x11 + 2n
 * the low / high half of redirection entry n.
 *
 * Only aligned 32-bit accesses to these three registers are architectural
 * (82093AA 3.1 defines IOREGSEL and IOWIN as 32-bit registers on 16-byte
 * boundaries; the ICH's EOI register is 32-bit too).
 * Any other access inside the window (another size, a misaligned offset,
 * an offset with no register) is ignored if a write, reads as all ones of
 * the access size, and is counted in stats.bad_access. Reads of
 * unimplemented indirect registers (index 0x03-0x0F, 0x40-0xFF) return 0
 * and writes to them or to VER/ARB are ignored.
 *
 * Pins and polarity. vioapic_set_irq() takes the electrical level of the
 * pin; an entry programmed active low (polarity = 1) sees the pin as
 * asserted when it is low (82093AA 3.2.4, bit 13). The platform code
 * that wires a device to a pin passes the level that matches the polarity
 * the partition's ACPI tables declare for it (an active-low pin idles
 * high). Changing the polarity of an entry is not an edge.
 *
 * Triggering (82093AA 3.2.4, bits 14-16):
 * - Edge: a rising edge of the asserted state delivers one message if the
 *   entry is unmasked. An edge that arrives while the entry is masked is
 *   lost (the 82093AA has no IRR for edge pins); it is counted in
 *   stats.masked_edges. Unmasking never delivers by itself.
 * - Level: while the pin is asserted, unmasked and remote IRR is clear,
 *   a message is delivered and remote IRR set. An EOI for the entry's vector
 *   (vioapic_eoi(), or the EOI register) clears remote IRR and delivers
 *   again if the pin is still asserted. Unmasking an asserted pin with
 *   remote IRR clear delivers. Writing the entry as edge triggered clears
 *   remote IRR (its meaning is undefined for edge pins).
 * - SMI, NMI, INIT and ExtINT messages are always edge: the datasheet
 *   requires edge for them and they are never EOI'd by vector, so a level
 *   entry of that kind would stay blocked forever.
 *
 * Delivery is synchronous: the deliver callback hands the message to the
 * local APIC model within the call, so delivery status (bit 12) always
 * reads 0. If the callback fails (returns < 0), remote IRR stays clear and
 * stats.deliver_failed counts it; a level pin is retried at its next
 * assertion, EOI or entry write.
 *
 * Destination: 8-bit APIC ID or logical destination (bits 63:56). The ICH's
 * extended destination ID (bits 55:48) is not implemented and reads 0, as
 * do all other reserved bits.
 *
 * Reset state: ID from vioapic_init(), every entry masked (bit 16 set, all
 * other bits 0), all pins low.
 *
 * A pure state machine: the caller serializes every call (no locks here).
 * The deliver callback must not call back into this vioapic.
 */
#ifndef VDEV_VIOAPIC_H
#define VDEV_VIOAPIC_H

#include "lib/compiler.h"

#define VIOAPIC_DEFAULT_BASE 0xFEC00000ull
#define VIOAPIC_MMIO_SIZE    0x1000
#define VIOAPIC_NUM_PINS     24
#define VIOAPIC_VERSION	     0x20

/* MMIO offsets. */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN	 0x10
#define VIOAPIC_EOI	 0x40

/* Indirect register indices (82093AA 3.2). */
#define VIOAPIC_REG_ID	  0x00
#define VIOAPIC_REG_VER	  0x01
#define VIOAPIC_REG_ARB	  0x02
#define VIOAPIC_REG_REDIR 0x10 /* + 2 * pin (low), + 2 * pin + 1 (high) */

/* Redirection entry fields (82093AA 3.2.4). */
#define VIOAPIC_RTE_VECTOR	  0xFFull
#define VIOAPIC_RTE_DELMODE_SHIFT 8
#define VIOAPIC_RTE_DELMODE	  (7ull << 8)
#define VIOAPIC_RTE_DESTMODE	  (1ull << 11) /* 1 = logical */
#define VIOAPIC_RTE_DELIVS	  (1ull << 12) /* delivery status, read only */
#define VIOAPIC_RTE_POLARITY	  (1ull << 13) /* 1 = active low */
#define VIOAPIC_RTE_REMOTE_IRR	  (1ull << 14) /* read only */
#define VIOAPIC_RTE_LEVEL	  (1ull << 15) /* trigger mode: 1 = level */
#define VIOAPIC_RTE_MASK	  (1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT	  56
#define VIOAPIC_RTE_DEST	  (0xFFull << 56)

/* Delivery modes (bits 10:8). */
#define VIOAPIC_DM_FIXED  0
#define VIOAPIC_DM_LOWPRI 1
#define VIOAPIC_DM_SMI	  2
#define VIOAPIC_DM_NMI	  4
#define VIOAPIC_DM_INIT	  5
#define VIOAPIC_DM_EXTINT 7

/* One interrupt message, as the I/O APIC sends it to the local APICs. */
struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery_mode; /* VIOAPIC_DM_* */
	bool logical;	       /* destination mode */
	uint8_t dest;	       /* APIC ID or logical destination */
	bool level;	       /* level triggered: the target must EOI it */
};

struct vioapic_ops {
	/* Deliver msg; returns 0 if accepted, < 0 if not. */
	int (*deliver)(void *ctx, const struct vioapic_msg *msg);
	void *ctx;
};

struct vioapic_stats {
	uint64_t delivered;	 /* messages accepted by deliver */
	uint64_t deliver_failed; /* messages deliver refused */
	uint64_t masked_edges;	 /* edges lost on masked pins */
	uint64_t bad_access;	 /* non-architectural MMIO accesses */
};

struct vioapic {
	uint64_t redir[VIOAPIC_NUM_PINS];
	uint32_t pins;	  /* electrical level of each pin */
	uint8_t id;	  /* 4-bit I/O APIC ID */
	uint8_t ioregsel; /* IOREGSEL */
	struct vioapic_ops ops;
	struct vioapic_stats stats;
};

/*
 * Reset to the state above with I/O APIC ID id (bits 3:0 used). ops (may be
 * NULL: messages are then refused) is copied. Called by the platform code
 * when the partition is built or reset.
 */
void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops);

/*
 * Guest access of size bytes (1, 2, 4 or 8) at offset from the window's
 * base. Return 0 (including for non-architectural accesses, see above),
 * -ENOENT if offset is outside the window, -EINVAL for another size. Called
 * by the MMIO exit dispatcher.
 */
int vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t *val);
int vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t val);

/* Drive pin (0-23; others ignored) to electrical level (true = high). */
void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool level);

/*
 * A local APIC's EOI broadcast for vector: every level-triggered entry with
 * that vector and remote IRR set has it cleared and redelivers if its pin
 * is still asserted. Called by the local APIC model on EOI of a
 * level-triggered interrupt.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
