// SPDX-License-Identifier: MIT
/*
 * Unit tests for emu/x86_emu: the instruction decoder and emulator.
 *
 * The encodings come from the system assembler (emu_cases.S), so expected
 * lengths are gas's, not hand-typed. Each case is decoded alone and then
 * executed against a fake guest: code and data live in host buffers at
 * made-up linear addresses, and every data access is logged so tests can
 * check the exact address, size and segment the emulator used. Expected
 * ALU results and RFLAGS come from running the same operation natively on
 * the x86-64 host with inline assembly, so the flags are exact.
 */
#include "test.h"

#include "emu/x86_emu.h"
#include "lib/errno.h"

/* ------------------------------------------------------------------------ */
/* The assembled cases                                                       */

struct asm_case {
	const char *name;
	const uint8_t *start;
	const uint8_t *end;
	uint64_t bits;
};

extern const struct asm_case emu_case_table[];
extern const struct asm_case emu_case_table_end[];

/* Number of assembled cases (the table is bracketed by two labels). */
static size_t ncases(void)
{
	return ((uintptr_t)emu_case_table_end - (uintptr_t)emu_case_table) /
	       sizeof(struct asm_case);
}

static const struct asm_case *find_case(const char *name)
{
	for (size_t i = 0; i < ncases(); i++) {
		if (strcmp(emu_case_table[i].name, name) == 0)
			return &emu_case_table[i];
	}
	printf("FAIL: %s: no assembled case %s\n", TEST_SUITE, name);
	exit(1);
}

static unsigned int case_len(const struct asm_case *k)
{
	return (unsigned int)(k->end - k->start);
}

/* ------------------------------------------------------------------------ */
/* Fake guest memory                                                         */

#define MEM_LA	   0x10000000ull /* data: [MEM_LA, MEM_LA + MEM_SIZE) */
#define MEM_SIZE   0x40000u
#define CODE_SIZE  64u
#define PAGE	   4096ull
#define MAX_LOG	   64
#define FILL	   0xccu
#define RFLAGS_FIX 0x2ull /* bit 1 of RFLAGS always reads as 1 */

struct access {
	bool write;
	enum emu_seg seg;
	uint64_t la;
	unsigned int size;
};

static struct fake {
	uint64_t code_la; /* linear address of code[0] */
	uint8_t code[CODE_SIZE];
	uint64_t code_limit; /* fetches at or above this fault (#PF) */
	unsigned int nfetch;
	uint8_t mem[MEM_SIZE];
	uint64_t fault_lo, fault_hi; /* data accesses touching [lo, hi) fault */
	struct access log[MAX_LOG];
	unsigned int nlog;
} fk;

static int inject_pf(struct emu_ctx *ctx, uint64_t la, uint32_t ec)
{
	emu_fault_set(&ctx->exc, EMU_VEC_PF, true, ec, la);
	return -EPERM;
}

static int fake_fetch(struct emu_ctx *ctx, uint64_t la, void *buf, unsigned int len)
{
	fk.nfetch++;
	/* The emulator promises never to cross a page in one fetch. */
	CHECK((la & ~(PAGE - 1)) == ((la + len - 1) & ~(PAGE - 1)));
	if (la + len > fk.code_limit)
		return inject_pf(ctx, MAX(la, fk.code_limit), EMU_PFEC_ID);
	if (la < fk.code_la || la + len > fk.code_la + CODE_SIZE) {
		printf("fetch outside the code buffer\n");
		return -EFAULT;
	}
	memcpy(buf, fk.code + (la - fk.code_la), len);
	return 0;
}

static int fake_access(struct emu_ctx *ctx, bool write, enum emu_seg seg, uint64_t la, void *val,
		       unsigned int size)
{
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (fk.nlog < MAX_LOG)
		fk.log[fk.nlog++] = (struct access){write, seg, la, size};
	if (la < fk.fault_hi && la + size > fk.fault_lo)
		return inject_pf(ctx, la, write ? EMU_PFEC_W : 0);
	if (la < MEM_LA || la + size > MEM_LA + MEM_SIZE)
		return inject_pf(ctx, la, write ? EMU_PFEC_W : 0);
	if (write)
		memcpy(fk.mem + (la - MEM_LA), val, size);
	else
		memcpy(val, fk.mem + (la - MEM_LA), size);
	return 0;
}

static int fake_read(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *val,
		     unsigned int size)
{
	return fake_access(ctx, false, seg, la, val, size);
}

static int fake_write(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, const void *val,
		      unsigned int size)
{
	return fake_access(ctx, true, seg, la, (void *)val, size);
}

static const struct emu_ops fake_ops = {
    .fetch = fake_fetch,
    .read = fake_read,
    .write = fake_write,
};

static uint64_t mem_get(uint64_t la, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, fk.mem + (la - MEM_LA), size);
	return v;
}

static void mem_put(uint64_t la, unsigned int size, uint64_t v)
{
	memcpy(fk.mem + (la - MEM_LA), &v, size);
}

#define DATA (MEM_LA + 0x100) /* where rBX points by default */

/* A fresh guest in k's mode with k at rip, registers set to recognizable values. */
static void setup_at(struct emu_ctx *c, const struct asm_case *k, uint64_t rip)
{
	unsigned int len = case_len(k);

	memset(c, 0, sizeof(*c));
	memset(&fk, 0, sizeof(fk));
	memset(fk.mem, FILL, sizeof(fk.mem));
	memset(fk.code, 0x90, sizeof(fk.code));
	if (len > CODE_SIZE)
		len = CODE_SIZE;
	memcpy(fk.code, k->start, len);
	fk.code_la = rip;
	fk.code_limit = ~0ull;
	c->mode.long_mode = k->bits == 64;
	c->mode.cs_l = k->bits == 64;
	c->mode.cs_d = k->bits == 32;
	c->ops = &fake_ops;
	c->rip = rip;
	c->rflags = RFLAGS_FIX;
	for (unsigned int i = 0; i < EMU_NR_GPRS; i++)
		c->gpr[i] = 0x1111111111111111ull * (i + 1);
	c->gpr[EMU_RBX] = DATA;
}

#define CODE_RIP 0x00401000ull

static void setup(struct emu_ctx *c, const struct asm_case *k)
{
	setup_at(c, k, CODE_RIP);
}

/* ------------------------------------------------------------------------ */
/* Native references                                                         */

/*
 * Run "op src, dst" on the host CPU with the given status flags in, and
 * return the result and the flags out. The asm moves rsp below the red
 * zone before pushing, since the compiler may keep locals there.
 */
#define NATIVE_PRE  "sub $128, %%rsp\n\tpush %[fi]\n\tpopfq\n\t"
#define NATIVE_POST "\n\tpushfq\n\tpop %[f]\n\tadd $128, %%rsp"

#define NATIVE_BIN(name, mn)                                                                       \
	static uint64_t native_##name(unsigned int size, uint64_t a, uint64_t b, uint64_t fin,     \
				      uint64_t *fout)                                              \
	{                                                                                          \
		uint64_t f;                                                                        \
		switch (size) {                                                                    \
		case 1:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "b %b[b], %b[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		case 2:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "w %w[b], %w[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		case 4:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "l %k[b], %k[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		default:                                                                           \
			__asm__ volatile(NATIVE_PRE mn "q %q[b], %q[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		}                                                                                  \
		*fout = f;                                                                         \
		return a;                                                                          \
	}

/* BT has no byte form. */
#define NATIVE_BT(name, mn)                                                                        \
	static uint64_t native_##name(unsigned int size, uint64_t a, uint64_t b, uint64_t fin,     \
				      uint64_t *fout)                                              \
	{                                                                                          \
		uint64_t f;                                                                        \
		switch (size) {                                                                    \
		case 2:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "w %w[b], %w[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		case 4:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "l %k[b], %k[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		default:                                                                           \
			__asm__ volatile(NATIVE_PRE mn "q %q[b], %q[a]" NATIVE_POST                \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [b] "r"(b), [fi] "r"(fin)                               \
					 : "cc", "memory");                                        \
			break;                                                                     \
		}                                                                                  \
		*fout = f;                                                                         \
		return a;                                                                          \
	}

#define NATIVE_UN(name, mn)                                                                        \
	static uint64_t native_##name(unsigned int size, uint64_t a, uint64_t b, uint64_t fin,     \
				      uint64_t *fout)                                              \
	{                                                                                          \
		uint64_t f;                                                                        \
		(void)b;                                                                           \
		switch (size) {                                                                    \
		case 1:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "b %b[a]" NATIVE_POST                       \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [fi] "r"(fin)                                           \
					 : "cc", "memory");                                        \
			break;                                                                     \
		case 2:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "w %w[a]" NATIVE_POST                       \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [fi] "r"(fin)                                           \
					 : "cc", "memory");                                        \
			break;                                                                     \
		case 4:                                                                            \
			__asm__ volatile(NATIVE_PRE mn "l %k[a]" NATIVE_POST                       \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [fi] "r"(fin)                                           \
					 : "cc", "memory");                                        \
			break;                                                                     \
		default:                                                                           \
			__asm__ volatile(NATIVE_PRE mn "q %q[a]" NATIVE_POST                       \
					 : [a] "+r"(a), [f] "=&r"(f)                               \
					 : [fi] "r"(fin)                                           \
					 : "cc", "memory");                                        \
			break;                                                                     \
		}                                                                                  \
		*fout = f;                                                                         \
		return a;                                                                          \
	}

NATIVE_BIN(add, "add")
NATIVE_BIN(or, "or")
NATIVE_BIN(adc, "adc")
NATIVE_BIN(sbb, "sbb")
NATIVE_BIN(and, "and")
NATIVE_BIN(sub, "sub")
NATIVE_BIN(xor, "xor")
NATIVE_BIN(cmp, "cmp")
NATIVE_BIN(test, "test")
NATIVE_BT(bt, "bt")
NATIVE_BT(bts, "bts")
NATIVE_BT(btr, "btr")
NATIVE_BT(btc, "btc")
NATIVE_UN(inc, "inc")
NATIVE_UN(dec, "dec")
NATIVE_UN(not, "not")
NATIVE_UN(neg, "neg")

typedef uint64_t native_fn(unsigned int size, uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout);

struct alu_desc {
	const char *name;
	native_fn *native;
	bool writes; /* stores its result (not CMP/TEST) */
};

static const struct alu_desc alu_ops[] = {
    {"add", native_add, true}, {"or", native_or, true},	   {"adc", native_adc, true},
    {"sbb", native_sbb, true}, {"and", native_and, true},  {"sub", native_sub, true},
    {"xor", native_xor, true}, {"cmp", native_cmp, false},
};

static const unsigned int sizes[] = {1, 2, 4, 8};

static uint64_t mask_of(unsigned int size)
{
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Interesting operands: zero, ones, sign boundaries, nibble carries. */
static const uint64_t values[] = {
    0,
    1,
    2,
    0xf,
    0x10,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    ~0ull,
    0x0123456789abcdefull,
    0xfedcba9876543210ull,
    0x0f0f0f0f8f0f0f08ull,
};

/* The register value after writing v with size bytes over old (x86-64 rules). */
static uint64_t merged(uint64_t old, uint64_t v, unsigned int size)
{
	if (size >= 4)
		return v & mask_of(size);
	return (old & ~mask_of(size)) | (v & mask_of(size));
}

static char name_buf[64];

static const char *case_name(const char *op, const char *form, unsigned int size)
{
	snprintf(name_buf, sizeof(name_buf), "%s_%s%u", op, form, size * 8);
	return name_buf;
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                  */

static const uint8_t *case_bytes;

static int decode_case(const struct asm_case *k, struct emu_insn *in)
{
	struct emu_mode m = {0};

	m.long_mode = m.cs_l = k->bits == 64;
	m.cs_d = k->bits == 32;
	case_bytes = k->start;
	return emu_decode(in, &m, k->start, case_len(k));
}

/* Every well-formed case decodes to exactly the assembler's length. */
TEST(decode_lengths_match_assembler)
{
	unsigned int n = 0;

	for (size_t i = 0; i < ncases(); i++) {
		const struct asm_case *k = &emu_case_table[i];
		struct emu_insn in;
		int err;

		if (!strncmp(k->name, "ud_", 3) || !strncmp(k->name, "inv_", 4) ||
		    !strcmp(k->name, "m32_inc_eax") || !strcmp(k->name, "m32_dec_edi") ||
		    !strcmp(k->name, "m32_arpl") || !strcmp(k->name, "pfx_max15"))
			continue;
		err = decode_case(k, &in);
		if (err != 0 || in.len != case_len(k)) {
			TEST_FAIL_AT("%s: err %d len %u, assembler %u", k->name, err, in.len,
				     case_len(k));
			return;
		}
		n++;
	}
	CHECK(n > 300);
}

/* The same bytes cut short ask for more (-ERANGE) instead of guessing. */
TEST(decode_truncated_asks_for_more)
{
	for (size_t i = 0; i < ncases(); i++) {
		const struct asm_case *k = &emu_case_table[i];
		struct emu_insn in;
		struct emu_mode m = {0};

		if (!strncmp(k->name, "ud_", 3) || !strncmp(k->name, "inv_", 4) ||
		    !strncmp(k->name, "m32_", 4) || !strncmp(k->name, "m16_", 4) ||
		    !strcmp(k->name, "pfx_max15"))
			continue;
		m.long_mode = m.cs_l = true;
		for (unsigned int l = 0; l < case_len(k); l++) {
			int err = emu_decode(&in, &m, k->start, l);

			if (err != -ERANGE) {
				TEST_FAIL_AT("%s cut at %u: %d", k->name, l, err);
				return;
			}
		}
	}
}

TEST(decode_alu_immediates)
{
	static const struct {
		const char *form;
		unsigned int size;
		uint64_t imm;
		uint8_t imm_size;
	} t[] = {
	    {"mi", 1, 0xa5, 1},
	    {"mi", 2, 0xffffffffffff8123ull, 2},
	    {"mi", 4, 0xffffffff80000123ull, 4},
	    {"mi", 8, (uint64_t)-0x7edcba98ll, 4},
	    {"mis", 2, (uint64_t)-3ll, 1},
	    {"mis", 4, (uint64_t)-3ll, 1},
	    {"mis", 8, 0x7f, 1},
	    {"ai", 1, 0xa5, 1},
	    {"ai", 2, 0xffffffffffff8123ull, 2},
	    {"ai", 4, 0xffffffff80000123ull, 4},
	    {"ai", 8, (uint64_t)-0x7edcba98ll, 4},
	};

	for (unsigned int o = 0; o < ARRAY_SIZE(alu_ops); o++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
			struct emu_insn in;
			const struct asm_case *k =
			    find_case(case_name(alu_ops[o].name, t[i].form, t[i].size));

			CHECK_EQ(decode_case(k, &in), 0);
			CHECK_EQ(in.op, EMU_OP_ADD + o);
			CHECK_EQ(in.op_size, t[i].size);
			CHECK_EQ(in.imm, t[i].imm);
			CHECK_EQ(in.imm_size, t[i].imm_size);
			CHECK_EQ(in.form, t[i].form[0] == 'a' ? EMU_FORM_AI : EMU_FORM_EI);
			CHECK_STR(emu_mnemonic(&in), alu_ops[o].name);
		}
	}
}

TEST(decode_operands)
{
	struct emu_insn in;

	/* movq (%r8), %r15: REX.W R B, base r8, reg r15. */
	CHECK_EQ(decode_case(find_case("mov_rm64_r15"), &in), 0);
	CHECK_EQ(in.op, EMU_OP_MOV);
	CHECK_EQ(in.form, EMU_FORM_GE);
	CHECK_EQ(in.op_size, 8);
	CHECK_EQ(in.reg, EMU_R15);
	CHECK_EQ(in.base, EMU_R8);
	CHECK_EQ(in.index, EMU_REG_NONE);
	CHECK(in.mem);
	CHECK_EQ(in.seg, EMU_SEG_DS);

	/* -8(%r12,%r13,8) */
	CHECK_EQ(decode_case(find_case("sib_scale8_r"), &in), 0);
	CHECK_EQ(in.base, EMU_R12);
	CHECK_EQ(in.index, EMU_R13);
	CHECK_EQ(in.scale, 3);
	CHECK_EQ(in.disp, -8);

	/* 0x10000100(,%rsi,2): SIB without base. */
	CHECK_EQ(decode_case(find_case("sib_nobase"), &in), 0);
	CHECK_EQ(in.base, EMU_REG_NONE);
	CHECK_EQ(in.index, EMU_RSI);
	CHECK_EQ(in.scale, 1);
	CHECK_EQ(in.disp, 0x10000100);

	/* (%rbx,%r12,1): index 100 with REX.X is R12, not "no index". */
	CHECK_EQ(decode_case(find_case("sib_r12_index"), &in), 0);
	CHECK_EQ(in.index, EMU_R12);

	/* 0x1234(%rip) */
	CHECK_EQ(decode_case(find_case("rip_rel"), &in), 0);
	CHECK_EQ(in.base, EMU_REG_RIP);
	CHECK_EQ(in.disp, 0x1234);
	CHECK_EQ(in.ad_size, 8);

	/* 8(%rsp) and 0x7f(%rbp) default to SS. */
	CHECK_EQ(decode_case(find_case("sib_rsp"), &in), 0);
	CHECK_EQ(in.seg, EMU_SEG_SS);
	CHECK_EQ(decode_case(find_case("rbp_disp8"), &in), 0);
	CHECK_EQ(in.seg, EMU_SEG_SS);
	CHECK_EQ(in.disp, 0x7f);

	/* moffs: 8-byte offset in 64-bit mode, 4 with 67. */
	CHECK_EQ(decode_case(find_case("mov_moffs_load64"), &in), 0);
	CHECK_EQ(in.form, EMU_FORM_AM);
	CHECK_EQ(in.disp, 0x10000130);
	CHECK_EQ(in.len, 10);
	CHECK_EQ(decode_case(find_case("mov_moffs_a32"), &in), 0);
	CHECK_EQ(in.ad_size, 4);
	CHECK_EQ(in.len, 6);

	/* movzwq, movsbw, movslq source sizes. */
	CHECK_EQ(decode_case(find_case("movzx_w64"), &in), 0);
	CHECK_EQ(in.src_size, 2);
	CHECK_EQ(in.op_size, 8);
	CHECK_EQ(decode_case(find_case("movsx_b16"), &in), 0);
	CHECK_EQ(in.src_size, 1);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(decode_case(find_case("movsxd_64"), &in), 0);
	CHECK_EQ(in.op, EMU_OP_MOVSXD);
	CHECK_EQ(in.src_size, 4);

	/* String: rep prefix, operand size. */
	CHECK_EQ(decode_case(find_case("rep_movsq"), &in), 0);
	CHECK_EQ(in.op, EMU_OP_MOVS);
	CHECK(in.prefixes & EMU_PFX_REP);
	CHECK_EQ(in.op_size, 8);
	CHECK_EQ(decode_case(find_case("rep_movsl_a32"), &in), 0);
	CHECK_EQ(in.ad_size, 4);

	/* BT immediate form. */
	CHECK_EQ(decode_case(find_case("btc_i64"), &in), 0);
	CHECK_EQ(in.op, EMU_OP_BTC);
	CHECK_EQ(in.imm, 77);
	CHECK_EQ(in.form, EMU_FORM_EI);
}

TEST(decode_prefixes)
{
	struct emu_insn in;

	/* 66 41 89 08: movw %r9w, (%r8). */
	CHECK_EQ(decode_case(find_case("pfx_66_rex"), &in), 0);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(in.reg, EMU_R9);
	CHECK_EQ(in.base, EMU_R8);
	/* 66 f0 01 0b and f0 66 01 0b: same instruction. */
	CHECK_EQ(decode_case(find_case("pfx_66_lock"), &in), 0);
	CHECK_EQ(in.op_size, 2);
	CHECK(in.prefixes & EMU_PFX_LOCK);
	CHECK_EQ(decode_case(find_case("pfx_lock_66"), &in), 0);
	CHECK_EQ(in.op_size, 2);
	CHECK(in.prefixes & EMU_PFX_LOCK);
	/* 64 66 67 89 0b: mov %cx, %fs:(%ebx). */
	CHECK_EQ(decode_case(find_case("pfx_seg_66_67"), &in), 0);
	CHECK_EQ(in.seg, EMU_SEG_FS);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(in.ad_size, 4);
	/* 48 66 89 0b: a REX before a legacy prefix is ignored. */
	CHECK_EQ(decode_case(find_case("pfx_rex_then_66"), &in), 0);
	CHECK_EQ(in.rex, 0);
	CHECK_EQ(in.op_size, 2);
	/* 41 48 89 0b: only the last REX counts (W, not B). */
	CHECK_EQ(decode_case(find_case("pfx_two_rex"), &in), 0);
	CHECK_EQ(in.rex, 0x48);
	CHECK_EQ(in.op_size, 8);
	CHECK_EQ(in.base, EMU_RBX);
	/* f2 f3 a4: the last of F2/F3 wins. */
	CHECK_EQ(decode_case(find_case("pfx_f2_f3_movs"), &in), 0);
	CHECK(in.prefixes & EMU_PFX_REP);
	CHECK(!(in.prefixes & EMU_PFX_REPNE));
	/* ES override is ignored in 64-bit mode. */
	CHECK_EQ(decode_case(find_case("pfx_es_ignored"), &in), 0);
	CHECK_EQ(in.seg, EMU_SEG_DS);
	CHECK(!(in.prefixes & EMU_PFX_SEG));
	/* 15 bytes is legal, 17 is not. */
	CHECK_EQ(decode_case(find_case("pfx_exact15"), &in), 0);
	CHECK_EQ(in.len, 15);
	CHECK_EQ(in.op_size, 8);
	CHECK_EQ(decode_case(find_case("pfx_max15"), &in), -E2BIG);
}

TEST(decode_modes)
{
	struct emu_insn in;

	/* 32-bit code: 66 gives 16-bit operands, 67 16-bit addressing. */
	CHECK_EQ(decode_case(find_case("m32_mov_rm16"), &in), 0);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(in.ad_size, 4);
	CHECK_EQ(decode_case(find_case("m32_a16_bxsi"), &in), 0);
	CHECK_EQ(in.ad_size, 2);
	CHECK_EQ(in.base, EMU_RBX);
	CHECK_EQ(in.index, EMU_RSI);
	CHECK_EQ(in.disp, 2);
	CHECK_EQ(decode_case(find_case("m32_a16_bp"), &in), 0);
	CHECK_EQ(in.base, EMU_RBP);
	CHECK_EQ(in.seg, EMU_SEG_SS);
	CHECK_EQ(decode_case(find_case("m32_a16_disp16"), &in), 0);
	CHECK_EQ(in.base, EMU_REG_NONE);
	CHECK_EQ(in.disp, 0x1234);
	CHECK_EQ(decode_case(find_case("m32_moffs_a16"), &in), 0);
	CHECK_EQ(in.len, 4);
	/* mod=00 rm=101 is an absolute disp32 outside 64-bit mode, not RIP-relative. */
	CHECK_EQ(decode_case(find_case("m32_disp32"), &in), 0);
	CHECK_EQ(in.base, EMU_REG_NONE);
	/* 40-4F are INC/DEC in 32-bit code, not REX: not emulated. */
	CHECK_EQ(decode_case(find_case("m32_inc_eax"), &in), -ENOTSUP);
	CHECK_EQ(decode_case(find_case("m32_dec_edi"), &in), -ENOTSUP);
	CHECK_EQ(decode_case(find_case("m32_arpl"), &in), -ENOTSUP);
	/* 16-bit code: 16-bit defaults, 66/67 switch to 32. */
	CHECK_EQ(decode_case(find_case("m16_mov_mr"), &in), 0);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(in.ad_size, 2);
	CHECK_EQ(decode_case(find_case("m16_mov_mr32"), &in), 0);
	CHECK_EQ(in.op_size, 4);
	CHECK_EQ(decode_case(find_case("m16_a32"), &in), 0);
	CHECK_EQ(in.ad_size, 4);
	CHECK_EQ(decode_case(find_case("m16_mov_bp_di"), &in), 0);
	CHECK_EQ(in.seg, EMU_SEG_SS);
}

TEST(decode_rejects)
{
	static const struct {
		const char *name;
		int err;
	} t[] = {
	    {"ud_cpuid", -ENOTSUP},    {"ud_hlt", -ENOTSUP},	  {"ud_ud2", -ENOTSUP},
	    {"ud_mul", -ENOTSUP},      {"ud_call", -ENOTSUP},	  {"ud_mov_imm64", -ENOTSUP},
	    {"ud_cmps", -ENOTSUP},     {"ud_movdqa", -ENOTSUP},	  {"inv_lock_mov", -EINVAL},
	    {"inv_lock_reg", -EINVAL}, {"inv_lock_cmp", -EINVAL}, {"inv_lock_bt", -EINVAL},
	    {"inv_82", -EINVAL},       {"inv_fe_2", -EINVAL},	  {"inv_ba_0", -EINVAL},
	};
	struct emu_insn in;

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		int err = decode_case(find_case(t[i].name), &in);

		if (err != t[i].err)
			TEST_FAIL_AT("%s: %d, expected %d", t[i].name, err, t[i].err);
		CHECK_EQ(in.op, EMU_OP_NONE);
		CHECK_STR(emu_mnemonic(&in), "(bad)");
	}
	/* Legal LOCK forms. */
	CHECK_EQ(decode_case(find_case("lock_add"), &in), 0);
	CHECK_EQ(decode_case(find_case("lock_inc"), &in), 0);
	CHECK_EQ(decode_case(find_case("lock_bts"), &in), 0);
	CHECK_EQ(decode_case(find_case("cmpxchg_32"), &in), 0);
	CHECK_EQ(decode_case(find_case("xadd_32"), &in), 0);
}

/* ------------------------------------------------------------------------ */
/* ALU execution against the host CPU                                        */

#define FLAGS_IN_CF (RFLAGS_FIX | EMU_FLAG_CF)
/* Status flags in that are all the opposite of what the operation will set. */
#define FLAGS_IN_ALL (RFLAGS_FIX | EMU_FLAGS_STATUS)

static uint64_t lcg_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return lcg_state ^ (lcg_state >> 29);
}

/* One ALU instruction run once. Returns false (after reporting) on a mismatch. */
static bool alu_once(const struct alu_desc *op, const char *form, unsigned int size, uint64_t a,
		     uint64_t b, uint64_t fin)
{
	const struct asm_case *k = find_case(case_name(op->name, form, size));
	const uint64_t m = mask_of(size);
	uint64_t want, wantf, gotf, got, rcx_old;
	struct emu_ctx c;
	int err;

	setup(&c, k);
	c.rflags = fin;
	want = op->native(size, a, b, fin, &wantf);
	wantf &= EMU_FLAGS_STATUS;
	if (!strcmp(form, "mr")) {
		mem_put(DATA, size, a);
		c.gpr[EMU_RCX] = b;
	} else if (!strcmp(form, "rm")) {
		mem_put(DATA, size, b);
		c.gpr[EMU_RCX] = (0xdeadbeefcafef00dull & ~m) | (a & m);
	} else if (!strcmp(form, "ai")) {
		c.gpr[EMU_RAX] = (0xdeadbeefcafef00dull & ~m) | (a & m);
	} else {
		mem_put(DATA, size, a);
	}
	rcx_old = c.gpr[EMU_RCX];
	err = emu_run(&c);
	gotf = c.rflags & EMU_FLAGS_STATUS;
	if (!strcmp(form, "rm"))
		got = c.gpr[EMU_RCX];
	else if (!strcmp(form, "ai"))
		got = c.gpr[EMU_RAX];
	else
		got = mem_get(DATA, size);
	if (err || c.rip != CODE_RIP + case_len(k) || gotf != wantf) {
		TEST_FAIL_AT("%s: a=%#llx b=%#llx fin=%#llx: err %d flags %#llx, native %#llx",
			     case_name(op->name, form, size), (unsigned long long)a,
			     (unsigned long long)b, (unsigned long long)fin, err,
			     (unsigned long long)gotf, (unsigned long long)wantf);
		return false;
	}
	if (!strcmp(form, "rm") || !strcmp(form, "ai")) {
		uint64_t old =
		    !strcmp(form, "rm") ? rcx_old : (0xdeadbeefcafef00dull & ~m) | (a & m);
		uint64_t exp = op->writes ? merged(old, want, size) : old;

		if (got != exp) {
			TEST_FAIL_AT("%s: register %#llx, expected %#llx",
				     case_name(op->name, form, size), (unsigned long long)got,
				     (unsigned long long)exp);
			return false;
		}
	} else {
		uint64_t exp = op->writes ? want & m : a & m;

		/* The result, and nothing written past the operand. */
		if (got != exp || fk.mem[DATA - MEM_LA + size] != FILL ||
		    c.gpr[EMU_RCX] != rcx_old) {
			TEST_FAIL_AT("%s: memory %#llx, expected %#llx",
				     case_name(op->name, form, size), (unsigned long long)got,
				     (unsigned long long)exp);
			return false;
		}
		/* One read, then one write of exactly the operand (none for CMP). */
		if (fk.nlog != (op->writes ? 2u : 1u) || fk.log[0].write || fk.log[0].la != DATA ||
		    fk.log[0].size != size ||
		    (op->writes &&
		     (!fk.log[1].write || fk.log[1].la != DATA || fk.log[1].size != size))) {
			TEST_FAIL_AT("%s: unexpected accesses (%u)",
				     case_name(op->name, form, size), fk.nlog);
			return false;
		}
	}
	return true;
}

static uint64_t form_imm(const char *form, unsigned int size)
{
	if (!strcmp(form, "mis"))
		return size == 8 ? 0x7f : (uint64_t)-3ll;
	switch (size) {
	case 1:
		return 0xa5;
	case 2:
		return 0xffffffffffff8123ull;
	case 4:
		return 0xffffffff80000123ull;
	default:
		return (uint64_t)-0x7edcba98ll;
	}
}

static void alu_form(const char *form, bool imm)
{
	for (unsigned int o = 0; o < ARRAY_SIZE(alu_ops); o++) {
		for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
			const unsigned int size = sizes[s];

			if (!strcmp(form, "mis") && size == 1)
				continue;
			for (unsigned int i = 0; i < ARRAY_SIZE(values); i++) {
				for (unsigned int j = 0; j < (imm ? 1 : ARRAY_SIZE(values)); j++) {
					uint64_t b = imm ? form_imm(form, size) : values[j];

					if (!alu_once(&alu_ops[o], form, size, values[i], b,
						      RFLAGS_FIX) ||
					    !alu_once(&alu_ops[o], form, size, values[i], b,
						      FLAGS_IN_CF) ||
					    !alu_once(&alu_ops[o], form, size, values[i], b,
						      FLAGS_IN_ALL))
						return;
				}
			}
			for (unsigned int r = 0; r < 200; r++) {
				uint64_t a = rnd(), b = imm ? form_imm(form, size) : rnd();

				if (!alu_once(&alu_ops[o], form, size, a, b, (rnd() & 1) | 2))
					return;
			}
		}
	}
}

TEST(alu_mem_dest)
{
	alu_form("mr", false);
}

TEST(alu_mem_source)
{
	alu_form("rm", false);
}

TEST(alu_mem_imm)
{
	alu_form("mi", true);
}

TEST(alu_mem_imm8_sign_extended)
{
	alu_form("mis", true);
}

TEST(alu_acc_imm)
{
	alu_form("ai", true);
}

static const struct alu_desc test_op = {"test", native_test, false};

TEST(test_forms)
{
	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(values); i++) {
			for (unsigned int j = 0; j < ARRAY_SIZE(values); j++) {
				if (!alu_once(&test_op, "mr", sizes[s], values[i], values[j],
					      FLAGS_IN_ALL))
					return;
			}
			if (!alu_once(&test_op, "mi", sizes[s], values[i], form_imm("mi", sizes[s]),
				      FLAGS_IN_ALL))
				return;
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(values); i++) {
		if (!alu_once(&test_op, "ai", 1, values[i], 0xa5, RFLAGS_FIX) ||
		    !alu_once(&test_op, "ai", 4, values[i], 0xffffffff80000123ull, RFLAGS_FIX))
			return;
	}
}

static const struct alu_desc unary_ops[] = {
    {"inc", native_inc, true},
    {"dec", native_dec, true},
    {"not", native_not, true},
    {"neg", native_neg, true},
};

TEST(unary_mem)
{
	for (unsigned int o = 0; o < ARRAY_SIZE(unary_ops); o++) {
		for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
			const unsigned int size = sizes[s];

			for (unsigned int i = 0; i < ARRAY_SIZE(values); i++) {
				const uint64_t fins[] = {RFLAGS_FIX, FLAGS_IN_ALL, FLAGS_IN_CF};

				for (unsigned int f = 0; f < ARRAY_SIZE(fins); f++) {
					const struct asm_case *k =
					    find_case(case_name(unary_ops[o].name, "m", size));
					uint64_t wantf, want;
					struct emu_ctx c;
					int err;

					setup(&c, k);
					c.rflags = fins[f];
					mem_put(DATA, size, values[i]);
					want = unary_ops[o].native(size, values[i], 0, fins[f],
								   &wantf);
					err = emu_run(&c);
					if (err || mem_get(DATA, size) != (want & mask_of(size)) ||
					    (c.rflags & EMU_FLAGS_STATUS) !=
						(wantf & EMU_FLAGS_STATUS)) {
						TEST_FAIL_AT(
						    "%s %#llx fin %#llx: err %d mem %#llx "
						    "flags %#llx native %#llx/%#llx",
						    k->name, (unsigned long long)values[i],
						    (unsigned long long)fins[f], err,
						    (unsigned long long)mem_get(DATA, size),
						    (unsigned long long)c.rflags,
						    (unsigned long long)want,
						    (unsigned long long)wantf);
						return;
					}
				}
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* MOV family                                                                */

/* Run a case in a fresh 64-bit guest with the given rCX and data, expect success. */
static int run_case(struct emu_ctx *c, const char *name)
{
	const struct asm_case *k = find_case(name);
	int err = emu_run(c);

	if (err == 0 && c->rip != CODE_RIP + case_len(k) && k->bits == 64)
		TEST_FAIL_AT("%s: rip %#llx", name, (unsigned long long)c->rip);
	return err;
}

TEST(mov_store_widths)
{
	static const uint64_t v = 0x8877665544332211ull;

	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		const char *name = case_name("mov", "mr", sizes[s]);
		struct emu_ctx c;

		setup(&c, find_case(name));
		c.gpr[EMU_RCX] = v;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, 8),
			 (v & mask_of(sizes[s])) | (0xccccccccccccccccull & ~mask_of(sizes[s])));
		CHECK_EQ(fk.nlog, 1);
		CHECK(fk.log[0].write);
		CHECK_EQ(fk.log[0].size, sizes[s]);
		CHECK_EQ(fk.log[0].seg, EMU_SEG_DS);
		CHECK_EQ(c.rflags, RFLAGS_FIX);
	}
}

TEST(mov_load_widths)
{
	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		const char *name = case_name("mov", "rm", sizes[s]);
		struct emu_ctx c;

		setup(&c, find_case(name));
		mem_put(DATA, 8, 0x8877665544332211ull);
		c.gpr[EMU_RCX] = 0xfedcba9876543210ull;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(c.gpr[EMU_RCX],
			 merged(0xfedcba9876543210ull, 0x8877665544332211ull, sizes[s]));
		CHECK_EQ(fk.nlog, 1);
		CHECK(!fk.log[0].write);
		CHECK_EQ(fk.log[0].size, sizes[s]);
	}
}

TEST(mov_byte_registers)
{
	struct emu_ctx c;

	/* %ah without REX is bits 15:8 of RAX. */
	setup(&c, find_case("mov_mr8_ah"));
	c.gpr[EMU_RAX] = 0x1234;
	CHECK_EQ(run_case(&c, "mov_mr8_ah"), 0);
	CHECK_EQ(mem_get(DATA, 1), 0x12);
	/* load into %bh keeps the rest of RBX. */
	setup(&c, find_case("mov_rm8_bh"));
	mem_put(DATA, 1, 0xab);
	CHECK_EQ(run_case(&c, "mov_rm8_bh"), 0);
	CHECK_EQ(c.gpr[EMU_RBX], (DATA & ~0xff00ull) | 0xab00);
	/* %sil with REX is the low byte of RSI. */
	setup(&c, find_case("mov_mr8_sil"));
	c.gpr[EMU_RSI] = 0x7766;
	CHECK_EQ(run_case(&c, "mov_mr8_sil"), 0);
	CHECK_EQ(mem_get(DATA, 1), 0x66);
	setup(&c, find_case("mov_rm8_r9b"));
	mem_put(DATA, 1, 0x5a);
	c.gpr[EMU_R9] = ~0ull;
	CHECK_EQ(run_case(&c, "mov_rm8_r9b"), 0);
	CHECK_EQ(c.gpr[EMU_R9], 0xffffffffffffff5aull);
	/* REX.R/REX.B registers. */
	setup(&c, find_case("mov_rm64_r15"));
	c.gpr[EMU_R8] = DATA + 0x40;
	mem_put(DATA + 0x40, 8, 0x0102030405060708ull);
	CHECK_EQ(run_case(&c, "mov_rm64_r15"), 0);
	CHECK_EQ(c.gpr[EMU_R15], 0x0102030405060708ull);
	setup(&c, find_case("mov_mr32_r10d"));
	c.gpr[EMU_R11] = DATA + 0x80;
	c.gpr[EMU_R10] = 0xaaaaaaaa55555555ull;
	CHECK_EQ(run_case(&c, "mov_mr32_r10d"), 0);
	CHECK_EQ(mem_get(DATA + 0x80, 8), 0xcccccccc55555555ull);
	setup(&c, find_case("mov_rm16_r12"));
	c.gpr[EMU_R12] = DATA;
	mem_put(DATA, 2, 0xbeef);
	c.gpr[EMU_RDX] = 0x1111222233334444ull;
	CHECK_EQ(run_case(&c, "mov_rm16_r12"), 0);
	CHECK_EQ(c.gpr[EMU_RDX], 0x111122223333beefull);
	setup(&c, find_case("mov_rm32_r13"));
	c.gpr[EMU_R13] = DATA + 4;
	mem_put(DATA + 4, 4, 0x80000001u);
	c.gpr[EMU_RAX] = ~0ull;
	CHECK_EQ(run_case(&c, "mov_rm32_r13"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x80000001ull);
}

TEST(mov_immediates)
{
	static const uint64_t want[] = {0xa5, 0x8123, 0x80000123, (uint64_t)-0x7edcba98ll};

	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		const char *name = case_name("mov", "mi", sizes[s]);
		struct emu_ctx c;

		setup(&c, find_case(name));
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, sizes[s]), want[s] & mask_of(sizes[s]));
		CHECK_EQ(fk.mem[DATA - MEM_LA + sizes[s]], FILL);
	}
}

TEST(mov_moffs)
{
	struct emu_ctx c;

	setup(&c, find_case("mov_moffs_load8"));
	mem_put(0x10000123, 1, 0x9a);
	c.gpr[EMU_RAX] = ~0ull;
	CHECK_EQ(run_case(&c, "mov_moffs_load8"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0xffffffffffffff9aull);
	CHECK_EQ(fk.log[0].la, 0x10000123);

	setup(&c, find_case("mov_moffs_load16"));
	mem_put(0x10000124, 2, 0x9abc);
	c.gpr[EMU_RAX] = 0;
	CHECK_EQ(run_case(&c, "mov_moffs_load16"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x9abc);

	setup(&c, find_case("mov_moffs_load32"));
	mem_put(0x10000128, 4, 0x89abcdef);
	c.gpr[EMU_RAX] = ~0ull;
	CHECK_EQ(run_case(&c, "mov_moffs_load32"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x89abcdef);

	setup(&c, find_case("mov_moffs_load64"));
	mem_put(0x10000130, 8, 0x0123456789abcdefull);
	CHECK_EQ(run_case(&c, "mov_moffs_load64"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x0123456789abcdefull);

	setup(&c, find_case("mov_moffs_store8"));
	c.gpr[EMU_RAX] = 0x77;
	CHECK_EQ(run_case(&c, "mov_moffs_store8"), 0);
	CHECK_EQ(mem_get(0x10000123, 2), 0xcc77);

	setup(&c, find_case("mov_moffs_store64"));
	c.gpr[EMU_RAX] = 0x1122334455667788ull;
	CHECK_EQ(run_case(&c, "mov_moffs_store64"), 0);
	CHECK_EQ(mem_get(0x10000130, 8), 0x1122334455667788ull);

	setup(&c, find_case("mov_moffs_a32"));
	mem_put(0x10000128, 4, 0x600df00d);
	CHECK_EQ(run_case(&c, "mov_moffs_a32"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x600df00d);

	/* %fs:0x28 adds the FS base in 64-bit mode. */
	setup(&c, find_case("mov_moffs_fs"));
	c.mode.seg_base[EMU_SEG_FS] = MEM_LA + 0x1000;
	mem_put(MEM_LA + 0x1028, 4, 0xcafe);
	CHECK_EQ(run_case(&c, "mov_moffs_fs"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0xcafe);
	CHECK_EQ(fk.log[0].seg, EMU_SEG_FS);
}

TEST(movzx_movsx)
{
	static const struct {
		const char *name;
		uint64_t mem;
		uint64_t want;
	} t[] = {
	    {"movzx_b16", 0x80, 0x1111111111110080ull}, /* 16-bit dest keeps 63:16 */
	    {"movzx_b32", 0x80, 0x80},
	    {"movzx_b64", 0xff, 0xff},
	    {"movzx_w32", 0x8001, 0x8001},
	    {"movzx_w64", 0xffff, 0xffff},
	    {"movsx_b16", 0x80, 0x111111111111ff80ull},
	    {"movsx_b32", 0x80, 0xffffff80},
	    {"movsx_b64", 0x80, 0xffffffffffffff80ull},
	    {"movsx_b64", 0x7f, 0x7f},
	    {"movsx_w32", 0x8001, 0xffff8001},
	    {"movsx_w64", 0x8001, 0xffffffffffff8001ull},
	    {"movsxd_64", 0x80000000, 0xffffffff80000000ull},
	    {"movsxd_64", 0x7fffffff, 0x7fffffff},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		struct emu_ctx c;

		setup(&c, find_case(t[i].name));
		c.gpr[EMU_RCX] = 0x1111111111111111ull;
		mem_put(DATA, 8, t[i].mem | 0x5500000000000000ull);
		CHECK_EQ(run_case(&c, t[i].name), 0);
		if (c.gpr[EMU_RCX] != t[i].want)
			TEST_FAIL_AT("%s: %#llx", t[i].name, (unsigned long long)c.gpr[EMU_RCX]);
	}
}

TEST(xchg_mem)
{
	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		char name[32];
		struct emu_ctx c;

		snprintf(name, sizeof(name), "xchg_%u", sizes[s] * 8);
		setup(&c, find_case(name));
		mem_put(DATA, 8, 0xa1a2a3a4a5a6a7a8ull);
		c.gpr[EMU_RCX] = 0x0102030405060708ull;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, sizes[s]), 0x0102030405060708ull & mask_of(sizes[s]));
		CHECK_EQ(c.gpr[EMU_RCX],
			 merged(0x0102030405060708ull, 0xa1a2a3a4a5a6a7a8ull, sizes[s]));
		CHECK_EQ(c.rflags, RFLAGS_FIX);
	}
}

TEST(cmpxchg_and_xadd)
{
	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		const unsigned int size = sizes[s];
		const uint64_t m = mask_of(size);
		char name[32];
		uint64_t wantf;
		struct emu_ctx c;

		snprintf(name, sizeof(name), "cmpxchg_%u", size * 8);
		/* Equal: memory takes the source, ZF=1. */
		setup(&c, find_case(name));
		mem_put(DATA, 8, 0x8877665544332211ull);
		c.gpr[EMU_RAX] = 0x8877665544332211ull;
		c.gpr[EMU_RCX] = 0x0102030405060708ull;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, size), 0x0102030405060708ull & m);
		native_cmp(size, 0x8877665544332211ull, 0x8877665544332211ull, RFLAGS_FIX, &wantf);
		CHECK_EQ(c.rflags & EMU_FLAGS_STATUS, wantf & EMU_FLAGS_STATUS);
		CHECK(c.rflags & EMU_FLAG_ZF);
		/* Different: the accumulator takes memory, memory is written back unchanged. */
		setup(&c, find_case(name));
		mem_put(DATA, 8, 0x8877665544332211ull);
		c.gpr[EMU_RAX] = 0x1;
		c.gpr[EMU_RCX] = 0x0102030405060708ull;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, 8), 0x8877665544332211ull);
		CHECK_EQ(c.gpr[EMU_RAX], merged(1, 0x8877665544332211ull, size));
		native_cmp(size, 1, 0x8877665544332211ull, RFLAGS_FIX, &wantf);
		CHECK_EQ(c.rflags & EMU_FLAGS_STATUS, wantf & EMU_FLAGS_STATUS);
		CHECK(!(c.rflags & EMU_FLAG_ZF));

		if (size == 2)
			continue;
		snprintf(name, sizeof(name), "xadd_%u", size * 8);
		setup(&c, find_case(name));
		mem_put(DATA, 8, 0x80000000000000ffull);
		c.gpr[EMU_RCX] = 0x8000000000000001ull;
		CHECK_EQ(run_case(&c, name), 0);
		CHECK_EQ(mem_get(DATA, size),
			 native_add(size, 0x80000000000000ffull, 0x8000000000000001ull, RFLAGS_FIX,
				    &wantf) &
			     m);
		CHECK_EQ(c.gpr[EMU_RCX],
			 merged(0x8000000000000001ull, 0x80000000000000ffull, size));
		CHECK_EQ(c.rflags & EMU_FLAGS_STATUS, wantf & EMU_FLAGS_STATUS);
	}
}

/* ------------------------------------------------------------------------ */
/* BT family                                                                 */

static native_fn *const bt_native[] = {native_bt, native_bts, native_btr, native_btc};
static const char *const bt_names[] = {"bt", "bts", "btr", "btc"};

/* Offsets that stay inside the fake memory around BT_BASE. */
#define BT_BASE (MEM_LA + 0x20000)

TEST(bt_register_offset_memory)
{
	static const int64_t offs[] = {0,    1,	    15,	    16,	    31,	     32,     63,     64,
				       1000, 32767, -1,	    -16,    -17,     -32,    -33,    -64,
				       -65,  -1000, -32768, 100000, -100000, 999999, -999999};

	for (unsigned int o = 0; o < 4; o++) {
		for (unsigned int s = 1; s < ARRAY_SIZE(sizes); s++) {
			const unsigned int size = sizes[s], bits = size * 8;
			char name[32];

			snprintf(name, sizeof(name), "%s_r%u", bt_names[o], bits);
			for (unsigned int i = 0; i < ARRAY_SIZE(offs); i++) {
				int64_t off = offs[i];
				struct emu_ctx c;
				int64_t word;
				uint64_t la, before, after, bit, wantf, want;

				/* A 16-bit offset register cannot hold the large ones. */
				if (size == 2 && (off > 32767 || off < -32768))
					continue;
				setup(&c, find_case(name));
				for (unsigned int b = 0; b < MEM_SIZE; b++)
					fk.mem[b] = (uint8_t)(b * 37 + 11);
				c.gpr[EMU_RBX] = BT_BASE;
				c.gpr[EMU_RCX] = (uint64_t)off & mask_of(size);
				if (size == 2)
					c.gpr[EMU_RCX] |= 0x55550000ull; /* ignored */
				c.rflags = RFLAGS_FIX | (off & 1 ? EMU_FLAG_CF : 0);
				/* Expected word: floor(off / bits) words away, bit off mod bits. */
				word = off >= 0 ? off / bits : -((-off + bits - 1) / bits);
				la = BT_BASE + (uint64_t)(word * (int64_t)size);
				bit = (uint64_t)(off - word * (int64_t)bits);
				before = mem_get(la, size);
				CHECK_EQ(run_case(&c, name), 0);
				after = mem_get(la, size);
				/* Native BT on a register operand with the in-word bit offset. */
				want = bt_native[o](size, before, bit, c.rflags, &wantf);
				if (fk.nlog == 0 || fk.log[0].la != la || fk.log[0].size != size) {
					TEST_FAIL_AT("%s off %lld: accessed %#llx size %u", name,
						     (long long)off,
						     (unsigned long long)fk.log[0].la,
						     fk.log[0].size);
					return;
				}
				if (((c.rflags ^ wantf) & EMU_FLAG_CF) ||
				    ((c.rflags & EMU_FLAG_CF) != 0) != ((before >> bit) & 1)) {
					TEST_FAIL_AT("%s off %lld: CF", name, (long long)off);
					return;
				}
				if (after != (want & mask_of(size))) {
					TEST_FAIL_AT(
					    "%s off %lld: %#llx -> %#llx, want %#llx", name,
					    (long long)off, (unsigned long long)before,
					    (unsigned long long)after, (unsigned long long)want);
					return;
				}
				CHECK_EQ(fk.nlog, o == 0 ? 1u : 2u);
			}
		}
	}
}

TEST(bt_immediate_and_register_dest)
{
	static const unsigned int imms[] = {21, 45, 77};

	for (unsigned int o = 0; o < 4; o++) {
		for (unsigned int s = 1; s < ARRAY_SIZE(sizes); s++) {
			const unsigned int size = sizes[s];
			char name[32];
			uint64_t wantf, want;
			struct emu_ctx c;

			/* The immediate is taken modulo the operand width, no address change. */
			snprintf(name, sizeof(name), "%s_i%u", bt_names[o], size * 8);
			setup(&c, find_case(name));
			mem_put(DATA, 8, 0x5a5a5a5a5a5a5a5aull);
			want = bt_native[o](size, 0x5a5a5a5a5a5a5a5aull, imms[s - 1] % (size * 8),
					    c.rflags, &wantf);
			CHECK_EQ(run_case(&c, name), 0);
			CHECK_EQ(fk.log[0].la, DATA);
			CHECK_EQ(mem_get(DATA, size), want & mask_of(size));
			CHECK_EQ(c.rflags & EMU_FLAG_CF, wantf & EMU_FLAG_CF);
		}
		for (unsigned int i = 0; i < ARRAY_SIZE(values); i++) {
			char name[32];
			uint64_t wantf, want;
			struct emu_ctx c;

			/* btl %ecx, %edx: the offset wraps modulo 32 for a register. */
			snprintf(name, sizeof(name), "%s_reg", bt_names[o]);
			setup(&c, find_case(name));
			c.gpr[EMU_RDX] = 0x123456789abcdef0ull;
			c.gpr[EMU_RCX] = values[i];
			want = bt_native[o](4, 0x123456789abcdef0ull, values[i], c.rflags, &wantf);
			CHECK_EQ(run_case(&c, name), 0);
			CHECK_EQ(c.gpr[EMU_RDX],
				 o == 0 ? 0x123456789abcdef0ull : want & 0xffffffff);
			CHECK_EQ(c.rflags & EMU_FLAG_CF, wantf & EMU_FLAG_CF);
			CHECK_EQ(fk.nlog, 0);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* String instructions                                                       */

#define SRC (MEM_LA + 0x1000)
#define DST (MEM_LA + 0x3000)

static void fill_pattern(uint64_t la, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fk.mem[la - MEM_LA + i] = (uint8_t)(i * 7 + 1);
}

TEST(rep_movs)
{
	static const char *const names[] = {"rep_movsb", "rep_movsw", "rep_movsl", "rep_movsq"};
	static const unsigned int counts[] = {0, 1, 7};

	for (unsigned int s = 0; s < 4; s++) {
		const unsigned int size = sizes[s];

		for (unsigned int ci = 0; ci < ARRAY_SIZE(counts); ci++) {
			for (unsigned int df = 0; df < 2; df++) {
				const unsigned int n = counts[ci];
				struct emu_ctx c;
				uint64_t si, di;

				setup(&c, find_case(names[s]));
				fill_pattern(SRC - 0x100, 0x200);
				c.rflags = RFLAGS_FIX | (df ? EMU_FLAG_DF : 0);
				c.gpr[EMU_RCX] = n;
				si = c.gpr[EMU_RSI] = df ? SRC + 0x80 : SRC;
				di = c.gpr[EMU_RDI] = df ? DST + 0x80 : DST;
				CHECK_EQ(run_case(&c, names[s]), 0);
				CHECK_EQ(c.gpr[EMU_RCX], 0);
				CHECK_EQ(c.gpr[EMU_RSI], df ? si - n * size : si + n * size);
				CHECK_EQ(c.gpr[EMU_RDI], df ? di - n * size : di + n * size);
				CHECK_EQ(fk.nlog, 2 * n);
				for (unsigned int e = 0; e < n; e++) {
					uint64_t off = df ? -(uint64_t)e * size : e * size;

					CHECK_EQ(mem_get(di + off, size), mem_get(si + off, size));
					CHECK_EQ(fk.log[2 * e].la, si + off);
					CHECK_EQ(fk.log[2 * e + 1].la, di + off);
					CHECK_EQ(fk.log[2 * e + 1].seg, EMU_SEG_ES);
				}
				/* Nothing outside the copied elements. */
				CHECK_EQ(fk.mem[(df ? di - n * size : di + n * size) - MEM_LA],
					 FILL);
			}
		}
	}
}

TEST(movs_without_rep)
{
	struct emu_ctx c;

	setup(&c, find_case("movsq"));
	fill_pattern(SRC, 16);
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	c.gpr[EMU_RCX] = 5;
	CHECK_EQ(run_case(&c, "movsq"), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 5);
	CHECK_EQ(c.gpr[EMU_RSI], SRC + 8);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 8);
	CHECK_EQ(mem_get(DST, 8), mem_get(SRC, 8));
	CHECK_EQ(fk.nlog, 2);

	setup(&c, find_case("movsb"));
	c.rflags |= EMU_FLAG_DF;
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	mem_put(SRC, 1, 0x42);
	CHECK_EQ(run_case(&c, "movsb"), 0);
	CHECK_EQ(c.gpr[EMU_RSI], SRC - 1);
	CHECK_EQ(c.gpr[EMU_RDI], DST - 1);
	CHECK_EQ(mem_get(DST, 1), 0x42);

	setup(&c, find_case("movsw"));
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	CHECK_EQ(run_case(&c, "movsw"), 0);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 2);
	setup(&c, find_case("movsl"));
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	CHECK_EQ(run_case(&c, "movsl"), 0);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 4);
}

TEST(rep_stos_and_lods)
{
	static const char *const names[] = {"rep_stosb", "rep_stosw", "rep_stosl", "rep_stosq"};
	static const unsigned int counts[] = {0, 1, 9};

	for (unsigned int s = 0; s < 4; s++) {
		for (unsigned int ci = 0; ci < ARRAY_SIZE(counts); ci++) {
			for (unsigned int df = 0; df < 2; df++) {
				const unsigned int size = sizes[s], n = counts[ci];
				struct emu_ctx c;
				uint64_t di = df ? DST + 0x100 : DST;

				setup(&c, find_case(names[s]));
				c.rflags = RFLAGS_FIX | (df ? EMU_FLAG_DF : 0);
				c.gpr[EMU_RAX] = 0x0102030405060708ull;
				c.gpr[EMU_RCX] = n;
				c.gpr[EMU_RDI] = di;
				CHECK_EQ(run_case(&c, names[s]), 0);
				CHECK_EQ(c.gpr[EMU_RCX], 0);
				CHECK_EQ(c.gpr[EMU_RDI], df ? di - n * size : di + n * size);
				CHECK_EQ(fk.nlog, n);
				for (unsigned int e = 0; e < n; e++) {
					uint64_t la = df ? di - e * size : di + e * size;

					CHECK_EQ(mem_get(la, size),
						 0x0102030405060708ull & mask_of(size));
				}
			}
		}
	}

	struct emu_ctx c;

	setup(&c, find_case("stosq"));
	c.gpr[EMU_RDI] = DST;
	c.gpr[EMU_RAX] = 0x99;
	CHECK_EQ(run_case(&c, "stosq"), 0);
	CHECK_EQ(mem_get(DST, 8), 0x99);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 8);

	setup(&c, find_case("lodsl"));
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RAX] = ~0ull;
	mem_put(SRC, 4, 0x80706050);
	CHECK_EQ(run_case(&c, "lodsl"), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x80706050);
	CHECK_EQ(c.gpr[EMU_RSI], SRC + 4);
}

TEST(rep_address_size_override)
{
	struct emu_ctx c;

	/* addr32 rep movsl in 64-bit code: ECX, ESI, EDI; upper halves ignored, then cleared. */
	setup(&c, find_case("rep_movsl_a32"));
	fill_pattern(SRC, 64);
	c.gpr[EMU_RCX] = 0xffffffff00000003ull;
	c.gpr[EMU_RSI] = 0xdead000000000000ull | SRC;
	c.gpr[EMU_RDI] = 0xbeef000000000000ull | DST;
	CHECK_EQ(run_case(&c, "rep_movsl_a32"), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0);
	CHECK_EQ(c.gpr[EMU_RSI], SRC + 12);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 12);
	CHECK_EQ(mem_get(DST + 8, 4), mem_get(SRC + 8, 4));
	CHECK_EQ(fk.log[0].la, SRC);

	/* addr16 rep stosb in 32-bit code: DI wraps at 64 KiB within ES. */
	setup(&c, find_case("m32_a16_rep_stosb"));
	c.mode.seg_base[EMU_SEG_ES] = MEM_LA;
	c.gpr[EMU_RAX] = 0x5e;
	c.gpr[EMU_RCX] = 0xabcd0004ull;
	c.gpr[EMU_RDI] = 0x1234fffeull;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0xabcd0000ull);
	CHECK_EQ(c.gpr[EMU_RDI], 0x12340002ull);
	CHECK_EQ(fk.nlog, 4);
	CHECK_EQ(fk.log[0].la, MEM_LA + 0xfffe);
	CHECK_EQ(fk.log[1].la, MEM_LA + 0xffff);
	CHECK_EQ(fk.log[2].la, MEM_LA + 0x0000);
	CHECK_EQ(fk.log[3].la, MEM_LA + 0x0001);
	CHECK_EQ(mem_get(MEM_LA, 2), 0x5e5e);

	/* rep movsb %fs:(%rsi): the source override applies, the destination stays ES. */
	setup(&c, find_case("rep_movsb_fs"));
	c.mode.seg_base[EMU_SEG_FS] = 0x100;
	c.mode.seg_base[EMU_SEG_ES] = 0x7000; /* no effect in 64-bit mode */
	c.gpr[EMU_RCX] = 1;
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	CHECK_EQ(run_case(&c, "rep_movsb_fs"), 0);
	CHECK_EQ(fk.log[0].la, SRC + 0x100);
	CHECK_EQ(fk.log[0].seg, EMU_SEG_FS);
	CHECK_EQ(fk.log[1].la, DST);
	CHECK_EQ(fk.log[1].seg, EMU_SEG_ES);
}

TEST(rep_batches_and_faults)
{
	struct emu_ctx c;
	unsigned int runs = 0;

	/* A long REP stops after EMU_REP_BATCH iterations with RIP on the instruction. */
	setup(&c, find_case("rep_stosb"));
	c.gpr[EMU_RCX] = 2 * EMU_REP_BATCH + 5;
	c.gpr[EMU_RDI] = DST;
	do {
		CHECK_EQ(emu_run(&c), 0);
		runs++;
		if (c.rep_incomplete) {
			CHECK_EQ(c.rip, CODE_RIP);
			CHECK_EQ(c.gpr[EMU_RCX], 2 * EMU_REP_BATCH + 5 - runs * EMU_REP_BATCH);
		}
	} while (c.rep_incomplete && runs < 10);
	CHECK_EQ(runs, 3);
	CHECK_EQ(c.gpr[EMU_RCX], 0);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 2 * EMU_REP_BATCH + 5);
	CHECK_EQ(c.rip, CODE_RIP + 2);

	/* A fault on the third element leaves two done and RIP on the instruction. */
	setup(&c, find_case("rep_movsl"));
	c.gpr[EMU_RCX] = 5;
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	fk.fault_lo = DST + 8;
	fk.fault_hi = DST + 9;
	CHECK_EQ(emu_run(&c), -EPERM);
	CHECK(c.exc.valid);
	CHECK_EQ(c.exc.vector, EMU_VEC_PF);
	CHECK_EQ(c.exc.cr2, DST + 8);
	CHECK_EQ(c.exc.error_code, EMU_PFEC_W);
	CHECK_EQ(c.gpr[EMU_RCX], 3);
	CHECK_EQ(c.gpr[EMU_RSI], SRC + 8);
	CHECK_EQ(c.gpr[EMU_RDI], DST + 8);
	CHECK_EQ(c.rip, CODE_RIP);
}

/* ------------------------------------------------------------------------ */
/* Addressing                                                                */

/* Run a store of ECX (0x89 form), check it went to la through seg. */
static void check_store_at(struct emu_ctx *c, const char *name, uint64_t la, enum emu_seg seg)
{
	int err;

	c->gpr[EMU_RCX] = 0xc0ffee11;
	err = emu_run(c);
	if (err || fk.nlog != 1 || fk.log[0].la != la || fk.log[0].seg != seg || !fk.log[0].write) {
		TEST_FAIL_AT("%s: err %d, %u accesses, la %#llx seg %d (want %#llx seg %d)", name,
			     err, fk.nlog, (unsigned long long)(fk.nlog ? fk.log[0].la : 0),
			     fk.nlog ? (int)fk.log[0].seg : -1, (unsigned long long)la, (int)seg);
		return;
	}
	CHECK_EQ(mem_get(la, fk.log[0].size), 0xc0ffee11 & mask_of(fk.log[0].size));
}

TEST(addressing_rip_relative)
{
	const struct asm_case *k = find_case("rip_rel");
	struct emu_ctx c;
	uint64_t rip = DATA - 0x1234 - case_len(k);

	/* Target = address of the next instruction + disp32. */
	setup_at(&c, k, rip);
	check_store_at(&c, "rip_rel", DATA, EMU_SEG_DS);
	CHECK_EQ(c.rip, rip + case_len(k));

	k = find_case("rip_rel_neg");
	rip = DATA + 0x40 - case_len(k);
	setup_at(&c, k, rip);
	mem_put(DATA, 4, 0x13572468);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0x13572468);

	/* addr32: EIP-relative, the sum wraps to 32 bits. */
	k = find_case("rip_rel_a32");
	rip = 0x500000000ull + DATA - 0x1234 - case_len(k);
	setup_at(&c, k, rip);
	check_store_at(&c, "rip_rel_a32", DATA, EMU_SEG_DS);
}

TEST(addressing_sib_and_segments)
{
	struct emu_ctx c;

	setup(&c, find_case("sib_scale4"));
	c.gpr[EMU_RSI] = 3;
	check_store_at(&c, "sib_scale4", DATA + 0x10 + 12, EMU_SEG_DS);

	setup(&c, find_case("sib_scale8_r"));
	c.gpr[EMU_R12] = DATA + 0x200;
	c.gpr[EMU_R13] = 2;
	check_store_at(&c, "sib_scale8_r", DATA + 0x200 + 16 - 8, EMU_SEG_DS);

	setup(&c, find_case("sib_nobase"));
	c.gpr[EMU_RSI] = 0x40;
	check_store_at(&c, "sib_nobase", 0x10000100 + 0x80, EMU_SEG_DS);

	setup(&c, find_case("sib_r12_index"));
	c.gpr[EMU_R12] = 0x24;
	check_store_at(&c, "sib_r12_index", DATA + 0x24, EMU_SEG_DS);

	setup(&c, find_case("sib_rsp"));
	c.gpr[EMU_RSP] = DATA + 0x300;
	check_store_at(&c, "sib_rsp", DATA + 0x308, EMU_SEG_SS);

	setup(&c, find_case("rbp_disp8"));
	c.gpr[EMU_RBP] = DATA;
	check_store_at(&c, "rbp_disp8", DATA + 0x7f, EMU_SEG_SS);

	setup(&c, find_case("r13_disp0"));
	c.gpr[EMU_R13] = DATA + 0x44;
	check_store_at(&c, "r13_disp0", DATA + 0x44, EMU_SEG_DS);

	setup(&c, find_case("disp32_abs"));
	check_store_at(&c, "disp32_abs", 0x10000200, EMU_SEG_DS);

	setup(&c, find_case("disp32_neg"));
	c.gpr[EMU_RBX] = DATA + 0x1000;
	check_store_at(&c, "disp32_neg", DATA + 0x1000 - 0x100, EMU_SEG_DS);

	/* addr32: (ebx + esi*2 + 4) & 0xffffffff, upper register halves ignored. */
	setup(&c, find_case("a32_index"));
	c.gpr[EMU_RBX] = 0xffffffff00000000ull | (DATA - 0x10);
	c.gpr[EMU_RSI] = 0x7777777700000006ull;
	check_store_at(&c, "a32_index", DATA - 0x10 + 12 + 4, EMU_SEG_DS);

	/* FS/GS bases apply in 64-bit mode, ES's does not. */
	setup(&c, find_case("pfx_fs"));
	c.mode.seg_base[EMU_SEG_FS] = 0x2000;
	check_store_at(&c, "pfx_fs", DATA + 0x2000, EMU_SEG_FS);
	setup(&c, find_case("pfx_gs"));
	c.mode.seg_base[EMU_SEG_GS] = 0x3000;
	check_store_at(&c, "pfx_gs", DATA + 0x3008, EMU_SEG_GS);
	setup(&c, find_case("pfx_es_ignored"));
	c.mode.seg_base[EMU_SEG_ES] = 0x3000;
	check_store_at(&c, "pfx_es_ignored", DATA, EMU_SEG_DS);

	/* 48 66 89 0b: REX.W ignored, a 16-bit store. */
	setup(&c, find_case("pfx_rex_then_66"));
	check_store_at(&c, "pfx_rex_then_66", DATA, EMU_SEG_DS);
	CHECK_EQ(fk.log[0].size, 2);
	/* 41 48 89 0b: REX.W, not REX.B: 8-byte store through RBX. */
	setup(&c, find_case("pfx_two_rex"));
	check_store_at(&c, "pfx_two_rex", DATA, EMU_SEG_DS);
	CHECK_EQ(fk.log[0].size, 8);
	/* 15-byte instruction executes. */
	setup(&c, find_case("pfx_exact15"));
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(mem_get(DATA, 8), 1);
	CHECK_EQ(c.rip, CODE_RIP + 15);
	/* LOCK ADD with a 66 prefix on either side. */
	setup(&c, find_case("pfx_66_lock"));
	mem_put(DATA, 2, 0xffff);
	c.gpr[EMU_RCX] = 1;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(mem_get(DATA, 4), 0xcccc0000);
	CHECK(c.rflags & EMU_FLAG_CF);
	CHECK(c.rflags & EMU_FLAG_ZF);
}

TEST(mode32)
{
	struct emu_ctx c;

	/* Segment bases add in 32-bit code, and the sum wraps at 4 GiB. */
	setup(&c, find_case("m32_mov_mr"));
	c.mode.seg_base[EMU_SEG_DS] = 0xfffff000ull;
	c.gpr[EMU_RBX] = DATA + 0x1000;
	check_store_at(&c, "m32_mov_mr", DATA, EMU_SEG_DS);
	CHECK_EQ(c.rip, CODE_RIP + 2);

	setup(&c, find_case("m32_mov_rm16"));
	mem_put(DATA + 4, 2, 0x4321);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX] & 0xffff, 0x4321);

	/* %ch without REX (REX does not exist here): bits 15:8 of ECX. */
	setup(&c, find_case("m32_mov_rm8_ch"));
	mem_put(DATA, 1, 0x9f);
	c.gpr[EMU_RCX] = 0x11223344;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0x11229f44);

	setup(&c, find_case("m32_add_mi"));
	c.gpr[EMU_RSI] = DATA;
	mem_put(DATA + 8, 4, 0xfffff000);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(mem_get(DATA + 8, 4), 0);
	CHECK(c.rflags & EMU_FLAG_CF);
	CHECK(c.rflags & EMU_FLAG_ZF);

	setup(&c, find_case("m32_or_mis"));
	c.gpr[EMU_RCX] = 2;
	mem_put(DATA + 8, 2, 0x0001);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(mem_get(DATA + 8, 2), 0xffff);
	CHECK(c.rflags & EMU_FLAG_SF);

	setup(&c, find_case("m32_moffs"));
	mem_put(0x10000128, 4, 0x31415926);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x31415926);
	CHECK_EQ(c.rip, CODE_RIP + 5);

	setup(&c, find_case("m32_moffs_a16"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	mem_put(MEM_LA + 0x128, 4, 0x27182818);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RAX], 0x27182818);

	/* 16-bit addressing: (bx + si + 2) wraps at 64 KiB, then DS base. */
	setup(&c, find_case("m32_a16_bxsi"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	c.gpr[EMU_RBX] = 0x5555fff0;
	c.gpr[EMU_RSI] = 0x20;
	check_store_at(&c, "m32_a16_bxsi", MEM_LA + 0x12, EMU_SEG_DS);
	setup(&c, find_case("m32_a16_bp"));
	c.mode.seg_base[EMU_SEG_SS] = MEM_LA + 0x1000;
	c.gpr[EMU_RBP] = 0x10;
	check_store_at(&c, "m32_a16_bp", MEM_LA + 0x1010, EMU_SEG_SS);
	setup(&c, find_case("m32_a16_disp16"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	check_store_at(&c, "m32_a16_disp16", MEM_LA + 0x1234, EMU_SEG_DS);
	setup(&c, find_case("m32_sib_ebp"));
	c.gpr[EMU_RBP] = DATA;
	c.gpr[EMU_RSI] = 2;
	check_store_at(&c, "m32_sib_ebp", DATA + 20, EMU_SEG_SS);
	setup(&c, find_case("m32_disp32"));
	check_store_at(&c, "m32_disp32", 0x10000200, EMU_SEG_DS);
	setup(&c, find_case("m32_fs"));
	c.mode.seg_base[EMU_SEG_FS] = 0x40;
	check_store_at(&c, "m32_fs", DATA + 0x40, EMU_SEG_FS);

	setup(&c, find_case("m32_rep_movsl"));
	fill_pattern(SRC, 16);
	c.gpr[EMU_RCX] = 0xffffffff00000002ull;
	c.gpr[EMU_RSI] = SRC;
	c.gpr[EMU_RDI] = DST;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX] & 0xffffffff, 0);
	CHECK_EQ(mem_get(DST + 4, 4), mem_get(SRC + 4, 4));

	/* btl %ecx, (%ebx) with a negative offset: the word below, bit 31. */
	setup(&c, find_case("m32_btl_neg"));
	c.gpr[EMU_RCX] = (uint32_t)-33;
	mem_put(DATA - 8, 4, 0x80000000);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(fk.log[0].la, DATA - 8);
	CHECK(c.rflags & EMU_FLAG_CF);

	setup(&c, find_case("m32_movzx"));
	mem_put(DATA, 1, 0xfe);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0xfe);

	/* EIP wraps at 4 GiB. */
	setup_at(&c, find_case("m32_mov_mr"), 0xfffffffeull);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.rip, 0);
}

TEST(mode16)
{
	struct emu_ctx c;

	setup(&c, find_case("m16_mov_mr"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	c.gpr[EMU_RBX] = 0x10;
	check_store_at(&c, "m16_mov_mr", MEM_LA + 0x10, EMU_SEG_DS);
	CHECK_EQ(fk.log[0].size, 2);

	setup(&c, find_case("m16_mov_mr32"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	c.gpr[EMU_RBX] = 0x10;
	check_store_at(&c, "m16_mov_mr32", MEM_LA + 0x10, EMU_SEG_DS);
	CHECK_EQ(fk.log[0].size, 4);

	setup(&c, find_case("m16_mov_bp_di"));
	c.mode.seg_base[EMU_SEG_SS] = MEM_LA;
	c.gpr[EMU_RBP] = 0x100;
	c.gpr[EMU_RDI] = 0x1;
	check_store_at(&c, "m16_mov_bp_di", MEM_LA + 0x111, EMU_SEG_SS);

	setup(&c, find_case("m16_a32"));
	c.mode.seg_base[EMU_SEG_DS] = 0;
	check_store_at(&c, "m16_a32", DATA, EMU_SEG_DS);

	setup(&c, find_case("m16_mov_mi"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	c.gpr[EMU_RSI] = 0x20;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(mem_get(MEM_LA + 0x20, 2), 0x1234);

	setup(&c, find_case("m16_rep_movsw"));
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	c.mode.seg_base[EMU_SEG_ES] = MEM_LA + 0x8000;
	c.gpr[EMU_RCX] = 0x77770003;
	c.gpr[EMU_RSI] = 0x100;
	c.gpr[EMU_RDI] = 0x200;
	fill_pattern(MEM_LA + 0x100, 8);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.gpr[EMU_RCX], 0x77770000);
	CHECK_EQ(c.gpr[EMU_RSI], 0x106);
	CHECK_EQ(c.gpr[EMU_RDI], 0x206);
	CHECK_EQ(mem_get(MEM_LA + 0x8204, 2), mem_get(MEM_LA + 0x104, 2));

	/* IP wraps at 64 KiB in 16-bit code; fetch from CS base + IP. */
	setup_at(&c, find_case("m16_mov_mr"), 0x7fffe);
	c.rip = 0xfffe;
	c.mode.seg_base[EMU_SEG_CS] = 0x70000;
	c.mode.seg_base[EMU_SEG_DS] = MEM_LA;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(c.rip, 0);
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                    */

TEST(undefined_and_unemulated_raise_ud)
{
	static const struct {
		const char *name;
		int err;
	} t[] = {
	    {"ud_cpuid", -ENOTSUP},  {"ud_hlt", -ENOTSUP},	{"ud_mul", -ENOTSUP},
	    {"ud_movdqa", -ENOTSUP}, {"inv_lock_mov", -EINVAL}, {"inv_lock_reg", -EINVAL},
	    {"inv_82", -EINVAL},     {"m32_inc_eax", -ENOTSUP}, {"m32_dec_edi", -ENOTSUP},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		struct emu_ctx c;
		uint64_t regs[EMU_NR_GPRS];
		int err;

		setup(&c, find_case(t[i].name));
		memcpy(regs, c.gpr, sizeof(regs));
		err = emu_run(&c);
		if (err != t[i].err || !c.exc.valid || c.exc.vector != EMU_VEC_UD ||
		    c.exc.has_error) {
			TEST_FAIL_AT("%s: err %d vector %u", t[i].name, err, c.exc.vector);
			return;
		}
		CHECK_EQ(c.rip, CODE_RIP);
		CHECK_EQ(fk.nlog, 0);
		CHECK(!memcmp(regs, c.gpr, sizeof(regs)));
	}
}

TEST(overlong_raises_gp)
{
	struct emu_ctx c;

	setup(&c, find_case("pfx_max15"));
	CHECK_EQ(emu_run(&c), -E2BIG);
	CHECK(c.exc.valid);
	CHECK_EQ(c.exc.vector, EMU_VEC_GP);
	CHECK(c.exc.has_error);
	CHECK_EQ(c.exc.error_code, 0);
	CHECK_EQ(c.rip, CODE_RIP);
	CHECK_EQ(fk.nlog, 0);
}

TEST(fetch_across_pages)
{
	const struct asm_case *k = find_case("mov_mr32");
	struct emu_ctx c;
	uint64_t page_end = 0x402000;

	/* 89 0b straddling a page: two fetches, each within one page. */
	setup_at(&c, k, page_end - 1);
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(fk.nfetch, 2);
	CHECK_EQ(c.rip, page_end + 1);

	/* Next page unmapped: the fetch fault is the result, nothing executed. */
	setup_at(&c, k, page_end - 1);
	fk.code_limit = page_end;
	CHECK_EQ(emu_run(&c), -EPERM);
	CHECK(c.exc.valid);
	CHECK_EQ(c.exc.vector, EMU_VEC_PF);
	CHECK_EQ(c.exc.cr2, page_end);
	CHECK_EQ(fk.nlog, 0);
	CHECK_EQ(c.rip, page_end - 1);

	/* Ending exactly at the page end: the next page is never touched. */
	setup_at(&c, k, page_end - 2);
	fk.code_limit = page_end;
	CHECK_EQ(emu_run(&c), 0);
	CHECK_EQ(fk.nfetch, 1);
	CHECK_EQ(c.rip, page_end);
}

TEST(operand_fault_leaves_state)
{
	struct emu_ctx c;
	uint64_t regs[EMU_NR_GPRS];

	/* add %ecx,(%rbx) where the write faults: flags and registers unchanged. */
	setup(&c, find_case("add_mr32"));
	fk.fault_lo = DATA;
	fk.fault_hi = DATA + 1;
	c.rflags = RFLAGS_FIX | EMU_FLAG_ZF;
	memcpy(regs, c.gpr, sizeof(regs));
	CHECK_EQ(emu_run(&c), -EPERM);
	CHECK_EQ(c.exc.vector, EMU_VEC_PF);
	CHECK_EQ(c.exc.cr2, DATA);
	CHECK_EQ(c.rflags, RFLAGS_FIX | EMU_FLAG_ZF);
	CHECK(!memcmp(regs, c.gpr, sizeof(regs)));
	CHECK_EQ(c.rip, CODE_RIP);

	/* xchg: the register keeps its value when the memory write faults. */
	setup(&c, find_case("xchg_64"));
	fk.fault_lo = DATA;
	fk.fault_hi = DATA + 1;
	c.gpr[EMU_RCX] = 77;
	CHECK_EQ(emu_run(&c), -EPERM);
	CHECK_EQ(c.gpr[EMU_RCX], 77);

	/* A hypervisor-level error (no exception) is passed on as is. */
	setup(&c, find_case("mov_rm32"));
	c.gpr[EMU_RBX] = 0x20000000; /* outside everything: fake #PF */
	CHECK_EQ(emu_run(&c), -EPERM);
	CHECK_EQ(c.exc.cr2, 0x20000000);
}

TEST(mnemonics)
{
	static const struct {
		const char *name;
		const char *mn;
	} t[] = {
	    {"mov_mr8", "mov"},	       {"movzx_b32", "movzx"}, {"movsx_w64", "movsx"},
	    {"movsxd_64", "movsxd"},   {"xchg_32", "xchg"},    {"test_mi8", "test"},
	    {"inc_m16", "inc"},	       {"neg_m64", "neg"},     {"not_m8", "not"},
	    {"dec_m32", "dec"},	       {"bts_i32", "bts"},     {"btr_r64", "btr"},
	    {"rep_movsb", "movs"},     {"rep_stosq", "stos"},  {"lodsl", "lods"},
	    {"cmpxchg_16", "cmpxchg"}, {"xadd_8", "xadd"},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		struct emu_insn in;

		CHECK_EQ(decode_case(find_case(t[i].name), &in), 0);
		CHECK_STR(emu_mnemonic(&in), t[i].mn);
	}
}

int main(void)
{
	RUN(decode_lengths_match_assembler);
	RUN(decode_truncated_asks_for_more);
	RUN(decode_alu_immediates);
	RUN(decode_operands);
	RUN(decode_prefixes);
	RUN(decode_modes);
	RUN(decode_rejects);
	RUN(alu_mem_dest);
	RUN(alu_mem_source);
	RUN(alu_mem_imm);
	RUN(alu_mem_imm8_sign_extended);
	RUN(alu_acc_imm);
	RUN(test_forms);
	RUN(unary_mem);
	RUN(mov_store_widths);
	RUN(mov_load_widths);
	RUN(mov_byte_registers);
	RUN(mov_immediates);
	RUN(mov_moffs);
	RUN(movzx_movsx);
	RUN(xchg_mem);
	RUN(cmpxchg_and_xadd);
	RUN(bt_register_offset_memory);
	RUN(bt_immediate_and_register_dest);
	RUN(rep_movs);
	RUN(movs_without_rep);
	RUN(rep_stos_and_lods);
	RUN(rep_address_size_override);
	RUN(rep_batches_and_faults);
	RUN(addressing_rip_relative);
	RUN(addressing_sib_and_segments);
	RUN(mode32);
	RUN(mode16);
	RUN(undefined_and_unemulated_raise_ud);
	RUN(overlong_raises_gp);
	RUN(fetch_across_pages);
	RUN(operand_fault_leaves_state);
	RUN(mnemonics);
	TEST_EXIT();
}
