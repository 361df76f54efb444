#!/bin/bash
# The virtual platform, device by device, in the style of a conformance
# suite: each test guest checks one device against its datasheet and
# prints one GUEST-PASS/FAIL line per check (tests/guests/p_*.c).
. "$(dirname "$0")/lib.sh"

conformance() { # guest-name
	local g=$1
	BOOT_TIMEOUT=120 boot_config "$g" "\[p$g\] GUEST-DONE|PANIC" "p_$g.ini" "p_$g"
	check_guest "p$g"
	check_at_least "$g-checks" "^\[p$g\] GUEST-PASS: " 5
	check_not "$g-no-crash" "partition p$g: vCPU [0-9]+ crashed"
	check_clean
}

for g in apic ipi initsipi ioapic pic pit rtc uart; do
	conformance "$g"
done

# A few measured values, on top of the guests' own tolerance checks.
RUN=apic LOG=$LOGDIR/$TEST_NAME-apic.log
check "apic-periodic" '^\[papic\] GUEST-PASS: apic-timer-periodic-period'
check "apic-tsc-deadline" '^\[papic\] GUEST-PASS: apic-tsc-deadline-fires'
check "apic-x2apic" '^\[papic\] GUEST-PASS: apic-x2apic-self-ipi'
RUN=initsipi LOG=$LOGDIR/$TEST_NAME-initsipi.log
check "initsipi-vcpu1" '^\[pinitsipi\] GUEST-PASS: initsipi-vcpu1-running'
RUN=pit LOG=$LOGDIR/$TEST_NAME-pit.log
check "pit-calibration" '^\[ppit\] GUEST-PASS: pit-ch2-calibration'
RUN=uart LOG=$LOGDIR/$TEST_NAME-uart.log
check "uart-output" '^\[puart\] uart: hello through the 16550'
