// SPDX-License-Identifier: MIT
/*
 * The hypervisor heap.
 *
 * Each region is tiled exactly by blocks, each starting with a header; the
 * payload follows the header. Walking a region from its start by block
 * sizes therefore visits every block, which is what heap_check() does.
 * Free blocks are also linked in one list in address order, so a freed
 * block finds both of its neighbours while it is inserted and coalescing
 * needs no footer or back pointer.
 *
 * Headers carry a magic that says whether the block is allocated or free,
 * plus a check word binding the header to its own address and size. A
 * pointer is only accepted by heap_free() if it lies in one of our regions
 * and its header is a consistent "allocated" header, so double frees and
 * foreign pointers are refused instead of corrupting the free list.
 */
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Allocation granule and default alignment: enough for any scalar type. */
#define HEAP_GRAIN 16

#define MAGIC_USED 0x48454150u /* "HEAP" */
#define MAGIC_FREE 0x46524545u /* "FREE" */
/* Written over headers that were merged away, so stale pointers fail. */
#define MAGIC_DEAD 0xdeadbeefu
/* Salt for the check word, so an all-zero header never looks valid. */
#define CHECK_SALT ((uintptr_t)0x5a17c0de5a17c0deULL)

struct heap_block {
	uint32_t magic;
	uint32_t reserved;
	size_t size;		 /* whole block, header included; a multiple of HEAP_GRAIN */
	struct heap_block *next; /* next free block (free blocks only) */
	uintptr_t check;
};

#define HDR_SIZE sizeof(struct heap_block)
/* A block must be able to hold its header and a minimal payload. */
#define MIN_BLOCK (HDR_SIZE + HEAP_GRAIN)

BUILD_ASSERT(sizeof(struct heap_block) % HEAP_GRAIN == 0);

/*
 * Keep every region this far below the top of the address space, so that
 * "address + size + alignment slack" can never wrap.
 */
#define ADDR_HEADROOM (2 * HEAP_MAX_ALIGN + MIN_BLOCK)

static uintptr_t block_check(const struct heap_block *b)
{
	return (uintptr_t)b ^ b->size ^ CHECK_SALT;
}

static void block_set(struct heap_block *b, uint32_t magic, size_t size)
{
	b->magic = magic;
	b->reserved = 0;
	b->size = size;
	b->next = NULL;
	b->check = block_check(b);
}

static struct heap_block *at(uintptr_t addr)
{
	return (struct heap_block *)addr;
}

static uintptr_t addr_of(const struct heap_block *b)
{
	return (uintptr_t)b;
}

/* Index of the region containing [addr, addr + len), or -1. */
static int region_of(const struct heap *h, uintptr_t addr, size_t len)
{
	unsigned int i;

	for (i = 0; i < h->nregions; i++) {
		uintptr_t s = h->region[i].start, e = h->region[i].end;

		if (addr >= s && addr < e && len <= e - addr)
			return (int)i;
	}
	return -1;
}

/* A header is sound if it is consistent and its block fits in its region. */
static bool block_sound(const struct heap *h, const struct heap_block *b, uint32_t magic)
{
	int r = region_of(h, addr_of(b), HDR_SIZE);

	if (r < 0 || b->magic != magic || b->check != block_check(b))
		return false;
	if (b->size < MIN_BLOCK || b->size % HEAP_GRAIN)
		return false;
	return b->size <= h->region[r].end - addr_of(b);
}

static bool is_region_start(const struct heap *h, uintptr_t addr)
{
	unsigned int i;

	for (i = 0; i < h->nregions; i++) {
		if (h->region[i].start == addr)
			return true;
	}
	return false;
}

/*
 * Blocks that touch may still belong to two regions that happen to be
 * adjacent in memory; merging those would break the per-region walk.
 */
static bool mergeable(const struct heap *h, const struct heap_block *a, const struct heap_block *b)
{
	return addr_of(a) + a->size == addr_of(b) && !is_region_start(h, addr_of(b));
}

/* Insert a free block in address order and merge it with its neighbours. */
static void free_insert(struct heap *h, struct heap_block *b)
{
	struct heap_block *prev = NULL, *next = h->free_list;

	while (next && addr_of(next) < addr_of(b)) {
		prev = next;
		next = next->next;
	}
	b->next = next;
	if (prev)
		prev->next = b;
	else
		h->free_list = b;

	if (next && mergeable(h, b, next)) {
		b->size += next->size;
		b->next = next->next;
		next->magic = MAGIC_DEAD;
		b->check = block_check(b);
	}
	if (prev && mergeable(h, prev, b)) {
		prev->size += b->size;
		prev->next = b->next;
		b->magic = MAGIC_DEAD;
		prev->check = block_check(prev);
	}
}

int heap_init(struct heap *h, void *base, size_t size)
{
	if (!h)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	return heap_add_region(h, base, size);
}

int heap_add_region(struct heap *h, void *base, size_t size)
{
	uintptr_t start, end;
	struct heap_block *b;
	unsigned int i;

	if (!h || !base)
		return -EINVAL;
	start = (uintptr_t)base;
	if (start > UINTPTR_MAX - ADDR_HEADROOM || size > UINTPTR_MAX - ADDR_HEADROOM - start)
		return -EINVAL;
	end = ALIGN_DOWN(start + size, (uintptr_t)HEAP_GRAIN);
	start = ALIGN_UP(start, (uintptr_t)HEAP_GRAIN);
	if (end <= start || end - start < MIN_BLOCK)
		return -EINVAL;
	if (h->nregions >= HEAP_MAX_REGIONS)
		return -ENOSPC;
	/* Giving the same memory twice would hand out blocks twice. */
	for (i = 0; i < h->nregions; i++) {
		if (start < h->region[i].end && h->region[i].start < end)
			return -EINVAL;
	}

	h->region[h->nregions].start = start;
	h->region[h->nregions].end = end;
	h->nregions++;
	h->total += end - start;
	b = at(start);
	block_set(b, MAGIC_FREE, end - start);
	free_insert(h, b);
	return 0;
}

/*
 * Where an allocation of need bytes (header included) with payload
 * alignment align would go inside free block b; 0 if it does not fit. The
 * gap left in front is either empty or large enough to stay a free block.
 */
static uintptr_t fit(const struct heap_block *b, size_t need, size_t align)
{
	uintptr_t a = addr_of(b), end = a + b->size;
	uintptr_t payload = ALIGN_UP(a + HDR_SIZE, (uintptr_t)align);

	if (payload - HDR_SIZE != a && payload - HDR_SIZE - a < MIN_BLOCK)
		payload = ALIGN_UP(a + HDR_SIZE + MIN_BLOCK, (uintptr_t)align);
	if (payload - HDR_SIZE > end || need > end - (payload - HDR_SIZE))
		return 0;
	return payload - HDR_SIZE;
}

void *heap_alloc(struct heap *h, size_t size, size_t align)
{
	struct heap_block *prev = NULL, *b;
	size_t need;

	if (!h || size == 0)
		return NULL;
	if (align == 0)
		align = HEAP_GRAIN;
	if (!IS_POW2(align) || align > HEAP_MAX_ALIGN)
		return NULL;
	align = MAX(align, (size_t)HEAP_GRAIN);
	/* Bounding by total first also keeps the sums below from overflowing. */
	if (size > h->total) {
		h->nfailed++;
		return NULL;
	}
	need = ALIGN_UP(size, (size_t)HEAP_GRAIN) + HDR_SIZE;

	for (b = h->free_list; b; prev = b, b = b->next) {
		uintptr_t start = fit(b, need, align);
		uintptr_t bend = addr_of(b) + b->size;
		struct heap_block *head = NULL, *tail = NULL, *blk, *after = b->next;
		size_t bsize = need;

		if (!start)
			continue;
		/* A remainder too small for a block of its own stays with us. */
		if (bend - (start + need) >= MIN_BLOCK) {
			tail = at(start + need);
			block_set(tail, MAGIC_FREE, bend - (start + need));
		} else {
			bsize = bend - start;
		}
		if (start != addr_of(b)) {
			/* The front gap keeps b's header and its place in the list. */
			head = b;
			head->size = start - addr_of(b);
			head->check = block_check(head);
		}

		/* Splice [head][tail] where b was; the address order is preserved. */
		if (tail)
			tail->next = after;
		else
			tail = after;
		if (head) {
			head->next = tail;
		} else {
			if (prev)
				prev->next = tail;
			else
				h->free_list = tail;
		}

		blk = at(start);
		block_set(blk, MAGIC_USED, bsize);
		h->used += bsize;
		h->nallocs++;
		return (void *)(start + HDR_SIZE);
	}
	h->nfailed++;
	return NULL;
}

int heap_free(struct heap *h, void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	struct heap_block *b;

	if (!ptr)
		return 0;
	if (!h || p % HEAP_GRAIN || p < HDR_SIZE)
		return -EINVAL;
	/* Read the header only once we know it is inside our own memory. */
	if (region_of(h, p - HDR_SIZE, HDR_SIZE) < 0)
		return -EINVAL;
	b = at(p - HDR_SIZE);
	if (!block_sound(h, b, MAGIC_USED))
		return -EINVAL;

	h->used -= b->size;
	h->nfrees++;
	block_set(b, MAGIC_FREE, b->size);
	free_insert(h, b);
	return 0;
}

void heap_get_stats(const struct heap *h, struct heap_stats *st)
{
	const struct heap_block *b;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!h)
		return;
	st->total = h->total;
	st->used = h->used;
	st->free = h->total - h->used;
	st->nallocs = h->nallocs;
	st->nfrees = h->nfrees;
	st->nfailed = h->nfailed;
	for (b = h->free_list; b; b = b->next) {
		st->free_blocks++;
		if (b->size > st->largest_free)
			st->largest_free = b->size;
	}
}

int heap_check(const struct heap *h)
{
	size_t total = 0, used = 0, free_bytes = 0, list_bytes = 0;
	size_t walk_free = 0, list_free = 0, max_blocks = 0;
	const struct heap_block *b, *last = NULL;
	unsigned int i;

	if (!h || h->nregions > HEAP_MAX_REGIONS)
		return -EFAULT;

	for (i = 0; i < h->nregions; i++) {
		uintptr_t a = h->region[i].start, end = h->region[i].end;
		bool prev_free = false;

		total += end - a;
		while (a < end) {
			b = at(a);
			if (block_sound(h, b, MAGIC_USED)) {
				used += b->size;
				prev_free = false;
			} else if (block_sound(h, b, MAGIC_FREE)) {
				/* Two free neighbours means a missed coalesce. */
				if (prev_free)
					return -EFAULT;
				free_bytes += b->size;
				walk_free++;
				prev_free = true;
			} else {
				return -EFAULT;
			}
			a += b->size;
		}
		if (a != end)
			return -EFAULT;
	}
	if (total != h->total || used != h->used || used + free_bytes != total)
		return -EFAULT;

	/* The list must be strictly address-ordered (which also rules out cycles). */
	max_blocks = total / MIN_BLOCK + 1;
	for (b = h->free_list; b; b = b->next) {
		if (!block_sound(h, b, MAGIC_FREE) || (last && addr_of(b) <= addr_of(last)) ||
		    ++list_free > max_blocks)
			return -EFAULT;
		list_bytes += b->size;
		last = b;
	}
	if (list_free != walk_free || list_bytes != free_bytes)
		return -EFAULT;
	return 0;
}
