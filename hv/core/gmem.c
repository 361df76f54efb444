/* SPDX-License-Identifier: MIT */
#include "core/gmem.h"
#include "arch/x86/paging.h"
#include "core/partition.h"
#include "lib/errno.h"
#include "lib/string.h"

enum gmem_op { GMEM_READ, GMEM_WRITE, GMEM_ZERO };

bool gmem_range_ok(const struct partition *p, uint64_t gpa, uint64_t len)
{
	return gpa < p->memory && len <= p->memory - gpa;
}

/* Walk the range block by block: blocks are contiguous on the host only within themselves. */
static int gmem_access(const struct partition *p, uint64_t gpa, void *buf, size_t len,
		       enum gmem_op op)
{
	uint8_t *b = buf;

	if (!gmem_range_ok(p, gpa, len))
		return -EFAULT;
	while (len) {
		uint64_t blk = gpa / PARTITION_BLOCK_SIZE;
		uint64_t off = gpa % PARTITION_BLOCK_SIZE;
		size_t n = (size_t)MIN((uint64_t)len, PARTITION_BLOCK_SIZE - off);
		uint8_t *host = phys_to_virt(p->block_hpa[blk] + off);

		if (op == GMEM_READ)
			memcpy(b, host, n);
		else if (op == GMEM_WRITE)
			memcpy(host, b, n);
		else
			memset(host, 0, n);
		if (b)
			b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int gmem_read(const struct partition *p, uint64_t gpa, void *dst, size_t len)
{
	return gmem_access(p, gpa, dst, len, GMEM_READ);
}

int gmem_write(const struct partition *p, uint64_t gpa, const void *src, size_t len)
{
	return gmem_access(p, gpa, (void *)(uintptr_t)src, len, GMEM_WRITE);
}

int gmem_zero(const struct partition *p, uint64_t gpa, size_t len)
{
	return gmem_access(p, gpa, NULL, len, GMEM_ZERO);
}
