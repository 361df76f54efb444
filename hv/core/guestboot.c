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
#define GUESTBOOT_PDPT (GUESTBOOT_PML4 + PT_SIZE)
#define GUESTBOOT_PD (GUESTBOOT_PDPT + PT_SIZE)
#define GUESTBOOT_NPD (GUESTBOOT_MAP_SIZE / GiB(1))
BUILD_ASSERT(GUESTBOOT_PD + GUESTBOOT_NPD * PT_SIZE <= GUESTBOOT_RESERVED_END);

static int build_page_tables(struct partition *p)
{
	uint64_t e;
	int err;

	e = GUESTBOOT_PDPT | PTE_P | PTE_W;
	err = gmem_write(p, GUESTBOOT_PML4, &e, sizeof(e));
	for (uint64_t i = 0; i < GUESTBOOT_NPD && !err; i++) {
		e = (GUESTBOOT_PD + i * PT_SIZE) | PTE_P | PTE_W;
		err = gmem_write(p, GUESTBOOT_PDPT + i * sizeof(e), &e, sizeof(e));
	}
	for (uint64_t i = 0; i < GUESTBOOT_NPD * PT_ENTRIES && !err; i++) {
		e = (i * LARGE_PAGE) | PTE_P | PTE_W | PTE_PS;
		err = gmem_write(p, GUESTBOOT_PD + i * sizeof(e), &e, sizeof(e));
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
	if (build_page_tables(p)) {
		fmt_snprintf(err, errlen, "no room for the loader's page tables");
		return -EINVAL;
	}
	b->rip = img.entry;
	b->rsp = 0;
	b->cr3 = GUESTBOOT_PML4;
	b->arg = 0;
	return 0;
}
