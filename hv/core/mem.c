/* SPDX-License-Identifier: MIT */
#include "core/mem.h"
#include "arch/x86/acpi.h"
#include "arch/x86/paging.h"
#include "core/bootinfo.h"
#include "core/frame.h"
#include "core/heap.h"
#include "core/log.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"

extern char __image_start[], __image_end[];

/* image + modules + ACPI tables + RSDP */
#define MEM_MAX_RESERVED (1 + BOOTINFO_MAX_MODULES + ACPI_MAX_TABLES + 1)

static struct memmap sane_map;
static struct frame_pool pool;
static struct heap hv_heap;
static spinlock_t pool_lock = SPINLOCK_INIT;
static spinlock_t heap_lock = SPINLOCK_INIT;
static struct mem_range reserved[MEM_MAX_RESERVED];
static unsigned int nreserved;

static void *identity(uint64_t pa)
{
	return phys_to_virt(pa);
}

static void reserve(uint64_t base, uint64_t size)
{
	if (size && nreserved < ARRAY_SIZE(reserved)) {
		reserved[nreserved].base = base;
		reserved[nreserved].size = size;
		reserved[nreserved].type = MEM_RESERVED;
		nreserved++;
	}
}

int mem_init(const struct bootinfo *bi, const struct acpi_info *ai, char *err, size_t errlen)
{
	uint64_t usable, heap_pa;
	int rc;

	sane_map = bi->mmap;
	rc = memmap_sanitize(&sane_map);
	if (rc) {
		fmt_snprintf(err, errlen, "the firmware memory map has too many ranges (%s)",
			     err_name(rc));
		return rc;
	}
	usable = memmap_total(&sane_map, MEM_USABLE);
	if (usable < HV_MIN_MEMORY) {
		fmt_snprintf(err, errlen,
			     "only %llu MiB of usable RAM; Bulkhead needs at least %llu MiB",
			     (unsigned long long)(usable >> 20),
			     (unsigned long long)(HV_MIN_MEMORY >> 20));
		return -ENOMEM;
	}

	reserve(SYM_ADDR(__image_start), SYM_ADDR(__image_end) - SYM_ADDR(__image_start));
	for (unsigned int i = 0; i < bi->nmodules; i++)
		reserve(bi->modules[i].start, bi->modules[i].end - bi->modules[i].start);
	for (unsigned int i = 0; i < ai->ntables; i++)
		reserve(ai->tables[i].pa, ai->tables[i].len);
	if (ai->rsdp_pa)
		reserve(ai->rsdp_pa, ACPI_RSDP_V2_LEN);

	rc = frame_pool_init(&pool, &sane_map, reserved, nreserved, identity);
	if (rc) {
		fmt_snprintf(err, errlen, "cannot build the frame pool (%s)", err_name(rc));
		return rc;
	}

	rc = frame_alloc(&pool, HEAP_INITIAL_SIZE / FRAME_SIZE, FRAME_SIZE, 0, &heap_pa);
	if (rc == 0)
		rc = heap_init(&hv_heap, phys_to_virt(heap_pa), HEAP_INITIAL_SIZE);
	if (rc) {
		fmt_snprintf(err, errlen, "cannot set up the heap (%s)", err_name(rc));
		return rc;
	}
	return 0;
}

const struct memmap *mem_map(void)
{
	return &sane_map;
}

void mem_log(void)
{
	for (unsigned int i = 0; i < sane_map.count; i++) {
		const struct mem_range *r = &sane_map.r[i];

		pr_info("mem: [0x%012llx-0x%012llx] %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->size - 1), memmap_type_name(r->type));
	}
	pr_info("mem: %llu MiB usable, %llu MiB free for partitions after boot reservations\n",
		(unsigned long long)(memmap_total(&sane_map, MEM_USABLE) >> 20),
		(unsigned long long)((pool.free_frames * FRAME_SIZE) >> 20));
}

int mem_alloc_frames(uint64_t nframes, uint64_t align, uint64_t limit, uint64_t *pa)
{
	uint64_t flags = spin_lock_irqsave(&pool_lock);
	int rc = frame_alloc(&pool, nframes, align, limit, pa);

	spin_unlock_irqrestore(&pool_lock, flags);
	return rc;
}

int mem_free_frames(uint64_t pa, uint64_t nframes)
{
	uint64_t flags = spin_lock_irqsave(&pool_lock);
	int rc = frame_free(&pool, pa, nframes);

	spin_unlock_irqrestore(&pool_lock, flags);
	return rc;
}

uint64_t mem_free_frame_count(void)
{
	return READ_ONCE(pool.free_frames);
}

/* Add a region to the heap; called with heap_lock held. */
static bool heap_grow(size_t need)
{
	uint64_t size = ALIGN_UP(MAX((uint64_t)need + PAGE_SIZE, HEAP_GROW_SIZE), PAGE_SIZE);
	uint64_t pa;

	if (mem_alloc_frames(size / FRAME_SIZE, FRAME_SIZE, 0, &pa))
		return false;
	if (heap_add_region(&hv_heap, phys_to_virt(pa), size)) {
		mem_free_frames(pa, size / FRAME_SIZE);
		return false;
	}
	return true;
}

void *hv_malloc_aligned(size_t size, size_t align)
{
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	void *p = heap_alloc(&hv_heap, size, align);

	if (!p && size && heap_grow(size))
		p = heap_alloc(&hv_heap, size, align);
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *hv_malloc(size_t size)
{
	return hv_malloc_aligned(size, 0);
}

void *hv_zalloc(size_t size)
{
	void *p = hv_malloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void hv_free(void *p)
{
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	int rc = heap_free(&hv_heap, p);

	spin_unlock_irqrestore(&heap_lock, flags);
	if (rc)
		pr_err("heap: bad free of %p (%s)\n", p, err_name(rc));
}
