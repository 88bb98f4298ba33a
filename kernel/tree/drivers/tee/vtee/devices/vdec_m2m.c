// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdec_m2m - the emulated video decoder of vmedia as a V4L2 stateful
 * decoder (Documentation/userspace-api/media/v4l/dev-decoder.rst), so that
 * standard clients (GStreamer's v4l2fwhtdec, v4l2-ctl) decode into
 * protected buffers.
 *
 * OUTPUT queue (bitstream, normal or protected memory; MMAP or DMABUF):
 *  - V4L2_PIX_FMT_FWHT (default): vicodec's codec, one whole compressed
 *    frame (struct fwht_cframe_hdr + payload) per buffer;
 *  - 'PRLE': vtee's run-length bitstream (count, byte pairs), kept for
 *    the vmedia tests, the demo and libprotmem.
 * CAPTURE queue (frames): for FWHT NV12, YUV420, XBGR32 ('XR24', DRM
 * XRGB8888) or GREY, as the stream's header allows, at the coded size
 * (width and height rounded up to 8, as vicodec), bytesperline = width x
 * bytes per pixel, sizeimage exactly the planes; for PRLE GREY of the size
 * S_FMT sets. MMAP buffers are protected DMA-bufs of the secure-video
 * heap: EXPBUF hands out that buffer itself, mmap() is refused (EPERM),
 * the driver never maps them. DMABUF imports any buffer the firewall lets
 * the decoder write.
 *
 * The protocol: the first OUTPUT buffer's header (when the driver can
 * read it: a clear bitstream) sets the CAPTURE format and raises
 * V4L2_EVENT_SOURCE_CHANGE; a protected bitstream's header is never read
 * by the normal world, so its CAPTURE format is the one the OUTPUT format
 * (S_FMT with width and height) gave, and the event still comes. A header
 * of another size mid-stream ends the CAPTURE queue with an empty
 * V4L2_BUF_FLAG_LAST buffer and raises the event again; the client
 * reallocates and restarts CAPTURE. V4L2_DEC_CMD_STOP drains (the last
 * frame carries V4L2_BUF_FLAG_LAST, then DQBUF fails with EPIPE),
 * V4L2_DEC_CMD_START resumes.
 *
 * Decoding runs in the secure world (vtee_device_fwht_decode(), or
 * vtee_device_dma() with VTEE_DMA_OP_DECODE for PRLE) by DMA address
 * through the firewall. P-frames need the previous frame: the reference
 * is a protected buffer of the same use case that the driver allocates
 * per context while CAPTURE streams and never hands out; the secure
 * world reads and rewrites it whole, and tags it so it cannot be swapped
 * for someone else's frame (secure/dma_fwht.h). A job the secure world
 * refuses (firewall, malformed bitstream, header not matching the
 * format) returns both buffers with V4L2_BUF_FLAG_ERROR and writes
 * nothing. bytesused of a frame decoded from a protected bitstream is
 * the plane's size: nothing the normal world sees depends on a part of
 * protected content it chose (docs/threat-model.md).
 *
 * Jobs run in a work item, one at a time (the mem2mem framework
 * schedules them); the secure world call sleeps.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/tee_protmem.h>
#include <linux/workqueue.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-device.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-dma-contig.h>

#include "codec-v4l2-fwht.h"
#include "../vtee_master.h"

#define VDEC_M2M_NAME		"vdec-m2m"
/* Run-length bitstream of (count, byte) pairs (vtee's decoder format) */
#define V4L2_PIX_FMT_VTEE_RLE	v4l2_fourcc('P', 'R', 'L', 'E')
#define VDEC_M2M_DEF_W		256
#define VDEC_M2M_DEF_H		256
#define VDEC_M2M_MIN_W		16
#define VDEC_M2M_MIN_H		16
#define VDEC_M2M_MAX_W		4096
#define VDEC_M2M_MAX_H		4096
#define VDEC_M2M_MIN_BS		4096

/* CAPTURE formats of FWHT, in order of preference */
static const u32 vdec_m2m_fwht_fmts[] = {
	V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_XBGR32,
	V4L2_PIX_FMT_GREY,
};

/**
 * struct vdec_m2m_dev - the device
 * @pdev:	the DMA master, registered with vtee
 * @v4l2_dev:	V4L2 device
 * @vfd:	the /dev/videoN node
 * @m2m_dev:	mem2mem job scheduler
 * @lock:	the queues' and the node's lock
 * @work:	runs the current job
 * @run_ctx:	context of the current job (set by device_run)
 * @master:	registered with vtee
 * @v4l2_on:	@v4l2_dev registered
 */
struct vdec_m2m_dev {
	struct platform_device *pdev;
	struct v4l2_device v4l2_dev;
	struct video_device vfd;
	struct v4l2_m2m_dev *m2m_dev;
	struct mutex lock;	/* vb2 queues and ioctls */
	struct work_struct work;
	struct vdec_m2m_ctx *run_ctx;
	bool master;
	bool v4l2_on;
};

/**
 * struct vdec_m2m_pbuf - a protected buffer the driver allocated, mapped
 *			  for the device (CAPTURE MMAP buffers, references)
 * @dmabuf:	the buffer (one reference held)
 * @attach:	its attachment to the decoder
 * @sgt:	its mapping
 * @dma_addr:	its DMA address (one contiguous range)
 * @size:	its size
 */
struct vdec_m2m_pbuf {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	dma_addr_t dma_addr;
	unsigned long size;
};

/**
 * struct vdec_m2m_ctx - one open file
 * @fh:		V4L2 file handle (with the m2m context)
 * @dev:	the device
 * @hdl:	controls (V4L2_CID_MIN_BUFFERS_FOR_CAPTURE)
 * @out_fmt:	OUTPUT (bitstream) format
 * @cap_fmt:	CAPTURE (frame) format; width and height are the coded size
 * @vis_w:	visible width of the frames (FWHT)
 * @vis_h:	visible height of the frames (FWHT)
 * @hdr_info:	FWHT pixel layout of the stream's header, NULL before one
 *		was read
 * @header_seen: the first OUTPUT buffer was looked at (SOURCE_CHANGE sent)
 * @source_changed: a header of another format is next: no job runs until
 *		CAPTURE restarts
 * @ref:	the reference frame while CAPTURE streams (FWHT), or NULL
 * @sequence:	frame sequence number
 *
 * Everything is protected by the device's @lock (ioctls, vb2 callbacks),
 * except what the job uses, which the m2m framework keeps stable while a
 * job runs (formats cannot change while the queues are busy).
 */
struct vdec_m2m_ctx {
	struct v4l2_fh fh;
	struct vdec_m2m_dev *dev;
	struct v4l2_ctrl_handler hdl;
	struct v4l2_pix_format out_fmt;
	struct v4l2_pix_format cap_fmt;
	u32 vis_w;
	u32 vis_h;
	const struct v4l2_fwht_pixfmt_info *hdr_info;
	bool header_seen;
	bool source_changed;
	struct vdec_m2m_pbuf *ref;
	u32 sequence;
};

static struct vdec_m2m_dev vdec_m2m;

static const struct v4l2_event vdec_m2m_eos_event = {
	.type = V4L2_EVENT_EOS,
};

static const struct v4l2_event vdec_m2m_src_ch_event = {
	.type = V4L2_EVENT_SOURCE_CHANGE,
	.u.src_change.changes = V4L2_EVENT_SRC_CH_RESOLUTION,
};

static struct vdec_m2m_ctx *file2ctx(struct file *file)
{
	return container_of(file->private_data, struct vdec_m2m_ctx, fh);
}

static bool vdec_m2m_is_fwht(struct vdec_m2m_ctx *ctx)
{
	return ctx->out_fmt.pixelformat == V4L2_PIX_FMT_FWHT;
}

/* ---- protected buffers -------------------------------------------------- */

static void vdec_m2m_pbuf_free(struct vdec_m2m_pbuf *pb)
{
	if (!pb)
		return;
	if (pb->sgt)
		dma_buf_unmap_attachment_unlocked(pb->attach, pb->sgt,
						  DMA_BIDIRECTIONAL);
	if (pb->attach)
		dma_buf_detach(pb->dmabuf, pb->attach);
	dma_buf_put(pb->dmabuf);
	kfree(pb);
}

/* A protected secure-video buffer of @size, mapped for @dev */
static struct vdec_m2m_pbuf *vdec_m2m_pbuf_alloc(struct device *dev,
						 unsigned long size)
{
	struct vdec_m2m_pbuf *pb;
	struct scatterlist *sg;
	dma_addr_t next;
	unsigned int i;
	int ret;

	pb = kzalloc(sizeof(*pb), GFP_KERNEL);
	if (!pb)
		return ERR_PTR(-ENOMEM);
	pb->dmabuf = tee_protmem_alloc_dma_buf(TEE_DMA_HEAP_SECURE_VIDEO_PLAY,
					       size);
	if (IS_ERR(pb->dmabuf)) {
		ret = PTR_ERR(pb->dmabuf);
		kfree(pb);
		return ERR_PTR(ret);
	}
	pb->size = pb->dmabuf->size;
	pb->attach = dma_buf_attach(pb->dmabuf, dev);
	if (IS_ERR(pb->attach)) {
		ret = PTR_ERR(pb->attach);
		pb->attach = NULL;
		goto err;
	}
	pb->sgt = dma_buf_map_attachment_unlocked(pb->attach,
						  DMA_BIDIRECTIONAL);
	if (IS_ERR(pb->sgt)) {
		ret = PTR_ERR(pb->sgt);
		pb->sgt = NULL;
		goto err;
	}
	/* Protected buffers are one range; check, as the device needs it */
	ret = -EFAULT;
	next = sg_dma_address(pb->sgt->sgl);
	pb->dma_addr = next;
	for_each_sgtable_dma_sg(pb->sgt, sg, i) {
		if (sg_dma_address(sg) != next)
			goto err;
		next += sg_dma_len(sg);
	}
	if (next - pb->dma_addr < size)
		goto err;
	return pb;
err:
	vdec_m2m_pbuf_free(pb);
	return ERR_PTR(ret);
}

/*
 * CAPTURE memory ops: MMAP buffers are protected DMA-bufs (ours), DMABUF
 * buffers are videobuf2-dma-contig's imports. A queue holds buffers of
 * one memory type at a time; the callbacks that serve both tell them
 * apart by vb->memory.
 */
static void *vdec_m2m_mem_alloc(struct vb2_buffer *vb, struct device *dev,
				unsigned long size)
{
	return vdec_m2m_pbuf_alloc(dev, size);
}

static void vdec_m2m_mem_put(void *buf_priv)
{
	vdec_m2m_pbuf_free(buf_priv);
}

static struct dma_buf *vdec_m2m_mem_get_dmabuf(struct vb2_buffer *vb,
					       void *buf_priv,
					       unsigned long flags)
{
	struct vdec_m2m_pbuf *pb = buf_priv;

	get_dma_buf(pb->dmabuf);
	return pb->dmabuf;
}

static void *vdec_m2m_mem_vaddr(struct vb2_buffer *vb, void *buf_priv)
{
	if (vb->memory == VB2_MEMORY_MMAP)
		return NULL;	/* protected: never mapped */
	return vb2_dma_contig_memops.vaddr(vb, buf_priv);
}

static void *vdec_m2m_mem_cookie(struct vb2_buffer *vb, void *buf_priv)
{
	struct vdec_m2m_pbuf *pb = buf_priv;

	if (vb->memory == VB2_MEMORY_MMAP)
		return &pb->dma_addr;
	return vb2_dma_contig_memops.cookie(vb, buf_priv);
}

/* Only asked of MMAP buffers: ours are never mapped, so never in use */
static unsigned int vdec_m2m_mem_num_users(void *buf_priv)
{
	return 1;
}

/* A protected frame is never mapped by the CPU (see the file comment) */
static int vdec_m2m_mem_mmap(void *buf_priv, struct vm_area_struct *vma)
{
	return -EPERM;
}

/*
 * Completed at init with videobuf2-dma-contig's import callbacks
 * (attach, detach, map, unmap; its prepare and finish do nothing for
 * imports, so there are none), then never written.
 */
static struct vb2_mem_ops vdec_m2m_cap_ops = {
	.alloc = vdec_m2m_mem_alloc,
	.put = vdec_m2m_mem_put,
	.get_dmabuf = vdec_m2m_mem_get_dmabuf,
	.vaddr = vdec_m2m_mem_vaddr,
	.cookie = vdec_m2m_mem_cookie,
	.num_users = vdec_m2m_mem_num_users,
	.mmap = vdec_m2m_mem_mmap,
};

/* ---- formats ------------------------------------------------------------ */

static bool vdec_m2m_fwht_fmt_ok(struct vdec_m2m_ctx *ctx, u32 fourcc)
{
	const struct v4l2_fwht_pixfmt_info *info = v4l2_fwht_find_pixfmt(fourcc);
	const struct v4l2_fwht_pixfmt_info *h = ctx->hdr_info;

	if (!info || info->id != fourcc)
		return false;
	return !h || v4l2_fwht_validate_fmt(info, h->width_div, h->height_div,
					    h->components_num, h->pixenc);
}

/* The n-th CAPTURE format this context can decode into, or 0 */
static u32 vdec_m2m_cap_fourcc(struct vdec_m2m_ctx *ctx, unsigned int n)
{
	unsigned int i;

	if (!vdec_m2m_is_fwht(ctx))
		return n ? 0 : V4L2_PIX_FMT_GREY;
	for (i = 0; i < ARRAY_SIZE(vdec_m2m_fwht_fmts); i++)
		if (vdec_m2m_fwht_fmt_ok(ctx, vdec_m2m_fwht_fmts[i]) && !n--)
			return vdec_m2m_fwht_fmts[i];
	return 0;
}

static void vdec_m2m_fmt_common(struct v4l2_pix_format *f)
{
	f->field = V4L2_FIELD_NONE;
	f->flags = 0;
	f->priv = 0;
}

/*
 * Colorimetry is the client's to say on OUTPUT (the bitstream does not
 * carry one the driver reads) and passes to CAPTURE unchanged, as in
 * vicodec; unknown values become the defaults.
 */
static void vdec_m2m_fix_colorimetry(struct v4l2_pix_format *f)
{
	if (!f->colorspace || f->colorspace > V4L2_COLORSPACE_DCI_P3)
		f->colorspace = V4L2_COLORSPACE_REC709;
	if (f->xfer_func > V4L2_XFER_FUNC_SMPTE2084)
		f->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	if (f->ycbcr_enc > V4L2_YCBCR_ENC_SMPTE240M)
		f->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	if (f->quantization > V4L2_QUANTIZATION_LIM_RANGE)
		f->quantization = V4L2_QUANTIZATION_DEFAULT;
}

/*
 * The CAPTURE format for @fourcc and a visible size: FWHT frames at the
 * coded size, with no padding; PRLE frames GREY of the size asked.
 */
static void vdec_m2m_fix_cap(struct vdec_m2m_ctx *ctx,
			     struct v4l2_pix_format *f, u32 vis_w, u32 vis_h)
{
	const struct v4l2_fwht_pixfmt_info *info;
	struct vtee_dma_fwht_format ff;
	size_t frame, ref;
	u32 fourcc = f->pixelformat;

	vdec_m2m_fmt_common(f);
	f->colorspace = ctx->out_fmt.colorspace;
	f->xfer_func = ctx->out_fmt.xfer_func;
	f->ycbcr_enc = ctx->out_fmt.ycbcr_enc;
	f->quantization = ctx->out_fmt.quantization;
	if (!vdec_m2m_is_fwht(ctx)) {
		f->pixelformat = V4L2_PIX_FMT_GREY;
		f->width = clamp_t(u32, f->width, 1, VDEC_M2M_MAX_W);
		f->height = clamp_t(u32, f->height, 1, VDEC_M2M_MAX_H);
		f->bytesperline = f->width;
		f->sizeimage = f->width * f->height;
		return;
	}
	if (!vdec_m2m_fwht_fmt_ok(ctx, fourcc))
		fourcc = vdec_m2m_cap_fourcc(ctx, 0);
	info = v4l2_fwht_find_pixfmt(fourcc);
	ff.pixelformat = fourcc;
	ff.width = vis_w;
	ff.height = vis_h;
	f->pixelformat = fourcc;
	f->width = vic_round_dim(vis_w, info->width_div);
	f->height = vic_round_dim(vis_h, info->height_div);
	f->bytesperline = f->width * info->bytesperline_mult;
	if (vtee_fwht_buffer_sizes(&ff, &frame, &ref))
		frame = 0;	/* FWHT support not built: QBUF fails */
	f->sizeimage = frame;
}

static void vdec_m2m_fix_out(struct v4l2_pix_format *f)
{
	if (f->pixelformat != V4L2_PIX_FMT_VTEE_RLE)
		f->pixelformat = V4L2_PIX_FMT_FWHT;
	vdec_m2m_fmt_common(f);
	vdec_m2m_fix_colorimetry(f);
	f->width = clamp_t(u32, f->width, VDEC_M2M_MIN_W, VDEC_M2M_MAX_W);
	f->height = clamp_t(u32, f->height, VDEC_M2M_MIN_H, VDEC_M2M_MAX_H);
	f->bytesperline = 0;
	/* room for a frame of 4 bytes a pixel, as vicodec's worst case */
	if (!f->sizeimage)
		f->sizeimage = f->width * f->height *
			       (f->pixelformat == V4L2_PIX_FMT_FWHT ? 4 : 1);
	f->sizeimage = clamp_t(u32, PAGE_ALIGN(f->sizeimage), VDEC_M2M_MIN_BS,
			       VDEC_M2M_MAX_W * VDEC_M2M_MAX_H * 4);
}

static int vdec_m2m_querycap(struct file *file, void *priv,
			     struct v4l2_capability *cap)
{
	strscpy(cap->driver, VDEC_M2M_NAME, sizeof(cap->driver));
	strscpy(cap->card, "vtee emulated video decoder", sizeof(cap->card));
	snprintf(cap->bus_info, sizeof(cap->bus_info), "platform:%s",
		 VDEC_M2M_NAME);
	return 0;
}

static int vdec_m2m_enum_fmt_cap(struct file *file, void *priv,
				 struct v4l2_fmtdesc *f)
{
	u32 fourcc = vdec_m2m_cap_fourcc(file2ctx(file), f->index);

	if (!fourcc)
		return -EINVAL;
	f->pixelformat = fourcc;
	return 0;
}

static int vdec_m2m_enum_fmt_out(struct file *file, void *priv,
				 struct v4l2_fmtdesc *f)
{
	switch (f->index) {
	case 0:
		f->pixelformat = V4L2_PIX_FMT_FWHT;
		f->flags = V4L2_FMT_FLAG_DYN_RESOLUTION;
		break;
	case 1:
		f->pixelformat = V4L2_PIX_FMT_VTEE_RLE;
		strscpy(f->description, "vtee run-length",
			sizeof(f->description));
		break;
	default:
		return -EINVAL;
	}
	f->flags |= V4L2_FMT_FLAG_COMPRESSED;
	return 0;
}

static int vdec_m2m_g_fmt_cap(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	f->fmt.pix = file2ctx(file)->cap_fmt;
	return 0;
}

static int vdec_m2m_g_fmt_out(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	f->fmt.pix = file2ctx(file)->out_fmt;
	return 0;
}

static int vdec_m2m_try_fmt_cap(struct file *file, void *priv,
				struct v4l2_format *f)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);

	vdec_m2m_fix_cap(ctx, &f->fmt.pix, ctx->vis_w, ctx->vis_h);
	return 0;
}

static int vdec_m2m_try_fmt_out(struct file *file, void *priv,
				struct v4l2_format *f)
{
	vdec_m2m_fix_out(&f->fmt.pix);
	return 0;
}

static int vdec_m2m_s_fmt_cap(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);
	struct vb2_queue *vq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx, f->type);

	if (vb2_is_busy(vq))
		return -EBUSY;
	vdec_m2m_fix_cap(ctx, &f->fmt.pix, ctx->vis_w, ctx->vis_h);
	ctx->cap_fmt = f->fmt.pix;
	return 0;
}

static int vdec_m2m_s_fmt_out(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);
	struct vb2_queue *vq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx, f->type);
	struct vb2_queue *cq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx,
					       V4L2_BUF_TYPE_VIDEO_CAPTURE);

	if (vb2_is_busy(vq))
		return -EBUSY;
	vdec_m2m_fix_out(&f->fmt.pix);
	ctx->out_fmt = f->fmt.pix;
	if (vb2_is_busy(cq))
		return 0;
	/* dev-decoder.rst: the OUTPUT size propagates to CAPTURE */
	ctx->hdr_info = NULL;
	ctx->vis_w = f->fmt.pix.width;
	ctx->vis_h = f->fmt.pix.height;
	ctx->cap_fmt.width = ctx->vis_w;
	ctx->cap_fmt.height = ctx->vis_h;
	vdec_m2m_fix_cap(ctx, &ctx->cap_fmt, ctx->vis_w, ctx->vis_h);
	return 0;
}

static int vdec_m2m_g_selection(struct file *file, void *priv,
				struct v4l2_selection *s)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);

	if (s->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	s->r.left = 0;
	s->r.top = 0;
	/* The picture (visible size) in the buffer (coded size) */
	switch (s->target) {
	case V4L2_SEL_TGT_COMPOSE:
		if (vdec_m2m_is_fwht(ctx)) {
			s->r.width = ctx->vis_w;
			s->r.height = ctx->vis_h;
			return 0;
		}
		fallthrough;
	case V4L2_SEL_TGT_COMPOSE_DEFAULT:
	case V4L2_SEL_TGT_COMPOSE_BOUNDS:
		s->r.width = ctx->cap_fmt.width;
		s->r.height = ctx->cap_fmt.height;
		return 0;
	}
	return -EINVAL;
}

static int vdec_m2m_decoder_cmd(struct file *file, void *fh,
				struct v4l2_decoder_cmd *dc)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);
	int ret;

	ret = v4l2_m2m_ioctl_try_decoder_cmd(file, fh, dc);
	if (ret < 0)
		return ret;
	if (!vb2_is_streaming(&ctx->fh.m2m_ctx->cap_q_ctx.q) ||
	    !vb2_is_streaming(&ctx->fh.m2m_ctx->out_q_ctx.q))
		return 0;
	ret = v4l2_m2m_ioctl_decoder_cmd(file, fh, dc);
	if (ret < 0)
		return ret;
	if (dc->cmd == V4L2_DEC_CMD_STOP &&
	    v4l2_m2m_has_stopped(ctx->fh.m2m_ctx))
		v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_eos_event);
	if (dc->cmd == V4L2_DEC_CMD_START &&
	    v4l2_m2m_has_stopped(ctx->fh.m2m_ctx))
		vb2_clear_last_buffer_dequeued(&ctx->fh.m2m_ctx->cap_q_ctx.q);
	return 0;
}

static int vdec_m2m_enum_framesizes(struct file *file, void *fh,
				    struct v4l2_frmsizeenum *fsize)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);
	unsigned int i;
	bool known = fsize->pixel_format == V4L2_PIX_FMT_FWHT ||
		     fsize->pixel_format == V4L2_PIX_FMT_VTEE_RLE;

	for (i = 0; !known && vdec_m2m_cap_fourcc(ctx, i); i++)
		known = vdec_m2m_cap_fourcc(ctx, i) == fsize->pixel_format;
	if (!known || fsize->index)
		return -EINVAL;
	fsize->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fsize->stepwise.min_width = VDEC_M2M_MIN_W;
	fsize->stepwise.max_width = VDEC_M2M_MAX_W;
	fsize->stepwise.step_width = 8;
	fsize->stepwise.min_height = VDEC_M2M_MIN_H;
	fsize->stepwise.max_height = VDEC_M2M_MAX_H;
	fsize->stepwise.step_height = 8;
	return 0;
}

static int vdec_m2m_subscribe_event(struct v4l2_fh *fh,
				    const struct v4l2_event_subscription *sub)
{
	switch (sub->type) {
	case V4L2_EVENT_SOURCE_CHANGE:
	case V4L2_EVENT_EOS:
		return v4l2_event_subscribe(fh, sub, 0, NULL);
	default:
		return v4l2_ctrl_subscribe_event(fh, sub);
	}
}

static const struct v4l2_ioctl_ops vdec_m2m_ioctl_ops = {
	.vidioc_querycap = vdec_m2m_querycap,
	.vidioc_enum_fmt_vid_cap = vdec_m2m_enum_fmt_cap,
	.vidioc_g_fmt_vid_cap = vdec_m2m_g_fmt_cap,
	.vidioc_try_fmt_vid_cap = vdec_m2m_try_fmt_cap,
	.vidioc_s_fmt_vid_cap = vdec_m2m_s_fmt_cap,
	.vidioc_enum_fmt_vid_out = vdec_m2m_enum_fmt_out,
	.vidioc_g_fmt_vid_out = vdec_m2m_g_fmt_out,
	.vidioc_try_fmt_vid_out = vdec_m2m_try_fmt_out,
	.vidioc_s_fmt_vid_out = vdec_m2m_s_fmt_out,
	.vidioc_reqbufs = v4l2_m2m_ioctl_reqbufs,
	.vidioc_querybuf = v4l2_m2m_ioctl_querybuf,
	.vidioc_qbuf = v4l2_m2m_ioctl_qbuf,
	.vidioc_dqbuf = v4l2_m2m_ioctl_dqbuf,
	.vidioc_prepare_buf = v4l2_m2m_ioctl_prepare_buf,
	.vidioc_create_bufs = v4l2_m2m_ioctl_create_bufs,
	.vidioc_expbuf = v4l2_m2m_ioctl_expbuf,
	.vidioc_streamon = v4l2_m2m_ioctl_streamon,
	.vidioc_streamoff = v4l2_m2m_ioctl_streamoff,
	.vidioc_g_selection = vdec_m2m_g_selection,
	.vidioc_try_decoder_cmd = v4l2_m2m_ioctl_try_decoder_cmd,
	.vidioc_decoder_cmd = vdec_m2m_decoder_cmd,
	.vidioc_enum_framesizes = vdec_m2m_enum_framesizes,
	.vidioc_subscribe_event = vdec_m2m_subscribe_event,
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe,
};

/* ---- headers ------------------------------------------------------------ */

/*
 * Read the FWHT header of a clear OUTPUT buffer (MMAP, or, unless @atomic,
 * an imported buffer the CPU may map: mapping one may sleep); false if
 * there is none to read, e.g. a protected bitstream, whose header the
 * normal world never reads.
 */
static bool vdec_m2m_read_hdr(struct vb2_buffer *vb, struct fwht_cframe_hdr *h,
			      bool atomic)
{
	u8 *p;

	if (atomic && vb->memory != VB2_MEMORY_MMAP)
		return false;
	p = vb2_plane_vaddr(vb, 0);
	if (!p || vb2_get_plane_payload(vb, 0) < sizeof(*h))
		return false;
	memcpy(h, p, sizeof(*h));
	return true;
}

/* The pixel layout a valid header describes, or NULL */
static const struct v4l2_fwht_pixfmt_info *
vdec_m2m_hdr_info(const struct fwht_cframe_hdr *h)
{
	u32 w = ntohl(h->width), ht = ntohl(h->height);
	u32 version = ntohl(h->version), flags = ntohl(h->flags);
	u32 comps = 1 + ((flags & V4L2_FWHT_FL_COMPONENTS_NUM_MSK) >>
			 V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET);
	u32 wdiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH) ? 1 : 2;
	u32 hdiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT) ? 1 : 2;

	if (h->magic1 != FWHT_MAGIC1 || h->magic2 != FWHT_MAGIC2 ||
	    version < 2 || version > V4L2_FWHT_VERSION ||
	    w < VDEC_M2M_MIN_W || w > VDEC_M2M_MAX_W ||
	    ht < VDEC_M2M_MIN_H || ht > VDEC_M2M_MAX_H)
		return NULL;
	return v4l2_fwht_find_nth_fmt(wdiv, hdiv, comps,
				      flags & V4L2_FWHT_FL_PIXENC_MSK, 0);
}

/* Does the header describe the frames CAPTURE is set up for? */
static bool vdec_m2m_hdr_matches(struct vdec_m2m_ctx *ctx,
				 const struct fwht_cframe_hdr *h,
				 const struct v4l2_fwht_pixfmt_info *info)
{
	const struct v4l2_fwht_pixfmt_info *cur =
		v4l2_fwht_find_pixfmt(ctx->cap_fmt.pixelformat);

	return ntohl(h->width) == ctx->vis_w &&
	       ntohl(h->height) == ctx->vis_h &&
	       cur->id == ctx->cap_fmt.pixelformat &&
	       v4l2_fwht_validate_fmt(cur, info->width_div, info->height_div,
				      info->components_num, info->pixenc);
}

/* Take the CAPTURE format from a header */
static void vdec_m2m_apply_hdr(struct vdec_m2m_ctx *ctx,
			       const struct fwht_cframe_hdr *h,
			       const struct v4l2_fwht_pixfmt_info *info)
{
	ctx->hdr_info = info;
	ctx->vis_w = ntohl(h->width);
	ctx->vis_h = ntohl(h->height);
	ctx->out_fmt.width = ctx->vis_w;
	ctx->out_fmt.height = ctx->vis_h;
	vdec_m2m_fix_cap(ctx, &ctx->cap_fmt, ctx->vis_w, ctx->vis_h);
}

/* ---- queues ------------------------------------------------------------- */

static int vdec_m2m_queue_setup(struct vb2_queue *vq, unsigned int *nbuffers,
				unsigned int *nplanes, unsigned int sizes[],
				struct device *alloc_devs[])
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(vq);
	unsigned int size = V4L2_TYPE_IS_OUTPUT(vq->type) ?
			    ctx->out_fmt.sizeimage : ctx->cap_fmt.sizeimage;

	if (!size)
		return -EINVAL;
	if (*nplanes)
		return *nplanes != 1 || sizes[0] < size ? -EINVAL : 0;
	*nplanes = 1;
	sizes[0] = size;
	return 0;
}

static int vdec_m2m_buf_out_validate(struct vb2_buffer *vb)
{
	to_vb2_v4l2_buffer(vb)->field = V4L2_FIELD_NONE;
	return 0;
}

static int vdec_m2m_buf_prepare(struct vb2_buffer *vb)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	unsigned long payload = vb2_get_plane_payload(vb, 0);

	if (V4L2_TYPE_IS_OUTPUT(vb->vb2_queue->type)) {
		/* PRLE: (count, byte) pairs, a non-empty, even length */
		if (!payload || (!vdec_m2m_is_fwht(ctx) && payload % 2))
			return -EINVAL;
		return 0;
	}
	if (vb2_plane_size(vb, 0) < ctx->cap_fmt.sizeimage)
		return -EINVAL;
	vb2_set_plane_payload(vb, 0, 0);
	return 0;
}

static void vdec_m2m_buf_queue(struct vb2_buffer *vb)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct vb2_queue *cq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx,
					       V4L2_BUF_TYPE_VIDEO_CAPTURE);
	const struct v4l2_fwht_pixfmt_info *info;
	struct fwht_cframe_hdr h;

	if (V4L2_TYPE_IS_CAPTURE(vb->vb2_queue->type) &&
	    vb2_is_streaming(vb->vb2_queue) &&
	    v4l2_m2m_dst_buf_is_last(ctx->fh.m2m_ctx)) {
		vb2_set_plane_payload(vb, 0, 0);
		vbuf->field = V4L2_FIELD_NONE;
		vbuf->sequence = ctx->sequence;
		v4l2_m2m_last_buffer_done(ctx->fh.m2m_ctx, vbuf);
		v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_eos_event);
		return;
	}
	/*
	 * The first bitstream buffer: its header (if the driver may read
	 * it) sets the CAPTURE format; the client learns it from the
	 * event. Later changes are found in job_ready.
	 */
	if (V4L2_TYPE_IS_OUTPUT(vb->vb2_queue->type) &&
	    vdec_m2m_is_fwht(ctx) && !ctx->header_seen &&
	    !vb2_is_streaming(cq)) {
		ctx->header_seen = true;
		if (vdec_m2m_read_hdr(vb, &h, false)) {
			info = vdec_m2m_hdr_info(&h);
			if (info)
				vdec_m2m_apply_hdr(ctx, &h, info);
		}
		v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_src_ch_event);
	}
	v4l2_m2m_buf_queue(ctx->fh.m2m_ctx, vbuf);
}

static void vdec_m2m_return_bufs(struct vdec_m2m_ctx *ctx,
				 struct vb2_queue *q, enum vb2_buffer_state st)
{
	struct vb2_v4l2_buffer *vbuf;

	for (;;) {
		if (V4L2_TYPE_IS_OUTPUT(q->type))
			vbuf = v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
		else
			vbuf = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);
		if (!vbuf)
			return;
		v4l2_m2m_buf_done(vbuf, st);
	}
}

static int vdec_m2m_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(q);
	struct vtee_dma_fwht_format ff = {
		.pixelformat = ctx->cap_fmt.pixelformat,
		.width = ctx->vis_w,
		.height = ctx->vis_h,
	};
	struct vdec_m2m_pbuf *ref;
	size_t frame, ref_size;
	int ret = -EINVAL;

	v4l2_m2m_update_start_streaming_state(ctx->fh.m2m_ctx, q);
	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		ctx->sequence = 0;
		return 0;
	}
	ctx->source_changed = false;
	if (!vdec_m2m_is_fwht(ctx))
		return 0;
	/* The reference frame: protected, the decoder's only */
	if (vtee_fwht_buffer_sizes(&ff, &frame, &ref_size))
		goto err;
	ref = vdec_m2m_pbuf_alloc(&ctx->dev->pdev->dev, ref_size);
	if (IS_ERR(ref)) {
		ret = PTR_ERR(ref);
		goto err;
	}
	ctx->ref = ref;
	return 0;
err:
	vdec_m2m_return_bufs(ctx, q, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void vdec_m2m_stop_streaming(struct vb2_queue *q)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(q);

	vdec_m2m_return_bufs(ctx, q, VB2_BUF_STATE_ERROR);
	v4l2_m2m_update_stop_streaming_state(ctx->fh.m2m_ctx, q);
	if (V4L2_TYPE_IS_OUTPUT(q->type)) {
		if (v4l2_m2m_has_stopped(ctx->fh.m2m_ctx))
			v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_eos_event);
		ctx->header_seen = false;
		return;
	}
	vdec_m2m_pbuf_free(ctx->ref);
	ctx->ref = NULL;
	ctx->source_changed = false;
}

static const struct vb2_ops vdec_m2m_qops = {
	.queue_setup = vdec_m2m_queue_setup,
	.buf_out_validate = vdec_m2m_buf_out_validate,
	.buf_prepare = vdec_m2m_buf_prepare,
	.buf_queue = vdec_m2m_buf_queue,
	.start_streaming = vdec_m2m_start_streaming,
	.stop_streaming = vdec_m2m_stop_streaming,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
};

static int vdec_m2m_queue_init(void *priv, struct vb2_queue *src_vq,
			       struct vb2_queue *dst_vq)
{
	struct vdec_m2m_ctx *ctx = priv;
	struct vb2_queue *qs[2] = { src_vq, dst_vq };
	unsigned int i;
	int ret;

	src_vq->type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	src_vq->mem_ops = &vb2_dma_contig_memops;
	dst_vq->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	dst_vq->mem_ops = &vdec_m2m_cap_ops;
	for (i = 0; i < ARRAY_SIZE(qs); i++) {
		qs[i]->io_modes = VB2_MMAP | VB2_DMABUF;
		qs[i]->drv_priv = ctx;
		qs[i]->buf_struct_size = sizeof(struct v4l2_m2m_buffer);
		qs[i]->ops = &vdec_m2m_qops;
		qs[i]->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
		qs[i]->lock = &ctx->dev->lock;
		qs[i]->dev = &ctx->dev->pdev->dev;
		ret = vb2_queue_init(qs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- jobs --------------------------------------------------------------- */

/* An empty CAPTURE buffer flagged LAST: the end of one format's frames */
static void vdec_m2m_last_buffer(struct vdec_m2m_ctx *ctx,
				 struct vb2_v4l2_buffer *src)
{
	struct vb2_v4l2_buffer *dst = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);

	if (!dst)
		return;
	vb2_set_plane_payload(&dst->vb2_buf, 0, 0);
	dst->sequence = ctx->sequence;
	v4l2_m2m_buf_copy_metadata(src, dst, true);
	dst->flags |= V4L2_BUF_FLAG_LAST;
	v4l2_m2m_buf_done(dst, VB2_BUF_STATE_DONE);
}

static int vdec_m2m_job_ready(void *priv)
{
	struct vdec_m2m_ctx *ctx = priv;
	const struct v4l2_fwht_pixfmt_info *info;
	struct vb2_v4l2_buffer *src;
	struct fwht_cframe_hdr h;

	if (ctx->source_changed)
		return 0;
	if (!vdec_m2m_is_fwht(ctx))
		return 1;
	src = v4l2_m2m_next_src_buf(ctx->fh.m2m_ctx);
	/*
	 * Called under the scheduler's spinlock: MMAP headers only. An
	 * unread or invalid header: the secure world refuses it if it must.
	 */
	if (!src || !vdec_m2m_read_hdr(&src->vb2_buf, &h, true))
		return 1;
	info = vdec_m2m_hdr_info(&h);
	if (!info)
		return 1;
	if (vdec_m2m_hdr_matches(ctx, &h, info)) {
		ctx->hdr_info = info;
		return 1;
	}
	/* A new format: finish this one, tell the client, wait for it */
	vdec_m2m_apply_hdr(ctx, &h, info);
	vdec_m2m_last_buffer(ctx, src);
	v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_src_ch_event);
	ctx->source_changed = true;
	return 0;
}

static int vdec_m2m_decode(struct vdec_m2m_ctx *ctx,
			   struct vb2_v4l2_buffer *src,
			   struct vb2_v4l2_buffer *dst, u64 *n)
{
	struct device *dev = &ctx->dev->pdev->dev;
	struct vtee_dma_fwht_format ff = {
		.pixelformat = ctx->cap_fmt.pixelformat,
		.width = ctx->vis_w,
		.height = ctx->vis_h,
	};
	struct vtee_dma_range s, d, r;

	s.addr = vb2_dma_contig_plane_dma_addr(&src->vb2_buf, 0);
	s.len = vb2_get_plane_payload(&src->vb2_buf, 0);
	d.addr = vb2_dma_contig_plane_dma_addr(&dst->vb2_buf, 0);
	d.len = vb2_plane_size(&dst->vb2_buf, 0);
	if (!vdec_m2m_is_fwht(ctx))
		return vtee_device_dma(dev, VTEE_DMA_OP_DECODE, &s, &d, 0, n);
	if (!ctx->ref)
		return -EINVAL;
	r.addr = ctx->ref->dma_addr;
	r.len = ctx->ref->size;
	return vtee_device_fwht_decode(dev, &s, &d, &r, &ff, n);
}

static void vdec_m2m_work(struct work_struct *work)
{
	struct vdec_m2m_dev *vd = container_of(work, struct vdec_m2m_dev,
					       work);
	struct vdec_m2m_ctx *ctx = vd->run_ctx;
	struct vb2_v4l2_buffer *src, *dst;
	enum vb2_buffer_state state;
	u64 n = 0;
	int ret;

	/*
	 * The buffers stay queued while the secure world works: a
	 * V4L2_DEC_CMD_STOP meanwhile then marks this bitstream as the last
	 * one (v4l2_m2m_is_last_draining_src_buf()) instead of ending the
	 * stream before its frame.
	 */
	src = v4l2_m2m_next_src_buf(ctx->fh.m2m_ctx);
	dst = v4l2_m2m_next_dst_buf(ctx->fh.m2m_ctx);
	if (WARN_ON(!src || !dst))
		goto out;

	ret = vdec_m2m_decode(ctx, src, dst, &n);
	if (ret)
		dev_dbg(&vd->pdev->dev, "decode: %d\n", ret);
	/* A protected frame is written whole: never more than the plane */
	vb2_set_plane_payload(&dst->vb2_buf, 0,
			      ret ? 0 : min_t(u64, n,
					      vb2_plane_size(&dst->vb2_buf, 0)));
	src->sequence = ctx->sequence;
	dst->sequence = ctx->sequence++;
	v4l2_m2m_buf_copy_metadata(src, dst, true);
	dst->flags &= ~V4L2_BUF_FLAG_LAST;
	if (v4l2_m2m_is_last_draining_src_buf(ctx->fh.m2m_ctx, src)) {
		dst->flags |= V4L2_BUF_FLAG_LAST;
		v4l2_event_queue_fh(&ctx->fh, &vdec_m2m_eos_event);
		v4l2_m2m_mark_stopped(ctx->fh.m2m_ctx);
	}
	state = ret ? VB2_BUF_STATE_ERROR : VB2_BUF_STATE_DONE;
	v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
	v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);
	v4l2_m2m_buf_done(src, state);
	v4l2_m2m_buf_done(dst, state);
out:
	v4l2_m2m_job_finish(vd->m2m_dev, ctx->fh.m2m_ctx);
}

static void vdec_m2m_device_run(void *priv)
{
	struct vdec_m2m_ctx *ctx = priv;

	ctx->dev->run_ctx = ctx;
	schedule_work(&ctx->dev->work);
}

static const struct v4l2_m2m_ops vdec_m2m_ops = {
	.device_run = vdec_m2m_device_run,
	.job_ready = vdec_m2m_job_ready,
};

/* ---- file --------------------------------------------------------------- */

static int vdec_m2m_open(struct file *file)
{
	struct vdec_m2m_dev *vd = video_drvdata(file);
	struct vdec_m2m_ctx *ctx;
	int ret = 0;

	if (mutex_lock_interruptible(&vd->lock))
		return -ERESTARTSYS;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		ret = -ENOMEM;
		goto out;
	}
	v4l2_fh_init(&ctx->fh, video_devdata(file));
	file->private_data = &ctx->fh;
	ctx->dev = vd;

	v4l2_ctrl_handler_init(&ctx->hdl, 1);
	/* No reordering: one frame out per frame in */
	v4l2_ctrl_new_std(&ctx->hdl, NULL, V4L2_CID_MIN_BUFFERS_FOR_CAPTURE,
			  1, 1, 1, 1);
	if (ctx->hdl.error) {
		ret = ctx->hdl.error;
		goto err_hdl;
	}
	ctx->fh.ctrl_handler = &ctx->hdl;

	/* Defaults before any header: FWHT, NV12, 256x256 */
	ctx->out_fmt.pixelformat = V4L2_PIX_FMT_FWHT;
	ctx->out_fmt.width = VDEC_M2M_DEF_W;
	ctx->out_fmt.height = VDEC_M2M_DEF_H;
	vdec_m2m_fix_out(&ctx->out_fmt);
	ctx->vis_w = VDEC_M2M_DEF_W;
	ctx->vis_h = VDEC_M2M_DEF_H;
	ctx->cap_fmt.pixelformat = V4L2_PIX_FMT_NV12;
	vdec_m2m_fix_cap(ctx, &ctx->cap_fmt, ctx->vis_w, ctx->vis_h);

	ctx->fh.m2m_ctx = v4l2_m2m_ctx_init(vd->m2m_dev, ctx,
					    vdec_m2m_queue_init);
	if (IS_ERR(ctx->fh.m2m_ctx)) {
		ret = PTR_ERR(ctx->fh.m2m_ctx);
		goto err_hdl;
	}
	v4l2_fh_add(&ctx->fh);
	goto out;

err_hdl:
	v4l2_ctrl_handler_free(&ctx->hdl);
	v4l2_fh_exit(&ctx->fh);
	kfree(ctx);
out:
	mutex_unlock(&vd->lock);
	return ret;
}

static int vdec_m2m_release(struct file *file)
{
	struct vdec_m2m_dev *vd = video_drvdata(file);
	struct vdec_m2m_ctx *ctx = file2ctx(file);

	v4l2_fh_del(&ctx->fh);
	v4l2_fh_exit(&ctx->fh);
	mutex_lock(&vd->lock);
	v4l2_m2m_ctx_release(ctx->fh.m2m_ctx);
	mutex_unlock(&vd->lock);
	v4l2_ctrl_handler_free(&ctx->hdl);
	vdec_m2m_pbuf_free(ctx->ref);
	kfree(ctx);
	return 0;
}

static const struct v4l2_file_operations vdec_m2m_fops = {
	.owner = THIS_MODULE,
	.open = vdec_m2m_open,
	.release = vdec_m2m_release,
	.poll = v4l2_m2m_fop_poll,
	.unlocked_ioctl = video_ioctl2,
	.mmap = v4l2_m2m_fop_mmap,
};

/* ---- module ------------------------------------------------------------- */

static void vdec_m2m_remove(struct vdec_m2m_dev *vd)
{
	if (video_is_registered(&vd->vfd))
		video_unregister_device(&vd->vfd);
	if (!IS_ERR_OR_NULL(vd->m2m_dev))
		v4l2_m2m_release(vd->m2m_dev);
	if (vd->v4l2_on)
		v4l2_device_unregister(&vd->v4l2_dev);
	flush_work(&vd->work);
	if (vd->master)
		vtee_unregister_master(&vd->pdev->dev);
	if (!IS_ERR_OR_NULL(vd->pdev))
		platform_device_unregister(vd->pdev);
	mutex_destroy(&vd->lock);
}

static int __init vdec_m2m_init(void)
{
	struct platform_device_info pinfo = {
		.name = VDEC_M2M_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct vdec_m2m_dev *vd = &vdec_m2m;
	int ret;

	vdec_m2m_cap_ops.attach_dmabuf = vb2_dma_contig_memops.attach_dmabuf;
	vdec_m2m_cap_ops.detach_dmabuf = vb2_dma_contig_memops.detach_dmabuf;
	vdec_m2m_cap_ops.map_dmabuf = vb2_dma_contig_memops.map_dmabuf;
	vdec_m2m_cap_ops.unmap_dmabuf = vb2_dma_contig_memops.unmap_dmabuf;
	mutex_init(&vd->lock);
	INIT_WORK(&vd->work, vdec_m2m_work);
	vd->pdev = platform_device_register_full(&pinfo);
	if (IS_ERR(vd->pdev)) {
		ret = PTR_ERR(vd->pdev);
		goto err;
	}
	ret = vtee_register_master(&vd->pdev->dev, VTEE_STREAM_VDEC);
	if (ret)
		goto err;
	vd->master = true;

	/* named here: the platform device has no driver to be named after */
	strscpy(vd->v4l2_dev.name, VDEC_M2M_NAME, sizeof(vd->v4l2_dev.name));
	ret = v4l2_device_register(&vd->pdev->dev, &vd->v4l2_dev);
	if (ret)
		goto err;
	vd->v4l2_on = true;
	vd->m2m_dev = v4l2_m2m_init(&vdec_m2m_ops);
	if (IS_ERR(vd->m2m_dev)) {
		ret = PTR_ERR(vd->m2m_dev);
		goto err;
	}

	strscpy(vd->vfd.name, VDEC_M2M_NAME, sizeof(vd->vfd.name));
	vd->vfd.fops = &vdec_m2m_fops;
	vd->vfd.ioctl_ops = &vdec_m2m_ioctl_ops;
	vd->vfd.release = video_device_release_empty;
	vd->vfd.lock = &vd->lock;
	vd->vfd.v4l2_dev = &vd->v4l2_dev;
	vd->vfd.vfl_dir = VFL_DIR_M2M;
	vd->vfd.device_caps = V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING;
	video_set_drvdata(&vd->vfd, vd);
	ret = video_register_device(&vd->vfd, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err;
	dev_info(&vd->pdev->dev, "decoder at /dev/video%d\n", vd->vfd.num);
	return 0;

err:
	pr_err("vdec_m2m: %d\n", ret);
	vdec_m2m_remove(vd);
	return ret;
}
module_init(vdec_m2m_init);

static void __exit vdec_m2m_exit(void)
{
	vdec_m2m_remove(&vdec_m2m);
}
module_exit(vdec_m2m_exit);

MODULE_AUTHOR("protmem");
MODULE_DESCRIPTION("Emulated V4L2 stateful FWHT decoder behind the vtee firewall");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
