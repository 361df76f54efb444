/* SPDX-License-Identifier: MIT */
/*
 * The virtual I/O APIC. See vioapic.h for the register map, the version
 * choice, the triggering rules and every deviation from the 82093AA.
 */
#include "vdev/vioapic.h"

#include "lib/errno.h"

/* ID register (82093AA 3.2.1): the APIC ID in bits 27:24. */
#define ID_SHIFT 24
#define ID_MASK	 0x0F

/* VER register (82093AA 3.2.2): version 7:0, maximum redirection entry 23:16. */
#define VER_MAX_REDIR_SHIFT 16

/* IOREGSEL holds an 8-bit register index (82093AA 3.1.1). */
#define IOREGSEL_MASK 0xFF

/* EOI register (ICH): the vector in bits 7:0. */
#define EOI_VECTOR_MASK 0xFF

/* Architectural access size (bytes). */
#define ACCESS_SIZE 4

/*
 * What a guest may write in an entry: everything but delivery status and
 * remote IRR (read only) and the reserved bits 55:17 (read as 0).
 */
#define RTE_WRITABLE                                                                               \
	(VIOAPIC_RTE_VECTOR | VIOAPIC_RTE_DELMODE | VIOAPIC_RTE_DESTMODE | VIOAPIC_RTE_POLARITY |  \
	 VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASK | VIOAPIC_RTE_DEST)

BUILD_ASSERT(VIOAPIC_NUM_PINS <= 32); /* pins fits a uint32_t */
BUILD_ASSERT(VIOAPIC_REG_REDIR + 2 * VIOAPIC_NUM_PINS - 1 <= IOREGSEL_MASK);

static unsigned int rte_delmode(uint64_t rte)
{
	return (unsigned int)((rte & VIOAPIC_RTE_DELMODE) >> VIOAPIC_RTE_DELMODE_SHIFT);
}

/*
 * Level semantics (remote IRR, EOI) apply only to fixed and lowest-priority
 * messages: the 82093AA requires SMI, NMI, INIT and ExtINT to be edge
 * triggered (3.2.4, bits 10:8), and nothing EOIs them by vector.
 */
static bool rte_is_level(uint64_t rte)
{
	unsigned int dm = rte_delmode(rte);

	return (rte & VIOAPIC_RTE_LEVEL) && (dm == VIOAPIC_DM_FIXED || dm == VIOAPIC_DM_LOWPRI);
}

/* The pin as the entry sees it: its level, inverted when active low. */
static bool pin_asserted(const struct vioapic *io, unsigned int pin)
{
	bool high = io->pins & (1u << pin);

	return high != !!(io->redir[pin] & VIOAPIC_RTE_POLARITY);
}

/* Send pin's message; a level message sets remote IRR once accepted. */
static void pin_deliver(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->redir[pin];
	struct vioapic_msg msg = {
	    .vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR),
	    .delivery_mode = (uint8_t)rte_delmode(rte),
	    .logical = rte & VIOAPIC_RTE_DESTMODE,
	    .dest = (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
	    .level = rte_is_level(rte),
	};
	int ret = io->ops.deliver ? io->ops.deliver(io->ops.ctx, &msg) : -ENODEV;

	if (ret < 0) {
		io->stats.deliver_failed++;
		return;
	}
	io->stats.delivered++;
	if (msg.level)
		io->redir[pin] |= VIOAPIC_RTE_REMOTE_IRR;
}

/* A level pin requests while asserted, unmasked and not awaiting an EOI. */
static void pin_eval_level(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->redir[pin];

	if (rte_is_level(rte) && !(rte & (VIOAPIC_RTE_MASK | VIOAPIC_RTE_REMOTE_IRR)) &&
	    pin_asserted(io, pin))
		pin_deliver(io, pin);
}

void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops)
{
	for (unsigned int pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
		io->redir[pin] = VIOAPIC_RTE_MASK;
	io->pins = 0;
	io->id = id & ID_MASK;
	io->ioregsel = 0;
	io->ops = ops ? *ops : (struct vioapic_ops){0};
	io->stats = (struct vioapic_stats){0};
}

static uint32_t reg_read(const struct vioapic *io, uint8_t index)
{
	unsigned int pin;
	uint64_t rte;

	switch (index) {
	case VIOAPIC_REG_ID:
		return (uint32_t)io->id << ID_SHIFT;
	case VIOAPIC_REG_VER:
		return VIOAPIC_VERSION | (VIOAPIC_NUM_PINS - 1) << VER_MAX_REDIR_SHIFT;
	case VIOAPIC_REG_ARB:
		/* 82093AA 3.2.3: the arbitration ID is loaded from the ID on ID writes. */
		return (uint32_t)io->id << ID_SHIFT;
	default:
		break;
	}
	if (index < VIOAPIC_REG_REDIR || index >= VIOAPIC_REG_REDIR + 2 * VIOAPIC_NUM_PINS)
		return 0;
	pin = (index - VIOAPIC_REG_REDIR) / 2;
	rte = io->redir[pin];
	return (index & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
}

static void redir_write(struct vioapic *io, unsigned int pin, bool high, uint32_t val)
{
	uint64_t old = io->redir[pin];
	uint64_t rte;

	if (high)
		rte = (old & 0xFFFFFFFFull) | (uint64_t)val << 32;
	else
		rte = (old & ~0xFFFFFFFFull) | val;
	rte = (rte & RTE_WRITABLE) | (old & VIOAPIC_RTE_REMOTE_IRR);
	/*
	 * Remote IRR is undefined for edge pins (3.2.4, bit 14) and cleared
	 * here: Linux's EOI for I/O APICs older than 0x20 relies on this
	 * (it flips a pin to edge and back to level).
	 */
	if (!(rte & VIOAPIC_RTE_LEVEL))
		rte &= ~VIOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = rte;
	/* An unmasked (or newly level) asserted pin requests now. */
	pin_eval_level(io, pin);
}

static void reg_write(struct vioapic *io, uint8_t index, uint32_t val)
{
	if (index == VIOAPIC_REG_ID) {
		io->id = (uint8_t)((val >> ID_SHIFT) & ID_MASK);
		return;
	}
	/* VER and ARB are read only; other indices have no register. */
	if (index < VIOAPIC_REG_REDIR || index >= VIOAPIC_REG_REDIR + 2 * VIOAPIC_NUM_PINS)
		return;
	redir_write(io, (index - VIOAPIC_REG_REDIR) / 2, index & 1, val);
}

/* Is this an aligned 32-bit access to a register of the window? */
static bool access_ok(uint64_t offset, unsigned int size, bool write)
{
	if (size != ACCESS_SIZE)
		return false;
	switch (offset) {
	case VIOAPIC_IOREGSEL:
	case VIOAPIC_IOWIN:
		return true;
	case VIOAPIC_EOI:
		return write; /* write only */
	default:
		return false;
	}
}

static bool size_valid(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t *val)
{
	if (offset >= VIOAPIC_MMIO_SIZE)
		return -ENOENT;
	if (!size_valid(size))
		return -EINVAL;
	if (!access_ok(offset, size, false)) {
		io->stats.bad_access++;
		*val = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
		return 0;
	}
	if (offset == VIOAPIC_IOREGSEL)
		*val = io->ioregsel;
	else
		*val = reg_read(io, io->ioregsel);
	return 0;
}

int vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t val)
{
	if (offset >= VIOAPIC_MMIO_SIZE)
		return -ENOENT;
	if (!size_valid(size))
		return -EINVAL;
	if (!access_ok(offset, size, true)) {
		io->stats.bad_access++;
		return 0;
	}
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		io->ioregsel = (uint8_t)(val & IOREGSEL_MASK);
		break;
	case VIOAPIC_IOWIN:
		reg_write(io, io->ioregsel, (uint32_t)val);
		break;
	default: /* VIOAPIC_EOI */
		vioapic_eoi(io, (uint8_t)(val & EOI_VECTOR_MASK));
		break;
	}
	return 0;
}

void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_NUM_PINS)
		return;
	was = pin_asserted(io, pin);
	if (level)
		io->pins |= 1u << pin;
	else
		io->pins &= ~(1u << pin);
	if (rte_is_level(io->redir[pin])) {
		pin_eval_level(io, pin);
		return;
	}
	/* Edge: only the rising edge of the asserted state counts. */
	if (was || !pin_asserted(io, pin))
		return;
	if (io->redir[pin] & VIOAPIC_RTE_MASK)
		io->stats.masked_edges++;
	else
		pin_deliver(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned int pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
		uint64_t rte = io->redir[pin];

		if (!(rte & VIOAPIC_RTE_REMOTE_IRR) || (rte & VIOAPIC_RTE_VECTOR) != vector)
			continue;
		io->redir[pin] = rte & ~VIOAPIC_RTE_REMOTE_IRR;
		pin_eval_level(io, pin);
	}
}
