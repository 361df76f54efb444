// SPDX-License-Identifier: MIT
/*
 * p_acpi: the partition's ACPI tables (ACPI Specification 6.5, chapter 5
 * "ACPI Software Programming Model"), found through the RSDP address that
 * BH_HC_PARTITION_INFO returns in ABI 1.1 (acpi_rsdp, see rt.h).
 * Needs: any vCPU count (checks the MADT against it), any RAM, ABI >= 1.1.
 *
 * Proves:
 *  - the RSDP (5.2.5): signature "RSD PTR ", 16-byte aligned, revision 2,
 *    the ACPI 1.0 checksum over 20 bytes and the extended checksum over
 *    its length, an XSDT address;
 *  - every table reached (XSDT, each XSDT entry, the DSDT) has a valid
 *    header and checksum (5.2.6); the XSDT (5.2.8) lists FADT, MADT, MCFG;
 *  - FADT (5.2.9): PM timer at port 0x608 (also X_PM_TMR_BLK), 4 bytes,
 *    TMR_VAL_EXT (32-bit timer); PM1a event block 0x600 (4 bytes), PM1a
 *    control 0x604 (2 bytes); SCI on IRQ 9; RESET_REG_SUP with RESET_REG =
 *    system I/O port 0xCF9, 8 bits, RESET_VALUE 6; DSDT and X_DSDT agree;
 *    a FACS (5.2.10) of at least 64 bytes, 64-byte aligned; and the PM
 *    timer really counts at 3.579545 MHz (TSC, 25 %, the best of up to 3
 *    attempts: see check_pm_timer_rate);
 *  - DSDT holds \_S5_ (7.4.2) with SLP_TYP 5 as its first element;
 *  - MADT (5.2.12): local APIC address 0xFEE00000, PCAT_COMPAT, one enabled
 *    local APIC per vCPU with APIC IDs 0..n-1, the I/O APIC at 0xFEC00000
 *    with GSI base 0 and the ID its ID register reports, interrupt source
 *    overrides IRQ 0 -> GSI 2 and the SCI (IRQ 9, level, active high);
 *  - MCFG (PCI Firmware Specification 3.2, 4.1.2): ECAM base 0xB0000000,
 *    segment 0, from bus 0, and the window answers like 0xCF8/0xCFC.
 */
#include "rt.h"

#include "lib/format.h"

#define MAX_TABLES    32
#define MAX_TABLE_LEN MiB(1)

struct sdt {
	const uint8_t *p;
	uint32_t len;
};

static struct sdt fadt, madt, mcfg, dsdt;
static uint64_t facs_addr;

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A table header at addr that is sane and sums to 0; prints it. */
static bool table_ok(uint64_t addr, const char *want_sig, struct sdt *out)
{
	char name[32], sig[5];
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;
	uint32_t len;

	if (addr == 0 || addr >= GiB(4) - MAX_TABLE_LEN) {
		GUEST_FAIL(want_sig ? want_sig : "acpi-table", "table address %#lx out of reach",
			   addr);
		return false;
	}
	memcpy(sig, p, 4);
	sig[4] = '\0';
	len = get32(p + 4);
	gprintf("acpi: %s at %#lx, %u bytes, revision %u, OEM '%.6s'\n", sig, addr, len, p[8],
		(const char *)p + 10);
	fmt_snprintf(name, sizeof(name), "acpi-checksum-%s", sig);
	if (len < 36 || len > MAX_TABLE_LEN) {
		GUEST_FAIL(name, "length %u", len);
		return false;
	}
	if (want_sig && memcmp(sig, want_sig, 4) != 0) {
		GUEST_FAIL(name, "signature '%s', expected '%s'", sig, want_sig);
		return false;
	}
	if (sum(p, len) != 0) {
		GUEST_FAIL(name, "bytes sum to %#x", sum(p, len));
		return false;
	}
	GUEST_PASS(name);
	out->p = p;
	out->len = len;
	return true;
}

static bool check_rsdp(uint64_t rsdp, uint64_t *xsdt)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)rsdp;
	uint32_t len;

	gprintf("acpi: RSDP at %#lx, revision %u, OEM '%.6s'\n", rsdp, p[15], (const char *)p + 9);
	GUEST_CHECK("acpi-rsdp-signature", memcmp(p, "RSD PTR ", 8) == 0);
	GUEST_CHECK("acpi-rsdp-aligned", IS_ALIGNED(rsdp, 16));
	GUEST_CHECK("acpi-rsdp-checksum", sum(p, 20) == 0);
	GUEST_CHECK("acpi-rsdp-revision", p[15] >= 2);
	len = get32(p + 20);
	if (p[15] < 2 || len < 36 || len > 4096) {
		GUEST_FAIL("acpi-rsdp-ext-checksum", "revision %u, length %u", p[15], len);
		return false;
	}
	GUEST_CHECK("acpi-rsdp-ext-checksum", sum(p, len) == 0);
	*xsdt = get64(p + 24);
	if (get32(p + 16))
		gprintf("acpi: RSDT at %#x as well\n", get32(p + 16));
	return *xsdt != 0;
}

static void walk_xsdt(uint64_t addr)
{
	struct sdt xsdt, t;
	unsigned int n;

	if (!table_ok(addr, "XSDT", &xsdt))
		return;
	n = (xsdt.len - 36) / 8;
	for (unsigned int i = 0; i < n && i < MAX_TABLES; i++) {
		uint64_t a = get64(xsdt.p + 36 + 8 * i);

		if (!table_ok(a, NULL, &t))
			continue;
		if (memcmp(t.p, "FACP", 4) == 0)
			fadt = t;
		else if (memcmp(t.p, "APIC", 4) == 0)
			madt = t;
		else if (memcmp(t.p, "MCFG", 4) == 0)
			mcfg = t;
	}
	GUEST_CHECK("acpi-xsdt-lists-fadt", fadt.p != NULL);
	GUEST_CHECK("acpi-xsdt-lists-madt", madt.p != NULL);
	GUEST_CHECK("acpi-xsdt-lists-mcfg", mcfg.p != NULL);
}

/* Generic Address Structure (5.2.3.2): space, bit width, bit offset, access size, address. */
static bool gas_is_io(const uint8_t *g, uint8_t width, uint64_t port)
{
	return g[0] == 1 && g[1] == width && get64(g + 4) == port;
}

/*
 * PM timer ticks over about 100 ms, against the TSC time read inside the
 * two timer reads (after the first, before the second), best of up to 3
 * attempts. The timer's interval can then only be longer than the TSC's:
 * a busy host adds ticks, but fewer than the TSC time less 25 % is a timer
 * running slow, on any attempt.
 */
static void check_pm_timer_rate(void)
{
	uint32_t p0, p1;
	uint64_t t0, t1, ticks, want, us;
	struct guest_timing t;

	guest_timing_begin(&t, "acpi-pm-timer-rate", "ticks", 25, 25);
	while (guest_timing_more(&t)) {
		p0 = inl(RT_PM_TMR_PORT);
		t0 = rdtsc_ordered();
		guest_delay_us(100000);
		t1 = rdtsc_ordered();
		p1 = inl(RT_PM_TMR_PORT);
		ticks = (uint32_t)(p1 - p0);
		us = guest_tsc_to_us(t1 - t0);
		want = us * RT_PM_TMR_HZ / 1000000;
		gprintf("acpi: PM timer: %lu ticks in %lu us (want %lu)\n", ticks, us, want);
		guest_timing_add(&t, ticks, want,
				 ticks * 100 < want * 75 ? "fewer ticks than the TSC time" : NULL);
	}
	guest_timing_end(&t);
}

static void check_fadt(void)
{
	const uint8_t *f = fadt.p;
	uint32_t flags;
	uint64_t dsdt32, dsdt64, facs32, facs64, d;
	const uint8_t *facs;

	if (!f || fadt.len < 244) {
		GUEST_FAIL("acpi-fadt", "no FADT of at least 244 bytes (ACPI 2.0+)");
		return;
	}
	flags = get32(f + 112);
	gprintf("acpi: FADT flags %#x, SCI %u, PM1a %#x/%#x, PM timer %#x, reset %#lx := %#x\n",
		flags, get16(f + 46), get32(f + 56), get32(f + 64), get32(f + 76),
		get64(f + 116 + 4), f[128]);
	/* X_PM_TMR_BLK, if filled in (a zero address defers to PM_TMR_BLK), must agree. */
	GUEST_CHECK("acpi-fadt-pm-timer",
		    get32(f + 76) == RT_PM_TMR_PORT && f[91] == 4 &&
			(get64(f + 208 + 4) == 0 || gas_is_io(f + 208, 32, RT_PM_TMR_PORT)));
	/* Flags bit 8, TMR_VAL_EXT: the timer is 32 bits wide. */
	GUEST_CHECK("acpi-fadt-tmr-val-ext", flags & (1u << 8));
	GUEST_CHECK("acpi-fadt-pm1a",
		    get32(f + 56) == 0x600 && f[88] == 4 && get32(f + 64) == 0x604 && f[89] == 2);
	GUEST_CHECK("acpi-fadt-sci-irq9", get16(f + 46) == 9);
	/* Flags bit 10, RESET_REG_SUP; RESET_REG at 116, RESET_VALUE at 128. */
	GUEST_CHECK("acpi-fadt-reset-reg",
		    (flags & (1u << 10)) && gas_is_io(f + 116, 8, 0xCF9) && f[128] == 6);

	dsdt32 = get32(f + 40);
	dsdt64 = get64(f + 140);
	d = dsdt64 ? dsdt64 : dsdt32;
	GUEST_CHECK("acpi-fadt-dsdt", d != 0 && (dsdt32 == 0 || dsdt64 == 0 || dsdt32 == dsdt64));
	if (d)
		table_ok(d, "DSDT", &dsdt);

	facs32 = get32(f + 36);
	facs64 = get64(f + 132);
	facs_addr = facs64 ? facs64 : facs32;
	facs = (const uint8_t *)(uintptr_t)facs_addr;
	if (facs_addr && facs_addr < GiB(4)) {
		gprintf("acpi: FACS at %#lx, %u bytes\n", facs_addr, get32(facs + 4));
		GUEST_CHECK("acpi-facs", memcmp(facs, "FACS", 4) == 0 && get32(facs + 4) >= 64 &&
					     IS_ALIGNED(facs_addr, 64) &&
					     (facs32 == 0 || facs64 == 0 || facs32 == facs64));
	} else {
		GUEST_FAIL("acpi-facs", "FIRMWARE_CTRL %#lx, X_FIRMWARE_CTRL %#lx", facs32, facs64);
	}
	check_pm_timer_rate();
}

/* The first element of the \_S5_ package: Name(_S5_, Package(n) {SLP_TYPa, ...}). */
static int s5_slp_typ(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 36; i + 12 < len; i++) {
		const uint8_t *q;

		if (memcmp(p + i, "_S5_", 4) != 0)
			continue;
		q = p + i + 4;
		if (q[0] != 0x12) /* PackageOp */
			return -1;
		q += 1 + 1 + (q[1] >> 6); /* PkgLength: lead byte bits 7:6 = extra bytes */
		q++;			  /* NumElements */
		switch (q[0]) {
		case 0x00: /* ZeroOp */
			return 0;
		case 0x01: /* OneOp */
			return 1;
		case 0x0A: /* BytePrefix */
			return q[1];
		case 0x0B: /* WordPrefix */
			return get16(q + 1);
		default:
			return -1;
		}
	}
	return -2;
}

static void check_dsdt(void)
{
	int typ;

	if (!dsdt.p) {
		GUEST_FAIL("acpi-dsdt-s5", "no valid DSDT");
		return;
	}
	typ = s5_slp_typ(dsdt.p, dsdt.len);
	GUEST_CHECK("acpi-dsdt-s5", typ != -2);
	if (typ == 5)
		GUEST_PASS("acpi-dsdt-s5-slp-typ");
	else
		GUEST_FAIL("acpi-dsdt-s5-slp-typ", "\\_S5_ SLP_TYPa %d, want 5", typ);
}

static void check_madt(unsigned int nvcpus)
{
	const uint8_t *m = madt.p;
	uint64_t seen = 0; /* APIC IDs 0-63 */
	unsigned int lapics = 0, ioapics = 0, bad_id = 0;
	bool ioapic_ok = false, iso0 = false, iso_sci = false;
	uint8_t ioapic_id = 0xFF;

	if (!m) {
		GUEST_FAIL("acpi-madt", "no MADT");
		return;
	}
	GUEST_CHECK("acpi-madt-lapic-addr", get32(m + 36) == LAPIC_BASE);
	GUEST_CHECK("acpi-madt-pcat-compat", get32(m + 40) & 1);
	for (uint32_t off = 44; off + 2 <= madt.len;) {
		const uint8_t *e = m + off;
		uint8_t type = e[0], len = e[1];

		if (len < 2 || off + len > madt.len) {
			GUEST_FAIL("acpi-madt-entries", "entry at %u: type %u, length %u", off,
				   type, len);
			break;
		}
		if (type == 0 && len >= 8 && (get32(e + 4) & 1)) {
			/* Processor Local APIC, enabled. */
			lapics++;
			if (e[3] >= 64 || e[3] >= nvcpus || (seen & (1ull << e[3])))
				bad_id++;
			else
				seen |= 1ull << e[3];
		} else if (type == 9 && len >= 16 && (get32(e + 8) & 1)) {
			/* Processor Local x2APIC, enabled. */
			lapics++;
			if (get32(e + 4) >= 64 || get32(e + 4) >= nvcpus ||
			    (seen & (1ull << get32(e + 4))))
				bad_id++;
			else
				seen |= 1ull << get32(e + 4);
		} else if (type == 1 && len >= 12) {
			ioapics++;
			ioapic_id = e[2];
			ioapic_ok = get32(e + 4) == IOAPIC_BASE && get32(e + 8) == 0;
			gprintf("acpi: MADT IO-APIC id %u at %#x, GSI base %u\n", e[2],
				get32(e + 4), get32(e + 8));
		} else if (type == 2 && len >= 10) {
			gprintf("acpi: MADT override: bus %u IRQ %u -> GSI %u, flags %#x\n", e[2],
				e[3], get32(e + 4), get16(e + 8));
			if (e[2] == 0 && e[3] == 0 && get32(e + 4) == 2)
				iso0 = true;
			/* Flags: polarity 01 = active high, trigger 11 = level (5.2.12.5). */
			if (e[2] == 0 && e[3] == 9 && get32(e + 4) == 9 &&
			    (get16(e + 8) & 0xF) == 0xD)
				iso_sci = true;
		}
		off += len;
	}
	gprintf("acpi: MADT: %u local APICs for %u vCPUs, %u IO-APICs\n", lapics, nvcpus, ioapics);
	if (lapics == nvcpus && bad_id == 0 && (nvcpus >= 64 || seen == (1ull << nvcpus) - 1))
		GUEST_PASS("acpi-madt-lapics");
	else
		GUEST_FAIL("acpi-madt-lapics",
			   "%u enabled entries, %u bad or repeated IDs, for %u "
			   "vCPUs",
			   lapics, bad_id, nvcpus);
	GUEST_CHECK("acpi-madt-ioapic", ioapics == 1 && ioapic_ok);
	/* 82093AA 3.2.1: the ID register holds the APIC ID in bits 27:24. */
	GUEST_CHECK("acpi-madt-ioapic-id-matches",
		    ((ioapic_read(IOAPIC_REG_ID) >> 24) & 0xF) == (ioapic_id & 0xF));
	GUEST_CHECK("acpi-madt-iso-irq0-gsi2", iso0);
	GUEST_CHECK("acpi-madt-iso-sci-level-high", iso_sci);
}

static void check_mcfg(void)
{
	const uint8_t *m = mcfg.p;
	uint64_t base;
	uint32_t cf8_id;

	if (!m || mcfg.len < 44 + 16) {
		GUEST_FAIL("acpi-mcfg", "no MCFG with an allocation entry");
		return;
	}
	base = get64(m + 44);
	gprintf("acpi: MCFG: ECAM %#lx, segment %u, buses %u-%u\n", base, get16(m + 52), m[54],
		m[55]);
	GUEST_CHECK("acpi-mcfg",
		    base == 0xB0000000ull && get16(m + 52) == 0 && m[54] == 0 && m[55] >= m[54]);
	outl(0xCF8, 0x80000000u);
	cf8_id = inl(0xCFC);
	GUEST_CHECK("acpi-mcfg-ecam-works", base < GiB(4) && mmio_read32(base) == cf8_id);
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint64_t rsdp, xsdt = 0;

	guest_info(&info);
	rsdp = guest_acpi_rsdp();
	gprintf("acpi: %s: needs ABI >= 1.1 for acpi_rsdp (hypervisor ABI %u.%u), %u vCPUs\n",
		info.name, info.abi_version >> 16, info.abi_version & 0xFFFF, info.vcpu_count);
	if (rsdp == 0) {
		GUEST_FAIL("acpi-rsdp", "partition info's acpi_rsdp is 0");
		guest_done();
		return;
	}
	GUEST_PASS("acpi-rsdp");
	if (!check_rsdp(rsdp, &xsdt)) {
		GUEST_FAIL("acpi-xsdt", "no XSDT address in the RSDP");
		guest_done();
		return;
	}
	walk_xsdt(xsdt);
	check_fadt();
	check_dsdt();
	check_madt(info.vcpu_count);
	check_mcfg();
	guest_done();
}
