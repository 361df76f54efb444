// SPDX-License-Identifier: MIT
/*
 * The partition configuration file parser (format: docs/configuration.md).
 *
 * The text comes from a boot module, so it is untrusted input: every byte
 * is checked, nothing is read past len, nothing is allocated, and the
 * stack stays small (values are handled as spans of the caller's text, not
 * copied into line buffers).
 *
 * Work happens in two stages. Stage 1 reads the file line by line; each
 * [partition NAME] section is parsed into its own slot of out->part, and
 * everything that can be judged from the section alone is checked at its
 * last line. Stage 2 then walks the sections in file order and checks what
 * depends on the other sections: CPU sharing, CPU auto-assignment (which
 * must avoid CPUs that any section names explicitly, even a later one) and
 * the memory budget. The surviving sections are finally compacted to the
 * front of out->part and the errors sorted by line, so that the log reads
 * in file order whichever stage found them.
 */
#include <stdarg.h>

#include "core/config.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

/* Slot sets are kept in a uint32_t bitmask. */
BUILD_ASSERT(CFG_MAX_PARTITIONS <= 32);
/* A listed-CPU count is kept in an unsigned char. */
BUILD_ASSERT(CFG_MAX_VCPUS <= 255);

#define SECTION_TYPE	 "partition"
#define DEFAULT_FILENAME "config"
#define MEMORY_GRANULE	 MiB(2) /* partitions are mapped with 2 MiB pages */
#define MIB_SHIFT	 20

/* Longest piece of user text quoted back in a message, so that the
 * message keeps its meaning within CFG_ERROR_LEN. */
#define ECHO_MAX      40
#define FILE_ECHO_MAX 48
/* Longest number text handed to parse_u64 (2^64 in decimal is 20 digits). */
#define NUM_TEXT_MAX 32
/* Longest decimal CPU number; larger ones are out of range on any machine. */
#define CPU_DIGITS_MAX	10
#define TRUNCATION_MARK "..."

enum cfg_key {
	KEY_MEMORY,
	KEY_VCPUS,
	KEY_CPUS,
	KEY_IMAGE,
	KEY_KERNEL,
	KEY_INITRD,
	KEY_CMDLINE,
	KEY_ON_CRASH,
	KEY_ON_POWEROFF,
	KEY_ON_REBOOT,
	KEY_TESTDEV,
	NKEYS
};

static const char *const key_names[NKEYS] = {
    [KEY_MEMORY] = "memory",	   [KEY_VCPUS] = "vcpus",	[KEY_CPUS] = "cpus",
    [KEY_IMAGE] = "image",	   [KEY_KERNEL] = "kernel",	[KEY_INITRD] = "initrd",
    [KEY_CMDLINE] = "cmdline",	   [KEY_ON_CRASH] = "on_crash", [KEY_ON_POWEROFF] = "on_poweroff",
    [KEY_ON_REBOOT] = "on_reboot", [KEY_TESTDEV] = "testdev",
};

/* For messages; the same names as key_names, in the same order. */
#define KNOWN_KEYS                                                                                 \
	"memory, vcpus, cpus, image, kernel, initrd, cmdline, on_crash, on_poweroff, on_reboot, " \
	"testdev"

#define KEY_BIT(k)  (1u << (k))
#define SLOT_BIT(i) (1u << (i))

/* A piece of the caller's text: not NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

enum section_state {
	SEC_NONE, /* before the first section header */
	SEC_PART, /* inside a partition section that has a slot */
	SEC_SKIP, /* inside a section that was refused at its header */
};

struct parser {
	const char *file;
	const struct cfg_limits *lim;
	struct config *out;
	unsigned int line;
	enum section_state state;
	unsigned int nslots;  /* partition sections given a slot in out->part */
	unsigned int skipped; /* sections refused at their header */
	/* The current section (state SEC_PART). */
	struct cfg_partition *cur;
	unsigned int key_line[NKEYS]; /* line of each key, 0 if absent */
	uint32_t key_ok;	      /* KEY_BITs of keys with a valid value */
	bool unreadable;	      /* a line was not read as a key: keys may be missing */
	/* Per slot, for stage 2. */
	uint32_t bad;	   /* slots with an error: dropped */
	uint32_t has_cpus; /* slots with a valid explicit cpus list */
	unsigned char ncpus_listed[CFG_MAX_PARTITIONS];
	unsigned int cpus_line[CFG_MAX_PARTITIONS];
	unsigned int memory_line[CFG_MAX_PARTITIONS];
};

/* ---------------------------------------------------------------------------
 * Errors
 */

static int echo_len(struct span v)
{
	return (int)MIN(v.n, (size_t)ECHO_MAX);
}

static void add_verror(struct parser *p, unsigned int line, const char *fmt, va_list ap)
{
	struct config *out = p->out;
	struct cfg_error *e;
	size_t off, room;
	int n;

	if (out->nerrors >= CFG_MAX_ERRORS) {
		out->errors_dropped++;
		return;
	}
	e = &out->errors[out->nerrors++];
	e->line = line;
	n = fmt_snprintf(e->msg, sizeof(e->msg), "%.*s:%u: ", FILE_ECHO_MAX, p->file, line);
	off = MIN((size_t)n, sizeof(e->msg) - 1);
	room = sizeof(e->msg) - off;
	n = fmt_vsnprintf(e->msg + off, room, fmt, ap);
	/* Show that a message was cut rather than let it end mid-word. */
	if (n >= 0 && (size_t)n >= room)
		memcpy(e->msg + sizeof(e->msg) - sizeof(TRUNCATION_MARK), TRUNCATION_MARK,
		       sizeof(TRUNCATION_MARK));
}

/* An error in slot i: the partition is dropped. */
static __printf(4, 5) void slot_error(struct parser *p, unsigned int i, unsigned int line,
				      const char *fmt, ...)
{
	va_list ap;

	p->bad |= SLOT_BIT(i);
	va_start(ap, fmt);
	add_verror(p, line, fmt, ap);
	va_end(ap);
}

static unsigned int cur_slot(const struct parser *p)
{
	return (unsigned int)(p->cur - p->out->part);
}

/* An error on the current line; it spoils the current section, if any. */
static __printf(2, 3) void line_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->state == SEC_PART)
		p->bad |= SLOT_BIT(cur_slot(p));
	va_start(ap, fmt);
	add_verror(p, p->line, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------
 * Text helpers
 */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_control(char c)
{
	unsigned char u = (unsigned char)c;

	/* Tabs are whitespace; line ends were removed by the caller. */
	return (u < 0x20 && c != '\t') || u == 0x7f;
}

static bool is_comment_start(char c)
{
	return c == '#' || c == ';';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static struct span trim(struct span v)
{
	while (v.n && is_space(v.s[0])) {
		v.s++;
		v.n--;
	}
	while (v.n && is_space(v.s[v.n - 1]))
		v.n--;
	return v;
}

static struct span sub(struct span v, size_t from, size_t to)
{
	struct span r = {v.s + from, to - from};

	return r;
}

/* Index of the first c in v, or v.n. */
static size_t find(struct span v, char c)
{
	size_t i = 0;

	while (i < v.n && v.s[i] != c)
		i++;
	return i;
}

static bool span_is(struct span v, const char *word)
{
	size_t n = strlen(word);

	return v.n == n && memcmp(v.s, word, n) == 0;
}

/* True if nothing but a comment (or nothing) follows. */
static bool only_comment(struct span v)
{
	v = trim(v);
	return !v.n || is_comment_start(v.s[0]);
}

static void copy_span(char *dst, struct span v)
{
	memcpy(dst, v.s, v.n);
	dst[v.n] = '\0';
}

/* parse_u64 on a span (it needs a terminated string). */
static int parse_number(struct span v, uint64_t *out)
{
	char buf[NUM_TEXT_MAX];

	if (!v.n || v.n >= sizeof(buf))
		return -EINVAL;
	copy_span(buf, v);
	return parse_u64(buf, out);
}

/* ---------------------------------------------------------------------------
 * Values
 */

static int set_memory(struct parser *p, struct span v)
{
	uint64_t bytes;
	int err = parse_number(v, &bytes);

	if (err == -ERANGE) {
		line_error(p, "memory = %.*s is too large", echo_len(v), v.s);
		return err;
	}
	if (err) {
		line_error(p,
			   "bad memory value \"%.*s\": expected a size such as 512M or 2G "
			   "(bytes, or a K, M or G suffix)",
			   echo_len(v), v.s);
		return err;
	}
	if (bytes < CFG_MIN_MEMORY) {
		line_error(p, "memory = %.*s is below the minimum of %llu MiB", echo_len(v), v.s,
			   (unsigned long long)(CFG_MIN_MEMORY >> MIB_SHIFT));
		return -EINVAL;
	}
	if (!IS_ALIGNED(bytes, MEMORY_GRANULE)) {
		line_error(p, "memory = %.*s is not a multiple of %llu MiB", echo_len(v), v.s,
			   (unsigned long long)(MEMORY_GRANULE >> MIB_SHIFT));
		return -EINVAL;
	}
	p->cur->memory = bytes;
	return 0;
}

static int set_vcpus(struct parser *p, struct span v)
{
	uint64_t n;

	if (parse_number(v, &n) || n < 1 || n > CFG_MAX_VCPUS) {
		line_error(p, "bad vcpus value \"%.*s\": expected a number from 1 to %u",
			   echo_len(v), v.s, CFG_MAX_VCPUS);
		return -EINVAL;
	}
	p->cur->vcpus = (unsigned int)n;
	return 0;
}

/* A decimal CPU number; too many digits count as malformed. */
static bool parse_cpu_number(struct span v, uint64_t *out)
{
	uint64_t x = 0;

	if (!v.n || v.n > CPU_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v.s[i] - '0');
	}
	*out = x;
	return true;
}

/* One item of a cpus list, "N" or "N-M", appended to the current slot. */
static int add_cpu_item(struct parser *p, struct span item, unsigned int *count)
{
	struct cfg_partition *part = p->cur;
	size_t dash = find(item, '-');
	uint64_t first, last;

	if (!parse_cpu_number(trim(sub(item, 0, dash)), &first)) {
		line_error(p,
			   "bad cpus item \"%.*s\": expected a CPU number (2) or a range (1-3), "
			   "separated by commas",
			   echo_len(item), item.s);
		return -EINVAL;
	}
	last = first;
	if (dash < item.n && !parse_cpu_number(trim(sub(item, dash + 1, item.n)), &last)) {
		line_error(p, "bad cpus range \"%.*s\": expected FIRST-LAST, such as 1-3",
			   echo_len(item), item.s);
		return -EINVAL;
	}
	if (last < first) {
		line_error(p, "bad cpus range \"%.*s\": the first CPU is above the last",
			   echo_len(item), item.s);
		return -EINVAL;
	}
	/* Stops at the first CPU out of range or over the count, so even
	 * 0-9999999999 costs at most CFG_MAX_VCPUS + 1 rounds. */
	for (uint64_t c = first; c <= last; c++) {
		if (c >= p->lim->ncpus) {
			line_error(p,
				   "cpu %llu is out of range (this machine has %u CPUs, 0 to %u)",
				   (unsigned long long)c, p->lim->ncpus,
				   p->lim->ncpus ? p->lim->ncpus - 1 : 0);
			return -EINVAL;
		}
		if (*count >= CFG_MAX_VCPUS) {
			line_error(p, "cpus lists more than %u CPUs", CFG_MAX_VCPUS);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < *count; i++) {
			if (part->cpus[i] == c) {
				line_error(p, "cpu %llu is listed twice in cpus",
					   (unsigned long long)c);
				return -EINVAL;
			}
		}
		part->cpus[(*count)++] = (uint32_t)c;
	}
	return 0;
}

static int set_cpus(struct parser *p, struct span v)
{
	unsigned int slot = cur_slot(p), count = 0;
	size_t i = 0;

	if (!v.n) {
		line_error(p, "cpus needs a list of CPU numbers such as 2 or 1,3 or 0-3");
		return -EINVAL;
	}
	for (;;) {
		size_t comma = i + find(sub(v, i, v.n), ',');
		struct span item = trim(sub(v, i, comma));
		int err;

		if (!item.n) {
			line_error(p, "cpus has an empty item (two commas, or a comma at an end)");
			return -EINVAL;
		}
		err = add_cpu_item(p, item, &count);
		if (err)
			return err;
		if (comma == v.n)
			break;
		i = comma + 1;
	}
	p->ncpus_listed[slot] = (unsigned char)count;
	p->has_cpus |= SLOT_BIT(slot);
	return 0;
}

/* image, kernel or initrd: the name of a boot module. */
static int set_module(struct parser *p, enum cfg_key k, struct span v, char *dst)
{
	const struct cfg_limits *lim = p->lim;

	if (!v.n) {
		line_error(p, "%s needs a boot module name, such as %s = hello.elf", key_names[k],
			   key_names[k]);
		return -EINVAL;
	}
	if (v.n >= CFG_MODNAME_MAX) {
		line_error(p, "%s: module name \"%.*s...\" is too long (at most %u characters)",
			   key_names[k], echo_len(v), v.s, CFG_MODNAME_MAX - 1);
		return -EINVAL;
	}
	/* A module's name is the last path component of the first word of
	 * its module command line, so no module has a space or '/' in it. */
	for (size_t i = 0; i < v.n; i++) {
		if (is_space(v.s[i]) || v.s[i] == '/') {
			line_error(p,
				   "%s: bad module name \"%.*s\" (a module is named by the last "
				   "part of its path, with no spaces)",
				   key_names[k], echo_len(v), v.s);
			return -EINVAL;
		}
	}
	copy_span(dst, v);
	if (lim->module_exists && !lim->module_exists(lim->ctx, dst)) {
		line_error(p,
			   "%s: boot module \"%s\" not found (load it with GRUB module2 or "
			   "QEMU -initrd)",
			   key_names[k], dst);
		dst[0] = '\0';
		return -ENOENT;
	}
	return 0;
}

static int set_cmdline(struct parser *p, struct span v)
{
	if (v.n >= CFG_CMDLINE_MAX) {
		line_error(p, "cmdline is %zu characters long; at most %u are allowed", v.n,
			   CFG_CMDLINE_MAX - 1);
		return -EINVAL;
	}
	copy_span(p->cur->cmdline, v);
	return 0;
}

static int set_policy(struct parser *p, enum cfg_key k, struct span v, enum cfg_policy *dst)
{
	if (span_is(v, "stop")) {
		*dst = CFG_POLICY_STOP;
	} else if (span_is(v, "restart")) {
		*dst = CFG_POLICY_RESTART;
	} else {
		line_error(p, "bad %s value \"%.*s\": expected stop or restart", key_names[k],
			   echo_len(v), v.s);
		return -EINVAL;
	}
	return 0;
}

static int set_bool(struct parser *p, enum cfg_key k, struct span v, bool *dst)
{
	if (span_is(v, "on") || span_is(v, "yes") || span_is(v, "true")) {
		*dst = true;
	} else if (span_is(v, "off") || span_is(v, "no") || span_is(v, "false")) {
		*dst = false;
	} else {
		line_error(p, "bad %s value \"%.*s\": expected on or off", key_names[k],
			   echo_len(v), v.s);
		return -EINVAL;
	}
	return 0;
}

static int set_key(struct parser *p, enum cfg_key k, struct span v)
{
	struct cfg_partition *part = p->cur;

	switch (k) {
	case KEY_MEMORY:
		return set_memory(p, v);
	case KEY_VCPUS:
		return set_vcpus(p, v);
	case KEY_CPUS:
		return set_cpus(p, v);
	case KEY_IMAGE:
		return set_module(p, k, v, part->image);
	case KEY_KERNEL:
		return set_module(p, k, v, part->kernel);
	case KEY_INITRD:
		return set_module(p, k, v, part->initrd);
	case KEY_CMDLINE:
		return set_cmdline(p, v);
	case KEY_ON_CRASH:
		return set_policy(p, k, v, &part->on_crash);
	case KEY_ON_POWEROFF:
		return set_policy(p, k, v, &part->on_poweroff);
	case KEY_ON_REBOOT:
		return set_policy(p, k, v, &part->on_reboot);
	case KEY_TESTDEV:
		return set_bool(p, k, v, &part->testdev);
	case NKEYS:
		break;
	}
	return -EINVAL;
}

/*
 * The value text after '=': a "quoted" value is taken verbatim between the
 * quotes; otherwise a '#' or ';' after whitespace starts a comment (so
 * that "console=ttyS0;x" or "a#b" stay intact), and the value is trimmed.
 */
static int unquote(struct parser *p, enum cfg_key k, struct span raw, struct span *val)
{
	struct span v = trim(raw);
	size_t close;

	if (v.n && v.s[0] == '"') {
		close = 1 + find(sub(v, 1, v.n), '"');
		if (close == v.n) {
			line_error(p, "%s: unterminated quote; add the closing \"", key_names[k]);
			return -EINVAL;
		}
		if (!only_comment(sub(v, close + 1, v.n))) {
			line_error(p,
				   "%s: unexpected text after the closing quote (only a comment "
				   "may follow)",
				   key_names[k]);
			return -EINVAL;
		}
		*val = sub(v, 1, close);
		return 0;
	}
	for (size_t i = 1; i < raw.n; i++) {
		if (is_comment_start(raw.s[i]) && is_space(raw.s[i - 1])) {
			raw.n = i;
			break;
		}
	}
	*val = trim(raw);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Lines and sections
 */

static int lookup_key(struct span key)
{
	for (int k = 0; k < NKEYS; k++) {
		if (span_is(key, key_names[k]))
			return k;
	}
	return -1;
}

static void parse_key_value(struct parser *p, struct span line)
{
	size_t eq = find(line, '=');
	struct span key, val;
	int k;

	if (eq == line.n) {
		p->unreadable = true;
		line_error(p,
			   "expected \"key = value\", \"[partition NAME]\" or a comment, "
			   "not \"%.*s\"",
			   echo_len(line), line.s);
		return;
	}
	key = trim(sub(line, 0, eq));
	if (p->state == SEC_NONE) {
		line_error(p, "\"%.*s\" is outside any section; put keys after [partition NAME]",
			   echo_len(key), key.s);
		return;
	}
	if (!key.n) {
		p->unreadable = true;
		line_error(p, "missing key before \"=\"");
		return;
	}
	k = lookup_key(key);
	if (k < 0) {
		line_error(p, "unknown key \"%.*s\" in [partition %s] (known keys: " KNOWN_KEYS ")",
			   echo_len(key), key.s, p->cur->name);
		return;
	}
	if (p->key_line[k]) {
		line_error(p, "duplicate key \"%s\" in [partition %s] (first at line %u)",
			   key_names[k], p->cur->name, p->key_line[k]);
		return;
	}
	p->key_line[k] = p->line;
	if (unquote(p, (enum cfg_key)k, sub(line, eq + 1, line.n), &val))
		return;
	if (!set_key(p, (enum cfg_key)k, val))
		p->key_ok |= KEY_BIT(k);
}

/* Checks that need the whole section, done at its end. */
static void end_section(struct parser *p)
{
	struct cfg_partition *part = p->cur;
	unsigned int slot, hl;
	const unsigned int *kl = p->key_line;

	if (p->state != SEC_PART) {
		p->state = SEC_NONE;
		return;
	}
	slot = cur_slot(p);
	hl = part->line;
	/* A key on a line that could not be read is not "missing": the
	 * error about that line says what to fix. */
	if (!kl[KEY_MEMORY] && !p->unreadable)
		slot_error(p, slot, hl,
			   "[partition %s] has no memory key (required, e.g. memory = 64M)",
			   part->name);
	if (!kl[KEY_IMAGE] && !kl[KEY_KERNEL] && !p->unreadable)
		slot_error(p, slot, hl,
			   "[partition %s] needs image = MODULE (a test guest) or kernel = MODULE "
			   "(Linux)",
			   part->name);
	if (kl[KEY_IMAGE] && kl[KEY_KERNEL])
		slot_error(p, slot, hl,
			   "[partition %s] has both image (line %u) and kernel (line %u); give "
			   "only one",
			   part->name, kl[KEY_IMAGE], kl[KEY_KERNEL]);
	if (kl[KEY_INITRD] && !kl[KEY_KERNEL])
		slot_error(p, slot, kl[KEY_INITRD],
			   "initrd is only for Linux partitions, which need kernel = MODULE");
	/* A mismatch is only meaningful when both values are valid. */
	if ((p->key_ok & KEY_BIT(KEY_CPUS)) &&
	    ((p->key_ok & KEY_BIT(KEY_VCPUS)) || !kl[KEY_VCPUS]) &&
	    p->ncpus_listed[slot] != part->vcpus) {
		if (kl[KEY_VCPUS])
			slot_error(p, slot, kl[KEY_CPUS],
				   "cpus lists %u CPUs but vcpus = %u; give one CPU per vCPU",
				   p->ncpus_listed[slot], part->vcpus);
		else
			slot_error(
			    p, slot, kl[KEY_CPUS],
			    "cpus lists %u CPUs but vcpus is %u (the default); add vcpus = %u",
			    p->ncpus_listed[slot], part->vcpus, p->ncpus_listed[slot]);
	}
	p->cpus_line[slot] = kl[KEY_CPUS];
	p->memory_line[slot] = kl[KEY_MEMORY];
	p->state = SEC_NONE;
}

/* Refuse the section that starts on this line: its keys are skipped. */
static __printf(2, 3) void skip_section(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	p->state = SEC_SKIP;
	p->skipped++;
	va_start(ap, fmt);
	add_verror(p, p->line, fmt, ap);
	va_end(ap);
}

static bool valid_name(struct span name)
{
	if (!name.n || name.n >= CFG_NAME_MAX)
		return false;
	for (size_t i = 0; i < name.n; i++) {
		if (!is_name_char(name.s[i]))
			return false;
	}
	return true;
}

static void start_partition(struct parser *p, struct span name)
{
	unsigned int slot = p->nslots++;
	struct cfg_partition *part = &p->out->part[slot];

	memset(part, 0, sizeof(*part));
	copy_span(part->name, name);
	part->line = p->line;
	part->vcpus = 1;
	part->on_crash = CFG_POLICY_STOP;
	part->on_poweroff = CFG_POLICY_STOP;
	part->on_reboot = CFG_POLICY_RESTART;

	p->state = SEC_PART;
	p->cur = part;
	memset(p->key_line, 0, sizeof(p->key_line));
	p->key_ok = 0;
	p->unreadable = false;

	/* Compared with every earlier section, dropped ones included, so
	 * that the user sees the clash in the same run as their errors. */
	for (unsigned int i = 0; i < slot; i++) {
		if (strcmp(p->out->part[i].name, part->name) == 0) {
			slot_error(p, slot, p->line,
				   "duplicate partition name \"%s\" (first at line %u)", part->name,
				   p->out->part[i].line);
			break;
		}
	}
}

static void parse_header(struct parser *p, struct span line)
{
	size_t close = find(line, ']');
	struct span inner, type, name;
	size_t ws;

	end_section(p);
	if (close == line.n) {
		skip_section(p,
			     "malformed section header: missing \"]\" (expected [partition NAME])");
		return;
	}
	if (!only_comment(sub(line, close + 1, line.n))) {
		skip_section(p, "unexpected text after \"]\" in the section header");
		return;
	}
	inner = trim(sub(line, 1, close));
	ws = 0;
	while (ws < inner.n && !is_space(inner.s[ws]))
		ws++;
	type = sub(inner, 0, ws);
	name = trim(sub(inner, ws, inner.n));
	if (!type.n) {
		skip_section(p, "malformed section header \"[]\" (expected [partition NAME])");
		return;
	}
	if (!span_is(type, SECTION_TYPE)) {
		skip_section(p, "unknown section type \"%.*s\" (the only one is [partition NAME])",
			     echo_len(type), type.s);
		return;
	}
	if (!name.n) {
		skip_section(p, "[partition] needs a name: [partition NAME]");
		return;
	}
	if (!valid_name(name)) {
		skip_section(p,
			     "bad partition name \"%.*s\" (1 to %u characters of A-Z a-z 0-9 _ -)",
			     echo_len(name), name.s, CFG_NAME_MAX - 1);
		return;
	}
	if (p->nslots >= CFG_MAX_PARTITIONS) {
		skip_section(p, "too many partitions: [partition %.*s] is ignored (at most %u)",
			     (int)name.n, name.s, CFG_MAX_PARTITIONS);
		return;
	}
	start_partition(p, name);
}

/* Index of the first control character in v, or v.n. */
static size_t find_control(struct span v)
{
	size_t i = 0;

	while (i < v.n && !is_control(v.s[i]))
		i++;
	return i;
}

/*
 * A line that cannot be read at all. If it looks like a section header it
 * starts a section that is refused (so that its keys do not land in the
 * previous one); otherwise it spoils the current section.
 */
static void unreadable_line(struct parser *p, struct span line)
{
	struct span t = trim(line);

	if (t.n && t.s[0] == '[') {
		end_section(p);
		p->state = SEC_SKIP;
		p->skipped++;
	} else if (p->state == SEC_PART) {
		p->unreadable = true;
	}
}

static void parse_line(struct parser *p, struct span line)
{
	struct span t;
	size_t bad;

	if (line.n > CFG_LINE_MAX) {
		unreadable_line(p, line);
		line_error(p, "line is %zu characters long; at most %u are allowed", line.n,
			   CFG_LINE_MAX);
		return;
	}
	bad = find_control(line);
	if (bad < line.n) {
		unreadable_line(p, line);
		line_error(
		    p, "control character 0x%02x in column %zu (only text and tabs are allowed)",
		    (unsigned char)line.s[bad], bad + 1);
		return;
	}

	t = trim(line);
	if (!t.n || is_comment_start(t.s[0]))
		return;
	if (t.s[0] == '[')
		parse_header(p, t);
	else if (p->state != SEC_SKIP)
		parse_key_value(p, t);
}

/* ---------------------------------------------------------------------------
 * Stage 2: CPUs and memory across partitions
 */

/* Slot of an earlier kept partition that runs a vCPU on cpu, or -1. */
static int cpu_user(const struct parser *p, unsigned int before, uint32_t cpu)
{
	for (unsigned int j = 0; j < before; j++) {
		const struct cfg_partition *q = &p->out->part[j];

		if (p->bad & SLOT_BIT(j))
			continue;
		for (unsigned int v = 0; v < q->vcpus; v++) {
			if (q->cpus[v] == cpu)
				return (int)j;
		}
	}
	return -1;
}

static bool cpu_named(const struct parser *p, uint32_t cpu)
{
	for (unsigned int j = 0; j < p->nslots; j++) {
		if (!(p->has_cpus & SLOT_BIT(j)))
			continue;
		for (unsigned int v = 0; v < p->ncpus_listed[j]; v++) {
			if (p->out->part[j].cpus[v] == cpu)
				return true;
		}
	}
	return false;
}

static void check_cpus(struct parser *p, unsigned int i)
{
	const struct cfg_partition *part = &p->out->part[i];

	for (unsigned int v = 0; v < part->vcpus; v++) {
		int j = cpu_user(p, i, part->cpus[v]);

		if (j >= 0) {
			slot_error(p, i, p->cpus_line[i],
				   "cpu %u is already used by partition \"%s\" (line %u); a CPU "
				   "runs one vCPU",
				   part->cpus[v], p->out->part[j].name, p->out->part[j].line);
			return;
		}
	}
}

/*
 * Lowest CPUs that no earlier partition runs on and no section names. The
 * search ends after at most vcpus + (CPUs taken or named) candidates, so
 * a huge ncpus costs nothing.
 */
static void assign_cpus(struct parser *p, unsigned int i)
{
	struct cfg_partition *part = &p->out->part[i];
	unsigned int found = 0;

	for (uint32_t c = 0; c < p->lim->ncpus && found < part->vcpus; c++) {
		if (cpu_user(p, i, c) < 0 && !cpu_named(p, c))
			part->cpus[found++] = c;
	}
	if (found < part->vcpus)
		slot_error(p, i, part->line,
			   "[partition %s] needs %u CPUs but only %u are free (name CPUs with "
			   "cpus = or lower vcpus)",
			   part->name, part->vcpus, found);
}

static void check_memory(struct parser *p, unsigned int i, uint64_t *used)
{
	const struct cfg_partition *part = &p->out->part[i];
	uint64_t avail = p->lim->memory_available;
	uint64_t left = avail > *used ? avail - *used : 0;

	if (part->memory > left) {
		slot_error(p, i, p->memory_line[i],
			   "[partition %s] needs %llu MiB but only %llu MiB are left (of %llu MiB)",
			   part->name, (unsigned long long)(part->memory >> MIB_SHIFT),
			   (unsigned long long)(left >> MIB_SHIFT),
			   (unsigned long long)(avail >> MIB_SHIFT));
		return;
	}
	if (!(p->bad & SLOT_BIT(i)))
		*used += part->memory;
}

static void check_across(struct parser *p)
{
	uint64_t used = 0;

	for (unsigned int i = 0; i < p->nslots; i++) {
		if (p->bad & SLOT_BIT(i))
			continue;
		if (p->has_cpus & SLOT_BIT(i))
			check_cpus(p, i);
		else
			assign_cpus(p, i);
		check_memory(p, i, &used);
	}
}

static unsigned int count_bits(uint32_t x)
{
	unsigned int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* Move the kept partitions to the front, in file order; clear the rest. */
static void compact(struct parser *p)
{
	struct config *out = p->out;
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->nslots; i++) {
		if (p->bad & SLOT_BIT(i))
			continue;
		if (n != i)
			memcpy(&out->part[n], &out->part[i], sizeof(out->part[n]));
		n++;
	}
	for (unsigned int i = n; i < p->nslots; i++)
		memset(&out->part[i], 0, sizeof(out->part[i]));
	out->npartitions = n;
	out->partitions_rejected = count_bits(p->bad) + p->skipped;
}

/* Stable, so errors on one line keep the order they were found in. */
static void sort_errors(struct config *out)
{
	struct cfg_error tmp;

	for (unsigned int i = 1; i < out->nerrors; i++) {
		unsigned int j = i;

		if (out->errors[j - 1].line <= out->errors[j].line)
			continue;
		memcpy(&tmp, &out->errors[i], sizeof(tmp));
		while (j > 0 && out->errors[j - 1].line > tmp.line) {
			memcpy(&out->errors[j], &out->errors[j - 1], sizeof(tmp));
			j--;
		}
		memcpy(&out->errors[j], &tmp, sizeof(tmp));
	}
}

int config_parse(const char *text, size_t len, const char *filename, const struct cfg_limits *lim,
		 struct config *out)
{
	struct parser p;
	size_t pos = 0;

	if (!lim || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.file = filename ? filename : DEFAULT_FILENAME;
	p.lim = lim;
	p.out = out;
	p.state = SEC_NONE;
	if (!text)
		len = 0;

	while (pos < len) {
		struct span line = {text + pos, 0};

		while (pos + line.n < len && line.s[line.n] != '\n')
			line.n++;
		pos += line.n + (pos + line.n < len); /* past the '\n', if any */
		if (line.n && line.s[line.n - 1] == '\r')
			line.n--; /* CRLF line ends */
		if (p.line < UINT32_MAX)
			p.line++;
		parse_line(&p, line);
	}
	end_section(&p);
	check_across(&p);
	compact(&p);
	sort_errors(out);
	return out->nerrors ? -EINVAL : 0;
}

const char *config_policy_name(enum cfg_policy p)
{
	switch (p) {
	case CFG_POLICY_STOP:
		return "stop";
	case CFG_POLICY_RESTART:
		return "restart";
	}
	return "?";
}
