#!/bin/sh
# Installs the Debian 12 packages a make target needs, and only those that
# are missing. The one place the project's host dependencies are listed.
#   scripts/deps.sh build|run|test|all
set -eu

build_pkgs="gcc make binutils libc6-dev grub-pc-bin grub-common xorriso mtools"
run_pkgs="qemu-system-x86 busybox-static cpio"
test_pkgs="cppcheck qemu-system-x86 clang libclang-rt-14-dev acpica-tools"

case "${1:-all}" in
build) want="$build_pkgs" ;;
run) want="$build_pkgs $run_pkgs" ;;
test) want="$build_pkgs $run_pkgs $test_pkgs" ;;
all) want="$build_pkgs $run_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|run|test|all" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; run as root: apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
