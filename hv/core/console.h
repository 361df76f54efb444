/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: the UART chosen on the command line. A lock keeps
 * lines from different CPUs whole. The panic path bypasses the lock after a
 * bounded wait, so a CPU that died holding it cannot silence the panic.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include "lib/compiler.h"

/* Select and program the console UART. 0 or the uart_init() error. */
int console_init(uint16_t port, uint32_t baud);

/* Write len bytes as one unit, under the console lock. */
void console_write(const char *s, size_t len);

/* Panic mode: from now on writes take the lock only if it is free soon. */
void console_enter_panic(void);

/*
 * Deliver console input: every received byte is passed to fn (from the
 * UART's interrupt, on the boot CPU). Routes the UART's interrupt through
 * the host IO-APIC. 0 or -errno.
 */
int console_enable_input(void (*fn)(uint8_t byte));

/* The console port in use. */
uint16_t console_port(void);

#endif
