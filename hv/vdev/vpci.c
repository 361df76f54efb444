// SPDX-License-Identifier: MIT
/*
 * Virtual PCI configuration space (see vpci.h). Both access paths reduce an
 * access to (bus, device, function, register, size) and hand it to the same
 * lookup; only the decoding differs.
 *
 * References: PCI Local Bus Specification 3.0, 3.2.2.3.2 (configuration
 * mechanism #1) and 6.1-6.2 (configuration header); PCI Express Base
 * Specification 6.0, 7.2.2 (ECAM) and 7.5.1 (type 0 header).
 */
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vdev/vpci.h"

/* CONFIG_ADDRESS (PCI 3.0, 3.2.2.3.2, Figure 3-2). */
#define CF8_ENABLE    (1u << 31)
#define CF8_BUS_SHIFT 16
#define CF8_DEV_SHIFT 11
#define CF8_FN_SHIFT  8
#define CF8_REG_MASK  0xFCu /* bits 7:2: dword index */
/*
 * Bits 30:24 are reserved and bits 1:0 read as 0, so neither is stored.
 * (AMD's "IO ECS" extension puts register bits 11:8 in 27:24 once enabled
 * by an MSR; it is not emulated: extended space is reached through ECAM.)
 */
#define CF8_WRITABLE 0x80FFFFFCu
#define CF8_LEN	     4

/* ECAM offset (PCIe 6.0, 7.2.2). */
#define ECAM_BUS_SHIFT 20
#define ECAM_DEV_SHIFT 15
#define ECAM_FN_SHIFT  12
#define ECAM_REG_MASK  0xFFFu
#define ECAM_ALIGN     MiB(1)

#define BUS_MASK 0xFFu
#define DEV_MASK 0x1Fu
#define FN_MASK	 0x07u

#define DWORD_LEN     4
#define BITS_PER_BYTE 8
#define BYTE_MASK     0xFFu

/* Type 0 configuration header offsets (PCI 3.0, 6.1, Figure 6-1). */
#define PCI_VENDOR_ID	    0x00
#define PCI_DEVICE_ID	    0x02
#define PCI_COMMAND	    0x04
#define PCI_STATUS	    0x06
#define PCI_REVISION_ID	    0x08
#define PCI_PROG_IF	    0x09
#define PCI_SUBCLASS	    0x0A
#define PCI_CLASS	    0x0B
#define PCI_CACHE_LINE_SIZE 0x0C
#define PCI_HEADER_TYPE	    0x0E
#define PCI_SUBSYS_VENDOR   0x2C
#define PCI_SUBSYS_ID	    0x2E
#define PCI_INTERRUPT_LINE  0x3C
#define PCI_HEADER_TYPE_0   0x00 /* bit 7 clear: single function */

/*
 * Command register bits a host bridge lets software write (PCI 3.0, 6.2.2):
 * I/O space (0), memory space (1), bus master (2), parity error response
 * (6), SERR# enable (8), interrupt disable (10). Emulated, they change
 * nothing. Special cycles, MWI, VGA snoop, fast back-to-back: hardwired 0.
 */
#define CMD_WMASK_LO 0x47u
#define CMD_WMASK_HI 0x05u
/*
 * Status (6.2.3): only the error bits are writable, and only as write-1-
 * to-clear: master data parity error (8), signaled/received target abort
 * (11, 12), received master abort (13), signaled system error (14),
 * detected parity error (15). Nothing ever sets them here.
 */
#define STATUS_W1C_HI 0xF9u
/* Cache line size and interrupt line are plain read/write registers. */
#define BYTE_RW 0xFFu

/* Bits software may write in the host bridge header; the rest is read-only. */
static const uint8_t hb_wmask[VPCI_CFG_LEGACY_SIZE] = {
    [PCI_COMMAND] = CMD_WMASK_LO,
    [PCI_COMMAND + 1] = CMD_WMASK_HI,
    [PCI_CACHE_LINE_SIZE] = BYTE_RW,
    [PCI_INTERRUPT_LINE] = BYTE_RW,
};

static const uint8_t hb_w1cmask[VPCI_CFG_LEGACY_SIZE] = {
    [PCI_STATUS + 1] = STATUS_W1C_HI,
};

/* All ones of size bytes: what a read from nowhere returns. */
static uint32_t all_ones(unsigned int size)
{
	return size >= DWORD_LEN ? UINT32_MAX : (1u << (size * BITS_PER_BYTE)) - 1;
}

static bool size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4;
}

/* --- the host bridge ------------------------------------------------------ */

static void cfg_put16(uint8_t *cfg, unsigned int reg, uint16_t v)
{
	cfg[reg] = (uint8_t)v;
	cfg[reg + 1] = (uint8_t)(v >> BITS_PER_BYTE);
}

static void hb_reset(struct vpci_hostbridge *hb)
{
	memset(hb->cfg, 0, sizeof(hb->cfg));
	cfg_put16(hb->cfg, PCI_VENDOR_ID, VPCI_HB_VENDOR);
	cfg_put16(hb->cfg, PCI_DEVICE_ID, VPCI_HB_DEVICE);
	hb->cfg[PCI_REVISION_ID] = VPCI_HB_REVISION;
	hb->cfg[PCI_PROG_IF] = VPCI_HB_PROG_IF;
	hb->cfg[PCI_SUBCLASS] = VPCI_HB_SUBCLASS;
	hb->cfg[PCI_CLASS] = VPCI_HB_CLASS;
	hb->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_0;
	cfg_put16(hb->cfg, PCI_SUBSYS_VENDOR, VPCI_HB_SUBVENDOR);
	cfg_put16(hb->cfg, PCI_SUBSYS_ID, VPCI_HB_SUBSYSTEM);
	/*
	 * Everything else is 0: command (decoders off until the OS turns them
	 * on), status (no capabilities list: bit 4 clear), no BARs (a BAR that
	 * reads 0 after sizing is unimplemented, 6.2.5.1), no expansion ROM, no
	 * interrupt pin, latency timer 0 as on PCIe.
	 */
}

static uint32_t hb_read(void *ctx, unsigned int reg, unsigned int size)
{
	const struct vpci_hostbridge *hb = ctx;
	uint32_t v = 0;

	/*
	 * Beyond the 256-byte header (ECAM only): a zero dword at 0x100 means
	 * "no extended capabilities" (PCIe 6.0, 7.6), and the rest reads 0.
	 */
	if (reg >= VPCI_CFG_LEGACY_SIZE)
		return 0;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)hb->cfg[reg + i] << (i * BITS_PER_BYTE);
	return v;
}

static void hb_write(void *ctx, unsigned int reg, unsigned int size, uint32_t val)
{
	struct vpci_hostbridge *hb = ctx;

	if (reg >= VPCI_CFG_LEGACY_SIZE)
		return;
	for (unsigned int i = 0; i < size; i++) {
		unsigned int r = reg + i;
		uint8_t b = (uint8_t)(val >> (i * BITS_PER_BYTE));

		hb->cfg[r] = (uint8_t)((hb->cfg[r] & ~hb_wmask[r]) | (b & hb_wmask[r]));
		hb->cfg[r] &= (uint8_t) ~(b & hb_w1cmask[r]);
	}
}

static const struct vpci_ops hb_ops = {
    .read = hb_read,
    .write = hb_write,
};

/* --- the bus ----------------------------------------------------------------- */

static const struct vpci_func *lookup(const struct vpci *pci, uint16_t bdf)
{
	for (unsigned int i = 0; i < pci->nfuncs; i++)
		if (pci->funcs[i].bdf == bdf)
			return &pci->funcs[i];
	return NULL;
}

/*
 * The common path. An access that crosses a dword boundary cannot be
 * expressed as one configuration request (PCIe 6.0, 7.2.2 leaves it
 * unsupported), so it is treated like a request to a missing function.
 */
static uint32_t cfg_read(const struct vpci *pci, uint16_t bdf, unsigned int reg, unsigned int size)
{
	const struct vpci_func *f = lookup(pci, bdf);

	if (!f || reg % DWORD_LEN + size > DWORD_LEN)
		return all_ones(size);
	return f->ops->read(f->ctx, reg, size) & all_ones(size);
}

static void cfg_write(const struct vpci *pci, uint16_t bdf, unsigned int reg, unsigned int size,
		      uint32_t val)
{
	const struct vpci_func *f = lookup(pci, bdf);

	if (!f || reg % DWORD_LEN + size > DWORD_LEN)
		return;
	f->ops->write(f->ctx, reg, size, val & all_ones(size));
}

int vpci_init(struct vpci *pci, uint64_t ecam_base, uint8_t bus_end)
{
	if (ecam_base == 0 || !IS_ALIGNED(ecam_base, ECAM_ALIGN))
		return -EINVAL;
	memset(pci, 0, sizeof(*pci));
	pci->ecam_base = ecam_base;
	pci->bus_end = bus_end;
	hb_reset(&pci->hb);
	return vpci_register(pci, 0, 0, 0, &hb_ops, &pci->hb);
}

uint64_t vpci_ecam_size(const struct vpci *pci)
{
	return ((uint64_t)pci->bus_end + 1) << ECAM_BUS_SHIFT;
}

int vpci_register(struct vpci *pci, uint8_t bus, uint8_t dev, uint8_t fn,
		  const struct vpci_ops *ops, void *ctx)
{
	uint16_t bdf = VPCI_BDF(bus, dev, fn);
	struct vpci_func *f;

	/* Only buses the ECAM decodes, so both access paths see the same bus. */
	if (dev >= VPCI_MAX_DEV || fn >= VPCI_MAX_FN || bus > pci->bus_end || !ops || !ops->read ||
	    !ops->write)
		return -EINVAL;
	if (lookup(pci, bdf))
		return -EEXIST;
	if (pci->nfuncs >= VPCI_MAX_FUNCS)
		return -ENOSPC;
	f = &pci->funcs[pci->nfuncs++];
	f->ops = ops;
	f->ctx = ctx;
	f->bdf = bdf;
	return 0;
}

/* --- configuration mechanism #1 -------------------------------------------- */

static bool port_ok(uint16_t port, unsigned int size)
{
	return port >= VPCI_PORT_FIRST && port < VPCI_PORT_FIRST + VPCI_PORT_COUNT && size_ok(size);
}

/*
 * Decodes CONFIG_ADDRESS plus the byte offset into CONFIG_DATA. Returns
 * false when the data port access is not a configuration cycle: the enable
 * bit is clear (then the access is plain I/O to nothing), or the access
 * runs past 0xCFF.
 */
static bool cf8_decode(const struct vpci *pci, uint16_t port, unsigned int size, uint16_t *bdf,
		       unsigned int *reg)
{
	unsigned int off = port - VPCI_PORT_DATA;
	uint32_t a = pci->cf8;

	if (!(a & CF8_ENABLE) || off + size > VPCI_PORT_DATA_LEN)
		return false;
	*bdf = VPCI_BDF((a >> CF8_BUS_SHIFT) & BUS_MASK, (a >> CF8_DEV_SHIFT) & DEV_MASK,
			(a >> CF8_FN_SHIFT) & FN_MASK);
	*reg = (a & CF8_REG_MASK) + off;
	return true;
}

int vpci_io_read(struct vpci *pci, uint16_t port, unsigned int size, uint32_t *val)
{
	uint16_t bdf;
	unsigned int reg;

	if (!port_ok(port, size))
		return -EINVAL;
	*val = all_ones(size);
	if (port < VPCI_PORT_DATA) {
		/* 3.2.2.3.2: only full dword reads of 0xCF8 return CONFIG_ADDRESS. */
		if (port != VPCI_PORT_ADDR || size != CF8_LEN)
			return -ENODEV;
		*val = pci->cf8;
		return 0;
	}
	if (cf8_decode(pci, port, size, &bdf, &reg))
		*val = cfg_read(pci, bdf, reg, size);
	return 0;
}

int vpci_io_write(struct vpci *pci, uint16_t port, unsigned int size, uint32_t val)
{
	uint16_t bdf;
	unsigned int reg;

	if (!port_ok(port, size))
		return -EINVAL;
	if (port < VPCI_PORT_DATA) {
		/*
		 * 3.2.2.3.2: only a full dword write to 0xCF8 latches CONFIG_ADDRESS;
		 * byte and word writes are ordinary I/O (a byte at 0xCF9 is the
		 * chipset reset register), so they go back to the caller.
		 */
		if (port != VPCI_PORT_ADDR || size != CF8_LEN)
			return -ENODEV;
		pci->cf8 = val & CF8_WRITABLE;
		return 0;
	}
	if (cf8_decode(pci, port, size, &bdf, &reg))
		cfg_write(pci, bdf, reg, size, val);
	return 0;
}

/* --- ECAM ------------------------------------------------------------------ */

static int ecam_decode(const struct vpci *pci, uint64_t offset, unsigned int size, uint16_t *bdf,
		       unsigned int *reg)
{
	if (!size_ok(size) || offset >= vpci_ecam_size(pci))
		return -EINVAL;
	*bdf = VPCI_BDF((offset >> ECAM_BUS_SHIFT) & BUS_MASK,
			(offset >> ECAM_DEV_SHIFT) & DEV_MASK, (offset >> ECAM_FN_SHIFT) & FN_MASK);
	*reg = (unsigned int)(offset & ECAM_REG_MASK);
	return 0;
}

int vpci_ecam_read(struct vpci *pci, uint64_t offset, unsigned int size, uint32_t *val)
{
	uint16_t bdf;
	unsigned int reg;
	int rc = ecam_decode(pci, offset, size, &bdf, &reg);

	if (rc)
		return rc;
	*val = cfg_read(pci, bdf, reg, size);
	return 0;
}

int vpci_ecam_write(struct vpci *pci, uint64_t offset, unsigned int size, uint32_t val)
{
	uint16_t bdf;
	unsigned int reg;
	int rc = ecam_decode(pci, offset, size, &bdf, &reg);

	if (rc)
		return rc;
	cfg_write(pci, bdf, reg, size, val);
	return 0;
}
