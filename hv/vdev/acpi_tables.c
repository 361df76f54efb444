// SPDX-License-Identifier: MIT
/*
 * ACPI table builder for partitions (see acpi_tables.h for what the tables
 * promise). Every table is written byte by byte at named offsets into a
 * caller-provided buffer, little-endian, with no structure overlays: ACPI
 * structures are packed and unaligned, and this keeps the code identical on
 * the host (unit tests) and in the hypervisor.
 *
 * References: ACPI 6.5 sections 5.2.3.2 (GAS), 5.2.5 (RSDP), 5.2.6 (table
 * header), 5.2.8 (XSDT), 5.2.9 (FADT), 5.2.10 (FACS), 5.2.11.1 (DSDT),
 * 5.2.12 (MADT), 6.4 (resource descriptors), 19.6 (ASL operators, for the
 * equivalent source quoted in comments), 20 (AML encoding); PCI Firmware
 * Specification 3.3, 4.1.2 (MCFG).
 */
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"
#include "vdev/acpi_tables.h"
#include "arch/x86/acpi_layout.h"

/*
 * Layouts shared with the host's table parser are in arch/x86/acpi_layout.h;
 * what only the builder writes is here.
 */

/* --- Common table header, ACPI 6.5 5.2.6: identity written into every one. */
#define BH_DEFAULT_OEM_ID   "BLKHD"
#define BH_OEM_TABLE_ID	    "BULKHEAD"
#define BH_OEM_REVISION	    1
#define BH_CREATOR_ID	    "BLKH" /* "vendor ID of the utility that created the table" */
#define BH_CREATOR_REVISION 1
/* OEM IDs are padded with spaces, as firmware conventionally does. */
#define OEM_PAD ' '

/* --- RSDP, ACPI 6.5 5.2.5.3 --------------------------------------------- */
#define RSDP_REVISION 2 /* ACPI 2.0+: XSDT address and extended checksum */

/* --- XSDT, ACPI 6.5 5.2.8 ------------------------------------------------ */
#define XSDT_REVISION  1
#define XSDT_NENTRIES  3 /* FADT, MADT, MCFG */
#define XSDT_LEN       (SDT_HDR_LEN + XSDT_NENTRIES * XSDT_ENTRY_LEN)

/* --- Generic Address Structure, ACPI 6.5 5.2.3.2: Access Size ---------- */
#define GAS_ACCESS_BYTE	 1
#define GAS_ACCESS_WORD	 2
#define GAS_ACCESS_DWORD 3
#define BITS_PER_BYTE	 8

/* --- FADT, ACPI 6.5 5.2.9 ---------------------------------------------- */
#define FADT_REVISION		   6
#define FADT_MINOR_REVISION	   5   /* ACPI 6.5 */
#define FADT_LEN		   276 /* 0x114, the revision 6 layout */
#define FADT_OFF_FIRMWARE_CTRL	   36
#define FADT_OFF_PM_PROFILE	   45
#define FADT_OFF_SCI_INT	   46
#define FADT_OFF_SMI_CMD	   48
#define FADT_OFF_ACPI_ENABLE	   52
#define FADT_OFF_ACPI_DISABLE	   53
#define FADT_OFF_PM1A_EVT_BLK	   56
#define FADT_OFF_PM1_EVT_LEN	   88
#define FADT_OFF_P_LVL2_LAT	   96
#define FADT_OFF_P_LVL3_LAT	   98
#define FADT_OFF_CENTURY	   108
#define FADT_OFF_IAPC_BOOT_ARCH	   109
#define FADT_OFF_RESET_REG	   116
#define FADT_OFF_RESET_VALUE	   128
#define FADT_OFF_MINOR_REVISION	   131
#define FADT_OFF_X_FIRMWARE_CTRL   132
#define FADT_OFF_X_PM1A_EVT_BLK	   148
#define FADT_OFF_HYPERVISOR_VENDOR 268
#define FADT_HYPERVISOR_VENDOR	   "Bulkhead" /* 8 bytes, no NUL */
#define FADT_HYPERVISOR_VENDOR_LEN 8
/* 5.2.9.1: 0 = Unspecified; a partition is neither a desktop nor a server. */
#define FADT_PM_PROFILE_UNSPECIFIED 0
/* P_LVL2_LAT > 100 and P_LVL3_LAT > 1000 say "no C2 / no C3". */
#define FADT_P_LVL2_NONE 101
#define FADT_P_LVL3_NONE 1001
/*
 * CENTURY: the CMOS index of the RTC's century byte, 0x32 as on every PC;
 * the vRTC keeps it there (vdev/vrtc.h, VRTC_CENTURY).
 */
#define FADT_CENTURY_INDEX 0x32

/* IA-PC Boot Architecture Flags, 5.2.9.3. */
#define IAPC_LEGACY_DEVICES  (1u << 0) /* ISA devices (PIT, RTC, UART...) */
#define IAPC_VGA_NOT_PRESENT (1u << 2) /* no VGA: do not probe 0x3C0/0xA0000 */

/*
 * Fixed Feature Flags (5.2.9, Flags). Set: WBINVD (the instruction flushes
 * and invalidates; required of every new system), PROC_C1 (HLT works), SLP_BUTTON (no sleep button
 * at all), FIX_RTC (RTC alarm wake is not wired to PM1_STS), TMR_VAL_EXT (32-bit timer),
 * RESET_REG_SUP. Clear: PWR_BUTTON, so the power button is the fixed feature one (PM1
 * PWRBTN_STS/EN): the hypervisor can ask a guest to shut down cleanly by setting PWRBTN_STS and
 * raising the SCI.
 */
#define FADT_F_WBINVD	     (1u << 0)
#define FADT_F_PROC_C1	     (1u << 2)
#define FADT_F_SLP_BUTTON    (1u << 5)
#define FADT_F_FIX_RTC	     (1u << 6)
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_FLAGS                                                                                 \
	(FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |                     \
	 FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP)

/* --- FACS, ACPI 6.5 5.2.10 (no checksum, no SDT header) ---------------- */
#define FACS_SIG	 "FACS"
#define FACS_LEN	 64
#define FACS_ALIGN	 64
#define FACS_OFF_SIG	 0
#define FACS_OFF_LENGTH	 4
#define FACS_OFF_VERSION 32
#define FACS_VERSION	 2 /* the ACPI 4.0+ layout (64-bit wake vector, OSPM flags) */

/* --- MADT, ACPI 6.5 5.2.12 ---------------------------------------------- */
#define MADT_REVISION	     5 /* as of ACPI 6.2; the entries used here are older */
#define MADT_IOAPIC_GSI_BASE 0 /* 5.2.12.3 */
/* 5.2.12.5 Interrupt Source Override. */
#define MADT_ISO_BUS_ISA    0
#define MADT_NISOS	    2 /* IRQ 0 and the SCI */
/* 5.2.12.7 Local APIC NMI. */
#define MADT_TYPE_LAPIC_NMI	 4
#define MADT_LAPIC_NMI_LEN	 6
#define MADT_LAPIC_NMI_OFF_UID	 2
#define MADT_LAPIC_NMI_OFF_FLAGS 3
#define MADT_LAPIC_NMI_OFF_LINT	 5
#define MADT_UID_ALL_CPUS	 0xFF
#define LAPIC_LINT1		 1 /* LINT1 carries NMI on PCs */
/* MPS INTI flags (5.2.12.5): polarity bits 1:0, trigger mode bits 3:2. */
#define MPS_INTI_POLARITY_HIGH (1u << 0)
#define MPS_INTI_TRIGGER_EDGE  (1u << 2)
#define MPS_INTI_TRIGGER_LEVEL (3u << 2)
/* The PIT's IRQ 0 is on IO-APIC pin 2 (pin 0 is the 8259 ExtINT). */
#define ISA_IRQ_PIT	0
#define GSI_PIT		2
#define ISA_IRQ_CASCADE 2
#define ISA_IRQ_COUNT	16

#define MADT_FIXED_LEN                                                                             \
	(MADT_OFF_ENTRIES + MADT_IOAPIC_LEN + MADT_NISOS * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN)

/* --- MCFG, PCI Firmware Specification 3.3, 4.1.2 ------------------------ */
#define MCFG_SIG	     "MCFG"
#define MCFG_REVISION	     1
#define MCFG_OFF_ALLOC	     44 /* after 8 reserved bytes */
#define MCFG_ALLOC_OFF_BASE  0
#define MCFG_ALLOC_OFF_SEG   8
#define MCFG_ALLOC_OFF_START 10
#define MCFG_ALLOC_OFF_END   11
#define MCFG_ALLOC_LEN	     16
#define MCFG_LEN	     (MCFG_OFF_ALLOC + MCFG_ALLOC_LEN)
/* PCIe Base 6.0, 7.2.2: each bus has 1 MiB of ECAM (32 devices x 8 fns x 4 KiB). */
#define ECAM_BUS_SHIFT 20

/* --- DSDT and AML, ACPI 6.5 5.2.11.1 and 20 ----------------------------- */
/* Revision 2 and above: AML integers are 64 bits wide (5.2.11.1). */
#define DSDT_REVISION 2

/* AML opcodes and prefixes (20.2). */
#define AML_WORD_PREFIX	  0x0B
#define AML_DWORD_PREFIX  0x0C
#define AML_STRING_PREFIX 0x0D
#define AML_QWORD_PREFIX  0x0E
#define AML_SCOPE_OP	  0x10
#define AML_BUFFER_OP	  0x11
#define AML_EXT_OP_PREFIX 0x5B
#define AML_EXT_DEVICE_OP 0x82
/* PkgLength (20.2.4): up to 3 extra bytes; one byte alone holds 0..63. */
#define AML_PKGLEN_MAX_BYTES   4
#define AML_PKGLEN_1_MAX       0x3F
#define AML_PKGLEN_2_MAX       0xFFF
#define AML_PKGLEN_3_MAX       0xFFFFF
#define AML_PKGLEN_4_MAX       0xFFFFFFF
#define AML_PKGLEN_NIBBLE      0x0F
#define AML_PKGLEN_FIRST_SHIFT 4
#define AML_PKGLEN_BYTE_SHIFT  8

/* Compressed EISA IDs (ASL EISAID(), 19.6): "PNP0A08" -> 32 bits. */
#define EISAID_LEN	   7
#define EISAID_CHAR_BASE   0x40 /* 'A' encodes as 1 */
#define EISAID_CHAR_BITS   5
#define EISAID_HEX_DIGITS  4
#define EISAID_HEX_BITS	   4
#define EISAID_HEX_A	   10
#define EISAID_DIGITS_BITS 16

/* _STA bits (6.3.7): present, enabled, shown in the UI, functioning. */
#define STA_PRESENT_ENABLED_SHOWN_OK 0x0F

/* Resource descriptors (6.4). */
#define RES_IO		      0x47 /* small item: I/O port, 7 bytes of data */
#define RES_IO_DECODE16	      (1u << 0)
#define RES_END_TAG	      0x79 /* small item: end, 1 byte of data */
#define RES_END_CHECKSUM_NONE 0	   /* 6.4.2.9: zero means "checksum valid" */
#define RES_MEM32_FIXED	      0x86 /* large item, 9 bytes of data */
#define RES_MEM32_FIXED_DATA  9
#define RES_MEM_RW	      (1u << 0)
#define RES_DWORD_ADDR	      0x87 /* large item, 23 bytes of data */
#define RES_DWORD_ADDR_DATA   23
#define RES_WORD_ADDR	      0x88 /* large item, 13 bytes of data */
#define RES_WORD_ADDR_DATA    13
/* Address space descriptors: Resource Type (6.4.3.5). */
#define RES_TYPE_MEM 0
#define RES_TYPE_IO  1
#define RES_TYPE_BUS 2
/* General flags: producer (bit 0 = 0), positive decode, min and max fixed. */
#define RES_GF_MIN_FIXED (1u << 2)
#define RES_GF_MAX_FIXED (1u << 3)
#define RES_GF_WINDOW	 (RES_GF_MIN_FIXED | RES_GF_MAX_FIXED)
/* Type-specific flags: I/O "entire range", memory RW and uncached (6.4.3.5.5). */
#define RES_IO_ENTIRE_RANGE 3
#define RES_MEM_NONCACHE_RW 1

/* What the DSDT's PCI0 declares (see acpi_tables.h). */
#define PCI_IO_LOW_MIN	 0x0000
#define PCI_IO_HIGH_MIN	 (ACPI_PCI_CFG_PORT + ACPI_PCI_CFG_PORT_LEN)
#define PCI_IO_MAX	 0xFFFF
#define PCI_CFG_IO_ALIGN 1
#define PCI_ECAM_ALIGN	 MiB(1)

#define TABLE_ALIGN 8

/* --- output buffer --------------------------------------------------------- */

struct out {
	uint8_t *buf;
	size_t size;
	size_t pos;    /* next free byte; may pass size, then full is set */
	uint64_t base; /* guest-physical address of buf[0] */
	bool full;
};

/* The checksum byte that makes the whole structure sum to 0 (5.2.5.3, 5.2.6). */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	return (uint8_t)(0u - acpi_byte_sum(p, len));
}

static uint64_t gpa_of(const struct out *o, const uint8_t *p)
{
	return o->base + (uint64_t)(p - o->buf);
}

/*
 * Reserve len zeroed bytes whose guest-physical address is a multiple of
 * align (a power of two); NULL (and o->full) if they do not fit.
 */
static uint8_t *take(struct out *o, size_t len, size_t align)
{
	uint64_t gpa = ALIGN_UP(o->base + o->pos, (uint64_t)align);
	size_t start = (size_t)(gpa - o->base);

	if (o->full || start > o->size || len > o->size - start) {
		o->full = true;
		return NULL;
	}
	memset(o->buf + o->pos, 0, start - o->pos + len);
	o->pos = start + len;
	return o->buf + start;
}

/* Addresses that a 32-bit field can hold; otherwise only the X_ field is used. */
static uint32_t addr32(uint64_t gpa)
{
	return gpa <= UINT32_MAX ? (uint32_t)gpa : 0;
}

/* --- headers ------------------------------------------------------------- */

struct ids {
	char oem_id[OEM_ID_LEN]; /* space padded, not terminated */
};

static void sdt_header(uint8_t *t, const char *sig, uint8_t rev, const struct ids *ids)
{
	memcpy(t + SDT_OFF_SIG, sig, SDT_SIG_LEN);
	t[SDT_OFF_REVISION] = rev;
	memcpy(t + SDT_OFF_OEM_ID, ids->oem_id, OEM_ID_LEN);
	memcpy(t + SDT_OFF_OEM_TABLE_ID, BH_OEM_TABLE_ID, OEM_TABLE_ID_LEN);
	put_le32(t, SDT_OFF_OEM_REVISION, BH_OEM_REVISION);
	memcpy(t + SDT_OFF_CREATOR_ID, BH_CREATOR_ID, SDT_SIG_LEN);
	put_le32(t, SDT_OFF_CREATOR_REV, BH_CREATOR_REVISION);
}

/* Length and checksum last, once the body is complete (5.2.6). */
static void sdt_finish(uint8_t *t, uint32_t len)
{
	put_le32(t, SDT_OFF_LENGTH, len);
	t[SDT_OFF_CHECKSUM] = 0;
	t[SDT_OFF_CHECKSUM] = checksum(t, len);
}

/* GAS for a fixed-hardware I/O port block (5.2.3.2). */
static void gas_io(uint8_t *g, uint16_t port, uint8_t len, uint8_t access)
{
	g[GAS_OFF_SPACE] = ACPI_GAS_IO;
	g[GAS_OFF_BIT_WIDTH] = (uint8_t)(len * BITS_PER_BYTE);
	g[GAS_OFF_BIT_OFFSET] = 0;
	g[GAS_OFF_ACCESS] = access;
	put_le64(g, GAS_OFF_ADDR, port);
}

/* --- the tables ------------------------------------------------------------ */

static uint8_t *build_rsdp(struct out *o, const struct ids *ids)
{
	uint8_t *r = take(o, ACPI_RSDP_V2_LEN, RSDP_ALIGN);

	if (!r)
		return NULL;
	memcpy(r, RSDP_SIG, RSDP_SIG_LEN);
	memcpy(r + RSDP_OFF_OEM_ID, ids->oem_id, OEM_ID_LEN);
	r[RSDP_OFF_REVISION] = RSDP_REVISION;
	/* No RSDT: every OS that reads a revision 2 RSDP uses the XSDT. */
	put_le32(r, RSDP_OFF_RSDT, 0);
	put_le32(r, RSDP_OFF_LENGTH, ACPI_RSDP_V2_LEN);
	return r; /* XSDT address and checksums once the XSDT exists */
}

static void finish_rsdp(uint8_t *r, uint64_t xsdt)
{
	put_le64(r, RSDP_OFF_XSDT, xsdt);
	/* 5.2.5.3: Checksum covers the first 20 bytes, Extended Checksum all. */
	r[RSDP_OFF_CHECKSUM] = checksum(r, ACPI_RSDP_V1_LEN);
	r[RSDP_OFF_EXT_CHECKSUM] = checksum(r, ACPI_RSDP_V2_LEN);
}

static uint8_t *build_facs(struct out *o)
{
	uint8_t *f = take(o, FACS_LEN, FACS_ALIGN);

	if (!f)
		return NULL;
	/*
	 * Hardware signature 0 (never changes), no waking vector: S4/S3 are not
	 * offered. The global lock is unused (no AML takes it; no firmware).
	 */
	memcpy(f + FACS_OFF_SIG, FACS_SIG, SDT_SIG_LEN);
	put_le32(f, FACS_OFF_LENGTH, FACS_LEN);
	f[FACS_OFF_VERSION] = FACS_VERSION;
	return f;
}

static uint8_t *build_fadt(struct out *o, const struct acpi_build_params *p, const struct ids *ids,
			   uint64_t facs, uint64_t dsdt)
{
	uint8_t *t = take(o, FADT_LEN, TABLE_ALIGN);

	if (!t)
		return NULL;
	sdt_header(t, FADT_SIG, FADT_REVISION, ids);

	/*
	 * FACS: ACPI 6.0 requires FIRMWARE_CTRL to be zero when X_FIRMWARE_CTRL
	 * is set (6.5 only says to ignore it), so only the 64-bit field is used.
	 * DSDT: both fields, equal, which every version allows and ACPICA takes
	 * without a mismatch warning.
	 */
	put_le32(t, FADT_OFF_FIRMWARE_CTRL, 0);
	put_le64(t, FADT_OFF_X_FIRMWARE_CTRL, facs);
	put_le32(t, FADT_OFF_DSDT, addr32(dsdt));
	put_le64(t, FADT_OFF_X_DSDT, dsdt);

	t[FADT_OFF_PM_PROFILE] = FADT_PM_PROFILE_UNSPECIFIED;
	put_le16(t, FADT_OFF_SCI_INT, p->sci_irq);
	/*
	 * SMI_CMD = 0: there is no SMM, so there is no legacy mode to leave
	 * (5.2.9: SMI_CMD is zero on systems without SMM); ACPI_ENABLE and
	 * ACPI_DISABLE are 0 and the PM1 control emulation reads SCI_EN as 1,
	 * which is how OSPM sees that ACPI mode is already on.
	 */
	put_le32(t, FADT_OFF_SMI_CMD, 0);
	t[FADT_OFF_ACPI_ENABLE] = 0;
	t[FADT_OFF_ACPI_DISABLE] = 0;

	/* The fixed hardware blocks: legacy fields and X_ GASes agree (4.8.3). */
	put_le32(t, FADT_OFF_PM1A_EVT_BLK, p->pm1a_evt);
	t[FADT_OFF_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
	gas_io(t + FADT_OFF_X_PM1A_EVT_BLK, p->pm1a_evt, ACPI_PM1_EVT_LEN, GAS_ACCESS_WORD);
	put_le32(t, FADT_OFF_PM1A_CNT_BLK, p->pm1a_cnt);
	t[FADT_OFF_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
	gas_io(t + FADT_OFF_X_PM1A_CNT_BLK, p->pm1a_cnt, ACPI_PM1_CNT_LEN, GAS_ACCESS_WORD);
	put_le32(t, FADT_OFF_PM_TMR_BLK, p->pm_tmr);
	t[FADT_OFF_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
	gas_io(t + FADT_OFF_X_PM_TMR_BLK, p->pm_tmr, ACPI_PM_TMR_LEN, GAS_ACCESS_DWORD);
	/* No PM1b, PM2 or GPE blocks: all zero. */

	put_le16(t, FADT_OFF_P_LVL2_LAT, FADT_P_LVL2_NONE);
	put_le16(t, FADT_OFF_P_LVL3_LAT, FADT_P_LVL3_NONE);
	t[FADT_OFF_CENTURY] = FADT_CENTURY_INDEX;
	/*
	 * No 8042 flag: the keyboard controller is only a stub for the reset
	 * command, so an OS must not probe it for a keyboard (Linux's i8042
	 * probes the ports directly when this flag is set).
	 */
	put_le16(t, FADT_OFF_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT);
	put_le32(t, FADT_OFF_FLAGS, FADT_FLAGS);

	gas_io(t + FADT_OFF_RESET_REG, ACPI_RESET_PORT, ACPI_RESET_REG_LEN, GAS_ACCESS_BYTE);
	t[FADT_OFF_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_OFF_MINOR_REVISION] = FADT_MINOR_REVISION;
	memcpy(t + FADT_OFF_HYPERVISOR_VENDOR, FADT_HYPERVISOR_VENDOR, FADT_HYPERVISOR_VENDOR_LEN);

	sdt_finish(t, FADT_LEN);
	return t;
}

static void madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[MADT_ENT_OFF_TYPE] = MADT_TYPE_ISO;
	e[MADT_ENT_OFF_LEN] = MADT_ISO_LEN;
	e[MADT_ISO_OFF_BUS] = MADT_ISO_BUS_ISA;
	e[MADT_ISO_OFF_SOURCE] = irq;
	put_le32(e, MADT_ISO_OFF_GSI, gsi);
	put_le16(e, MADT_ISO_OFF_FLAGS, flags);
}

static uint8_t *build_madt(struct out *o, const struct acpi_build_params *p, const struct ids *ids)
{
	size_t len = MADT_FIXED_LEN + (size_t)p->nvcpus * MADT_LAPIC_LEN;
	uint8_t *t = take(o, len, TABLE_ALIGN);
	uint8_t *e;

	if (!t)
		return NULL;
	sdt_header(t, MADT_SIG, MADT_REVISION, ids);
	put_le32(t, MADT_OFF_LAPIC_ADDR, ACPI_LAPIC_ADDR);
	/* The vPIC pair exists; the OS must mask it before using the IO-APIC. */
	put_le32(t, MADT_OFF_FLAGS, MADT_FLAG_PCAT_COMPAT);
	e = t + MADT_OFF_ENTRIES;

	/*
	 * 5.2.12.1: the boot processor first, then the others; the vCPU index is
	 * both the APIC ID and the ACPI processor UID.
	 */
	for (unsigned int i = 0; i < p->nvcpus; i++, e += MADT_LAPIC_LEN) {
		e[MADT_ENT_OFF_TYPE] = MADT_TYPE_LAPIC;
		e[MADT_ENT_OFF_LEN] = MADT_LAPIC_LEN;
		e[MADT_LAPIC_OFF_UID] = (uint8_t)i;
		e[MADT_LAPIC_OFF_APIC_ID] = (uint8_t)i;
		put_le32(e, MADT_LAPIC_OFF_FLAGS, MADT_CPU_ENABLED);
	}

	e[MADT_ENT_OFF_TYPE] = MADT_TYPE_IOAPIC;
	e[MADT_ENT_OFF_LEN] = MADT_IOAPIC_LEN;
	e[MADT_IOAPIC_OFF_ID] = p->ioapic_id;
	put_le32(e, MADT_IOAPIC_OFF_ADDR, p->ioapic_addr);
	put_le32(e, MADT_IOAPIC_OFF_GSI_BASE, MADT_IOAPIC_GSI_BASE);
	e += MADT_IOAPIC_LEN;

	/* 5.2.12.5: the PIT on pin 2, as on every PC with an IO-APIC. */
	madt_iso(e, ISA_IRQ_PIT, GSI_PIT, MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_EDGE);
	e += MADT_ISO_LEN;
	/*
	 * The SCI is level-triggered (5.2.9, SCI_INT); it is declared active high
	 * so that "asserted" on the emulated line (irq_sink level true) is a high
	 * level at the vIOAPIC pin, with no inversion anywhere.
	 */
	madt_iso(e, p->sci_irq, p->sci_irq, MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
	e += MADT_ISO_LEN;

	/* 5.2.12.7: NMI arrives on LINT1 of every local APIC, edge, high. */
	e[MADT_ENT_OFF_TYPE] = MADT_TYPE_LAPIC_NMI;
	e[MADT_ENT_OFF_LEN] = MADT_LAPIC_NMI_LEN;
	e[MADT_LAPIC_NMI_OFF_UID] = MADT_UID_ALL_CPUS;
	put_le16(e, MADT_LAPIC_NMI_OFF_FLAGS, MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_EDGE);
	e[MADT_LAPIC_NMI_OFF_LINT] = LAPIC_LINT1;

	sdt_finish(t, (uint32_t)len);
	return t;
}

static uint8_t *build_mcfg(struct out *o, const struct acpi_build_params *p, const struct ids *ids)
{
	uint8_t *t = take(o, MCFG_LEN, TABLE_ALIGN);
	uint8_t *a;

	if (!t)
		return NULL;
	sdt_header(t, MCFG_SIG, MCFG_REVISION, ids);
	/* One allocation: segment 0, buses 0..ecam_bus_end, at ecam_base. */
	a = t + MCFG_OFF_ALLOC;
	put_le64(a, MCFG_ALLOC_OFF_BASE, p->ecam_base);
	put_le16(a, MCFG_ALLOC_OFF_SEG, 0);
	a[MCFG_ALLOC_OFF_START] = 0;
	a[MCFG_ALLOC_OFF_END] = p->ecam_bus_end;
	sdt_finish(t, MCFG_LEN);
	return t;
}

static uint8_t *build_xsdt(struct out *o, const struct ids *ids, const uint64_t *entries)
{
	uint8_t *t = take(o, XSDT_LEN, TABLE_ALIGN);

	if (!t)
		return NULL;
	sdt_header(t, XSDT_SIG, XSDT_REVISION, ids);
	for (unsigned int i = 0; i < XSDT_NENTRIES; i++)
		put_le64(t, SDT_HDR_LEN + i * XSDT_ENTRY_LEN, entries[i]);
	sdt_finish(t, XSDT_LEN);
	return t;
}

/* --- AML emitter ------------------------------------------------------------
 * Appends at o->pos. Bytes that do not fit are dropped and o->full is set;
 * the caller checks o->full once at the end.
 */

static void aml_byte(struct out *o, uint8_t v)
{
	if (o->pos < o->size)
		o->buf[o->pos] = v;
	else
		o->full = true;
	o->pos++;
}

static void aml_bytes(struct out *o, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		aml_byte(o, b[i]);
}

static void aml_le(struct out *o, uint64_t v, unsigned int nbytes)
{
	for (unsigned int i = 0; i < nbytes; i++, v >>= BITS_PER_BYTE)
		aml_byte(o, (uint8_t)v);
}

/* ComputationalData (20.2.3): the shortest encoding of an integer constant. */
static void aml_integer(struct out *o, uint64_t v)
{
	if (v == 0) {
		aml_byte(o, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(o, AML_ONE_OP);
	} else if (v <= UINT8_MAX) {
		aml_byte(o, AML_BYTE_PREFIX);
		aml_le(o, v, sizeof(uint8_t));
	} else if (v <= UINT16_MAX) {
		aml_byte(o, AML_WORD_PREFIX);
		aml_le(o, v, sizeof(uint16_t));
	} else if (v <= UINT32_MAX) {
		aml_byte(o, AML_DWORD_PREFIX);
		aml_le(o, v, sizeof(uint32_t));
	} else {
		aml_byte(o, AML_QWORD_PREFIX);
		aml_le(o, v, sizeof(uint64_t));
	}
}

/*
 * ASL EISAID("PNP0A08"): three letters of 5 bits each and four hex digits,
 * stored so that the bytes in memory read 0x41 0xD0 0x0A 0x08. Always a
 * DWordConst, like iasl emits.
 */
static uint32_t eisa_id(const char *s)
{
	uint32_t letters = 0, digits = 0;

	for (unsigned int i = 0; i < EISAID_LEN - EISAID_HEX_DIGITS; i++)
		letters = (letters << EISAID_CHAR_BITS) | (uint32_t)(s[i] - EISAID_CHAR_BASE);
	for (unsigned int i = EISAID_LEN - EISAID_HEX_DIGITS; i < EISAID_LEN; i++) {
		char c = s[i];

		digits = (digits << EISAID_HEX_BITS) |
			 (uint32_t)(c <= '9' ? c - '0' : c - 'A' + EISAID_HEX_A);
	}
	/* A big-endian value (letters in bits 30:16, digits in 15:0) as a LE integer. */
	return __builtin_bswap32((letters << EISAID_DIGITS_BITS) | digits);
}

static void aml_eisa_id(struct out *o, const char *s)
{
	aml_byte(o, AML_DWORD_PREFIX);
	aml_le(o, eisa_id(s), sizeof(uint32_t));
}

/* NameString: an optional root prefix, then one 4-character NameSeg. */
static void aml_name_seg(struct out *o, const char *seg, bool root)
{
	if (root)
		aml_byte(o, AML_ROOT_CHAR);
	aml_bytes(o, seg, AML_NAMESEG_LEN);
}

/* DefName: Name(seg, ...) - the object follows. */
static void aml_name(struct out *o, const char *seg, bool root)
{
	aml_byte(o, AML_NAME_OP);
	aml_name_seg(o, seg, root);
}

/*
 * PkgLength (20.2.4) counts itself, and its own size (1..4 bytes) depends on
 * the total. aml_pkg_open() reserves the maximum; aml_pkg_close() encodes the
 * final length and moves the body down over the unused bytes. Nested
 * packages close inner first, so the outer body is final when it closes.
 */
static size_t aml_pkg_open(struct out *o)
{
	size_t at = o->pos;

	for (unsigned int i = 0; i < AML_PKGLEN_MAX_BYTES; i++)
		aml_byte(o, 0);
	return at;
}

static void aml_pkg_close(struct out *o, size_t at)
{
	size_t body = o->pos - at - AML_PKGLEN_MAX_BYTES;
	size_t total;
	unsigned int n;

	if (o->full)
		return; /* the result is discarded; keep the arithmetic in bounds */
	if (body + 1 <= AML_PKGLEN_1_MAX)
		n = 1;
	else if (body + 2 <= AML_PKGLEN_2_MAX)
		n = 2;
	else if (body + 3 <= AML_PKGLEN_3_MAX)
		n = 3;
	else
		n = 4;
	total = body + n;
	if (total > AML_PKGLEN_4_MAX) {
		o->full = true; /* cannot be encoded; far beyond this DSDT */
		return;
	}
	if (n == 1) {
		o->buf[at] = (uint8_t)total;
	} else {
		/* Byte 0: count of following bytes in 7:6, low nibble in 3:0. */
		o->buf[at] =
		    (uint8_t)(((n - 1) << AML_PKGLEN_COUNT_SHIFT) | (total & AML_PKGLEN_NIBBLE));
		for (unsigned int i = 1; i < n; i++)
			o->buf[at + i] = (uint8_t)(total >> (AML_PKGLEN_FIRST_SHIFT +
							     (i - 1) * AML_PKGLEN_BYTE_SHIFT));
	}
	memmove(o->buf + at + n, o->buf + at + AML_PKGLEN_MAX_BYTES, body);
	o->pos -= AML_PKGLEN_MAX_BYTES - n;
}

/* Name(\_Sx_, Package() {typ_a, typ_b, 0, 0}): ACPI 6.5 7.4, \_Sx system states. */
#define SX_PKG_ELEMENTS 4
static void aml_sleep_state(struct out *o, const char *seg, uint8_t slp_typ)
{
	size_t pkg;

	aml_name(o, seg, true);
	aml_byte(o, AML_PACKAGE_OP);
	pkg = aml_pkg_open(o);
	aml_byte(o, SX_PKG_ELEMENTS);
	aml_integer(o, slp_typ); /* PM1a_CNT.SLP_TYP */
	aml_integer(o, slp_typ); /* PM1b_CNT.SLP_TYP (no PM1b: unused) */
	aml_integer(o, 0);	 /* reserved */
	aml_integer(o, 0);
	aml_pkg_close(o, pkg);
}

/* Resource descriptors for the PCI0 _CRS (6.4.3.5.2, 6.4.3.5.3). */
static void res_word_addr(struct out *o, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
	aml_byte(o, RES_WORD_ADDR);
	aml_le(o, RES_WORD_ADDR_DATA, sizeof(uint16_t));
	aml_byte(o, type);
	aml_byte(o, RES_GF_WINDOW);
	aml_byte(o, tflags);
	aml_le(o, 0, sizeof(uint16_t)); /* granularity: 0 for fixed windows */
	aml_le(o, min, sizeof(uint16_t));
	aml_le(o, max, sizeof(uint16_t));
	aml_le(o, 0, sizeof(uint16_t)); /* translation offset */
	aml_le(o, (uint32_t)max - min + 1, sizeof(uint16_t));
}

static void res_dword_mem(struct out *o, uint32_t min, uint32_t max)
{
	aml_byte(o, RES_DWORD_ADDR);
	aml_le(o, RES_DWORD_ADDR_DATA, sizeof(uint16_t));
	aml_byte(o, RES_TYPE_MEM);
	aml_byte(o, RES_GF_WINDOW);
	aml_byte(o, RES_MEM_NONCACHE_RW);
	aml_le(o, 0, sizeof(uint32_t));
	aml_le(o, min, sizeof(uint32_t));
	aml_le(o, max, sizeof(uint32_t));
	aml_le(o, 0, sizeof(uint32_t));
	aml_le(o, max - min + 1, sizeof(uint32_t));
}

/* A String (20.2.3): the bytes and a NUL. */
static void aml_string(struct out *o, const char *str)
{
	aml_byte(o, AML_STRING_PREFIX);
	aml_bytes(o, str, strlen(str) + 1);
}

static void res_io(struct out *o, uint16_t port, uint8_t len)
{
	aml_byte(o, RES_IO);
	aml_byte(o, RES_IO_DECODE16);
	aml_le(o, port, sizeof(uint16_t)); /* minimum */
	aml_le(o, port, sizeof(uint16_t)); /* maximum */
	aml_byte(o, PCI_CFG_IO_ALIGN);
	aml_byte(o, len);
}

static void res_mem32_fixed(struct out *o, uint32_t base, uint32_t len)
{
	aml_byte(o, RES_MEM32_FIXED);
	aml_le(o, RES_MEM32_FIXED_DATA, sizeof(uint16_t));
	aml_byte(o, RES_MEM_RW);
	aml_le(o, base, sizeof(uint32_t));
	aml_le(o, len, sizeof(uint32_t));
}

static void res_end(struct out *o)
{
	aml_byte(o, RES_END_TAG);
	aml_byte(o, RES_END_CHECKSUM_NONE);
}

/* Buffer() whose contents are written by fill between the two calls. */
static size_t aml_buffer_open(struct out *o, size_t *len_at)
{
	size_t pkg;

	aml_byte(o, AML_BUFFER_OP);
	pkg = aml_pkg_open(o);
	/* BufferSize as a WordConst, patched at close; always fits (< 64 KiB). */
	aml_byte(o, AML_WORD_PREFIX);
	*len_at = o->pos;
	aml_le(o, 0, sizeof(uint16_t));
	return pkg;
}

static void aml_buffer_close(struct out *o, size_t pkg, size_t len_at)
{
	size_t n = o->pos - len_at - sizeof(uint16_t);

	if (!o->full)
		put_le16(o->buf, len_at, (uint16_t)n);
	aml_pkg_close(o, pkg);
}

static size_t aml_device_open(struct out *o, const char *seg)
{
	size_t pkg;

	aml_byte(o, AML_EXT_OP_PREFIX);
	aml_byte(o, AML_EXT_DEVICE_OP);
	pkg = aml_pkg_open(o);
	aml_name_seg(o, seg, false);
	return pkg;
}

/*
 * The PCI host bridge (ACPI 6.5 6.1.5 _HID/_CID, 6.5.5 _BBN, 6.5.6 _SEG,
 * 6.2.2 _CRS; PCI Firmware 3.3, 4.1.x), equivalent to:
 *
 *   Device (PCI0) {
 *       Name (_HID, EisaId ("PNP0A08"))     // PCI Express root bridge
 *       Name (_CID, EisaId ("PNP0A03"))     // compatible: PCI root bridge
 *       Name (_UID, Zero)
 *       Name (_SEG, Zero)
 *       Name (_BBN, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *           WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *                          0, 0, bus_end, 0, bus_end + 1)
 *           IO (Decode16, 0x0CF8, 0x0CF8, 1, 8)   // consumed: mechanism #1
 *           WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 *                   0, 0x0000, 0x0CF7, 0, 0x0CF8)
 *           WordIO (..., 0, 0x0D00, 0xFFFF, 0, 0xF300)
 *           DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
 *                        NonCacheable, ReadWrite, 0, ecam_end, 0xFEBFFFFF, 0, len)
 *       })
 *   }
 *
 * No _OSC: Linux then keeps ASPM and native PCIe hotplug/AER off (it logs
 * that the platform retains control), which is what a virtual bus wants.
 * No _PRT yet: no device uses INTx until virtio/passthrough arrive.
 */
static void dsdt_pci0(struct out *o, const struct acpi_build_params *p, uint32_t ecam_end)
{
	size_t dev, buf, len_at;

	dev = aml_device_open(o, "PCI0");
	aml_name(o, "_HID", false);
	aml_eisa_id(o, "PNP0A08");
	aml_name(o, "_CID", false);
	aml_eisa_id(o, "PNP0A03");
	aml_name(o, "_UID", false);
	aml_integer(o, 0);
	aml_name(o, "_SEG", false);
	aml_integer(o, 0);
	aml_name(o, "_BBN", false);
	aml_integer(o, 0);
	aml_name(o, "_CRS", false);
	buf = aml_buffer_open(o, &len_at);
	res_word_addr(o, RES_TYPE_BUS, 0, 0, p->ecam_bus_end);
	res_io(o, ACPI_PCI_CFG_PORT, ACPI_PCI_CFG_PORT_LEN);
	res_word_addr(o, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, PCI_IO_LOW_MIN, ACPI_PCI_CFG_PORT - 1);
	res_word_addr(o, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, PCI_IO_HIGH_MIN, PCI_IO_MAX);
	res_dword_mem(o, ecam_end, ACPI_PCI_MEM32_LIMIT);
	res_end(o);
	aml_buffer_close(o, buf, len_at);
	aml_pkg_close(o, dev);
}

/*
 * Motherboard resources (PNP0C02): the ECAM window. Linux accepts the MCFG
 * only if its range is reserved by the E820 map or by such a device
 * (arch/x86/pci/mmconfig-shared.c); declaring it here too makes the tables
 * self-sufficient. Equivalent to:
 *
 *   Device (MRES) {
 *       Name (_HID, EisaId ("PNP0C02"))
 *       Name (_UID, One)
 *       Name (_CRS, ResourceTemplate () {
 *           Memory32Fixed (ReadWrite, ecam_base, ecam_size)
 *       })
 *   }
 */
static void dsdt_mres(struct out *o, uint32_t ecam_base, uint32_t ecam_size)
{
	size_t dev, buf, len_at;

	dev = aml_device_open(o, "MRES");
	aml_name(o, "_HID", false);
	aml_eisa_id(o, "PNP0C02");
	aml_name(o, "_UID", false);
	aml_integer(o, 1);
	aml_name(o, "_CRS", false);
	buf = aml_buffer_open(o, &len_at);
	res_mem32_fixed(o, ecam_base, ecam_size);
	res_end(o);
	aml_buffer_close(o, buf, len_at);
	aml_pkg_close(o, dev);
}

/*
 * The pvpanic device (vdev/pvpanic.h) as QEMU declares it, so that Linux's
 * pvpanic-mmio driver binds to it. Equivalent to:
 *
 *   Device (PEVT) {
 *       Name (_HID, "QEMU0001")
 *       Name (_STA, 0x0F)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, 1) })
 *   }
 */
static void dsdt_pvpanic(struct out *o, uint16_t port)
{
	size_t dev, buf, len_at;

	dev = aml_device_open(o, "PEVT");
	aml_name(o, "_HID", false);
	aml_string(o, "QEMU0001");
	aml_name(o, "_STA", false);
	aml_integer(o, STA_PRESENT_ENABLED_SHOWN_OK);
	aml_name(o, "_CRS", false);
	buf = aml_buffer_open(o, &len_at);
	res_io(o, port, 1);
	res_end(o);
	aml_buffer_close(o, buf, len_at);
	aml_pkg_close(o, dev);
}

/*
 * DSDT (5.2.11.1), equivalent to:
 *
 *   DefinitionBlock ("", "DSDT", 2, oem_id, "BULKHEAD", 1) {
 *       Name (\_S0, Package () { 0, 0, 0, 0 })
 *       Name (\_S5, Package () { 5, 5, 0, 0 })
 *       Scope (\_SB) { Device (PCI0) {...}  Device (MRES) {...}
 *                      Device (PEVT) {...} (with a pvpanic port) }
 *   }
 */
static uint8_t *build_dsdt(struct out *o, const struct acpi_build_params *p, const struct ids *ids)
{
	uint64_t ecam_size = ((uint64_t)p->ecam_bus_end + 1) << ECAM_BUS_SHIFT;
	uint8_t *t = take(o, SDT_HDR_LEN, TABLE_ALIGN);
	size_t start, scope;

	if (!t)
		return NULL;
	start = (size_t)(t - o->buf);
	aml_sleep_state(o, "_S0_", ACPI_SLP_TYP_S0);
	aml_sleep_state(o, "_S5_", ACPI_SLP_TYP_S5);
	aml_byte(o, AML_SCOPE_OP);
	scope = aml_pkg_open(o);
	aml_name_seg(o, "_SB_", true);
	dsdt_pci0(o, p, (uint32_t)(p->ecam_base + ecam_size));
	dsdt_mres(o, (uint32_t)p->ecam_base, (uint32_t)ecam_size);
	if (p->pvpanic_port)
		dsdt_pvpanic(o, p->pvpanic_port);
	aml_pkg_close(o, scope);
	if (o->full)
		return NULL;
	sdt_header(t, DSDT_SIG, DSDT_REVISION, ids);
	sdt_finish(t, (uint32_t)(o->pos - start));
	return t;
}

/* --- parameters and the whole set ----------------------------------------- */

static bool printable(char c)
{
	return c >= ASCII_FIRST_PRINTABLE && c <= ASCII_LAST_PRINTABLE;
}

static int make_ids(const char *oem_id, struct ids *ids)
{
	const char *src = oem_id[0] ? oem_id : BH_DEFAULT_OEM_ID;
	size_t n = strnlen(src, OEM_ID_LEN + 1);

	if (n > OEM_ID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < OEM_ID_LEN; i++) {
		if (i < n && !printable(src[i]))
			return -EINVAL;
		ids->oem_id[i] = i < n ? src[i] : OEM_PAD;
	}
	return 0;
}

/* An I/O block [port, port + len) inside the 64 KiB port space, not port 0. */
static bool io_block_ok(uint16_t port, unsigned int len)
{
	return port != 0 && (uint32_t)port + len <= (uint32_t)PCI_IO_MAX + 1;
}

static int check_params(const struct acpi_build_params *p)
{
	uint64_t ecam_end;

	if (p->nvcpus == 0 || p->nvcpus > ACPI_BUILD_MAX_VCPUS)
		return -EINVAL;
	if (p->ioapic_addr == 0 || p->ioapic_addr == ACPI_LAPIC_ADDR)
		return -EINVAL;
	if (!io_block_ok(p->pm1a_evt, ACPI_PM1_EVT_LEN) ||
	    !io_block_ok(p->pm1a_cnt, ACPI_PM1_CNT_LEN) || !io_block_ok(p->pm_tmr, ACPI_PM_TMR_LEN))
		return -EINVAL;
	/* An ISA IRQ (it has an override), not the PIT's and not the cascade. */
	if (p->sci_irq >= ISA_IRQ_COUNT || p->sci_irq == ISA_IRQ_PIT ||
	    p->sci_irq == ISA_IRQ_CASCADE)
		return -EINVAL;
	/*
	 * The ECAM must sit below the 32-bit PCI window's top (the MRES and
	 * window descriptors are 32-bit) and leave room for the window itself.
	 */
	if (p->ecam_base == 0 || !IS_ALIGNED(p->ecam_base, PCI_ECAM_ALIGN))
		return -EINVAL;
	ecam_end = p->ecam_base + (((uint64_t)p->ecam_bus_end + 1) << ECAM_BUS_SHIFT);
	if (p->ecam_base > ACPI_PCI_MEM32_LIMIT || ecam_end > ACPI_PCI_MEM32_LIMIT)
		return -EINVAL;
	/* The IO-APIC must lie outside both the ECAM and the BAR window. */
	if (p->ioapic_addr >= p->ecam_base && p->ioapic_addr <= ACPI_PCI_MEM32_LIMIT)
		return -EINVAL;
	return 0;
}

int acpi_build(const struct acpi_build_params *p, void *buf, size_t size, size_t *used,
	       uint64_t *rsdp_gpa)
{
	struct out o = {.buf = buf, .size = size, .base = p->base};
	uint8_t *rsdp, *facs, *dsdt, *fadt, *madt, *mcfg, *xsdt;
	uint64_t entries[XSDT_NENTRIES];
	struct ids ids;
	int rc;

	rc = check_params(p);
	if (!rc)
		rc = make_ids(p->oem_id, &ids);
	if (rc)
		return rc;
	/* The whole blob must be addressable: base + size may not wrap. */
	if (!buf || p->base > UINT64_MAX - size)
		return -EINVAL;

	/* Stable order: RSDP, FACS, DSDT, FADT, MADT, MCFG, XSDT. */
	rsdp = build_rsdp(&o, &ids);
	facs = rsdp ? build_facs(&o) : NULL;
	dsdt = facs ? build_dsdt(&o, p, &ids) : NULL;
	fadt = dsdt ? build_fadt(&o, p, &ids, gpa_of(&o, facs), gpa_of(&o, dsdt)) : NULL;
	madt = fadt ? build_madt(&o, p, &ids) : NULL;
	mcfg = madt ? build_mcfg(&o, p, &ids) : NULL;
	if (!mcfg)
		return -ENOSPC;
	entries[0] = gpa_of(&o, fadt);
	entries[1] = gpa_of(&o, madt);
	entries[2] = gpa_of(&o, mcfg);
	xsdt = build_xsdt(&o, &ids, entries);
	if (!xsdt)
		return -ENOSPC;
	finish_rsdp(rsdp, gpa_of(&o, xsdt));

	*used = o.pos;
	*rsdp_gpa = gpa_of(&o, rsdp);
	return 0;
}
