// SPDX-License-Identifier: MIT
/*
 * probe: proves a partition cannot read guest-physical memory beyond its
 * RAM. The loader's identity map covers [0, 4 GiB) whatever the RAM size,
 * so the guest's own page tables allow the access; only nested paging can
 * stop it, and the very first read (at the end of RAM) must stop the
 * partition. Every line after the first "reading beyond RAM" is a failure.
 */
#include "rt.h"

/* Identity-mapped by the loader: the guest can address these without #PF. */
#define MAPPED_END GiB(4)

static void probe(uint64_t addr)
{
	uint64_t v;

	gprintf("probe: reading beyond RAM at %#lx\n", addr);
	v = *(volatile uint64_t *)(uintptr_t)addr;
	GUEST_FAIL("probe", "read beyond RAM returned %#lx at %#lx", v, addr);
}

void guest_main(void)
{
	struct bh_partition_info info;
	const uint64_t targets[] = {GiB(2), GiB(3), MAPPED_END - 8};

	guest_info(&info);
	gprintf("probe: %s has %lu MiB of RAM\n", info.name,
		(unsigned long)(info.memory_bytes >> 20));
	if (info.memory_bytes >= MAPPED_END) {
		GUEST_FAIL("probe", "RAM covers all of the identity map: nothing to probe");
		bh_poweroff();
	}
	probe(info.memory_bytes);
	for (unsigned int i = 0; i < ARRAY_SIZE(targets); i++) {
		if (targets[i] > info.memory_bytes)
			probe(targets[i]);
	}
	gprintf("GUEST-FAIL: probe survived\n");
	guest_done();
}
