/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 PIT emulation (datasheet 231164, "8254 Programmable Interval
 * Timer"), see vpit.h for the model.
 *
 * Each counter's counting element (CE) is described by the count n it was
 * loaded with and d, the number of clock edges it has counted since the
 * load: d = d_base + (enabled ? edge - base_tick : 0). The gate freezes or
 * resumes d (modes 0, 4), restarts the count (modes 2, 3) or triggers it
 * (modes 1, 5). From n and d each mode's count and OUT are closed formulas
 * (ch_count(), ch_out()), and the next rising edge of OUT is one more
 * (ch_next_rise()). ch_sync() applies the two state changes that happen on
 * their own with time: a pending load of CR into CE and the end-of-period
 * reload of a new count in modes 2 and 3.
 */
#include "vdev/vpit.h"
#include "vdev/vpmtimer.h"
#include "lib/string.h"

/* Control word (datasheet, "Control Word Format"). */
#define PIT_CW_SC_SHIFT	  6
#define PIT_CW_RW_SHIFT	  4
#define PIT_CW_MODE_SHIFT 1
#define PIT_CW_BCD	  0x01
#define PIT_CW_LOW_MASK	  0x3F /* RW, mode, BCD: echoed in the status byte */
#define PIT_SC_READBACK	  3

/* Read/write field of the control word. */
#define PIT_RW_LATCH 0
#define PIT_RW_LSB   1
#define PIT_RW_MSB   2
#define PIT_RW_WORD  3

/* Read-back command (datasheet, "Read-Back Command"): active-low selects. */
#define PIT_RB_NO_COUNT	 0x20
#define PIT_RB_NO_STATUS 0x10
#define PIT_RB_CNT(n)	 (0x02u << (n))

/* Status byte (datasheet, "Status Byte"): bits 5:0 are the control word's. */
#define PIT_ST_OUT	  0x80
#define PIT_ST_NULL_COUNT 0x40

/* Count moduli: a count of 0 means the maximum, 2^16 or 10^4 in BCD. */
#define PIT_BIN_MOD 65536u
#define PIT_BCD_MOD 10000u

/*
 * Minimum counts (datasheet, "Minimum and Maximum Initial Counts"): 2 in
 * modes 2 and 3, where a count of 1 is illegal. We run such a count as 2
 * rather than model an undefined waveform.
 */
#define PIT_MIN_COUNT_PERIODIC 2

/*
 * Port 0x61 bit 4 reflects the DRAM refresh request, which the PC's
 * channel 1 used to issue every 15.085 us (18 input clocks); chipsets keep
 * toggling the bit at that rate. Code that times short delays by counting
 * its toggles (some BIOSes and boot loaders) gets the right time.
 */
#define PIT_REFRESH_TICKS 18

#define PIT_BIOS_CTRL 0x36 /* mode 3, LSB then MSB, binary */

#define PIT_NEVER UINT64_MAX

static uint32_t ch_mod(const struct vpit_channel *c)
{
	return c->bcd ? PIT_BCD_MOD : PIT_BIN_MOD;
}

/* Counted value (0..9999) to the 4 BCD digits the guest reads. */
static uint16_t bcd_encode(uint32_t v)
{
	v %= PIT_BCD_MOD;
	return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/*
 * Guest-written BCD count to its value. Nibbles above 9 are not BCD; the
 * datasheet leaves them undefined, we weigh them like digits and wrap.
 */
static uint32_t bcd_decode(uint16_t raw)
{
	return (((raw >> 12) & 0xF) * 1000u + ((raw >> 8) & 0xF) * 100u + ((raw >> 4) & 0xF) * 10u +
		(raw & 0xF)) %
	       PIT_BCD_MOD;
}

/* Edges counted by CE up to edge k (k >= base_tick). */
static uint64_t ch_d(const struct vpit_channel *c, uint64_t k)
{
	return c->d_base + (c->enabled ? k - c->base_tick : 0);
}

/* Whether the gate lets CE count in the current mode. */
static bool ch_gate_enables(const struct vpit_channel *c)
{
	/* Modes 1 and 5 use the gate only as a trigger. */
	if (c->mode == 1 || c->mode == 5)
		return true;
	return c->gate;
}

/* CR goes into CE at edge t: a new count starts. */
static void ch_load(struct vpit_channel *c, uint64_t t)
{
	c->n = c->cr;
	if ((c->mode == 2 || c->mode == 3) && c->n < PIT_MIN_COUNT_PERIODIC)
		c->n = PIT_MIN_COUNT_PERIODIC;
	c->loaded = true;
	c->load_pending = false;
	c->reload_pending = false;
	c->null_count = false;
	c->d_base = 0;
	c->base_tick = t;
	c->enabled = ch_gate_enables(c);
}

/* Apply the changes due by edge k that happen without any access. */
static void ch_sync(struct vpit_channel *c, uint64_t k)
{
	if (c->load_pending && k >= c->load_tick)
		ch_load(c, c->load_tick);
	if (c->reload_pending && c->loaded && c->enabled && ch_d(c, k) >= c->reload_d)
		ch_load(c, c->base_tick + (c->reload_d - c->d_base));
}

/*
 * Mode 3 count at phase p (0 <= p < n) of the period (datasheet, "Mode 3
 * Square Wave Mode"). Even n: CE starts at n and goes down by 2 per edge in
 * each half. Odd n: CE is loaded with n - 1 and goes down by 2; OUT stays
 * high one edge longer, so the high half is (n + 1) / 2 edges and the low
 * half (n - 1) / 2.
 */
static uint32_t mode3_count(uint32_t n, uint32_t p)
{
	uint32_t high = (n + 1) / 2;

	if (n % 2 == 0)
		return p < n / 2 ? n - 2 * p : n - 2 * (p - n / 2);
	return p < high ? n - 1 - 2 * p : n - 1 - 2 * (p - high);
}

/* CE value at edge k, as a number below the modulus. */
static uint32_t ch_count(const struct vpit_channel *c, uint64_t k)
{
	uint32_t mod = ch_mod(c), n = c->n, v;
	uint64_t d;

	if (!c->loaded)
		return c->frozen % mod;
	d = ch_d(c, k);
	switch (c->mode) {
	case 2:
		v = n - (uint32_t)(d % n);
		break;
	case 3:
		v = mode3_count(n, (uint32_t)(d % n));
		break;
	default:
		/* Modes 0, 1, 4, 5 count down and wrap after terminal count. */
		v = n + mod - (uint32_t)(d % mod);
		break;
	}
	return v % mod;
}

/* OUT at edge k (datasheet, "Mode Definitions" and its waveforms). */
static bool ch_out(const struct vpit_channel *c, uint64_t k)
{
	uint64_t d;
	uint32_t n = c->n;

	/* After a control word OUT is low in mode 0 and high in all others. */
	if (!c->loaded)
		return c->mode != 0;
	d = ch_d(c, k);
	switch (c->mode) {
	case 0: /* high from terminal count on */
	case 1: /* low from the trigger to terminal count */
		return d >= n;
	case 2: /* low for the one edge where the count is 1; gate low forces high */
		return !c->gate || d % n != n - 1;
	case 3: /* high for the first half of each period; gate low forces high */
		return !c->gate || d % n < (n + 1) / 2;
	default: /* modes 4, 5: low for the one edge at terminal count */
		return d != n;
	}
}

/*
 * First edge after s where OUT goes from low to high (PIT_NEVER if none),
 * with no access in between. c must be synced to s.
 */
static uint64_t ch_next_rise(const struct vpit_channel *c, uint64_t s)
{
	struct vpit_channel t = *c;
	uint64_t d;
	uint32_t n;

	if (t.load_pending) {
		bool before = ch_out(&t, s);

		/* Nothing moves while CE waits for its load. */
		s = t.load_tick;
		ch_sync(&t, s);
		if (!before && ch_out(&t, s))
			return s;
	}
	if (!t.loaded || !t.enabled)
		return PIT_NEVER;
	d = ch_d(&t, s);
	n = t.n;
	switch (t.mode) {
	case 0:
	case 1:
		return d < n ? s + (n - d) : PIT_NEVER;
	case 4:
	case 5:
		return d <= n ? s + (n + 1 - d) : PIT_NEVER;
	default:
		/*
		 * Modes 2, 3: OUT rises as each period starts, at every multiple
		 * of n. A pending reload falls on the next multiple too.
		 */
		return s + (n - d % n);
	}
}

/* CR will go into CE on the edge after k (datasheet: "on the next CLK pulse"). */
static void ch_start_load(struct vpit_channel *c, uint64_t k)
{
	c->frozen = ch_count(c, k);
	c->loaded = false;
	c->load_pending = true;
	c->load_tick = k + 1;
	c->reload_pending = false;
}

/* Counting stops: CE keeps its value, OUT takes its mode's initial level. */
static void ch_stop(struct vpit_channel *c, uint64_t k)
{
	c->frozen = ch_count(c, k);
	c->loaded = false;
	c->load_pending = false;
	c->reload_pending = false;
}

/* A control word with RW != 0 for this counter. */
static void ch_program(struct vpit_channel *c, uint8_t cw, uint64_t k)
{
	uint8_t mode = (cw >> PIT_CW_MODE_SHIFT) & 7;

	/* "All control logic is immediately reset" (datasheet, "Write Operations"). */
	ch_stop(c, k);
	c->ctrl = cw & PIT_CW_LOW_MASK;
	c->rw = (cw >> PIT_CW_RW_SHIFT) & 3;
	c->mode = mode > 5 ? mode - 4 : mode; /* modes 6, 7 are 2, 3 */
	c->bcd = cw & PIT_CW_BCD;
	c->write_msb = false;
	c->read_msb = false;
	c->count_latched = false;
	c->status_latched = false;
	c->cr_valid = false;
	c->null_count = true;
}

/* The guest completed writing a count (raw, as written). */
static void ch_write_count(struct vpit_channel *c, uint16_t raw, uint64_t k)
{
	uint32_t v = c->bcd ? bcd_decode(raw) : raw;

	c->cr = v ? v : ch_mod(c);
	c->cr_valid = true;
	c->null_count = true;
	switch (c->mode) {
	case 0: /* a new count restarts the counter on the next edge */
	case 4:
		ch_start_load(c, k);
		break;
	case 2:
	case 3:
		if (!c->loaded && !c->load_pending) {
			ch_start_load(c, k); /* the first count after a control word */
		} else if (c->loaded && !c->reload_pending) {
			/* A running period is not disturbed: the new count
			 * starts with the next period. */
			c->reload_pending = true;
			c->reload_d = (ch_d(c, k) / c->n + 1) * c->n;
		}
		/* A pending load picks up the latest CR by itself. */
		break;
	default:
		/* Modes 1, 5: the count waits for a gate trigger. */
		break;
	}
}

static void ch_set_gate(struct vpit_channel *c, bool level, uint64_t k)
{
	if (c->gate == level)
		return;
	c->gate = level;
	switch (c->mode) {
	case 0: /* gate low suspends counting, high resumes it */
	case 4:
		if (!c->loaded)
			break;
		if (!level) {
			c->d_base = ch_d(c, k);
			c->enabled = false;
		} else {
			c->base_tick = k;
			c->enabled = true;
		}
		break;
	case 2: /* gate low stops counting (OUT high), a rising gate restarts */
	case 3:
		if (!level) {
			if (c->loaded) {
				c->d_base = ch_d(c, k);
				c->enabled = false;
			}
		} else if (c->cr_valid) {
			ch_start_load(c, k);
		}
		break;
	default: /* modes 1, 5: a rising gate (re)triggers */
		if (level && c->cr_valid)
			ch_start_load(c, k);
		break;
	}
}

static uint16_t ch_encoded_count(const struct vpit_channel *c, uint64_t k)
{
	uint32_t v = ch_count(c, k);

	return c->bcd ? bcd_encode(v) : (uint16_t)v;
}

static void ch_latch_count(struct vpit_channel *c, uint64_t k)
{
	/* Later latches are ignored until the latched count is read. */
	if (c->count_latched)
		return;
	c->latch = ch_encoded_count(c, k);
	c->count_latched = true;
}

static void ch_latch_status(struct vpit_channel *c, uint64_t k)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((ch_out(c, k) ? PIT_ST_OUT : 0) |
			      (c->null_count ? PIT_ST_NULL_COUNT : 0) | c->ctrl);
	c->status_latched = true;
}

static uint8_t ch_read(struct vpit_channel *c, uint64_t k)
{
	uint16_t v;
	bool latched = c->count_latched;
	bool msb;

	/* Status comes first if both were latched (datasheet, "Read-Back Command"). */
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = latched ? c->latch : ch_encoded_count(c, k);
	if (c->rw == PIT_RW_WORD) {
		msb = c->read_msb;
		c->read_msb = !msb;
		if (msb)
			c->count_latched = false;
	} else {
		msb = c->rw == PIT_RW_MSB;
		c->count_latched = false;
	}
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static void ch_write(struct vpit_channel *c, uint8_t val, uint64_t k)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		ch_write_count(c, val, k);
		break;
	case PIT_RW_MSB:
		ch_write_count(c, (uint16_t)(val << 8), k);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = val;
			c->write_msb = true;
			/* Mode 0: "writing the first byte disables counting". */
			if (c->mode == 0)
				ch_stop(c, k);
		} else {
			c->write_msb = false;
			ch_write_count(c, (uint16_t)(c->write_lsb | val << 8), k);
		}
		break;
	}
}

static void pit_set_line(struct vpit *p, bool level)
{
	if (p->irq_level == level)
		return;
	p->irq_level = level;
	irq_sink_set(&p->sink, VPIT_IRQ_LINE, level);
}

/*
 * Bring every channel to now_ns and report channel 0's OUT. Returns the edge
 * count at which the caller acts.
 */
static uint64_t pit_sync(struct vpit *p, uint64_t now_ns)
{
	uint64_t k = vtime_ns_to_ticks(now_ns, VPIT_HZ);
	uint64_t rise = ch_next_rise(&p->ch[0], p->tick);
	unsigned int i;

	if (k < p->tick)
		k = p->tick;
	for (i = 0; i < VPIT_CHANNELS; i++)
		ch_sync(&p->ch[i], k);
	p->tick = k;
	if (rise <= k) {
		/* Show the sink an edge even if OUT was low only in between. */
		if (p->irq_level)
			irq_sink_set(&p->sink, VPIT_IRQ_LINE, false);
		irq_sink_set(&p->sink, VPIT_IRQ_LINE, true);
		p->irq_level = true;
		p->irq_edges++;
	}
	pit_set_line(p, ch_out(&p->ch[0], k));
	return k;
}

void vpit_init(struct vpit *p, const struct irq_sink *sink, uint64_t now_ns)
{
	uint64_t k = vtime_ns_to_ticks(now_ns, VPIT_HZ);
	unsigned int i;

	memset(p, 0, sizeof(*p));
	if (sink)
		p->sink = *sink;
	p->tick = k;
	for (i = 0; i < VPIT_CHANNELS; i++) {
		struct vpit_channel *c = &p->ch[i];

		/* Channels 0 and 1 have their gates tied high on a PC. */
		c->gate = i != 2;
		ch_program(c, PIT_BIOS_CTRL, k);
		c->cr = PIT_BIN_MOD;
		c->cr_valid = true;
		ch_load(c, k);
	}
	pit_set_line(p, ch_out(&p->ch[0], k));
}

bool vpit_claims_port(uint16_t port)
{
	return (port >= VPIT_PORT_CH0 && port <= VPIT_PORT_CTRL) || port == VPIT_PORT_NMI_SC;
}

uint8_t vpit_io_read(struct vpit *p, uint16_t port, uint64_t now_ns)
{
	uint64_t k = pit_sync(p, now_ns);
	uint8_t val;

	switch (port) {
	case VPIT_PORT_CH0:
	case VPIT_PORT_CH1:
	case VPIT_PORT_CH2:
		return ch_read(&p->ch[port - VPIT_PORT_CH0], k);
	case VPIT_PORT_NMI_SC:
		val = p->port61 & VPIT_P61_WRITABLE;
		if ((k / PIT_REFRESH_TICKS) & 1)
			val |= VPIT_P61_REFRESH;
		if (ch_out(&p->ch[2], k))
			val |= VPIT_P61_OUT2;
		/* Bits 7:6 (SERR#, IOCHK# NMI sources) stay 0: none here. */
		return val;
	default:
		return 0xFF; /* the control word register is write-only */
	}
}

static void pit_write_ctrl(struct vpit *p, uint8_t cw, uint64_t k)
{
	unsigned int sc = cw >> PIT_CW_SC_SHIFT, i;

	if (sc == PIT_SC_READBACK) {
		for (i = 0; i < VPIT_CHANNELS; i++) {
			if (!(cw & PIT_RB_CNT(i)))
				continue;
			if (!(cw & PIT_RB_NO_COUNT))
				ch_latch_count(&p->ch[i], k);
			if (!(cw & PIT_RB_NO_STATUS))
				ch_latch_status(&p->ch[i], k);
		}
	} else if (((cw >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH) {
		ch_latch_count(&p->ch[sc], k);
	} else {
		ch_program(&p->ch[sc], cw, k);
	}
}

void vpit_io_write(struct vpit *p, uint16_t port, uint8_t val, uint64_t now_ns)
{
	uint64_t k = pit_sync(p, now_ns);

	switch (port) {
	case VPIT_PORT_CH0:
	case VPIT_PORT_CH1:
	case VPIT_PORT_CH2:
		ch_write(&p->ch[port - VPIT_PORT_CH0], val, k);
		break;
	case VPIT_PORT_CTRL:
		pit_write_ctrl(p, val, k);
		break;
	case VPIT_PORT_NMI_SC:
		p->port61 = val & VPIT_P61_WRITABLE;
		ch_set_gate(&p->ch[2], val & VPIT_P61_GATE2, k);
		break;
	default:
		break;
	}
	/* A control word can move OUT at once (e.g. mode 0 drives it low). */
	pit_set_line(p, ch_out(&p->ch[0], k));
}

uint64_t vpit_next_event(const struct vpit *p, uint64_t now_ns)
{
	uint64_t rise = ch_next_rise(&p->ch[0], p->tick);

	if (rise == PIT_NEVER)
		return VTIME_NEVER;
	return vtime_ticks_to_ns(rise, VPIT_HZ);
}

void vpit_advance(struct vpit *p, uint64_t now_ns)
{
	pit_sync(p, now_ns);
}
