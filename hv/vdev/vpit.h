/* SPDX-License-Identifier: MIT */
/*
 * The Intel 8254 programmable interval timer (datasheet 231164) at ports
 * 0x40-0x43, and the PC's NMI status and control port 0x61 that carries
 * channel 2's gate and OUT.
 *
 * Model. The 1.193182 MHz input clock is a fixed grid of edges: edge k is at
 * the first nanosecond where floor(ns * 1193182 / 10^9) = k (vtime_*() in
 * vpmtimer.h). Every counter value and OUT level is a function of the edge
 * count at now_ns, so a read is exact at any instant and nothing depends on
 * how often the hypervisor calls us. Writes act on the edge count at their
 * now_ns; as on the chip, a count written is loaded on the next edge.
 *
 * All three channels are full 8254 counters (modes 0-5, binary and BCD
 * counting, LSB/MSB/word access, latch and read-back). Channel 0's gate is
 * tied high and its OUT is IRQ 0; channel 1's gate is tied high and its OUT
 * goes nowhere; channel 2's gate is port 0x61 bit 0 and its OUT is readable
 * in port 0x61 bit 5.
 *
 * Interrupt line. The PIT drives line VPIT_IRQ_LINE of its irq_sink with
 * channel 0's OUT. Between two calls OUT may rise and fall several times
 * (mode 2 is low for a single 838 ns clock); the device then reports one
 * rising edge (lower, raise) followed by the current level, so an
 * edge-triggered PIC or IO-APIC pin counts at most one interrupt per call,
 * as a late timer interrupt on real hardware would be coalesced. The level
 * seen by the sink is exact at each call and may be stale between calls.
 *
 * Contract for the hypervisor: call vpit_next_event() after every port
 * access and every vpit_advance(), arm a timer for the deadline it returns,
 * and call vpit_advance() when it expires. Calls on one vpit are serialized
 * by the caller; now_ns must not go backwards (a smaller value is treated
 * as the latest one seen).
 */
#ifndef VDEV_VPIT_H
#define VDEV_VPIT_H

#include "lib/compiler.h"
#include "vdev/irq.h"

#define VPIT_HZ		 1193182u /* PC input clock: 14.31818 MHz / 12 */
#define VPIT_PORT_CH0	 0x40
#define VPIT_PORT_CH1	 0x41
#define VPIT_PORT_CH2	 0x42
#define VPIT_PORT_CTRL	 0x43
#define VPIT_PORT_NMI_SC 0x61 /* NMI status and control ("port B") */
#define VPIT_IRQ_LINE	 0    /* ISA IRQ 0: channel 0 OUT */
#define VPIT_CHANNELS	 3

/* Port 0x61 bits. */
#define VPIT_P61_GATE2	    0x01 /* R/W: channel 2 gate */
#define VPIT_P61_SPKR	    0x02 /* R/W: speaker data enable */
#define VPIT_P61_PARITY_DIS 0x04 /* R/W: parity/SERR# check disable (stored) */
#define VPIT_P61_IOCHK_DIS  0x08 /* R/W: IOCHK check disable (stored) */
#define VPIT_P61_REFRESH    0x10 /* RO: toggles every refresh period */
#define VPIT_P61_OUT2	    0x20 /* RO: channel 2 OUT */
#define VPIT_P61_WRITABLE   0x0F

/* One 8254 counter. Fields are private to vpit.c. */
struct vpit_channel {
	uint8_t ctrl; /* control word bits 5:0 as written (RW, mode, BCD) */
	uint8_t mode; /* effective mode 0..5 (6, 7 alias 2, 3) */
	uint8_t rw;   /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	bool write_msb;	   /* word access: the next write is the MSB */
	uint8_t write_lsb; /* word access: the LSB already written */
	bool read_msb;	   /* word access: the next read is the MSB */
	bool count_latched;
	bool status_latched;
	uint16_t latch;	 /* latched count, encoded as the guest reads it */
	uint8_t status;	 /* latched status byte */
	bool null_count; /* CR written but not yet loaded into CE */
	bool cr_valid;	 /* a count was written since the control word */
	uint32_t cr;	 /* count register: 1..65536 (1..10000 in BCD) */
	/* The counting element (CE). */
	bool loaded;	     /* holds a count (for modes 1, 5: was triggered) */
	bool load_pending;   /* CR goes into CE at load_tick */
	bool reload_pending; /* modes 2, 3: new CR at the end of this period */
	bool enabled;	     /* CE decrements on each edge */
	uint32_t n;	     /* the count CE is working with */
	uint32_t frozen;     /* CE value while not loaded */
	uint64_t load_tick;
	uint64_t reload_d;  /* decrement count at which reload happens */
	uint64_t base_tick; /* edge from which d grows while enabled */
	uint64_t d_base;    /* decrements since load, at base_tick */
};

struct vpit {
	struct vpit_channel ch[VPIT_CHANNELS];
	uint8_t port61;	    /* writable bits of port 0x61 */
	bool irq_level;	    /* level last given to the sink */
	uint64_t tick;	    /* clock edges at the latest call */
	uint64_t irq_edges; /* rising edges reported (statistics) */
	struct irq_sink sink;
};

/*
 * Reset p at guest time now_ns to the state a PC BIOS leaves: every channel
 * in mode 3 with count 65536 (channel 0 gives IRQ 0 at 18.2 Hz), channel 2's
 * gate low (port 0x61 = 0). sink may be NULL (no interrupt wanted).
 */
void vpit_init(struct vpit *p, const struct irq_sink *sink, uint64_t now_ns);

/* Whether port belongs to the PIT (0x40-0x43, 0x61). */
bool vpit_claims_port(uint16_t port);

/*
 * A byte read or write of port at now_ns. Wider accesses are split into
 * byte accesses of consecutive ports by the dispatcher, as the ISA bus does.
 * Reads of the write-only control port return 0xFF.
 */
uint8_t vpit_io_read(struct vpit *p, uint16_t port, uint64_t now_ns);
void vpit_io_write(struct vpit *p, uint16_t port, uint8_t val, uint64_t now_ns);

/*
 * Absolute guest time of the next rising edge of channel 0's OUT (the next
 * IRQ 0), VTIME_NEVER if none is coming; a value <= now_ns means "due now".
 */
uint64_t vpit_next_event(const struct vpit *p, uint64_t now_ns);

/* Bring the device to now_ns and drive IRQ 0 (see the header comment). */
void vpit_advance(struct vpit *p, uint64_t now_ns);

#endif
