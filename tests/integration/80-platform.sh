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

for g in pci acpi unbacked mmio; do
	conformance "$g"
done
RUN=mmio LOG=$LOGDIR/$TEST_NAME-mmio.log
check_at_least "mmio-forms" '^\[pmmio\] GUEST-PASS: mmio-' 60
check "mmio-rep" '^\[pmmio\] GUEST-PASS: mmio-rep-movsq-dev-to-ram-df1'
check "mmio-bt-far" '^\[pmmio\] GUEST-PASS: mmio-bts-reg-far'
RUN=unbacked LOG=$LOGDIR/$TEST_NAME-unbacked.log
check "unbacked-logged" 'WARNING: punbacked vCPU 0: read of 1 bytes at unbacked guest-physical 0xe0000000'
RUN=acpi LOG=$LOGDIR/$TEST_NAME-acpi.log
check "acpi-s5" '^\[pacpi\] GUEST-PASS: acpi-dsdt-s5-slp-typ'
check "acpi-madt" '^\[pacpi\] GUEST-PASS: acpi-madt-lapics'

# Power and reset paths, each with its policy.
END_COUNT=4 boot_config power-a 'power: (cf9|p92) starting' power-a.ini p_power
check "s5-poweroff-stop" 'partition pw-s5: vCPU 0 powered off; on_poweroff=stop'
check "s5-stopped" 'partition pw-s5: stopped after power-off'
check "cf9-reboot" 'partition pw-cf9: vCPU 0 asked for a reboot; on_reboot=restart'
check "cf9-restarted" 'partition pw-cf9: restarted after a reboot'
check_at_least "cf9-boots-again" '^\[pw-cf9\] power: cf9 starting' 2
check "kbc-reboot-stop" 'partition pw-kbc: vCPU 0 asked for a reboot; on_reboot=stop'
check "kbc-stopped" 'partition pw-kbc: stopped after a reboot'
check "p92-restarted" 'partition pw-p92: restarted after a reboot'
check_at_least "p92-boots-again" '^\[pw-p92\] power: p92 starting' 2
check_not "no-guest-fail" 'GUEST-FAIL'
check_clean

END_COUNT=3 boot_config power-b 'power: s5 starting|stopped after' power-b.ini p_power
check "s5-restart" 'partition pw2-s5: restarted after power-off'
check_at_least "s5-boots-again" '^\[pw2-s5\] power: s5 starting' 2
check "triple-stop" 'partition pw2-triple: vCPU 0 crashed: triple fault'
check "triple-stopped" 'partition pw2-triple: stopped after a crash'
check "cf9-stop" 'partition pw2-cf9: stopped after a reboot'
check_not "no-guest-fail" 'GUEST-FAIL'
check_clean
