/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee secure world: the emulated decoder's FWHT operation (vicodec's
 * codec, from the vicodec-fwht library module), as a function on byte
 * arrays that sw_dma.c hands the secure world's view of the bitstream,
 * the frame and the reference frame.
 *
 * Formats (also in docs/vmedia.md):
 *  - bitstream: one compressed frame, struct fwht_cframe_hdr (44 bytes,
 *    big-endian fields) then the header's size bytes of payload; what
 *    follows is ignored (padding, e.g. a scrubbed buffer's tail);
 *  - frame: the CAPTURE format at its coded size (width and height
 *    rounded up to 8 times the chroma subsampling, as vicodec does),
 *    bytesperline = coded width x bytes per pixel, planes one after
 *    another, nothing else;
 *  - reference: the previous decoded frame in the same layout, then a
 *    trailer (struct vtee_dma_fwht_ref_tail: flags and their tag, a
 *    keyed hash only the secure world can compute), then zeros. A
 *    reference whose tag does not verify is treated as empty (all zeros):
 *    its content was not put there by this decoder.
 *
 * No locking, no allocation: the caller gives a scratch buffer of the
 * frame's size.
 */
#ifndef VTEE_DMA_FWHT_H
#define VTEE_DMA_FWHT_H

#include <linux/siphash.h>
#include <linux/types.h>

/* Flags of the reference frame */
#define VTEE_DMA_FWHT_REF_VALID		0x01	/* holds a decoded frame */
#define VTEE_DMA_FWHT_REF_PROTECTED	0x02	/* decoded from protected input */

/**
 * struct vtee_dma_fwht_ref_tail - what follows the reference frame
 * @flags:	VTEE_DMA_FWHT_REF_*
 * @tag:	siphash of (@flags, the reference buffer's address) under the
 *		secure world's key
 */
struct vtee_dma_fwht_ref_tail {
	u64 flags;
	u64 tag;
};

/**
 * struct vtee_dma_fwht_fmt - the frame a FWHT bitstream decodes into
 * @pixelformat:	V4L2 fourcc of the frame (NV12, YUV420, XBGR32, GREY)
 * @width:		visible width; the header's must match
 * @height:		visible height; the header's must match
 */
struct vtee_dma_fwht_fmt {
	u32 pixelformat;
	u32 width;
	u32 height;
};

/**
 * struct vtee_dma_fwht_io - what one FWHT decode reads and writes
 * @src:	bitstream
 * @src_len:	its length (of a protected bitstream: its whole buffer)
 * @dst:	frame buffer
 * @dst_len:	its size
 * @ref:	reference frame buffer (read, then rewritten whole)
 * @ref_len:	its size
 * @ref_addr:	its address, bound into the tag
 * @ref_key:	the secure world's key for the tag
 * @scratch:	secure-world memory of the frame's size
 * @src_protected:	@src is protected memory
 * @dst_protected:	@dst is protected memory
 * @ref_protected:	@ref is protected memory
 */
struct vtee_dma_fwht_io {
	const u8 *src;
	size_t src_len;
	u8 *dst;
	size_t dst_len;
	u8 *ref;
	size_t ref_len;
	u64 ref_addr;
	const siphash_key_t *ref_key;
	u8 *scratch;
	bool src_protected;
	bool dst_protected;
	bool ref_protected;
};

int vtee_dma_fwht_frame_size(const struct vtee_dma_fwht_fmt *fmt,
			     size_t *size);
size_t vtee_dma_fwht_ref_size(size_t frame_size);
int vtee_dma_fwht_decode(const struct vtee_dma_fwht_fmt *fmt,
			 struct vtee_dma_fwht_io *io, size_t *out_len);

#endif /* VTEE_DMA_FWHT_H */
