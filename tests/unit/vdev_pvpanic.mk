# Host unit tests for the pvpanic device (hv/vdev/pvpanic.c).
UNIT_TESTS += test_pvpanic
test_pvpanic_SRCS := tests/unit/test_pvpanic.c hv/vdev/pvpanic.c
$(BUILD)/unit/test_pvpanic: hv/vdev/pvpanic.h
