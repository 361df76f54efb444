/* SPDX-License-Identifier: MIT */
/*
 * Four-level x86-64 page tables (AMD APM vol. 2, 5.3). The same format
 * serves the hypervisor's own address space and, later, the nested page
 * tables of partitions (APM vol. 2, 15.25.5), so the builder is written
 * once, as pure logic: it reaches table memory only through callbacks,
 * and host unit tests run it on a fake physical space.
 */
#ifndef ARCH_X86_PGTABLE_H
#define ARCH_X86_PGTABLE_H

#include "arch/x86/regs.h"
#include "lib/compiler.h"

#define PGT_LEVELS 4
#define PGT_ENTRIES 512
#define PGT_PAGE_4K 0x1000ull
#define PGT_PAGE_2M 0x200000ull
#define PGT_PAGE_1G 0x40000000ull
#define PGT_ADDR_MASK 0x000FFFFFFFFFF000ull
/* Physical addresses are at most 52 bits wide (APM vol. 2, 5.3.1). */
#define PGT_PHYS_LIMIT (1ull << 52)
/* Bits a caller may pass as mapping flags. */
#define PGT_FLAGS_MASK (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)
/* Canonical 48-bit virtual addresses: the top of the lower half. */
#define PGT_VA_LIMIT 0x0000800000000000ull

struct pgtable {
	uint64_t root;			/* physical address of the PML4 */
	bool allow_2m;			/* may use 2 MiB leaves */
	bool allow_1g;			/* may use 1 GiB leaves (CPU has Page1GB) */
	/* Returns 0 and a zeroed 4 KiB frame in *pa, or a negative code. */
	int (*alloc_table)(void *ctx, uint64_t *pa);
	void (*free_table)(void *ctx, uint64_t pa);
	void *(*p2v)(void *ctx, uint64_t pa);
	void *ctx;
	uint64_t tables;		/* table frames currently owned */
};

/* Allocate the root table. 0 or the allocator's error. */
int pgtable_init(struct pgtable *pt);

/*
 * Map [va, va + size) to [pa, pa + size) with flags (PGT_FLAGS_MASK bits;
 * present is implied). va, pa and size must be 4 KiB aligned and the range
 * canonical (below PGT_VA_LIMIT). Uses the largest leaves that alignment
 * and the allow_* settings permit. Replaces existing mappings, splitting
 * large leaves that are only partly covered and freeing tables that a new
 * large leaf covers. Returns 0, -EINVAL or -ENOMEM (then the range may be
 * partly mapped).
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);

/* Remove mappings in [va, va + size) (4 KiB aligned). 0, -EINVAL or -ENOMEM. */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size);

/*
 * Translate va. Returns 0 and the physical address, the leaf's flags and
 * its size, or -ENOENT if unmapped.
 */
int pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
		   uint64_t *page_size);

/* Free every table frame including the root. */
void pgtable_destroy(struct pgtable *pt);

#endif
