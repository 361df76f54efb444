# Host unit tests for the time devices of the virtual platform: the 8254 PIT,
# the MC146818 RTC/CMOS and the ACPI PM timer (hv/vdev/).
UNIT_TESTS += test_vpit test_vrtc test_vpmtimer
test_vpit_SRCS := tests/unit/test_vpit.c hv/vdev/vpit.c
test_vrtc_SRCS := tests/unit/test_vrtc.c hv/vdev/vrtc.c
test_vpmtimer_SRCS := tests/unit/test_vpmtimer.c hv/vdev/vpmtimer.c

# The executables also depend on the device headers.
$(BUILD)/unit/test_vpit: hv/vdev/vpit.h hv/vdev/vpmtimer.h hv/vdev/irq.h
$(BUILD)/unit/test_vrtc: hv/vdev/vrtc.h hv/vdev/vpmtimer.h hv/vdev/irq.h
$(BUILD)/unit/test_vpmtimer: hv/vdev/vpmtimer.h
