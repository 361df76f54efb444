#!/bin/bash
# The path real machines use: GRUB from the ISO, Multiboot2, no key press.
. "$(dirname "$0")/lib.sh"

boot iso-multiboot2 "$END_READY" -cdrom "$ISO"
check "multiboot2-from-grub" 'boot: Multiboot2 from GRUB'
check "rsdp-from-loader" 'acpi: RSDP passed by the boot loader'
check "memory-map" 'mem: [0-9]+ MiB usable'
check "summary" 'cpu0: 4 CPUs online$'
check "ready" 'Bulkhead ready: 4 CPUs'
check_clean
