/* SPDX-License-Identifier: MIT */
#include "core/elf.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

/* ELF identification and header values (ELF-64 1.5, sections 3 and 4). */
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
} __packed;

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
} __packed;

BUILD_ASSERT(sizeof(struct elf64_ehdr) == 64);
BUILD_ASSERT(sizeof(struct elf64_phdr) == 56);

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fmt_snprintf(err, errlen, __VA_ARGS__);                                            \
		return -EINVAL;                                                                    \
	} while (0)

int elf_parse(const void *data, uint64_t size, uint64_t lo, uint64_t hi, struct elf_image *out,
	      char *err, size_t errlen)
{
	const uint8_t *bytes = data;
	struct elf64_ehdr eh;
	bool entry_ok = false;

	memset(out, 0, sizeof(*out));
	if (size < sizeof(eh))
		FAIL("too small for an ELF header (%llu bytes)", (unsigned long long)size);
	memcpy(&eh, bytes, sizeof(eh));
	if (memcmp(eh.ident, elf_magic, sizeof(elf_magic)) != 0)
		FAIL("not an ELF file");
	if (eh.ident[EI_CLASS] != ELFCLASS64 || eh.ident[EI_DATA] != ELFDATA2LSB ||
	    eh.ident[EI_VERSION] != EV_CURRENT)
		FAIL("not a 64-bit little-endian ELF file");
	if (eh.type != ET_EXEC || eh.machine != EM_X86_64)
		FAIL("not an x86-64 executable (type %u, machine %u)", eh.type, eh.machine);
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0)
		FAIL("bad program header table (entry size %u, %u entries)", eh.phentsize,
		     eh.phnum);
	if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > size - eh.phoff)
		FAIL("program header table runs past the end of the file");

	for (unsigned int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *s;

		memcpy(&ph, bytes + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (out->nsegments == ELF_MAX_SEGMENTS)
			FAIL("more than %u loadable segments", ELF_MAX_SEGMENTS);
		if (ph.filesz > ph.memsz)
			FAIL("segment %u: file size exceeds memory size", i);
		if (ph.offset > size || ph.filesz > size - ph.offset)
			FAIL("segment %u runs past the end of the file", i);
		if (ph.paddr < lo || ph.paddr >= hi || ph.memsz > hi - ph.paddr)
			FAIL("segment %u at [%#llx, +%#llx) is outside guest memory [%#llx, %#llx)",
			     i, (unsigned long long)ph.paddr, (unsigned long long)ph.memsz,
			     (unsigned long long)lo, (unsigned long long)hi);
		for (unsigned int j = 0; j < out->nsegments; j++) {
			const struct elf_segment *o = &out->seg[j];

			if (ph.paddr < o->gpa + o->memsz && o->gpa < ph.paddr + ph.memsz)
				FAIL("segments overlap at %#llx", (unsigned long long)ph.paddr);
		}
		s = &out->seg[out->nsegments++];
		s->gpa = ph.paddr;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->memsz = ph.memsz;
		s->exec = ph.flags & PF_X;
		if (s->exec && eh.entry >= ph.vaddr && eh.entry - ph.vaddr < ph.memsz) {
			/* The guest runs identity-mapped: entry is a physical address too. */
			entry_ok = ph.vaddr == ph.paddr;
		}
	}
	if (out->nsegments == 0)
		FAIL("no loadable segments");
	if (!entry_ok)
		FAIL("entry point %#llx is not in an executable identity-mapped segment",
		     (unsigned long long)eh.entry);
	out->entry = eh.entry;
	return 0;
}
