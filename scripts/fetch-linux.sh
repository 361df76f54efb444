#!/bin/bash
# Fetches the guest kernel and builds the guest initramfs, on demand, into a
# cache outside git ($BULKHEAD_CACHE, default ~/.cache/bulkhead):
#   - Debian's current linux-image-*-amd64 (the version linux-image-amd64
#     depends on), with `apt-get download` and `dpkg-deb -x`: never
#     installed on the host;
#   - a busybox-static initramfs with tests/linux/init as /init, and the
#     kernel's pvpanic modules (the driver for the partition's pvpanic
#     device, which turns a guest panic into the on_crash policy).
# Prints the paths of the bzImage and the initramfs on its last two lines.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}
mkdir -p "$cache"

for p in busybox-static cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
	echo "fetch-linux: installing:$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

kver=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
if [ -z "$kver" ]; then
	apt-get update -q >/dev/null
	kver=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
fi
[ -n "$kver" ] || { echo "fetch-linux: cannot resolve the kernel version" >&2; exit 1; }

kdir=$cache/linux-$kver
kernel=$kdir/root/boot/vmlinuz-$kver
if [ ! -f "$kernel" ]; then
	echo "fetch-linux: downloading linux-image-$kver" >&2
	rm -rf "$kdir"
	mkdir -p "$kdir"
	(cd "$kdir" && apt-get -o APT::Sandbox::User=root download -q "linux-image-$kver" >/dev/null &&
		dpkg-deb -x linux-image-"$kver"_*.deb root && rm -f linux-image-"$kver"_*.deb)
fi
[ -f "$kernel" ] || { echo "fetch-linux: $kernel missing after unpacking" >&2; exit 1; }

# Modules must match the kernel exactly, so the initramfs is per kernel version.
initrd=$cache/initramfs-$kver.cpio.gz
mods=$kdir/root/lib/modules/$kver/kernel/drivers/misc/pvpanic
if [ ! -f "$initrd" ] || [ tests/linux/init -nt "$initrd" ] || [ tests/linux/bench -nt "$initrd" ] ||
	[ scripts/fetch-linux.sh -nt "$initrd" ] || [ /bin/busybox -nt "$initrd" ]; then
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,etc,lib/modules}
	for m in pvpanic pvpanic-mmio; do
		[ -f "$mods/$m.ko" ] || { echo "fetch-linux: $mods/$m.ko missing" >&2; exit 1; }
		cp "$mods/$m.ko" "$stage/lib/modules/"
	done
	cp /bin/busybox "$stage/bin/busybox"
	for app in $("$stage/bin/busybox" --list); do
		[ "$app" = busybox ] || ln -sf busybox "$stage/bin/$app"
	done
	cp tests/linux/init "$stage/init"
	cp tests/linux/bench "$stage/bin/bulkhead-bench"
	chmod +x "$stage/init" "$stage/bin/bulkhead-bench"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -9) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi
echo "$kernel"
echo "$initrd"
