# Partition configuration file parser (hv/core/config.c). parse_u64 comes
# from lib/cmdline.c and the messages are formatted by lib/format.c; on the
# host the C library provides the string functions.
UNIT_TESTS += test_config
test_config_SRCS := tests/unit/test_config.c hv/core/config.c hv/lib/cmdline.c hv/lib/format.c

# The executable also depends on the parser's header.
$(BUILD)/unit/test_config: hv/core/config.h
