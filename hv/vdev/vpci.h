/* SPDX-License-Identifier: MIT */
/*
 * A partition's PCI bus (segment 0): configuration space reached through
 * configuration mechanism #1 (I/O ports 0xCF8-0xCFF; PCI Local Bus 3.0,
 * 3.2.2.3.2) and through ECAM (PCIe Base 6.0, 7.2.2), both decoding to one
 * model: a table of functions, each with its own configuration-space
 * handlers. Today only the host bridge at 00:00.0 exists; every other
 * bus/device/function reads as all ones and ignores writes, which is how
 * an OS learns that nothing is there (PCI 3.0, 6.1).
 *
 * Pure state machine: no locks (the caller serialises accesses to one
 * partition's bus), no allocation, no calls into the hypervisor.
 *
 * The ECAM window [ecam_base, ecam_base + vpci_ecam_size()) is what the
 * ACPI MCFG publishes (vdev/acpi_tables.h); the caller claims it as MMIO
 * (unmapped in the nested page tables so that every access exits) and
 * passes offsets relative to ecam_base.
 */
#ifndef VDEV_VPCI_H
#define VDEV_VPCI_H

#include "lib/compiler.h"

/* Configuration mechanism #1 ports. */
#define VPCI_PORT_ADDR	   0xCF8 /* CONFIG_ADDRESS, 32-bit */
#define VPCI_PORT_DATA	   0xCFC /* CONFIG_DATA, 0xCFC-0xCFF */
#define VPCI_PORT_DATA_LEN 4
#define VPCI_PORT_FIRST	   VPCI_PORT_ADDR
#define VPCI_PORT_COUNT	   8 /* the caller claims 0xCF8-0xCFF */

/* Configuration space sizes: 256 bytes through CF8/CFC, 4 KiB through ECAM. */
#define VPCI_CFG_LEGACY_SIZE 256
#define VPCI_CFG_SIZE	     4096

/* Bus/device/function packed the usual way: bus 15:8, device 7:3, function 2:0. */
#define VPCI_BDF(bus, dev, fn)                                                                     \
	((uint16_t)(((unsigned int)(bus) << 8) | ((unsigned int)(dev) << 3) | (unsigned int)(fn)))
#define VPCI_MAX_DEV 32
#define VPCI_MAX_FN  8

/* Functions that can be registered on one bus (host bridge included). */
#define VPCI_MAX_FUNCS 32

/*
 * The host bridge's identity. Bulkhead has no PCI-SIG vendor ID of its own,
 * and pretending to be a real chipset (Intel 440FX 8086:1237, Q35
 * 8086:29C0) would make guests apply that chipset's quirks. The ID used is
 * Red Hat's 1b36:0008, which Red Hat assigned to a *generic* emulated PCIe
 * host bridge (QEMU docs/specs/pci-ids.rst): no OS binds a driver or quirk
 * to it, and guests treat it by class code alone. lspci names it
 * "QEMU PCIe Host bridge". The subsystem IDs are 0 ("no subsystem
 * identification", PCI 3.0 6.2.4), since no board vendor stands behind it.
 * Change these lines if Bulkhead ever gets a vendor ID of its own.
 */
#define VPCI_HB_VENDOR	  0x1b36
#define VPCI_HB_DEVICE	  0x0008
#define VPCI_HB_REVISION  0x00
#define VPCI_HB_SUBVENDOR 0x0000
#define VPCI_HB_SUBSYSTEM 0x0000
/* Class 06/00/00: bridge device, host bridge, no programming interface. */
#define VPCI_HB_CLASS	 0x06
#define VPCI_HB_SUBCLASS 0x00
#define VPCI_HB_PROG_IF	 0x00

/*
 * Configuration-space handlers of one function. reg is the byte offset in
 * its configuration space (< VPCI_CFG_SIZE), size is 1, 2 or 4, and the
 * access never crosses a dword boundary (reg % 4 + size <= 4); the value is
 * little-endian, right-aligned. read returns the value; write has no
 * result (PCI writes are posted). Called on the exit path: no blocking.
 */
struct vpci_ops {
	uint32_t (*read)(void *ctx, unsigned int reg, unsigned int size);
	void (*write)(void *ctx, unsigned int reg, unsigned int size, uint32_t val);
};

struct vpci_func {
	const struct vpci_ops *ops; /* NULL: slot free */
	void *ctx;
	uint16_t bdf;
};

/* The host bridge's configuration header (type 0), 256 bytes. */
struct vpci_hostbridge {
	uint8_t cfg[VPCI_CFG_LEGACY_SIZE];
};

struct vpci {
	uint32_t cf8; /* CONFIG_ADDRESS as last written */
	uint64_t ecam_base;
	uint8_t bus_end; /* ECAM decodes buses 0..bus_end */
	unsigned int nfuncs;
	struct vpci_func funcs[VPCI_MAX_FUNCS];
	struct vpci_hostbridge hb;
};

/*
 * Reset the bus to power-on state: CONFIG_ADDRESS 0, only the host bridge
 * at 00:00.0. ecam_base (1 MiB aligned) and bus_end are what the MCFG
 * says. Returns 0 or -EINVAL. Called when a partition is created or reset.
 */
int vpci_init(struct vpci *pci, uint64_t ecam_base, uint8_t bus_end);

/* Bytes of ECAM the caller must claim at ecam_base: 1 MiB per bus. */
uint64_t vpci_ecam_size(const struct vpci *pci);

/*
 * Add a function with its handlers (for virtio and passthrough devices).
 * Returns 0, -EINVAL (bad BDF or ops), -EEXIST (taken) or -ENOSPC.
 * Called at partition setup, before any vCPU runs.
 */
int vpci_register(struct vpci *pci, uint8_t bus, uint8_t dev, uint8_t fn,
		  const struct vpci_ops *ops, void *ctx);

/*
 * Port I/O at 0xCF8-0xCFF, size 1, 2 or 4 (the exit's operand size).
 * Returns 0 when handled (reads set *val; absent functions and disabled
 * cycles read as all ones). Returns -ENODEV for accesses to 0xCF8-0xCFB
 * that are not 32-bit accesses to 0xCF8: PCI 3.0 3.2.2.3.2 says those are
 * ordinary I/O, not configuration cycles, so the caller passes them on -
 * on a PIIX/ICH, the byte at 0xCF9 is the reset control register (the FADT
 * RESET_REG) - or treats them as open bus (*val is all ones for reads).
 * Returns -EINVAL if port/size are outside that contract (caller bug).
 */
int vpci_io_read(struct vpci *pci, uint16_t port, unsigned int size, uint32_t *val);
int vpci_io_write(struct vpci *pci, uint16_t port, unsigned int size, uint32_t val);

/*
 * ECAM access at offset (guest-physical address - ecam_base), size 1, 2 or
 * 4. Offset bits: bus 27:20, device 19:15, function 14:12, register 11:0.
 * Returns 0 when handled (an access that crosses a dword boundary is not
 * supported by PCIe: it reads all ones and writes nothing), -EINVAL if
 * offset is outside the window or size is not 1, 2 or 4 (the caller then
 * treats the access like any unclaimed MMIO).
 */
int vpci_ecam_read(struct vpci *pci, uint64_t offset, unsigned int size, uint32_t *val);
int vpci_ecam_write(struct vpci *pci, uint64_t offset, unsigned int size, uint32_t val);

#endif
