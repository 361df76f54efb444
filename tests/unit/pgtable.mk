UNIT_TESTS += test_pgtable
test_pgtable_SRCS := tests/unit/test_pgtable.c hv/arch/x86/pgtable.c
