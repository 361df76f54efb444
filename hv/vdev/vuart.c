/* SPDX-License-Identifier: MIT */
/*
 * Emulated 16550A UART. References are to the TI/National Semiconductor
 * PC16550D datasheet ("PC16550D Universal Asynchronous Receiver/Transmitter
 * with FIFOs", SNLS378): section 8 describes the registers, Table II
 * summarises them, Table IV lists the interrupt sources and their priorities.
 *
 * Modelling choices (the device has no clock):
 * - The transmitter is infinitely fast: a byte written to THR is handed to
 *   the tx callback at once, so LSR.THRE and LSR.TEMT always read 1 and the
 *   transmit FIFO is always empty.
 * - The character timeout (8.6, Table IV: data in the receive FIFO below the
 *   trigger level and no FIFO access for four character times) fires at
 *   once: any data below the trigger level is reported as a timeout.
 * - There is no wire, so parity, framing and break errors never happen; the
 *   only receive error is the overrun (LSR.OE) of a push into a full FIFO.
 */
#include "vdev/vuart.h"

#include "lib/errno.h"
#include "lib/string.h"

/* Register offsets (Table II). DLAB is LCR bit 7. */
#define UART_RBR 0 /* read, DLAB=0: receiver buffer */
#define UART_THR 0 /* write, DLAB=0: transmitter holding */
#define UART_DLL 0 /* DLAB=1: divisor latch low byte */
#define UART_IER 1 /* DLAB=0: interrupt enable */
#define UART_DLM 1 /* DLAB=1: divisor latch high byte */
#define UART_IIR 2 /* read: interrupt identification */
#define UART_FCR 2 /* write: FIFO control */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

/* IER (8.7). Bits 7:4 are always 0. */
#define IER_ERBFI 0x01 /* received data available (and timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK  0x0F

/* IIR (8.6, Table IV). Bit 0 is 0 while an interrupt is pending. */
#define IIR_NONE    0x01
#define IIR_RLS	    0x06 /* 1st: receiver line status */
#define IIR_RDA	    0x04 /* 2nd: received data available */
#define IIR_CTI	    0x0C /* 2nd: character timeout */
#define IIR_THRE    0x02 /* 3rd: transmitter holding register empty */
#define IIR_MSI	    0x00 /* 4th: modem status */
#define IIR_FIFO_ON 0xC0 /* bits 7:6 are set when FCR0 = 1 */

/* FCR (8.5). */
#define FCR_ENABLE	  0x01
#define FCR_CLEAR_RX	  0x02 /* self-clearing */
#define FCR_CLEAR_TX	  0x04 /* self-clearing */
#define FCR_DMA_MODE	  0x08 /* affects only the RXRDY/TXRDY pins */
#define FCR_TRIGGER_MASK  0xC0
#define FCR_TRIGGER_SHIFT 6
/* What the device remembers of an FCR write (the clear bits self-clear). */
#define FCR_STORED (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK)

/* LCR (8.1). */
#define LCR_DLAB 0x80

/* MCR (8.8). Bits 7:5 are always 0. */
#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

/* LSR (8.4). */
#define LSR_DR	   0x01
#define LSR_OE	   0x02
#define LSR_PE	   0x04
#define LSR_FE	   0x08
#define LSR_BI	   0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_RXFERR 0x80 /* a PE, FE or BI character is in the FIFO */
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

/* MSR (8.9): delta bits 3:0, input levels 7:4. */
#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04 /* trailing edge of RI (1 -> 0) */
#define MSR_DDCD   0x08
#define MSR_DELTAS 0x0F
#define MSR_CTS	   0x10
#define MSR_DSR	   0x20
#define MSR_RI	   0x40
#define MSR_DCD	   0x80

/*
 * Outside loopback the modem inputs show a connected, ready terminal: CTS,
 * DSR and DCD asserted, no ring. Guests that honour flow control (or wait
 * for carrier) then transmit.
 */
#define MSR_TERMINAL (MSR_CTS | MSR_DSR | MSR_DCD)

/*
 * The divisor at reset is undefined (Table I leaves the divisor latches
 * out); 12 is 9600 baud from the PC's 1.8432 MHz clock, what a BIOS sets.
 */
#define DIVISOR_RESET 12

static bool fifo_enabled(const struct vuart *u)
{
	return (u->fcr & FCR_ENABLE) != 0;
}

static bool loopback(const struct vuart *u)
{
	return (u->mcr & MCR_LOOP) != 0;
}

/* Receive trigger level of FCR bits 7:6 (8.5): 1, 4, 8 or 14 bytes. */
static unsigned int rx_trigger(const struct vuart *u)
{
	static const uint8_t levels[4] = {1, 4, 8, 14};

	return levels[(u->fcr & FCR_TRIGGER_MASK) >> FCR_TRIGGER_SHIFT];
}

/*
 * Bytes the receiver can hold: the 16-byte FIFO in FIFO mode, the single
 * RBR in 16450 (character) mode (8.5: FCR0 = 0).
 */
static unsigned int rx_capacity(const struct vuart *u)
{
	return fifo_enabled(u) ? VUART_FIFO_SIZE : 1;
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/*
 * Store a received byte. A full receiver is an overrun (8.4, LSR bit 1):
 * OE is set and the new character is lost, the FIFO contents are kept as in
 * FIFO mode. (In 16450 mode the real chip overwrites RBR instead; dropping
 * the new byte lets vuart_rx_push() report it back to the caller.)
 */
static int rx_store(struct vuart *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= LSR_OE;
		return -ENOSPC;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
	return 0;
}

static uint8_t rx_pop(struct vuart *u)
{
	uint8_t byte;

	/* An empty RBR reads as 0 (the chip would return stale data). */
	if (!u->rx_count)
		return 0;
	byte = u->rx_fifo[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_FIFO_SIZE);
	u->rx_count--;
	return byte;
}

/*
 * Levels of the four modem inputs in MSR bits 7:4. In loopback mode (8.8,
 * MCR bit 4) the inputs are disconnected and wired internally to the
 * outputs: RTS -> CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD.
 */
static uint8_t msr_inputs(uint8_t mcr)
{
	uint8_t in = 0;

	if (!(mcr & MCR_LOOP))
		return MSR_TERMINAL;
	if (mcr & MCR_RTS)
		in |= MSR_CTS;
	if (mcr & MCR_DTR)
		in |= MSR_DSR;
	if (mcr & MCR_OUT1)
		in |= MSR_RI;
	if (mcr & MCR_OUT2)
		in |= MSR_DCD;
	return in;
}

/*
 * Delta bits for a change of the modem inputs from old to now (8.9): DCTS,
 * DDSR and DDCD on any change, TERI only when RI goes from on to off.
 */
static uint8_t msr_deltas(uint8_t old, uint8_t now)
{
	uint8_t changed = old ^ now;
	uint8_t d = 0;

	if (changed & MSR_CTS)
		d |= MSR_DCTS;
	if (changed & MSR_DSR)
		d |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		d |= MSR_TERI;
	if (changed & MSR_DCD)
		d |= MSR_DDCD;
	return d;
}

static uint8_t lsr_value(const struct vuart *u)
{
	uint8_t lsr = u->lsr_errors | LSR_THRE | LSR_TEMT;

	if (u->rx_count)
		lsr |= LSR_DR;
	return lsr;
}

/*
 * The highest-priority enabled interrupt, as IIR bits 3:0 (8.6, Table IV):
 * receiver line status > received data available > character timeout >
 * THR empty > modem status.
 */
static uint8_t pending_id(const struct vuart *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr_errors & LSR_ERRORS))
		return IIR_RLS;
	if ((u->ier & IER_ERBFI) && u->rx_count) {
		/*
		 * In 16450 mode one byte is "available". In FIFO mode the RDA
		 * interrupt needs the trigger level; fewer bytes would raise
		 * the timeout interrupt after four character times, which this
		 * clockless model reports at once.
		 */
		if (!fifo_enabled(u) || u->rx_count >= rx_trigger(u))
			return IIR_RDA;
		return IIR_CTI;
	}
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr_delta & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NONE;
}

/*
 * Drive the interrupt line. The chip's INTR pin follows pending_id(), but on
 * the PC the pin reaches the interrupt controller only through a buffer
 * enabled by the OUT2 output (IBM PC/AT serial adapter wiring; Linux sets
 * MCR.OUT2 for this reason). In loopback mode the chip forces its modem
 * outputs, OUT2 included, to their inactive state (8.8), which closes that
 * buffer too. The sink sees levels, and only their changes.
 */
static void update_irq(struct vuart *u)
{
	bool level = pending_id(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !loopback(u);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_sink_set(&u->irq, u->irq_line, level);
	}
}

void vuart_init(struct vuart *u, const struct irq_sink *irq, unsigned int irq_line,
		void (*tx)(void *ctx, uint8_t byte), void *tx_ctx)
{
	memset(u, 0, sizeof(*u));
	if (irq)
		u->irq = *irq;
	u->irq_line = irq_line;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	/*
	 * Table I: IER, FCR, LCR, MCR and the LSR error bits reset to 0, IIR
	 * to "none pending"; MSR deltas to 0. The transmitter starts empty,
	 * and THRE becomes an interrupt only once ETBEI is set (see IER).
	 */
	u->dll = DIVISOR_RESET;
	u->dlm = 0;
}

/* A byte written to THR: out through the callback, or back in on loopback. */
static void transmit(struct vuart *u, uint8_t byte)
{
	/*
	 * Writing THR acknowledges the THRE interrupt (Table IV). Update the
	 * line before the byte "leaves" so that an edge-triggered controller
	 * sees the line fall and rise again when THR empties at once below.
	 */
	u->thre_pending = false;
	update_irq(u);

	if (loopback(u))
		(void)rx_store(u, byte); /* 8.8: TSR output looped to the RSR */
	else if (u->tx)
		u->tx(u->tx_ctx, byte);

	/* The transmitter is infinitely fast: THR is empty again. */
	u->thre_pending = true;
}

static void write_ier(struct vuart *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & IER_MASK;
	/*
	 * Setting ETBEI while THR is empty raises THRE at once, even when an
	 * earlier THRE had been acknowledged by reading IIR: real 16550s do
	 * this, and Linux's 8250 driver tests for it at start-up (toggling
	 * IER.THRI and reading IIR) before it trusts THRE interrupts. THR is
	 * always empty here, so any 0 -> 1 change of ETBEI latches THRE.
	 */
	if ((u->ier & IER_ETBEI) && !(old & IER_ETBEI))
		u->thre_pending = true;
}

/* FCR (8.5). */
static void write_fcr(struct vuart *u, uint8_t val)
{
	if (!(val & FCR_ENABLE)) {
		/*
		 * Resetting FCR0 clears both FIFOs and, since FCR0 must be 1
		 * for the other bits to be programmed, ignores them.
		 */
		if (fifo_enabled(u))
			rx_clear(u);
		u->fcr = 0;
		return;
	}
	/* Changing between 16450 and FIFO mode clears the FIFOs. */
	if (!fifo_enabled(u) || (val & FCR_CLEAR_RX))
		rx_clear(u);
	/*
	 * FCR_CLEAR_TX: the transmit FIFO is always empty here. Neither clear
	 * touches the shift registers or the LSR error bits.
	 */
	u->fcr = val & FCR_STORED;
}

static void write_mcr(struct vuart *u, uint8_t val)
{
	uint8_t old_in = msr_inputs(u->mcr);

	u->mcr = val & MCR_MASK;
	/*
	 * In loopback the modem status interrupt follows the low MCR bits
	 * (8.8); entering or leaving loopback switches the inputs between
	 * those bits and the terminal, which is a change too.
	 */
	u->msr_delta |= msr_deltas(old_in, msr_inputs(u->mcr));
}

int vuart_io_read(struct vuart *u, uint16_t offset, uint8_t *val)
{
	bool dlab = (u->lcr & LCR_DLAB) != 0;
	uint8_t v;

	if (offset >= VUART_NR_PORTS || !val)
		return -EINVAL;

	switch (offset) {
	case UART_RBR:
		/* Reading RBR acknowledges RDA/CTI once below the trigger. */
		v = dlab ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		/*
		 * DLAB does not apply to offset 2, so the probes that read it
		 * with LCR = 0x80 or 0xBF (looking for an EFR) see IIR, and
		 * bits 7:6 = 11 with the FIFOs on identify a 16550A whose
		 * FIFOs work (8.6). Bits 5:4 are always 0. Reading IIR
		 * acknowledges THRE when THRE is what it reports (Table IV).
		 */
		v = pending_id(u);
		if (v == IIR_THRE)
			u->thre_pending = false;
		if (fifo_enabled(u))
			v |= IIR_FIFO_ON;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		/* 8.4: OE, PE, FE and BI are cleared when the CPU reads LSR. */
		v = lsr_value(u);
		u->lsr_errors = 0;
		break;
	case UART_MSR:
		/* 8.9: the delta bits are cleared when the CPU reads MSR. */
		v = msr_inputs(u->mcr) | u->msr_delta;
		u->msr_delta = 0;
		break;
	default: /* UART_SCR */
		v = u->scr;
		break;
	}
	*val = v;
	update_irq(u);
	return 0;
}

int vuart_io_write(struct vuart *u, uint16_t offset, uint8_t val)
{
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	if (offset >= VUART_NR_PORTS)
		return -EINVAL;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			transmit(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR:
		/*
		 * Also when DLAB is set: Linux writes its "EFR" here with
		 * LCR = 0xBF, which on a 16550A is an FCR write.
		 */
		write_fcr(u, val);
		break;
	case UART_LCR:
		/* Word length, stop bits, parity and break mean nothing here. */
		u->lcr = val;
		break;
	case UART_MCR:
		write_mcr(u, val);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Status registers; writes (factory test only, 8.4) ignored. */
		break;
	default: /* UART_SCR */
		u->scr = val;
		break;
	}
	update_irq(u);
	return 0;
}

int vuart_rx_push(struct vuart *u, uint8_t byte)
{
	int err;

	/* 8.8: in loopback the serial input is disconnected. */
	if (loopback(u))
		return -ENOSPC;
	err = rx_store(u, byte);
	update_irq(u);
	return err;
}

bool vuart_rx_room(const struct vuart *u)
{
	return !loopback(u) && u->rx_count < rx_capacity(u);
}
