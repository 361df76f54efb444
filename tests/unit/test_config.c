// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/config.c: parsed values and defaults, CPU pinning and
 * auto-assignment, memory accounting, every kind of error with its exact
 * message and line, and hostile input (control bytes, long lines, CRLF,
 * truncation, overflowing tables).
 */
#include "test.h"
#include "core/config.h"
#include "lib/errno.h"
#include "fake_modules.h"

#define TEST_NCPUS  4
#define TEST_MEMORY (1ull << 30) /* 1 GiB for all partitions */
#define BIG_LINE    5000

static struct config cfg; /* too big for a test's stack frame under ASan */

static const struct cfg_limits limits = {
    .ncpus = TEST_NCPUS,
    .memory_available = TEST_MEMORY,
    .module_exists = fake_module_exists,
};

/* Parse a C string as demo.ini; the copy lets ASan catch any over-read. */
static int parse_n(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, text, len);
	rc = config_parse(copy, len, "demo.ini", &limits, &cfg);
	free(copy);
	return rc;
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* The file has exactly one error, with this message. */
#define CHECK_ONE_ERROR(text, expect)                                                              \
	do {                                                                                       \
		CHECK_EQ(parse(text), -EINVAL);                                                    \
		CHECK_EQ(cfg.nerrors, 1);                                                          \
		CHECK_STR(cfg.errors[0].msg, expect);                                              \
	} while (0)

/* The first error message starts with prefix (for long messages). */
static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST(good_file)
{
	const char *text = "# Three test guests\n"
			   "[partition web]\n"
			   "memory = 64M\n"
			   "vcpus = 2\n"
			   "cpus = 1-2\n"
			   "image = hello.elf\n"
			   "cmdline = mode=fast verbose\n"
			   "on_crash = restart\n"
			   "\n"
			   "[partition db]\n"
			   "memory = 0x10000000\n"
			   "cpus = 3\n"
			   "image = ticker.elf\n"
			   "on_poweroff = restart\n"
			   "on_reboot = stop\n"
			   "\n"
			   "[partition linux]\n"
			   "memory = 2097152\n"
			   "kernel = vmlinuz\n"
			   "initrd = initrd.img\n"
			   "cmdline = \"console=ttyS0 # not a comment\"\n";
	const struct cfg_partition *p;

	CHECK_EQ(parse(text), 0);
	CHECK_EQ(cfg.nerrors, 0);
	CHECK_EQ(cfg.npartitions, 3);
	CHECK_EQ(cfg.partitions_rejected, 0);

	p = &cfg.part[0];
	CHECK_STR(p->name, "web");
	CHECK_EQ(p->line, 2);
	CHECK_EQ(p->memory, 64ull << 20);
	CHECK_EQ(p->vcpus, 2);
	CHECK_EQ(p->cpus[0], 1);
	CHECK_EQ(p->cpus[1], 2);
	CHECK_STR(p->image, "hello.elf");
	CHECK_STR(p->kernel, "");
	CHECK_STR(p->cmdline, "mode=fast verbose");
	CHECK_EQ(p->on_crash, CFG_POLICY_RESTART);
	CHECK_EQ(p->on_poweroff, CFG_POLICY_STOP);
	CHECK_EQ(p->on_reboot, CFG_POLICY_RESTART);

	p = &cfg.part[1];
	CHECK_STR(p->name, "db");
	CHECK_EQ(p->line, 10);
	CHECK_EQ(p->memory, 256ull << 20);
	CHECK_EQ(p->vcpus, 1);
	CHECK_EQ(p->cpus[0], 3);
	CHECK_STR(p->image, "ticker.elf");
	CHECK_EQ(p->on_poweroff, CFG_POLICY_RESTART);
	CHECK_EQ(p->on_reboot, CFG_POLICY_STOP);

	p = &cfg.part[2];
	CHECK_STR(p->name, "linux");
	CHECK_EQ(p->memory, 2ull << 20);
	CHECK_EQ(p->cpus[0], 0); /* the only CPU left */
	CHECK_STR(p->image, "");
	CHECK_STR(p->kernel, "vmlinuz");
	CHECK_STR(p->initrd, "initrd.img");
	CHECK_STR(p->cmdline, "console=ttyS0 # not a comment");
}

TEST(defaults)
{
	const struct cfg_partition *p;

	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf"), 0);
	CHECK_EQ(cfg.npartitions, 1);
	p = &cfg.part[0];
	CHECK_EQ(p->vcpus, 1);
	CHECK_EQ(p->cpus[0], 0);
	CHECK_STR(p->cmdline, "");
	CHECK_STR(p->initrd, "");
	CHECK_EQ(p->on_crash, CFG_POLICY_STOP);
	CHECK_EQ(p->on_poweroff, CFG_POLICY_STOP);
	CHECK_EQ(p->on_reboot, CFG_POLICY_RESTART);
}

TEST(empty_files)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.nerrors, 0);
	CHECK_EQ(parse("# nothing here\n\n   \n; still nothing\r\n"), 0);
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(config_parse(NULL, 10, "x", &limits, &cfg), 0);
	CHECK_EQ(config_parse("", 0, NULL, NULL, &cfg), -EINVAL);
}

TEST(cpu_auto_assignment)
{
	/* a goes first but must skip CPU 0, which b names further down. */
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\nvcpus=2\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\ncpus=0\n"
			   "[partition c]\nmemory=2M\nimage=hello.elf\n";

	CHECK_EQ(parse(text), 0);
	CHECK_EQ(cfg.npartitions, 3);
	CHECK_EQ(cfg.part[0].cpus[0], 1);
	CHECK_EQ(cfg.part[0].cpus[1], 2);
	CHECK_EQ(cfg.part[1].cpus[0], 0);
	CHECK_EQ(cfg.part[2].cpus[0], 3);
}

TEST(cpu_auto_assignment_reuses_dropped)
{
	/* b is dropped (bad image), so its CPUs go to c. */
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\ncpus=0\n"
			   "[partition b]\nmemory=2M\nimage=nope.elf\nvcpus=2\n"
			   "[partition c]\nmemory=2M\nimage=hello.elf\nvcpus=3\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.npartitions, 2);
	CHECK_EQ(cfg.partitions_rejected, 1);
	CHECK_STR(cfg.part[1].name, "c");
	CHECK_EQ(cfg.part[1].cpus[0], 1);
	CHECK_EQ(cfg.part[1].cpus[1], 2);
	CHECK_EQ(cfg.part[1].cpus[2], 3);
}

TEST(cpu_auto_assignment_runs_out)
{
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\ncpus=0,2\nvcpus=2\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\nvcpus=3\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:6: [partition b] needs 3 CPUs but only 2 are free "
				     "(name CPUs with cpus = or lower vcpus)");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(cpu_lists)
{
	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf\nvcpus=4\ncpus = 3, 0-1 ,2\n"),
		 0);
	CHECK_EQ(cfg.part[0].cpus[0], 3);
	CHECK_EQ(cfg.part[0].cpus[1], 0);
	CHECK_EQ(cfg.part[0].cpus[2], 1);
	CHECK_EQ(cfg.part[0].cpus[3], 2);

	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=1,,2\n",
			"demo.ini:4: cpus has an empty item (two commas, or a comma at an end)");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\nvcpus=2\ncpus=1,1\n",
			"demo.ini:5: cpu 1 is listed twice in cpus");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=3-1\n",
			"demo.ini:4: bad cpus range \"3-1\": the first CPU is above the last");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=x\n",
			"demo.ini:4: bad cpus item \"x\": expected a CPU number (2) or a range "
			"(1-3), separated by commas");
	/* A huge range stops at the first CPU out of range. */
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=0-9999999999\n",
			"demo.ini:4: cpu 4 is out of range (this machine has 4 CPUs, 0 to 3)");
}

TEST(cpu_out_of_range)
{
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=4\n",
			"demo.ini:4: cpu 4 is out of range (this machine has 4 CPUs, 0 to 3)");
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(cpu_used_twice)
{
	const char *text = "[partition web]\nmemory=2M\nimage=hello.elf\ncpus=2\n"
			   "[partition db]\nmemory=2M\nimage=hello.elf\nvcpus=2\ncpus=1-2\n";

	CHECK_ONE_ERROR(text, "demo.ini:9: cpu 2 is already used by partition \"web\" (line 1); "
			      "a CPU runs one vCPU");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_STR(cfg.part[0].name, "web");
}

TEST(vcpus_cpus_mismatch)
{
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=0,1\n",
			"demo.ini:4: cpus lists 2 CPUs but vcpus is 1 (the default); add "
			"vcpus = 2");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncpus=0,1\nvcpus=3\n",
			"demo.ini:4: cpus lists 2 CPUs but vcpus = 3; give one CPU per vCPU");
}

TEST(unknown_key)
{
	const char *text = "[partition web]\n"
			   "memory = 64M\n"
			   "image = hello.elf\n"
			   "\n"
			   "\n"
			   "\n"
			   "memroy = 64M\n";

	CHECK_ONE_ERROR(text, "demo.ini:7: unknown key \"memroy\" in [partition web] (known keys: "
			      "memory, vcpus, cpus, image, kernel, initrd, cmdline, on_crash, "
			      "on_poweroff, on_reboot, testdev)");
	CHECK_EQ(cfg.errors[0].line, 7);
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(bad_values)
{
	CHECK_ONE_ERROR("[partition a]\nmemory=64X\nimage=hello.elf\n",
			"demo.ini:2: bad memory value \"64X\": expected a size such as 512M or 2G "
			"(bytes, or a K, M or G suffix)");
	CHECK_ONE_ERROR("[partition a]\nmemory=3M\nimage=hello.elf\n",
			"demo.ini:2: memory = 3M is not a multiple of 2 MiB");
	CHECK_ONE_ERROR("[partition a]\nmemory=0\nimage=hello.elf\n",
			"demo.ini:2: memory = 0 is below the minimum of 2 MiB");
	CHECK_ONE_ERROR("[partition a]\nmemory=99999999999G\nimage=hello.elf\n",
			"demo.ini:2: memory = 99999999999G is too large");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nvcpus=0\nimage=hello.elf\n",
			"demo.ini:3: bad vcpus value \"0\": expected a number from 1 to 64");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nvcpus=65\nimage=hello.elf\n",
			"demo.ini:3: bad vcpus value \"65\": expected a number from 1 to 64");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\non_crash = reboot\n",
			"demo.ini:4: bad on_crash value \"reboot\": expected stop or restart");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=\n",
			"demo.ini:3: image needs a boot module name, such as image = hello.elf");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=boot/hello.elf\n",
			"demo.ini:3: image: bad module name \"boot/hello.elf\" (a module is named "
			"by the last part of its path, with no spaces)");
	CHECK(parse("[partition a]\nmemory=2M\ncmdline=abc\n[partition b]\nmemory=2M\n"
		    "image=hello.elf\nvcpus=\n") == -EINVAL);
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.nerrors, 2);
	CHECK_STR(cfg.errors[1].msg,
		  "demo.ini:7: bad vcpus value \"\": expected a number from 1 to 64");
}

TEST(long_values)
{
	char text[2048];
	int n;

	/* 511 characters of cmdline fit, 512 do not. */
	n = snprintf(text, sizeof(text),
		     "[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=%0*d\n",
		     CFG_CMDLINE_MAX - 1, 0);
	CHECK_EQ(parse_n(text, (size_t)n), 0);
	CHECK_EQ(strlen(cfg.part[0].cmdline), CFG_CMDLINE_MAX - 1);
	n = snprintf(text, sizeof(text),
		     "[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=%0*d\n", CFG_CMDLINE_MAX,
		     0);
	CHECK_EQ(parse_n(text, (size_t)n), -EINVAL);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:4: cmdline is 512 characters long; at most 511 are "
				     "allowed");

	n = snprintf(text, sizeof(text), "[partition a]\nmemory=2M\nimage=%0*d\n", CFG_MODNAME_MAX,
		     0);
	CHECK_EQ(parse_n(text, (size_t)n), -EINVAL);
	CHECK(starts_with(cfg.errors[0].msg, "demo.ini:3: image: module name \"0000"));
	CHECK(strstr(cfg.errors[0].msg, "is too long (at most 63 characters)") != NULL);

	/* A 31-character name is fine, 32 is not. */
	CHECK_EQ(parse("[partition abcdefghijklmnopqrstuvwxyz01234]\nmemory=2M\nimage=hello.elf\n"),
		 0);
	CHECK_STR(cfg.part[0].name, "abcdefghijklmnopqrstuvwxyz01234");
	CHECK_ONE_ERROR("[partition abcdefghijklmnopqrstuvwxyz012345]\n",
			"demo.ini:1: bad partition name \"abcdefghijklmnopqrstuvwxyz012345\" (1 to "
			"31 characters of A-Z a-z 0-9 _ -)");
}

TEST(duplicate_key)
{
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\nmemory=4M\n",
			"demo.ini:4: duplicate key \"memory\" in [partition a] (first at line 2)");
	CHECK_EQ(cfg.npartitions, 0);
}

TEST(duplicate_partition)
{
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\n"
			   "[partition a]\nmemory=2M\nimage=hello.elf\n";

	CHECK_ONE_ERROR(text, "demo.ini:4: duplicate partition name \"a\" (first at line 1)");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_EQ(cfg.part[0].line, 1);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(key_outside_section)
{
	CHECK_ONE_ERROR("# header\nmemory = 64M\n[partition a]\nmemory=2M\nimage=hello.elf\n",
			"demo.ini:2: \"memory\" is outside any section; put keys after [partition "
			"NAME]");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_EQ(cfg.partitions_rejected, 0);
}

TEST(malformed_lines)
{
	CHECK_ONE_ERROR("[partition a]\nmemory 2M\nimage=hello.elf\n",
			"demo.ini:2: expected \"key = value\", \"[partition NAME]\" or a comment, "
			"not \"memory 2M\"");
	CHECK_ONE_ERROR("[partition a]\n= 2M\nmemory=2M\nimage=hello.elf\n",
			"demo.ini:2: missing key before \"=\"");
}

TEST(malformed_header)
{
	const char *text = "[partition a\nmemory=2M\nimage=hello.elf\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\n";

	/* The keys of the refused section are skipped, not reported. */
	CHECK_ONE_ERROR(text, "demo.ini:1: malformed section header: missing \"]\" (expected "
			      "[partition NAME])");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_STR(cfg.part[0].name, "b");
	CHECK_EQ(cfg.partitions_rejected, 1);

	CHECK_ONE_ERROR("[]\n", "demo.ini:1: malformed section header \"[]\" (expected [partition "
				"NAME])");
	CHECK_ONE_ERROR("[partition]\n", "demo.ini:1: [partition] needs a name: [partition NAME]");
	CHECK_ONE_ERROR("[partition web server]\n",
			"demo.ini:1: bad partition name \"web server\" (1 to 31 characters of A-Z "
			"a-z 0-9 _ -)");
	CHECK_ONE_ERROR("[partition a] x\n",
			"demo.ini:1: unexpected text after \"]\" in the section header");
	/* Whitespace inside the brackets and a trailing comment are fine. */
	CHECK_EQ(parse("[ partition\ta ]  # web\nmemory=2M\nimage=hello.elf\n"), 0);
	CHECK_STR(cfg.part[0].name, "a");
}

TEST(unknown_section_type)
{
	CHECK_ONE_ERROR("[global]\nfoo = 1\n[partition a]\nmemory=2M\nimage=hello.elf\n",
			"demo.ini:1: unknown section type \"global\" (the only one is [partition "
			"NAME])");
	CHECK_EQ(cfg.npartitions, 1);
}

TEST(missing_required_keys)
{
	const char *text = "[partition a]\nimage=hello.elf\n"
			   "[partition b]\nmemory=2M\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 2);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:1: [partition a] has no memory key (required, e.g. "
				     "memory = 64M)");
	CHECK_STR(cfg.errors[1].msg, "demo.ini:3: [partition b] needs image = MODULE (a test "
				     "guest) or kernel = MODULE (Linux)");
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.partitions_rejected, 2);

	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\nkernel=vmlinuz\n",
			"demo.ini:1: [partition a] has both image (line 3) and kernel (line 4); "
			"give only one");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ninitrd=initrd.img\n",
			"demo.ini:4: initrd is only for Linux partitions, which need kernel = "
			"MODULE");
}

TEST(module_not_found)
{
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello\n",
			"demo.ini:3: image: boot module \"hello\" not found (load it with GRUB "
			"module2 or QEMU -initrd)");
	CHECK_STR(cfg.errors[0].msg + strlen(cfg.errors[0].msg) - 7, "initrd)");

	/* Without a module_exists callback every name is accepted. */
	{
		struct cfg_limits any = limits;
		const char *text = "[partition a]\nmemory=2M\nimage=whatever\n";

		any.module_exists = NULL;
		CHECK_EQ(config_parse(text, strlen(text), "x.ini", &any, &cfg), 0);
		CHECK_STR(cfg.part[0].image, "whatever");
	}
}

TEST(memory_accounting)
{
	const char *text = "[partition a]\nmemory=512M\nimage=hello.elf\n"
			   "[partition b]\nmemory=768M\nimage=hello.elf\n"
			   "[partition c]\nmemory=512M\nimage=hello.elf\n";

	CHECK_ONE_ERROR(text, "demo.ini:5: [partition b] needs 768 MiB but only 512 MiB are left "
			      "(of 1024 MiB)");
	CHECK_EQ(cfg.npartitions, 2);
	CHECK_STR(cfg.part[0].name, "a");
	CHECK_STR(cfg.part[1].name, "c");
	/* b's CPU was not taken: c has the next free one. */
	CHECK_EQ(cfg.part[1].cpus[0], 1);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(bad_section_dropped_others_kept)
{
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\nvcpus=lots\nbogus=1\n"
			   "[partition c]\nmemory=4M\nimage=crash.elf\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 2);
	CHECK_EQ(cfg.errors[0].line, 7);
	CHECK_EQ(cfg.errors[1].line, 8);
	CHECK_EQ(cfg.npartitions, 2);
	CHECK_STR(cfg.part[0].name, "a");
	CHECK_STR(cfg.part[1].name, "c");
	CHECK_EQ(cfg.part[1].memory, 4ull << 20);
	CHECK_EQ(cfg.part[1].cpus[0], 1);
	CHECK_EQ(cfg.partitions_rejected, 1);
	/* The dropped slot is cleared. */
	CHECK_STR(cfg.part[2].name, "");
}

TEST(errors_sorted_by_line)
{
	/* The memory error is found after the whole file was read, the
	 * unknown key while reading; the list is still in line order. */
	const char *text = "[partition a]\nmemory=2G\nimage=hello.elf\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\nx=1\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 2);
	CHECK_EQ(cfg.errors[0].line, 2);
	CHECK_EQ(cfg.errors[1].line, 7);
}

TEST(crlf)
{
	CHECK_EQ(parse("[partition a]\r\nmemory = 2M\r\nimage = hello.elf\r\ncmdline = x y\r\n"),
		 0);
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_STR(cfg.part[0].image, "hello.elf");
	CHECK_STR(cfg.part[0].cmdline, "x y");
	/* A lone CR inside a line is a control character. */
	CHECK_ONE_ERROR("[partition a]\nmemory = 2M\rimage = hello.elf\n",
			"demo.ini:2: control character 0x0d in column 12 (only text and tabs are "
			"allowed)");
}

TEST(quotes)
{
	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=\"hello.elf\"\n"
		       "cmdline = \"  a;b # c \" ; comment\n"),
		 0);
	CHECK_STR(cfg.part[0].image, "hello.elf");
	CHECK_STR(cfg.part[0].cmdline, "  a;b # c ");

	/* Quotes inside an unquoted value are kept. */
	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=x=\"a b\" y\n"), 0);
	CHECK_STR(cfg.part[0].cmdline, "x=\"a b\" y");

	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=\"\"\n"), 0);
	CHECK_STR(cfg.part[0].cmdline, "");

	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=\"abc\n",
			"demo.ini:4: cmdline: unterminated quote; add the closing \"");
	CHECK_ONE_ERROR("[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=\"a\" b\n",
			"demo.ini:4: cmdline: unexpected text after the closing quote (only a "
			"comment may follow)");
}

TEST(comments)
{
	const char *text = "; leading\n"
			   "   # indented\n"
			   "[partition a] ; trailing\n"
			   "memory = 2M # two MiB\n"
			   "image = hello.elf\t; tab before\n"
			   "cmdline = a#b c;d e # real comment\n"
			   "on_crash = restart#no space: part of the value\n";

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:7: bad on_crash value \"restart#no space: part of "
				     "the value\": expected stop or restart");

	CHECK_EQ(parse("[partition a]\nmemory = 2M # two MiB\nimage = hello.elf\t; tab\n"
		       "cmdline = a#b c;d e # real comment\n"),
		 0);
	CHECK_EQ(cfg.part[0].memory, 2ull << 20);
	CHECK_STR(cfg.part[0].image, "hello.elf");
	CHECK_STR(cfg.part[0].cmdline, "a#b c;d e");
}

TEST(nul_bytes)
{
	static const char text[] = "[partition a]\nmemory=2M\nimage=hello\0.elf\n"
				   "# a \0 in a comment too\n";

	CHECK_EQ(parse_n(text, sizeof(text) - 1), -EINVAL);
	CHECK_EQ(cfg.nerrors, 2);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:3: control character 0x00 in column 12 (only text "
				     "and tabs are allowed)");
	CHECK_EQ(cfg.errors[1].line, 4);
	CHECK_EQ(cfg.npartitions, 0);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(long_line)
{
	static char text[BIG_LINE + 200];
	size_t n = 0;

	n += (size_t)sprintf(text + n, "[partition a]\nmemory=2M\nimage=hello.elf\ncmdline=");
	memset(text + n, 'x', BIG_LINE - strlen("cmdline="));
	n += BIG_LINE - strlen("cmdline=");
	n += (size_t)sprintf(text + n, "\n[partition b]\nmemory=2M\nimage=hello.elf\n");

	CHECK_EQ(parse_n(text, n), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:4: line is 5000 characters long; at most 1024 are "
				     "allowed");
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_STR(cfg.part[0].name, "b");
	CHECK_EQ(cfg.part[0].line, 5);

	/* A line of exactly CFG_LINE_MAX characters is allowed. */
	n = (size_t)sprintf(text, "[partition a]\nmemory=2M\nimage=hello.elf\n#");
	memset(text + n, 'y', CFG_LINE_MAX - 1);
	n += CFG_LINE_MAX - 1;
	CHECK_EQ(parse_n(text, n), 0);
}

TEST(long_header_line)
{
	/* A header line that is too long still ends the previous section,
	 * so its keys do not count as duplicates in that one. */
	static char text[BIG_LINE + 200];
	size_t n = 0;

	n += (size_t)sprintf(text + n, "[partition a]\nmemory=2M\nimage=hello.elf\n[partition ");
	memset(text + n, 'x', BIG_LINE);
	n += BIG_LINE;
	n += (size_t)sprintf(text + n, "]\nmemory=2M\nimage=hello.elf\n");

	CHECK_EQ(parse_n(text, n), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_EQ(cfg.errors[0].line, 4);
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_EQ(cfg.partitions_rejected, 1);
}

TEST(no_trailing_newline)
{
	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf"), 0);
	CHECK_STR(cfg.part[0].image, "hello.elf");
	CHECK_EQ(parse("[partition a]\nmemory=2M\nimage=hello.elf\r"), 0);
	CHECK_STR(cfg.part[0].image, "hello.elf");
}

TEST(truncated_input)
{
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\n";
	/* Cut in the middle of "hello.elf" of b: b names module "hel". */
	size_t cut = strlen(text) - strlen("lo.elf\n");

	CHECK_EQ(parse_n(text, cut), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_STR(cfg.errors[0].msg, "demo.ini:6: image: boot module \"hel\" not found (load it "
				     "with GRUB module2 or QEMU -initrd)");
	CHECK_EQ(cfg.npartitions, 1);

	/* Every prefix parses without crashing or reading past len. */
	for (size_t n = 0; n <= strlen(text); n++)
		parse_n(text, n);
	CHECK_EQ(parse_n(text, strlen(text)), 0);
}

TEST(error_overflow)
{
	static char text[8192];
	size_t n = (size_t)sprintf(text, "[partition a]\nmemory=2M\nimage=hello.elf\n");

	for (int i = 0; i < CFG_MAX_ERRORS + 8; i++)
		n += (size_t)sprintf(text + n, "bad%d=1\n", i);
	CHECK_EQ(parse_n(text, n), -EINVAL);
	CHECK_EQ(cfg.nerrors, CFG_MAX_ERRORS);
	CHECK_EQ(cfg.errors_dropped, 8);
	CHECK_EQ(cfg.errors[0].line, 4);
	CHECK_EQ(cfg.errors[CFG_MAX_ERRORS - 1].line, 3 + CFG_MAX_ERRORS);
	CHECK_EQ(cfg.npartitions, 0);
}

TEST(partition_overflow)
{
	static char text[8192];
	size_t n = 0;

	for (int i = 0; i < CFG_MAX_PARTITIONS + 2; i++)
		n += (size_t)sprintf(text + n,
				     "[partition p%d]\nmemory=2M\nimage=hello.elf\n"
				     "cpus=0\n",
				     i);
	{
		struct cfg_limits many = limits;

		many.ncpus = 1;
		CHECK_EQ(config_parse(text, n, "demo.ini", &many, &cfg), -EINVAL);
	}
	/* Every section names CPU 0: only p0 survives the sharing check,
	 * and the two sections over the limit are refused at their header. */
	CHECK_EQ(cfg.npartitions, 1);
	CHECK_EQ(cfg.partitions_rejected, CFG_MAX_PARTITIONS + 1);
	CHECK_STR(cfg.errors[CFG_MAX_PARTITIONS - 1].msg,
		  "demo.ini:65: too many partitions: [partition p16] is ignored (at most 16)");

	n = 0;
	for (int i = 0; i < CFG_MAX_PARTITIONS + 1; i++)
		n += (size_t)sprintf(text + n, "[partition p%d]\nmemory=2M\nimage=hello.elf\n", i);
	{
		struct cfg_limits many = limits;

		many.ncpus = 256;
		CHECK_EQ(config_parse(text, n, "demo.ini", &many, &cfg), -EINVAL);
	}
	CHECK_EQ(cfg.npartitions, CFG_MAX_PARTITIONS);
	CHECK_EQ(cfg.nerrors, 1);
	CHECK_STR(cfg.errors[0].msg,
		  "demo.ini:49: too many partitions: [partition p16] is ignored (at most 16)");
	CHECK_EQ(cfg.part[CFG_MAX_PARTITIONS - 1].cpus[0], CFG_MAX_PARTITIONS - 1);
}

TEST(max_vcpus)
{
	struct cfg_limits big = limits;
	const char *text = "[partition a]\nmemory=2M\nimage=hello.elf\nvcpus=64\n"
			   "[partition b]\nmemory=2M\nimage=hello.elf\nvcpus=64\ncpus=64-127\n";

	big.ncpus = 1000;
	CHECK_EQ(config_parse(text, strlen(text), "big.ini", &big, &cfg), 0);
	CHECK_EQ(cfg.npartitions, 2);
	CHECK_EQ(cfg.part[0].cpus[63], 63);
	CHECK_EQ(cfg.part[1].cpus[63], 127);
	/* 65 CPUs in a list is too many whatever vcpus says. */
	text = "[partition a]\nmemory=2M\nimage=hello.elf\nvcpus=64\ncpus=0-64\n";
	CHECK_EQ(config_parse(text, strlen(text), "big.ini", &big, &cfg), -EINVAL);
	CHECK_STR(cfg.errors[0].msg, "big.ini:5: cpus lists more than 64 CPUs");
}

TEST(long_messages_are_marked)
{
	/* A 31-character partition name and a long key overflow CFG_ERROR_LEN. */
	const char *text = "[partition abcdefghijklmnopqrstuvwxyz01234]\nmemory=2M\n"
			   "image=hello.elf\na_rather_long_misspelt_key_name_here = 1\n";
	size_t len;

	CHECK_EQ(parse(text), -EINVAL);
	CHECK_EQ(cfg.nerrors, 1);
	len = strlen(cfg.errors[0].msg);
	CHECK_EQ(len, CFG_ERROR_LEN - 1);
	CHECK(starts_with(cfg.errors[0].msg, "demo.ini:4: unknown key \"a_rather_long_misspelt"));
	CHECK_STR(cfg.errors[0].msg + len - 3, "...");
}

TEST(policy_names)
{
	CHECK_STR(config_policy_name(CFG_POLICY_STOP), "stop");
	CHECK_STR(config_policy_name(CFG_POLICY_RESTART), "restart");
	CHECK_STR(config_policy_name((enum cfg_policy)7), "?");
}

int main(void)
{
	RUN(good_file);
	RUN(defaults);
	RUN(empty_files);
	RUN(cpu_auto_assignment);
	RUN(cpu_auto_assignment_reuses_dropped);
	RUN(cpu_auto_assignment_runs_out);
	RUN(cpu_lists);
	RUN(cpu_out_of_range);
	RUN(cpu_used_twice);
	RUN(vcpus_cpus_mismatch);
	RUN(unknown_key);
	RUN(bad_values);
	RUN(long_values);
	RUN(duplicate_key);
	RUN(duplicate_partition);
	RUN(key_outside_section);
	RUN(malformed_lines);
	RUN(malformed_header);
	RUN(unknown_section_type);
	RUN(missing_required_keys);
	RUN(module_not_found);
	RUN(memory_accounting);
	RUN(bad_section_dropped_others_kept);
	RUN(errors_sorted_by_line);
	RUN(crlf);
	RUN(quotes);
	RUN(comments);
	RUN(nul_bytes);
	RUN(long_line);
	RUN(long_header_line);
	RUN(no_trailing_newline);
	RUN(truncated_input);
	RUN(error_overflow);
	RUN(partition_overflow);
	RUN(max_vcpus);
	RUN(long_messages_are_marked);
	RUN(policy_names);
	TEST_EXIT();
}
