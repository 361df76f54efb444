// SPDX-License-Identifier: MIT
/*
 * p_mmio: the hypervisor's instruction emulator, instruction form by
 * instruction form, against the test device (configuration key
 * `testdev = on`): 4 KiB at guest-physical 0xFEB00000 that behaves like
 * byte-granular RAM (initially zero) but whose every access traps and is
 * emulated; reading offset 0xFF8 returns the number of accesses so far
 * (writes there are ignored).
 * Needs: testdev = on, 1 vCPU, any RAM. Interrupts stay off throughout.
 *
 * Method (after Jailhouse's MMIO test cell): each case is one instruction
 * in inline asm with a fixed encoding (the mnemonic and operands pin the
 * opcode; see the comment on each), run once on a RAM buffer and once on
 * the device, both windows filled with the same bytes first. The case
 * passes if both runs leave the same registers (rax, rbx, rcx, rdx, rsi,
 * r9; pointer registers compared as distances moved), the same defined
 * arithmetic flags (CF PF AF ZF SF OF as PUSHFQ sees them; the flags an
 * instruction leaves undefined per the Intel SDM vol. 2 / AMD APM vol. 3
 * are not compared, and MOV-like instructions must leave all six as they
 * were) and the same bytes in the first 512 bytes of the window (and in
 * the RAM destination of device-to-RAM string moves). One GUEST-PASS/FAIL
 * line per case, named mmio-<form>.
 *
 * Also proves the device starts zeroed, and that its access counter grows
 * by the accesses made and ignores writes.
 */
#include "rt.h"

#define DEV_BASE    0xFEB00000ull
#define DEV_SIZE    4096
#define DEV_COUNTER 0xFF8
#define WIN	    0x200 /* bytes of each window compared after a case */

/* RFLAGS (SDM vol. 1, 3.4.3). */
#define F_CF	0x001ull
#define F_PF	0x004ull
#define F_AF	0x010ull
#define F_ZF	0x040ull
#define F_SF	0x080ull
#define F_DF	0x400ull
#define F_OF	0x800ull
#define F_ALL	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_LOGIC (F_ALL & ~F_AF) /* AND OR XOR TEST: AF undefined */
#define F_BT	F_CF		/* BT BTS BTR BTC: only CF defined */
/* RFLAGS before each instruction: every arithmetic flag set (bit 1 is always 1, IF = 0). */
#define F_IN  (F_ALL | 0x2ull)
#define F_IN0 0x2ull

static uint8_t ram[DEV_SIZE] __aligned(4096);
static uint8_t src_buf[256] __aligned(64);
static uint8_t dst_buf[2][256] __aligned(64); /* [run]: RAM destinations */
static uint8_t snap[WIN];

#define DEV ((uint8_t *)(uintptr_t)DEV_BASE)

struct mm_out {
	uint64_t r[6]; /* rax rbx rcx rdx rsi r9 */
	uint64_t fin;  /* RFLAGS loaded before the instruction */
	uint64_t flags;
};

struct mm_case {
	const char *name;
	void (*fn)(uint8_t *p, struct mm_out *o, unsigned int run);
	uint64_t r[6];
	uint64_t fin, fmask;
	uint16_t moff; /* preset the qword at moff (if mset) to mval */
	bool mset;
	uint64_t mval;
};

/*
 * One instruction with %[p] = RDI = the window's base; rax rbx rcx rdx rsi
 * and r9 in and out; RFLAGS loaded from fin before and saved after.
 */
#define MM_ASM(insn, ...)                                                                          \
	do {                                                                                       \
		register uint64_t r9_ __asm__("r9") = o->r[5];                                     \
		__asm__ __volatile__("pushq %[fin]\n\t"                                            \
				     "popfq\n\t" insn "\n\t"                                       \
				     "pushfq\n\t"                                                  \
				     "popq %[fl]\n\t"                                              \
				     "cld"                                                         \
				     : "+a"(o->r[0]), "+b"(o->r[1]), "+c"(o->r[2]), "+d"(o->r[3]), \
				       "+S"(o->r[4]), "+r"(r9_), [fl] "=&r"(o->flags)              \
				     : [p] "D"(p), [fin] "r"(o->fin)__VA_ARGS__                    \
				     : "memory", "cc");                                            \
		o->r[5] = r9_;                                                                     \
	} while (0)

#define CASE(fn, insn)                                                                             \
	static void fn(uint8_t *p, struct mm_out *o, unsigned int run)                             \
	{                                                                                          \
		MM_ASM(insn);                                                                      \
	}

/* moffs forms carry the absolute address in the instruction: one asm per window. */
#define CASE_ABS(fn, insn, off)                                                                    \
	static void fn(uint8_t *p, struct mm_out *o, unsigned int run)                             \
	{                                                                                          \
		if (run == 0)                                                                      \
			MM_ASM(insn, , [a] "i"(ram + (off)));                                      \
		else                                                                               \
			MM_ASM(insn, , [a] "i"(DEV_BASE + (off)));                                 \
	}

/* MOV r/m8 forms: 88 /r, 8A /r, with AH (no REX) and SIL / R9B (REX). */
CASE(c_mov8_st, "movb %%al, 0x10(%[p])")
CASE(c_mov8_ld, "movb 0x10(%[p]), %%al")
CASE(c_mov8_st_ah, "movb %%ah, 0x11(%[p])")
CASE(c_mov8_ld_ah, "movb 0x12(%[p]), %%ah")
CASE(c_mov8_st_sil, "movb %%sil, 0x13(%[p])")
CASE(c_mov8_ld_r9b, "movb 0x14(%[p]), %%r9b")
/* 16/32/64: 66 89, 66 8B, 89, 8B (zero-extends to 64), REX.W 89/8B, SIB and disp32. */
CASE(c_mov16_st, "movw %%ax, 0x20(%[p])")
CASE(c_mov16_ld, "movw 0x22(%[p]), %%bx")
CASE(c_mov32_st, "movl %%eax, 0x24(%[p])")
CASE(c_mov32_ld, "movl 0x28(%[p]), %%ebx")
CASE(c_mov32_st_unaligned, "movl %%eax, 0x46(%[p])")
CASE(c_mov64_st, "movq %%rax, 0x30(%[p])")
CASE(c_mov64_st_nodisp, "movq %%rax, (%[p])")
CASE(c_mov64_ld, "movq 0x38(%[p]), %%rbx")
CASE(c_mov64_st_r9_sib, "movq %%r9, 0x8(%[p],%%rcx,8)")
CASE(c_mov64_ld_sib_disp32, "movq 0x100(%[p],%%rcx,4), %%rdx")
/* moffs: A0 / 66 A1 / A1 / REX.W A1 loads, A2 / 66 A3 / A3 / REX.W A3 stores, 64-bit address. */
CASE_ABS(c_moffs_ld8, "movabsb %p[a], %%al", 0x50)
CASE_ABS(c_moffs_ld16, "movabsw %p[a], %%ax", 0x52)
CASE_ABS(c_moffs_ld32, "movabsl %p[a], %%eax", 0x54)
CASE_ABS(c_moffs_ld64, "movabsq %p[a], %%rax", 0x58)
CASE_ABS(c_moffs_st8, "movabsb %%al, %p[a]", 0x50)
CASE_ABS(c_moffs_st16, "movabsw %%ax, %p[a]", 0x52)
CASE_ABS(c_moffs_st32, "movabsl %%eax, %p[a]", 0x54)
CASE_ABS(c_moffs_st64, "movabsq %%rax, %p[a]", 0x58)
/* MOV imm: C6 /0 ib, 66 C7 /0 iw, C7 /0 id, REX.W C7 /0 id (sign-extended). */
CASE(c_mov_imm8, "movb $0x5a, 0x60(%[p])")
CASE(c_mov_imm16, "movw $0x1234, 0x62(%[p])")
CASE(c_mov_imm32, "movl $0x89abcdef, 0x64(%[p])")
CASE(c_mov_imm64, "movq $-0x12345678, 0x68(%[p])")
/* MOVZX 0F B6 / 0F B7 (and 66 0F B6), MOVSX 0F BE / 0F BF, MOVSXD REX.W 63. */
CASE(c_movzx_b, "movzbl 0x70(%[p]), %%eax")
CASE(c_movzx_b16, "movzbw 0x71(%[p]), %%ax")
CASE(c_movzx_w, "movzwq 0x72(%[p]), %%rbx")
CASE(c_movsx_b, "movsbq 0x70(%[p]), %%rcx")
CASE(c_movsx_b32, "movsbl 0x74(%[p]), %%edx")
CASE(c_movsx_w, "movswl 0x76(%[p]), %%edx")
CASE(c_movsx_w64, "movswq 0x72(%[p]), %%rsi")
CASE(c_movsxd, "movslq 0x78(%[p]), %%rsi")
/* ALU, destination memory (01 29 21 09 31 39 /r), destination register (03 2B 2A 23 0B 33 3B). */
CASE(c_add_mr, "addl %%eax, 0x80(%[p])")
CASE(c_add_rm, "addq 0x88(%[p]), %%rbx")
CASE(c_sub_mr, "subw %%ax, 0x98(%[p])")
CASE(c_sub_rm, "subb 0x99(%[p]), %%bl")
CASE(c_and_mr, "andq %%rax, 0xA8(%[p])")
CASE(c_and_rm, "andl 0xAC(%[p]), %%ecx")
CASE(c_or_mr, "orb %%dl, 0xB8(%[p])")
CASE(c_or_rm, "orl 0xBC(%[p]), %%edx")
CASE(c_xor_mr, "xorl %%eax, 0xC8(%[p])")
CASE(c_xor_rm, "xorq 0xD0(%[p]), %%rbx")
CASE(c_cmp_mr, "cmpl %%eax, 0xE0(%[p])")
CASE(c_cmp_rm, "cmpq 0xE8(%[p]), %%rax")
/* ALU with immediates: 81 /0 id, 80 /5 ib, 83 /5 ib (REX.W), 83 /4 ib, 66 81 /1 iw, 80 /6 ib, 83 /6
 * ib, 80 /7 ib, 81 /7 id. */
CASE(c_add_imm32, "addl $0x7fffffff, 0x90(%[p])")
CASE(c_sub_imm8, "subb $1, 0x98(%[p])")
CASE(c_sub_imm8_q, "subq $1, 0xA0(%[p])")
CASE(c_and_imm8_q, "andq $-16, 0xB0(%[p])")
CASE(c_or_imm16, "orw $0x8000, 0xB8(%[p])")
CASE(c_xor_imm8, "xorb $0xff, 0xD8(%[p])")
CASE(c_xor_imm8_l, "xorl $0x55, 0xDC(%[p])")
CASE(c_cmp_imm8, "cmpb $0x80, 0xF0(%[p])")
CASE(c_cmp_imm32, "cmpl $0x12345678, 0xF0(%[p])")
/* TEST: 85 /r, F6 /0 ib, REX.W F7 /0 id. */
CASE(c_test_mr, "testl %%eax, 0xA0(%[p])")
CASE(c_test_imm8, "testb $0x01, 0xA0(%[p])")
CASE(c_test_imm32, "testq $0x7fff0000, 0xA0(%[p])")
/* XCHG: REX.W 87 /r, 86 /r with BH, 66 REX.R 87 /r with R9W (all implicitly locked). */
CASE(c_xchg64, "xchgq %%rax, 0xA8(%[p])")
CASE(c_xchg8_bh, "xchgb %%bh, 0xAA(%[p])")
CASE(c_xchg16_r9w, "xchgw %%r9w, 0xAC(%[p])")
/* BT family: 0F A3/AB/B3/BB /r (register offset), 0F BA /4-/7 ib (immediate offset). */
CASE(c_bt_r32, "btl %%ecx, 0xC0(%[p])")
CASE(c_bt_imm64, "btq $63, 0xC0(%[p])")
CASE(c_bts_r64, "btsq %%rcx, 0xC0(%[p])")
CASE(c_bts_imm16, "btsw $3, 0xC0(%[p])")
CASE(c_btr_r32, "btrl %%ecx, 0xC0(%[p])")
CASE(c_btr_imm64, "btrq $33, 0xC0(%[p])")
CASE(c_btc_r16, "btcw %%cx, 0xC0(%[p])")
CASE(c_btc_imm32, "btcl $31, 0xC0(%[p])")
/* Register offsets outside the operand: the bit string continues in later (or earlier) words. */
CASE(c_bts_r64_far, "btsq %%rcx, 0xC0(%[p])")
CASE(c_btr_r64_neg, "btrq %%rcx, 0xC0(%[p])")
CASE(c_btc_r32_far, "btcl %%ecx, 0xC0(%[p])")
CASE(c_bt_r64_far, "btq %%rcx, 0xC0(%[p])")

/*
 * String instructions. RSI/RDI/RCX in, DF from fin. The pointers come back
 * as the distance they moved (equal for RAM and device runs).
 */
#define STR_ASM(insn, si0, di0)                                                                    \
	do {                                                                                       \
		uint64_t si_ = (uintptr_t)(si0), di_ = (uintptr_t)(di0);                           \
		__asm__ __volatile__("pushq %[fin]\n\t"                                            \
				     "popfq\n\t" insn "\n\t"                                       \
				     "pushfq\n\t"                                                  \
				     "popq %[fl]\n\t"                                              \
				     "cld"                                                         \
				     : "+S"(si_), "+D"(di_), "+c"(o->r[2]),                        \
				       "+a"(o->r[0]), [fl] "=&r"(o->flags)                         \
				     : [fin] "r"(o->fin)                                           \
				     : "memory", "cc");                                            \
		o->r[4] = si_ - (uintptr_t)(si0);                                                  \
		o->r[1] = di_ - (uintptr_t)(di0);                                                  \
	} while (0)

/* 37 bytes or 9 qwords; with DF = 1 the pointers start at the last element. */
#define NB 37
#define NQ 9

static void c_movsb_r2d(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsb", src_buf, p + 0x100);
}

static void c_movsb_d2r(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsb", p + 0x100, dst_buf[run]);
}

static void c_movsb_r2d_df(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsb", src_buf + NB - 1, p + 0x100 + NB - 1);
}

static void c_movsb_d2r_df(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsb", p + 0x100 + NB - 1, dst_buf[run] + NB - 1);
}

static void c_movsq_r2d(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsq", src_buf, p + 0x140);
}

static void c_movsq_d2r(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsq", p + 0x140, dst_buf[run]);
}

static void c_movsq_r2d_df(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsq", src_buf + 8 * (NQ - 1), p + 0x140 + 8 * (NQ - 1));
}

static void c_movsq_d2r_df(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsq", p + 0x140 + 8 * (NQ - 1), dst_buf[run] + 8 * (NQ - 1));
}

static void c_movsb_d2d(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep movsb", p + 0x100, p + 0x180);
}

static void c_movsb_once(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("movsb", p + 0x105, dst_buf[run]);
}

static void c_stosb(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep stosb", src_buf, p + 0x1A0);
}

static void c_stosd(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep stosl", src_buf, p + 0x1C0);
}

static void c_stosd_df(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("rep stosl", src_buf, p + 0x1E0);
}

static void c_stosq_once(uint8_t *p, struct mm_out *o, unsigned int run)
{
	STR_ASM("stosq", src_buf, p + 0x1F0);
}

#define R(a, b, c, d, s, r9)                                                                       \
	{                                                                                          \
		a, b, c, d, s, r9                                                                  \
	}
#define R0                                                                                         \
	R(0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,                     \
	  0x4444444444444444ull, 0x5555555555555555ull, 0x6666666666666666ull)
#define ONES 0xFFFFFFFFFFFFFFFFull

static const struct mm_case cases[] = {
    /* MOV */
    {.name = "mmio-mov8-store", c_mov8_st, R(0x01234567890ABCA5ull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov8-load", c_mov8_ld, R0, F_IN, F_ALL},
    {.name = "mmio-mov8-store-ah", c_mov8_st_ah, R(0xC35Aull, 0, 0, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-mov8-load-ah", c_mov8_ld_ah, R0, F_IN, F_ALL},
    {.name = "mmio-mov8-store-sil-rex", c_mov8_st_sil, R(0, 0, 0, 0, 0x7Eull, 0), F_IN, F_ALL},
    {.name = "mmio-mov8-load-r9b-rex", c_mov8_ld_r9b, R0, F_IN, F_ALL},
    {.name = "mmio-mov16-store", c_mov16_st, R(0xFEDCBA9876543210ull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov16-load", c_mov16_ld, R(0, ONES, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov32-store", c_mov32_st, R(0xFEDCBA9876543210ull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov32-load-zero-extends", c_mov32_ld, R(0, ONES, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov32-store-unaligned",
     c_mov32_st_unaligned,
     R(0xA1B2C3D4ull, 0, 0, 0, 0, 0),
     F_IN,
     F_ALL},
    {.name = "mmio-mov64-store", c_mov64_st, R(0x8877665544332211ull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-mov64-store-nodisp",
     c_mov64_st_nodisp,
     R(0x0102030405060708ull, 0, 0, 0, 0, 0),
     F_IN0,
     F_ALL},
    {.name = "mmio-mov64-load", c_mov64_ld, R0, F_IN, F_ALL},
    {.name = "mmio-mov64-store-r9-sib",
     c_mov64_st_r9_sib,
     R(0, 0, 5, 0, 0, 0xCAFEF00DDEADBEEFull),
     F_IN,
     F_ALL},
    {.name = "mmio-mov64-load-sib-disp32", c_mov64_ld_sib_disp32, R(0, 0, 2, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-moffs-load8", c_moffs_ld8, R0, F_IN, F_ALL},
    {.name = "mmio-moffs-load16", c_moffs_ld16, R0, F_IN, F_ALL},
    {.name = "mmio-moffs-load32", c_moffs_ld32, R0, F_IN, F_ALL},
    {.name = "mmio-moffs-load64", c_moffs_ld64, R0, F_IN, F_ALL},
    {.name = "mmio-moffs-store8", c_moffs_st8, R(0x9Cull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-moffs-store16", c_moffs_st16, R(0xBEEFull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-moffs-store32", c_moffs_st32, R(0x0BADC0DEull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-moffs-store64",
     c_moffs_st64,
     R(0x1020304050607080ull, 0, 0, 0, 0, 0),
     F_IN,
     F_ALL},
    {.name = "mmio-mov-imm8", c_mov_imm8, R0, F_IN, F_ALL},
    {.name = "mmio-mov-imm16", c_mov_imm16, R0, F_IN, F_ALL},
    {.name = "mmio-mov-imm32", c_mov_imm32, R0, F_IN, F_ALL},
    {.name = "mmio-mov-imm64-sign-extended", c_mov_imm64, R0, F_IN, F_ALL},
    /* MOVZX / MOVSX: bytes 0x70.. = 80 FE 01 80 9C 11 F0 FF; 0x78 = 0x80000001 */
    {.name = "mmio-movzx-byte", c_movzx_b, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movzx-byte-16", c_movzx_b16, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movzx-word", c_movzx_w, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movsx-byte", c_movsx_b, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movsx-byte-32", c_movsx_b32, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movsx-word", c_movsx_w, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movsx-word-64", c_movsx_w64, R0, F_IN, F_ALL, 0x70, true, 0xFFF0119C8001FE80ull},
    {.name = "mmio-movsxd", c_movsxd, R0, F_IN, F_ALL, 0x78, true, 0x1234567880000001ull},
    /* String moves and stores */
    {.name = "mmio-rep-movsb-ram-to-dev", c_movsb_r2d, R(0, 0, NB, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-rep-movsb-dev-to-ram", c_movsb_d2r, R(0, 0, NB, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-rep-movsb-ram-to-dev-df1",
     c_movsb_r2d_df,
     R(0, 0, NB, 0, 0, 0),
     F_IN0 | F_DF,
     F_ALL},
    {.name = "mmio-rep-movsb-dev-to-ram-df1",
     c_movsb_d2r_df,
     R(0, 0, NB, 0, 0, 0),
     F_IN0 | F_DF,
     F_ALL},
    {.name = "mmio-rep-movsq-ram-to-dev", c_movsq_r2d, R(0, 0, NQ, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-rep-movsq-dev-to-ram", c_movsq_d2r, R(0, 0, NQ, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-rep-movsq-ram-to-dev-df1",
     c_movsq_r2d_df,
     R(0, 0, NQ, 0, 0, 0),
     F_IN | F_DF,
     F_ALL},
    {.name = "mmio-rep-movsq-dev-to-ram-df1",
     c_movsq_d2r_df,
     R(0, 0, NQ, 0, 0, 0),
     F_IN | F_DF,
     F_ALL},
    {.name = "mmio-rep-movsb-dev-to-dev", c_movsb_d2d, R(0, 0, 20, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-movsb-single", c_movsb_once, R(0, 0, 0x99, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-rep-stosb", c_stosb, R(0xA7, 0, 29, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-rep-stosb-rcx0", c_stosb, R(0xA7, 0, 0, 0, 0, 0), F_IN0, F_ALL},
    {.name = "mmio-rep-stosd", c_stosd, R(0xDEADBEEF, 0, 7, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-rep-stosd-df1", c_stosd_df, R(0x600DF00D, 0, 5, 0, 0, 0), F_IN | F_DF, F_ALL},
    {.name = "mmio-stosq-single",
     c_stosq_once,
     R(0x0123456789ABCDEFull, 0, 0x77, 0, 0, 0),
     F_IN,
     F_ALL},
    /* ALU, memory destination and register destination */
    {.name = "mmio-add-mem-reg",
     c_add_mr,
     R(1, 0, 0, 0, 0, 0),
     F_IN0,
     F_ALL,
     0x80,
     true,
     0x123456787FFFFFFFull},
    {.name = "mmio-add-reg-mem",
     c_add_rm,
     R(0, 0x8000000000000000ull, 0, 0, 0, 0),
     F_IN0,
     F_ALL,
     0x88,
     true,
     0x8000000000000000ull},
    {.name = "mmio-sub-mem-reg",
     c_sub_mr,
     R(1, 0, 0, 0, 0, 0),
     F_IN0,
     F_ALL,
     0x98,
     true,
     0x0000000000008000ull},
    {.name = "mmio-sub-reg-mem",
     c_sub_rm,
     R(0, 0x10, 0, 0, 0, 0),
     F_IN0,
     F_ALL,
     0x98,
     true,
     0x0000000000002000ull},
    {.name = "mmio-and-mem-reg", c_and_mr, R(0xF0F0F0F0F0F0F0F0ull, 0, 0, 0, 0, 0), F_IN, F_LOGIC},
    {.name = "mmio-and-reg-mem", c_and_rm, R(0, 0, 0x80000000ull, 0, 0, 0), F_IN, F_LOGIC},
    {.name = "mmio-or-mem-reg", c_or_mr, R(0, 0, 0, 0x81, 0, 0), F_IN, F_LOGIC},
    {.name = "mmio-or-reg-mem", c_or_rm, R(0, 0, 0, 0x00000100ull, 0, 0), F_IN, F_LOGIC},
    {.name = "mmio-xor-mem-reg",
     c_xor_mr,
     R(0x55555555ull, 0, 0, 0, 0, 0),
     F_IN0,
     F_LOGIC,
     0xC8,
     true,
     0x0123456755555555ull},
    {.name = "mmio-xor-reg-mem", c_xor_rm, R0, F_IN, F_LOGIC},
    {.name = "mmio-cmp-mem-reg",
     c_cmp_mr,
     R(0x80000000ull, 0, 0, 0, 0, 0),
     F_IN0,
     F_ALL,
     0xE0,
     true,
     0x000000007FFFFFFFull},
    {.name = "mmio-cmp-reg-mem", c_cmp_rm, R0, F_IN0, F_ALL},
    {.name = "mmio-add-imm32", c_add_imm32, R0, F_IN0, F_ALL, 0x90, true, 0xAAAAAAAA00000001ull},
    {.name = "mmio-sub-imm8", c_sub_imm8, R0, F_IN0, F_ALL, 0x98, true, 0x0000000000000000ull},
    {.name = "mmio-sub-imm8-qword", c_sub_imm8_q, R0, F_IN0, F_ALL, 0xA0, true, 0},
    {.name = "mmio-and-imm8-qword", c_and_imm8_q, R0, F_IN, F_LOGIC},
    {.name = "mmio-or-imm16", c_or_imm16, R0, F_IN, F_LOGIC},
    {.name = "mmio-xor-imm8", c_xor_imm8, R0, F_IN, F_LOGIC, 0xD8, true, 0x00000000000000FFull},
    {.name = "mmio-xor-imm8-dword", c_xor_imm8_l, R0, F_IN0, F_LOGIC},
    {.name = "mmio-cmp-imm8", c_cmp_imm8, R0, F_IN0, F_ALL, 0xF0, true, 0x000000000000007Full},
    {.name = "mmio-cmp-imm32", c_cmp_imm32, R0, F_IN0, F_ALL, 0xF0, true, 0x0000000012345678ull},
    /* TEST, XCHG */
    {.name = "mmio-test-mem-reg",
     c_test_mr,
     R(0x80000000ull, 0, 0, 0, 0, 0),
     F_IN0,
     F_LOGIC,
     0xA0,
     true,
     0x0000000080000000ull},
    {.name = "mmio-test-imm8", c_test_imm8, R0, F_IN, F_LOGIC, 0xA0, true, 0x0000000080000000ull},
    {.name = "mmio-test-imm32", c_test_imm32, R0, F_IN0, F_LOGIC},
    {.name = "mmio-xchg64", c_xchg64, R(0x0F1E2D3C4B5A6978ull, 0, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-xchg8-bh", c_xchg8_bh, R(0, 0x1234ull, 0, 0, 0, 0), F_IN, F_ALL},
    {.name = "mmio-xchg16-r9w", c_xchg16_r9w, R0, F_IN, F_ALL},
    /* BT family: qword 0xC0 = 0x8000000200000010 (bits 4, 33, 63) */
    {.name = "mmio-bt-reg",
     c_bt_r32,
     R(0, 0, 4, 0, 0, 0),
     F_IN0,
     F_BT,
     0xC0,
     true,
     0x8000000200000010ull},
    {.name = "mmio-bt-imm", c_bt_imm64, R0, F_IN0, F_BT, 0xC0, true, 0x8000000200000010ull},
    {.name = "mmio-bts-reg",
     c_bts_r64,
     R(0, 0, 5, 0, 0, 0),
     F_IN,
     F_BT,
     0xC0,
     true,
     0x8000000200000010ull},
    {.name = "mmio-bts-imm", c_bts_imm16, R0, F_IN, F_BT, 0xC0, true, 0x8000000200000010ull},
    {.name = "mmio-btr-reg",
     c_btr_r32,
     R(0, 0, 4, 0, 0, 0),
     F_IN0,
     F_BT,
     0xC0,
     true,
     0x8000000200000010ull},
    {.name = "mmio-btr-imm", c_btr_imm64, R0, F_IN0, F_BT, 0xC0, true, 0x8000000200000010ull},
    {.name = "mmio-btc-reg",
     c_btc_r16,
     R(0, 0, 15, 0, 0, 0),
     F_IN0,
     F_BT,
     0xC0,
     true,
     0x8000000200000010ull},
    {.name = "mmio-btc-imm", c_btc_imm32, R0, F_IN, F_BT, 0xC0, true, 0x8000000200000010ull},
    /* 199 = qword +3 (0xD8) bit 7; -9 = qword -1 (0xB8) bit 55; 100 = dword +3 (0xCC) bit 4 */
    {.name = "mmio-bts-reg-far", c_bts_r64_far, R(0, 0, 199, 0, 0, 0), F_IN0, F_BT},
    {.name = "mmio-btr-reg-negative", c_btr_r64_neg, R(0, 0, (uint64_t)-9, 0, 0, 0), F_IN0, F_BT},
    {.name = "mmio-btc-reg32-far", c_btc_r32_far, R(0, 0, 100, 0, 0, 0), F_IN0, F_BT},
    {.name = "mmio-bt-reg-far", c_bt_r64_far, R(0, 0, 64 * 7 + 12, 0, 0, 0), F_IN0, F_BT},
};

/* The same bytes in both windows: a per-case pseudo-random fill, then the preset qword. */
static void fill(const struct mm_case *c, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed);
	for (unsigned int off = 0; off < WIN; off += 8) {
		uint64_t v = rng_next(&r);

		if (c->mset && off == c->moff)
			v = c->mval;
		memcpy(ram + off, &v, 8);
		mmio_write64(DEV_BASE + off, v);
	}
	memset(dst_buf, 0, sizeof(dst_buf));
}

static void snapshot(void)
{
	for (unsigned int off = 0; off < WIN; off += 8) {
		uint64_t v = mmio_read64(DEV_BASE + off);

		memcpy(snap + off, &v, 8);
	}
}

static const char *const reg_names[6] = {"rax", "rbx", "rcx", "rdx", "rsi", "r9"};

static void run_case(const struct mm_case *c, unsigned int idx)
{
	struct mm_out a = {.fin = c->fin}, b = {.fin = c->fin};

	memcpy(a.r, c->r, sizeof(a.r));
	memcpy(b.r, c->r, sizeof(b.r));
	fill(c, 0x9E3779B97F4A7C15ull * (idx + 1));
	c->fn(ram, &a, 0);
	c->fn(DEV, &b, 1);
	snapshot();

	for (unsigned int i = 0; i < 6; i++) {
		if (a.r[i] != b.r[i]) {
			GUEST_FAIL(c->name, "%s: RAM %#lx, device %#lx", reg_names[i], a.r[i],
				   b.r[i]);
			return;
		}
	}
	if ((a.flags ^ b.flags) & c->fmask) {
		GUEST_FAIL(c->name, "RFLAGS: RAM %#lx, device %#lx (compared %#lx)", a.flags,
			   b.flags, c->fmask);
		return;
	}
	for (unsigned int off = 0; off < WIN; off++) {
		if (ram[off] != snap[off]) {
			GUEST_FAIL(c->name, "window byte %#x: RAM %#x, device %#x", off, ram[off],
				   snap[off]);
			return;
		}
	}
	for (unsigned int off = 0; off < sizeof(dst_buf[0]); off++) {
		if (dst_buf[0][off] != dst_buf[1][off]) {
			GUEST_FAIL(c->name,
				   "RAM destination byte %u: %#x from RAM, %#x from device", off,
				   dst_buf[0][off], dst_buf[1][off]);
			return;
		}
	}
	GUEST_PASS(c->name);
}

static uint64_t counter(void)
{
	return mmio_read64(DEV_BASE + DEV_COUNTER);
}

/* The device starts zeroed; all ones everywhere means no device (unbacked space). */
static bool check_present(void)
{
	bool zero = true, ones = true;

	for (unsigned int off = 0; off < DEV_COUNTER; off += 8) {
		uint64_t v = mmio_read64(DEV_BASE + off);

		zero = zero && v == 0;
		ones = ones && v == ~0ull;
	}
	if (ones && counter() == ~0ull) {
		GUEST_FAIL("mmio-testdev", "nothing at %#llx: the partition needs testdev = on",
			   DEV_BASE);
		return false;
	}
	GUEST_PASS("mmio-testdev");
	GUEST_CHECK("mmio-initial-zero", zero);
	return true;
}

static void check_counter(void)
{
	uint64_t c0, c1, c2, c3, di, cx;

	/* 3 writes and 2 reads between two counter reads: 5 (6 if a counter read counts itself). */
	c0 = counter();
	mmio_write8(DEV_BASE + 0x300, 1);
	mmio_write16(DEV_BASE + 0x302, 2);
	mmio_write32(DEV_BASE + 0x304, 3);
	(void)mmio_read8(DEV_BASE + 0x300);
	(void)mmio_read64(DEV_BASE + 0x300);
	c1 = counter();
	gprintf("mmio: access counter %lu -> %lu around 5 accesses\n", c0, c1);
	GUEST_CHECK("mmio-counter-counts", c1 - c0 == 5 || c1 - c0 == 6);
	mmio_write64(DEV_BASE + DEV_COUNTER, 0);
	c2 = counter();
	GUEST_CHECK("mmio-counter-write-ignored", c2 > c1);
	/* A REP STOSB of 16 bytes: at least one more access, however the emulator splits it. */
	di = DEV_BASE + 0x310;
	cx = 16;
	__asm__ __volatile__("rep stosb" : "+D"(di), "+c"(cx) : "a"(0x5A) : "memory");
	c3 = counter();
	gprintf("mmio: a 16-byte REP STOSB counted %lu accesses\n", c3 - c2 - 1);
	GUEST_CHECK("mmio-counter-rep", c3 > c2 + 1);
}

void guest_main(void)
{
	struct bh_partition_info info;
	uint64_t start;

	guest_info(&info);
	gprintf("mmio: %s: needs testdev = on (4 KiB at %#llx), 1 vCPU (has %u); %u cases\n",
		info.name, DEV_BASE, info.vcpu_count, (unsigned int)ARRAY_SIZE(cases));
	if (!check_present()) {
		guest_done();
		return;
	}
	for (unsigned int i = 0; i < sizeof(src_buf); i++)
		src_buf[i] = (uint8_t)(i * 37 + 11);
	start = counter();
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i], i);
	gprintf("mmio: the cases made %lu device accesses\n", counter() - start);
	GUEST_CHECK("mmio-counter-increasing", counter() > start + ARRAY_SIZE(cases));
	check_counter();
	guest_done();
}
