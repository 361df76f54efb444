/* SPDX-License-Identifier: MIT */
#include "core/conmux.h"
#include "core/console.h"
#include "core/log.h"
#include "core/partition.h"
#include "lib/errno.h"

static int focus = -1;

static bool can_focus(const struct partition *p)
{
	return p && READ_ONCE(p->state) == PART_RUNNING;
}

static void move_focus(void)
{
	for (unsigned int step = 1; step <= npartitions; step++) {
		unsigned int i = (unsigned int)(focus + (int)step) % npartitions;

		if (can_focus(partitions[i])) {
			focus = (int)i;
			pr_info("console: input goes to partition %s (%s switches)\n",
				partitions[i]->name, CONMUX_SWITCH_NAME);
			return;
		}
	}
	focus = -1;
	pr_info("console: no running partition takes input\n");
}

void conmux_input(uint8_t byte)
{
	if (byte == CONMUX_SWITCH_KEY) {
		move_focus();
		return;
	}
	if (focus >= 0 && can_focus(partitions[focus]))
		partition_console_input(partitions[focus], byte);
}

void conmux_start(void)
{
	int err;

	if (npartitions == 0)
		return;
	focus = -1;
	move_focus();
	err = console_enable_input(conmux_input);
	if (err)
		pr_warn("console: no input (%s)\n", err_name(err));
}
