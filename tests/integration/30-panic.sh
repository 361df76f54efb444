#!/bin/bash
# The panic path, triggered on purpose with debug_fault=: the CPU, the
# exception, the registers, a backtrace that resolves to the faulting
# function, and every other CPU stopped.
. "$(dirname "$0")/lib.sh"

# frame0_is FUNCTION: backtrace entry #0 resolves to FUNCTION in the ELF
frame0_is() {
	local addr
	addr=$(grep -aoE '#0 +0x[0-9a-f]+' "$LOG" | awk '{print $2}' | head -1)
	[ -n "$addr" ] && addr2line -f -e "$IMAGE" "$addr" | head -1 | grep -qx "$1"
}

boot pf-on-ap 'System halted|halted\.' -append "debug_fault=pf debug_fault_cpu=2"
check "which-cpu" '\*\*\* PANIC on CPU 2 \(APIC id 2\): unexpected exception 14 \(#PF page fault\)'
check "cr2" 'Faulting address \(CR2\): 0x0000000000000000'
check "registers" '^RIP: 0008:[0-9a-f]{16} RFLAGS'
check "gprs" '^RAX: [0-9a-f]{16} RBX'
check "control-regs" '^CR0: [0-9a-f]{16} CR2'
check "backtrace" '^Backtrace'
check_cmd "backtrace-resolves" frame0_is fault_page
check "others-stopped" 'Stopped 3 other CPU\(s\)\. System halted\.'
check_not "no-output-after-halt" 'Bulkhead ready'

boot ud-on-bsp 'System halted|halted\.' -append "debug_fault=ud"
check "which-cpu" '\*\*\* PANIC on CPU 0 \(APIC id 0\): unexpected exception 6 \(#UD invalid opcode\)'
check_cmd "backtrace-resolves" frame0_is fault_ud
check "others-stopped" 'Stopped 3 other CPU\(s\)\. System halted\.'

boot gp-on-ap 'System halted|halted\.' -append "debug_fault=gp debug_fault_cpu=3"
check "which-cpu" '\*\*\* PANIC on CPU 3 \(APIC id 3\): unexpected exception 13 \(#GP general protection\)'
check_cmd "backtrace-resolves" frame0_is fault_gp
check "others-stopped" 'Stopped 3 other CPU\(s\)\. System halted\.'

boot de 'System halted|halted\.' -append "debug_fault=de debug_fault_cpu=1"
check "which-cpu" '\*\*\* PANIC on CPU 1 \(APIC id 1\): unexpected exception 0 \(#DE divide error\)'
check "others-stopped" 'Stopped 3 other CPU\(s\)\. System halted\.'

boot explicit 'System halted|halted\.' -append "debug_fault=panic"
check "message" '\*\*\* PANIC on CPU 0 \(APIC id 0\): debug_fault=panic on the command line'
check "backtrace" '^  #1 +0x[0-9a-f]{16}'
check "others-stopped" 'Stopped 3 other CPU\(s\)\. System halted\.'

boot unknown-kind "$END_READY" -append "debug_fault=bogus"
check "warned" 'WARNING: debug_fault=bogus: unknown kind'
check "still-ready" 'Bulkhead ready'
check_clean
