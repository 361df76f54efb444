/* SPDX-License-Identifier: MIT */
#include "vdev/pvpanic.h"

#define BYTE_BITS 8
#define BYTE_MASK 0xFFu

void pvpanic_init(struct pvpanic *d)
{
	d->panicked = 0;
	d->crash_loaded = 0;
}

uint32_t pvpanic_io_read(const struct pvpanic *d, unsigned int size)
{
	uint32_t ones = size >= sizeof(uint32_t) ? UINT32_MAX : (1u << (size * BYTE_BITS)) - 1;

	(void)d;
	return (ones & ~BYTE_MASK) | PVPANIC_FEATURES;
}

enum pvpanic_action pvpanic_io_write(struct pvpanic *d, uint32_t val)
{
	uint32_t bits = val & BYTE_MASK & PVPANIC_FEATURES;

	if (bits & PVPANIC_PANICKED) {
		d->panicked++;
		return PVPANIC_CRASHED;
	}
	if (bits & PVPANIC_CRASH_LOADED) {
		d->crash_loaded++;
		return PVPANIC_RECORD;
	}
	return PVPANIC_IGNORE;
}
