/* SPDX-License-Identifier: MIT */
/*
 * The one checked way the hypervisor touches guest memory: guest-physical
 * addresses are translated through the partition's own block table and
 * every byte is bounds-checked against the partition's RAM. Nothing else
 * in the hypervisor dereferences a guest-supplied address.
 */
#ifndef CORE_GMEM_H
#define CORE_GMEM_H

#include "lib/compiler.h"

struct partition;

/* Copy len bytes from guest-physical gpa. 0, or -EFAULT if outside RAM. */
int gmem_read(const struct partition *p, uint64_t gpa, void *dst, size_t len);

/* Copy len bytes to guest-physical gpa. 0, or -EFAULT if outside RAM. */
int gmem_write(const struct partition *p, uint64_t gpa, const void *src, size_t len);

/* Zero len bytes at guest-physical gpa. 0, or -EFAULT if outside RAM. */
int gmem_zero(const struct partition *p, uint64_t gpa, size_t len);

/* True if [gpa, gpa + len) lies inside the partition's RAM. */
bool gmem_range_ok(const struct partition *p, uint64_t gpa, uint64_t len);

#endif
