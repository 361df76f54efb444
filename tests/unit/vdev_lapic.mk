# Virtual local APIC (hv/vdev/vlapic.c): registers in xAPIC and x2APIC
# mode, APIC_BASE transitions, priorities, EOI, IPIs, destination
# matching, the timer in all three modes, LINT pins, RESET and INIT.
UNIT_TESTS += test_vlapic
test_vlapic_SRCS := tests/unit/test_vlapic.c hv/vdev/vlapic.c

# The executable also depends on the device's header.
$(BUILD)/unit/test_vlapic: hv/vdev/vlapic.h
