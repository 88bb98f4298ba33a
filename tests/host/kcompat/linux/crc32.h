/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcompat/linux/crc32.h - crc32_le() for host builds of kernel code: the
 * bitwise little-endian CRC-32 (polynomial 0xedb88320) as lib/crc32.c
 * computes it, without the tables.
 */
#ifndef KCOMPAT_LINUX_CRC32_H
#define KCOMPAT_LINUX_CRC32_H

#include <stddef.h>
#include <linux/types.h>

static inline u32 crc32_le(u32 crc, const unsigned char *p, size_t len)
{
	unsigned int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return crc;
}

#endif /* KCOMPAT_LINUX_CRC32_H */
