/* SPDX-License-Identifier: MIT */
/*
 * The one exit path: every exit of every vCPU comes through
 * exit_dispatch(), which hands it to the handler for its kind.
 */
#include "core/exit.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/virt.h"
#include "core/cpuid.h"
#include "core/hypercall.h"
#include "core/iomap.h"
#include "core/log.h"
#include "core/mmio.h"
#include "core/msr.h"
#include "core/gmem.h"
#include "core/partition.h"
#include "core/vcpu.h"

#define CPUID_LEAF_XSAVE 0xD
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define LOW32 0xFFFFFFFFull
#define KHZ 1000ull
/* The virtual local APIC's timer input (vdev/vlapic.h: VLAPIC_BUS_HZ, 1 GHz). */
#define VPLATFORM_APIC_BUS_KHZ 1000000u
/* Log at most this many accesses to ports nothing claims, per partition. */
#define IO_LOG_LIMIT 16

static const char *const kind_names[EXIT_KINDS] = {
	[EXIT_NONE] = "none",
	[EXIT_CPUID] = "cpuid",
	[EXIT_MSR_READ] = "msr-read",
	[EXIT_MSR_WRITE] = "msr-write",
	[EXIT_IO] = "io",
	[EXIT_HLT] = "hlt",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_NPF] = "nested-page-fault",
	[EXIT_INTR] = "interrupt",
	[EXIT_NMI] = "nmi",
	[EXIT_VIRT_INSN] = "svm-instruction",
	[EXIT_INVD] = "invd",
	[EXIT_WBINVD] = "wbinvd",
	[EXIT_XSETBV] = "xsetbv",
	[EXIT_SHUTDOWN] = "shutdown",
	[EXIT_IRQ_WINDOW] = "irq-window",
	[EXIT_RDPMC] = "rdpmc",
	[EXIT_INVALID_STATE] = "invalid-state",
	[EXIT_UNHANDLED] = "unhandled",
};

const char *exit_kind_name(enum exit_kind k)
{
	return k < EXIT_KINDS ? kind_names[k] : "?";
}

static void advance(struct vcpu *v, const struct exit_info *e)
{
	v->regs.rip += e->insn_len;
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	struct cpuid_regs r;

	cpuid_count(leaf, sub, &r);
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

static void handle_cpuid(struct vcpu *v, const struct exit_info *e)
{
	struct vcpu_sregs s;
	struct cpuid_ctx ctx;
	uint32_t out[4];

	virt->get_sregs(v, &s);
	ctx.host = host_cpuid;
	ctx.vcpu_id = v->id;
	ctx.nvcpus = v->part->nvcpus;
	ctx.guest_osxsave = s.cr4 & CR4_OSXSAVE;
	ctx.vplatform = v->part->platform != NULL;
	ctx.tsc_khz = (uint32_t)(tsc_hz / KHZ);
	ctx.apic_bus_khz = VPLATFORM_APIC_BUS_KHZ;
	cpuid_guest(&ctx, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx, out);
	v->regs.rax = out[0];
	v->regs.rbx = out[1];
	v->regs.rcx = out[2];
	v->regs.rdx = out[3];
	advance(v, e);
}

static void handle_msr(struct vcpu *v, const struct exit_info *e)
{
	void *dev;
	const struct io_msr_ops *ops = iomap_find_msr(&v->part->io, e->msr.index, &dev);
	uint64_t val;

	if (ops) {
		int rc;

		uint64_t flags = iomap_lock(&v->part->io);

		if (e->kind == EXIT_MSR_READ) {
			rc = ops->read(dev, v, e->msr.index, &val);
			if (rc == 0) {
				v->regs.rax = val & LOW32;
				v->regs.rdx = val >> 32;
			}
		} else {
			rc = ops->write(dev, v, e->msr.index,
					(v->regs.rdx << 32) | (v->regs.rax & LOW32));
		}
		iomap_unlock(&v->part->io, flags);
		if (rc == 0)
			advance(v, e);
		else
			virt->inject_exception(v, EXC_GP, true, 0);
		return;
	}

	if (e->kind == EXIT_MSR_READ) {
		if (msr_read(v, e->msr.index, &val) == 0) {
			v->regs.rax = val & LOW32;
			v->regs.rdx = val >> 32;
			advance(v, e);
			return;
		}
	} else {
		val = (v->regs.rdx << 32) | (v->regs.rax & LOW32);
		if (msr_write(v, e->msr.index, val) == 0) {
			advance(v, e);
			return;
		}
	}
	virt->inject_exception(v, EXC_GP, true, 0);
}

/*
 * Port I/O goes to the device that claimed the port. A port nobody claims
 * reads as all ones and ignores writes, like an empty ISA bus; no port
 * access ever reaches the machine.
 */
static void handle_io(struct vcpu *v, const struct exit_info *e)
{
	struct partition *p = v->part;
	void *dev;
	const struct io_port_ops *ops = iomap_find_port(&p->io, e->io.port, &dev);

	if (ops && !e->io.string) {
		uint32_t val = 0;
		uint64_t flags = iomap_lock(&p->io);
		int rc;

		if (e->io.in) {
			rc = ops->read(dev, v, e->io.port, e->io.size, &val);
			iomap_unlock(&p->io, flags);
			if (rc == 0) {
				if (e->io.size == 4)
					v->regs.rax = val;
				else
					v->regs.rax = (v->regs.rax & ~((1ull << (e->io.size * 8)) - 1)) |
						      (val & ((1u << (e->io.size * 8)) - 1));
				advance(v, e);
				return;
			}
		} else {
			rc = ops->write(dev, v, e->io.port, e->io.size,
					(uint32_t)v->regs.rax &
						(uint32_t)((1ull << (e->io.size * 8)) - 1));
			iomap_unlock(&p->io, flags);
			if (rc == 0) {
				advance(v, e);
				return;
			}
		}
	}
	if (e->io.string) {
		partition_crash(v, "string port I/O is not emulated yet", e->io.port);
		return;
	}
	if (p->unbacked_logs++ < IO_LOG_LIMIT)
		pr_debug("%s vCPU %u: %s port %#x (%u bytes): no device\n", p->name, v->id,
			 e->io.in ? "read of" : "write to", e->io.port, e->io.size);
	if (e->io.in) {
		if (e->io.size == 4)
			v->regs.rax = LOW32; /* a 32-bit IN zero-extends into RAX */
		else
			v->regs.rax |= (1ull << (e->io.size * 8)) - 1;
	}
	advance(v, e);
}

static void handle_xsetbv(struct vcpu *v, const struct exit_info *e)
{
	struct cpuid_regs r;
	struct vcpu_sregs s;
	uint64_t val = (v->regs.rdx << 32) | (v->regs.rax & LOW32), supported;

	virt->get_sregs(v, &s);
	if (!(s.cr4 & CR4_OSXSAVE)) {
		virt->inject_exception(v, EXC_UD, false, 0);
		return;
	}
	cpuid_count(CPUID_LEAF_XSAVE, 0, &r);
	supported = ((uint64_t)r.edx << 32) | r.eax;
	/* XSETBV rules (Intel SDM vol. 2C, XSETBV; AMD APM vol. 3): #GP otherwise. */
	if ((uint32_t)v->regs.rcx != 0 || s.cpl != 0 || !(val & XCR0_X87) ||
	    (val & ~supported) || ((val & XCR0_AVX) && !(val & XCR0_SSE))) {
		virt->inject_exception(v, EXC_GP, true, 0);
		return;
	}
	v->xcr0 = val;
	advance(v, e);
}

void exit_dispatch(struct vcpu *v, struct exit_info *e)
{
	switch (e->kind) {
	case EXIT_NONE:
	case EXIT_INTR:
	case EXIT_NMI:
	case EXIT_IRQ_WINDOW:
		/* The host already handled the interrupt when GIF was set again. */
		break;
	case EXIT_CPUID:
		handle_cpuid(v, e);
		break;
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE:
		handle_msr(v, e);
		break;
	case EXIT_IO:
		handle_io(v, e);
		break;
	case EXIT_HLT:
		advance(v, e);
		/* An interrupt that is already deliverable ends HLT at once. */
		if (part_hooks && part_hooks->vcpu_wakeup && part_hooks->vcpu_wakeup(v))
			break;
		v->state = VCPU_HALTED;
		pr_debug("%s vCPU %u halted at %#llx\n", v->part->name, v->id,
			 (unsigned long long)v->regs.rip);
		break;
	case EXIT_HYPERCALL:
		if (hypercall_dispatch(v))
			advance(v, e);
		break;
	case EXIT_NPF:
		/* RAM is always mapped: this is device memory or nothing at all. */
		if (e->npf.fetch)
			partition_crash(v, "instruction fetch outside its memory", e->npf.gpa);
		else if (gmem_range_ok(v->part, e->npf.gpa, 1))
			partition_crash(v, "a fault on its own RAM", e->npf.gpa);
		else
			mmio_emulate(v, e);
		break;
	case EXIT_RDPMC:
		/* CPUID offers no counters, so every counter index is invalid: #GP. */
		virt->inject_exception(v, EXC_GP, true, 0);
		break;
	case EXIT_VIRT_INSN:
		/* The guest sees a CPU without SVM: these instructions do not exist. */
		virt->inject_exception(v, EXC_UD, false, 0);
		break;
	case EXIT_INVD:
	case EXIT_WBINVD:
		/*
		 * No partition has non-coherent DMA, so flushing caches on its
		 * behalf would only cost every other partition time.
		 */
		advance(v, e);
		break;
	case EXIT_XSETBV:
		handle_xsetbv(v, e);
		break;
	case EXIT_SHUTDOWN:
		partition_crash(v, "triple fault", 0);
		break;
	case EXIT_INVALID_STATE:
		partition_crash(v, "the CPU refused the guest state (VMRUN failed)", 0);
		break;
	case EXIT_UNHANDLED:
	default:
		partition_crash(v, "an exit the hypervisor cannot handle", e->hw_code);
		break;
	}
}
