/* SPDX-License-Identifier: MIT */
/* The VMMCALL interface (include/abi/bulkhead.h, docs/hypercalls.md). */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

#include "lib/compiler.h"

struct vcpu;

/*
 * Carry out the hypercall in v's registers and put the result in RAX.
 * Returns true if the guest should resume after the VMMCALL (false when
 * the call stopped or restarted the partition).
 */
bool hypercall_dispatch(struct vcpu *v);

#endif
