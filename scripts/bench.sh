#!/bin/bash
# make bench: performance figures, not pass/fail tests.
#
# 1. Hypercall round trip, measured inside a partition by the hcbench test
#    guest (median of 1001 BH_HC_VERSION calls, TSC cycles), twice:
#    - plain TCG: the TSC follows host time, so cycles are noisy;
#    - QEMU -icount shift=0: the TSC counts executed instructions, so the
#      figure is the number of instructions (guest and hypervisor) one
#      hypercall costs: a repeatable measure of the exit path.
# Prints a table and appends nothing anywhere: docs/performance.md records
# a run by hand with the date and this command.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LOGDIR=$BUILD/bench
mkdir -p "$LOGDIR"
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${BENCH_TIMEOUT:-120}

run() { # name extra-qemu-args...
	local name=$1 log=$LOGDIR/$1.log
	shift
	: >"$log"
	timeout "$TIMEOUT" "$QEMU" -accel tcg -M q35 -cpu qemu64,+svm,+npt -smp 2 -m 1G \
		-display none -no-reboot -monitor none \
		-chardev file,id=com1,path="$log" -serial chardev:com1 \
		-kernel "$BUILD/bulkhead32.elf" -append "config=bench.ini" \
		-initrd "$BUILD/guests/hcbench.elf,tests/integration/configs/bench.ini" "$@" \
		2>"$log.qemu" &
	local pid=$!
	for _ in $(seq 1 $((TIMEOUT * 10))); do
		grep -q 'partition bench: stopped' "$log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

value() { # log metric
	grep -aoE "BENCH $2 [0-9]+" "$1" | awk '{print $3}' | head -1
}

run tcg
run icount -icount shift=0

tcg=$(value "$LOGDIR/tcg.log" hypercall_roundtrip_cycles)
tcg_min=$(value "$LOGDIR/tcg.log" hypercall_roundtrip_min)
ic=$(value "$LOGDIR/icount.log" hypercall_roundtrip_cycles)
ic_min=$(value "$LOGDIR/icount.log" hypercall_roundtrip_min)
exits=$(grep -aoE 'stats: bench vCPU 0: [0-9]+ exits' "$LOGDIR/icount.log" | awk '{print $5}' | head -1)

echo
echo "Bulkhead benchmark ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
printf '%-44s %12s %12s\n' "metric" "median" "min"
printf '%-44s %12s %12s\n' "hypercall round trip, TSC cycles (TCG)" "${tcg:-n/a}" "${tcg_min:-n/a}"
printf '%-44s %12s %12s\n' "hypercall round trip, instructions (icount)" "${ic:-n/a}" "${ic_min:-n/a}"
printf '%-44s %12s\n' "exits of the benchmark partition" "${exits:-n/a}"
echo "logs: $LOGDIR/"
[ -n "$tcg" ] && [ -n "$ic" ]
