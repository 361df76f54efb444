/* SPDX-License-Identifier: MIT */
/*
 * Turning the machine off through ACPI's fixed hardware (ACPI 6.5, 7.4.2
 * "\_Sx (System States)" and 4.8.3.2.1 "PM1 Control Registers"): SLP_TYPa
 * of the \_S5_ (soft-off) state and SLP_EN, written to PM1a_CNT. The
 * values come from the FADT and the DSDT (arch/x86/acpi.c); no AML runs,
 * so a machine whose \_PTS method must run first may not power off and
 * is halted instead.
 */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "lib/compiler.h"

struct acpi_info;

/* Remember how to power off; call once after the ACPI tables were parsed. */
void power_init(const struct acpi_info *ai);

/* Power the machine off (logged); halt this CPU if that does not take. */
__noreturn void power_off(void);

#endif
