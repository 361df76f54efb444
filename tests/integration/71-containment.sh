#!/bin/bash
# Fault containment and lifecycle: triple faults stop or restart a
# partition while the others run on; random hypercalls get error codes;
# secondary vCPUs start by hypercall; power-off returns the memory.
. "$(dirname "$0")/lib.sh"

END_COUNT=2 boot_config crash-stop '\[right\] tick 12 from|\[left\] tick 12 from' crash-stop.ini triple hello
check "crash-line" 'ERROR: partition crasher: vCPU 0 crashed: triple fault at RIP 0x[0-9a-f]+, address 0; on_crash=stop'
check_count "crashed-once" 'partition crasher: vCPU 0 crashed' 1
check "stopped" 'partition crasher: stopped after a crash; 16 MiB returned to the pool'
check "stats-at-stop" 'stats: crasher vCPU 0: [0-9]+ exits \(.*shutdown=1'
# The others print on after the crash: a tick numbered after the crash line.
check_cmd "left-after-crash" bash -c "sed -n '/crasher: stopped/,\$p' '$LOG' | grep -q '^\[left\] tick'"
check_cmd "right-after-crash" bash -c "sed -n '/crasher: stopped/,\$p' '$LOG' | grep -q '^\[right\] tick'"
check_clean

END_COUNT=3 boot_config crash-restart 'partition phoenix: restarted after a crash' crash-restart.ini triple hello
check "restarted" 'partition phoenix: restarted after a crash \(boot 2\)'
check "restarted-again" 'partition phoenix: restarted after a crash \(boot 4\)'
check_at_least "starts-each-boot" '^\[phoenix\] triple: starting \(phoenix\)' 4
check_at_least "steady-goes-on" '^\[steady\] tick [0-9]+ from steady' 3
check_not "steady-not-crashed" 'partition steady: vCPU'
check_clean

boot_config hcfuzz '\[fuzzer\] GUEST-DONE' hcfuzz.ini hcfuzz hello
check_guest fuzzer
check "all-rejected" '^\[fuzzer\] hcfuzz: [0-9]+ calls, all rejected cleanly'
check "fuzzer-powered-off" 'partition fuzzer: vCPU 0 powered off; on_poweroff=stop'
check "bystander-runs" '^\[bystander\] tick [0-9]+ from bystander'
check_clean

boot_config smp '\[quad\] GUEST-DONE' smp.ini smp
check_guest quad
check "vcpu1" '^\[quad\] smp: vCPU 1 running'
check "vcpu2" '^\[quad\] smp: vCPU 2 running'
check "all-started" '^\[quad\] GUEST-PASS: smp-all-started'
check "ebusy" '^\[quad\] GUEST-PASS: smp-start-running-ebusy'
check "einval" '^\[quad\] GUEST-PASS: smp-start-out-of-range-einval'
check_clean
