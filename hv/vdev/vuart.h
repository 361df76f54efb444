/* SPDX-License-Identifier: MIT */
/*
 * Emulated 16550A UART (the partition's COM1: ports 0x3F8-0x3FF, IRQ 4).
 *
 * A pure state machine after the TI/National PC16550D datasheet: port
 * accesses come in as function calls, the interrupt line goes out through
 * an irq_sink, transmitted bytes go out through a tx callback and received
 * bytes come in through vuart_rx_push(). No locks: the caller serialises all
 * calls on one struct vuart (it is owned by one partition's exit path).
 *
 * Timing is not modelled. The transmitter is infinitely fast (THR and the
 * transmit shift register are empty again as soon as a byte is written) and
 * the receiver's character timeout fires at once (see vuart.c).
 */
#ifndef VDEV_VUART_H
#define VDEV_VUART_H

#include "lib/compiler.h"
#include "vdev/irq.h"

/* Where the PC puts the first serial port. */
#define VUART_COM1_BASE 0x3F8
#define VUART_COM1_IRQ	4
/* Eight consecutive ports, offsets 0..7 (datasheet Table II). */
#define VUART_NR_PORTS 8
/* Depth of the receive FIFO of a 16550A. */
#define VUART_FIFO_SIZE 16

struct vuart {
	/* Outputs, set by vuart_init(). */
	struct irq_sink irq;
	unsigned int irq_line;
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;

	/* Receive FIFO: a ring of rx_count bytes starting at rx_head. */
	uint8_t rx_fifo[VUART_FIFO_SIZE];
	uint8_t rx_head;
	uint8_t rx_count;

	uint8_t ier;	    /* interrupt enable, bits 3:0 */
	uint8_t fcr;	    /* FIFO control as last programmed (bits 0, 3, 7:6) */
	uint8_t lcr;	    /* line control, all 8 bits */
	uint8_t mcr;	    /* modem control, bits 4:0 */
	uint8_t lsr_errors; /* sticky LSR bits OE/PE/FE/BI, cleared by reading LSR */
	uint8_t msr_delta;  /* MSR bits 3:0, cleared by reading MSR */
	uint8_t scr;	    /* scratch */
	uint8_t dll;	    /* divisor latch, low and high byte */
	uint8_t dlm;
	bool thre_pending; /* THRE interrupt latched, not yet acknowledged */
	bool irq_level;	   /* level last sent to the sink */
};

/*
 * Reset the UART to the datasheet's reset state (Table I) and connect it.
 * irq: where the interrupt line goes (copied; NULL = nowhere); irq_line: the
 * line number passed to irq->set (normally VUART_COM1_IRQ); tx: called once
 * per byte the guest transmits (NULL = bytes are dropped), with tx_ctx.
 * Does not drive the line: the line starts deasserted. Called by the
 * partition set-up code, before the guest runs.
 */
void vuart_init(struct vuart *u, const struct irq_sink *irq, unsigned int irq_line,
		void (*tx)(void *ctx, uint8_t byte), void *tx_ctx);

/*
 * A guest's IN from port base+offset. offset: 0..7; *val receives the byte.
 * Reads have side effects (RBR pops the FIFO, IIR acknowledges THRE, LSR and
 * MSR clear their sticky bits) and may change the interrupt line.
 * Returns 0, or -EINVAL for an offset outside 0..7 or a NULL val.
 * Called from the port I/O exit handler.
 */
int vuart_io_read(struct vuart *u, uint16_t offset, uint8_t *val);

/*
 * A guest's OUT of val to port base+offset, offset 0..7. A THR write calls
 * the tx callback (or loops the byte back into the receiver in loopback
 * mode) before returning. May change the interrupt line.
 * Returns 0, or -EINVAL for an offset outside 0..7.
 * Called from the port I/O exit handler.
 */
int vuart_io_write(struct vuart *u, uint16_t offset, uint8_t val);

/*
 * A byte arriving on the serial input (from the hypervisor's console input
 * queue). Returns 0 when the byte was stored in the receive FIFO, or
 * -ENOSPC when it was not: the FIFO is full (the guest then sees an overrun,
 * LSR.OE, as it would on a wire) or the UART is in loopback mode (its input
 * is disconnected). The byte is not stored in either case, so the caller
 * keeps it and retries after the guest has read RBR; callers that want no
 * overrun at all check vuart_rx_room() first. May raise the interrupt line.
 */
int vuart_rx_push(struct vuart *u, uint8_t byte);

/*
 * True when vuart_rx_push() would store a byte now: the receive FIFO (one
 * byte deep with the FIFOs disabled, 16 with them enabled) has room and the
 * UART is not in loopback mode.
 */
bool vuart_rx_room(const struct vuart *u);

#endif
