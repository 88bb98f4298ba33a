// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdec_m2m - the emulated video decoder of vmedia as a V4L2 mem2mem
 * device, so that a standard V4L2 client decodes protected bitstreams:
 * REQBUFS/QBUF/DQBUF/STREAMON with DMA-buf fds (V4L2_MEMORY_DMABUF only).
 *
 * OUTPUT queue: V4L2_PIX_FMT_VTEE_RLE ('PRLE'), one plane, a run-length
 * bitstream of (count, byte) pairs, bytesused = its length. CAPTURE queue:
 * V4L2_PIX_FMT_GREY, one plane, the size set by S_FMT; bytesused of a
 * decoded buffer is the decoded length.
 *
 * Protected buffers are read and written whole (docs/threat-model.md): a
 * protected bitstream is decoded up to its end mark (a count of 0, e.g.
 * the zeros of its scrubbed tail) whatever bytesused says, the frame
 * buffer is zero-filled past the picture, and bytesused of a frame
 * decoded from a protected bitstream is the plane's size: nothing the
 * normal world sees depends on a part of the bitstream it chose.
 *
 * Buffers are imported by videobuf2-dma-contig (dma_buf_attach() with the
 * platform device, which is registered with vtee as VTEE_STREAM_VDEC):
 * an exporter that refuses the device fails QBUF with its error (EPERM
 * for protected memory of a use case the decoder may not touch). A job
 * hands the two DMA addresses to the secure world (vtee_device_dma(),
 * VTEE_DMA_OP_DECODE); the CPU never maps a buffer. A job the secure
 * world refuses (firewall, malformed bitstream, frame too large) returns
 * both buffers with V4L2_BUF_FLAG_ERROR.
 *
 * Jobs run in a work item, one at a time (the mem2mem framework
 * schedules them); the secure world call sleeps.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <media/v4l2-device.h>
#include <media/v4l2-ioctl.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-dma-contig.h>

#include "../vtee_master.h"

#define VDEC_M2M_NAME		"vdec-m2m"
/* Run-length bitstream of (count, byte) pairs (vtee's decoder format) */
#define V4L2_PIX_FMT_VTEE_RLE	v4l2_fourcc('P', 'R', 'L', 'E')
#define VDEC_M2M_DEF_W		256
#define VDEC_M2M_DEF_H		256
#define VDEC_M2M_MAX_W		4096
#define VDEC_M2M_MAX_H		4096
#define VDEC_M2M_MIN_BS		4096

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
 * struct vdec_m2m_ctx - one open file
 * @fh:		V4L2 file handle (with the m2m context)
 * @dev:	the device
 * @out_fmt:	OUTPUT (bitstream) format
 * @cap_fmt:	CAPTURE (frame) format
 * @sequence:	frame sequence number
 */
struct vdec_m2m_ctx {
	struct v4l2_fh fh;
	struct vdec_m2m_dev *dev;
	struct v4l2_pix_format out_fmt;
	struct v4l2_pix_format cap_fmt;
	u32 sequence;
};

static struct vdec_m2m_dev vdec_m2m;

static struct vdec_m2m_ctx *file2ctx(struct file *file)
{
	return container_of(file->private_data, struct vdec_m2m_ctx, fh);
}

/* ---- formats ------------------------------------------------------------ */

static void vdec_m2m_fix_fmt(struct v4l2_pix_format *f, bool capture)
{
	f->width = clamp_t(u32, f->width, 1, VDEC_M2M_MAX_W);
	f->height = clamp_t(u32, f->height, 1, VDEC_M2M_MAX_H);
	f->field = V4L2_FIELD_NONE;
	f->colorspace = V4L2_COLORSPACE_RAW;
	f->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	f->quantization = V4L2_QUANTIZATION_DEFAULT;
	f->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	f->flags = 0;
	if (capture) {
		f->pixelformat = V4L2_PIX_FMT_GREY;
		f->bytesperline = f->width;
		f->sizeimage = f->width * f->height;
	} else {
		f->pixelformat = V4L2_PIX_FMT_VTEE_RLE;
		f->bytesperline = 0;
		/* worst case: a pair per two bytes of frame */
		if (!f->sizeimage)
			f->sizeimage = f->width * f->height;
		f->sizeimage = clamp_t(u32, PAGE_ALIGN(f->sizeimage),
				       VDEC_M2M_MIN_BS,
				       VDEC_M2M_MAX_W * VDEC_M2M_MAX_H);
	}
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
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_GREY;
	return 0;
}

static int vdec_m2m_enum_fmt_out(struct file *file, void *priv,
				 struct v4l2_fmtdesc *f)
{
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_VTEE_RLE;
	f->flags = V4L2_FMT_FLAG_COMPRESSED;
	strscpy(f->description, "vtee run-length", sizeof(f->description));
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
	vdec_m2m_fix_fmt(&f->fmt.pix, true);
	return 0;
}

static int vdec_m2m_try_fmt_out(struct file *file, void *priv,
				struct v4l2_format *f)
{
	vdec_m2m_fix_fmt(&f->fmt.pix, false);
	return 0;
}

static int vdec_m2m_s_fmt(struct file *file, struct v4l2_format *f,
			  bool capture)
{
	struct vdec_m2m_ctx *ctx = file2ctx(file);
	struct vb2_queue *vq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx, f->type);

	if (!vq)
		return -EINVAL;
	if (vb2_is_busy(vq))
		return -EBUSY;
	vdec_m2m_fix_fmt(&f->fmt.pix, capture);
	if (capture)
		ctx->cap_fmt = f->fmt.pix;
	else
		ctx->out_fmt = f->fmt.pix;
	return 0;
}

static int vdec_m2m_s_fmt_cap(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	return vdec_m2m_s_fmt(file, f, true);
}

static int vdec_m2m_s_fmt_out(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	return vdec_m2m_s_fmt(file, f, false);
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
	.vidioc_streamon = v4l2_m2m_ioctl_streamon,
	.vidioc_streamoff = v4l2_m2m_ioctl_streamoff,
};

/* ---- queues ------------------------------------------------------------- */

static int vdec_m2m_queue_setup(struct vb2_queue *vq, unsigned int *nbuffers,
				unsigned int *nplanes, unsigned int sizes[],
				struct device *alloc_devs[])
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(vq);
	unsigned int size = V4L2_TYPE_IS_OUTPUT(vq->type) ?
			    ctx->out_fmt.sizeimage : ctx->cap_fmt.sizeimage;

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
		/* (count, byte) pairs: a non-empty, even length */
		if (!payload || payload % 2)
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

	v4l2_m2m_buf_queue(ctx->fh.m2m_ctx, to_vb2_v4l2_buffer(vb));
}

static int vdec_m2m_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(q);

	if (V4L2_TYPE_IS_OUTPUT(q->type))
		ctx->sequence = 0;
	return 0;
}

static void vdec_m2m_stop_streaming(struct vb2_queue *q)
{
	struct vdec_m2m_ctx *ctx = vb2_get_drv_priv(q);
	struct vb2_v4l2_buffer *vbuf;

	for (;;) {
		if (V4L2_TYPE_IS_OUTPUT(q->type))
			vbuf = v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
		else
			vbuf = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);
		if (!vbuf)
			return;
		v4l2_m2m_buf_done(vbuf, VB2_BUF_STATE_ERROR);
	}
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
	dst_vq->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	for (i = 0; i < ARRAY_SIZE(qs); i++) {
		/* DMABUF only: protected buffers cannot be mapped anyway */
		qs[i]->io_modes = VB2_DMABUF;
		qs[i]->drv_priv = ctx;
		qs[i]->buf_struct_size = sizeof(struct v4l2_m2m_buffer);
		qs[i]->ops = &vdec_m2m_qops;
		qs[i]->mem_ops = &vb2_dma_contig_memops;
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

static void vdec_m2m_work(struct work_struct *work)
{
	struct vdec_m2m_dev *vd = container_of(work, struct vdec_m2m_dev,
					       work);
	struct vdec_m2m_ctx *ctx = vd->run_ctx;
	struct vb2_v4l2_buffer *src, *dst;
	struct vtee_dma_range s, d;
	enum vb2_buffer_state state;
	u64 n = 0;
	int ret;

	src = v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
	dst = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);
	if (WARN_ON(!src || !dst))
		goto out;

	s.addr = vb2_dma_contig_plane_dma_addr(&src->vb2_buf, 0);
	s.len = vb2_get_plane_payload(&src->vb2_buf, 0);
	d.addr = vb2_dma_contig_plane_dma_addr(&dst->vb2_buf, 0);
	d.len = vb2_plane_size(&dst->vb2_buf, 0);
	ret = vtee_device_dma(&vd->pdev->dev, VTEE_DMA_OP_DECODE, &s, &d, 0,
			      &n);
	if (ret)
		dev_dbg(&vd->pdev->dev, "decode: %d\n", ret);
	/* A protected frame is written whole: never more than the plane */
	vb2_set_plane_payload(&dst->vb2_buf, 0, ret ? 0 : min_t(u64, n, d.len));
	src->sequence = ctx->sequence;
	dst->sequence = ctx->sequence++;
	v4l2_m2m_buf_copy_metadata(src, dst, true);
	state = ret ? VB2_BUF_STATE_ERROR : VB2_BUF_STATE_DONE;
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
	ctx->cap_fmt.width = VDEC_M2M_DEF_W;
	ctx->cap_fmt.height = VDEC_M2M_DEF_H;
	vdec_m2m_fix_fmt(&ctx->cap_fmt, true);
	ctx->out_fmt = ctx->cap_fmt;
	ctx->out_fmt.sizeimage = 0;
	vdec_m2m_fix_fmt(&ctx->out_fmt, false);

	ctx->fh.m2m_ctx = v4l2_m2m_ctx_init(vd->m2m_dev, ctx,
					    vdec_m2m_queue_init);
	if (IS_ERR(ctx->fh.m2m_ctx)) {
		ret = PTR_ERR(ctx->fh.m2m_ctx);
		v4l2_fh_exit(&ctx->fh);
		kfree(ctx);
		goto out;
	}
	v4l2_fh_add(&ctx->fh);
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
	kfree(ctx);
	return 0;
}

static const struct v4l2_file_operations vdec_m2m_fops = {
	.owner = THIS_MODULE,
	.open = vdec_m2m_open,
	.release = vdec_m2m_release,
	.poll = v4l2_m2m_fop_poll,
	.unlocked_ioctl = video_ioctl2,
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
MODULE_DESCRIPTION("Emulated V4L2 mem2mem video decoder behind the vtee firewall");
MODULE_LICENSE("GPL");
