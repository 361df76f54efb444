// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/format.c: the output is compared with the host C
 * library's snprintf over generated combinations of flags, widths,
 * precisions, length modifiers and values, plus truncation at every size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "test.h"
#include "lib/format.h"

/* Truncating libc's output on purpose is the point of several tests. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define OUT_MAX 512

/* Compare one format (already built, one argument) against libc. */
#define SAME(fmtstr, ...)                                                                          \
	do {                                                                                       \
		char _ours[OUT_MAX], _libc[OUT_MAX];                                               \
		int _no = fmt_snprintf(_ours, sizeof(_ours), fmtstr, __VA_ARGS__);                 \
		int _nl = snprintf(_libc, sizeof(_libc), fmtstr, __VA_ARGS__);                     \
		if (_no != _nl || strcmp(_ours, _libc) != 0)                                       \
			TEST_FAIL_AT("fmt \"%s\": ours %d \"%s\", libc %d \"%s\"", fmtstr, _no,    \
				     _ours, _nl, _libc);                                           \
		checked++;                                                                         \
	} while (0)

static long checked;

static const char *const flag_sets[] = {
    "", "-", "0", "+", " ", "#", "-0", "+0", " 0", "#0", "-#", "+ ", "-+", "#-0+ ",
};
static const char *const widths[] = {"", "1", "5", "20", "30"};
static const char *const precs[] = {"", ".", ".0", ".1", ".3", ".25"};
static const char *const lengths[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};

static const int64_t values[] = {
    0,
    1,
    -1,
    7,
    8,
    9,
    10,
    -10,
    15,
    16,
    127,
    128,
    -128,
    -129,
    255,
    256,
    32767,
    -32768,
    65535,
    65536,
    123456789,
    -123456789,
    INT32_MAX,
    INT32_MIN,
    (int64_t)UINT32_MAX,
    (int64_t)UINT32_MAX + 1,
    0x123456789abcdefLL,
    -0x123456789abcdefLL,
    INT64_MAX,
    INT64_MIN,
    (int64_t)UINT64_MAX,
};

/* Call both implementations with the argument in the right C type. */
static void check_int(const char *fmtstr, const char *len, char conv, int64_t v)
{
	bool sgn = conv == 'd' || conv == 'i';

	if (!strcmp(len, "") || !strcmp(len, "hh") || !strcmp(len, "h")) {
		if (sgn)
			SAME(fmtstr, (int)v);
		else
			SAME(fmtstr, (unsigned int)v);
	} else if (!strcmp(len, "l")) {
		if (sgn)
			SAME(fmtstr, (long)v);
		else
			SAME(fmtstr, (unsigned long)v);
	} else if (!strcmp(len, "ll")) {
		if (sgn)
			SAME(fmtstr, (long long)v);
		else
			SAME(fmtstr, (unsigned long long)v);
	} else if (!strcmp(len, "z")) {
		if (sgn)
			SAME(fmtstr, (ssize_t)v);
		else
			SAME(fmtstr, (size_t)v);
	} else if (!strcmp(len, "j")) {
		if (sgn)
			SAME(fmtstr, (intmax_t)v);
		else
			SAME(fmtstr, (uintmax_t)v);
	} else {
		SAME(fmtstr, (ptrdiff_t)v);
	}
}

TEST(integer_matrix)
{
	static const char convs[] = "diuxXo";
	char f[64];

	for (size_t c = 0; c < sizeof(convs) - 1; c++)
		for (size_t fl = 0; fl < ARRAY_SIZE(flag_sets); fl++)
			for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
					for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
						for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
							snprintf(f, sizeof(f), "[%%%s%s%s%s%c]",
								 flag_sets[fl], widths[w], precs[p],
								 lengths[l], convs[c]);
							check_int(f, lengths[l], convs[c],
								  values[v]);
						}
	CHECK(checked > 100000);
}

TEST(star_width_precision)
{
	static const int stars[] = {-30, -5, -1, 0, 1, 3, 8, 25};
	static const char *const fmts[] = {
	    "%*d|", "%-*d|", "%0*d|", "%.*d|", "%*.*d|", "%-*.*x|", "%0*.*o|", "%#*.*X|",
	};

	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t a = 0; a < ARRAY_SIZE(stars); a++)
			for (size_t b = 0; b < ARRAY_SIZE(stars); b++)
				for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
					int n = (int)values[v];
					const char *fs = fmts[f];
					int stars_used = (int)(strchr(fs, '*') != NULL) +
							 (strrchr(fs, '*') != strchr(fs, '*'));

					if (stars_used == 1)
						SAME(fs, stars[a], n);
					else
						SAME(fs, stars[a], stars[b], n);
				}
	/* '*' precision of a string, negative meaning "none". */
	SAME("%.*s|", 3, "abcdef");
	SAME("%.*s|", -1, "abcdef");
	SAME("%*s|", -8, "abc");
	SAME("%*.*s|", 10, 2, "abc");
}

TEST(strings_and_chars)
{
	static const char *const strs[] = {"", "a", "hello", "hello, world", "tab\there"};
	static const char *const sfmts[] = {
	    "%s", "%10s", "%-10s", "%.0s", "%.3s", "%10.3s", "%-10.3s", "%2s", "%.20s", "<%s>",
	};
	static const char *const cfmts[] = {"%c", "%5c", "%-5c", "[%c]", "%1c"};
	static const int chars[] = {'A', 'z', ' ', '~', 0xff, '%'};

	for (size_t f = 0; f < ARRAY_SIZE(sfmts); f++)
		for (size_t s = 0; s < ARRAY_SIZE(strs); s++)
			SAME(sfmts[f], strs[s]);
	for (size_t f = 0; f < ARRAY_SIZE(cfmts); f++)
		for (size_t c = 0; c < ARRAY_SIZE(chars); c++)
			SAME(cfmts[f], chars[c]);
	SAME("%s and %c and %d%%", "x", 'y', 42);
	SAME("%%%d%%", 5);
	SAME("100%% %s", "done");
}

TEST(precision_reads_bounded)
{
	/* With a precision, %s must not read past it (no terminator here). */
	char raw[4] = {'a', 'b', 'c', 'd'};
	char buf[16];

	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%.4s|%.2s", raw, raw), 7);
	CHECK_STR(buf, "abcd|ab");
}

TEST(null_string)
{
	/* volatile: gcc would otherwise reject a literal NULL for %s. */
	const char *volatile nul = NULL;
	char buf[32];

	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%s", nul), 6);
	CHECK_STR(buf, "(null)");
	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "[%8s]", nul), 10);
	CHECK_STR(buf, "[  (null)]");
}

TEST(pointer)
{
	static const uintptr_t ptrs[] = {
	    1, 0xdead, 0xffffffffu, 0x7fffdeadbeefu, UINTPTR_MAX,
	};
	char ours[64], libc[64];

	for (size_t i = 0; i < ARRAY_SIZE(ptrs); i++) {
		void *p = (void *)ptrs[i];

		/* glibc's %p is %#lx for non-NULL pointers. */
		CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%p", p),
			 snprintf(libc, sizeof(libc), "%#lx", (unsigned long)ptrs[i]));
		CHECK_STR(ours, libc);
		SAME("%p", p);
		SAME("%20p|", p);
		SAME("%-20p|", p);
	}
	/* NULL: glibc prints "(nil)"; we print a plain 0x0. */
	CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%p", NULL), 3);
	CHECK_STR(ours, "0x0");
	CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%6p|", NULL), 7);
	CHECK_STR(ours, "   0x0|");
}

TEST(extremes)
{
	char narrow[] = "%hhd %hhu %hd %hu";

	SAME("%lld %llu %llx %llo", (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
	     (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	SAME("%+lld % lld %020lld %-25lld|", (long long)INT64_MIN, (long long)INT64_MAX,
	     (long long)INT64_MIN, (long long)INT64_MIN);
	SAME("%#llo %#llx %#llX", (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
	     (unsigned long long)UINT64_MAX);
	SAME("%d %d", (int)INT32_MIN, (int)INT32_MAX);
	/* Out-of-range values for hh and h are converted by the callee. */
	SAME(narrow, 300, 300, 70000, 70000);
	SAME("%zu %zd %td %jd", (size_t)SIZE_MAX, (ssize_t)-5, (ptrdiff_t)PTRDIFF_MIN,
	     (intmax_t)INTMAX_MIN);
}

TEST(width_larger_than_buffer)
{
	char ours[8], libc[8];

	CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%100d", 42),
		 snprintf(libc, sizeof(libc), "%100d", 42));
	CHECK_STR(ours, libc);
	CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%-300s|", "x"),
		 snprintf(libc, sizeof(libc), "%-300s|", "x"));
	CHECK_STR(ours, libc);
	CHECK_EQ(fmt_snprintf(ours, sizeof(ours), "%.200x", 1u),
		 snprintf(libc, sizeof(libc), "%.200x", 1u));
	CHECK_STR(ours, libc);
}

/* Truncation at every buffer size, from 0 (buf NULL) up to past the end. */
static void check_truncation(const char *fmtstr, ...)
{
	char full[OUT_MAX];
	va_list ap, aq;
	int n;

	va_start(ap, fmtstr);
	va_copy(aq, ap);
	n = vsnprintf(full, sizeof(full), fmtstr, aq);
	va_end(aq);

	va_copy(aq, ap);
	CHECK_EQ(fmt_vsnprintf(NULL, 0, fmtstr, aq), n);
	va_end(aq);

	for (size_t size = 1; size <= (size_t)n + 2; size++) {
		/* An exact-size heap buffer, so ASan sees any overrun. */
		char *ours = malloc(size);
		char *libc = malloc(size);
		int no, nl;

		va_copy(aq, ap);
		no = fmt_vsnprintf(ours, size, fmtstr, aq);
		va_end(aq);
		va_copy(aq, ap);
		nl = vsnprintf(libc, size, fmtstr, aq);
		va_end(aq);
		if (no != nl || strcmp(ours, libc) != 0)
			TEST_FAIL_AT("\"%s\" size %zu: ours %d \"%s\", libc %d \"%s\"", fmtstr,
				     size, no, ours, nl, libc);
		free(ours);
		free(libc);
	}
	va_end(ap);
}

TEST(truncation_every_size)
{
	check_truncation("hello");
	check_truncation("%d", -12345);
	check_truncation("[%-10s] %#x %05d", "abc", 0xbeefu, -42);
	check_truncation("%lld/%llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	check_truncation("%s=%s", "key", "a somewhat longer value string");
	check_truncation("%c%c%c", 'a', 'b', 'c');
	check_truncation("");
}

TEST(size_zero_null_buffer)
{
	char buf[4] = {'x', 'x', 'x', 'x'};

	CHECK_EQ(fmt_snprintf(NULL, 0, "%s %d", "abc", 12345), 9);
	/* size 0 must not touch the buffer at all. */
	CHECK_EQ(fmt_snprintf(buf, 0, "abc"), 3);
	CHECK_EQ(buf[0], 'x');
	/* size 1: only the terminator. */
	CHECK_EQ(fmt_snprintf(buf, 1, "abc"), 3);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'x');
}

/* A wrapper so the va_list path is exercised through a caller's ... too. */
static int wrap(char *buf, size_t size, const char *fmtstr, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmtstr);
	n = fmt_vsnprintf(buf, size, fmtstr, ap);
	va_end(ap);
	return n;
}

TEST(vsnprintf_and_oddities)
{
	/* Formats gcc would reject at compile time are kept in variables. */
	char unsupported[] = "%f|%n|%d", trailing[] = "ab%", cut[] = "ab%-5l";
	char huge[] = "%99999999999999999999d";
	char buf[64];

	CHECK_EQ(wrap(buf, sizeof(buf), "%s:%u:%x", "f", 10u, 255u), 7);
	CHECK_STR(buf, "f:10:ff");
	/* Unsupported conversions are copied through without using an argument. */
	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), unsupported, 7), 7);
	CHECK_STR(buf, "%f|%n|7");
	/* A format ending inside a conversion. */
	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), trailing, 0), 3);
	CHECK_STR(buf, "ab%");
	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), cut, 0), 6);
	CHECK_STR(buf, "ab%-5l");
	/* An absurd width is clamped instead of overflowing. */
	CHECK(fmt_snprintf(buf, sizeof(buf), huge, 1) > 0);
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	RUN(integer_matrix);
	RUN(star_width_precision);
	RUN(strings_and_chars);
	RUN(precision_reads_bounded);
	RUN(null_string);
	RUN(pointer);
	RUN(extremes);
	RUN(width_larger_than_buffer);
	RUN(truncation_every_size);
	RUN(size_zero_null_buffer);
	RUN(vsnprintf_and_oddities);
	TEST_EXIT();
}
