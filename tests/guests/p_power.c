// SPDX-License-Identifier: MIT
/*
 * p_power: the ways a PC guest powers off or resets itself, one per
 * partition. There is no command line, so the path comes from the end of
 * the partition's name:
 *
 *	...-s5      ACPI S5: PM1a_CNT (0x604) := SLP_TYP 5 << 10 | SLP_EN (bit 13)
 *	            (ACPI 6.5 4.8.3.2.1 and 7.4.2; SLP_TYP from the DSDT's \_S5_)
 *	...-cf9     reset control register 0xCF9 := 0x06 (SYS_RST | RST_CPU; the
 *	            FADT's RESET_REG / RESET_VALUE)
 *	...-kbc     8042 command 0xFE to port 0x64 (pulse the reset line), after
 *	            waiting for the input buffer to empty (status bit 1)
 *	...-p92     System Control Port A (0x92) bit 0 from 0 to 1 (fast reset)
 *	...-triple  a triple fault (zero-limit IDT, then UD2)
 *
 * Needs: 1 vCPU, any RAM. S5 applies the partition's on_poweroff policy,
 * the others its on_reboot policy. Memory is scrubbed on restart, so each
 * boot prints "power: <path> starting" again and the integration test
 * counts those lines (one per boot). A partition still running 2 s later
 * prints "GUEST-FAIL: power-<path>: ...".
 */
#include "rt.h"

#define SLP_TYP_S5 5u
#define SLP_EN	   (1u << 13)
#define SETTLE_US  2000000ull

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void do_triple(void)
{
	struct __packed {
		uint16_t limit;
		uint64_t base;
	} idtr = {0, 0};

	__asm__ __volatile__("lidt %0\n\tud2" : : "m"(idtr) : "memory");
}

void guest_main(void)
{
	static const char *const paths[] = {"s5", "cf9", "kbc", "p92", "triple"};
	struct bh_partition_info info;
	const char *path = NULL;
	char tail[16], name[32];

	guest_info(&info);
	for (unsigned int i = 0; i < ARRAY_SIZE(paths); i++) {
		tail[0] = '-';
		str_copy(tail + 1, paths[i], sizeof(tail) - 1);
		if (ends_with(info.name, tail))
			path = paths[i];
	}
	if (!path) {
		gprintf("power: %s: needs a partition name ending in -s5, -cf9, -kbc, -p92 or "
			"-triple\n",
			info.name);
		GUEST_FAIL("power-path", "no path in the partition name '%s'", info.name);
		guest_done();
		return;
	}
	gprintf("power: partition %s, path %s, needs 1 vCPU (has %u)\n", info.name, path,
		info.vcpu_count);
	gprintf("power: %s starting\n", path);

	if (strcmp(path, "s5") == 0) {
		outw(0x604, (uint16_t)(SLP_TYP_S5 << 10 | SLP_EN));
	} else if (strcmp(path, "cf9") == 0) {
		outb(0xCF9, 0x06);
	} else if (strcmp(path, "kbc") == 0) {
		guest_wait_us(!(inb(0x64) & 0x02), 100000);
		outb(0x64, 0xFE);
	} else if (strcmp(path, "p92") == 0) {
		outb(0x92, inb(0x92) & ~1u);
		outb(0x92, inb(0x92) | 1u);
	} else {
		do_triple();
	}
	guest_delay_us(SETTLE_US);
	str_copy(name, "power-", sizeof(name));
	str_copy(name + 6, path, sizeof(name) - 6);
	GUEST_FAIL(name, "still running %llu ms after the %s request", SETTLE_US / 1000, path);
	guest_done();
}
