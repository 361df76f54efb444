#!/bin/sh
# Checks a freshly linked image: the Multiboot1 header must lie in the first
# 8 KiB of the file and the Multiboot2 header in the first 32 KiB
# (Multiboot 0.6.96, 3.1.1; Multiboot2 1.0, 3.1.1). Uses only grep and sh.
set -eu
img=$1
first() { # byte offset of the first match of a binary pattern
	LC_ALL=C grep -obUaP "$1" "$img" | head -1 | cut -d: -f1
}
mb1=$(first '\x02\xb0\xad\x1b')
mb2=$(first '\xd6\x50\x52\xe8')
if [ -z "$mb1" ] || [ "$mb1" -ge 8192 ] || [ $((mb1 % 4)) -ne 0 ]; then
	echo "check-image: $img: no aligned Multiboot1 header in the first 8 KiB" >&2
	exit 1
fi
if [ -z "$mb2" ] || [ "$mb2" -ge 32768 ] || [ $((mb2 % 8)) -ne 0 ]; then
	echo "check-image: $img: no aligned Multiboot2 header in the first 32 KiB" >&2
	exit 1
fi
