/* SPDX-License-Identifier: MIT */
#include "core/console.h"
#include "arch/x86/uart.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "lib/spinlock.h"

/* How long a panicking CPU waits for the console lock before taking over. */
#define PANIC_LOCK_SPINS 10000000

static uint16_t con_port = UART_COM1;
static spinlock_t con_lock = SPINLOCK_INIT;
static volatile bool con_panic;
static void (*input_fn)(uint8_t byte);

/* COM1/COM3 use ISA IRQ 4, COM2/COM4 IRQ 3 (the PC's fixed wiring). */
#define ISA_IRQ_COM13 4
#define ISA_IRQ_COM24 3
/* Bound the bytes taken per interrupt so a flood cannot pin the CPU. */
#define INPUT_BURST 64

static void input_irq(struct trap_frame *tf)
{
	for (unsigned int i = 0; i < INPUT_BURST; i++) {
		int c = uart_getc(con_port);

		if (c < 0)
			break;
		if (input_fn)
			input_fn((uint8_t)c);
	}
	lapic_eoi();
}

int console_enable_input(void (*fn)(uint8_t byte))
{
	unsigned int irq = (con_port == UART_COM1 || con_port == UART_COM3) ? ISA_IRQ_COM13
									     : ISA_IRQ_COM24;
	int err;

	input_fn = fn;
	err = trap_set_handler(VEC_CONSOLE, input_irq);
	if (!err)
		err = ioapic_route_isa(irq, VEC_CONSOLE, this_cpu()->apic_id);
	if (!err)
		uart_enable_rx_irq(con_port);
	return err;
}

int console_init(uint16_t port, uint32_t baud)
{
	int err = uart_init(port, baud);
	if (err == 0)
		con_port = port;
	return err;
}

uint16_t console_port(void)
{
	return con_port;
}

static void emit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(con_port, '\r');
		uart_putc(con_port, s[i]);
	}
}

void console_enter_panic(void)
{
	con_panic = true;
}

void console_write(const char *s, size_t len)
{
	uint64_t flags;

	if (!con_panic) {
		flags = spin_lock_irqsave(&con_lock);
		emit(s, len);
		spin_unlock_irqrestore(&con_lock, flags);
		return;
	}

	/*
	 * Panic: another CPU may have died holding the lock (it is being
	 * stopped by NMI). Wait a bounded time, then write regardless.
	 */
	flags = irq_save();
	for (unsigned int i = 0; i < PANIC_LOCK_SPINS; i++) {
		if (spin_trylock(&con_lock)) {
			emit(s, len);
			spin_unlock(&con_lock);
			irq_restore(flags);
			return;
		}
		cpu_relax();
	}
	emit(s, len);
	irq_restore(flags);
}
