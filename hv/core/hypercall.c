/* SPDX-License-Identifier: MIT */
#include "core/hypercall.h"
#include "arch/x86/virt.h"
#include "core/gmem.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/sched.h"
#include "core/vcpu.h"
#include "lib/string.h"

#define CONSOLE_CHUNK 256
/* Canonical 48-bit addresses: the top 17 bits are all equal (APM vol. 2, 5.3.1). */
#define CANONICAL_SHIFT 47

static bool canonical(uint64_t va)
{
	uint64_t top = va >> CANONICAL_SHIFT;

	return top == 0 || top == (~0ull >> CANONICAL_SHIFT);
}

static int64_t hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	char buf[CONSOLE_CHUNK];
	uint64_t done = 0;

	if (len > BH_CONSOLE_WRITE_MAX)
		return -BH_EINVAL;
	if (!gmem_range_ok(v->part, gpa, len))
		return -BH_EFAULT;
	while (done < len) {
		size_t n = (size_t)MIN(len - done, (uint64_t)sizeof(buf));

		if (gmem_read(v->part, gpa + done, buf, n))
			return -BH_EFAULT;
		partition_console_write(v->part, buf, n);
		done += n;
	}
	return (int64_t)len;
}

static int64_t hc_partition_info(struct vcpu *v, uint64_t gpa)
{
	struct partition *p = v->part;
	struct bh_partition_info info;

	memset(&info, 0, sizeof(info));
	info.abi_version = BH_ABI_VERSION;
	info.partition_id = p->id;
	info.vcpu_count = p->nvcpus;
	info.vcpu_id = v->id;
	info.memory_bytes = p->memory;
	str_copy(info.name, p->name, sizeof(info.name));
	info.acpi_rsdp = (part_hooks && part_hooks->acpi_rsdp) ? part_hooks->acpi_rsdp(p) : 0;
	return gmem_write(p, gpa, &info, sizeof(info)) ? -BH_EFAULT : 0;
}

static int64_t hc_vcpu_start(struct vcpu *v, uint64_t idx, uint64_t rip, uint64_t rsp,
			     uint64_t arg)
{
	struct partition *p = v->part;
	struct vcpu *t;
	int64_t rc = 0;
	uint64_t flags;

	if (idx >= p->nvcpus || !canonical(rip) || !canonical(rsp))
		return -BH_EINVAL;
	t = &p->vcpus[idx];
	flags = spin_lock_irqsave(&p->lock);
	if (t->state != VCPU_OFFLINE || t->start_pending) {
		rc = -BH_EBUSY;
	} else {
		t->start_sipi = false;
		t->start_rip = rip;
		t->start_rsp = rsp;
		t->start_arg = arg;
		__atomic_store_n(&t->start_pending, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	if (rc == 0)
		sched_kick(t->pcpu);
	return rc;
}

static int64_t hc_stats(struct vcpu *v, uint64_t gpa, uint64_t count)
{
	struct partition *p = v->part;
	uint64_t n = MIN(count, (uint64_t)p->nvcpus);

	if (count > CFG_MAX_VCPUS)
		return -BH_EINVAL;
	if (n && !gmem_range_ok(p, gpa, n * sizeof(struct bh_vcpu_stats)))
		return -BH_EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		if (gmem_write(p, gpa + i * sizeof(struct bh_vcpu_stats), &p->vcpus[i].stats,
			       sizeof(struct bh_vcpu_stats)))
			return -BH_EFAULT;
	}
	for (unsigned int i = 0; i < p->nvcpus; i++)
		vcpu_log_stats(&p->vcpus[i]);
	return p->nvcpus;
}

bool hypercall_dispatch(struct vcpu *v)
{
	struct guest_regs *r = &v->regs;
	struct vcpu_sregs s;
	int64_t rc;

	virt->get_sregs(v, &s);
	if (s.cpl != 0) {
		r->rax = (uint64_t)-BH_EPERM;
		return true;
	}
	/* The whole of RAX is the call number: no truncation to 32 bits. */
	switch (r->rax) {
	case BH_HC_VERSION:
		rc = BH_ABI_VERSION;
		break;
	case BH_HC_CONSOLE_WRITE:
		rc = hc_console_write(v, r->rdi, r->rsi);
		break;
	case BH_HC_PARTITION_INFO:
		rc = hc_partition_info(v, r->rdi);
		break;
	case BH_HC_YIELD:
		/* One vCPU per CPU: nothing else could run. The scheduler changes that. */
		rc = 0;
		break;
	case BH_HC_VCPU_START:
		rc = hc_vcpu_start(v, r->rdi, r->rsi, r->rdx, r->r10);
		break;
	case BH_HC_POWEROFF:
		partition_poweroff(v);
		return false;
	case BH_HC_REBOOT:
		partition_reboot(v);
		return false;
	case BH_HC_STATS:
		rc = hc_stats(v, r->rdi, r->rsi);
		break;
	default:
		rc = -BH_ENOSYS;
		break;
	}
	r->rax = (uint64_t)rc;
	return true;
}
