/* SPDX-License-Identifier: MIT */
/*
 * The Virtual Machine Control Block (AMD APM vol. 2, appendix B): the
 * control area at 0x000 and the state-save area at 0x400. Offsets are
 * checked at compile time against the manual's tables B-1 and B-2.
 */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include "lib/compiler.h"

#define VMCB_SIZE 4096

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;	/* compressed: type, S, DPL, P, AVL, L, D/B, G */
	uint32_t limit;
	uint64_t base;
} __packed;

struct vmcb_control {
	uint16_t intercept_cr_read;	/* 0x000 */
	uint16_t intercept_cr_write;	/* 0x002 */
	uint16_t intercept_dr_read;	/* 0x004 */
	uint16_t intercept_dr_write;	/* 0x006 */
	uint32_t intercept_exceptions;	/* 0x008 */
	uint32_t intercept_misc1;	/* 0x00c */
	uint32_t intercept_misc2;	/* 0x010 */
	uint32_t intercept_misc3;	/* 0x014 */
	uint8_t reserved1[0x03c - 0x018];
	uint16_t pause_filter_threshold;	/* 0x03c */
	uint16_t pause_filter_count;	/* 0x03e */
	uint64_t iopm_base_pa;		/* 0x040 */
	uint64_t msrpm_base_pa;		/* 0x048 */
	uint64_t tsc_offset;		/* 0x050 */
	uint32_t guest_asid;		/* 0x058 */
	uint8_t tlb_control;		/* 0x05c */
	uint8_t reserved2[3];
	uint64_t vintr;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	uint64_t interrupt_shadow;	/* 0x068 */
	uint64_t exit_code;		/* 0x070 */
	uint64_t exit_info1;		/* 0x078 */
	uint64_t exit_info2;		/* 0x080 */
	uint64_t exit_int_info;		/* 0x088 */
	uint64_t np_control;		/* 0x090: bit 0 = nested paging */
	uint64_t avic_apic_bar;		/* 0x098 */
	uint64_t ghcb_pa;		/* 0x0a0 */
	uint64_t event_inj;		/* 0x0a8 */
	uint64_t n_cr3;			/* 0x0b0 */
	uint64_t virt_ext;		/* 0x0b8: LBR virtualization, VMSAVE/VMLOAD virt. */
	uint32_t clean_bits;		/* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip;		/* 0x0c8 */
	uint8_t insn_bytes_fetched;	/* 0x0d0 */
	uint8_t insn_bytes[15];		/* 0x0d1 */
	uint8_t reserved4[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es;		/* 0x400 */
	struct vmcb_seg cs;		/* 0x410 */
	struct vmcb_seg ss;		/* 0x420 */
	struct vmcb_seg ds;		/* 0x430 */
	struct vmcb_seg fs;		/* 0x440 */
	struct vmcb_seg gs;		/* 0x450 */
	struct vmcb_seg gdtr;		/* 0x460 */
	struct vmcb_seg ldtr;		/* 0x470 */
	struct vmcb_seg idtr;		/* 0x480 */
	struct vmcb_seg tr;		/* 0x490 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl;			/* 0x4cb */
	uint32_t reserved2;
	uint64_t efer;			/* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4;			/* 0x548 */
	uint64_t cr3;			/* 0x550 */
	uint64_t cr0;			/* 0x558 */
	uint64_t dr7;			/* 0x560 */
	uint64_t dr6;			/* 0x568 */
	uint64_t rflags;		/* 0x570 */
	uint64_t rip;			/* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp;			/* 0x5d8 */
	uint64_t s_cet;			/* 0x5e0 */
	uint64_t ssp;			/* 0x5e8 */
	uint64_t isst_addr;		/* 0x5f0 */
	uint64_t rax;			/* 0x5f8 */
	uint64_t star;			/* 0x600 */
	uint64_t lstar;			/* 0x608 */
	uint64_t cstar;			/* 0x610 */
	uint64_t sfmask;		/* 0x618 */
	uint64_t kernel_gs_base;	/* 0x620 */
	uint64_t sysenter_cs;		/* 0x628 */
	uint64_t sysenter_esp;		/* 0x630 */
	uint64_t sysenter_eip;		/* 0x638 */
	uint64_t cr2;			/* 0x640 */
	uint8_t reserved5[0x668 - 0x648];
	uint64_t g_pat;			/* 0x668 */
	uint64_t dbgctl;		/* 0x670 */
	uint64_t br_from;		/* 0x678 */
	uint64_t br_to;			/* 0x680 */
	uint64_t last_excp_from;	/* 0x688 */
	uint64_t last_excp_to;		/* 0x690 */
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
	uint8_t reserved[VMCB_SIZE - 0x400 - sizeof(struct vmcb_save)];
} __packed;

ASSERT_OFFSET(struct vmcb_control, intercept_exceptions, 0x008);
ASSERT_OFFSET(struct vmcb_control, intercept_misc1, 0x00c);
ASSERT_OFFSET(struct vmcb_control, intercept_misc2, 0x010);
ASSERT_OFFSET(struct vmcb_control, iopm_base_pa, 0x040);
ASSERT_OFFSET(struct vmcb_control, guest_asid, 0x058);
ASSERT_OFFSET(struct vmcb_control, tlb_control, 0x05c);
ASSERT_OFFSET(struct vmcb_control, exit_code, 0x070);
ASSERT_OFFSET(struct vmcb_control, exit_int_info, 0x088);
ASSERT_OFFSET(struct vmcb_control, np_control, 0x090);
ASSERT_OFFSET(struct vmcb_control, event_inj, 0x0a8);
ASSERT_OFFSET(struct vmcb_control, n_cr3, 0x0b0);
ASSERT_OFFSET(struct vmcb_control, clean_bits, 0x0c0);
ASSERT_OFFSET(struct vmcb_control, next_rip, 0x0c8);
ASSERT_OFFSET(struct vmcb_control, insn_bytes, 0x0d1);
BUILD_ASSERT(sizeof(struct vmcb_control) == 0x400);
ASSERT_OFFSET(struct vmcb, save, 0x400);
ASSERT_OFFSET(struct vmcb_save, tr, 0x490 - 0x400);
ASSERT_OFFSET(struct vmcb_save, cpl, 0x4cb - 0x400);
ASSERT_OFFSET(struct vmcb_save, efer, 0x4d0 - 0x400);
ASSERT_OFFSET(struct vmcb_save, cr4, 0x548 - 0x400);
ASSERT_OFFSET(struct vmcb_save, rip, 0x578 - 0x400);
ASSERT_OFFSET(struct vmcb_save, rsp, 0x5d8 - 0x400);
ASSERT_OFFSET(struct vmcb_save, rax, 0x5f8 - 0x400);
ASSERT_OFFSET(struct vmcb_save, star, 0x600 - 0x400);
ASSERT_OFFSET(struct vmcb_save, cr2, 0x640 - 0x400);
ASSERT_OFFSET(struct vmcb_save, g_pat, 0x668 - 0x400);
BUILD_ASSERT(sizeof(struct vmcb) == VMCB_SIZE);

/* Intercept vector 3 (offset 0x00c), APM vol. 2 table B-1. */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_SMI (1u << 2)
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_RDPMC (1u << 15)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_RSM (1u << 19)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_IOIO_PROT (1u << 27)
#define INTERCEPT_MSR_PROT (1u << 28)
#define INTERCEPT_TASK_SWITCH (1u << 29)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* Intercept vector 4 (offset 0x010). */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_RDTSCP (1u << 7)
#define INTERCEPT_ICEBP (1u << 8)
#define INTERCEPT_WBINVD (1u << 9)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT (1u << 11)
#define INTERCEPT_MWAIT_COND (1u << 12)
#define INTERCEPT_XSETBV (1u << 13)

/* V_INTR_MASKING (offset 0x060 bit 24): host IF masks physical interrupts. */
#define VINTR_MASKING (1ull << 24)
#define VINTR_V_IRQ (1ull << 8)
#define VINTR_PRIO_SHIFT 16
#define VINTR_PRIO_MAX 0xFull
#define VINTR_IGN_TPR (1ull << 20)
#define INTERRUPT_SHADOW 1ull
#define NP_ENABLE 1ull
#define TLB_CONTROL_NOTHING 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

/* EVENTINJ / EXITINTINFO format (APM vol. 2, 15.20). */
#define EVENT_VECTOR_MASK 0xffull
#define EVENT_TYPE_SHIFT 8
#define EVENT_TYPE_INTR 0ull
#define EVENT_TYPE_NMI 2ull
#define EVENT_TYPE_EXCEPTION 3ull
#define EVENT_TYPE_SOFT 4ull
#define EVENT_ERROR_VALID (1ull << 11)
#define EVENT_VALID (1ull << 31)
#define EVENT_ERROR_SHIFT 32

/* #VMEXIT codes (APM vol. 2, appendix C). */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_RDPMC 0x06f
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_RSM 0x073
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_ICEBP 0x088
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_COND 0x08c
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull

/* IOIO EXITINFO1 (APM vol. 2, 15.10.2). */
#define IOIO_TYPE_IN (1ull << 0)
#define IOIO_STR (1ull << 2)
#define IOIO_REP (1ull << 3)
#define IOIO_SZ8 (1ull << 4)
#define IOIO_SZ16 (1ull << 5)
#define IOIO_SZ32 (1ull << 6)
#define IOIO_PORT_SHIFT 16

/* Segment attributes in the VMCB's compressed form (APM vol. 2, 15.5.1). */
#define SEG_ATTRIB_L (1u << 9)
#define SEG_ATTRIB_DB (1u << 10)
#define SEG_ATTR_CODE64 0x0a9b	/* code RX accessed, S, P, L, G */
#define SEG_ATTR_DATA 0x0c93	/* data RW accessed, S, P, D/B, G */
#define SEG_ATTR_TSS64_BUSY 0x008b
#define SEG_ATTR_LDT 0x0082
#define SEG_ATTR_REAL_CODE 0x009b	/* code RX accessed, S, P */
#define SEG_ATTR_REAL_DATA 0x0093	/* data RW accessed, S, P */

#endif
