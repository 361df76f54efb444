// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the partition configuration parser (core/config.c).
 * The input is the file's text; the machine is fixed (4 CPUs, 1 GiB, a
 * few boot modules). Besides the sanitizers' checks, the invariants of the
 * result are asserted: every kept partition is complete and consistent,
 * CPUs are not shared, memory adds up, and every message is terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "lib/errno.h"
#include "../unit/fake_modules.h"

#define FUZZ_NCPUS     4
#define FUZZ_MEMORY    (1ull << 30)
#define MEMORY_GRANULE (2ull << 20)

static const struct cfg_limits limits = {
    .ncpus = FUZZ_NCPUS,
    .memory_available = FUZZ_MEMORY,
    .module_exists = fake_module_exists,
};

static struct config cfg;

static void check_partition(const struct cfg_partition *p, uint32_t *cpus_used)
{
	if (!p->name[0] || memchr(p->name, '\0', sizeof(p->name)) == NULL)
		abort();
	if (p->memory < CFG_MIN_MEMORY || p->memory % MEMORY_GRANULE)
		abort();
	if (p->vcpus < 1 || p->vcpus > CFG_MAX_VCPUS)
		abort();
	if (!p->image[0] == !p->kernel[0])
		abort();
	if (p->initrd[0] && !p->kernel[0])
		abort();
	if (memchr(p->cmdline, '\0', sizeof(p->cmdline)) == NULL)
		abort();
	for (unsigned int v = 0; v < p->vcpus; v++) {
		if (p->cpus[v] >= FUZZ_NCPUS || (*cpus_used & (1u << p->cpus[v])))
			abort();
		*cpus_used |= 1u << p->cpus[v];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t memory = 0;
	uint32_t cpus_used = 0;
	int rc = config_parse((const char *)data, size, "fuzz.ini", &limits, &cfg);

	if (rc != (cfg.nerrors ? -EINVAL : 0))
		abort();
	if (cfg.npartitions > CFG_MAX_PARTITIONS || cfg.nerrors > CFG_MAX_ERRORS)
		abort();
	if (cfg.errors_dropped && cfg.nerrors != CFG_MAX_ERRORS)
		abort();
	if (cfg.partitions_rejected && !cfg.nerrors)
		abort();
	for (unsigned int i = 0; i < cfg.nerrors; i++) {
		if (memchr(cfg.errors[i].msg, '\0', CFG_ERROR_LEN) == NULL)
			abort();
		if (i && cfg.errors[i].line < cfg.errors[i - 1].line)
			abort();
	}
	for (unsigned int i = 0; i < cfg.npartitions; i++) {
		check_partition(&cfg.part[i], &cpus_used);
		memory += cfg.part[i].memory;
		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(cfg.part[i].name, cfg.part[j].name) == 0)
				abort();
		}
	}
	if (memory > FUZZ_MEMORY)
		abort();
	return 0;
}
