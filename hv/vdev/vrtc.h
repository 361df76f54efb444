/* SPDX-License-Identifier: MIT */
/*
 * The Motorola MC146818A real-time clock and its 128 bytes of CMOS RAM, at
 * the PC's index port 0x70 (bit 7: NMI disable) and data port 0x71.
 *
 * Time base. The clock counts seconds on a Unix-style scale (seconds since
 * 1970-01-01 00:00:00, no leap seconds) in whatever zone the guest keeps
 * its RTC; the hypervisor seeds it with UTC. While the divider runs
 * (register A DV = 010) the 32.768 kHz divider chain is a grid anchored at
 * origin_ns: the update cycle of second j happens at origin_ns + j s, the
 * periodic interrupt at each multiple of its period in 32.768 kHz ticks from
 * the same origin. The time registers are computed from guest time when
 * read; while the clock is stopped (SET = 1 or the divider not running) they
 * are plain bytes the guest can write, parsed back into the time base when
 * the clock restarts. Flags (register C) are evaluated lazily for the span
 * since the last call, so no periodic tick or update is ever lost.
 *
 * Update cycle. UIP (register A bit 7) reads 1 during the 244 us (8 ticks of
 * 32.768 kHz, the datasheet's tBUC) before each update; the update itself is
 * instantaneous at the second boundary, so when UIP reads 0 the registers
 * are always consistent (the chip's 1984 us update cycle is folded away).
 *
 * Interrupt line. Line VRTC_IRQ_LINE of the sink follows IRQF (register C
 * bit 7): asserted while any flag is set together with its enable, lowered
 * when register C is read (read-to-clear). This is the chip's IRQ# pin,
 * which stays active until C is read. On a PC, IRQ 8 is edge-triggered at
 * the PIC and the IO-APIC: the hypervisor should raise an interrupt on a
 * low-to-high transition of this line only. Since the line stays high until
 * the guest reads C, a guest that does not read C gets no further
 * interrupts, exactly as on real hardware.
 *
 * Documented simplifications: the day-of-week register is derived from the
 * date (a value the guest writes is replaced when the clock restarts); DSE
 * (daylight saving) is stored but never applied (PC OSes keep it 0);
 * divider values other than 010 stop the clock (a PC has a 32.768 kHz
 * crystal), and leaving any of them for 010 starts the first update half a
 * second later, as the datasheet says for leaving the reset values 11x;
 * time values out of range when the clock restarts are clamped.
 *
 * Contract for the hypervisor: as for the PIT (vpit.h): call
 * vrtc_next_event() after each port access and vrtc_advance(), and call
 * vrtc_advance() at the deadline. now_ns must be below 2^63 and must not go
 * backwards. Calls are serialized by the caller.
 */
#ifndef VDEV_VRTC_H
#define VDEV_VRTC_H

#include "lib/compiler.h"
#include "vdev/irq.h"

#define VRTC_PORT_INDEX	 0x70
#define VRTC_PORT_DATA	 0x71
#define VRTC_IRQ_LINE	 8 /* ISA IRQ 8 */
#define VRTC_CMOS_SIZE	 128
#define VRTC_INDEX_MASK	 0x7F
#define VRTC_NMI_DISABLE 0x80 /* bit 7 of a write to port 0x70 */

/* Clock registers (MC146818A, "Address Map"). */
#define VRTC_SECONDS	0x00
#define VRTC_SECONDS_AL 0x01
#define VRTC_MINUTES	0x02
#define VRTC_MINUTES_AL 0x03
#define VRTC_HOURS	0x04
#define VRTC_HOURS_AL	0x05
#define VRTC_WEEKDAY	0x06 /* 1..7, Sunday = 1 */
#define VRTC_MDAY	0x07
#define VRTC_MONTH	0x08
#define VRTC_YEAR	0x09
#define VRTC_REG_A	0x0A
#define VRTC_REG_B	0x0B
#define VRTC_REG_C	0x0C
#define VRTC_REG_D	0x0D
/* PC CMOS RAM. */
#define VRTC_SHUTDOWN	0x0F /* shutdown status (0 = normal POST) */
#define VRTC_FLOPPY	0x10 /* floppy drive types (0 = none) */
#define VRTC_EQUIPMENT	0x14
#define VRTC_BASEMEM_LO 0x15 /* base memory in KiB */
#define VRTC_BASEMEM_HI 0x16
#define VRTC_EXTMEM_LO	0x17 /* memory above 1 MiB in KiB (to 64 MiB) */
#define VRTC_EXTMEM_HI	0x18
#define VRTC_CSUM_HI	0x2E /* sum of bytes 0x10-0x2D */
#define VRTC_CSUM_LO	0x2F
#define VRTC_EXTMEM2_LO 0x30 /* copy of 0x17-0x18 */
#define VRTC_EXTMEM2_HI 0x31
#define VRTC_CENTURY	0x32 /* ACPI FADT CENTURY field points here */
#define VRTC_MEM16M_LO	0x34 /* memory above 16 MiB in 64 KiB units */
#define VRTC_MEM16M_HI	0x35
#define VRTC_MEM4G_LO	0x5B /* memory above 4 GiB in 64 KiB units */
#define VRTC_MEM4G_MID	0x5C
#define VRTC_MEM4G_HI	0x5D

/* Register A. */
#define VRTC_A_UIP     0x80
#define VRTC_A_DV_MASK 0x70
#define VRTC_A_DV_32K  0x20 /* 010: 32.768 kHz time base, running */
#define VRTC_A_RS_MASK 0x0F
/* Register B. */
#define VRTC_B_SET    0x80
#define VRTC_B_PIE    0x40
#define VRTC_B_AIE    0x20
#define VRTC_B_UIE    0x10
#define VRTC_B_SQWE   0x08
#define VRTC_B_DM_BIN 0x04
#define VRTC_B_24H    0x02
#define VRTC_B_DSE    0x01
/* Register C. */
#define VRTC_C_IRQF 0x80
#define VRTC_C_PF   0x40
#define VRTC_C_AF   0x20
#define VRTC_C_UF   0x10
/* Register D. */
#define VRTC_D_VRT 0x80
/* Hours in 12-hour mode. */
#define VRTC_HOUR_PM 0x80

/* A broken-down time, as the RTC's registers hold it. */
struct vrtc_tm {
	int32_t year; /* e.g. 2024 */
	uint8_t mon;  /* 1..12 */
	uint8_t mday; /* 1..31 */
	uint8_t hour; /* 0..23 */
	uint8_t min;
	uint8_t sec;
	uint8_t wday; /* 0..6, Sunday = 0 */
};

struct vrtc {
	uint8_t cmos[VRTC_CMOS_SIZE]; /* time registers valid only while stopped */
	uint8_t index;
	bool nmi_disabled;
	uint8_t flags;	   /* register C: PF, AF, UF */
	bool irq_level;	   /* level last given to the sink */
	int64_t origin_ns; /* divider grid origin (may be < 0) */
	int64_t base_sec;  /* clock value at origin_ns while counting */
	uint64_t sync_ns;  /* flags evaluated up to here */
	struct irq_sink sink;
};

/*
 * Reset r: the clock reads wall_sec (Unix seconds, UTC) at guest time
 * now_ns and counts from there (A = 0x26, B = 0x02: BCD, 24 hours, no
 * interrupts); CMOS RAM holds a PC's defaults (no floppy, FPU present).
 * sink may be NULL.
 */
void vrtc_init(struct vrtc *r, const struct irq_sink *sink, int64_t wall_sec, uint64_t now_ns);

/*
 * Set CMOS RAM byte index (memory sizes, equipment, ...) before the guest
 * runs; keeps the 0x2E-0x2F checksum of bytes 0x10-0x2D current. Returns 0,
 * or -EINVAL for the clock registers (0x00-0x0D, 0x32) and index >= 128.
 */
int vrtc_set_cmos(struct vrtc *r, uint8_t index, uint8_t value);

/* Whether port belongs to the RTC (0x70, 0x71). */
bool vrtc_claims_port(uint16_t port);

/*
 * Byte accesses of the guest. Port 0x70 is write-only on a PC and reads as
 * 0xFF; a write keeps bit 7 as the NMI mask and bits 6:0 as the index.
 */
uint8_t vrtc_io_read(struct vrtc *r, uint16_t port, uint64_t now_ns);
void vrtc_io_write(struct vrtc *r, uint16_t port, uint8_t val, uint64_t now_ns);

/* Whether the guest has masked NMIs through port 0x70 bit 7. */
bool vrtc_nmi_disabled(const struct vrtc *r);

/* The clock's value in seconds at now_ns (the registers, when stopped). */
int64_t vrtc_time(const struct vrtc *r, uint64_t now_ns);

/*
 * Absolute guest time at which the line may next rise (periodic tick, update
 * or alarm, for the enabled ones), VTIME_NEVER if none or if the line is
 * already up; a value <= now_ns means "due now".
 */
uint64_t vrtc_next_event(const struct vrtc *r, uint64_t now_ns);

/* Bring flags to now_ns and drive the line. */
void vrtc_advance(struct vrtc *r, uint64_t now_ns);

/* Calendar conversions (proleptic Gregorian; any year 0..9999). */
void vrtc_unix_to_tm(int64_t t, struct vrtc_tm *tm);
int64_t vrtc_tm_to_unix(const struct vrtc_tm *tm);

#endif
