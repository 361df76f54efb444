/* SPDX-License-Identifier: MIT */
/* The hypervisor's own 16550 UART console driver (polled, transmit side). */
#ifndef ARCH_X86_UART_H
#define ARCH_X86_UART_H

#include "lib/compiler.h"

#define UART_COM1 0x3F8
#define UART_COM2 0x2F8
#define UART_COM3 0x3E8
#define UART_COM4 0x2E8
#define UART_DEFAULT_BAUD 115200
#define UART_BASE_CLOCK_BAUD 115200 /* 1.8432 MHz / 16 */

/*
 * Program the UART at I/O port base for baud 8N1 with FIFOs on.
 * Returns 0, -EINVAL if baud is not a divisor of 115200, or -ENODEV if no
 * UART answers at that port (the scratch register does not hold a value).
 */
int uart_init(uint16_t base, uint32_t baud);

/* Send one byte, waiting (boundedly) for room in the transmitter. */
void uart_putc(uint16_t base, char c);

/* Interrupt on received data (IER bit 0); the line itself is routed by the caller. */
void uart_enable_rx_irq(uint16_t base);

/* A received byte, or -1 if none is waiting. */
int uart_getc(uint16_t base);

#endif
