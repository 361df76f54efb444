// SPDX-License-Identifier: MIT
/*
 * Freestanding memory and string functions.
 *
 * In the hypervisor these are the only implementations, and gcc itself emits
 * calls to memcpy/memmove/memset/memcmp (struct copies, zero-initialisers),
 * so they must exist even with -fno-builtin. On the host (HOST_TEST) the C
 * library provides them and only str_copy is built, except that the string
 * unit test defines LIB_STRING_SELFTEST and includes this file to test our
 * implementations under the sanitizers with prefixed names.
 *
 * The loops are written plainly. gcc's loop-distribution pass recognises a
 * byte loop as "memset" or "memcpy" and would replace it with a call to that
 * very function (infinite recursion), so the pass is switched off for the
 * functions in this file.
 */
#include "lib/string.h"

#ifdef HOST_TEST
#ifdef LIB_STRING_SELFTEST
#define STR_FN(name) selftest_##name
#endif
#else
#define STR_FN(name) name
#endif

/* Keep gcc from turning a copy/fill loop into a call to itself. */
#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

#ifdef STR_FN

/* Word-sized access that may alias any object type (like char). */
typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD_SIZE sizeof(word_t)
/* 0x0101...01: multiplying a byte by this repeats it in every byte lane. */
#define BYTE_REPEAT (~(uint64_t)0 / 0xff)

#ifdef LIB_STRING_SELFTEST
/* Prototypes for the prefixed test copies. */
void *STR_FN(memcpy)(void *dst, const void *src, size_t n);
void *STR_FN(memmove)(void *dst, const void *src, size_t n);
void *STR_FN(memset)(void *dst, int c, size_t n);
int STR_FN(memcmp)(const void *a, const void *b, size_t n);
size_t STR_FN(strlen)(const char *s);
size_t STR_FN(strnlen)(const char *s, size_t max);
int STR_FN(strcmp)(const char *a, const char *b);
int STR_FN(strncmp)(const char *a, const char *b, size_t n);
char *STR_FN(strchr)(const char *s, int c);
#endif

/* Both pointers share the same offset within a word, so words can be used. */
static inline bool co_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & (WORD_SIZE - 1)) == 0;
}

NO_LOOP_CALLS void *STR_FN(memcpy)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (co_aligned(d, s)) {
		/* Bytes up to a word boundary, then whole words (page copies). */
		while (n && ((uintptr_t)d & (WORD_SIZE - 1))) {
			*d++ = *s++;
			n--;
		}
		while (n >= WORD_SIZE) {
			*(word_t *)d = *(const word_t *)s;
			d += WORD_SIZE;
			s += WORD_SIZE;
			n -= WORD_SIZE;
		}
	}
	while (n) {
		*d++ = *s++;
		n--;
	}
	return dst;
}

NO_LOOP_CALLS void *STR_FN(memmove)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* A forward copy is safe unless dst starts inside [src, src + n). */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return STR_FN(memcpy)(dst, src, n);

	/* Overlap with dst above src: copy backwards, one byte at a time. */
	while (n) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

NO_LOOP_CALLS void *STR_FN(memset)(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;
	uint64_t w = (uint64_t)b * BYTE_REPEAT;

	while (n && ((uintptr_t)d & (WORD_SIZE - 1))) {
		*d++ = b;
		n--;
	}
	while (n >= WORD_SIZE) {
		*(word_t *)d = w;
		d += WORD_SIZE;
		n -= WORD_SIZE;
	}
	while (n) {
		*d++ = b;
		n--;
	}
	return dst;
}

NO_LOOP_CALLS int STR_FN(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

NO_LOOP_CALLS size_t STR_FN(strlen)(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

NO_LOOP_CALLS size_t STR_FN(strnlen)(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Comparisons are on unsigned char values, as the C standard requires. */
NO_LOOP_CALLS int STR_FN(strcmp)(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

NO_LOOP_CALLS int STR_FN(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
		if (!x[i])
			break;
	}
	return 0;
}

/* Like the C library, the terminating NUL is part of the string (c == 0). */
NO_LOOP_CALLS char *STR_FN(strchr)(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

#endif /* STR_FN */

NO_LOOP_CALLS size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = 0, copy;

	while (src[n])
		n++;
	if (!size)
		return n;
	copy = MIN(n, size - 1);
	for (size_t i = 0; i < copy; i++)
		dst[i] = src[i];
	dst[copy] = '\0';
	return n;
}
