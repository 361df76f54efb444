/* SPDX-License-Identifier: MIT */
/* The AMD-V backend's entry points (used only by arch/x86/virt.c). */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include "arch/x86/svm/svm_caps.h"
#include "arch/x86/virt.h"

struct guest_regs;

extern const struct virt_ops svm_ops;

/* Record the probed features for the backend's use. */
void svm_set_caps(const struct svm_caps *caps);

/*
 * svm_entry.S: load the guest's general registers from regs, VMLOAD and
 * VMRUN the VMCB at vmcb_pa, VMSAVE it, store the registers back, and
 * VMLOAD the host's state from host_save_pa. Called with GIF clear.
 */
void svm_vmrun(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_save_pa);

#endif
