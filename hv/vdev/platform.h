/* SPDX-License-Identifier: MIT */
/*
 * The virtual PC every partition gets (docs/virtual-platform.md): local
 * APICs, an I/O APIC, the 8259 PIC pair, the 8254 PIT, the MC146818 RTC,
 * the ACPI PM timer and PM1 registers, a 16550A UART, a PCI host bridge
 * with ECAM, ACPI tables, the reset paths, and the MMIO test device. This
 * module wires the pure device models to a partition: it claims their
 * ports, MMIO ranges and MSRs, routes interrupt lines, delivers interrupts
 * to vCPUs, keeps device time, and turns power and reset requests into the
 * partition's policies.
 */
#ifndef VDEV_PLATFORM_H
#define VDEV_PLATFORM_H

#include "lib/compiler.h"

/* Guest-physical layout (see docs/virtual-platform.md). */
#define PLATFORM_TESTDEV_BASE 0xFEB00000ull
#define PLATFORM_TESTDEV_SIZE 0x1000ull
#define PLATFORM_TESTDEV_COUNTER 0xFF8
/* ACPI tables live in the top PARTITION_ACPI_AREA bytes of guest RAM. */

/* Register the platform's partition hooks with core. Call once at boot. */
void platform_register(void);

#endif
