/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting for the freestanding hypervisor. Supports the
 * conversions d i u x X o p s c %, the flags - 0 + space #, field width and
 * precision (numbers and '*'), and the length modifiers hh h l ll z j t.
 * Output is always NUL-terminated when size > 0; the return value is the
 * length the full output would have (like C99 vsnprintf). Pure logic,
 * host-tested against the C library.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>

#include "lib/compiler.h"

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
