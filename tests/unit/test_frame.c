// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/frame: the physical frame allocator, run on a fake
 * physical address space. Only one window of it is backed by host memory
 * (where the pool puts its bitmaps); the p2v callback returns NULL for any
 * other address, so a pool that touched memory it had no business touching
 * would fail its init or crash under ASan.
 */
#include "test.h"

#include "core/frame.h"
#include "lib/errno.h"

static uint8_t *win_buf;
static uint64_t win_base, win_size;
static unsigned int p2v_outside;

static void *fake_p2v(uint64_t pa)
{
	if (pa < win_base || pa - win_base >= win_size) {
		p2v_outside++;
		return NULL;
	}
	return win_buf + (pa - win_base);
}

/* Back [base, base + size) of fake physical memory with host memory. */
static void window(uint64_t base, uint64_t size)
{
	free(win_buf);
	/* Garbage, not zeros: init must clear the bitmaps itself. */
	win_buf = malloc(size);
	if (!win_buf) {
		printf("out of host memory\n");
		exit(2);
	}
	memset(win_buf, 0xa5, size);
	win_base = base;
	win_size = size;
	p2v_outside = 0;
}

static struct frame_pool pool;
static struct memmap map;

/* The QEMU -m 2G map plus 1 GiB above 4 GiB. */
#define HIGH_BASE      0x100000000ULL
#define HIGH_END       0x140000000ULL
#define LOW_USABLE_END 0x7ffe0000ULL

static void qemu_map(void)
{
	memset(&map, 0, sizeof(map));
	memmap_add(&map, 0x0, 0x9fc00, MEM_USABLE);
	memmap_add(&map, 0x9fc00, 0x400, MEM_RESERVED);
	memmap_add(&map, 0xf0000, 0x10000, MEM_RESERVED);
	memmap_add(&map, 0x100000, LOW_USABLE_END - 0x100000, MEM_USABLE);
	memmap_add(&map, LOW_USABLE_END, 0x20000, MEM_RESERVED);
	memmap_add(&map, 0xfeffc000, 0x4000, MEM_RESERVED);
	memmap_add(&map, 0xfffc0000, 0x40000, MEM_RESERVED);
	memmap_add(&map, HIGH_BASE, HIGH_END - HIGH_BASE, MEM_USABLE);
	memmap_sanitize(&map);
}

/* Image, boot modules and a small firmware structure, deliberately unaligned. */
static const struct mem_range qemu_reserved[] = {
    {0x100000, 0x1a3456, MEM_RESERVED},	  /* hypervisor image: frames 0x100..0x2a3 */
    {0x3000000, 0x800, MEM_RESERVED},	  /* small module: frame 0x3000 */
    {0x7f000123, 0x7ffedc, MEM_RESERVED}, /* big module: frames 0x7f000..0x7f7ff */
    {0x8800, 0x100, MEM_RESERVED},	  /* inside frame 8 */
    {0x150000, 0x1000, MEM_RESERVED},	  /* inside the image: overlap is fine */
};

/* Pool frames of that setup, before the bitmaps are taken out. */
static uint64_t qemu_pool_frames(void)
{
	uint64_t low = 0x9f - 1 - 1;		       /* minus frame 0 and frame 8 */
	uint64_t mid = (LOW_USABLE_END >> 12) - 0x100; /* 1 MiB .. 0x7ffe0000 */
	uint64_t high = (HIGH_END - HIGH_BASE) >> 12;

	mid -= 0x2a4 - 0x100; /* image */
	mid -= 1;	      /* small module */
	mid -= 0x800;	      /* big module */
	return low + mid + high;
}

/* Bitmap window: the 2 MiB just below the top of usable RAM under 4 GiB. */
static int qemu_pool(void)
{
	qemu_map();
	window(LOW_USABLE_END - MiB(2), MiB(2));
	return frame_pool_init(&pool, &map, qemu_reserved, ARRAY_SIZE(qemu_reserved), fake_p2v);
}

static uint64_t bitmap_frames(const struct frame_pool *p)
{
	return (p->bitmap_bytes + FRAME_SIZE - 1) / FRAME_SIZE;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Sum of the regions' counters must match the pool's. */
static int counters_ok(const struct frame_pool *p)
{
	uint64_t nfree = 0, n = 0;
	unsigned int i;

	for (i = 0; i < p->nregions; i++) {
		if (p->region[i].nfree > p->region[i].nframes)
			return 0;
		nfree += p->region[i].nfree;
		n += p->region[i].nframes;
	}
	return nfree == p->free_frames && n == p->total_frames + bitmap_frames(p) &&
	       p->free_frames <= p->total_frames;
}

/* One small region [1 MiB, 2 MiB): 256 frames, the last one holds the bitmap. */
#define SMALL_BASE   MiB(1)
#define SMALL_FRAMES 256ULL

static int small_pool(void)
{
	memset(&map, 0, sizeof(map));
	memmap_add(&map, SMALL_BASE, SMALL_FRAMES * FRAME_SIZE, MEM_USABLE);
	window(SMALL_BASE, SMALL_FRAMES * FRAME_SIZE);
	return frame_pool_init(&pool, &map, NULL, 0, fake_p2v);
}

TEST(init_qemu_map)
{
	uint64_t want;
	unsigned int i;

	CHECK_EQ(qemu_pool(), 0);
	CHECK_EQ(p2v_outside, 0);
	/* Regions: [1,8) [9,0x9f) [0x2a4,0x3000) [0x3001,0x7f000) [0x7f800,0x7ffe0) high. */
	CHECK_EQ(pool.nregions, 6);
	CHECK_EQ(pool.region[0].base, 0x1000);
	CHECK_EQ(pool.region[0].nframes, 7);
	CHECK_EQ(pool.region[1].base, 0x9000);
	CHECK_EQ(pool.region[2].base, 0x2a4000);
	CHECK_EQ(pool.region[3].base, 0x3001000);
	CHECK_EQ(pool.region[4].base, 0x7f800000);
	CHECK_EQ(pool.region[5].base, HIGH_BASE);
	CHECK_EQ(pool.region[5].nframes, (HIGH_END - HIGH_BASE) >> 12);
	for (i = 1; i < pool.nregions; i++)
		CHECK(pool.region[i - 1].base < pool.region[i].base);

	want = 0;
	for (i = 0; i < pool.nregions; i++)
		want += (pool.region[i].nframes + 63) / 64 * 8;
	CHECK_EQ(pool.bitmap_bytes, want);
	/* Bitmaps at the top of the highest usable RAM below 4 GiB, inside the window. */
	CHECK_EQ(pool.bitmap_pa + bitmap_frames(&pool) * FRAME_SIZE, LOW_USABLE_END);
	CHECK(pool.bitmap_pa >= win_base);
	CHECK_EQ(pool.total_frames, qemu_pool_frames() - bitmap_frames(&pool));
	CHECK_EQ(pool.free_frames, pool.total_frames);
	CHECK(counters_ok(&pool));
	CHECK(!frame_is_free(&pool, 0));
	CHECK(!frame_is_free(&pool, 0x8000));
	CHECK(frame_is_free(&pool, 0x9000));
	CHECK(!frame_is_free(&pool, 0x2a3000));
	CHECK(frame_is_free(&pool, 0x2a4000));
	CHECK(!frame_is_free(&pool, pool.bitmap_pa));
	CHECK(!frame_is_free(&pool, 0xa0000));
	CHECK(frame_is_free(&pool, HIGH_END - FRAME_SIZE));
	CHECK(!frame_is_free(&pool, HIGH_END));
}

TEST(init_errors)
{
	struct mem_range r = {0, 0x1000, MEM_RESERVED};

	qemu_map();
	window(LOW_USABLE_END - MiB(2), MiB(2));
	CHECK_EQ(frame_pool_init(NULL, &map, NULL, 0, fake_p2v), -EINVAL);
	CHECK_EQ(frame_pool_init(&pool, NULL, NULL, 0, fake_p2v), -EINVAL);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, NULL), -EINVAL);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 1, fake_p2v), -EINVAL);

	/* No usable RAM at all. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, 0x0, MiB(16), MEM_RESERVED);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), -ENOMEM);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &r.base), -ENOMEM);

	/* Only frame 0 is usable. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, 0x0, 0x1000, MEM_USABLE);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), -ENOMEM);

	/* Everything usable is reserved. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), MiB(1), MEM_USABLE);
	r.base = MiB(1) - 1;
	r.size = MiB(1) + 2;
	CHECK_EQ(frame_pool_init(&pool, &map, &r, 1, fake_p2v), -ENOMEM);

	/* A single frame is all the bitmap needs, leaving nothing to hand out. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), FRAME_SIZE, MEM_USABLE);
	window(MiB(1), FRAME_SIZE);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), -ENOMEM);

	/* The bitmap cannot be reached through p2v. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), MiB(1), MEM_USABLE);
	window(MiB(64), FRAME_SIZE);
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), -ENOMEM);
	CHECK_EQ(pool.nregions, 0);

	/* Overlapping usable ranges (an unsanitized map) are refused. */
	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), MiB(2), MEM_USABLE);
	memmap_add(&map, MiB(2), MiB(2), MEM_USABLE);
	window(MiB(1), MiB(3));
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), -EINVAL);
}

/* Host-side set of physical frames, to detect a frame handed out twice. */
static uint8_t *seen;

TEST(alloc_all_never_reserved)
{
	uint64_t pa, n = 0, bm_len, last = 0;
	unsigned int i;
	int bad = 0, dup = 0, rc;

	CHECK_EQ(qemu_pool(), 0);
	seen = calloc((HIGH_END >> 12) / 8 + 1, 1);
	CHECK(seen != NULL);
	if (!seen)
		return;
	bm_len = bitmap_frames(&pool) * FRAME_SIZE;
	while ((rc = frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa)) == 0) {
		uint64_t f = pa >> 12;

		n++;
		if (pa == 0 || pa % FRAME_SIZE || pa >= HIGH_END)
			bad++;
		else if (seen[f / 8] & (1u << (f % 8)))
			dup++;
		else
			seen[f / 8] |= (uint8_t)(1u << (f % 8));
		for (i = 0; i < ARRAY_SIZE(qemu_reserved); i++) {
			if (overlaps(pa, FRAME_SIZE, qemu_reserved[i].base, qemu_reserved[i].size))
				bad++;
		}
		if (overlaps(pa, FRAME_SIZE, pool.bitmap_pa, bm_len))
			bad++;
		/* Must be usable RAM in the firmware map. */
		if (!(pa < 0x9f000 || (pa >= 0x100000 && pa < LOW_USABLE_END) || pa >= HIGH_BASE))
			bad++;
		if (frame_is_free(&pool, pa))
			bad++;
		if (n > pool.total_frames)
			break;
		last = pa;
	}
	CHECK_EQ(rc, -ENOMEM);
	CHECK_EQ(bad, 0);
	CHECK_EQ(dup, 0);
	CHECK_EQ(n, pool.total_frames);
	CHECK_EQ(pool.free_frames, 0);
	CHECK(counters_ok(&pool));
	/* Low memory is the last resort, so it went last. */
	CHECK(last < MiB(1));
	free(seen);
	seen = NULL;

	/* Exhausted: -ENOMEM, then a free makes exactly that frame available. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), -ENOMEM);
	CHECK_EQ(frame_free(&pool, 0x5000000, 1), 0);
	CHECK_EQ(pool.free_frames, 1);
	CHECK_EQ(frame_alloc(&pool, 2, FRAME_SIZE, 0, &pa), -ENOMEM);
	pa = 0;
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), 0);
	CHECK_EQ(pa, 0x5000000);
	CHECK_EQ(pool.free_frames, 0);
	CHECK(counters_ok(&pool));
}

TEST(exhaustion_small)
{
	uint64_t pa[SMALL_FRAMES], x;
	unsigned int i, n = 0;

	CHECK_EQ(small_pool(), 0);
	CHECK_EQ(pool.total_frames, SMALL_FRAMES - 1);
	/* A request larger than the pool fails cleanly. */
	CHECK_EQ(frame_alloc(&pool, SMALL_FRAMES, FRAME_SIZE, 0, &x), -ENOMEM);
	CHECK_EQ(frame_alloc(&pool, UINT64_MAX, FRAME_SIZE, 0, &x), -ENOMEM);
	while (n < SMALL_FRAMES && frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa[n]) == 0)
		n++;
	CHECK_EQ(n, SMALL_FRAMES - 1);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &x), -ENOMEM);
	for (i = 0; i < n; i++)
		CHECK_EQ(frame_free(&pool, pa[i], 1), 0);
	CHECK_EQ(pool.free_frames, SMALL_FRAMES - 1);
	/* Everything merged back: the whole pool in one piece. */
	CHECK_EQ(frame_alloc(&pool, SMALL_FRAMES - 1, FRAME_SIZE, 0, &x), 0);
	CHECK_EQ(x, SMALL_BASE);
	CHECK(counters_ok(&pool));
}

TEST(fragmentation)
{
	uint64_t x;
	unsigned int i;

	CHECK_EQ(small_pool(), 0);
	for (i = 0; i < SMALL_FRAMES - 1; i++)
		CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &x), 0);
	/* Free every other frame: plenty free, but no two adjacent. */
	for (i = 0; i < SMALL_FRAMES - 1; i += 2)
		CHECK_EQ(frame_free(&pool, SMALL_BASE + i * FRAME_SIZE, 1), 0);
	CHECK_EQ(pool.free_frames, SMALL_FRAMES / 2);
	CHECK_EQ(frame_alloc(&pool, 2, FRAME_SIZE, 0, &x), -ENOMEM);
	CHECK_EQ(pool.free_frames, SMALL_FRAMES / 2);
	/* Freeing frame 101 joins 100..102. */
	CHECK_EQ(frame_free(&pool, SMALL_BASE + 101 * FRAME_SIZE, 1), 0);
	CHECK_EQ(frame_alloc(&pool, 3, FRAME_SIZE, 0, &x), 0);
	CHECK_EQ(x, SMALL_BASE + 100 * FRAME_SIZE);
	CHECK_EQ(frame_alloc(&pool, 2, FRAME_SIZE, 0, &x), -ENOMEM);
	CHECK(counters_ok(&pool));
}

TEST(wraps_around_hint)
{
	uint64_t x;
	unsigned int i;

	CHECK_EQ(small_pool(), 0);
	for (i = 0; i < SMALL_FRAMES - 1; i++)
		CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &x), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(frame_free(&pool, SMALL_BASE + i * FRAME_SIZE, 1), 0);
	/* The hint is at the end; the only free run lies before it. */
	CHECK_EQ(frame_alloc(&pool, 5, FRAME_SIZE, 0, &x), 0);
	CHECK_EQ(x, SMALL_BASE);
	/* A run that starts before the hint and extends past it. */
	for (i = 10; i < 20; i++)
		CHECK_EQ(frame_free(&pool, SMALL_BASE + i * FRAME_SIZE, 1), 0);
	CHECK_EQ(frame_alloc(&pool, 3, FRAME_SIZE, 0, &x), 0); /* hint -> 13 */
	CHECK_EQ(x, SMALL_BASE + 10 * FRAME_SIZE);
	CHECK_EQ(frame_free(&pool, SMALL_BASE + 10 * FRAME_SIZE, 3), 0);
	for (i = 20; i < 24; i++)
		CHECK_EQ(frame_free(&pool, SMALL_BASE + i * FRAME_SIZE, 1), 0);
	CHECK_EQ(frame_alloc(&pool, 14, FRAME_SIZE, 0, &x), 0);
	CHECK_EQ(x, SMALL_BASE + 10 * FRAME_SIZE);
	CHECK(counters_ok(&pool));
}

TEST(alignment)
{
	uint64_t pa, pb, f;

	CHECK_EQ(qemu_pool(), 0);
	/* Knock the first free frame off any alignment. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), 0);
	CHECK_EQ(frame_alloc(&pool, 512, MiB(2), 0, &pa), 0);
	CHECK_EQ(pa % MiB(2), 0);
	for (f = 0; f < 512; f++)
		CHECK(!frame_is_free(&pool, pa + f * FRAME_SIZE));
	CHECK_EQ(frame_alloc(&pool, 3, MiB(2), 0, &pb), 0);
	CHECK_EQ(pb % MiB(2), 0);
	CHECK(!overlaps(pa, 512 * FRAME_SIZE, pb, 3 * FRAME_SIZE));
	/* 1 GiB alignment: only 1 GiB and 4 GiB qualify (0 is frame 0). */
	CHECK_EQ(frame_alloc(&pool, 1, GiB(1), 0, &pa), 0);
	CHECK(pa == GiB(1) || pa == GiB(4));
	CHECK_EQ(frame_alloc(&pool, 1, GiB(1), 0, &pb), 0);
	CHECK(pb == GiB(1) || pb == GiB(4));
	CHECK(pa != pb);
	CHECK_EQ(frame_alloc(&pool, 1, GiB(1), 0, &pb), -ENOMEM);
	/* A huge alignment nothing satisfies, without overflowing. */
	CHECK_EQ(frame_alloc(&pool, 1, 1ULL << 63, 0, &pb), -ENOMEM);
	/* Bad alignments. */
	CHECK_EQ(frame_alloc(&pool, 1, 0, 0, &pb), -EINVAL);
	CHECK_EQ(frame_alloc(&pool, 1, 2048, 0, &pb), -EINVAL);
	CHECK_EQ(frame_alloc(&pool, 1, 3 * FRAME_SIZE, 0, &pb), -EINVAL);
	CHECK_EQ(frame_alloc(&pool, 0, FRAME_SIZE, 0, &pb), -EINVAL);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, NULL), -EINVAL);
	CHECK_EQ(frame_alloc(NULL, 1, FRAME_SIZE, 0, &pb), -EINVAL);
	CHECK(counters_ok(&pool));
}

TEST(limit)
{
	uint64_t pa, n = 0, before;

	CHECK_EQ(qemu_pool(), 0);
	/* Below 1 MiB: 157 frames (1..0x9e without 8). */
	while (frame_alloc(&pool, 1, FRAME_SIZE, MiB(1), &pa) == 0) {
		CHECK(pa + FRAME_SIZE <= MiB(1));
		CHECK(pa != 0 && pa != 0x8000);
		n++;
		if (n > 1000)
			break;
	}
	CHECK_EQ(n, 157);
	before = pool.free_frames;
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, MiB(1), &pa), -ENOMEM);
	CHECK_EQ(pool.free_frames, before);

	/* The end must be at or below the limit, also when unaligned. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0x2a4fff, &pa), -ENOMEM);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0x2a5000, &pa), 0);
	CHECK_EQ(pa, 0x2a4000);
	CHECK_EQ(frame_alloc(&pool, 16, KiB(64), MiB(4), &pa), 0);
	CHECK(pa % KiB(64) == 0 && pa + 16 * FRAME_SIZE <= MiB(4));
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0x1000, &pa), -ENOMEM);

	/* Below 4 GiB with high memory available. */
	CHECK_EQ(frame_alloc(&pool, 1024, FRAME_SIZE, GiB(4), &pa), 0);
	CHECK(pa + 1024 * FRAME_SIZE <= GiB(4));
	/* Use up everything below 4 GiB; then only high memory remains. */
	while (frame_alloc(&pool, 1, FRAME_SIZE, GiB(4), &pa) == 0)
		;
	CHECK_EQ(pool.free_frames, (HIGH_END - HIGH_BASE) >> 12);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, GiB(4), &pa), -ENOMEM);
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), 0);
	CHECK(pa >= HIGH_BASE);
	CHECK(counters_ok(&pool));
}

TEST(bad_frees_rejected)
{
	uint64_t pa, pb, before;

	CHECK_EQ(qemu_pool(), 0);
	CHECK_EQ(frame_alloc(&pool, 2, FRAME_SIZE, 0, &pa), 0);
	before = pool.free_frames;

	CHECK_EQ(frame_free(&pool, pa + 2 * FRAME_SIZE, 1), -EINVAL); /* never allocated */
	CHECK_EQ(frame_free(&pool, pa, 3), -EINVAL);		      /* tail not allocated */
	CHECK(!frame_is_free(&pool, pa) && !frame_is_free(&pool, pa + FRAME_SIZE));
	CHECK_EQ(frame_free(&pool, pa + 1, 1), -EINVAL); /* unaligned */
	CHECK_EQ(frame_free(&pool, pa, 0), -EINVAL);
	CHECK_EQ(frame_free(&pool, 0, 1), -EINVAL);		 /* frame 0 */
	CHECK_EQ(frame_free(&pool, 0x8000, 1), -EINVAL);	 /* reserved */
	CHECK_EQ(frame_free(&pool, 0x100000, 1), -EINVAL);	 /* the image */
	CHECK_EQ(frame_free(&pool, 0x7f400000, 1), -EINVAL);	 /* a module */
	CHECK_EQ(frame_free(&pool, 0xa0000, 1), -EINVAL);	 /* firmware hole */
	CHECK_EQ(frame_free(&pool, GiB(64), 1), -EINVAL);	 /* beyond RAM */
	CHECK_EQ(frame_free(&pool, pool.bitmap_pa, 1), -EINVAL); /* bookkeeping */
	CHECK_EQ(frame_free(&pool, HIGH_END - FRAME_SIZE, UINT64_MAX), -EINVAL);
	CHECK_EQ(frame_free(NULL, pa, 1), -EINVAL);
	CHECK_EQ(pool.free_frames, before);

	CHECK_EQ(frame_free(&pool, pa, 2), 0);
	CHECK_EQ(frame_free(&pool, pa, 2), -EINVAL); /* double free */
	CHECK_EQ(frame_free(&pool, pa + FRAME_SIZE, 1), -EINVAL);
	CHECK_EQ(pool.free_frames, before + 2);

	/* A range crossing a region boundary: frames 0x2a3 (reserved) and 0x2a4. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0x2a5000, &pb), 0);
	CHECK_EQ(pb, 0x2a4000);
	CHECK_EQ(frame_free(&pool, 0x2a3000, 2), -EINVAL);
	CHECK(!frame_is_free(&pool, pb));
	/* The top frame of a region followed by a frame outside it. */
	CHECK_EQ(frame_alloc(&pool, 150, FRAME_SIZE, 0x9f000, &pb), 0);
	CHECK_EQ(pb, 0x9000);
	CHECK_EQ(frame_free(&pool, 0x9e000, 2), -EINVAL);
	CHECK(!frame_is_free(&pool, 0x9e000));
	CHECK_EQ(frame_free(&pool, 0x9e000, 1), 0);
	CHECK(counters_ok(&pool));
}

TEST(reserve)
{
	uint64_t pa, before;

	CHECK_EQ(small_pool(), 0);
	CHECK_EQ(frame_alloc(&pool, 4, FRAME_SIZE, 0, &pa), 0);
	CHECK_EQ(pa, SMALL_BASE);
	before = pool.free_frames;
	/* 0x103800..0x108800 touches frames 3..8; frame 3 is already in use. */
	CHECK_EQ(frame_reserve(&pool, SMALL_BASE + 0x3800, 0x5000), 5);
	CHECK_EQ(pool.free_frames, before - 5);
	CHECK(!frame_is_free(&pool, SMALL_BASE + 8 * FRAME_SIZE));
	CHECK(frame_is_free(&pool, SMALL_BASE + 9 * FRAME_SIZE));
	CHECK_EQ(frame_reserve(&pool, SMALL_BASE + 0x3800, 0x5000), 0);
	/* Outside the pool, zero size, and across the bitmap frame. */
	CHECK_EQ(frame_reserve(&pool, 0, SMALL_BASE), 0);
	CHECK_EQ(frame_reserve(&pool, SMALL_BASE, 0), 0);
	CHECK_EQ(frame_reserve(&pool, SMALL_BASE + (SMALL_FRAMES - 2) * FRAME_SIZE, MiB(64)), 1);
	CHECK_EQ(frame_reserve(&pool, UINT64_MAX - 10, 100), 0);
	CHECK_EQ(frame_reserve(NULL, 0, 1), 0);
	/* Allocations no longer come from reserved frames. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), 0);
	CHECK_EQ(pa, SMALL_BASE + 9 * FRAME_SIZE);
	CHECK_EQ(pool.free_frames, SMALL_FRAMES - 1 - 4 - 5 - 1 - 1);
	CHECK(counters_ok(&pool));
}

/* Random allocs and frees against a shadow of every frame's state. */
TEST(random_against_shadow)
{
	enum { OPS = 20000, MAX_LIVE = 64, MAX_N = 9 };
	struct {
		uint64_t pa, n;
	} live[MAX_LIVE];
	uint8_t shadow[SMALL_FRAMES] = {0};
	unsigned int nlive = 0, op, i;
	uint32_t seed = 42;

	CHECK_EQ(small_pool(), 0);
	shadow[SMALL_FRAMES - 1] = 1; /* the bitmap */
	for (op = 0; op < OPS && !test_cur_failed; op++) {
		seed = seed * 1664525u + 1013904223u;
		if (nlive < MAX_LIVE && (seed >> 31 || nlive == 0)) {
			uint64_t n = 1 + (seed >> 8) % MAX_N,
				 align = FRAME_SIZE << ((seed >> 4) % 4);
			uint64_t limit = (seed >> 20) % 4 == 0 ? SMALL_BASE + MiB(1) / 2 : 0;
			uint64_t pa, f;
			int rc = frame_alloc(&pool, n, align, limit, &pa);

			if (rc == 0) {
				CHECK(pa % align == 0);
				CHECK(!limit || pa + n * FRAME_SIZE <= limit);
				for (f = 0; f < n; f++) {
					uint64_t idx = (pa - SMALL_BASE) / FRAME_SIZE + f;

					CHECK(idx < SMALL_FRAMES && !shadow[idx]);
					if (idx < SMALL_FRAMES)
						shadow[idx] = 1;
				}
				live[nlive].pa = pa;
				live[nlive].n = n;
				nlive++;
			} else {
				uint64_t s, e, run;
				int found = 0;

				CHECK_EQ(rc, -ENOMEM);
				/* Verify with brute force that nothing would have fit. */
				for (s = 0; s < SMALL_FRAMES && !found; s++) {
					uint64_t a = SMALL_BASE + s * FRAME_SIZE;

					if (a % align || (limit && a + n * FRAME_SIZE > limit))
						continue;
					for (run = 0, e = s;
					     e < SMALL_FRAMES && !shadow[e] && run < n; e++)
						run++;
					found = run == n;
				}
				CHECK(!found);
			}
		} else {
			unsigned int k = (seed >> 8) % nlive;
			uint64_t f;

			CHECK_EQ(frame_free(&pool, live[k].pa, live[k].n), 0);
			CHECK_EQ(frame_free(&pool, live[k].pa, live[k].n), -EINVAL);
			for (f = 0; f < live[k].n; f++)
				shadow[(live[k].pa - SMALL_BASE) / FRAME_SIZE + f] = 0;
			live[k] = live[--nlive];
		}
		if (op % 97 == 0) {
			uint64_t nfree = 0;

			for (i = 0; i < SMALL_FRAMES; i++) {
				CHECK_EQ(frame_is_free(&pool, SMALL_BASE + i * FRAME_SIZE),
					 !shadow[i]);
				nfree += !shadow[i];
			}
			CHECK_EQ(pool.free_frames, nfree);
			CHECK(counters_ok(&pool));
		}
	}
}

/* A 1 TiB machine: sizes and addresses past 32 bits everywhere. */
TEST(terabyte)
{
	uint64_t pa, frames = (GiB(2) - MiB(1) + GiB(1024)) >> 12, bm;

	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), GiB(2) - MiB(1), MEM_USABLE);
	memmap_add(&map, GiB(4), GiB(1024), MEM_USABLE);
	window(GiB(2) - MiB(64), MiB(64));
	CHECK_EQ(frame_pool_init(&pool, &map, NULL, 0, fake_p2v), 0);
	bm = bitmap_frames(&pool);
	CHECK_EQ(pool.bitmap_bytes,
		 (GiB(2) - MiB(1)) / FRAME_SIZE / 8 + GiB(1024) / FRAME_SIZE / 8);
	CHECK_EQ(pool.bitmap_pa + bm * FRAME_SIZE, GiB(2));
	CHECK_EQ(pool.total_frames, frames - bm);
	/* Unconstrained requests keep off low memory. */
	CHECK_EQ(frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa), 0);
	CHECK(pa >= MiB(1));
	CHECK_EQ(frame_free(&pool, pa, 1), 0);
	/* 512 GiB alignment: 512 GiB and 1 TiB qualify. */
	CHECK_EQ(frame_alloc(&pool, 1, GiB(512), 0, &pa), 0);
	CHECK_EQ(pa, GiB(512));
	CHECK_EQ(frame_alloc(&pool, 1, GiB(512), 0, &pa), 0);
	CHECK_EQ(pa, GiB(1024));
	CHECK_EQ(frame_alloc(&pool, 1, GiB(512), 0, &pa), -ENOMEM);
	CHECK_EQ(frame_free(&pool, GiB(512), 1), 0);
	CHECK_EQ(frame_free(&pool, GiB(1024), 1), 0);
	/* Half a TiB in one piece. */
	CHECK_EQ(frame_alloc(&pool, GiB(512) >> 12, GiB(1), 0, &pa), 0);
	CHECK(pa >= GiB(4) && pa % GiB(1) == 0 && pa + GiB(512) <= GiB(1027));
	CHECK_EQ(frame_reserve(&pool, GiB(1027), GiB(1)), GiB(1) >> 12);
	CHECK_EQ(frame_free(&pool, pa, GiB(512) >> 12), 0);
	CHECK_EQ(pool.free_frames, pool.total_frames - (GiB(1) >> 12));
	CHECK(frame_is_free(&pool, GiB(1028) - GiB(1) - FRAME_SIZE));
	CHECK(!frame_is_free(&pool, GiB(1028) - FRAME_SIZE));
	CHECK(counters_ok(&pool));
}

/* More runs than region slots: the largest ones are kept, none is corrupted. */
TEST(more_runs_than_regions)
{
	enum { HOLES = 160, TAIL = 512, KEPT_MIN = HOLES - (FRAME_POOL_MAX_REGIONS - 1) + 1 };
	static struct mem_range holes[HOLES];
	uint64_t cur = 0, pa, n = 0, want = TAIL, top;
	unsigned int k, i;
	int bad = 0;

	/* Runs of 1, 2, ..., HOLES frames, each followed by a reserved frame. */
	for (k = 1; k <= HOLES; k++) {
		cur += k;
		holes[k - 1].base = MiB(1) + cur * FRAME_SIZE;
		holes[k - 1].size = FRAME_SIZE;
		holes[k - 1].type = MEM_RESERVED;
		cur++;
		if (k >= KEPT_MIN)
			want += k;
	}
	top = MiB(1) + (cur + TAIL) * FRAME_SIZE;
	memset(&map, 0, sizeof(map));
	memmap_add(&map, MiB(1), top - MiB(1), MEM_USABLE);
	window(top - MiB(1), MiB(1));
	CHECK_EQ(frame_pool_init(&pool, &map, holes, HOLES, fake_p2v), 0);
	CHECK_EQ(pool.nregions, FRAME_POOL_MAX_REGIONS);
	for (i = 0; i < pool.nregions; i++) {
		CHECK(pool.region[i].nframes >= KEPT_MIN);
		if (i)
			CHECK(pool.region[i - 1].base < pool.region[i].base);
	}
	CHECK_EQ(pool.total_frames, want - bitmap_frames(&pool));
	while (frame_alloc(&pool, 1, FRAME_SIZE, 0, &pa) == 0) {
		for (k = 0; k < HOLES; k++)
			bad += pa == holes[k].base;
		if (++n > want)
			break;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(n, pool.total_frames);
	CHECK(counters_ok(&pool));
}

int main(void)
{
	RUN(init_qemu_map);
	RUN(init_errors);
	RUN(alloc_all_never_reserved);
	RUN(exhaustion_small);
	RUN(fragmentation);
	RUN(wraps_around_hint);
	RUN(alignment);
	RUN(limit);
	RUN(bad_frees_rejected);
	RUN(reserve);
	RUN(random_against_shadow);
	RUN(terabyte);
	RUN(more_runs_than_regions);
	free(win_buf);
	TEST_EXIT();
}
