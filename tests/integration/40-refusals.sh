#!/bin/bash
# Machines Bulkhead cannot run on get one clear line and a clean halt,
# never a triple fault (QEMU runs with -no-reboot, so a reset would end it).
. "$(dirname "$0")/lib.sh"

refusal() { # run cpu-model mem expected-regex
	boot "$1" 'halted|Bulkhead ready' -cpu "$2" -m "$3"
	check "refused" "$4"
	check "halted" 'halted\.'
	check_not "not-started" 'Bulkhead ready|CPUs online'
	check_not "no-panic" 'PANIC'
}

refusal no-svm qemu64,-svm 2G \
	'refusing to start: this CPU has no AMD-V \(SVM\); use an AMD CPU with AMD-V'
refusal no-npt qemu64,+svm,-npt 2G \
	'refusing to start: this CPU.s AMD-V has no nested paging \(NPT\)'
refusal no-long-mode qemu32 2G \
	'refusing to start: this CPU has no 64-bit long mode \(x86-64\)'
refusal intel 'qemu64,vendor=GenuineIntel,+vmx' 2G \
	'refusing to start: this is an Intel CPU; the Intel VT-x backend is not written yet'
refusal small-memory "$CPU_DEFAULT" 48M \
	'refusing to start: only [0-9]+ MiB of usable RAM; Bulkhead needs at least 64 MiB'
