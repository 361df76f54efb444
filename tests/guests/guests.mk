# Test guests: freestanding ELF64 images run by the hypervisor's test-guest
# loader, one per tests/guests/*.c, each linked with the runtime in rt/ and
# the hypervisor's own (freestanding, host-tested) format and string code.
# Included by the top Makefile, which defines BUILD, CC and Q.

GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-builtin \
	-mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -mcmodel=small \
	-fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-Itests/guests/rt -Ihv -Iinclude -MMD -MP
GUEST_ASFLAGS := -D__ASSEMBLY__ -Itests/guests/rt -Ihv -Iinclude -MMD -MP -Wa,--noexecstack
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	-Wl,--build-id=none -T tests/guests/rt/guest.ld

GUEST_RT_SRCS := tests/guests/rt/crt0.S tests/guests/rt/rt.c hv/lib/format.c hv/lib/string.c
GUEST_RT_OBJS := $(patsubst %,$(BUILD)/guests/obj/%.o,$(basename $(GUEST_RT_SRCS)))

GUEST_SRCS := $(sort $(wildcard tests/guests/*.c))
GUEST_ELFS := $(patsubst tests/guests/%.c,$(BUILD)/guests/%.elf,$(GUEST_SRCS))
# Listed as prerequisites so make does not treat the objects as
# intermediate files and delete them after linking.
GUEST_OBJS := $(patsubst %.c,$(BUILD)/guests/obj/%.o,$(GUEST_SRCS))

.PHONY: guests
guests: $(GUEST_ELFS) $(GUEST_OBJS) $(GUEST_RT_OBJS)

$(BUILD)/guests/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(GUEST_ASFLAGS) -c $< -o $@

$(BUILD)/guests/%.elf: $(BUILD)/guests/obj/tests/guests/%.o $(GUEST_RT_OBJS) tests/guests/rt/guest.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS)

-include $(shell find $(BUILD)/guests/obj -name '*.d' 2>/dev/null)
