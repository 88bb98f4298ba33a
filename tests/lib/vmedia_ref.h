/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmedia_ref.h - reference versions of what the emulated media devices
 * compute (kernel: drivers/tee/vtee/secure/dma_ops.c; formats in
 * docs/vmedia.md), for the guest tests and for tests/host/dma_ops.c,
 * which checks them against the kernel's. Plain C, no kernel headers.
 */
#ifndef VMEDIA_REF_H
#define VMEDIA_REF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VM_PATTERN_RUN		64

/* CRC-32 as zlib's crc32(0, p, n) */
static inline uint32_t vm_crc32(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t crc = 0xffffffffu;
	unsigned int k;

	while (n--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return crc ^ 0xffffffffu;
}

/*
 * Decode (count, byte) pairs into @out (@size bytes); bytes or -1. A
 * count of 0 ends the bitstream; an odd length without it is malformed.
 */
static inline int64_t vm_rle_decode(const uint8_t *in, size_t len,
				    uint8_t *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < len; i += 2)
		if (!in[i])
			break;
	if (i + 1 >= len)
		i = len;
	len = i;
	if (len & 1)
		return -1;
	for (i = 0; i < len; i += 2) {
		if (n + in[i] > size)
			return -1;
		memset(out + n, in[i + 1], in[i]);
		n += in[i];
	}
	return (int64_t)n;
}

/* Encode into maximal runs of at most 255; bytes written (<= 2 * len). */
static inline size_t vm_rle_encode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0, run;

	while (i < len) {
		for (run = 1; i + run < len && run < 255 && in[i + run] == in[i];
		     run++)
			;
		out[n++] = (uint8_t)run;
		out[n++] = in[i];
		i += run;
	}
	return n;
}

/* vcam's test frame @frame: byte i is (frame + i / 64) & 0xff */
static inline void vm_pattern(uint8_t *out, size_t len, uint64_t frame)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(frame + i / VM_PATTERN_RUN);
}

#endif /* VMEDIA_REF_H */
