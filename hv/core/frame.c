// SPDX-License-Identifier: MIT
/*
 * The physical frame allocator.
 *
 * The pool is a set of regions, each a maximal run of frames that are
 * usable RAM and not reserved. Every region has a bitmap (1 bit per frame,
 * set = in use). Keeping reserved frames out of the regions altogether
 * (instead of marking them used) is what lets frame_free() refuse to "free"
 * the hypervisor image or a boot module: such frames are simply not in the
 * pool. The bitmaps themselves are the one exception: they live inside a
 * region, are marked used, and frame_free() refuses them explicitly.
 *
 * All arithmetic is done in frame numbers (address >> FRAME_SHIFT), which
 * are below 2^52, so sums of frame numbers and counts cannot overflow.
 */
#include "core/frame.h"
#include "lib/errno.h"
#include "lib/string.h"

#define BITS_PER_WORD 64
#define WORD_BYTES    sizeof(uint64_t)
#define ALL_ONES      UINT64_MAX
#define FRAME_MASK    (FRAME_SIZE - 1)

/*
 * Memory below 1 MiB is scarce and needed for things only it can do (AP
 * start-up trampolines, legacy DMA), so it is searched last and never holds
 * the bitmaps unless nothing else fits.
 */
#define LOW_MEM_END MiB(1)

/*
 * The bitmaps are preferably placed below 4 GiB: that is the part of RAM
 * the early page tables are most likely to map, so p2v() can reach it.
 */
#define BITMAP_PREF_END GiB(4)

static uint64_t pfn_down(uint64_t pa)
{
	return pa >> FRAME_SHIFT;
}

static uint64_t pfn_up(uint64_t pa)
{
	return (pa >> FRAME_SHIFT) + ((pa & FRAME_MASK) != 0);
}

/* Exclusive end of [base, base + size), clamped instead of wrapping. */
static uint64_t clamp_end(uint64_t base, uint64_t size)
{
	if (size > UINT64_MAX - base)
		return UINT64_MAX;
	return base + size;
}

static uint64_t bitmap_words(uint64_t nframes)
{
	return (nframes + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

static uint64_t region_pfn(const struct frame_region *r)
{
	return pfn_down(r->base);
}

/* Set or clear bits [start, start + n), a word at a time where possible. */
static void bits_assign(uint64_t *bm, uint64_t start, uint64_t n, bool set)
{
	while (n) {
		uint64_t w = start / BITS_PER_WORD;
		unsigned int b = start % BITS_PER_WORD;
		uint64_t k = MIN((uint64_t)(BITS_PER_WORD - b), n);
		uint64_t mask = k == BITS_PER_WORD ? ALL_ONES : ((1ULL << k) - 1) << b;

		if (set)
			bm[w] |= mask;
		else
			bm[w] &= ~mask;
		start += k;
		n -= k;
	}
}

/* First index in [from, end) whose bit equals want_set, or end if none. */
static uint64_t bits_find(const uint64_t *bm, uint64_t from, uint64_t end, bool want_set)
{
	while (from < end) {
		uint64_t w = from / BITS_PER_WORD;
		uint64_t word = want_set ? bm[w] : ~bm[w];

		word &= ALL_ONES << (from % BITS_PER_WORD);
		if (word) {
			uint64_t i = w * BITS_PER_WORD + (uint64_t)__builtin_ctzll(word);

			return MIN(i, end);
		}
		from = (w + 1) * BITS_PER_WORD;
	}
	return end;
}

/* The region holding the frame at pa (regions are sorted), or NULL. */
static struct frame_region *find_region(const struct frame_pool *p, uint64_t pa)
{
	unsigned int lo = 0, hi = p->nregions;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct frame_region *r = &p->region[mid];

		if (pa < r->base)
			hi = mid;
		else if (pfn_down(pa - r->base) >= r->nframes)
			lo = mid + 1;
		else
			return (struct frame_region *)r;
	}
	return NULL;
}

/*
 * Record a run of pool frames as a region. If the table is full, keep the
 * larger runs: dropping a small run only loses a little memory, whereas
 * failing would lose all of it.
 */
static void add_region(struct frame_pool *p, uint64_t first_pfn, uint64_t count)
{
	unsigned int i, smallest = 0;

	if (p->nregions < FRAME_POOL_MAX_REGIONS) {
		p->region[p->nregions].base = first_pfn << FRAME_SHIFT;
		p->region[p->nregions].nframes = count;
		p->nregions++;
		return;
	}
	for (i = 1; i < p->nregions; i++) {
		if (p->region[i].nframes < p->region[smallest].nframes)
			smallest = i;
	}
	if (count > p->region[smallest].nframes) {
		p->region[smallest].base = first_pfn << FRAME_SHIFT;
		p->region[smallest].nframes = count;
	}
}

/* A reserved range in frame numbers, widened to whole frames. */
static void reserved_pfns(const struct mem_range *res, uint64_t *first, uint64_t *end)
{
	*first = pfn_down(res->base);
	*end = pfn_up(clamp_end(res->base, res->size));
}

/* Add the frames [first, end) minus every reserved range as regions. */
static void carve_usable(struct frame_pool *p, uint64_t first, uint64_t end,
			 const struct mem_range *reserved, unsigned int nreserved)
{
	uint64_t cur = first;

	while (cur < end) {
		uint64_t next = end, rs, re;
		bool moved = true;
		unsigned int i;

		/* Skip past reserved ranges covering cur; they may overlap or chain. */
		while (moved && cur < end) {
			moved = false;
			for (i = 0; i < nreserved; i++) {
				if (reserved[i].size == 0)
					continue;
				reserved_pfns(&reserved[i], &rs, &re);
				if (rs <= cur && cur < re) {
					cur = re;
					moved = true;
				}
			}
		}
		if (cur >= end)
			break;
		/* The run of free frames ends where the nearest reserved range starts. */
		for (i = 0; i < nreserved; i++) {
			if (reserved[i].size == 0)
				continue;
			reserved_pfns(&reserved[i], &rs, &re);
			if (rs > cur && rs < next)
				next = rs;
		}
		add_region(p, cur, next - cur);
		cur = next;
	}
}

static void sort_regions(struct frame_pool *p)
{
	unsigned int i, j;

	for (i = 1; i < p->nregions; i++) {
		struct frame_region x = p->region[i];

		for (j = i; j > 0 && p->region[j - 1].base > x.base; j--)
			p->region[j] = p->region[j - 1];
		p->region[j] = x;
	}
}

/*
 * Choose need_frames contiguous frames for the bitmaps, at the top of the
 * highest region that has room, so low memory stays free for allocations
 * with a limit. With prefer set, only [LOW_MEM_END, BITMAP_PREF_END) counts.
 */
static int place_bitmaps(const struct frame_pool *p, uint64_t need_frames, bool prefer,
			 uint64_t *pa)
{
	unsigned int i;

	for (i = p->nregions; i-- > 0;) {
		const struct frame_region *r = &p->region[i];
		uint64_t lo = region_pfn(r), hi = lo + r->nframes;

		if (prefer) {
			lo = MAX(lo, pfn_down(LOW_MEM_END));
			hi = MIN(hi, pfn_down(BITMAP_PREF_END));
		}
		if (hi > lo && hi - lo >= need_frames) {
			*pa = (hi - need_frames) << FRAME_SHIFT;
			return (int)i;
		}
	}
	return -1;
}

static uint64_t bitmap_frames(const struct frame_pool *p)
{
	return pfn_up(p->bitmap_bytes);
}

int frame_pool_init(struct frame_pool *p, const struct memmap *map,
		    const struct mem_range *reserved, unsigned int nreserved, phys_to_virt_fn p2v)
{
	uint64_t bytes = 0, need, off = 0;
	unsigned int i;
	int home;

	if (!p)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	if (!map || !p2v || (nreserved && !reserved) || map->count > MEMMAP_MAX)
		return -EINVAL;

	for (i = 0; i < map->count; i++) {
		const struct mem_range *m = &map->r[i];
		uint64_t first, end;

		if (m->type != MEM_USABLE || m->size == 0)
			continue;
		first = pfn_up(m->base);
		end = pfn_down(clamp_end(m->base, m->size));
		/* Frame 0 is never handed out: a null physical address means "none". */
		if (first == 0)
			first = 1;
		if (first < end)
			carve_usable(p, first, end, reserved, nreserved);
	}
	if (p->nregions == 0)
		return -ENOMEM;
	sort_regions(p);
	/* A sanitized map never yields overlapping regions; anything else is a bad map. */
	for (i = 0; i + 1 < p->nregions; i++) {
		const struct frame_region *a = &p->region[i];

		if (region_pfn(a) + a->nframes > region_pfn(&p->region[i + 1])) {
			p->nregions = 0;
			return -EINVAL;
		}
	}

	for (i = 0; i < p->nregions; i++)
		bytes += bitmap_words(p->region[i].nframes) * WORD_BYTES;
	need = pfn_up(bytes);
	home = place_bitmaps(p, need, true, &p->bitmap_pa);
	if (home < 0)
		home = place_bitmaps(p, need, false, &p->bitmap_pa);
	if (home < 0) {
		p->nregions = 0;
		return -ENOMEM;
	}
	p->bitmap_bytes = bytes;
	p->p2v = p2v;

	for (i = 0; i < p->nregions; i++) {
		struct frame_region *r = &p->region[i];
		uint64_t words = bitmap_words(r->nframes);
		uint64_t tail = words * BITS_PER_WORD - r->nframes;

		r->bitmap = p2v(p->bitmap_pa + off);
		if (!r->bitmap) {
			memset(p, 0, sizeof(*p));
			return -ENOMEM;
		}
		memset(r->bitmap, 0, words * WORD_BYTES);
		/* Bits past the last frame read as used: no scan can take them for free frames. */
		if (tail)
			bits_assign(r->bitmap, r->nframes, tail, true);
		r->nfree = r->nframes;
		off += words * WORD_BYTES;
	}

	{
		struct frame_region *r = &p->region[home];

		bits_assign(r->bitmap, pfn_down(p->bitmap_pa - r->base), need, true);
		r->nfree -= need;
	}
	for (i = 0; i < p->nregions; i++) {
		p->total_frames += p->region[i].nframes;
		p->free_frames += p->region[i].nfree;
	}
	/* The bitmap frames are bookkeeping, not part of what the pool offers. */
	p->total_frames -= need;
	if (p->free_frames == 0) {
		memset(p, 0, sizeof(*p));
		return -ENOMEM;
	}
	return 0;
}

/*
 * First index in [start, end) where n free frames begin at an address that
 * is a multiple of align_frames frames.
 */
static bool find_run(const struct frame_region *r, uint64_t start, uint64_t end, uint64_t n,
		     uint64_t align_frames, uint64_t *out)
{
	uint64_t base = region_pfn(r), i = start;

	for (;;) {
		uint64_t used;

		i = bits_find(r->bitmap, i, end, false);
		if (i >= end)
			return false;
		i = ALIGN_UP(base + i, align_frames) - base;
		if (i >= end || end - i < n)
			return false;
		used = bits_find(r->bitmap, i, i + n, true);
		if (used == i + n) {
			*out = i;
			return true;
		}
		/* No run can start at or before the used frame; resume after it. */
		i = used + 1;
	}
}

static bool alloc_in_region(struct frame_region *r, uint64_t n, uint64_t align_frames,
			    uint64_t limit_pfn, uint64_t *idx)
{
	uint64_t base = region_pfn(r), hi = r->nframes, hint;

	if (r->nfree < n || limit_pfn <= base)
		return false;
	hi = MIN(hi, limit_pfn - base);
	if (hi < n)
		return false;

	/*
	 * Next fit: start where the last allocation ended, which skips the
	 * densely used front of the bitmap. Then wrap around to cover runs
	 * that start before the hint (they may extend past it).
	 */
	hint = r->hint < hi ? r->hint : 0;
	if (!find_run(r, hint, hi, n, align_frames, idx) &&
	    (hint == 0 || !find_run(r, 0, MIN(hi, hint + n - 1), n, align_frames, idx)))
		return false;

	bits_assign(r->bitmap, *idx, n, true);
	r->nfree -= n;
	r->hint = *idx + n < r->nframes ? *idx + n : 0;
	return true;
}

int frame_alloc(struct frame_pool *p, uint64_t nframes, uint64_t align, uint64_t limit,
		uint64_t *pa)
{
	uint64_t align_frames, limit_pfn, idx;
	unsigned int pass, i;

	if (!p || !pa || nframes == 0 || !IS_POW2(align) || align < FRAME_SIZE)
		return -EINVAL;
	if (nframes > p->free_frames)
		return -ENOMEM;
	align_frames = align >> FRAME_SHIFT;
	limit_pfn = limit ? pfn_down(limit) : UINT64_MAX;

	/* Pass 0 uses memory above LOW_MEM_END; low memory is the last resort. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->nregions; i++) {
			struct frame_region *r = &p->region[i];

			if ((r->base < LOW_MEM_END) != (pass == 1))
				continue;
			if (alloc_in_region(r, nframes, align_frames, limit_pfn, &idx)) {
				p->free_frames -= nframes;
				*pa = r->base + (idx << FRAME_SHIFT);
				return 0;
			}
		}
	}
	return -ENOMEM;
}

int frame_free(struct frame_pool *p, uint64_t pa, uint64_t nframes)
{
	struct frame_region *r;
	uint64_t idx, bm_end;

	if (!p || nframes == 0 || !IS_ALIGNED(pa, FRAME_SIZE))
		return -EINVAL;
	r = find_region(p, pa);
	if (!r)
		return -EINVAL;
	idx = pfn_down(pa - r->base);
	if (nframes > r->nframes - idx)
		return -EINVAL;
	/* The bitmap frames are marked used but were never handed out. */
	bm_end = p->bitmap_pa + (bitmap_frames(p) << FRAME_SHIFT);
	if (pa < bm_end && p->bitmap_pa < pa + (nframes << FRAME_SHIFT))
		return -EINVAL;
	/* Any free frame in the range means a double free: change nothing. */
	if (bits_find(r->bitmap, idx, idx + nframes, false) != idx + nframes)
		return -EINVAL;

	bits_assign(r->bitmap, idx, nframes, false);
	r->nfree += nframes;
	p->free_frames += nframes;
	return 0;
}

/*
 * Reserved frames are marked in use, like an allocation at a fixed address:
 * the regions cannot shrink after init because their bitmaps are packed.
 * total_frames is therefore unchanged.
 */
uint64_t frame_reserve(struct frame_pool *p, uint64_t base, uint64_t size)
{
	uint64_t first, end, taken = 0;
	unsigned int i;

	if (!p || size == 0)
		return 0;
	first = pfn_down(base);
	end = pfn_up(clamp_end(base, size));

	for (i = 0; i < p->nregions; i++) {
		struct frame_region *r = &p->region[i];
		uint64_t rb = region_pfn(r);
		uint64_t s = MAX(first, rb), e = MIN(end, rb + r->nframes);
		uint64_t j;

		if (s >= e)
			continue;
		s -= rb;
		e -= rb;
		j = bits_find(r->bitmap, s, e, false);
		while (j < e) {
			uint64_t k = bits_find(r->bitmap, j, e, true);

			bits_assign(r->bitmap, j, k - j, true);
			r->nfree -= k - j;
			p->free_frames -= k - j;
			taken += k - j;
			j = bits_find(r->bitmap, k, e, false);
		}
	}
	return taken;
}

bool frame_is_free(const struct frame_pool *p, uint64_t pa)
{
	const struct frame_region *r;
	uint64_t idx;

	if (!p)
		return false;
	r = find_region(p, pa);
	if (!r)
		return false;
	idx = pfn_down(pa - r->base);
	return bits_find(r->bitmap, idx, idx + 1, false) == idx;
}
