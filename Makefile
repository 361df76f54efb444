# Bulkhead build. `make` builds the hypervisor image and the GRUB ISO,
# `make run` boots it in QEMU, `make test` runs the whole test suite.
# Every target that needs host packages first runs scripts/deps.sh, which
# installs what is missing with apt-get (Debian 12).

BUILD    ?= build
CC       ?= gcc
HOSTCC   ?= gcc
OBJCOPY  ?= objcopy
QEMU     ?= qemu-system-x86_64
SMP      ?= 4
MEM      ?= 2G
CMDLINE  ?= loglevel=info

# ---------------------------------------------------------------------------
# The hypervisor image (freestanding, x86-64, identity-mapped at 2 MiB)
# ---------------------------------------------------------------------------
HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-builtin \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fcf-protection=none -mno-80387 -mno-mmx -mno-sse -mno-sse2 \
	-Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes -Wstrict-prototypes \
	-Wvla -Wpointer-arith -Wno-unused-parameter \
	-Ihv -Iinclude -MMD -MP
HV_ASFLAGS := -D__ASSEMBLY__ -Ihv -Iinclude -I$(BUILD)/include -MMD -MP -Wa,--noexecstack
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	-T hv/arch/x86/bulkhead.ld -Wl,--build-id=none

HV_C_SRCS := $(filter-out hv/arch/x86/asm-offsets.c,$(sort $(shell find hv -name '*.c')))
HV_S_SRCS := $(sort $(shell find hv -name '*.S'))
HV_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(HV_C_SRCS)) \
             $(patsubst %.S,$(BUILD)/obj/%.o,$(HV_S_SRCS))

.PHONY: all iso run run-iso test unit integration check format deps clean guests fuzz bench
all: $(BUILD)/bulkhead.elf $(BUILD)/bulkhead32.elf $(BUILD)/bulkhead.iso

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

# Offsets of C structures for assembly, generated from asm-offsets.c.
ASM_OFFSETS := $(BUILD)/include/generated/asm-offsets.h
$(ASM_OFFSETS): hv/arch/x86/asm-offsets.c hv/core/vcpu.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(CC) $(HV_CFLAGS) -S -o $@.s $<
	$(Q)(echo "/* Generated from $< by the Makefile: do not edit. */"; \
	  echo "#ifndef GENERATED_ASM_OFFSETS_H"; echo "#define GENERATED_ASM_OFFSETS_H"; \
	  sed -n 's/.*->\([A-Z0-9_]*\) \([0-9]*\).*/#define \1 \2/p' $@.s; echo "#endif") > $@
	$(Q)rm -f $@.s

$(BUILD)/obj/%.o: %.S $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/bulkhead.elf: $(HV_OBJS) hv/arch/x86/bulkhead.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HV_CFLAGS) $(HV_LDFLAGS) -o $@ $(HV_OBJS)
	$(Q)scripts/check-image.sh $@

# QEMU's built-in Multiboot loader (-kernel) takes only 32-bit ELF files;
# the contents are the same image, only the ELF container differs.
$(BUILD)/bulkhead32.elf: $(BUILD)/bulkhead.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

$(BUILD)/bulkhead.iso: $(BUILD)/bulkhead.elf scripts/mkiso.sh
	@scripts/deps.sh build
	@$(if $(Q),echo "  ISO     $@")
	$(Q)scripts/mkiso.sh $< $@

iso: $(BUILD)/bulkhead.iso

# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------
# The default configuration: two Linux partitions (configs/default.ini); the
# kernel and initramfs are fetched and built on demand (scripts/fetch-linux.sh).
RUN_CONFIG ?= configs/default.ini
run: $(BUILD)/bulkhead32.elf
	@scripts/deps.sh run
	@mkdir -p $(BUILD)/linux
	@set -e; paths=$$(scripts/fetch-linux.sh); \
		cp "$$(echo "$$paths" | tail -2 | head -1)" $(BUILD)/linux/vmlinuz; \
		cp "$$(echo "$$paths" | tail -1)" $(BUILD)/linux/initrd.gz
	@echo "Bulkhead in QEMU: console on this terminal. Ctrl-] moves the keyboard between"
	@echo "partitions; quit QEMU with Ctrl-A then X."
	$(QEMU) -accel tcg -M q35 -cpu qemu64,+svm,+npt -smp $(SMP) -m $(MEM) \
		-nographic -no-reboot -kernel $(BUILD)/bulkhead32.elf \
		-append "$(CMDLINE) config=$(notdir $(RUN_CONFIG))" \
		-initrd "$(BUILD)/linux/vmlinuz,$(BUILD)/linux/initrd.gz,$(RUN_CONFIG)"

run-iso: $(BUILD)/bulkhead.iso
	@scripts/deps.sh run
	@echo "Bulkhead from the GRUB ISO. Quit with Ctrl-A then X."
	$(QEMU) -accel tcg -M q35 -cpu qemu64,+svm,+npt -smp $(SMP) -m $(MEM) \
		-nographic -no-reboot -cdrom $(BUILD)/bulkhead.iso

# ---------------------------------------------------------------------------
# Host unit tests (pure modules compiled for the host, with sanitizers)
# ---------------------------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Ihv -Iinclude -Itests/unit -DHOST_TEST

UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))

UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
define unit_rule
$(BUILD)/unit/$(1): $$($(1)_SRCS) $$(wildcard tests/unit/*.h) $$(wildcard hv/lib/*.h)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  HOSTCC  $$@")
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) -DTEST_SUITE='"$(1)"' -o $$@ $$($(1)_SRCS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(UNIT_BINS) fuzz
	@tests/run.sh --unit-only

# Test guests (freestanding ELF images run in partitions) and fuzz targets.
include tests/guests/guests.mk
FUZZ_TARGETS :=
include tests/fuzz/fuzz.mk
include tests/fuzz/emu.mk
# After every fragment: a rule's prerequisites are expanded when it is read.
fuzz: $(FUZZ_BINS)

# ---------------------------------------------------------------------------
# The whole suite: static check, unit tests, integration under QEMU
# ---------------------------------------------------------------------------
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all $(BUILD)/bulkhead32.elf $(UNIT_BINS) guests fuzz
	@tests/run.sh

integration: $(BUILD)/bulkhead32.elf $(BUILD)/bulkhead.iso guests
	@tests/run.sh --integration-only

# Performance figures (not a test): scripts/bench.sh, docs/performance.md.
bench: $(BUILD)/bulkhead32.elf guests
	@scripts/deps.sh run
	@scripts/bench.sh

check:
	@scripts/static-check.sh

format:
	clang-format -i $(HV_C_SRCS) $(shell find hv tests tools -name '*.h')

clean:
	rm -rf $(BUILD)

deps:
	@scripts/deps.sh all

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
