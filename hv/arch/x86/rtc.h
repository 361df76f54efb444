/* SPDX-License-Identifier: MIT */
/* The host's CMOS real-time clock, read once at boot for the wall-clock time. */
#ifndef ARCH_X86_RTC_H
#define ARCH_X86_RTC_H

#include "lib/compiler.h"

/*
 * Read the host RTC (MC146818 at ports 0x70/0x71, UTC assumed) and return
 * seconds since the Unix epoch, or 0 if the values are implausible.
 */
int64_t rtc_read_host(void);

/* The value rtc_read_host() returned at boot (read once by main). */
int64_t boot_wall_clock(void);
void rtc_set_boot_wall_clock(int64_t t);

#endif
