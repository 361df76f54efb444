// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/cmdline.c: word splitting, quoting, last-one-wins,
 * buffer limits and number parsing.
 */
#include "test.h"
#include "lib/cmdline.h"
#include "lib/errno.h"

#define VAL_MAX 64

static const char *get(const char *line, const char *key, int *rc)
{
	static char buf[VAL_MAX];

	*rc = cmdline_get(line, key, buf, sizeof(buf));
	return buf;
}

TEST(basic_words)
{
	const char *line = "loglevel=info  console=com1\tsmp=4 nosvm";
	int rc;

	CHECK_STR(get(line, "loglevel", &rc), "info");
	CHECK_EQ(rc, 4);
	CHECK_STR(get(line, "console", &rc), "com1");
	CHECK_EQ(rc, 4);
	CHECK_STR(get(line, "smp", &rc), "4");
	CHECK_EQ(rc, 1);
	CHECK_STR(get(line, "nosvm", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK_STR(get(line, "missing", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK(cmdline_has(line, "nosvm"));
	CHECK(cmdline_has(line, "smp"));
	CHECK(!cmdline_has(line, "missing"));
}

TEST(exact_key_match)
{
	const char *line = "log=1 loglevel=debug levels=x lo";
	int rc;

	CHECK_STR(get(line, "log", &rc), "1");
	CHECK_STR(get(line, "loglevel", &rc), "debug");
	CHECK_STR(get(line, "level", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK(!cmdline_has(line, "level"));
	CHECK(!cmdline_has(line, "l"));
	CHECK(!cmdline_has(line, "logl"));
	CHECK(cmdline_has(line, "lo"));
	CHECK(!cmdline_has(line, "lo="));
}

TEST(last_wins)
{
	int rc;

	CHECK_STR(get("a=1 b=2 a=3", "a", &rc), "3");
	CHECK_EQ(rc, 1);
	CHECK_STR(get("a=1 a=22 a=333", "a", &rc), "333");
	CHECK_EQ(rc, 3);
	/* A later bare word overrides: the key then has no value. */
	CHECK_STR(get("a=1 a", "a", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK_STR(get("a a=5", "a", &rc), "5");
	CHECK_EQ(rc, 1);
}

TEST(empty_and_special_values)
{
	int rc;

	CHECK_STR(get("a= b=2", "a", &rc), "");
	CHECK_EQ(rc, 0);
	CHECK_STR(get("a==x", "a", &rc), "=x");
	CHECK_EQ(rc, 2);
	CHECK_STR(get("path=/a=b/c", "path", &rc), "/a=b/c");
	CHECK_STR(get("=v", "", &rc), "v");
	CHECK_EQ(rc, 1);
	CHECK_STR(get("", "a", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK_STR(get("   \t  ", "a", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK_STR(get(NULL, "a", &rc), "");
	CHECK_EQ(rc, -ENOENT);
	CHECK(!cmdline_has(NULL, "a"));
	CHECK(!cmdline_has("", "a"));
}

TEST(quoted_values)
{
	const char *line = "name=\"hello world\" x=1 q=\"a\tb\" e=\"\" mix=ab\"c d\"ef";
	int rc;

	CHECK_STR(get(line, "name", &rc), "hello world");
	CHECK_EQ(rc, 11);
	CHECK_STR(get(line, "x", &rc), "1");
	CHECK_STR(get(line, "q", &rc), "a\tb");
	CHECK_STR(get(line, "e", &rc), "");
	CHECK_EQ(rc, 0);
	CHECK_STR(get(line, "mix", &rc), "abc def");
	/* The quoted space does not start a new word. */
	CHECK(!cmdline_has(line, "world\""));
	/* An unterminated quote runs to the end of the line. */
	CHECK_STR(get("a=\"x y z", "a", &rc), "x y z");
	CHECK(!cmdline_has("a=\"x y z", "y"));
}

TEST(buffer_limits)
{
	char small[4];
	char one[1];

	CHECK_EQ(cmdline_get("k=abc", "k", small, sizeof(small)), 3);
	CHECK_STR(small, "abc");
	CHECK_EQ(cmdline_get("k=abcd", "k", small, sizeof(small)), -E2BIG);
	CHECK_STR(small, "");
	/* Quotes do not count against the buffer. */
	CHECK_EQ(cmdline_get("k=\"abc\"", "k", small, sizeof(small)), 3);
	CHECK_STR(small, "abc");
	CHECK_EQ(cmdline_get("k=", "k", one, sizeof(one)), 0);
	CHECK_STR(one, "");
	CHECK_EQ(cmdline_get("k=a", "k", one, sizeof(one)), -E2BIG);
	CHECK_EQ(cmdline_get("k=a", "k", NULL, 0), -E2BIG);
	CHECK_EQ(cmdline_get("x=a", "k", NULL, 0), -ENOENT);
	/* Exact-size heap buffers: ASan checks the copy stays inside. */
	for (size_t len = 1; len < 10; len++) {
		char *b = malloc(len);
		int rc = cmdline_get("a=1 k=\"12345\"6 b", "k", b, len);

		if (len > 6) {
			CHECK_EQ(rc, 6);
			CHECK_STR(b, "123456");
		} else {
			CHECK_EQ(rc, -E2BIG);
			CHECK_STR(b, "");
		}
		free(b);
	}
}

struct num_case {
	const char *s;
	int rc;
	uint64_t v;
};

TEST(parse_numbers)
{
	static const struct num_case cases[] = {
	    {"0", 0, 0},
	    {"7", 0, 7},
	    {"1234567890", 0, 1234567890},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"18446744073709551616", -ERANGE, 0},
	    {"99999999999999999999999", -ERANGE, 0},
	    {"0x0", 0, 0},
	    {"0x1f", 0, 0x1f},
	    {"0XAbCdEf", 0, 0xabcdef},
	    {"0xffffffffffffffff", 0, UINT64_MAX},
	    {"0x10000000000000000", -ERANGE, 0},
	    {"0b0", 0, 0},
	    {"0b1011", 0, 11},
	    {"0B11", 0, 3},
	    {"0b" /* 64 ones */ "1111111111111111111111111111111111111111111111111111111111111111",
	     0, UINT64_MAX},
	    {"0b1" /* 64 zeros */
	     "0000000000000000000000000000000000000000000000000000000000000000",
	     -ERANGE, 0},
	    {"4K", 0, 4096},
	    {"4k", 0, 4096},
	    {"2M", 0, 2ULL << 20},
	    {"2m", 0, 2ULL << 20},
	    {"3G", 0, 3ULL << 30},
	    {"3g", 0, 3ULL << 30},
	    {"0x10M", 0, 16ULL << 20},
	    {"0b10K", 0, 2048},
	    {"0K", 0, 0},
	    {"17179869183G", 0, 17179869183ULL << 30},
	    {"17179869184G", -ERANGE, 0},
	    {"0xfffffffffffffffK", -ERANGE, 0},
	    {"", -EINVAL, 0},
	    {"0x", -EINVAL, 0},
	    {"0b", -EINVAL, 0},
	    {"0b2", -EINVAL, 0},
	    {"12a", -EINVAL, 0},
	    {"0x1g", 0, 1ULL << 30},
	    {"0xfg", 0, 15ULL << 30},
	    {"K", -EINVAL, 0},
	    {"4KB", -EINVAL, 0},
	    {"4KK", -EINVAL, 0},
	    {"4T", -EINVAL, 0},
	    {" 4", -EINVAL, 0},
	    {"4 ", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"+1", -EINVAL, 0},
	    {"1.5", -EINVAL, 0},
	    {"99999999999999999999x", -EINVAL, 0},
	    {"x", -EINVAL, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0xdeadbeef;
		int rc = parse_u64(cases[i].s, &v);

		if (rc != cases[i].rc)
			TEST_FAIL_AT("\"%s\": rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		else if (rc == 0 && v != cases[i].v)
			TEST_FAIL_AT("\"%s\": %" PRIu64 ", expected %" PRIu64, cases[i].s, v,
				     cases[i].v);
		else if (rc != 0 && v != 0xdeadbeef)
			TEST_FAIL_AT("\"%s\": output written on error", cases[i].s);
	}
	CHECK_EQ(parse_u64(NULL, &(uint64_t){0}), -EINVAL);
}

TEST(parse_roundtrip)
{
	char buf[32];
	uint64_t v;

	/* Every power of two and its neighbours, in decimal and hex. */
	for (unsigned int b = 0; b < 64; b++) {
		for (int d = -1; d <= 1; d++) {
			uint64_t x = (1ULL << b) + (uint64_t)(int64_t)d;

			snprintf(buf, sizeof(buf), "%" PRIu64, x);
			CHECK_EQ(parse_u64(buf, &v), 0);
			CHECK(v == x);
			snprintf(buf, sizeof(buf), "0x%" PRIx64, x);
			CHECK_EQ(parse_u64(buf, &v), 0);
			CHECK(v == x);
		}
	}
}

int main(void)
{
	RUN(basic_words);
	RUN(exact_key_match);
	RUN(last_wins);
	RUN(empty_and_special_values);
	RUN(quoted_values);
	RUN(buffer_limits);
	RUN(parse_numbers);
	RUN(parse_roundtrip);
	TEST_EXIT();
}
