// SPDX-License-Identifier: MIT
/*
 * Unit tests for emu/gpt: the guest page-table walker. Page tables are
 * built in a fake guest-physical memory (a host buffer holding guest
 * physical [0, RAM_SIZE)); addresses from MMIO_BASE up read as device
 * memory (-EFAULT), everything else is out of range and aborts the test.
 * Each paging mode gets its translations and every fault: not present,
 * reserved bits, U/S, R/W with CR0.WP, NX, SMEP, SMAP with RFLAGS.AC and
 * implicit accesses, non-canonical addresses, and the A/D updates.
 */
#include "test.h"

#include "emu/gpt.h"
#include "lib/errno.h"

#define RAM_SIZE  0x200000ull /* 2 MiB of fake guest RAM */
#define MMIO_BASE 0xfee00000ull
#define PAGE	  0x1000ull

#define P  GPT_PTE_P
#define W  GPT_PTE_W
#define U  GPT_PTE_U
#define A  GPT_PTE_A
#define D  GPT_PTE_D
#define PS GPT_PTE_PS
#define NX GPT_PTE_NX

#define CR0_PE	  0x1ull
#define CR0_PG_WP (GPT_CR0_PG | GPT_CR0_WP | CR0_PE)

static uint8_t *ram;
static uint64_t next_page;
static unsigned int nreads, ncmpxchg, cmpxchg_fail_once;

static int fake_read(void *opaque, uint64_t gpa, void *buf, unsigned int len)
{
	(void)opaque;
	nreads++;
	CHECK(len == 4 || len == 8);
	CHECK((gpa & (len - 1)) == 0);
	if (gpa >= MMIO_BASE)
		return -EFAULT;
	if (gpa + len > RAM_SIZE) {
		printf("FAIL: %s: read outside fake RAM at %#llx\n", TEST_SUITE,
		       (unsigned long long)gpa);
		exit(1);
	}
	memcpy(buf, ram + gpa, len);
	return 0;
}

static int fake_cmpxchg(void *opaque, uint64_t gpa, uint64_t old_val, uint64_t new_val,
			unsigned int len)
{
	uint64_t cur = 0;

	(void)opaque;
	ncmpxchg++;
	CHECK(gpa + len <= RAM_SIZE);
	memcpy(&cur, ram + gpa, len);
	if (cmpxchg_fail_once) {
		/* Another CPU got there first: the entry changed (here: gained A). */
		cmpxchg_fail_once = 0;
		cur |= A;
		memcpy(ram + gpa, &cur, len);
		return -EBUSY;
	}
	if (cur != old_val)
		return -EBUSY;
	memcpy(ram + gpa, &new_val, len);
	return 0;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

static uint64_t alloc_page(void)
{
	uint64_t pa = next_page;

	next_page += PAGE;
	if (next_page > RAM_SIZE) {
		printf("FAIL: %s: fake RAM exhausted\n", TEST_SUITE);
		exit(1);
	}
	memset(ram + pa, 0, PAGE);
	return pa;
}

static void reset(struct gpt_walker *w)
{
	if (!ram)
		ram = aligned_alloc(PAGE, RAM_SIZE);
	if (!ram)
		exit(2);
	memset(ram, 0, RAM_SIZE);
	next_page = PAGE;
	nreads = ncmpxchg = cmpxchg_fail_once = 0;
	memset(w, 0, sizeof(*w));
	w->read = fake_read;
	w->maxphyaddr = 52;
	w->page1gb = true;
}

/*
 * 64-bit-entry tables (long mode, 4 or 5 levels): map la at leaf level
 * (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB) to target, with upper flags on the
 * table entries and leaf flags on the leaf. Returns the leaf entry's gpa;
 * entry_at() finds any level's entry afterwards.
 */
static uint64_t entry_at(uint64_t root, uint64_t la, int levels, int level)
{
	uint64_t table = root;

	for (int l = levels; l > level; l--) {
		uint64_t e = get64(table + ((la >> (12 + 9 * (l - 1))) & 511) * 8);

		table = e & 0x000ffffffffff000ull;
	}
	return table + ((la >> (12 + 9 * (level - 1))) & 511) * 8;
}

static uint64_t map64(uint64_t root, int levels, uint64_t la, int leaf, uint64_t target,
		      uint64_t upper, uint64_t leaf_flags)
{
	uint64_t table = root;

	for (int l = levels; l > leaf; l--) {
		uint64_t ea = table + ((la >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = get64(ea);

		if (!(e & P)) {
			e = alloc_page() | upper;
			put64(ea, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	put64(table + ((la >> (12 + 9 * (leaf - 1))) & 511) * 8,
	      target | leaf_flags | (leaf > 1 ? PS : 0));
	return table + ((la >> (12 + 9 * (leaf - 1))) & 511) * 8;
}

static void long_mode(struct gpt_walker *w, uint64_t root)
{
	w->cr0 = CR0_PG_WP;
	w->cr4 = GPT_CR4_PAE;
	w->efer = GPT_EFER_LMA | GPT_EFER_NXE | (1ull << 8); /* LME too */
	w->cr3 = root;
}

/* Translate and expect success at gpa. */
static void expect_gpa(const struct gpt_walker *w, uint64_t la, unsigned int acc, uint64_t gpa)
{
	struct gpt_result r;
	int err = gpt_translate(w, la, acc, &r);

	if (err || r.gpa != gpa)
		TEST_FAIL_AT("la %#llx acc %u: err %d gpa %#llx, expected %#llx",
			     (unsigned long long)la, acc, err, (unsigned long long)r.gpa,
			     (unsigned long long)gpa);
}

/* Translate and expect a #PF with error code ec (CR2 = la). */
static void expect_pf(const struct gpt_walker *w, uint64_t la, unsigned int acc, uint32_t ec)
{
	struct gpt_result r;
	int err = gpt_translate(w, la, acc, &r);

	if (err != -EPERM || !r.exc.valid || r.exc.vector != EMU_VEC_PF || !r.exc.has_error ||
	    r.exc.error_code != ec || r.exc.cr2 != la || r.noncanonical)
		TEST_FAIL_AT("la %#llx acc %u: err %d vector %u ec %#x cr2 %#llx, expected #PF "
			     "ec %#x",
			     (unsigned long long)la, acc, err, r.exc.vector, r.exc.error_code,
			     (unsigned long long)r.exc.cr2, ec);
}

#define PFEC_P	  EMU_PFEC_P
#define PFEC_W	  EMU_PFEC_W
#define PFEC_U	  EMU_PFEC_U
#define PFEC_RSVD EMU_PFEC_RSVD
#define PFEC_ID	  EMU_PFEC_ID
#define RD	  0u
#define WR	  GPT_ACC_WRITE
#define FE	  GPT_ACC_FETCH

TEST(paging_off_is_identity)
{
	struct gpt_walker w;
	struct gpt_result r;

	reset(&w);
	w.cr0 = CR0_PE;
	expect_gpa(&w, 0x12345678, RD, 0x12345678);
	expect_gpa(&w, 0xfee00010, WR, 0xfee00010);
	/* Linear addresses are 32 bits wide without paging. */
	expect_gpa(&w, 0x100001000ull, FE, 0x1000);
	CHECK_EQ(gpt_translate(&w, 0, RD, &r), 0);
	CHECK(r.writable && r.user && !r.noexec);
	CHECK_EQ(nreads, 0);
}

TEST(long_mode_4k_2m_1g)
{
	struct gpt_walker w;
	struct gpt_result r;
	uint64_t root;

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	map64(root, 4, 0x00007f1234567000ull, 1, 0x1234000, P | W | U, P | W | U);
	map64(root, 4, 0xffff800000200000ull, 2, 0x40000000, P | W, P | W);
	map64(root, 4, 0xffffff8040000000ull, 3, 0x80000000ull, P | W, P | W);

	expect_gpa(&w, 0x00007f1234567abcull, RD, 0x1234abc);
	CHECK_EQ(nreads, 4);
	expect_gpa(&w, 0xffff8000003fffffull, WR, 0x401fffff);
	expect_gpa(&w, 0xffffff807ffffff8ull, RD, 0xbffffff8);
	CHECK_EQ(gpt_translate(&w, 0xffff800000212345ull, RD, &r), 0);
	CHECK_EQ(r.page_size, 0x200000);
	CHECK(r.writable && !r.user && !r.noexec);
	CHECK_EQ(gpt_translate(&w, 0xffffff8040000000ull, RD, &r), 0);
	CHECK_EQ(r.page_size, 0x40000000);
	CHECK_EQ(gpt_translate(&w, 0x00007f1234567000ull, RD, &r), 0);
	CHECK_EQ(r.page_size, PAGE);
	/* Bits 11:0 of CR3 (PCID, PWT/PCD) do not move the root. */
	w.cr3 = root | 0x18 | 0x5;
	expect_gpa(&w, 0x00007f1234567abcull, RD, 0x1234abc);

	/* Unmapped at each level: not present, P = 0. */
	expect_pf(&w, 0x00007f1234568000ull, RD, 0);	   /* PTE */
	expect_pf(&w, 0x00007f1234800000ull, WR, PFEC_W);  /* PDE */
	expect_pf(&w, 0x00007f1280000000ull, RD, 0);	   /* PDPTE */
	expect_pf(&w, 0x0000100000000000ull, FE, PFEC_ID); /* PML4E, NXE on */
	w.cpl = 3;
	expect_pf(&w, 0x0000100000000000ull, WR, PFEC_W | PFEC_U);
}

TEST(long_mode_reserved_bits)
{
	struct gpt_walker w;
	uint64_t root, pte, pde2m, pdpte1g, pml4e;
	const uint64_t la4k = 0x0000000040201000ull, la2m = 0x0000000080200000ull,
		       la1g = 0x0000008000000000ull;

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	w.maxphyaddr = 40;
	pte = map64(root, 4, la4k, 1, 0x5000, P | W, P | W);
	pde2m = map64(root, 4, la2m, 2, 0x600000, P | W, P | W);
	pdpte1g = map64(root, 4, la1g, 3, 0x40000000, P | W, P | W);
	expect_gpa(&w, la4k, RD, 0x5000);
	expect_gpa(&w, la2m, RD, 0x600000);
	expect_gpa(&w, la1g, RD, 0x40000000);

	/* An address bit at or above MAXPHYADDR is reserved. */
	put64(pte, 0x5000 | P | W | (1ull << 40));
	expect_pf(&w, la4k, RD, PFEC_P | PFEC_RSVD);
	w.maxphyaddr = 41;
	expect_gpa(&w, la4k, RD, 0x10000005000ull);
	w.maxphyaddr = 40;
	put64(pte, 0x5000 | P | W | (1ull << 51));
	expect_pf(&w, la4k, WR, PFEC_P | PFEC_RSVD | PFEC_W);
	/* Bits 62:52 are ignored (available to software). */
	put64(pte, 0x5000 | P | W | (0x7ffull << 52));
	expect_gpa(&w, la4k, RD, 0x5000);
	/* NX without EFER.NXE is reserved. */
	put64(pte, 0x5000 | P | W | NX);
	w.efer &= ~GPT_EFER_NXE;
	expect_pf(&w, la4k, RD, PFEC_P | PFEC_RSVD);
	w.efer |= GPT_EFER_NXE;
	expect_gpa(&w, la4k, RD, 0x5000);
	put64(pte, 0x5000 | P | W);

	/* 2 MiB leaf: bits 20:13 reserved; bit 12 is PAT. */
	put64(pde2m, 0x600000 | P | W | PS | (1ull << 12));
	expect_gpa(&w, la2m + 0x1234, RD, 0x601234);
	put64(pde2m, 0x600000 | P | W | PS | (1ull << 13));
	expect_pf(&w, la2m, RD, PFEC_P | PFEC_RSVD);
	put64(pde2m, 0x600000 | P | W | PS);

	/* 1 GiB leaf: bits 29:13 reserved; PS itself without Page1GB. */
	put64(pdpte1g, 0x40000000 | P | W | PS | (1ull << 29));
	expect_pf(&w, la1g, RD, PFEC_P | PFEC_RSVD);
	put64(pdpte1g, 0x40000000 | P | W | PS);
	w.page1gb = false;
	expect_pf(&w, la1g, RD, PFEC_P | PFEC_RSVD);
	w.page1gb = true;

	/* PS in a PML4E is reserved. */
	pml4e = entry_at(root, la4k, 4, 4);
	put64(pml4e, get64(pml4e) | PS);
	w.cpl = 3;
	expect_pf(&w, la4k, RD, PFEC_P | PFEC_RSVD | PFEC_U);
	/* A not-present entry is not checked for reserved bits. */
	put64(pml4e, (1ull << 51) | PS);
	expect_pf(&w, la4k, RD, PFEC_U);
}

TEST(long_mode_noncanonical)
{
	struct gpt_walker w;
	struct gpt_result r;

	reset(&w);
	long_mode(&w, alloc_page());
	CHECK_EQ(gpt_translate(&w, 0x0000800000000000ull, RD, &r), -EPERM);
	CHECK(r.noncanonical);
	CHECK_EQ(r.exc.vector, EMU_VEC_GP);
	CHECK(r.exc.has_error);
	CHECK_EQ(r.exc.error_code, 0);
	CHECK_EQ(gpt_translate(&w, 0xfff0000000000000ull, WR | GPT_ACC_STACK, &r), -EPERM);
	CHECK(r.noncanonical);
	CHECK_EQ(r.exc.vector, EMU_VEC_SS);
	CHECK_EQ(nreads, 0);
	/* Canonical but unmapped: #PF, not #GP. */
	CHECK_EQ(gpt_translate(&w, 0xffff800000000000ull, RD, &r), -EPERM);
	CHECK(!r.noncanonical);
	CHECK_EQ(r.exc.vector, EMU_VEC_PF);
	/* LA57 widens the canonical range to 57 bits. */
	w.cr4 |= GPT_CR4_LA57;
	CHECK_EQ(gpt_translate(&w, 0x0000800000000000ull, RD, &r), -EPERM);
	CHECK(!r.noncanonical);
	CHECK_EQ(r.exc.vector, EMU_VEC_PF);
	CHECK_EQ(gpt_translate(&w, 0x0100000000000000ull, RD, &r), -EPERM);
	CHECK(r.noncanonical);
}

TEST(five_level)
{
	struct gpt_walker w;
	uint64_t root;
	const uint64_t la = 0xff12345678901000ull; /* bit 56 set: upper half */

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	w.cr4 |= GPT_CR4_LA57;
	map64(root, 5, la, 1, 0x77000, P | W, P | W);
	map64(root, 5, 0x0000800000000000ull, 2, 0x200000, P | W, P | W);
	expect_gpa(&w, la + 0x10, RD, 0x77010);
	CHECK_EQ(nreads, 5);
	expect_gpa(&w, 0x0000800000012345ull, RD, 0x212345);
	/* PS in a PML5E is reserved. */
	put64(entry_at(root, la, 5, 5), get64(entry_at(root, la, 5, 5)) | PS);
	expect_pf(&w, la, RD, PFEC_P | PFEC_RSVD);
}

TEST(protection_checks)
{
	struct gpt_walker w;
	uint64_t root, pte;
	const uint64_t la = 0x0000000000400000ull, ula = 0x0000000000600000ull;

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	/* Supervisor page (U clear at the PDE only), read-only at the PTE. */
	map64(root, 4, la, 1, 0x9000, P | W | U, P);
	put64(entry_at(root, la, 4, 2), get64(entry_at(root, la, 4, 2)) & ~U);
	/* User page, writable, NX. */
	pte = map64(root, 4, ula, 1, 0xa000, P | W | U, P | W | U | NX);

	/* U/S: user accesses to a supervisor page fault whatever the access. */
	w.cpl = 3;
	expect_pf(&w, la, RD, PFEC_P | PFEC_U);
	expect_pf(&w, la, WR, PFEC_P | PFEC_U | PFEC_W);
	expect_pf(&w, la, FE, PFEC_P | PFEC_U | PFEC_ID);
	/* An implicit access at CPL 3 is a supervisor access (no U in the code). */
	expect_gpa(&w, la, RD | GPT_ACC_IMPLICIT, 0x9000);
	expect_pf(&w, la, WR | GPT_ACC_IMPLICIT, PFEC_P | PFEC_W);
	/* User read and write of a user page; user fetch blocked by NX. */
	expect_gpa(&w, ula, RD, 0xa000);
	expect_gpa(&w, ula, WR, 0xa000);
	expect_pf(&w, ula, FE, PFEC_P | PFEC_U | PFEC_ID);

	/* R/W: supervisor writes to read-only pages depend on CR0.WP. */
	w.cpl = 0;
	expect_pf(&w, la, WR, PFEC_P | PFEC_W);
	w.cr0 &= ~GPT_CR0_WP;
	expect_gpa(&w, la, WR, 0x9000);
	w.cr0 |= GPT_CR0_WP;
	expect_gpa(&w, la, FE, 0x9000);

	/* User pages read-only for user mode: user writes fault even with WP=0. */
	put64(pte, 0xa000 | P | U);
	w.cr0 &= ~GPT_CR0_WP;
	w.cpl = 3;
	expect_pf(&w, ula, WR, PFEC_P | PFEC_U | PFEC_W);
	w.cpl = 0;
	expect_gpa(&w, ula, WR, 0xa000);
	w.cr0 |= GPT_CR0_WP;
	put64(pte, 0xa000 | P | W | U);

	/* SMEP: no supervisor fetch from a user page (I/D reported). */
	expect_gpa(&w, ula, FE, 0xa000);
	w.cr4 |= GPT_CR4_SMEP;
	expect_pf(&w, ula, FE, PFEC_P | PFEC_ID);
	expect_gpa(&w, la, FE, 0x9000);
	w.cr4 &= ~GPT_CR4_SMEP;

	/* SMAP: supervisor data accesses to user pages need RFLAGS.AC... */
	w.cr4 |= GPT_CR4_SMAP;
	expect_pf(&w, ula, RD, PFEC_P);
	expect_pf(&w, ula, WR, PFEC_P | PFEC_W);
	w.rflags = GPT_RFLAGS_AC;
	expect_gpa(&w, ula, RD, 0xa000);
	expect_gpa(&w, ula, WR, 0xa000);
	/* ...and implicit ones fault regardless of AC, at any CPL. */
	expect_pf(&w, ula, RD | GPT_ACC_IMPLICIT, PFEC_P);
	w.cpl = 3;
	expect_pf(&w, ula, RD | GPT_ACC_IMPLICIT, PFEC_P);
	/* User accesses are not affected by SMAP. */
	expect_gpa(&w, ula, RD, 0xa000);
	w.rflags = 0;
	expect_gpa(&w, ula, WR, 0xa000);
	/* Supervisor pages are not affected by SMAP. */
	w.cpl = 0;
	expect_gpa(&w, la, RD, 0x9000);

	/* NX at an upper level forbids fetches below it. */
	w.cr4 = GPT_CR4_PAE;
	put64(pte, 0xa000 | P | W | U);
	put64(entry_at(root, ula, 4, 3), get64(entry_at(root, ula, 4, 3)) | NX);
	expect_pf(&w, ula, FE, PFEC_P | PFEC_ID);
	expect_gpa(&w, ula, RD, 0xa000);
}

TEST(pae_paging)
{
	struct gpt_walker w;
	struct gpt_result r;
	uint64_t pdpt, pd, pt, pd3;
	uint64_t cached[4];

	reset(&w);
	w.cr0 = CR0_PG_WP;
	w.cr4 = GPT_CR4_PAE;
	w.efer = GPT_EFER_NXE;
	/* The PDPT is 32-byte aligned, anywhere below 4 GiB. */
	pdpt = alloc_page() + 0x60;
	pd = alloc_page();
	pt = alloc_page();
	pd3 = alloc_page();
	put64(pdpt + 0 * 8, pd | P);
	put64(pdpt + 3 * 8, pd3 | P);
	put64(pd + 2 * 8, pt | P | W | U);		    /* 0x00400000-0x005fffff */
	put64(pt + 5 * 8, 0x123000 | P | W | U);	    /* 0x00405000 */
	put64(pd3 + 511 * 8, 0x1fe00000 | P | W | PS | NX); /* 0xffe00000, 2 MiB */
	w.cr3 = pdpt | 0x18; /* bits 4:3 are PWT/PCD-ish noise, ignored */

	expect_gpa(&w, 0x00405678, RD, 0x123678);
	CHECK_EQ(nreads, 3);
	expect_gpa(&w, 0xfff12345, WR, 0x1ff12345);
	CHECK_EQ(gpt_translate(&w, 0xfff12345, RD, &r), 0);
	CHECK_EQ(r.page_size, 0x200000);
	CHECK(r.noexec);
	expect_pf(&w, 0xfff12345, FE, PFEC_P | PFEC_ID);
	/* Linear addresses are 32 bits: high bits of la are dropped. */
	expect_gpa(&w, 0x500405678ull, RD, 0x123678);
	/* Not-present PDPTE. */
	expect_pf(&w, 0x40000000, WR, PFEC_W);
	/* PDPTE reserved bits: 2:1 (no R/W, U/S), 8:5, 63 (no NX). */
	put64(pdpt + 0 * 8, pd | P | W);
	expect_pf(&w, 0x00405678, RD, PFEC_P | PFEC_RSVD);
	put64(pdpt + 0 * 8, pd | P | NX);
	expect_pf(&w, 0x00405678, RD, PFEC_P | PFEC_RSVD);
	put64(pdpt + 0 * 8, pd | P);
	/* 2 MiB leaf reserved bits 20:13. */
	put64(pd3 + 511 * 8, 0x1fe00000 | P | W | PS | (1ull << 20));
	expect_pf(&w, 0xfff12345, RD, PFEC_P | PFEC_RSVD);
	/* NX without NXE is reserved in PAE entries. */
	put64(pd3 + 511 * 8, 0x1fe00000 | P | W | PS | NX);
	w.efer = 0;
	expect_pf(&w, 0xfff12345, RD, PFEC_P | PFEC_RSVD);
	/* Without NXE and SMEP, fetch faults carry no I/D bit. */
	expect_pf(&w, 0x40000000, FE, 0);
	w.efer = GPT_EFER_NXE;

	/* Caller-cached PDPTEs (VMX) take precedence over the table in memory. */
	cached[0] = 0;
	cached[1] = pd | P;
	cached[2] = 0;
	cached[3] = pd3 | P;
	w.pdptes = cached;
	nreads = 0;
	expect_pf(&w, 0x00405678, RD, 0);
	expect_gpa(&w, 0x40405678, RD, 0x123678);
	CHECK_EQ(nreads, 2); /* not present: no read; the hit: PDE and PTE */
}

TEST(legacy_32bit_paging)
{
	struct gpt_walker w;
	struct gpt_result r;
	uint64_t pd, pt;

	reset(&w);
	w.cr0 = CR0_PG_WP;
	pd = alloc_page();
	pt = alloc_page();
	put32(pd + 1 * 4, (uint32_t)(pt | P | W | U)); /* 0x00400000 */
	put32(pt + 3 * 4, 0x00456000 | P | U);	       /* 0x00403000 read-only */
	/*
	 * 4 MiB page for 0xc0000000 at 0x5_0000_0000: PSE-36 bits 20:13 = 0x05
	 * give address bits 39:32 (and, read as a table address, 0xa000).
	 */
	put32(pd + 0x300 * 4, (0x05 << 13) | P | W | PS);
	w.cr3 = pd | 0x18;

	expect_gpa(&w, 0x00403abc, RD, 0x456abc);
	CHECK_EQ(nreads, 2);
	/* Without CR4.PSE, PS is ignored and the entry points to a page table. */
	expect_pf(&w, 0xc0001234, RD, 0); /* reads a zero PTE from the "table" */
	w.cr4 = GPT_CR4_PSE;
	expect_gpa(&w, 0xc0012345, RD, 0x500012345ull);
	CHECK_EQ(gpt_translate(&w, 0xc0012345, RD, &r), 0);
	CHECK_EQ(r.page_size, 0x400000);
	/* Bit 21 of a 4 MiB PDE is reserved; so are PSE-36 bits beyond MAXPHYADDR. */
	put32(pd + 0x300 * 4, 0x00c00000 | (1u << 21) | P | W | PS);
	expect_pf(&w, 0xc0012345, RD, PFEC_P | PFEC_RSVD);
	put32(pd + 0x300 * 4, 0x00c00000 | (0x10 << 13) | P | W | PS); /* address bit 36 */
	w.maxphyaddr = 36;
	expect_pf(&w, 0xc0012345, RD, PFEC_P | PFEC_RSVD);
	w.maxphyaddr = 40;
	expect_gpa(&w, 0xc0012345, RD, 0x1000c12345ull);

	/* Protection: user read-only page, supervisor page. */
	w.cpl = 3;
	expect_gpa(&w, 0x00403000, RD, 0x456000);
	expect_pf(&w, 0x00403000, WR, PFEC_P | PFEC_W | PFEC_U);
	expect_pf(&w, 0xc0012345, RD, PFEC_P | PFEC_U);
	/* No NX in 32-bit paging: bit 63 does not exist, fetches are fine. */
	expect_gpa(&w, 0x00403000, FE, 0x456000);
	expect_pf(&w, 0x00800000, FE, PFEC_U); /* not present, no I/D without SMEP */
	w.cr4 |= GPT_CR4_SMEP;
	expect_pf(&w, 0x00800000, FE, PFEC_U | PFEC_ID);
	w.cpl = 0;
	expect_pf(&w, 0x00403000, FE, PFEC_P | PFEC_ID); /* SMEP: user page */
	w.cr0 &= ~GPT_CR0_WP;
	expect_gpa(&w, 0x00403000, WR, 0x456000);
	/* Linear addresses are 32 bits. */
	expect_gpa(&w, 0xf00403000ull, RD, 0x456000);
}

TEST(tables_in_device_memory)
{
	struct gpt_walker w;
	struct gpt_result r;
	uint64_t root;

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	/* A PDPT that lives at an MMIO address: the walk fails with -EFAULT, no #PF. */
	put64(root, MMIO_BASE | P | W);
	CHECK_EQ(gpt_translate(&w, 0x1000, RD, &r), -EFAULT);
	CHECK(!r.exc.valid);
	w.cr3 = MMIO_BASE;
	CHECK_EQ(gpt_translate(&w, 0x1000, RD, &r), -EFAULT);
	/* No read callback: refused. */
	w.read = NULL;
	CHECK_EQ(gpt_translate(&w, 0x1000, RD, &r), -EINVAL);
}

TEST(accessed_dirty_bits)
{
	struct gpt_walker w;
	uint64_t root, pte, pde, pdpte, pml4e, pdpt, pd, pt;
	const uint64_t la = 0x0000000000403000ull;

	reset(&w);
	root = alloc_page();
	long_mode(&w, root);
	pte = map64(root, 4, la, 1, 0x8000, P | W, P | W);
	pde = entry_at(root, la, 4, 2);
	pdpte = entry_at(root, la, 4, 3);
	pml4e = entry_at(root, la, 4, 4);

	/* Without a cmpxchg callback nothing is written. */
	expect_gpa(&w, la, WR, 0x8000);
	CHECK(!(get64(pte) & (A | D)));

	w.cmpxchg = fake_cmpxchg;
	/* A read sets A everywhere, D nowhere. */
	expect_gpa(&w, la, RD, 0x8000);
	CHECK(get64(pml4e) & A);
	CHECK(get64(pdpte) & A);
	CHECK(get64(pde) & A);
	CHECK(get64(pte) & A);
	CHECK(!(get64(pte) & D));
	CHECK(!(get64(pde) & D));
	CHECK_EQ(ncmpxchg, 4);
	/* A write sets D on the leaf only. */
	expect_gpa(&w, la, WR, 0x8000);
	CHECK(get64(pte) & D);
	CHECK(!(get64(pde) & D));
	CHECK_EQ(ncmpxchg, 5);
	/* Already set: no more updates. */
	expect_gpa(&w, la, WR, 0x8000);
	CHECK_EQ(ncmpxchg, 5);
	/* A faulting access sets nothing. */
	put64(pte, 0x8000 | P);
	expect_pf(&w, la, WR, PFEC_P | PFEC_W);
	CHECK_EQ(ncmpxchg, 5);

	/* A racing update makes the walk start again, and it then succeeds. */
	put64(pte, 0x8000 | P | W);
	put64(pde, get64(pde) & ~A);
	cmpxchg_fail_once = 1;
	expect_gpa(&w, la, RD, 0x8000);
	CHECK(get64(pde) & A);
	CHECK(get64(pte) & A);

	/* PAE: PDPTEs have no A bit and are never written. */
	reset(&w);
	w.cmpxchg = fake_cmpxchg;
	w.cr0 = CR0_PG_WP;
	w.cr4 = GPT_CR4_PAE;
	pdpt = alloc_page();
	pd = alloc_page();
	pt = alloc_page();
	put64(pdpt, pd | P);
	put64(pd, pt | P | W);
	put64(pt, 0x3000 | P | W);
	w.cr3 = pdpt;
	expect_gpa(&w, 0x10, WR, 0x3010);
	CHECK_EQ(get64(pdpt), pd | P);
	CHECK_EQ(get64(pd), pt | P | W | A);
	CHECK_EQ(get64(pt), 0x3000 | P | W | A | D);

	/* 32-bit paging: 4-byte entries. */
	reset(&w);
	w.cmpxchg = fake_cmpxchg;
	w.cr0 = CR0_PG_WP;
	pd = alloc_page();
	pt = alloc_page();
	put32(pd, (uint32_t)(pt | P | W));
	put32(pt + 4, 0x7000 | P | W);
	put32(pt + 8, 0xdeadbeef); /* the neighbour must stay intact */
	w.cr3 = pd;
	expect_gpa(&w, 0x1004, WR, 0x7004);
	CHECK_EQ(get64(pt + 4), 0xdeadbeef00000000ull | 0x7000 | P | W | A | D);
}

int main(void)
{
	RUN(paging_off_is_identity);
	RUN(long_mode_4k_2m_1g);
	RUN(long_mode_reserved_bits);
	RUN(long_mode_noncanonical);
	RUN(five_level);
	RUN(protection_checks);
	RUN(pae_paging);
	RUN(legacy_32bit_paging);
	RUN(tables_in_device_memory);
	RUN(accessed_dirty_bits);
	TEST_EXIT();
}
