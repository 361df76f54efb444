/* SPDX-License-Identifier: MIT */
#include "core/guestboot.h"
#include "arch/x86/regs.h"
#include "core/elf.h"
#include "core/gmem.h"
#include "core/partition.h"
#include "lib/errno.h"
#include "lib/format.h"

#define PT_ENTRIES 512
#define PT_SIZE 0x1000ull
#define LARGE_PAGE MiB(2)
#define NPD (GUESTBOOT_MAP_SIZE / GiB(1))
/* Entries written per gmem_write: a small buffer, not a whole table on the stack. */
#define CHUNK 64
BUILD_ASSERT(NPD <= CHUNK);
BUILD_ASSERT(GUESTBOOT_PML4 + GUESTBOOT_MAP_PAGES * PT_SIZE <= GUESTBOOT_RESERVED_END);

int guestboot_identity_map(struct partition *p, uint64_t pml4)
{
	uint64_t pdpt = pml4 + PT_SIZE, pd = pdpt + PT_SIZE, e[CHUNK];
	int err;

	e[0] = pdpt | PTE_P | PTE_W;
	err = gmem_write(p, pml4, e, sizeof(e[0]));
	for (uint64_t i = 0; i < NPD; i++)
		e[i] = (pd + i * PT_SIZE) | PTE_P | PTE_W;
	if (!err)
		err = gmem_write(p, pdpt, e, NPD * sizeof(e[0]));
	for (uint64_t i = 0; i < NPD * PT_ENTRIES && !err; i += CHUNK) {
		for (uint64_t j = 0; j < CHUNK; j++)
			e[j] = ((i + j) * LARGE_PAGE) | PTE_P | PTE_W | PTE_PS;
		err = gmem_write(p, pd + i * sizeof(e[0]), e, sizeof(e));
	}
	return err;
}

int guestboot_load(struct partition *p, struct vcpu_boot *b, char *err, size_t errlen)
{
	struct elf_image img;
	const uint8_t *data = p->image;
	int rc;

	/* The image stays out of the loader's tables and the ACPI area at the top. */
	rc = elf_parse(p->image, p->image_size, GUESTBOOT_RESERVED_END,
		       p->memory - PARTITION_ACPI_AREA, &img, err, errlen);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < img.nsegments; i++) {
		const struct elf_segment *s = &img.seg[i];

		rc = gmem_write(p, s->gpa, data + s->offset, s->filesz);
		if (!rc)
			rc = gmem_zero(p, s->gpa + s->filesz, s->memsz - s->filesz);
		if (rc) {
			fmt_snprintf(err, errlen, "segment %u does not fit in guest memory", i);
			return -EINVAL;
		}
	}
	if (guestboot_identity_map(p, GUESTBOOT_PML4)) {
		fmt_snprintf(err, errlen, "no room for the loader's page tables");
		return -EINVAL;
	}
	b->rip = img.entry;
	b->rsp = 0;
	b->cr3 = GUESTBOOT_PML4;
	b->arg = 0;
	return 0;
}
