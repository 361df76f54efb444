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
