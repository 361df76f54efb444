# Virtual interrupt controllers: the 8259A pair with the ELCR
# (hv/vdev/vpic.c) and the I/O APIC (hv/vdev/vioapic.c).
UNIT_TESTS += test_vpic test_vioapic
test_vpic_SRCS := tests/unit/test_vpic.c hv/vdev/vpic.c
test_vioapic_SRCS := tests/unit/test_vioapic.c hv/vdev/vioapic.c

# The executables also depend on the devices' headers.
$(BUILD)/unit/test_vpic: hv/vdev/vpic.h hv/vdev/irq.h
$(BUILD)/unit/test_vioapic: hv/vdev/vioapic.h
