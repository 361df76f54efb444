UNIT_TESTS += test_elf test_cpuid test_iomap test_linux
test_elf_SRCS := tests/unit/test_elf.c hv/core/elf.c hv/lib/format.c
test_cpuid_SRCS := tests/unit/test_cpuid.c hv/core/cpuid.c
test_iomap_SRCS := tests/unit/test_iomap.c hv/core/iomap.c
test_linux_SRCS := tests/unit/test_linux.c hv/core/linux.c hv/lib/format.c
