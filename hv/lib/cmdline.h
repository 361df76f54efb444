/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing: whitespace-separated words, each "key" or
 * "key=value"; a value may be double-quoted to contain spaces. Later words
 * override earlier ones. Pure logic, host-tested.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "lib/compiler.h"

/*
 * Copy the value of the last "key=value" word into buf (NUL-terminated,
 * quotes removed). Returns the value's length, -ENOENT if the key is
 * absent or has no '=', -E2BIG if it does not fit in buf (buf is then "").
 * The last word with the key decides: after "key=1 key" it has no '='.
 * buf is "" on every error (when len > 0).
 */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t len);

/* True if a word is exactly "key" or starts with "key=". */
bool cmdline_has(const char *cmdline, const char *key);

/*
 * Parse an unsigned number: decimal, 0x hex, or 0b binary, with an optional
 * K/M/G suffix (binary multiples). The whole string must be consumed.
 * Returns 0, -EINVAL for malformed text, -ERANGE on overflow.
 */
int parse_u64(const char *s, uint64_t *out);

#endif
