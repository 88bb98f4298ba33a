// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmedia - emulated media devices for protmem: a video decoder (vdec), a
 * display (vdisp), a camera (vcam) and a video encoder (venc).
 *
 * Each is a platform device with a 64-bit DMA mask, registered with vtee
 * under its stream ID, and a misc device (/dev/vdec, ...) with the uAPI
 * of <uapi/linux/vmedia.h>. A job imports its DMA-bufs the standard way
 * -- dma_buf_get(), dma_buf_attach() with the platform device,
 * dma_buf_map_attachment() -- and hands the DMA addresses to the secure
 * world (vtee_device_dma()), which checks them against its firewall with
 * the device's stream ID and does the device's work. No CPU mapping is
 * ever asked of the exporter.
 *
 * Errors: a bad fd is EBADF, an fd that is not a DMA-buf EINVAL; an
 * exporter that refuses the device (protected memory of a use case the
 * firewall does not allow the device at all) fails the attach with EPERM;
 * a firewall refusal of the access itself (writing memory the device may
 * only read, protected input with normal output, raw DMA into another use
 * case's memory) is EACCES. A buffer must be one DMA-contiguous range
 * (protected buffers always are; system-heap buffers are when the heap
 * gave one chunk, e.g. 64 KiB and 1 MiB multiples on an idle machine):
 * otherwise EINVAL. An input length of 0 or beyond the buffer is EINVAL;
 * an output that does not fit its buffer is ENOSPC.
 *
 * Protected buffers are read and written whole, whatever length the
 * caller gives (the secure world sees to it, docs/threat-model.md): a
 * protected bitstream is decoded up to its end mark (a count of 0, e.g.
 * the zeros of its scrubbed tail), a display scans a protected frame out
 * whole, and DECODE of a protected bitstream reports the size of the
 * frame buffer, not the decoded size (nothing with ENOSPC).
 *
 * Concurrency: a device runs one job at a time (vmedia_dev.lock); jobs of
 * different devices run in parallel up to the secure world, which handles
 * one message at a time.
 */
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <uapi/linux/vmedia.h>

#include "../vtee_master.h"

static_assert(VMEDIA_OP_DECODE == VTEE_DMA_OP_DECODE);
static_assert(VMEDIA_OP_ENCODE == VTEE_DMA_OP_ENCODE);
static_assert(VMEDIA_OP_PATTERN == VTEE_DMA_OP_PATTERN);
static_assert(VMEDIA_OP_CRC32 == VTEE_DMA_OP_CRC32);

/*
 * One uAPI layout on every ABI (no compat translation): 64-bit fields at
 * 8-byte offsets, sizes multiples of 8, no implicit padding.
 */
static_assert(sizeof(struct vmedia_codec) == 32);
static_assert(offsetof(struct vmedia_codec, in_len) == 8);
static_assert(offsetof(struct vmedia_codec, out_len) == 16);
static_assert(offsetof(struct vmedia_codec, reserved) == 28);
static_assert(sizeof(struct vmedia_capture) == 24);
static_assert(offsetof(struct vmedia_capture, len) == 8);
static_assert(offsetof(struct vmedia_capture, frame) == 16);
static_assert(sizeof(struct vmedia_scanout) == 32);
static_assert(offsetof(struct vmedia_scanout, len) == 8);
static_assert(offsetof(struct vmedia_scanout, crc) == 16);
static_assert(offsetof(struct vmedia_scanout, frame) == 24);
static_assert(sizeof(struct vmedia_raw_dma) == 48);
static_assert(offsetof(struct vmedia_raw_dma, src_addr) == 8);
static_assert(offsetof(struct vmedia_raw_dma, out) == 40);

/**
 * struct vmedia_info - what a device is
 * @name:	platform and misc device name
 * @stream:	VTEE_STREAM_*
 * @ioctl:	its job ioctl (VMEDIA_IOC_*); VMEDIA_IOC_RAW_DMA works on all
 */
struct vmedia_info {
	const char *name;
	u32 stream;
	unsigned int ioctl;
};

/**
 * struct vmedia_dev - one emulated device
 * @info:	what it is
 * @pdev:	the DMA master
 * @misc:	its /dev node
 * @lock:	serializes jobs on the device; protects @frame
 * @frame:	frame counter of CAPTURE (vcam) and SCANOUT (vdisp)
 * @master:	registered with vtee
 * @misc_on:	@misc registered
 */
struct vmedia_dev {
	const struct vmedia_info *info;
	struct platform_device *pdev;
	struct miscdevice misc;
	struct mutex lock;	/* serializes jobs; protects frame */
	u64 frame;
	bool master;
	bool misc_on;
};

/**
 * struct vmedia_buf - an imported DMA-buf, mapped for the device
 * @dmabuf:	the buffer (a reference)
 * @attach:	the device's attachment
 * @sgt:	its mapping
 * @dir:	direction it is mapped for
 * @range:	the single DMA-contiguous range the mapping covers
 */
struct vmedia_buf {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	struct vtee_dma_range range;
};

static const struct vmedia_info vmedia_infos[] = {
	{ "vdec", VTEE_STREAM_VDEC, VMEDIA_IOC_DECODE },
	{ "vdisp", VTEE_STREAM_VDISP, VMEDIA_IOC_SCANOUT },
	{ "vcam", VTEE_STREAM_VCAM, VMEDIA_IOC_CAPTURE },
	{ "venc", VTEE_STREAM_VENC, VMEDIA_IOC_ENCODE },
};

static struct vmedia_dev vmedia_devs[ARRAY_SIZE(vmedia_infos)];

/* The one DMA range a mapping covers; -EINVAL if it is scattered */
static int vmedia_sgt_range(struct sg_table *sgt, struct vtee_dma_range *r)
{
	struct scatterlist *sg;
	unsigned int i;

	r->addr = 0;
	r->len = 0;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (!sg_dma_len(sg))
			continue;
		if (r->len && sg_dma_address(sg) != r->addr + r->len)
			return -EINVAL;
		if (!r->len)
			r->addr = sg_dma_address(sg);
		r->len += sg_dma_len(sg);
	}
	return r->len ? 0 : -EINVAL;
}

static void vmedia_buf_put(struct vmedia_buf *b)
{
	dma_buf_unmap_attachment_unlocked(b->attach, b->sgt, b->dir);
	dma_buf_detach(b->dmabuf, b->attach);
	dma_buf_put(b->dmabuf);
}

/* Import DMA-buf @fd for the device, mapped for @dir */
static int vmedia_buf_get(struct vmedia_dev *vd, int fd,
			  enum dma_data_direction dir, struct vmedia_buf *b)
{
	struct device *dev = &vd->pdev->dev;
	int ret;

	b->dir = dir;
	b->dmabuf = dma_buf_get(fd);
	if (IS_ERR(b->dmabuf))
		return PTR_ERR(b->dmabuf);
	b->attach = dma_buf_attach(b->dmabuf, dev);
	if (IS_ERR(b->attach)) {
		ret = PTR_ERR(b->attach);
		goto err_put;
	}
	b->sgt = dma_buf_map_attachment_unlocked(b->attach, dir);
	if (IS_ERR(b->sgt)) {
		ret = PTR_ERR(b->sgt);
		goto err_detach;
	}
	ret = vmedia_sgt_range(b->sgt, &b->range);
	if (ret) {
		dev_dbg(dev, "DMA-buf is not one contiguous DMA range\n");
		goto err_unmap;
	}
	return 0;

err_unmap:
	dma_buf_unmap_attachment_unlocked(b->attach, b->sgt, dir);
err_detach:
	dma_buf_detach(b->dmabuf, b->attach);
err_put:
	dma_buf_put(b->dmabuf);
	return ret;
}

/* DECODE (vdec) and ENCODE (venc) */
static long vmedia_codec(struct vmedia_dev *vd, u32 op, void __user *uarg)
{
	struct vmedia_buf in, out;
	struct vtee_dma_range src;
	struct vmedia_codec c;
	u64 n = 0;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags || c.reserved || !c.in_len)
		return -EINVAL;

	ret = vmedia_buf_get(vd, c.in_fd, DMA_TO_DEVICE, &in);
	if (ret)
		return ret;
	ret = vmedia_buf_get(vd, c.out_fd, DMA_FROM_DEVICE, &out);
	if (ret)
		goto out_in;
	ret = -EINVAL;
	if (c.in_len > in.range.len)
		goto out_out;
	src.addr = in.range.addr;
	src.len = c.in_len;

	mutex_lock(&vd->lock);
	ret = vtee_device_dma(&vd->pdev->dev, op, &src, &out.range, 0, &n);
	mutex_unlock(&vd->lock);
	if (!ret || ret == -ENOSPC) {
		c.out_len = n;
		if (copy_to_user(uarg, &c, sizeof(c)))
			ret = -EFAULT;
	}
out_out:
	vmedia_buf_put(&out);
out_in:
	vmedia_buf_put(&in);
	return ret;
}

/* CAPTURE (vcam): a test frame seeded with the frame counter */
static long vmedia_capture(struct vmedia_dev *vd, void __user *uarg)
{
	struct vmedia_capture c;
	struct vtee_dma_range dst;
	struct vmedia_buf out;
	u64 n;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags || !c.len)
		return -EINVAL;
	ret = vmedia_buf_get(vd, c.out_fd, DMA_FROM_DEVICE, &out);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (c.len > out.range.len)
		goto out;
	dst.addr = out.range.addr;
	dst.len = c.len;

	mutex_lock(&vd->lock);
	ret = vtee_device_dma(&vd->pdev->dev, VTEE_DMA_OP_PATTERN, NULL, &dst,
			      (u32)vd->frame, &n);
	c.frame = vd->frame;
	if (!ret)
		vd->frame++;
	mutex_unlock(&vd->lock);
	if (!ret && copy_to_user(uarg, &c, sizeof(c)))
		ret = -EFAULT;
out:
	vmedia_buf_put(&out);
	return ret;
}

/* SCANOUT (vdisp): the CRC of a frame, as KMS CRCs */
static long vmedia_scanout(struct vmedia_dev *vd, void __user *uarg)
{
	struct vmedia_scanout s;
	struct vtee_dma_range src;
	struct vmedia_buf in;
	u64 crc;
	int ret;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.reserved || !s.len)
		return -EINVAL;
	ret = vmedia_buf_get(vd, s.in_fd, DMA_TO_DEVICE, &in);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (s.len > in.range.len)
		goto out;
	src.addr = in.range.addr;
	src.len = s.len;

	mutex_lock(&vd->lock);
	ret = vtee_device_dma(&vd->pdev->dev, VTEE_DMA_OP_CRC32, &src, NULL, 0,
			      &crc);
	s.frame = vd->frame;
	if (!ret)
		vd->frame++;
	mutex_unlock(&vd->lock);
	if (!ret) {
		s.crc = (u32)crc;
		if (copy_to_user(uarg, &s, sizeof(s)))
			ret = -EFAULT;
	}
out:
	vmedia_buf_put(&in);
	return ret;
}

/*
 * RAW_DMA: the compromised-driver model, any physical address. Test-only
 * (it reaches any normal memory, the kernel's included): it exists only
 * with CONFIG_VTEE_TESTING and vtee loaded with testing=1.
 */
static long vmedia_raw_dma(struct vmedia_dev *vd, void __user *uarg)
{
	struct vtee_dma_range src, dst;
	struct vmedia_raw_dma r;
	u64 out = 0;
	int ret;

	if (!IS_ENABLED(CONFIG_VTEE_TESTING) || !vtee_testing())
		return -ENOTTY;
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	src.addr = r.src_addr;
	src.len = r.src_len;
	dst.addr = r.dst_addr;
	dst.len = r.dst_len;

	mutex_lock(&vd->lock);
	ret = vtee_device_dma(&vd->pdev->dev, r.op, r.src_len ? &src : NULL,
			      r.dst_len ? &dst : NULL, r.frame, &out);
	mutex_unlock(&vd->lock);
	if (!ret || ret == -ENOSPC) {
		r.out = out;
		if (copy_to_user(uarg, &r, sizeof(r)))
			ret = -EFAULT;
	}
	return ret;
}

static long vmedia_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct vmedia_dev *vd = container_of(file->private_data,
					     struct vmedia_dev, misc);
	void __user *uarg = (void __user *)arg;

	if (cmd == VMEDIA_IOC_RAW_DMA)
		return vmedia_raw_dma(vd, uarg);
	if (cmd != vd->info->ioctl)
		return -ENOTTY;
	switch (cmd) {
	case VMEDIA_IOC_DECODE:
		return vmedia_codec(vd, VTEE_DMA_OP_DECODE, uarg);
	case VMEDIA_IOC_ENCODE:
		return vmedia_codec(vd, VTEE_DMA_OP_ENCODE, uarg);
	case VMEDIA_IOC_CAPTURE:
		return vmedia_capture(vd, uarg);
	case VMEDIA_IOC_SCANOUT:
		return vmedia_scanout(vd, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmedia_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmedia_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static void vmedia_dev_remove(struct vmedia_dev *vd)
{
	if (vd->misc_on)
		misc_deregister(&vd->misc);
	if (vd->master)
		vtee_unregister_master(&vd->pdev->dev);
	if (!IS_ERR_OR_NULL(vd->pdev))
		platform_device_unregister(vd->pdev);
	mutex_destroy(&vd->lock);
	memset(vd, 0, sizeof(*vd));
}

static int vmedia_dev_add(struct vmedia_dev *vd, const struct vmedia_info *info)
{
	struct platform_device_info pinfo = {
		.name = info->name,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	vd->info = info;
	mutex_init(&vd->lock);
	vd->pdev = platform_device_register_full(&pinfo);
	if (IS_ERR(vd->pdev)) {
		ret = PTR_ERR(vd->pdev);
		goto err;
	}
	ret = vtee_register_master(&vd->pdev->dev, info->stream);
	if (ret)
		goto err;
	vd->master = true;

	vd->misc.minor = MISC_DYNAMIC_MINOR;
	vd->misc.name = info->name;
	vd->misc.fops = &vmedia_fops;
	vd->misc.parent = &vd->pdev->dev;
	ret = misc_register(&vd->misc);
	if (ret)
		goto err;
	vd->misc_on = true;
	return 0;

err:
	pr_err("vmedia: %s: %d\n", info->name, ret);
	vmedia_dev_remove(vd);
	return ret;
}

static int __init vmedia_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vmedia_infos); i++) {
		ret = vmedia_dev_add(&vmedia_devs[i], &vmedia_infos[i]);
		if (ret)
			goto err;
	}
	return 0;

err:
	while (i--)
		vmedia_dev_remove(&vmedia_devs[i]);
	return ret;
}
module_init(vmedia_init);

static void __exit vmedia_exit(void)
{
	unsigned int i = ARRAY_SIZE(vmedia_devs);

	while (i--)
		vmedia_dev_remove(&vmedia_devs[i]);
}
module_exit(vmedia_exit);

MODULE_AUTHOR("protmem");
MODULE_DESCRIPTION("Emulated media devices (vdec, vdisp, vcam, venc) behind the vtee firewall");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
