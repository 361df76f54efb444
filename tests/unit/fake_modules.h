/* SPDX-License-Identifier: MIT */
/*
 * The boot modules the configuration parser's unit tests and fuzz target
 * pretend to have (struct cfg_limits.module_exists).
 */
#ifndef TESTS_UNIT_FAKE_MODULES_H
#define TESTS_UNIT_FAKE_MODULES_H

#include <stdbool.h>
#include <string.h>

static inline bool fake_module_exists(void *ctx, const char *name)
{
	static const char *const names[] = {"hello.elf", "ticker.elf", "crash.elf", "vmlinuz",
					    "initrd.img"};

	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name) == 0)
			return true;
	}
	return false;
}

#endif
