// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: the emulated media devices' computations (see
 * dma_ops.h for the formats). Pure functions: they only read @src and
 * write @dst, never more than the lengths given, and report malformed
 * input or a short output instead of truncating.
 */
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "dma_ops.h"

/*
 * Length of the bitstream proper: up to its first count of 0 (the end
 * mark; what follows is padding), or all of it.
 */
static size_t vtee_dma_stream_len(const u8 *src, size_t src_len)
{
	size_t i;

	for (i = 0; i + 1 < src_len; i += 2)
		if (!src[i])
			return i;
	return src_len;
}

/**
 * vtee_dma_decoded_len() - size of a bitstream once decoded
 * @src:	bitstream: (count, byte) pairs, ended by a count of 0 or by
 *		@src_len
 * @src_len:	its length in bytes
 * @len:	out: bytes vtee_dma_decode() writes for it
 *
 * Return: 0, or -EINVAL if the bitstream is malformed (an odd length
 * without an end mark).
 */
int vtee_dma_decoded_len(const u8 *src, size_t src_len, size_t *len)
{
	size_t i, n = 0;

	src_len = vtee_dma_stream_len(src, src_len);
	if (src_len & 1)
		return -EINVAL;
	for (i = 0; i < src_len; i += 2)
		n += src[i];
	*len = n;
	return 0;
}

/**
 * vtee_dma_decode() - expand a run-length bitstream into a frame
 * @src:	bitstream: (count, byte) pairs, ended by a count of 0 or by
 *		@src_len
 * @src_len:	its length in bytes
 * @dst:	frame buffer
 * @dst_len:	its size
 * @out_len:	out: bytes written; with -ENOSPC, bytes needed
 *
 * Nothing is written unless the whole frame fits.
 *
 * Return: 0; -EINVAL for a malformed bitstream; -ENOSPC if @dst is too
 * small.
 */
int vtee_dma_decode(const u8 *src, size_t src_len, u8 *dst, size_t dst_len,
		    size_t *out_len)
{
	size_t i, n, pos = 0;
	int ret;

	ret = vtee_dma_decoded_len(src, src_len, &n);
	if (ret)
		return ret;
	*out_len = n;
	if (n > dst_len)
		return -ENOSPC;
	src_len = vtee_dma_stream_len(src, src_len);
	for (i = 0; i < src_len; i += 2) {
		memset(dst + pos, src[i + 1], src[i]);
		pos += src[i];
	}
	return 0;
}

/**
 * vtee_dma_encoded_len() - size of a frame once encoded
 * @src:	frame
 * @src_len:	its length in bytes
 *
 * Return: bytes vtee_dma_encode() writes for it (at most 2 * @src_len).
 */
size_t vtee_dma_encoded_len(const u8 *src, size_t src_len)
{
	size_t i = 0, n = 0, run;

	while (i < src_len) {
		for (run = 1; i + run < src_len && run < 255 &&
		     src[i + run] == src[i]; run++)
			;
		i += run;
		n += 2;
	}
	return n;
}

/**
 * vtee_dma_encode() - run-length encode a frame into a bitstream
 * @src:	frame
 * @src_len:	its length in bytes
 * @dst:	bitstream buffer
 * @dst_len:	its size
 * @out_len:	out: bytes written; with -ENOSPC, bytes needed
 *
 * Runs are maximal, of at most 255 bytes: vtee_dma_decode() of the
 * result gives @src back. Nothing is written unless the whole bitstream
 * fits.
 *
 * Return: 0, or -ENOSPC if @dst is too small.
 */
int vtee_dma_encode(const u8 *src, size_t src_len, u8 *dst, size_t dst_len,
		    size_t *out_len)
{
	size_t i = 0, n = 0, run;

	*out_len = vtee_dma_encoded_len(src, src_len);
	if (*out_len > dst_len)
		return -ENOSPC;
	while (i < src_len) {
		for (run = 1; i + run < src_len && run < 255 &&
		     src[i + run] == src[i]; run++)
			;
		dst[n++] = run;
		dst[n++] = src[i];
		i += run;
	}
	return 0;
}

/**
 * vtee_dma_pattern() - write part of a camera test frame
 * @dst:	where bytes @pos .. @pos + @len - 1 of the frame go
 * @len:	bytes to write
 * @pos:	offset of @dst[0] in the frame
 * @frame:	frame counter, the pattern's seed
 *
 * Byte i of frame n is (n + i / VTEE_DMA_PATTERN_RUN) & 0xff.
 */
void vtee_dma_pattern(u8 *dst, size_t len, u64 pos, u32 frame)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = (u8)(frame + (pos + i) / VTEE_DMA_PATTERN_RUN);
}

/**
 * vtee_dma_crc32() - the display's scan-out CRC of a frame
 * @src:	frame
 * @len:	its length in bytes
 *
 * Return: CRC-32 as zlib's crc32(0, @src, @len) computes it.
 */
u32 vtee_dma_crc32(const u8 *src, size_t len)
{
	return crc32_le(~0u, src, len) ^ ~0u;
}
