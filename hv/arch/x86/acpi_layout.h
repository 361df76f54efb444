/* SPDX-License-Identifier: MIT */
/*
 * The byte layout of the ACPI structures that both the host's table parser
 * (arch/x86/acpi.c) and the partitions' table builder (vdev/acpi_tables.c)
 * touch, named once: signatures, field offsets and lengths, flag bits and
 * the few AML encodings both use. ACPI 6.5 section numbers; every multi-byte
 * field is little-endian and unaligned (lib/unaligned.h).
 */
#ifndef ARCH_X86_ACPI_LAYOUT_H
#define ARCH_X86_ACPI_LAYOUT_H

#include "lib/compiler.h"

/* --- RSDP, 5.2.5.3 (on a 16-byte boundary, 5.2.5.1) ------------------- */
#define RSDP_SIG	      "RSD PTR "
#define RSDP_SIG_LEN	      8
#define RSDP_OFF_CHECKSUM     8
#define RSDP_OFF_OEM_ID	      9
#define RSDP_OFF_REVISION     15
#define RSDP_OFF_RSDT	      16
#define RSDP_OFF_LENGTH	      20
#define RSDP_OFF_XSDT	      24
#define RSDP_OFF_EXT_CHECKSUM 32
#define RSDP_ALIGN	      16
#define ACPI_RSDP_V1_LEN      20 /* the ACPI 1.0 part, covered by Checksum */
#define ACPI_RSDP_V2_LEN      36

/* --- System description table header, 5.2.6 --------------------------- */
#define SDT_SIG_LEN	     4
#define SDT_OFF_SIG	     0
#define SDT_OFF_LENGTH	     4
#define SDT_OFF_REVISION     8
#define SDT_OFF_CHECKSUM     9
#define SDT_OFF_OEM_ID	     10
#define SDT_OFF_OEM_TABLE_ID 16
#define SDT_OFF_OEM_REVISION 24
#define SDT_OFF_CREATOR_ID   28
#define SDT_OFF_CREATOR_REV  32
#define SDT_HDR_LEN	     36
#define OEM_ID_LEN	     6
#define OEM_TABLE_ID_LEN     8
/* Printable ASCII: what OEM IDs and signatures are made of. */
#define ASCII_FIRST_PRINTABLE 0x20
#define ASCII_LAST_PRINTABLE  0x7e

/* --- XSDT, 5.2.8: 64-bit table addresses after the header ------------- */
#define XSDT_SIG       "XSDT"
#define XSDT_ENTRY_LEN 8

/* --- Generic Address Structure, 5.2.3.2 ------------------------------- */
#define GAS_LEN		   12
#define GAS_OFF_SPACE	   0
#define GAS_OFF_BIT_WIDTH  1
#define GAS_OFF_BIT_OFFSET 2
#define GAS_OFF_ACCESS	   3
#define GAS_OFF_ADDR	   4
/* Address spaces. */
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO	1

/* --- FADT, 5.2.9 ------------------------------------------------------ */
#define FADT_SIG		"FACP"
#define FADT_OFF_DSDT		40
#define FADT_OFF_PM1A_CNT_BLK	64
#define FADT_OFF_PM_TMR_BLK	76
#define FADT_OFF_PM1_CNT_LEN	89
#define FADT_OFF_PM_TMR_LEN	91
#define FADT_OFF_FLAGS		112
#define FADT_OFF_X_DSDT		140
#define FADT_OFF_X_PM1A_CNT_BLK 172
#define FADT_OFF_X_PM_TMR_BLK	208
/* Flags, bit 8 TMR_VAL_EXT: the PM timer counts 32 bits, not 24. */
#define FADT_F_TMR_VAL_EXT (1u << 8)

/* --- DSDT, 5.2.11.1, and AML, 20.2 ------------------------------------ */
#define DSDT_SIG	"DSDT"
#define AML_ZERO_OP	0x00
#define AML_ONE_OP	0x01
#define AML_NAME_OP	0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_PACKAGE_OP	0x12
#define AML_ROOT_CHAR	'\\'
#define AML_NAMESEG_LEN 4
/* PkgLength, 20.2.4: bits 7:6 of the lead byte count the bytes that follow. */
#define AML_PKGLEN_COUNT_SHIFT 6

/* --- MADT, 5.2.12 ----------------------------------------------------- */
#define MADT_SIG	      "APIC"
#define MADT_OFF_LAPIC_ADDR   36
#define MADT_OFF_FLAGS	      40
#define MADT_OFF_ENTRIES      44
#define MADT_FLAG_PCAT_COMPAT (1u << 0)
/* Every interrupt controller structure starts with Type and Length. */
#define MADT_ENT_OFF_TYPE 0
#define MADT_ENT_OFF_LEN  1
/* 5.2.12.2 Processor Local APIC, and its flags (also the x2APIC entry's). */
#define MADT_TYPE_LAPIC		0
#define MADT_LAPIC_LEN		8
#define MADT_LAPIC_OFF_UID	2
#define MADT_LAPIC_OFF_APIC_ID	3
#define MADT_LAPIC_OFF_FLAGS	4
#define MADT_CPU_ENABLED	(1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)
/* 5.2.12.3 I/O APIC. */
#define MADT_TYPE_IOAPIC	 1
#define MADT_IOAPIC_LEN		 12
#define MADT_IOAPIC_OFF_ID	 2
#define MADT_IOAPIC_OFF_ADDR	 4
#define MADT_IOAPIC_OFF_GSI_BASE 8
/* 5.2.12.5 Interrupt Source Override. */
#define MADT_TYPE_ISO	    2
#define MADT_ISO_LEN	    10
#define MADT_ISO_OFF_BUS    2
#define MADT_ISO_OFF_SOURCE 3
#define MADT_ISO_OFF_GSI    4
#define MADT_ISO_OFF_FLAGS  8

/* The 8-bit sum of len bytes: 0 over a table whose checksum is right. */
static inline uint8_t acpi_byte_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

#endif
