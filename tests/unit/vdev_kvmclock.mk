# Host unit tests for the KVM-compatible paravirtual clock (hv/vdev/kvmclock.c).
UNIT_TESTS += test_kvmclock
test_kvmclock_SRCS := tests/unit/test_kvmclock.c hv/vdev/kvmclock.c
$(BUILD)/unit/test_kvmclock: hv/vdev/kvmclock.h hv/lib/unaligned.h
