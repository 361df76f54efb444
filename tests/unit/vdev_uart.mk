# Emulated 16550A UART (hv/vdev/vuart.c): a pure state machine, tested
# through its port accesses with a fake interrupt sink and tx callback.
UNIT_TESTS += test_vuart
test_vuart_SRCS := tests/unit/test_vuart.c hv/vdev/vuart.c

# The executable also depends on the device's headers.
$(BUILD)/unit/test_vuart: hv/vdev/vuart.h hv/vdev/irq.h
