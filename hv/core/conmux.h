/* SPDX-License-Identifier: MIT */
/*
 * Console input multiplexing: keys typed on the hypervisor console go to
 * the partition that has the focus; Ctrl-] (0x1D) moves the focus to the
 * next running partition, and Ctrl-T (0x14) prints the exit statistics of
 * every vCPU of every partition. Neither key reaches a guest. Output of all
 * partitions is interleaved by whole lines, each prefixed with its
 * partition's name.
 */
#ifndef CORE_CONMUX_H
#define CORE_CONMUX_H

#include "lib/compiler.h"

/* The key that moves the focus: Ctrl-] (telnet's escape, passed by QEMU's -nographic). */
#define CONMUX_SWITCH_KEY 0x1D
#define CONMUX_SWITCH_NAME "Ctrl-]"

/*
 * The key that prints statistics: Ctrl-T ("status", as on BSD). Logs
 *   stats: snapshot K (Ctrl-T)
 * then, for every partition in any state, one line per vCPU in the format
 * of the line logged when a partition stops (vcpu_log_stats()):
 *   stats: NAME vCPU N: E exits ( io=12 hlt=3 ... ), guest G ms, hypervisor H ms
 * with the counters as they are now, cumulative since the partition's last
 * (re)load. vCPUs running on other CPUs are read racily (vcpu_stats_read()).
 */
#define CONMUX_STATS_KEY 0x14
#define CONMUX_STATS_NAME "Ctrl-T"

/* Give the focus to the first running partition and take console input. */
void conmux_start(void);

/* One byte from the console (called from the UART interrupt). */
void conmux_input(uint8_t byte);

#endif
