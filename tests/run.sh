#!/bin/bash
# The whole test suite: static check, host unit tests, integration tests
# under QEMU. Every check prints one line, "PASS: <name>" or
# "FAIL: <name>: <why>"; the last line is "N passed, N failed".
#   tests/run.sh [--unit-only | --integration-only] [-j JOBS] [PATTERN]
# PATTERN selects integration test files by name (e.g. "panic").
# Logs: build/test-logs/ (one console log per QEMU run).
set -u
cd "$(dirname "$0")/.."

mode=all
jobs=${TEST_JOBS:-2}
pattern=""
while [ $# -gt 0 ]; do
	case "$1" in
	--unit-only) mode=unit ;;
	--integration-only) mode=integration ;;
	-j) jobs=$2; shift ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) pattern=$1 ;;
	esac
	shift
done

export BUILD=${BUILD:-build}
export LOGDIR=$BUILD/test-logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
results=$LOGDIR/results.txt
: >"$results"

record() { tee -a "$results"; }

# --- static check -----------------------------------------------------------
if [ "$mode" != integration ]; then
	if scripts/static-check.sh >"$LOGDIR/static-check.log" 2>&1; then
		echo "PASS: static/cppcheck" | record
	else
		echo "FAIL: static/cppcheck: see $LOGDIR/static-check.log" | record
		sed 's/^/    /' "$LOGDIR/static-check.log" | head -20
	fi
fi

# --- host unit tests --------------------------------------------------------
if [ "$mode" != integration ]; then
	for t in "$BUILD"/unit/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		out=$LOGDIR/unit-$name.log
		timeout 600 "$t" >"$out" 2>&1
		rc=$?
		grep -E '^(PASS|FAIL): ' "$out" | sed 's/^\(PASS\|FAIL\): /\1: unit\//' | record
		if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
			echo "FAIL: unit/$name: exited with status $rc (see $out)" | record
			tail -20 "$out" | sed 's/^/    /'
		fi
	done
fi

# --- fuzz targets, each for a bounded time -------------------------------------
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
if [ "$mode" != integration ]; then
	# One target per tests/fuzz/fuzz_*.c: a target that was not built fails.
	for src in tests/fuzz/fuzz_*.c; do
		name=$(basename "$src" .c)
		if [ ! -x "$BUILD/fuzz/$name" ]; then
			echo "FAIL: fuzz/$name: $BUILD/fuzz/$name was not built" | record
			continue
		fi
		tests/fuzz/run.sh "$name" "$FUZZ_SECONDS" 2>&1 | grep -E '^(PASS|FAIL): ' | record
	done
fi

# --- integration tests (QEMU), $jobs at a time --------------------------------
if [ "$mode" != unit ]; then
	pids=()
	outs=()
	for f in tests/integration/[0-9]*.sh; do
		name=$(basename "$f" .sh)
		[ -n "$pattern" ] && [[ "$name" != *$pattern* ]] && continue
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		out=$LOGDIR/int-$name.out
		outs+=("$out")
		(
			TEST_NAME=$name bash "$f" >"$out" 2>&1
			echo "__EXIT $?" >>"$out"
		) &
		pids+=($!)
	done
	wait
	for out in "${outs[@]}"; do
		name=$(basename "$out" .out)
		name=${name#int-}
		grep -E '^(PASS|FAIL): ' "$out" | record
		rc=$(sed -n 's/^__EXIT //p' "$out")
		if [ "${rc:-1}" -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
			echo "FAIL: integration/$name: script exited with status ${rc:-?} (see $out)" | record
		fi
	done
fi

passed=$(grep -c '^PASS: ' "$results")
failed=$(grep -c '^FAIL: ' "$results")
if [ "$failed" -gt 0 ]; then
	echo
	echo "Failures:"
	grep '^FAIL: ' "$results" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
