// SPDX-License-Identifier: MIT
/*
 * p_pci: PCI configuration space of the partition's bus 0, through
 * configuration mechanism #1 (ports 0xCF8/0xCFC; PCI Local Bus
 * Specification 3.0, 3.2.2.3.2) and through ECAM at 0xB0000000 (PCI
 * Express Base Specification, 7.2.2 "Enhanced Configuration Access
 * Mechanism": bus << 20 | device << 15 | function << 12 | offset).
 * Needs: 1 vCPU, any RAM (below 0xB0000000), no device option.
 *
 * Proves:
 *  - CONFIG_ADDRESS (0xCF8) is a read/write 32-bit register;
 *  - scanning bus 0 (32 devices, all functions of multi-function ones)
 *    finds exactly one function, 00:00.0, a host bridge (class 06/00/00)
 *    with a type 0 header; the same through ECAM;
 *  - ECAM and mechanism #1 agree on its first 64 bytes;
 *  - byte and word reads at every offset (through 0xCFC-0xCFF and at the
 *    ECAM address) return the matching bytes of the dword;
 *  - absent functions (00:01.0, 00:1f.7, 01:00.0) read all ones at every
 *    width (a master abort, PCI 3.0 6.1);
 *  - the read-only vendor ID ignores a write.
 */
#include "rt.h"

#include "lib/format.h"

#define CFG_ADDR  0xCF8
#define CFG_DATA  0xCFC
#define ECAM_BASE 0xB0000000ull

static uint32_t cf8(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xFC);
}

static uint32_t cfg_read32(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	outl(CFG_ADDR, cf8(bus, dev, fn, off));
	return inl(CFG_DATA);
}

static uint16_t cfg_read16(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	outl(CFG_ADDR, cf8(bus, dev, fn, off));
	return inw((uint16_t)(CFG_DATA + (off & 2)));
}

static uint8_t cfg_read8(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	outl(CFG_ADDR, cf8(bus, dev, fn, off));
	return inb((uint16_t)(CFG_DATA + (off & 3)));
}

static uint64_t ecam(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	return ECAM_BASE + ((uint64_t)bus << 20 | dev << 15 | fn << 12 | off);
}

typedef uint32_t (*read32_fn)(unsigned int bus, unsigned int dev, unsigned int fn,
			      unsigned int off);

static uint32_t ecam_read32(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int off)
{
	return mmio_read32(ecam(bus, dev, fn, off));
}

/* Every function on bus 0 with a vendor ID; prints them. Returns how many. */
static unsigned int scan(const char *how, read32_fn rd, unsigned int *first)
{
	unsigned int found = 0;

	for (unsigned int dev = 0; dev < 32; dev++) {
		for (unsigned int fn = 0; fn < 8; fn++) {
			uint32_t id = rd(0, dev, fn, 0x00);

			if ((id & 0xFFFF) == 0xFFFF) {
				if (fn == 0)
					break;
				continue;
			}
			gprintf("pci: %s: 00:%02x.%u vendor %04x device %04x class %06x header "
				"%#x\n",
				how, dev, fn, id & 0xFFFF, id >> 16, rd(0, dev, fn, 0x08) >> 8,
				(rd(0, dev, fn, 0x0C) >> 16) & 0xFF);
			if (found++ == 0)
				*first = dev << 3 | fn;
			/* Header type bit 7: only then look at functions 1-7. */
			if (fn == 0 && !((rd(0, dev, 0, 0x0C) >> 16) & 0x80))
				break;
		}
	}
	return found;
}

static void check_scan(const char *prefix, read32_fn rd)
{
	char name[48];
	unsigned int first = ~0u, n = scan(prefix, rd, &first);
	uint32_t class = rd(0, 0, 0, 0x08) >> 8;
	uint8_t header = (uint8_t)(rd(0, 0, 0, 0x0C) >> 16);

	fmt_snprintf(name, sizeof(name), "pci-%s-one-device", prefix);
	if (n == 1 && first == 0)
		GUEST_PASS(name);
	else
		GUEST_FAIL(name, "%u functions on bus 0, first at devfn %#x", n, first);
	fmt_snprintf(name, sizeof(name), "pci-%s-host-bridge-class", prefix);
	if (class == 0x060000)
		GUEST_PASS(name);
	else
		GUEST_FAIL(name, "00:00.0 class %06x", class);
	fmt_snprintf(name, sizeof(name), "pci-%s-header-type0", prefix);
	GUEST_CHECK(name, (header & 0x7F) == 0);
}

static void check_widths(void)
{
	bool b_cf8 = true, w_cf8 = true, b_ecam = true, w_ecam = true, same = true;

	for (unsigned int off = 0; off < 0x40; off += 4) {
		uint32_t d = cfg_read32(0, 0, 0, off);

		same = same && mmio_read32(ecam(0, 0, 0, off)) == d;
		for (unsigned int i = 0; i < 4; i++) {
			uint8_t want = (uint8_t)(d >> (8 * i));

			b_cf8 = b_cf8 && cfg_read8(0, 0, 0, off + i) == want;
			b_ecam = b_ecam && mmio_read8(ecam(0, 0, 0, off + i)) == want;
		}
		for (unsigned int i = 0; i < 4; i += 2) {
			uint16_t want = (uint16_t)(d >> (8 * i));

			w_cf8 = w_cf8 && cfg_read16(0, 0, 0, off + i) == want;
			w_ecam = w_ecam && mmio_read16(ecam(0, 0, 0, off + i)) == want;
		}
	}
	GUEST_CHECK("pci-ecam-matches-cf8", same);
	GUEST_CHECK("pci-cf8-byte-reads", b_cf8);
	GUEST_CHECK("pci-cf8-word-reads", w_cf8);
	GUEST_CHECK("pci-ecam-byte-reads", b_ecam);
	GUEST_CHECK("pci-ecam-word-reads", w_ecam);
}

static void check_absent(void)
{
	static const uint8_t where[][3] = {{0, 1, 0}, {0, 0x1f, 7}, {1, 0, 0}};
	bool ok = true, ok_ecam = true;

	for (unsigned int i = 0; i < ARRAY_SIZE(where); i++) {
		unsigned int bus = where[i][0], dev = where[i][1], fn = where[i][2];

		for (unsigned int off = 0; off < 0x10; off += 4) {
			ok = ok && cfg_read32(bus, dev, fn, off) == 0xFFFFFFFFu &&
			     cfg_read16(bus, dev, fn, off + 2) == 0xFFFF &&
			     cfg_read8(bus, dev, fn, off + 1) == 0xFF;
		}
		/* ECAM: only bus 0 is surely inside the MCFG's range. */
		if (bus == 0) {
			ok_ecam = ok_ecam && mmio_read32(ecam(bus, dev, fn, 0)) == 0xFFFFFFFFu &&
				  mmio_read16(ecam(bus, dev, fn, 2)) == 0xFFFF &&
				  mmio_read8(ecam(bus, dev, fn, 0xE)) == 0xFF;
		}
	}
	GUEST_CHECK("pci-cf8-absent-all-ones", ok);
	GUEST_CHECK("pci-ecam-absent-all-ones", ok_ecam);
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint32_t id;

	guest_info(&info);
	gprintf("pci: %s: needs 1 vCPU (has %u), RAM below %#llx (has %lu MiB); CF8/CFC and ECAM\n",
		info.name, info.vcpu_count, ECAM_BASE, (unsigned long)(info.memory_bytes >> 20));

	/* PCI 3.0 3.2.2.3.2: CONFIG_ADDRESS reads back (Linux's pci_check_type1 relies on it). */
	outl(CFG_ADDR, 0x80000000u);
	GUEST_CHECK("pci-cf8-readback", inl(CFG_ADDR) == 0x80000000u);
	outl(CFG_ADDR, cf8(0, 3, 2, 0x44));
	GUEST_CHECK("pci-cf8-readback-fields", inl(CFG_ADDR) == cf8(0, 3, 2, 0x44));

	check_scan("cf8", cfg_read32);
	check_scan("ecam", ecam_read32);
	check_widths();
	check_absent();

	id = cfg_read32(0, 0, 0, 0);
	outl(CFG_ADDR, cf8(0, 0, 0, 0));
	outl(CFG_DATA, 0);
	GUEST_CHECK("pci-vendor-id-read-only", cfg_read32(0, 0, 0, 0) == id);
	guest_done();
}
