/* SPDX-License-Identifier: MIT */
#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pgtable.h"
#include "core/mem.h"
#include "core/memmap.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* Linker-script symbols bounding the image's sections. */
extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

#define LOW_4G GiB(4)
#define MMIO_FLAGS (PTE_W | PTE_PCD | PTE_PWT | PTE_G)

static struct pgtable hv_pt;
static spinlock_t pt_lock = SPINLOCK_INIT;
static bool has_nx;
static bool has_1g;
static uint64_t nx_bit;

static int alloc_table(void *ctx, uint64_t *pa)
{
	int err = mem_alloc_frames(1, PAGE_SIZE, LOW_4G, pa);

	if (err == 0)
		memset(phys_to_virt(*pa), 0, PAGE_SIZE);
	return err;
}

static void free_table(void *ctx, uint64_t pa)
{
	mem_free_frames(pa, 1);
}

static void *table_p2v(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

bool paging_has_1g(void)
{
	return has_1g;
}

bool paging_has_nx(void)
{
	return has_nx;
}

uint64_t paging_root(void)
{
	return hv_pt.root;
}

void paging_load_cpu(void)
{
	if (has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(hv_pt.root);
	/* CR0.WP: read-only pages stay read-only for the hypervisor too. */
	__asm__ __volatile__("mov %%cr0, %%rax; or %0, %%rax; mov %%rax, %%cr0" ::"i"(CR0_WP)
			     : "rax", "memory");
}

int paging_init(const struct memmap *map)
{
	struct cpuid_regs r;
	uint64_t img = (uint64_t)(uintptr_t)__image_start;
	uint64_t text_end = (uint64_t)(uintptr_t)__text_end;
	uint64_t ro_end = (uint64_t)(uintptr_t)__rodata_end;
	int err;

	cpuid(CPUID_EXT_FEATURES, &r);
	has_nx = r.edx & CPUID_81_EDX_NX;
	has_1g = r.edx & CPUID_81_EDX_PAGE1GB;
	nx_bit = has_nx ? PTE_NX : 0;

	hv_pt.allow_2m = true;
	hv_pt.allow_1g = has_1g;
	hv_pt.alloc_table = alloc_table;
	hv_pt.free_table = free_table;
	hv_pt.p2v = table_p2v;
	hv_pt.ctx = NULL;
	err = pgtable_init(&hv_pt);
	if (err)
		return err;

	/*
	 * The direct map: the first 4 GiB (RAM, firmware and device windows)
	 * and every range of the memory map above it, RW and never executable.
	 * Holes above 4 GiB stay unmapped, so a huge reserved window costs no
	 * tables.
	 */
	err = pgtable_map(&hv_pt, 0, 0, LOW_4G, PTE_W | PTE_G | nx_bit);
	for (unsigned int i = 0; i < map->count && !err; i++) {
		uint64_t base = ALIGN_DOWN(map->r[i].base, PGT_PAGE_2M);
		uint64_t end = ALIGN_UP(map->r[i].base + map->r[i].size, PGT_PAGE_2M);

		if (map->r[i].type == MEM_RESERVED || end <= LOW_4G)
			continue;
		base = MAX(base, LOW_4G);
		err = pgtable_map(&hv_pt, base, base, end - base, PTE_W | PTE_G | nx_bit);
	}
	/* The image: text RX, rodata R; data and bss keep RW+NX. */
	if (!err)
		err = pgtable_map(&hv_pt, img, img, text_end - img, PTE_G);
	if (!err)
		err = pgtable_map(&hv_pt, text_end, text_end, ro_end - text_end, PTE_G | nx_bit);
	/* Page 0 unmapped: NULL dereferences fault instead of reading the IVT. */
	if (!err)
		err = pgtable_unmap(&hv_pt, 0, PAGE_SIZE);
	if (err)
		return err;

	paging_load_cpu();
	return 0;
}

void *paging_map_mmio(uint64_t pa, uint64_t size)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t end = ALIGN_UP(pa + size, PAGE_SIZE);
	uint64_t flags;
	int err;

	flags = spin_lock_irqsave(&pt_lock);
	err = pgtable_map(&hv_pt, base, base, end - base, MMIO_FLAGS | nx_bit);
	spin_unlock_irqrestore(&pt_lock, flags);
	if (err)
		return NULL;
	for (uint64_t va = base; va < end; va += PAGE_SIZE)
		invlpg(va);
	return phys_to_virt(pa);
}

int paging_set_exec(uint64_t pa, uint64_t size, bool exec)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t end = ALIGN_UP(pa + size, PAGE_SIZE);
	uint64_t flags;
	int err;

	flags = spin_lock_irqsave(&pt_lock);
	err = pgtable_map(&hv_pt, base, base, end - base, PTE_W | PTE_G | (exec ? 0 : nx_bit));
	spin_unlock_irqrestore(&pt_lock, flags);
	for (uint64_t va = base; va < end; va += PAGE_SIZE)
		invlpg(va);
	return err;
}
