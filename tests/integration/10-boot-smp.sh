#!/bin/bash
# CPU bring-up: every CPU online with its APIC id, the TSC measured, IPIs
# and timer interrupts on every CPU.
. "$(dirname "$0")/lib.sh"

boot smp4 "$END_READY" -smp 4
check "multiboot1" 'boot: Multiboot1 from qemu'
for id in 0 1 2 3; do
	check "cpu$id-online-apic$id" "cpu$id: online, APIC id $id"
done
check "summary" 'cpu0: 4 CPUs online$'
check "tsc-measured" 'tsc: [0-9]+\.[0-9]{3} MHz, calibrated against the ACPI PM timer'
check "ipi-all" 'ipi: 3 of 3 CPUs answered'
for c in 0 1 2 3; do
	check "timer-cpu$c" "timer: cpu$c: 5 interrupts, period [0-9]+ us \(programmed 10000 us\)"
done
check "timer-all" 'timer: interrupts arrived on all 4 CPUs'
# Timing under emulation is noisy (two QEMUs share two cores), so the test
# asserts what holds whatever the load: no callback ever ran before its
# deadline, and on every CPU at least one of the five ticks came within half
# a period of it (a timer programmed in the wrong unit is late on every tick).
check_cmd "timer-never-early-never-slow" bash -c "
	grep -aoE 'delay after deadline min -?[0-9]+ us' '$LOG' |
	awk '{ if (\$5 < 0 || \$5 >= 5000) bad=1; n++ } END { exit (n == 4 && !bad) ? 0 : 1 }'"
check "svm-features" 'virt: AMD-V \(AuthenticAMD\) revision 1, [0-9]+ ASIDs, nested paging'
check "ready" 'Bulkhead ready: 4 CPUs'
check_clean

# Two sockets of three cores: QEMU numbers APIC ids per socket in powers of
# two, so the ids are 0,1,2,4,5,6 and must come from the MADT, not a count.
boot sparse-apic-ids "$END_READY" -smp 6,sockets=2,cores=3,threads=1
n=0
for id in 0 1 2 4 5 6; do
	check "cpu$n-apic$id" "cpu$n: online, APIC id $id( \(boot CPU\))?$"
	n=$((n + 1))
done
check "summary" 'cpu0: 6 CPUs online$'
check "ipi-all" 'ipi: 5 of 5 CPUs answered'
check "timer-all" 'timer: interrupts arrived on all 6 CPUs'
check_clean

boot uniprocessor "$END_READY" -smp 1
check "summary" 'cpu0: 1 CPU online$'
check "timer-all" 'timer: interrupts arrived on all 1 CPUs'
check "ready" 'Bulkhead ready: 1 CPU,'
check_clean

# The HPET as the calibration clock instead of the PM timer.
boot hpet "$END_READY" -smp 2 -append "clocksource=hpet"
check "tsc-against-hpet" 'tsc: [0-9]+\.[0-9]{3} MHz, calibrated against the HPET'
check "timer-all" 'timer: interrupts arrived on all 2 CPUs'
check_clean
