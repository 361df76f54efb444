/* SPDX-License-Identifier: MIT */
#include "core/log.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "core/console.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define NS_PER_SEC 1000000000ull
#define NS_PER_USEC 1000ull

static enum log_level cur_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static const char *const level_tags[] = {
	[LOG_ERROR] = "ERROR: ",
	[LOG_WARN] = "WARNING: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "",
};

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0 || (s[0] == (char)('0' + i) && s[1] == '\0')) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	uint64_t ns = tsc_ns_since_boot();
	int n, m;

	if (level > cur_level)
		return;

	n = fmt_snprintf(line, sizeof(line), "[%5llu.%06llu] cpu%u: %s",
			 (unsigned long long)(ns / NS_PER_SEC),
			 (unsigned long long)((ns % NS_PER_SEC) / NS_PER_USEC), cpu_id(),
			 level_tags[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = fmt_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n = (size_t)(n + m) >= sizeof(line) - 1 ? (int)sizeof(line) - 2 : n + m;
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	console_write(line, (size_t)n);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	console_write(line, (size_t)n);
}
