#!/bin/bash
# Unmodified Debian Linux in partitions: two kernels (one SMP) beside a
# test guest, driven through their serial consoles.
. "$(dirname "$0")/lib.sh"

# Waits match output, never the echo of the typed command (the terminal
# wraps long command lines, so a fragment of one can start a line).
paths=$(scripts/fetch-linux.sh) || { echo "FAIL: integration/$TEST_NAME: cannot fetch the kernel"; exit 1; }
KERNEL=$(echo "$paths" | tail -2 | head -1)
INITRD=$(echo "$paths" | tail -1)
# Module names come from the last path component: give them fixed names.
mkdir -p "$LOGDIR/linux"
cp "$KERNEL" "$LOGDIR/linux/vmlinuz"
cp "$INITRD" "$LOGDIR/linux/initrd.gz"

session_start linux -append "config=linux.ini" \
	-initrd "$LOGDIR/linux/vmlinuz,$LOGDIR/linux/initrd.gz,$GUESTS/hello.elf,$CONFIGS/linux.ini"
session_wait 'bulkhead-guest: init started' 240 2
check "web-init" '^\[web\] bulkhead-guest: init started on .*, 2 CPUs'
check "db-init" '^\[db\] bulkhead-guest: init started on .*, 1 CPUs'
check_not "modules-load" 'bulkhead-guest: cannot load'

# The console focus starts on web.
sleep 2
session_send 'echo NPROC=$(nproc) MEM=$(sed -n "s/MemTotal: *\\([0-9]*\\) kB/\\1/p" /proc/meminfo)\r'
session_wait '^\[web\] NPROC=[0-9]+ MEM=[0-9]' 60
check "web-nproc" '^\[web\] NPROC=2 '
mem=$(grep -aoE '^\[web\] NPROC=2 MEM=[0-9]+' "$LOG" | sed 's/.*MEM=//' | head -1)
[ "${mem:-0}" -ge $((256 * 1024 * 70 / 100)) ] && [ "${mem:-0}" -le $((256 * 1024)) ]
_result $? "web-memtotal-close" "MemTotal ${mem:-?} kB for 256 MiB"
session_send 'echo YEAR=$(date +%%Y)\r'
session_wait '^\[web\] YEAR=[0-9]' 30
y=$(grep -aoE '^\[web\] YEAR=[0-9]+' "$LOG" | sed 's/.*=//' | head -1)
[ "${y:-0}" -ge 2024 ] && [ "${y:-0}" -le 2100 ]
_result $? "web-date-plausible" "year ${y:-?}"
session_send 'i=0; s=0; while [ $i -lt 20000 ]; do s=$((s+i)); i=$((i+1)); done; echo CPUJOB=$s\r'
session_wait '^\[web\] CPUJOB=[0-9]' 120
check "web-cpu-job" '^\[web\] CPUJOB=199990000$'
session_send 'mkdir -p /mnt; mount -t tmpfs -o size=150m tmpfs /mnt; dd if=/dev/zero of=/mnt/m bs=1M count=140 2>/dev/null; echo MEMJOB=$(md5sum /mnt/m); rm /mnt/m\r'
session_wait '^\[web\] MEMJOB=[0-9a-f]' 120
# 140 MiB resident in a tmpfs; md5sum of 140 MiB of zeros (head -c 146800640 /dev/zero | md5sum)
check "web-mem-job" '^\[web\] MEMJOB=8b3e48ad838ba4b3024d42fa10591c82 '
# Timer (LOC) and serial (ttyS0) interrupts, summed over the CPUs, must count up.
session_send 'irq() { awk -v k="$1" "\\$0 ~ k { for (i = 2; i <= 3; i++) s += \\$i } END { print s + 0 }" /proc/interrupts; }; echo IRQ1 $(irq LOC) $(irq ttyS0); sleep 2; echo IRQ2 $(irq LOC) $(irq ttyS0)\r'
session_wait '^\[web\] IRQ2 [0-9]+ [0-9]+' 60
read -r loc1 ser1 < <(_log | grep -aoE '^\[web\] IRQ1 [0-9]+ [0-9]+' | head -1 | awk '{print $3, $4}')
read -r loc2 ser2 < <(_log | grep -aoE '^\[web\] IRQ2 [0-9]+ [0-9]+' | head -1 | awk '{print $3, $4}')
[ "${loc2:-0}" -gt "${loc1:-0}" ] && [ "${loc1:-0}" -gt 0 ]
_result $? "web-timer-irqs-count-up" "LOC ${loc1:-?} -> ${loc2:-?}"
[ "${ser2:-0}" -gt "${ser1:-0}" ] && [ "${ser1:-0}" -gt 0 ]
_result $? "web-serial-irqs-count-up" "ttyS0 ${ser1:-?} -> ${ser2:-?}"
session_send 'echo BAD=$(dmesg | grep -cE "Call Trace|BUG|WARNING|unchecked MSR")\r'
session_wait '^\[web\] BAD=[0-9]' 30
check "web-dmesg-clean" '^\[web\] BAD=0$'
# No complaint about ACPI, the clock source or machine checks. (Two
# watchdog notes are left out on purpose: "Long readout interval" and
# "read-back delay" say that a timer ran late or a read was slow, which
# happens whenever the host that emulates the machine is loaded, e.g. by the
# test running beside this one.)
session_send 'echo CLK=$(dmesg | grep -ciE "ACPI (Error|Warning|BIOS)|Firmware Bug|TSC calibration failed|Unable to calibrate|TSC unstable|clocksource.*unstable|tsc.*skew|mce: Unable|Machine check|Hardware Error") SRC=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) PV=$(dmesg | grep -c "kvm-clock: Using msrs 4b564d01 and 4b564d00")\r'
session_wait '^\[web\] CLK=[0-9]' 30
check "web-dmesg-no-clock-acpi-complaints" '^\[web\] CLK=0 '
check "web-clocksource-tsc" '^\[web\] CLK=[0-9]+ SRC=tsc '
# The TSC's rate comes from the hypervisor (KVM's clock MSRs), not a calibration.
check "web-tsc-rate-from-hypervisor" '^\[web\] CLK=[0-9]+ SRC=[a-z-]+ PV=1$'

# The test guest ticks on throughout.
check_at_least "tick-runs" '^\[tick\] tick [0-9]+ from tick' 3

# web: a kernel panic reaches the hypervisor through the pvpanic device
# (panic=0: the kernel would otherwise spin forever) and on_crash=restart
# brings it back; db and tick keep answering meanwhile.
session_send 'echo PVPANIC=$(ls /sys/bus/platform/drivers/pvpanic-mmio | grep -c QEMU0001)\r'
session_wait '^\[web\] PVPANIC=[0-9]' 30
check "web-pvpanic-bound" '^\[web\] PVPANIC=1$'
session_send 'echo 0 > /proc/sys/kernel/panic; echo c > /proc/sysrq-trigger\r'
session_wait 'partition web: restarted after a crash' 120
check "web-panic-crash-policy" 'partition web: vCPU [01] crashed: guest kernel panic \(reported through pvpanic\).*on_crash=restart'
check "web-panic-restart" 'partition web: restarted after a crash'
check_not "web-panic-not-reboot" 'partition web: vCPU [01] asked for a reboot'
session_wait '^\[web\] bulkhead-guest: init started' 240 2
check_count "web-back-to-shell" '^\[web\] bulkhead-guest: init started' 2

# db answers after web's panic; then its power-off stops it, web and tick go on.
session_send '\035'
session_wait 'console: input goes to partition db' 10
session_send 'echo DB-ALIVE-$((6 * 7))\r'
session_wait '^\[db\] DB-ALIVE-42' 30
check "db-answers-after-web-panic" '^\[db\] DB-ALIVE-42$'
session_send 'poweroff -f\r'
session_wait 'partition db: stopped after power-off' 60
check "db-poweroff-stop" 'partition db: vCPU 0 powered off; on_poweroff=stop'
check "db-stopped" 'partition db: stopped after power-off'

# The focus goes db -> tick -> web (db is stopped now).
session_send '\035'
session_wait 'console: input goes to partition tick' 10
session_send '\035'
session_wait 'console: input goes to partition web' 10 2

# web: reboot follows on_reboot (restart) and comes back once more.
sleep 2
session_send 'reboot -f\r'
session_wait '^\[web\] bulkhead-guest: init started' 240 3
check "web-reboot-restart" 'partition web: vCPU [01] asked for a reboot; on_reboot=restart'
check_count "web-back-after-reboot" '^\[web\] bulkhead-guest: init started' 3
check_at_least "tick-still-runs" '^\[tick\] tick [0-9]+ from tick' 10
session_stop
check_clean
