/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's memory: the sanitized physical memory map, the frame
 * pool built from it, and the heap for hypervisor objects. All entry points
 * take a lock and may be called from any CPU after mem_init().
 */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include "core/memmap.h"
#include "lib/compiler.h"

struct bootinfo;
struct acpi_info;

/* Usable RAM below which Bulkhead refuses to start. */
#define HV_MIN_MEMORY MiB(64)
/* The heap's first region; more regions are added from frames on demand. */
#define HEAP_INITIAL_SIZE MiB(4)
#define HEAP_GROW_SIZE MiB(4)
/* Kept back from partitions for the hypervisor's own growth (tables, heap). */
#define HV_PARTITION_RESERVE MiB(16)

/*
 * Sanitize the firmware map and build the frame pool, keeping out the
 * hypervisor image, the boot modules and every ACPI table. On failure
 * returns a negative code and a one-line reason in err.
 */
int mem_init(const struct bootinfo *bi, const struct acpi_info *ai, char *err, size_t errlen);

/* The sanitized map (valid after mem_init). */
const struct memmap *mem_map(void);

/* Print the memory map and the pool's totals at info level. */
void mem_log(void);

/* Frames: see frame_alloc()/frame_free() in core/frame.h for semantics. */
int mem_alloc_frames(uint64_t nframes, uint64_t align, uint64_t limit, uint64_t *pa);
int mem_free_frames(uint64_t pa, uint64_t nframes);
uint64_t mem_free_frame_count(void);

/* Heap: NULL when exhausted; hv_zalloc zeroes. hv_free(NULL) is a no-op. */
void *hv_malloc(size_t size);
void *hv_zalloc(size_t size);
void *hv_malloc_aligned(size_t size, size_t align);
void hv_free(void *p);

#endif
