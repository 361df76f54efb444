/* SPDX-License-Identifier: MIT */
/*
 * MC146818A RTC and PC CMOS emulation (Motorola MC146818A data sheet), see
 * vrtc.h for the model. Section names below are the data sheet's.
 */
#include "vdev/vrtc.h"
#include "vdev/vpmtimer.h"
#include "lib/errno.h"
#include "lib/string.h"

#define RTC_HZ 32768u /* the PC's time-base crystal */
/*
 * "Update Cycle": UIP goes high tBUC = 244 us before the update, which is 8
 * periods of the 32.768 kHz time base (244.140625 us).
 */
#define RTC_UIP_TICKS 8u
/* "Divider Control": after leaving reset, the first update is 500 ms later. */
#define RTC_DV_START_NS 500000000ll

#define RTC_A_RESET	0x26 /* DV 010, 1024 Hz periodic rate: a BIOS's choice */
#define RTC_B_RESET	VRTC_B_24H
#define RTC_EQUIP_FPU	0x02 /* equipment byte: math coprocessor present */
#define RTC_BASEMEM_KIB 640
#define RTC_FLAGS_MASK	(VRTC_C_PF | VRTC_C_AF | VRTC_C_UF)
/* B's PIE, AIE, UIE sit at the same bits as C's PF, AF, UF. */
BUILD_ASSERT(VRTC_B_PIE == VRTC_C_PF && VRTC_B_AIE == VRTC_C_AF && VRTC_B_UIE == VRTC_C_UF);

/* "Alarm": a value of 11xxxxxx in an alarm register matches any time. */
#define RTC_ALARM_DONT_CARE 0xC0
#define RTC_ALARM_ANY	    (-1)
#define RTC_ALARM_NONE	    (-2)

#define SECS_PER_MIN  60
#define SECS_PER_HOUR 3600
#define SECS_PER_DAY  86400
#define DAYS_PER_400Y 146097
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define DAYS_0000_TO_UNIX 719468
#define UNIX_EPOCH_WDAY	  4 /* 1970-01-01 was a Thursday */
/* The registers can show years 0000 to 9999 (century byte 00-99). */
#define RTC_MIN_SEC   (-62167219200ll) /* 0000-01-01 00:00:00 */
#define RTC_MAX_SEC   253402300799ll   /* 9999-12-31 23:59:59 */
#define RTC_NEVER_SEC INT64_MAX

/* The time registers: the clock's own and the PC's century byte. */
static const uint8_t rtc_time_regs[] = {VRTC_SECONDS, VRTC_MINUTES, VRTC_HOURS, VRTC_WEEKDAY,
					VRTC_MDAY,    VRTC_MONTH,   VRTC_YEAR,	VRTC_CENTURY};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int days_in_month(int64_t y, unsigned int m)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Calendar arithmetic after H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms": count years from March so that the leap day is the last day
 * of a year, then a 400-year era has exactly 146097 days and the day of the
 * year follows from the month by a linear formula (153 days per 5 months).
 */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = (unsigned int)(y - era * 400);		       /* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	       /* 0..146096 */
	return era * DAYS_PER_400Y + (int64_t)doe - DAYS_0000_TO_UNIX;
}

static void civil_from_days(int64_t z, struct vrtc_tm *tm)
{
	int64_t era;
	unsigned int doe, yoe, doy, mp;

	z += DAYS_0000_TO_UNIX;
	era = floor_div(z, DAYS_PER_400Y);
	doe = (unsigned int)(z - era * DAYS_PER_400Y);
	/* Undo the 4-, 100- and 400-year leap days to find the year of the era. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* month counted from March */
	tm->mday = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int32_t)(era * 400 + yoe + (tm->mon <= 2));
}

void vrtc_unix_to_tm(int64_t t, struct vrtc_tm *tm)
{
	int64_t days = floor_div(t, SECS_PER_DAY);
	int64_t sod = t - days * SECS_PER_DAY;

	civil_from_days(days, tm);
	tm->hour = (uint8_t)(sod / SECS_PER_HOUR);
	tm->min = (uint8_t)(sod / SECS_PER_MIN % 60);
	tm->sec = (uint8_t)(sod % SECS_PER_MIN);
	tm->wday = (uint8_t)(days + UNIX_EPOCH_WDAY - floor_div(days + UNIX_EPOCH_WDAY, 7) * 7);
}

int64_t vrtc_tm_to_unix(const struct vrtc_tm *tm)
{
	return days_from_civil(tm->year, tm->mon, tm->mday) * SECS_PER_DAY +
	       tm->hour * SECS_PER_HOUR + tm->min * SECS_PER_MIN + tm->sec;
}

/* Register B decides the format: DM (binary or BCD) and 24/12 hours. */
static bool rtc_binary(const struct vrtc *r)
{
	return r->cmos[VRTC_REG_B] & VRTC_B_DM_BIN;
}

static uint8_t to_reg(const struct vrtc *r, unsigned int v)
{
	return (uint8_t)(rtc_binary(r) ? v : (v / 10) << 4 | (v % 10));
}

/* A register byte to its value; BCD with digits above 9 weighs them anyway. */
static unsigned int from_reg(const struct vrtc *r, uint8_t b)
{
	return rtc_binary(r) ? b : (b >> 4) * 10u + (b & 0xF);
}

static uint8_t hour_to_reg(const struct vrtc *r, unsigned int h)
{
	unsigned int h12 = h % 12 ? h % 12 : 12;

	if (r->cmos[VRTC_REG_B] & VRTC_B_24H)
		return to_reg(r, h);
	/* "Hours" in 12-hour mode: 1..12 with bit 7 set for PM. */
	return (uint8_t)(to_reg(r, h12) | (h >= 12 ? VRTC_HOUR_PM : 0));
}

/* An hours byte as 0..23, or -1 if it does not name an hour. */
static int hour_from_reg(const struct vrtc *r, uint8_t b)
{
	unsigned int v;

	if (r->cmos[VRTC_REG_B] & VRTC_B_24H) {
		v = from_reg(r, b);
		return v <= 23 ? (int)v : -1;
	}
	v = from_reg(r, b & ~VRTC_HOUR_PM);
	if (v < 1 || v > 12)
		return -1;
	return (int)(v % 12 + (b & VRTC_HOUR_PM ? 12 : 0));
}

static unsigned int clamp_u(unsigned int v, unsigned int lo, unsigned int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The byte that time register idx holds for the broken-down time tm. */
static uint8_t rtc_field(const struct vrtc *r, const struct vrtc_tm *tm, uint8_t idx)
{
	switch (idx) {
	case VRTC_SECONDS:
		return to_reg(r, tm->sec);
	case VRTC_MINUTES:
		return to_reg(r, tm->min);
	case VRTC_HOURS:
		return hour_to_reg(r, tm->hour);
	case VRTC_WEEKDAY:
		return to_reg(r, tm->wday + 1u);
	case VRTC_MDAY:
		return to_reg(r, tm->mday);
	case VRTC_MONTH:
		return to_reg(r, tm->mon);
	case VRTC_YEAR:
		return to_reg(r, (unsigned int)tm->year % 100);
	default: /* VRTC_CENTURY */
		return to_reg(r, (unsigned int)tm->year / 100);
	}
}

static bool is_time_reg(uint8_t idx)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtc_time_regs); i++)
		if (rtc_time_regs[i] == idx)
			return true;
	return false;
}

/* A clock value limited to what the registers can show. */
static int64_t clamp_sec(int64_t t)
{
	if (t < RTC_MIN_SEC)
		return RTC_MIN_SEC;
	return t > RTC_MAX_SEC ? RTC_MAX_SEC : t;
}

static void clock_to_tm(int64_t t, struct vrtc_tm *tm)
{
	vrtc_unix_to_tm(clamp_sec(t), tm);
}

/* Write the time t into the time registers, in the current format. */
static void rtc_store_time(struct vrtc *r, int64_t t)
{
	struct vrtc_tm tm;
	unsigned int i;

	clock_to_tm(t, &tm);
	for (i = 0; i < ARRAY_SIZE(rtc_time_regs); i++)
		r->cmos[rtc_time_regs[i]] = rtc_field(r, &tm, rtc_time_regs[i]);
}

/* The time the registers hold; out-of-range fields are clamped. */
static int64_t rtc_parse_time(const struct vrtc *r)
{
	struct vrtc_tm tm = {0};
	const uint8_t *c = r->cmos;
	uint8_t hb = c[VRTC_HOURS];
	unsigned int h;

	tm.sec = (uint8_t)clamp_u(from_reg(r, c[VRTC_SECONDS]), 0, 59);
	tm.min = (uint8_t)clamp_u(from_reg(r, c[VRTC_MINUTES]), 0, 59);
	if (r->cmos[VRTC_REG_B] & VRTC_B_24H) {
		h = clamp_u(from_reg(r, hb), 0, 23);
	} else {
		h = clamp_u(from_reg(r, hb & ~VRTC_HOUR_PM), 1, 12) % 12;
		h += hb & VRTC_HOUR_PM ? 12 : 0;
	}
	tm.hour = (uint8_t)h;
	tm.year = (int32_t)(clamp_u(from_reg(r, c[VRTC_CENTURY]), 0, 99) * 100 +
			    clamp_u(from_reg(r, c[VRTC_YEAR]), 0, 99));
	tm.mon = (uint8_t)clamp_u(from_reg(r, c[VRTC_MONTH]), 1, 12);
	tm.mday = (uint8_t)clamp_u(from_reg(r, c[VRTC_MDAY]), 1, days_in_month(tm.year, tm.mon));
	return vrtc_tm_to_unix(&tm);
}

static bool div_running(const struct vrtc *r)
{
	return (r->cmos[VRTC_REG_A] & VRTC_A_DV_MASK) == VRTC_A_DV_32K;
}

/* The clock advances: divider running and no SET ("Register B", SET). */
static bool rtc_counting(const struct vrtc *r)
{
	return div_running(r) && !(r->cmos[VRTC_REG_B] & VRTC_B_SET);
}

static uint64_t since_origin(const struct vrtc *r, uint64_t now_ns)
{
	return (uint64_t)((int64_t)now_ns - r->origin_ns);
}

/* 32.768 kHz periods since the origin. */
static uint64_t div_ticks(const struct vrtc *r, uint64_t now_ns)
{
	return vtime_ns_to_ticks(since_origin(r, now_ns), RTC_HZ);
}

/* Guest time of divider tick c. */
static uint64_t div_tick_ns(const struct vrtc *r, uint64_t c)
{
	uint64_t ns = vtime_ticks_to_ns(c, RTC_HZ);

	if (ns == VTIME_NEVER || ns > (uint64_t)INT64_MAX - (uint64_t)r->origin_ns)
		return VTIME_NEVER;
	return (uint64_t)(r->origin_ns + (int64_t)ns);
}

static int64_t clock_sec(const struct vrtc *r, uint64_t now_ns)
{
	return r->base_sec + (int64_t)(since_origin(r, now_ns) / VTIME_NS_PER_SEC);
}

/* The registers become the running clock again at now_ns. */
static void rtc_thaw(struct vrtc *r, uint64_t now_ns)
{
	r->base_sec = rtc_parse_time(r) - (int64_t)(since_origin(r, now_ns) / VTIME_NS_PER_SEC);
}

/*
 * Periodic interrupt period in divider ticks ("Table 5, Periodic Interrupt
 * Rate"): rates 3..15 give 32768 >> (rate - 1) Hz; with a 32.768 kHz time
 * base, rates 1 and 2 repeat rates 8 and 9 (256 and 128 Hz); 0 is off.
 */
static uint32_t periodic_ticks(const struct vrtc *r)
{
	unsigned int rs = r->cmos[VRTC_REG_A] & VRTC_A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 1u << (rs + 6);
	return 1u << (rs - 1);
}

/* An alarm byte as the value it wants, ANY, or NONE if it can never match. */
static int alarm_field(const struct vrtc *r, uint8_t b, unsigned int max)
{
	unsigned int v;

	if (b >= RTC_ALARM_DONT_CARE)
		return RTC_ALARM_ANY;
	v = from_reg(r, b);
	return v <= max ? (int)v : RTC_ALARM_NONE;
}

/* Smallest minute * 60 + second above after (-1: none yet) that matches. */
static int alarm_in_hour(int want_m, int want_s, int after)
{
	int m;

	for (m = after < 0 ? 0 : after / SECS_PER_MIN; m < 60; m++) {
		int lo = after >= 0 && m == after / SECS_PER_MIN ? after % SECS_PER_MIN + 1 : 0;

		if (want_m >= 0 && m != want_m)
			continue;
		if (want_s < 0 && lo < 60)
			return m * SECS_PER_MIN + lo;
		if (want_s >= lo)
			return m * SECS_PER_MIN + want_s;
	}
	return -1;
}

/*
 * The first clock value after s0 whose hours, minutes and seconds match the
 * alarm registers ("Alarm": compared at every update), RTC_NEVER_SEC if
 * none. The alarm repeats daily at the latest, so 25 hours are enough.
 */
static int64_t rtc_next_alarm(const struct vrtc *r, int64_t s0)
{
	int ws = alarm_field(r, r->cmos[VRTC_SECONDS_AL], 59);
	int wm = alarm_field(r, r->cmos[VRTC_MINUTES_AL], 59);
	uint8_t hb = r->cmos[VRTC_HOURS_AL];
	int wh = hb >= RTC_ALARM_DONT_CARE ? RTC_ALARM_ANY : hour_from_reg(r, hb);
	int64_t day = floor_div(s0, SECS_PER_DAY), tod = s0 - day * SECS_PER_DAY;
	int cur_h = (int)(tod / SECS_PER_HOUR), i;

	/* An hours byte that names no hour (hour_from_reg() < 0) never matches. */
	if (hb < RTC_ALARM_DONT_CARE && wh < 0)
		return RTC_NEVER_SEC;
	if (ws == RTC_ALARM_NONE || wm == RTC_ALARM_NONE)
		return RTC_NEVER_SEC;
	for (i = 0; i <= 24; i++) {
		int h = cur_h + i, ms;

		if (wh >= 0 && h % 24 != wh)
			continue;
		ms = alarm_in_hour(wm, ws, i == 0 ? (int)(tod % SECS_PER_HOUR) : -1);
		if (ms >= 0)
			return day * SECS_PER_DAY + (int64_t)h * SECS_PER_HOUR + ms;
	}
	return RTC_NEVER_SEC;
}

/*
 * Set the flags of register C for everything that happened in
 * (sync_ns, now_ns]: periodic ticks while the divider runs, and update
 * cycles (UF) and alarm matches (AF) while the clock counts.
 */
static void rtc_sync(struct vrtc *r, uint64_t now_ns)
{
	uint64_t c0, c1;
	uint32_t per;

	if (now_ns <= r->sync_ns)
		return;
	if (div_running(r)) {
		c0 = div_ticks(r, r->sync_ns);
		c1 = div_ticks(r, now_ns);
		per = periodic_ticks(r);
		if (per && c1 / per > c0 / per)
			r->flags |= VRTC_C_PF;
		if (!(r->cmos[VRTC_REG_B] & VRTC_B_SET) && c1 / RTC_HZ > c0 / RTC_HZ) {
			int64_t s0 = r->base_sec + (int64_t)(c0 / RTC_HZ);
			int64_t s1 = r->base_sec + (int64_t)(c1 / RTC_HZ);

			r->flags |= VRTC_C_UF;
			if (rtc_next_alarm(r, s0) <= s1)
				r->flags |= VRTC_C_AF;
		}
	}
	r->sync_ns = now_ns;
}

static uint64_t rtc_begin(struct vrtc *r, uint64_t now_ns)
{
	if (now_ns < r->sync_ns)
		now_ns = r->sync_ns;
	rtc_sync(r, now_ns);
	return now_ns;
}

/* "Register C", IRQF: a flag together with its enable bit in B. */
static bool rtc_irqf(const struct vrtc *r)
{
	return (r->flags & r->cmos[VRTC_REG_B] & RTC_FLAGS_MASK) != 0;
}

static void rtc_update_line(struct vrtc *r)
{
	bool level = rtc_irqf(r);

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	irq_sink_set(&r->sink, VRTC_IRQ_LINE, level);
}

/* A write to register A or B: new values a and b at now_ns. */
static void rtc_write_control(struct vrtc *r, uint8_t a, uint8_t b, uint64_t now_ns)
{
	bool was = rtc_counting(r), div_was = div_running(r);
	bool will = (a & VRTC_A_DV_MASK) == VRTC_A_DV_32K && !(b & VRTC_B_SET);

	/* Freeze the registers in the format they were counting in. */
	if (was && !will)
		rtc_store_time(r, clock_sec(r, now_ns));
	r->cmos[VRTC_REG_A] = a;
	r->cmos[VRTC_REG_B] = b;
	if (!div_was && div_running(r))
		r->origin_ns = (int64_t)now_ns + RTC_DV_START_NS - (int64_t)VTIME_NS_PER_SEC;
	if (!was && will)
		rtc_thaw(r, now_ns);
}

static void rtc_checksum(struct vrtc *r)
{
	unsigned int sum = 0, i;

	for (i = VRTC_FLOPPY; i < VRTC_CSUM_HI; i++)
		sum += r->cmos[i];
	r->cmos[VRTC_CSUM_HI] = (uint8_t)(sum >> 8);
	r->cmos[VRTC_CSUM_LO] = (uint8_t)sum;
}

void vrtc_init(struct vrtc *r, const struct irq_sink *sink, int64_t wall_sec, uint64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	if (sink)
		r->sink = *sink;
	r->cmos[VRTC_REG_A] = RTC_A_RESET;
	r->cmos[VRTC_REG_B] = RTC_B_RESET;
	r->cmos[VRTC_SHUTDOWN] = 0;
	r->cmos[VRTC_FLOPPY] = 0;
	r->cmos[VRTC_EQUIPMENT] = RTC_EQUIP_FPU;
	r->cmos[VRTC_BASEMEM_LO] = (uint8_t)RTC_BASEMEM_KIB;
	r->cmos[VRTC_BASEMEM_HI] = (uint8_t)(RTC_BASEMEM_KIB >> 8);
	rtc_checksum(r);
	/* The wall clock is taken to have just ticked at now_ns. */
	r->origin_ns = (int64_t)now_ns;
	r->base_sec = clamp_sec(wall_sec);
	r->sync_ns = now_ns;
}

int vrtc_set_cmos(struct vrtc *r, uint8_t index, uint8_t value)
{
	if (index >= VRTC_CMOS_SIZE || index <= VRTC_REG_D || index == VRTC_CENTURY)
		return -EINVAL;
	r->cmos[index] = value;
	if (index >= VRTC_FLOPPY && index < VRTC_CSUM_HI)
		rtc_checksum(r);
	return 0;
}

bool vrtc_claims_port(uint16_t port)
{
	return port == VRTC_PORT_INDEX || port == VRTC_PORT_DATA;
}

bool vrtc_nmi_disabled(const struct vrtc *r)
{
	return r->nmi_disabled;
}

int64_t vrtc_time(const struct vrtc *r, uint64_t now_ns)
{
	if (!rtc_counting(r))
		return rtc_parse_time(r);
	return clock_sec(r, now_ns < r->sync_ns ? r->sync_ns : now_ns);
}

uint8_t vrtc_io_read(struct vrtc *r, uint16_t port, uint64_t now_ns)
{
	uint8_t idx = r->index, val;
	struct vrtc_tm tm;

	if (port != VRTC_PORT_DATA)
		return 0xFF;
	now_ns = rtc_begin(r, now_ns);
	switch (idx) {
	case VRTC_REG_A:
		val = r->cmos[VRTC_REG_A] & ~VRTC_A_UIP;
		if (rtc_counting(r) && div_ticks(r, now_ns) % RTC_HZ >= RTC_HZ - RTC_UIP_TICKS)
			val |= VRTC_A_UIP;
		break;
	case VRTC_REG_C:
		/* "Register C": reading returns the flags and clears them all. */
		val = (uint8_t)(r->flags | (rtc_irqf(r) ? VRTC_C_IRQF : 0));
		r->flags = 0;
		break;
	case VRTC_REG_D:
		val = VRTC_D_VRT; /* the RAM and time are valid: no dead battery */
		break;
	default:
		if (is_time_reg(idx) && rtc_counting(r)) {
			clock_to_tm(clock_sec(r, now_ns), &tm);
			val = rtc_field(r, &tm, idx);
		} else {
			val = r->cmos[idx];
		}
		break;
	}
	rtc_update_line(r);
	return val;
}

void vrtc_io_write(struct vrtc *r, uint16_t port, uint8_t val, uint64_t now_ns)
{
	uint8_t idx = r->index, b;

	if (port == VRTC_PORT_INDEX) {
		r->index = val & VRTC_INDEX_MASK;
		r->nmi_disabled = val & VRTC_NMI_DISABLE;
		return;
	}
	if (port != VRTC_PORT_DATA)
		return;
	now_ns = rtc_begin(r, now_ns);
	switch (idx) {
	case VRTC_REG_A:
		rtc_write_control(r, val & ~VRTC_A_UIP, r->cmos[VRTC_REG_B], now_ns);
		break;
	case VRTC_REG_B:
		b = val;
		/* "Register B", UIE: cleared when SET goes from 0 to 1. */
		if ((b & VRTC_B_SET) && !(r->cmos[VRTC_REG_B] & VRTC_B_SET))
			b &= ~VRTC_B_UIE;
		rtc_write_control(r, r->cmos[VRTC_REG_A], b, now_ns);
		break;
	case VRTC_REG_C:
	case VRTC_REG_D:
		break; /* read-only */
	default:
		if (is_time_reg(idx) && rtc_counting(r)) {
			/* The clock keeps its phase and counts on from the new value. */
			rtc_store_time(r, clock_sec(r, now_ns));
			r->cmos[idx] = val;
			rtc_thaw(r, now_ns);
		} else {
			r->cmos[idx] = val;
		}
		break;
	}
	rtc_update_line(r);
}

uint64_t vrtc_next_event(const struct vrtc *r, uint64_t now_ns)
{
	uint8_t b = r->cmos[VRTC_REG_B];
	uint64_t best = VTIME_NEVER, c0, s0;
	uint32_t per = periodic_ticks(r);
	int64_t s;

	/* Nothing can raise the line again before the guest reads C. */
	if (r->irq_level || !div_running(r))
		return VTIME_NEVER;
	c0 = div_ticks(r, r->sync_ns);
	if ((b & VRTC_B_PIE) && per)
		best = MIN(best, div_tick_ns(r, (c0 / per + 1) * per));
	if (b & VRTC_B_SET)
		return best;
	s0 = c0 / RTC_HZ;
	if (b & VRTC_B_UIE)
		best = MIN(best, div_tick_ns(r, (s0 + 1) * RTC_HZ));
	if (b & VRTC_B_AIE) {
		s = rtc_next_alarm(r, r->base_sec + (int64_t)s0);
		if (s != RTC_NEVER_SEC)
			best = MIN(best, div_tick_ns(r, (uint64_t)(s - r->base_sec) * RTC_HZ));
	}
	return best;
}

void vrtc_advance(struct vrtc *r, uint64_t now_ns)
{
	rtc_begin(r, now_ns);
	rtc_update_line(r);
}
