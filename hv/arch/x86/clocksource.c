/* SPDX-License-Identifier: MIT */
#include "arch/x86/clocksource.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"

#define PMTIMER_HZ 3579545ull
#define PMTIMER_MASK24 0xFFFFFFull
#define PMTIMER_MASK32 0xFFFFFFFFull

/* HPET registers (IA-PC HPET 1.0a, 2.3.1) */
#define HPET_REG_CAP 0x000
#define HPET_REG_CONFIG 0x010
#define HPET_REG_COUNTER 0x0F0
#define HPET_MMIO_SIZE 0x400
#define HPET_CAP_PERIOD_SHIFT 32 /* counter period in femtoseconds */
#define HPET_CAP_COUNT_64 (1ull << 13)
#define HPET_CONFIG_ENABLE 1ull
#define HPET_MAX_PERIOD_FS 100000000ull /* the spec's upper bound: 100 ns */
#define FS_PER_SEC 1000000000000000ull

enum cs_kind { CS_NONE, CS_PMTIMER_IO, CS_PMTIMER_MEM, CS_HPET };

static enum cs_kind kind;
static uint64_t cs_addr;
static volatile uint8_t *cs_mmio;
static uint64_t cs_hz;
static uint64_t cs_mask;

static int hpet_start(uint64_t pa)
{
	uint64_t cap, period;
	void *regs = paging_map_mmio(pa, HPET_MMIO_SIZE);

	if (!regs)
		return -ENOMEM;
	cs_mmio = regs;
	cap = *(volatile uint64_t *)(cs_mmio + HPET_REG_CAP);
	period = cap >> HPET_CAP_PERIOD_SHIFT;
	if (period == 0 || period > HPET_MAX_PERIOD_FS)
		return -ENODEV;
	cs_hz = FS_PER_SEC / period;
	cs_mask = (cap & HPET_CAP_COUNT_64) ? ~0ull : PMTIMER_MASK32;
	*(volatile uint64_t *)(cs_mmio + HPET_REG_CONFIG) |= HPET_CONFIG_ENABLE;
	kind = CS_HPET;
	return 0;
}

static int pmtimer_start(const struct acpi_info *ai)
{
	if (ai->has_pmtimer) {
		cs_hz = PMTIMER_HZ;
		cs_mask = ai->pmtimer_32bit ? PMTIMER_MASK32 : PMTIMER_MASK24;
		cs_addr = ai->pmtimer_addr;
		if (ai->pmtimer_space == ACPI_GAS_IO && cs_addr <= 0xFFFF) {
			kind = CS_PMTIMER_IO;
			return 0;
		}
		if (ai->pmtimer_space == ACPI_GAS_MEMORY) {
			cs_mmio = paging_map_mmio(cs_addr, sizeof(uint32_t));
			if (cs_mmio) {
				kind = CS_PMTIMER_MEM;
				return 0;
			}
		}
	}
	return -ENODEV;
}

int clocksource_init(const struct acpi_info *ai, bool prefer_hpet)
{
	if (prefer_hpet && ai->has_hpet && hpet_start(ai->hpet_addr) == 0)
		return 0;
	if (pmtimer_start(ai) == 0)
		return 0;
	if (ai->has_hpet && hpet_start(ai->hpet_addr) == 0)
		return 0;
	kind = CS_NONE;
	return -ENODEV;
}

const char *clocksource_name(void)
{
	switch (kind) {
	case CS_PMTIMER_IO:
	case CS_PMTIMER_MEM:
		return "ACPI PM timer";
	case CS_HPET:
		return "HPET";
	default:
		return "none";
	}
}

uint64_t clocksource_hz(void)
{
	return cs_hz;
}

uint64_t clocksource_mask(void)
{
	return cs_mask;
}

uint64_t clocksource_read(void)
{
	switch (kind) {
	case CS_PMTIMER_IO:
		return inl((uint16_t)cs_addr) & cs_mask;
	case CS_PMTIMER_MEM:
		return *(volatile uint32_t *)cs_mmio & cs_mask;
	case CS_HPET:
		return *(volatile uint64_t *)(cs_mmio + HPET_REG_COUNTER) & cs_mask;
	default:
		return 0;
	}
}
