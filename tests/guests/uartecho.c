// SPDX-License-Identifier: MIT
/*
 * uartecho: proves console input reaches the partition that has the focus,
 * through its virtual 16550 (COM1, polled). Every line typed is echoed back
 * as "echo: <line>" through the UART's transmitter.
 */
#include "rt.h"

#define COM1 0x3F8
#define UART_RBR 0
#define UART_THR 0
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LINE_MAX 64

static void uart_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		cpu_pause();
	outb(COM1 + UART_THR, (uint8_t)c);
}

static void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void guest_main(void)
{
	char line[LINE_MAX + 1];
	unsigned int n = 0;

	uart_puts("uartecho: ready\n");
	for (;;) {
		char c;

		if (!(inb(COM1 + UART_LSR) & LSR_DR)) {
			cpu_pause();
			continue;
		}
		c = (char)inb(COM1 + UART_RBR);
		if (c == '\r' || c == '\n') {
			line[n] = '\0';
			uart_puts("echo: ");
			uart_puts(line);
			uart_putc('\n');
			n = 0;
		} else if (n < LINE_MAX) {
			line[n++] = c;
		}
	}
}
