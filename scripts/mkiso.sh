#!/bin/sh
# Builds a bootable BIOS GRUB ISO around the hypervisor image. The default
# entry boots Bulkhead through Multiboot2 without a key press, with GRUB's
# own menu and Bulkhead's console on COM1 at 115200.
#   scripts/mkiso.sh build/bulkhead.elf build/bulkhead.iso [cmdline]
set -eu
elf=$1
iso=$2
cmdline=${3:-loglevel=info}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$elf" "$stage/boot/bulkhead.elf"
cat >"$stage/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0

menuentry "Bulkhead" {
	multiboot2 /boot/bulkhead.elf $cmdline
	boot
}

menuentry "Bulkhead (Multiboot1)" {
	multiboot /boot/bulkhead.elf $cmdline
	boot
}
CFG
grub-mkrescue -o "$iso" "$stage" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed; is grub-pc-bin installed? (scripts/deps.sh build)" >&2
	grub-mkrescue -o "$iso" "$stage"
	exit 1
}
