/* SPDX-License-Identifier: MIT */
/* Unit tests of the emulated 16550A UART (hv/vdev/vuart.c). */
#include "test.h"

#include "lib/errno.h"
#include "vdev/vuart.h"

/* Register offsets and bits, spelled out here so a typo in vuart.c shows. */
enum {
	RBR = 0,
	THR = 0,
	DLL = 0,
	IER = 1,
	DLM = 1,
	IIR = 2,
	FCR = 2,
	EFR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
	MSR = 6,
	SCR = 7
};

#define IIR_NONE 0x01
#define IIR_RLS	 0x06
#define IIR_RDA	 0x04
#define IIR_CTI	 0x0C
#define IIR_THRE 0x02
#define IIR_MSI	 0x00
#define IIR_FIFO 0xC0

#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS	 0x10
#define MSR_DSR	 0x20
#define MSR_RI	 0x40
#define MSR_DCD	 0x80

#define TEST_IRQ_LINE 4

/* What the fake outside world saw. */
static struct {
	bool level;
	unsigned int line;
	unsigned int rises, falls, calls;
	uint8_t tx[512];
	unsigned int ntx;
} seen;

static void fake_set(void *ctx, unsigned int line, bool level)
{
	CHECK(ctx == &seen);
	seen.line = line;
	seen.calls++;
	if (level && !seen.level)
		seen.rises++;
	if (!level && seen.level)
		seen.falls++;
	seen.level = level;
}

static void fake_tx(void *ctx, uint8_t byte)
{
	CHECK(ctx == &seen);
	if (seen.ntx < sizeof(seen.tx))
		seen.tx[seen.ntx] = byte;
	seen.ntx++;
}

static const struct irq_sink sink = {.set = fake_set, .ctx = &seen};

static void setup(struct vuart *u)
{
	memset(&seen, 0, sizeof(seen));
	vuart_init(u, &sink, TEST_IRQ_LINE, fake_tx, &seen);
}

static uint8_t rd(struct vuart *u, uint16_t off)
{
	uint8_t v = 0xEE;

	CHECK_EQ(vuart_io_read(u, off, &v), 0);
	return v;
}

static void wr(struct vuart *u, uint16_t off, uint8_t v)
{
	CHECK_EQ(vuart_io_write(u, off, v), 0);
}

TEST(reset_state)
{
	struct vuart u;

	setup(&u);
	CHECK_EQ(rd(&u, IER), 0);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	CHECK_EQ(rd(&u, LCR), 0);
	CHECK_EQ(rd(&u, MCR), 0);
	CHECK_EQ(rd(&u, LSR), LSR_THRE | LSR_TEMT);
	/* A connected terminal: CTS, DSR, DCD on, no ring, no deltas. */
	CHECK_EQ(rd(&u, MSR), MSR_CTS | MSR_DSR | MSR_DCD);
	CHECK(!seen.level);
	CHECK_EQ(seen.calls, 0);
	CHECK(vuart_rx_room(&u));
}

TEST(bad_arguments)
{
	struct vuart u;
	uint8_t v;

	setup(&u);
	CHECK_EQ(vuart_io_read(&u, 8, &v), -EINVAL);
	CHECK_EQ(vuart_io_read(&u, 0xFFFF, &v), -EINVAL);
	CHECK_EQ(vuart_io_write(&u, 8, 0), -EINVAL);
	CHECK_EQ(vuart_io_read(&u, SCR, NULL), -EINVAL);
	CHECK_EQ(seen.ntx, 0);
}

TEST(divisor_latch_and_dlab)
{
	struct vuart u;

	setup(&u);
	wr(&u, IER, 0x05);
	wr(&u, LCR, 0x83); /* DLAB + 8N1 */
	CHECK_EQ(rd(&u, LCR), 0x83);
	wr(&u, DLL, 0x01);
	wr(&u, DLM, 0x02);
	CHECK_EQ(rd(&u, DLL), 0x01);
	CHECK_EQ(rd(&u, DLM), 0x02);
	CHECK_EQ(seen.ntx, 0); /* the DLL write was not a THR write */
	/* DLAB does not hide the other registers. */
	wr(&u, SCR, 0x5A);
	CHECK_EQ(rd(&u, SCR), 0x5A);
	CHECK_EQ(rd(&u, LSR), LSR_THRE | LSR_TEMT);

	wr(&u, LCR, 0x03);
	CHECK_EQ(rd(&u, IER), 0x05); /* IER untouched by the DLM write */
	wr(&u, THR, 'x');
	CHECK_EQ(seen.ntx, 1);
	CHECK_EQ(seen.tx[0], 'x');
	/* The latch kept its value across DLAB=0. */
	wr(&u, LCR, 0x80);
	CHECK_EQ(rd(&u, DLL), 0x01);
	CHECK_EQ(rd(&u, DLM), 0x02);
	/* Reading DLL does not pop the receiver. */
	wr(&u, LCR, 0x00);
	CHECK_EQ(vuart_rx_push(&u, 'r'), 0);
	wr(&u, LCR, 0x80);
	CHECK_EQ(rd(&u, DLL), 0x01);
	wr(&u, LCR, 0x00);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, LSR_DR);
	CHECK_EQ(rd(&u, RBR), 'r');
}

TEST(scratch_register)
{
	struct vuart u;
	unsigned int v;

	setup(&u);
	for (v = 0; v < 256; v++) {
		wr(&u, SCR, (uint8_t)v);
		CHECK_EQ(rd(&u, SCR), v);
	}
}

TEST(register_reserved_bits)
{
	struct vuart u;

	setup(&u);
	/* IER bits 7:4 and MCR bits 7:5 read as 0 (Linux checks IER). */
	wr(&u, IER, 0xFF);
	CHECK_EQ(rd(&u, IER), 0x0F);
	wr(&u, IER, 0);
	wr(&u, MCR, 0xE3);
	CHECK_EQ(rd(&u, MCR), 0x03);
	/* LSR and MSR ignore writes. */
	wr(&u, LSR, 0xFF);
	wr(&u, MSR, 0x00);
	CHECK_EQ(rd(&u, LSR), LSR_THRE | LSR_TEMT);
	CHECK_EQ(rd(&u, MSR), MSR_CTS | MSR_DSR | MSR_DCD);
}

TEST(fifo_enable_and_clear)
{
	struct vuart u;

	setup(&u);
	/* Character (16450) mode: one byte of room, no FIFO bits in IIR. */
	CHECK_EQ(rd(&u, IIR) & IIR_FIFO, 0);
	CHECK_EQ(vuart_rx_push(&u, 1), 0);
	CHECK(!vuart_rx_room(&u));
	CHECK_EQ(vuart_rx_push(&u, 2), -ENOSPC);
	CHECK_EQ(rd(&u, LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
	CHECK_EQ(rd(&u, RBR), 1);

	/* Enabling the FIFOs: IIR bits 7:6 set, data cleared on the switch. */
	CHECK_EQ(vuart_rx_push(&u, 3), 0);
	wr(&u, FCR, 0x01);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
	CHECK(vuart_rx_room(&u));

	/* FCR bit 1 clears the receive FIFO and keeps the FIFOs on. */
	CHECK_EQ(vuart_rx_push(&u, 4), 0);
	CHECK_EQ(vuart_rx_push(&u, 5), 0);
	wr(&u, FCR, 0x03);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
	CHECK_EQ(rd(&u, IIR) & IIR_FIFO, IIR_FIFO);

	/* FCR bit 2 (transmit clear) leaves received data alone. */
	CHECK_EQ(vuart_rx_push(&u, 6), 0);
	wr(&u, FCR, 0x05);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, LSR_DR);

	/* Clearing FCR0 turns the FIFOs off and empties them. */
	wr(&u, FCR, 0x00);
	CHECK_EQ(rd(&u, IIR) & IIR_FIFO, 0);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
}

/* Push n bytes 0x40, 0x41, ... and check each was taken. */
static void push_n(struct vuart *u, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		CHECK_EQ(vuart_rx_push(u, (uint8_t)(0x40 + i)), 0);
}

TEST(trigger_levels)
{
	static const struct {
		uint8_t fcr;
		unsigned int level;
	} t[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xC1, 14}};
	struct vuart u;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		setup(&u);
		wr(&u, FCR, t[i].fcr);
		wr(&u, IER, 0x01);
		wr(&u, MCR, MCR_OUT2);
		push_n(&u, t[i].level - 1);
		if (t[i].level > 1)
			CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
		else
			CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
		push_n(&u, 1);
		CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
		CHECK(seen.level);
	}

	/* FCR bits other than 0 are not programmed while FCR0 is 0. */
	setup(&u);
	wr(&u, FCR, 0xC0);
	wr(&u, FCR, 0x01);
	wr(&u, IER, 0x01);
	push_n(&u, 1);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
}

TEST(rx_data_available_at_trigger)
{
	struct vuart u;
	unsigned int i;

	setup(&u);
	wr(&u, FCR, 0x41); /* trigger 4 */
	wr(&u, IER, 0x01);
	wr(&u, MCR, MCR_OUT2);
	push_n(&u, 6);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
	CHECK(seen.level);
	/* Reading below the trigger level ends RDA; what is left times out. */
	CHECK_EQ(rd(&u, RBR), 0x40);
	CHECK_EQ(rd(&u, RBR), 0x41);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
	CHECK_EQ(rd(&u, RBR), 0x42);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
	CHECK(seen.level);
	for (i = 3; i < 6; i++)
		CHECK_EQ(rd(&u, RBR), 0x40 + i);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	CHECK(!seen.level);
	CHECK_EQ(seen.line, TEST_IRQ_LINE);

	/* In 16450 mode one byte is data available, never a timeout. */
	setup(&u);
	wr(&u, IER, 0x01);
	push_n(&u, 1);
	CHECK_EQ(rd(&u, IIR), IIR_RDA);
}

TEST(timeout_reporting)
{
	struct vuart u;

	setup(&u);
	wr(&u, FCR, 0x81); /* trigger 8 */
	wr(&u, MCR, MCR_OUT2);
	push_n(&u, 3);
	/* Not enabled: no interrupt. */
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	CHECK(!seen.level);
	/* Enabling ERBFI reports the data below the trigger as a timeout. */
	wr(&u, IER, 0x01);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
	CHECK(seen.level);
	/* Reading IIR does not acknowledge it; reading the FIFO empty does. */
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
	rd(&u, RBR);
	rd(&u, RBR);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
	rd(&u, RBR);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	CHECK(!seen.level);
}

TEST(iir_priority_order)
{
	struct vuart u;
	unsigned int i;

	setup(&u);
	wr(&u, FCR, 0x41); /* trigger 4 */
	/* A modem status change: loopback on and off leaves delta bits. */
	wr(&u, MCR, MCR_LOOP);
	wr(&u, MCR, MCR_OUT2);
	wr(&u, IER, 0x0F); /* all four sources; THRE latched on enable */
	push_n(&u, 16);
	CHECK_EQ(vuart_rx_push(&u, 0x99), -ENOSPC); /* overrun */
	CHECK(seen.level);

	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RLS);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RLS); /* IIR read does not clear */
	CHECK_EQ(rd(&u, LSR) & LSR_OE, LSR_OE);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
	for (i = 0; i < 13; i++)
		rd(&u, RBR);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI); /* 3 left, below 4 */
	for (i = 0; i < 3; i++)
		rd(&u, RBR);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_THRE); /* and acknowledges it */
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_MSI);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, MSR) & 0x0F, MSR_DCTS | MSR_DDSR | MSR_DDCD);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	CHECK(!seen.level);

	/* Reading IIR while RDA is reported leaves THRE latched below it. */
	setup(&u);
	wr(&u, IER, 0x03);
	push_n(&u, 1);
	CHECK_EQ(rd(&u, IIR), IIR_RDA);
	rd(&u, RBR);
	CHECK_EQ(rd(&u, IIR), IIR_THRE);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
}

TEST(thre_on_enable)
{
	struct vuart u;

	setup(&u);
	wr(&u, MCR, MCR_OUT2);
	CHECK(!seen.level);
	wr(&u, IER, 0x02);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_THRE);
	/* Reading IIR acknowledged it: THR is still empty, nothing pending. */
	CHECK(!seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	CHECK_EQ(rd(&u, LSR) & LSR_THRE, LSR_THRE);
	/* Writing ETBEI again without a 0 -> 1 change raises nothing. */
	wr(&u, IER, 0x02);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	/* Turning it off and on again raises THRE again. */
	wr(&u, IER, 0x00);
	wr(&u, IER, 0x02);
	CHECK(seen.level);
	CHECK_EQ(seen.rises, 2);
	CHECK_EQ(rd(&u, IIR), IIR_THRE);
	CHECK(!seen.level);
}

TEST(thre_cleared_by_thr_write_and_raised_after_tx)
{
	struct vuart u;

	setup(&u);
	wr(&u, MCR, MCR_OUT2);
	wr(&u, IER, 0x02);
	CHECK_EQ(seen.rises, 1);
	/*
	 * The write acknowledges THRE (the line falls) and the byte leaves at
	 * once, so THRE is pending again (the line rises: a fresh edge).
	 */
	wr(&u, THR, 'a');
	CHECK_EQ(seen.ntx, 1);
	CHECK_EQ(seen.falls, 1);
	CHECK_EQ(seen.rises, 2);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_THRE);
	CHECK(!seen.level);

	/* With ETBEI off a transmit raises nothing ... */
	wr(&u, IER, 0x00);
	wr(&u, THR, 'b');
	CHECK(!seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	/* ... and with RX data pending the line stays up across the write. */
	wr(&u, IER, 0x03);
	push_n(&u, 1);
	seen.rises = seen.falls = 0;
	wr(&u, THR, 'c');
	CHECK_EQ(seen.falls, 0);
	CHECK(seen.level);
}

TEST(overrun_on_17th_byte)
{
	struct vuart u;
	unsigned int i;

	setup(&u);
	wr(&u, FCR, 0x01);
	wr(&u, IER, 0x04); /* line status only */
	wr(&u, MCR, MCR_OUT2);
	for (i = 0; i < 16; i++) {
		CHECK(vuart_rx_room(&u));
		CHECK_EQ(vuart_rx_push(&u, (uint8_t)i), 0);
	}
	CHECK(!vuart_rx_room(&u));
	CHECK(!seen.level);
	CHECK_EQ(rd(&u, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	CHECK_EQ(vuart_rx_push(&u, 0xAA), -ENOSPC);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RLS);
	/* LSR shows OE once, reading it clears OE and the interrupt. */
	CHECK_EQ(rd(&u, LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
	CHECK(!seen.level);
	CHECK_EQ(rd(&u, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_NONE);
	/* The FIFO kept the first 16 bytes; the 17th was not stored. */
	for (i = 0; i < 16; i++)
		CHECK_EQ(rd(&u, RBR), i);
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
	CHECK(vuart_rx_room(&u));
	/* Clearing the FIFO does not clear a pending OE. */
	push_n(&u, 16);
	CHECK_EQ(vuart_rx_push(&u, 0xAA), -ENOSPC);
	wr(&u, FCR, 0x03);
	CHECK_EQ(rd(&u, LSR), LSR_OE | LSR_THRE | LSR_TEMT);
}

TEST(loopback_tx_to_rx)
{
	struct vuart u;

	setup(&u);
	wr(&u, FCR, 0x01);
	wr(&u, MCR, MCR_LOOP);
	wr(&u, THR, 'L');
	wr(&u, THR, 'B');
	CHECK_EQ(seen.ntx, 0); /* nothing on the wire */
	CHECK_EQ(rd(&u, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	CHECK_EQ(rd(&u, RBR), 'L');
	CHECK_EQ(rd(&u, RBR), 'B');
	/* The serial input is disconnected: pushes are refused, not lost. */
	CHECK(!vuart_rx_room(&u));
	CHECK_EQ(vuart_rx_push(&u, 'x'), -ENOSPC);
	CHECK_EQ(rd(&u, LSR), LSR_THRE | LSR_TEMT); /* and no overrun */
	/* Interrupts work inside the chip but OUT2 is forced off outside. */
	wr(&u, IER, 0x01);
	wr(&u, MCR, MCR_LOOP | MCR_OUT2);
	wr(&u, THR, 'i');
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_RDA);
	CHECK(!seen.level);
	rd(&u, RBR);

	wr(&u, MCR, 0);
	wr(&u, THR, 'w');
	CHECK_EQ(seen.ntx, 1);
	CHECK_EQ(seen.tx[0], 'w');
	CHECK_EQ(rd(&u, LSR) & LSR_DR, 0);
	CHECK(vuart_rx_room(&u));
}

TEST(loopback_mcr_to_msr)
{
	static const struct {
		uint8_t mcr, msr;
	} map[] = {
	    {MCR_RTS, MSR_CTS},
	    {MCR_DTR, MSR_DSR},
	    {MCR_OUT1, MSR_RI},
	    {MCR_OUT2, MSR_DCD},
	    {0, 0},
	    {MCR_RTS | MCR_DTR | MCR_OUT1 | MCR_OUT2, 0xF0},
	};
	struct vuart u;
	unsigned int i;

	setup(&u);
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		wr(&u, MCR, MCR_LOOP | map[i].mcr);
		CHECK_EQ(rd(&u, MSR) & 0xF0, map[i].msr);
	}
	/* Out of loopback the terminal is back, whatever MCR says. */
	wr(&u, MCR, 0);
	CHECK_EQ(rd(&u, MSR) & 0xF0, MSR_CTS | MSR_DSR | MSR_DCD);
}

TEST(msr_delta_bits)
{
	struct vuart u;

	setup(&u);
	wr(&u, IER, 0x08);
	/* Loopback with every output on: CTS, DSR, DCD stay on, RI rises. */
	wr(&u, MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT1 | MCR_OUT2);
	CHECK_EQ(rd(&u, MSR), 0xF0); /* a rising RI is no TERI */
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	/* Drop RTS and OUT1: DCTS and TERI (RI's trailing edge). */
	wr(&u, MCR, MCR_LOOP | MCR_DTR | MCR_OUT2);
	CHECK_EQ(rd(&u, IIR), IIR_MSI);
	CHECK(!seen.level); /* loopback keeps the PC's IRQ off */
	CHECK_EQ(rd(&u, MSR), MSR_DSR | MSR_DCD | MSR_DCTS | MSR_TERI);
	CHECK_EQ(rd(&u, MSR), MSR_DSR | MSR_DCD); /* cleared on read */
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	/* Drop DTR and OUT2: DDSR and DDCD. */
	wr(&u, MCR, MCR_LOOP);
	CHECK_EQ(rd(&u, MSR), MSR_DDSR | MSR_DDCD);
	/* Leaving loopback with OUT2: the terminal's lines come back. */
	wr(&u, MCR, MCR_OUT2);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_MSI);
	CHECK_EQ(rd(&u, MSR), MSR_CTS | MSR_DSR | MSR_DCD | MSR_DCTS | MSR_DDSR | MSR_DDCD);
	CHECK(!seen.level);
	/* Deltas accumulate while masked and show once enabled. */
	wr(&u, IER, 0x00);
	wr(&u, MCR, MCR_LOOP | MCR_OUT2);
	wr(&u, MCR, MCR_OUT2);
	CHECK(!seen.level);
	wr(&u, IER, 0x08);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, MSR) & 0x0F, MSR_DCTS | MSR_DDSR);
	CHECK(!seen.level);
}

TEST(irq_only_with_out2)
{
	struct vuart u;

	setup(&u);
	wr(&u, IER, 0x01);
	CHECK_EQ(vuart_rx_push(&u, 'k'), 0);
	CHECK_EQ(rd(&u, IIR), IIR_RDA); /* pending inside the chip ... */
	CHECK(!seen.level);		/* ... but not wired to the PIC */
	CHECK_EQ(seen.calls, 0);
	wr(&u, MCR, MCR_OUT2);
	CHECK(seen.level);
	CHECK_EQ(seen.line, TEST_IRQ_LINE);
	wr(&u, MCR, MCR_DTR | MCR_RTS);
	CHECK(!seen.level);
	wr(&u, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, RBR), 'k');
	CHECK(!seen.level);
	/* The sink only hears changes. */
	CHECK_EQ(seen.calls, seen.rises + seen.falls);
}

TEST(tx_byte_at_a_time)
{
	static const char msg[] = "Linux version 6.1\r\n";
	struct vuart u;
	unsigned int i;

	setup(&u);
	for (i = 0; i < sizeof(msg) - 1; i++) {
		wr(&u, THR, (uint8_t)msg[i]);
		CHECK_EQ(seen.ntx, i + 1); /* delivered before the OUT returns */
		CHECK_EQ(rd(&u, LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
	}
	CHECK(memcmp(seen.tx, msg, sizeof(msg) - 1) == 0);
	/* FIFO mode changes nothing for the transmitter. */
	wr(&u, FCR, 0xC7);
	wr(&u, THR, 0xFF);
	CHECK_EQ(seen.ntx, sizeof(msg));
	CHECK_EQ(seen.tx[sizeof(msg) - 1], 0xFF);

	/* No tx callback and no sink: bytes vanish, nothing crashes. */
	vuart_init(&u, NULL, 0, NULL, NULL);
	wr(&u, MCR, MCR_OUT2);
	wr(&u, IER, 0x02);
	wr(&u, THR, 'q');
	CHECK_EQ(rd(&u, IIR), IIR_THRE);
}

TEST(rx_room_follows_guest_reads)
{
	struct vuart u;

	setup(&u);
	wr(&u, FCR, 0x01);
	push_n(&u, 16);
	CHECK(!vuart_rx_room(&u));
	CHECK_EQ(rd(&u, RBR), 0x40);
	CHECK(vuart_rx_room(&u));
	CHECK_EQ(vuart_rx_push(&u, 0x50), 0);
	CHECK(!vuart_rx_room(&u));
	/* Order kept across the ring's wrap-around. */
	CHECK_EQ(rd(&u, RBR), 0x41);
	CHECK_EQ(rd(&u, LSR) & LSR_OE, 0);
}

/*
 * Port types Linux's 8250 driver can conclude, and a transcription of the
 * register accesses of its autoconfig() and autoconfig_16550a()
 * (drivers/tty/serial/8250/8250_port.c) for a port with an IRQ, no
 * UPF_SKIP_TEST and no RSA, so that the model answers each probe as a real
 * 16550A does.
 */
enum port_type {
	PT_NONE,
	PT_8250,
	PT_UNKNOWN,
	PT_16550,
	PT_16550A,
	PT_16650,
	PT_16650V2,
	PT_NS16550A,
	PT_16750,
	PT_XSCALE,
	PT_U6_16550A,
	PT_FSL64
};

static unsigned int linux_size_fifo(struct vuart *u)
{
	uint8_t old_lcr = rd(u, LCR), old_fcr, old_mcr, old_dll, old_dlm;
	unsigned int count;

	wr(u, LCR, 0);
	old_fcr = rd(u, FCR); /* really IIR: FCR cannot be read */
	old_mcr = rd(u, MCR);
	wr(u, FCR, 0x07);
	wr(u, MCR, MCR_LOOP);
	wr(u, LCR, 0x80);
	old_dll = rd(u, DLL);
	old_dlm = rd(u, DLM);
	wr(u, DLL, 1);
	wr(u, DLM, 0);
	wr(u, LCR, 0x03);
	for (count = 0; count < 256; count++)
		wr(u, THR, (uint8_t)count);
	for (count = 0; (rd(u, LSR) & LSR_DR) && count < 256; count++)
		rd(u, RBR);
	wr(u, FCR, old_fcr);
	wr(u, MCR, old_mcr);
	wr(u, LCR, 0x80);
	wr(u, DLL, old_dll);
	wr(u, DLM, old_dlm);
	wr(u, LCR, old_lcr);
	return count;
}

static enum port_type linux_autoconfig_16550a(struct vuart *u)
{
	enum port_type type = PT_16550A;
	uint8_t s1, s2, ier;

	/* EFR with DLAB set (ST16C650V1). */
	wr(u, LCR, 0x80);
	if (rd(u, EFR) == 0) {
		wr(u, EFR, 0xA8);
		type = rd(u, EFR) != 0 ? PT_16650 : PT_FSL64;
		wr(u, EFR, 0);
		return type;
	}
	/* EFR with LCR = 0xBF (ST16C650V2, TI16C752). */
	wr(u, LCR, 0xBF);
	if (rd(u, EFR) == 0)
		return PT_16650V2;
	/* National SuperIO: MCR.LOOP mirrored in EXCR1 at bank 2. */
	wr(u, LCR, 0);
	s1 = rd(u, MCR);
	wr(u, LCR, 0xE0);
	s2 = rd(u, 2);
	if (!((s1 ^ s2) & MCR_LOOP)) {
		wr(u, LCR, 0);
		wr(u, MCR, s1 ^ MCR_LOOP);
		wr(u, LCR, 0xE0);
		s2 = rd(u, 2);
		wr(u, LCR, 0);
		wr(u, MCR, s1);
		if ((s1 ^ s2) & MCR_LOOP)
			return PT_NS16550A;
	}
	/* TI16750: IIR bit 5 follows FCR bit 5 only with DLAB set. */
	wr(u, LCR, 0);
	wr(u, FCR, 0x21);
	s1 = rd(u, IIR) & 0xE0;
	wr(u, FCR, 0x01);
	wr(u, LCR, 0x80);
	wr(u, FCR, 0x21);
	s2 = rd(u, IIR) & 0xE0;
	wr(u, FCR, 0x01);
	wr(u, LCR, 0);
	if (s1 == 0xC0 && s2 == 0xE0)
		return PT_16750;
	/* XScale: a writable IER bit 6 (UUE). */
	ier = rd(u, IER);
	wr(u, IER, ier & ~0x40);
	if (!(rd(u, IER) & 0x40)) {
		wr(u, IER, ier | 0x40);
		if (rd(u, IER) & 0x40)
			type = PT_XSCALE;
	} else {
		type = PT_XSCALE;
	}
	wr(u, IER, ier);
	/* U6 16550A: a 64-byte FIFO. */
	if (type == PT_16550A && linux_size_fifo(u) == 64)
		type = PT_U6_16550A;
	return type;
}

static enum port_type linux_autoconfig(struct vuart *u)
{
	enum port_type type = PT_NONE;
	uint8_t scratch, s2, s3, save_mcr, save_lcr;

	/* Existence: IER bits 3:0 hold 0 and 0xF. */
	scratch = rd(u, IER);
	wr(u, IER, 0);
	s2 = rd(u, IER) & 0x0F;
	wr(u, IER, 0x0F);
	s3 = rd(u, IER) & 0x0F;
	wr(u, IER, scratch);
	if (s2 != 0 || s3 != 0x0F)
		return PT_NONE;

	save_mcr = rd(u, MCR);
	save_lcr = rd(u, LCR);
	/* Loopback: RTS and OUT2 come back as CTS and DCD. */
	wr(u, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	s2 = rd(u, MSR) & 0xF0;
	wr(u, MCR, save_mcr);
	if (s2 != (MSR_DCD | MSR_CTS))
		return PT_NONE;

	wr(u, LCR, 0xBF);
	wr(u, EFR, 0);
	wr(u, LCR, 0);
	wr(u, FCR, 0x01);
	switch (rd(u, IIR) >> 6) {
	case 0:
		type = PT_8250;
		break;
	case 1:
		type = PT_UNKNOWN;
		break;
	case 2:
		type = PT_16550;
		break;
	default:
		type = linux_autoconfig_16550a(u);
		break;
	}
	wr(u, LCR, save_lcr);
	/* Reset the UART. */
	wr(u, MCR, save_mcr);
	wr(u, FCR, 0x01);
	wr(u, FCR, 0x07);
	wr(u, FCR, 0x00);
	rd(u, RBR);
	wr(u, IER, 0);
	return type;
}

TEST(linux_8250_probe_finds_16550a)
{
	struct vuart u;

	setup(&u);
	wr(&u, SCR, 0xA5);
	CHECK_EQ(linux_autoconfig(&u), PT_16550A);
	/* The probe left no trace on the wire or the line. */
	CHECK_EQ(seen.ntx, 0);
	CHECK_EQ(seen.calls, 0);
	CHECK_EQ(rd(&u, LCR), 0);
	CHECK_EQ(rd(&u, MCR), 0);
	CHECK_EQ(rd(&u, IER), 0);
	CHECK_EQ(rd(&u, SCR), 0xA5);
	CHECK_EQ(rd(&u, IIR), IIR_NONE);
	/* The FIFO depth the U6 check measured through loopback is 16. */
	wr(&u, FCR, 0x01);
	CHECK_EQ(linux_size_fifo(&u), 16);
	CHECK_EQ(seen.ntx, 0);
}

TEST(linux_8250_startup_thre_tests)
{
	struct vuart u;
	uint8_t iir1, iir, lsr;

	setup(&u);
	CHECK_EQ(linux_autoconfig(&u), PT_16550A);
	/* serial8250_do_startup(): clear FIFOs, 8N1, DTR|RTS|OUT2. */
	wr(&u, FCR, 0x07);
	rd(&u, LSR);
	rd(&u, RBR);
	rd(&u, IIR);
	rd(&u, MSR);
	wr(&u, LCR, 0x03);
	wr(&u, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	/* UART_BUG_THRE test: THRE must come back after IIR acknowledged it. */
	CHECK_EQ(rd(&u, LSR) & LSR_THRE, LSR_THRE);
	wr(&u, IER, 0x02);
	iir1 = rd(&u, IIR);
	wr(&u, IER, 0);
	wr(&u, IER, 0x02);
	iir = rd(&u, IIR);
	wr(&u, IER, 0);
	CHECK(!(iir1 & IIR_NONE));
	CHECK(!(iir & IIR_NONE));
	/* UART_BUG_TXEN test: THRI enabled, TEMT set, an interrupt pending. */
	wr(&u, IER, 0x02);
	lsr = rd(&u, LSR);
	iir = rd(&u, IIR);
	wr(&u, IER, 0);
	CHECK(lsr & LSR_TEMT);
	CHECK(!(iir & IIR_NONE));
	/* Interrupts and the FIFO as set_termios leaves them (trigger 8). */
	wr(&u, FCR, 0x81);
	wr(&u, IER, 0x05); /* RLSI | RDI */
	CHECK(!seen.level);
	push_n(&u, 2);
	CHECK(seen.level);
	CHECK_EQ(rd(&u, IIR), IIR_FIFO | IIR_CTI);
	CHECK_EQ(rd(&u, RBR), 0x40);
	CHECK_EQ(rd(&u, RBR), 0x41);
	CHECK(!seen.level);
}

int main(void)
{
	RUN(reset_state);
	RUN(bad_arguments);
	RUN(divisor_latch_and_dlab);
	RUN(scratch_register);
	RUN(register_reserved_bits);
	RUN(fifo_enable_and_clear);
	RUN(trigger_levels);
	RUN(rx_data_available_at_trigger);
	RUN(timeout_reporting);
	RUN(iir_priority_order);
	RUN(thre_on_enable);
	RUN(thre_cleared_by_thr_write_and_raised_after_tx);
	RUN(overrun_on_17th_byte);
	RUN(loopback_tx_to_rx);
	RUN(loopback_mcr_to_msr);
	RUN(msr_delta_bits);
	RUN(irq_only_with_out2);
	RUN(tx_byte_at_a_time);
	RUN(rx_room_follows_guest_reads);
	RUN(linux_8250_probe_finds_16550a);
	RUN(linux_8250_startup_thre_tests);
	TEST_EXIT();
}
