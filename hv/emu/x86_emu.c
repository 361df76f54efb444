/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder and emulator for MMIO exits (see x86_emu.h).
 * Instruction encoding: AMD APM vol. 3, chapter 1 (prefixes, ModRM, SIB,
 * displacements, immediates) and appendix A (opcode maps); Intel SDM vol.
 * 2A, chapter 2. Semantics and flags: APM vol. 3, chapter 3 and Intel SDM
 * vol. 2, one section per instruction.
 */
#include "emu/x86_emu.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PAGE_SIZE 4096u
#define LA32_MASK 0xffffffffull
#define IP16_MASK 0xffffull

/* REX bits (APM vol. 3, 1.2.7). */
#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* Prefix bytes (APM vol. 3, 1.2). */
#define PFX_OPSIZE 0x66
#define PFX_ADSIZE 0x67
#define PFX_LOCK   0xf0
#define PFX_REPNE  0xf2
#define PFX_REP	   0xf3
#define PFX_ES	   0x26
#define PFX_CS	   0x2e
#define PFX_SS	   0x36
#define PFX_DS	   0x3e
#define PFX_FS	   0x64
#define PFX_GS	   0x65
#define REX_FIRST  0x40
#define REX_LAST   0x4f
#define ESCAPE_0F  0x0f

/* ModRM and SIB fields (APM vol. 3, 1.4). */
#define MODRM_MOD(m) ((m) >> 6)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m)  ((m)&7)
#define MOD_DISP0    0
#define MOD_DISP8    1
#define MOD_DISP32   2
#define MOD_REG	     3
#define RM_SIB	     4 /* rm = 100: a SIB byte follows (32/64-bit addressing) */
#define RM_DISP32    5 /* mod = 00, rm = 101: disp32 (RIP-relative in 64-bit mode) */
#define SIB_NO_INDEX 4 /* index = 100 without REX.X: no index */
#define SIB_NO_BASE  5 /* base = 101 with mod = 00: disp32, no base */
#define RM16_DISP16  6 /* 16-bit addressing, mod = 00, rm = 110: disp16 */

/* Decoder flags of an opcode. */
#define D_MODRM	 (1u << 0) /* a ModRM byte follows */
#define D_BYTE	 (1u << 1) /* 8-bit operands */
#define D_IMM8	 (1u << 2) /* imm8, zero-extended */
#define D_IMM8S	 (1u << 3) /* imm8, sign-extended to the operand size */
#define D_IMMZ	 (1u << 4) /* imm16 or imm32 (sign-extended for 64-bit operands) */
#define D_MOFFS	 (1u << 5) /* an address-size offset follows */
#define D_LOCK	 (1u << 6) /* LOCK is legal with a memory destination */
#define D_NO64	 (1u << 7) /* #UD in 64-bit mode */
#define D_ONLY64 (1u << 8) /* another instruction outside 64-bit mode */
#define D_SRC8	 (1u << 9) /* MOVZX/MOVSX: 8-bit source (else 16-bit) */

/* Opcode groups: ModRM.reg selects the operation (APM vol. 3, A.4). */
enum group { G_NONE, G_1, G_3, G_4, G_5, G_11, G_8 };

struct opdesc {
	uint8_t op;    /* enum emu_op; EMU_OP_NONE with no group: not emulated */
	uint8_t form;  /* enum emu_form */
	uint8_t group; /* enum group */
	uint16_t flags;
};

/* 00-3D: eight ALU operations, six forms each (APM vol. 3, table A-1). */
#define ALU_ROW(idx, o, lk)                                                                        \
	[(idx)*8 + 0] = {(o), EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE | (lk)},                       \
		   [(idx)*8 + 1] = {(o), EMU_FORM_EG, G_NONE, D_MODRM | (lk)},                     \
		   [(idx)*8 + 2] = {(o), EMU_FORM_GE, G_NONE, D_MODRM | D_BYTE},                   \
		   [(idx)*8 + 3] = {(o), EMU_FORM_GE, G_NONE, D_MODRM},                            \
		   [(idx)*8 + 4] = {(o), EMU_FORM_AI, G_NONE, D_BYTE | D_IMM8},                    \
		   [(idx)*8 + 5] = {(o), EMU_FORM_AI, G_NONE, D_IMMZ}

static const struct opdesc onebyte[256] = {
    ALU_ROW(0, EMU_OP_ADD, D_LOCK),
    ALU_ROW(1, EMU_OP_OR, D_LOCK),
    ALU_ROW(2, EMU_OP_ADC, D_LOCK),
    ALU_ROW(3, EMU_OP_SBB, D_LOCK),
    ALU_ROW(4, EMU_OP_AND, D_LOCK),
    ALU_ROW(5, EMU_OP_SUB, D_LOCK),
    ALU_ROW(6, EMU_OP_XOR, D_LOCK),
    ALU_ROW(7, EMU_OP_CMP, 0),
    /* 63: MOVSXD in 64-bit mode, ARPL (not emulated) elsewhere. */
    [0x63] = {EMU_OP_MOVSXD, EMU_FORM_GE, G_NONE, D_MODRM | D_ONLY64},
    [0x80] = {EMU_OP_NONE, EMU_FORM_EI, G_1, D_MODRM | D_BYTE | D_IMM8},
    [0x81] = {EMU_OP_NONE, EMU_FORM_EI, G_1, D_MODRM | D_IMMZ},
    [0x82] = {EMU_OP_NONE, EMU_FORM_EI, G_1, D_MODRM | D_BYTE | D_IMM8 | D_NO64},
    [0x83] = {EMU_OP_NONE, EMU_FORM_EI, G_1, D_MODRM | D_IMM8S},
    [0x84] = {EMU_OP_TEST, EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE},
    [0x85] = {EMU_OP_TEST, EMU_FORM_EG, G_NONE, D_MODRM},
    [0x86] = {EMU_OP_XCHG, EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE | D_LOCK},
    [0x87] = {EMU_OP_XCHG, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
    [0x88] = {EMU_OP_MOV, EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE},
    [0x89] = {EMU_OP_MOV, EMU_FORM_EG, G_NONE, D_MODRM},
    [0x8a] = {EMU_OP_MOV, EMU_FORM_GE, G_NONE, D_MODRM | D_BYTE},
    [0x8b] = {EMU_OP_MOV, EMU_FORM_GE, G_NONE, D_MODRM},
    [0xa0] = {EMU_OP_MOV, EMU_FORM_AM, G_NONE, D_MOFFS | D_BYTE},
    [0xa1] = {EMU_OP_MOV, EMU_FORM_AM, G_NONE, D_MOFFS},
    [0xa2] = {EMU_OP_MOV, EMU_FORM_MA, G_NONE, D_MOFFS | D_BYTE},
    [0xa3] = {EMU_OP_MOV, EMU_FORM_MA, G_NONE, D_MOFFS},
    [0xa4] = {EMU_OP_MOVS, EMU_FORM_STR, G_NONE, D_BYTE},
    [0xa5] = {EMU_OP_MOVS, EMU_FORM_STR, G_NONE, 0},
    [0xa8] = {EMU_OP_TEST, EMU_FORM_AI, G_NONE, D_BYTE | D_IMM8},
    [0xa9] = {EMU_OP_TEST, EMU_FORM_AI, G_NONE, D_IMMZ},
    [0xaa] = {EMU_OP_STOS, EMU_FORM_STR, G_NONE, D_BYTE},
    [0xab] = {EMU_OP_STOS, EMU_FORM_STR, G_NONE, 0},
    [0xac] = {EMU_OP_LODS, EMU_FORM_STR, G_NONE, D_BYTE},
    [0xad] = {EMU_OP_LODS, EMU_FORM_STR, G_NONE, 0},
    [0xc6] = {EMU_OP_NONE, EMU_FORM_EI, G_11, D_MODRM | D_BYTE | D_IMM8},
    [0xc7] = {EMU_OP_NONE, EMU_FORM_EI, G_11, D_MODRM | D_IMMZ},
    [0xf6] = {EMU_OP_NONE, EMU_FORM_E, G_3, D_MODRM | D_BYTE},
    [0xf7] = {EMU_OP_NONE, EMU_FORM_E, G_3, D_MODRM},
    [0xfe] = {EMU_OP_NONE, EMU_FORM_E, G_4, D_MODRM | D_BYTE},
    [0xff] = {EMU_OP_NONE, EMU_FORM_E, G_5, D_MODRM},
};

/* The emulated part of the 0F map (APM vol. 3, table A-3). */
static const struct opdesc twobyte[256] = {
    [0xa3] = {EMU_OP_BT, EMU_FORM_EG, G_NONE, D_MODRM},
    [0xab] = {EMU_OP_BTS, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
    [0xb0] = {EMU_OP_CMPXCHG, EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE | D_LOCK},
    [0xb1] = {EMU_OP_CMPXCHG, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
    [0xb3] = {EMU_OP_BTR, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
    [0xb6] = {EMU_OP_MOVZX, EMU_FORM_GE, G_NONE, D_MODRM | D_SRC8},
    [0xb7] = {EMU_OP_MOVZX, EMU_FORM_GE, G_NONE, D_MODRM},
    [0xba] = {EMU_OP_NONE, EMU_FORM_EI, G_8, D_MODRM | D_IMM8},
    [0xbb] = {EMU_OP_BTC, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
    [0xbe] = {EMU_OP_MOVSX, EMU_FORM_GE, G_NONE, D_MODRM | D_SRC8},
    [0xbf] = {EMU_OP_MOVSX, EMU_FORM_GE, G_NONE, D_MODRM},
    [0xc0] = {EMU_OP_XADD, EMU_FORM_EG, G_NONE, D_MODRM | D_BYTE | D_LOCK},
    [0xc1] = {EMU_OP_XADD, EMU_FORM_EG, G_NONE, D_MODRM | D_LOCK},
};

static const char *const mnemonics[EMU_NR_OPS] = {
    [EMU_OP_NONE] = "(bad)",  [EMU_OP_ADD] = "add",	  [EMU_OP_OR] = "or",
    [EMU_OP_ADC] = "adc",     [EMU_OP_SBB] = "sbb",	  [EMU_OP_AND] = "and",
    [EMU_OP_SUB] = "sub",     [EMU_OP_XOR] = "xor",	  [EMU_OP_CMP] = "cmp",
    [EMU_OP_TEST] = "test",   [EMU_OP_MOV] = "mov",	  [EMU_OP_MOVZX] = "movzx",
    [EMU_OP_MOVSX] = "movsx", [EMU_OP_MOVSXD] = "movsxd", [EMU_OP_XCHG] = "xchg",
    [EMU_OP_NOT] = "not",     [EMU_OP_NEG] = "neg",	  [EMU_OP_INC] = "inc",
    [EMU_OP_DEC] = "dec",     [EMU_OP_BT] = "bt",	  [EMU_OP_BTS] = "bts",
    [EMU_OP_BTR] = "btr",     [EMU_OP_BTC] = "btc",	  [EMU_OP_CMPXCHG] = "cmpxchg",
    [EMU_OP_XADD] = "xadd",   [EMU_OP_MOVS] = "movs",	  [EMU_OP_STOS] = "stos",
    [EMU_OP_LODS] = "lods",
};

const char *emu_mnemonic(const struct emu_insn *insn)
{
	if ((unsigned int)insn->op >= EMU_NR_OPS)
		return mnemonics[EMU_OP_NONE];
	return mnemonics[insn->op];
}

static bool code64(const struct emu_mode *m)
{
	return m->long_mode && m->cs_l;
}

/* ------------------------------------------------------------------------ */
/* Decoder                                                                   */

/* Reads instruction bytes; stops at the buffer's end or at 15 bytes. */
struct cursor {
	const uint8_t *buf;
	unsigned int len;
	unsigned int pos;
	int err;
};

static uint8_t next_byte(struct cursor *c)
{
	if (c->err)
		return 0;
	/* The 16th byte makes the instruction too long: #GP (APM vol. 3, 1.1). */
	if (c->pos >= EMU_MAX_INSN_LEN) {
		c->err = -E2BIG;
		return 0;
	}
	if (c->pos >= c->len) {
		c->err = -ERANGE;
		return 0;
	}
	return c->buf[c->pos++];
}

/* Little-endian unsigned value of n (1, 2, 4 or 8) bytes. */
static uint64_t next_bytes(struct cursor *c, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)next_byte(c) << (8 * i);
	return v;
}

static int64_t sext8(uint64_t v)
{
	return (int8_t)(uint8_t)v;
}

static int64_t sext16(uint64_t v)
{
	return (int16_t)(uint16_t)v;
}

static int64_t sext32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

/* 16-bit addressing (APM vol. 3, table 1-12): base and index per ModRM.rm. */
static const uint8_t rm16_base[8] = {EMU_RBX, EMU_RBX, EMU_RBP, EMU_RBP,
				     EMU_RSI, EMU_RDI, EMU_RBP, EMU_RBX};
static const uint8_t rm16_index[8] = {EMU_RSI,	    EMU_RDI,	  EMU_RSI,	EMU_RDI,
				      EMU_REG_NONE, EMU_REG_NONE, EMU_REG_NONE, EMU_REG_NONE};

static void decode_modrm16(struct cursor *c, struct emu_insn *in, unsigned int mod, unsigned int rm)
{
	in->base = rm16_base[rm];
	in->index = rm16_index[rm];
	if (mod == MOD_DISP0 && rm == RM16_DISP16) {
		in->base = EMU_REG_NONE;
		in->disp = sext16(next_bytes(c, 2));
	} else if (mod == MOD_DISP8) {
		in->disp = sext8(next_byte(c));
	} else if (mod == MOD_DISP32) {
		in->disp = sext16(next_bytes(c, 2));
	}
}

static void decode_modrm32(struct cursor *c, struct emu_insn *in, bool is64, unsigned int mod,
			   unsigned int rm)
{
	const unsigned int rex_b = (in->rex & REX_B) ? 8 : 0;

	in->base = (uint8_t)(rm | rex_b);
	in->index = EMU_REG_NONE;
	if (rm == RM_SIB) {
		uint8_t sib = next_byte(c);
		unsigned int idx = MODRM_REG(sib) | ((in->rex & REX_X) ? 8 : 0);

		in->scale = (uint8_t)MODRM_MOD(sib);
		/* Index 100 means none, unless REX.X makes it R12. */
		if (idx != SIB_NO_INDEX)
			in->index = (uint8_t)idx;
		in->base = (uint8_t)(MODRM_RM(sib) | rex_b);
		if (MODRM_RM(sib) == SIB_NO_BASE && mod == MOD_DISP0) {
			in->base = EMU_REG_NONE;
			in->disp = sext32(next_bytes(c, 4));
		}
	} else if (rm == RM_DISP32 && mod == MOD_DISP0) {
		/* 64-bit mode makes this form RIP-relative (APM vol. 3, 1.7). */
		in->base = is64 ? EMU_REG_RIP : EMU_REG_NONE;
		in->disp = sext32(next_bytes(c, 4));
	}
	if (mod == MOD_DISP8)
		in->disp = sext8(next_byte(c));
	else if (mod == MOD_DISP32)
		in->disp = sext32(next_bytes(c, 4));
}

/* Apply a group's ModRM.reg selection to d. Returns 0 or -ENOTSUP/-EINVAL. */
static int decode_group(struct opdesc *d, unsigned int reg, unsigned int modrm)
{
	switch (d->group) {
	case G_1:
		/* 80-83: ADD OR ADC SBB AND SUB XOR CMP; all but CMP lockable. */
		d->op = (uint8_t)(EMU_OP_ADD + reg);
		if (d->op != EMU_OP_CMP)
			d->flags |= D_LOCK;
		return 0;
	case G_3:
		/* F6/F7: /0 TEST imm, /2 NOT, /3 NEG; MUL/DIV not emulated. */
		if (reg == 0) {
			d->op = EMU_OP_TEST;
			d->form = EMU_FORM_EI;
			d->flags |= (d->flags & D_BYTE) ? D_IMM8 : D_IMMZ;
			return 0;
		}
		if (reg == 2 || reg == 3) {
			d->op = reg == 2 ? EMU_OP_NOT : EMU_OP_NEG;
			d->flags |= D_LOCK;
			return 0;
		}
		return -ENOTSUP;
	case G_4:
	case G_5:
		/* FE/FF: /0 INC, /1 DEC. FE /2-/7 are undefined; FF's are branches. */
		if (reg <= 1) {
			d->op = reg == 0 ? EMU_OP_INC : EMU_OP_DEC;
			d->flags |= D_LOCK;
			return 0;
		}
		return d->group == G_4 ? -EINVAL : -ENOTSUP;
	case G_11:
		/* C6/C7 /0 is MOV; C6 F8 / C7 F8 are XABORT/XBEGIN; the rest #UD. */
		if (reg == 0) {
			d->op = EMU_OP_MOV;
			return 0;
		}
		return (reg == 7 && MODRM_MOD(modrm) == MOD_REG) ? -ENOTSUP : -EINVAL;
	case G_8:
		/* 0F BA /4-/7: BT BTS BTR BTC with imm8; /0-/3 are undefined. */
		if (reg < 4)
			return -EINVAL;
		d->op = (uint8_t)(EMU_OP_BT + (reg - 4));
		if (d->op != EMU_OP_BT)
			d->flags |= D_LOCK;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static bool lock_legal(const struct emu_insn *in, const struct opdesc *d)
{
	/* LOCK needs a lockable instruction with a memory destination (APM vol. 3, 1.2.5). */
	if (!(d->flags & D_LOCK) || !in->mem)
		return false;
	return in->form == EMU_FORM_EG || in->form == EMU_FORM_EI || in->form == EMU_FORM_E;
}

int emu_decode(struct emu_insn *in, const struct emu_mode *mode, const uint8_t *buf,
	       unsigned int len)
{
	struct cursor c = {.buf = buf, .len = len};
	const bool is64 = code64(mode);
	int seg_override = -1;
	struct opdesc d;
	uint8_t b;
	int err;

	memset(in, 0, sizeof(*in));
	in->base = in->index = EMU_REG_NONE;

	/*
	 * Legacy prefixes in any order, then at most one REX (64-bit mode
	 * only) right before the opcode: a REX followed by another prefix is
	 * ignored (APM vol. 3, 1.2.7). Of F2/F3 and of the segment
	 * overrides, the last one counts.
	 */
	for (;;) {
		b = next_byte(&c);
		if (c.err)
			goto out;
		if (is64 && b >= REX_FIRST && b <= REX_LAST) {
			in->rex = b;
			continue;
		}
		switch (b) {
		case PFX_OPSIZE:
			in->prefixes |= EMU_PFX_OPSIZE;
			break;
		case PFX_ADSIZE:
			in->prefixes |= EMU_PFX_ADSIZE;
			break;
		case PFX_LOCK:
			in->prefixes |= EMU_PFX_LOCK;
			break;
		case PFX_REP:
			in->prefixes = (uint8_t)((in->prefixes & ~EMU_PFX_REPNE) | EMU_PFX_REP);
			break;
		case PFX_REPNE:
			in->prefixes = (uint8_t)((in->prefixes & ~EMU_PFX_REP) | EMU_PFX_REPNE);
			break;
		case PFX_ES:
			seg_override = EMU_SEG_ES;
			break;
		case PFX_CS:
			seg_override = EMU_SEG_CS;
			break;
		case PFX_SS:
			seg_override = EMU_SEG_SS;
			break;
		case PFX_DS:
			seg_override = EMU_SEG_DS;
			break;
		case PFX_FS:
			seg_override = EMU_SEG_FS;
			break;
		case PFX_GS:
			seg_override = EMU_SEG_GS;
			break;
		default:
			goto opcode;
		}
		in->rex = 0;
	}

opcode:
	if (b == ESCAPE_0F) {
		in->twobyte = true;
		b = next_byte(&c);
		if (c.err)
			goto out;
		d = twobyte[b];
	} else {
		d = onebyte[b];
	}
	in->opcode = b;
	if (d.op == EMU_OP_NONE && d.group == G_NONE) {
		err = -ENOTSUP;
		goto fail;
	}
	if ((d.flags & D_NO64) && is64) {
		err = -EINVAL;
		goto fail;
	}
	if ((d.flags & D_ONLY64) && !is64) {
		err = -ENOTSUP;
		goto fail;
	}

	/* Operand size (APM vol. 3, 1.2.2 and table 1-3). */
	if (d.flags & D_BYTE)
		in->op_size = 1;
	else if (is64 && (in->rex & REX_W))
		in->op_size = 8;
	else if (is64)
		in->op_size = (in->prefixes & EMU_PFX_OPSIZE) ? 2 : 4;
	else
		in->op_size = (mode->cs_d != !!(in->prefixes & EMU_PFX_OPSIZE)) ? 4 : 2;
	/* Address size (APM vol. 3, 1.2.3 and table 1-4). */
	if (is64)
		in->ad_size = (in->prefixes & EMU_PFX_ADSIZE) ? 4 : 8;
	else
		in->ad_size = (mode->cs_d != !!(in->prefixes & EMU_PFX_ADSIZE)) ? 4 : 2;

	if (d.flags & D_MODRM) {
		unsigned int mod, rm;

		in->has_modrm = true;
		in->modrm = next_byte(&c);
		if (c.err)
			goto out;
		mod = MODRM_MOD(in->modrm);
		rm = MODRM_RM(in->modrm);
		in->reg = (uint8_t)(MODRM_REG(in->modrm) | ((in->rex & REX_R) ? 8 : 0));
		if (d.group != G_NONE) {
			err = decode_group(&d, MODRM_REG(in->modrm), in->modrm);
			if (err)
				goto fail;
		}
		if (mod == MOD_REG) {
			in->rm = (uint8_t)(rm | ((in->rex & REX_B) ? 8 : 0));
		} else {
			in->mem = true;
			if (in->ad_size == 2)
				decode_modrm16(&c, in, mod, rm);
			else
				decode_modrm32(&c, in, is64, mod, rm);
		}
	}
	in->op = (enum emu_op)d.op;
	in->form = (enum emu_form)d.form;
	in->src_size = in->op_size;
	if (in->op == EMU_OP_MOVZX || in->op == EMU_OP_MOVSX)
		in->src_size = (d.flags & D_SRC8) ? 1 : 2;
	else if (in->op == EMU_OP_MOVSXD)
		in->src_size = MIN(in->op_size, 4);

	if (d.flags & D_MOFFS) {
		/* The offset has the address size and is not sign-extended. */
		in->mem = true;
		in->disp = (int64_t)next_bytes(&c, in->ad_size);
	}
	if (d.flags & (D_IMM8 | D_IMM8S)) {
		in->imm_size = 1;
		in->imm = next_byte(&c);
		if (d.flags & D_IMM8S)
			in->imm = (uint64_t)sext8(in->imm);
	} else if (d.flags & D_IMMZ) {
		/* imm32 is sign-extended for 64-bit operands (APM vol. 3, 1.5). */
		in->imm_size = in->op_size == 2 ? 2 : 4;
		in->imm = next_bytes(&c, in->imm_size);
		in->imm = (uint64_t)(in->imm_size == 2 ? sext16(in->imm) : sext32(in->imm));
	}
	if (c.err)
		goto out;

	/*
	 * The segment: DS, or SS for a base of rBP/rSP (APM vol. 2, 4.5.3),
	 * unless overridden; in 64-bit mode only FS and GS overrides have an
	 * effect (APM vol. 2, 4.12.2). String destinations are always ES.
	 */
	in->seg = (in->base == EMU_RBP || in->base == EMU_RSP) ? EMU_SEG_SS : EMU_SEG_DS;
	if (seg_override >= 0 &&
	    (!is64 || seg_override == EMU_SEG_FS || seg_override == EMU_SEG_GS)) {
		in->seg = (enum emu_seg)seg_override;
		in->prefixes |= EMU_PFX_SEG;
	}

	if ((in->prefixes & EMU_PFX_LOCK) && !lock_legal(in, &d)) {
		err = -EINVAL;
		goto fail;
	}
	in->len = (uint8_t)c.pos;
	return 0;

out:
	err = c.err;
fail:
	in->len = (uint8_t)c.pos;
	if (err == -ENOTSUP || err == -EINVAL)
		in->op = EMU_OP_NONE;
	return err;
}

/* ------------------------------------------------------------------------ */
/* Registers, addresses, memory                                              */

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t sign_bit(unsigned int size)
{
	return 1ull << (size * 8 - 1);
}

static uint64_t sign_extend(uint64_t v, unsigned int size)
{
	switch (size) {
	case 1:
		return (uint64_t)sext8(v);
	case 2:
		return (uint64_t)sext16(v);
	case 4:
		return (uint64_t)sext32(v);
	default:
		return v;
	}
}

/*
 * Register reads and writes of a given size. Without REX, byte registers
 * 4-7 are AH, CH, DH, BH (APM vol. 3, 1.2.7). A 32-bit write clears bits
 * 63:32; 8- and 16-bit writes keep the rest (APM vol. 1, 3.1.2.3).
 */
static uint64_t get_reg(const struct emu_ctx *c, unsigned int reg, unsigned int size, bool rex)
{
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (c->gpr[reg - 4] >> 8) & 0xff;
	return c->gpr[reg & 0xf] & size_mask(size);
}

static void set_reg(struct emu_ctx *c, unsigned int reg, unsigned int size, bool rex, uint64_t v)
{
	uint64_t *r;

	if (size == 1 && !rex && reg >= 4 && reg < 8) {
		r = &c->gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	r = &c->gpr[reg & 0xf];
	if (size >= 4)
		*r = v & size_mask(size);
	else
		*r = (*r & ~size_mask(size)) | (v & size_mask(size));
}

/*
 * Linear address of seg:ea. In 64-bit mode only FS and GS have a base and
 * nothing wraps (the walker checks canonical form); elsewhere the base is
 * added and the sum wraps at 4 GiB (APM vol. 2, 4.5 and 4.12).
 */
static uint64_t linear(const struct emu_ctx *c, enum emu_seg seg, uint64_t ea)
{
	if (code64(&c->mode)) {
		if (seg == EMU_SEG_FS || seg == EMU_SEG_GS)
			return ea + c->mode.seg_base[seg];
		return ea;
	}
	return (c->mode.seg_base[seg] + ea) & LA32_MASK;
}

/* Effective address of the memory operand, wrapped to the address size. */
static uint64_t eff_addr(const struct emu_ctx *c, const struct emu_insn *in)
{
	uint64_t a = (uint64_t)in->disp;

	if (in->base == EMU_REG_RIP)
		a += c->rip + in->len;
	else if (in->base < EMU_NR_GPRS)
		a += c->gpr[in->base];
	if (in->index < EMU_NR_GPRS)
		a += c->gpr[in->index] << in->scale;
	return a & size_mask(in->ad_size);
}

static int mem_read(struct emu_ctx *c, enum emu_seg seg, uint64_t la, unsigned int size,
		    uint64_t *val)
{
	uint64_t v = 0;
	int err = c->ops->read(c, seg, la, &v, size);

	*val = v & size_mask(size);
	return err;
}

static int mem_write(struct emu_ctx *c, enum emu_seg seg, uint64_t la, unsigned int size,
		     uint64_t val)
{
	return c->ops->write(c, seg, la, &val, size);
}

/* An operand: a register or a memory location. */
struct opnd {
	bool mem;
	enum emu_seg seg;
	uint64_t la;
	unsigned int reg;
	unsigned int size;
};

static void opnd_e(const struct emu_ctx *c, const struct emu_insn *in, unsigned int size,
		   struct opnd *o)
{
	o->size = size;
	o->mem = in->mem;
	if (in->mem) {
		o->seg = in->seg;
		o->la = linear(c, in->seg, eff_addr(c, in));
	} else {
		o->reg = in->rm;
	}
}

static void opnd_reg(unsigned int reg, unsigned int size, struct opnd *o)
{
	o->mem = false;
	o->reg = reg;
	o->size = size;
}

static int opnd_read(struct emu_ctx *c, const struct emu_insn *in, const struct opnd *o,
		     uint64_t *v)
{
	if (o->mem)
		return mem_read(c, o->seg, o->la, o->size, v);
	*v = get_reg(c, o->reg, o->size, in->rex != 0);
	return 0;
}

static int opnd_write(struct emu_ctx *c, const struct emu_insn *in, const struct opnd *o,
		      uint64_t v)
{
	if (o->mem)
		return mem_write(c, o->seg, o->la, o->size, v);
	set_reg(c, o->reg, o->size, in->rex != 0, v);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Arithmetic and flags                                                      */

/* PF: set when the low byte of the result has an even number of ones. */
static uint64_t parity_flag(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return (v & 1) ? 0 : EMU_FLAG_PF;
}

/*
 * Compute a op b in size bytes; return the new RFLAGS. Flags per APM vol.
 * 3, chapter 3 and its table of rFLAGS effects (appendix E): ADD/ADC/SUB/
 * SBB/CMP/NEG set all six status flags; AND/OR/XOR/TEST clear CF and OF and
 * leave AF undefined (cleared here, as processors do); INC/DEC keep CF.
 */
static uint64_t alu(enum emu_op op, unsigned int size, uint64_t a, uint64_t b, uint64_t rflags,
		    uint64_t *out)
{
	const uint64_t m = size_mask(size), sb = sign_bit(size);
	uint64_t res, f = 0, cin = (rflags & EMU_FLAG_CF) ? 1 : 0, kept = 0;

	a &= m;
	b &= m;
	switch (op) {
	case EMU_OP_ADD:
	case EMU_OP_ADC:
	case EMU_OP_XADD:
		if (op != EMU_OP_ADC)
			cin = 0;
		res = (a + b + cin) & m;
		/* Carry out of the top bit: the sum wrapped below a. */
		if (cin ? res <= a : res < a)
			f |= EMU_FLAG_CF;
		/* Signed overflow: both inputs differ in sign from the result. */
		if ((a ^ res) & (b ^ res) & sb)
			f |= EMU_FLAG_OF;
		f |= (a ^ b ^ res) & EMU_FLAG_AF;
		break;
	case EMU_OP_SUB:
	case EMU_OP_SBB:
	case EMU_OP_CMP:
	case EMU_OP_CMPXCHG:
		if (op != EMU_OP_SBB)
			cin = 0;
		res = (a - b - cin) & m;
		/* Borrow into the top bit. */
		if (cin ? a <= b : a < b)
			f |= EMU_FLAG_CF;
		/* Signed overflow: the inputs differ in sign and the result took b's. */
		if ((a ^ b) & (a ^ res) & sb)
			f |= EMU_FLAG_OF;
		f |= (a ^ b ^ res) & EMU_FLAG_AF;
		break;
	case EMU_OP_AND:
	case EMU_OP_TEST:
		res = a & b;
		break;
	case EMU_OP_OR:
		res = a | b;
		break;
	case EMU_OP_XOR:
		res = a ^ b;
		break;
	case EMU_OP_INC:
		res = (a + 1) & m;
		if (res == sb)
			f |= EMU_FLAG_OF;
		f |= (a ^ 1 ^ res) & EMU_FLAG_AF;
		kept = EMU_FLAG_CF;
		break;
	case EMU_OP_DEC:
		res = (a - 1) & m;
		if (a == sb)
			f |= EMU_FLAG_OF;
		f |= (a ^ 1 ^ res) & EMU_FLAG_AF;
		kept = EMU_FLAG_CF;
		break;
	case EMU_OP_NEG:
		/* NEG is 0 - a: CF unless a is 0, OF for the most negative value. */
		res = (0 - a) & m;
		if (a)
			f |= EMU_FLAG_CF;
		if (a == sb)
			f |= EMU_FLAG_OF;
		f |= (a ^ res) & EMU_FLAG_AF;
		break;
	default:
		*out = a;
		return rflags;
	}
	f |= parity_flag(res);
	if (res == 0)
		f |= EMU_FLAG_ZF;
	if (res & sb)
		f |= EMU_FLAG_SF;
	*out = res;
	return (rflags & ~(EMU_FLAGS_STATUS & ~kept)) | (f & ~kept);
}

/* ------------------------------------------------------------------------ */
/* Executor                                                                  */

static void advance(struct emu_ctx *c, const struct emu_insn *in)
{
	uint64_t next = c->rip + in->len;

	/* EIP wraps at 4 GiB, IP at 64 KiB in 16-bit code. */
	if (!code64(&c->mode))
		next &= c->mode.cs_d ? LA32_MASK : IP16_MASK;
	c->rip = next;
}

/* Resolve the destination and source operands of the two-operand forms. */
static void operands(const struct emu_ctx *c, const struct emu_insn *in, struct opnd *dst,
		     struct opnd *src)
{
	const unsigned int size = in->op_size;

	switch (in->form) {
	case EMU_FORM_EG:
		opnd_e(c, in, size, dst);
		opnd_reg(in->reg, size, src);
		break;
	case EMU_FORM_GE:
		opnd_reg(in->reg, size, dst);
		opnd_e(c, in, in->src_size, src);
		break;
	case EMU_FORM_AM:
	case EMU_FORM_MA: {
		struct opnd *m = in->form == EMU_FORM_AM ? src : dst;
		struct opnd *a = in->form == EMU_FORM_AM ? dst : src;

		opnd_reg(EMU_RAX, size, a);
		m->mem = true;
		m->size = size;
		m->seg = in->seg;
		m->la = linear(c, in->seg, (uint64_t)in->disp & size_mask(in->ad_size));
		break;
	}
	case EMU_FORM_AI:
		opnd_reg(EMU_RAX, size, dst);
		opnd_reg(EMU_RAX, size, src); /* unused: the source is the immediate */
		break;
	default: /* EI, E */
		opnd_e(c, in, size, dst);
		opnd_e(c, in, size, src);
		break;
	}
}

static bool src_is_imm(const struct emu_insn *in)
{
	return in->form == EMU_FORM_EI || in->form == EMU_FORM_AI;
}

static int exec_mov(struct emu_ctx *c, const struct emu_insn *in)
{
	struct opnd dst, src;
	uint64_t v;
	int err;

	operands(c, in, &dst, &src);
	if (src_is_imm(in)) {
		v = in->imm;
	} else {
		err = opnd_read(c, in, &src, &v);
		if (err)
			return err;
	}
	/* MOVZX zero-extends (already, by the read); MOVSX/MOVSXD sign-extend. */
	if (in->op == EMU_OP_MOVSX || in->op == EMU_OP_MOVSXD)
		v = sign_extend(v, in->src_size);
	return opnd_write(c, in, &dst, v);
}

static int exec_alu(struct emu_ctx *c, const struct emu_insn *in)
{
	struct opnd dst, src;
	uint64_t a, b, res, flags;
	int err;

	operands(c, in, &dst, &src);
	err = opnd_read(c, in, &dst, &a);
	if (err)
		return err;
	if (src_is_imm(in)) {
		b = in->imm;
	} else {
		err = opnd_read(c, in, &src, &b);
		if (err)
			return err;
	}
	flags = alu(in->op, in->op_size, a, b, c->rflags, &res);
	/* CMP and TEST only set flags. */
	if (in->op != EMU_OP_CMP && in->op != EMU_OP_TEST) {
		err = opnd_write(c, in, &dst, res);
		if (err)
			return err;
	}
	c->rflags = flags;
	return 0;
}

/* NOT, NEG, INC, DEC: read-modify-write of E. NOT changes no flags. */
static int exec_unary(struct emu_ctx *c, const struct emu_insn *in)
{
	struct opnd dst;
	uint64_t a, res, flags = c->rflags;
	int err;

	opnd_e(c, in, in->op_size, &dst);
	err = opnd_read(c, in, &dst, &a);
	if (err)
		return err;
	if (in->op == EMU_OP_NOT)
		res = ~a;
	else
		flags = alu(in->op, in->op_size, a, 0, c->rflags, &res);
	err = opnd_write(c, in, &dst, res);
	if (err)
		return err;
	c->rflags = flags;
	return 0;
}

/* XCHG (implicitly locked), XADD and CMPXCHG: E is the destination. */
static int exec_xchg(struct emu_ctx *c, const struct emu_insn *in)
{
	const bool rex = in->rex != 0;
	const unsigned int size = in->op_size;
	struct opnd dst;
	uint64_t d, g = get_reg(c, in->reg, size, rex), res, flags;
	int err;

	opnd_e(c, in, size, &dst);
	err = opnd_read(c, in, &dst, &d);
	if (err)
		return err;
	switch (in->op) {
	case EMU_OP_XCHG:
		err = opnd_write(c, in, &dst, g);
		if (err)
			return err;
		set_reg(c, in->reg, size, rex, d);
		return 0;
	case EMU_OP_XADD:
		/* dest = dest + src, src = old dest; flags of the ADD (SDM vol. 2B, XADD). */
		flags = alu(EMU_OP_ADD, size, d, g, c->rflags, &res);
		err = opnd_write(c, in, &dst, res);
		if (err)
			return err;
		set_reg(c, in->reg, size, rex, d);
		c->rflags = flags;
		return 0;
	default: {
		/*
		 * CMPXCHG: compare the accumulator with dest (flags of CMP); if
		 * equal, dest = src, else the accumulator takes dest. A memory
		 * destination is written in both cases, with its own value on
		 * failure, as the processor's bus cycle does (SDM vol. 2A,
		 * CMPXCHG).
		 */
		uint64_t acc = get_reg(c, EMU_RAX, size, rex);

		flags = alu(EMU_OP_CMPXCHG, size, acc, d, c->rflags, &res);
		if (flags & EMU_FLAG_ZF) {
			err = opnd_write(c, in, &dst, g);
			if (err)
				return err;
		} else {
			if (dst.mem) {
				err = opnd_write(c, in, &dst, d);
				if (err)
					return err;
			}
			set_reg(c, EMU_RAX, size, rex, d);
		}
		c->rflags = flags;
		return 0;
	}
	}
}

/*
 * BT, BTS, BTR, BTC. With a register bit offset and a memory operand the
 * offset is a signed number that may reach outside the operand: the
 * processor accesses the operand-sized word at
 *   ea + op_size * floor(offset / (8 * op_size))
 * and uses bit offset mod (8 * op_size) of it (APM vol. 3, BT; SDM vol.
 * 2A, 3.1.1.9 "bit offset" and BT). An immediate offset, or a register
 * destination, takes the offset modulo the operand width. Only CF is
 * defined; the other status flags are left as they were.
 */
static int exec_bt(struct emu_ctx *c, const struct emu_insn *in)
{
	const unsigned int size = in->op_size, bits = size * 8;
	uint64_t off, v, bit, res;
	struct opnd dst;
	int err;

	opnd_e(c, in, size, &dst);
	if (in->form == EMU_FORM_EI) {
		off = in->imm & (bits - 1);
	} else {
		/* The bit offset register, signed in the operand size. */
		int64_t soff = (int64_t)sign_extend(get_reg(c, in->reg, size, in->rex != 0), size);

		off = (uint64_t)soff & (bits - 1);
		if (in->mem) {
			/* Arithmetic shift: floor division (gcc defines >> on negatives). */
			int64_t words = soff >> (size == 2 ? 4 : size == 4 ? 5 : 6);
			uint64_t ea = eff_addr(c, in) + (uint64_t)words * size;

			dst.la = linear(c, in->seg, ea & size_mask(in->ad_size));
		}
	}
	err = opnd_read(c, in, &dst, &v);
	if (err)
		return err;
	bit = 1ull << off;
	switch (in->op) {
	case EMU_OP_BTS:
		res = v | bit;
		break;
	case EMU_OP_BTR:
		res = v & ~bit;
		break;
	case EMU_OP_BTC:
		res = v ^ bit;
		break;
	default:
		res = v;
		break;
	}
	if (in->op != EMU_OP_BT) {
		err = opnd_write(c, in, &dst, res);
		if (err)
			return err;
	}
	c->rflags = (c->rflags & ~EMU_FLAG_CF) | ((v & bit) ? EMU_FLAG_CF : 0);
	return 0;
}

/*
 * MOVS, STOS, LODS, with or without REP (F3; F2 acts the same on these).
 * Addresses come from rSI (DS, overridable) and rDI (always ES), counts
 * from rCX, all in the address size; the pointers move by the operand size,
 * backwards with DF = 1, and wrap within the address size (APM vol. 3,
 * MOVS, STOS, LODS, REP). A zero count does nothing. Registers are updated
 * after each iteration, so a fault leaves them at the failing iteration
 * with RIP on the instruction, as the processor does (APM vol. 3, REP).
 * After EMU_REP_BATCH iterations the instruction is left unfinished (RIP
 * unchanged): the guest re-executes it and the rest continues then, as
 * after an interrupt between iterations.
 */
static int exec_string(struct emu_ctx *c, const struct emu_insn *in)
{
	const unsigned int size = in->op_size, as = in->ad_size;
	const uint64_t amask = size_mask(as);
	const bool rep = in->prefixes & (EMU_PFX_REP | EMU_PFX_REPNE);
	const uint64_t step = (c->rflags & EMU_FLAG_DF) ? 0 - (uint64_t)size : size;
	unsigned int done = 0;
	int err;

	for (;;) {
		uint64_t si = c->gpr[EMU_RSI] & amask, di = c->gpr[EMU_RDI] & amask, v;

		if (rep) {
			if ((c->gpr[EMU_RCX] & amask) == 0)
				break;
			if (done == EMU_REP_BATCH) {
				c->rep_incomplete = true;
				return 0;
			}
		}
		switch (in->op) {
		case EMU_OP_MOVS:
			err = mem_read(c, in->seg, linear(c, in->seg, si), size, &v);
			if (!err)
				err = mem_write(c, EMU_SEG_ES, linear(c, EMU_SEG_ES, di), size, v);
			if (err)
				return err;
			set_reg(c, EMU_RSI, as, true, si + step);
			set_reg(c, EMU_RDI, as, true, di + step);
			break;
		case EMU_OP_STOS:
			v = get_reg(c, EMU_RAX, size, true);
			err = mem_write(c, EMU_SEG_ES, linear(c, EMU_SEG_ES, di), size, v);
			if (err)
				return err;
			set_reg(c, EMU_RDI, as, true, di + step);
			break;
		default: /* LODS */
			err = mem_read(c, in->seg, linear(c, in->seg, si), size, &v);
			if (err)
				return err;
			set_reg(c, EMU_RAX, size, true, v);
			set_reg(c, EMU_RSI, as, true, si + step);
			break;
		}
		done++;
		if (!rep)
			break;
		set_reg(c, EMU_RCX, as, true, (c->gpr[EMU_RCX] & amask) - 1);
	}
	advance(c, in);
	return 0;
}

int emu_execute(struct emu_ctx *c, const struct emu_insn *in)
{
	int err;

	switch (in->op) {
	case EMU_OP_MOV:
	case EMU_OP_MOVZX:
	case EMU_OP_MOVSX:
	case EMU_OP_MOVSXD:
		err = exec_mov(c, in);
		break;
	case EMU_OP_ADD:
	case EMU_OP_OR:
	case EMU_OP_ADC:
	case EMU_OP_SBB:
	case EMU_OP_AND:
	case EMU_OP_SUB:
	case EMU_OP_XOR:
	case EMU_OP_CMP:
	case EMU_OP_TEST:
		err = exec_alu(c, in);
		break;
	case EMU_OP_NOT:
	case EMU_OP_NEG:
	case EMU_OP_INC:
	case EMU_OP_DEC:
		err = exec_unary(c, in);
		break;
	case EMU_OP_XCHG:
	case EMU_OP_XADD:
	case EMU_OP_CMPXCHG:
		err = exec_xchg(c, in);
		break;
	case EMU_OP_BT:
	case EMU_OP_BTS:
	case EMU_OP_BTR:
	case EMU_OP_BTC:
		err = exec_bt(c, in);
		break;
	case EMU_OP_MOVS:
	case EMU_OP_STOS:
	case EMU_OP_LODS:
		return exec_string(c, in);
	default:
		emu_fault_set(&c->exc, EMU_VEC_UD, false, 0, 0);
		return -ENOTSUP;
	}
	if (err)
		return err;
	advance(c, in);
	return 0;
}

/* Fetch n instruction bytes at CS:rip + off into c->bytes, within one page. */
static int fetch_more(struct emu_ctx *c, unsigned int n)
{
	uint64_t la = linear(c, EMU_SEG_CS, c->rip + c->nbytes);
	unsigned int room = PAGE_SIZE - (unsigned int)(la & (PAGE_SIZE - 1));
	int err;

	n = MIN(n, room);
	err = c->ops->fetch(c, la, c->bytes + c->nbytes, n);
	if (err)
		return err;
	c->nbytes += n;
	return 0;
}

int emu_run(struct emu_ctx *c)
{
	int err;

	memset(&c->insn, 0, sizeof(c->insn));
	memset(&c->exc, 0, sizeof(c->exc));
	c->rep_incomplete = false;
	c->nbytes = 0;

	/*
	 * Fetch what the first page holds, up to 15 bytes; fetch from the next
	 * page only if the instruction goes on there, so that an instruction
	 * ending at a page boundary does not fault on the next page.
	 */
	err = fetch_more(c, EMU_MAX_INSN_LEN);
	if (err)
		return err;
	err = emu_decode(&c->insn, &c->mode, c->bytes, c->nbytes);
	if (err == -ERANGE && c->nbytes < EMU_MAX_INSN_LEN) {
		err = fetch_more(c, EMU_MAX_INSN_LEN - c->nbytes);
		if (err)
			return err;
		err = emu_decode(&c->insn, &c->mode, c->bytes, c->nbytes);
	}
	switch (err) {
	case 0:
		break;
	case -E2BIG:
		emu_fault_set(&c->exc, EMU_VEC_GP, true, 0, 0);
		return err;
	case -EINVAL:
	case -ENOTSUP:
		emu_fault_set(&c->exc, EMU_VEC_UD, false, 0, 0);
		return err;
	default:
		/* -ERANGE with 15 bytes cannot happen; treat anything else as #UD. */
		emu_fault_set(&c->exc, EMU_VEC_UD, false, 0, 0);
		return -EINVAL;
	}
	return emu_execute(c, &c->insn);
}
