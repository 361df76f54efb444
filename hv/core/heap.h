/* SPDX-License-Identifier: MIT */
/*
 * A heap for hypervisor objects (partitions, vCPUs, tables): first fit over
 * an address-ordered free list, with coalescing on free and a header with a
 * magic value per block so that double frees and foreign pointers are
 * caught. Pure logic, host-tested. Not thread-safe: callers serialize.
 */
#ifndef CORE_HEAP_H
#define CORE_HEAP_H

#include "lib/compiler.h"

#define HEAP_MAX_REGIONS 16
#define HEAP_MAX_ALIGN 4096

struct heap_block;

struct heap {
	struct heap_block *free_list;	/* address-ordered */
	unsigned int nregions;
	struct {
		uintptr_t start, end;
	} region[HEAP_MAX_REGIONS];
	size_t total;			/* bytes managed, headers included */
	size_t used;			/* bytes in allocated blocks, headers included */
	uint64_t nallocs, nfrees, nfailed;
};

struct heap_stats {
	size_t total, used, free, largest_free;
	uint64_t nallocs, nfrees, nfailed;
	unsigned int free_blocks;
};

/* Start an empty heap and give it its first region. 0 or -EINVAL (too small). */
int heap_init(struct heap *h, void *base, size_t size);

/* Give the heap another region. 0, -EINVAL (too small), -ENOSPC (too many). */
int heap_add_region(struct heap *h, void *base, size_t size);

/*
 * Allocate size bytes aligned to align (a power of two, at most
 * HEAP_MAX_ALIGN; 0 means 16). NULL if size is 0, align is bad, or nothing
 * fits. Memory is not zeroed.
 */
void *heap_alloc(struct heap *h, size_t size, size_t align);

/*
 * Free a block. NULL is a no-op returning 0. A pointer that is not a live
 * block of this heap (double free, foreign or corrupted) is -EINVAL and
 * nothing changes.
 */
int heap_free(struct heap *h, void *ptr);

void heap_get_stats(const struct heap *h, struct heap_stats *st);

/* Walk every block and check the invariants. 0 if consistent, else -EFAULT. */
int heap_check(const struct heap *h);

#endif
