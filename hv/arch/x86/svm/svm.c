/* SPDX-License-Identifier: MIT */
/*
 * The AMD-V backend: VMCB set-up, the run loop around VMRUN, exit decoding
 * into struct exit_info, nested page tables and ASIDs. References are to
 * AMD APM vol. 2, chapter 15 ("Secure Virtual Machine").
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/pgtable.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/trap.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/vcpu.h"
#include "lib/errno.h"
#include "lib/string.h"

/* I/O permission map: 12 KiB, one bit per port (15.10.1). */
#define IOPM_SIZE (3 * PAGE_SIZE)
/* MSR permission map: 8 KiB, two bits per MSR in three ranges (15.11). */
#define MSRPM_SIZE (2 * PAGE_SIZE)
#define MSRPM_RANGE_BYTES 0x800
#define MSRPM_RANGE_MSRS 0x2000u
#define MSR_RANGE0_BASE 0x00000000u
#define MSR_RANGE1_BASE 0xC0000000u
#define MSR_RANGE2_BASE 0xC0010000u

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_SFMASK 0xC0000084

/* Architectural reset values (APM vol. 2, 14.1.3; PAT: 7.8.2). */
#define PAT_RESET 0x0007040600070406ull
#define DR6_RESET 0xffff0ff0ull
#define DR7_RESET 0x400ull
#define RFLAGS_RESET 0x2ull
#define TR_LIMIT 0x67
#define SEG_LIMIT_4G 0xffffffffu
#define GUEST_CR0 (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG)
#define GUEST_CR4 CR4_PAE
/* CR0 after INIT: CD, NW and ET set (APM vol. 2, table 14-1). */
#define INIT_CR0 (CR0_CD | CR0_NW | CR0_ET)
#define REAL_LIMIT 0xffffu
#define SIPI_SEL_SHIFT 8
#define SIPI_BASE_SHIFT 12
/* EFER bits a guest may set on this backend. */
#define EFER_GUEST_MASK (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

#define INSN_LEN_CPUID 2
#define INSN_LEN_MSR 2
#define INSN_LEN_HLT 1
#define INSN_LEN_VMMCALL 3
#define INSN_LEN_INVD 2
#define INSN_LEN_WBINVD 2
#define INSN_LEN_XSETBV 3
#define MAX_INSN_LEN 15
/* XCR0 after reset: x87 state only (Intel SDM vol. 1, 13.3). */
#define XCR0_RESET 1ull

/* NPF EXITINFO1 bits: the #PF error code format (15.25.6). */
#define NPF_PRESENT (1ull << 0)
#define NPF_WRITE (1ull << 1)
#define NPF_FETCH (1ull << 4)

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint64_t flush_epoch;	/* the partition epoch this VMCB has seen */
};

struct svm_part {
	struct pgtable npt;
	uint32_t asid;
	volatile uint64_t flush_epoch;
};

static struct svm_caps caps;
static uint64_t iopm_pa, msrpm_pa;
static uint64_t hsave_pa[HV_MAX_CPUS];		/* VM_HSAVE_PA of each CPU */
static uint64_t host_save_pa[HV_MAX_CPUS];	/* VMSAVE area for host state */
static uint64_t cur_xcr0[HV_MAX_CPUS];
static bool has_xsave, has_nx;
static spinlock_t asid_lock = SPINLOCK_INIT;
static uint8_t *asid_used;	/* one byte per ASID; ASID 0 is the host's */

void svm_set_caps(const struct svm_caps *c)
{
	caps = *c;
}

static int alloc_zeroed(uint64_t bytes, uint64_t *pa)
{
	int err = mem_alloc_frames(bytes / PAGE_SIZE, PAGE_SIZE, 0, pa);

	if (err == 0)
		memset(phys_to_virt(*pa), 0, bytes);
	return err;
}

static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
	static const uint32_t bases[] = {MSR_RANGE0_BASE, MSR_RANGE1_BASE, MSR_RANGE2_BASE};

	for (unsigned int r = 0; r < ARRAY_SIZE(bases); r++) {
		if (msr >= bases[r] && msr - bases[r] < MSRPM_RANGE_MSRS) {
			uint32_t bit = (msr - bases[r]) * 2;

			pm[r * MSRPM_RANGE_BYTES + bit / 8] &= (uint8_t)~(3u << (bit % 8));
			return;
		}
	}
}

/* The permission maps are shared by every vCPU: built once, never changed. */
static int build_permission_maps(void)
{
	/*
	 * These MSRs live in the VMCB and are swapped by VMLOAD/VMSAVE, so the
	 * guest may use them directly without touching host state.
	 */
	static const uint32_t passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,	      MSR_LSTAR,
		MSR_CSTAR,   MSR_SFMASK,  MSR_SYSENTER_CS,    MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	};
	uint8_t *pm;
	int err;

	err = mem_alloc_frames(IOPM_SIZE / PAGE_SIZE, PAGE_SIZE, 0, &iopm_pa);
	if (err)
		return err;
	memset(phys_to_virt(iopm_pa), 0xff, IOPM_SIZE);	/* every port intercepted */

	err = mem_alloc_frames(MSRPM_SIZE / PAGE_SIZE, PAGE_SIZE, 0, &msrpm_pa);
	if (err)
		return err;
	pm = phys_to_virt(msrpm_pa);
	memset(pm, 0xff, MSRPM_SIZE);			/* every MSR intercepted... */
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough); i++)
		msrpm_allow(pm, passthrough[i]);	/* ...but these */
	return 0;
}

static int svm_cpu_enable(void)
{
	unsigned int cpu = cpu_id();
	struct cpuid_regs r;
	int err;

	if (cpu == 0) {
		cpuid(CPUID_LEAF_FEATURES, &r);
		has_xsave = r.ecx & CPUID_1_ECX_XSAVE;
		has_nx = paging_has_nx();
		asid_used = hv_zalloc(caps.nasids);
		if (!asid_used)
			return -ENOMEM;
		asid_used[0] = 1;
		err = build_permission_maps();
		if (err)
			return err;
	}
	err = alloc_zeroed(PAGE_SIZE, &hsave_pa[cpu]);
	if (!err)
		err = alloc_zeroed(PAGE_SIZE, &host_save_pa[cpu]);
	if (err)
		return err;
	/* XCR0 is not switched by VMRUN: the host must be able to load it. */
	if (has_xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	cur_xcr0[cpu] = 0; /* unknown: the first entry loads the guest's value */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave_pa[cpu]);
	/* The host's FS/GS/TR/LDTR and syscall MSRs, restored after each exit. */
	__asm__ __volatile__("vmsave %0" ::"a"(host_save_pa[cpu]) : "memory");
	return 0;
}

/* --- nested paging ------------------------------------------------------ */

static int npt_alloc(void *ctx, uint64_t *pa)
{
	return alloc_zeroed(PAGE_SIZE, pa);
}

static void npt_free(void *ctx, uint64_t pa)
{
	mem_free_frames(pa, 1);
}

static void *npt_p2v(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

static int svm_partition_init(struct partition *p)
{
	struct svm_part *sp = hv_zalloc(sizeof(*sp));
	uint64_t flags;
	int err;

	if (!sp)
		return -ENOMEM;
	flags = spin_lock_irqsave(&asid_lock);
	for (uint32_t a = 1; a < caps.nasids; a++) {
		if (!asid_used[a]) {
			asid_used[a] = 1;
			sp->asid = a;
			break;
		}
	}
	spin_unlock_irqrestore(&asid_lock, flags);
	if (!sp->asid) {
		pr_err("partition %s: no free ASID: this CPU has %u, so at most %u partitions\n",
		       p->name, caps.nasids, caps.nasids - 1);
		hv_free(sp);
		return -ENOSPC;
	}
	sp->npt.allow_2m = true;
	sp->npt.allow_1g = paging_has_1g();
	sp->npt.alloc_table = npt_alloc;
	sp->npt.free_table = npt_free;
	sp->npt.p2v = npt_p2v;
	err = pgtable_init(&sp->npt);
	if (err) {
		flags = spin_lock_irqsave(&asid_lock);
		asid_used[sp->asid] = 0;
		spin_unlock_irqrestore(&asid_lock, flags);
		hv_free(sp);
		return err;
	}
	sp->flush_epoch = 1;
	p->backend = sp;
	return 0;
}

static void svm_partition_destroy(struct partition *p)
{
	struct svm_part *sp = p->backend;
	uint64_t flags;

	if (!sp)
		return;
	pgtable_destroy(&sp->npt);
	flags = spin_lock_irqsave(&asid_lock);
	asid_used[sp->asid] = 0;
	spin_unlock_irqrestore(&asid_lock, flags);
	hv_free(sp);
	p->backend = NULL;
}

static int svm_map(struct partition *p, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	struct svm_part *sp = p->backend;

	/* Nested walks are user accesses, so every level needs U (15.25.5). */
	return pgtable_map(&sp->npt, gpa, hpa, size, PTE_W | PTE_U);
}

static uint64_t svm_partition_overhead(struct partition *p)
{
	const struct svm_part *sp = p->backend;

	return sp->npt.tables * PAGE_SIZE + sizeof(*sp) +
	       (uint64_t)p->nvcpus * (VMCB_SIZE + sizeof(struct svm_vcpu));
}

static void svm_flush(struct partition *p)
{
	struct svm_part *sp = p->backend;

	__atomic_fetch_add(&sp->flush_epoch, 1, __ATOMIC_RELEASE);
}

/* --- vCPUs -------------------------------------------------------------- */

static int svm_vcpu_init(struct vcpu *v)
{
	struct svm_part *sp = v->part->backend;
	struct svm_vcpu *sv = hv_zalloc(sizeof(*sv));
	struct vmcb_control *c;
	int err;

	if (!sv)
		return -ENOMEM;
	err = alloc_zeroed(VMCB_SIZE, &sv->vmcb_pa);
	if (err) {
		hv_free(sv);
		return err;
	}
	sv->vmcb = phys_to_virt(sv->vmcb_pa);
	c = &sv->vmcb->ctl;
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			     INTERCEPT_RDPMC | INTERCEPT_CPUID | INTERCEPT_RSM | INTERCEPT_INVD |
			     INTERCEPT_HLT |
			     INTERCEPT_INVLPGA | INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT |
			     INTERCEPT_TASK_SWITCH | INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted or VMRUN fails (15.5.1). */
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
			     INTERCEPT_RDTSCP | INTERCEPT_WBINVD | INTERCEPT_MONITOR |
			     INTERCEPT_MWAIT | INTERCEPT_MWAIT_COND | INTERCEPT_XSETBV;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->guest_asid = sp->asid;
	c->vintr = VINTR_MASKING;
	c->np_control = NP_ENABLE;
	c->n_cr3 = sp->npt.root;
	v->backend = sv;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = v->backend;

	if (!sv)
		return;
	mem_free_frames(sv->vmcb_pa, VMCB_SIZE / PAGE_SIZE);
	hv_free(sv);
	v->backend = NULL;
}

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = 0;
}

static void svm_vcpu_reset(struct vcpu *v, const struct vcpu_boot *b)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_save *s = &sv->vmcb->save;
	struct vmcb_control *c = &sv->vmcb->ctl;

	uint16_t cs = b->cs ? b->cs : GDT_SEL_CODE64, ds = b->ds ? b->ds : GDT_SEL_DATA;

	memset(s, 0, sizeof(*s));
	set_seg(&s->cs, cs, SEG_ATTR_CODE64, SEG_LIMIT_4G);
	set_seg(&s->ds, ds, SEG_ATTR_DATA, SEG_LIMIT_4G);
	set_seg(&s->es, ds, SEG_ATTR_DATA, SEG_LIMIT_4G);
	set_seg(&s->ss, ds, SEG_ATTR_DATA, SEG_LIMIT_4G);
	set_seg(&s->fs, ds, SEG_ATTR_DATA, SEG_LIMIT_4G);
	set_seg(&s->gs, ds, SEG_ATTR_DATA, SEG_LIMIT_4G);
	s->gdtr.base = b->gdt_base;
	s->gdtr.limit = b->gdt_limit;
	set_seg(&s->tr, 0, SEG_ATTR_TSS64_BUSY, TR_LIMIT);
	set_seg(&s->ldtr, 0, SEG_ATTR_LDT, 0);
	s->cpl = 0;
	/* SVME stays set in the VMCB: VMRUN refuses a guest without it (15.5.1). */
	s->efer = EFER_LME | EFER_LMA | (has_nx ? EFER_NXE : 0) | EFER_SVME;
	s->cr0 = GUEST_CR0;
	s->cr3 = b->cr3;
	s->cr4 = GUEST_CR4;
	s->dr6 = DR6_RESET;
	s->dr7 = DR7_RESET;
	s->g_pat = PAT_RESET;

	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rip = b->rip;
	v->regs.rsp = b->rsp;
	v->regs.rdi = b->arg;
	v->regs.rsi = b->rsi;
	v->regs.rflags = RFLAGS_RESET;
	v->xcr0 = XCR0_RESET;
	c->event_inj = 0;
	c->interrupt_shadow = 0;
	sv->flush_epoch = 0;	/* flush this ASID at the next entry */
}

/* The INIT state (APM vol. 2, 14.1.3), then a start-up IPI's real-mode entry. */
static void svm_vcpu_reset_sipi(struct vcpu *v, uint8_t vector)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_save *s = &sv->vmcb->save;
	struct vmcb_control *c = &sv->vmcb->ctl;
	struct vmcb_seg *data[] = {&s->ds, &s->es, &s->fs, &s->gs, &s->ss};

	memset(s, 0, sizeof(*s));
	s->cs.selector = (uint16_t)(vector << SIPI_SEL_SHIFT);
	s->cs.base = (uint64_t)vector << SIPI_BASE_SHIFT;
	s->cs.limit = REAL_LIMIT;
	s->cs.attrib = SEG_ATTR_REAL_CODE;
	for (unsigned int i = 0; i < ARRAY_SIZE(data); i++) {
		data[i]->limit = REAL_LIMIT;
		data[i]->attrib = SEG_ATTR_REAL_DATA;
	}
	s->gdtr.limit = REAL_LIMIT;
	s->idtr.limit = REAL_LIMIT;
	s->ldtr.attrib = SEG_ATTR_LDT;
	s->ldtr.limit = REAL_LIMIT;
	s->tr.attrib = SEG_ATTR_TSS64_BUSY;
	s->tr.limit = REAL_LIMIT;
	s->efer = EFER_SVME;
	s->cr0 = INIT_CR0;
	s->dr6 = DR6_RESET;
	s->dr7 = DR7_RESET;
	s->g_pat = PAT_RESET;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = RFLAGS_RESET;
	v->xcr0 = XCR0_RESET;
	c->event_inj = 0;
	c->interrupt_shadow = 0;
	c->vintr &= ~VINTR_V_IRQ;
	c->intercept_misc1 &= ~INTERCEPT_VINTR;
	sv->flush_epoch = 0;
}

static bool svm_can_inject(struct vcpu *v)
{
	return !(((struct svm_vcpu *)v->backend)->vmcb->ctl.event_inj & EVENT_VALID);
}

/*
 * The interrupt shadow of STI or MOV SS covers one instruction (APM vol. 2,
 * 15.21.5). The VMCB still holds the RIP of the exit: if the hypervisor has
 * moved RIP since, it completed that instruction (a HLT after STI, the
 * idle loop of every OS, or an emulated access), so the shadow is over.
 * Left set, it would make the next interrupt wait for a VINTR exit.
 */
static void expire_shadow(struct vcpu *v, struct vmcb *vmcb)
{
	if (v->regs.rip != vmcb->save.rip)
		vmcb->ctl.interrupt_shadow &= ~INTERRUPT_SHADOW;
}

static bool svm_irq_window(struct vcpu *v)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->backend)->vmcb;

	expire_shadow(v, vmcb);
	return (v->regs.rflags & RFLAGS_IF) && !(vmcb->ctl.interrupt_shadow & INTERRUPT_SHADOW);
}

static void svm_inject_irq(struct vcpu *v, uint8_t vector)
{
	((struct svm_vcpu *)v->backend)->vmcb->ctl.event_inj =
		vector | (EVENT_TYPE_INTR << EVENT_TYPE_SHIFT) | EVENT_VALID;
}

static void svm_inject_nmi(struct vcpu *v)
{
	((struct svm_vcpu *)v->backend)->vmcb->ctl.event_inj =
		EXC_NMI | (EVENT_TYPE_NMI << EVENT_TYPE_SHIFT) | EVENT_VALID;
}

/*
 * A virtual interrupt request (V_IRQ) with the VINTR intercept exits as
 * soon as the guest could take an interrupt (15.21.4); the real vector is
 * then injected through EVENTINJ, which keeps the local APIC model in
 * charge of priorities.
 */
static void svm_request_irq_window(struct vcpu *v, bool enable)
{
	struct vmcb_control *c = &((struct svm_vcpu *)v->backend)->vmcb->ctl;

	if (enable) {
		c->vintr |= VINTR_V_IRQ | VINTR_IGN_TPR | (VINTR_PRIO_MAX << VINTR_PRIO_SHIFT);
		c->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		c->vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR | (VINTR_PRIO_MAX << VINTR_PRIO_SHIFT));
		c->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct svm_vcpu *sv = v->backend;

	sv->vmcb->ctl.event_inj = vector | (EVENT_TYPE_EXCEPTION << EVENT_TYPE_SHIFT) |
				  EVENT_VALID |
				  (has_error ? EVENT_ERROR_VALID | ((uint64_t)error << EVENT_ERROR_SHIFT)
					     : 0);
}

static void svm_get_sregs(struct vcpu *v, struct vcpu_sregs *out)
{
	const struct svm_vcpu *sv = v->backend;
	const struct vmcb_save *s = &sv->vmcb->save;

	out->cr0 = s->cr0;
	out->cr2 = s->cr2;
	out->cr3 = s->cr3;
	out->cr4 = s->cr4;
	/* The guest's EFER is the VMCB's without SVME (the hardware keeps LMA current). */
	out->efer = s->efer & ~(uint64_t)EFER_SVME;
	out->cpl = s->cpl;
	out->cs_l = s->cs.attrib & SEG_ATTRIB_L;
	out->cs_db = s->cs.attrib & SEG_ATTRIB_DB;
	out->seg_base[0] = s->es.base;
	out->seg_base[1] = s->cs.base;
	out->seg_base[2] = s->ss.base;
	out->seg_base[3] = s->ds.base;
	out->seg_base[4] = s->fs.base;
	out->seg_base[5] = s->gs.base;
}

static void svm_set_cr2(struct vcpu *v, uint64_t cr2)
{
	((struct svm_vcpu *)v->backend)->vmcb->save.cr2 = cr2;
}

static uint64_t svm_get_efer(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->backend)->vmcb->save.efer & ~(uint64_t)EFER_SVME;
}

static int svm_set_efer(struct vcpu *v, uint64_t efer)
{
	struct svm_vcpu *sv = v->backend;

	if ((efer & ~EFER_GUEST_MASK) || ((efer & EFER_NXE) && !has_nx))
		return -EINVAL;
	/* LMA is read-only for software; the hardware keeps it. */
	efer = (efer & ~(uint64_t)EFER_LMA) | (sv->vmcb->save.efer & EFER_LMA);
	sv->vmcb->save.efer = efer | EFER_SVME;
	return 0;
}

static uint64_t svm_get_pat(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->backend)->vmcb->save.g_pat;
}

static int svm_set_pat(struct vcpu *v, uint64_t pat)
{
	/* Each of the eight entries must be a defined memory type (7.8.1). */
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (i * 8));

		if (t > 7 || t == 2 || t == 3)
			return -EINVAL;
	}
	((struct svm_vcpu *)v->backend)->vmcb->save.g_pat = pat;
	return 0;
}

/* --- the run loop ------------------------------------------------------- */

static void decode_exit(struct vcpu *v, struct vmcb *vmcb, struct exit_info *e)
{
	uint64_t code = vmcb->ctl.exit_code, info1 = vmcb->ctl.exit_info1;

	memset(e, 0, sizeof(*e));
	e->hw_code = code;
	switch (code) {
	case SVM_EXIT_CPUID:
		e->kind = EXIT_CPUID;
		e->insn_len = INSN_LEN_CPUID;
		break;
	case SVM_EXIT_MSR:
		e->kind = info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		e->msr.index = (uint32_t)v->regs.rcx;
		e->insn_len = INSN_LEN_MSR;
		break;
	case SVM_EXIT_IOIO:
		e->kind = EXIT_IO;
		e->io.port = (uint16_t)(info1 >> IOIO_PORT_SHIFT);
		e->io.in = info1 & IOIO_TYPE_IN;
		e->io.string = info1 & IOIO_STR;
		e->io.rep = info1 & IOIO_REP;
		e->io.size = (info1 & IOIO_SZ32) ? 4 : (info1 & IOIO_SZ16) ? 2 : 1;
		/* EXITINFO2 holds the next RIP for IOIO on every CPU (15.10.2). */
		e->insn_len = (unsigned int)(vmcb->ctl.exit_info2 - v->regs.rip);
		break;
	case SVM_EXIT_HLT:
		e->kind = EXIT_HLT;
		e->insn_len = INSN_LEN_HLT;
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = EXIT_HYPERCALL;
		e->insn_len = INSN_LEN_VMMCALL;
		break;
	case SVM_EXIT_INVD:
		e->kind = EXIT_INVD;
		e->insn_len = INSN_LEN_INVD;
		break;
	case SVM_EXIT_WBINVD:
		e->kind = EXIT_WBINVD;
		e->insn_len = INSN_LEN_WBINVD;
		break;
	case SVM_EXIT_XSETBV:
		e->kind = EXIT_XSETBV;
		e->insn_len = INSN_LEN_XSETBV;
		break;
	case SVM_EXIT_NPF:
		e->kind = EXIT_NPF;
		e->npf.gpa = vmcb->ctl.exit_info2;
		e->npf.write = info1 & NPF_WRITE;
		e->npf.fetch = info1 & NPF_FETCH;
		e->npf.present = info1 & NPF_PRESENT;
		break;
	case SVM_EXIT_INTR:
		e->kind = EXIT_INTR;
		break;
	case SVM_EXIT_NMI:
		e->kind = EXIT_NMI;
		break;
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		/*
		 * Physical SMIs and INITs are intercepted so that they are taken
		 * in the host's context (15.13.2, 15.13.3); the guest just goes on.
		 */
		e->kind = EXIT_NONE;
		break;
	case SVM_EXIT_RDPMC:
		e->kind = EXIT_RDPMC;
		break;
	case SVM_EXIT_VINTR:
		e->kind = EXIT_IRQ_WINDOW;
		break;
	case SVM_EXIT_RSM:
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		e->kind = EXIT_VIRT_INSN;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_INVALID:
		e->kind = EXIT_INVALID_STATE;
		break;
	default:
		e->kind = EXIT_UNHANDLED;
		break;
	}
	/* Where the CPU reports the next RIP (NRIP-save), trust it (15.7.1). */
	if (caps.nrips && vmcb->ctl.next_rip > v->regs.rip &&
	    vmcb->ctl.next_rip - v->regs.rip <= MAX_INSN_LEN && e->insn_len)
		e->insn_len = (unsigned int)(vmcb->ctl.next_rip - v->regs.rip);
}

static unsigned int stat_reason(enum exit_kind k)
{
	switch (k) {
	case EXIT_CPUID:
		return BH_EXIT_CPUID;
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE:
		return BH_EXIT_MSR;
	case EXIT_IO:
		return BH_EXIT_IO;
	case EXIT_HLT:
		return BH_EXIT_HLT;
	case EXIT_HYPERCALL:
		return BH_EXIT_HYPERCALL;
	case EXIT_NPF:
		return BH_EXIT_NPF;
	case EXIT_INTR:
		return BH_EXIT_INTR;
	case EXIT_NMI:
		return BH_EXIT_NMI;
	case EXIT_VIRT_INSN:
		return BH_EXIT_SVM_INSN;
	case EXIT_INVD:
	case EXIT_WBINVD:
		return BH_EXIT_CACHE;
	case EXIT_XSETBV:
		return BH_EXIT_XSETBV;
	case EXIT_SHUTDOWN:
		return BH_EXIT_SHUTDOWN;
	default:
		return BH_EXIT_OTHER;
	}
}

static void svm_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	struct svm_vcpu *sv = v->backend;
	struct svm_part *sp = v->part->backend;
	struct vmcb *vmcb = sv->vmcb;
	unsigned int cpu = cpu_id();
	uint64_t epoch, t_entry, t_exit;

	expire_shadow(v, vmcb);
	vmcb->save.rax = v->regs.rax;
	vmcb->save.rsp = v->regs.rsp;
	vmcb->save.rip = v->regs.rip;
	vmcb->save.rflags = v->regs.rflags;

	epoch = READ_ONCE(sp->flush_epoch);
	if (sv->flush_epoch != epoch) {
		vmcb->ctl.tlb_control = caps.flush_by_asid ? TLB_CONTROL_FLUSH_ASID
							   : TLB_CONTROL_FLUSH_ALL;
		sv->flush_epoch = epoch;
	} else {
		vmcb->ctl.tlb_control = TLB_CONTROL_NOTHING;
	}
	if (has_xsave && v->xcr0 != cur_xcr0[cpu]) {
		__asm__ __volatile__("xsetbv" ::"c"(0), "a"((uint32_t)v->xcr0),
				     "d"((uint32_t)(v->xcr0 >> 32)));
		cur_xcr0[cpu] = v->xcr0;
	}

	/*
	 * GIF off, then IF on: with V_INTR_MASKING the host's IF decides
	 * whether physical interrupts end the guest's run (15.21.1), and GIF
	 * keeps them pending until STGI, where the host handles them. The
	 * caller may already have interrupts off (vcpu_run_loop does).
	 */
	irq_disable();
	__asm__ __volatile__("clgi" ::: "memory");
	if (!vcpu_may_enter(v)) {
		__asm__ __volatile__("stgi" ::: "memory");
		irq_enable();
		memset(e, 0, sizeof(*e));
		e->kind = EXIT_NONE;
		return;
	}
	irq_enable();
	t_entry = rdtsc();
	svm_vmrun(sv->vmcb_pa, &v->regs, host_save_pa[cpu]);
	t_exit = rdtsc();
	__asm__ __volatile__("stgi" ::: "memory");

	v->regs.rax = vmcb->save.rax;
	v->regs.rsp = vmcb->save.rsp;
	v->regs.rip = vmcb->save.rip;
	v->regs.rflags = vmcb->save.rflags;

	/*
	 * An event that was being delivered when the exit struck (a nested
	 * page fault on the IDT, say) must be delivered again (15.7.2).
	 */
	if (vmcb->ctl.exit_int_info & EVENT_VALID)
		vmcb->ctl.event_inj = vmcb->ctl.exit_int_info;

	decode_exit(v, vmcb, e);
	vcpu_account_exit(v, stat_reason(e->kind), t_entry, t_exit);
}

const struct virt_ops svm_ops = {
	.name = "AMD-V",
	.cpu_enable = svm_cpu_enable,
	.partition_init = svm_partition_init,
	.partition_destroy = svm_partition_destroy,
	.map = svm_map,
	.flush = svm_flush,
	.partition_overhead = svm_partition_overhead,
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_reset = svm_vcpu_reset,
	.vcpu_run = svm_vcpu_run,
	.inject_exception = svm_inject_exception,
	.vcpu_reset_sipi = svm_vcpu_reset_sipi,
	.can_inject = svm_can_inject,
	.irq_window = svm_irq_window,
	.inject_irq = svm_inject_irq,
	.inject_nmi = svm_inject_nmi,
	.request_irq_window = svm_request_irq_window,
	.get_sregs = svm_get_sregs,
	.set_cr2 = svm_set_cr2,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_pat = svm_get_pat,
	.set_pat = svm_set_pat,
};
