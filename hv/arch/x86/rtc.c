/* SPDX-License-Identifier: MIT */
/*
 * Host CMOS clock (MC146818 datasheet: registers 0-9, register A's
 * update-in-progress bit, register B's binary/BCD and 24-hour bits).
 */
#include "arch/x86/rtc.h"
#include "arch/x86/cpu.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80
#define REG_SEC 0x00
#define REG_MIN 0x02
#define REG_HOUR 0x04
#define REG_MDAY 0x07
#define REG_MON 0x08
#define REG_YEAR 0x09
#define REG_A 0x0A
#define REG_B 0x0B
#define REG_CENTURY 0x32
#define A_UIP 0x80
#define B_24H 0x02
#define B_BINARY 0x04
#define HOUR_PM 0x80
#define UIP_SPINS 1000000
#define SEC_PER_DAY 86400ll
#define SEC_PER_HOUR 3600ll
#define SEC_PER_MIN 60ll
#define MIN_YEAR 2000
#define MAX_YEAR 2199

static int64_t wall_at_boot;

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned int)((v >> 4) * 10 + (v & 0xF));
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t rtc_read_host(void)
{
	unsigned int sec, min, hour, mday, mon, year, century;
	uint8_t b, h;
	bool bin;

	for (unsigned int i = 0; i < UIP_SPINS && (cmos(REG_A) & A_UIP); i++)
		cpu_relax();
	b = cmos(REG_B);
	bin = b & B_BINARY;
	sec = bcd(cmos(REG_SEC), bin);
	min = bcd(cmos(REG_MIN), bin);
	h = cmos(REG_HOUR);
	hour = bcd(h & ~HOUR_PM, bin);
	if (!(b & B_24H) && (h & HOUR_PM))
		hour = (hour % 12) + 12;
	else if (!(b & B_24H) && hour == 12)
		hour = 0;
	mday = bcd(cmos(REG_MDAY), bin);
	mon = bcd(cmos(REG_MON), bin);
	year = bcd(cmos(REG_YEAR), bin);
	century = bcd(cmos(REG_CENTURY), bin);
	year += (century >= 19 && century <= 21) ? century * 100 : 2000;
	if (year < MIN_YEAR || year > MAX_YEAR || mon < 1 || mon > 12 || mday < 1 || mday > 31 ||
	    hour > 23 || min > 59 || sec > 59)
		return 0;
	return days_from_civil(year, mon, mday) * SEC_PER_DAY + hour * SEC_PER_HOUR +
	       min * SEC_PER_MIN + sec;
}

int64_t boot_wall_clock(void)
{
	return wall_at_boot;
}

void rtc_set_boot_wall_clock(int64_t t)
{
	wall_at_boot = t;
}
