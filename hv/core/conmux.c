/* SPDX-License-Identifier: MIT */
#include "core/conmux.h"
#include "core/console.h"
#include "core/log.h"
#include "core/partition.h"
#include "lib/errno.h"

static int focus = -1;
static unsigned int snapshots; /* Ctrl-T presses so far */

static bool can_focus(const struct partition *p)
{
	return p && READ_ONCE(p->state) == PART_RUNNING;
}

/* startup: the first announcement also names the statistics key. */
static void move_focus(bool startup)
{
	for (unsigned int step = 1; step <= npartitions; step++) {
		unsigned int i = (unsigned int)(focus + (int)step) % npartitions;

		if (can_focus(partitions[i])) {
			focus = (int)i;
			if (startup)
				pr_info("console: input goes to partition %s "
					"(%s switches, %s prints exit statistics)\n",
					partitions[i]->name, CONMUX_SWITCH_NAME, CONMUX_STATS_NAME);
			else
				pr_info("console: input goes to partition %s (%s switches)\n",
					partitions[i]->name, CONMUX_SWITCH_NAME);
			return;
		}
	}
	focus = -1;
	pr_info("console: no running partition takes input\n");
}

/*
 * Runs in the console's interrupt handler on the CPU that takes console
 * input, while the vCPUs go on running on theirs: their counters are read
 * racily, which is fine for statistics (see vcpu_stats_read()). A partition
 * and its vCPU array, once created, are never freed.
 */
static void print_stats(void)
{
	pr_info("stats: snapshot %u (%s)\n", ++snapshots, CONMUX_STATS_NAME);
	for (unsigned int i = 0; i < npartitions; i++) {
		const struct partition *p = partitions[i];

		if (!p)
			continue;
		for (unsigned int n = 0; n < p->nvcpus; n++)
			vcpu_log_stats(&p->vcpus[n]);
	}
}

void conmux_input(uint8_t byte)
{
	if (byte == CONMUX_SWITCH_KEY) {
		move_focus(false);
		return;
	}
	if (byte == CONMUX_STATS_KEY) {
		print_stats();
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
	move_focus(true);
	err = console_enable_input(conmux_input);
	if (err)
		pr_warn("console: no input (%s)\n", err_name(err));
}
