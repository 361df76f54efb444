/* SPDX-License-Identifier: MIT */
/*
 * Guest page-table walker (see gpt.h). The walk follows AMD APM vol. 2,
 * 5.3 (translation), 5.4 (entry formats) and 5.6 (protection checks), and
 * Intel SDM vol. 3A, 4.3-4.6, which agree on everything used here.
 */
#include "emu/gpt.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PAGE_SHIFT     12
#define PAGE_4K	       (1ull << PAGE_SHIFT)
#define MAX_LEVELS     5
#define LEVEL_PT       1  /* the last level: page table */
#define LEVEL_PD       2  /* page directory: may hold a 2 MiB / 4 MiB leaf */
#define LEVEL_PDPT     3  /* may hold a 1 GiB leaf in long mode */
#define IDX_BITS_64    9  /* 512 eight-byte entries per table */
#define IDX_BITS_32    10 /* 1024 four-byte entries per table (32-bit paging) */
#define ENTRY_SIZE_64  8
#define ENTRY_SIZE_32  4
#define LA32_MASK      0xffffffffull
#define VA_BITS_4LEVEL 48
#define VA_BITS_5LEVEL 57
/* Bits 51:12 of a 64-bit entry (or of CR3) hold a table or page address. */
#define ADDR_MASK_64 0x000ffffffffff000ull
/* Bits 31:12 of a 32-bit paging entry. */
#define ADDR_MASK_32 0xfffff000ull
/* PAE paging: CR3 bits 31:5 address the 32-byte PDPT (SDM vol. 3A, table 4-7). */
#define PAE_PDPT_MASK  0xffffffe0ull
#define PAE_PDPTES     4
#define PAE_PDPT_SHIFT 30
/*
 * A PAE PDPTE has no R/W, U/S, A or NX bits: bits 2:1 and 8:5 must be zero
 * (AMD APM vol. 2, 5.3.3, figure "PDPE-Legacy Mode"; SDM vol. 3A, table
 * 4-8), as must bits 63:MAXPHYADDR.
 */
#define PAE_PDPTE_RSVD 0x1e6ull
/* In a large leaf, bits 20:13 (2 MiB) or 29:13 (1 GiB) are reserved: bit 12 is PAT. */
#define RSVD_2M 0x1fe000ull
#define RSVD_1G 0x3fffe000ull
/*
 * 4 MiB leaf of 32-bit paging (PSE): bits 31:22 give address bits 31:22,
 * bits 20:13 give address bits 39:32 (PSE-36, extended to 40 bits by AMD,
 * APM vol. 2, 5.3.2; SDM vol. 3A, table 4-4), bit 21 is reserved.
 */
#define PSE_ADDR_LO  0xffc00000ull
#define PSE_HI_SHIFT 13
#define PSE_HI_BITS  8
#define PSE_HI_TO    32
#define PSE_RSVD_BIT (1ull << 21)
/* The A/D update is retried this often before the walk gives up with -EBUSY. */
#define AD_RETRIES 4

enum gpt_mode { MODE_32, MODE_PAE, MODE_LONG };

/* One entry used by the walk, kept for the Accessed/Dirty update. */
struct walk_step {
	uint64_t gpa;
	uint64_t val;
};

static uint64_t bits_range(unsigned int hi, unsigned int lo)
{
	/* Bits hi..lo inclusive; empty (0) when lo > hi. */
	if (lo > hi)
		return 0;
	return ((hi == 63) ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

static unsigned int maxphy(const struct gpt_walker *w)
{
	if (w->maxphyaddr == 0 || w->maxphyaddr > GPT_MAXPHYADDR_MAX)
		return GPT_MAXPHYADDR_MAX;
	return w->maxphyaddr;
}

static int pf(struct gpt_result *res, uint64_t la, uint32_t ec)
{
	emu_fault_set(&res->exc, EMU_VEC_PF, true, ec, la);
	return -EPERM;
}

static int read_entry(const struct gpt_walker *w, uint64_t gpa, unsigned int size, uint64_t *val)
{
	uint64_t v = 0;
	uint32_t v32 = 0;
	int err;

	if (size == ENTRY_SIZE_32) {
		err = w->read(w->opaque, gpa, &v32, ENTRY_SIZE_32);
		v = v32;
	} else {
		err = w->read(w->opaque, gpa, &v, ENTRY_SIZE_64);
	}
	*val = v;
	return err;
}

/* Set A on every entry used and D on the leaf for a write (APM vol. 2, 5.4.2). */
static int update_ad(const struct gpt_walker *w, const struct walk_step *steps, unsigned int nsteps,
		     unsigned int esize, bool write)
{
	for (unsigned int i = 0; i < nsteps; i++) {
		uint64_t want = steps[i].val | GPT_PTE_A;
		int err;

		if (write && i == nsteps - 1)
			want |= GPT_PTE_D;
		if (want == steps[i].val)
			continue;
		err = w->cmpxchg(w->opaque, steps[i].gpa, steps[i].val, want, esize);
		if (err)
			return err;
	}
	return 0;
}

static int walk(const struct gpt_walker *w, uint64_t la, unsigned int acc, struct gpt_result *res)
{
	const bool write = acc & GPT_ACC_WRITE;
	const bool fetch = acc & GPT_ACC_FETCH;
	/*
	 * User or supervisor access (APM vol. 2, 5.6.1): CPL 3 is user mode,
	 * except for implicit accesses to system structures, which are
	 * supervisor accesses at any CPL.
	 */
	const bool user = w->cpl == 3 && !(acc & GPT_ACC_IMPLICIT);
	const bool nxe = w->efer & GPT_EFER_NXE;
	const unsigned int mp = maxphy(w);
	struct walk_step steps[MAX_LEVELS];
	unsigned int nsteps = 0, esize, idx_bits, level;
	enum gpt_mode mode;
	uint64_t table, entry = 0, rsvd_hi, pfec_base;
	bool wr = true, us = true, nx = false;
	int err;

	/* The error code describes the access (APM vol. 2, 8.4.2). */
	pfec_base = (write ? EMU_PFEC_W : 0) | (user ? EMU_PFEC_U : 0);

	if (w->efer & GPT_EFER_LMA) {
		unsigned int va_bits = (w->cr4 & GPT_CR4_LA57) ? VA_BITS_5LEVEL : VA_BITS_4LEVEL;
		int64_t sx = (int64_t)(la << (64 - va_bits)) >> (64 - va_bits);

		/*
		 * A non-canonical address faults before any translation with
		 * #GP(0), or #SS(0) for a stack reference (APM vol. 2, 5.3.1).
		 */
		if ((uint64_t)sx != la) {
			res->noncanonical = true;
			emu_fault_set(&res->exc, (acc & GPT_ACC_STACK) ? EMU_VEC_SS : EMU_VEC_GP,
				      true, 0, 0);
			return -EPERM;
		}
		mode = MODE_LONG;
		level = (w->cr4 & GPT_CR4_LA57) ? 5 : 4;
		esize = ENTRY_SIZE_64;
		idx_bits = IDX_BITS_64;
		table = w->cr3 & ADDR_MASK_64;
	} else if (w->cr4 & GPT_CR4_PAE) {
		la &= LA32_MASK;
		mode = MODE_PAE;
		level = LEVEL_PDPT;
		esize = ENTRY_SIZE_64;
		idx_bits = IDX_BITS_64;
		table = w->cr3 & PAE_PDPT_MASK;
	} else {
		la &= LA32_MASK;
		mode = MODE_32;
		level = LEVEL_PD;
		esize = ENTRY_SIZE_32;
		idx_bits = IDX_BITS_32;
		table = w->cr3 & ADDR_MASK_32;
	}
	/*
	 * The I/D bit is reported when execute protection exists: NX enabled
	 * in a 64-bit-entry mode, or SMEP (SDM vol. 3A, 4.7; APM vol. 2, 8.4.2).
	 */
	if (fetch && ((nxe && mode != MODE_32) || (w->cr4 & GPT_CR4_SMEP)))
		pfec_base |= EMU_PFEC_ID;

	/* Address bits above MAXPHYADDR (up to 51) are reserved in every 64-bit entry. */
	rsvd_hi = bits_range(GPT_MAXPHYADDR_MAX - 1, mp);
	/* Bit 63 is NX when EFER.NXE is set, reserved otherwise (APM vol. 2, 5.6.4). */
	if (!nxe)
		rsvd_hi |= GPT_PTE_NX;

	for (;; level--) {
		uint64_t egpa, rsvd = 0;
		bool leaf = false;

		if (mode == MODE_PAE && level == LEVEL_PDPT) {
			unsigned int i = (unsigned int)(la >> PAE_PDPT_SHIFT) & (PAE_PDPTES - 1);

			egpa = table + i * ENTRY_SIZE_64;
			if (w->pdptes) {
				entry = w->pdptes[i];
			} else {
				err = read_entry(w, egpa, esize, &entry);
				if (err)
					return err;
			}
			/* Everything above MAXPHYADDR, NX included, is reserved here. */
			rsvd = PAE_PDPTE_RSVD | bits_range(63, mp);
		} else {
			unsigned int shift = PAGE_SHIFT + idx_bits * (level - 1);

			egpa = table + ((la >> shift) & ((1ull << idx_bits) - 1)) * esize;
			err = read_entry(w, egpa, esize, &entry);
			if (err)
				return err;
		}
		if (!(entry & GPT_PTE_P))
			return pf(res, la, (uint32_t)pfec_base);

		if (mode == MODE_32) {
			/* PS selects a 4 MiB page only with CR4.PSE (APM vol. 2, 5.3.2). */
			if (level == LEVEL_PD && (entry & GPT_PTE_PS) && (w->cr4 & GPT_CR4_PSE)) {
				unsigned int hi_bits = MIN(mp, PSE_HI_TO + PSE_HI_BITS) - PSE_HI_TO;

				leaf = true;
				rsvd = PSE_RSVD_BIT | bits_range(PSE_HI_SHIFT + PSE_HI_BITS - 1,
								 PSE_HI_SHIFT + hi_bits);
			}
		} else if (!(mode == MODE_PAE && level == LEVEL_PDPT)) {
			rsvd = rsvd_hi;
			if (level > LEVEL_PDPT) {
				/* PS is reserved in PML4Es and PML5Es (SDM vol. 3A, table 4-15). */
				rsvd |= GPT_PTE_PS;
			} else if (level == LEVEL_PDPT && (entry & GPT_PTE_PS)) {
				/* A 1 GiB page, if the CPU has them (APM vol. 2, 5.3.5). */
				rsvd |= w->page1gb ? RSVD_1G : GPT_PTE_PS;
				leaf = true;
			} else if (level == LEVEL_PD && (entry & GPT_PTE_PS)) {
				rsvd |= RSVD_2M;
				leaf = true;
			}
		}
		if (level == LEVEL_PT)
			leaf = true;
		if (entry & rsvd)
			return pf(res, la, (uint32_t)(pfec_base | EMU_PFEC_P | EMU_PFEC_RSVD));

		/*
		 * Permissions combine over the levels (APM vol. 2, 5.6): writable
		 * and user only if every level says so, no-execute if any does.
		 * PAE PDPTEs carry no permission bits and no Accessed bit.
		 */
		if (!(mode == MODE_PAE && level == LEVEL_PDPT)) {
			steps[nsteps].gpa = egpa;
			steps[nsteps].val = entry;
			nsteps++;
			wr = wr && (entry & GPT_PTE_W);
			us = us && (entry & GPT_PTE_U);
			if (nxe && mode != MODE_32 && (entry & GPT_PTE_NX))
				nx = true;
		}
		if (leaf)
			break;
		table = entry & (mode == MODE_32 ? ADDR_MASK_32 : ADDR_MASK_64);
	}

	/* The page frame and the offset within it. */
	if (mode == MODE_32 && level == LEVEL_PD) {
		res->page_size = 1ull << (PAGE_SHIFT + IDX_BITS_32);
		res->gpa = (entry & PSE_ADDR_LO) |
			   (((entry >> PSE_HI_SHIFT) & ((1ull << PSE_HI_BITS) - 1)) << PSE_HI_TO) |
			   (la & (res->page_size - 1));
	} else if (mode == MODE_32) {
		res->page_size = PAGE_4K;
		res->gpa = (entry & ADDR_MASK_32) | (la & (PAGE_4K - 1));
	} else {
		res->page_size = 1ull << (PAGE_SHIFT + IDX_BITS_64 * (level - 1));
		res->gpa =
		    (entry & ADDR_MASK_64 & ~(res->page_size - 1)) | (la & (res->page_size - 1));
	}
	res->writable = wr;
	res->user = us;
	res->noexec = nx;

	/*
	 * Protection checks (APM vol. 2, 5.6.1-5.6.4, 5.7 SMEP/SMAP; SDM vol.
	 * 3A, 4.6). A protection fault has P = 1 in the error code.
	 */
	if (fetch) {
		if (nx)
			goto prot;
		if (user && !us)
			goto prot;
		/* SMEP: no supervisor fetch from a user page. */
		if (!user && us && (w->cr4 & GPT_CR4_SMEP))
			goto prot;
	} else {
		/*
		 * SMAP: supervisor data accesses to user pages fault, unless the
		 * access is explicit and RFLAGS.AC is set (SDM vol. 3A, 4.6.1).
		 */
		bool smap = (w->cr4 & GPT_CR4_SMAP) &&
			    ((acc & GPT_ACC_IMPLICIT) || !(w->rflags & GPT_RFLAGS_AC));

		if (user && !us)
			goto prot;
		if (!user && us && smap)
			goto prot;
		/*
		 * Writes: user writes need R/W at every level; supervisor writes
		 * need it only with CR0.WP (APM vol. 2, 5.6.3).
		 */
		if (write && !wr && (user || (w->cr0 & GPT_CR0_WP)))
			goto prot;
	}

	if (w->cmpxchg)
		return update_ad(w, steps, nsteps, esize, write);
	return 0;

prot:
	return pf(res, la, (uint32_t)(pfec_base | EMU_PFEC_P));
}

int gpt_translate(const struct gpt_walker *w, uint64_t la, unsigned int acc, struct gpt_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	/* Paging off: linear addresses are physical (APM vol. 2, 5.1). */
	if (!(w->cr0 & GPT_CR0_PG)) {
		res->gpa = la & LA32_MASK;
		res->page_size = PAGE_4K;
		res->writable = res->user = true;
		return 0;
	}
	if (!w->read)
		return -EINVAL;
	for (unsigned int i = 0; i < AD_RETRIES; i++) {
		err = walk(w, la, acc, res);
		if (err != -EBUSY)
			return err;
		memset(res, 0, sizeof(*res));
	}
	return -EBUSY;
}
