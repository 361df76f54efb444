/* SPDX-License-Identifier: MIT */
/*
 * ACPI platform discovery: validates the RSDP, RSDT/XSDT and the tables the
 * hypervisor needs (MADT, FADT, HPET) and copies what it learns into a
 * plain struct. Pure logic: the parser reaches physical memory only through
 * an acpi_map_fn, so host unit tests run it on table images.
 * References: ACPI 6.5, 5.2.5 (RSDP), 5.2.7/5.2.8 (RSDT/XSDT), 5.2.9 (FADT),
 * 5.2.12 (MADT); IA-PC HPET specification 1.0a, 3.2.4.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "arch/x86/acpi_layout.h"
#include "lib/compiler.h"

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_ISOS 32
#define ACPI_MAX_TABLES 64
#define ACPI_MAX_WARNINGS 8
#define ACPI_WARN_LEN 96

/* Physical address spaces of a Generic Address Structure (ACPI 5.2.3.2). */

/*
 * Returns a readable pointer to [pa, pa + len), or NULL if that range
 * cannot be reached. The parser never reads outside ranges it mapped.
 */
typedef const void *(*acpi_map_fn)(uint64_t pa, uint64_t len);

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;		/* ACPI processor UID */
	bool enabled;		/* usable now (MADT flags bit 0) */
	bool online_capable;	/* may be enabled later (MADT flags bit 1) */
	bool x2apic;		/* came from a Local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

/* Interrupt source override: ISA IRQ source is wired to GSI gsi. */
struct acpi_iso {
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;		/* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};

struct acpi_table_ref {
	char sig[5];
	uint64_t pa;
	uint32_t len;
};

struct acpi_info {
	uint64_t rsdp_pa;	/* 0 if the RSDP came as a copy (Multiboot2) */
	uint8_t revision;	/* RSDP revision */
	char oem_id[7];
	bool used_xsdt;

	/* MADT */
	uint64_t lapic_addr;	/* after any address override entry */
	bool pcat_compat;	/* dual 8259 PICs present */
	unsigned int ncpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int nisos;
	struct acpi_iso isos[ACPI_MAX_ISOS];

	/* FADT: the ACPI PM timer (ACPI 4.8.3.3) */
	bool has_pmtimer;
	uint8_t pmtimer_space;	/* ACPI_GAS_IO or ACPI_GAS_MEMORY */
	uint64_t pmtimer_addr;
	bool pmtimer_32bit;	/* FADT flags TMR_VAL_EXT */

	/*
	 * FADT + DSDT: how to power the machine off (ACPI 7.4.2, 4.8.3.2.1):
	 * write SLP_TYPa from the DSDT's \_S5_ package with SLP_EN to the
	 * PM1a control register, an I/O port.
	 */
	bool has_s5;
	uint16_t pm1a_cnt_port;
	uint8_t s5_slp_typa;

	/* HPET table */
	bool has_hpet;
	uint64_t hpet_addr;

	/* Every table found, so the memory it occupies can be reserved. */
	unsigned int ntables;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];

	/* Non-fatal problems (a skipped table, a truncated list). */
	unsigned int nwarnings;
	char warnings[ACPI_MAX_WARNINGS][ACPI_WARN_LEN];
	unsigned int warnings_dropped;	/* warnings beyond ACPI_MAX_WARNINGS */
};

/*
 * Look for the RSDP where the PC BIOS leaves it (ACPI 5.2.5.1): the first
 * KiB of the EBDA (segment at 0x40E), then 0xE0000-0xFFFFF, on 16-byte
 * boundaries, with a valid checksum. Returns 0 and sets *pa, or -ENOENT.
 */
int acpi_rsdp_search(acpi_map_fn map, uint64_t *pa);

/*
 * Parse the tables reached from the RSDP bytes at rsdp (len bytes; a copy
 * from the boot loader or mapped from rsdp_pa, which is only recorded).
 * Fatal problems (bad RSDP or root table checksum or length, no MADT, a
 * MADT that cannot be parsed) return a negative code and describe the
 * problem in err (always NUL-terminated). Other problems are warnings.
 */
int acpi_parse(const void *rsdp, size_t len, uint64_t rsdp_pa, acpi_map_fn map,
	       struct acpi_info *out, char *err, size_t errlen);

/*
 * Find Name(\_S5_, Package() {a, ...}) in AML (a DSDT's body) and return
 * element a, the PM1a SLP_TYP value of the soft-off state (ACPI 7.4.2). Only
 * the forms compilers emit for a small integer are taken: ZeroOp, OneOp,
 * BytePrefix. Returns 0 and sets *slp_typa, or -ENOENT.
 */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa);

#endif
