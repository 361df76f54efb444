/* SPDX-License-Identifier: MIT */
/*
 * Time: the TSC, calibrated once at boot against the ACPI clock
 * (clocksource.c), is the hypervisor's time base on every CPU.
 */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include "lib/compiler.h"

struct clocksource;

/* Measured TSC frequency in Hz; 0 until tsc_calibrate() succeeded. */
extern uint64_t tsc_hz;

/*
 * Measure the TSC frequency against the clock source over a fixed window.
 * Returns 0, or -EIO if the clock source does not advance.
 */
int tsc_calibrate(void);

/* Nanoseconds since the TSC was calibrated (0 before). */
uint64_t tsc_ns_since_boot(void);

/* The TSC value at ns nanoseconds after calibration (the inverse of tsc_ns_since_boot). */
uint64_t tsc_at_ns(uint64_t ns);

/* TSC ticks in ns nanoseconds (0 before calibration). */
uint64_t tsc_from_ns(uint64_t ns);

/* Nanoseconds in a number of TSC ticks. */
uint64_t tsc_to_ns(uint64_t ticks);

/* Busy-wait for at least us microseconds (needs calibration). */
void tsc_delay_us(uint64_t us);

#endif
