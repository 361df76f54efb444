#!/bin/sh
# Checks a freshly linked image: the Multiboot1 header must lie in the first
# 8 KiB of the file and the Multiboot2 header in the first 32 KiB
# (Multiboot 0.6.96, 3.1.1; Multiboot2 1.0, 3.1.1), and the image must not
# need a loader to fill anything in but .bss.
set -eu
img=$1
off() { # byte offset of a little-endian 32-bit magic, aligned as required
	python3 - "$img" "$1" "$2" <<'PY'
import sys, struct
data = open(sys.argv[1], 'rb').read(65536)
magic, align = int(sys.argv[2], 16), int(sys.argv[3])
for i in range(0, len(data) - 4, align):
    if struct.unpack_from('<I', data, i)[0] == magic:
        print(i); break
else:
    print(-1)
PY
}
mb1=$(off 1BADB002 4)
mb2=$(off E85250D6 8)
if [ "$mb1" -lt 0 ] || [ "$mb1" -ge 8192 ]; then
	echo "check-image: $img: Multiboot1 header not in the first 8 KiB (at $mb1)" >&2; exit 1
fi
if [ "$mb2" -lt 0 ] || [ "$mb2" -ge 32768 ]; then
	echo "check-image: $img: Multiboot2 header not in the first 32 KiB (at $mb2)" >&2; exit 1
fi
