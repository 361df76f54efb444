/* SPDX-License-Identifier: MIT */
/*
 * Guest MSR accesses that the permission map sends to the hypervisor.
 * Only MSRs that live in the VMCB pass through (svm.c); here EFER and PAT
 * are virtualized, the TSC can be read, and every other MSR gets #GP, as
 * on a CPU that does not implement it. Host MSRs (VM_HSAVE_PA, VM_CR, the
 * SVM bits of EFER) are never reached by a guest.
 */
#ifndef CORE_MSR_H
#define CORE_MSR_H

#include "lib/compiler.h"

struct vcpu;

/* 0 with *val set, or -EINVAL: inject #GP. */
int msr_read(struct vcpu *v, uint32_t index, uint64_t *val);

/* 0, or -EINVAL: inject #GP. */
int msr_write(struct vcpu *v, uint32_t index, uint64_t val);

#endif
