// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/heap: first-fit allocation, alignment, coalescing,
 * multiple regions, rejection of bad frees, and a randomized stress run
 * that checks the heap invariants and block contents after every step.
 */
#include "test.h"

#include "core/heap.h"
#include "lib/errno.h"

#define ARENA_SIZE (256 * 1024)

static struct heap heap;
/* Backing memory for the heap regions, aligned like page-sized memory. */
static uint8_t arena[ARENA_SIZE] __attribute__((aligned(4096)));
static uint8_t arena2[ARENA_SIZE / 4] __attribute__((aligned(4096)));

static struct heap_stats stats(void)
{
	struct heap_stats st;

	heap_get_stats(&heap, &st);
	return st;
}

/* Fill the arenas with garbage so no test sees headers left by an earlier one. */
static void scrub(void)
{
	memset(arena, 0xa5, sizeof(arena));
	memset(arena2, 0xa5, sizeof(arena2));
}

static int fresh(void)
{
	scrub();
	return heap_init(&heap, arena, sizeof(arena));
}

TEST(init_and_first_alloc)
{
	struct heap_stats st;
	uint8_t *p;

	CHECK_EQ(fresh(), 0);
	CHECK_EQ(heap_check(&heap), 0);
	st = stats();
	CHECK_EQ(st.total, ARENA_SIZE);
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.free, ARENA_SIZE);
	CHECK_EQ(st.free_blocks, 1);
	CHECK_EQ(st.largest_free, ARENA_SIZE);

	p = heap_alloc(&heap, 100, 0);
	CHECK(p != NULL);
	CHECK(p > arena && p + 100 <= arena + ARENA_SIZE);
	CHECK_EQ((uintptr_t)p % 16, 0);
	memset(p, 0x5a, 100);
	st = stats();
	CHECK(st.used >= 100 && st.used < 100 + 64);
	CHECK_EQ(st.nallocs, 1);
	CHECK_EQ(heap_check(&heap), 0);
	CHECK_EQ(heap_free(&heap, p), 0);
	st = stats();
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.nfrees, 1);
	CHECK_EQ(st.largest_free, ARENA_SIZE);
	CHECK_EQ(heap_check(&heap), 0);
}

TEST(init_errors)
{
	static uint8_t tiny[32] __attribute__((aligned(16)));

	CHECK_EQ(heap_init(NULL, arena, sizeof(arena)), -EINVAL);
	CHECK_EQ(heap_init(&heap, NULL, sizeof(arena)), -EINVAL);
	CHECK_EQ(heap_init(&heap, tiny, sizeof(tiny)), -EINVAL);
	CHECK_EQ(heap_init(&heap, arena, 0), -EINVAL);
	/* Unaligned base and size are trimmed, not refused. */
	CHECK_EQ(heap_init(&heap, arena + 3, 4093), 0);
	CHECK_EQ(heap_check(&heap), 0);
	CHECK(stats().total <= 4093 && stats().total >= 4064);
	CHECK_EQ(stats().total % 16, 0);
}

TEST(zero_and_bad_args)
{
	CHECK_EQ(fresh(), 0);
	CHECK(heap_alloc(&heap, 0, 0) == NULL);
	CHECK(heap_alloc(&heap, 16, 3) == NULL);
	CHECK(heap_alloc(&heap, 16, 24) == NULL);
	CHECK(heap_alloc(&heap, 16, 8192) == NULL);
	CHECK(heap_alloc(NULL, 16, 0) == NULL);
	CHECK(heap_alloc(&heap, SIZE_MAX, 0) == NULL);
	CHECK(heap_alloc(&heap, SIZE_MAX - 20, 16) == NULL);
	CHECK_EQ(heap_free(&heap, NULL), 0);
	CHECK_EQ(stats().used, 0);
	CHECK_EQ(heap_check(&heap), 0);
	/* Small alignments round up to the 16-byte granule. */
	{
		void *p = heap_alloc(&heap, 1, 1);

		CHECK(p != NULL && (uintptr_t)p % 16 == 0);
		CHECK_EQ(heap_free(&heap, p), 0);
	}
}

TEST(alignment)
{
	static const size_t aligns[] = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
	void *ptrs[ARRAY_SIZE(aligns) * 3];
	unsigned int i, n = 0;

	CHECK_EQ(fresh(), 0);
	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		size_t a = aligns[i % ARRAY_SIZE(aligns)];
		void *p = heap_alloc(&heap, 1 + i * 37, a);

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ((uintptr_t)p % a, 0);
		memset(p, (int)i, 1 + i * 37);
		ptrs[n++] = p;
		CHECK_EQ(heap_check(&heap), 0);
	}
	for (i = 0; i < n; i++) {
		unsigned int k;
		const uint8_t *b = ptrs[i];

		for (k = 0; k < 1 + i * 37; k++) {
			if (b[k] != (uint8_t)i) {
				CHECK_EQ(b[k], (uint8_t)i);
				break;
			}
		}
	}
	for (i = 0; i < n; i++)
		CHECK_EQ(heap_free(&heap, ptrs[(i * 7) % n]), 0);
	CHECK_EQ(heap_check(&heap), 0);
	CHECK_EQ(stats().free_blocks, 1);
	CHECK_EQ(stats().largest_free, ARENA_SIZE);
}

TEST(exhaustion)
{
	void *ptrs[ARENA_SIZE / 1024 + 1];
	unsigned int n = 0, i;
	struct heap_stats st;

	CHECK_EQ(fresh(), 0);
	CHECK(heap_alloc(&heap, ARENA_SIZE, 0) == NULL);
	CHECK_EQ(stats().nfailed, 1);
	while (n < ARRAY_SIZE(ptrs) && (ptrs[n] = heap_alloc(&heap, 1000, 0)) != NULL)
		n++;
	CHECK(n > 200 && n < ARRAY_SIZE(ptrs));
	CHECK(heap_alloc(&heap, 1000, 0) == NULL);
	st = stats();
	CHECK(st.largest_free < 1000 + 32);
	CHECK_EQ(heap_check(&heap), 0);
	/* After one free the same request fits again. */
	CHECK_EQ(heap_free(&heap, ptrs[n / 2]), 0);
	ptrs[n / 2] = heap_alloc(&heap, 1000, 0);
	CHECK(ptrs[n / 2] != NULL);
	for (i = 0; i < n; i++)
		CHECK_EQ(heap_free(&heap, ptrs[i]), 0);
	CHECK_EQ(stats().used, 0);
	CHECK_EQ(stats().largest_free, ARENA_SIZE);
	CHECK_EQ(heap_check(&heap), 0);
}

TEST(first_fit_reuses_hole)
{
	void *a, *b, *c, *d;

	CHECK_EQ(fresh(), 0);
	a = heap_alloc(&heap, 256, 0);
	b = heap_alloc(&heap, 256, 0);
	c = heap_alloc(&heap, 256, 0);
	CHECK(a && b && c);
	CHECK((uint8_t *)a < (uint8_t *)b && (uint8_t *)b < (uint8_t *)c);
	CHECK_EQ(heap_free(&heap, b), 0);
	/* First fit: the hole left by b comes before the big tail. */
	d = heap_alloc(&heap, 200, 0);
	CHECK(d == b);
	CHECK_EQ(heap_check(&heap), 0);
}

TEST(fragment_then_coalesce)
{
	enum { N = 450 };
	void *p[N];
	unsigned int i;
	struct heap_stats st;
	size_t original;

	CHECK_EQ(fresh(), 0);
	original = stats().largest_free;
	for (i = 0; i < N; i++) {
		p[i] = heap_alloc(&heap, 500, 0);
		CHECK(p[i] != NULL);
	}
	/* Free every other block: many holes, none of them large. */
	for (i = 0; i < N; i += 2)
		CHECK_EQ(heap_free(&heap, p[i]), 0);
	st = stats();
	CHECK(st.free_blocks >= N / 2);
	CHECK(st.largest_free < original);
	CHECK(heap_alloc(&heap, ARENA_SIZE / 2, 0) == NULL);
	CHECK_EQ(heap_check(&heap), 0);
	/* Freeing the rest merges with both neighbours each time. */
	for (i = 1; i < N; i += 2) {
		CHECK_EQ(heap_free(&heap, p[i]), 0);
		CHECK_EQ(heap_check(&heap), 0);
	}
	st = stats();
	CHECK_EQ(st.free_blocks, 1);
	CHECK_EQ(st.largest_free, original);
	CHECK_EQ(st.used, 0);
	/* And a single huge allocation fits again. */
	p[0] = heap_alloc(&heap, ARENA_SIZE - 64, 0);
	CHECK(p[0] != NULL);
	CHECK_EQ(heap_free(&heap, p[0]), 0);
}

TEST(double_free_and_foreign)
{
	static uint64_t outside[8];
	uint8_t *a, *b, *c;
	struct heap_stats before;

	CHECK_EQ(fresh(), 0);
	a = heap_alloc(&heap, 64, 0);
	b = heap_alloc(&heap, 64, 0);
	c = heap_alloc(&heap, 64, 0);
	CHECK(a && b && c);
	CHECK_EQ(heap_free(&heap, b), 0);
	before = stats();
	CHECK_EQ(heap_free(&heap, b), -EINVAL);		  /* double free */
	CHECK_EQ(heap_free(&heap, a + 16), -EINVAL);	  /* inside a block */
	CHECK_EQ(heap_free(&heap, a + 1), -EINVAL);	  /* unaligned */
	CHECK_EQ(heap_free(&heap, outside + 4), -EINVAL); /* not heap memory */
	CHECK_EQ(heap_free(&heap, arena), -EINVAL);	  /* header would precede region */
	CHECK_EQ(heap_free(&heap, arena + ARENA_SIZE), -EINVAL);
	CHECK_EQ(heap_free(&heap, (void *)16), -EINVAL);
	CHECK_EQ(heap_free(&heap, arena + ARENA_SIZE / 2), -EINVAL); /* in the free tail */
	CHECK_EQ(stats().used, before.used);
	CHECK_EQ(stats().nfrees, before.nfrees);
	CHECK_EQ(stats().free_blocks, before.free_blocks);
	CHECK_EQ(heap_check(&heap), 0);

	/* A block merged into its free neighbour is also refused the second time. */
	CHECK_EQ(heap_free(&heap, a), 0);
	CHECK_EQ(heap_free(&heap, a), -EINVAL);
	CHECK_EQ(heap_free(&heap, c), 0);
	CHECK_EQ(heap_free(&heap, c), -EINVAL);
	CHECK_EQ(heap_free(&heap, b), -EINVAL);
	CHECK_EQ(stats().free_blocks, 1);
	CHECK_EQ(heap_check(&heap), 0);

	/* A forged header with the wrong check word is refused. */
	a = heap_alloc(&heap, 128, 0);
	CHECK(a != NULL);
	memcpy(a + 64, a - 32, 32);
	CHECK_EQ(heap_free(&heap, a + 96), -EINVAL);
	CHECK_EQ(heap_free(&heap, a), 0);

	/* heap_check notices a clobbered header. */
	a = heap_alloc(&heap, 128, 0);
	b = heap_alloc(&heap, 128, 0);
	CHECK(a && b);
	memset(a, 0xff, 128 + 8); /* overrun into b's header */
	CHECK_EQ(heap_check(&heap), -EFAULT);
	CHECK_EQ(heap_free(&heap, b), -EINVAL);
}

TEST(multiple_regions)
{
	void *big, *p;
	struct heap_stats st;
	static uint8_t tiny[8] __attribute__((aligned(16)));

	scrub();
	CHECK_EQ(heap_init(&heap, arena2, sizeof(arena2)), 0);
	CHECK_EQ(heap_add_region(&heap, arena, sizeof(arena)), 0);
	st = stats();
	CHECK_EQ(st.total, sizeof(arena) + sizeof(arena2));
	CHECK_EQ(st.free_blocks, 2);
	CHECK_EQ(heap_check(&heap), 0);
	/* Too big for the first region: comes from the second. */
	big = heap_alloc(&heap, sizeof(arena2) + 1000, 0);
	CHECK(big != NULL);
	CHECK((uint8_t *)big >= arena && (uint8_t *)big < arena + sizeof(arena));
	/* Small one from the lower-addressed region, whichever it is. */
	p = heap_alloc(&heap, 100, 0);
	CHECK(p != NULL);
	CHECK_EQ(heap_check(&heap), 0);
	/* Overlapping regions are refused. */
	CHECK_EQ(heap_add_region(&heap, arena + 4096, 4096), -EINVAL);
	CHECK_EQ(heap_add_region(&heap, (void *)((uintptr_t)arena2 - 16), 4096), -EINVAL);
	CHECK_EQ(heap_add_region(&heap, tiny, sizeof(tiny)), -EINVAL);
	CHECK_EQ(heap_free(&heap, big), 0);
	CHECK_EQ(heap_free(&heap, p), 0);
	CHECK_EQ(stats().free_blocks, 2); /* never merged across regions */
	CHECK_EQ(stats().largest_free, sizeof(arena));

	CHECK_EQ(heap_check(&heap), 0);
}

TEST(adjacent_regions)
{
	enum { NREG = 8, REG = 1024 };
	static uint8_t extra[NREG][REG] __attribute__((aligned(16)));
	static uint8_t more[HEAP_MAX_REGIONS][256] __attribute__((aligned(16)));
	static uint8_t last[256] __attribute__((aligned(16)));
	void *q[4 * NREG];
	unsigned int i, n = 0;

	/* extra[i] and extra[i + 1] touch: only the region table tells them apart. */
	CHECK_EQ(heap_init(&heap, extra[0], REG), 0);
	for (i = 1; i < NREG; i++)
		CHECK_EQ(heap_add_region(&heap, extra[i], REG), 0);
	CHECK_EQ(heap_check(&heap), 0);
	CHECK_EQ(stats().free_blocks, NREG);
	CHECK(heap_alloc(&heap, 2 * REG - 64, 0) == NULL);
	while (n < ARRAY_SIZE(q) && (q[n] = heap_alloc(&heap, 400, 0)) != NULL)
		n++;
	CHECK_EQ(n, 2 * NREG);
	/* Free in an order that would merge across every seam if allowed. */
	for (i = 0; i < n; i++) {
		CHECK_EQ(heap_free(&heap, q[n - 1 - i]), 0);
		CHECK_EQ(heap_check(&heap), 0);
	}
	CHECK_EQ(stats().free_blocks, NREG);
	CHECK_EQ(stats().largest_free, REG);
	CHECK(heap_alloc(&heap, REG + 16, 0) == NULL);

	/* Fill the region table. */
	while (heap.nregions < HEAP_MAX_REGIONS)
		CHECK_EQ(heap_add_region(&heap, more[heap.nregions], sizeof(more[0])), 0);
	CHECK_EQ(heap_add_region(&heap, last, sizeof(last)), -ENOSPC);
	CHECK_EQ(heap_check(&heap), 0);
}

/* Shadow bookkeeping for the stress test. */
struct live {
	uint8_t *p;
	size_t size;
	size_t align;
	uint8_t pattern;
};

static int pattern_ok(const struct live *l)
{
	size_t i;

	for (i = 0; i < l->size; i++) {
		if (l->p[i] != (uint8_t)(l->pattern + i))
			return 0;
	}
	return 1;
}

static int overlaps_live(const struct live *v, unsigned int n, const uint8_t *p, size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (p < v[i].p + v[i].size && v[i].p < p + size)
			return 1;
	}
	return 0;
}

TEST(random_stress)
{
	enum { OPS = 20000, MAX_LIVE = 300, SMALL = 512, LARGE = 16384 };
	static struct live v[MAX_LIVE];
	unsigned int n = 0, op, i;
	uint32_t seed = 0xc0ffee;
	size_t used_payload = 0;
	unsigned int failed = 0;

	scrub();
	CHECK_EQ(heap_init(&heap, arena, sizeof(arena)), 0);
	CHECK_EQ(heap_add_region(&heap, arena2, sizeof(arena2)), 0);
	for (op = 0; op < OPS && !test_cur_failed; op++) {
		seed = seed * 1664525u + 1013904223u;
		if (n < MAX_LIVE && ((seed >> 30) != 0 || n == 0)) {
			size_t size = (seed >> 8) % 16 == 0 ? 1 + (seed >> 12) % LARGE
							    : 1 + (seed >> 12) % SMALL;
			size_t align = (size_t)1 << ((seed >> 4) % 13); /* 1..4096 */
			uint8_t *p = heap_alloc(&heap, size, (seed >> 3) % 8 == 0 ? 0 : align);

			if (!p) {
				failed++;
				CHECK_EQ(heap_check(&heap), 0);
				continue;
			}
			if ((seed >> 3) % 8 == 0)
				align = 16;
			CHECK_EQ((uintptr_t)p % (align < 16 ? 16 : align), 0);
			CHECK(!overlaps_live(v, n, p, size));
			CHECK((p >= arena && p + size <= arena + sizeof(arena)) ||
			      (p >= arena2 && p + size <= arena2 + sizeof(arena2)));
			v[n].p = p;
			v[n].size = size;
			v[n].align = align;
			v[n].pattern = (uint8_t)(seed >> 16);
			for (i = 0; i < size; i++)
				p[i] = (uint8_t)(v[n].pattern + i);
			used_payload += size;
			n++;
		} else {
			unsigned int k = (seed >> 8) % n;

			CHECK(pattern_ok(&v[k]));
			CHECK_EQ(heap_free(&heap, v[k].p), 0);
			if (op % 5 == 0)
				CHECK_EQ(heap_free(&heap, v[k].p), -EINVAL);
			used_payload -= v[k].size;
			v[k] = v[--n];
		}
		CHECK_EQ(heap_check(&heap), 0);
		CHECK(stats().used >= used_payload);
		if (op % 256 == 0) {
			for (i = 0; i < n; i++)
				CHECK(pattern_ok(&v[i]));
		}
	}
	for (i = 0; i < n; i++) {
		CHECK(pattern_ok(&v[i]));
		CHECK_EQ(heap_free(&heap, v[i].p), 0);
	}
	CHECK_EQ(heap_check(&heap), 0);
	CHECK_EQ(stats().used, 0);
	CHECK_EQ(stats().free_blocks, 2);
	CHECK_EQ(stats().largest_free, sizeof(arena));
	CHECK(stats().nallocs > OPS / 4);
	/* The run must have reached exhaustion too, or it tested less than intended. */
	CHECK(failed > 0);
	CHECK_EQ(stats().nfailed, failed);
}

int main(void)
{
	RUN(init_and_first_alloc);
	RUN(init_errors);
	RUN(zero_and_bad_args);
	RUN(alignment);
	RUN(exhaustion);
	RUN(first_fit_reuses_hole);
	RUN(fragment_then_coalesce);
	RUN(double_free_and_foreign);
	RUN(multiple_regions);
	RUN(adjacent_regions);
	RUN(random_stress);
	TEST_EXIT();
}
