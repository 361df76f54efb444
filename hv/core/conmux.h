/* SPDX-License-Identifier: MIT */
/*
 * Console input multiplexing: keys typed on the hypervisor console go to
 * the partition that has the focus; Ctrl-] (0x1D) moves the focus to the
 * next running partition. Output of all partitions is interleaved by whole
 * lines, each prefixed with its partition's name.
 */
#ifndef CORE_CONMUX_H
#define CORE_CONMUX_H

#include "lib/compiler.h"

/* The key that moves the focus: Ctrl-] (telnet's escape, passed by QEMU's -nographic). */
#define CONMUX_SWITCH_KEY 0x1D
#define CONMUX_SWITCH_NAME "Ctrl-]"

/* Give the focus to the first running partition and take console input. */
void conmux_start(void);

/* One byte from the console (called from the UART interrupt). */
void conmux_input(uint8_t byte);

#endif
