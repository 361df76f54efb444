// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/memmap: adding ranges and the boundary-sweep sanitizer.
 */
#include "test.h"

#include "core/memmap.h"
#include "lib/errno.h"

/* Expect range i of m to be exactly [base, base + size) of the given type. */
#define CHECK_RANGE(m, i, b, s, t)                                                                 \
	do {                                                                                       \
		CHECK((i) < (m)->count);                                                           \
		CHECK_EQ((m)->r[i].base, (b));                                                     \
		CHECK_EQ((m)->r[i].size, (s));                                                     \
		CHECK_EQ((m)->r[i].type, (t));                                                     \
	} while (0)

static struct memmap map;

static void reset(void)
{
	memset(&map, 0, sizeof(map));
}

/* Ranges must be sorted, disjoint, non-adjacent when of one type, usable page-aligned. */
static int well_formed(const struct memmap *m)
{
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->size == 0)
			return 0;
		if (r->type == MEM_USABLE && (r->base % PAGE_SIZE || r->size % PAGE_SIZE))
			return 0;
		if (i > 0) {
			const struct mem_range *p = &m->r[i - 1];

			if (p->base + p->size > r->base)
				return 0;
			if (p->base + p->size == r->base && p->type == r->type)
				return 0;
		}
	}
	return 1;
}

TEST(add_basic)
{
	reset();
	CHECK_EQ(memmap_add(&map, 0x1000, 0x2000, MEM_USABLE), 0);
	CHECK_EQ(map.count, 1);
	CHECK_RANGE(&map, 0, 0x1000, 0x2000, MEM_USABLE);
	/* Zero size is ignored without error. */
	CHECK_EQ(memmap_add(&map, 0x5000, 0, MEM_USABLE), 0);
	CHECK_EQ(map.count, 1);
	CHECK_EQ(memmap_add(NULL, 0, 1, MEM_USABLE), -EINVAL);
}

TEST(add_wraparound_rejected)
{
	reset();
	CHECK_EQ(memmap_add(&map, UINT64_MAX - 0xfff, 0x2000, MEM_RESERVED), -EINVAL);
	CHECK_EQ(memmap_add(&map, 1, UINT64_MAX, MEM_RESERVED), -EINVAL);
	CHECK_EQ(map.count, 0);
	/* Ending exactly at 2^64 is not representable with an exclusive end. */
	CHECK_EQ(memmap_add(&map, UINT64_MAX - 0xfff, 0x1000, MEM_RESERVED), -EINVAL);
	CHECK_EQ(map.count, 0);
	/* Ending one page below 2^64 is fine. */
	CHECK_EQ(memmap_add(&map, UINT64_MAX - 0x1fff, 0x1000, MEM_RESERVED), 0);
	CHECK_EQ(map.count, 1);
}

TEST(add_full_enospc)
{
	unsigned int i;

	reset();
	for (i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&map, (uint64_t)i * 0x10000, 0x1000, MEM_USABLE), 0);
	CHECK_EQ(memmap_add(&map, 0x10000000, 0x1000, MEM_USABLE), -ENOSPC);
	CHECK_EQ(map.count, MEMMAP_MAX);
}

TEST(sort)
{
	reset();
	memmap_add(&map, 0x300000, 0x1000, MEM_USABLE);
	memmap_add(&map, 0x100000, 0x1000, MEM_RESERVED);
	memmap_add(&map, 0x200000, 0x1000, MEM_ACPI);
	memmap_add(&map, 0x0, 0x1000, MEM_NVS);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 4);
	CHECK_RANGE(&map, 0, 0x0, 0x1000, MEM_NVS);
	CHECK_RANGE(&map, 1, 0x100000, 0x1000, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x200000, 0x1000, MEM_ACPI);
	CHECK_RANGE(&map, 3, 0x300000, 0x1000, MEM_USABLE);
	CHECK(well_formed(&map));
}

TEST(reserved_inside_usable)
{
	reset();
	memmap_add(&map, 0x100000, 0x100000, MEM_USABLE);
	memmap_add(&map, 0x140000, 0x10000, MEM_RESERVED);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 3);
	CHECK_RANGE(&map, 0, 0x100000, 0x40000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x140000, 0x10000, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x150000, 0xb0000, MEM_USABLE);
	CHECK(well_formed(&map));
}

TEST(usable_overlapping_acpi)
{
	reset();
	/* ACPI tables straddling the end of usable RAM: ACPI wins the overlap. */
	memmap_add(&map, 0x7ff00000, 0x100000, MEM_ACPI);
	memmap_add(&map, 0x100000, 0x7fe80000, MEM_USABLE);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 2);
	CHECK_RANGE(&map, 0, 0x100000, 0x7fe00000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x7ff00000, 0x100000, MEM_ACPI);
	CHECK(well_formed(&map));
}

TEST(precedence_among_non_usable)
{
	reset();
	memmap_add(&map, 0x0, 0x10000, MEM_RESERVED);
	memmap_add(&map, 0x4000, 0x4000, MEM_NVS);
	memmap_add(&map, 0x6000, 0x4000, MEM_ACPI);
	memmap_add(&map, 0x7000, 0x1000, MEM_BAD);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 5);
	CHECK_RANGE(&map, 0, 0x0, 0x4000, MEM_RESERVED);
	CHECK_RANGE(&map, 1, 0x4000, 0x3000, MEM_NVS);
	CHECK_RANGE(&map, 2, 0x7000, 0x1000, MEM_BAD);
	CHECK_RANGE(&map, 3, 0x8000, 0x2000, MEM_ACPI);
	CHECK_RANGE(&map, 4, 0xa000, 0x6000, MEM_RESERVED);
	CHECK(well_formed(&map));
}

TEST(nested_and_identical)
{
	reset();
	memmap_add(&map, 0x0, 0x400000, MEM_USABLE);
	memmap_add(&map, 0x0, 0x400000, MEM_USABLE); /* identical duplicate */
	memmap_add(&map, 0x100000, 0x200000, MEM_RESERVED);
	memmap_add(&map, 0x180000, 0x80000, MEM_RESERVED);  /* nested in the nested */
	memmap_add(&map, 0x100000, 0x200000, MEM_RESERVED); /* identical reserved */
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 3);
	CHECK_RANGE(&map, 0, 0x0, 0x100000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x100000, 0x200000, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x300000, 0x100000, MEM_USABLE);
	CHECK(well_formed(&map));
}

TEST(adjacent_merge)
{
	reset();
	memmap_add(&map, 0x2000, 0x1000, MEM_USABLE);
	memmap_add(&map, 0x0, 0x1000, MEM_USABLE);
	memmap_add(&map, 0x1000, 0x1000, MEM_USABLE);
	memmap_add(&map, 0x3000, 0x1000, MEM_RESERVED);
	memmap_add(&map, 0x4000, 0x1000, MEM_RESERVED);
	/* Overlapping same-type ranges merge too. */
	memmap_add(&map, 0x10000, 0x3000, MEM_ACPI);
	memmap_add(&map, 0x11000, 0x4000, MEM_ACPI);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 3);
	CHECK_RANGE(&map, 0, 0x0, 0x3000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x3000, 0x2000, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x10000, 0x5000, MEM_ACPI);
}

TEST(unknown_type_is_reserved)
{
	reset();
	memmap_add(&map, 0x0, 0x10000, MEM_USABLE);
	memmap_add(&map, 0x4000, 0x1000, 12); /* e.g. persistent memory */
	memmap_add(&map, 0x5000, 0x1000, MEM_RESERVED);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 3);
	CHECK_RANGE(&map, 0, 0x0, 0x4000, MEM_USABLE);
	/* Unknown and reserved are the same type afterwards, so they merge. */
	CHECK_RANGE(&map, 1, 0x4000, 0x2000, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x6000, 0xa000, MEM_USABLE);
}

TEST(unaligned_usable_trimmed)
{
	reset();
	memmap_add(&map, 0x0, 0x9fc00, MEM_USABLE);
	memmap_add(&map, 0x9fc00, 0x400, MEM_RESERVED);
	memmap_add(&map, 0x100123, 0x3000, MEM_USABLE);
	memmap_add(&map, 0x200800, 0x800, MEM_USABLE);	/* nothing whole left */
	memmap_add(&map, 0x300010, 0x10, MEM_RESERVED); /* non-usable keeps its bytes */
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 4);
	CHECK_RANGE(&map, 0, 0x0, 0x9f000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x9fc00, 0x400, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x101000, 0x2000, MEM_USABLE);
	CHECK_RANGE(&map, 3, 0x300010, 0x10, MEM_RESERVED);
	CHECK(well_formed(&map));
}

TEST(usable_split_by_unaligned_reserved)
{
	reset();
	memmap_add(&map, 0x0, 0x10000, MEM_USABLE);
	memmap_add(&map, 0x4100, 0x100, MEM_RESERVED);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 3);
	/* The partly reserved page belongs to neither usable range. */
	CHECK_RANGE(&map, 0, 0x0, 0x4000, MEM_USABLE);
	CHECK_RANGE(&map, 1, 0x4100, 0x100, MEM_RESERVED);
	CHECK_RANGE(&map, 2, 0x5000, 0xb000, MEM_USABLE);
}

TEST(qemu_like_map)
{
	reset();
	memmap_add(&map, 0x0, 0x9fc00, MEM_USABLE);
	memmap_add(&map, 0x9fc00, 0x400, MEM_RESERVED);
	memmap_add(&map, 0xf0000, 0x10000, MEM_RESERVED);
	memmap_add(&map, 0x100000, 0x7fee0000, MEM_USABLE);
	memmap_add(&map, 0x7ffe0000, 0x20000, MEM_RESERVED);
	memmap_add(&map, 0xfeffc000, 0x4000, MEM_RESERVED);
	memmap_add(&map, 0xfffc0000, 0x40000, MEM_RESERVED);
	memmap_add(&map, 0x100000000ULL, 0x80000000ULL, MEM_USABLE);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 8);
	CHECK(well_formed(&map));
	CHECK_EQ(memmap_total(&map, MEM_USABLE), 0x9f000 + 0x7fee0000 + 0x80000000ULL);
	CHECK_EQ(memmap_top(&map, MEM_USABLE), 0x180000000ULL);
	CHECK_EQ(memmap_top(&map, MEM_RESERVED), 0x100000000ULL);
	CHECK_EQ(memmap_total(&map, MEM_RESERVED), 0x400 + 0x10000 + 0x20000 + 0x4000 + 0x40000);
	CHECK_EQ(memmap_top(&map, MEM_ACPI), 0);
	CHECK_EQ(memmap_total(&map, MEM_NVS), 0);
}

TEST(range_at_top_of_address_space)
{
	reset();
	CHECK_EQ(memmap_add(&map, 0xffffffffffffc800ULL, 0x3000, MEM_USABLE), 0);
	CHECK_EQ(memmap_add(&map, 0xffffffffffff8000ULL, 0x1000, MEM_RESERVED), 0);
	CHECK_EQ(memmap_sanitize(&map), 0);
	/* Trimming near 2^64 must not wrap: two whole pages are left. */
	CHECK_EQ(map.count, 2);
	CHECK_RANGE(&map, 0, 0xffffffffffff8000ULL, 0x1000, MEM_RESERVED);
	CHECK_RANGE(&map, 1, 0xffffffffffffd000ULL, 0x2000, MEM_USABLE);
	CHECK_EQ(memmap_top(&map, MEM_USABLE), 0xfffffffffffff000ULL);
}

TEST(sanitize_enospc_leaves_map)
{
	unsigned int i;

	reset();
	/* One usable range with 127 holes splits into 255 ranges: too many. */
	memmap_add(&map, 0x0, 0x10000000, MEM_USABLE);
	for (i = 0; i < MEMMAP_MAX - 1; i++)
		CHECK_EQ(memmap_add(&map, 0x100000 + (uint64_t)i * 0x10000, 0x1000, MEM_RESERVED),
			 0);
	CHECK_EQ(memmap_sanitize(&map), -ENOSPC);
	CHECK_EQ(map.count, MEMMAP_MAX);
	CHECK_RANGE(&map, 0, 0x0, 0x10000000, MEM_USABLE);

	/* With 63 holes the 127 results fit. */
	reset();
	memmap_add(&map, 0x0, 0x10000000, MEM_USABLE);
	for (i = 0; i < 63; i++)
		memmap_add(&map, 0x100000 + (uint64_t)i * 0x10000, 0x1000, MEM_RESERVED);
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 127);
	CHECK(well_formed(&map));
	CHECK_EQ(memmap_total(&map, MEM_USABLE), 0x10000000 - 63 * 0x1000);
}

TEST(sanitize_idempotent_and_empty)
{
	struct memmap copy;

	reset();
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, 0);
	memmap_add(&map, 0x5000, 0x3000, MEM_USABLE);
	memmap_add(&map, 0x0, 0x6000, MEM_ACPI);
	memmap_add(&map, 0x7800, 0x10, MEM_NVS);
	CHECK_EQ(memmap_sanitize(&map), 0);
	copy = map;
	CHECK_EQ(memmap_sanitize(&map), 0);
	CHECK_EQ(map.count, copy.count);
	CHECK(memcmp(map.r, copy.r, sizeof(map.r[0]) * map.count) == 0);
	CHECK(well_formed(&map));
	CHECK_EQ(memmap_sanitize(NULL), -EINVAL);
}

/*
 * Compare sanitize against a simple model on random maps: the address space
 * is cut into units of a quarter page, and the model records the winning
 * type of every unit by brute force.
 */
TEST(random_against_model)
{
	enum { UNIT = 1024, UNITS = 64, PER_PAGE = 4, ROUNDS = 3000, MAX_RANGES = 10 };
	uint32_t seed = 12345;
	unsigned int round;

	for (round = 0; round < ROUNDS && !test_cur_failed; round++) {
		uint8_t model[UNITS];
		unsigned int i, n, u;

		reset();
		memset(model, 0, sizeof(model));
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % MAX_RANGES;
		for (i = 0; i < n; i++) {
			uint32_t base, size, type;

			seed = seed * 1103515245u + 12345u;
			base = (seed >> 8) % UNITS;
			seed = seed * 1103515245u + 12345u;
			size = 1 + (seed >> 8) % (UNITS - base);
			seed = seed * 1103515245u + 12345u;
			/* Usable twice as likely; 6 is an unknown type. */
			type = (seed >> 8) % 7;
			if (type == 0)
				type = MEM_USABLE;
			CHECK_EQ(
			    memmap_add(&map, (uint64_t)base * UNIT, (uint64_t)size * UNIT, type),
			    0);
			for (u = base; u < base + size; u++) {
				uint8_t t = type > MEM_BAD ? MEM_RESERVED : (uint8_t)type;

				if (t > model[u])
					model[u] = t;
			}
		}
		CHECK_EQ(memmap_sanitize(&map), 0);
		CHECK(well_formed(&map));
		for (u = 0; u < UNITS; u++) {
			uint64_t a = (uint64_t)u * UNIT;
			uint8_t got = 0, want = model[u];

			for (i = 0; i < map.count; i++) {
				if (a >= map.r[i].base && a < map.r[i].base + map.r[i].size)
					got = (uint8_t)map.r[i].type;
			}
			if (want == MEM_USABLE) {
				/* A usable unit survives only if its whole page was usable. */
				unsigned int pg = u - u % PER_PAGE, k;

				for (k = pg; k < pg + PER_PAGE; k++) {
					if (model[k] != MEM_USABLE)
						want = 0;
				}
			}
			CHECK_EQ(got, want);
		}
	}
}

TEST(type_names)
{
	CHECK_STR(memmap_type_name(MEM_USABLE), "usable");
	CHECK_STR(memmap_type_name(MEM_RESERVED), "reserved");
	CHECK_STR(memmap_type_name(MEM_ACPI), "ACPI");
	CHECK_STR(memmap_type_name(MEM_NVS), "NVS");
	CHECK_STR(memmap_type_name(MEM_BAD), "bad");
	CHECK_STR(memmap_type_name(0), "unknown");
	CHECK_STR(memmap_type_name(99), "unknown");
}

int main(void)
{
	RUN(add_basic);
	RUN(add_wraparound_rejected);
	RUN(add_full_enospc);
	RUN(sort);
	RUN(reserved_inside_usable);
	RUN(usable_overlapping_acpi);
	RUN(precedence_among_non_usable);
	RUN(nested_and_identical);
	RUN(adjacent_merge);
	RUN(unknown_type_is_reserved);
	RUN(unaligned_usable_trimmed);
	RUN(usable_split_by_unaligned_reserved);
	RUN(qemu_like_map);
	RUN(range_at_top_of_address_space);
	RUN(sanitize_enospc_leaves_map);
	RUN(sanitize_idempotent_and_empty);
	RUN(random_against_model);
	RUN(type_names);
	TEST_EXIT();
}
