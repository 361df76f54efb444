// SPDX-License-Identifier: MIT
/*
 * memcheck: proves the memory a partition is told it has (memory_bytes) is
 * all there and all its own. It writes an address- and partition-derived
 * pattern into the first 8 bytes of every 4 KiB page from the end of the
 * image to the end of RAM, then reads every page back. Running several
 * partitions at once with this guest shows that none sees another's writes
 * (each pattern includes the partition id) and that no page is missing.
 * Then it halts: with interrupts off the hypervisor parks the vCPU.
 */
#include "rt.h"

#define PAGE 4096ull

static uint64_t pattern(uint64_t addr, uint32_t id)
{
	/* Differs per page and per partition; never zero (scrubbed memory). */
	return (addr * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)id << 56) ^ 0xa5a5a5a5a5a5a5a5ull;
}

/* Write every page's pattern, then read them all back; prints one line. */
static void check_pages(uint64_t base, uint64_t end, uint32_t id)
{
	uint64_t bad = 0, first_bad = 0, pages = 0;
	volatile uint8_t *last = (volatile uint8_t *)(uintptr_t)(end - 1);

	for (uint64_t a = base; a < end; a += PAGE) {
		*(volatile uint64_t *)(uintptr_t)a = pattern(a, id);
		pages++;
	}
	for (uint64_t a = base; a < end; a += PAGE) {
		if (*(volatile uint64_t *)(uintptr_t)a != pattern(a, id) && !bad++)
			first_bad = a;
	}
	if (bad)
		GUEST_FAIL("memcheck-pattern", "%lu of %lu pages differ, first at %#lx", bad, pages,
			   first_bad);
	else
		GUEST_PASS("memcheck-pattern");

	/* The very last byte of the RAM we were told about is usable too. */
	*last = 0x5a;
	GUEST_CHECK("memcheck-last-byte", *last == 0x5a);
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint64_t base = guest_free_base();

	guest_info(&info);
	/* The configuration only allows multiples of 2 MiB. */
	GUEST_CHECK("memcheck-size",
		    IS_ALIGNED(info.memory_bytes, MiB(2)) && info.memory_bytes > base);
	if (info.memory_bytes > base)
		check_pages(base, info.memory_bytes, info.partition_id);
	gprintf("memcheck: %s sees %lu MiB\n", info.name, (unsigned long)(info.memory_bytes >> 20));
	guest_done();
	halt_forever();
}
