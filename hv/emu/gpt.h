/* SPDX-License-Identifier: MIT */
/*
 * The guest page-table walker: translates a guest linear (virtual) address
 * to a guest-physical one the way the guest's CPU would, with the guest's
 * permission checks, for every x86 paging mode:
 *
 *   CR0.PG = 0                  no paging: identity (32-bit linear addresses)
 *   CR4.PAE = 0                 32-bit paging: 4 KiB pages, 4 MiB pages with
 *                               CR4.PSE, PSE-36/40 high address bits
 *   CR4.PAE = 1, EFER.LMA = 0   PAE paging: 4 PDPTEs, 4 KiB and 2 MiB pages
 *   EFER.LMA = 1                4-level long mode: 4 KiB, 2 MiB, 1 GiB pages
 *   EFER.LMA = 1, CR4.LA57 = 1  5-level paging
 *
 * (AMD APM vol. 2, 5.2-5.4; Intel SDM vol. 3A, 4.3-4.5.) The emulator needs
 * it because AMD-V without decode assists reports only the guest-physical
 * address of a nested page fault: the instruction bytes and every memory
 * operand must be found through the guest's own tables.
 *
 * Pure logic: guest-physical memory is reached only through callbacks, so
 * host unit tests build tables in a fake memory. Not handled: protection
 * keys (CR4.PKE, needs PKRU; keys are ignored), the PAT/caching attributes
 * (the hypervisor does not need them to emulate an access) and segment
 * limits (the emulator's business, not the walker's).
 */
#ifndef EMU_GPT_H
#define EMU_GPT_H

#include "emu/fault.h"
#include "lib/compiler.h"

/* Control-register and EFER bits the walker reads (AMD APM vol. 2, 3.1). */
#define GPT_CR0_WP    (1ull << 16)
#define GPT_CR0_PG    (1ull << 31)
#define GPT_CR4_PSE   (1ull << 4)
#define GPT_CR4_PAE   (1ull << 5)
#define GPT_CR4_LA57  (1ull << 12)
#define GPT_CR4_SMEP  (1ull << 20)
#define GPT_CR4_SMAP  (1ull << 21)
#define GPT_EFER_LMA  (1ull << 10)
#define GPT_EFER_NXE  (1ull << 11)
#define GPT_RFLAGS_AC (1ull << 18)

/* Paging-entry bits (AMD APM vol. 2, 5.4.1; Intel SDM vol. 3A, 4.5). */
#define GPT_PTE_P  (1ull << 0)
#define GPT_PTE_W  (1ull << 1)
#define GPT_PTE_U  (1ull << 2)
#define GPT_PTE_A  (1ull << 5)
#define GPT_PTE_D  (1ull << 6)
#define GPT_PTE_PS (1ull << 7)
#define GPT_PTE_NX (1ull << 63)

/* The largest physical-address width of the architecture (APM vol. 2, 5.1). */
#define GPT_MAXPHYADDR_MAX 52

/* Access type: a combination of these bits (0 = a supervisor-or-user data read). */
#define GPT_ACC_WRITE (1u << 0) /* a data write */
#define GPT_ACC_FETCH (1u << 1) /* an instruction fetch */
/*
 * An implicit supervisor-mode access (a descriptor-table or TSS reference):
 * a supervisor access whatever the CPL, and SMAP applies to it regardless
 * of RFLAGS.AC (Intel SDM vol. 3A, 4.6.1).
 */
#define GPT_ACC_IMPLICIT (1u << 2)
/* The access goes through SS: a non-canonical address raises #SS, not #GP. */
#define GPT_ACC_STACK (1u << 3)

struct gpt_walker {
	/* The guest's paging state. */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rflags;	 /* only AC is used (SMAP) */
	unsigned int cpl;	 /* 3 = user mode; 0-2 = supervisor */
	unsigned int maxphyaddr; /* guest physical-address width; 0 means 52 */
	bool page1gb;		 /* the guest's CPUID has Page1GB (else PS in a PDPE is reserved) */
	/*
	 * PAE paging only: the four PDPTEs as the CPU cached them when CR3 was
	 * loaded (Intel keeps them in PDPTE registers, SDM vol. 3A, 4.4.1; a
	 * VMX backend has them in the VMCS). NULL makes the walker read them
	 * from the 32-byte table at CR3 on each walk instead; that is the
	 * choice for AMD-V, whose VMCB holds no PDPTE copies, and it differs
	 * only for a guest that rewrites its PDPT without reloading CR3.
	 */
	const uint64_t *pdptes;

	/*
	 * Read len (4 or 8) bytes of guest-physical memory at gpa into buf.
	 * Returns 0, or -EFAULT if gpa is not RAM of the partition (a page
	 * table in device memory: the walk fails with that code, which is
	 * not a guest #PF), or another negative code, passed on unchanged.
	 */
	int (*read)(void *opaque, uint64_t gpa, void *buf, unsigned int len);
	/*
	 * Optional: atomically replace the len-byte entry at gpa by new_val if
	 * it still holds old_val. Returns 0, -EBUSY if the entry changed (the
	 * walk starts again), or another negative code. When set, the walker
	 * sets the Accessed bits of every entry it used and the Dirty bit of
	 * the leaf for writes, as the CPU does (AMD APM vol. 2, 5.4.2), after
	 * the access passed its checks. When NULL, A/D bits are left alone:
	 * acceptable for MMIO emulation, because the hardware has already
	 * walked the same tables (setting A) for the access that exited, and
	 * operating systems do not use the D bit of device mappings; it only
	 * matters for RAM pages that a string instruction writes on the way.
	 */
	int (*cmpxchg)(void *opaque, uint64_t gpa, uint64_t old_val, uint64_t new_val,
		       unsigned int len);
	void *opaque;
};

struct gpt_result {
	uint64_t gpa;	      /* the translated guest-physical address */
	uint64_t page_size;   /* size of the leaf mapping (4 KiB, 2/4 MiB, 1 GiB) */
	bool writable;	      /* every level allows writes */
	bool user;	      /* every level allows user accesses */
	bool noexec;	      /* some level forbids fetches (EFER.NXE) */
	bool noncanonical;    /* the fault is #GP/#SS for a non-canonical address */
	struct emu_fault exc; /* the exception, when the result is -EPERM */
};

/*
 * Translate the linear address la for an access of type acc (GPT_ACC_*).
 * Returns:
 *   0        res->gpa and the page's attributes are valid;
 *   -EPERM   the guest takes res->exc: a #PF (error code, CR2 = la) or,
 *            for a non-canonical address in long mode, #GP(0) or #SS(0)
 *            (res->noncanonical set; #SS when acc has GPT_ACC_STACK);
 *   -EFAULT  a paging structure is not guest RAM (read() said so);
 *   -EBUSY   the tables kept changing under the A/D update (rare);
 *   other    the read or cmpxchg callback's own error.
 * Only the low 32 bits of la are used outside long mode, where linear
 * addresses are 32 bits wide. Called by the MMIO exit path for the
 * instruction fetch and every operand; pure, reentrant.
 */
int gpt_translate(const struct gpt_walker *w, uint64_t la, unsigned int acc,
		  struct gpt_result *res);

#endif
