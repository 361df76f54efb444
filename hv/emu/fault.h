/* SPDX-License-Identifier: MIT */
/*
 * An exception for the guest, as the guest page-table walker (emu/gpt.h)
 * and the instruction emulator (emu/x86_emu.h) report it: the caller
 * injects it (EVENTINJ on AMD-V, AMD APM vol. 2, 15.20) or applies the
 * partition's policy. Shared by both so that a #PF found while the
 * emulator's callbacks translate an operand travels up unchanged.
 */
#ifndef EMU_FAULT_H
#define EMU_FAULT_H

#include "lib/compiler.h"

/* Exception vectors (AMD APM vol. 2, 8.2; Intel SDM vol. 3A, 6.3.1). */
#define EMU_VEC_DE 0  /* divide error */
#define EMU_VEC_DB 1  /* debug */
#define EMU_VEC_UD 6  /* invalid opcode */
#define EMU_VEC_SS 12 /* stack-segment fault */
#define EMU_VEC_GP 13 /* general protection */
#define EMU_VEC_PF 14 /* page fault */
#define EMU_VEC_AC 17 /* alignment check */

/* #PF error code bits (AMD APM vol. 2, 8.4.2; Intel SDM vol. 3A, 4.7). */
#define EMU_PFEC_P    (1u << 0) /* 0: not present; 1: protection or reserved bit */
#define EMU_PFEC_W    (1u << 1) /* the access was a write */
#define EMU_PFEC_U    (1u << 2) /* the access was a user-mode (CPL 3) access */
#define EMU_PFEC_RSVD (1u << 3) /* a reserved bit was set in a paging entry */
#define EMU_PFEC_ID   (1u << 4) /* the access was an instruction fetch */

struct emu_fault {
	bool valid;	     /* an exception is to be delivered */
	uint8_t vector;	     /* EMU_VEC_* */
	bool has_error;	     /* the vector pushes an error code */
	uint32_t error_code; /* EMU_PFEC_* for #PF; 0 for #GP(0)/#SS(0) */
	uint64_t cr2;	     /* the faulting linear address, for #PF only */
};

/* Record an exception in f; cr2 is meaningful for #PF only. */
static inline void emu_fault_set(struct emu_fault *f, uint8_t vector, bool has_error,
				 uint32_t error_code, uint64_t cr2)
{
	f->valid = true;
	f->vector = vector;
	f->has_error = has_error;
	f->error_code = error_code;
	f->cr2 = cr2;
}

#endif
