/* SPDX-License-Identifier: MIT */
/* Unit tests of the ELF64 validator used by the test-guest loader. */
#include "test.h"

#include "core/elf.h"

#define LO 0x8000ull
#define HI 0x1000000ull

struct img {
	uint8_t bytes[4096];
	size_t size;
};

/* Little-endian writers into the image. */
static void w16(struct img *m, size_t off, uint16_t v) { memcpy(m->bytes + off, &v, 2); }
static void w32(struct img *m, size_t off, uint32_t v) { memcpy(m->bytes + off, &v, 4); }
static void w64(struct img *m, size_t off, uint64_t v) { memcpy(m->bytes + off, &v, 8); }

#define PH_OFF 64
#define PH_SIZE 56

static void set_phdr(struct img *m, unsigned int i, uint32_t type, uint32_t flags, uint64_t off,
		     uint64_t addr, uint64_t filesz, uint64_t memsz)
{
	size_t p = PH_OFF + i * PH_SIZE;

	w32(m, p, type);
	w32(m, p + 4, flags);
	w64(m, p + 8, off);
	w64(m, p + 16, addr);
	w64(m, p + 24, addr);
	w64(m, p + 32, filesz);
	w64(m, p + 40, memsz);
	w64(m, p + 48, 0x1000);
}

/* A valid image: text at 1 MiB (RX) and data+bss after it (RW). */
static void good(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(m->bytes);
	memcpy(m->bytes, "\x7f" "ELF", 4);
	m->bytes[4] = 2; /* ELFCLASS64 */
	m->bytes[5] = 1; /* little endian */
	m->bytes[6] = 1; /* version */
	w16(m, 16, 2);	 /* ET_EXEC */
	w16(m, 18, 62);	 /* EM_X86_64 */
	w32(m, 20, 1);
	w64(m, 24, 0x100010); /* entry */
	w64(m, 32, PH_OFF);
	w16(m, 54, PH_SIZE);
	w16(m, 56, 2);
	set_phdr(m, 0, 1, 5, 0x200, 0x100000, 0x100, 0x100);
	set_phdr(m, 1, 1, 6, 0x300, 0x101000, 0x80, 0x2000);
}

static int parse(struct img *m, struct elf_image *out, char *err)
{
	return elf_parse(m->bytes, m->size, LO, HI, out, err, 160);
}

TEST(valid_image)
{
	struct img m;
	struct elf_image out;
	char err[160] = "";

	good(&m);
	CHECK_EQ(parse(&m, &out, err), 0);
	CHECK_EQ(out.entry, 0x100010);
	CHECK_EQ(out.nsegments, 2);
	CHECK_EQ(out.seg[0].gpa, 0x100000);
	CHECK(out.seg[0].exec);
	CHECK_EQ(out.seg[1].filesz, 0x80);
	CHECK_EQ(out.seg[1].memsz, 0x2000);
	CHECK(!out.seg[1].exec);
}

#define EXPECT_REJECT(mutate, needle)                                                              \
	do {                                                                                       \
		struct img m;                                                                      \
		struct elf_image out;                                                              \
		char err[160] = "";                                                                \
		good(&m);                                                                          \
		mutate;                                                                            \
		CHECK_EQ(parse(&m, &out, err), -22);                                               \
		if (!strstr(err, needle))                                                          \
			TEST_FAIL_AT("message \"%s\" lacks \"%s\"", err, needle);                  \
	} while (0)

TEST(rejects_bad_headers)
{
	EXPECT_REJECT(m.size = 10, "too small");
	EXPECT_REJECT(m.bytes[0] = 0, "not an ELF");
	EXPECT_REJECT(m.bytes[4] = 1, "64-bit");
	EXPECT_REJECT(w16(&m, 18, 3), "x86-64");
	EXPECT_REJECT(w16(&m, 16, 3), "x86-64");
	EXPECT_REJECT(w16(&m, 54, 32), "program header");
	EXPECT_REJECT(w16(&m, 56, 0), "program header");
	EXPECT_REJECT(w64(&m, 32, 4090), "past the end");
	EXPECT_REJECT(w16(&m, 56, 60000), "past the end");
}

TEST(rejects_bad_segments)
{
	/* file size above memory size */
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0x300, 0x101000, 0x3000, 0x2000), "exceeds");
	/* bytes beyond the file */
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0xF00, 0x101000, 0x200, 0x2000), "past the end");
	/* offset overflow */
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, ~0ull, 0x101000, 2, 0x2000), "past the end");
	/* in the loader's reserved area, beyond RAM, wrapping */
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0x300, 0x1000, 0x80, 0x100), "outside guest memory");
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0x300, HI - 0x100, 0x80, 0x200),
		      "outside guest memory");
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0x300, 0x101000, 0x80, ~0ull), "outside guest memory");
	/* overlap */
	EXPECT_REJECT(set_phdr(&m, 1, 1, 6, 0x300, 0x1000f0, 0x80, 0x100), "overlap");
	/* entry not executable */
	EXPECT_REJECT(w64(&m, 24, 0x101010), "entry point");
	EXPECT_REJECT(w64(&m, 24, 0x900000), "entry point");
	/* no loadable segments */
	EXPECT_REJECT((set_phdr(&m, 0, 4, 5, 0, 0, 0, 0), set_phdr(&m, 1, 4, 6, 0, 0, 0, 0)),
		      "no loadable");
}

TEST(mutations_never_crash)
{
	uint64_t x = 0x1234567887654321ull;

	for (int iter = 0; iter < 20000; iter++) {
		struct img m;
		struct elf_image out;
		char err[160] = "";
		int n = 1 + (int)(x % 8);

		good(&m);
		for (int k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			m.bytes[x % 512] = (uint8_t)(x >> 24);
		}
		if (parse(&m, &out, err) == 0) {
			CHECK(out.nsegments > 0 && out.nsegments <= ELF_MAX_SEGMENTS);
			for (unsigned int i = 0; i < out.nsegments; i++)
				CHECK(out.seg[i].gpa >= LO && out.seg[i].gpa + out.seg[i].memsz <= HI &&
				      out.seg[i].offset + out.seg[i].filesz <= m.size);
		} else {
			CHECK(err[0] != '\0');
		}
	}
}

int main(void)
{
	RUN(valid_image);
	RUN(rejects_bad_headers);
	RUN(rejects_bad_segments);
	RUN(mutations_never_crash);
	TEST_EXIT();
}
