// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the instruction emulator (emu/x86_emu.c) and the
 * guest page-table walker (emu/gpt.c).
 *
 * Input: a 20-byte header of guest state, then instruction bytes.
 *   [0]      mode: bits 1:0 = 64-bit / 32-bit / 16-bit / compatibility
 *            code, bit 2 = data reads fail without an exception (-EFAULT
 *            from a "device"), bit 3 = fetches fault after the input's end
 *            instead of hitting a page boundary there
 *   [1]      RFLAGS: bit 0 CF, bit 1 DF, the rest status flags
 *   [2..17]  one selector per GPR: a small value, an address inside the
 *            data window, or a large/negative value (see reg_value)
 *   [18..19] segment bases selector, paging selector for the walker
 *   [20..]   instruction bytes at CS:RIP; fetches past them fault
 *
 * Data accesses hit a small window of guest memory; everything else
 * raises #PF through ctx->exc, as the hypervisor's callbacks would. The
 * invariants checked besides the sanitizers': the decoder agrees with
 * itself when given exactly the instruction's bytes and asks for more when
 * given fewer; a success advances RIP by the decoded length; a failure
 * that names an exception names one of #UD, #GP, #SS, #PF; callbacks only
 * see sizes 1/2/4/8 and fetches that stay in one page; the work per run is
 * bounded. The same bytes then serve as guest-physical memory for a page
 * walk in a mode chosen by the header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/gpt.h"
#include "emu/x86_emu.h"
#include "lib/errno.h"

#define HDR	     20
#define DATA_LA	     0x7000ull
#define DATA_SIZE    512u
#define CODE_LA	     0xfff8ull /* 8 bytes before a page boundary */
#define PAGE	     4096ull
#define MAX_ACCESSES (4 * EMU_REP_BATCH + 16)

struct fuzz_state {
	const uint8_t *code;
	size_t code_len;
	bool fetch_fault_at_end;
	bool device_error;
	uint8_t data[DATA_SIZE];
	unsigned int accesses;
	const uint8_t *phys;
	size_t phys_len;
};

static void check(bool cond)
{
	if (!cond)
		abort();
}

static int pf(struct emu_ctx *ctx, uint64_t la, uint32_t ec)
{
	emu_fault_set(&ctx->exc, EMU_VEC_PF, true, ec, la);
	return -EPERM;
}

static int f_fetch(struct emu_ctx *ctx, uint64_t la, void *buf, unsigned int len)
{
	struct fuzz_state *s = ctx->opaque;
	uint64_t code_la = ctx->mode.long_mode && ctx->mode.cs_l
			       ? CODE_LA
			       : (ctx->mode.seg_base[EMU_SEG_CS] + CODE_LA) & 0xffffffffull;

	check(len >= 1 && len <= EMU_MAX_INSN_LEN);
	check((la / PAGE) == ((la + len - 1) / PAGE));
	if (la < code_la || la - code_la + len > s->code_len) {
		if (!s->fetch_fault_at_end && la >= code_la && la - code_la < 64) {
			/* Past the input: pad with bytes that end no instruction early. */
			memset(buf, 0x66, len);
			return 0;
		}
		return pf(ctx, la, EMU_PFEC_ID);
	}
	memcpy(buf, s->code + (la - code_la), len);
	return 0;
}

static int f_access(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *val, const void *src,
		    unsigned int size)
{
	struct fuzz_state *s = ctx->opaque;

	check(size == 1 || size == 2 || size == 4 || size == 8);
	check((unsigned int)seg < EMU_NR_SEGS);
	check(++s->accesses <= MAX_ACCESSES);
	if (la < DATA_LA || la - DATA_LA + size > DATA_SIZE) {
		if (s->device_error && !src)
			return -EFAULT;
		return pf(ctx, la, src ? EMU_PFEC_W : 0);
	}
	if (src)
		memcpy(s->data + (la - DATA_LA), src, size);
	else
		memcpy(val, s->data + (la - DATA_LA), size);
	return 0;
}

static int f_read(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *val, unsigned int size)
{
	return f_access(ctx, seg, la, val, NULL, size);
}

static int f_write(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, const void *val,
		   unsigned int size)
{
	return f_access(ctx, seg, la, NULL, val, size);
}

static const struct emu_ops ops = {.fetch = f_fetch, .read = f_read, .write = f_write};

/* A register value likely to form interesting addresses. */
static uint64_t reg_value(uint8_t sel)
{
	static const uint64_t big[] = {0,
				       ~0ull,
				       0x8000000000000000ull,
				       0x7fffffffffffffffull,
				       0xffffffff,
				       0x80000000,
				       0xffff,
				       0x0000800000000000ull,
				       0xdead0000beef0000ull,
				       0x100000000ull + DATA_LA,
				       0xffffffff00000000ull | DATA_LA,
				       (uint64_t)-DATA_SIZE};

	switch (sel >> 6) {
	case 0:
		return sel & 0x3f; /* small counts and indexes */
	case 1:
	case 2:
		return DATA_LA + (uint64_t)(sel & 0x7f) * 4; /* inside the window */
	default:
		return big[(sel & 0x3f) % (sizeof(big) / sizeof(big[0]))];
	}
}

static int phys_read(void *opaque, uint64_t gpa, void *buf, unsigned int len)
{
	const struct fuzz_state *s = opaque;

	check(len == 4 || len == 8);
	if (s->phys_len < len || gpa > s->phys_len - len)
		return (gpa & 1) ? -EFAULT : -EIO;
	memcpy(buf, s->phys + gpa, len);
	return 0;
}

static void fuzz_walker(struct fuzz_state *s, const uint8_t *hdr)
{
	static const uint64_t cr4s[] = {0, GPT_CR4_PSE, GPT_CR4_PAE, GPT_CR4_PAE | GPT_CR4_LA57};
	const uint8_t sel = hdr[19];
	struct gpt_walker w = {0};
	struct gpt_result r;
	uint64_t la;
	int err;

	w.cr0 = GPT_CR0_PG | ((sel & 0x10) ? GPT_CR0_WP : 0);
	w.cr4 = cr4s[sel & 3] | ((sel & 0x20) ? GPT_CR4_SMEP | GPT_CR4_SMAP : 0);
	w.efer = ((sel & 3) >= 2 && (sel & 4) ? GPT_EFER_LMA : 0) | ((sel & 8) ? GPT_EFER_NXE : 0);
	w.cr3 = (uint64_t)hdr[18] << 4;
	w.cpl = (sel & 0x40) ? 3 : 0;
	w.rflags = (sel & 0x80) ? GPT_RFLAGS_AC : 0;
	w.maxphyaddr = 32 + (hdr[1] & 0x1f);
	w.page1gb = hdr[1] & 0x20;
	w.read = phys_read;
	w.opaque = s;
	memcpy(&la, hdr + 2, sizeof(la));
	err = gpt_translate(&w, la, hdr[10] & 0xf, &r);
	if (err == 0) {
		check(!r.exc.valid);
		check(r.page_size >= PAGE);
		check((r.gpa & (r.page_size - 1)) == (la & (r.page_size - 1)));
	} else if (err == -EPERM) {
		check(r.exc.valid);
		check(r.exc.vector == EMU_VEC_PF || r.exc.vector == EMU_VEC_GP ||
		      r.exc.vector == EMU_VEC_SS);
		check(r.noncanonical == (r.exc.vector != EMU_VEC_PF));
	} else {
		check(err == -EFAULT || err == -EIO);
	}
}

static struct fuzz_state st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emu_ctx ctx;
	struct emu_insn a, b;
	unsigned int n;
	int err, err2;

	if (size < HDR)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	memset(&st, 0, sizeof(st));
	st.code = data + HDR;
	st.code_len = size - HDR;
	st.device_error = data[0] & 4;
	st.fetch_fault_at_end = data[0] & 8;
	st.phys = data;
	st.phys_len = size;
	for (unsigned int i = 0; i < DATA_SIZE; i++)
		st.data[i] = (uint8_t)(i * 13);

	switch (data[0] & 3) {
	case 0: /* 64-bit code */
		ctx.mode.long_mode = ctx.mode.cs_l = true;
		break;
	case 1: /* 32-bit protected mode */
		ctx.mode.cs_d = true;
		break;
	case 2: /* 16-bit code */
		break;
	default: /* compatibility mode, 32-bit */
		ctx.mode.long_mode = ctx.mode.cs_d = true;
		break;
	}
	ctx.rflags = 0x2 | (data[1] & 1 ? EMU_FLAG_CF : 0) | (data[1] & 2 ? EMU_FLAG_DF : 0) |
		     ((uint64_t)data[1] & (EMU_FLAG_ZF | EMU_FLAG_SF | EMU_FLAG_AF | EMU_FLAG_PF));
	for (unsigned int i = 0; i < EMU_NR_GPRS; i++)
		ctx.gpr[i] = reg_value(data[2 + i]);
	if (data[18] & 1) {
		ctx.mode.seg_base[EMU_SEG_FS] = 0x100;
		ctx.mode.seg_base[EMU_SEG_GS] = (uint64_t)-0x100;
		ctx.mode.seg_base[EMU_SEG_ES] = 0x40;
	}
	ctx.rip = CODE_LA;
	ctx.ops = &ops;
	ctx.opaque = &st;

	/* The decoder alone, on exactly the bytes given. */
	n = (unsigned int)(st.code_len < EMU_MAX_INSN_LEN ? st.code_len : EMU_MAX_INSN_LEN);
	err = emu_decode(&a, &ctx.mode, st.code, n);
	check(a.len <= n);
	if (err == 0) {
		check(a.len >= 1);
		/* Exactly its own bytes decode the same; one fewer asks for more. */
		err2 = emu_decode(&b, &ctx.mode, st.code, a.len);
		check(err2 == 0 && b.len == a.len && b.op == a.op && b.op_size == a.op_size);
		check(emu_decode(&b, &ctx.mode, st.code, a.len - 1u) == -ERANGE);
		check(a.op_size == 1 || a.op_size == 2 || a.op_size == 4 || a.op_size == 8);
		check(a.ad_size == 2 || a.ad_size == 4 || a.ad_size == 8);
		check(emu_mnemonic(&a) != NULL);
	} else {
		check(err == -ERANGE || err == -E2BIG || err == -EINVAL || err == -ENOTSUP);
		check(err != -ERANGE || n < EMU_MAX_INSN_LEN);
	}

	/* Fetch, decode and execute. */
	err = emu_run(&ctx);
	if (err == 0) {
		check(!ctx.exc.valid);
		check(ctx.insn.len >= 1 && ctx.insn.len <= EMU_MAX_INSN_LEN);
		if (!ctx.rep_incomplete && ctx.mode.long_mode && ctx.mode.cs_l)
			check(ctx.rip == CODE_LA + ctx.insn.len);
		if (ctx.rep_incomplete)
			check(ctx.rip == CODE_LA);
	} else {
		check(ctx.rip == CODE_LA);
		if (ctx.exc.valid)
			check(ctx.exc.vector == EMU_VEC_UD || ctx.exc.vector == EMU_VEC_GP ||
			      ctx.exc.vector == EMU_VEC_SS || ctx.exc.vector == EMU_VEC_PF);
		else
			check(err == -EFAULT);
		if (err == -E2BIG)
			check(ctx.exc.vector == EMU_VEC_GP);
	}

	fuzz_walker(&st, data);
	return 0;
}
