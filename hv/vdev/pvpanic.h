/* SPDX-License-Identifier: MIT */
/*
 * The pvpanic device (QEMU docs/specs/pvpanic.rst, ISA interface): one I/O
 * port through which a guest kernel reports its own panic. Linux drives it
 * with its pvpanic-mmio driver, which binds to the ACPI device "QEMU0001"
 * that the partition's DSDT declares (vdev/acpi_tables.h) and writes the
 * port from its panic notifier, after "Kernel panic - not syncing".
 *
 * A read returns the event bits the device recognises; the guest writes
 * only bits both sides know. A panic the host must act on is turned into
 * the partition's on_crash policy; a panic the guest handles itself (a
 * crash kernel is loaded) is only recorded.
 */
#ifndef VDEV_PVPANIC_H
#define VDEV_PVPANIC_H

#include "lib/compiler.h"

#define PVPANIC_DEFAULT_PORT 0x505 /* QEMU's default ISA port */
#define PVPANIC_IO_LEN	     1

/* Event bits (pvpanic.rst, "Bit Definition"). */
#define PVPANIC_PANICKED     (1u << 0) /* the host should process the panic */
#define PVPANIC_CRASH_LOADED (1u << 1) /* the guest handles it (kdump): record only */
#define PVPANIC_FEATURES     (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

enum pvpanic_action {
	PVPANIC_IGNORE,	 /* no recognised bit */
	PVPANIC_RECORD,	 /* log it; the guest carries on */
	PVPANIC_CRASHED, /* apply the partition's on_crash policy */
};

struct pvpanic {
	unsigned int panicked;	   /* PVPANIC_PANICKED events seen */
	unsigned int crash_loaded; /* PVPANIC_CRASH_LOADED events seen */
};

void pvpanic_init(struct pvpanic *d);

/*
 * A port read of size bytes (1, 2 or 4) at offset 0: the feature bits in the
 * low byte; bytes past the one-byte port read as 0xFF, like an unclaimed port.
 */
uint32_t pvpanic_io_read(const struct pvpanic *d, unsigned int size);

/*
 * A port write: only the low byte counts, unknown bits are ignored. When
 * both bits are set, the panic the host must process wins.
 */
enum pvpanic_action pvpanic_io_write(struct pvpanic *d, uint32_t val);

#endif
