// SPDX-License-Identifier: MIT
/*
 * Host tests of the partition ACPI table builder (hv/vdev/acpi_tables.c).
 * The built tables are checked byte by byte against ACPI 6.5, then fed to
 * the hypervisor's own parser (hv/arch/x86/acpi.c) as if they were
 * firmware tables, and - when ACPICA's iasl is installed - disassembled by
 * iasl, which must report no error.
 */
#include "test.h"

#include <unistd.h>
#include <sys/wait.h>

#include "lib/errno.h"
#include "arch/x86/acpi.h"
#include "vdev/acpi_tables.h"

#define BASE	 0x000E0000ull /* a typical low address for the blob */
#define BUF_SIZE 65536
#define CANARY	 0xA5
#define HDR_LEN	 36
#define IASL	 "/usr/bin/iasl"
#define ACPIEXEC "/usr/bin/acpiexec"

static uint8_t image[BUF_SIZE];
static uint64_t image_base;
static size_t image_used;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void default_params(struct acpi_build_params *p, unsigned int nvcpus, uint64_t base)
{
	memset(p, 0, sizeof(*p));
	p->base = base;
	p->nvcpus = nvcpus;
	p->ioapic_id = (uint8_t)nvcpus;
	p->ioapic_addr = ACPI_IOAPIC_ADDR;
	p->pm1a_evt = ACPI_DEFAULT_PM1A_EVT;
	p->pm1a_cnt = ACPI_DEFAULT_PM1A_CNT;
	p->pm_tmr = ACPI_DEFAULT_PM_TMR;
	p->sci_irq = ACPI_DEFAULT_SCI_IRQ;
	p->ecam_base = ACPI_DEFAULT_ECAM_BASE;
	p->ecam_bus_end = 255;
	p->pvpanic_port = 0x505;
	strcpy(p->oem_id, "BHTEST");
}

/* Builds into image[]; returns acpi_build's result and the RSDP address. */
static int build(const struct acpi_build_params *p, uint64_t *rsdp)
{
	memset(image, CANARY, sizeof(image));
	image_base = p->base;
	image_used = 0;
	return acpi_build(p, image, sizeof(image), &image_used, rsdp);
}

/* Guest-physical address -> pointer into image, or NULL outside the blob. */
static uint8_t *at(uint64_t gpa, uint64_t len)
{
	if (gpa < image_base || len > image_used || gpa - image_base > image_used - len)
		return NULL;
	return image + (gpa - image_base);
}

static const void *map(uint64_t pa, uint64_t len)
{
	return at(pa, len);
}

/* A table reached from the XSDT by signature, or NULL. */
static uint8_t *find_table(const uint8_t *rsdp, const char *sig)
{
	uint8_t *xsdt = at(rd64(rsdp + 24), HDR_LEN);

	if (!xsdt)
		return NULL;
	for (uint32_t off = HDR_LEN; off + 8 <= rd32(xsdt + 4); off += 8) {
		uint8_t *t = at(rd64(xsdt + off), HDR_LEN);

		if (t && memcmp(t, sig, 4) == 0)
			return t;
	}
	return NULL;
}

static const uint8_t *memfind(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

/* Builds the tables for p and returns the DSDT the FADT points to, or NULL. */
static const uint8_t *built_dsdt(const struct acpi_build_params *p)
{
	uint64_t rsdp_gpa;
	const uint8_t *f;

	if (build(p, &rsdp_gpa) != 0)
		return NULL;
	f = find_table(at(rsdp_gpa, 36), "FACP");
	return f ? at(rd64(f + 140), HDR_LEN) : NULL;
}

static const unsigned int vcpu_counts[] = {1, 2, 64};

TEST(builds_for_1_2_64_vcpus)
{
	struct acpi_build_params p;
	uint64_t rsdp = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vcpu_counts); i++) {
		default_params(&p, vcpu_counts[i], BASE);
		CHECK_EQ(build(&p, &rsdp), 0);
		CHECK_EQ(rsdp, BASE); /* RSDP first, at base */
		CHECK(image_used > 0);
		CHECK(image_used <= ACPI_BUILD_SIZE_MAX(vcpu_counts[i]));
		/* Nothing written beyond what was reported as used. */
		for (size_t j = image_used; j < sizeof(image); j++)
			if (image[j] != CANARY) {
				CHECK(image[j] == CANARY);
				break;
			}
	}
	/* The largest configuration also fits its bound. */
	default_params(&p, ACPI_BUILD_MAX_VCPUS, BASE);
	CHECK_EQ(build(&p, &rsdp), 0);
	CHECK(image_used <= ACPI_BUILD_SIZE_MAX(ACPI_BUILD_MAX_VCPUS));
}

/* Every table reachable from the RSDP, with its address. */
struct tref {
	const uint8_t *t;
	uint64_t gpa;
};

static unsigned int all_tables(const uint8_t *rsdp, struct tref *out)
{
	unsigned int n = 0;
	const uint8_t *xsdt = at(rd64(rsdp + 24), HDR_LEN);
	const uint8_t *fadt = find_table(rsdp, "FACP");

	if (!xsdt || !fadt)
		return 0;
	out[n++] = (struct tref){xsdt, rd64(rsdp + 24)};
	for (uint32_t off = HDR_LEN; off + 8 <= rd32(xsdt + 4); off += 8)
		out[n++] = (struct tref){at(rd64(xsdt + off), HDR_LEN), rd64(xsdt + off)};
	out[n++] = (struct tref){at(rd64(fadt + 140), HDR_LEN), rd64(fadt + 140)};
	return n;
}

TEST(checksums_and_lengths)
{
	struct acpi_build_params p;
	struct tref tabs[8];
	uint64_t rsdp_gpa;

	for (size_t i = 0; i < ARRAY_SIZE(vcpu_counts); i++) {
		unsigned int n = vcpu_counts[i], nt;
		const uint8_t *rsdp, *facs, *fadt;

		default_params(&p, n, BASE);
		CHECK_EQ(build(&p, &rsdp_gpa), 0);
		rsdp = at(rsdp_gpa, 36);
		CHECK(rsdp != NULL);
		if (!rsdp)
			return;
		CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
		CHECK_EQ(rsdp[15], 2);
		CHECK_EQ(rd32(rsdp + 20), 36);
		CHECK_EQ(rd32(rsdp + 16), 0); /* no RSDT */
		CHECK_EQ(sum(rsdp, 20), 0);
		CHECK_EQ(sum(rsdp, 36), 0);

		nt = all_tables(rsdp, tabs);
		CHECK_EQ(nt, 5); /* XSDT, FACP, APIC, MCFG, DSDT */
		for (unsigned int t = 0; t < nt; t++) {
			uint32_t len;

			CHECK(tabs[t].t != NULL);
			if (!tabs[t].t)
				continue;
			len = rd32(tabs[t].t + 4);
			CHECK(at(tabs[t].gpa, len) != NULL); /* inside the blob */
			CHECK_EQ(sum(tabs[t].t, len), 0);
			CHECK_EQ(tabs[t].gpa % 8, 0);
			CHECK(memcmp(tabs[t].t + 10, "BHTEST", 6) == 0);
			CHECK(memcmp(tabs[t].t + 16, "BULKHEAD", 8) == 0);
			/* No two tables overlap. */
			for (unsigned int u = 0; u < t; u++) {
				uint64_t a0 = tabs[t].gpa, a1 = a0 + len;
				uint64_t b0 = tabs[u].gpa, b1 = b0 + rd32(tabs[u].t + 4);

				CHECK(a1 <= b0 || b1 <= a0);
			}
		}
		CHECK_EQ(rd32(at(rd64(rsdp + 24), HDR_LEN) + 4), HDR_LEN + 3 * 8);
		fadt = find_table(rsdp, "FACP");
		CHECK(fadt && rd32(fadt + 4) == 0x114);
		CHECK_EQ(rd32(find_table(rsdp, "APIC") + 4), 44 + 8 * n + 12 + 2 * 10 + 6);
		CHECK_EQ(rd32(find_table(rsdp, "MCFG") + 4), 60);
		/* FACS: 64 bytes, 64-byte aligned, no checksum. */
		facs = fadt ? at(rd64(fadt + 132), 64) : NULL;
		CHECK(facs != NULL);
		if (facs) {
			CHECK(memcmp(facs, "FACS", 4) == 0);
			CHECK_EQ(rd32(facs + 4), 64);
			CHECK_EQ(rd64(fadt + 132) % 64, 0);
			CHECK_EQ(facs[32], 2);
		}
	}
}

TEST(host_parser_accepts)
{
	static struct acpi_info info;
	struct acpi_build_params p;
	char err[128];
	uint64_t rsdp_gpa;

	for (size_t i = 0; i < ARRAY_SIZE(vcpu_counts); i++) {
		unsigned int n = vcpu_counts[i];

		default_params(&p, n, BASE);
		CHECK_EQ(build(&p, &rsdp_gpa), 0);
		CHECK_EQ(acpi_parse(at(rsdp_gpa, 36), 36, rsdp_gpa, map, &info, err, sizeof(err)),
			 0);
		if (err[0])
			printf("  parser: %s\n", err);
		for (unsigned int w = 0; w < info.nwarnings; w++)
			printf("  parser warning: %s\n", info.warnings[w]);
		CHECK_EQ(info.nwarnings, 0);
		CHECK_EQ(info.revision, 2);
		CHECK(info.used_xsdt);
		CHECK_STR(info.oem_id, "BHTEST");
		CHECK_EQ(info.lapic_addr, 0xFEE00000u);
		CHECK(info.pcat_compat);
		CHECK_EQ(info.ncpus, n);
		for (unsigned int c = 0; c < info.ncpus && c < n; c++) {
			CHECK_EQ(info.cpus[c].apic_id, c);
			CHECK_EQ(info.cpus[c].uid, c);
			CHECK(info.cpus[c].enabled);
			CHECK(!info.cpus[c].x2apic);
		}
		CHECK_EQ(info.nioapics, 1);
		CHECK_EQ(info.ioapics[0].id, n);
		CHECK_EQ(info.ioapics[0].addr, 0xFEC00000u);
		CHECK_EQ(info.ioapics[0].gsi_base, 0);
		CHECK_EQ(info.nisos, 2);
		CHECK_EQ(info.isos[0].bus, 0);
		CHECK_EQ(info.isos[0].source, 0);
		CHECK_EQ(info.isos[0].gsi, 2);
		CHECK_EQ(info.isos[0].flags, 0x5); /* edge, active high */
		CHECK_EQ(info.isos[1].source, 9);
		CHECK_EQ(info.isos[1].gsi, 9);
		CHECK_EQ(info.isos[1].flags, 0xD); /* level, active high */
		CHECK(info.has_pmtimer);
		CHECK_EQ(info.pmtimer_space, ACPI_GAS_IO);
		CHECK_EQ(info.pmtimer_addr, ACPI_DEFAULT_PM_TMR);
		CHECK(info.pmtimer_32bit);
		CHECK(!info.has_hpet);
		/* The soft-off path a hypervisor (or any OS) derives from FADT + DSDT. */
		CHECK(info.has_s5);
		CHECK_EQ(info.s5_slp_typa, ACPI_SLP_TYP_S5);
		CHECK_EQ(info.pm1a_cnt_port, ACPI_DEFAULT_PM1A_CNT);
		CHECK_EQ(info.ntables, 5); /* XSDT, FACP, APIC, MCFG, DSDT */
	}
}

TEST(fadt_fields)
{
	struct acpi_build_params p;
	uint64_t rsdp_gpa;
	const uint8_t *f, *dsdt;

	default_params(&p, 2, BASE);
	CHECK_EQ(build(&p, &rsdp_gpa), 0);
	f = find_table(at(rsdp_gpa, 36), "FACP");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(f[8], 6);	   /* revision */
	CHECK_EQ(f[131], 5);	   /* minor revision: ACPI 6.5 */
	CHECK_EQ(rd32(f + 36), 0); /* FIRMWARE_CTRL: X_FIRMWARE_CTRL only */
	CHECK(rd64(f + 132) != 0);
	CHECK_EQ(rd32(f + 40), rd64(f + 140)); /* DSDT == X_DSDT */
	dsdt = at(rd64(f + 140), HDR_LEN);
	CHECK(dsdt && memcmp(dsdt, "DSDT", 4) == 0);
	CHECK_EQ(rd16(f + 46), 9); /* SCI_INT */
	CHECK_EQ(rd32(f + 48), 0); /* SMI_CMD */
	CHECK_EQ(f[52], 0);
	CHECK_EQ(f[53], 0);
	CHECK_EQ(rd32(f + 56), 0x600); /* PM1a_EVT_BLK */
	CHECK_EQ(rd32(f + 60), 0);     /* no PM1b */
	CHECK_EQ(rd32(f + 64), 0x604); /* PM1a_CNT_BLK */
	CHECK_EQ(rd32(f + 76), 0x608); /* PM_TMR_BLK */
	CHECK_EQ(rd32(f + 80), 0);     /* no GPE0 */
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(f[91], 4);
	CHECK_EQ(f[92], 0);
	CHECK_EQ(rd16(f + 96), 101);
	CHECK_EQ(rd16(f + 98), 1001);
	CHECK_EQ(f[108], 0x32);	      /* CENTURY: the vRTC's CMOS index */
	CHECK_EQ(rd16(f + 109), 0x5); /* LEGACY_DEVICES | VGA not present, no 8042 */
	/* WBINVD, PROC_C1, SLP_BUTTON, FIX_RTC, TMR_VAL_EXT, RESET_REG_SUP. */
	CHECK_EQ(rd32(f + 112), 0x1 | 0x4 | 0x20 | 0x40 | 0x100 | 0x400);
	/* RESET_REG: I/O, 8 bits, byte access, 0xCF9; value 6. */
	CHECK_EQ(f[116], 1);
	CHECK_EQ(f[117], 8);
	CHECK_EQ(f[119], 1);
	CHECK_EQ(rd64(f + 120), 0xCF9);
	CHECK_EQ(f[128], 6);
	/* X_ blocks: I/O space, bit width = 8 x legacy length, same port. */
	CHECK_EQ(f[148], 1);
	CHECK_EQ(f[149], 32);
	CHECK_EQ(rd64(f + 152), 0x600);
	CHECK_EQ(f[172], 1);
	CHECK_EQ(f[173], 16);
	CHECK_EQ(rd64(f + 176), 0x604);
	CHECK_EQ(f[208], 1);
	CHECK_EQ(f[209], 32);
	CHECK_EQ(rd64(f + 212), 0x608);
	CHECK_EQ(rd64(f + 160), 0); /* X_PM1b_EVT_BLK */
	CHECK_EQ(rd64(f + 224), 0); /* X_GPE0_BLK */
	CHECK(memcmp(f + 268, "Bulkhead", 8) == 0);
}

TEST(mcfg_and_madt_nmi)
{
	struct acpi_build_params p;
	uint64_t rsdp_gpa;
	const uint8_t *m, *a, *e;
	uint32_t len;

	default_params(&p, 2, BASE);
	p.ecam_bus_end = 63;
	CHECK_EQ(build(&p, &rsdp_gpa), 0);
	m = find_table(at(rsdp_gpa, 36), "MCFG");
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(rd64(m + 44), 0xB0000000u);
	CHECK_EQ(rd16(m + 52), 0);
	CHECK_EQ(m[54], 0);
	CHECK_EQ(m[55], 63);

	a = find_table(at(rsdp_gpa, 36), "APIC");
	CHECK(a != NULL);
	if (!a)
		return;
	len = rd32(a + 4);
	e = a + len - 6; /* the Local APIC NMI entry comes last */
	CHECK_EQ(e[0], 4);
	CHECK_EQ(e[1], 6);
	CHECK_EQ(e[2], 0xFF);
	CHECK_EQ(rd16(e + 3), 0x5);
	CHECK_EQ(e[5], 1);
}

TEST(dsdt_sleep_states)
{
	/* Name(\_S5_, Package(4) {5, 5, 0, 0}) */
	static const uint8_t s5[] = {0x08,
				     '\\',
				     '_',
				     'S',
				     '5',
				     '_',
				     0x12,
				     0x08,
				     0x04,
				     0x0A,
				     ACPI_SLP_TYP_S5,
				     0x0A,
				     ACPI_SLP_TYP_S5,
				     0x00,
				     0x00};
	static const uint8_t s0[] = {0x08, '\\', '_',  'S',  '0',  '_', 0x12,
				     0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
	/* EisaId("PNP0A08") and ("PNP0A03") as iasl encodes them. */
	static const uint8_t hid[] = {'_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x08};
	static const uint8_t cid[] = {'_', 'C', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03};
	struct acpi_build_params p;
	const uint8_t *d;
	uint32_t len;

	CHECK_EQ(ACPI_SLP_TYP_S5, 5);
	default_params(&p, 1, BASE);
	d = built_dsdt(&p);
	CHECK(d != NULL);
	if (!d)
		return;
	len = rd32(d + 4);
	CHECK_EQ(d[8], 2); /* revision 2: 64-bit AML integers */
	CHECK(memfind(d, len, s5, sizeof(s5)) != NULL);
	CHECK(memfind(d, len, s0, sizeof(s0)) != NULL);
	CHECK(memfind(d, len, hid, sizeof(hid)) != NULL);
	CHECK(memfind(d, len, cid, sizeof(cid)) != NULL);
	CHECK(memfind(d, len, "PCI0", 4) != NULL);
}

TEST(dsdt_pvpanic)
{
	/* Name(_HID, "QEMU0001") and IO(Decode16, 0x505, 0x505, 1, 1). */
	static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0D, 'Q', 'E',
				      'M',  'U', '0', '0', '0', '1', 0x00};
	static const uint8_t io[] = {0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01};
	struct acpi_build_params p;
	const uint8_t *d;

	default_params(&p, 1, BASE);
	d = built_dsdt(&p);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(memfind(d, rd32(d + 4), "PEVT", 4) != NULL);
	CHECK(memfind(d, rd32(d + 4), hid, sizeof(hid)) != NULL);
	CHECK(memfind(d, rd32(d + 4), io, sizeof(io)) != NULL);

	/* Port 0: no device at all. */
	p.pvpanic_port = 0;
	d = built_dsdt(&p);
	CHECK(d != NULL);
	if (d)
		CHECK(memfind(d, rd32(d + 4), "QEMU0001", 8) == NULL);
}

TEST(buffer_too_small)
{
	static uint8_t small[BUF_SIZE];
	struct acpi_build_params p;
	uint64_t rsdp = 0x1234;
	size_t full, used = 0x5678;

	default_params(&p, 64, BASE);
	CHECK_EQ(build(&p, &rsdp), 0);
	full = image_used;
	/* Every size short of the full one fails, and writes only within size. */
	for (size_t sz = 0; sz < full; sz++) {
		memset(small, CANARY, sizeof(small));
		if (acpi_build(&p, small, sz, &used, &rsdp) != -ENOSPC) {
			CHECK_EQ(acpi_build(&p, small, sz, &used, &rsdp), -ENOSPC);
			break;
		}
		for (size_t j = sz; j < full; j++)
			if (small[j] != CANARY) {
				TEST_FAIL_AT("size %zu: byte %zu written", sz, j);
				break;
			}
	}
	CHECK_EQ(used, 0x5678); /* outputs untouched on failure */
	CHECK_EQ(rsdp, BASE);	/* (from the successful build above) */
	CHECK_EQ(acpi_build(&p, small, full, &used, &rsdp), 0);
	CHECK_EQ(used, full);
	CHECK(memcmp(small, image, full) == 0); /* deterministic */
}

TEST(bad_params)
{
	struct acpi_build_params p;
	uint64_t rsdp;

	default_params(&p, 0, BASE);
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, ACPI_BUILD_MAX_VCPUS + 1, BASE);
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, 1, BASE);
	p.sci_irq = 0;
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	p.sci_irq = 2;
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	p.sci_irq = 16;
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, 1, BASE);
	p.pm_tmr = 0;
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	p.pm_tmr = 0xFFFE; /* the 4-byte block would pass 0xFFFF */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, 1, BASE);
	p.ecam_base = 0xB0080000; /* not 1 MiB aligned */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	p.ecam_base = 0x100000000ull; /* above the 32-bit window */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	p.ecam_base = 0xF0000000; /* 256 buses would reach past 0xFEBFFFFF */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, 1, BASE);
	p.ioapic_addr = 0xD0000000; /* inside the PCI memory window */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	default_params(&p, 1, BASE);
	strcpy(p.oem_id, "TAB\tX");
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	memcpy(p.oem_id, "SEVENXX", 7); /* not terminated within 6 */
	CHECK_EQ(build(&p, &rsdp), -EINVAL);
	/* The empty OEM ID means the default, padded with spaces. */
	p.oem_id[0] = '\0';
	CHECK_EQ(build(&p, &rsdp), 0);
	CHECK(memcmp(at(rsdp, 36) + 9, "BLKHD ", 6) == 0);
}

TEST(unaligned_and_high_base)
{
	static struct acpi_info info;
	struct acpi_build_params p;
	uint64_t rsdp_gpa;
	const uint8_t *f;
	char err[128];

	/* A base that is not aligned: every table still is, in guest terms. */
	default_params(&p, 4, 0x7FE1234);
	CHECK_EQ(build(&p, &rsdp_gpa), 0);
	CHECK_EQ(rsdp_gpa % 16, 0);
	CHECK_EQ(acpi_parse(at(rsdp_gpa, 36), 36, rsdp_gpa, map, &info, err, sizeof(err)), 0);
	CHECK_EQ(info.ncpus, 4);
	f = find_table(at(rsdp_gpa, 36), "FACP");
	CHECK(f && rd64(f + 132) % 64 == 0);

	/* Above 4 GiB the 32-bit DSDT field is 0 and X_DSDT alone is used. */
	default_params(&p, 4, 0x100000000ull + 0x1000);
	CHECK_EQ(build(&p, &rsdp_gpa), 0);
	CHECK_EQ(acpi_parse(at(rsdp_gpa, 36), 36, rsdp_gpa, map, &info, err, sizeof(err)), 0);
	f = find_table(at(rsdp_gpa, 36), "FACP");
	CHECK(f && rd32(f + 40) == 0 && rd64(f + 140) > 0xFFFFFFFFull);
}

/* ---- iasl (ACPICA) disassembly: only when the tool is installed ---- */

static char tmpdir[64];

static bool write_file(const char *name, const uint8_t *p, size_t len)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (!f)
		return false;
	ok = fwrite(p, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/* Runs iasl -d on one file; output goes to name.log. 0 and no "Error" = ok. */
static bool iasl_ok(const char *name)
{
	char cmd[512], path[128], line[512];
	bool clean = true;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "cd %s && %s -d %s > %s.log 2>&1", tmpdir, IASL, name, name);
	st = system(cmd);
	snprintf(path, sizeof(path), "%s/%s.log", tmpdir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Error") || strstr(line, "Warning")) {
			if (strstr(line, " 0 Errors, 0 Warnings") || strstr(line, "Compilation"))
				continue;
			printf("  iasl %s: %s", name, line);
			clean = false;
		}
	fclose(f);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && clean;
}

/* True if the file tmpdir/name contains s. */
static bool file_has(const char *name, const char *s)
{
	char path[128], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

TEST(iasl_disassembles)
{
	static const char *const sigs[] = {"FACP", "APIC", "MCFG", "DSDT", "XSDT"};
	struct acpi_build_params p;
	uint64_t rsdp_gpa;
	const uint8_t *rsdp, *fadt;
	char cmd[512];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bh_acpi_XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	default_params(&p, 4, BASE);
	CHECK_EQ(build(&p, &rsdp_gpa), 0);
	rsdp = at(rsdp_gpa, 36);
	fadt = find_table(rsdp, "FACP");
	CHECK(fadt != NULL);
	if (!fadt)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		const uint8_t *t = strcmp(sigs[i], "DSDT") == 0	  ? at(rd64(fadt + 140), HDR_LEN)
				   : strcmp(sigs[i], "XSDT") == 0 ? at(rd64(rsdp + 24), HDR_LEN)
								  : find_table(rsdp, sigs[i]);
		char name[16];

		CHECK(t != NULL);
		if (!t)
			continue;
		snprintf(name, sizeof(name), "%s.dat", sigs[i]);
		CHECK(write_file(name, t, rd32(t + 4)));
		if (!iasl_ok(name))
			TEST_FAIL_AT("iasl -d %s failed", name);
	}
	CHECK(write_file("FACS.dat", at(rd64(fadt + 132), 64), 64));
	CHECK(iasl_ok("FACS.dat"));
	/* (iasl -d cannot take an RSDP on its own; the tests above check it.) */

	/* The disassembly says what we meant. */
	CHECK(file_has("DSDT.dsl", "Name (\\_S5, Package (0x04)"));
	CHECK(file_has("DSDT.dsl", "EisaId (\"PNP0A08\")"));
	CHECK(file_has("DSDT.dsl", "EisaId (\"PNP0A03\")"));
	CHECK(file_has("DSDT.dsl", "EisaId (\"PNP0C02\")"));
	CHECK(file_has("DSDT.dsl", "0xFEBFFFFF"));
	CHECK(file_has("DSDT.dsl", "Name (_HID, \"QEMU0001\")"));
	CHECK(file_has("DSDT.dsl", "IO (Decode16,"));
	CHECK(file_has("FACP.dsl", "Hypervisor ID : 646165686B6C7542")); /* "Bulkhead" */
	CHECK(file_has("FACP.dsl", "PM Timer Block Address : 00000608"));
	CHECK(file_has("FACP.dsl", "8042 Present on ports 60/64 (V2) : 0"));
	CHECK(file_has("FACP.dsl", "Reset Register Supported (V2) : 1"));
	CHECK(file_has("APIC.dsl", "Interrupt Source Override"));
	CHECK(file_has("APIC.dsl", "Trigger Mode : 3")); /* the SCI, level */
	CHECK(file_has("MCFG.dsl", "Base Address : 00000000B0000000"));

	/* Round trip: the disassembled DSDT compiles again without errors. */
	snprintf(cmd, sizeof(cmd), "cd %s && %s -p DSDT2 DSDT.dsl > recompile.log 2>&1", tmpdir,
		 IASL);
	CHECK_EQ(system(cmd), 0);

	/*
	 * ACPICA's table manager and interpreter - the code Linux runs - load
	 * the set without a warning and evaluate \_S5 and the _CRS. (The
	 * "Unexpected ..." lines acpiexec prints come from its own self-tests
	 * of GPE blocks and PM2_CNT, which this platform does not have.)
	 */
	if (access(ACPIEXEC, X_OK) == 0) {
		snprintf(cmd, sizeof(cmd),
			 "cd %s && %s -b 'evaluate \\_S5; evaluate \\_SB.PCI0._CRS; evaluate \\_SB.PEVT._CRS; quit' "
			 "DSDT.dat FACP.dat APIC.dat MCFG.dat > acpiexec.log 2>&1",
			 tmpdir, ACPIEXEC);
		CHECK_EQ(system(cmd), 0);
		CHECK(!file_has("acpiexec.log", "ACPI Warning"));
		CHECK(!file_has("acpiexec.log", "ACPI Error"));
		CHECK(!file_has("acpiexec.log", "ACPI BIOS"));
		CHECK(!file_has("acpiexec.log", "Firmware"));
		CHECK(file_has("acpiexec.log", "[Integer] = 0000000000000005"));
		CHECK(file_has("acpiexec.log", "Evaluation of \\_SB.PCI0._CRS returned object"));
		CHECK(file_has("acpiexec.log", "Evaluation of \\_SB.PEVT._CRS returned object"));
	} else {
		printf("  note: %s not installed, ACPICA load check skipped\n", ACPIEXEC);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (!test_cur_failed && system(cmd) != 0)
		printf("  note: could not remove %s\n", tmpdir);
	else if (test_cur_failed)
		printf("  iasl output kept in %s\n", tmpdir);
}

int main(void)
{
	RUN(builds_for_1_2_64_vcpus);
	RUN(checksums_and_lengths);
	RUN(host_parser_accepts);
	RUN(fadt_fields);
	RUN(mcfg_and_madt_nmi);
	RUN(dsdt_sleep_states);
	RUN(dsdt_pvpanic);
	RUN(buffer_too_small);
	RUN(bad_params);
	RUN(unaligned_and_high_base);
	/* iasl is optional: without it the structural tests above still ran. */
	if (access(IASL, X_OK) == 0)
		RUN(iasl_disassembles);
	else
		printf("SKIP: %s/iasl_disassembles: %s not installed (Debian acpica-tools)\n",
		       TEST_SUITE, IASL);
	TEST_EXIT();
}
