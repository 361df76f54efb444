#!/bin/bash
# Helpers for integration tests: boot Bulkhead under QEMU TCG with a
# timeout, keep the console log, and assert on it. A test file sources this,
# calls boot, then check / check_not / check_count; each check prints one
# PASS or FAIL line named integration/<test>/<run>/<what>.

BUILD=${BUILD:-build}
LOGDIR=${LOGDIR:-$BUILD/test-logs}
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
QEMU=${QEMU:-qemu-system-x86_64}
IMAGE32=$BUILD/bulkhead32.elf
IMAGE=$BUILD/bulkhead.elf
ISO=$BUILD/bulkhead.iso
# The default emulated machine (see the brief): AMD-V with nested paging.
CPU_DEFAULT="qemu64,+svm,+npt"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}
# Lines that mean the hypervisor has finished what it will do.
END_READY='Bulkhead ready|System halted|Bulkhead: halted|refusing to start'

mkdir -p "$LOGDIR"
RUN=""
LOG=""

# boot RUN_NAME END_REGEX [extra QEMU args...]
# Starts QEMU (machine q35, 2 GiB, 4 CPUs, the default CPU unless the extra
# args override them; kernel = the Multiboot1 image unless -cdrom is given)
# with COM1 in $LOGDIR/<test>-<run>.log, waits until END_REGEX appears in
# the log (END_COUNT times, default once), QEMU exits, or BOOT_TIMEOUT
# seconds pass, then stops QEMU.
boot() {
	RUN=$1
	local end=$2
	shift 2
	LOG=$LOGDIR/$TEST_NAME-$RUN.log
	: >"$LOG"
	local watch=${WATCH_LOG:-$LOG}
	local cpu=$CPU_DEFAULT smp=4 mem=2G kernel=yes args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-cpu) cpu=$2; shift ;;
		-smp) smp=$2; shift ;;
		-m) mem=$2; shift ;;
		-cdrom) kernel=no; args+=("$1" "$2"); shift ;;
		-append) args+=("$1" "$2"); shift ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	[ "$kernel" = yes ] && args=(-kernel "$IMAGE32" "${args[@]}")
	"$QEMU" -accel tcg -M q35 -cpu "$cpu" -smp "$smp" -m "$mem" \
		-display none -no-reboot -monitor none -parallel none \
		-chardev file,id=com1,path="$LOG" -serial chardev:com1 \
		"${args[@]}" >"$LOG.qemu" 2>&1 &
	local pid=$! t=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(grep -acE "$end" "$watch")" -ge "${END_COUNT:-1}" ]; then
			sleep 0.5 # let the last lines out
			break
		fi
		if [ "$t" -ge $((BOOT_TIMEOUT * 10)) ]; then
			echo "[test harness: timed out after ${BOOT_TIMEOUT}s]" >>"$LOG"
			break
		fi
		sleep 0.1
		t=$((t + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# The console ends lines with CR LF; keep plain lines for grep's $.
	sed -i 's/\r$//' "$LOG"
	return 0
}

_result() { # ok? description detail
	if [ "$1" = 0 ]; then
		echo "PASS: integration/$TEST_NAME/$RUN/$2"
	else
		echo "FAIL: integration/$TEST_NAME/$RUN/$2: $3 (log: $LOG)"
	fi
}

# The console log without carriage returns (a live session's log still has them).
_log() { tr -d '\r' <"$LOG"; }

# check DESCRIPTION EXTENDED_REGEX: some console line matches
check() {
	_log | grep -qaE -- "$2"
	_result $? "$1" "no line matches /$2/"
}

# check_not DESCRIPTION EXTENDED_REGEX: no console line matches
check_not() {
	local line
	line=$(_log | grep -aE -m1 -- "$2")
	[ -z "$line" ]
	_result $? "$1" "unexpected line: $line"
}

# check_count DESCRIPTION EXTENDED_REGEX N: exactly N lines match
check_count() {
	local n
	n=$(_log | grep -acE -- "$2")
	[ "$n" -eq "$3" ]
	_result $? "$1" "$n lines match /$2/, expected $3"
}

# check_cmd DESCRIPTION COMMAND...: the command succeeds
check_cmd() {
	local desc=$1
	shift
	"$@" >/dev/null 2>&1
	_result $? "$desc" "command failed: $*"
}

# The no-crash invariant for every run: no triple fault/reset, no QEMU error.
check_clean() {
	check_not "no-unexpected-panic" 'PANIC on CPU'
	local qerr
	qerr=$(grep -v -e 'terminating on signal' -e '^test harness:' "$LOG.qemu" | head -1)
	[ -z "$qerr" ]
	_result $? "qemu-clean" "QEMU said: $qerr"
}

GUESTS=$BUILD/guests
CONFIGS=tests/integration/configs

# boot_config RUN END_REGEX CONFIG GUEST... [-- QEMU args]
# Boots with CONFIG (a file under tests/integration/configs) and the named
# test guests (build/guests/NAME.elf) as boot modules, config=CONFIG.
boot_config() {
	local run=$1 end=$2 config=$3 mods="" extra=() append=""
	shift 3
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		mods="$mods,$GUESTS/$1.elf"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	while [ $# -gt 0 ]; do
		if [ "$1" = "-append" ]; then append="$2"; shift 2; continue; fi
		extra+=("$1")
		shift
	done
	boot "$run" "$end" -append "config=$(basename "$config") $append" \
		-initrd "${mods#,},$CONFIGS/$config" "${extra[@]}"
}

# count_lines EXTENDED_REGEX: how many console lines match
count_lines() { grep -acE -- "$1" "$LOG"; }

# check_at_least DESCRIPTION EXTENDED_REGEX N: at least N lines match
check_at_least() {
	local n
	n=$(_log | grep -acE -- "$2")
	[ "$n" -ge "$3" ]
	_result $? "$1" "$n lines match /$2/, expected at least $3"
}

# check_guest PARTITION: the test guest in PARTITION finished with no failure
check_guest() {
	check "$1-guest-done" "^\[$1\] GUEST-DONE: [0-9]+ passed, 0 failed"
	check_not "$1-no-guest-fail" "^\[$1\] GUEST-FAIL"
}

# --- interactive sessions: drive a guest's serial console --------------------
# session_start RUN [extra QEMU args...]: QEMU with COM1 on a pipe we write to
# (stdin) and the console in $LOG; session_wait / session_send / session_stop.
# -smp N and -m SIZE replace the defaults (4 CPUs, 2 GiB); QEMU is stopped
# after SESSION_TIMEOUT seconds whatever happens.
SESSION_PID=""
SESSION_TIMEOUT=${SESSION_TIMEOUT:-900}
session_start() {
	RUN=$1
	shift
	LOG=$LOGDIR/$TEST_NAME-$RUN.log
	: >"$LOG"
	SESSION_FIFO=$LOGDIR/$TEST_NAME-$RUN.in
	rm -f "$SESSION_FIFO"
	mkfifo "$SESSION_FIFO"
	local smp=4 mem=2G args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-smp) smp=$2; shift ;;
		-m) mem=$2; shift ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	timeout "$SESSION_TIMEOUT" "$QEMU" -accel tcg -M q35 -cpu "$CPU_DEFAULT" -smp "$smp" \
		-m "$mem" -display none -no-reboot -monitor none -serial stdio -kernel "$IMAGE32" \
		"${args[@]}" <"$SESSION_FIFO" >"$LOG" 2>"$LOG.qemu" &
	SESSION_PID=$!
	exec 9>"$SESSION_FIFO"
}

# session_wait EXTENDED_REGEX SECONDS [COUNT]: until COUNT lines match (default 1)
session_wait() {
	local t=0 want=${3:-1}
	while [ "$t" -lt $(($2 * 10)) ]; do
		[ "$(grep -acE -- "$1" "$LOG")" -ge "$want" ] && return 0
		kill -0 "$SESSION_PID" 2>/dev/null || return 1
		sleep 0.1
		t=$((t + 1))
	done
	# Not in $LOG: the note must not match the very pattern checked later.
	echo "test harness: /$1/ not seen within $2 s" >>"$LOG.qemu"
	return 1
}

# session_send TEXT: type TEXT (printf format) on the console
session_send() {
	# shellcheck disable=SC2059
	printf "$1" >&9
}

session_stop() {
	exec 9>&-
	kill "$SESSION_PID" 2>/dev/null || true
	wait "$SESSION_PID" 2>/dev/null || true
	rm -f "$SESSION_FIFO"
	sed -i 's/\r$//' "$LOG"
}
