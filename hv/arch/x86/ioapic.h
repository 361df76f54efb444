/* SPDX-License-Identifier: MIT */
/*
 * The host's I/O APICs: masked at boot, and one input routed on request
 * (the console UART's receive interrupt). Device interrupts of real
 * hardware belong to partitions later (passthrough); the hypervisor itself
 * needs only its console. Intel 82093AA datasheet, 3.2.
 */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include "lib/compiler.h"

struct acpi_info;

/* Map every IO-APIC the MADT lists and mask all its inputs. 0 or -errno. */
int ioapic_init(const struct acpi_info *ai);

/*
 * Route ISA IRQ irq (through the MADT's interrupt source overrides) to
 * vector on the CPU with APIC id dest, edge-triggered active-high unless an
 * override says otherwise. 0, -ENOENT if no IO-APIC serves that GSI.
 */
int ioapic_route_isa(unsigned int irq, uint8_t vector, uint32_t dest);

#endif
