/* SPDX-License-Identifier: MIT */
#include "core/linux.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#ifndef HOST_TEST
#include "arch/x86/desc.h"
#include "core/gmem.h"
#include "core/guestboot.h"
#include "core/partition.h"
#include "core/vcpu.h"
#endif

/* Setup header fields: offsets in the bzImage and in boot_params (boot.rst). */
#define HDR_START 0x1F1
#define HDR_SETUP_SECTS 0x1F1
#define HDR_BOOT_FLAG 0x1FE
#define HDR_JUMP 0x200
#define HDR_JUMP_LEN 0x201		/* the header ends at 0x202 + this byte */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21C
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_END_MIN 0x264
#define BOOT_FLAG_VALUE 0xAA55
#define HDRS_MAGIC 0x53726448u		/* "HdrS" */
#define SECTOR 512
#define DEFAULT_SETUP_SECTS 4
#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define LOADER_UNDEFINED 0xFF
#define ENTRY_64_OFFSET 0x200
#define LOW_1M 0x100000ull
#define PAGE 0x1000ull
/* boot_params (arch/x86/include/uapi/asm/bootparam.h) */
#define BP_SIZE 0x1000
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES 0x1E8
#define BP_E820_TABLE 0x2D0
#define E820_MAX 128
#define E820_RAM 1
#define E820_RESERVED 2

#define FAIL(code, ...)                                                                            \
	do {                                                                                       \
		fmt_snprintf(err, errlen, __VA_ARGS__);                                            \
		return code;                                                                       \
	} while (0)

int linux_parse(const void *img, uint64_t size, struct linux_image *out, char *err,
		size_t errlen)
{
	const uint8_t *b = img;
	unsigned int sects;
	uint64_t setup;

	memset(out, 0, sizeof(*out));
	if (size < HDR_END_MIN)
		FAIL(-EINVAL, "not a bzImage: only %llu bytes", (unsigned long long)size);
	if (get_le16(b, HDR_BOOT_FLAG) != BOOT_FLAG_VALUE || get_le32(b, HDR_MAGIC) != HDRS_MAGIC)
		FAIL(-EINVAL, "not a bzImage: no boot flag and \"HdrS\" setup header");
	out->version = get_le16(b, HDR_VERSION);
	if (out->version < LINUX_MIN_PROTOCOL)
		FAIL(-EINVAL, "boot protocol %u.%02u is older than 2.12", out->version >> 8,
		     out->version & 0xFF);
	if (!(b[HDR_LOADFLAGS] & LOADED_HIGH))
		FAIL(-EINVAL, "a zImage (loaded low) is not supported");
	if (!(get_le16(b, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		FAIL(-EINVAL, "the kernel has no 64-bit entry point (XLF_KERNEL_64)");
	sects = b[HDR_SETUP_SECTS] ? b[HDR_SETUP_SECTS] : DEFAULT_SETUP_SECTS;
	setup = (uint64_t)(sects + 1) * SECTOR;
	if (setup >= size)
		FAIL(-EINVAL, "the setup code (%u sectors) is larger than the file", sects);
	out->kernel_offset = setup;
	out->kernel_size = size - setup;
	out->hdr_len = HDR_MAGIC - HDR_START + b[HDR_JUMP_LEN];
	if (HDR_START + out->hdr_len > setup)
		FAIL(-EINVAL, "the setup header runs past the setup code");
	out->pref_address = get_le64(b, HDR_PREF_ADDRESS);
	out->init_size = get_le32(b, HDR_INIT_SIZE);
	out->alignment = get_le32(b, HDR_KERNEL_ALIGNMENT);
	out->relocatable = b[HDR_RELOCATABLE];
	out->cmdline_size = get_le32(b, HDR_CMDLINE_SIZE);
	out->initrd_addr_max = get_le32(b, HDR_INITRD_ADDR_MAX);
	if (out->init_size < out->kernel_size)
		out->init_size = (uint32_t)MIN(out->kernel_size, (uint64_t)UINT32_MAX);
	if (out->alignment == 0 || !IS_POW2(out->alignment))
		FAIL(-EINVAL, "bad kernel_alignment %#x", out->alignment);
	return 0;
}

int linux_plan(const struct linux_image *li, uint64_t ram_end, uint64_t initrd_size,
	       struct linux_layout *out, char *err, size_t errlen)
{
	uint64_t k = li->pref_address, top;

	memset(out, 0, sizeof(*out));
	if (k < LOW_1M || (li->relocatable && k % li->alignment))
		k = ALIGN_UP(LOW_1M, (uint64_t)li->alignment);
	if (k > ram_end || li->init_size > ram_end - k)
		FAIL(-ENOSPC, "the kernel needs %llu MiB at %#llx but RAM ends at %llu MiB",
		     (unsigned long long)(li->init_size >> 20), (unsigned long long)k,
		     (unsigned long long)(ram_end >> 20));
	out->kernel = k;
	out->entry = k + ENTRY_64_OFFSET;
	if (initrd_size == 0)
		return 0;
	top = MIN(ram_end, (uint64_t)li->initrd_addr_max + 1);
	if (initrd_size > top)
		FAIL(-ENOSPC, "no room for a %llu MiB initrd", (unsigned long long)(initrd_size >> 20));
	out->initrd = ALIGN_DOWN(top - initrd_size, PAGE);
	if (out->initrd < k + li->init_size)
		FAIL(-ENOSPC, "the %llu MiB initrd does not fit above the kernel below %llu MiB",
		     (unsigned long long)(initrd_size >> 20), (unsigned long long)(top >> 20));
	return 0;
}

#ifndef HOST_TEST

/* __BOOT_CS and __BOOT_DS: the selectors the 64-bit entry requires (boot.rst). */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define GDT_SIZE 4 /* null, null, code, data */

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __packed;

static int add_e820(uint8_t *bp, unsigned int *n, uint64_t addr, uint64_t size, uint32_t type)
{
	struct e820 e = {addr, size, type};

	if (*n >= E820_MAX || size == 0)
		return *n >= E820_MAX ? -ENOSPC : 0;
	memcpy(bp + BP_E820_TABLE + *n * sizeof(e), &e, sizeof(e));
	(*n)++;
	return 0;
}

BUILD_ASSERT(LINUX_PAGE_TABLES + GUESTBOOT_MAP_PAGES * PAGE <= LINUX_GDT);

/* The identity map the 64-bit entry needs, and a GDT with __BOOT_CS and __BOOT_DS. */
static int build_tables(struct partition *p)
{
	uint64_t gdt[GDT_SIZE] = {0, 0, DESC_FLAT_CODE64, DESC_FLAT_DATA};
	int err = guestboot_identity_map(p, LINUX_PAGE_TABLES);

	if (!err)
		err = gmem_write(p, LINUX_GDT, gdt, sizeof(gdt));
	return err;
}

int linux_load(struct partition *p, const void *kernel, uint64_t kernel_size,
	       const void *initrd, uint64_t initrd_size, uint64_t acpi_rsdp, struct vcpu_boot *b,
	       char *err, size_t errlen)
{
	static uint8_t bp[BP_SIZE];
	static spinlock_t bp_lock = SPINLOCK_INIT;
	const uint8_t *k = kernel;
	const char *cmdline = p->cfg.cmdline[0] ? p->cfg.cmdline : "console=ttyS0";
	uint64_t ram_end = p->memory - PARTITION_ACPI_AREA, flags;
	struct linux_image li;
	struct linux_layout lay;
	unsigned int n = 0;
	size_t clen = strlen(cmdline);
	int rc;

	rc = linux_parse(kernel, kernel_size, &li, err, errlen);
	if (!rc)
		rc = linux_plan(&li, ram_end, initrd_size, &lay, err, errlen);
	if (rc)
		return rc;
	if (clen > li.cmdline_size)
		FAIL(-EINVAL, "the command line is %zu bytes; this kernel takes %u", clen,
		     li.cmdline_size);

	rc = gmem_write(p, lay.kernel, k + li.kernel_offset, li.kernel_size);
	if (!rc && initrd_size)
		rc = gmem_write(p, lay.initrd, initrd, initrd_size);
	if (!rc)
		rc = gmem_write(p, LINUX_CMDLINE, cmdline, clen + 1);
	if (!rc)
		rc = build_tables(p);
	if (rc)
		FAIL(-EINVAL, "the kernel does not fit in the partition's memory");

	/* One staging page for every partition: built one at a time. */
	flags = spin_lock_irqsave(&bp_lock);
	memset(bp, 0, sizeof(bp));
	memcpy(bp + HDR_START, k + HDR_START, li.hdr_len);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put_le32(bp, HDR_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE);
	put_le32(bp, HDR_RAMDISK_IMAGE, (uint32_t)lay.initrd);
	put_le32(bp, HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
	memcpy(bp + BP_ACPI_RSDP_ADDR, &acpi_rsdp, sizeof(acpi_rsdp));
	/* The E820 map: RAM, the legacy hole, the ACPI tables, the ECAM window. */
	rc = add_e820(bp, &n, 0, LINUX_LOW_END, E820_RAM);
	rc |= add_e820(bp, &n, LINUX_LOW_END, LOW_1M - LINUX_LOW_END, E820_RESERVED);
	rc |= add_e820(bp, &n, LOW_1M, ram_end - LOW_1M, E820_RAM);
	rc |= add_e820(bp, &n, ram_end, PARTITION_ACPI_AREA, E820_RESERVED);
	rc |= add_e820(bp, &n, PARTITION_ECAM_BASE, PARTITION_ECAM_SIZE, E820_RESERVED);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	if (!rc)
		rc = gmem_write(p, LINUX_ZERO_PAGE, bp, sizeof(bp));
	spin_unlock_irqrestore(&bp_lock, flags);
	if (rc)
		FAIL(-EINVAL, "cannot write boot_params");

	memset(b, 0, sizeof(*b));
	b->rip = lay.entry;
	b->cr3 = LINUX_PAGE_TABLES;
	b->rsi = LINUX_ZERO_PAGE;
	b->gdt_base = LINUX_GDT;
	b->gdt_limit = GDT_SIZE * sizeof(uint64_t) - 1;
	b->cs = BOOT_CS;
	b->ds = BOOT_DS;
	return 0;
}
#endif
