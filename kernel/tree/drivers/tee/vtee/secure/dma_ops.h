/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee secure world: what the emulated media devices compute, as pure
 * functions on byte arrays.
 *
 * No locking, no allocation, no kernel framework beyond types, errno and
 * crc32: KUnit (dma_ops_test.c) and host-side tests drive them directly;
 * sw_dma.c hands them the secure world's view of the memory a device
 * reads and writes.
 *
 * The formats (also in docs/vmedia.md):
 *  - bitstream: run-length pairs (count, byte), count 1..255, expanding
 *    to count copies of byte; a count of 0 ends the bitstream (what
 *    follows is padding, e.g. the zeros of a scrubbed buffer's tail); an
 *    odd length without that end mark is malformed;
 *  - frame: plain bytes;
 *  - test pattern of frame n: byte i is (n + i / 64) & 0xff;
 *  - CRC: as zlib's crc32(), i.e. crc32_le(~0, ...) ^ ~0.
 */
#ifndef VTEE_DMA_OPS_H
#define VTEE_DMA_OPS_H

#include <linux/types.h>

/* Bytes of one test-pattern step (a run of equal bytes) */
#define VTEE_DMA_PATTERN_RUN	64

int vtee_dma_decoded_len(const u8 *src, size_t src_len, size_t *len);
int vtee_dma_decode(const u8 *src, size_t src_len, u8 *dst, size_t dst_len,
		    size_t *out_len);
size_t vtee_dma_encoded_len(const u8 *src, size_t src_len);
int vtee_dma_encode(const u8 *src, size_t src_len, u8 *dst, size_t dst_len,
		    size_t *out_len);
void vtee_dma_pattern(u8 *dst, size_t len, u64 pos, u32 frame);
u32 vtee_dma_crc32(const u8 *src, size_t len);

#endif /* VTEE_DMA_OPS_H */
