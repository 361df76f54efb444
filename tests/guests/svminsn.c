// SPDX-License-Identifier: MIT
/*
 * svminsn: proves every SVM instruction is refused inside a partition.
 * No nested SVM is offered (CPUID hides SVM and EFER.SVME reads clear), so
 * each must raise #UD as on a CPU with SVM disabled (AMD APM vol. 3). The
 * hypervisor intercepts them all (VMRUN's intercept is mandatory) and
 * injects #UD; executing any of them for real would hand the guest the
 * host's state. RAX = 0 and ECX = 0 give the address operands a harmless
 * value should one ever run.
 */
#include "rt.h"

#define SVM_INSN(fn, bytes)                                                                        \
	static void fn(void *arg)                                                                  \
	{                                                                                          \
		__asm__ __volatile__(".byte " bytes : : "a"(0ul), "c"(0u) : "memory");             \
	}

SVM_INSN(do_vmrun, "0x0f, 0x01, 0xd8")
SVM_INSN(do_vmload, "0x0f, 0x01, 0xda")
SVM_INSN(do_vmsave, "0x0f, 0x01, 0xdb")
SVM_INSN(do_stgi, "0x0f, 0x01, 0xdc")
SVM_INSN(do_clgi, "0x0f, 0x01, 0xdd")
SVM_INSN(do_skinit, "0x0f, 0x01, 0xde")
SVM_INSN(do_invlpga, "0x0f, 0x01, 0xdf")

static const struct {
	const char *name;
	void (*fn)(void *);
} insns[] = {
    {"svminsn-vmrun-ud", do_vmrun},	{"svminsn-vmload-ud", do_vmload},
    {"svminsn-vmsave-ud", do_vmsave},	{"svminsn-stgi-ud", do_stgi},
    {"svminsn-clgi-ud", do_clgi},	{"svminsn-skinit-ud", do_skinit},
    {"svminsn-invlpga-ud", do_invlpga},
};

void guest_main(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(insns); i++) {
		int v = guest_try(insns[i].fn, NULL);

		if (v == VEC_UD)
			GUEST_PASS(insns[i].name);
		else
			GUEST_FAIL(insns[i].name, "expected #UD (6), got %s %d",
				   v < 0 ? "no exception" : "vector", v);
	}
	guest_done();
}
