/* SPDX-License-Identifier: MIT */
/*
 * Who handles what: each partition's table of I/O port ranges, MMIO ranges
 * and MSR ranges, claimed by the virtual devices when the partition is
 * built. The exit path looks an access up here and calls the claimant;
 * nothing is special-cased in the backend or in exit dispatch.
 */
#ifndef CORE_IOMAP_H
#define CORE_IOMAP_H

#include "lib/compiler.h"
#include "lib/spinlock.h"

#define IOMAP_MAX_PORT_RANGES 32
#define IOMAP_MAX_MMIO_RANGES 16
#define IOMAP_MAX_MSR_RANGES 16

struct vcpu;
struct partition;

/* Handlers return 0, or a negative code: the access is then treated as unclaimed. */
struct io_port_ops {
	int (*read)(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val);
	int (*write)(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
};

struct io_mmio_ops {
	int (*read)(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t *val);
	int (*write)(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t val);
};

/* MSR handlers return -EINVAL for "inject #GP", like core/msr.c. */
struct io_msr_ops {
	int (*read)(void *dev, struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*write)(void *dev, struct vcpu *v, uint32_t msr, uint64_t val);
};

struct iomap {
	/* Taken around every handler call when set (the devices' lock). */
	spinlock_t *lock;
	unsigned int nports, nmmio, nmsrs;
	struct {
		uint16_t base, count;
		const struct io_port_ops *ops;
		void *dev;
	} port[IOMAP_MAX_PORT_RANGES];
	struct {
		uint64_t base, size;
		const struct io_mmio_ops *ops;
		void *dev;
	} mmio[IOMAP_MAX_MMIO_RANGES];
	struct {
		uint32_t base, count;
		const struct io_msr_ops *ops;
		void *dev;
	} msr[IOMAP_MAX_MSR_RANGES];
};

/* Take and release the claimants' lock (if any) around a handler call. */
static inline uint64_t iomap_lock(const struct iomap *m)
{
	return m->lock ? spin_lock_irqsave(m->lock) : 0;
}

static inline void iomap_unlock(const struct iomap *m, uint64_t flags)
{
	if (m->lock)
		spin_unlock_irqrestore(m->lock, flags);
}

/* Claim a range. -EEXIST if it overlaps a claimed one, -ENOSPC if full. */
int iomap_claim_ports(struct iomap *m, uint16_t base, uint16_t count,
		      const struct io_port_ops *ops, void *dev);
int iomap_claim_mmio(struct iomap *m, uint64_t base, uint64_t size,
		     const struct io_mmio_ops *ops, void *dev);
int iomap_claim_msrs(struct iomap *m, uint32_t base, uint32_t count,
		     const struct io_msr_ops *ops, void *dev);

/* The claimant of an access, or NULL. dev receives the device pointer. */
const struct io_port_ops *iomap_find_port(const struct iomap *m, uint16_t port, void **dev);
const struct io_mmio_ops *iomap_find_mmio(const struct iomap *m, uint64_t gpa, unsigned int size,
					  void **dev);
const struct io_msr_ops *iomap_find_msr(const struct iomap *m, uint32_t msr, void **dev);

#endif
