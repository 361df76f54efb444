/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a partition's emulated PC, built by the hypervisor from
 * the partition's configuration (there is no firmware in a partition).
 *
 * acpi_build() writes, into one caller-provided buffer that the caller then
 * copies to guest-physical address params->base, the tables in this fixed
 * order: RSDP, FACS, DSDT, FADT, MADT, MCFG, XSDT (each 8-byte aligned in
 * guest-physical terms, the RSDP 16-byte and the FACS 64-byte aligned).
 * They link up as
 *
 *   RSDP (rev 2) -> XSDT -> { FADT, MADT, MCFG }
 *                   FADT -> FACS (X_FIRMWARE_CTRL), DSDT (DSDT and X_DSDT)
 *
 * Tables reference one another by guest-physical address, so base must be
 * the address the blob will really live at. The RSDP is first, at base
 * (rounded up to 16): Linux finds it through boot_params.acpi_rsdp_addr,
 * which the loader sets to *rsdp_gpa. Copying the RSDP into the EBDA or
 * the 0xE0000-0xFFFFF BIOS area for a legacy scan (ACPI 6.5 5.2.5.1) is not
 * done: no partition runs a BIOS, and every loader we support passes the
 * address directly.
 *
 * The caller's memory map must report [base, base + used) as reserved
 * (E820 type 2) or ACPI NVS (type 4) - never as RAM - because the FACS is
 * in it (ACPI 6.5 5.2.10). It must also report the ECAM window
 * [ecam_base, ecam_base + (ecam_bus_end + 1) MiB) as reserved: Linux
 * checks that before it uses the MCFG.
 *
 * What the tables describe, and what the hypervisor must therefore emulate:
 *  - a local APIC per vCPU at ACPI_LAPIC_ADDR, APIC ID = vCPU index;
 *  - one IO-APIC (ioapic_id, ioapic_addr, GSIs 0-23), with ISA IRQ 0 on
 *    GSI 2 (edge, active high) and the SCI on GSI sci_irq, level-triggered
 *    and ACTIVE HIGH (an interrupt source override says so; the ACPI
 *    default, active low, would need the line driven inverted);
 *  - the dual 8259 PICs (MADT PCAT_COMPAT) and a keyboard controller stub (reset only, not announced in the FADT)
 *    (FADT IAPC_BOOT_ARCH), no VGA; an MC146818 RTC with the century byte
 *    at CMOS index 0x32 (FADT CENTURY);
 *  - the ACPI fixed hardware (ACPI 6.5 4.8) at I/O ports: a PM1a event
 *    block (4 bytes: PM1_STS, PM1_EN), a PM1a control block (2 bytes, with
 *    SCI_EN reading as 1 since there is no SMM handshake: SMI_CMD = 0), a
 *    32-bit PM timer; a fixed-feature power button (PWRBTN_STS/EN), no sleep
 *    button, no RTC wake; writing SLP_TYP = ACPI_SLP_TYP_S5 with SLP_EN set
 *    to PM1a control powers the partition off;
 *  - the reset register: port 0xCF9, value 0x06 (the PIIX/ICH reset control
 *    register: full reset);
 *  - a PCI host bridge with ECAM (MCFG) at ecam_base, buses 0-ecam_bus_end,
 *    I/O ports 0xCF8-0xCFF for configuration mechanism #1, and windows for
 *    device BARs (see ACPI_PCI_* below). Both are vdev/vpci.h: the
 *    hypervisor keeps the ECAM window unmapped in the nested page tables,
 *    so every access to it exits and reaches vpci_ecam_read/write;
 *  - if pvpanic_port is non-zero, a pvpanic device (_HID "QEMU0001") with
 *    that one I/O port (vdev/pvpanic.h). No HPET is emulated, so there is
 * no HPET table.
 */
#ifndef VDEV_ACPI_TABLES_H
#define VDEV_ACPI_TABLES_H

#include "lib/compiler.h"

/* Platform addresses (architectural on every PC; Intel SDM 10.4.1, 82093AA). */
#define ACPI_LAPIC_ADDR	      0xFEE00000u
#define ACPI_IOAPIC_ADDR      0xFEC00000u
#define ACPI_IOAPIC_GSI_COUNT 24 /* pins of the one emulated IO-APIC */

/* Suggested values for acpi_build_params, as on a PIIX4/ICH9 PC. */
#define ACPI_DEFAULT_PM1A_EVT 0x600 /* PM1a_EVT_BLK, 4 bytes */
#define ACPI_DEFAULT_PM1A_CNT 0x604 /* PM1a_CNT_BLK, 2 bytes */
#define ACPI_DEFAULT_PM_TMR   0x608 /* PM_TMR_BLK, 4 bytes */
#define ACPI_DEFAULT_SCI_IRQ  9
/* ECAM below 4 GiB where QEMU's q35 has it; the partition's low RAM ends here. */
#define ACPI_DEFAULT_ECAM_BASE 0xB0000000ull

/* Sizes of the fixed hardware blocks (ACPI 6.5 4.8.3.1, 4.8.3.2, 4.8.3.3). */
#define ACPI_PM1_EVT_LEN 4 /* PM1_STS (2 bytes) then PM1_EN (2 bytes) */
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_LEN	 4

/* PM1 control register fields (ACPI 6.5 4.8.3.2.1). */
#define ACPI_PM1_CNT_SCI_EN	   (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN	   (1u << 13)

/*
 * SLP_TYP values published in the DSDT's \_S0_ and \_S5_ packages (ACPI 6.5
 * 7.4): what the PM1 control emulation must treat as "stay on" and "power
 * off" when the guest sets SLP_EN. No other sleep state is offered.
 */
#define ACPI_SLP_TYP_S0 0
#define ACPI_SLP_TYP_S5 5

/* Reset register (FADT RESET_REG, ACPI 6.5 4.8.3.6): PIIX/ICH port 0xCF9. */
#define ACPI_RESET_PORT	   0xCF9
#define ACPI_RESET_REG_LEN 1
#define ACPI_RESET_VALUE   0x06 /* SYS_RST | RST_CPU: hard reset */

/*
 * PCI host bridge windows declared in the DSDT's \_SB.PCI0._CRS (and thus
 * where the OS may place device BARs): I/O ports 0x0000-0x0CF7 and
 * 0x0D00-0xFFFF around the configuration ports, and one 32-bit memory
 * window from the end of the ECAM region up to ACPI_PCI_MEM32_LIMIT, just
 * below the IO-APIC, HPET and local APIC addresses. The partition must
 * have no RAM and no other device in that window. No 64-bit window yet.
 */
#define ACPI_PCI_CFG_PORT     0xCF8
#define ACPI_PCI_CFG_PORT_LEN 8
#define ACPI_PCI_MEM32_LIMIT  0xFEBFFFFFu

/* Most vCPUs: xAPIC IDs are 8 bits and 0xFF is the broadcast ID. */
#define ACPI_BUILD_MAX_VCPUS 255

/*
 * An upper bound on the bytes acpi_build() needs for nvcpus vCPUs,
 * including alignment padding; checked by the unit tests.
 */
#define ACPI_BUILD_FIXED_MAX	    2048
#define ACPI_BUILD_SIZE_MAX(nvcpus) (ACPI_BUILD_FIXED_MAX + 8 * (size_t)(nvcpus))

struct acpi_build_params {
	uint64_t base;	     /* guest-physical address of the buffer */
	unsigned int nvcpus; /* 1..ACPI_BUILD_MAX_VCPUS */
	uint8_t ioapic_id;
	uint32_t ioapic_addr;		     /* usually ACPI_IOAPIC_ADDR */
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr; /* I/O ports, non-zero */
	uint8_t sci_irq;		     /* ISA IRQ, 1..15 but not 2 (it is cascade/PIT) */
	uint64_t ecam_base;		     /* 1 MiB aligned, below ACPI_PCI_MEM32_LIMIT */
	uint8_t ecam_bus_end;		     /* buses 0..ecam_bus_end */
	uint16_t pvpanic_port;		     /* 0: no pvpanic device in the DSDT */
	char oem_id[7]; /* NUL-terminated, up to 6 printable chars; "" = "BLKHD" */
};

/*
 * Build the partition's ACPI tables into buf (size bytes), for the guest-
 * physical address p->base. On success returns 0 and sets *used (bytes from
 * buf to copy) and *rsdp_gpa (what to pass as boot_params.acpi_rsdp_addr).
 * Returns -EINVAL for parameters that are out of range or inconsistent
 * (outputs untouched), -ENOSPC if size is too small (buf contents then
 * undefined). Pure: touches only buf; callable from anywhere.
 */
int acpi_build(const struct acpi_build_params *p, void *buf, size_t size, size_t *used,
	       uint64_t *rsdp_gpa);

#endif
