/* SPDX-License-Identifier: MIT */
#include "arch/x86/ioapic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/spinlock.h"

/* Registers (82093AA datasheet, 3.1 and 3.2). */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_MMIO_SIZE 0x20
#define REG_VER 0x01
#define REG_REDTBL(pin) (0x10 + 2 * (pin))
#define VER_MAX_REDIR_SHIFT 16
#define VER_MAX_REDIR_MASK 0xFF
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_DEST_SHIFT 24 /* in the high dword */
/* MPS INTI flags in an interrupt source override (ACPI 6.5, table 5.50). */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_LOW 0x3
#define INTI_TRIGGER_MASK 0xC
#define INTI_TRIGGER_LEVEL 0xC

struct host_ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned int npins;
};

static struct host_ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nioapics;
static const struct acpi_info *acpi;
static spinlock_t lock = SPINLOCK_INIT;

static uint32_t rd(const struct host_ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void wr(const struct host_ioapic *io, uint32_t reg, uint32_t val)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = val;
}

int ioapic_init(const struct acpi_info *ai)
{
	acpi = ai;
	for (unsigned int i = 0; i < ai->nioapics && nioapics < ACPI_MAX_IOAPICS; i++) {
		struct host_ioapic *io = &ioapics[nioapics];

		io->regs = paging_map_mmio(ai->ioapics[i].addr, IOAPIC_MMIO_SIZE);
		if (!io->regs)
			return -ENOMEM;
		io->gsi_base = ai->ioapics[i].gsi_base;
		io->npins = ((rd(io, REG_VER) >> VER_MAX_REDIR_SHIFT) & VER_MAX_REDIR_MASK) + 1;
		for (unsigned int pin = 0; pin < io->npins; pin++) {
			wr(io, REG_REDTBL(pin) + 1, 0);
			wr(io, REG_REDTBL(pin), RTE_MASKED);
		}
		nioapics++;
	}
	return 0;
}

int ioapic_route_isa(unsigned int irq, uint8_t vector, uint32_t dest)
{
	uint32_t gsi = irq, lo = vector;
	uint64_t flags;

	for (unsigned int i = 0; acpi && i < acpi->nisos; i++) {
		const struct acpi_iso *o = &acpi->isos[i];

		if (o->bus == 0 && o->source == irq) {
			gsi = o->gsi;
			if ((o->flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
				lo |= RTE_ACTIVE_LOW;
			if ((o->flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
				lo |= RTE_LEVEL;
		}
	}
	for (unsigned int i = 0; i < nioapics; i++) {
		const struct host_ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->npins) {
			unsigned int pin = gsi - io->gsi_base;

			flags = spin_lock_irqsave(&lock);
			wr(io, REG_REDTBL(pin) + 1, dest << RTE_DEST_SHIFT);
			wr(io, REG_REDTBL(pin), lo);
			spin_unlock_irqrestore(&lock, flags);
			return 0;
		}
	}
	return -ENOENT;
}
