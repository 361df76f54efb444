/* SPDX-License-Identifier: MIT */
/*
 * The panic path: for broken hypervisor invariants only, never for
 * anything a guest or a configuration can cause. It prints the CPU, the
 * reason (the exception and registers for a fault), a backtrace, stops
 * every other CPU with an NMI, and halts.
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include "lib/compiler.h"

struct trap_frame;

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* An exception the hypervisor did not expect (called by trap_dispatch). */
__noreturn void panic_trap(struct trap_frame *tf);

/* NMI entry: halts this CPU if a panic is under way, else counts it and returns. */
void panic_nmi(struct trap_frame *tf);

/* Print a refusal (what is missing, what to do) and halt this CPU cleanly. */
__noreturn void refuse(const char *fmt, ...) __printf(1, 2);

/* True once any CPU has started to panic. */
bool panic_in_progress(void);

#endif
