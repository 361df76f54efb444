// SPDX-License-Identifier: MIT
/*
 * p_uart: the 16550A UART at 0x3F8 (COM1), IRQ 4 (National Semiconductor
 * PC16550D datasheet, "Registers", Table II; "Loopback" under MCR bit 4).
 * Needs: 1 vCPU, any RAM, no device option. Its transmitter writes to the
 * partition's console, so this guest prints one line through it:
 *
 *	uart: hello through the 16550
 *
 * Proves:
 *  - the scratch register keeps what is written;
 *  - LCR bit 7 (DLAB) banks the divisor latch over RBR/THR and IER, and
 *    the divisor and LCR read back;
 *  - FCR bit 0 enables the FIFOs, which IIR bits 7:6 report (11 on a
 *    16550A, 00 without FIFOs); IIR bit 0 = 1 with no interrupt pending;
 *  - LSR THRE and TEMT are set when the transmitter is idle, and THR
 *    output works by polling THRE;
 *  - loopback (MCR bit 4): bytes written to THR come back in RBR in order
 *    with LSR DR set, and the modem outputs appear on the inputs: DTR ->
 *    DSR, RTS -> CTS, OUT1 -> RI, OUT2 -> DCD (MSR bits 5, 4, 6, 7), with
 *    DCTS (MSR bit 0) set by a change and cleared by reading MSR;
 *  - the THRE interrupt: with OUT2 set (the PC's IRQ enable) and IER bit 1,
 *    an empty transmitter interrupts through the I/O APIC's pin 4; IIR
 *    reads 0x02 in bits 3:0 and reading it clears the source.
 */
#include "rt.h"

#define COM1	 0x3F8
#define RBR	 0 /* DLAB = 0, read */
#define THR	 0 /* DLAB = 0, write */
#define DLL	 0 /* DLAB = 1 */
#define IER	 1 /* DLAB = 0 */
#define DLM	 1 /* DLAB = 1 */
#define IIR	 2 /* read */
#define FCR	 2 /* write */
#define LCR	 3
#define MCR	 4
#define LSR	 5
#define MSR	 6
#define SCR	 7
#define LCR_8N1	 0x03
#define LCR_DLAB 0x80
#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR	 0x01
#define LSR_ERR	 0x1E /* overrun, parity, framing, break */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define VEC_UART 0x34
#define PIN_UART 4

static volatile uint32_t hits;
static volatile uint8_t iir_first, iir_second;

static uint8_t rd(unsigned int reg)
{
	return inb((uint16_t)(COM1 + reg));
}

static void wr(unsigned int reg, uint8_t v)
{
	outb((uint16_t)(COM1 + reg), v);
}

static void on_uart(uint8_t v)
{
	uint8_t a = rd(IIR);
	uint8_t b = rd(IIR);

	if (hits++ == 0) {
		iir_first = a;
		iir_second = b;
	}
	wr(IER, 0);
	lapic_eoi();
}

static void check_registers(void)
{
	bool ok = true;
	uint8_t dll, dlm, iir;

	for (unsigned int v = 0; v < 256; v += 0x55) {
		wr(SCR, (uint8_t)v);
		ok = ok && rd(SCR) == v;
	}
	GUEST_CHECK("uart-scratch", ok);

	wr(IER, 0);
	wr(LCR, LCR_DLAB | LCR_8N1);
	wr(DLL, 0x0C); /* 9600 baud */
	wr(DLM, 0x5A);
	dll = rd(DLL);
	dlm = rd(DLM);
	wr(LCR, LCR_8N1);
	/* DLAB clear: offset 1 is IER again (still 0), not the divisor's 0x5A. */
	ok = rd(IER) == 0;
	wr(LCR, LCR_DLAB | LCR_8N1);
	ok = ok && rd(DLM) == 0x5A;
	wr(DLL, 0x01); /* back to 115200 */
	wr(DLM, 0x00);
	ok = ok && rd(DLL) == 0x01 && rd(DLM) == 0x00;
	wr(LCR, LCR_8N1);
	GUEST_CHECK("uart-divisor-latch", dll == 0x0C && dlm == 0x5A && ok);
	GUEST_CHECK("uart-lcr", rd(LCR) == LCR_8N1);

	wr(FCR, 0x00);
	iir = rd(IIR);
	GUEST_CHECK("uart-fifo-disabled", (iir & 0xC0) == 0x00);
	GUEST_CHECK("uart-iir-no-interrupt", iir & 0x01);
	wr(FCR, 0x07); /* enable, clear both FIFOs */
	iir = rd(IIR);
	gprintf("uart: IIR %#x with FIFOs on, LSR %#x, MCR %#x, MSR %#x\n", iir, rd(LSR), rd(MCR),
		rd(MSR));
	GUEST_CHECK("uart-fifo-enabled", (iir & 0xC0) == 0xC0);
	GUEST_CHECK("uart-lsr-idle", (rd(LSR) & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT));
}

static bool put(uint8_t c)
{
	bool ok = guest_wait_us(rd(LSR) & LSR_THRE, 100000);

	wr(THR, c);
	return ok;
}

static void check_output(void)
{
	static const char line[] = "uart: hello through the 16550\n";
	bool ok = true;

	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	for (unsigned int i = 0; line[i]; i++)
		ok = put((uint8_t)line[i]) && ok;
	ok = guest_wait_us(rd(LSR) & LSR_TEMT, 100000) && ok;
	GUEST_CHECK("uart-thr-output", ok);
}

static void check_loopback(void)
{
	static const uint8_t bytes[] = {0x00, 0xFF, 0x55, 0xAA, 'L', 'O', 'O', 'P'};
	static const struct {
		uint8_t mcr, msr;
	} map[] = {
	    {MCR_DTR, 0x20},  /* DSR */
	    {MCR_RTS, 0x10},  /* CTS */
	    {MCR_OUT1, 0x40}, /* RI */
	    {MCR_OUT2, 0x80}, /* DCD */
	};
	uint8_t got[sizeof(bytes)] = {0}, lsr = 0, msr, delta1, delta2;
	bool ok = true;
	unsigned int n = 0;

	wr(MCR, MCR_LOOP);
	for (unsigned int i = 0; i < ARRAY_SIZE(map); i++) {
		wr(MCR, MCR_LOOP | map[i].mcr);
		msr = rd(MSR);
		if ((msr & 0xF0) != map[i].msr) {
			ok = false;
			gprintf("uart: loopback MCR %#x gave MSR %#x\n", MCR_LOOP | map[i].mcr,
				msr);
		}
	}
	GUEST_CHECK("uart-loopback-msr", ok);

	/* Delta CTS: set by the change of CTS, cleared by reading MSR. */
	wr(MCR, MCR_LOOP);
	rd(MSR);
	wr(MCR, MCR_LOOP | MCR_RTS);
	delta1 = rd(MSR);
	delta2 = rd(MSR);
	GUEST_CHECK("uart-msr-delta-cts", (delta1 & 0x01) && !(delta2 & 0x01));

	wr(MCR, MCR_LOOP);
	wr(FCR, 0x07);
	while ((rd(LSR) & LSR_DR) && n++ < 64) /* nothing should be waiting */
		rd(RBR);
	ok = true;
	for (unsigned int i = 0; i < sizeof(bytes); i++)
		ok = put(bytes[i]) && ok;
	for (n = 0; n < sizeof(bytes); n++) {
		if (!guest_wait_us((lsr = rd(LSR)) & LSR_DR, 100000))
			break;
		got[n] = rd(RBR);
	}
	ok = ok && n == sizeof(bytes) && memcmp(got, bytes, sizeof(bytes)) == 0;
	if (ok)
		GUEST_PASS("uart-loopback-data");
	else
		GUEST_FAIL("uart-loopback-data",
			   "%u bytes back: %02x %02x %02x %02x %02x %02x %02x %02x", n, got[0],
			   got[1], got[2], got[3], got[4], got[5], got[6], got[7]);
	GUEST_CHECK("uart-lsr-no-errors", !(lsr & LSR_ERR));
	GUEST_CHECK("uart-loopback-drained", !(rd(LSR) & LSR_DR));
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

static void check_thre_irq(void)
{
	guest_set_irq_handler(VEC_UART, on_uart);
	lapic_enable();
	ioapic_write_rte(PIN_UART, VEC_UART | IOAPIC_RTE_DEST(0)); /* ISA: edge, active high */
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	guest_wait_us(rd(LSR) & LSR_TEMT, 100000);
	cpu_sti();
	wr(IER, 0x02); /* ETBEI, with the transmitter empty */
	if (!guest_wait_us(hits >= 1, 200000)) {
		GUEST_FAIL("uart-thre-irq", "no interrupt on IO-APIC pin %u", PIN_UART);
	} else {
		GUEST_PASS("uart-thre-irq");
		gprintf("uart: THRE interrupt: IIR %#x, then %#x\n", iir_first, iir_second);
		GUEST_CHECK("uart-thre-iir", (iir_first & 0x0F) == 0x02);
		GUEST_CHECK("uart-iir-read-clears-thre", iir_second & 0x01);
	}
	guest_delay_us(50000);
	GUEST_CHECK("uart-thre-once", hits == 1);
	cpu_cli();
	wr(IER, 0);
	ioapic_mask(PIN_UART, true);
}

void guest_main(void)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("uart: %s: needs 1 vCPU (has %u); 16550A at 0x3F8, IRQ 4 on IO-APIC pin 4\n",
		info.name, info.vcpu_count);
	check_registers();
	check_output();
	check_loopback();
	check_thre_irq();
	GUEST_CHECK("uart-no-unexpected-interrupts", guest_irq_unexpected() == 0);
	guest_done();
}
