/* SPDX-License-Identifier: MIT */
#include "arch/x86/virt.h"
#include "arch/x86/cpu.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/svm_caps.h"
#include "core/log.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define VENDOR_LEN 12

static struct svm_caps svm;
static const char *backend = "none";
const struct virt_ops *virt;

static void vendor_string(char out[VENDOR_LEN + 1])
{
	struct cpuid_regs r;

	cpuid(CPUID_LEAF_VENDOR, &r);
	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.edx, 4);
	memcpy(out + 8, &r.ecx, 4);
	out[VENDOR_LEN] = '\0';
}

int virt_probe(char *why, size_t len)
{
	char vendor[VENDOR_LEN + 1];
	int err;

	vendor_string(vendor);
	if (strcmp(vendor, "GenuineIntel") == 0) {
		fmt_snprintf(why, len,
			     "this is an Intel CPU; the Intel VT-x backend is not written yet "
			     "and Bulkhead currently needs AMD-V with nested paging");
		return -ENODEV;
	}
	if (strcmp(vendor, "AuthenticAMD") != 0 && strcmp(vendor, "HygonGenuine") != 0) {
		fmt_snprintf(why, len,
			     "unknown CPU vendor \"%s\"; Bulkhead needs AMD-V with nested paging",
			     vendor);
		return -ENODEV;
	}
	err = svm_probe(&svm, why, len);
	if (err)
		return err;
	backend = "AMD-V";
	svm_set_caps(&svm);
	virt = &svm_ops;
	pr_info("virt: %s (%s) revision %u, %u ASIDs, nested paging; NRIP-save %s, "
		"decode assists %s, clean bits %s, vGIF %s\n",
		backend, vendor, svm.revision, svm.nasids, svm.nrips ? "yes" : "no",
		svm.decode_assists ? "yes" : "no", svm.clean_bits ? "yes" : "no",
		svm.vgif ? "yes" : "no");
	return 0;
}

const char *virt_backend_name(void)
{
	return backend;
}
