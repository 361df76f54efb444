// SPDX-License-Identifier: MIT
/*
 * Host tests of the ACPI parser (hv/arch/x86/acpi.c) on synthetic firmware
 * images: a QEMU q35-like good image, then one corruption at a time, then
 * a deterministic mutation run under ASan/UBSan.
 */
#include "test.h"

#include "lib/errno.h"
#include "arch/x86/acpi.h"

#include "acpi_images.h"

/* ---- the map callback: exact-size heap copies, every request logged ---- */

#define MAX_MAPS 4096

struct map_req {
	uint64_t pa, len;
	bool ok;
};

static struct map_req map_log[MAX_MAPS];
static unsigned int nmaps;
static void *map_allocs[MAX_MAPS];
static unsigned int nallocs;
static unsigned int zero_len_reqs;

static const void *test_map(uint64_t pa, uint64_t len)
{
	uint8_t *src = phys_range(pa, len);
	void *copy;

	if (len == 0)
		zero_len_reqs++;
	if (nmaps >= MAX_MAPS)
		abort();
	map_log[nmaps].pa = pa;
	map_log[nmaps].len = len;
	map_log[nmaps].ok = src != NULL;
	nmaps++;
	if (!src)
		return NULL;
	copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, src, len);
	map_allocs[nallocs++] = copy;
	return copy;
}

static void maps_free(void)
{
	for (unsigned int i = 0; i < nallocs; i++)
		free(map_allocs[i]);
	nallocs = 0;
}

static void maps_reset(void)
{
	maps_free();
	nmaps = 0;
	zero_len_reqs = 0;
}

/* Largest length ever requested for a range starting at pa. */
static uint64_t max_req_len_at(uint64_t pa)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < nmaps; i++)
		if (map_log[i].pa == pa && map_log[i].len > m)
			m = map_log[i].len;
	return m;
}

static uint64_t max_req_len(void)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < nmaps; i++)
		if (map_log[i].len > m)
			m = map_log[i].len;
	return m;
}

struct range {
	uint64_t pa, len;
};

/* Every request lies inside one of the allowed ranges. */
static bool maps_within(const struct range *r, size_t n)
{
	for (unsigned int i = 0; i < nmaps; i++) {
		bool inside = false;

		for (size_t j = 0; j < n; j++)
			if (map_log[i].pa >= r[j].pa &&
			    map_log[i].pa + map_log[i].len <= r[j].pa + r[j].len)
				inside = true;
		if (!inside)
			return false;
	}
	return true;
}

/* ---- running the parser ---- */

static struct acpi_info info;
static char err[128];

/* Parses with the first rsdp_len bytes at RSDP_PA, given as an exact copy. */
static int parse_len(size_t rsdp_len)
{
	uint8_t *r = malloc(rsdp_len ? rsdp_len : 1);
	int rc;

	if (!r)
		abort();
	memcpy(r, phys(RSDP_PA, 36), rsdp_len);
	maps_reset();
	memset(err, 'X', sizeof(err));
	rc = acpi_parse(r, rsdp_len, RSDP_PA, test_map, &info, err, sizeof(err));
	maps_free();
	free(r);
	return rc;
}

static int parse(void)
{
	return parse_len(phys(RSDP_PA, 16)[15] >= 2 ? 36 : 20);
}

/* Runs the RSDP search with a fresh map log. */
static int search(uint64_t *pa)
{
	int rc;

	maps_reset();
	rc = acpi_rsdp_search(test_map, pa);
	maps_free();
	return rc;
}

static bool has_warning(const char *needle)
{
	for (unsigned int i = 0; i < info.nwarnings && i < ACPI_MAX_WARNINGS; i++)
		if (strstr(info.warnings[i], needle))
			return true;
	return false;
}

static bool err_has(const char *needle)
{
	return memchr(err, '\0', sizeof(err)) && strstr(err, needle);
}

static void corrupt(uint64_t pa)
{
	put8(pa, (uint8_t)(*phys(pa, 1) ^ 0x5A));
}

/* ---- good images ---- */

static void check_q35_madt(void)
{
	CHECK_EQ(info.lapic_addr, LAPIC_DEFAULT);
	CHECK(info.pcat_compat);
	CHECK_EQ(info.ncpus, 4);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(info.cpus[i].apic_id, i);
		CHECK_EQ(info.cpus[i].uid, i);
		CHECK(info.cpus[i].enabled);
		CHECK(!info.cpus[i].online_capable);
		CHECK(!info.cpus[i].x2apic);
	}
	CHECK_EQ(info.nioapics, 1);
	CHECK_EQ(info.ioapics[0].id, 0);
	CHECK_EQ(info.ioapics[0].addr, IOAPIC_ADDR);
	CHECK_EQ(info.ioapics[0].gsi_base, 0);
	CHECK_EQ(info.nisos, 2);
	CHECK_EQ(info.isos[0].bus, 0);
	CHECK_EQ(info.isos[0].source, 0);
	CHECK_EQ(info.isos[0].gsi, 2);
	CHECK_EQ(info.isos[0].flags, 0);
	CHECK_EQ(info.isos[1].bus, 0);
	CHECK_EQ(info.isos[1].source, 9);
	CHECK_EQ(info.isos[1].gsi, 9);
	CHECK_EQ(info.isos[1].flags, ISO_LEVEL_HIGH);
}

static void check_table(unsigned int i, const char *sig, uint64_t pa, uint32_t len)
{
	CHECK(i < info.ntables);
	CHECK_STR(info.tables[i].sig, sig);
	CHECK_EQ(info.tables[i].pa, pa);
	CHECK_EQ(info.tables[i].len, len);
}

TEST(good_v2_xsdt)
{
	uint32_t madt_len;

	build_good(2);
	madt_len = get32(MADT_PA + 4);
	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK_EQ(info.rsdp_pa, RSDP_PA);
	CHECK_EQ(info.revision, 2);
	CHECK_STR(info.oem_id, "BOCHS ");
	CHECK(info.used_xsdt);
	check_q35_madt();
	CHECK(info.has_pmtimer);
	CHECK_EQ(info.pmtimer_space, ACPI_GAS_IO);
	CHECK_EQ(info.pmtimer_addr, PM_TMR_PORT);
	CHECK(info.pmtimer_32bit);
	CHECK(info.has_hpet);
	CHECK_EQ(info.hpet_addr, HPET_ADDR);
	CHECK_EQ(info.ntables, 4);
	check_table(0, "XSDT", XSDT_PA, SDT_HDR + 3 * 8);
	check_table(1, "FACP", FADT_PA, FADT_LEN_Q35);
	check_table(2, "APIC", MADT_PA, madt_len);
	check_table(3, "HPET", HPET_PA, HPET_LEN);
	CHECK_EQ(info.nwarnings, 0);
	CHECK_EQ(info.warnings_dropped, 0);

	/* Only the XSDT and the tables it lists were asked for, never the RSDT. */
	const struct range ok[] = {
	    {XSDT_PA, SDT_HDR + 3 * 8},
	    {FADT_PA, FADT_LEN_Q35},
	    {MADT_PA, madt_len},
	    {HPET_PA, HPET_LEN},
	};
	CHECK(maps_within(ok, ARRAY_SIZE(ok)));
	CHECK_EQ(max_req_len_at(RSDT_PA), 0);
	CHECK_EQ(zero_len_reqs, 0);
}

TEST(good_v1_rsdt)
{
	build_good(0);
	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK_EQ(info.revision, 0);
	CHECK(!info.used_xsdt);
	check_q35_madt();
	CHECK(info.has_pmtimer);
	CHECK_EQ(info.pmtimer_addr, PM_TMR_PORT);
	CHECK(info.has_hpet);
	CHECK_EQ(info.ntables, 4);
	check_table(0, "RSDT", RSDT_PA, SDT_HDR + 3 * 4);
	CHECK_EQ(max_req_len_at(XSDT_PA), 0);
	CHECK_EQ(info.nwarnings, 0);
}

/* The RSDT lists a different MADT (2 CPUs): which one is used tells. */
static void build_rsdt_with_madt2(void)
{
	const uint64_t ents[] = {FADT_PA, MADT2_PA, HPET_PA};
	struct madt_buf *mb = &madt_scratch;

	mb->n = 0;
	mb_lapic(mb, 0, 0, 1);
	mb_lapic(mb, 1, 1, 1);
	build_madt(MADT2_PA, mb, LAPIC_DEFAULT, 0);
	build_root(RSDT_PA, false, ents, 3);
}

TEST(xsdt_preferred_over_rsdt)
{
	build_good(2);
	build_rsdt_with_madt2();
	CHECK_EQ(parse(), 0);
	CHECK(info.used_xsdt);
	CHECK_EQ(info.ncpus, 4);
	CHECK(info.pcat_compat);
}

TEST(xsdt_address_zero_uses_rsdt)
{
	build_good(2);
	build_rsdt_with_madt2();
	build_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, 0);
	CHECK_EQ(parse(), 0);
	CHECK(!info.used_xsdt);
	CHECK_EQ(info.revision, 2);
	CHECK_EQ(info.ncpus, 2);
	CHECK(!info.pcat_compat);
	check_table(0, "RSDT", RSDT_PA, SDT_HDR + 3 * 4);
}

/* ---- RSDP search ---- */

TEST(rsdp_search_bios_area)
{
	uint64_t pa = 0;

	build_good(2);
	CHECK_EQ(search(&pa), 0);
	CHECK_EQ(pa, RSDP_PA);
	/* Only the BDA word, the EBDA-less BIOS window and the candidate. */
	CHECK(max_req_len() <= 0x20000);
	CHECK_EQ(zero_len_reqs, 0);
}

TEST(rsdp_search_ebda_first)
{
	uint64_t pa = 0;

	build_good(2);
	put16(0x40E, EBDA_SEG);
	build_rsdp(EBDA_PA + 0x40, 2, (uint32_t)RSDT_PA, XSDT_PA);
	CHECK_EQ(search(&pa), 0);
	CHECK_EQ(pa, EBDA_PA + 0x40);
	/* The EBDA window is 1 KiB, no more. */
	CHECK_EQ(max_req_len_at(EBDA_PA), 1024);
}

TEST(rsdp_search_ebda_end_of_window)
{
	uint64_t pa = 0;

	/* A v2 RSDP in the last 16 bytes of the EBDA KiB runs past the window. */
	build_good(0);
	memset(phys(RSDP_PA, 36), 0, 36);
	put16(0x40E, EBDA_SEG);
	build_rsdp(EBDA_PA + 1008, 2, (uint32_t)RSDT_PA, XSDT_PA);
	CHECK_EQ(search(&pa), 0);
	CHECK_EQ(pa, EBDA_PA + 1008);
}

TEST(rsdp_search_absent)
{
	uint64_t pa = 0x1234;

	memset(low_mem, 0, sizeof(low_mem));
	put16(0x40E, EBDA_SEG);
	CHECK_EQ(search(&pa), -ENOENT);
	CHECK_EQ(pa, 0x1234);
}

TEST(rsdp_search_bad_checksum)
{
	uint64_t pa = 0;

	build_good(0);
	corrupt(RSDP_PA + 8);
	CHECK_EQ(search(&pa), -ENOENT);
}

TEST(rsdp_search_bad_extended_checksum)
{
	uint64_t pa = 0;

	build_good(2);
	corrupt(RSDP_PA + 33); /* reserved byte: only the extended sum covers it */
	CHECK_EQ(search(&pa), -ENOENT);
}

TEST(rsdp_search_skips_bad_candidate)
{
	uint64_t pa = 0;

	build_good(2);
	/* A stray signature with garbage after it comes first. */
	putn(0xE0000, "RSD PTR xyz", 11);
	/* A valid RSDP off the 16-byte grid must not be accepted. */
	build_rsdp(0xE0108, 0, (uint32_t)RSDT_PA, 0);
	CHECK_EQ(search(&pa), 0);
	CHECK_EQ(pa, RSDP_PA);
	memset(phys(RSDP_PA, 36), 0, 36);
	CHECK_EQ(search(&pa), -ENOENT);
}

/* ---- RSDP validation in acpi_parse ---- */

TEST(rsdp_bad_signature)
{
	build_good(2);
	put8(RSDP_PA, 'X');
	fix_sum(RSDP_PA, 20, 8);
	fix_sum(RSDP_PA, 36, 32);
	CHECK_EQ(parse(), -EINVAL);
	CHECK(err_has("signature"));
}

TEST(rsdp_bad_checksum)
{
	build_good(2);
	corrupt(RSDP_PA + 9);
	CHECK_EQ(parse(), -EBADMSG);
	CHECK_STR(err, "RSDP checksum mismatch");
	CHECK_EQ(nmaps, 0);
}

TEST(rsdp_bad_extended_checksum)
{
	build_good(2);
	corrupt(RSDP_PA + 33);
	CHECK_EQ(parse(), -EBADMSG);
	CHECK_STR(err, "RSDP extended checksum mismatch");
}

TEST(rsdp_too_short)
{
	build_good(2);
	CHECK_EQ(parse_len(10), -EINVAL);
	CHECK(err_has("too short"));
	/* A revision 2 RSDP handed over as just its v1 part. */
	CHECK_EQ(parse_len(20), -EINVAL);
	CHECK(err_has("revision 2"));
}

TEST(rsdp_length_beyond_buffer)
{
	build_good(2);
	put32(RSDP_PA + 20, 40);
	fix_sum(RSDP_PA, 20, 8);
	CHECK_EQ(parse_len(36), -EINVAL);
	CHECK(err_has("length 40"));
	put32(RSDP_PA + 20, 0);
	fix_sum(RSDP_PA, 20, 8);
	CHECK_EQ(parse_len(36), -EINVAL);
}

/* ---- root table ---- */

TEST(xsdt_bad_checksum)
{
	build_good(2);
	corrupt(XSDT_PA + 12);
	CHECK_EQ(parse(), -EBADMSG);
	CHECK_STR(err, "XSDT checksum mismatch at 0x7ffe1100");
}

TEST(xsdt_bad_signature)
{
	build_good(2);
	put8(XSDT_PA + 3, 'X');
	sdt_fix(XSDT_PA);
	CHECK_EQ(parse(), -EINVAL);
	CHECK(err_has("XSDT signature"));
}

TEST(xsdt_length_shorter_than_header)
{
	build_good(2);
	put32(XSDT_PA + 4, 20);
	CHECK_EQ(parse(), -EINVAL);
	CHECK(err_has("shorter than its header"));
	CHECK_EQ(max_req_len_at(XSDT_PA), SDT_HDR);
	put32(XSDT_PA + 4, 0);
	CHECK_EQ(parse(), -EINVAL);
}

TEST(xsdt_length_huge)
{
	build_good(2);
	put32(XSDT_PA + 4, 0xFFFFFFF0u);
	CHECK_EQ(parse(), -E2BIG);
	CHECK(err_has("too large"));
	/* Rejected from the header alone, never mapped. */
	CHECK_EQ(max_req_len_at(XSDT_PA), SDT_HDR);
}

TEST(xsdt_length_beyond_map)
{
	const uint64_t pa = HIGH_BASE + HIGH_SIZE - 64;

	build_good(2);
	build_root(pa, true, (const uint64_t[]){MADT_PA}, 1);
	put32(pa + 4, 4000); /* plausible, but runs off the end of memory */
	build_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, pa);
	CHECK_EQ(parse(), -EFAULT);
	CHECK(err_has("cannot map 4000 bytes"));
}

TEST(xsdt_unmapped)
{
	build_good(2);
	build_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, UNMAPPED_PA);
	CHECK_EQ(parse(), -EFAULT);
	CHECK(err_has("0xdead0000"));
}

TEST(root_partial_entry_ignored)
{
	build_good(2);
	put32(XSDT_PA + 4, SDT_HDR + 3 * 8 + 4);
	sdt_fix(XSDT_PA);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 4);
	CHECK(has_warning("partial entry"));
}

/* ---- tables listed in the root ---- */

TEST(entry_unmapped_skipped)
{
	const uint64_t ents[] = {FADT_PA, UNMAPPED_PA, MADT_PA, HPET_PA};

	build_good(2);
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 4);
	CHECK(info.has_hpet);
	CHECK_EQ(info.nwarnings, 1);
	CHECK(has_warning("0xdead0000"));
	CHECK_EQ(info.ntables, 4);
}

TEST(entry_null_skipped)
{
	const uint64_t ents[] = {0, MADT_PA};

	build_good(2);
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), 0);
	CHECK(has_warning("null"));
	CHECK(!info.has_pmtimer);
	CHECK(!info.has_hpet);
}

TEST(entry_bad_lengths_skipped)
{
	build_good(2);
	put32(FADT_PA + 4, 10);		 /* shorter than a header */
	put32(HPET_PA + 4, 0xFFFFFFFFu); /* absurd */
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_pmtimer);
	CHECK(!info.has_hpet);
	CHECK(has_warning("FACP at 0x7ffe1200: length 10 shorter"));
	CHECK(has_warning("HPET at 0x7ffe1400: length 4294967295 too large"));
	CHECK_EQ(max_req_len_at(FADT_PA), SDT_HDR);
	CHECK_EQ(max_req_len_at(HPET_PA), SDT_HDR);
	CHECK_EQ(info.ntables, 2);
}

TEST(entry_length_beyond_map)
{
	build_good(2);
	put32(HPET_PA + 4, 0x200000); /* 2 MiB: allowed size, not in memory */
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_hpet);
	CHECK(has_warning("cannot map"));
}

/* ---- MADT ---- */

TEST(madt_missing)
{
	const uint64_t ents[] = {FADT_PA, HPET_PA};

	build_good(2);
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), -ENODEV);
	CHECK(err_has("no MADT"));
}

TEST(madt_bad_checksum)
{
	build_good(2);
	corrupt(MADT_PA + 50);
	CHECK_EQ(parse(), -EBADMSG);
	CHECK_STR(err, "MADT checksum mismatch at 0x7ffe2000");
}

TEST(madt_unmappable_is_fatal)
{
	build_good(2);
	put32(MADT_PA + 4, 0x7FFFFFFFu);
	CHECK_EQ(parse(), -E2BIG);
	CHECK(err_has("MADT"));
}

/* Builds the q35 MADT with extra raw bytes appended and parses. */
static int parse_madt_with(const void *extra, size_t n)
{
	build_good(2);
	mb_q35(&madt_scratch);
	mb_raw(&madt_scratch, extra, n);
	build_madt(MADT_PA, &madt_scratch, LAPIC_DEFAULT, 1);
	return parse();
}

TEST(madt_entry_length_zero)
{
	const uint8_t e[] = {0, 0, 1, 2, 3, 4, 5, 6};

	CHECK_EQ(parse_madt_with(e, sizeof(e)), -EINVAL);
	CHECK(err_has("bad length 0"));
}

TEST(madt_entry_past_end)
{
	const uint8_t e[] = {0x7F, 20, 0, 0};

	CHECK_EQ(parse_madt_with(e, sizeof(e)), -EINVAL);
	CHECK(err_has("type 127"));
	CHECK(err_has("bad length 20"));
}

TEST(madt_entry_too_short_for_type)
{
	/* An I/O APIC entry needs 12 bytes. */
	const uint8_t ioapic[] = {1, 8, 0, 0, 0, 0, 0xC0, 0xFE};
	/* An x2APIC entry needs 16. */
	const uint8_t x2apic[] = {9, 12, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0};

	CHECK_EQ(parse_madt_with(ioapic, sizeof(ioapic)), -EINVAL);
	CHECK(err_has("type 1"));
	CHECK_EQ(parse_madt_with(x2apic, sizeof(x2apic)), -EINVAL);
	CHECK(err_has("type 9"));
}

TEST(madt_entry_header_truncated)
{
	const uint8_t e[] = {0};

	CHECK_EQ(parse_madt_with(e, sizeof(e)), -EINVAL);
	CHECK(err_has("truncated"));
}

TEST(madt_unknown_type_skipped)
{
	const uint8_t e[] = {0x7F, 6, 0xAA, 0xBB, 0xCC, 0xDD, 0xFF, 2, 0, 8, 4, 4, 1, 0, 0, 0};

	/* Unknown 0x7F (6 bytes), unknown 0xFF (2 bytes), then a Local APIC. */
	CHECK_EQ(parse_madt_with(e, sizeof(e)), 0);
	CHECK_EQ(info.ncpus, 5);
	CHECK_EQ(info.cpus[4].apic_id, 4);
	CHECK_EQ(info.nwarnings, 0);
}

TEST(madt_x2apic)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb->n = 0;
	mb_lapic(mb, 0, 0, 1);
	mb_x2apic(mb, 0x100, 1, 1);
	mb_x2apic(mb, 0x101, 2, 2);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 0);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 3);
	CHECK(!info.cpus[0].x2apic);
	CHECK_EQ(info.cpus[1].apic_id, 0x100);
	CHECK_EQ(info.cpus[1].uid, 1);
	CHECK(info.cpus[1].x2apic);
	CHECK(info.cpus[1].enabled);
	CHECK_EQ(info.cpus[2].apic_id, 0x101);
	CHECK_EQ(info.cpus[2].uid, 2);
	CHECK(!info.cpus[2].enabled);
	CHECK(info.cpus[2].online_capable);
	CHECK(!info.pcat_compat);
}

TEST(madt_disabled_cpus_not_listed)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb->n = 0;
	mb_lapic(mb, 0, 0, 1); /* enabled */
	mb_lapic(mb, 1, 1, 0); /* neither: unusable */
	mb_lapic(mb, 2, 2, 2); /* online capable */
	mb_lapic(mb, 3, 3, 3);
	mb_x2apic(mb, 0x200, 0, 9); /* neither */
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 3);
	CHECK_EQ(info.cpus[0].apic_id, 0);
	CHECK_EQ(info.cpus[1].apic_id, 2);
	CHECK(!info.cpus[1].enabled);
	CHECK(info.cpus[1].online_capable);
	CHECK_EQ(info.cpus[2].apic_id, 3);
	CHECK(info.cpus[2].enabled);
	CHECK(info.cpus[2].online_capable);
}

TEST(madt_no_usable_cpu)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb->n = 0;
	mb_lapic(mb, 0, 0, 0);
	mb_ioapic(mb, 0, IOAPIC_ADDR, 0);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), -ENODEV);
	CHECK(err_has("no usable CPU"));
}

TEST(madt_lapic_address_override)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb_q35(mb);
	mb_lapic_ovr(mb, 0x1FEE00000ULL);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.lapic_addr, 0x1FEE00000ULL);
	CHECK_EQ(info.ncpus, 4);
}

TEST(madt_too_many_cpus)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb->n = 0;
	for (uint32_t i = 0; i < 300; i++)
		mb_x2apic(mb, i, 1, i);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, ACPI_MAX_CPUS);
	CHECK_EQ(info.cpus[0].apic_id, 0);
	CHECK_EQ(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	CHECK(has_warning("44 CPUs beyond the first 256"));
}

TEST(madt_too_many_ioapics_and_isos)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb_q35(mb);
	for (uint8_t i = 1; i < 20; i++)
		mb_ioapic(mb, i, IOAPIC_ADDR + i * 0x1000u, i * 24u);
	for (uint8_t i = 0; i < 40; i++)
		mb_iso(mb, i, i, 0);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.nioapics, ACPI_MAX_IOAPICS);
	CHECK_EQ(info.ioapics[15].id, 15);
	CHECK_EQ(info.nisos, ACPI_MAX_ISOS);
	CHECK(has_warning("4 I/O APICs"));
	CHECK(has_warning("10 interrupt overrides"));
}

TEST(madt_duplicate_apic_id)
{
	struct madt_buf *mb = &madt_scratch;

	build_good(2);
	mb_q35(mb);
	mb_x2apic(mb, 2, 1, 2);
	build_madt(MADT_PA, mb, LAPIC_DEFAULT, 1);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 4);
	CHECK(has_warning("duplicate APIC ID 2"));
}

TEST(madt_duplicate_table_uses_first)
{
	const uint64_t ents[] = {FADT_PA, MADT_PA, MADT2_PA, HPET_PA};

	build_good(2);
	build_rsdt_with_madt2();
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ncpus, 4);
	CHECK(info.pcat_compat);
	CHECK(has_warning("duplicate MADT at 0x7ffe1800"));
}

/* ---- FADT ---- */

TEST(fadt_legacy_v1_uses_pm_tmr_blk)
{
	build_good(2);
	build_fadt(FADT_PA, FADT_LEN_V1, 0xB008, 4, 0, 0, 0);
	CHECK_EQ(parse(), 0);
	CHECK(info.has_pmtimer);
	CHECK_EQ(info.pmtimer_space, ACPI_GAS_IO);
	CHECK_EQ(info.pmtimer_addr, 0xB008);
	CHECK(!info.pmtimer_32bit);
	CHECK_EQ(info.nwarnings, 0);
	/* The same, with TMR_VAL_EXT. */
	build_fadt(FADT_PA, FADT_LEN_V1, 0xB008, 4, FADT_TMR_VAL_EXT, 0, 0);
	CHECK_EQ(parse(), 0);
	CHECK(info.pmtimer_32bit);
}

TEST(fadt_x_pm_tmr_blk_preferred)
{
	build_good(2);
	build_fadt(FADT_PA, FADT_LEN_Q35, PM_TMR_PORT, 4, FADT_TMR_VAL_EXT, ACPI_GAS_IO, 0x708);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.pmtimer_space, ACPI_GAS_IO);
	CHECK_EQ(info.pmtimer_addr, 0x708);
	build_fadt(FADT_PA, FADT_LEN_Q35, PM_TMR_PORT, 4, 0, ACPI_GAS_MEMORY, 0xFED80000ULL);
	CHECK_EQ(parse(), 0);
	CHECK(info.has_pmtimer);
	CHECK_EQ(info.pmtimer_space, ACPI_GAS_MEMORY);
	CHECK_EQ(info.pmtimer_addr, 0xFED80000ULL);
	CHECK(!info.pmtimer_32bit);
}

TEST(fadt_x_pm_tmr_blk_zero_falls_back)
{
	build_good(2);
	build_fadt(FADT_PA, FADT_LEN_Q35, 0x1808, 4, FADT_TMR_VAL_EXT, ACPI_GAS_IO, 0);
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.pmtimer_space, ACPI_GAS_IO);
	CHECK_EQ(info.pmtimer_addr, 0x1808);
	CHECK(info.pmtimer_32bit);
}

TEST(fadt_bad_pm_tmr_len)
{
	build_good(2);
	build_fadt(FADT_PA, FADT_LEN_V1, 0xB008, 3, FADT_TMR_VAL_EXT, 0, 0);
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_pmtimer);
	CHECK(has_warning("PM_TMR_LEN 3"));
}

TEST(fadt_too_short)
{
	build_good(2);
	build_fadt(FADT_PA, 60, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_pmtimer);
	CHECK(has_warning("FADT too short"));
	CHECK_EQ(info.ncpus, 4);
}

/* ---- HPET ---- */

TEST(hpet_bad_checksum)
{
	build_good(2);
	corrupt(HPET_PA + 44);
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_hpet);
	CHECK(has_warning("HPET checksum mismatch at 0x7ffe1400"));
	CHECK_EQ(info.ntables, 3);
}

TEST(hpet_not_memory_space)
{
	build_good(2);
	build_hpet(HPET_PA, ACPI_GAS_IO, 0x1000);
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_hpet);
	CHECK(has_warning("HPET"));
}

TEST(hpet_too_short)
{
	build_good(2);
	put32(HPET_PA + 4, 48);
	sdt_fix(HPET_PA);
	CHECK_EQ(parse(), 0);
	CHECK(!info.has_hpet);
	CHECK(has_warning("too short"));
}

/* ---- bounded bookkeeping ---- */

TEST(warnings_bounded)
{
	uint64_t ents[21];

	build_good(2);
	for (size_t i = 0; i < 20; i++)
		ents[i] = UNMAPPED_PA + i * 0x1000;
	ents[20] = MADT_PA;
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.nwarnings, ACPI_MAX_WARNINGS);
	CHECK_EQ(info.warnings_dropped, 20 - ACPI_MAX_WARNINGS);
	for (unsigned int i = 0; i < ACPI_MAX_WARNINGS; i++)
		CHECK(memchr(info.warnings[i], '\0', ACPI_WARN_LEN) != NULL);
	CHECK(has_warning("0xdead0000"));
}

TEST(tables_bounded)
{
	uint64_t ents[80];

	build_good(2);
	build_oem1(OEM1_PA);
	ents[0] = MADT_PA;
	for (size_t i = 1; i < ARRAY_SIZE(ents); i++)
		ents[i] = OEM1_PA;
	set_xsdt(ents, ARRAY_SIZE(ents));
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.ntables, ACPI_MAX_TABLES);
	check_table(0, "XSDT", BIGROOT_PA, SDT_HDR + 80 * 8);
	check_table(1, "APIC", MADT_PA, get32(MADT_PA + 4));
	check_table(2, "OEM1", OEM1_PA, SDT_HDR + 4);
	CHECK(has_warning("17 ACPI tables beyond the first 64"));
}

TEST(small_or_missing_err_buffer)
{
	const uint64_t ents[] = {FADT_PA};
	uint8_t rsdp[36];
	char small[8];

	build_good(2);
	set_xsdt(ents, ARRAY_SIZE(ents));
	memcpy(rsdp, phys(RSDP_PA, 36), 36);
	maps_reset();
	CHECK_EQ(acpi_parse(rsdp, 36, 0, test_map, &info, small, sizeof(small)), -ENODEV);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK_EQ(acpi_parse(rsdp, 36, 0, test_map, &info, NULL, 0), -ENODEV);
	CHECK_EQ(acpi_parse(NULL, 0, 0, test_map, &info, small, sizeof(small)), -EINVAL);
	maps_reset();
}

/* ---- mutation run ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across runs and hosts. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t interesting_len(uint32_t cur)
{
	static const uint32_t vals[] = {0,  1,	2,  3,	 8,   35,	  36,	       37,
					43, 44, 45, 100, 116, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu};

	switch (rng() % 4) {
	case 0:
		return vals[rng() % ARRAY_SIZE(vals)];
	case 1:
		return cur + 1 + rng() % 16;
	case 2:
		return cur > 16 ? cur - 1 - rng() % 16 : 0;
	default:
		return rng();
	}
}

static void fix_all_sums(const uint64_t *tabs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t len = get32(tabs[i] + 4);

		if (len > 9 && phys_range(tabs[i], len))
			sdt_fix(tabs[i]);
	}
	fix_sum(RSDP_PA, 20, 8);
	if (get32(RSDP_PA + 20) >= 33 && get32(RSDP_PA + 20) <= 36)
		fix_sum(RSDP_PA, get32(RSDP_PA + 20), 32);
}

TEST(mutation_no_crash)
{
	static uint8_t snap_high[0x4000], snap_rsdp[36];
	const uint64_t tabs[] = {RSDT_PA, XSDT_PA, FADT_PA, HPET_PA, MADT_PA};
	const uint64_t addrs[] = {0,	       RSDT_PA,
				  XSDT_PA,     FADT_PA,
				  HPET_PA,     MADT_PA,
				  MADT_PA + 1, HIGH_BASE + HIGH_SIZE - 8,
				  UNMAPPED_PA, 0xFFFFFFFFFFFFFFF0ULL};
	unsigned int ok = 0, failed = 0;

	build_good(2);
	memcpy(snap_high, phys(RSDT_PA, sizeof(snap_high)), sizeof(snap_high));
	memcpy(snap_rsdp, phys(RSDP_PA, 36), 36);

	for (int iter = 0; iter < 4000; iter++) {
		unsigned int nmut = 1 + rng() % 4;
		size_t rsdp_len = 36;
		int rc;

		memcpy(phys(RSDT_PA, sizeof(snap_high)), snap_high, sizeof(snap_high));
		memcpy(phys(RSDP_PA, 36), snap_rsdp, 36);

		for (unsigned int m = 0; m < nmut; m++) {
			uint64_t t = tabs[rng() % ARRAY_SIZE(tabs)];
			uint32_t tlen = get32(t + 4) < 0x400 ? get32(t + 4) : 0x400;

			switch (rng() % 8) {
			case 0: /* flip bits in a table */
				put8(t + rng() % (tlen + 8), (uint8_t)rng());
				break;
			case 1: /* a table's length field */
				put32(t + 4, interesting_len(get32(t + 4)));
				break;
			case 2: { /* a MADT entry's length byte */
				uint32_t off = MADT_HDR + rng() % 64;

				put8(MADT_PA + off,
				     (uint8_t)interesting_len(*phys(MADT_PA + off, 1)));
				break;
			}
			case 3: /* a MADT entry's type byte */
				put8(MADT_PA + MADT_HDR + rng() % 64, (uint8_t)(rng() % 12));
				break;
			case 4: /* a root table entry */
				put64(XSDT_PA + SDT_HDR + 8 * (rng() % 3),
				      addrs[rng() % ARRAY_SIZE(addrs)]);
				break;
			case 5: /* the RSDP */
				put8(RSDP_PA + rng() % 36, (uint8_t)rng());
				break;
			case 6: /* the RSDP's Length or the RSDP buffer's size */
				if (rng() % 2)
					put32(RSDP_PA + 20, interesting_len(36));
				else
					rsdp_len = rng() % 37;
				break;
			default: /* a signature swap between tables */
				putn(t,
				     (const char *[]){"APIC", "FACP", "HPET", "XSDT",
						      "RSDT"}[rng() % 5],
				     4);
				break;
			}
		}
		/* Mostly keep checksums right so mutations reach the parsers. */
		if (rng() % 4)
			fix_all_sums(tabs, ARRAY_SIZE(tabs));

		rc = parse_len(rsdp_len);
		if (rc == 0) {
			ok++;
			CHECK_EQ(err[0], '\0');
			CHECK(info.ncpus >= 1 && info.ncpus <= ACPI_MAX_CPUS);
			CHECK(info.nioapics <= ACPI_MAX_IOAPICS);
			CHECK(info.nisos <= ACPI_MAX_ISOS);
			CHECK(info.ntables <= ACPI_MAX_TABLES);
			CHECK(info.nwarnings <= ACPI_MAX_WARNINGS);
		} else {
			failed++;
			CHECK(rc < 0);
			CHECK(err[0] != '\0');
			CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		}
		CHECK_EQ(zero_len_reqs, 0);
		for (unsigned int i = 0; i < info.nwarnings && i < ACPI_MAX_WARNINGS; i++)
			CHECK(memchr(info.warnings[i], '\0', ACPI_WARN_LEN) != NULL);
	}
	/* Both outcomes must occur, or the mutations are not reaching anything. */
	CHECK(ok > 100);
	CHECK(failed > 100);
	printf("mutation: %u parsed, %u rejected\n", ok, failed);
}

/* \_S5_ in AML as compilers emit it, and what must not be taken for it. */
TEST(find_s5_forms)
{
	/* Name (\_S5, Package (4) { 5, 5, 0, 0 }) with BytePrefix elements. */
	static const uint8_t root_byte[] = {0x10, 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
					    0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};
	/* Name (_S5, Package (4) { Zero, Zero, Zero, Zero }), QEMU's form. */
	static const uint8_t zero[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
				       0x00, 0x00, 0x00, 0x00};
	static const uint8_t one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
				      0x01, 0x01, 0x00, 0x00};
	/* A two-byte PkgLength (lead byte 0x4n: one more byte). */
	static const uint8_t pkglen2[] = {0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x01, 0x04, 0x0A, 0x07};
	/* A method called _S5_ (no NameOp before it), then the real object. */
	static const uint8_t method_first[] = {0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xA4, 0x00,
					       0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0A, 0x03};
	/* A name that is not a package, and a truncated package. */
	static const uint8_t not_pkg[] = {0x08, '_', 'S', '5', '_', 0x0A, 0x05, 0x00, 0x00, 0x00};
	static const uint8_t truncated[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04};
	static const uint8_t byte_cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0A};
	uint8_t typ = 0xEE;

	CHECK_EQ(acpi_find_s5(root_byte, sizeof(root_byte), &typ), 0);
	CHECK_EQ(typ, 5);
	CHECK_EQ(acpi_find_s5(zero, sizeof(zero), &typ), 0);
	CHECK_EQ(typ, 0);
	CHECK_EQ(acpi_find_s5(one, sizeof(one), &typ), 0);
	CHECK_EQ(typ, 1);
	CHECK_EQ(acpi_find_s5(pkglen2, sizeof(pkglen2), &typ), 0);
	CHECK_EQ(typ, 7);
	CHECK_EQ(acpi_find_s5(method_first, sizeof(method_first), &typ), 0);
	CHECK_EQ(typ, 3);
	typ = 0xEE;
	CHECK_EQ(acpi_find_s5(not_pkg, sizeof(not_pkg), &typ), -ENOENT);
	CHECK_EQ(acpi_find_s5(truncated, sizeof(truncated), &typ), -ENOENT);
	CHECK_EQ(acpi_find_s5(byte_cut, sizeof(byte_cut), &typ), -ENOENT);
	CHECK_EQ(acpi_find_s5(zero, 0, &typ), -ENOENT);
	CHECK_EQ(typ, 0xEE);
}

int main(void)
{
	RUN(find_s5_forms);
	RUN(good_v2_xsdt);
	RUN(good_v1_rsdt);
	RUN(xsdt_preferred_over_rsdt);
	RUN(xsdt_address_zero_uses_rsdt);
	RUN(rsdp_search_bios_area);
	RUN(rsdp_search_ebda_first);
	RUN(rsdp_search_ebda_end_of_window);
	RUN(rsdp_search_absent);
	RUN(rsdp_search_bad_checksum);
	RUN(rsdp_search_bad_extended_checksum);
	RUN(rsdp_search_skips_bad_candidate);
	RUN(rsdp_bad_signature);
	RUN(rsdp_bad_checksum);
	RUN(rsdp_bad_extended_checksum);
	RUN(rsdp_too_short);
	RUN(rsdp_length_beyond_buffer);
	RUN(xsdt_bad_checksum);
	RUN(xsdt_bad_signature);
	RUN(xsdt_length_shorter_than_header);
	RUN(xsdt_length_huge);
	RUN(xsdt_length_beyond_map);
	RUN(xsdt_unmapped);
	RUN(root_partial_entry_ignored);
	RUN(entry_unmapped_skipped);
	RUN(entry_null_skipped);
	RUN(entry_bad_lengths_skipped);
	RUN(entry_length_beyond_map);
	RUN(madt_missing);
	RUN(madt_bad_checksum);
	RUN(madt_unmappable_is_fatal);
	RUN(madt_entry_length_zero);
	RUN(madt_entry_past_end);
	RUN(madt_entry_too_short_for_type);
	RUN(madt_entry_header_truncated);
	RUN(madt_unknown_type_skipped);
	RUN(madt_x2apic);
	RUN(madt_disabled_cpus_not_listed);
	RUN(madt_no_usable_cpu);
	RUN(madt_lapic_address_override);
	RUN(madt_too_many_cpus);
	RUN(madt_too_many_ioapics_and_isos);
	RUN(madt_duplicate_apic_id);
	RUN(madt_duplicate_table_uses_first);
	RUN(fadt_legacy_v1_uses_pm_tmr_blk);
	RUN(fadt_x_pm_tmr_blk_preferred);
	RUN(fadt_x_pm_tmr_blk_zero_falls_back);
	RUN(fadt_bad_pm_tmr_len);
	RUN(fadt_too_short);
	RUN(hpet_bad_checksum);
	RUN(hpet_not_memory_space);
	RUN(hpet_too_short);
	RUN(warnings_bounded);
	RUN(tables_bounded);
	RUN(small_or_missing_err_buffer);
	RUN(mutation_no_crash);
	maps_reset();
	TEST_EXIT();
}
