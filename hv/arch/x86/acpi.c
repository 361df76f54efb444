// SPDX-License-Identifier: MIT
/*
 * ACPI table parser (see acpi.h). Every byte read here comes from firmware
 * and is treated as untrusted: each length field is checked against what was
 * actually mapped before anything behind it is read, and multi-byte fields
 * are read with memcpy because ACPI structures are packed and unaligned.
 *
 * References: ACPI 6.5 sections 5.2.5 (RSDP), 5.2.6 (system description
 * table header), 5.2.7 (RSDT), 5.2.8 (XSDT), 5.2.9 (FADT), 5.2.12 (MADT);
 * IA-PC HPET specification 1.0a, section 3.2.4 (HPET description table).
 */
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"
#include "lib/format.h"
#include "arch/x86/acpi.h"

/*
 * Layouts shared with the partition table builder are in acpi_layout.h;
 * what only the parser needs is here.
 */

/* --- RSDP, ACPI 6.5 5.2.5 ---------------------------------------------- */
/* Revision 0 is ACPI 1.0 (20-byte RSDP); 2 and later add the 64-bit fields. */
#define RSDP_REV_EXTENDED 2
/* The v2 RSDP is 36 bytes; allow growth, but not an absurd length. */
#define RSDP_MAX_LEN 4096

/* 5.2.5.1: where a PC BIOS leaves the RSDP. */
#define BDA_EBDA_SEG_PA 0x40EULL
#define EBDA_SEARCH_LEN 1024
#define BIOS_AREA_START 0xE0000ULL
#define BIOS_AREA_END	0x100000ULL
/* The EBDA segment is a real-mode segment number: physical = seg << 4. */
#define REAL_MODE_SEG_SHIFT 4

/*
 * No table this parser reads is anywhere near this big (the DSDT, the
 * largest, is only searched for \_S5_); anything larger is corruption.
 */
#define ACPI_MAX_TABLE_LEN MiB(4)

/* 5.2.7 / 5.2.8: RSDT entries are 32-bit, XSDT entries 64-bit addresses. */
#define RSDT_SIG       "RSDT"
#define RSDT_ENTRY_LEN 4
/* Far more tables than any firmware publishes; bounds the root table length. */
#define ROOT_MAX_ENTRIES 1024
#define ROOT_MAX_LEN	 (SDT_HDR_LEN + ROOT_MAX_ENTRIES * XSDT_ENTRY_LEN)

/* --- MADT, ACPI 6.5 5.2.12 --------------------------------------------- */
#define MADT_ENT_HDR_LEN 2 /* Type and Length */

/* 5.2.12.8 Local APIC Address Override structure. */
#define MADT_TYPE_LAPIC_OVR	5
#define MADT_LAPIC_OVR_LEN	12
#define MADT_LAPIC_OVR_OFF_ADDR 4

/* 5.2.12.12 Processor Local x2APIC structure (flags as the local APIC's). */
#define MADT_TYPE_X2APIC	9
#define MADT_X2APIC_LEN		16
#define MADT_X2APIC_OFF_APIC_ID 4
#define MADT_X2APIC_OFF_FLAGS	8
#define MADT_X2APIC_OFF_UID	12

/* --- FADT, ACPI 6.5 5.2.9 ---------------------------------------------- */
/* 4.8.3.3: the legacy PM timer block is exactly 4 bytes when supported. */
#define FADT_PM_TMR_LEN_VALID 4
/* 4.8.3.2.1: the PM1 control block is at least 2 bytes when present. */
#define FADT_PM1_CNT_LEN_MIN 2
#define IO_PORT_MAX	     0xFFFF

/* The \_S5_ package (7.4.2): PackageOp, PkgLength (1-4 bytes), NumElements, element 0. */
#define AML_S5_NAME	"_S5_"
#define AML_S5_MIN_TAIL 4

/* --- HPET description table, IA-PC HPET 1.0a 3.2.4 --------------------- */
#define HPET_SIG      "HPET"
#define HPET_OFF_BASE 40

/* Unaligned little-endian reads; the caller has checked off + size <= len. */
static uint8_t rd8(const uint8_t *p, size_t off)
{
	return p[off];
}


/* 5.2.5.3 / 5.2.6: a structure is valid when all of its bytes sum to 0. */
static bool checksum_ok(const uint8_t *p, size_t len)
{
	return acpi_byte_sum(p, len) == 0;
}

/* [pa, pa + len) must not wrap around the 64-bit physical address space. */
static const uint8_t *map_range(acpi_map_fn map, uint64_t pa, uint64_t len)
{
	if (len == 0 || pa > UINT64_MAX - len)
		return NULL;
	return map(pa, len);
}

static void __printf(3, 4) set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Non-fatal problems: keep the first ACPI_MAX_WARNINGS, count the rest. */
static void __printf(2, 3) warn(struct acpi_info *out, const char *fmt, ...)
{
	va_list ap;

	if (out->nwarnings >= ACPI_MAX_WARNINGS) {
		out->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	fmt_vsnprintf(out->warnings[out->nwarnings], ACPI_WARN_LEN, fmt, ap);
	va_end(ap);
	out->nwarnings++;
}

static bool is_printable(uint8_t c)
{
	return c >= ASCII_FIRST_PRINTABLE && c <= ASCII_LAST_PRINTABLE;
}

/* A table signature as a printable, NUL-terminated string for messages. */
static void sig_str(char dst[SDT_SIG_LEN + 1], const uint8_t *sig)
{
	for (size_t i = 0; i < SDT_SIG_LEN; i++) {
		uint8_t c = sig[i];

		dst[i] = is_printable(c) ? (char)c : '?';
	}
	dst[SDT_SIG_LEN] = '\0';
}

/*
 * Validates a RSDP candidate in place (ACPI 6.5 5.2.5.3): the signature, the
 * checksum of the ACPI 1.0 part and, for revision 2 and later, a sane Length
 * and the extended checksum over the whole structure. avail is how many bytes
 * at p may be read. Returns 0 or a negative code with a message in err.
 */
static int rsdp_validate(const uint8_t *p, size_t avail, char *err, size_t errlen)
{
	uint32_t len;

	if (avail < ACPI_RSDP_V1_LEN) {
		set_err(err, errlen, "RSDP too short (%zu bytes)", avail);
		return -EINVAL;
	}
	if (memcmp(p, RSDP_SIG, RSDP_SIG_LEN) != 0) {
		set_err(err, errlen, "RSDP signature mismatch");
		return -EINVAL;
	}
	if (!checksum_ok(p, ACPI_RSDP_V1_LEN)) {
		set_err(err, errlen, "RSDP checksum mismatch");
		return -EBADMSG;
	}
	if (rd8(p, RSDP_OFF_REVISION) < RSDP_REV_EXTENDED)
		return 0;
	if (avail < ACPI_RSDP_V2_LEN) {
		set_err(err, errlen, "RSDP revision %u but only %zu bytes",
			rd8(p, RSDP_OFF_REVISION), avail);
		return -EINVAL;
	}
	len = get_le32(p, RSDP_OFF_LENGTH);
	if (len < ACPI_RSDP_V2_LEN || len > RSDP_MAX_LEN || len > avail) {
		set_err(err, errlen, "RSDP length %u invalid (%zu bytes available)", len, avail);
		return -EINVAL;
	}
	if (!checksum_ok(p, len)) {
		set_err(err, errlen, "RSDP extended checksum mismatch");
		return -EBADMSG;
	}
	return 0;
}

/*
 * Checks one 16-byte aligned candidate at pa. The signature is looked at in
 * the already mapped search window; the full structure is then mapped on its
 * own because a v2 RSDP may extend past the end of the window.
 */
static bool rsdp_candidate_ok(acpi_map_fn map, uint64_t pa)
{
	const uint8_t *p = map_range(map, pa, ACPI_RSDP_V1_LEN);
	uint32_t len;

	if (!p || memcmp(p, RSDP_SIG, RSDP_SIG_LEN) != 0 || !checksum_ok(p, ACPI_RSDP_V1_LEN))
		return false;
	if (rd8(p, RSDP_OFF_REVISION) < RSDP_REV_EXTENDED)
		return true;
	/* Length lies beyond the v1 part: map the v2 layout to read it. */
	p = map_range(map, pa, ACPI_RSDP_V2_LEN);
	if (!p)
		return false;
	len = get_le32(p, RSDP_OFF_LENGTH);
	if (len < ACPI_RSDP_V2_LEN || len > RSDP_MAX_LEN)
		return false;
	p = map_range(map, pa, len);
	return p && rsdp_validate(p, len, NULL, 0) == 0;
}

static bool rsdp_scan(acpi_map_fn map, uint64_t start, uint64_t size, uint64_t *pa)
{
	const uint8_t *win = map_range(map, start, size);

	if (!win)
		return false;
	for (uint64_t off = 0; off + RSDP_SIG_LEN <= size; off += RSDP_ALIGN) {
		if (memcmp(win + off, RSDP_SIG, RSDP_SIG_LEN) != 0)
			continue;
		if (rsdp_candidate_ok(map, start + off)) {
			*pa = start + off;
			return true;
		}
	}
	return false;
}

int acpi_rsdp_search(acpi_map_fn map, uint64_t *pa)
{
	const uint8_t *bda = map_range(map, BDA_EBDA_SEG_PA, sizeof(uint16_t));

	/* 5.2.5.1: first 1 KiB of the EBDA, whose segment the BDA holds. */
	if (bda) {
		uint64_t ebda = (uint64_t)get_le16(bda, 0) << REAL_MODE_SEG_SHIFT;

		if (ebda != 0 && rsdp_scan(map, ebda, EBDA_SEARCH_LEN, pa))
			return 0;
	}
	/* Then the BIOS read-only area 0xE0000-0xFFFFF. */
	if (rsdp_scan(map, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, pa))
		return 0;
	return -ENOENT;
}

/* State shared by the steps of one acpi_parse() call. */
struct parse_ctx {
	acpi_map_fn map;
	struct acpi_info *out;
	char *err;
	size_t errlen;
	bool have_madt, have_fadt, have_hpet;
	unsigned int tables_dropped;
	uint64_t dsdt_pa; /* from the FADT; 0 if none */
};

static void record_table(struct parse_ctx *ctx, const uint8_t *sig, uint64_t pa, uint32_t len)
{
	struct acpi_info *out = ctx->out;
	struct acpi_table_ref *t;

	if (out->ntables >= ACPI_MAX_TABLES) {
		/* Counted, and reported once after the walk. */
		ctx->tables_dropped++;
		return;
	}
	t = &out->tables[out->ntables++];
	memcpy(t->sig, sig, SDT_SIG_LEN);
	t->sig[SDT_SIG_LEN] = '\0';
	t->pa = pa;
	t->len = len;
}

/*
 * Maps a whole system description table at pa (ACPI 6.5 5.2.6): the 36-byte
 * header first, to learn the Length, then Length bytes once it is known to be
 * sane. Returns 0 with *tp and *lenp set, or a negative code with a message in
 * msg. The checksum is left to the caller (a bad one is fatal only for some
 * tables); *tp is valid for *lenp bytes.
 */
static int map_table(acpi_map_fn map, uint64_t pa, const uint8_t **tp, uint32_t *lenp,
		     uint32_t max_len, char *msg, size_t msglen)
{
	const uint8_t *hdr;
	const uint8_t *t;
	char sig[SDT_SIG_LEN + 1];
	uint32_t len;

	if (pa == 0) {
		set_err(msg, msglen, "null table address");
		return -EINVAL;
	}
	hdr = map_range(map, pa, SDT_HDR_LEN);
	if (!hdr) {
		set_err(msg, msglen, "cannot map table header at 0x%llx", (unsigned long long)pa);
		return -EFAULT;
	}
	sig_str(sig, hdr);
	len = get_le32(hdr, SDT_OFF_LENGTH);
	if (len < SDT_HDR_LEN) {
		set_err(msg, msglen, "%s at 0x%llx: length %u shorter than its header", sig,
			(unsigned long long)pa, len);
		return -EINVAL;
	}
	if (len > max_len) {
		set_err(msg, msglen, "%s at 0x%llx: length %u too large", sig,
			(unsigned long long)pa, len);
		return -E2BIG;
	}
	t = map_range(map, pa, len);
	if (!t) {
		set_err(msg, msglen, "%s at 0x%llx: cannot map %u bytes", sig,
			(unsigned long long)pa, len);
		return -EFAULT;
	}
	/* Re-read from the full mapping; the header mapping is not reused. */
	if (get_le32(t, SDT_OFF_LENGTH) != len) {
		set_err(msg, msglen, "%s at 0x%llx: length changed", sig, (unsigned long long)pa);
		return -EINVAL;
	}
	*tp = t;
	*lenp = len;
	return 0;
}

static void add_cpu(struct acpi_info *out, unsigned int *dropped, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, bool x2apic)
{
	struct acpi_cpu *c;

	/* 5.2.12.2: a CPU neither enabled nor online capable must not be used. */
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return;
	/*
	 * The same APIC ID listed twice (say as both a Local APIC and an x2APIC
	 * entry) would start one CPU twice; keep the first.
	 */
	for (unsigned int i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			warn(out, "MADT: duplicate APIC ID %u ignored", apic_id);
			return;
		}
	}
	if (out->ncpus >= ACPI_MAX_CPUS) {
		(*dropped)++;
		return;
	}
	c = &out->cpus[out->ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & MADT_CPU_ENABLED;
	c->online_capable = flags & MADT_CPU_ONLINE_CAPABLE;
	c->x2apic = x2apic;
}

/* Minimum Length of the interrupt controller structures this parser reads. */
static size_t madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_TYPE_LAPIC:
		return MADT_LAPIC_LEN;
	case MADT_TYPE_IOAPIC:
		return MADT_IOAPIC_LEN;
	case MADT_TYPE_ISO:
		return MADT_ISO_LEN;
	case MADT_TYPE_LAPIC_OVR:
		return MADT_LAPIC_OVR_LEN;
	case MADT_TYPE_X2APIC:
		return MADT_X2APIC_LEN;
	default:
		return MADT_ENT_HDR_LEN;
	}
}

/*
 * ACPI 6.5 5.2.12: the MADT header fields, then a list of interrupt controller
 * structures, each {Type, Length, ...}. A structure whose Length is wrong
 * makes every later offset meaningless, so it fails the whole table.
 */
static int parse_madt(const uint8_t *t, uint32_t len, uint64_t pa, struct acpi_info *out, char *err,
		      size_t errlen)
{
	unsigned int cpus_dropped = 0, ioapics_dropped = 0, isos_dropped = 0;
	size_t off;

	if (len < MADT_OFF_ENTRIES) {
		set_err(err, errlen, "MADT at 0x%llx too short (%u bytes)", (unsigned long long)pa,
			len);
		return -EINVAL;
	}
	out->lapic_addr = get_le32(t, MADT_OFF_LAPIC_ADDR);
	out->pcat_compat = get_le32(t, MADT_OFF_FLAGS) & MADT_FLAG_PCAT_COMPAT;

	for (off = MADT_OFF_ENTRIES; off < len;) {
		const uint8_t *e = t + off;
		size_t room = len - off;
		uint8_t type, elen;

		if (room < MADT_ENT_HDR_LEN) {
			set_err(err, errlen, "MADT at 0x%llx: truncated entry at offset %zu",
				(unsigned long long)pa, off);
			return -EINVAL;
		}
		type = rd8(e, MADT_ENT_OFF_TYPE);
		elen = rd8(e, MADT_ENT_OFF_LEN);
		if (elen < MADT_ENT_HDR_LEN || elen > room || elen < madt_min_len(type)) {
			set_err(err, errlen,
				"MADT at 0x%llx: entry type %u at offset %zu has bad length %u",
				(unsigned long long)pa, type, off, elen);
			return -EINVAL;
		}

		switch (type) {
		case MADT_TYPE_LAPIC:
			add_cpu(out, &cpus_dropped, rd8(e, MADT_LAPIC_OFF_APIC_ID),
				rd8(e, MADT_LAPIC_OFF_UID), get_le32(e, MADT_LAPIC_OFF_FLAGS), false);
			break;
		case MADT_TYPE_X2APIC:
			add_cpu(out, &cpus_dropped, get_le32(e, MADT_X2APIC_OFF_APIC_ID),
				get_le32(e, MADT_X2APIC_OFF_UID), get_le32(e, MADT_X2APIC_OFF_FLAGS), true);
			break;
		case MADT_TYPE_IOAPIC:
			if (out->nioapics >= ACPI_MAX_IOAPICS) {
				ioapics_dropped++;
				break;
			}
			out->ioapics[out->nioapics].id = rd8(e, MADT_IOAPIC_OFF_ID);
			out->ioapics[out->nioapics].addr = get_le32(e, MADT_IOAPIC_OFF_ADDR);
			out->ioapics[out->nioapics].gsi_base = get_le32(e, MADT_IOAPIC_OFF_GSI_BASE);
			out->nioapics++;
			break;
		case MADT_TYPE_ISO:
			if (out->nisos >= ACPI_MAX_ISOS) {
				isos_dropped++;
				break;
			}
			out->isos[out->nisos].bus = rd8(e, MADT_ISO_OFF_BUS);
			out->isos[out->nisos].source = rd8(e, MADT_ISO_OFF_SOURCE);
			out->isos[out->nisos].gsi = get_le32(e, MADT_ISO_OFF_GSI);
			out->isos[out->nisos].flags = get_le16(e, MADT_ISO_OFF_FLAGS);
			out->nisos++;
			break;
		case MADT_TYPE_LAPIC_OVR:
			/* 5.2.12.8: the 64-bit address replaces the 32-bit header field. */
			out->lapic_addr = get_le64(e, MADT_LAPIC_OVR_OFF_ADDR);
			break;
		default:
			/* NMI sources, GIC structures, ...: not needed, length is sane. */
			break;
		}
		off += elen;
	}

	if (cpus_dropped)
		warn(out, "MADT: %u CPUs beyond the first %d ignored", cpus_dropped, ACPI_MAX_CPUS);
	if (ioapics_dropped)
		warn(out, "MADT: %u I/O APICs beyond the first %d ignored", ioapics_dropped,
		     ACPI_MAX_IOAPICS);
	if (isos_dropped)
		warn(out, "MADT: %u interrupt overrides beyond the first %d ignored", isos_dropped,
		     ACPI_MAX_ISOS);
	if (out->ncpus == 0) {
		set_err(err, errlen, "MADT at 0x%llx lists no usable CPU", (unsigned long long)pa);
		return -ENODEV;
	}
	return 0;
}

/*
 * ACPI 6.5 5.2.9: the PM timer (4.8.3.3). X_PM_TMR_BLK, a GAS, supersedes the
 * 32-bit PM_TMR_BLK I/O port when present and non-zero; older (shorter) FADTs
 * only have the latter. Every field is read only if the table covers it.
 */
static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	bool have_x = false;

	if (len >= FADT_OFF_X_PM_TMR_BLK + GAS_LEN &&
	    get_le64(t, FADT_OFF_X_PM_TMR_BLK + GAS_OFF_ADDR) != 0) {
		uint8_t space = rd8(t, FADT_OFF_X_PM_TMR_BLK + GAS_OFF_SPACE);

		if (space == ACPI_GAS_IO || space == ACPI_GAS_MEMORY) {
			out->has_pmtimer = true;
			out->pmtimer_space = space;
			out->pmtimer_addr = get_le64(t, FADT_OFF_X_PM_TMR_BLK + GAS_OFF_ADDR);
			have_x = true;
		} else {
			warn(out, "FADT: X_PM_TMR_BLK in address space %u ignored", space);
		}
	}
	if (!have_x) {
		uint32_t blk;
		uint8_t blk_len;

		if (len < FADT_OFF_PM_TMR_LEN + 1) {
			warn(out, "FADT too short (%u bytes) for the PM timer", len);
			return;
		}
		blk = get_le32(t, FADT_OFF_PM_TMR_BLK);
		blk_len = rd8(t, FADT_OFF_PM_TMR_LEN);
		if (blk == 0)
			return; /* no PM timer (e.g. hardware-reduced ACPI) */
		if (blk_len != FADT_PM_TMR_LEN_VALID) {
			warn(out, "FADT: PM_TMR_LEN %u, PM timer ignored", blk_len);
			return;
		}
		out->has_pmtimer = true;
		out->pmtimer_space = ACPI_GAS_IO;
		out->pmtimer_addr = blk;
	}
	if (len >= FADT_OFF_FLAGS + sizeof(uint32_t))
		out->pmtimer_32bit = get_le32(t, FADT_OFF_FLAGS) & FADT_F_TMR_VAL_EXT;
}

/*
 * The PM1a control port and the DSDT's address, for powering off. An
 * X_PM1a_CNT_BLK in I/O space supersedes PM1a_CNT_BLK; a memory-mapped one
 * is not used (no PC has one). X_DSDT supersedes DSDT when non-zero.
 */
static uint64_t fadt_power(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	uint64_t port = 0, dsdt = 0;

	if (len >= FADT_OFF_X_PM1A_CNT_BLK + GAS_LEN &&
	    rd8(t, FADT_OFF_X_PM1A_CNT_BLK + GAS_OFF_SPACE) == ACPI_GAS_IO)
		port = get_le64(t, FADT_OFF_X_PM1A_CNT_BLK + GAS_OFF_ADDR);
	if (port == 0 && len > FADT_OFF_PM1_CNT_LEN &&
	    rd8(t, FADT_OFF_PM1_CNT_LEN) >= FADT_PM1_CNT_LEN_MIN)
		port = get_le32(t, FADT_OFF_PM1A_CNT_BLK);
	if (port > IO_PORT_MAX)
		port = 0;
	out->pm1a_cnt_port = (uint16_t)port;
	if (len >= FADT_OFF_X_DSDT + sizeof(uint64_t))
		dsdt = get_le64(t, FADT_OFF_X_DSDT);
	if (dsdt == 0 && len >= FADT_OFF_DSDT + sizeof(uint32_t))
		dsdt = get_le32(t, FADT_OFF_DSDT);
	return dsdt;
}

int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa)
{
	for (size_t i = 1; i + AML_NAMESEG_LEN + AML_S5_MIN_TAIL <= len; i++) {
		size_t at = i + AML_NAMESEG_LEN;
		uint8_t lead;

		if (memcmp(aml + i, AML_S5_NAME, AML_NAMESEG_LEN) != 0)
			continue;
		/* NameOp, optionally the root prefix, then the name. */
		if (aml[i - 1] != AML_NAME_OP &&
		    !(aml[i - 1] == AML_ROOT_CHAR && i >= 2 && aml[i - 2] == AML_NAME_OP))
			continue;
		if (aml[at++] != AML_PACKAGE_OP)
			continue;
		lead = aml[at];
		at += 1 + (lead >> AML_PKGLEN_COUNT_SHIFT) + 1; /* PkgLength, NumElements */
		if (at >= len)
			continue;
		if (aml[at] == AML_ZERO_OP || aml[at] == AML_ONE_OP) {
			*slp_typa = aml[at];
			return 0;
		}
		if (aml[at] == AML_BYTE_PREFIX && at + 1 < len) {
			*slp_typa = aml[at + 1];
			return 0;
		}
	}
	return -ENOENT;
}

/* IA-PC HPET 1.0a 3.2.4: the event timer block base address is a GAS. */
static void parse_hpet(const uint8_t *t, uint32_t len, uint64_t pa, struct acpi_info *out)
{
	uint8_t space;
	uint64_t addr;

	if (len < HPET_OFF_BASE + GAS_LEN) {
		warn(out, "HPET table at 0x%llx too short (%u bytes)", (unsigned long long)pa, len);
		return;
	}
	space = rd8(t, HPET_OFF_BASE + GAS_OFF_SPACE);
	addr = get_le64(t, HPET_OFF_BASE + GAS_OFF_ADDR);
	if (space != ACPI_GAS_MEMORY || addr == 0) {
		warn(out, "HPET: base address 0x%llx in space %u unusable",
		     (unsigned long long)addr, space);
		return;
	}
	out->has_hpet = true;
	out->hpet_addr = addr;
}

static void copy_oem_id(char *dst, const uint8_t *src)
{
	size_t i;

	for (i = 0; i < OEM_ID_LEN && src[i] != 0; i++)
		dst[i] = is_printable(src[i]) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static bool sig_is(const uint8_t *t, const char *sig)
{
	return memcmp(t, sig, SDT_SIG_LEN) == 0;
}

/*
 * One table named by the root table. Problems with tables other than the MADT
 * are warnings; the MADT is essential, so a bad one is fatal.
 */
static int parse_entry(struct parse_ctx *ctx, uint64_t pa)
{
	struct acpi_info *out = ctx->out;
	char msg[ACPI_WARN_LEN];
	const uint8_t *hdr, *t;
	char sig[SDT_SIG_LEN + 1];
	bool is_madt;
	uint32_t len;
	int rc;

	/* Peek at the signature so a broken MADT can be told apart. */
	hdr = map_range(ctx->map, pa, SDT_HDR_LEN);
	is_madt = hdr && sig_is(hdr, MADT_SIG) && !ctx->have_madt;

	rc = map_table(ctx->map, pa, &t, &len, ACPI_MAX_TABLE_LEN, msg, sizeof(msg));
	if (rc) {
		if (is_madt) {
			set_err(ctx->err, ctx->errlen, "MADT: %s", msg);
			return rc;
		}
		warn(out, "table skipped: %s", msg);
		return 0;
	}
	sig_str(sig, t);
	if (!checksum_ok(t, len)) {
		if (is_madt) {
			set_err(ctx->err, ctx->errlen, "MADT checksum mismatch at 0x%llx",
				(unsigned long long)pa);
			return -EBADMSG;
		}
		warn(out, "%s checksum mismatch at 0x%llx, skipped", sig, (unsigned long long)pa);
		return 0;
	}
	record_table(ctx, t, pa, len);

	if (sig_is(t, MADT_SIG)) {
		if (ctx->have_madt) {
			warn(out, "duplicate MADT at 0x%llx ignored", (unsigned long long)pa);
			return 0;
		}
		ctx->have_madt = true;
		return parse_madt(t, len, pa, out, ctx->err, ctx->errlen);
	}
	if (sig_is(t, FADT_SIG)) {
		if (ctx->have_fadt) {
			warn(out, "duplicate FADT at 0x%llx ignored", (unsigned long long)pa);
			return 0;
		}
		ctx->have_fadt = true;
		parse_fadt(t, len, out);
		ctx->dsdt_pa = fadt_power(t, len, out);
	} else if (sig_is(t, HPET_SIG)) {
		if (ctx->have_hpet) {
			warn(out, "duplicate HPET table at 0x%llx ignored", (unsigned long long)pa);
			return 0;
		}
		ctx->have_hpet = true;
		parse_hpet(t, len, pa, out);
	}
	return 0;
}

/* The DSDT, for its \_S5_ object only: no AML is interpreted. */
static void parse_dsdt(struct parse_ctx *ctx, uint64_t pa)
{
	struct acpi_info *out = ctx->out;
	char msg[ACPI_WARN_LEN];
	const uint8_t *t;
	uint32_t len;

	if (map_table(ctx->map, pa, &t, &len, ACPI_MAX_TABLE_LEN, msg, sizeof(msg))) {
		warn(out, "DSDT skipped: %s", msg);
		return;
	}
	if (!sig_is(t, DSDT_SIG) || !checksum_ok(t, len)) {
		warn(out, "DSDT at 0x%llx: bad signature or checksum, skipped",
		     (unsigned long long)pa);
		return;
	}
	record_table(ctx, t, pa, len);
	if (acpi_find_s5(t + SDT_HDR_LEN, len - SDT_HDR_LEN, &out->s5_slp_typa) == 0)
		out->has_s5 = out->pm1a_cnt_port != 0;
}

int acpi_parse(const void *rsdp, size_t len, uint64_t rsdp_pa, acpi_map_fn map,
	       struct acpi_info *out, char *err, size_t errlen)
{
	struct parse_ctx ctx = {
	    .map = map,
	    .out = out,
	    .err = err,
	    .errlen = errlen,
	};
	const uint8_t *r = rsdp;
	const uint8_t *root;
	const char *root_sig;
	uint64_t root_pa;
	uint32_t root_len;
	size_t esize, nentries;
	char msg[ACPI_WARN_LEN];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (!r) {
		set_err(err, errlen, "no RSDP");
		return -EINVAL;
	}
	rc = rsdp_validate(r, len, err, errlen);
	if (rc)
		return rc;

	out->rsdp_pa = rsdp_pa;
	out->revision = rd8(r, RSDP_OFF_REVISION);
	copy_oem_id(out->oem_id, r + RSDP_OFF_OEM_ID);

	/* 5.2.5.3: XsdtAddress supersedes RsdtAddress when present. */
	if (out->revision >= RSDP_REV_EXTENDED && get_le64(r, RSDP_OFF_XSDT) != 0) {
		out->used_xsdt = true;
		root_pa = get_le64(r, RSDP_OFF_XSDT);
		root_sig = XSDT_SIG;
		esize = XSDT_ENTRY_LEN;
	} else {
		root_pa = get_le32(r, RSDP_OFF_RSDT);
		root_sig = RSDT_SIG;
		esize = RSDT_ENTRY_LEN;
	}
	if (root_pa == 0) {
		set_err(err, errlen, "RSDP has no %s address", root_sig);
		return -ENOENT;
	}

	rc = map_table(map, root_pa, &root, &root_len, ROOT_MAX_LEN, msg, sizeof(msg));
	if (rc) {
		set_err(err, errlen, "%s: %s", root_sig, msg);
		return rc;
	}
	if (!sig_is(root, root_sig)) {
		set_err(err, errlen, "%s signature mismatch at 0x%llx", root_sig,
			(unsigned long long)root_pa);
		return -EINVAL;
	}
	if (!checksum_ok(root, root_len)) {
		set_err(err, errlen, "%s checksum mismatch at 0x%llx", root_sig,
			(unsigned long long)root_pa);
		return -EBADMSG;
	}
	record_table(&ctx, root, root_pa, root_len);

	/* 5.2.7 / 5.2.8: the entries fill the table after the header. */
	nentries = (root_len - SDT_HDR_LEN) / esize;
	if ((root_len - SDT_HDR_LEN) % esize)
		warn(out, "%s length %u leaves a partial entry, ignored", root_sig, root_len);

	for (size_t i = 0; i < nentries; i++) {
		size_t off = SDT_HDR_LEN + i * esize;
		uint64_t pa = esize == XSDT_ENTRY_LEN ? get_le64(root, off) : get_le32(root, off);

		if (pa == 0) {
			warn(out, "%s entry %zu is null, skipped", root_sig, i);
			continue;
		}
		rc = parse_entry(&ctx, pa);
		if (rc)
			return rc;
	}

	if (ctx.dsdt_pa)
		parse_dsdt(&ctx, ctx.dsdt_pa);
	if (ctx.tables_dropped)
		warn(out, "%u ACPI tables beyond the first %d not recorded", ctx.tables_dropped,
		     ACPI_MAX_TABLES);
	if (!ctx.have_madt) {
		set_err(err, errlen, "no MADT (APIC table) found via the %s", root_sig);
		return -ENODEV;
	}
	return 0;
}
