// SPDX-License-Identifier: MIT
/*
 * victim: the witness for isolation tests. It fills 16 MiB of its RAM with
 * a known pattern and re-verifies all of it every ~50M TSC cycles, forever.
 * While another partition misbehaves (probes beyond its RAM, resets the
 * machine through I/O ports, triple faults, fuzzes hypercalls), this one
 * must keep printing "victim: pattern intact (round K)": nothing another
 * partition does may change a byte of its memory or stop it.
 */
#include "rt.h"

#define BUF_SIZE     MiB(16)
#define PAGE	     4096ull
#define ROUND_CYCLES 50000000ull

/* Each qword: 0x5A5A0000 + page index, and its index in the page above. */
static uint64_t pattern(uint64_t off)
{
	return (0x5a5a0000ull + off / PAGE) | ((off % PAGE) / 8) << 32;
}

void guest_main(void)
{
	struct bh_partition_info info;
	/* At a 2 MiB boundary above the image: well clear of code and stack. */
	uint64_t base = ALIGN_UP(guest_free_base(), MiB(2));
	volatile uint64_t *buf = (volatile uint64_t *)(uintptr_t)base;

	guest_info(&info);
	if (info.memory_bytes < base + BUF_SIZE) {
		GUEST_FAIL("victim-memory", "needs %lu MiB of RAM, has %lu MiB",
			   (unsigned long)((base + BUF_SIZE) >> 20),
			   (unsigned long)(info.memory_bytes >> 20));
		bh_poweroff();
	}
	for (uint64_t off = 0; off < BUF_SIZE; off += 8)
		buf[off / 8] = pattern(off);
	gprintf("victim: %s wrote %lu MiB at %#lx\n", info.name, (unsigned long)(BUF_SIZE >> 20),
		base);

	for (uint64_t round = 1;; round++) {
		uint64_t off;

		delay_cycles(ROUND_CYCLES);
		for (off = 0; off < BUF_SIZE; off += 8) {
			if (buf[off / 8] != pattern(off))
				break;
		}
		if (off < BUF_SIZE)
			gprintf("GUEST-FAIL: victim: pattern changed at offset %#lx (round %lu): "
				"%#lx, expected %#lx\n",
				off, round, buf[off / 8], pattern(off));
		else
			gprintf("victim: pattern intact (round %lu)\n", round);
		bh_yield();
	}
}
