# ACPI table parser (hv/arch/x86/acpi.c) on synthetic firmware table images.
UNIT_TESTS += test_acpi
test_acpi_SRCS := tests/unit/test_acpi.c hv/arch/x86/acpi.c hv/lib/format.c

# The executable also depends on the parser's header and the table builders.
$(BUILD)/unit/test_acpi: hv/arch/x86/acpi.h hv/arch/x86/acpi_layout.h
