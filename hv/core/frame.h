/* SPDX-License-Identifier: MIT */
/*
 * The physical frame allocator: hands out 4 KiB frames of usable RAM.
 * It is built from a sanitized memory map minus a list of reserved ranges
 * (the hypervisor image, boot modules, ACPI tables, ...), so it never hands
 * those out. Frame 0 is never handed out. Pure logic: the pool reaches its
 * own bookkeeping (a bitmap it places in usable RAM) only through the
 * phys_to_virt callback, so host unit tests run it on a fake physical space.
 * Not thread-safe: callers serialize (the hypervisor wraps it in a lock).
 */
#ifndef CORE_FRAME_H
#define CORE_FRAME_H

#include "core/memmap.h"

#define FRAME_SIZE PAGE_SIZE
#define FRAME_SHIFT PAGE_SHIFT
#define FRAME_POOL_MAX_REGIONS MEMMAP_MAX

typedef void *(*phys_to_virt_fn)(uint64_t pa);

struct frame_region {
	uint64_t base;	    /* physical address of the first frame */
	uint64_t nframes;   /* frames in the region */
	uint64_t nfree;	    /* frames currently free */
	uint64_t hint;	    /* frame index where the next search starts */
	uint64_t *bitmap;   /* 1 bit per frame, set = in use */
};

struct frame_pool {
	unsigned int nregions;
	struct frame_region region[FRAME_POOL_MAX_REGIONS];
	uint64_t total_frames;	/* frames the pool manages, bitmap frames excluded */
	uint64_t free_frames;
	uint64_t bitmap_pa;	/* where the bitmaps live (reserved in the pool) */
	uint64_t bitmap_bytes;
	phys_to_virt_fn p2v;
};

/*
 * Build the pool from the MEM_USABLE ranges of a sanitized map, minus the
 * reserved ranges (any alignment; partially covered frames are excluded),
 * minus frame 0 and the frames that hold the pool's own bitmaps.
 * Returns 0, -EINVAL on bad arguments, -ENOMEM if no usable frame is left
 * or there is no room for the bitmaps.
 */
int frame_pool_init(struct frame_pool *p, const struct memmap *map,
		    const struct mem_range *reserved, unsigned int nreserved,
		    phys_to_virt_fn p2v);

/*
 * Allocate nframes physically contiguous frames whose first address is a
 * multiple of align (a power of two >= FRAME_SIZE) and whose end is at or
 * below limit (0 = no limit). Stores the address in *pa. Frames are not
 * zeroed. Returns 0, -EINVAL on bad arguments, -ENOMEM if nothing fits.
 */
int frame_alloc(struct frame_pool *p, uint64_t nframes, uint64_t align,
		uint64_t limit, uint64_t *pa);

/*
 * Return frames. Every frame must be in the pool and allocated; otherwise
 * nothing is changed and -EINVAL is returned (catches double frees).
 */
int frame_free(struct frame_pool *p, uint64_t pa, uint64_t nframes);

/*
 * Take a range out of the pool after init (for example ACPI tables found
 * later). Frames outside the pool are ignored; frames already in use stay
 * in use. Returns the number of frames newly taken. They are marked in use
 * like an allocation (total_frames is unchanged).
 */
uint64_t frame_reserve(struct frame_pool *p, uint64_t base, uint64_t size);

/* True if the frame holding pa is in the pool and currently free. */
bool frame_is_free(const struct frame_pool *p, uint64_t pa);

#endif
