# libFuzzer target for the instruction emulator and the guest page-table
# walker (hv/emu/). Same shape as fuzz.mk's fuzz_config block; the top
# Makefile must include this fragment after tests/fuzz/fuzz.mk (which sets
# FUZZ_CC and FUZZ_CFLAGS). Seeds: tests/fuzz/corpus/emu/.
FUZZ_TARGETS += fuzz_emu
fuzz_emu_SRCS := tests/fuzz/fuzz_emu.c hv/emu/x86_emu.c hv/emu/gpt.c

$(BUILD)/fuzz/fuzz_emu: $(fuzz_emu_SRCS) $(wildcard hv/emu/*.h) $(wildcard hv/lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_emu_SRCS)
