// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/bootinfo.c. Multiboot1 and Multiboot2 structures are
 * built in a fake physical address space (a host buffer at FAKE_BASE). The
 * map function hands out a fresh heap copy of exactly the requested bytes,
 * so AddressSanitizer reports any read past what the parser asked for.
 */
#include "test.h"
#include "core/bootinfo.h"
#include "lib/errno.h"

#define FAKE_BASE 0x100000ULL
#define FAKE_SIZE 0x10000
#define ERR_LEN	  160

/* Multiboot1 flag bits and entry sizes (Multiboot 0.6.96 3.3). */
#define F_MEM	       (1u << 0)
#define F_CMDLINE      (1u << 2)
#define F_MODS	       (1u << 3)
#define F_MMAP	       (1u << 6)
#define F_LOADER       (1u << 9)
#define MB1_INFO_SIZE  88 /* through the vbe fields; the parser reads 68 */
#define MB1_MMAP_ENTRY 20

/* Multiboot2 tag types (Multiboot2 1.0 3.6). */
#define T_END	   0
#define T_CMDLINE  1
#define T_LOADER   2
#define T_MODULE   3
#define T_MMAP	   6
#define T_ACPI_OLD 14
#define T_ACPI_NEW 15
#define T_UNKNOWN  21 /* image load base: not used by the parser */

static _Alignas(8) uint8_t phys[FAKE_SIZE];
static size_t phys_used;

/* Copies handed out by fake_map, freed after each parse. */
#define MAX_MAPS 4096
static void *maps[MAX_MAPS];
static size_t nmaps;

static const void *fake_map(uint64_t pa, uint64_t len)
{
	uint8_t *copy;

	if (pa < FAKE_BASE || len > FAKE_SIZE || pa - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	if (nmaps == MAX_MAPS)
		abort();
	copy = malloc(len ? len : 1);
	memcpy(copy, phys + (pa - FAKE_BASE), len);
	maps[nmaps++] = copy;
	return copy;
}

static void unmap_all(void)
{
	while (nmaps)
		free(maps[--nmaps]);
}

static struct bootinfo bi;
static char err[ERR_LEN];

static int parse(uint32_t magic, uint64_t pa)
{
	int rc;

	memset(err, 'X', sizeof(err));
	rc = bootinfo_parse(&bi, magic, pa, fake_map, err, sizeof(err));
	unmap_all();
	return rc;
}

/* A failure must come with a non-empty, terminated one-line message. */
#define CHECK_ERR(rc, needle)                                                                      \
	do {                                                                                       \
		CHECK((rc) < 0);                                                                   \
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);                                     \
		CHECK(err[0] != '\0');                                                             \
		CHECK(strchr(err, '\n') == NULL);                                                  \
		if (!strstr(err, (needle)))                                                        \
			TEST_FAIL_AT("error \"%s\" lacks \"%s\"", err, (needle));                  \
	} while (0)

/* ---- Fake physical memory ---- */

static void phys_reset(void)
{
	memset(phys, 0, sizeof(phys));
	phys_used = 0;
}

static uint64_t phys_put(const void *data, size_t len, size_t align)
{
	uint64_t pa;

	phys_used = (phys_used + align - 1) & ~(align - 1);
	if (phys_used + len > FAKE_SIZE)
		abort();
	memcpy(phys + phys_used, data, len);
	pa = FAKE_BASE + phys_used;
	phys_used += len;
	return pa;
}

static uint64_t phys_str(const char *s)
{
	return phys_put(s, strlen(s) + 1, 1);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- Multiboot1 ---- */

/* Field offsets in the information structure. */
enum {
	MB1_FLAGS = 0,
	MB1_MEM_LOWER = 4,
	MB1_MEM_UPPER = 8,
	MB1_CMDLINE = 16,
	MB1_MODS_COUNT = 20,
	MB1_MODS_ADDR = 24,
	MB1_MMAP_LENGTH = 44,
	MB1_MMAP_ADDR = 48,
	MB1_LOADER = 64,
};

struct mb1_image {
	uint64_t info_pa;
	uint8_t *info; /* inside phys[] */
};

static uint8_t *phys_ptr(uint64_t pa)
{
	return phys + (pa - FAKE_BASE);
}

static void mb1_mmap_entry(uint8_t *p, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	put32(p, size);
	put64(p + 4, base);
	put64(p + 12, len);
	put32(p + 20, type);
}

/* A complete, valid structure as QEMU or GRUB legacy would build it. */
static struct mb1_image build_mb1(void)
{
	struct mb1_image img;
	uint8_t info[MB1_INFO_SIZE] = {0};
	uint8_t mods[2][16] = {{0}};
	uint8_t mmap[3 * (MB1_MMAP_ENTRY + 4) + 4] = {0};
	uint64_t mods_pa, mmap_pa;

	phys_reset();
	put32(mods[0], 0x200000);
	put32(mods[0] + 4, 0x201234);
	put32(mods[0] + 8, (uint32_t)phys_str("guest.elf console=ttyS0"));
	put32(mods[1], 0x300000);
	put32(mods[1] + 4, 0x300000);
	put32(mods[1] + 8, 0); /* no string */
	mods_pa = phys_put(mods, sizeof(mods), 4);

	/* Two standard entries and one with 4 extra bytes (size 24). */
	mb1_mmap_entry(mmap, MB1_MMAP_ENTRY, 0, 0x9fc00, 1);
	mb1_mmap_entry(mmap + 24, MB1_MMAP_ENTRY, 0xf0000, 0x10000, 2);
	mb1_mmap_entry(mmap + 48, MB1_MMAP_ENTRY + 4, 0x100000, 0x7ff00000, 1);
	mmap_pa = phys_put(mmap, sizeof(mmap), 4);

	put32(info + MB1_FLAGS, F_MEM | F_CMDLINE | F_MODS | F_MMAP | F_LOADER);
	put32(info + MB1_MEM_LOWER, 639);
	put32(info + MB1_MEM_UPPER, 130048);
	put32(info + MB1_CMDLINE, (uint32_t)phys_str("loglevel=debug smp=2"));
	put32(info + MB1_MODS_COUNT, 2);
	put32(info + MB1_MODS_ADDR, (uint32_t)mods_pa);
	put32(info + MB1_MMAP_LENGTH, sizeof(mmap));
	put32(info + MB1_MMAP_ADDR, (uint32_t)mmap_pa);
	put32(info + MB1_LOADER, (uint32_t)phys_str("qemu"));
	img.info_pa = phys_put(info, sizeof(info), 8);
	img.info = phys_ptr(img.info_pa);
	return img;
}

static void mb1_set(struct mb1_image *img, unsigned int off, uint32_t v)
{
	put32(img->info + off, v);
}

TEST(mb1_good)
{
	struct mb1_image img = build_mb1();

	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_STR(err, "");
	CHECK_EQ(bi.protocol, 1);
	CHECK_STR(bi.cmdline, "loglevel=debug smp=2");
	CHECK_STR(bi.loader, "qemu");
	CHECK_EQ(bi.nmodules, 2);
	CHECK_EQ(bi.modules[0].start, 0x200000);
	CHECK_EQ(bi.modules[0].end, 0x201234);
	CHECK_STR(bi.modules[0].cmdline, "guest.elf console=ttyS0");
	CHECK_EQ(bi.modules[1].start, 0x300000);
	CHECK_EQ(bi.modules[1].end, 0x300000);
	CHECK_STR(bi.modules[1].cmdline, "");
	/* The map wins over mem_lower/mem_upper. */
	CHECK_EQ(bi.mmap.count, 3);
	CHECK_EQ(bi.mmap.r[0].base, 0);
	CHECK_EQ(bi.mmap.r[0].size, 0x9fc00);
	CHECK_EQ(bi.mmap.r[0].type, MEM_USABLE);
	CHECK_EQ(bi.mmap.r[1].base, 0xf0000);
	CHECK_EQ(bi.mmap.r[1].type, MEM_RESERVED);
	CHECK_EQ(bi.mmap.r[2].base, 0x100000);
	CHECK_EQ(bi.mmap.r[2].size, 0x7ff00000);
	CHECK_EQ(bi.rsdp_len, 0);
}

TEST(mb1_optional_fields_absent)
{
	struct mb1_image img = build_mb1();

	/* Pointers without their flag bits must not be followed. */
	mb1_set(&img, MB1_FLAGS, F_MMAP);
	mb1_set(&img, MB1_CMDLINE, 0xdead0000);
	mb1_set(&img, MB1_LOADER, 0xdead0000);
	mb1_set(&img, MB1_MODS_ADDR, 0xdead0000);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_STR(bi.cmdline, "");
	CHECK_STR(bi.loader, "");
	CHECK_EQ(bi.nmodules, 0);
	CHECK_EQ(bi.mmap.count, 3);
}

TEST(mb1_mem_lower_upper_only)
{
	struct mb1_image img = build_mb1();

	mb1_set(&img, MB1_FLAGS, F_MEM);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_EQ(bi.mmap.count, 2);
	CHECK_EQ(bi.mmap.r[0].base, 0);
	CHECK_EQ(bi.mmap.r[0].size, 639 * 1024);
	CHECK_EQ(bi.mmap.r[0].type, MEM_USABLE);
	CHECK_EQ(bi.mmap.r[1].base, 0x100000);
	CHECK_EQ(bi.mmap.r[1].size, 130048ULL * 1024);
	CHECK_EQ(bi.mmap.r[1].type, MEM_USABLE);

	/* An empty map (length 0) also falls back to the sizes. */
	img = build_mb1();
	mb1_set(&img, MB1_MMAP_LENGTH, 0);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_EQ(bi.mmap.count, 2);
}

TEST(mb1_no_memory_info)
{
	struct mb1_image img = build_mb1();
	int rc;

	mb1_set(&img, MB1_FLAGS, F_CMDLINE);
	rc = parse(MB1_BOOTLOADER_MAGIC, img.info_pa);
	CHECK_ERR(rc, "no memory map from the boot loader");

	img = build_mb1();
	mb1_set(&img, MB1_FLAGS, F_MMAP);
	mb1_set(&img, MB1_MMAP_LENGTH, 0);
	rc = parse(MB1_BOOTLOADER_MAGIC, img.info_pa);
	CHECK_ERR(rc, "no memory map from the boot loader");
}

TEST(mb1_bad_mmap_entries)
{
	struct mb1_image img = build_mb1();
	uint64_t mmap_pa = get32(img.info + MB1_MMAP_ADDR);
	int rc;

	/* size 8: too small for base, length and type. */
	put32(phys_ptr(mmap_pa + 24), 8);
	rc = parse(MB1_BOOTLOADER_MAGIC, img.info_pa);
	CHECK_ERR(rc, "has size 8");

	/* size 19: one byte short. */
	img = build_mb1();
	put32(phys_ptr(mmap_pa), 19);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "has size 19");

	/* The last entry runs past mmap_length. */
	img = build_mb1();
	mb1_set(&img, MB1_MMAP_LENGTH, 24 + 24 + 20);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "runs past");

	/* Two stray bytes after the last whole entry. */
	img = build_mb1();
	mb1_set(&img, MB1_MMAP_LENGTH, 24 + 24 + 2);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "stray");

	/* An entry whose range wraps past 2^64. */
	img = build_mb1();
	put64(phys_ptr(mmap_pa + 4), UINT64_MAX - 10);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "wraps");

	/* A map length no firmware produces. */
	img = build_mb1();
	mb1_set(&img, MB1_MMAP_LENGTH, 0x80000000u);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "implausible");
}

TEST(mb1_too_many_mmap_entries)
{
	static uint8_t mmap[(MEMMAP_MAX + 1) * 24];
	struct mb1_image img = build_mb1();
	uint64_t pa;

	for (unsigned int i = 0; i <= MEMMAP_MAX; i++)
		mb1_mmap_entry(mmap + i * 24, MB1_MMAP_ENTRY, i * 0x1000ULL, 0x1000, 1);
	pa = phys_put(mmap, sizeof(mmap), 4);
	mb1_set(&img, MB1_MMAP_ADDR, (uint32_t)pa);
	mb1_set(&img, MB1_MMAP_LENGTH, sizeof(mmap));
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "more than 128 entries");
	/* Exactly MEMMAP_MAX is fine. */
	mb1_set(&img, MB1_MMAP_LENGTH, sizeof(mmap) - 24);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_EQ(bi.mmap.count, MEMMAP_MAX);
}

TEST(mb1_modules)
{
	uint8_t mods[BOOTINFO_MAX_MODULES + 1][16];
	struct mb1_image img = build_mb1();
	uint64_t name = phys_str("m");
	uint64_t pa;

	memset(mods, 0, sizeof(mods));
	for (unsigned int i = 0; i <= BOOTINFO_MAX_MODULES; i++) {
		put32(mods[i], 0x400000 + i * 0x1000);
		put32(mods[i] + 4, 0x400000 + i * 0x1000 + 0x800);
		put32(mods[i] + 8, (uint32_t)name);
	}
	pa = phys_put(mods, sizeof(mods), 4);
	mb1_set(&img, MB1_MODS_ADDR, (uint32_t)pa);
	mb1_set(&img, MB1_MODS_COUNT, BOOTINFO_MAX_MODULES + 1);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "17 boot modules");
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), -E2BIG);

	mb1_set(&img, MB1_MODS_COUNT, BOOTINFO_MAX_MODULES);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_EQ(bi.nmodules, BOOTINFO_MAX_MODULES);
	CHECK_EQ(bi.modules[15].end, 0x400000 + 15 * 0x1000 + 0x800);
	CHECK_STR(bi.modules[15].cmdline, "m");

	/* End before start. */
	put32(phys_ptr(pa + 3 * 16 + 4), 0x3fffff);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "module 3 ends");

	/* Module list unreadable. */
	img = build_mb1();
	mb1_set(&img, MB1_MODS_ADDR, 0x1000);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "module list");

	/* Module string unreadable. */
	img = build_mb1();
	put32(phys_ptr(get32(img.info + MB1_MODS_ADDR)) + 8, 0xfffffff0u);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "string of module 0");
}

TEST(mb1_strings)
{
	static char longstr[BOOTINFO_CMDLINE_MAX + 1];
	struct mb1_image img = build_mb1();
	uint64_t pa;
	size_t tail;

	/* Exactly BOOTINFO_CMDLINE_MAX - 1 characters fit... */
	memset(longstr, 'a', BOOTINFO_CMDLINE_MAX - 1);
	pa = phys_str(longstr);
	mb1_set(&img, MB1_CMDLINE, (uint32_t)pa);
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);

	/* ...one more does not, and is not silently truncated. */
	memset(longstr, 'b', BOOTINFO_CMDLINE_MAX);
	pa = phys_str(longstr);
	mb1_set(&img, MB1_CMDLINE, (uint32_t)pa);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "longer than 1023");
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), -E2BIG);

	/* Unterminated: runs into the end of the physical space. */
	tail = 100;
	memset(phys + FAKE_SIZE - tail, 'c', tail);
	mb1_set(&img, MB1_CMDLINE, (uint32_t)(FAKE_BASE + FAKE_SIZE - tail));
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa),
		  "cannot read the Multiboot1 command line");

	/* Unreadable pointer. */
	mb1_set(&img, MB1_CMDLINE, 0x10);
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa),
		  "cannot read the Multiboot1 command line");
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), -EFAULT);

	/* A loader name longer than BOOTINFO_LOADER_MAX - 1. */
	img = build_mb1();
	memset(longstr, 0, sizeof(longstr));
	memset(longstr, 'L', BOOTINFO_LOADER_MAX);
	mb1_set(&img, MB1_LOADER, (uint32_t)phys_str(longstr));
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), "boot loader name");

	/* A module string at the very end of the space, terminated: fine. */
	img = build_mb1();
	memcpy(phys + FAKE_SIZE - 4, "end", 4);
	put32(phys_ptr(get32(img.info + MB1_MODS_ADDR)) + 8, (uint32_t)(FAKE_BASE + FAKE_SIZE - 4));
	CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), 0);
	CHECK_STR(bi.modules[0].cmdline, "end");
}

TEST(mb1_unreadable_info)
{
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, 0x500), "Multiboot1 information");
	/* The structure straddles the end of the space. */
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, FAKE_BASE + FAKE_SIZE - 8), "Multiboot1 information");
	CHECK_ERR(parse(MB1_BOOTLOADER_MAGIC, UINT64_MAX - 4), "Multiboot1 information");
}

/* ---- Multiboot2 ---- */

#define MB2_IMG_MAX 4096

struct mb2_builder {
	_Alignas(8) uint8_t b[MB2_IMG_MAX];
	uint32_t len;
};

static void mb2_begin(struct mb2_builder *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8; /* total_size, reserved */
}

/* Append a tag; size is the declared size, len bytes of payload follow. */
static uint32_t mb2_tag_sized(struct mb2_builder *m, uint32_t type, uint32_t size,
			      const void *payload, size_t len)
{
	uint32_t off = m->len;

	put32(m->b + off, type);
	put32(m->b + off + 4, size);
	if (len)
		memcpy(m->b + off + 8, payload, len);
	m->len = (uint32_t)((off + 8 + len + 7) & ~7ul);
	return off;
}

static uint32_t mb2_tag(struct mb2_builder *m, uint32_t type, const void *payload, size_t len)
{
	return mb2_tag_sized(m, type, (uint32_t)(8 + len), payload, len);
}

static void mb2_str(struct mb2_builder *m, uint32_t type, const char *s)
{
	mb2_tag(m, type, s, strlen(s) + 1);
}

static void mb2_module(struct mb2_builder *m, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[8 + 64];
	size_t n = strlen(s) + 1;

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, s, n);
	mb2_tag(m, T_MODULE, p, 8 + n);
}

/* A memory map tag with n entries of entry_size bytes. */
static uint32_t mb2_mmap(struct mb2_builder *m, uint32_t entry_size, unsigned int n)
{
	uint8_t p[8 + 4 * 64] = {0};
	static const uint64_t base[] = {0, 0x9fc00, 0x100000, 0xfee00000};
	static const uint64_t len[] = {0x9fc00, 0x400, 0x7fee0000, 0x1000};
	static const uint32_t type[] = {1, 2, 1, 4};

	put32(p, entry_size);
	put32(p + 4, 0);
	for (unsigned int i = 0; i < n && i < 4; i++) {
		uint8_t *e = p + 8 + i * entry_size;

		put64(e, base[i]);
		put64(e + 8, len[i]);
		put32(e + 16, type[i]);
	}
	return mb2_tag(m, T_MMAP, p, 8 + (size_t)n * entry_size);
}

static void rsdp(uint8_t *p, size_t len, uint8_t rev)
{
	memset(p, 0, len);
	memcpy(p, "RSD PTR ", 8);
	p[15] = rev;
	for (size_t i = 16; i < len; i++)
		p[i] = (uint8_t)(rev * 16 + i);
}

static void mb2_acpi(struct mb2_builder *m, bool is_new)
{
	uint8_t p[36];
	size_t len = is_new ? 36 : 20;

	rsdp(p, len, is_new ? 2 : 0);
	mb2_tag(m, is_new ? T_ACPI_NEW : T_ACPI_OLD, p, len);
}

static void mb2_end(struct mb2_builder *m)
{
	mb2_tag(m, T_END, NULL, 0);
}

static void mb2_finish(struct mb2_builder *m)
{
	put32(m->b, m->len);
}

/* Place the image in fake memory (8-byte aligned) and return its address. */
static uint64_t mb2_place(const struct mb2_builder *m)
{
	phys_reset();
	return phys_put(m->b, m->len, 8);
}

/* The full image; acpi_order: 0 old then new, 1 new then old, 2 old only. */
static void build_mb2(struct mb2_builder *m, int acpi_order)
{
	static const uint8_t unknown[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	mb2_begin(m);
	mb2_str(m, T_CMDLINE, "loglevel=info smp=4");
	mb2_str(m, T_LOADER, "GRUB 2.06");
	mb2_tag(m, T_UNKNOWN, unknown, sizeof(unknown));
	if (acpi_order == 1)
		mb2_acpi(m, true);
	mb2_module(m, 0x800000, 0x812345, "guest1.elf mem=64M");
	mb2_mmap(m, 24, 4);
	mb2_acpi(m, false);
	mb2_module(m, 0x900000, 0x900100, "");
	if (acpi_order == 0)
		mb2_acpi(m, true);
	mb2_end(m);
	mb2_finish(m);
}

static void check_good_mb2(int acpi_order)
{
	struct mb2_builder m;
	uint8_t want[36];

	build_mb2(&m, acpi_order);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(bi.protocol, 2);
	CHECK_STR(bi.cmdline, "loglevel=info smp=4");
	CHECK_STR(bi.loader, "GRUB 2.06");
	CHECK_EQ(bi.nmodules, 2);
	CHECK_EQ(bi.modules[0].start, 0x800000);
	CHECK_EQ(bi.modules[0].end, 0x812345);
	CHECK_STR(bi.modules[0].cmdline, "guest1.elf mem=64M");
	CHECK_EQ(bi.modules[1].start, 0x900000);
	CHECK_STR(bi.modules[1].cmdline, "");
	CHECK_EQ(bi.mmap.count, 4);
	CHECK_EQ(bi.mmap.r[2].base, 0x100000);
	CHECK_EQ(bi.mmap.r[2].size, 0x7fee0000);
	CHECK_EQ(bi.mmap.r[3].type, MEM_NVS);
	if (acpi_order == 2) {
		rsdp(want, 20, 0);
		CHECK_EQ(bi.rsdp_len, 20);
		CHECK(memcmp(bi.rsdp, want, 20) == 0);
	} else {
		rsdp(want, 36, 2);
		CHECK_EQ(bi.rsdp_len, 36);
		CHECK(memcmp(bi.rsdp, want, 36) == 0);
	}
}

TEST(mb2_good_acpi_old_then_new)
{
	check_good_mb2(0);
}

TEST(mb2_good_acpi_new_then_old)
{
	check_good_mb2(1);
}

TEST(mb2_good_acpi_old_only)
{
	check_good_mb2(2);
}

TEST(mb2_minimal)
{
	struct mb2_builder m;

	mb2_begin(&m);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), 0);
	CHECK_EQ(bi.mmap.count, 1);
	CHECK_EQ(bi.nmodules, 0);
	CHECK_EQ(bi.rsdp_len, 0);
	CHECK_STR(bi.cmdline, "");
}

TEST(mb2_missing_end_tag)
{
	struct mb2_builder m;

	mb2_begin(&m);
	mb2_str(&m, T_CMDLINE, "x");
	mb2_mmap(&m, 24, 2);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "no end tag");
}

TEST(mb2_bad_tag_sizes)
{
	struct mb2_builder m;
	uint32_t off;

	/* A tag of size 4 (less than its own header). */
	mb2_begin(&m);
	mb2_mmap(&m, 24, 2);
	off = mb2_tag(&m, T_UNKNOWN, NULL, 0);
	put32(m.b + off + 4, 4);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "has size 4");

	/* Size 0 would loop forever if accepted. */
	put32(m.b + off + 4, 0);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "has size 0");

	/* A tag running past total_size. */
	put32(m.b + off + 4, 4096);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "runs past total_size");
}

TEST(mb2_bad_total_size)
{
	struct mb2_builder m;

	build_mb2(&m, 0);
	put32(m.b, 0x40000000);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "total_size");
	put32(m.b, UINT32_MAX);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "total_size");
	put32(m.b, 8);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "total_size");
	put32(m.b, 0);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "total_size");
	/* Plausible, but larger than the memory behind it. */
	put32(m.b, FAKE_SIZE + 64);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "cannot read");
	/* Shorter than the tags: the end tag is cut off. */
	put32(m.b, m.len - 8);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "no end tag");
}

TEST(mb2_bad_mmap)
{
	static const uint32_t bad_sizes[] = {0, 4, 8, 16, 20, 28, 30, 31};
	struct mb2_builder m;
	uint32_t off;

	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		mb2_begin(&m);
		off = mb2_mmap(&m, 24, 2);
		put32(m.b + off + 8, bad_sizes[i]);
		mb2_end(&m);
		mb2_finish(&m);
		CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "entry_size");
	}

	/* Bigger entries (a future version) are fine. */
	mb2_begin(&m);
	mb2_mmap(&m, 32, 3);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), 0);
	CHECK_EQ(bi.mmap.count, 3);
	CHECK_EQ(bi.mmap.r[1].base, 0x9fc00);
	CHECK_EQ(bi.mmap.r[1].size, 0x400);

	/* A partial trailing entry. */
	mb2_begin(&m);
	off = mb2_mmap(&m, 24, 2);
	put32(m.b + off + 4, 16 + 24 + 8);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "whole entries");

	/* Two memory map tags. */
	mb2_begin(&m);
	mb2_mmap(&m, 24, 2);
	mb2_mmap(&m, 24, 2);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "more than one memory map");

	/* No memory map at all. */
	mb2_begin(&m);
	mb2_str(&m, T_CMDLINE, "a");
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "no memory map from the boot loader");

	/* A memory map tag with no entries. */
	mb2_begin(&m);
	mb2_mmap(&m, 24, 0);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "no memory map from the boot loader");
}

TEST(mb2_strings)
{
	static char longstr[BOOTINFO_CMDLINE_MAX + 1];
	struct mb2_builder m;
	uint32_t off;

	/* Command line without its NUL within the tag. */
	mb2_begin(&m);
	off = mb2_tag(&m, T_CMDLINE, "abcdefgh", 8);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "not NUL-terminated");
	/* The NUL is in the padding, outside the declared size: still wrong. */
	put32(m.b + off + 4, 8 + 7);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "not NUL-terminated");
	/* An empty tag body. */
	put32(m.b + off + 4, 8);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "not NUL-terminated");

	/* The longest command line that fits, then one byte more. */
	memset(longstr, 'x', BOOTINFO_CMDLINE_MAX - 1);
	mb2_begin(&m);
	mb2_str(&m, T_CMDLINE, longstr);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
	memset(longstr, 'x', BOOTINFO_CMDLINE_MAX);
	mb2_begin(&m);
	mb2_str(&m, T_CMDLINE, longstr);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "at most 1023");

	/* Loader name and module string without NUL. */
	mb2_begin(&m);
	mb2_tag(&m, T_LOADER, "GRUB", 4);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "boot loader name");
	mb2_begin(&m);
	off = m.len;
	mb2_module(&m, 0x1000, 0x2000, "abc");
	put32(m.b + off + 4, 16 + 3);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "string of module 0");
}

TEST(mb2_modules)
{
	struct mb2_builder m;

	mb2_begin(&m);
	for (unsigned int i = 0; i <= BOOTINFO_MAX_MODULES; i++)
		mb2_module(&m, 0x100000 * (i + 1), 0x100000 * (i + 1) + 10, "mod");
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "more than 16 boot modules");

	mb2_begin(&m);
	mb2_module(&m, 0x2000, 0x1000, "backwards");
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "module 0 ends");

	/* A module tag too short for mod_start and mod_end. */
	mb2_begin(&m);
	mb2_tag(&m, T_MODULE, "abcd", 4);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "module tag");
}

TEST(mb2_short_acpi)
{
	struct mb2_builder m;

	mb2_begin(&m);
	mb2_tag(&m, T_ACPI_OLD, "RSD PTR ", 8);
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), "ACPI old RSDP");

	/* A long RSDP copy is capped at BOOTINFO_RSDP_MAX. */
	uint8_t big[BOOTINFO_RSDP_MAX + 16];
	rsdp(big, sizeof(big), 2);
	mb2_begin(&m);
	mb2_tag(&m, T_ACPI_NEW, big, sizeof(big));
	mb2_mmap(&m, 24, 1);
	mb2_end(&m);
	mb2_finish(&m);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), 0);
	CHECK_EQ(bi.rsdp_len, BOOTINFO_RSDP_MAX);
	CHECK(memcmp(bi.rsdp, big, BOOTINFO_RSDP_MAX) == 0);
}

TEST(mb2_unreadable_or_misaligned)
{
	struct mb2_builder m;
	uint64_t pa;

	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, 0x1000), "cannot read");
	build_mb2(&m, 0);
	pa = mb2_place(&m);
	CHECK_ERR(parse(MB2_BOOTLOADER_MAGIC, pa + 4), "aligned");
	/* The image placed so that it ends exactly at the end of the space. */
	phys_reset();
	memcpy(phys + FAKE_SIZE - m.len, m.b, m.len);
	CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, FAKE_BASE + FAKE_SIZE - m.len), 0);
}

TEST(bad_magic)
{
	char small[12];
	int rc;

	CHECK_ERR(parse(0x12345678, FAKE_BASE),
		  "not booted by a Multiboot loader (EAX=0x12345678)");
	CHECK_EQ(parse(0x12345678, FAKE_BASE), -EINVAL);
	CHECK_ERR(parse(0, FAKE_BASE), "EAX=0x00000000");
	/* The magic the kernel puts in its header is not the loader's. */
	CHECK_ERR(parse(0x1BADB002, FAKE_BASE), "EAX=0x1badb002");
	/* A short err buffer is truncated but terminated; none at all is fine. */
	rc = bootinfo_parse(&bi, 0x12345678, FAKE_BASE, fake_map, small, sizeof(small));
	CHECK_EQ(rc, -EINVAL);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK_EQ(bootinfo_parse(&bi, 0x12345678, FAKE_BASE, fake_map, NULL, 0), -EINVAL);
}

/* ---- Mutation tests ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64: deterministic and good enough to pick bytes. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define MUTATION_ROUNDS 6000
#define RNG_SEED	0x5eed0b007ULL

/* Whatever the input, the result must be consistent and bounded. */
static void check_outcome(int rc, long *ok, long *bad)
{
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == 0) {
		(*ok)++;
		CHECK(err[0] == '\0');
		CHECK(bi.protocol == 1 || bi.protocol == 2);
		CHECK(bi.mmap.count > 0 && bi.mmap.count <= MEMMAP_MAX);
		CHECK(bi.nmodules <= BOOTINFO_MAX_MODULES);
		CHECK(bi.rsdp_len <= BOOTINFO_RSDP_MAX);
		CHECK(strnlen(bi.cmdline, sizeof(bi.cmdline)) < sizeof(bi.cmdline));
		CHECK(strnlen(bi.loader, sizeof(bi.loader)) < sizeof(bi.loader));
		for (unsigned int i = 0; i < bi.nmodules && i < BOOTINFO_MAX_MODULES; i++) {
			CHECK(bi.modules[i].end >= bi.modules[i].start);
			CHECK(strnlen(bi.modules[i].cmdline, BOOTINFO_MODNAME_MAX) <
			      BOOTINFO_MODNAME_MAX);
		}
	} else {
		(*bad)++;
		CHECK(rc < 0);
		CHECK(err[0] != '\0');
		CHECK(strchr(err, '\n') == NULL);
	}
}

TEST(mb2_mutations)
{
	struct mb2_builder good, m;
	long ok = 0, bad = 0;

	rng_state = RNG_SEED;
	build_mb2(&good, 0);
	for (int round = 0; round < MUTATION_ROUNDS && !test_cur_failed; round++) {
		unsigned int flips = 1 + (unsigned int)(rng() % 4);

		m = good;
		for (unsigned int i = 0; i < flips; i++) {
			uint32_t pos = (uint32_t)(rng() % good.len);
			uint64_t r = rng();

			/* Mostly single-bit flips, sometimes a whole random byte. */
			if (r & 1)
				m.b[pos] ^= (uint8_t)(1u << ((r >> 1) % 8));
			else
				m.b[pos] = (uint8_t)(r >> 8);
		}
		check_outcome(parse(MB2_BOOTLOADER_MAGIC, mb2_place(&m)), &ok, &bad);
	}
	/* The mutations must have exercised both outcomes. */
	CHECK(ok > 0);
	CHECK(bad > 0);
}

TEST(mb1_mutations)
{
	static uint8_t good[FAKE_SIZE];
	struct mb1_image img = build_mb1();
	long ok = 0, bad = 0;
	/* Bytes of phys[] that build_mb1 filled. */
	size_t used = phys_used;

	rng_state = RNG_SEED;
	memcpy(good, phys, sizeof(good));
	for (int round = 0; round < MUTATION_ROUNDS && !test_cur_failed; round++) {
		unsigned int flips = 1 + (unsigned int)(rng() % 3);

		memcpy(phys, good, sizeof(phys));
		for (unsigned int i = 0; i < flips; i++) {
			uint64_t r = rng();

			if (r % 3 == 0) {
				/* A random info field gets a random or nearby value. */
				unsigned int field = (unsigned int)((r >> 8) % 17) * 4;
				uint32_t v = get32(img.info + field);

				v = (r >> 40) & 1 ? (uint32_t)(r >> 16)
						  : v + (uint32_t)((r >> 20) % 64) - 32;
				put32(img.info + field, v);
			} else {
				/* Any byte of the strings, module list, map or info. */
				size_t pos = (size_t)((r >> 8) % used);

				phys[pos] ^= (uint8_t)(1u << ((r >> 40) % 8));
			}
		}
		check_outcome(parse(MB1_BOOTLOADER_MAGIC, img.info_pa), &ok, &bad);
	}
	CHECK(ok > 0);
	CHECK(bad > 0);
}

int main(void)
{
	RUN(mb1_good);
	RUN(mb1_optional_fields_absent);
	RUN(mb1_mem_lower_upper_only);
	RUN(mb1_no_memory_info);
	RUN(mb1_bad_mmap_entries);
	RUN(mb1_too_many_mmap_entries);
	RUN(mb1_modules);
	RUN(mb1_strings);
	RUN(mb1_unreadable_info);
	RUN(mb2_good_acpi_old_then_new);
	RUN(mb2_good_acpi_new_then_old);
	RUN(mb2_good_acpi_old_only);
	RUN(mb2_minimal);
	RUN(mb2_missing_end_tag);
	RUN(mb2_bad_tag_sizes);
	RUN(mb2_bad_total_size);
	RUN(mb2_bad_mmap);
	RUN(mb2_strings);
	RUN(mb2_modules);
	RUN(mb2_short_acpi);
	RUN(mb2_unreadable_or_misaligned);
	RUN(bad_magic);
	RUN(mb2_mutations);
	RUN(mb1_mutations);
	TEST_EXIT();
}
