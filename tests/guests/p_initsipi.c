// SPDX-License-Identifier: MIT
/*
 * p_initsipi: vCPU 1 started the way a real processor is, by the
 * INIT-SIPI-SIPI sequence (Intel SDM vol. 3A, 9.4.4.1 "Typical BSP
 * Initialization Sequence" and 11.6.1; MultiProcessor Specification 1.4,
 * B.4), not by the BH_HC_VCPU_START hypercall.
 * Needs: vcpus >= 2 (only vCPU 1 is started), any RAM (uses 0x9000-0x9FFF).
 *
 * vCPU 0 copies a trampoline to guest-physical 0x9000 (the loader owns
 * [0, 0x8000) for its page tables, which the trampoline reuses), sends
 * INIT (level assert), INIT level de-assert, waits 10 ms, then STARTUP with
 * vector 0x09 twice, 200 us apart. vCPU 1 must come out of wait-for-SIPI in
 * real mode at CS:IP = 0x0900:0000 (SDM 9.4.4.1, 11.6.1: the vector is the
 * 4 KiB page of the start address) and climb to 64-bit mode by itself:
 * 16-bit -> protected mode (CR0.PE) -> long mode (CR4.PAE, CR3 = 0x1000,
 * EFER.LME, CR0.PG; SDM 10.8.5 "Initializing IA-32e Mode") -> C.
 * Proves: the AP runs the trampoline exactly once (the second SIPI, which
 * finds it no longer waiting for SIPI, is ignored: SDM 9.4.4.1 note), sees
 * APIC ID 1 and CPUID initial APIC ID 1, and prints
 * "GUEST-PASS: initsipi-vcpu1-running".
 */
#include "rt.h"

#define TRAMP_ADDR  0x9000 /* also spelled into the trampoline below */
#define STR_(x)	    #x
#define STR(x)	    STR_(x)
#define SIPI_VECTOR (TRAMP_ADDR >> 12)
#define STACK_SIZE  16384
#define START_US    20000000ul /* a vCPU can take seconds to start under TCG */

extern const char tramp_start[], tramp_end[], tramp_stack[], tramp_entry[];

/*
 * The trampoline: assembled here, copied to TRAMP_ADDR and run from there,
 * so every absolute address in it is TRAMP_ADDR + (label - tramp_start).
 * GDT: 0x08 32-bit code, 0x10 data, 0x18 64-bit code (SDM 3.4.5).
 * tramp_stack and tramp_entry are filled in by vCPU 0 in the copy.
 */
__asm__(
    ".pushsection .rodata\n"
    ".balign 16\n"
    ".globl tramp_start, tramp_end, tramp_stack, tramp_entry\n"
    ".code16\n"
    "tramp_start:\n"
    "	cli\n"
    "	cld\n"
    "	movw %cs, %ax\n" /* 0x0900 */
    "	movw %ax, %ds\n"
    "	lgdtl tramp_gdtr - tramp_start\n"
    "	movl %cr0, %eax\n"
    "	orl $1, %eax\n" /* PE */
    "	movl %eax, %cr0\n"
    "	ljmpl $0x08, $(" STR(
	TRAMP_ADDR) " + tramp_32 - tramp_start)\n"
		    ".code32\n"
		    "tramp_32:\n"
		    "	movl $0x10, %eax\n"
		    "	movl %eax, %ds\n"
		    "	movl %eax, %es\n"
		    "	movl %eax, %ss\n"
		    "	movl %eax, %fs\n"
		    "	movl %eax, %gs\n"
		    "	movl %cr4, %eax\n"
		    "	orl $0x20, %eax\n" /* PAE */
		    "	movl %eax, %cr4\n"
		    "	movl $0x1000, %eax\n" /* the loader's PML4: identity map of 4 GiB */
		    "	movl %eax, %cr3\n"
		    "	movl $0xC0000080, %ecx\n" /* EFER */
		    "	rdmsr\n"
		    "	orl $0x100, %eax\n" /* LME */
		    "	wrmsr\n"
		    "	movl %cr0, %eax\n"
		    "	orl $0x80000000, %eax\n" /* PG: long mode becomes active */
		    "	movl %eax, %cr0\n"
		    "	ljmpl $0x18, $(" STR(
			TRAMP_ADDR) " + tramp_64 - tramp_start)\n"
				    ".code64\n"
				    "tramp_64:\n"
				    "	movq (" STR(
					TRAMP_ADDR) " + tramp_stack - tramp_start), %rsp\n"
						    "	movq (" STR(
							TRAMP_ADDR) " + tramp_entry - "
								    "tramp_start), %rax\n"
								    "	xorl %ebp, %ebp\n"
								    "	call *%rax\n"
								    "1:	hlt\n"
								    "	jmp 1b\n"
								    ".balign 8\n"
								    "tramp_gdt:\n"
								    "	.quad 0\n"
								    "	.quad "
								    "0x00cf9a000000ffff\n" /* 0x08:
											      code,
											      32-bit,
											      base
											      0,
											      4
											      GiB
											    */
								    "	.quad "
								    "0x00cf92000000ffff\n" /* 0x10:
											      data,
											      4
											      GiB
											    */
								    "	.quad "
								    "0x00af9a000000ffff\n" /* 0x18:
											      code,
											      L
											      =
											      1
											    */
								    "tramp_gdtr:\n"
								    "	.word 4 * 8 - 1\n"
								    "	.long " STR(
									TRAMP_ADDR) " + "
										    "tramp_gdt "
										    "- "
										    "tramp_"
										    "start\n"
										    ".balign "
										    "8\n"
										    "tramp_"
										    "stack:\n"
										    "	."
										    "quad 0\n"
										    "tramp_"
										    "entry:\n"
										    "	."
										    "quad 0\n"
										    "tramp_end:"
										    "\n"
										    ".popsectio"
										    "n\n");

static uint8_t ap_stack[STACK_SIZE] __aligned(16);
static volatile uint32_t ap_entries, ap_apic_id = 0xFFFFFFFFu, ap_cpuid_id = 0xFFFFFFFFu;
static volatile uint32_t ap_done;

/* Called by the trampoline on vCPU 1, in 64-bit mode, on ap_stack. */
static void ap_main(void)
{
	uint32_t a, b, c, d;

	__atomic_fetch_add(&ap_entries, 1, __ATOMIC_RELAXED);
	guest_cpu_init(1); /* the runtime's GDT (rt_vcpu_index) and IDT */
	ap_apic_id = lapic_read(LAPIC_ID) >> 24;
	cpuid(1, 0, &a, &b, &c, &d);
	ap_cpuid_id = b >> 24;
	GUEST_PASS("initsipi-vcpu1-running");
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
	halt_forever();
}

static uint64_t tramp_off(const char *sym)
{
	return (uint64_t)(sym - tramp_start);
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint64_t size = tramp_off(tramp_end);
	uint64_t entry = (uintptr_t)ap_main, stack = (uintptr_t)ap_stack + STACK_SIZE;
	bool ok;

	guest_info(&info);
	gprintf("initsipi: %s: needs vcpus >= 2 (has %u); starts vCPU 1 by INIT-SIPI-SIPI\n",
		info.name, info.vcpu_count);
	if (!guest_require_vcpus(&info, "initsipi", 2)) {
		guest_done();
		return;
	}

	memcpy((void *)(uintptr_t)TRAMP_ADDR, tramp_start, size);
	memcpy((void *)(uintptr_t)(TRAMP_ADDR + tramp_off(tramp_stack)), &stack, 8);
	memcpy((void *)(uintptr_t)(TRAMP_ADDR + tramp_off(tramp_entry)), &entry, 8);
	GUEST_CHECK("initsipi-trampoline-copied", memcmp((void *)(uintptr_t)TRAMP_ADDR, tramp_start,
							 tramp_off(tramp_stack)) == 0);
	gprintf("initsipi: trampoline of %lu bytes at %#x, AP entry %#lx\n", size, TRAMP_ADDR,
		entry);

	lapic_enable();
	/* INIT: level-triggered assert, then de-assert (SDM 11.6.1; what Linux sends). */
	ok = lapic_send_ipi(1, LAPIC_DM_INIT | LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT);
	ok = lapic_send_ipi(1, LAPIC_DM_INIT | LAPIC_ICR_LEVEL) && ok;
	guest_delay_us(10000);
	/* Two STARTUPs, 200 us apart (MP spec B.4). */
	ok = lapic_send_ipi(1, LAPIC_DM_STARTUP | SIPI_VECTOR) && ok;
	guest_delay_us(200);
	ok = lapic_send_ipi(1, LAPIC_DM_STARTUP | SIPI_VECTOR) && ok;
	GUEST_CHECK("initsipi-icr-idle", ok);

	if (!guest_wait_us(__atomic_load_n(&ap_done, __ATOMIC_ACQUIRE), START_US)) {
		GUEST_FAIL("initsipi-vcpu1-started", "vCPU 1 did not report in %lu s (entries %u)",
			   START_US / 1000000, ap_entries);
		guest_done();
		return;
	}
	GUEST_PASS("initsipi-vcpu1-started");
	/* Give a wrongly honoured second SIPI time to restart it. */
	guest_delay_us(100000);
	gprintf("initsipi: vCPU 1 entered %u time(s), APIC ID %u, CPUID APIC ID %u\n", ap_entries,
		ap_apic_id, ap_cpuid_id);
	GUEST_CHECK("initsipi-single-entry", ap_entries == 1);
	GUEST_CHECK("initsipi-vcpu1-apic-id", ap_apic_id == 1);
	GUEST_CHECK("initsipi-vcpu1-cpuid-apic-id", ap_cpuid_id == 1);
	guest_done();
}
