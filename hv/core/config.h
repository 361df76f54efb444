/* SPDX-License-Identifier: MIT */
/*
 * The partition configuration file: INI-style text, one [partition NAME]
 * section per partition, loaded as a boot module. The parser is pure
 * logic (host unit tests and a libFuzzer target run it); it checks every
 * value against the machine it is given in struct cfg_limits and reports
 * each problem with the file name and line. docs/configuration.md is the
 * user's description of the format.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include "lib/compiler.h"

#define CFG_MAX_PARTITIONS 16
#define CFG_MAX_VCPUS 64
#define CFG_NAME_MAX 32		/* partition names, including the NUL */
#define CFG_MODNAME_MAX 64	/* boot module names, including the NUL */
#define CFG_CMDLINE_MAX 512	/* cmdline values, including the NUL */
#define CFG_MAX_ERRORS 32
#define CFG_ERROR_LEN 192
#define CFG_LINE_MAX 1024	/* longer lines are an error */
#define CFG_MIN_MEMORY (2ull << 20)	/* 2 MiB */

enum cfg_policy {
	CFG_POLICY_STOP = 0,
	CFG_POLICY_RESTART = 1,
};

struct cfg_partition {
	char name[CFG_NAME_MAX];
	unsigned int line;		/* line of the [partition NAME] header */
	uint64_t memory;		/* bytes, a multiple of 2 MiB */
	unsigned int vcpus;
	uint32_t cpus[CFG_MAX_VCPUS];	/* physical CPU of each vCPU (pinned) */
	char image[CFG_MODNAME_MAX];	/* test-guest ELF module, or "" */
	char kernel[CFG_MODNAME_MAX];	/* Linux bzImage module (later issue), or "" */
	char initrd[CFG_MODNAME_MAX];	/* initrd module, or "" */
	char cmdline[CFG_CMDLINE_MAX];
	enum cfg_policy on_crash;
	enum cfg_policy on_poweroff;
	enum cfg_policy on_reboot;
	bool testdev;			/* the MMIO test device (tests only) */
};

struct cfg_limits {
	unsigned int ncpus;		/* physical CPUs online: valid ids 0..ncpus-1 */
	uint64_t memory_available;	/* bytes the partitions may take in total */
	/* True if a boot module of that name exists (NULL: every name exists). */
	bool (*module_exists)(void *ctx, const char *name);
	void *ctx;
};

struct cfg_error {
	unsigned int line;		/* 0: not tied to a line */
	char msg[CFG_ERROR_LEN];	/* "FILE:LINE: problem" */
};

struct config {
	unsigned int npartitions;	/* valid partitions, in file order */
	struct cfg_partition part[CFG_MAX_PARTITIONS];
	unsigned int nerrors;
	struct cfg_error errors[CFG_MAX_ERRORS];
	unsigned int errors_dropped;	/* errors beyond CFG_MAX_ERRORS */
	unsigned int partitions_rejected;	/* sections dropped because of errors */
};

/*
 * Parse text (len bytes, need not be NUL-terminated, may contain anything)
 * named filename in messages. Every partition section with no error is
 * kept in out->part; a section with any error is dropped whole and its
 * errors are listed. Returns 0 if there was no error at all, else -EINVAL
 * (out is still filled with the valid partitions and the errors).
 */
int config_parse(const char *text, size_t len, const char *filename,
		 const struct cfg_limits *lim, struct config *out);

/* "stop" or "restart". */
const char *config_policy_name(enum cfg_policy p);

#endif
