#!/bin/bash
# Console options: port and speed from the command line, log levels, and
# bad values that fall back to COM1 with a warning.
. "$(dirname "$0")/lib.sh"

# COM2 at 38400: the log must appear on the second serial port only.
COM2=$LOGDIR/$TEST_NAME-com2-output.log
: >"$COM2"
WATCH_LOG=$COM2 boot com2 'System halted' -append "console=com2 baud=38400 debug_fault=panic" \
	-chardev file,id=com2,path="$COM2" -serial chardev:com2
sed -i 's/\r$//' "$COM2"
RUN=com2
grep -qa 'Bulkhead 0' "$COM2"
_result $? "banner-on-com2" "no banner in $COM2"
grep -qa 'System halted' "$COM2"
_result $? "panic-on-com2" "no panic dump in $COM2"
check_not "com1-silent" 'Bulkhead'

boot loglevel-warn 'halted' -append "loglevel=warn debug_fault=panic"
check_not "info-hidden" 'CPUs online|cpu1: online'
check "panic-still-shown" 'PANIC on CPU 0'

boot loglevel-debug "$END_READY" -append "loglevel=debug"
check "info-shown" 'cpu0: 4 CPUs online'

boot bad-values "$END_READY" -append "console=com9 baud=12345 loglevel=loud"
check "console-warning" 'WARNING: console= must be com1, com2, com3, com4 or an I/O port'
check "baud-warning" 'WARNING: baud= must divide 115200'
check "loglevel-warning" 'WARNING: loglevel=loud: expected error, warn, info or debug'
check "ready" 'Bulkhead ready'
check_clean

# Console focus: Ctrl-] moves keyboard input from one partition to the next.
RUN=focus
LOG=$LOGDIR/$TEST_NAME-$RUN.log
(sleep 3; printf '\035'; sleep 1; printf '\035'; sleep 1; printf '\035'; sleep 2) |
	timeout 30 "$QEMU" -accel tcg -M q35 -cpu "$CPU_DEFAULT" -smp 4 -m 2G -display none \
		-no-reboot -monitor none -serial stdio -kernel "$IMAGE32" -append "config=three.ini" \
		-initrd "$GUESTS/hello.elf,$CONFIGS/three.ini" >"$LOG" 2>"$LOG.qemu"
sed -i 's/\r$//' "$LOG"
check "initial-focus" 'console: input goes to partition alpha \(Ctrl-\] switches, Ctrl-T prints exit statistics\)'
check "focus-beta" 'console: input goes to partition beta'
check "focus-gamma" 'console: input goes to partition gamma'
check_count "focus-wraps" 'console: input goes to partition alpha' 2

# Typed input reaches the partition with the focus, through its virtual
# 16550; Ctrl-] moves the focus and the next line goes to the other one.
RUN=uart-input
LOG=$LOGDIR/$TEST_NAME-$RUN.log
(sleep 3; printf 'one\r'; sleep 1; printf '\035'; sleep 1; printf 'two\r'; sleep 2) |
	timeout 30 "$QEMU" -accel tcg -M q35 -cpu "$CPU_DEFAULT" -smp 4 -m 2G -display none \
		-no-reboot -monitor none -serial stdio -kernel "$IMAGE32" \
		-append "config=uartecho.ini" \
		-initrd "$GUESTS/uartecho.elf,$CONFIGS/uartecho.ini" >"$LOG" 2>"$LOG.qemu"
sed -i 's/\r$//' "$LOG"
check "first-echoes" '^\[first\] echo: one$'
check "second-echoes" '^\[second\] echo: two$'
check_not "no-cross-talk" '^\[second\] echo: one|^\[first\] echo: two'

# Ctrl-T prints the exit statistics of every vCPU of every partition while
# they run, and never reaches a guest: typed between 'a' and 'b', the echoed
# line is "ab" (a byte that got through would show as "a?b"). A second
# Ctrl-T a second later shows the polling guest's I/O exits still growing.
RUN=stats-key
LOG=$LOGDIR/$TEST_NAME-$RUN.log
(sleep 3; printf 'a\024b\r'; sleep 1; printf '\024'; sleep 2) |
	timeout 30 "$QEMU" -accel tcg -M q35 -cpu "$CPU_DEFAULT" -smp 4 -m 2G -display none \
		-no-reboot -monitor none -serial stdio -kernel "$IMAGE32" \
		-append "config=uartecho.ini" \
		-initrd "$GUESTS/uartecho.elf,$CONFIGS/uartecho.ini" >"$LOG" 2>"$LOG.qemu"
sed -i 's/\r$//' "$LOG"
check "stats-key-announced" \
	'console: input goes to partition first \(Ctrl-\] switches, Ctrl-T prints exit statistics\)$'
check_count "stats-snapshots" 'stats: snapshot [12] \(Ctrl-T\)$' 2
check_count "stats-first-vcpu0" 'stats: first vCPU 0: [1-9][0-9]* exits \(.* io=[1-9][0-9]* .*\), guest [0-9]+ ms, hypervisor [0-9]+ ms$' 2
check_count "stats-second-vcpu0" 'stats: second vCPU 0: [1-9][0-9]* exits \(' 2
check "stats-key-not-forwarded" '^\[first\] echo: ab$'
check_not "stats-while-running" 'partition (first|second): stopped'
io_exits() { grep -aoE 'stats: first vCPU 0: .* io=[0-9]+' "$LOG" | sed -n "$1s/.* io=//p"; }
first=$(io_exits 1) second=$(io_exits 2)
[ -n "$first" ] && [ -n "$second" ] && [ "$second" -gt "$first" ]
_result $? "stats-live" "io exits of first vCPU 0: '$first' then '$second'"
check_clean
