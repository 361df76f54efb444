/* SPDX-License-Identifier: MIT */
/*
 * The neutral exit record. A backend (svm/, later vmx/) turns each hardware
 * exit into one struct exit_info; exit_dispatch() hands it to the handler
 * for its kind. Nothing outside the backend sees a VMCB or a VMCS.
 */
#ifndef CORE_EXIT_H
#define CORE_EXIT_H

#include "lib/compiler.h"

enum exit_kind {
	EXIT_NONE,		/* handled inside the backend; just resume */
	EXIT_CPUID,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_NPF,		/* nested page fault: guest-physical access */
	EXIT_INTR,		/* a physical interrupt, taken by the host */
	EXIT_NMI,
	EXIT_VIRT_INSN,		/* an instruction of the virtualization extensions */
	EXIT_INVD,
	EXIT_WBINVD,
	EXIT_XSETBV,
	EXIT_SHUTDOWN,		/* triple fault */
	EXIT_IRQ_WINDOW,	/* the guest can take an interrupt now */
	EXIT_RDPMC,		/* performance counters are not offered */
	EXIT_INVALID_STATE,	/* the hardware refused the guest state */
	EXIT_UNHANDLED,		/* an exit core has no handler for */
	EXIT_KINDS
};

struct exit_info {
	enum exit_kind kind;
	uint64_t hw_code;	/* the backend's own exit code, for logs */
	/* Length of the exiting instruction; 0 if the backend does not know. */
	unsigned int insn_len;
	union {
		struct {
			uint16_t port;
			uint8_t size;	/* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			uint32_t index;
		} msr;
		struct {
			uint64_t gpa;
			bool write;
			bool fetch;
			bool present;	/* the NPT entry existed (a permission fault) */
		} npf;
	};
};

struct vcpu;

/*
 * Handle one exit of v (called on v's physical CPU, with interrupts
 * enabled). Advances RIP past emulated instructions, injects faults into
 * the guest, or stops the partition; never panics because of the guest.
 */
void exit_dispatch(struct vcpu *v, struct exit_info *e);

/* "cpuid", "msr-read", ... for logs. */
const char *exit_kind_name(enum exit_kind k);

#endif
