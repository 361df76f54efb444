// SPDX-License-Identifier: MIT
/*
 * p_unbacked: guest-physical addresses that are neither RAM nor a device
 * behave like an empty PC bus: reads return all ones, writes are dropped,
 * and the partition goes on (the platform contract; on a PC a read that
 * no one claims ends in a master abort that returns all ones, PCI 3.0 6.1).
 * Needs: 1 vCPU, RAM below 0xE0000000 (16 MiB is plenty), no device option.
 * The loader's page tables map all of [0, 4 GiB), so only the hypervisor's
 * nested paging decides what these accesses do.
 *
 * Proves, at 0xE0000000 (in the PCI memory window, where nothing is
 * decoded): 1-, 2-, 4- and 8-byte reads, an unaligned read and one that
 * straddles two unbacked pages, all return all ones; writes of every
 * width, a read-modify-write instruction and a REP MOVSB from there into
 * RAM leave all ones behind (and RAM gets 0xFF bytes); the first byte
 * above RAM and the HPET's address 0xFED00000 (no HPET is emulated) read
 * all ones too. Each step is announced first, so a partition that dies
 * shows where; the last line is "unbacked-still-running".
 */
#include "rt.h"

#define UNBACKED 0xE0000000ull
#define HPET	 0xFED00000ull

static bool all_ones(uint64_t addr)
{
	return mmio_read8(addr) == 0xFF && mmio_read16(addr) == 0xFFFF &&
	       mmio_read32(addr) == 0xFFFFFFFFu && mmio_read64(addr) == ~0ull;
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint64_t a = UNBACKED, v;
	uint8_t buf[16];
	uint64_t si, di, cx;

	guest_info(&info);
	gprintf("unbacked: %s: needs RAM below %#llx (has %lu MiB), 1 vCPU (has %u)\n", info.name,
		UNBACKED, (unsigned long)(info.memory_bytes >> 20), info.vcpu_count);
	if (info.memory_bytes > UNBACKED) {
		GUEST_FAIL("unbacked-address", "RAM covers %#llx", UNBACKED);
		guest_done();
		return;
	}

	gprintf("unbacked: reading %#lx\n", a);
	GUEST_CHECK("unbacked-read8", mmio_read8(a) == 0xFF);
	GUEST_CHECK("unbacked-read16", mmio_read16(a + 2) == 0xFFFF);
	GUEST_CHECK("unbacked-read32", mmio_read32(a + 4) == 0xFFFFFFFFu);
	GUEST_CHECK("unbacked-read64", mmio_read64(a + 8) == ~0ull);
	GUEST_CHECK("unbacked-read-unaligned", mmio_read64(a + 0x13) == ~0ull);
	GUEST_CHECK("unbacked-read-page-straddle", mmio_read32(a + 0xFFE) == 0xFFFFFFFFu);

	gprintf("unbacked: writing %#lx\n", a);
	mmio_write8(a, 0x00);
	mmio_write16(a + 2, 0x1234);
	mmio_write32(a + 4, 0);
	mmio_write64(a + 8, 0x0123456789ABCDEFull);
	GUEST_CHECK("unbacked-write-dropped", all_ones(a) && mmio_read16(a + 2) == 0xFFFF &&
						  mmio_read32(a + 4) == 0xFFFFFFFFu &&
						  mmio_read64(a + 8) == ~0ull);

	/* ADD imm8 to memory (83 /0): reads ones, the write of the sum vanishes. */
	__asm__ __volatile__("addl $1, (%0)" : : "r"(a + 0x20) : "memory", "cc");
	GUEST_CHECK("unbacked-rmw-dropped", mmio_read32(a + 0x20) == 0xFFFFFFFFu);

	memset(buf, 0, sizeof(buf));
	si = a + 0x40;
	di = (uintptr_t)buf;
	cx = sizeof(buf);
	__asm__ __volatile__("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	v = 0;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		v += buf[i] == 0xFF;
	GUEST_CHECK("unbacked-rep-movsb-to-ram", v == sizeof(buf) && cx == 0);

	if (info.memory_bytes < 0xB0000000ull) {
		gprintf("unbacked: reading %#lx, just above RAM\n", info.memory_bytes);
		GUEST_CHECK("unbacked-above-ram", all_ones(info.memory_bytes));
	}
	gprintf("unbacked: reading %#llx (HPET)\n", HPET);
	GUEST_CHECK("unbacked-hpet-absent", all_ones(HPET));
	GUEST_PASS("unbacked-still-running");
	guest_done();
}
