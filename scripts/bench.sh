#!/bin/bash
# make bench: performance figures, not pass/fail tests.
#
# 1. Hypercall round trip, measured inside a partition by the hcbench test
#    guest (median of 1001 BH_HC_VERSION calls, TSC cycles), twice:
#    - plain TCG: the TSC follows host time, so cycles are noisy;
#    - QEMU -icount shift=0: the TSC counts executed instructions, so the
#      figure is the number of instructions (guest and hypervisor) one
#      hypercall costs: a repeatable measure of the exit path.
# 2. Linux: the same Debian kernel and initramfs (tests/linux/bench as the
#    workload) on plain QEMU and in a Bulkhead partition, one after the
#    other in the same machine model: boot to init, a CPU loop, 128 MiB of
#    memory, 400k system calls, 300 fork+exec, 100 sleeps of 10 ms, 10 s of
#    idle; the ratio Bulkhead/QEMU; and the partition's exits by reason,
#    during boot and during the 10 s idle apart: the Bulkhead run is driven
#    through the hypervisor console, which prints the exit counters when
#    Ctrl-T is pressed (snapshots at the end of boot and around the idle).
# Prints tables and appends nothing anywhere: docs/performance.md records a
# run by hand with the date and this command.
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
[ -n "$tcg" ] && [ -n "$ic" ] || exit 1

# --- Linux ------------------------------------------------------------------
paths=$(scripts/fetch-linux.sh)
mkdir -p "$BUILD/linux"
cp "$(echo "$paths" | tail -2 | head -1)" "$BUILD/linux/vmlinuz"
cp "$(echo "$paths" | tail -1)" "$BUILD/linux/initrd.gz"

linux_run() { # name qemu-args...
	local name=$1 log=$LOGDIR/$1.log
	shift
	: >"$log"
	timeout "$TIMEOUT" "$QEMU" -accel tcg -M q35 -cpu qemu64,+svm,+npt -display none \
		-no-reboot -monitor none -chardev file,id=com1,path="$log" -serial chardev:com1 \
		"$@" 2>"$log.qemu" &
	local pid=$!
	for _ in $(seq 1 $((TIMEOUT * 10))); do
		grep -q 'BENCH_DONE' "$log" 2>/dev/null && sleep 2 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sed -i 's/\r$//' "$log"
}

# The Bulkhead run, driven through the hypervisor console with the
# integration tests' session helpers (tests/integration/lib.sh: COM1 on
# QEMU's stdio, fed from a FIFO; the log is $LOGDIR/linux-bulkhead.log). The
# guest (tests/linux/bench with bulkhead.bench=handshake) stops at three
# points, BENCH boot_to_init, BENCH_MARK idle_begin and BENCH_MARK idle_end,
# until it reads a newline. At each we press Ctrl-T, which makes Bulkhead log
# every vCPU's cumulative exit counters ("stats: bench vCPU 0: ..."), wait for
# that line, then send the newline: snapshots A (boot), B and C (idle = C -
# B). The stop-time line, when the guest powers off, is the 4th.
TEST_NAME=linux
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
linux_session() { # qemu-args...
	local n=0 mark

	SESSION_TIMEOUT=$TIMEOUT session_start bulkhead "$@"
	for mark in 'BENCH boot_to_init' 'BENCH_MARK idle_begin' 'BENCH_MARK idle_end'; do
		session_wait "$mark" "$TIMEOUT" || break
		n=$((n + 1))
		session_send '\024'
		session_wait 'stats: bench vCPU 0:' "$TIMEOUT" "$n" || break
		session_send '\r'
	done
	session_wait 'BENCH_DONE' "$TIMEOUT" && sleep 2
	session_stop
}

linux_run linux-qemu -smp 1 -m 512M -kernel "$BUILD/linux/vmlinuz" \
	-initrd "$BUILD/linux/initrd.gz" -append "console=ttyS0 quiet bulkhead.bench"
# The configuration of tests/integration/configs, with the handshake asked for.
sed 's/bulkhead\.bench/bulkhead.bench=handshake/' tests/integration/configs/bench-linux.ini \
	>"$LOGDIR/bench-linux.ini"
linux_session -smp 2 -m 1G -append "config=bench-linux.ini" \
	-initrd "$BUILD/linux/vmlinuz,$BUILD/linux/initrd.gz,$LOGDIR/bench-linux.ini"

# The same two boots under -icount shift=0: one instruction per virtual
# nanosecond, so the guest's time from kernel start to init is a repeatable
# instruction count.
linux_run linux-qemu-icount -icount shift=0 -smp 1 -m 512M -kernel "$BUILD/linux/vmlinuz" \
	-initrd "$BUILD/linux/initrd.gz" -append "console=ttyS0 quiet bulkhead.bench"
linux_run linux-bulkhead-icount -icount shift=0 -smp 2 -m 1G -kernel "$BUILD/bulkhead32.elf" \
	-append "config=bench-linux.ini" \
	-initrd "$BUILD/linux/vmlinuz,$BUILD/linux/initrd.gz,tests/integration/configs/bench-linux.ini"

lval() { grep -aoE "BENCH $2 [0-9]+" "$LOGDIR/$1.log" | awk '{print $3}' | head -1; }
echo
echo "Linux guest (Debian $(basename "$(echo "$paths" | tail -2 | head -1)"), 1 vCPU, 512 MiB;"
echo "times in seconds (guest /proc/uptime); ratio = Bulkhead / plain QEMU"
printf '%-22s %10s %10s %8s\n' "job" "QEMU" "Bulkhead" "ratio"
for m in boot_to_init cpu_loop memory_128m syscalls_400k fork_exec_300 sleep_100x10ms idle_10s; do
	q=$(lval linux-qemu "$m")
	b=$(lval linux-bulkhead "$m")
	if [ -n "$q" ] && [ -n "$b" ] && [ "$q" -gt 0 ]; then
		printf '%-22s %10s %10s %8s\n' "$m" "$(awk "BEGIN{printf \"%.2f\", $q/100}")" \
			"$(awk "BEGIN{printf \"%.2f\", $b/100}")" "$(awk "BEGIN{printf \"%.2f\", $b/$q}")"
	else
		printf '%-22s %10s %10s %8s\n' "$m" "${q:-n/a}" "${b:-n/a}" "n/a"
	fi
done
qi=$(lval linux-qemu-icount boot_to_init)
bi=$(lval linux-bulkhead-icount boot_to_init)
if [ -n "$qi" ] && [ -n "$bi" ] && [ "$qi" -gt 0 ]; then
	printf '%-22s %10s %10s %8s\n' "instr_to_init (1e6)" "$((qi * 10))" "$((bi * 10))" \
		"$(awk "BEGIN{printf \"%.2f\", $bi/$qi}")"
fi
# Under -icount shift=0 the TSC counts one tick per instruction (the
# hypervisor calibrates it at ~1000 MHz), so the stop-time line's hypervisor
# time in ms is millions of hypervisor instructions, exit handling included.
istats=$(grep -aoE 'stats: bench vCPU 0: [0-9]+ exits .*hypervisor [0-9]+ ms' \
	"$LOGDIR/linux-bulkhead-icount.log" | head -1 || true)
iexits=$(echo "$istats" | awk '{print $5}')
ihv_ms=$(echo "$istats" | grep -oE 'hypervisor [0-9]+ ms' | awk '{print $2}' || true)
if [ -n "$iexits" ] && [ -n "$ihv_ms" ] && [ "$iexits" -gt 0 ]; then
	echo "hypervisor instructions per exit, whole icount run: $((ihv_ms * 1000000 / iexits))" \
		"($ihv_ms ms of hypervisor time at 1 instruction per ns over $iexits exits)"
fi

# Exits by reason, from the Ctrl-T snapshots (the Nth stats line of the
# log, its time the log line's hypervisor timestamp) and the stop-time line.
snap() { grep -a 'stats: bench vCPU 0: ' "$LOGDIR/linux-bulkhead.log" | sed -n "${1}p"; }
count() { # line reason: the reason's count in a stats line (0 if absent)
	local c
	c=$(echo "$1" | sed -nE "s/.* \( (.* )?$2=([0-9]+) .*/\2/p")
	echo "${c:-0}"
}
stamp() { echo "$1" | sed -nE 's/^\[ *([0-9]+\.[0-9]+)\].*/\1/p'; }
ms() { echo "$1" | sed -nE "s/.*, $2 ([0-9]+) ms.*/\1/p"; }
sa=$(snap 1) sb=$(snap 2) sc=$(snap 3) sw=$(snap 4)
echo "exits of the Linux partition by reason (Ctrl-T snapshots of vCPU 0's counters):"
if [ -n "$sa" ] && [ -n "$sb" ] && [ -n "$sc" ]; then
	secs=$(awk "BEGIN{printf \"%.2f\", $(stamp "$sc") - $(stamp "$sb")}")
	echo "  boot: from the partition's start to the guest's 'BENCH boot_to_init' line;"
	echo "  idle: the $secs s (hypervisor time) from 'BENCH_MARK idle_begin' to" \
		"'BENCH_MARK idle_end': the guest's sleep 10 and one marker line"
	printf '  %-13s %10s %10s %8s %10s\n' reason boot idle "idle/s" "whole run"
	tb=0 ti=0 tw=0
	for r in cpuid msr io hlt hypercall npf intr nmi exception svm-insn cache xsetbv shutdown other; do
		a=$(count "$sa" "$r") i=$(($(count "$sc" "$r") - $(count "$sb" "$r"))) w=$(count "$sw" "$r")
		tb=$((tb + a)) ti=$((ti + i)) tw=$((tw + w))
		[ "$a" -gt 0 ] || [ "$i" -gt 0 ] || [ "$w" -gt 0 ] || continue
		printf '  %-13s %10s %10s %8s %10s\n' "$r" "$a" "$i" \
			"$(awk "BEGIN{printf \"%.1f\", $i/$secs}")" "${sw:+$w}"
	done
	printf '  %-13s %10s %10s %8s %10s\n' total "$tb" "$ti" \
		"$(awk "BEGIN{printf \"%.1f\", $ti/$secs}")" "${sw:+$tw}"
	for k in guest hypervisor; do
		printf '  %-13s %10s %10s %8s %10s\n' "$k ms" "$(ms "$sa" "$k")" \
			"$(($(ms "$sc" "$k") - $(ms "$sb" "$k")))" "" "$(ms "$sw" "$k")"
	done
else
	echo "  n/a (the Ctrl-T snapshots are missing from $LOGDIR/linux-bulkhead.log)"
fi
echo "exits of the Linux partition (whole run):"
if [ -n "$sw" ]; then echo "  ${sw#*stats: }"; else echo "  n/a"; fi
grep -aoE 'partition bench \(id 0\): .*' "$LOGDIR/linux-bulkhead.log" | head -1 | sed 's/^/  /'
echo "guest side of the idle window (plain QEMU | Bulkhead):"
for run in linux-qemu linux-bulkhead; do
	grep -aE '^(\[bench\] )?BENCH_INFO (idle_|clockevent|clocksource)' "$LOGDIR/$run.log" |
		sed -E "s/^(\[bench\] )?BENCH_INFO /  ${run#linux-}: /" || true
done
usable=$(grep -aoE 'mem: [0-9]+ MiB usable' "$LOGDIR/linux-bulkhead.log" | grep -oE '[0-9]+' | head -1)
ready=$(grep -aoE 'ready: [0-9]+ CPUs?, [0-9]+ MiB free' "$LOGDIR/linux-bulkhead.log" | grep -oE '[0-9]+ MiB' | grep -oE '[0-9]+' | head -1)
# Boot modules (the kernel, the initrd, the configuration) are reserved too: not the hypervisor's.
mods_kib=$(grep -aoE 'boot: module [0-9]+: \[0x[0-9a-f]+-0x[0-9a-f]+\)' "$LOGDIR/linux-bulkhead.log" |
	sed -E 's/.*\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\)/\1 \2/' |
	while read -r a b; do echo $(((b - a + 4095) / 4096 * 4)); done | awk '{s += $1} END {print s + 0}')
echo "hypervisor footprint before partitions: $(( (usable - ready) * 1024 - mods_kib )) KiB" \
	"(image, page tables, heap, stacks; boot modules of ${mods_kib} KiB not counted)"
grep -aoE 'partition bench: overhead .*' "$LOGDIR/linux-bulkhead.log" | head -1 | sed 's/^/  /'
[ -n "$(lval linux-bulkhead boot_to_init)" ]
