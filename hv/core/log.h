/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging to the hypervisor console. Each call produces whole
 * lines prefixed with the time since boot and the CPU number:
 *   [    1.234567] cpu2: message
 * The level is set on the command line (loglevel=error|warn|info|debug).
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>

#include "lib/compiler.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

#define LOG_LINE_MAX 256

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "error", "warn", "info" or "debug" (or 0-3). 0 or -EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

void log_printf(enum log_level level, const char *fmt, ...) __printf(2, 3);
void log_vprintf(enum log_level level, const char *fmt, va_list ap);

/* Raw text with no prefix and no level filtering (panic dumps, refusals). */
void log_raw(const char *fmt, ...) __printf(1, 2);

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
