/* SPDX-License-Identifier: MIT */
/*
 * Little-endian fields at any alignment in a byte buffer (firmware tables,
 * boot headers). memcpy keeps the accesses defined behaviour; x86 is
 * little-endian, so no byte swapping is needed.
 */
#ifndef LIB_UNALIGNED_H
#define LIB_UNALIGNED_H

#include "lib/compiler.h"
#include "lib/string.h"

static inline uint16_t get_le16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static inline uint32_t get_le32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static inline uint64_t get_le64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static inline void put_le16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static inline void put_le32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static inline void put_le64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

#endif
