# libFuzzer targets (clang). The top Makefile includes this fragment; each
# target is built as $(BUILD)/fuzz/NAME from NAME_SRCS, and
#   tests/fuzz/run.sh NAME SECONDS
# runs it for a bounded time on a scratch copy of tests/fuzz/corpus/NAME
# (the test runner uses FUZZ_TARGETS and FUZZ_BINS).
FUZZ_CC     ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Ihv -Iinclude -DHOST_TEST

FUZZ_TARGETS += fuzz_config
fuzz_config_SRCS := tests/fuzz/fuzz_config.c hv/core/config.c hv/lib/cmdline.c hv/lib/format.c

$(BUILD)/fuzz/fuzz_config: $(fuzz_config_SRCS) hv/core/config.h tests/unit/fake_modules.h $(wildcard hv/lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_config_SRCS)

FUZZ_BINS = $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
