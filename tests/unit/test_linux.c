/* SPDX-License-Identifier: MIT */
/* Unit tests of the bzImage checks and the kernel/initrd placement. */
#include "test.h"

#include "core/linux.h"

#define MiBx(x) ((uint64_t)(x) << 20)
static uint8_t img[64 * 1024];

static void w16(size_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void w32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void w64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

/* A minimal bzImage: protocol 2.15, 64-bit entry, relocatable, 16 MiB preferred. */
static void good(void)
{
	memset(img, 0, sizeof(img));
	img[0x1F1] = 4;			/* setup_sects */
	w16(0x1FE, 0xAA55);
	img[0x201] = 0x66;		/* header ends at 0x268 */
	w32(0x202, 0x53726448);		/* "HdrS" */
	w16(0x206, 0x020F);
	img[0x211] = 0x01;		/* LOADED_HIGH */
	w32(0x22C, 0x7FFFFFFF);		/* initrd_addr_max */
	w32(0x230, 0x200000);		/* kernel_alignment */
	img[0x234] = 1;			/* relocatable */
	w16(0x236, 0x0003);		/* XLF_KERNEL_64 | above 4G */
	w32(0x238, 2047);		/* cmdline_size */
	w64(0x258, 0x1000000);		/* pref_address */
	w32(0x260, 0x2000000);		/* init_size: 32 MiB */
}

TEST(parses)
{
	struct linux_image li;
	char err[128] = "";

	good();
	CHECK_EQ(linux_parse(img, sizeof(img), &li, err, sizeof(err)), 0);
	CHECK_EQ(li.version, 0x020F);
	CHECK_EQ(li.kernel_offset, 5 * 512);
	CHECK_EQ(li.kernel_size, sizeof(img) - 5 * 512);
	CHECK_EQ(li.pref_address, 0x1000000);
	CHECK_EQ(li.init_size, 0x2000000);
	CHECK_EQ(li.cmdline_size, 2047);
	CHECK_EQ(li.hdr_len, 0x202 - 0x1F1 + 0x66);
}

#define EXPECT_BAD(mutate, needle)                                                                 \
	do {                                                                                       \
		struct linux_image li;                                                             \
		char err[128] = "";                                                                \
		good();                                                                            \
		mutate;                                                                            \
		CHECK_EQ(linux_parse(img, sizeof(img), &li, err, sizeof(err)), -22);               \
		if (!strstr(err, needle))                                                          \
			TEST_FAIL_AT("\"%s\" lacks \"%s\"", err, needle);                          \
	} while (0)

TEST(rejects)
{
	EXPECT_BAD(w32(0x202, 0), "not a bzImage");
	EXPECT_BAD(w16(0x1FE, 0), "not a bzImage");
	EXPECT_BAD(w16(0x206, 0x020B), "older than 2.12");
	EXPECT_BAD(img[0x211] = 0, "zImage");
	EXPECT_BAD(w16(0x236, 0), "64-bit entry");
	EXPECT_BAD(img[0x1F1] = 200, "larger than the file");
	EXPECT_BAD(w32(0x230, 3), "kernel_alignment");
	{
		struct linux_image li;
		char err[128] = "";

		CHECK_EQ(linux_parse(img, 100, &li, err, sizeof(err)), -22);
		CHECK(strstr(err, "only 100 bytes") != NULL);
	}
}

TEST(plans)
{
	struct linux_image li;
	struct linux_layout lay;
	char err[128] = "";

	good();
	CHECK_EQ(linux_parse(img, sizeof(img), &li, err, sizeof(err)), 0);
	/* Preferred address, entry at +0x200, initrd at the top of RAM, page aligned. */
	CHECK_EQ(linux_plan(&li, MiBx(256), 0x123456, &lay, err, sizeof(err)), 0);
	CHECK_EQ(lay.kernel, 0x1000000);
	CHECK_EQ(lay.entry, 0x1000200);
	CHECK_EQ(lay.initrd, (MiBx(256) - 0x123456) & ~0xFFFull);
	/* initrd_addr_max caps the initrd. */
	w32(0x22C, MiBx(100) - 1);
	CHECK_EQ(linux_parse(img, sizeof(img), &li, err, sizeof(err)), 0);
	CHECK_EQ(linux_plan(&li, MiBx(256), MiBx(10), &lay, err, sizeof(err)), 0);
	CHECK_EQ(lay.initrd, MiBx(90));
	/* No initrd: none placed. */
	CHECK_EQ(linux_plan(&li, MiBx(256), 0, &lay, err, sizeof(err)), 0);
	CHECK_EQ(lay.initrd, 0);
	/* Too little RAM for the kernel, or for the initrd above it. */
	CHECK_EQ(linux_plan(&li, MiBx(40), 0, &lay, err, sizeof(err)), -28);
	CHECK(strstr(err, "the kernel needs") != NULL);
	CHECK_EQ(linux_plan(&li, MiBx(64), MiBx(40), &lay, err, sizeof(err)), -28);
	CHECK(strstr(err, "initrd") != NULL);
	/* A misaligned preferred address on a relocatable kernel falls back to 2 MiB alignment. */
	good();
	w64(0x258, 0x1001000);
	CHECK_EQ(linux_parse(img, sizeof(img), &li, err, sizeof(err)), 0);
	CHECK_EQ(linux_plan(&li, MiBx(256), 0, &lay, err, sizeof(err)), 0);
	CHECK_EQ(lay.kernel, 0x200000);
}

TEST(mutations_never_crash)
{
	uint64_t x = 88172645463325252ull;

	for (int i = 0; i < 20000; i++) {
		struct linux_image li;
		struct linux_layout lay;
		char err[128] = "";

		good();
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			img[0x1F0 + x % 0x80] = (uint8_t)(x >> 32);
		}
		if (linux_parse(img, sizeof(img), &li, err, sizeof(err)) == 0) {
			CHECK(li.kernel_offset + li.kernel_size == sizeof(img));
			if (linux_plan(&li, MiBx(128), MiBx(8), &lay, err, sizeof(err)) == 0)
				CHECK(lay.kernel >= 0x100000 &&
				      lay.kernel + li.init_size <= MiBx(128) &&
				      (lay.initrd == 0 || lay.initrd >= lay.kernel + li.init_size));
		}
	}
}

int main(void)
{
	RUN(parses);
	RUN(rejects);
	RUN(plans);
	RUN(mutations_never_crash);
	TEST_EXIT();
}
