/* SPDX-License-Identifier: MIT */
/*
 * Fake physical memory and ACPI table builders for test_acpi.c.
 *
 * Two regions of "physical" memory exist: the first MiB (BDA, EBDA, BIOS
 * area) and 128 KiB just below 2 GiB, where QEMU-like firmware puts its
 * tables. The map callback hands out a fresh heap copy of exactly the bytes
 * asked for, so AddressSanitizer reports any read past what the parser
 * mapped, and it logs every request so tests can check what was asked for.
 */
#ifndef TESTS_UNIT_ACPI_IMAGES_H
#define TESTS_UNIT_ACPI_IMAGES_H

#include "lib/compiler.h"

#define LOW_BASE  0x0ULL /* so pa - LOW_BASE never wraps */
#define LOW_SIZE  0x100000ULL
#define HIGH_BASE 0x7FFE0000ULL
#define HIGH_SIZE 0x20000ULL

/* Where the standard image puts things. */
#define RSDP_PA	    0xF5A00ULL
#define EBDA_SEG    0x9FC0
#define EBDA_PA	    0x9FC00ULL
#define RSDT_PA	    0x7FFE1000ULL
#define XSDT_PA	    0x7FFE1100ULL
#define FADT_PA	    0x7FFE1200ULL
#define HPET_PA	    0x7FFE1400ULL
#define OEM1_PA	    0x7FFE1500ULL
#define MADT2_PA    0x7FFE1800ULL
#define MADT_PA	    0x7FFE2000ULL
#define MADT_ROOM   0xE000ULL
#define BIGROOT_PA  0x7FFF0000ULL
#define UNMAPPED_PA 0xDEAD0000ULL

#define FADT_LEN_Q35 244
#define FADT_LEN_V1  116
#define HPET_LEN     56
#define SDT_HDR	     36
#define MADT_HDR     44

#define LAPIC_DEFAULT	 0xFEE00000u
#define IOAPIC_ADDR	 0xFEC00000u
#define HPET_ADDR	 0xFED00000ULL
#define PM_TMR_PORT	 0x608u
#define FADT_TMR_VAL_EXT (1u << 8)
#define ISO_LEVEL_HIGH	 0x000Du /* active high (01), level triggered (11) */

static uint8_t low_mem[LOW_SIZE];
static uint8_t high_mem[HIGH_SIZE];

/* Host pointer to [pa, pa + len) if it lies inside one region, else NULL. */
static uint8_t *phys_range(uint64_t pa, uint64_t len)
{
	if (len == 0)
		return NULL;
	if (pa - LOW_BASE <= LOW_SIZE && len <= LOW_SIZE - (pa - LOW_BASE))
		return low_mem + (pa - LOW_BASE);
	if (pa >= HIGH_BASE && pa - HIGH_BASE <= HIGH_SIZE && len <= HIGH_SIZE - (pa - HIGH_BASE))
		return high_mem + (pa - HIGH_BASE);
	return NULL;
}

/* For building: the range must exist. */
static uint8_t *phys(uint64_t pa, uint64_t len)
{
	uint8_t *p = phys_range(pa, len);

	if (!p) {
		fprintf(stderr, "test bug: 0x%" PRIx64 "+%" PRIu64 " not in fake memory\n", pa,
			len);
		abort();
	}
	return p;
}

static void put8(uint64_t pa, uint8_t v)
{
	*phys(pa, 1) = v;
}

static void put16(uint64_t pa, uint16_t v)
{
	memcpy(phys(pa, 2), &v, 2);
}

static void put32(uint64_t pa, uint32_t v)
{
	memcpy(phys(pa, 4), &v, 4);
}

static void put64(uint64_t pa, uint64_t v)
{
	memcpy(phys(pa, 8), &v, 8);
}

static uint32_t get32(uint64_t pa)
{
	uint32_t v;

	memcpy(&v, phys(pa, 4), 4);
	return v;
}

static void putn(uint64_t pa, const void *src, size_t n)
{
	memcpy(phys(pa, n), src, n);
}

/* Sets the byte at pa + off so that [pa, pa + len) sums to zero. */
static void fix_sum(uint64_t pa, size_t len, size_t off)
{
	uint8_t *p = phys(pa, len), sum = 0;

	p[off] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[off] = (uint8_t)-sum;
}

/* ACPI 5.2.6 header. */
static void sdt_hdr(uint64_t pa, const char *sig, uint32_t len, uint8_t rev)
{
	memset(phys(pa, len), 0, len);
	putn(pa, sig, 4);
	put32(pa + 4, len);
	put8(pa + 8, rev);
	putn(pa + 10, "BOCHS ", 6);
	putn(pa + 16, "BXPC    ", 8);
	put32(pa + 24, 1);
	putn(pa + 28, "BXPC", 4);
	put32(pa + 32, 1);
}

/* Recomputes a table's checksum from its own length field. */
static void sdt_fix(uint64_t pa)
{
	fix_sum(pa, get32(pa + 4), 9);
}

/* ACPI 5.2.5.3 RSDP; rev >= 2 adds Length, XsdtAddress, extended checksum. */
static void build_rsdp(uint64_t pa, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(phys(pa, 36), 0, 36);
	putn(pa, "RSD PTR ", 8);
	putn(pa + 9, "BOCHS ", 6);
	put8(pa + 15, rev);
	put32(pa + 16, rsdt);
	if (rev >= 2) {
		put32(pa + 20, 36);
		put64(pa + 24, xsdt);
	}
	fix_sum(pa, 20, 8);
	if (rev >= 2)
		fix_sum(pa, 36, 32);
}

/* ACPI 5.2.7 RSDT (32-bit entries) or 5.2.8 XSDT (64-bit entries). */
static void build_root(uint64_t pa, bool xsdt, const uint64_t *ents, size_t n)
{
	size_t es = xsdt ? 8 : 4;
	uint32_t len = (uint32_t)(SDT_HDR + n * es);

	sdt_hdr(pa, xsdt ? "XSDT" : "RSDT", len, 1);
	for (size_t i = 0; i < n; i++) {
		if (xsdt)
			put64(pa + SDT_HDR + i * 8, ents[i]);
		else
			put32(pa + SDT_HDR + i * 4, (uint32_t)ents[i]);
	}
	sdt_fix(pa);
}

/* ACPI 5.2.3.2 Generic Address Structure. */
static void put_gas(uint64_t pa, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
	put8(pa, space);
	put8(pa + 1, width);
	put8(pa + 2, 0);
	put8(pa + 3, access);
	put64(pa + 4, addr);
}

/*
 * ACPI 5.2.9 FADT of length len: PM_TMR_BLK at 76, PM_TMR_LEN at 91, Flags at
 * 112 and, when len covers it, X_PM_TMR_BLK at 208.
 */
static void build_fadt(uint64_t pa, uint32_t len, uint32_t pm_blk, uint8_t pm_len, uint32_t flags,
		       uint8_t x_space, uint64_t x_addr)
{
	sdt_hdr(pa, "FACP", len, len >= FADT_LEN_Q35 ? 3 : 1);
	if (len >= 80)
		put32(pa + 76, pm_blk);
	if (len >= 92)
		put8(pa + 91, pm_len);
	if (len >= 116)
		put32(pa + 112, flags);
	if (len >= 220)
		put_gas(pa + 208, x_space, 32, 3, x_addr);
	sdt_fix(pa);
}

/* IA-PC HPET 3.2.4: block ID at 36, base address GAS at 40. */
static void build_hpet(uint64_t pa, uint8_t space, uint64_t addr)
{
	sdt_hdr(pa, "HPET", HPET_LEN, 1);
	put32(pa + 36, 0x8086A201);
	put_gas(pa + 40, space, 0, 0, addr);
	put16(pa + 53, 0x80);
	sdt_fix(pa);
}

/* A table the parser does not know (stands in for SSDTs and the like). */
static void build_oem1(uint64_t pa)
{
	sdt_hdr(pa, "OEM1", SDT_HDR + 4, 1);
	sdt_fix(pa);
}

/* MADT interrupt controller structures (ACPI 5.2.12), built in a buffer. */
struct madt_buf {
	uint8_t b[MADT_ROOM - MADT_HDR];
	size_t n;
};

static void mb_raw(struct madt_buf *mb, const void *bytes, size_t n)
{
	if (mb->n + n > sizeof(mb->b))
		abort();
	memcpy(mb->b + mb->n, bytes, n);
	mb->n += n;
}

static void mb_lapic(struct madt_buf *mb, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = {0, 8, uid, apic_id};

	memcpy(e + 4, &flags, 4);
	mb_raw(mb, e, sizeof(e));
}

static void mb_ioapic(struct madt_buf *mb, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t e[12] = {1, 12, id, 0};

	memcpy(e + 4, &addr, 4);
	memcpy(e + 8, &gsi_base, 4);
	mb_raw(mb, e, sizeof(e));
}

static void mb_iso(struct madt_buf *mb, uint8_t source, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = {2, 10, 0, source};

	memcpy(e + 4, &gsi, 4);
	memcpy(e + 8, &flags, 2);
	mb_raw(mb, e, sizeof(e));
}

/* Type 4, Local APIC NMI: a real entry the parser has no use for. */
static void mb_lapic_nmi(struct madt_buf *mb)
{
	uint8_t e[6] = {4, 6, 0xFF, 0, 0, 1};

	mb_raw(mb, e, sizeof(e));
}

static void mb_lapic_ovr(struct madt_buf *mb, uint64_t addr)
{
	uint8_t e[12] = {5, 12};

	memcpy(e + 4, &addr, 8);
	mb_raw(mb, e, sizeof(e));
}

static void mb_x2apic(struct madt_buf *mb, uint32_t apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = {9, 16};

	memcpy(e + 4, &apic_id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	mb_raw(mb, e, sizeof(e));
}

/* What QEMU's q35 machine with -smp 4 publishes (NMI entry included). */
static void mb_q35(struct madt_buf *mb)
{
	mb->n = 0;
	for (uint8_t i = 0; i < 4; i++)
		mb_lapic(mb, i, i, 1);
	mb_ioapic(mb, 0, IOAPIC_ADDR, 0);
	mb_iso(mb, 0, 2, 0);
	mb_iso(mb, 9, 9, ISO_LEVEL_HIGH);
	mb_lapic_nmi(mb);
}

static void build_madt(uint64_t pa, const struct madt_buf *mb, uint32_t lapic, uint32_t flags)
{
	uint32_t len = (uint32_t)(MADT_HDR + mb->n);

	sdt_hdr(pa, "APIC", len, 3);
	put32(pa + 36, lapic);
	put32(pa + 40, flags);
	putn(pa + MADT_HDR, mb->b, mb->n);
	sdt_fix(pa);
}

static struct madt_buf madt_scratch;

/*
 * The standard image: RSDP (revision rev) in the BIOS area, RSDT and, for
 * rev >= 2, XSDT, both listing FADT, MADT and HPET.
 */
static void build_good(uint8_t rev)
{
	const uint64_t ents[] = {FADT_PA, MADT_PA, HPET_PA};

	memset(low_mem, 0, sizeof(low_mem));
	memset(high_mem, 0, sizeof(high_mem));
	build_fadt(FADT_PA, FADT_LEN_Q35, PM_TMR_PORT, 4, FADT_TMR_VAL_EXT | 0xA5, 1, PM_TMR_PORT);
	build_hpet(HPET_PA, 0, HPET_ADDR);
	mb_q35(&madt_scratch);
	build_madt(MADT_PA, &madt_scratch, LAPIC_DEFAULT, 1);
	build_root(RSDT_PA, false, ents, 3);
	if (rev >= 2)
		build_root(XSDT_PA, true, ents, 3);
	build_rsdp(RSDP_PA, rev, (uint32_t)RSDT_PA, rev >= 2 ? XSDT_PA : 0);
}

/* Replaces the XSDT's entries (the XSDT moves to BIGROOT_PA if needed). */
static void set_xsdt(const uint64_t *ents, size_t n)
{
	uint64_t pa = SDT_HDR + n * 8 <= FADT_PA - XSDT_PA ? XSDT_PA : BIGROOT_PA;

	build_root(pa, true, ents, n);
	build_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, pa);
}

#endif
