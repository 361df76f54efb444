/* SPDX-License-Identifier: MIT */
/*
 * How a virtual device drives an interrupt line. Devices are pure state
 * machines: they never call the hypervisor directly, they call the sink
 * they were given, so host unit tests can watch the lines.
 */
#ifndef VDEV_IRQ_H
#define VDEV_IRQ_H

#include "lib/compiler.h"

struct irq_sink {
	/* Set line (the device's own numbering) to level: true = asserted. */
	void (*set)(void *ctx, unsigned int line, bool level);
	void *ctx;
};

static inline void irq_sink_set(const struct irq_sink *s, unsigned int line, bool level)
{
	if (s && s->set)
		s->set(s->ctx, line, level);
}

#endif
