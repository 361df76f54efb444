/* SPDX-License-Identifier: MIT */
/*
 * The physical memory map: a list of typed ranges as the firmware reported
 * them (E820 numbering), sanitized into sorted, non-overlapping ranges.
 * Pure logic: compiled into the hypervisor and into host unit tests.
 */
#ifndef CORE_MEMMAP_H
#define CORE_MEMMAP_H

#include "lib/compiler.h"

/* Range types, numbered as in the ACPI/E820 address range types. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI = 3,	/* ACPI reclaimable: holds ACPI tables */
	MEM_NVS = 4,	/* ACPI NVS: firmware keeps using it */
	MEM_BAD = 5,	/* unusable (bad RAM) */
};

#define MEMMAP_MAX 128
#define PAGE_SIZE 4096ULL
#define PAGE_SHIFT 12

struct mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type;
};

struct memmap {
	unsigned int count;
	struct mem_range r[MEMMAP_MAX];
};

/*
 * Append a range. A zero size is ignored (returns 0); a range that wraps
 * past 2^64 is -EINVAL; a full map is -ENOSPC.
 */
int memmap_add(struct memmap *m, uint64_t base, uint64_t size, uint32_t type);

/*
 * Sort and make the ranges disjoint. Where ranges overlap the most
 * restrictive type wins (any non-usable type beats MEM_USABLE; among the
 * others the higher enum value wins); unknown types count as MEM_RESERVED.
 * Adjacent ranges of one type are merged. Usable ranges are then shrunk
 * inward to page boundaries and dropped if nothing is left.
 * Returns 0, or -ENOSPC if splitting needs more than MEMMAP_MAX entries.
 */
int memmap_sanitize(struct memmap *m);

/* Total bytes of ranges of the given type. */
uint64_t memmap_total(const struct memmap *m, uint32_t type);

/* End (exclusive) of the highest range of the given type; 0 if none. */
uint64_t memmap_top(const struct memmap *m, uint32_t type);

/* "usable", "reserved", "ACPI", "NVS", "bad" or "unknown". */
const char *memmap_type_name(uint32_t type);

#endif
