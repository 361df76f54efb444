/* SPDX-License-Identifier: MIT */
/*
 * The PC's pair of cascaded 8259A programmable interrupt controllers, with
 * the PIIX/ICH edge/level control registers (ELCR).
 *
 *   master: command 0x20, data 0x21, IRQ 0-7,  slave on IR2
 *   slave:  command 0xA0, data 0xA1, IRQ 8-15, INT wired to master IR2
 *   ELCR:   0x4D0 (IRQ 0-7), 0x4D1 (IRQ 8-15)
 *
 * References: Intel 8259A Programmable Interrupt Controller datasheet
 * (order no. 231468), cited below by section title; Intel 82371AB PIIX4
 * datasheet, 4.1.10 (ELCR1/ELCR2), and the ICH datasheets' 8259
 * "Edge/Level Triggered" registers, which are the same.
 *
 * A pure state machine: the caller serializes every call (no locks here),
 * feeds it port accesses and device lines, and is told through an irq_sink
 * when the master's INTR output changes. The vCPU's interrupt delivery then
 * runs the INTA cycle with vpic_ack().
 *
 * Reset state (vpic_init). A partition has no BIOS, so the controllers come
 * up as a PC BIOS leaves them rather than in the chip's power-on state
 * (which the datasheet leaves undefined until ICW1): both initialized with
 * ICW1 = 0x11 (edge, cascade, ICW4 follows), ICW2 = 0x08 / 0x70 (the
 * real-mode BIOS vectors), ICW3 = 0x04 / 0x02, ICW4 = 0x01 (8086 mode,
 * normal EOI), reading IRR, priority IR0 highest. Unlike SeaBIOS, which
 * unmasks the cascade IRQ2 and the IRQs it services, every IRQ is masked
 * (IMR 0xFF on both), so nothing fires before the OS has set its own
 * vectors: any OS reprograms the PICs (Linux: ICW1-4 with vectors 0x30/0x38)
 * before it unmasks a line. ELCR is 0 (all edge), the PIIX reset value; the
 * platform code sets the ELCR bits of level-triggered (PCI) lines by writing
 * ports 0x4D0/0x4D1, as a BIOS does, to match the partition's ACPI tables.
 */
#ifndef VDEV_VPIC_H
#define VDEV_VPIC_H

#include "lib/compiler.h"
#include "vdev/irq.h"

#define VPIC_MASTER_CMD	 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD	 0xA0
#define VPIC_SLAVE_DATA	 0xA1
#define VPIC_ELCR_MASTER 0x4D0
#define VPIC_ELCR_SLAVE	 0x4D1

#define VPIC_NUM_IRQS	 16
#define VPIC_CASCADE_IRQ 2 /* master IR2 carries the slave's INT */

/* Vector bases a PC BIOS programs (real-mode IVT slots 08h and 70h). */
#define VPIC_BIOS_MASTER_BASE 0x08
#define VPIC_BIOS_SLAVE_BASE  0x70

/* One 8259A. Bit n of each 8-bit register is input IRn. */
struct vpic_chip {
	uint8_t irr;	     /* interrupt request register */
	uint8_t isr;	     /* in-service register */
	uint8_t imr;	     /* interrupt mask register (OCW1) */
	uint8_t lines;	     /* current level of the IR inputs (edge detection) */
	uint8_t elcr;	     /* PIIX ELCR: 1 = level triggered */
	uint8_t elcr_mask;   /* ELCR bits that exist (the others read 0) */
	uint8_t vector_base; /* ICW2 T7-T3 */
	uint8_t icw3;	     /* master: IRs with a slave; slave: its ID */
	uint8_t lowest;	     /* IR with the lowest priority (rotation) */
	uint8_t init_step;   /* 0 = ready, else the next ICW expected (2-4) */
	bool icw4_needed;    /* ICW1 IC4 */
	bool single;	     /* ICW1 SNGL */
	bool ltim;	     /* ICW1 LTIM: every IR level triggered */
	bool upm_8086;	     /* ICW4 uPM */
	bool auto_eoi;	     /* ICW4 AEOI */
	bool sfnm;	     /* ICW4 SFNM: special fully nested mode */
	bool rotate_aeoi;    /* OCW2 "rotate in automatic EOI mode" */
	bool read_isr;	     /* OCW3 RIS: even-port reads return ISR, else IRR */
	bool poll;	     /* OCW3 P: the next read is a poll */
	bool special_mask;   /* OCW3 SMM */
	bool int_out;	     /* the chip's INT output */
};

struct vpic_stats {
	uint64_t acks;	   /* INTA cycles (vpic_ack) */
	uint64_t spurious; /* of which answered with a default IR7 */
	uint64_t polls;	   /* poll-command reads */
};

struct vpic {
	struct vpic_chip master;
	struct vpic_chip slave;
	struct irq_sink intr; /* master INT -> CPU INTR, line 0 */
	struct vpic_stats stats;
};

/*
 * Reset both controllers to the BIOS-initialized state described above.
 * intr (may be NULL) is copied; it is called with line 0 whenever the
 * master's INT output changes level. Called by the platform code when the
 * partition is built or reset.
 */
void vpic_init(struct vpic *pic, const struct irq_sink *intr);

/*
 * Guest port accesses (8-bit). Return 0, or -ENOENT if port is not one of
 * the six PIC/ELCR ports (nothing changes then). Called by the port I/O exit
 * dispatcher for each byte accessed.
 */
int vpic_io_read(struct vpic *pic, uint16_t port, uint8_t *val);
int vpic_io_write(struct vpic *pic, uint16_t port, uint8_t val);

/*
 * Drive input irq (0-15) to level (true = high). Edge-triggered inputs
 * latch a rising edge in IRR, so a device may pulse the line (high then
 * low) and the request stays pending until acknowledged; level-triggered
 * inputs request while high. irq 2 and irq >= 16 are ignored: on the PC
 * the master's IR2 pin is the slave's INT (ISA IRQ2 is routed to IRQ9).
 */
void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level);

/* The master's INT output, i.e. the CPU's INTR line. */
bool vpic_has_interrupt(const struct vpic *pic);

/*
 * The CPU's INTA cycle: returns the vector (0-255) for the highest-priority
 * request and moves it from IRR to ISR (or not, in auto-EOI mode),
 * through the slave for IR2. With no request left (a level line that
 * dropped, a mask set after INTR rose), the chip answers with a default IR7
 * (vector base + 7) and sets no ISR bit; if the slave has nothing the
 * master's ISR2 is set and the vector is the slave's base + 7 (IRQ15). Called
 * by the interrupt injection path when it delivers an ExtINT/INTR.
 */
int vpic_ack(struct vpic *pic);

#endif
