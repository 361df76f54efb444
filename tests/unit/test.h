/* SPDX-License-Identifier: MIT */
/*
 * A minimal host unit-test framework. A test file defines functions with
 * TEST(name) and lists them in main() with RUN(name). Each test prints one
 * line, "PASS: <file>/<name>" or "FAIL: <file>/<name>: <where>: <what>", which
 * tests/run.sh counts. The binary exits non-zero if any test failed.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_total;
static int test_cur_failed;
static const char *test_cur_name;

#define TEST(name) static void test_##name(void)

#define TEST_FAIL_AT(fmt, ...)                                                     \
	do {                                                                       \
		if (!test_cur_failed)                                              \
			printf("FAIL: %s/%s: %s:%d: " fmt "\n", TEST_SUITE,        \
			       test_cur_name, __FILE__, __LINE__, __VA_ARGS__);    \
		test_cur_failed = 1;                                               \
	} while (0)

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			TEST_FAIL_AT("CHECK(%s)", #cond);                          \
	} while (0)

#define CHECK_EQ(a, b)                                                             \
	do {                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                \
		if (_a != _b)                                                      \
			TEST_FAIL_AT("%s == %s: %lld != %lld", #a, #b, _a, _b);    \
	} while (0)

#define CHECK_STR(a, b)                                                            \
	do {                                                                       \
		const char *_a = (a), *_b = (b);                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0)                             \
			TEST_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b,         \
				     _a ? _a : "(null)", _b ? _b : "(null)");      \
	} while (0)

#define RUN(name)                                                                  \
	do {                                                                       \
		test_cur_name = #name;                                             \
		test_cur_failed = 0;                                               \
		test_##name();                                                     \
		if (!test_cur_failed)                                              \
			printf("PASS: %s/%s\n", TEST_SUITE, #name);                \
		else                                                               \
			test_failed_total++;                                       \
	} while (0)

#define TEST_EXIT() return test_failed_total ? 1 : 0

#endif
