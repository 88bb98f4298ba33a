// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: decode one FWHT compressed frame (vicodec's format)
 * with the codec of the vicodec-fwht library module. See dma_fwht.h for
 * the layouts.
 *
 * The header is checked here, before the codec sees it, so that the codec
 * never logs (its version message would be a log line that depends on
 * protected content). The codec decodes into the caller's scratch buffer:
 * the frame and the reference are written only once the whole frame
 * decoded, so a malformed bitstream writes nothing.
 *
 * Mixing clear and protected content through the reference is the one
 * leak a decoder adds: a P-frame copies blocks of the reference, so a
 * caller that decodes a protected bitstream and then a clear P-frame of
 * its own making would get a frame that is its chosen part of protected
 * content beside bytes it knows. The reference therefore carries a flag
 * (VTEE_DMA_FWHT_REF_PROTECTED, set when a protected bitstream went into
 * it) and a P-frame from a clear bitstream on such a reference is refused
 * (-EPERM), as is any frame with protected input and a normal destination
 * or reference. The flags are bound to the reference buffer's address by
 * a keyed hash, so a driver that passes some other protected buffer (a
 * victim's frame) as its reference gets an empty reference, not one whose
 * flags are that frame's bytes.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/videodev2.h>

#include "dma_fwht.h"

/**
 * vtee_dma_fwht_ref_size() - size of a reference buffer
 * @frame_size:	the frame's, from vtee_dma_fwht_frame_size()
 *
 * Return: the bytes a reference for such frames needs.
 */
size_t vtee_dma_fwht_ref_size(size_t frame_size)
{
	return frame_size + sizeof(struct vtee_dma_fwht_ref_tail);
}

#if IS_REACHABLE(CONFIG_VIDEO_VICODEC_FWHT)
#include "codec-v4l2-fwht.h"

static u64 vtee_dma_fwht_tag(const struct vtee_dma_fwht_io *io, u64 flags)
{
	return siphash_2u64(flags, io->ref_addr, io->ref_key);
}

/* The CAPTURE formats the emulated decoder writes */
static const u32 vtee_dma_fwht_formats[] = {
	V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_XBGR32,
	V4L2_PIX_FMT_GREY,
};

#define VTEE_DMA_FWHT_MAX_DIM	4096

static const struct v4l2_fwht_pixfmt_info *
vtee_dma_fwht_info(const struct vtee_dma_fwht_fmt *fmt)
{
	unsigned int i;

	if (!fmt->width || !fmt->height || fmt->width > VTEE_DMA_FWHT_MAX_DIM ||
	    fmt->height > VTEE_DMA_FWHT_MAX_DIM)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(vtee_dma_fwht_formats); i++)
		if (vtee_dma_fwht_formats[i] == fmt->pixelformat)
			return v4l2_fwht_find_pixfmt(fmt->pixelformat);
	return NULL;
}

/**
 * vtee_dma_fwht_frame_size() - size of a decoded frame
 * @fmt:	its format
 * @size:	out: bytes of the frame at its coded size
 *
 * Return: 0, or -EINVAL for a format the decoder does not write.
 */
int vtee_dma_fwht_frame_size(const struct vtee_dma_fwht_fmt *fmt,
			     size_t *size)
{
	const struct v4l2_fwht_pixfmt_info *info = vtee_dma_fwht_info(fmt);
	size_t w, h;

	if (!info)
		return -EINVAL;
	w = vic_round_dim(fmt->width, info->width_div);
	h = vic_round_dim(fmt->height, info->height_div);
	*size = w * h * info->sizeimage_mult / info->sizeimage_div;
	return 0;
}

/* Is the header one this format decodes? (v4l2_fwht_decode()'s checks) */
static bool vtee_dma_fwht_hdr_ok(const struct fwht_cframe_hdr *hdr,
				 const struct v4l2_fwht_pixfmt_info *info,
				 const struct vtee_dma_fwht_fmt *fmt,
				 size_t payload)
{
	u32 version = ntohl(hdr->version), flags = ntohl(hdr->flags);
	u32 comps = 3, wdiv, hdiv;

	if (hdr->magic1 != FWHT_MAGIC1 || hdr->magic2 != FWHT_MAGIC2 ||
	    !version || version > V4L2_FWHT_VERSION)
		return false;
	if (ntohl(hdr->width) != fmt->width ||
	    ntohl(hdr->height) != fmt->height)
		return false;
	if (!ntohl(hdr->size) || ntohl(hdr->size) > payload)
		return false;
	if (version >= 2) {
		if ((flags & V4L2_FWHT_FL_PIXENC_MSK) != info->pixenc)
			return false;
		comps = 1 + ((flags & V4L2_FWHT_FL_COMPONENTS_NUM_MSK) >>
			     V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET);
	}
	wdiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH) ? 1 : 2;
	hdiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT) ? 1 : 2;
	return comps == info->components_num && wdiv == info->width_div &&
	       hdiv == info->height_div;
}

/*
 * The new reference, as vicodec's decoder keeps it (copy_cap_to_ref()):
 * the visible rows of each plane, zeros elsewhere.
 */
static void vtee_dma_fwht_set_ref(u8 *ref, const u8 *frame,
				  const struct v4l2_fwht_state *st)
{
	const struct v4l2_fwht_pixfmt_info *info = st->info;
	unsigned int stride = st->stride, plane, i, hdiv, rows;

	for (plane = 0; plane < info->planes_num; plane++) {
		hdiv = plane ? info->height_div : 1;
		if (info->planes_num == 3 && plane == 1)
			stride /= 2;
		rows = st->coded_height / hdiv;
		for (i = 0; i < rows; i++) {
			if (i < st->visible_height / hdiv)
				memcpy(ref, frame, stride);
			else
				memset(ref, 0, stride);
			ref += stride;
			frame += stride;
		}
	}
}

/**
 * vtee_dma_fwht_decode() - decode one FWHT frame
 * @fmt:	the frame's format; the header must match it
 * @io:		bitstream, frame, reference and scratch buffers
 * @out_len:	out: bytes of frame written (the frame size); with -ENOSPC
 *		the bytes needed
 *
 * On success the frame is in @io->dst (its first *@out_len bytes; the
 * caller zeroes the rest of a protected buffer) and in @io->ref, which is
 * rewritten whole (frame, tail, zeros). On error @io->dst is not written;
 * a reference whose tag did not verify may have been zeroed.
 *
 * Return: 0; -EINVAL for a malformed bitstream, a header that does not
 * match @fmt, or an unsupported @fmt; -ENOSPC if @io->dst or @io->ref is
 * too small; -EPERM if the frame would mix protected content into a
 * normal destination or a clear P-frame into a protected reference.
 */
int vtee_dma_fwht_decode(const struct vtee_dma_fwht_fmt *fmt,
			 struct vtee_dma_fwht_io *io, size_t *out_len)
{
	const struct v4l2_fwht_pixfmt_info *info = vtee_dma_fwht_info(fmt);
	const size_t hdr_len = sizeof(struct fwht_cframe_hdr);
	struct vtee_dma_fwht_ref_tail tail;
	struct v4l2_fwht_state st = { };
	bool intra, tainted;
	size_t size;

	if (!info || vtee_dma_fwht_frame_size(fmt, &size))
		return -EINVAL;
	*out_len = size;
	if (size > io->dst_len || vtee_dma_fwht_ref_size(size) > io->ref_len)
		return -ENOSPC;
	if (io->src_len < hdr_len)
		return -EINVAL;
	memcpy(&st.header, io->src, hdr_len);
	if (!vtee_dma_fwht_hdr_ok(&st.header, info, fmt, io->src_len - hdr_len))
		return -EINVAL;

	/* Version 3 marks I-frames; anything else may use the reference */
	intra = ntohl(st.header.version) >= 3 &&
		(ntohl(st.header.flags) & V4L2_FWHT_FL_I_FRAME);
	memcpy(&tail, io->ref + size, sizeof(tail));
	if (!(tail.flags & VTEE_DMA_FWHT_REF_VALID) ||
	    tail.tag != vtee_dma_fwht_tag(io, tail.flags))
		tail.flags = 0;
	tainted = io->src_protected ||
		  (!intra && (tail.flags & VTEE_DMA_FWHT_REF_PROTECTED));
	if (tainted && (!io->dst_protected || !io->ref_protected))
		return -EPERM;
	if (!intra && !io->src_protected &&
	    (tail.flags & VTEE_DMA_FWHT_REF_PROTECTED))
		return -EPERM;

	st.info = info;
	st.visible_width = fmt->width;
	st.visible_height = fmt->height;
	st.coded_width = vic_round_dim(fmt->width, info->width_div);
	st.coded_height = vic_round_dim(fmt->height, info->height_div);
	st.stride = st.coded_width * info->bytesperline_mult;
	st.ref_stride = st.stride;
	st.ref_frame.buf = io->ref;
	/* Not ours: decode against nothing rather than someone's frame */
	if (!tail.flags)
		memset(io->ref, 0, size);
	memset(io->scratch, 0, size);
	if (v4l2_fwht_decode(&st, (u8 *)io->src + hdr_len, io->scratch))
		return -EINVAL;

	memcpy(io->dst, io->scratch, size);
	vtee_dma_fwht_set_ref(io->ref, io->scratch, &st);
	memset(io->ref + size, 0, io->ref_len - size);
	tail.flags = VTEE_DMA_FWHT_REF_VALID |
		     (tainted ? VTEE_DMA_FWHT_REF_PROTECTED : 0);
	tail.tag = vtee_dma_fwht_tag(io, tail.flags);
	memcpy(io->ref + size, &tail, sizeof(tail));
	return 0;
}
#else
int vtee_dma_fwht_frame_size(const struct vtee_dma_fwht_fmt *fmt,
			     size_t *size)
{
	return -EINVAL;
}

int vtee_dma_fwht_decode(const struct vtee_dma_fwht_fmt *fmt,
			 struct vtee_dma_fwht_io *io, size_t *out_len)
{
	*out_len = 0;
	return -EINVAL;
}
#endif
