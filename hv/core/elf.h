/* SPDX-License-Identifier: MIT */
/*
 * ELF64 executables for test guests: validation and the list of segments
 * to load (System V ABI, "ELF-64 Object File Format" 1.5). Pure logic,
 * host-tested: every header field is untrusted input.
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include "lib/compiler.h"

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	uint64_t gpa;		/* p_paddr: where it goes in guest-physical memory */
	uint64_t offset;	/* in the file */
	uint64_t filesz;
	uint64_t memsz;		/* memsz - filesz bytes are zeroed */
	bool exec;
};

struct elf_image {
	uint64_t entry;
	unsigned int nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Check that data (size bytes) is an ELF64 little-endian x86-64 executable
 * whose loadable segments all lie in guest-physical [lo, hi), do not
 * overlap one another, and whose entry point is in an executable segment.
 * Returns 0, or -EINVAL with a one-line reason in err.
 */
int elf_parse(const void *data, uint64_t size, uint64_t lo, uint64_t hi, struct elf_image *out,
	      char *err, size_t errlen);

#endif
