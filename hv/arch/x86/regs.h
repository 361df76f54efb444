/* SPDX-License-Identifier: MIT */
/*
 * Architectural constants: control-register bits, MSR numbers, CPUID bits,
 * segment selectors. Each is named once here and used from C and assembly.
 * References: AMD APM vol. 2 (3.1 control registers, 3.1.7 EFER, 15.30
 * SVM MSRs), AMD APM vol. 3 appendix E (CPUID), Intel SDM vol. 3A 2.5.
 */
#ifndef ARCH_X86_REGS_H
#define ARCH_X86_REGS_H

#ifdef __ASSEMBLY__
#define _BITUL(n) (1 << (n))
#define _BITULL(n) (1 << (n))
#else
#define _BITUL(n) (1u << (n))
#define _BITULL(n) (1ull << (n))
#endif

/* CR0 (APM vol. 2, 3.1.1) */
#define CR0_PE _BITUL(0)
#define CR0_MP _BITUL(1)
#define CR0_EM _BITUL(2)
#define CR0_TS _BITUL(3)
#define CR0_ET _BITUL(4)
#define CR0_NE _BITUL(5)
#define CR0_WP _BITUL(16)
#define CR0_AM _BITUL(18)
#define CR0_NW _BITUL(29)
#define CR0_CD _BITUL(30)
#define CR0_PG 0x80000000

/* CR4 (APM vol. 2, 3.1.3) */
#define CR4_DE _BITUL(3)
#define CR4_PSE _BITUL(4)
#define CR4_PAE _BITUL(5)
#define CR4_PGE _BITUL(7)
#define CR4_OSFXSR _BITUL(9)
#define CR4_OSXMMEXCPT _BITUL(10)
#define CR4_OSXSAVE _BITUL(18)

/* RFLAGS */
#define RFLAGS_IF _BITUL(9)
#define RFLAGS_ID _BITUL(21)

/* MSRs */
#define MSR_IA32_APIC_BASE 0x0000001B
#define MSR_IA32_TSC_DEADLINE 0x000006E0
#define MSR_IA32_PAT 0x00000277
#define MSR_EFER 0xC0000080
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_VM_CR 0xC0010114
#define MSR_VM_HSAVE_PA 0xC0010117

/* EFER (APM vol. 2, 3.1.7) */
#define EFER_SCE _BITUL(0)
#define EFER_LME _BITUL(8)
#define EFER_LMA _BITUL(10)
#define EFER_NXE _BITUL(11)
#define EFER_SVME _BITUL(12)

/* VM_CR (APM vol. 2, 15.30.1) */
#define VM_CR_LOCK _BITUL(3)
#define VM_CR_SVMDIS _BITUL(4)

/* IA32_APIC_BASE (APM vol. 2, 16.3.1) */
#define APIC_BASE_BSP _BITUL(8)
#define APIC_BASE_X2APIC_ENABLE _BITUL(10)
#define APIC_BASE_ENABLE _BITUL(11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* CPUID leaves and bits (APM vol. 3, appendix E) */
#define CPUID_LEAF_VENDOR 0x00000000
#define CPUID_LEAF_FEATURES 0x00000001
#define CPUID_EXT_MAX 0x80000000
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_APM 0x80000007
#define CPUID_EXT_SVM 0x8000000A
#define CPUID_1_ECX_X2APIC _BITUL(21)
#define CPUID_1_ECX_TSC_DEADLINE _BITUL(24)
#define CPUID_1_ECX_XSAVE _BITUL(26)
#define CPUID_1_ECX_OSXSAVE _BITUL(27)
#define CPUID_1_ECX_HYPERVISOR 0x80000000
#define CPUID_1_EDX_TSC _BITUL(4)
#define CPUID_1_EDX_MSR _BITUL(5)
#define CPUID_1_EDX_PAE _BITUL(6)
#define CPUID_1_EDX_APIC _BITUL(9)
#define CPUID_1_ECX_VMX _BITUL(5)
#define CPUID_81_ECX_SVM _BITUL(2)
#define CPUID_81_EDX_NX _BITUL(20)
#define CPUID_81_EDX_PAGE1GB _BITUL(26)
#define CPUID_81_EDX_LM _BITUL(29)
#define CPUID_87_EDX_INVARIANT_TSC _BITUL(8)
#define CPUID_8A_EDX_NP _BITUL(0)
#define CPUID_8A_EDX_NRIPS _BITUL(3)

/* Segment selectors of the hypervisor's GDT (gdt.c keeps the same order). */
#define GDT_SEL_NULL 0x00
#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA 0x10
#define GDT_SEL_CODE32 0x18
#define GDT_SEL_TSS 0x20

/* Page-table entry bits (APM vol. 2, 5.4) */
#define PTE_P _BITULL(0)
#define PTE_W _BITULL(1)
#define PTE_U _BITULL(2)
#define PTE_PWT _BITULL(3)
#define PTE_PCD _BITULL(4)
#define PTE_A _BITULL(5)
#define PTE_D _BITULL(6)
#define PTE_PS _BITULL(7)
#define PTE_G _BITULL(8)
#ifndef __ASSEMBLY__
#define PTE_NX (1ull << 63)
#endif

#endif
