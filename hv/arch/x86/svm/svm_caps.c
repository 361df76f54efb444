/* SPDX-License-Identifier: MIT */
#include "arch/x86/svm/svm_caps.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/format.h"

#define SVM_EAX_REVISION_MASK 0xFFu
#define SVM_EDX_CLEAN_BITS (1u << 5)
#define SVM_EDX_FLUSH_BY_ASID (1u << 6)
#define SVM_EDX_DECODE_ASSISTS (1u << 7)
#define SVM_EDX_VGIF (1u << 16)

int svm_probe(struct svm_caps *caps, char *why, size_t len)
{
	struct cpuid_regs r;
	uint64_t vm_cr;

	cpuid(CPUID_EXT_MAX, &r);
	if (r.eax < CPUID_EXT_FEATURES) {
		fmt_snprintf(why, len, "this CPU reports no extended CPUID leaves, so no AMD-V");
		return -ENODEV;
	}
	cpuid(CPUID_EXT_FEATURES, &r);
	if (!(r.ecx & CPUID_81_ECX_SVM)) {
		fmt_snprintf(why, len,
			     "this CPU has no AMD-V (SVM); use an AMD CPU with AMD-V "
			     "(under QEMU: -cpu qemu64,+svm,+npt)");
		return -ENODEV;
	}

	/*
	 * Firmware can disable SVM and lock it off (APM vol. 2, 15.30.1).
	 * A CPU or emulator without the MSR cannot have disabled it.
	 */
	if (rdmsr_safe(MSR_VM_CR, &vm_cr) == 0 && (vm_cr & VM_CR_SVMDIS)) {
		fmt_snprintf(why, len,
			     (vm_cr & VM_CR_LOCK)
				     ? "AMD-V is disabled and locked by the firmware "
				       "(VM_CR.SVMDIS); enable SVM/virtualization in the firmware setup"
				     : "AMD-V is disabled by the firmware (VM_CR.SVMDIS); "
				       "enable SVM/virtualization in the firmware setup");
		return -ENODEV;
	}

	cpuid(CPUID_EXT_MAX, &r);
	if (r.eax < CPUID_EXT_SVM) {
		fmt_snprintf(why, len, "this CPU does not report its AMD-V features (no CPUID "
				       "Fn8000_000A), so nested paging cannot be confirmed");
		return -ENODEV;
	}
	cpuid(CPUID_EXT_SVM, &r);
	caps->revision = r.eax & SVM_EAX_REVISION_MASK;
	caps->nasids = r.ebx;
	caps->npt = r.edx & CPUID_8A_EDX_NP;
	caps->nrips = r.edx & CPUID_8A_EDX_NRIPS;
	caps->clean_bits = r.edx & SVM_EDX_CLEAN_BITS;
	caps->flush_by_asid = r.edx & SVM_EDX_FLUSH_BY_ASID;
	caps->decode_assists = r.edx & SVM_EDX_DECODE_ASSISTS;
	caps->vgif = r.edx & SVM_EDX_VGIF;
	if (!caps->npt) {
		fmt_snprintf(why, len,
			     "this CPU's AMD-V has no nested paging (NPT), which Bulkhead needs "
			     "(under QEMU: -cpu qemu64,+svm,+npt)");
		return -ENODEV;
	}
	if (caps->nasids < 2) {
		fmt_snprintf(why, len, "this CPU's AMD-V offers %u ASIDs; at least 2 are needed",
			     caps->nasids);
		return -ENODEV;
	}
	return 0;
}
