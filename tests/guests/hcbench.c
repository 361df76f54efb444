// SPDX-License-Identifier: MIT
/*
 * hcbench: the round-trip cost of a hypercall (BH_HC_VERSION does no work,
 * so this is the exit, dispatch and re-entry path). Each call is timed on
 * its own, fenced with LFENCE so RDTSC cannot drift into the call; the
 * median resists the odd host interrupt or TCG hiccup. Prints BENCH lines
 * for tools/ to collect and powers off.
 */
#include "rt.h"

#define WARMUP	10
#define SAMPLES 1001

static uint64_t samples[SAMPLES];

static void sort(uint64_t *a, unsigned int n)
{
	/* Insertion sort: 10^6 steps at worst, and no code to get wrong. */
	for (unsigned int i = 1; i < n; i++) {
		uint64_t v = a[i];
		unsigned int j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

void guest_main(void)
{
	long bad = 0;

	for (unsigned int i = 0; i < WARMUP; i++)
		bh_version();
	for (unsigned int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = rdtsc_ordered();
		long r = bh_version();
		uint64_t t1 = rdtsc_ordered();

		samples[i] = t1 - t0;
		if (r != BH_ABI_VERSION)
			bad = r;
	}
	if (bad)
		GUEST_FAIL("hcbench-version", "BH_HC_VERSION returned %ld", bad);
	sort(samples, SAMPLES);
	gprintf("BENCH hypercall_roundtrip_cycles %lu cycles\n", samples[SAMPLES / 2]);
	gprintf("BENCH hypercall_roundtrip_min %lu cycles\n", samples[0]);
	gprintf("BENCH hypercall_roundtrip_max %lu cycles\n", samples[SAMPLES - 1]);
	bh_poweroff();
}
