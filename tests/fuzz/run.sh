#!/bin/bash
# Run one libFuzzer target for a bounded time:
#   tests/fuzz/run.sh NAME SECONDS      (e.g. tests/fuzz/run.sh fuzz_config 30)
# The binary is $BUILD/fuzz/NAME (make $BUILD/fuzz/NAME builds it). It runs on
# a scratch copy of its seed corpus tests/fuzz/corpus/<NAME without fuzz_>,
# so the seeds in git are never touched. Prints one line,
#   "PASS: fuzz/NAME (N runs)" or "FAIL: fuzz/NAME: <reason>",
# and exits 0 or 1. A crashing input is kept in $BUILD/fuzz/artifacts/NAME/
# and named in the FAIL line; the full log is $BUILD/fuzz/NAME.log. A
# dictionary tests/fuzz/NAME.dict is used if present.
set -u
cd "$(dirname "$0")/../.."

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
	echo "usage: $0 NAME SECONDS" >&2
	exit 2
fi
name=$1
secs=$2
build=${BUILD:-build}
bin=$build/fuzz/$name
seeds=tests/fuzz/corpus/${name#fuzz_}
artifacts=$build/fuzz/artifacts/$name/
log=$build/fuzz/$name.log
# Words of the input format, if the target has a dictionary.
dict=tests/fuzz/$name.dict
dict_arg=()
[ -f "$dict" ] && dict_arg=(-dict="$dict")
# Per-input time limit: an input that takes this long is a hang.
input_timeout=10

fail() {
	echo "FAIL: fuzz/$name: $*"
	exit 1
}

[ -x "$bin" ] || fail "$bin not built (make $bin)"
[ -d "$seeds" ] || fail "no seed corpus $seeds"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$seeds"/. "$scratch"/
mkdir -p "$artifacts"

# Some slack over -max_total_time for start-up and the final merge.
timeout $((secs + 60)) "$bin" -max_total_time="$secs" -timeout="$input_timeout" \
	-print_final_stats=1 -artifact_prefix="$artifacts" "${dict_arg[@]}" "$scratch" >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)

if [ -n "$crash" ]; then
	reason=$(grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error|SUMMARY' "$log")
	fail "crash, input $crash (${reason:-see $log})"
fi
[ $rc -eq 124 ] && fail "did not stop within $((secs + 60)) s (see $log)"
[ $rc -ne 0 ] && fail "exited with status $rc (see $log)"
echo "PASS: fuzz/$name (${runs:-?} runs)"
exit 0
