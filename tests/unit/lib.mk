# Host unit tests for the foundation library modules (lib/ and core/bootinfo).
UNIT_TESTS += test_format test_cmdline test_bootinfo test_string

test_format_SRCS := tests/unit/test_format.c hv/lib/format.c hv/lib/string.c
test_cmdline_SRCS := tests/unit/test_cmdline.c hv/lib/cmdline.c hv/lib/string.c
# test_string includes hv/lib/string.c itself (to test the freestanding
# functions under prefixed names), so the file is not listed again here.
test_string_SRCS := tests/unit/test_string.c hv/lib/errno.c
test_bootinfo_SRCS := tests/unit/test_bootinfo.c hv/core/bootinfo.c hv/core/memmap.c \
	hv/lib/format.c hv/lib/string.c hv/lib/errno.c

# The executables also depend on the included sources and core headers.
$(BUILD)/unit/test_string: hv/lib/string.c
$(BUILD)/unit/test_bootinfo: $(wildcard hv/core/*.h)
