/* SPDX-License-Identifier: MIT */
#include "core/mmio.h"
#include "arch/x86/trap.h"
#include "arch/x86/virt.h"
#include "core/exit.h"
#include "core/gmem.h"
#include "core/iomap.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/vcpu.h"
#include "emu/gpt.h"
#include "emu/x86_emu.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PAGE_4K 0x1000ull
#define ALL_ONES 0xFFFFFFFFFFFFFFFFull
/* Log at most this many unclaimed accesses and failed emulations per partition. */
#define MMIO_LOG_LIMIT 16

struct mmio_call {
	struct vcpu *v;
	struct gpt_walker w;
};

static int walk_read(void *opaque, uint64_t gpa, void *buf, unsigned int len)
{
	return gmem_read(((struct mmio_call *)opaque)->v->part, gpa, buf, len);
}

static struct mmio_call *call_of(struct emu_ctx *ctx)
{
	return ctx->opaque;
}

/* Linear to guest-physical, or the guest's exception in ctx->exc. */
static int translate(struct emu_ctx *ctx, uint64_t la, unsigned int acc, uint64_t *gpa)
{
	struct gpt_result res;
	int rc = gpt_translate(&call_of(ctx)->w, la, acc, &res);

	if (rc == 0) {
		*gpa = res.gpa;
		return 0;
	}
	if (res.exc.valid)
		ctx->exc = res.exc;
	return rc;
}

/* One physically contiguous piece: RAM, a device, or nothing. */
static int phys_access(struct vcpu *v, uint64_t gpa, void *buf, unsigned int size, bool write)
{
	struct partition *p = v->part;
	const struct io_mmio_ops *ops;
	void *dev;
	uint64_t val = 0, flags;
	int rc = -ENOENT;

	if (gmem_range_ok(p, gpa, size))
		return write ? gmem_write(p, gpa, buf, size) : gmem_read(p, gpa, buf, size);

	ops = iomap_find_mmio(&p->io, gpa, size, &dev);
	if (ops) {
		flags = iomap_lock(&p->io);
		if (write) {
			memcpy(&val, buf, size);
			rc = ops->write(dev, v, gpa, size, val);
		} else {
			rc = ops->read(dev, v, gpa, size, &val);
		}
		iomap_unlock(&p->io, flags);
		if (rc == 0 && !write)
			memcpy(buf, &val, size);
	}
	if (rc == 0)
		return 0;
	/* Unbacked: reads see a floating bus, writes vanish. */
	p->unbacked_accesses++;
	if (p->unbacked_logs++ < MMIO_LOG_LIMIT)
		pr_warn("%s vCPU %u: %s of %u bytes at unbacked guest-physical %#llx\n", p->name,
			v->id, write ? "write" : "read", size, (unsigned long long)gpa);
	if (!write)
		memset(buf, 0xFF, size);
	return 0;
}

/* A data access that may cross a page: translate both pages first. */
static int data_access(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *buf,
		       unsigned int size, bool write)
{
	struct vcpu *v = call_of(ctx)->v;
	/* A non-canonical stack address is #SS, not #GP (APM vol. 2, 4.12.2). */
	unsigned int acc = (write ? GPT_ACC_WRITE : 0) | (seg == EMU_SEG_SS ? GPT_ACC_STACK : 0);
	unsigned int first = (unsigned int)MIN((uint64_t)size, PAGE_4K - (la % PAGE_4K));
	uint64_t gpa0, gpa1 = 0;
	uint8_t *b = buf;
	int rc;

	rc = translate(ctx, la, acc, &gpa0);
	if (rc == 0 && first < size)
		rc = translate(ctx, la + first, acc, &gpa1);
	if (rc)
		return rc;
	if (first == size)
		return phys_access(v, gpa0, buf, size, write);
	/* Split accesses reach devices byte by byte (no device sees a torn width). */
	for (unsigned int i = 0; i < size && rc == 0; i++)
		rc = phys_access(v, i < first ? gpa0 + i : gpa1 + (i - first), b + i, 1, write);
	return rc;
}

static int emu_fetch(struct emu_ctx *ctx, uint64_t la, void *buf, unsigned int len)
{
	uint64_t gpa;
	int rc = translate(ctx, la, GPT_ACC_FETCH, &gpa);

	if (rc)
		return rc;
	/* Code must come from RAM: executing device memory is not emulated. */
	return gmem_read(call_of(ctx)->v->part, gpa, buf, len);
}

static int emu_read(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, void *val,
		    unsigned int size)
{
	return data_access(ctx, seg, la, val, size, false);
}

static int emu_write(struct emu_ctx *ctx, enum emu_seg seg, uint64_t la, const void *val,
		     unsigned int size)
{
	return data_access(ctx, seg, la, (void *)(uintptr_t)val, size, true);
}

static const struct emu_ops ops = {emu_fetch, emu_read, emu_write};

/* struct guest_regs order <-> the encoding order the emulator uses. */
static uint64_t *reg_slot(struct guest_regs *r, unsigned int i)
{
	uint64_t *const slots[EMU_NR_GPRS] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return slots[i];
}

void mmio_emulate(struct vcpu *v, const struct exit_info *e)
{
	struct partition *p = v->part;
	struct vcpu_sregs s;
	struct mmio_call call;
	struct emu_ctx ctx;
	int rc;

	virt->get_sregs(v, &s);
	memset(&call, 0, sizeof(call));
	call.v = v;
	call.w.cr0 = s.cr0;
	call.w.cr3 = s.cr3;
	call.w.cr4 = s.cr4;
	call.w.efer = s.efer;
	call.w.rflags = v->regs.rflags;
	call.w.cpl = s.cpl;
	call.w.page1gb = true;
	call.w.read = walk_read;
	call.w.opaque = &call;

	memset(&ctx, 0, sizeof(ctx));
	for (unsigned int i = 0; i < EMU_NR_GPRS; i++)
		ctx.gpr[i] = *reg_slot(&v->regs, i);
	ctx.rip = v->regs.rip;
	ctx.rflags = v->regs.rflags;
	ctx.mode.long_mode = s.efer & EFER_LMA;
	ctx.mode.cs_l = s.cs_l;
	ctx.mode.cs_d = s.cs_db;
	ctx.mode.cpl = s.cpl;
	memcpy(ctx.mode.seg_base, s.seg_base, sizeof(ctx.mode.seg_base));
	ctx.ops = &ops;
	ctx.opaque = &call;

	rc = emu_run(&ctx);
	/*
	 * Registers go back on success and on a fault alike: a REP string
	 * instruction that faults part way keeps the iterations it finished,
	 * as on the CPU (RIP then still points at the instruction).
	 */
	for (unsigned int i = 0; i < EMU_NR_GPRS; i++)
		*reg_slot(&v->regs, i) = ctx.gpr[i];
	v->regs.rip = ctx.rip;
	v->regs.rflags = ctx.rflags;
	if (rc == 0)
		return;
	if (ctx.exc.valid) {
		if (ctx.exc.vector == EXC_PF)
			virt->set_cr2(v, ctx.exc.cr2);
		virt->inject_exception(v, ctx.exc.vector, ctx.exc.has_error, ctx.exc.error_code);
		if (ctx.exc.vector == EXC_UD && p->unbacked_logs++ < MMIO_LOG_LIMIT)
			pr_warn("%s vCPU %u: cannot emulate the instruction at %#llx (%u bytes: "
				"%02x %02x %02x %02x) touching %#llx; #UD injected\n",
				p->name, v->id, (unsigned long long)v->regs.rip, ctx.nbytes,
				ctx.bytes[0], ctx.bytes[1], ctx.bytes[2], ctx.bytes[3],
				(unsigned long long)e->npf.gpa);
		return;
	}
	partition_crash(v, "an access to device memory that cannot be emulated", e->npf.gpa);
}
