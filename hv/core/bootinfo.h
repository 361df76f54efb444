/* SPDX-License-Identifier: MIT */
/*
 * The neutral boot-info structure. Both boot protocols (Multiboot1 from
 * QEMU -kernel, Multiboot2 from GRUB) are translated into it once, at boot,
 * and nothing after that looks at the loader's own structures. Everything
 * is copied, so the loader's memory can be reused. Pure logic, host-tested.
 */
#ifndef CORE_BOOTINFO_H
#define CORE_BOOTINFO_H

#include "core/memmap.h"

#define BOOTINFO_MAX_MODULES 16
#define BOOTINFO_CMDLINE_MAX 1024
#define BOOTINFO_MODNAME_MAX 256
#define BOOTINFO_LOADER_MAX 64
#define BOOTINFO_RSDP_MAX 64

/* Magic values the loader leaves in EAX (Multiboot 0.6.96 3.2, Multiboot2 3.2). */
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB2_BOOTLOADER_MAGIC 0x36D76289u

struct boot_module {
	uint64_t start;		/* physical, inclusive */
	uint64_t end;		/* physical, exclusive */
	char cmdline[BOOTINFO_MODNAME_MAX];	/* the module's string */
};

struct bootinfo {
	unsigned int protocol;	/* 1 or 2 */
	char cmdline[BOOTINFO_CMDLINE_MAX];
	char loader[BOOTINFO_LOADER_MAX];	/* boot loader name, may be empty */
	struct memmap mmap;	/* as reported, not yet sanitized */
	unsigned int nmodules;
	struct boot_module modules[BOOTINFO_MAX_MODULES];
	/* Copy of the RSDP from a Multiboot2 ACPI tag (new tag preferred). */
	unsigned int rsdp_len;	/* 0: none given, search the BIOS areas */
	uint8_t rsdp[BOOTINFO_RSDP_MAX];
};

/*
 * Reads [pa, pa + len) of physical memory; NULL if it cannot be reached.
 * Multiboot1 information is a tree of physical pointers.
 */
typedef const void *(*bootinfo_map_fn)(uint64_t pa, uint64_t len);

/*
 * Translate the loader's information at physical address info_pa into bi.
 * magic is the value the loader left in EAX; it selects the protocol.
 * Returns 0, or a negative code with a one-line reason in err (always
 * NUL-terminated): unknown magic, unreadable or malformed structures, no
 * memory map, too many modules, a command line or name that is too long
 * (these are errors, never silently truncated).
 */
int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info_pa,
		   bootinfo_map_fn map, char *err, size_t errlen);

#endif
