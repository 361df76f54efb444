// SPDX-License-Identifier: MIT
/*
 * Command-line parsing. The boot loader passes one string; words are
 * separated by spaces or tabs, and a double-quoted part of a word may
 * contain them (the quotes are not part of the value). A word is "key" or
 * "key=value", the key being everything before the first '='.
 */
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"

#define QUOTE '"'

/* Binary multiples of the K/M/G suffixes of parse_u64. */
#define SHIFT_K 10
#define SHIFT_M 20
#define SHIFT_G 30

#define BASE_BIN 2
#define BASE_DEC 10
#define BASE_HEX 16

struct word {
	const char *key;
	size_t key_len;
	bool has_value;
	const char *val; /* raw, still with any quotes */
	size_t val_len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split off the next word at *pp. Returns false at the end of the line.
 * An unterminated quote runs to the end of the line.
 */
static bool next_word(const char **pp, struct word *w)
{
	const char *p = *pp;
	const char *start;
	bool quoted = false;

	while (is_space(*p))
		p++;
	if (!*p) {
		*pp = p;
		return false;
	}

	start = p;
	w->has_value = false;
	w->key = start;
	w->key_len = 0;
	w->val = NULL;
	w->val_len = 0;
	for (; *p && (quoted || !is_space(*p)); p++) {
		if (*p == QUOTE)
			quoted = !quoted;
		else if (*p == '=' && !w->has_value) {
			w->has_value = true;
			w->key_len = (size_t)(p - start);
			w->val = p + 1;
		}
	}
	if (w->has_value)
		w->val_len = (size_t)(p - w->val);
	else
		w->key_len = (size_t)(p - start);
	*pp = p;
	return true;
}

static bool key_is(const struct word *w, const char *key)
{
	size_t n = strlen(key);

	return w->key_len == n && memcmp(w->key, key, n) == 0;
}

/* Value length with the quote characters removed. */
static size_t unquoted_len(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += s[i] != QUOTE;
	return len;
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t len)
{
	const char *p = cmdline ? cmdline : "";
	struct word w, found = {0};
	bool seen = false;
	size_t vlen, o = 0;

	/* The last word with this key decides ("a=1 a=2" is 2, "a=1 a" has no value). */
	while (next_word(&p, &w)) {
		if (key_is(&w, key)) {
			found = w;
			seen = true;
		}
	}
	if (len)
		buf[0] = '\0';
	if (!seen || !found.has_value)
		return -ENOENT;

	vlen = unquoted_len(found.val, found.val_len);
	/* The result is returned as an int, so it must fit one as well. */
	if (vlen >= len || vlen > (size_t)INT32_MAX)
		return -E2BIG;
	for (size_t i = 0; i < found.val_len; i++) {
		if (found.val[i] != QUOTE)
			buf[o++] = found.val[i];
	}
	buf[o] = '\0';
	return (int)vlen;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *p = cmdline ? cmdline : "";
	struct word w;

	while (next_word(&p, &w)) {
		if (key_is(&w, key))
			return true;
	}
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return SHIFT_K;
	case 'M':
	case 'm':
		return SHIFT_M;
	case 'G':
	case 'g':
		return SHIFT_G;
	default:
		return 0;
	}
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = BASE_DEC, shift;
	bool overflow = false;
	uint64_t v = 0;
	const char *p;
	int d;

	if (!s)
		return -EINVAL;
	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = BASE_HEX;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = BASE_BIN;
		p += 2;
	}

	/* At least one digit; keep scanning after an overflow so that
	 * garbage later in the string is still reported as -EINVAL. */
	if ((d = digit_value(*p)) < 0 || (unsigned int)d >= base)
		return -EINVAL;
	for (; (d = digit_value(*p)) >= 0 && (unsigned int)d < base; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		v = v * base + (uint64_t)d;
	}

	shift = suffix_shift(*p);
	if (shift) {
		p++;
		if (v > (UINT64_MAX >> shift))
			overflow = true;
		v <<= shift;
	}
	if (*p)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}
