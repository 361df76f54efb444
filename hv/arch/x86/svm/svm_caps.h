/* SPDX-License-Identifier: MIT */
/*
 * What this CPU's AMD-V (SVM) offers, read from CPUID Fn8000_000A and the
 * VM_CR MSR (AMD APM vol. 2, 15.4 "Enabling SVM", 15.30.1 "VM_CR").
 */
#ifndef ARCH_X86_SVM_SVM_CAPS_H
#define ARCH_X86_SVM_SVM_CAPS_H

#include "lib/compiler.h"

struct svm_caps {
	uint32_t revision;	/* SVM revision, Fn8000_000A EAX[7:0] */
	uint32_t nasids;	/* number of ASIDs, EBX */
	bool npt;		/* nested paging, EDX[0] */
	bool nrips;		/* next-RIP saved on #VMEXIT, EDX[3] */
	bool clean_bits;	/* VMCB clean bits, EDX[5] */
	bool flush_by_asid;	/* EDX[6] */
	bool decode_assists;	/* EDX[7] */
	bool vgif;		/* virtual GIF, EDX[16] */
};

/*
 * Check that AMD-V with nested paging can be used. Returns 0 and fills
 * caps, or -ENODEV with one line in why saying what is missing and what
 * the user can do about it.
 */
int svm_probe(struct svm_caps *caps, char *why, size_t len);

#endif
