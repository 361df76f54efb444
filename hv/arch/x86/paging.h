/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own address space. Physical memory is identity-mapped
 * (virtual = physical): all of the first 4 GiB, and every range of the
 * memory map above 4 GiB that is not plain "reserved":
 * RAM write-back and never executable, except the image's text (read and
 * execute) and rodata (read only). Page 0 is left unmapped so a NULL
 * dereference faults. Device registers are mapped uncached on request.
 */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "lib/compiler.h"

struct memmap;

/*
 * Build the tables from the sanitized memory map and switch to them.
 * Table frames come from the frame allocator (below 4 GiB, so application
 * processors can load CR3 while still in 32-bit mode). 0 or -ENOMEM.
 */
int paging_init(const struct memmap *map);

/* Load the hypervisor's tables and paging features on this CPU. */
void paging_load_cpu(void);

/* Physical address of the PML4, for the AP trampoline. */
uint64_t paging_root(void);

/*
 * Map [pa, pa + size) uncached (device registers) and return its virtual
 * address, or NULL if the tables cannot be extended.
 */
void *paging_map_mmio(uint64_t pa, uint64_t size);

/* Make [pa, pa + size) executable (true) or not (false). 0 or -errno. */
int paging_set_exec(uint64_t pa, uint64_t size, bool exec);

/* Whether the CPU has 1 GiB pages (CPUID Fn8000_0001 EDX[26]). */
bool paging_has_1g(void);

/* Whether the CPU supports no-execute (EFER.NXE is then set). */
bool paging_has_nx(void);

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

#endif
