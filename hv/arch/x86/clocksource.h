/* SPDX-License-Identifier: MIT */
/*
 * The platform clock the TSC is calibrated against: the ACPI PM timer
 * (ACPI 6.5, 4.8.3.3: 3.579545 MHz, 24 or 32 bits) when the FADT has one,
 * else the HPET main counter (IA-PC HPET 1.0a, 2.3).
 */
#ifndef ARCH_X86_CLOCKSOURCE_H
#define ARCH_X86_CLOCKSOURCE_H

#include "lib/compiler.h"

struct acpi_info;

/*
 * Pick and start a clock source: the PM timer, else the HPET; the HPET
 * first if prefer_hpet. 0, or -ENODEV if the platform has neither.
 */
int clocksource_init(const struct acpi_info *ai, bool prefer_hpet);

/* Name for the log ("ACPI PM timer", "HPET"). */
const char *clocksource_name(void);

/* Counter frequency in Hz. */
uint64_t clocksource_hz(void);

/* Current counter value, masked to clocksource_mask(). */
uint64_t clocksource_read(void);

/* Counter width mask: deltas are (b - a) & mask. */
uint64_t clocksource_mask(void);

#endif
