/* SPDX-License-Identifier: MIT */
/*
 * The ACPI PM timer (ACPI 6.5, 4.8.3.3). The count is derived from guest
 * time on every read (see vpmtimer.h), so two reads at the same now_ns agree
 * and the rate is exact to the nanosecond over any span.
 */
#include "vdev/vpmtimer.h"

/* The counter is 32 bits wide: ticks since start, modulo 2^32. */
#define PMTMR_MSB_TICKS (1ull << (VPMTIMER_BITS - 1))

static uint64_t pmtmr_ticks(const struct vpmtimer *t, uint64_t now_ns)
{
	/* A caller with a clock behind our start sees the counter at 0. */
	if (now_ns < t->start_ns)
		return 0;
	return vtime_ns_to_ticks(now_ns - t->start_ns, VPMTIMER_HZ);
}

void vpmtimer_init(struct vpmtimer *t, uint64_t now_ns)
{
	t->start_ns = now_ns;
}

uint32_t vpmtimer_read(const struct vpmtimer *t, uint64_t now_ns)
{
	return (uint32_t)pmtmr_ticks(t, now_ns);
}

uint32_t vpmtimer_io_read(const struct vpmtimer *t, unsigned int offset, unsigned int size,
			  uint64_t now_ns)
{
	uint32_t val = vpmtimer_read(t, now_ns), out = 0;
	unsigned int i;

	/* Assemble byte by byte: a partial read is whatever those bytes hold. */
	for (i = 0; i < size && i < 4; i++) {
		unsigned int at = offset + i;
		uint32_t byte = at < VPMTIMER_IO_LEN ? (val >> (8 * at)) & 0xFF : 0xFF;

		out |= byte << (8 * i);
	}
	return out;
}

uint64_t vpmtimer_next_msb_toggle(const struct vpmtimer *t, uint64_t now_ns)
{
	uint64_t ticks = pmtmr_ticks(t, now_ns);
	uint64_t next = (ticks / PMTMR_MSB_TICKS + 1) * PMTMR_MSB_TICKS;
	uint64_t ns = vtime_ticks_to_ns(next, VPMTIMER_HZ);

	if (ns == VTIME_NEVER || ns > UINT64_MAX - t->start_ns)
		return VTIME_NEVER;
	return t->start_ns + ns;
}
