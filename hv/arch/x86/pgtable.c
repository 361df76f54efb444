/* SPDX-License-Identifier: MIT */
#include "arch/x86/pgtable.h"
#include "lib/errno.h"

#define PGT_INDEX_BITS 9
#define PGT_INDEX_MASK (PGT_ENTRIES - 1)
#define PGT_SHIFT_4K 12
#define PGT_LEAF_LEVEL 1
/* Flags that intermediate entries carry: permissions are decided at the leaf. */
#define PGT_TABLE_FLAGS (PTE_P | PTE_W | PTE_U)
/* In a 2 MiB/1 GiB leaf, bit 12 is PAT, not an address bit (APM vol. 2, 5.4). */
#define PTE_LARGE_PAT (1ull << 12)

/* Bytes covered by one entry at level (1 = PTE ... 4 = PML4E). */
static uint64_t level_size(int level)
{
	return 1ull << (PGT_SHIFT_4K + PGT_INDEX_BITS * (level - 1));
}

static unsigned int level_index(uint64_t va, int level)
{
	return (unsigned int)((va >> (PGT_SHIFT_4K + PGT_INDEX_BITS * (level - 1))) &
			      PGT_INDEX_MASK);
}

static uint64_t *table(const struct pgtable *pt, uint64_t pa)
{
	return pt->p2v(pt->ctx, pa);
}

static bool leaf_allowed(const struct pgtable *pt, int level)
{
	return level == PGT_LEAF_LEVEL || (level == 2 && pt->allow_2m) ||
	       (level == 3 && pt->allow_1g);
}

static int new_table(struct pgtable *pt, uint64_t *pa)
{
	int err = pt->alloc_table(pt->ctx, pa);

	if (err == 0)
		pt->tables++;
	return err;
}

static void free_tree(struct pgtable *pt, uint64_t pa, int level)
{
	uint64_t *t = table(pt, pa);

	if (level > PGT_LEAF_LEVEL) {
		for (unsigned int i = 0; i < PGT_ENTRIES; i++) {
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				free_tree(pt, t[i] & PGT_ADDR_MASK, level - 1);
		}
	}
	pt->free_table(pt->ctx, pa);
	pt->tables--;
}

int pgtable_init(struct pgtable *pt)
{
	pt->tables = 0;
	return new_table(pt, &pt->root);
}

/*
 * Replace a large leaf at (level) by a table of smaller leaves that map the
 * same range with the same flags, so part of it can change.
 */
static int split_leaf(struct pgtable *pt, uint64_t *entry, int level)
{
	uint64_t old = *entry, child, *t, flags, base, step = level_size(level - 1);
	int err = new_table(pt, &child);

	if (err)
		return err;
	flags = old & ~PGT_ADDR_MASK & ~PTE_PS;
	base = old & PGT_ADDR_MASK & ~PTE_LARGE_PAT;
	if (old & PTE_LARGE_PAT) /* PAT moves from bit 12 to bit 7 in a 4K PTE */
		flags |= (level - 1 == PGT_LEAF_LEVEL) ? PTE_PS : PTE_LARGE_PAT;
	t = table(pt, child);
	for (unsigned int i = 0; i < PGT_ENTRIES; i++)
		t[i] = (base + i * step) | flags | (level - 1 > PGT_LEAF_LEVEL ? PTE_PS : 0);
	*entry = child | PGT_TABLE_FLAGS;
	return 0;
}

/*
 * Walk down to the table at `level` covering va, creating or splitting
 * as needed. Returns the table or NULL with *err set.
 */
static uint64_t *walk_create(struct pgtable *pt, uint64_t va, int level, int *err)
{
	uint64_t *t = table(pt, pt->root);

	for (int l = PGT_LEVELS; l > level; l--) {
		uint64_t *e = &t[level_index(va, l)];

		if (!(*e & PTE_P)) {
			uint64_t child;

			*err = new_table(pt, &child);
			if (*err)
				return NULL;
			*e = child | PGT_TABLE_FLAGS;
		} else if (*e & PTE_PS) {
			*err = split_leaf(pt, e, l);
			if (*err)
				return NULL;
		}
		t = table(pt, *e & PGT_ADDR_MASK);
	}
	return t;
}

static bool range_ok(uint64_t va, uint64_t size)
{
	return (va % PGT_PAGE_4K) == 0 && (size % PGT_PAGE_4K) == 0 && size != 0 &&
	       va < PGT_VA_LIMIT && size <= PGT_VA_LIMIT - va;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	uint64_t end = va + size;
	int err = 0;

	if (!range_ok(va, size) || (pa % PGT_PAGE_4K) != 0 || pa >= PGT_PHYS_LIMIT ||
	    size > PGT_PHYS_LIMIT - pa || (flags & ~PGT_FLAGS_MASK))
		return -EINVAL;

	while (va < end) {
		int level = PGT_LEVELS - 1;
		uint64_t *t, *e;

		/* Largest leaf that is allowed, aligned on both sides and fits. */
		while (level > PGT_LEAF_LEVEL &&
		       (!leaf_allowed(pt, level) || (va % level_size(level)) ||
			(pa % level_size(level)) || end - va < level_size(level)))
			level--;

		t = walk_create(pt, va, level, &err);
		if (!t)
			return err;
		e = &t[level_index(va, level)];
		if ((*e & PTE_P) && !(*e & PTE_PS) && level > PGT_LEAF_LEVEL)
			free_tree(pt, *e & PGT_ADDR_MASK, level - 1);
		*e = pa | flags | PTE_P | (level > PGT_LEAF_LEVEL ? PTE_PS : 0);
		va += level_size(level);
		pa += level_size(level);
	}
	return 0;
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;

	if (!range_ok(va, size))
		return -EINVAL;

	while (va < end) {
		uint64_t *t = table(pt, pt->root);
		int l;

		for (l = PGT_LEVELS; l >= PGT_LEAF_LEVEL; l--) {
			uint64_t *e = &t[level_index(va, l)];
			uint64_t sz = level_size(l);

			if (!(*e & PTE_P)) {
				/* Nothing mapped here: skip to the next entry. */
				va = ALIGN_DOWN(va, sz) + sz;
				break;
			}
			if (l == PGT_LEAF_LEVEL || (*e & PTE_PS)) {
				if (va % sz == 0 && end - va >= sz) {
					*e = 0;
					va += sz;
					break;
				}
				/* Partly covered large leaf: split and go on down. */
				int err = split_leaf(pt, e, l);
				if (err)
					return err;
			}
			t = table(pt, *e & PGT_ADDR_MASK);
		}
	}
	return 0;
}

int pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
		   uint64_t *page_size)
{
	const uint64_t *t = table(pt, pt->root);

	if (va >= PGT_VA_LIMIT)
		return -ENOENT;
	for (int l = PGT_LEVELS; l >= PGT_LEAF_LEVEL; l--) {
		uint64_t e = t[level_index(va, l)];
		uint64_t sz = level_size(l);

		if (!(e & PTE_P))
			return -ENOENT;
		if (l == PGT_LEAF_LEVEL || (e & PTE_PS)) {
			uint64_t base = e & PGT_ADDR_MASK;

			if (l > PGT_LEAF_LEVEL)
				base &= ~(sz - 1);
			if (pa)
				*pa = base + (va & (sz - 1));
			if (flags)
				*flags = e & ~PGT_ADDR_MASK & ~PTE_PS & ~PTE_A & ~PTE_D & ~PTE_P;
			if (page_size)
				*page_size = sz;
			return 0;
		}
		t = table(pt, e & PGT_ADDR_MASK);
	}
	return -ENOENT;
}

void pgtable_destroy(struct pgtable *pt)
{
	if (pt->root)
		free_tree(pt, pt->root, PGT_LEVELS);
	pt->root = 0;
}
