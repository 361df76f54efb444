#!/bin/bash
# Bad configuration files: each error names the file, the line and the
# problem; the valid partitions boot anyway.
. "$(dirname "$0")/lib.sh"

boot_config bad '\[good\] tick 3 from' bad.ini hello
check "unknown-key" 'config: bad.ini:8: unknown key "memroy" in \[partition typo\]'
check "bad-memory" 'config: bad.ini:13: bad memory value "lots"'
check "duplicate-name" 'config: bad.ini:17: duplicate partition name "good" \(first at line 2\)'
check "cpu-out-of-range" 'config: bad.ini:24: cpu 9 is out of range \(this machine has 4 CPUs'
check "cpu-shared" 'config: bad.ini:29: cpu 1 is already used by partition "good"'
check "memory-does-not-fit" 'config: bad.ini:33: \[partition huge\] needs 65536 MiB but only [0-9]+ MiB are left'
check "missing-module" 'config: bad.ini:40: image: boot module "missing.elf" not found'
check "bad-policy" 'config: bad.ini:46: bad on_crash value "explode": expected stop or restart'
check "summary" 'config: bad.ini: 1 valid partition, 8 rejected'
check "good-runs" '^\[good\] hello from partition good'
check_count "only-good-runs" '^\[[a-z]+\] hello from partition' 1
check_clean

boot nomodule "names no boot module" -append "config=absent.ini"
check "names-missing-module" 'config: config=absent.ini names no boot module; no partitions to run'
check_clean

# linux=SIZE without config=: a size that is not a multiple of 2 MiB, and a
# kernel module that is not a bzImage, each get one clear line.
boot linux-bad-size "linux=: expected" -append "linux=3M" -initrd "$GUESTS/hello.elf"
check "linux-bad-size" 'linux=: expected a size \(a multiple of 2 MiB, e.g. linux=512M\) and the kernel as module 0'
check_not "linux-bad-size-no-partition" 'partition linux \(id'
check_clean
boot linux-not-bzimage "not a bzImage" -append "linux=64M" -initrd "$GUESTS/hello.elf"
check "linux-not-bzimage" 'ERROR: partition linux: kernel "hello.elf": not a bzImage'
check_not "linux-not-started" '1 partition running'
check_clean
