/* SPDX-License-Identifier: MIT */
/* Unit tests of the virtual I/O APIC (hv/vdev/vioapic.c), driven by MMIO. */
#include "test.h"

#include "lib/errno.h"
#include "vdev/vioapic.h"

#define MAX_MSGS 16

/* A fake local APIC bus: records messages, refuses them on request. */
struct bus {
	struct vioapic_msg msgs[MAX_MSGS];
	int n;
	bool refuse;
};

static int bus_deliver(void *ctx, const struct vioapic_msg *msg)
{
	struct bus *b = ctx;

	if (b->refuse)
		return -EBUSY;
	if (b->n < MAX_MSGS)
		b->msgs[b->n] = *msg;
	b->n++;
	return 0;
}

static struct bus bus;
static struct vioapic io;

static void setup(void)
{
	struct vioapic_ops ops = {.deliver = bus_deliver, .ctx = &bus};

	bus = (struct bus){0};
	vioapic_init(&io, 2, &ops);
}

static void mmio_wr(uint64_t off, uint32_t val)
{
	CHECK_EQ(vioapic_mmio_write(&io, off, 4, val), 0);
}

static uint32_t mmio_rd(uint64_t off)
{
	uint64_t v = 0xDEAD;

	CHECK_EQ(vioapic_mmio_read(&io, off, 4, &v), 0);
	return (uint32_t)v;
}

static void reg_wr(uint8_t index, uint32_t val)
{
	mmio_wr(VIOAPIC_IOREGSEL, index);
	mmio_wr(VIOAPIC_IOWIN, val);
}

static uint32_t reg_rd(uint8_t index)
{
	mmio_wr(VIOAPIC_IOREGSEL, index);
	return mmio_rd(VIOAPIC_IOWIN);
}

/* Program pin's entry as Linux does: high half first, then the low half. */
static void rte_wr(unsigned int pin, uint64_t rte)
{
	reg_wr((uint8_t)(0x11 + 2 * pin), (uint32_t)(rte >> 32));
	reg_wr((uint8_t)(0x10 + 2 * pin), (uint32_t)rte);
}

static uint64_t rte_rd(unsigned int pin)
{
	uint64_t lo = reg_rd((uint8_t)(0x10 + 2 * pin));

	return lo | (uint64_t)reg_rd((uint8_t)(0x11 + 2 * pin)) << 32;
}

#define LEVEL	(1ull << 15)
#define ACT_LOW (1ull << 13)
#define MASKED	(1ull << 16)
#define RIRR	(1ull << 14)
#define LOGICAL (1ull << 11)
#define DM(m)	((uint64_t)(m) << 8)
#define DEST(d) ((uint64_t)(d) << 56)

TEST(reset_state)
{
	setup();
	for (unsigned int pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
		CHECK_EQ(rte_rd(pin), MASKED);
	CHECK_EQ(reg_rd(0x00), 2u << 24);
	CHECK_EQ(io.pins, 0);
	/* Pins asserted while masked deliver nothing. */
	for (unsigned int pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
		vioapic_set_irq(&io, pin, true);
	CHECK_EQ(bus.n, 0);
	CHECK_EQ(io.stats.masked_edges, VIOAPIC_NUM_PINS);
}

TEST(version_and_max_redir)
{
	setup();
	/* Version 0x20, maximum redirection entry 23 (24 pins). */
	CHECK_EQ(reg_rd(0x01), 0x00170020);
	reg_wr(0x01, 0);
	CHECK_EQ(reg_rd(0x01), 0x00170020);
}

TEST(register_access)
{
	setup();
	mmio_wr(VIOAPIC_IOREGSEL, 0x3F);
	CHECK_EQ(mmio_rd(VIOAPIC_IOREGSEL), 0x3F);
	mmio_wr(VIOAPIC_IOREGSEL, 0x1FF); /* 8-bit index */
	CHECK_EQ(mmio_rd(VIOAPIC_IOREGSEL), 0xFF);
	/* ID: bits 27:24 writable; ARB follows it and is read only. */
	reg_wr(0x00, 0xFFFFFFFF);
	CHECK_EQ(reg_rd(0x00), 0x0F000000);
	CHECK_EQ(reg_rd(0x02), 0x0F000000);
	reg_wr(0x00, 0x05000000);
	reg_wr(0x02, 0x0A000000);
	CHECK_EQ(reg_rd(0x00), 0x05000000);
	CHECK_EQ(reg_rd(0x02), 0x05000000);
	/* Unimplemented indices read 0 and ignore writes. */
	reg_wr(0x03, 0x12345678);
	CHECK_EQ(reg_rd(0x03), 0);
	CHECK_EQ(reg_rd(0x0F), 0);
	reg_wr(0x40, 0x12345678);
	CHECK_EQ(reg_rd(0x40), 0);
	CHECK_EQ(reg_rd(0xFF), 0);
	/* Entries: RW fields kept, RO and reserved bits read 0. */
	reg_wr(0x10 + 2 * 23, 0xFFFFFFFF);
	reg_wr(0x11 + 2 * 23, 0xFFFFFFFF);
	CHECK_EQ(reg_rd(0x10 + 2 * 23), 0x0001AFFF);
	CHECK_EQ(reg_rd(0x11 + 2 * 23), 0xFF000000);
	/* Each half is written on its own. */
	reg_wr(0x10 + 2 * 5, 0x000100AB);
	reg_wr(0x11 + 2 * 5, 0x12000000);
	reg_wr(0x10 + 2 * 5, 0x000100CD);
	CHECK_EQ(rte_rd(5), DEST(0x12) | MASKED | 0xCD);
	CHECK_EQ(rte_rd(4), MASKED);
	CHECK_EQ(rte_rd(6), MASKED);
	CHECK_EQ(io.stats.bad_access, 0);
}

TEST(edge_delivery)
{
	setup();
	rte_wr(4, DEST(1) | 0x31);
	CHECK_EQ(bus.n, 0);
	vioapic_set_irq(&io, 4, true);
	CHECK_EQ(bus.n, 1);
	CHECK_EQ(bus.msgs[0].vector, 0x31);
	CHECK_EQ(bus.msgs[0].delivery_mode, VIOAPIC_DM_FIXED);
	CHECK(!bus.msgs[0].logical);
	CHECK_EQ(bus.msgs[0].dest, 1);
	CHECK(!bus.msgs[0].level);
	/* Held high: no more; remote IRR never set on an edge pin. */
	vioapic_set_irq(&io, 4, true);
	CHECK_EQ(bus.n, 1);
	CHECK_EQ(rte_rd(4) & RIRR, 0);
	vioapic_eoi(&io, 0x31);
	CHECK_EQ(bus.n, 1);
	vioapic_set_irq(&io, 4, false);
	CHECK_EQ(bus.n, 1);
	vioapic_set_irq(&io, 4, true);
	CHECK_EQ(bus.n, 2);
	/* Other pins are independent. */
	vioapic_set_irq(&io, 5, true);
	vioapic_set_irq(&io, 24, true);
	CHECK_EQ(bus.n, 2);
	CHECK_EQ(io.stats.delivered, 2);
	CHECK_EQ(io.stats.masked_edges, 1);
}

TEST(masked_edge_lost)
{
	setup();
	rte_wr(7, MASKED | 0x40);
	vioapic_set_irq(&io, 7, true);
	CHECK_EQ(bus.n, 0);
	CHECK_EQ(io.stats.masked_edges, 1);
	/* Unmasking with the line still high does not replay it. */
	rte_wr(7, 0x40);
	CHECK_EQ(bus.n, 0);
	vioapic_set_irq(&io, 7, false);
	vioapic_set_irq(&io, 7, true);
	CHECK_EQ(bus.n, 1);
	CHECK_EQ(bus.msgs[0].vector, 0x40);
}

TEST(level_remote_irr_and_eoi)
{
	setup();
	rte_wr(10, LEVEL | DEST(3) | 0x51);
	vioapic_set_irq(&io, 10, true);
	CHECK_EQ(bus.n, 1);
	CHECK(bus.msgs[0].level);
	CHECK_EQ(rte_rd(10) & RIRR, RIRR);
	/* Remote IRR blocks while the local APIC has not EOI'd. */
	vioapic_set_irq(&io, 10, true);
	vioapic_set_irq(&io, 10, false);
	vioapic_set_irq(&io, 10, true);
	CHECK_EQ(bus.n, 1);
	/* EOI of another vector does nothing. */
	vioapic_eoi(&io, 0x52);
	CHECK_EQ(rte_rd(10) & RIRR, RIRR);
	CHECK_EQ(bus.n, 1);
	/* EOI with the line still asserted: delivered again. */
	vioapic_eoi(&io, 0x51);
	CHECK_EQ(bus.n, 2);
	CHECK_EQ(rte_rd(10) & RIRR, RIRR);
	/* The guest cannot clear remote IRR by writing the entry. */
	rte_wr(10, LEVEL | DEST(3) | 0x51);
	CHECK_EQ(rte_rd(10) & RIRR, RIRR);
	/* Line low, then EOI (through the version-0x20 EOI register). */
	vioapic_set_irq(&io, 10, false);
	mmio_wr(VIOAPIC_EOI, 0x51);
	CHECK_EQ(rte_rd(10) & RIRR, 0);
	CHECK_EQ(bus.n, 2);
	vioapic_set_irq(&io, 10, true);
	CHECK_EQ(bus.n, 3);
}

TEST(level_shared_vector_eoi)
{
	setup();
	rte_wr(16, LEVEL | 0x60);
	rte_wr(17, LEVEL | 0x60);
	vioapic_set_irq(&io, 16, true);
	vioapic_set_irq(&io, 17, true);
	CHECK_EQ(bus.n, 2);
	vioapic_set_irq(&io, 16, false);
	/* One EOI for the vector reaches both pins; 17 is still asserted. */
	vioapic_eoi(&io, 0x60);
	CHECK_EQ(bus.n, 3);
	CHECK_EQ(rte_rd(16) & RIRR, 0);
	CHECK_EQ(rte_rd(17) & RIRR, RIRR);
}

TEST(level_unmask_and_edge_toggle)
{
	setup();
	rte_wr(9, MASKED | LEVEL | 0x70);
	vioapic_set_irq(&io, 9, true);
	CHECK_EQ(bus.n, 0);
	CHECK_EQ(io.stats.masked_edges, 0);
	/* Unmasking an asserted level pin delivers it. */
	rte_wr(9, LEVEL | 0x70);
	CHECK_EQ(bus.n, 1);
	/* Masked while remote IRR is set, EOI'd, unmasked: delivered again. */
	rte_wr(9, MASKED | LEVEL | 0x70);
	vioapic_eoi(&io, 0x70);
	CHECK_EQ(bus.n, 1);
	rte_wr(9, LEVEL | 0x70);
	CHECK_EQ(bus.n, 2);
	/* Linux's EOI for pre-0x20 I/O APICs: edge then level clears remote IRR. */
	rte_wr(9, MASKED | 0x70);
	CHECK_EQ(rte_rd(9) & RIRR, 0);
	rte_wr(9, LEVEL | 0x70);
	CHECK_EQ(bus.n, 3);
}

TEST(polarity)
{
	setup();
	/* Active low, level: a low pin is asserted. */
	rte_wr(11, ACT_LOW | LEVEL | 0x80);
	CHECK_EQ(bus.n, 1); /* the idle-low pin already counts as asserted */
	vioapic_set_irq(&io, 11, true);
	vioapic_eoi(&io, 0x80);
	CHECK_EQ(bus.n, 1);
	vioapic_set_irq(&io, 11, false);
	CHECK_EQ(bus.n, 2);
	/* Active low, edge: the falling edge of the pin triggers. */
	vioapic_set_irq(&io, 12, true);
	rte_wr(12, ACT_LOW | 0x81);
	CHECK_EQ(bus.n, 2); /* a polarity change is not an edge */
	vioapic_set_irq(&io, 12, true);
	CHECK_EQ(bus.n, 2);
	vioapic_set_irq(&io, 12, false);
	CHECK_EQ(bus.n, 3);
	CHECK_EQ(bus.msgs[2].vector, 0x81);
	vioapic_set_irq(&io, 12, true);
	CHECK_EQ(bus.n, 3);
	/* Active high, edge: the rising edge does. */
	rte_wr(12, 0x82);
	vioapic_set_irq(&io, 12, false);
	CHECK_EQ(bus.n, 3);
	vioapic_set_irq(&io, 12, true);
	CHECK_EQ(bus.n, 4);
	CHECK_EQ(bus.msgs[3].vector, 0x82);
}

TEST(destination_fields)
{
	setup();
	rte_wr(1, DEST(0xAB) | LOGICAL | DM(VIOAPIC_DM_LOWPRI) | 0x93);
	vioapic_set_irq(&io, 1, true);
	CHECK_EQ(bus.n, 1);
	CHECK_EQ(bus.msgs[0].vector, 0x93);
	CHECK_EQ(bus.msgs[0].delivery_mode, VIOAPIC_DM_LOWPRI);
	CHECK(bus.msgs[0].logical);
	CHECK_EQ(bus.msgs[0].dest, 0xAB);
	CHECK(!bus.msgs[0].level);
	/* NMI, SMI, INIT, ExtINT are edge even if programmed level. */
	static const uint8_t modes[] = {VIOAPIC_DM_NMI, VIOAPIC_DM_SMI, VIOAPIC_DM_INIT,
					VIOAPIC_DM_EXTINT};
	for (unsigned int i = 0; i < ARRAY_SIZE(modes); i++) {
		unsigned int pin = 2 + i;

		rte_wr(pin, DEST(0xFF) | LEVEL | DM(modes[i]));
		vioapic_set_irq(&io, pin, true);
		CHECK_EQ(bus.n, 2 + (int)i);
		CHECK_EQ(bus.msgs[1 + i].delivery_mode, modes[i]);
		CHECK_EQ(bus.msgs[1 + i].dest, 0xFF);
		CHECK(!bus.msgs[1 + i].level);
		CHECK_EQ(rte_rd(pin) & RIRR, 0);
		vioapic_set_irq(&io, pin, true);
		CHECK_EQ(bus.n, 2 + (int)i);
	}
}

TEST(deliver_failure_retried)
{
	setup();
	rte_wr(20, LEVEL | 0xA0);
	bus.refuse = true;
	vioapic_set_irq(&io, 20, true);
	CHECK_EQ(io.stats.deliver_failed, 1);
	CHECK_EQ(rte_rd(20) & RIRR, 0);
	CHECK_EQ(rte_rd(20) & (1ull << 12), 0); /* delivery status */
	bus.refuse = false;
	vioapic_set_irq(&io, 20, true);
	CHECK_EQ(bus.n, 1);
	CHECK_EQ(rte_rd(20) & RIRR, RIRR);
	/* No deliver callback: refused, counted, nothing crashes. */
	vioapic_init(&io, 0, NULL);
	rte_wr(0, 0x30);
	vioapic_set_irq(&io, 0, true);
	CHECK_EQ(io.stats.deliver_failed, 1);
}

TEST(bad_access_sizes)
{
	uint64_t v;

	setup();
	mmio_wr(VIOAPIC_IOREGSEL, 0x01);
	/* Reads of another size or offset: all ones of the size, counted. */
	v = 0;
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 1, &v), 0);
	CHECK_EQ(v, 0xFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 2, &v), 0);
	CHECK_EQ(v, 0xFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 8, &v), 0);
	CHECK_EQ(v, (long long)~0ull);
	CHECK_EQ(vioapic_mmio_read(&io, 0x14, 4, &v), 0);
	CHECK_EQ(v, 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, 0x20, 4, &v), 0);
	CHECK_EQ(v, 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_EOI, 4, &v), 0); /* write only */
	CHECK_EQ(v, 0xFFFFFFFF);
	CHECK_EQ(io.stats.bad_access, 6);
	/* Writes of another size or offset are ignored. */
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 1, 0x10), 0);
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 8, 0x10), 0);
	CHECK_EQ(vioapic_mmio_write(&io, 0x01, 4, 0x10), 0);
	CHECK_EQ(mmio_rd(VIOAPIC_IOREGSEL), 0x01);
	mmio_wr(VIOAPIC_IOREGSEL, 0x10);
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOWIN, 2, 0x0031), 0);
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOWIN + 1, 4, 0x0031), 0);
	CHECK_EQ(rte_rd(0), MASKED);
	CHECK_EQ(io.stats.bad_access, 11);
	/* Outside the window, or a size the decoder never produces. */
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_MMIO_SIZE, 4, &v), -ENOENT);
	CHECK_EQ(vioapic_mmio_write(&io, ~0ull, 4, 0), -ENOENT);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 3, &v), -EINVAL);
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOWIN, 0, 0), -EINVAL);
	CHECK_EQ(vioapic_mmio_write(&io, VIOAPIC_IOWIN, 16, 0), -EINVAL);
	CHECK_EQ(io.stats.bad_access, 11);
}

int main(void)
{
	RUN(reset_state);
	RUN(version_and_max_redir);
	RUN(register_access);
	RUN(edge_delivery);
	RUN(masked_edge_lost);
	RUN(level_remote_irr_and_eoi);
	RUN(level_shared_vector_eoi);
	RUN(level_unmask_and_edge_toggle);
	RUN(polarity);
	RUN(destination_fields);
	RUN(deliver_failure_retried);
	RUN(bad_access_sizes);
	TEST_EXIT();
}
