/* SPDX-License-Identifier: MIT */
/*
 * Choice of the virtualization backend from the CPU vendor: AMD-V (svm/)
 * now, Intel VT-x (vmx/) later. Core code asks this module, never svm/ or
 * vmx/ directly.
 */
#ifndef ARCH_X86_VIRT_H
#define ARCH_X86_VIRT_H

#include "lib/compiler.h"

/*
 * Decide whether this machine can run partitions. Returns 0 and logs the
 * backend's features, or -ENODEV with one line in why.
 */
int virt_probe(char *why, size_t len);

/* "AMD-V" once virt_probe() succeeded. */
const char *virt_backend_name(void);

#endif
