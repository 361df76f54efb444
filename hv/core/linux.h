/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst, protocol
 * 2.12 and later): a bzImage's setup header is checked, the protected-mode
 * kernel is placed where the header allows, boot_params (the "zero page")
 * gets the E820 map, command line, initrd and ACPI RSDP, and the boot vCPU
 * enters at the 64-bit entry point. The parsing and placement are pure
 * logic, host-tested; linux_load() writes the guest's memory.
 */
#ifndef CORE_LINUX_H
#define CORE_LINUX_H

#include "lib/compiler.h"

#define LINUX_MIN_PROTOCOL 0x020C	/* 2.12: xloadflags and the 64-bit entry */

/* Fixed guest-physical places of what the loader builds (below 1 MiB). */
#define LINUX_ZERO_PAGE 0x10000ull
#define LINUX_CMDLINE 0x20000ull
#define LINUX_PAGE_TABLES 0x30000ull	/* PML4, PDPT, 4 PDs: identity map of 4 GiB */
#define LINUX_GDT 0x36000ull
#define LINUX_LOW_END 0x9F000ull	/* usable low memory ends here (EBDA below 640K) */

struct linux_image {
	uint16_t version;
	uint64_t kernel_offset;		/* protected-mode kernel in the file */
	uint64_t kernel_size;
	uint64_t pref_address;
	uint32_t init_size;		/* memory the kernel needs from its load address */
	uint32_t alignment;
	bool relocatable;
	uint32_t cmdline_size;		/* longest command line, without the NUL */
	uint32_t initrd_addr_max;
	unsigned int hdr_len;		/* bytes of setup header from 0x1F1 */
};

struct linux_layout {
	uint64_t kernel;		/* load address of the protected-mode kernel */
	uint64_t entry;			/* the 64-bit entry point: kernel + 0x200 */
	uint64_t initrd;		/* 0 if none */
};

/* Check a bzImage. 0, or -EINVAL with a reason (not a bzImage, too old, no 64-bit entry). */
int linux_parse(const void *img, uint64_t size, struct linux_image *out, char *err,
		size_t errlen);

/*
 * Place the kernel (at pref_address if it fits, else the lowest aligned
 * address above 1 MiB) and the initrd (as high as initrd_addr_max and
 * ram_end allow, above the kernel) in usable RAM [1 MiB, ram_end).
 * 0, or -ENOSPC with a reason.
 */
int linux_plan(const struct linux_image *li, uint64_t ram_end, uint64_t initrd_size,
	       struct linux_layout *out, char *err, size_t errlen);

struct partition;
struct vcpu_boot;

/*
 * Load kernel (and initrd, if initrd_size) into the partition's zeroed RAM,
 * build boot_params, the identity map and the GDT, and fill *b for vCPU 0.
 * acpi_rsdp is the guest-physical RSDP (0: none). 0 or -errno with err.
 */
int linux_load(struct partition *p, const void *kernel, uint64_t kernel_size,
	       const void *initrd, uint64_t initrd_size, uint64_t acpi_rsdp, struct vcpu_boot *b,
	       char *err, size_t errlen);

#endif
