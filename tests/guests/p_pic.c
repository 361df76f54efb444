// SPDX-License-Identifier: MIT
/*
 * p_pic: the pair of 8259A PICs (Intel 8259A datasheet, order no. 231468:
 * "Initialization Command Words", "Operation Command Words") in the
 * virtual-wire mode a PC OS uses before (or instead of) the I/O APIC.
 * Needs: 1 vCPU, any RAM, no device option. Uses the PIT (IRQ 0).
 *
 * Proves:
 *  - both PICs come up fully masked (platform contract) and the masks (the
 *    IMR, OCW1) read back;
 *  - the Linux initialization (arch/x86/kernel/i8259.c, init_8259A): ICW1
 *    0x11, ICW2 vector base 0x20 / 0x28, ICW3 cascade on IR2 / ID 2, ICW4
 *    8086 mode; the IMR survives (restored after it) and reads back;
 *  - the ELCR (0x4D0/0x4D1) marks IRQ 0-2 edge-triggered, as on every PIIX/ICH;
 *  - with LAPIC LINT0 in ExtINT mode (Intel SDM vol. 3A, 11.5.1; the
 *    "virtual wire" of MP spec 3.6.2.2) and the I/O APIC's pin 2 masked,
 *    the PIT in mode 2 at 100 Hz gives about 100 interrupts per second on
 *    vector 0x20, all from the PIC;
 *  - OCW3 reads: ISR bit 0 is set inside the handler and cleared by the
 *    non-specific EOI (OCW2 0x20); with IR0 masked the request still
 *    latches in the IRR;
 *  - masking IR0 stops the interrupts, unmasking resumes them.
 * The rate: at most 25 % over, at least half, the best of up to 3 attempts
 * (see guest_timing_irqs in rt.h). ExtINT interrupts need no local APIC
 * EOI (SDM 11.8.5).
 */
#include "rt.h"

#define VEC_MASTER    0x20
#define VEC_SLAVE     0x28
#define PIT_RATE      100
#define COUNT_US      500000
#define OCW3_READ_IRR 0x0A
#define OCW3_READ_ISR 0x0B
#define OCW2_EOI      0x20
#define ELCR1	      0x4D0

static volatile uint32_t hits, spurious, other_irq;
static volatile uint8_t isr_in_handler, isr_after_eoi;

static void on_irq0(uint8_t v)
{
	outb(PIC1_CMD, OCW3_READ_ISR);
	isr_in_handler = inb(PIC1_CMD);
	outb(PIC1_CMD, OCW2_EOI);
	isr_after_eoi = inb(PIC1_CMD);
	outb(PIC1_CMD, OCW3_READ_IRR);
	hits++;
}

/* IR7 / IR15 without ISR bit: the 8259A's spurious interrupt (no EOI for the master's). */
static void on_other(uint8_t v)
{
	outb(PIC1_CMD, OCW3_READ_ISR);
	if ((v == VEC_MASTER + 7 || v == VEC_SLAVE + 7) && !(inb(PIC1_CMD) & 0x80)) {
		spurious++;
	} else {
		other_irq++;
		if (v >= VEC_SLAVE)
			outb(PIC2_CMD, OCW2_EOI);
		outb(PIC1_CMD, OCW2_EOI);
	}
	outb(PIC1_CMD, OCW3_READ_IRR);
}

static void init_8259a(void)
{
	uint8_t m1 = inb(PIC1_DATA), m2 = inb(PIC2_DATA);

	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	outb(PIC1_CMD, 0x11);	     /* ICW1: edge, cascade, ICW4 needed */
	outb(PIC1_DATA, VEC_MASTER); /* ICW2: IR0-7 -> 0x20-0x27 */
	outb(PIC1_DATA, 1u << 2);    /* ICW3: slave on IR2 */
	outb(PIC1_DATA, 0x01);	     /* ICW4: 8086, normal EOI */
	outb(PIC2_CMD, 0x11);
	outb(PIC2_DATA, VEC_SLAVE); /* IR8-15 -> 0x28-0x2F */
	outb(PIC2_DATA, 2);	    /* ICW3: slave ID 2 */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, m1); /* restore the masks, as Linux does */
	outb(PIC2_DATA, m2);
}

static void check_masks(void)
{
	uint8_t m1 = inb(PIC1_DATA), m2 = inb(PIC2_DATA);
	bool ok;

	gprintf("pic: masks at start %#x / %#x, ELCR %#x / %#x\n", m1, m2, inb(ELCR1),
		inb(ELCR1 + 1));
	GUEST_CHECK("pic-masked-at-start", m1 == 0xFF && m2 == 0xFF);
	init_8259a();
	GUEST_CHECK("pic-init-keeps-masks", inb(PIC1_DATA) == m1 && inb(PIC2_DATA) == m2);
	/* OCW1 is the IMR itself: what is written reads back. */
	outb(PIC1_DATA, 0xA5);
	outb(PIC2_DATA, 0x5A);
	ok = inb(PIC1_DATA) == 0xA5 && inb(PIC2_DATA) == 0x5A;
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	GUEST_CHECK("pic-mask-readback", ok && inb(PIC1_DATA) == 0xFF && inb(PIC2_DATA) == 0xFF);
	/* PIIX4 / ICH: IRQ 0, 1 and 2 are always edge (ELCR1 bits 2:0 read 0). */
	GUEST_CHECK("pic-elcr-irq0-2-edge", (inb(ELCR1) & 0x07) == 0);
}

static void check_pit(void)
{
	uint32_t settled;
	uint8_t irr;
	struct guest_timing t;

	/* Only the PIC may deliver IRQ 0: the I/O APIC's pin 2 (and pin 0) stay masked. */
	GUEST_CHECK("pic-ioapic-pin2-masked", (ioapic_read_rte(2) & IOAPIC_RTE_MASKED) &&
						  (ioapic_read_rte(0) & IOAPIC_RTE_MASKED));
	/* LINT0 = ExtINT, edge, unmasked (what Linux programs on the BSP in PIC mode). */
	lapic_enable();
	lapic_write(LAPIC_LVT_LINT0, LAPIC_DM_EXTINT);
	GUEST_CHECK("pic-lint0-extint", (lapic_read(LAPIC_LVT_LINT0) & 0x1FFFF) == LAPIC_DM_EXTINT);

	/* IR0 masked, interrupts off: the PIT's edges still latch in the IRR. */
	pit_ch0_periodic(PIT_RATE);
	guest_delay_us(30000);
	outb(PIC1_CMD, OCW3_READ_IRR);
	irr = inb(PIC1_CMD);
	GUEST_CHECK("pic-irr-latches-masked", irr & 0x01);
	GUEST_CHECK("pic-masked-not-delivered", hits == 0);

	outb(PIC1_DATA, 0xFE); /* unmask IR0 only */
	GUEST_CHECK("pic-unmask-irq0-readback", inb(PIC1_DATA) == 0xFE);
	cpu_sti();
	guest_wait_us(hits >= 2, 200000);
	guest_timing_begin(&t, "pic-pit-irq0-count", "interrupts", GUEST_IRQ_RATE_BELOW,
			   GUEST_IRQ_RATE_ABOVE);
	while (guest_timing_more(&t))
		guest_timing_irqs(&t, "pic: PIT through the 8259A", &hits, PIT_RATE, COUNT_US);
	guest_timing_end(&t);
	GUEST_CHECK("pic-isr-in-handler", isr_in_handler & 0x01);
	GUEST_CHECK("pic-eoi-clears-isr", !(isr_after_eoi & 0x01));
	GUEST_CHECK("pic-lapic-isr-unused", !lapic_vector_bit(LAPIC_ISR, VEC_MASTER));

	outb(PIC1_DATA, 0xFF);
	guest_delay_us(20000);
	settled = hits;
	guest_delay_us(100000);
	GUEST_CHECK("pic-mask-stops", hits == settled);
	outb(PIC1_DATA, 0xFE);
	if (guest_wait_us(hits >= settled + 3, 200000))
		GUEST_PASS("pic-unmask-resumes");
	else
		GUEST_FAIL("pic-unmask-resumes", "%u interrupts after unmasking", hits - settled);
	cpu_cli();
	outb(PIC1_DATA, 0xFF);
	pit_ch0_stop();
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | LAPIC_DM_EXTINT);
	gprintf("pic: %u spurious IRQ7/15, %u other IRQs\n", spurious, other_irq);
	GUEST_CHECK("pic-no-other-irqs", other_irq == 0);
}

void guest_main(void)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("pic: %s: needs 1 vCPU (has %u); 8259A pair with LINT0 as ExtINT, PIT on IRQ 0\n",
		info.name, info.vcpu_count);
	gprintf("pic: TSC %lu kHz (%s)\n", guest_tsc_khz(), guest_tsc_source());
	guest_set_irq_handler(VEC_MASTER, on_irq0);
	for (unsigned int v = VEC_MASTER + 1; v < VEC_SLAVE + 8; v++)
		guest_set_irq_handler((uint8_t)v, on_other);
	check_masks();
	check_pit();
	GUEST_CHECK("pic-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
