// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/string.c and lib/errno.c. The freestanding functions
 * are only built into the hypervisor, so this file includes string.c with
 * LIB_STRING_SELFTEST, which renames them selftest_memcpy etc., and checks
 * them against the C library on many sizes and alignments.
 */
#include "test.h"

#define LIB_STRING_SELFTEST
#include "../../hv/lib/string.c"

#include "lib/errno.h"

#define AREA 96 /* bytes per test area: several words either side */

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

TEST(memcpy_all_alignments)
{
	unsigned char src[AREA], ours[AREA], ref[AREA];

	for (size_t so = 0; so < 16; so++)
		for (size_t d_o = 0; d_o < 16; d_o++)
			for (size_t n = 0; n + so < AREA && n + d_o < AREA; n++) {
				fill_pattern(src, AREA, (unsigned int)n);
				memset(ours, 0xee, AREA);
				memset(ref, 0xee, AREA);
				CHECK(selftest_memcpy(ours + d_o, src + so, n) == ours + d_o);
				memcpy(ref + d_o, src + so, n);
				if (memcmp(ours, ref, AREA) != 0) {
					TEST_FAIL_AT("so %zu do %zu n %zu", so, d_o, n);
					return;
				}
			}
}

TEST(memmove_overlaps)
{
	unsigned char ours[AREA], ref[AREA];

	for (size_t s = 0; s < 24; s++)
		for (size_t d = 0; d < 24; d++)
			for (size_t n = 0; n + MAX(s, d) <= AREA; n++) {
				fill_pattern(ours, AREA, (unsigned int)(s + d));
				fill_pattern(ref, AREA, (unsigned int)(s + d));
				CHECK(selftest_memmove(ours + d, ours + s, n) == ours + d);
				memmove(ref + d, ref + s, n);
				if (memcmp(ours, ref, AREA) != 0) {
					TEST_FAIL_AT("src %zu dst %zu n %zu", s, d, n);
					return;
				}
			}
}

TEST(memset_all_alignments)
{
	unsigned char ours[AREA], ref[AREA];
	static const int vals[] = {0, 0x5a, 0xff, 0x1234 /* only the low byte counts */};

	for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
		for (size_t o = 0; o < 16; o++)
			for (size_t n = 0; n + o <= AREA; n++) {
				fill_pattern(ours, AREA, 3);
				fill_pattern(ref, AREA, 3);
				CHECK(selftest_memset(ours + o, vals[v], n) == ours + o);
				memset(ref + o, vals[v], n);
				if (memcmp(ours, ref, AREA) != 0) {
					TEST_FAIL_AT("val %d off %zu n %zu", vals[v], o, n);
					return;
				}
			}
}

TEST(memcmp_sign)
{
	unsigned char a[32], b[32];

	fill_pattern(a, sizeof(a), 1);
	memcpy(b, a, sizeof(b));
	CHECK_EQ(selftest_memcmp(a, b, sizeof(a)), 0);
	CHECK_EQ(selftest_memcmp(a, b, 0), 0);
	for (size_t i = 0; i < sizeof(a); i++) {
		memcpy(b, a, sizeof(b));
		b[i] = (unsigned char)(a[i] + 1);
		CHECK_EQ(sign(selftest_memcmp(a, b, sizeof(a))), sign(memcmp(a, b, sizeof(a))));
		CHECK_EQ(selftest_memcmp(a, b, i), 0);
	}
	/* Bytes compare as unsigned: 0x80 > 0x7f. */
	a[0] = 0x80;
	b[0] = 0x7f;
	CHECK(selftest_memcmp(a, b, 1) > 0);
}

TEST(string_functions)
{
	static const char *const strs[] = {"", "a", "ab", "abc", "abd", "abcd", "\x80", "\x7f"};
	const char *s = "hello world";

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		CHECK_EQ(selftest_strlen(strs[i]), strlen(strs[i]));
		for (size_t m = 0; m < 6; m++)
			CHECK_EQ(selftest_strnlen(strs[i], m), strnlen(strs[i], m));
		for (size_t j = 0; j < ARRAY_SIZE(strs); j++) {
			CHECK_EQ(sign(selftest_strcmp(strs[i], strs[j])),
				 sign(strcmp(strs[i], strs[j])));
			for (size_t n = 0; n < 6; n++)
				CHECK_EQ(sign(selftest_strncmp(strs[i], strs[j], n)),
					 sign(strncmp(strs[i], strs[j], n)));
		}
	}
	CHECK(selftest_strchr(s, 'o') == s + 4);
	CHECK(selftest_strchr(s, 'h') == s);
	CHECK(selftest_strchr(s, 'z') == NULL);
	CHECK(selftest_strchr(s, '\0') == s + strlen(s));
	/* strnlen must not read past max (no terminator here). */
	char raw[3] = {'x', 'y', 'z'};
	CHECK_EQ(selftest_strnlen(raw, sizeof(raw)), 3);
}

TEST(str_copy_truncates)
{
	char buf[8];

	CHECK_EQ(str_copy(buf, "abc", sizeof(buf)), 3);
	CHECK_STR(buf, "abc");
	CHECK_EQ(str_copy(buf, "abcdefgh", sizeof(buf)), 8);
	CHECK_STR(buf, "abcdefg");
	CHECK_EQ(str_copy(buf, "abcdefg", sizeof(buf)), 7);
	CHECK_STR(buf, "abcdefg");
	CHECK_EQ(str_copy(buf, "", sizeof(buf)), 0);
	CHECK_STR(buf, "");
	CHECK_EQ(str_copy(buf, "xyz", 1), 3);
	CHECK_STR(buf, "");
	buf[0] = 'q';
	CHECK_EQ(str_copy(buf, "xyz", 0), 3);
	CHECK_EQ(buf[0], 'q');
	/* Exact-size heap destinations, so ASan catches any overrun. */
	for (size_t size = 1; size < 12; size++) {
		char *d = malloc(size);

		CHECK_EQ(str_copy(d, "0123456789", size), 10);
		CHECK_EQ(strlen(d), MIN(size - 1, 10));
		CHECK(strncmp(d, "0123456789", size - 1) == 0);
		free(d);
	}
}

TEST(err_names)
{
	CHECK_STR(err_name(-ENOMEM), "ENOMEM");
	CHECK_STR(err_name(ENOMEM), "ENOMEM");
	CHECK_STR(err_name(-EINVAL), "EINVAL");
	CHECK_STR(err_name(-ETIMEDOUT), "ETIMEDOUT");
	CHECK_STR(err_name(EPERM), "EPERM");
	CHECK_STR(err_name(-EBADMSG), "EBADMSG");
	CHECK_STR(err_name(-EOVERFLOW), "EOVERFLOW");
	CHECK_STR(err_name(0), "E?");
	CHECK_STR(err_name(3), "E?");
	CHECK_STR(err_name(-1000), "E?");
	CHECK_STR(err_name(INT32_MIN), "E?");
	CHECK_STR(err_name(INT32_MAX), "E?");
}

int main(void)
{
	RUN(memcpy_all_alignments);
	RUN(memmove_overlaps);
	RUN(memset_all_alignments);
	RUN(memcmp_sign);
	RUN(string_functions);
	RUN(str_copy_truncates);
	RUN(err_names);
	TEST_EXIT();
}
