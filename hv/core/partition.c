/* SPDX-License-Identifier: MIT */
#include "core/partition.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/power.h"
#include "arch/x86/tsc.h"
#include "arch/x86/virt.h"
#include "core/console.h"
#include "core/gmem.h"
#include "core/guestboot.h"
#include "core/linux.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sched.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define ERR_MAX 160
#define ASCII_DEL 0x7f
#define BLOCK_FRAMES (PARTITION_BLOCK_SIZE / PAGE_SIZE)
#define GIANT_BLOCK GiB(1)
/* How long a stop waits for the partition's other vCPUs to leave the guest. */
#define STOP_WAIT_US 1000000ull
#define STOP_POLL_US 100ull

struct partition *partitions[CFG_MAX_PARTITIONS];
const struct partition_hooks *part_hooks;

void partition_set_hooks(const struct partition_hooks *h)
{
	part_hooks = h;
}

unsigned int npartitions;
static enum partition_last_stop last_stop = PARTITION_LAST_STOP_STAY;

/*
 * Whether no partition is left running. Two partitions stopping at once may
 * both see it; powering off twice is harmless.
 */
static bool all_stopped(void)
{
	for (unsigned int i = 0; i < npartitions; i++)
		if (READ_ONCE(partitions[i]->state) != PART_STOPPED)
			return false;
	return true;
}

/*
 * Take the partition's RAM from the frame pool in 2 MiB blocks (1 GiB runs
 * first where the CPU has 1 GiB pages, so the nested tables can use them).
 */
static int alloc_memory(struct partition *p)
{
	uint64_t i = 0;

	p->nblocks = p->memory / PARTITION_BLOCK_SIZE;
	p->block_hpa = hv_zalloc(p->nblocks * sizeof(uint64_t));
	if (!p->block_hpa)
		return -ENOMEM;
	while (i < p->nblocks) {
		uint64_t per_giant = GIANT_BLOCK / PARTITION_BLOCK_SIZE, hpa;

		if (paging_has_1g() && i % per_giant == 0 && p->nblocks - i >= per_giant &&
		    mem_alloc_frames(GIANT_BLOCK / PAGE_SIZE, GIANT_BLOCK, 0, &hpa) == 0) {
			for (uint64_t j = 0; j < per_giant; j++)
				p->block_hpa[i + j] = hpa + j * PARTITION_BLOCK_SIZE;
			i += per_giant;
			continue;
		}
		if (mem_alloc_frames(BLOCK_FRAMES, PARTITION_BLOCK_SIZE, 0, &hpa))
			return -ENOMEM;
		p->block_hpa[i++] = hpa;
	}
	return 0;
}

static void scrub_memory(struct partition *p)
{
	for (uint64_t i = 0; i < p->nblocks; i++) {
		if (p->block_hpa && p->block_hpa[i])
			memset(phys_to_virt(p->block_hpa[i]), 0, PARTITION_BLOCK_SIZE);
	}
}

/* Scrubbed before it goes back: no partition ever sees another's data. */
static void free_memory(struct partition *p)
{
	if (!p->block_hpa)
		return;
	scrub_memory(p);
	for (uint64_t i = 0; i < p->nblocks; i++) {
		if (p->block_hpa[i])
			mem_free_frames(p->block_hpa[i], BLOCK_FRAMES);
	}
	hv_free(p->block_hpa);
	p->block_hpa = NULL;
}

/* Map guest-physical RAM, merging host-contiguous blocks into one call. */
static int map_memory(struct partition *p)
{
	uint64_t i = 0;

	while (i < p->nblocks) {
		uint64_t j = i + 1;
		int err;

		while (j < p->nblocks &&
		       p->block_hpa[j] == p->block_hpa[i] + (j - i) * PARTITION_BLOCK_SIZE)
			j++;
		err = virt->map(p, i * PARTITION_BLOCK_SIZE, p->block_hpa[i],
				(j - i) * PARTITION_BLOCK_SIZE);
		if (err)
			return err;
		i = j;
	}
	return 0;
}

/* Load the image and set vCPU 0 to its entry; the others wait for a start call. */
static int load_and_reset(struct partition *p)
{
	struct vcpu_boot b;
	char err[ERR_MAX];

	/* Devices and ACPI tables first: the Linux loader passes the RSDP on. */
	if (part_hooks && part_hooks->reset)
		part_hooks->reset(p);
	if (p->cfg.kernel[0]) {
		uint64_t rsdp = part_hooks && part_hooks->acpi_rsdp ? part_hooks->acpi_rsdp(p) : 0;

		if (linux_load(p, p->image, p->image_size, p->initrd, p->initrd_size, rsdp, &b,
			       err, sizeof(err))) {
			pr_err("partition %s: kernel \"%s\": %s\n", p->name, p->cfg.kernel, err);
			return -EINVAL;
		}
	} else if (guestboot_load(p, &b, err, sizeof(err))) {
		pr_err("partition %s: image \"%s\": %s\n", p->name, p->cfg.image, err);
		return -EINVAL;
	}
	p->boot_cr3 = b.cr3;
	for (unsigned int i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		memset(&v->stats, 0, sizeof(v->stats));
		v->start_pending = false;
		v->start_sipi = false;
		v->init_pending = false;
		v->state = VCPU_OFFLINE;
		if (i == 0)
			virt->vcpu_reset(v, &b);
	}
	virt->flush(p);
	p->boots++;
	return 0;
}

static void destroy(struct partition *p)
{
	if (part_hooks && part_hooks->destroy && p->platform)
		part_hooks->destroy(p);
	for (unsigned int i = 0; p->vcpus && i < p->nvcpus; i++)
		virt->vcpu_destroy(&p->vcpus[i]);
	virt->partition_destroy(p);
	free_memory(p);
}

struct partition *partition_create(const struct cfg_partition *cfg, const void *image,
				   uint64_t image_size, const void *initrd, uint64_t initrd_size)
{
	struct partition *p;
	int err;

	if (npartitions >= CFG_MAX_PARTITIONS)
		return NULL;
	p = hv_zalloc(sizeof(*p));
	if (!p)
		goto nomem;
	p->id = npartitions;
	p->cfg = *cfg;
	str_copy(p->name, cfg->name, sizeof(p->name));
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->memory = cfg->memory;
	p->image = image;
	p->image_size = image_size;
	p->initrd = initrd;
	p->initrd_size = initrd_size;
	p->nvcpus = cfg->vcpus;
	p->state = PART_CREATED;

	err = alloc_memory(p);
	if (err) {
		pr_err("partition %s: cannot allocate %llu MiB of RAM in 2 MiB blocks "
		       "(%llu MiB free)\n",
		       p->name, (unsigned long long)(p->memory >> 20),
		       (unsigned long long)((mem_free_frame_count() * PAGE_SIZE) >> 20));
		goto fail;
	}
	scrub_memory(p);
	err = virt->partition_init(p);
	if (!err)
		err = map_memory(p);
	if (err) {
		pr_err("partition %s: cannot set up nested paging (%s)\n", p->name,
		       err_name(err));
		goto fail;
	}
	p->vcpus = hv_zalloc(p->nvcpus * sizeof(struct vcpu));
	if (!p->vcpus) {
		pr_err("partition %s: out of hypervisor memory for its vCPUs\n", p->name);
		goto fail;
	}
	for (unsigned int i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		v->part = p;
		v->id = i;
		v->pcpu = cfg->cpus[i];
		err = virt->vcpu_init(v);
		if (err) {
			pr_err("partition %s: cannot create vCPU %u (%s)\n", p->name, i,
			       err_name(err));
			goto fail;
		}
	}
	if (part_hooks && part_hooks->create) {
		err = part_hooks->create(p);
		if (err) {
			pr_err("partition %s: cannot build its virtual platform (%s)\n", p->name,
			       err_name(err));
			goto fail;
		}
	}
	if (load_and_reset(p))
		goto fail;
	partitions[npartitions++] = p;
	return p;

nomem:
	pr_err("partition %s: out of hypervisor memory\n", cfg->name);
	return NULL;
fail:
	destroy(p);
	hv_free(p->vcpus);
	hv_free(p);
	return NULL;
}

void partition_start(struct partition *p)
{
	char cpus[LOG_LINE_MAX / 2];
	int n = 0;

	for (unsigned int i = 0; i < p->nvcpus; i++) {
		sched_add(&p->vcpus[i]);
		n += fmt_snprintf(cpus + n, sizeof(cpus) - (size_t)n, "%s%u", i ? "," : "",
				  p->vcpus[i].pcpu);
		if ((size_t)n >= sizeof(cpus))
			break;
	}
	pr_info("partition %s (id %u): %llu MiB, %u vCPU(s) on CPU %s, %s %s, on_crash=%s\n",
		p->name, p->id, (unsigned long long)(p->memory >> 20), p->nvcpus, cpus,
		p->cfg.kernel[0] ? "kernel" : "image", p->cfg.kernel[0] ? p->cfg.kernel : p->cfg.image,
		config_policy_name(p->cfg.on_crash));
	pr_info("partition %s: overhead %llu KiB (nested page tables, control blocks; "
		"%llu KiB of structures)\n",
		p->name, (unsigned long long)(virt->partition_overhead(p) >> 10),
		(unsigned long long)((sizeof(*p) + p->nvcpus * sizeof(struct vcpu) +
				      p->nblocks * sizeof(uint64_t)) >> 10));
	p->vcpus[0].state = VCPU_RUNNABLE;
	__atomic_store_n(&p->state, PART_RUNNING, __ATOMIC_RELEASE);
	sched_kick(p->vcpus[0].pcpu);
}

/*
 * Take the partition out of the running state and wait until none of its
 * other vCPUs is inside its run loop, so its memory can be changed. Returns
 * false if another CPU is already stopping it, or if a vCPU did not leave
 * in time (then the partition stays stopped, its memory untouched).
 */
static bool stop_all(struct partition *p, struct vcpu *self, bool *all_out)
{
	uint64_t flags, waited = 0;
	bool out;

	flags = spin_lock_irqsave(&p->lock);
	if (p->state != PART_RUNNING) {
		spin_unlock_irqrestore(&p->lock, flags);
		return false;
	}
	p->state = PART_STOPPED;
	spin_unlock_irqrestore(&p->lock, flags);

	for (unsigned int i = 0; i < p->nvcpus; i++) {
		if (&p->vcpus[i] != self)
			sched_kick(p->vcpus[i].pcpu);
	}
	do {
		out = true;
		for (unsigned int i = 0; i < p->nvcpus; i++) {
			const struct vcpu *v = &p->vcpus[i];

			if (v != self && __atomic_load_n(&v->active, __ATOMIC_SEQ_CST))
				out = false;
		}
		if (out)
			break;
		tsc_delay_us(STOP_POLL_US);
		waited += STOP_POLL_US;
	} while (waited < STOP_WAIT_US);
	*all_out = out;
	return true;
}

static void log_all_stats(struct partition *p)
{
	for (unsigned int i = 0; i < p->nvcpus; i++)
		vcpu_log_stats(&p->vcpus[i]);
}

/* Apply a stop-or-restart policy; runs on the CPU of the vCPU that asked. */
static void apply_policy(struct vcpu *v, enum cfg_policy policy, const char *why)
{
	struct partition *p = v->part;
	bool all_out = false;

	if (!stop_all(p, v, &all_out))
		return;
	partition_console_flush(p);
	for (unsigned int i = 0; i < p->nvcpus; i++)
		p->vcpus[i].state = VCPU_STOPPED;
	log_all_stats(p);
	if (!all_out) {
		pr_err("partition %s: a vCPU did not stop within %llu ms; left stopped\n",
		       p->name, (unsigned long long)(STOP_WAIT_US / 1000));
		return;
	}
	if (policy == CFG_POLICY_RESTART) {
		scrub_memory(p);
		if (load_and_reset(p) == 0) {
			pr_info("partition %s: restarted after %s (boot %u)\n", p->name, why,
				p->boots);
			p->vcpus[0].state = VCPU_RUNNABLE;
			__atomic_store_n(&p->state, PART_RUNNING, __ATOMIC_RELEASE);
			sched_kick(p->vcpus[0].pcpu);
			return;
		}
	}
	destroy(p);
	pr_info("partition %s: stopped after %s; %llu MiB returned to the pool\n", p->name, why,
		(unsigned long long)(p->memory >> 20));
	if (!all_stopped())
		return;
	if (last_stop == PARTITION_LAST_STOP_POWEROFF) {
		pr_info("all partitions have stopped\n");
		power_off();
	}
	pr_info("all partitions have stopped; the hypervisor stays up "
		"(on_last_stop=poweroff turns the machine off)\n");
}

void partition_set_last_stop(enum partition_last_stop what)
{
	last_stop = what;
}

void partition_crash(struct vcpu *v, const char *reason, uint64_t addr)
{
	struct partition *p = v->part;

	pr_err("partition %s: vCPU %u crashed: %s at RIP %#llx, address %#llx; on_crash=%s\n",
	       p->name, v->id, reason, (unsigned long long)v->regs.rip,
	       (unsigned long long)addr, config_policy_name(p->cfg.on_crash));
	apply_policy(v, p->cfg.on_crash, "a crash");
}

void partition_poweroff(struct vcpu *v)
{
	pr_info("partition %s: vCPU %u powered off; on_poweroff=%s\n", v->part->name, v->id,
		config_policy_name(v->part->cfg.on_poweroff));
	apply_policy(v, v->part->cfg.on_poweroff, "power-off");
}

void partition_reboot(struct vcpu *v)
{
	pr_info("partition %s: vCPU %u asked for a reboot; on_reboot=%s\n", v->part->name, v->id,
		config_policy_name(v->part->cfg.on_reboot));
	apply_policy(v, v->part->cfg.on_reboot, "a reboot");
}

static void console_flush_line(struct partition *p)
{
	char line[PARTITION_CONSOLE_LINE + CFG_NAME_MAX + 4];
	int n = fmt_snprintf(line, sizeof(line), "[%s] %.*s\n", p->name, (int)p->con_len,
			     p->con_line);

	if (n > 0)
		console_write(line, MIN((size_t)n, sizeof(line) - 1));
	p->con_len = 0;
}

void partition_console_flush(struct partition *p)
{
	uint64_t flags = spin_lock_irqsave(&p->lock);

	if (p->con_len)
		console_flush_line(p);
	spin_unlock_irqrestore(&p->lock, flags);
}

void partition_console_write(struct partition *p, const char *buf, size_t len)
{
	uint64_t flags = spin_lock_irqsave(&p->lock);

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\r')
			continue;
		if (c == '\n') {
			console_flush_line(p);
			continue;
		}
		/*
		 * Control bytes from a guest must not drive the terminal. Bytes
		 * from 0x80 up pass: they are UTF-8 on any current terminal.
		 */
		if (((unsigned char)c < ' ' && c != '\t') || c == ASCII_DEL)
			c = '?';
		p->con_line[p->con_len++] = c;
		if (p->con_len == sizeof(p->con_line))
			console_flush_line(p);
	}
	spin_unlock_irqrestore(&p->lock, flags);
}

void partition_console_input(struct partition *p, uint8_t byte)
{
	uint64_t flags = spin_lock_irqsave(&p->lock);
	unsigned int next = (p->con_in_head + 1) % PARTITION_CONSOLE_INPUT;

	if (next == p->con_in_tail) {
		/* One warning per overflow, not per byte. */
		if (p->con_in_dropped++ == p->con_in_warned)
			pr_warn("partition %s: console input full (%u bytes waiting): input dropped\n",
				p->name, PARTITION_CONSOLE_INPUT - 1);
	} else {
		p->con_in_warned = p->con_in_dropped;
		p->con_in[p->con_in_head] = byte;
		p->con_in_head = next;
	}
	spin_unlock_irqrestore(&p->lock, flags);
	/* vCPU 0's CPU moves input into the virtual UART: wake it if it idles. */
	if (p->nvcpus)
		sched_kick(p->vcpus[0].pcpu);
}

int partition_console_getc(struct partition *p)
{
	uint64_t flags = spin_lock_irqsave(&p->lock);
	int c = -1;

	if (p->con_in_tail != p->con_in_head) {
		c = p->con_in[p->con_in_tail];
		p->con_in_tail = (p->con_in_tail + 1) % PARTITION_CONSOLE_INPUT;
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return c;
}
