// SPDX-License-Identifier: MIT
/*
 * hello: proves a partition boots, can ask who it is and prints on its own
 * console; then keeps printing forever, so that when another partition is
 * stopped, crashes or resets the machine, the integration test can see this
 * one carry on ("tick K from NAME" keeps counting).
 */
#include "rt.h"

/* About a few tenths of a second on the machines we test on. */
#define TICK_CYCLES 50000000ull

void guest_main(void)
{
	struct bh_partition_info info;

	guest_info(&info);
	gprintf("hello from partition %s (id %u), vCPU %u of %u, %lu MiB\n", info.name,
		info.partition_id, info.vcpu_id, info.vcpu_count,
		(unsigned long)(info.memory_bytes >> 20));
	for (uint64_t k = 1;; k++) {
		delay_cycles(TICK_CYCLES);
		gprintf("tick %lu from %s\n", k, info.name);
		bh_yield();
	}
}
