/* SPDX-License-Identifier: MIT */
/*
 * The x86 instruction decoder and emulator for MMIO exits. AMD-V under
 * QEMU has no decode assists (AMD APM vol. 2, 15.33), so when a guest
 * touches device memory the hypervisor fetches the faulting instruction
 * through the guest's page tables, decodes it and carries it out against
 * the device. The instruction set covered is what operating systems use
 * on device memory:
 *
 *   MOV r/m<->r (88-8B), MOV moffs (A0-A3), MOV imm (C6/C7 /0),
 *   MOVZX/MOVSX (0F B6/B7/BE/BF), MOVSXD (63, 64-bit mode),
 *   ADD/OR/ADC/SBB/AND/SUB/XOR/CMP (00-3D, 80-83 group 1), TEST (84/85,
 *   A8/A9, F6/F7 /0), XCHG (86/87), NOT/NEG (F6/F7 /2-3), INC/DEC (FE/FF
 *   /0-1), BT/BTS/BTR/BTC (0F A3/AB/B3/BB, 0F BA /4-7), CMPXCHG (0F B0/B1),
 *   XADD (0F C0/C1), MOVS/STOS/LODS (A4/A5/AA/AB/AC/AD) with REP,
 *
 * with all legacy prefixes, REX, every ModRM/SIB form, RIP-relative and
 * 16-bit addressing, in 16-, 32- and 64-bit code. Anything else is #UD
 * (-ENOTSUP): the caller decides whether to inject it or stop the guest.
 *
 * The decoder (emu_decode) and the executor (emu_execute) are separate;
 * emu_run fetches, decodes and executes one instruction. Pure logic: all
 * guest state is in struct emu_ctx and all memory is reached through
 * struct emu_ops, so host unit tests and the fuzzer drive it directly.
 * No allocation; the work per call is bounded (EMU_REP_BATCH).
 *
 * Not modelled: segment limits and access rights (flat segments are
 * assumed; the caller's callbacks may check them), alignment checks (#AC),
 * RFLAGS.TF/RF (the caller delivers a single-step #DB after success),
 * bus locking (a LOCKed access to device memory is serialized by the
 * device model, which is all a device can observe).
 */
#ifndef EMU_X86_EMU_H
#define EMU_X86_EMU_H

#include "emu/fault.h"
#include "lib/compiler.h"

/* The longest legal instruction; longer ones raise #GP(0) (APM vol. 3, 1.1). */
#define EMU_MAX_INSN_LEN 15
/* At most this many REP iterations per emu_run; then RIP stays on the instruction. */
#define EMU_REP_BATCH 1024

/*
 * General-purpose registers in their encoding order (the ModRM/SIB/REX
 * numbers, APM vol. 3, 1.4.2 and table 1-3); struct guest_regs of
 * core/vcpu.h uses another order, so the caller copies them in and out.
 */
enum emu_reg {
	EMU_RAX,
	EMU_RCX,
	EMU_RDX,
	EMU_RBX,
	EMU_RSP,
	EMU_RBP,
	EMU_RSI,
	EMU_RDI,
	EMU_R8,
	EMU_R9,
	EMU_R10,
	EMU_R11,
	EMU_R12,
	EMU_R13,
	EMU_R14,
	EMU_R15,
	EMU_NR_GPRS
};

/* Segment registers in their encoding order (APM vol. 3, 1.2.4). */
enum emu_seg {
	EMU_SEG_ES,
	EMU_SEG_CS,
	EMU_SEG_SS,
	EMU_SEG_DS,
	EMU_SEG_FS,
	EMU_SEG_GS,
	EMU_NR_SEGS
};

/* RFLAGS bits the emulator reads or writes (APM vol. 2, 3.1.6). */
#define EMU_FLAG_CF (1ull << 0)
#define EMU_FLAG_PF (1ull << 2)
#define EMU_FLAG_AF (1ull << 4)
#define EMU_FLAG_ZF (1ull << 6)
#define EMU_FLAG_SF (1ull << 7)
#define EMU_FLAG_DF (1ull << 10)
#define EMU_FLAG_OF (1ull << 11)
/* The six status flags that arithmetic instructions define. */
#define EMU_FLAGS_STATUS                                                                           \
	(EMU_FLAG_CF | EMU_FLAG_PF | EMU_FLAG_AF | EMU_FLAG_ZF | EMU_FLAG_SF | EMU_FLAG_OF)

/* What the instruction does. */
enum emu_op {
	EMU_OP_NONE, /* not emulated */
	/* Group-1 order: the ModRM.reg field of 80-83 and bits 5:3 of 00-3D. */
	EMU_OP_ADD,
	EMU_OP_OR,
	EMU_OP_ADC,
	EMU_OP_SBB,
	EMU_OP_AND,
	EMU_OP_SUB,
	EMU_OP_XOR,
	EMU_OP_CMP,
	EMU_OP_TEST,
	EMU_OP_MOV,
	EMU_OP_MOVZX,
	EMU_OP_MOVSX,
	EMU_OP_MOVSXD,
	EMU_OP_XCHG,
	EMU_OP_NOT,
	EMU_OP_NEG,
	EMU_OP_INC,
	EMU_OP_DEC,
	EMU_OP_BT,
	EMU_OP_BTS,
	EMU_OP_BTR,
	EMU_OP_BTC,
	EMU_OP_CMPXCHG,
	EMU_OP_XADD,
	EMU_OP_MOVS,
	EMU_OP_STOS,
	EMU_OP_LODS,
	EMU_NR_OPS
};

/* Where the operands are. E is the ModRM r/m operand, G its reg field. */
enum emu_form {
	EMU_FORM_EG,  /* E is the destination, G the source */
	EMU_FORM_GE,  /* G is the destination, E the source */
	EMU_FORM_EI,  /* E destination, immediate source */
	EMU_FORM_AI,  /* accumulator destination, immediate source */
	EMU_FORM_E,   /* E only */
	EMU_FORM_AM,  /* accumulator <- memory at moffs */
	EMU_FORM_MA,  /* memory at moffs <- accumulator */
	EMU_FORM_STR, /* string instruction: rSI, rDI, rCX implied */
};

/* Prefix bits of struct emu_insn.prefixes. */
#define EMU_PFX_LOCK   (1u << 0) /* F0 */
#define EMU_PFX_REP    (1u << 1) /* F3 (the last of F2/F3 wins) */
#define EMU_PFX_REPNE  (1u << 2) /* F2 */
#define EMU_PFX_OPSIZE (1u << 3) /* 66 */
#define EMU_PFX_ADSIZE (1u << 4) /* 67 */
#define EMU_PFX_SEG    (1u << 5) /* a segment override that takes effect */

/* No register (base or index of a memory operand). */
#define EMU_REG_NONE 0xff
/* The base of a RIP-relative operand: the address of the next instruction. */
#define EMU_REG_RIP 0x10

/* A decoded instruction. */
struct emu_insn {
	uint8_t len; /* bytes, prefixes included */
	enum emu_op op;
	enum emu_form form;
	uint8_t opcode;	  /* the opcode byte (after 0F for two-byte opcodes) */
	bool twobyte;	  /* 0F escape */
	uint8_t prefixes; /* EMU_PFX_* */
	uint8_t rex;	  /* the REX byte in effect, 0 if none */
	uint8_t op_size;  /* operand size in bytes: 1, 2, 4 or 8 */
	uint8_t src_size; /* MOVZX/MOVSX/MOVSXD source size; else op_size */
	uint8_t ad_size;  /* address size in bytes: 2, 4 or 8 */
	bool has_modrm;
	uint8_t modrm;
	uint8_t reg; /* G: ModRM.reg with REX.R */
	/* The E operand: a register (mem false) or memory (mem true). */
	bool mem;
	uint8_t rm;	  /* E register: ModRM.rm with REX.B (if !mem) */
	uint8_t base;	  /* memory: base register, EMU_REG_RIP or EMU_REG_NONE */
	uint8_t index;	  /* memory: index register or EMU_REG_NONE */
	uint8_t scale;	  /* memory: index multiplier shift, 0-3 */
	int64_t disp;	  /* memory: displacement (moffs: the offset) */
	enum emu_seg seg; /* memory: segment after defaults and overrides */
	uint8_t imm_size; /* bytes of immediate in the encoding */
	uint64_t imm;	  /* the immediate, extended as the instruction does */
};

struct emu_ctx;

/*
 * Guest memory, as the hypervisor reaches it. Each returns 0 or a
 * negative code; to make the guest take an exception (a #PF from the
 * page-table walk, #GP for a non-canonical address...) the callback fills
 * ctx->exc (emu_fault_set) before returning its negative code, and
 * emu_run passes both on. A code without ctx->exc.valid is a hypervisor
 * matter (-EFAULT: the address is neither RAM nor a device).
 */
struct emu_ops {
	/*
	 * Instruction bytes at linear address la (a fetch at the guest's CPL,
	 * through its page tables). The range never crosses a 4 KiB page.
	 */
	int (*fetch)(struct emu_ctx *ctx, uint64_t la, void *buf, unsigned int len);
	/*
	 * A data operand of size 1, 2, 4 or 8 bytes (little-endian) at linear
	 * address la, through segment seg (EMU_SEG_SS means a non-canonical la
	 * is #SS, not #GP). The range may cross a page: translate both pages
	 * before touching either. The hypervisor routes each access to RAM or
	 * to the device that owns the guest-physical address.
	 */
	int (*read)(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *val,
		    unsigned int size);
	int (*write)(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, const void *val,
		     unsigned int size);
};

/* The guest's execution mode. */
struct emu_mode {
	bool long_mode;			/* EFER.LMA */
	bool cs_l;			/* CS.L: 64-bit code (with long_mode) */
	bool cs_d;			/* CS.D: 32-bit default sizes (else 16-bit) */
	unsigned int cpl;		/* for the caller's callbacks */
	uint64_t seg_base[EMU_NR_SEGS]; /* bases; in 64-bit code only FS and GS count */
};

struct emu_ctx {
	/* Guest state: read and updated in place. */
	uint64_t gpr[EMU_NR_GPRS]; /* enum emu_reg order */
	uint64_t rip;
	uint64_t rflags;
	struct emu_mode mode;
	const struct emu_ops *ops;
	void *opaque; /* the caller's, for the callbacks */

	/* Results of the last emu_run. */
	struct emu_insn insn; /* the instruction (len is 0 if undecoded) */
	struct emu_fault exc; /* the exception to deliver, when valid */
	bool rep_incomplete;  /* a REP stopped after EMU_REP_BATCH: RIP unchanged */

	/* Instruction bytes fetched so far (emu_run). */
	uint8_t bytes[EMU_MAX_INSN_LEN];
	unsigned int nbytes;
};

/*
 * Decode the instruction in buf[0..len) for mode. Returns:
 *   0         *insn describes it (insn->len <= len);
 *   -ERANGE   buf ended before the instruction did (len < 15): fetch more;
 *   -E2BIG    the instruction is longer than 15 bytes (#GP(0));
 *   -EINVAL   an invalid encoding (#UD: LOCK where it is illegal, an
 *             opcode undefined in this mode);
 *   -ENOTSUP  a valid instruction the emulator does not handle (#UD).
 * insn->len then tells how far decoding got. Reads only buf[0..len).
 */
int emu_decode(struct emu_insn *insn, const struct emu_mode *mode, const uint8_t *buf,
	       unsigned int len);

/*
 * Execute insn (from emu_decode for ctx->mode) on ctx: operands through
 * ctx->ops, registers and RFLAGS updated, RIP advanced past it. Returns 0
 * or a negative code (a callback's, with ctx->exc when the guest is to
 * take an exception). On failure the registers are as the architecture
 * leaves them for a fault: unchanged, except the completed iterations of a
 * REP string instruction.
 */
int emu_execute(struct emu_ctx *ctx, const struct emu_insn *insn);

/*
 * Fetch the instruction at CS:RIP, decode and execute it. Returns 0 (the
 * instruction completed, or a REP made progress: see rep_incomplete) or a
 * negative code; when ctx->exc.valid, the guest should take ctx->exc:
 *   -ENOTSUP, -EINVAL  #UD    (not emulated / invalid)
 *   -E2BIG             #GP(0) (longer than 15 bytes)
 *   callback codes     the callback's exception (#PF, #GP, #SS)
 * A negative code without ctx->exc.valid (say -EFAULT: code fetched from
 * device memory) is for the hypervisor to handle. Called on the MMIO exit
 * path with the vCPU's state copied into ctx.
 */
int emu_run(struct emu_ctx *ctx);

/* The mnemonic of insn->op ("mov", "add", ...) for logs. */
const char *emu_mnemonic(const struct emu_insn *insn);

#endif
