/* SPDX-License-Identifier: MIT */
/*
 * The 8259A PIC pair and the ELCR. See vpic.h for the wiring, the
 * references and the reset state; section titles below are those of the
 * Intel 8259A datasheet (231468).
 *
 * Deliberate differences from the silicon, all towards what emulated
 * devices need:
 * - An edge on an edge-triggered input stays latched in IRR until the INTA
 *   cycle even if the line drops first. The real chip needs the input held
 *   high until the first INTA ("Edge and Level Triggered Modes") and else
 *   answers with a default IR7; emulated devices pulse their lines within
 *   one call, which would make every such interrupt spurious.
 * - The master's IR2 follows the slave's INT output as a level, whatever
 *   the master's trigger mode: if the slave's INT stays high across an INTA
 *   (another request in auto-EOI mode, say) an edge-sensing IR2 would never
 *   see it again and the request would be lost.
 * - MCS-80/85 mode (ICW4 uPM = 0, or no ICW4) is recorded but the INTA
 *   cycle always answers as in 8086 mode: an x86 CPU cannot consume the
 *   CALL sequence of the 8080 mode. ADI, the 8080 address bits, buffered
 *   mode and M/S are ignored for the same reason.
 */
#include "vdev/vpic.h"

#include "lib/errno.h"

/* ICW1 (even port, D4 = 1): "Initialization Command Words". */
#define ICW1_IC4  0x01 /* ICW4 needed */
#define ICW1_SNGL 0x02 /* single 8259A, no ICW3 */
#define ICW1_LTIM 0x08 /* level triggered mode */
#define ICW1_INIT 0x10 /* marks ICW1 among even-port writes */

/* ICW2: T7-T3 of the vector; in 8086 mode the IR number fills bits 2-0. */
#define ICW2_VECTOR_MASK 0xF8

/* ICW4. */
#define ICW4_UPM  0x01 /* 8086/8088 mode */
#define ICW4_AEOI 0x02 /* automatic end of interrupt */
#define ICW4_SFNM 0x10 /* special fully nested mode */

/* Even-port writes with D4 = 0: D3 tells OCW3 from OCW2. */
#define OCW_IS_OCW3 0x08

/* OCW2: R, SL, EOI in bits 7-5, level L2-L0 in bits 2-0. */
#define OCW2_CMD(v)	    ((v) >> 5)
#define OCW2_LEVEL(v)	    ((v)&7)
#define OCW2_ROT_AEOI_CLEAR 0 /* rotate in automatic EOI mode (clear) */
#define OCW2_NS_EOI	    1 /* non-specific EOI */
#define OCW2_NOP	    2
#define OCW2_S_EOI	    3 /* specific EOI */
#define OCW2_ROT_AEOI_SET   4 /* rotate in automatic EOI mode (set) */
#define OCW2_ROT_NS_EOI	    5 /* rotate on non-specific EOI */
#define OCW2_SET_PRIO	    6 /* set priority */
#define OCW2_ROT_S_EOI	    7 /* rotate on specific EOI */

/* OCW3. */
#define OCW3_RIS  0x01 /* with RR: read ISR (else IRR) */
#define OCW3_RR	  0x02 /* read register command */
#define OCW3_POLL 0x04 /* poll command */
#define OCW3_SMM  0x20 /* special mask mode (with ESMM) */
#define OCW3_ESMM 0x40 /* enable the SMM bit */

/* Poll word ("Poll Command"): I = bit 7, W2-W0 = highest request. */
#define POLL_INT 0x80

/* Default (spurious) answer: IR7 ("Interrupt Sequence", step 5). */
#define SPURIOUS_IR 7

/*
 * ELCR bits that exist (PIIX4 4.1.10; ICH "ELCR1/ELCR2"): IRQ0, 1, 2, 8
 * and 13 are hardwired edge (timer, keyboard, cascade, RTC, FPU error).
 */
#define ELCR_MASTER_MASK 0xF8
#define ELCR_SLAVE_MASK	 0xDE

/* Open data bus: what an INTA reads when no chip drives it. */
#define OPEN_BUS 0xFF

static bool chip_is_master(const struct vpic *pic, const struct vpic_chip *c)
{
	return c == &pic->master;
}

/* Priority rank of IR irq: 0 is the highest ("Automatic Rotation"). */
static unsigned int prio_rank(const struct vpic_chip *c, unsigned int irq)
{
	return (irq - c->lowest - 1) & 7;
}

/* The highest-priority IR in bits, or -1. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	for (unsigned int i = 0; i < 8; i++) {
		unsigned int irq = (c->lowest + 1 + i) & 7;

		if (bits & (1u << irq))
			return (int)irq;
	}
	return -1;
}

static bool ir_is_level(const struct vpic *pic, const struct vpic_chip *c, unsigned int irq)
{
	if (chip_is_master(pic, c) && irq == VPIC_CASCADE_IRQ)
		return true;
	return c->ltim || (c->elcr & (1u << irq));
}

/* Does the master have a slave on IR2 (cascade mode, ICW3 S2)? */
static bool master_cascades(const struct vpic *pic)
{
	return !pic->master.single && (pic->master.icw3 & (1u << VPIC_CASCADE_IRQ));
}

/*
 * The request the chip would present now, or -1: the highest-priority
 * unmasked IRR bit, if no in-service level of equal or higher priority
 * blocks it ("Fully Nested Mode"). In special mask mode an in-service level
 * that is masked blocks nothing ("Special Mask Mode"); in special fully
 * nested mode the master lets the slave's IR2 through while IR2 is in
 * service, so that a higher-priority slave request nests ("The Special
 * Fully Nested Mode").
 */
static int chip_pending(const struct vpic *pic, const struct vpic_chip *c)
{
	int irq = highest(c, c->irr & ~c->imr);
	uint8_t in_service = c->isr;
	int isr_irq;

	if (irq < 0)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (irq == VPIC_CASCADE_IRQ && chip_is_master(pic, c) && c->sfnm && master_cascades(pic))
		in_service &= ~(1u << VPIC_CASCADE_IRQ);
	isr_irq = highest(c, in_service);
	if (isr_irq >= 0 && prio_rank(c, (unsigned int)isr_irq) <= prio_rank(c, (unsigned int)irq))
		return -1;
	return irq;
}

/*
 * Accept request irq (INTA or poll): the IRR bit of an edge input is
 * cleared, a level input keeps requesting while high; the ISR bit is set,
 * or, in auto-EOI mode, cleared again at the end of the second INTA, with
 * the level rotated to lowest priority when "rotate in AEOI" is on
 * ("Automatic End of Interrupt (AEOI) Mode", "Automatic Rotation").
 */
static void chip_accept(struct vpic *pic, struct vpic_chip *c, unsigned int irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (!ir_is_level(pic, c, irq))
		c->irr &= (uint8_t)~bit;
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

/* An IR input changes level (the edge sense latch of "Edge and Level..."). */
static void chip_set_line(struct vpic *pic, struct vpic_chip *c, unsigned int irq, bool level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (level) {
		if (!(c->lines & bit) || ir_is_level(pic, c, irq))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= (uint8_t)~bit;
		if (ir_is_level(pic, c, irq))
			c->irr &= (uint8_t)~bit;
	}
}

/*
 * Recompute both INT outputs after any change: the slave's INT drives the
 * master's IR2, the master's INT is the CPU's INTR (reported on change).
 */
static void update(struct vpic *pic)
{
	bool slave_int = chip_pending(pic, &pic->slave) >= 0;
	bool master_int;

	pic->slave.int_out = slave_int;
	chip_set_line(pic, &pic->master, VPIC_CASCADE_IRQ, slave_int);
	master_int = chip_pending(pic, &pic->master) >= 0;
	if (master_int != pic->master.int_out) {
		pic->master.int_out = master_int;
		irq_sink_set(&pic->intr, 0, master_int);
	}
}

/* Bit mask of the chip's level-triggered inputs. */
static uint8_t level_mask(const struct vpic *pic, const struct vpic_chip *c)
{
	uint8_t m = 0;

	for (unsigned int irq = 0; irq < 8; irq++)
		if (ir_is_level(pic, c, irq))
			m |= (uint8_t)(1u << irq);
	return m;
}

/*
 * ICW1 starts initialization ("Initialization Command Words"): the edge
 * sense circuit is reset (an edge input must go low and high again, so
 * only level inputs that are high still request), IMR is cleared, IR7
 * becomes lowest priority, special mask mode is cleared and status read is
 * set to IRR; without IC4 every ICW4 function is zero. The datasheet does
 * not say what happens to ISR: it is cleared, as a re-initialized chip has
 * nothing in service that software could still end.
 */
static void write_icw1(struct vpic *pic, struct vpic_chip *c, uint8_t val)
{
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->ltim = val & ICW1_LTIM;
	c->irr = c->lines & level_mask(pic, c);
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->upm_8086 = false;
	c->auto_eoi = false;
	c->sfnm = false;
	c->rotate_aeoi = false;
	c->init_step = 2;
}

/* ICW2-ICW4 arrive on the odd port while init_step != 0. */
static void write_icw(struct vpic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & ICW2_VECTOR_MASK;
		if (!c->single)
			c->init_step = 3;
		else
			c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	default:
		c->upm_8086 = val & ICW4_UPM;
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	}
}

/* OCW2: EOI, rotation and priority commands ("Operation Command Words"). */
static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned int level = OCW2_LEVEL(val);
	int irq;

	switch (OCW2_CMD(val)) {
	case OCW2_ROT_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case OCW2_NS_EOI:
	case OCW2_ROT_NS_EOI:
		/* "End of Interrupt": reset the highest-priority ISR bit. */
		irq = highest(c, c->isr);
		if (irq < 0)
			break;
		c->isr &= (uint8_t) ~(1u << irq);
		if (OCW2_CMD(val) == OCW2_ROT_NS_EOI)
			c->lowest = (uint8_t)irq;
		break;
	case OCW2_S_EOI:
		c->isr &= (uint8_t) ~(1u << level);
		break;
	case OCW2_ROT_S_EOI:
		c->isr &= (uint8_t) ~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_SET_PRIO:
		/* "Specific Rotation": L becomes the lowest priority. */
		c->lowest = (uint8_t)level;
		break;
	default: /* OCW2_NOP */
		break;
	}
}

/* OCW3: status read select, poll, special mask mode. */
static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
	/* "Poll Command": the next read of either port is an INTA. */
	if (val & OCW3_POLL)
		c->poll = true;
}

static void chip_write(struct vpic *pic, struct vpic_chip *c, bool data_port, uint8_t val)
{
	if (!data_port) {
		if (val & ICW1_INIT)
			write_icw1(pic, c, val);
		else if (val & OCW_IS_OCW3)
			write_ocw3(c, val);
		else
			write_ocw2(c, val);
	} else if (c->init_step) {
		write_icw(c, val);
	} else {
		c->imr = val; /* OCW1 */
	}
}

/*
 * A poll read: the chip treats the read as an interrupt acknowledge and
 * returns I and the level, or 0 when nothing is requesting ("Poll
 * Command"). The vector is not involved, so a master poll that finds IR2
 * sets ISR2 and software polls the slave next.
 */
static uint8_t chip_poll(struct vpic *pic, struct vpic_chip *c)
{
	int irq = chip_pending(pic, c);

	c->poll = false;
	pic->stats.polls++;
	if (irq < 0)
		return 0;
	chip_accept(pic, c, (unsigned int)irq);
	return (uint8_t)(POLL_INT | (unsigned int)irq);
}

static uint8_t chip_read(struct vpic *pic, struct vpic_chip *c, bool data_port)
{
	if (c->poll)
		return chip_poll(pic, c);
	/* "Reading the 8259A Status": IMR on the odd port, IRR/ISR per OCW3. */
	if (data_port)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void elcr_write(struct vpic *pic, struct vpic_chip *c, uint8_t val)
{
	uint8_t level;

	c->elcr = val & c->elcr_mask;
	/* An input that became level triggered requests as long as it is high. */
	level = level_mask(pic, c);
	c->irr = (uint8_t)((c->irr & ~level) | (c->lines & level));
}

/* Reset one chip to the state after a BIOS's ICW1-ICW4 and "mask all". */
static void chip_bios_init(struct vpic_chip *c, uint8_t base, uint8_t icw3, uint8_t elcr_mask)
{
	*c = (struct vpic_chip){
	    .imr = 0xFF,
	    .elcr_mask = elcr_mask,
	    .vector_base = base,
	    .icw3 = icw3,
	    .lowest = 7,
	    .icw4_needed = true,
	    .upm_8086 = true,
	};
}

void vpic_init(struct vpic *pic, const struct irq_sink *intr)
{
	chip_bios_init(&pic->master, VPIC_BIOS_MASTER_BASE, 1u << VPIC_CASCADE_IRQ,
		       ELCR_MASTER_MASK);
	chip_bios_init(&pic->slave, VPIC_BIOS_SLAVE_BASE, VPIC_CASCADE_IRQ, ELCR_SLAVE_MASK);
	pic->intr = intr ? *intr : (struct irq_sink){0};
	pic->stats = (struct vpic_stats){0};
}

int vpic_io_read(struct vpic *pic, uint16_t port, uint8_t *val)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_MASTER_DATA:
		*val = chip_read(pic, &pic->master, port & 1);
		break;
	case VPIC_SLAVE_CMD:
	case VPIC_SLAVE_DATA:
		*val = chip_read(pic, &pic->slave, port & 1);
		break;
	case VPIC_ELCR_MASTER:
		*val = pic->master.elcr;
		return 0;
	case VPIC_ELCR_SLAVE:
		*val = pic->slave.elcr;
		return 0;
	default:
		return -ENOENT;
	}
	/* A poll read may have moved a request into service. */
	update(pic);
	return 0;
}

int vpic_io_write(struct vpic *pic, uint16_t port, uint8_t val)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_MASTER_DATA:
		chip_write(pic, &pic->master, port & 1, val);
		break;
	case VPIC_SLAVE_CMD:
	case VPIC_SLAVE_DATA:
		chip_write(pic, &pic->slave, port & 1, val);
		break;
	case VPIC_ELCR_MASTER:
		elcr_write(pic, &pic->master, val);
		break;
	case VPIC_ELCR_SLAVE:
		elcr_write(pic, &pic->slave, val);
		break;
	default:
		return -ENOENT;
	}
	update(pic);
	return 0;
}

void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level)
{
	if (irq >= VPIC_NUM_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	if (irq < 8)
		chip_set_line(pic, &pic->master, irq, level);
	else
		chip_set_line(pic, &pic->slave, irq - 8, level);
	update(pic);
}

bool vpic_has_interrupt(const struct vpic *pic)
{
	return pic->master.int_out;
}

/*
 * "Interrupt Sequence" (8086 mode) and "Cascade Mode": the master resolves
 * its highest request; if that IR has a slave (ICW3), the master puts the
 * IR's code on CAS0-2 and the slave with that ID (its ICW3) supplies the
 * vector, else the master does. A chip with nothing to present at the INTA
 * answers with IR7 without setting ISR.
 */
int vpic_ack(struct vpic *pic)
{
	struct vpic_chip *m = &pic->master, *s = &pic->slave;
	int irq = chip_pending(pic, m);
	int vector;

	pic->stats.acks++;
	if (irq < 0) {
		pic->stats.spurious++;
		vector = m->vector_base | SPURIOUS_IR;
	} else {
		chip_accept(pic, m, (unsigned int)irq);
		if (irq != VPIC_CASCADE_IRQ || !master_cascades(pic)) {
			vector = m->vector_base | irq;
		} else if ((s->icw3 & 7) != VPIC_CASCADE_IRQ) {
			/* No slave answers to this cascade code: the bus floats. */
			vector = OPEN_BUS;
		} else {
			int sirq = chip_pending(pic, s);

			if (sirq < 0) {
				pic->stats.spurious++;
				vector = s->vector_base | SPURIOUS_IR;
			} else {
				chip_accept(pic, s, (unsigned int)sirq);
				vector = s->vector_base | sirq;
			}
		}
	}
	update(pic);
	return vector;
}
