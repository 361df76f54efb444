/* SPDX-License-Identifier: MIT */
/*
 * The virtualization backend contract. Core code drives guests only
 * through struct virt_ops; svm/ implements it now and vmx/ will sit beside
 * it. The backend is chosen once at boot from the CPU vendor (virt_probe);
 * core code never includes svm/ or vmx/ headers.
 */
#ifndef ARCH_X86_VIRT_H
#define ARCH_X86_VIRT_H

#include "lib/compiler.h"

struct partition;
struct vcpu;
struct vcpu_boot;
struct exit_info;

/* Guest control and segment state that core handlers need to read. */
struct vcpu_sregs {
	uint64_t cr0, cr2, cr3, cr4, efer;
	unsigned int cpl;
	bool cs_l, cs_db;		/* CS.L and CS.D/B: the code size */
	uint64_t seg_base[6];		/* ES, CS, SS, DS, FS, GS (encoding order) */
};

struct virt_ops {
	const char *name;

	/* Enable virtualization on this physical CPU. 0 or -errno. Any CPU. */
	int (*cpu_enable)(void);

	/* Nested paging and address-space id for a partition. 0 or -errno. */
	int (*partition_init)(struct partition *p);
	void (*partition_destroy)(struct partition *p);

	/*
	 * Map guest-physical [gpa, gpa + size) to host-physical hpa,
	 * readable, writable and executable. 4 KiB aligned. 0 or -errno.
	 */
	int (*map)(struct partition *p, uint64_t gpa, uint64_t hpa, uint64_t size);

	/* Bytes the backend holds for p: nested page tables and vCPU control blocks. */
	uint64_t (*partition_overhead)(struct partition *p);

	/* Forget cached translations of p on every CPU (next entry). */
	void (*flush)(struct partition *p);

	/* Control block for a vCPU. 0 or -errno. */
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);

	/* Put v in 64-bit long mode at b->rip with paging (CR3 = b->cr3). */
	void (*vcpu_reset)(struct vcpu *v, const struct vcpu_boot *b);

	/*
	 * Enter the guest and return at the next exit that core must see,
	 * described in *e. Runs on v's CPU with interrupts enabled; the
	 * interrupt that caused an EXIT_INTR has been handled on return.
	 * Accounts the exit in v->stats.
	 */
	void (*vcpu_run)(struct vcpu *v, struct exit_info *e);

	/* Raise an exception in the guest at its next entry. */
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error,
				 uint32_t error);

	/* Put v in the INIT state and start it in real mode at vector << 12 (SIPI). */
	void (*vcpu_reset_sipi)(struct vcpu *v, uint8_t vector);

	/*
	 * Interrupt delivery. can_inject: no event is queued for the next
	 * entry; irq_window: the guest accepts an external interrupt now
	 * (RFLAGS.IF set, no interrupt shadow). request_irq_window arms an
	 * EXIT_IRQ_WINDOW for when it does.
	 */
	bool (*can_inject)(struct vcpu *v);
	bool (*irq_window)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, uint8_t vector);
	void (*inject_nmi)(struct vcpu *v);
	void (*request_irq_window)(struct vcpu *v, bool enable);

	void (*get_sregs)(struct vcpu *v, struct vcpu_sregs *s);
	/* CR2 for a #PF about to be injected. */
	void (*set_cr2)(struct vcpu *v, uint64_t cr2);

	/* The guest's view of EFER (the backend keeps what hardware needs). */
	uint64_t (*get_efer)(struct vcpu *v);
	/* 0, or -EINVAL for a value the guest may not set (inject #GP). */
	int (*set_efer)(struct vcpu *v, uint64_t efer);

	uint64_t (*get_pat)(struct vcpu *v);
	int (*set_pat)(struct vcpu *v, uint64_t pat);
};

/* The backend in use, set by virt_probe(). */
extern const struct virt_ops *virt;

/*
 * Decide whether this machine can run partitions. Returns 0 and logs the
 * backend's features, or -ENODEV with one line in why.
 */
int virt_probe(char *why, size_t len);

/* "AMD-V" once virt_probe() succeeded. */
const char *virt_backend_name(void);

#endif
