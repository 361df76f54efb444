# The instruction emulator (hv/emu/x86_emu.c) and the guest page-table
# walker (hv/emu/gpt.c). test_emu's encodings are assembled by the system
# assembler from emu_cases.S, so expected lengths come from gas.
UNIT_TESTS += test_emu test_gpt
test_emu_SRCS := tests/unit/test_emu.c tests/unit/emu_cases.S hv/emu/x86_emu.c
test_gpt_SRCS := tests/unit/test_gpt.c hv/emu/gpt.c

# The executables also depend on the modules' headers.
$(BUILD)/unit/test_emu: hv/emu/x86_emu.h hv/emu/fault.h
$(BUILD)/unit/test_gpt: hv/emu/gpt.h hv/emu/fault.h
