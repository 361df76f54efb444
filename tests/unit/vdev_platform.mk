# Virtual platform pieces that are pure logic: the partition ACPI table
# builder (its output is parsed back with the hypervisor's own ACPI parser,
# hence acpi.c and format.c) and the virtual PCI configuration space.
UNIT_TESTS += test_acpi_tables test_vpci
test_acpi_tables_SRCS := tests/unit/test_acpi_tables.c hv/vdev/acpi_tables.c \
	hv/arch/x86/acpi.c hv/lib/format.c
test_vpci_SRCS := tests/unit/test_vpci.c hv/vdev/vpci.c

# The executables also depend on the headers of the code under test.
$(BUILD)/unit/test_acpi_tables: hv/vdev/acpi_tables.h hv/arch/x86/acpi.h hv/arch/x86/acpi_layout.h
$(BUILD)/unit/test_vpci: hv/vdev/vpci.h
