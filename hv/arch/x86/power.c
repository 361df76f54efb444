/* SPDX-License-Identifier: MIT */
#include "arch/x86/power.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "core/log.h"

/* PM1 control register fields (ACPI 6.5, 4.8.3.2.1). */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP_MASK  7u
#define PM1_CNT_SLP_EN	      (1u << 13)
/* How long the write may take to turn the power off before we give up. */
#define POWER_OFF_WAIT_US 1000000

static bool can_off;
static uint16_t pm1a_cnt;
static uint8_t slp_typa;

void power_init(const struct acpi_info *ai)
{
	can_off = ai->has_s5 && ai->pm1a_cnt_port != 0 && ai->s5_slp_typa <= PM1_CNT_SLP_TYP_MASK;
	pm1a_cnt = ai->pm1a_cnt_port;
	slp_typa = ai->s5_slp_typa;
}

void power_off(void)
{
	if (can_off) {
		pr_info("power: turning the machine off (ACPI S5: SLP_TYP %u to port %#x)\n",
			slp_typa, pm1a_cnt);
		outw(pm1a_cnt, (uint16_t)((slp_typa << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN));
		tsc_delay_us(POWER_OFF_WAIT_US);
		pr_err("power: the machine is still on; halting\n");
	} else {
		pr_err("power: no ACPI soft-off state (\\_S5_) known; halting\n");
	}
	cpu_halt_forever();
}
