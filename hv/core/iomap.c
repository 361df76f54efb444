/* SPDX-License-Identifier: MIT */
#include "core/iomap.h"
#include "lib/errno.h"

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int iomap_claim_ports(struct iomap *m, uint16_t base, uint16_t count,
		      const struct io_port_ops *ops, void *dev)
{
	if (count == 0 || (uint32_t)base + count > 0x10000u)
		return -EINVAL;
	for (unsigned int i = 0; i < m->nports; i++)
		if (overlap(base, count, m->port[i].base, m->port[i].count))
			return -EEXIST;
	if (m->nports == IOMAP_MAX_PORT_RANGES)
		return -ENOSPC;
	m->port[m->nports].base = base;
	m->port[m->nports].count = count;
	m->port[m->nports].ops = ops;
	m->port[m->nports].dev = dev;
	m->nports++;
	return 0;
}

int iomap_claim_mmio(struct iomap *m, uint64_t base, uint64_t size,
		     const struct io_mmio_ops *ops, void *dev)
{
	if (size == 0 || base + size < base)
		return -EINVAL;
	for (unsigned int i = 0; i < m->nmmio; i++)
		if (overlap(base, size, m->mmio[i].base, m->mmio[i].size))
			return -EEXIST;
	if (m->nmmio == IOMAP_MAX_MMIO_RANGES)
		return -ENOSPC;
	m->mmio[m->nmmio].base = base;
	m->mmio[m->nmmio].size = size;
	m->mmio[m->nmmio].ops = ops;
	m->mmio[m->nmmio].dev = dev;
	m->nmmio++;
	return 0;
}

int iomap_claim_msrs(struct iomap *m, uint32_t base, uint32_t count,
		     const struct io_msr_ops *ops, void *dev)
{
	if (count == 0 || (uint64_t)base + count > 0x100000000ull)
		return -EINVAL;
	for (unsigned int i = 0; i < m->nmsrs; i++)
		if (overlap(base, count, m->msr[i].base, m->msr[i].count))
			return -EEXIST;
	if (m->nmsrs == IOMAP_MAX_MSR_RANGES)
		return -ENOSPC;
	m->msr[m->nmsrs].base = base;
	m->msr[m->nmsrs].count = count;
	m->msr[m->nmsrs].ops = ops;
	m->msr[m->nmsrs].dev = dev;
	m->nmsrs++;
	return 0;
}

const struct io_port_ops *iomap_find_port(const struct iomap *m, uint16_t port, void **dev)
{
	for (unsigned int i = 0; i < m->nports; i++) {
		if (port >= m->port[i].base && port - m->port[i].base < m->port[i].count) {
			*dev = m->port[i].dev;
			return m->port[i].ops;
		}
	}
	return NULL;
}

const struct io_mmio_ops *iomap_find_mmio(const struct iomap *m, uint64_t gpa, unsigned int size,
					  void **dev)
{
	for (unsigned int i = 0; i < m->nmmio; i++) {
		/* The whole access must lie in one claimed range. */
		if (gpa >= m->mmio[i].base && gpa - m->mmio[i].base < m->mmio[i].size &&
		    size <= m->mmio[i].size - (gpa - m->mmio[i].base)) {
			*dev = m->mmio[i].dev;
			return m->mmio[i].ops;
		}
	}
	return NULL;
}

const struct io_msr_ops *iomap_find_msr(const struct iomap *m, uint32_t msr, void **dev)
{
	for (unsigned int i = 0; i < m->nmsrs; i++) {
		if (msr >= m->msr[i].base && msr - m->msr[i].base < m->msr[i].count) {
			*dev = m->msr[i].dev;
			return m->msr[i].ops;
		}
	}
	return NULL;
}
