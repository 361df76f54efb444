// SPDX-License-Identifier: MIT
/*
 * triple: proves a triple fault stops (or, by the partition's policy,
 * restarts) only this partition. With a zero-limit IDT, UD2 raises #UD,
 * delivering it fails (#GP, then #DF), and delivering #DF fails too: a
 * shutdown, which SVM reports as a SHUTDOWN intercept. Memory is scrubbed
 * on restart, so every boot prints "triple: starting" again; the
 * integration test counts them.
 */
#include "rt.h"

#define SETTLE_CYCLES 20000000ull

void guest_main(void)
{
	struct bh_partition_info info;
	struct __packed {
		uint16_t limit;
		uint64_t base;
	} idtr = {0, 0};

	guest_info(&info);
	gprintf("triple: starting (%s)\n", info.name);
	delay_cycles(SETTLE_CYCLES);
	gprintf("triple: about to triple fault\n");
	__asm__ __volatile__("lidt %0\n\tud2" : : "m"(idtr) : "memory");
	GUEST_FAIL("triple", "survived a triple fault");
	guest_done();
}
