#!/bin/bash
# The memory map from the boot loader, sanitized, and the frame pool built
# from it: totals that match the machine, RAM above 4 GiB reached.
. "$(dirname "$0")/lib.sh"

# usable_mib LOG: the "N MiB usable" figure
usable_mib() { grep -aoE 'mem: [0-9]+ MiB usable' "$LOG" | grep -oE '[0-9]+' | head -1; }

boot 2g "$END_READY" -m 2G
check "low-ram" 'mem: \[0x000000000000-0x00000009[ef]fff\] usable'
check "main-ram" 'mem: \[0x000000100000-0x00007ff[0-9a-f]{5}\] usable'
check "bios-reserved" 'mem: \[0x0000000f0000-0x0000000fffff\] reserved'
u=$(usable_mib)
[ "${u:-0}" -ge 2040 ] && [ "${u:-0}" -le 2048 ]
_result $? "usable-total-2g" "usable MiB = ${u:-none}, expected 2040..2048"
check "free-after-reservations" 'mem: [0-9]+ MiB usable, [0-9]+ MiB free for partitions'
check_clean

# 6 GiB: q35 puts 2 GiB below the PCI hole and the rest above 4 GiB.
boot 6g "$END_READY" -m 6G
check "ram-above-4g" 'mem: \[0x000100000000-0x0001[0-9a-f]{8}\] usable'
u=$(usable_mib)
[ "${u:-0}" -ge 6130 ] && [ "${u:-0}" -le 6144 ]
_result $? "usable-total-6g" "usable MiB = ${u:-none}, expected 6130..6144"
check "ready" 'Bulkhead ready: 4 CPUs, 6[0-9]{3} MiB free'
check_clean

boot 128m "$END_READY" -m 128M
u=$(usable_mib)
[ "${u:-0}" -ge 120 ] && [ "${u:-0}" -le 128 ]
_result $? "usable-total-128m" "usable MiB = ${u:-none}, expected 120..128"
check "ready" 'Bulkhead ready'
check_clean
