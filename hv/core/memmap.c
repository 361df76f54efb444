// SPDX-License-Identifier: MIT
/*
 * Memory map construction and sanitizing.
 *
 * Firmware maps are frequently messy: ranges arrive unsorted, reserved
 * holes are reported inside larger usable ranges, ACPI tables overlap usable
 * RAM, and the same range may be listed twice. memmap_sanitize() resolves all
 * of that with a boundary sweep: every range start and end becomes a
 * boundary, the boundaries are sorted, and each elementary interval between
 * two consecutive boundaries gets the most restrictive type of the ranges
 * that cover it. Runs of intervals with one type are then merged.
 */
#include "core/memmap.h"
#include "lib/errno.h"

/* Every range contributes at most two boundaries. */
#define MEMMAP_MAX_BOUNDS (2 * MEMMAP_MAX)

/* Type of an elementary interval that no range covers (a hole). */
#define MEM_NONE 0

/* Highest type number we know; anything else is treated as reserved. */
#define MEM_TYPE_LAST MEM_BAD

int memmap_add(struct memmap *m, uint64_t base, uint64_t size, uint32_t type)
{
	if (!m)
		return -EINVAL;
	if (size == 0)
		return 0;
	/*
	 * Ends are kept exclusive in 64 bits, so a range whose end would be
	 * 2^64 or beyond cannot be represented: reject it as malformed.
	 */
	if (size > UINT64_MAX - base)
		return -EINVAL;
	if (m->count >= MEMMAP_MAX)
		return -ENOSPC;
	m->r[m->count].base = base;
	m->r[m->count].size = size;
	m->r[m->count].type = type;
	m->count++;
	return 0;
}

/*
 * Map a firmware type to its precedence. Usable RAM is the weakest claim,
 * and among the others the ACPI numbering already increases with how much
 * the firmware still depends on the range, so a plain numeric maximum gives
 * "most restrictive wins". Unknown types must never become usable.
 */
static uint32_t normalize_type(uint32_t type)
{
	if (type < MEM_USABLE || type > MEM_TYPE_LAST)
		return MEM_RESERVED;
	return type;
}

/*
 * The map is public, so an entry may have been written without
 * memmap_add(). Clamp an end that would wrap instead of failing: losing the
 * last byte of the address space is harmless.
 */
static uint64_t range_end(const struct mem_range *r)
{
	if (r->size > UINT64_MAX - r->base)
		return UINT64_MAX;
	return r->base + r->size;
}

/* Sort ascending and drop duplicates; returns the new count. */
static unsigned int sort_unique(uint64_t *v, unsigned int n)
{
	unsigned int i, out;

	/* Insertion sort: n is at most MEMMAP_MAX_BOUNDS and this runs once at boot. */
	for (i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	out = 0;
	for (i = 0; i < n; i++) {
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	}
	return out;
}

/* Winning type of the interval starting at lo (intervals never straddle a range edge). */
static uint32_t interval_type(const struct memmap *m, uint64_t lo)
{
	uint32_t best = MEM_NONE;
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->r[i];
		uint32_t t;

		if (r->size == 0 || lo < r->base || lo >= range_end(r))
			continue;
		t = normalize_type(r->type);
		if (t > best)
			best = t;
	}
	return best;
}

/*
 * Shrink a usable range inward to whole pages. Returns false if no full
 * page is left. The end is rounded down first so that rounding the base up
 * cannot overflow past it.
 */
static bool page_trim(uint64_t *base, uint64_t *end)
{
	uint64_t e = ALIGN_DOWN(*end, PAGE_SIZE);

	if (*base >= e)
		return false;
	*base = ALIGN_UP(*base, PAGE_SIZE);
	if (*base >= e)
		return false;
	*end = e;
	return true;
}

/*
 * Merge runs of equal type from the sweep into ranges and trim usable ones.
 * With out == NULL only counts, so the caller can check for room before it
 * overwrites the map. Returns the number of ranges.
 */
static unsigned int emit_ranges(struct memmap *out, const uint64_t *bounds, const uint8_t *types,
				unsigned int nbounds)
{
	unsigned int i = 0, n = 0;

	while (i + 1 < nbounds) {
		uint32_t t = types[i];
		uint64_t base = bounds[i], end;
		unsigned int j = i + 1;

		if (t == MEM_NONE) {
			i++;
			continue;
		}
		/* Extend over following intervals of the same type (adjacent merge). */
		while (j + 1 < nbounds && types[j] == t)
			j++;
		end = bounds[j];
		i = j;
		if (t == MEM_USABLE && !page_trim(&base, &end))
			continue;
		if (out) {
			out->r[n].base = base;
			out->r[n].size = end - base;
			out->r[n].type = t;
		}
		n++;
	}
	return n;
}

int memmap_sanitize(struct memmap *m)
{
	uint64_t bounds[MEMMAP_MAX_BOUNDS];
	/* types[i] covers [bounds[i], bounds[i + 1]). */
	uint8_t types[MEMMAP_MAX_BOUNDS];
	unsigned int i, nb = 0, n;

	BUILD_ASSERT(MEM_TYPE_LAST <= UINT8_MAX);

	if (!m || m->count > MEMMAP_MAX)
		return -EINVAL;

	for (i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->size == 0)
			continue;
		bounds[nb++] = r->base;
		bounds[nb++] = range_end(r);
	}
	nb = sort_unique(bounds, nb);

	for (i = 0; i + 1 < nb; i++)
		types[i] = (uint8_t)interval_type(m, bounds[i]);

	n = emit_ranges(NULL, bounds, types, nb);
	if (n > MEMMAP_MAX)
		return -ENOSPC;
	/* The sweep state no longer refers to m, so it can be rewritten in place. */
	m->count = emit_ranges(m, bounds, types, nb);
	return 0;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t sum = 0;
	unsigned int i;

	if (!m)
		return 0;
	for (i = 0; i < m->count && i < MEMMAP_MAX; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->type != type)
			continue;
		/* Saturate: an unsanitized map may list overlapping huge ranges. */
		if (r->size > UINT64_MAX - sum)
			return UINT64_MAX;
		sum += r->size;
	}
	return sum;
}

uint64_t memmap_top(const struct memmap *m, uint32_t type)
{
	uint64_t top = 0;
	unsigned int i;

	if (!m)
		return 0;
	for (i = 0; i < m->count && i < MEMMAP_MAX; i++) {
		const struct mem_range *r = &m->r[i];
		uint64_t end;

		if (r->type != type || r->size == 0)
			continue;
		end = range_end(r);
		if (end > top)
			top = end;
	}
	return top;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
		return "usable";
	case MEM_RESERVED:
		return "reserved";
	case MEM_ACPI:
		return "ACPI";
	case MEM_NVS:
		return "NVS";
	case MEM_BAD:
		return "bad";
	default:
		return "unknown";
	}
}
