/* SPDX-License-Identifier: MIT */
/*
 * An interrupt line for device-model tests (vdev/irq.h's struct irq_sink):
 * records the level, the line number, how often it was driven and how
 * many rising edges it saw.
 */
#ifndef TESTS_UNIT_IRQ_REC_H
#define TESTS_UNIT_IRQ_REC_H

#include <stdbool.h>

struct irq_rec {
	bool level;
	int rises;
	int calls;
	unsigned int line;
};

static inline void irq_rec_set(void *ctx, unsigned int line, bool level)
{
	struct irq_rec *r = ctx;

	if (level && !r->level)
		r->rises++;
	r->level = level;
	r->line = line;
	r->calls++;
}

#endif
