/* SPDX-License-Identifier: MIT */
/*
 * Guest accesses to guest-physical addresses that are not RAM: the
 * faulting instruction is fetched through the guest's page tables,
 * decoded and carried out by the instruction emulator (hv/emu/), each data
 * access going to RAM or to the device that claimed the address. An
 * address nobody claimed reads as all ones and ignores writes (counted,
 * and logged with a rate limit).
 */
#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include "lib/compiler.h"

struct vcpu;
struct exit_info;

/* Handle a nested page fault on a non-RAM address. */
void mmio_emulate(struct vcpu *v, const struct exit_info *e);

#endif
