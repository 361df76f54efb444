/* SPDX-License-Identifier: MIT */
/*
 * The test-guest loader: an ELF64 image entered in 64-bit long mode with
 * paging on. The loader owns guest-physical [0, GUESTBOOT_RESERVED_END):
 * it builds page tables there that identity-map guest-physical
 * [0, 4 GiB) with 2 MiB pages, so a guest can also reach (and be stopped
 * for touching) addresses beyond its RAM. docs/configuration.md and
 * tests/guests/rt/rt.h describe the entry state.
 */
#ifndef CORE_GUESTBOOT_H
#define CORE_GUESTBOOT_H

#include "lib/compiler.h"

#define GUESTBOOT_PML4 0x1000ull
#define GUESTBOOT_RESERVED_END 0x8000ull
#define GUESTBOOT_MAP_SIZE GiB(4)

struct partition;
struct vcpu_boot;

/* Pages the identity map takes: PML4, PDPT and one page directory per GiB. */
#define GUESTBOOT_MAP_PAGES (2 + GUESTBOOT_MAP_SIZE / GiB(1))

/*
 * Write page tables at guest-physical pml4 (GUESTBOOT_MAP_PAGES pages from
 * there: PML4, PDPT, then the page directories) that identity-map
 * guest-physical [0, GUESTBOOT_MAP_SIZE) with 2 MiB pages. Used by the
 * test-guest loader and the Linux loader. 0, or -EFAULT if outside RAM.
 */
int guestboot_identity_map(struct partition *p, uint64_t pml4);

/*
 * Copy the partition's image into its (zeroed) memory, build the page
 * tables and fill *b for vCPU 0. 0, or -EINVAL with a reason in err.
 */
int guestboot_load(struct partition *p, struct vcpu_boot *b, char *err, size_t errlen);

#endif
