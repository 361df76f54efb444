/* SPDX-License-Identifier: MIT */
/*
 * The Bulkhead hypercall ABI, shared by the hypervisor, test guests and
 * (later) guest drivers and tools. docs/hypercalls.md describes it for
 * users; this header is the single definition of the numbers.
 *
 * A hypercall is the VMMCALL instruction (0F 01 D9) executed at CPL 0 with
 *   RAX = call number, RDI, RSI, RDX, R10, R8, R9 = arguments 1..6.
 * On return RAX holds the result: >= 0 on success, a negative BH_E* code on
 * failure. Every other register is preserved. Pointers are guest-physical
 * addresses. A call from CPL > 0 fails with -BH_EPERM.
 */
#ifndef ABI_BULKHEAD_H
#define ABI_BULKHEAD_H

#include <stdint.h>

/* ABI version: major in bits 31:16, minor in 15:0. */
#define BH_ABI_MAJOR 1
#define BH_ABI_MINOR 1
#define BH_ABI_VERSION ((BH_ABI_MAJOR << 16) | BH_ABI_MINOR)

/* CPUID leaf 0x40000000: EAX = highest leaf, EBX:ECX:EDX = "Bulkhead". */
#define BH_CPUID_SIGNATURE_LEAF 0x40000000u
#define BH_CPUID_SIGNATURE_EBX 0x6b6c7542u /* "Bulk" */
#define BH_CPUID_SIGNATURE_ECX 0x64616568u /* "head" */
#define BH_CPUID_SIGNATURE_EDX 0x00000000u
/* CPUID leaf 0x40000001: EAX = BH_ABI_VERSION. */
#define BH_CPUID_VERSION_LEAF 0x40000001u

enum bh_hypercall {
	BH_HC_VERSION = 0,	  /* () -> BH_ABI_VERSION */
	BH_HC_CONSOLE_WRITE = 1,  /* (gpa, len) -> bytes written */
	BH_HC_PARTITION_INFO = 2, /* (gpa of struct bh_partition_info) -> 0 */
	BH_HC_YIELD = 3,	  /* () -> 0 */
	BH_HC_VCPU_START = 4,	  /* (vcpu, rip, rsp, arg) -> 0 */
	BH_HC_POWEROFF = 5,	  /* () -> does not return */
	BH_HC_REBOOT = 6,	  /* () -> does not return */
	BH_HC_STATS = 7,	  /* (gpa of struct bh_vcpu_stats[], count) -> vCPUs */
	BH_HC_COUNT
};

/* Error codes (returned negated in RAX). */
#define BH_EPERM 1
#define BH_ENOENT 2
#define BH_EFAULT 14
#define BH_EBUSY 16
#define BH_EINVAL 22
#define BH_ENOSYS 38

/* Largest console write in one call. */
#define BH_CONSOLE_WRITE_MAX 4096

#define BH_NAME_MAX 32

struct bh_partition_info {
	uint32_t abi_version;
	uint32_t partition_id;
	uint32_t vcpu_count;
	uint32_t vcpu_id;	/* the calling vCPU */
	uint64_t memory_bytes;	/* guest RAM at guest-physical 0 */
	char name[BH_NAME_MAX]; /* NUL-terminated */
	uint64_t acpi_rsdp;	/* guest-physical RSDP, 0 if none (ABI 1.1) */
};

/* Exit reasons counted per vCPU (BH_HC_STATS, and the stop report). */
enum bh_exit_reason {
	BH_EXIT_CPUID,
	BH_EXIT_MSR,
	BH_EXIT_IO,
	BH_EXIT_HLT,
	BH_EXIT_HYPERCALL,
	BH_EXIT_NPF,
	BH_EXIT_INTR,
	BH_EXIT_NMI,
	BH_EXIT_EXCEPTION,
	BH_EXIT_SVM_INSN,
	BH_EXIT_CACHE,	/* INVD, WBINVD */
	BH_EXIT_XSETBV,
	BH_EXIT_SHUTDOWN,
	BH_EXIT_OTHER,
	BH_EXIT_REASONS
};

struct bh_vcpu_stats {
	uint64_t exits[BH_EXIT_REASONS];
	uint64_t guest_ns;	/* time spent running the guest */
	uint64_t hv_ns;		/* time spent in the hypervisor handling its exits */
};

#endif
