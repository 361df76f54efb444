# Host unit tests for the memory modules: memory map, frame allocator, heap.
UNIT_TESTS += test_memmap test_frame test_heap
test_memmap_SRCS := tests/unit/test_memmap.c hv/core/memmap.c
test_frame_SRCS := tests/unit/test_frame.c hv/core/frame.c hv/core/memmap.c
test_heap_SRCS := tests/unit/test_heap.c hv/core/heap.c
