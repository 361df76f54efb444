// SPDX-License-Identifier: MIT
/*
 * probe: proves a partition cannot reach guest-physical memory beyond its
 * RAM. The loader's identity map covers [0, 4 GiB) whatever the RAM size,
 * so the guest's own page tables allow every access; only nested paging
 * stands in the way. Reads there must see a floating bus (all ones),
 * writes must vanish (reading back still gives all ones, and the victim
 * partition's pattern stays intact), and executing there must stop this
 * partition ("instruction fetch outside its memory").
 */
#include "rt.h"

/* Identity-mapped by the loader: the guest can address these without #PF. */
#define MAPPED_END GiB(4)
#define ALL_ONES 0xFFFFFFFFFFFFFFFFull
/* Not a device of the virtual platform (those sit at 0xB0000000 and above 0xFE000000). */
#define FAR_TARGETS {GiB(1), GiB(2), 0xA0000000ull}

static bool probe(uint64_t addr)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
	uint64_t before, after;

	gprintf("probe: reading beyond RAM at %#lx\n", addr);
	before = *p;
	*p = 0x1234567812345678ull;
	after = *p;
	if (before != ALL_ONES || after != ALL_ONES) {
		GUEST_FAIL("probe-unbacked", "at %#lx read %#lx, after a write %#lx", addr, before,
			   after);
		return false;
	}
	return true;
}

void guest_main(void)
{
	struct bh_partition_info info;
	const uint64_t targets[] = FAR_TARGETS;
	bool ok = true;

	guest_info(&info);
	gprintf("probe: %s has %lu MiB of RAM\n", info.name,
		(unsigned long)(info.memory_bytes >> 20));
	if (info.memory_bytes >= GiB(1)) {
		GUEST_FAIL("probe", "RAM reaches the probe targets: nothing to probe");
		bh_poweroff();
	}
	ok &= probe(info.memory_bytes);
	for (unsigned int i = 0; i < ARRAY_SIZE(targets); i++)
		ok &= probe(targets[i]);
	if (ok)
		GUEST_PASS("probe-unbacked-all-ones");

	gprintf("probe: executing beyond RAM at %#lx\n", GiB(1));
	((void (*)(void))(uintptr_t)GiB(1))();
	gprintf("GUEST-FAIL: probe survived executing beyond RAM\n");
	guest_done();
}
