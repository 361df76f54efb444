/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART, polled. Register layout and bits: TI PC16550D datasheet,
 * section 8 (registers). The driver only transmits for the console and
 * polls for received bytes; it never waits forever, so a missing or wedged
 * UART slows the log down but cannot hang the hypervisor.
 */
#include "arch/x86/uart.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"

#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define LSR_DATA_READY 0x01
#define IER_RX_AVAILABLE 0x01
#define LSR_THRE 0x20

#define SCRATCH_PROBE1 0x5A
#define SCRATCH_PROBE2 0xA5
/* At 9600 baud a byte takes ~1 ms; this bound is far above that. */
#define UART_TX_SPIN_LIMIT 1000000

int uart_init(uint16_t base, uint32_t baud)
{
	uint32_t div;

	if (baud == 0 || baud > UART_BASE_CLOCK_BAUD || UART_BASE_CLOCK_BAUD % baud != 0)
		return -EINVAL;
	div = UART_BASE_CLOCK_BAUD / baud;

	outb(base + UART_SCR, SCRATCH_PROBE1);
	if (inb(base + UART_SCR) != SCRATCH_PROBE1)
		return -ENODEV;
	outb(base + UART_SCR, SCRATCH_PROBE2);
	if (inb(base + UART_SCR) != SCRATCH_PROBE2)
		return -ENODEV;

	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, (uint8_t)(div & 0xFF));
	outb(base + UART_DLM, (uint8_t)(div >> 8));
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	outb(base + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	return 0;
}

void uart_putc(uint16_t base, char c)
{
	for (unsigned int i = 0; i < UART_TX_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(base + UART_THR, (uint8_t)c);
}

void uart_enable_rx_irq(uint16_t base)
{
	outb(base + UART_IER, IER_RX_AVAILABLE);
}

int uart_getc(uint16_t base)
{
	if (!(inb(base + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(base + UART_RBR);
}
