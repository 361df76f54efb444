// SPDX-License-Identifier: MIT
/*
 * Unit tests for arch/x86/pgtable: the four-level page-table builder, run
 * on a fake physical space. Table frames come from a pool of host pages
 * with made-up physical addresses; the pool counts what is live, catches
 * double and unknown frees, and p2v aborts on any address that is not a
 * live table (so a walk through a freed or bogus table cannot go unseen).
 * Freed frames are poisoned and not reused right away. Mapped target
 * addresses are never dereferenced, so they need no backing.
 */
#include "test.h"

#include "arch/x86/pgtable.h"
#include "lib/errno.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define POOL_BASE 0x10000000ull
#define ALL_FLAGS PGT_FLAGS_MASK

/* ------------------------------------------------------------------------ */
/* Fake physical space for table frames                                      */

struct pool {
	unsigned int n;
	uint64_t **mem;		/* host page per slot */
	unsigned char *live;	/* slot currently handed out */
	unsigned char *ever;	/* slot handed out at least once */
	unsigned int next;	/* round-robin cursor: delays reuse */
	uint64_t nlive;		/* frames currently handed out */
	uint64_t allocs, frees; /* successful allocations, frees */
	long long fail_after;	/* fail allocations once allocs reaches this; -1 = never */
	uint64_t failed;	/* allocations refused */
	unsigned int bad_frees; /* double or unknown frees */
};

static void pool_create(struct pool *p, unsigned int n)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->mem = calloc(n, sizeof(*p->mem));
	p->live = calloc(n, 1);
	p->ever = calloc(n, 1);
	if (!p->mem || !p->live || !p->ever) {
		printf("out of host memory\n");
		exit(2);
	}
	for (unsigned int i = 0; i < n; i++) {
		p->mem[i] = aligned_alloc(4096, 4096);
		if (!p->mem[i]) {
			printf("out of host memory\n");
			exit(2);
		}
		memset(p->mem[i], 0xa5, 4096);
	}
	p->fail_after = -1;
}

static void pool_release(struct pool *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		free(p->mem[i]);
	free(p->mem);
	free(p->live);
	free(p->ever);
	memset(p, 0, sizeof(*p));
}

/* Slot of a fake physical address, or -1. */
static long pool_slot(const struct pool *p, uint64_t pa)
{
	if (pa < POOL_BASE || (pa - POOL_BASE) % 4096 || (pa - POOL_BASE) / 4096 >= p->n)
		return -1;
	return (long)((pa - POOL_BASE) / 4096);
}

static int pool_alloc(void *ctx, uint64_t *pa)
{
	struct pool *p = ctx;

	if (p->fail_after >= 0 && p->allocs >= (uint64_t)p->fail_after) {
		p->failed++;
		return -ENOMEM;
	}
	for (unsigned int k = 0; k < p->n; k++) {
		unsigned int i = (p->next + k) % p->n;

		if (p->live[i])
			continue;
		p->next = i + 1;
		p->live[i] = 1;
		p->ever[i] = 1;
		p->nlive++;
		p->allocs++;
		memset(p->mem[i], 0, 4096);
		*pa = POOL_BASE + (uint64_t)i * 4096;
		return 0;
	}
	TEST_FAIL_AT("pool of %u table frames exhausted", p->n);
	p->failed++;
	return -ENOMEM;
}

static void pool_free(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	long i = pool_slot(p, pa);

	if (i < 0 || !p->live[i]) {
		TEST_FAIL_AT("free_table(%#" PRIx64 "): %s", pa, i < 0 ? "unknown" : "not live");
		p->bad_frees++;
		return;
	}
	p->live[i] = 0;
	p->nlive--;
	p->frees++;
	/* Poison: a later walk through this frame must not look valid. */
	memset(p->mem[i], 0x5a, 4096);
}

static void *pool_p2v(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	long i = pool_slot(p, pa);

	if (i < 0 || !p->live[i]) {
		printf("FAIL: %s/%s: p2v(%#" PRIx64 ") of %s table frame\n", TEST_SUITE,
		       test_cur_name, pa, i < 0 ? "an unknown" : "a freed");
		abort();
	}
	return p->mem[i];
}

static void pt_setup(struct pgtable *pt, struct pool *p, bool allow_2m, bool allow_1g)
{
	memset(pt, 0, sizeof(*pt));
	pt->allow_2m = allow_2m;
	pt->allow_1g = allow_1g;
	pt->alloc_table = pool_alloc;
	pt->free_table = pool_free;
	pt->p2v = pool_p2v;
	pt->ctx = p;
}

/*
 * Host pointer to the entry at level for va. If the walk stops above that
 * level, the test fails and a scratch entry is returned instead.
 */
static uint64_t *entry_at(struct pgtable *pt, uint64_t va, int level)
{
	static uint64_t scratch;
	uint64_t *t = pool_p2v(pt->ctx, pt->root);

	for (int l = PGT_LEVELS; l >= level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];

		if (l == level)
			return e;
		if (!(*e & PTE_P) || (*e & PTE_PS))
			break;
		t = pool_p2v(pt->ctx, *e & PGT_ADDR_MASK);
	}
	TEST_FAIL_AT("no level %d entry for va %#" PRIx64, level, va);
	scratch = 0;
	return &scratch;
}

/*
 * Walk the whole tree: every table reached must be live in the pool and
 * reached once, intermediate entries must be exactly address | P | W | U,
 * leaves must be aligned and free of stray bits. Returns the number of
 * tables reached, or -1 after reporting a failure.
 */
static int walk_tree(struct pool *p, uint64_t pa, int level, unsigned char *seen)
{
	long slot = pool_slot(p, pa);
	uint64_t *t;
	int n = 1;

	if (slot < 0 || !p->live[slot]) {
		TEST_FAIL_AT("tree reaches %s frame %#" PRIx64, slot < 0 ? "unknown" : "freed", pa);
		return -1;
	}
	if (seen[slot]) {
		TEST_FAIL_AT("table %#" PRIx64 " reached twice", pa);
		return -1;
	}
	seen[slot] = 1;
	t = p->mem[slot];
	for (unsigned int i = 0; i < PGT_ENTRIES; i++) {
		uint64_t e = t[i];
		uint64_t size = 1ull << (12 + 9 * (level - 1));

		if (!(e & PTE_P)) {
			if (e) {
				TEST_FAIL_AT("non-present entry %#" PRIx64 " not zero", e);
				return -1;
			}
			continue;
		}
		if (level > 1 && !(e & PTE_PS)) {
			int k;

			if ((e & ~PGT_ADDR_MASK) != (PTE_P | PTE_W | PTE_U)) {
				TEST_FAIL_AT("level %d table entry %#" PRIx64 " has odd bits",
					     level, e);
				return -1;
			}
			k = walk_tree(p, e & PGT_ADDR_MASK, level - 1, seen);
			if (k < 0)
				return -1;
			n += k;
			continue;
		}
		if (level == 4) {
			TEST_FAIL_AT("PS set in PML4 entry %#" PRIx64, e);
			return -1;
		}
		/* Leaf: address aligned to its size, only flag bits besides. */
		if ((e & PGT_ADDR_MASK & (size - 1)) ||
		    (e & ~PGT_ADDR_MASK & ~(PGT_FLAGS_MASK | PTE_P | PTE_PS))) {
			TEST_FAIL_AT("level %d leaf %#" PRIx64 " misaligned or odd bits", level, e);
			return -1;
		}
	}
	return n;
}

/* Tables reachable == tables live in the pool == pt->tables. */
#define CHECK_TABLES(pt, p)                                                                        \
	do {                                                                                       \
		unsigned char *_seen = calloc((p)->n, 1);                                          \
		int _n = (pt)->root ? walk_tree((p), (pt)->root, PGT_LEVELS, _seen) : 0;           \
		free(_seen);                                                                       \
		CHECK(_n >= 0);                                                                    \
		CHECK_EQ(_n, (p)->nlive);                                                          \
		CHECK_EQ((pt)->tables, (p)->nlive);                                                \
	} while (0)

/* After pgtable_destroy: every frame ever handed out was freed exactly once. */
#define CHECK_NO_LEAKS(pt, p)                                                                      \
	do {                                                                                       \
		CHECK_EQ((p)->nlive, 0);                                                           \
		CHECK_EQ((p)->allocs, (p)->frees);                                                 \
		CHECK_EQ((p)->bad_frees, 0);                                                       \
		CHECK_EQ((pt)->tables, 0);                                                         \
		CHECK_EQ((pt)->root, 0);                                                           \
	} while (0)

#define CHECK_LOOKUP(pt, va, epa, eflags, esize)                                                   \
	do {                                                                                       \
		uint64_t _pa = 0xdead, _fl = 0xdead, _sz = 0xdead;                                 \
		int _r = pgtable_lookup((pt), (va), &_pa, &_fl, &_sz);                             \
		CHECK_EQ(_r, 0);                                                                   \
		CHECK_EQ(_pa, (epa));                                                              \
		CHECK_EQ(_fl, (eflags));                                                           \
		CHECK_EQ(_sz, (esize));                                                            \
	} while (0)

#define CHECK_UNMAPPED(pt, va) CHECK_EQ(pgtable_lookup((pt), (va), NULL, NULL, NULL), -ENOENT)

/* ------------------------------------------------------------------------ */
/* Basic mapping                                                             */

TEST(init_and_destroy)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 8);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK(pool_slot(&p, pt.root) >= 0);
	CHECK_EQ(pt.tables, 1);
	CHECK_TABLES(&pt, &p);
	CHECK_UNMAPPED(&pt, 0);
	CHECK_UNMAPPED(&pt, 0x7ffffffff000ull);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	/* A second destroy is harmless. */
	pgtable_destroy(&pt);
	CHECK_EQ(p.bad_frees, 0);
	pool_release(&p);
}

TEST(map_single_4k)
{
	struct pool p;
	struct pgtable pt;
	uint64_t va = 0x123456789000ull, pa = 0xabcdef000ull;
	uint64_t got_pa = 0, got_fl = 0, got_sz = 0;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, va, pa, KiB(4), PTE_W), 0);
	CHECK_LOOKUP(&pt, va, pa, PTE_W, KiB(4));
	/* Byte offsets translate too. */
	CHECK_LOOKUP(&pt, va + 0xfff, pa + 0xfff, PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, va + 0x10, pa + 0x10, PTE_W, KiB(4));
	CHECK_UNMAPPED(&pt, va - KiB(4));
	CHECK_UNMAPPED(&pt, va + KiB(4));
	/* PML4 + PDPT + PD + PT */
	CHECK_EQ(pt.tables, 4);
	CHECK_TABLES(&pt, &p);
	/* The raw entry: present, the flags, the address; nothing else. */
	CHECK_EQ(*entry_at(&pt, va, 1), pa | PTE_P | PTE_W);
	/* Output pointers are optional. */
	CHECK_EQ(pgtable_lookup(&pt, va, NULL, NULL, NULL), 0);
	CHECK_EQ(pgtable_lookup(&pt, va, &got_pa, NULL, NULL), 0);
	CHECK_EQ(got_pa, pa);
	CHECK_EQ(pgtable_lookup(&pt, va, NULL, &got_fl, &got_sz), 0);
	CHECK_EQ(got_fl, PTE_W);
	CHECK_EQ(got_sz, KiB(4));
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(leaves_2m_when_aligned)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, false);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, MiB(4), GiB(3) + MiB(6), MiB(4), PTE_W), 0);
	CHECK_LOOKUP(&pt, MiB(4), GiB(3) + MiB(6), PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, MiB(6) - 1, GiB(3) + MiB(8) - 1, PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, MiB(6) + 0x12345, GiB(3) + MiB(8) + 0x12345, PTE_W, MiB(2));
	CHECK_UNMAPPED(&pt, MiB(8));
	CHECK_UNMAPPED(&pt, MiB(4) - KiB(4));
	/* No page table: PML4 + PDPT + PD. */
	CHECK_EQ(pt.tables, 3);
	CHECK_EQ(*entry_at(&pt, MiB(4), 2), (GiB(3) + MiB(6)) | PTE_P | PTE_W | PTE_PS);
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(no_2m_leaves_unless_allowed)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, false, false);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, 0, 0, MiB(4), 0), 0);
	for (uint64_t va = 0; va < MiB(4); va += KiB(4))
		CHECK_LOOKUP(&pt, va, va, 0, KiB(4));
	CHECK_EQ(pt.tables, 5); /* PML4 + PDPT + PD + 2 PT */
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(leaves_1g_only_when_allowed)
{
	struct pool p;
	struct pgtable pt;

	/* Not allowed: 2 MiB leaves instead. */
	pool_create(&p, 16);
	pt_setup(&pt, &p, true, false);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(1), GiB(5), GiB(1), PTE_W | PTE_NX), 0);
	CHECK_LOOKUP(&pt, GiB(1), GiB(5), PTE_W | PTE_NX, MiB(2));
	CHECK_LOOKUP(&pt, GiB(2) - KiB(4), GiB(6) - KiB(4), PTE_W | PTE_NX, MiB(2));
	CHECK_EQ(pt.tables, 3);
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);

	/* Allowed: one 1 GiB leaf, no PD. */
	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(1), GiB(5), GiB(1), PTE_W | PTE_NX), 0);
	CHECK_LOOKUP(&pt, GiB(1), GiB(5), PTE_W | PTE_NX, GiB(1));
	CHECK_LOOKUP(&pt, GiB(2) - 1, GiB(6) - 1, PTE_W | PTE_NX, GiB(1));
	CHECK_LOOKUP(&pt, GiB(1) + 0x2345678, GiB(5) + 0x2345678, PTE_W | PTE_NX, GiB(1));
	CHECK_UNMAPPED(&pt, GiB(2));
	CHECK_UNMAPPED(&pt, GiB(1) - 1);
	CHECK_EQ(pt.tables, 2);
	CHECK_EQ(*entry_at(&pt, GiB(1), 3), GiB(5) | PTE_P | PTE_W | PTE_NX | PTE_PS);
	CHECK_TABLES(&pt, &p);

	/* pa only 2 MiB aligned: 2 MiB leaves even with allow_1g. */
	CHECK_EQ(pgtable_map(&pt, GiB(3), GiB(7) + MiB(2), GiB(1), 0), 0);
	CHECK_LOOKUP(&pt, GiB(3), GiB(7) + MiB(2), 0, MiB(2));
	CHECK_LOOKUP(&pt, GiB(4) - 1, GiB(8) + MiB(2) - 1, 0, MiB(2));
	/* Size short of 1 GiB: 2 MiB leaves. */
	CHECK_EQ(pgtable_map(&pt, GiB(8), GiB(8), GiB(1) - MiB(2), 0), 0);
	CHECK_LOOKUP(&pt, GiB(8), GiB(8), 0, MiB(2));
	CHECK_UNMAPPED(&pt, GiB(9) - MiB(2));
	CHECK_TABLES(&pt, &p);

	/* allow_1g without allow_2m: 1 GiB where possible, else 4 KiB. */
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pt_setup(&pt, &p, false, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(1) - MiB(2), GiB(1) - MiB(2), GiB(1) + MiB(4), 0), 0);
	CHECK_LOOKUP(&pt, GiB(1) - MiB(2), GiB(1) - MiB(2), 0, KiB(4));
	CHECK_LOOKUP(&pt, GiB(1), GiB(1), 0, GiB(1));
	CHECK_LOOKUP(&pt, GiB(2), GiB(2), 0, KiB(4));
	CHECK_LOOKUP(&pt, GiB(2) + MiB(2) - KiB(4), GiB(2) + MiB(2) - KiB(4), 0, KiB(4));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(unaligned_falls_back_to_4k)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 32);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	/* va aligned, pa not: all 4 KiB. */
	CHECK_EQ(pgtable_map(&pt, MiB(2), MiB(2) + KiB(4), MiB(2), 0), 0);
	for (uint64_t off = 0; off < MiB(2); off += KiB(4))
		CHECK_LOOKUP(&pt, MiB(2) + off, MiB(2) + KiB(4) + off, 0, KiB(4));
	/* pa aligned, va not. */
	CHECK_EQ(pgtable_map(&pt, MiB(8) + KiB(4), MiB(16), MiB(2), 0), 0);
	CHECK_LOOKUP(&pt, MiB(8) + KiB(4), MiB(16), 0, KiB(4));
	CHECK_LOOKUP(&pt, MiB(10), MiB(18) - KiB(4), 0, KiB(4));
	/* Both aligned, size one page short. */
	CHECK_EQ(pgtable_map(&pt, MiB(20), MiB(20), MiB(2) - KiB(4), 0), 0);
	CHECK_LOOKUP(&pt, MiB(20), MiB(20), 0, KiB(4));
	CHECK_UNMAPPED(&pt, MiB(22) - KiB(4));
	/* va and pa both misaligned by the same amount: still 4 KiB. */
	CHECK_EQ(pgtable_map(&pt, GiB(1) + MiB(1), GiB(2) + MiB(1), MiB(4), 0), 0);
	CHECK_LOOKUP(&pt, GiB(1) + MiB(1), GiB(2) + MiB(1), 0, KiB(4));
	/* ...but the 2 MiB block fully inside with matching alignment is a leaf. */
	CHECK_LOOKUP(&pt, GiB(1) + MiB(2), GiB(2) + MiB(2), 0, MiB(2));
	CHECK_LOOKUP(&pt, GiB(1) + MiB(4), GiB(2) + MiB(4), 0, KiB(4));
	CHECK_LOOKUP(&pt, GiB(1) + MiB(5) - KiB(4), GiB(2) + MiB(5) - KiB(4), 0, KiB(4));
	CHECK_UNMAPPED(&pt, GiB(1) + MiB(5));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(mixed_range)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, 0x1ff000, 0x801ff000, 0x202000, PTE_W), 0);
	CHECK_UNMAPPED(&pt, 0x1fe000);
	CHECK_LOOKUP(&pt, 0x1ff000, 0x801ff000, PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, 0x200000, 0x80200000, PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, 0x3ff000, 0x803ff000, PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, 0x400000, 0x80400000, PTE_W, KiB(4));
	CHECK_UNMAPPED(&pt, 0x401000);
	/* PML4 + PDPT + PD + two PTs (0..2M and 4M..6M). */
	CHECK_EQ(pt.tables, 5);
	CHECK_TABLES(&pt, &p);

	/* 1G + 2M + 4K ends, across a 512 GiB (PML4 entry) boundary. */
	uint64_t va = GiB(512) - GiB(1) - MiB(2) - KiB(4);
	uint64_t pa = GiB(64) - GiB(1) - MiB(2) - KiB(4);
	uint64_t size = GiB(1) + MiB(2) + KiB(4) + KiB(4) + MiB(2) + GiB(1);

	CHECK_EQ(pgtable_map(&pt, va, pa, size, PTE_G), 0);
	CHECK_LOOKUP(&pt, va, pa, PTE_G, KiB(4));
	CHECK_LOOKUP(&pt, va + KiB(4), pa + KiB(4), PTE_G, MiB(2));
	CHECK_LOOKUP(&pt, va + KiB(4) + MiB(2), pa + KiB(4) + MiB(2), PTE_G, GiB(1));
	CHECK_LOOKUP(&pt, GiB(512) - 1, pa + size / 2 - 1, PTE_G, GiB(1));
	CHECK_LOOKUP(&pt, GiB(512), pa + size / 2, PTE_G, GiB(1));
	CHECK_LOOKUP(&pt, GiB(513), pa + size / 2 + GiB(1), PTE_G, MiB(2));
	CHECK_LOOKUP(&pt, GiB(513) + MiB(2), pa + size / 2 + GiB(1) + MiB(2), PTE_G, KiB(4));
	CHECK_UNMAPPED(&pt, GiB(513) + MiB(2) + KiB(4));
	CHECK_UNMAPPED(&pt, va - KiB(4));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(flags_exact)
{
	static const uint64_t sets[] = {
	    0,
	    PTE_W,
	    PTE_NX,
	    PTE_U,
	    PTE_G,
	    PTE_PWT,
	    PTE_PCD,
	    PTE_PCD | PTE_PWT,
	    PTE_W | PTE_NX | PTE_G,
	    ALL_FLAGS,
	};
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 64);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	for (unsigned int i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		uint64_t va4k = MiB(1) + i * KiB(4), va2m = GiB(1) + i * MiB(2);
		uint64_t va1g = GiB(16) + i * GiB(1);

		CHECK_EQ(pgtable_map(&pt, va4k, GiB(2) + i * KiB(4), KiB(4), sets[i]), 0);
		CHECK_EQ(pgtable_map(&pt, va2m, GiB(2) + i * MiB(2), MiB(2), sets[i]), 0);
		CHECK_EQ(pgtable_map(&pt, va1g, GiB(2) + i * GiB(1), GiB(1), sets[i]), 0);
		CHECK_LOOKUP(&pt, va4k, GiB(2) + i * KiB(4), sets[i], KiB(4));
		CHECK_LOOKUP(&pt, va2m, GiB(2) + i * MiB(2), sets[i], MiB(2));
		CHECK_LOOKUP(&pt, va1g, GiB(2) + i * GiB(1), sets[i], GiB(1));
		/* Present implied, PS only on large leaves, nothing else added. */
		CHECK_EQ(*entry_at(&pt, va4k, 1), (GiB(2) + i * KiB(4)) | sets[i] | PTE_P);
		CHECK_EQ(*entry_at(&pt, va2m, 2), (GiB(2) + i * MiB(2)) | sets[i] | PTE_P | PTE_PS);
		CHECK_EQ(*entry_at(&pt, va1g, 3), (GiB(2) + i * GiB(1)) | sets[i] | PTE_P | PTE_PS);
	}
	/* Remapping changes flags in place. */
	CHECK_EQ(pgtable_map(&pt, MiB(1), 0x5000, KiB(4), PTE_NX), 0);
	CHECK_LOOKUP(&pt, MiB(1), 0x5000, PTE_NX, KiB(4));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

/*
 * What lookup reports when the CPU has set accessed/dirty in a leaf, and how
 * a split carries them (and the PAT bit, which moves from bit 12 in a large
 * leaf to bit 7 in a 4 KiB PTE). The tests poke the entries directly, as
 * hardware (A/D) or a future caller (PAT) would.
 */
TEST(lookup_hides_a_d_and_split_keeps_pat)
{
	struct pool p;
	struct pgtable pt;
	uint64_t *e;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x7000, KiB(4), PTE_W), 0);
	e = entry_at(&pt, 0x1000, 1);
	*e |= PTE_A | PTE_D;
	CHECK_LOOKUP(&pt, 0x1000, 0x7000, PTE_W, KiB(4));

	/* 2 MiB leaf with A, D and PAT (bit 12), split by a 4 KiB unmap. */
	CHECK_EQ(pgtable_map(&pt, MiB(2), GiB(1), MiB(2), PTE_W | PTE_PCD), 0);
	e = entry_at(&pt, MiB(2), 2);
	*e |= PTE_A | PTE_D | (1ull << 12);
	CHECK_LOOKUP(&pt, MiB(2) + KiB(8), GiB(1) + KiB(8), PTE_W | PTE_PCD, MiB(2));
	CHECK_EQ(pgtable_unmap(&pt, MiB(3), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, MiB(3));
	for (uint64_t off = 0; off < MiB(2); off += KiB(4)) {
		if (off == MiB(1))
			continue;
		CHECK_LOOKUP(&pt, MiB(2) + off, GiB(1) + off, PTE_W | PTE_PCD, KiB(4));
		/* PAT now in bit 7 of the PTE, address clean. */
		CHECK_EQ(*entry_at(&pt, MiB(2) + off, 1),
			 (GiB(1) + off) | PTE_P | PTE_W | PTE_PCD | PTE_A | PTE_D | PTE_PS);
	}

	/* 1 GiB leaf with PAT split into 2 MiB leaves: PAT stays in bit 12. */
	CHECK_EQ(pgtable_map(&pt, GiB(4), GiB(8), GiB(1), PTE_PWT), 0);
	e = entry_at(&pt, GiB(4), 3);
	*e |= 1ull << 12;
	CHECK_LOOKUP(&pt, GiB(4) + MiB(100), GiB(8) + MiB(100), PTE_PWT, GiB(1));
	CHECK_EQ(pgtable_unmap(&pt, GiB(4) + MiB(6), KiB(4)), 0);
	CHECK_LOOKUP(&pt, GiB(4), GiB(8), PTE_PWT, MiB(2));
	CHECK_EQ(*entry_at(&pt, GiB(4), 2), GiB(8) | PTE_P | PTE_PWT | PTE_PS | (1ull << 12));
	CHECK_LOOKUP(&pt, GiB(5) - MiB(2), GiB(9) - MiB(2), PTE_PWT, MiB(2));
	CHECK_EQ(*entry_at(&pt, GiB(5) - MiB(2), 2),
		 (GiB(9) - MiB(2)) | PTE_P | PTE_PWT | PTE_PS | (1ull << 12));
	CHECK_LOOKUP(&pt, GiB(4) + MiB(6) + KiB(4), GiB(8) + MiB(6) + KiB(4), PTE_PWT, KiB(4));
	CHECK_EQ(*entry_at(&pt, GiB(4) + MiB(6) + KiB(4), 1),
		 (GiB(8) + MiB(6) + KiB(4)) | PTE_P | PTE_PWT | PTE_PS);
	CHECK_UNMAPPED(&pt, GiB(4) + MiB(6));
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(invalid_args)
{
	static const uint64_t bad_flags[] = {
	    PTE_P, PTE_A, PTE_D, PTE_PS, 1ull << 9, 1ull << 11, 1ull << 12, 1ull << 52, 1ull << 62,
	};
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, 0x1001, 0x2000, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2800, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2000, 0x800, 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2000, KiB(4) + 1, 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2000, 0, 0), -EINVAL);
	/* Non-canonical or upper-half va, and ranges running past 2^47. */
	CHECK_EQ(pgtable_map(&pt, PGT_VA_LIMIT, 0x2000, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0xffff800000000000ull, 0x2000, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0xfffffffffffff000ull, 0x2000, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, PGT_VA_LIMIT - KiB(4), 0x2000, KiB(8), 0), -EINVAL);
	/* Wrap-around: size that would overflow va + size. */
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2000, 0xfffffffffffff000ull, 0), -EINVAL);
	/* pa beyond 2^52, or running past it. */
	CHECK_EQ(pgtable_map(&pt, 0x1000, PGT_PHYS_LIMIT, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 1ull << 60, KiB(4), 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x1000, PGT_PHYS_LIMIT - KiB(4), KiB(8), 0), -EINVAL);
	for (unsigned int i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
		CHECK_EQ(pgtable_map(&pt, 0x1000, 0x2000, KiB(4), bad_flags[i] | PTE_W), -EINVAL);
	/* Nothing was mapped or allocated by any of those. */
	CHECK_UNMAPPED(&pt, 0x1000);
	CHECK_EQ(pt.tables, 1);
	CHECK_EQ(p.allocs, 1);

	/* The last valid page of both spaces is fine. */
	CHECK_EQ(pgtable_map(&pt, PGT_VA_LIMIT - KiB(4), PGT_PHYS_LIMIT - KiB(4), KiB(4), 0), 0);
	CHECK_LOOKUP(&pt, PGT_VA_LIMIT - 1, PGT_PHYS_LIMIT - 1, 0, KiB(4));

	CHECK_EQ(pgtable_unmap(&pt, 0x1001, KiB(4)), -EINVAL);
	CHECK_EQ(pgtable_unmap(&pt, 0x1000, 0x800), -EINVAL);
	CHECK_EQ(pgtable_unmap(&pt, 0x1000, 0), -EINVAL);
	CHECK_EQ(pgtable_unmap(&pt, PGT_VA_LIMIT, KiB(4)), -EINVAL);
	CHECK_EQ(pgtable_unmap(&pt, PGT_VA_LIMIT - KiB(4), KiB(8)), -EINVAL);
	CHECK_EQ(pgtable_unmap(&pt, 0x1000, 0xfffffffffffff000ull), -EINVAL);
	CHECK_LOOKUP(&pt, PGT_VA_LIMIT - KiB(4), PGT_PHYS_LIMIT - KiB(4), 0, KiB(4));

	CHECK_UNMAPPED(&pt, PGT_VA_LIMIT);
	CHECK_UNMAPPED(&pt, 0xffffffff80000000ull);
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

/* ------------------------------------------------------------------------ */
/* Splitting and merging                                                      */

TEST(remap_4k_inside_2m_splits)
{
	struct pool p;
	struct pgtable pt;
	uint64_t va = GiB(3) + MiB(10), pa = GiB(20) + MiB(4);
	uint64_t fl = PTE_W | PTE_G | PTE_NX;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, va, pa, MiB(2), fl), 0);
	CHECK_EQ(pt.tables, 3);
	CHECK_EQ(pgtable_map(&pt, va + KiB(20), 0x99000, KiB(4), PTE_U), 0);
	CHECK_EQ(pt.tables, 4);
	CHECK_LOOKUP(&pt, va + KiB(20), 0x99000, PTE_U, KiB(4));
	for (uint64_t off = 0; off < MiB(2); off += KiB(4)) {
		if (off != KiB(20))
			CHECK_LOOKUP(&pt, va + off, pa + off, fl, KiB(4));
	}
	CHECK_LOOKUP(&pt, va + MiB(1) + 0x123, pa + MiB(1) + 0x123, fl, KiB(4));
	CHECK_TABLES(&pt, &p);

	/* Remapping the whole 2 MiB frees that page table again. */
	CHECK_EQ(pgtable_map(&pt, va, pa + MiB(2), MiB(2), 0), 0);
	CHECK_EQ(pt.tables, 3);
	CHECK_EQ(p.nlive, 3);
	CHECK_LOOKUP(&pt, va + KiB(20), pa + MiB(2) + KiB(20), 0, MiB(2));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(remap_4k_inside_1g_splits_twice)
{
	struct pool p;
	struct pgtable pt;
	uint64_t va = GiB(7), pa = GiB(30), fl = PTE_W | PTE_PCD;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, va, pa, GiB(1), fl), 0);
	CHECK_EQ(pt.tables, 2);
	CHECK_EQ(pgtable_map(&pt, va + MiB(300) + KiB(8), 0x1000, KiB(4), 0), 0);
	CHECK_EQ(pt.tables, 4);
	CHECK_LOOKUP(&pt, va + MiB(300) + KiB(8), 0x1000, 0, KiB(4));
	CHECK_LOOKUP(&pt, va + MiB(300) + KiB(4), pa + MiB(300) + KiB(4), fl, KiB(4));
	CHECK_LOOKUP(&pt, va + MiB(300) + KiB(12), pa + MiB(300) + KiB(12), fl, KiB(4));
	CHECK_LOOKUP(&pt, va + MiB(302) - KiB(4), pa + MiB(302) - KiB(4), fl, KiB(4));
	CHECK_LOOKUP(&pt, va + MiB(302), pa + MiB(302), fl, MiB(2));
	CHECK_LOOKUP(&pt, va + MiB(298), pa + MiB(298), fl, MiB(2));
	CHECK_LOOKUP(&pt, va, pa, fl, MiB(2));
	CHECK_LOOKUP(&pt, va + GiB(1) - 1, pa + GiB(1) - 1, fl, MiB(2));
	for (uint64_t off = 0; off < GiB(1); off += MiB(2) + KiB(4)) {
		uint64_t e_sz = (off >> 21) == 150 ? KiB(4) : MiB(2);

		if (off != MiB(300) + KiB(8))
			CHECK_LOOKUP(&pt, va + off, pa + off, fl, e_sz);
	}
	CHECK_TABLES(&pt, &p);
	/* Mapping the 1 GiB again frees the PD and its PT. */
	CHECK_EQ(pgtable_map(&pt, va, pa, GiB(1), fl), 0);
	CHECK_EQ(pt.tables, 2);
	CHECK_LOOKUP(&pt, va + MiB(300) + KiB(8), pa + MiB(300) + KiB(8), fl, GiB(1));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(unmap_inside_large_leaves)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);

	/* 2 MiB leaf, unmap one page in the middle. */
	CHECK_EQ(pgtable_map(&pt, MiB(2), MiB(64), MiB(2), PTE_W), 0);
	CHECK_EQ(pgtable_unmap(&pt, MiB(3), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, MiB(3));
	CHECK_LOOKUP(&pt, MiB(3) - KiB(4), MiB(65) - KiB(4), PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, MiB(3) + KiB(4), MiB(65) + KiB(4), PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, MiB(2), MiB(64), PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, MiB(4) - 1, MiB(66) - 1, PTE_W, KiB(4));
	CHECK_EQ(pt.tables, 4);

	/* 1 GiB leaf, unmap the first page: 2 MiB leaves + one PT remain. */
	CHECK_EQ(pgtable_map(&pt, GiB(2), GiB(40), GiB(1), PTE_NX), 0);
	CHECK_EQ(pgtable_unmap(&pt, GiB(2), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, GiB(2));
	CHECK_LOOKUP(&pt, GiB(2) + KiB(4), GiB(40) + KiB(4), PTE_NX, KiB(4));
	CHECK_LOOKUP(&pt, GiB(2) + MiB(2), GiB(40) + MiB(2), PTE_NX, MiB(2));
	CHECK_LOOKUP(&pt, GiB(3) - 1, GiB(41) - 1, PTE_NX, MiB(2));
	CHECK_EQ(pt.tables, 6);

	/* 1 GiB leaf, unmap an aligned 2 MiB inside: only a PD is needed. */
	CHECK_EQ(pgtable_map(&pt, GiB(5), GiB(50), GiB(1), 0), 0);
	CHECK_EQ(pgtable_unmap(&pt, GiB(5) + MiB(10), MiB(2)), 0);
	CHECK_EQ(pt.tables, 7);
	CHECK_UNMAPPED(&pt, GiB(5) + MiB(10));
	CHECK_UNMAPPED(&pt, GiB(5) + MiB(12) - 1);
	CHECK_LOOKUP(&pt, GiB(5) + MiB(12), GiB(50) + MiB(12), 0, MiB(2));
	CHECK_LOOKUP(&pt, GiB(5) + MiB(10) - 1, GiB(50) + MiB(10) - 1, 0, MiB(2));

	/* Unmap across a 1 GiB leaf's tail and the next one's head. */
	CHECK_EQ(pgtable_map(&pt, GiB(8), GiB(60), GiB(2), PTE_W), 0);
	CHECK_EQ(pgtable_unmap(&pt, GiB(9) - MiB(1), MiB(3)), 0);
	CHECK_LOOKUP(&pt, GiB(9) - MiB(1) - KiB(4), GiB(61) - MiB(1) - KiB(4), PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, GiB(9) - MiB(2), GiB(61) - MiB(2), PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, GiB(9) - MiB(4), GiB(61) - MiB(4), PTE_W, MiB(2));
	CHECK_UNMAPPED(&pt, GiB(9) - MiB(1));
	CHECK_UNMAPPED(&pt, GiB(9) + MiB(2) - KiB(4));
	/* [9G, 9G + 2M) was a whole 2 MiB leaf after the split: cleared as one. */
	CHECK_LOOKUP(&pt, GiB(9) + MiB(2), GiB(61) + MiB(2), PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, GiB(9) + MiB(4), GiB(61) + MiB(4), PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, GiB(10) - 1, GiB(62) - 1, PTE_W, MiB(2));

	/* Unmapping a whole large leaf just clears it: no tables needed. */
	{
		uint64_t before = pt.tables;

		CHECK_EQ(pgtable_map(&pt, GiB(12), GiB(12), GiB(1), 0), 0);
		CHECK_EQ(pgtable_unmap(&pt, GiB(12), GiB(1)), 0);
		CHECK_EQ(pt.tables, before);
		CHECK_UNMAPPED(&pt, GiB(12));
		CHECK_UNMAPPED(&pt, GiB(13) - 1);
	}
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(unmap_across_holes)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 32);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	/* Unmapping in an empty space is fine and allocates nothing. */
	CHECK_EQ(pgtable_unmap(&pt, 0, PGT_VA_LIMIT), 0);
	CHECK_EQ(pgtable_unmap(&pt, GiB(5) + KiB(4), MiB(3)), 0);
	CHECK_EQ(pt.tables, 1);

	CHECK_EQ(pgtable_map(&pt, KiB(8), KiB(8), KiB(8), 0), 0);
	CHECK_EQ(pgtable_map(&pt, MiB(6), MiB(6), MiB(2), 0), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(2), GiB(2), GiB(1), 0), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(600), 0x1000, KiB(4), 0), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(600) + MiB(3), 0x1000, KiB(4), 0), 0);
	/* Keep pages just outside the unmapped range. */
	CHECK_EQ(pgtable_map(&pt, KiB(4), 0x4000, KiB(4), PTE_W), 0);
	CHECK_EQ(pgtable_map(&pt, GiB(600) + MiB(4), 0x5000, KiB(4), PTE_W), 0);

	CHECK_EQ(pgtable_unmap(&pt, KiB(8), GiB(600) + MiB(4) - KiB(8)), 0);
	CHECK_UNMAPPED(&pt, KiB(8));
	CHECK_UNMAPPED(&pt, KiB(12));
	CHECK_UNMAPPED(&pt, MiB(6));
	CHECK_UNMAPPED(&pt, GiB(2) + MiB(500));
	CHECK_UNMAPPED(&pt, GiB(600));
	CHECK_UNMAPPED(&pt, GiB(600) + MiB(3));
	CHECK_LOOKUP(&pt, KiB(4), 0x4000, PTE_W, KiB(4));
	CHECK_LOOKUP(&pt, GiB(600) + MiB(4), 0x5000, PTE_W, KiB(4));
	CHECK_TABLES(&pt, &p);

	/* Everything at once, then the space is empty. */
	CHECK_EQ(pgtable_unmap(&pt, 0, PGT_VA_LIMIT), 0);
	CHECK_UNMAPPED(&pt, KiB(4));
	CHECK_UNMAPPED(&pt, GiB(600) + MiB(4));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

TEST(large_leaf_over_tables_frees_them)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 64);
	pt_setup(&pt, &p, true, true);
	CHECK_EQ(pgtable_init(&pt), 0);
	/* Many 4 KiB pages spread over several PTs under one PD. */
	for (unsigned int i = 0; i < 20; i++)
		CHECK_EQ(
		    pgtable_map(&pt, GiB(1) + i * MiB(2) + KiB(4) * i, i * KiB(4), KiB(4), PTE_W),
		    0);
	CHECK_EQ(pt.tables, 3 + 20);
	CHECK_TABLES(&pt, &p);
	/* One 2 MiB over the first PT. */
	CHECK_EQ(pgtable_map(&pt, GiB(1), GiB(9), MiB(2), 0), 0);
	CHECK_EQ(pt.tables, 3 + 19);
	CHECK_TABLES(&pt, &p);
	/* One 1 GiB over the PD and its 19 PTs. */
	CHECK_EQ(pgtable_map(&pt, GiB(1), GiB(9), GiB(1), 0), 0);
	CHECK_EQ(pt.tables, 2);
	CHECK_EQ(p.nlive, 2);
	CHECK_LOOKUP(&pt, GiB(1) + MiB(6) + KiB(12), GiB(9) + MiB(6) + KiB(12), 0, GiB(1));
	CHECK_TABLES(&pt, &p);
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

/* ------------------------------------------------------------------------ */
/* Out of memory                                                             */

TEST(enomem)
{
	struct pool p;
	struct pgtable pt;

	pool_create(&p, 16);
	pt_setup(&pt, &p, true, true);
	p.fail_after = 0;
	CHECK_EQ(pgtable_init(&pt), -ENOMEM);
	CHECK_EQ(pt.tables, 0);
	CHECK_EQ(p.nlive, 0);

	/* Root only: the first map needs PDPT, PD, PT. */
	p.fail_after = 1;
	CHECK_EQ(pgtable_init(&pt), 0);
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x1000, KiB(4), 0), -ENOMEM);
	CHECK_UNMAPPED(&pt, 0x1000);
	CHECK_TABLES(&pt, &p);
	p.fail_after = 2; /* PDPT made, PD fails */
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x1000, KiB(4), 0), -ENOMEM);
	CHECK_TABLES(&pt, &p);
	CHECK_EQ(pt.tables, 2);
	p.fail_after = 3; /* PD made, PT fails */
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x1000, KiB(4), 0), -ENOMEM);
	CHECK_TABLES(&pt, &p);
	CHECK_UNMAPPED(&pt, 0x1000);
	p.fail_after = -1;
	CHECK_EQ(pgtable_map(&pt, 0x1000, 0x1000, KiB(4), 0), 0);
	CHECK_LOOKUP(&pt, 0x1000, 0x1000, 0, KiB(4));

	/* A 1 GiB leaf that cannot be split keeps its whole mapping. */
	CHECK_EQ(pgtable_map(&pt, GiB(1), GiB(3), GiB(1), PTE_W), 0);
	p.fail_after = (long long)p.allocs;
	CHECK_EQ(pgtable_unmap(&pt, GiB(1) + KiB(4), KiB(4)), -ENOMEM);
	CHECK_EQ(pgtable_map(&pt, GiB(1) + KiB(4), 0, KiB(4), 0), -ENOMEM);
	CHECK_LOOKUP(&pt, GiB(1) + KiB(4), GiB(3) + KiB(4), PTE_W, GiB(1));
	CHECK_TABLES(&pt, &p);
	/* One more frame: the 1G splits into 2M leaves, the 2M split fails. */
	p.fail_after = (long long)p.allocs + 1;
	CHECK_EQ(pgtable_unmap(&pt, GiB(1) + KiB(4), KiB(4)), -ENOMEM);
	CHECK_LOOKUP(&pt, GiB(1) + KiB(4), GiB(3) + KiB(4), PTE_W, MiB(2));
	CHECK_LOOKUP(&pt, GiB(2) - KiB(4), GiB(4) - KiB(4), PTE_W, MiB(2));
	CHECK_TABLES(&pt, &p);
	p.fail_after = -1;
	CHECK_EQ(pgtable_unmap(&pt, GiB(1) + KiB(4), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, GiB(1) + KiB(4));
	CHECK_LOOKUP(&pt, GiB(1), GiB(3), PTE_W, KiB(4));
	CHECK_TABLES(&pt, &p);

	/* A multi-page map that runs dry part way: earlier pages are mapped. */
	p.fail_after = (long long)p.allocs + 2; /* PD + PT for the first page only */
	CHECK_EQ(pgtable_map(&pt, GiB(64) - KiB(4), 0x3000, KiB(8), 0), -ENOMEM);
	CHECK(p.failed > 0);
	CHECK_LOOKUP(&pt, GiB(64) - KiB(4), 0x3000, 0, KiB(4));
	CHECK_UNMAPPED(&pt, GiB(64));
	CHECK_TABLES(&pt, &p);
	p.fail_after = -1;
	pgtable_destroy(&pt);
	CHECK_NO_LEAKS(&pt, &p);
	pool_release(&p);
}

/* Every allocation point of a busy sequence fails once; nothing leaks. */
TEST(enomem_every_step)
{
	for (long long k = 1; k < 40; k++) {
		struct pool p;
		struct pgtable pt;
		int r = 0;

		pool_create(&p, 64);
		pt_setup(&pt, &p, true, true);
		p.fail_after = k;
		CHECK_EQ(pgtable_init(&pt), 0);
		if (!r)
			r = pgtable_map(&pt, GiB(1) - MiB(2) - KiB(4), GiB(2) - MiB(2) - KiB(4),
					GiB(1) + MiB(4) + KiB(8), PTE_W);
		if (!r)
			r = pgtable_map(&pt, GiB(512) - KiB(4), 0, MiB(4), 0);
		if (!r)
			r = pgtable_unmap(&pt, GiB(1) + MiB(100) + KiB(4), KiB(4));
		if (!r)
			r = pgtable_map(&pt, GiB(1) + MiB(200) + KiB(4), 0, KiB(4), 0);
		if (!r)
			r = pgtable_unmap(&pt, GiB(1) - MiB(1), MiB(2));
		CHECK(r == 0 || r == -ENOMEM);
		CHECK_TABLES(&pt, &p);
		pgtable_destroy(&pt);
		CHECK_NO_LEAKS(&pt, &p);
		pool_release(&p);
	}
}

/* ------------------------------------------------------------------------ */
/* Randomized differential test against a per-page shadow                    */

struct shadow_page {
	uint64_t pa;
	uint64_t flags;
	bool mapped;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

struct diff {
	struct pgtable pt;
	struct pool pool;
	struct shadow_page *sh;
	uint64_t base, npages;
	unsigned long mismatches;
};

/* Compare one page with the shadow; report the first few mismatches. */
static void diff_check_page(struct diff *d, uint64_t i)
{
	uint64_t va = d->base + i * KiB(4), pa, fl, sz;
	int r = pgtable_lookup(&d->pt, va + (i & 0xfff), &pa, &fl, &sz);
	const struct shadow_page *s = &d->sh[i];
	bool ok;

	if (!s->mapped)
		ok = r == -ENOENT;
	else
		ok = r == 0 && pa == s->pa + (i & 0xfff) && fl == s->flags &&
		     (sz == KiB(4) || sz == MiB(2) || sz == GiB(1)) &&
		     (sz != GiB(1) || d->pt.allow_1g) &&
		     (sz != MiB(2) || d->pt.allow_2m || d->pt.allow_1g);
	if (!ok) {
		if (d->mismatches++ < 5)
			printf("  va %#" PRIx64 ": lookup %d pa %#" PRIx64 " fl %#" PRIx64
			       " sz %#" PRIx64 "; shadow %s pa %#" PRIx64 " fl %#" PRIx64 "\n",
			       va, r, r ? 0 : pa, r ? 0 : fl, r ? 0 : sz,
			       s->mapped ? "mapped" : "unmapped", s->pa, s->flags);
	}
}

/* Size of the leaf the builder must pick for page va of a fresh map. */
static uint64_t expected_leaf(const struct pgtable *pt, uint64_t va, uint64_t start, uint64_t end,
			      uint64_t delta)
{
	if (pt->allow_1g && delta % GiB(1) == 0 && ALIGN_DOWN(va, GiB(1)) >= start &&
	    ALIGN_DOWN(va, GiB(1)) + GiB(1) <= end)
		return GiB(1);
	if (pt->allow_2m && delta % MiB(2) == 0 && ALIGN_DOWN(va, MiB(2)) >= start &&
	    ALIGN_DOWN(va, MiB(2)) + MiB(2) <= end)
		return MiB(2);
	return KiB(4);
}

static uint64_t random_aligned(uint64_t limit, uint64_t align)
{
	return ALIGN_DOWN(rng_below(limit), align);
}

static uint64_t random_align(bool big)
{
	uint64_t r = rng_below(100);

	if (big && r < 25)
		return GiB(1);
	if (r < 60)
		return MiB(2);
	return KiB(4);
}

/*
 * ops random map/unmap operations in [base, base + npages * 4K). Every page
 * is compared after each op when full_every is 1, else the op's range is
 * checked each time and the whole window every full_every ops.
 */
static void differential(uint64_t seed, uint64_t base, uint64_t npages, bool allow_2m,
			 bool allow_1g, unsigned int ops, unsigned int full_every,
			 unsigned int pool_frames)
{
	struct diff d;
	uint64_t window = npages * KiB(4);
	unsigned long maps = 0, unmaps = 0, leaf_bad = 0;

	memset(&d, 0, sizeof(d));
	rng_state = seed;
	d.base = base;
	d.npages = npages;
	d.sh = calloc(npages, sizeof(*d.sh));
	if (!d.sh) {
		printf("out of host memory\n");
		exit(2);
	}
	pool_create(&d.pool, pool_frames);
	pt_setup(&d.pt, &d.pool, allow_2m, allow_1g);
	CHECK_EQ(pgtable_init(&d.pt), 0);

	for (unsigned int op = 0; op < ops && !test_cur_failed; op++) {
		uint64_t a = random_align(allow_1g);
		uint64_t off = random_aligned(window, a);
		uint64_t size, va, first, n;
		int r;

		/* Size: a few pages, a few of the alignment unit, or a big chunk. */
		switch (rng_below(4)) {
		case 0:
			size = (1 + rng_below(8)) * KiB(4);
			break;
		case 1:
			size = (1 + rng_below(3)) * a;
			break;
		case 2:
			size =
			    (1 + rng_below(3)) * a + (rng_below(3) ? 0 : rng_below(600) * KiB(4));
			break;
		default:
			size = ALIGN_DOWN(rng_below(window / 2), KiB(4)) + KiB(4);
			break;
		}
		if (size > window - off)
			size = window - off;
		va = base + off;
		first = off / KiB(4);
		n = size / KiB(4);

		if (rng_below(100) < 65) {
			/* pa congruent to va mod a (or deliberately not), below 2^52. */
			uint64_t pa_align = rng_below(4) ? a : KiB(4);
			uint64_t pa = random_aligned(1ull << (30 + rng_below(20)), pa_align);
			uint64_t fl = rng() & PGT_FLAGS_MASK;

			if (pa_align > KiB(4))
				pa = ALIGN_DOWN(pa, pa_align) + (va & (pa_align - 1));
			r = pgtable_map(&d.pt, va, pa, size, fl);
			CHECK_EQ(r, 0);
			for (uint64_t k = 0; k < n; k++) {
				d.sh[first + k].mapped = true;
				d.sh[first + k].pa = pa + k * KiB(4);
				d.sh[first + k].flags = fl;
			}
			/* Fresh mappings use the largest leaves alignment permits. */
			for (uint64_t k = 0; k < n; k += 1 + rng_below(64)) {
				uint64_t pva = va + k * KiB(4), sz = 0;

				pgtable_lookup(&d.pt, pva, NULL, NULL, &sz);
				if (sz != expected_leaf(&d.pt, pva, va, va + size, pa - va) &&
				    leaf_bad++ < 5)
					printf("  op %u map %#" PRIx64 "+%#" PRIx64 " -> %#" PRIx64
					       ": page %#" PRIx64 " leaf %#" PRIx64 "\n",
					       op, va, size, pa, pva, sz);
			}
			maps++;
		} else {
			r = pgtable_unmap(&d.pt, va, size);
			CHECK_EQ(r, 0);
			for (uint64_t k = 0; k < n; k++)
				d.sh[first + k].mapped = false;
			unmaps++;
		}
		CHECK_EQ(d.pt.tables, d.pool.nlive);
		if (full_every <= 1 || op % full_every == full_every - 1) {
			for (uint64_t i = 0; i < npages; i++)
				diff_check_page(&d, i);
			CHECK_TABLES(&d.pt, &d.pool);
		} else {
			/* The op's range and 4 MiB either side, sampled inside. */
			uint64_t lo = first > 1024 ? first - 1024 : 0;
			uint64_t hi = first + n + 1024 < npages ? first + n + 1024 : npages;

			for (uint64_t i = lo; i < hi; i++) {
				if (i < first + 1024 || i + 1024 >= first + n || i % 61 == 0)
					diff_check_page(&d, i);
			}
		}
		if (d.mismatches) {
			TEST_FAIL_AT("op %u (%s %#" PRIx64 "+%#" PRIx64 "): %lu pages differ", op,
				     d.sh[first].mapped ? "map" : "unmap", va, size, d.mismatches);
			break;
		}
		CHECK_EQ(leaf_bad, 0);
	}
	for (uint64_t i = 0; i < npages; i++)
		diff_check_page(&d, i);
	CHECK_EQ(d.mismatches, 0);
	CHECK_TABLES(&d.pt, &d.pool);
	CHECK(maps > ops / 2 && unmaps > ops / 5);
	pgtable_destroy(&d.pt);
	CHECK_NO_LEAKS(&d.pt, &d.pool);
	pool_release(&d.pool);
	free(d.sh);
}

/* 64 MiB straddling a 1 GiB and a 512 GiB boundary, 2 MiB leaves. */
TEST(random_64m_2m)
{
	differential(0x5eed1234abcdull, GiB(512) - MiB(32), MiB(64) / KiB(4), true, false, 3000, 1,
		     256);
}

/* The same with 4 KiB leaves only. */
TEST(random_64m_4k_only)
{
	differential(0x0123456789ull, GiB(1) - MiB(16), MiB(64) / KiB(4), false, false, 1500, 1,
		     256);
}

/* 4 GiB straddling a 512 GiB boundary, all leaf sizes. */
TEST(random_4g_all_sizes)
{
	differential(0xfeedfacecafeull, GiB(512) - GiB(2), GiB(4) / KiB(4), true, true, 1500, 100,
		     4096);
}

/* 1 GiB leaves without 2 MiB ones. */
TEST(random_4g_1g_no_2m)
{
	differential(0xabad1deaull, GiB(3), GiB(4) / KiB(4), false, true, 600, 100, 4096);
}

int main(void)
{
	RUN(init_and_destroy);
	RUN(map_single_4k);
	RUN(leaves_2m_when_aligned);
	RUN(no_2m_leaves_unless_allowed);
	RUN(leaves_1g_only_when_allowed);
	RUN(unaligned_falls_back_to_4k);
	RUN(mixed_range);
	RUN(flags_exact);
	RUN(lookup_hides_a_d_and_split_keeps_pat);
	RUN(invalid_args);
	RUN(remap_4k_inside_2m_splits);
	RUN(remap_4k_inside_1g_splits_twice);
	RUN(unmap_inside_large_leaves);
	RUN(unmap_across_holes);
	RUN(large_leaf_over_tables_frees_them);
	RUN(enomem);
	RUN(enomem_every_step);
	RUN(random_64m_2m);
	RUN(random_64m_4k_only);
	RUN(random_4g_all_sizes);
	RUN(random_4g_1g_no_2m);
	TEST_EXIT();
}
