// SPDX-License-Identifier: MIT
/*
 * Translation of the boot loader's information into struct bootinfo.
 *
 * Multiboot1 (Multiboot Specification 0.6.96, section 3.3) hands over a
 * fixed structure full of 32-bit physical pointers; Multiboot2 (Multiboot2
 * Specification 1.0, section 3.6) hands over one block of 8-byte aligned
 * tags. Both are untrusted input as far as this code is concerned: every
 * length is checked before it is used, every pointer is read through the
 * caller's map function, and data is copied out (memcpy, so no alignment
 * assumptions) before it is interpreted. A malformed structure is an error
 * with a one-line reason, never a silent truncation.
 */
#include <stdarg.h>

#include "core/bootinfo.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

/* Multiboot 0.6.96 3.3: the 'flags' bits that say which fields are valid. */
#define MB1_FLAG_MEM	 (1u << 0) /* mem_lower, mem_upper */
#define MB1_FLAG_CMDLINE (1u << 2) /* cmdline */
#define MB1_FLAG_MODS	 (1u << 3) /* mods_count, mods_addr */
#define MB1_FLAG_MMAP	 (1u << 6) /* mmap_length, mmap_addr */
#define MB1_FLAG_LOADER	 (1u << 9) /* boot_loader_name */

/* mem_upper counts from 1 MiB (the start of upper memory). */
#define MB1_UPPER_MEM_BASE MiB(1)

/* The information structure, up to the last field we use. */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4]; /* a.out or ELF symbol information; unused */
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};
ASSERT_OFFSET(struct mb1_info, cmdline, 16);
ASSERT_OFFSET(struct mb1_info, mods_count, 20);
ASSERT_OFFSET(struct mb1_info, mmap_length, 44);
ASSERT_OFFSET(struct mb1_info, mmap_addr, 48);
ASSERT_OFFSET(struct mb1_info, boot_loader_name, 64);

/* One module: [mod_start, mod_end), its string, and a reserved word. */
struct mb1_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};
BUILD_ASSERT(sizeof(struct mb1_module) == 16);

/*
 * A memory map entry. 'size' is the size of the rest of the entry (it does
 * not count itself), so the next entry is at size + 4; it may be larger
 * than the fields below.
 */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} __packed;
BUILD_ASSERT(sizeof(struct mb1_mmap_entry) == 24);
#define MB1_MMAP_SIZE_FIELD sizeof(uint32_t)
#define MB1_MMAP_ENTRY_MIN  (sizeof(struct mb1_mmap_entry) - MB1_MMAP_SIZE_FIELD)

/* No real map is this large; a bigger length is a corrupted structure. */
#define MB1_MMAP_MAX_BYTES KiB(64)

/* Multiboot2 1.0 3.6: tag types. */
#define MB2_TAG_END	 0
#define MB2_TAG_CMDLINE	 1
#define MB2_TAG_LOADER	 2
#define MB2_TAG_MODULE	 3
#define MB2_TAG_MMAP	 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* The information block starts 8-byte aligned, and so does every tag. */
#define MB2_ALIGN 8

/* Fixed part of the information block (total_size, reserved). */
struct mb2_fixed {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size; /* including this header, excluding padding */
};

/* The fixed part and an end tag, the least a valid block can hold. */
#define MB2_INFO_MIN (sizeof(struct mb2_fixed) + sizeof(struct mb2_tag))
/* GRUB's blocks are a few KiB; anything near this is corrupted. */
#define MB2_INFO_MAX MiB(1)

struct mb2_module {
	struct mb2_tag hdr;
	uint32_t mod_start;
	uint32_t mod_end;
	/* followed by the NUL-terminated string */
};

struct mb2_mmap {
	struct mb2_tag hdr;
	uint32_t entry_size;
	uint32_t entry_version;
	/* followed by entries of entry_size bytes */
};

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};
BUILD_ASSERT(sizeof(struct mb2_mmap_entry) == 24);

/* ACPI 6.5 5.2.5.3: RSDP sizes of revision 0 (ACPI 1.0) and 2 and later. */
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* Strings behind MB1 pointers are read in pieces that do not cross this. */
#define STR_CHUNK 64

struct parse_ctx {
	struct bootinfo *bi;
	bootinfo_map_fn map;
	char *err;
	size_t errlen;
};

typedef unsigned long long ull;

static int __printf(3, 4) fail(struct parse_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* Map [pa, pa + len); on failure record why (what = what was wanted). */
static const uint8_t *map_or_fail(struct parse_ctx *c, uint64_t pa, uint64_t len, const char *what)
{
	const uint8_t *p = NULL;

	if (len <= UINT64_MAX - pa)
		p = c->map(pa, len);
	if (!p)
		fail(c, -EFAULT, "cannot read %s at %#llx (%llu bytes)", what, (ull)pa, (ull)len);
	return p;
}

/*
 * Copy the NUL-terminated string at physical address pa into dst[max].
 * The length is unknown, so it is read in small chunks that stay within
 * one STR_CHUNK-aligned block (and so never reach past a mapped page).
 */
static int read_phys_string(struct parse_ctx *c, uint64_t pa, char *dst, size_t max,
			    const char *what)
{
	size_t n = 0;

	while (n < max) {
		uint64_t cur = pa + n;
		size_t chunk = STR_CHUNK - (size_t)(cur % STR_CHUNK);
		const uint8_t *p;

		chunk = MIN(chunk, max - n);
		p = map_or_fail(c, cur, chunk, what);
		if (!p)
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++, n++) {
			dst[n] = (char)p[i];
			if (!p[i])
				return 0;
		}
	}
	dst[max - 1] = '\0';
	return fail(c, -E2BIG, "%s at %#llx is longer than %zu bytes", what, (ull)pa, max - 1);
}

/* Copy a string stored inside a structure of avail bytes into dst[max]. */
static int copy_inline_string(struct parse_ctx *c, const uint8_t *s, size_t avail, char *dst,
			      size_t max, const char *what)
{
	size_t n = strnlen((const char *)s, avail);

	if (n == avail)
		return fail(c, -EBADMSG, "%s is not NUL-terminated within its tag", what);
	if (n >= max)
		return fail(c, -E2BIG, "%s is %zu bytes long, at most %zu are supported", what, n,
			    max - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

static int add_range(struct parse_ctx *c, unsigned int idx, uint64_t base, uint64_t len,
		     uint32_t type)
{
	int rc = memmap_add(&c->bi->mmap, base, len, type);

	if (rc == -ENOSPC)
		return fail(c, rc, "the boot loader's memory map has more than %u entries",
			    MEMMAP_MAX);
	if (rc < 0)
		return fail(c, rc, "memory map entry %u [%#llx +%#llx] wraps past 2^64", idx,
			    (ull)base, (ull)len);
	return 0;
}

/* ---- Multiboot1 (Multiboot 0.6.96 section 3.3) ---- */

static int mb1_modules(struct parse_ctx *c, const struct mb1_info *info)
{
	struct bootinfo *bi = c->bi;
	const uint8_t *p;
	char what[48];

	if (info->mods_count > BOOTINFO_MAX_MODULES)
		return fail(c, -E2BIG, "Multiboot1: %u boot modules, at most %u are supported",
			    info->mods_count, BOOTINFO_MAX_MODULES);
	if (!info->mods_count)
		return 0;
	p = map_or_fail(c, info->mods_addr, (uint64_t)info->mods_count * sizeof(struct mb1_module),
			"the Multiboot1 module list");
	if (!p)
		return -EFAULT;

	for (unsigned int i = 0; i < info->mods_count; i++) {
		struct boot_module *m = &bi->modules[i];
		struct mb1_module mod;
		int rc;

		memcpy(&mod, p + i * sizeof(mod), sizeof(mod));
		if (mod.mod_end < mod.mod_start)
			return fail(c, -EBADMSG,
				    "Multiboot1: module %u ends (%#x) before it starts (%#x)", i,
				    mod.mod_end, mod.mod_start);
		m->start = mod.mod_start;
		m->end = mod.mod_end;
		/* The spec allows 0 for "no string". */
		if (mod.string) {
			fmt_snprintf(what, sizeof(what), "the Multiboot1 string of module %u", i);
			rc = read_phys_string(c, mod.string, m->cmdline, sizeof(m->cmdline), what);
			if (rc < 0)
				return rc;
		}
		bi->nmodules = i + 1;
	}
	return 0;
}

static int mb1_mmap(struct parse_ctx *c, const struct mb1_info *info)
{
	uint32_t len = info->mmap_length;
	const uint8_t *p;
	unsigned int idx = 0;

	if (len == 0)
		return 0;
	if (len > MB1_MMAP_MAX_BYTES)
		return fail(c, -EBADMSG, "Multiboot1: memory map length %u is implausible", len);
	p = map_or_fail(c, info->mmap_addr, len, "the Multiboot1 memory map");
	if (!p)
		return -EFAULT;

	for (uint32_t off = 0; off < len; idx++) {
		struct mb1_mmap_entry e;
		int rc;

		if (len - off < MB1_MMAP_SIZE_FIELD)
			return fail(c, -EBADMSG,
				    "Multiboot1: memory map has %u stray bytes at offset %u",
				    len - off, off);
		memcpy(&e.size, p + off, sizeof(e.size));
		if (e.size < MB1_MMAP_ENTRY_MIN)
			return fail(c, -EBADMSG,
				    "Multiboot1: memory map entry %u has size %u (minimum %zu)",
				    idx, e.size, MB1_MMAP_ENTRY_MIN);
		if (e.size > len - off - MB1_MMAP_SIZE_FIELD)
			return fail(c, -EBADMSG,
				    "Multiboot1: memory map entry %u (size %u at offset %u) runs "
				    "past the map's %u bytes",
				    idx, e.size, off, len);
		memcpy(&e, p + off, sizeof(e));
		rc = add_range(c, idx, e.base_addr, e.length, e.type);
		if (rc < 0)
			return rc;
		off += MB1_MMAP_SIZE_FIELD + e.size;
	}
	return 0;
}

static int parse_mb1(struct parse_ctx *c, uint64_t info_pa)
{
	struct bootinfo *bi = c->bi;
	struct mb1_info info;
	const uint8_t *p;
	int rc;

	bi->protocol = 1;
	p = map_or_fail(c, info_pa, sizeof(info), "the Multiboot1 information structure");
	if (!p)
		return -EFAULT;
	memcpy(&info, p, sizeof(info));

	if (info.flags & MB1_FLAG_CMDLINE) {
		rc = read_phys_string(c, info.cmdline, bi->cmdline, sizeof(bi->cmdline),
				      "the Multiboot1 command line");
		if (rc < 0)
			return rc;
	}
	if (info.flags & MB1_FLAG_LOADER) {
		rc = read_phys_string(c, info.boot_loader_name, bi->loader, sizeof(bi->loader),
				      "the Multiboot1 boot loader name");
		if (rc < 0)
			return rc;
	}
	if (info.flags & MB1_FLAG_MODS) {
		rc = mb1_modules(c, &info);
		if (rc < 0)
			return rc;
	}

	if (info.flags & MB1_FLAG_MMAP) {
		rc = mb1_mmap(c, &info);
		if (rc < 0)
			return rc;
	}
	/*
	 * Without a map (or with an empty one) fall back to the two sizes of
	 * bit 0: conventional memory from 0 and upper memory from 1 MiB.
	 */
	if (!bi->mmap.count && (info.flags & MB1_FLAG_MEM)) {
		rc = add_range(c, 0, 0, KiB(info.mem_lower), MEM_USABLE);
		if (rc < 0)
			return rc;
		rc = add_range(c, 1, MB1_UPPER_MEM_BASE, KiB(info.mem_upper), MEM_USABLE);
		if (rc < 0)
			return rc;
	}
	if (!bi->mmap.count)
		return fail(c, -ENOENT, "no memory map from the boot loader (Multiboot1 flags %#x)",
			    info.flags);
	/* Multiboot1 passes no RSDP: rsdp_len stays 0. */
	return 0;
}

/* ---- Multiboot2 (Multiboot2 1.0 section 3.6) ---- */

struct mb2_state {
	bool have_mmap;
	bool have_new_rsdp;
};

static int mb2_module(struct parse_ctx *c, const uint8_t *tag, uint32_t size)
{
	struct bootinfo *bi = c->bi;
	struct mb2_module mod;
	struct boot_module *m;
	char what[48];
	int rc;

	if (size < sizeof(mod))
		return fail(c, -EBADMSG, "Multiboot2: module tag of %u bytes is too short", size);
	if (bi->nmodules >= BOOTINFO_MAX_MODULES)
		return fail(c, -E2BIG, "Multiboot2: more than %u boot modules",
			    BOOTINFO_MAX_MODULES);
	memcpy(&mod, tag, sizeof(mod));
	if (mod.mod_end < mod.mod_start)
		return fail(c, -EBADMSG, "Multiboot2: module %u ends (%#x) before it starts (%#x)",
			    bi->nmodules, mod.mod_end, mod.mod_start);

	m = &bi->modules[bi->nmodules];
	m->start = mod.mod_start;
	m->end = mod.mod_end;
	fmt_snprintf(what, sizeof(what), "Multiboot2: the string of module %u", bi->nmodules);
	rc = copy_inline_string(c, tag + sizeof(mod), size - sizeof(mod), m->cmdline,
				sizeof(m->cmdline), what);
	if (rc < 0)
		return rc;
	bi->nmodules++;
	return 0;
}

static int mb2_mmap(struct parse_ctx *c, struct mb2_state *st, const uint8_t *tag, uint32_t size)
{
	struct mb2_mmap hdr;
	uint32_t bytes, count;

	if (st->have_mmap)
		return fail(c, -EBADMSG, "Multiboot2: more than one memory map tag");
	st->have_mmap = true;
	if (size < sizeof(hdr))
		return fail(c, -EBADMSG, "Multiboot2: memory map tag of %u bytes is too short",
			    size);
	memcpy(&hdr, tag, sizeof(hdr));
	/* entry_size may grow in later versions, but stays a multiple of 8. */
	if (hdr.entry_size < sizeof(struct mb2_mmap_entry) ||
	    !IS_ALIGNED(hdr.entry_size, MB2_ALIGN))
		return fail(c, -EBADMSG, "Multiboot2: memory map entry_size %u is invalid",
			    hdr.entry_size);
	bytes = size - (uint32_t)sizeof(hdr);
	if (bytes % hdr.entry_size)
		return fail(c, -EBADMSG,
			    "Multiboot2: memory map tag of %u bytes is not whole entries of %u",
			    size, hdr.entry_size);
	count = bytes / hdr.entry_size;

	/* entry_version is 0 today and later versions stay compatible: ignore it. */
	for (uint32_t i = 0; i < count; i++) {
		struct mb2_mmap_entry e;
		int rc;

		memcpy(&e, tag + sizeof(hdr) + (size_t)i * hdr.entry_size, sizeof(e));
		rc = add_range(c, i, e.base_addr, e.length, e.type);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Tags 14 and 15 hold a copy of the RSDP (ACPI 1.0 and 2.0+ layouts). The
 * 2.0 one has the XSDT address, so it wins whatever the tag order.
 */
static int mb2_acpi(struct parse_ctx *c, struct mb2_state *st, const uint8_t *tag, uint32_t size,
		    bool is_new)
{
	struct bootinfo *bi = c->bi;
	uint32_t len = size - (uint32_t)sizeof(struct mb2_tag);
	uint32_t min = is_new ? RSDP_V2_LEN : RSDP_V1_LEN;

	if (len < min)
		return fail(c, -EBADMSG, "Multiboot2: ACPI %s RSDP tag holds %u bytes (minimum %u)",
			    is_new ? "new" : "old", len, min);
	if (!is_new && st->have_new_rsdp)
		return 0;
	bi->rsdp_len = MIN(len, (uint32_t)BOOTINFO_RSDP_MAX);
	memset(bi->rsdp, 0, sizeof(bi->rsdp));
	memcpy(bi->rsdp, tag + sizeof(struct mb2_tag), bi->rsdp_len);
	if (is_new)
		st->have_new_rsdp = true;
	return 0;
}

static int mb2_tag(struct parse_ctx *c, struct mb2_state *st, const uint8_t *tag,
		   const struct mb2_tag *hdr)
{
	struct bootinfo *bi = c->bi;
	const uint8_t *body = tag + sizeof(*hdr);
	size_t body_len = hdr->size - sizeof(*hdr);

	switch (hdr->type) {
	case MB2_TAG_CMDLINE:
		return copy_inline_string(c, body, body_len, bi->cmdline, sizeof(bi->cmdline),
					  "Multiboot2: the command line");
	case MB2_TAG_LOADER:
		return copy_inline_string(c, body, body_len, bi->loader, sizeof(bi->loader),
					  "Multiboot2: the boot loader name");
	case MB2_TAG_MODULE:
		return mb2_module(c, tag, hdr->size);
	case MB2_TAG_MMAP:
		return mb2_mmap(c, st, tag, hdr->size);
	case MB2_TAG_ACPI_OLD:
		return mb2_acpi(c, st, tag, hdr->size, false);
	case MB2_TAG_ACPI_NEW:
		return mb2_acpi(c, st, tag, hdr->size, true);
	default:
		/* Framebuffer, ELF sections, EFI, ...: not needed here. */
		return 0;
	}
}

static int parse_mb2(struct parse_ctx *c, uint64_t info_pa)
{
	struct mb2_state st = {0};
	struct mb2_fixed fixed;
	struct mb2_tag hdr;
	const uint8_t *p;
	uint32_t off;

	c->bi->protocol = 2;
	if (!IS_ALIGNED(info_pa, MB2_ALIGN))
		return fail(c, -EBADMSG, "Multiboot2: information at %#llx is not 8-byte aligned",
			    (ull)info_pa);
	p = map_or_fail(c, info_pa, sizeof(fixed), "the Multiboot2 information header");
	if (!p)
		return -EFAULT;
	memcpy(&fixed, p, sizeof(fixed));
	if (fixed.total_size < MB2_INFO_MIN || fixed.total_size > MB2_INFO_MAX)
		return fail(c, -EBADMSG, "Multiboot2: total_size %u is outside [%zu, %llu]",
			    fixed.total_size, MB2_INFO_MIN, (ull)MB2_INFO_MAX);
	p = map_or_fail(c, info_pa, fixed.total_size, "the Multiboot2 information");
	if (!p)
		return -EFAULT;

	/*
	 * Tags follow the fixed part; each starts 8-byte aligned and the list
	 * ends with an end tag. off + size cannot overflow: both are bounded
	 * by total_size <= MB2_INFO_MAX.
	 */
	for (off = sizeof(fixed);; off = ALIGN_UP(off + hdr.size, (uint32_t)MB2_ALIGN)) {
		int rc;

		if (off > fixed.total_size || fixed.total_size - off < sizeof(hdr))
			return fail(c, -EBADMSG, "Multiboot2: no end tag within total_size %u",
				    fixed.total_size);
		memcpy(&hdr, p + off, sizeof(hdr));
		if (hdr.size < sizeof(hdr))
			return fail(c, -EBADMSG, "Multiboot2: tag type %u at offset %u has size %u",
				    hdr.type, off, hdr.size);
		if (hdr.size > fixed.total_size - off)
			return fail(c, -EBADMSG,
				    "Multiboot2: tag type %u at offset %u (size %u) runs past "
				    "total_size %u",
				    hdr.type, off, hdr.size, fixed.total_size);
		if (hdr.type == MB2_TAG_END)
			break;
		rc = mb2_tag(c, &st, p + off, &hdr);
		if (rc < 0)
			return rc;
	}

	if (!st.have_mmap || !c->bi->mmap.count)
		return fail(c, -ENOENT, "no memory map from the boot loader (Multiboot2)");
	return 0;
}

int bootinfo_parse(struct bootinfo *bi, uint32_t magic, uint64_t info_pa, bootinfo_map_fn map,
		   char *err, size_t errlen)
{
	struct parse_ctx c = {.bi = bi, .map = map, .err = err, .errlen = errlen};

	memset(bi, 0, sizeof(*bi));
	if (errlen)
		err[0] = '\0';

	/* Multiboot 0.6.96 3.2 and Multiboot2 1.0 3.2: the magic in EAX. */
	switch (magic) {
	case MB1_BOOTLOADER_MAGIC:
		return parse_mb1(&c, info_pa);
	case MB2_BOOTLOADER_MAGIC:
		return parse_mb2(&c, info_pa);
	default:
		return fail(&c, -EINVAL, "not booted by a Multiboot loader (EAX=0x%08x)", magic);
	}
}
