// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee: DMA for emulated devices. A registered device (vtee_master.h)
 * asks the secure world to run one operation on DMA addresses with the
 * device's stream ID; the secure world checks every range against its
 * regions and firewall (secure/sw_dma.c) and does the work. The caller
 * never maps the memory.
 */
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/module.h>

#include "secure/dma_fwht.h"
#include "vtee_master.h"
#include "vtee_private.h"

static void vtee_dma_param(struct vtee_msg_param *p,
			   const struct vtee_dma_range *r)
{
	if (!r)
		return;		/* VTEE_MSG_ATTR_NONE */
	p->attr = VTEE_MSG_ATTR_VALUE_INPUT;
	p->u.value.a = r->addr;
	p->u.value.b = r->len;
}

/* Run @msg; its TEEC result as an errno, *@out from param 3 */
static int vtee_dma_call(struct vtee *vtee, struct vtee_msg *msg, u64 *out)
{
	int ret;

	ret = vtee_sw_call(vtee->sw, msg);
	if (ret)
		return ret;
	*out = msg->params[3].u.value.a;
	switch (msg->ret) {
	case TEEC_SUCCESS:
		return 0;
	case TEEC_ERROR_ACCESS_DENIED:
		return -EACCES;
	case TEEC_ERROR_BAD_PARAMETERS:
		return -EINVAL;
	case TEEC_ERROR_BAD_FORMAT:
		return -EBADMSG;
	case TEEC_ERROR_SHORT_BUFFER:
		return -ENOSPC;
	case TEEC_ERROR_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/**
 * vtee_device_dma() - run one device operation through the firewall
 * @dev:	a device registered with vtee_register_master(); its stream
 *		ID is what the firewall checks
 * @op:		VTEE_DMA_OP_*
 * @src:	range the device reads (DECODE, ENCODE, CRC32), else NULL
 * @dst:	range the device writes (DECODE, ENCODE, PATTERN), else NULL
 * @frame:	frame counter, the seed of PATTERN
 * @out:	out: bytes written to @dst (bytes needed with -ENOSPC), or the
 *		CRC for CRC32
 *
 * Context: process; sleeps until the secure world has answered.
 *
 * Return: 0; -EACCES if the firewall refused (the secure world counted
 * and logged the violation); -EINVAL for a malformed request (unknown
 * @op, missing, overlapping or oversized ranges, memory without struct
 * pages); -EBADMSG for a malformed bitstream; -ENOSPC if the output does
 * not fit @dst; -ENODEV if @dev has no stream ID or vtee has no instance;
 * -ENOMEM; -ESHUTDOWN if the secure world stopped; -EIO otherwise.
 */
int vtee_device_dma(struct device *dev, u32 op,
		    const struct vtee_dma_range *src,
		    const struct vtee_dma_range *dst, u32 frame, u64 *out)
{
	struct vtee_msg msg = { .cmd = VTEE_MSG_DMA, .num_params = 4 };
	struct vtee *vtee;
	u32 stream;
	int ret;

	ret = vtee_master_lookup(dev, &vtee, &stream);
	if (ret)
		return ret;
	msg.params[0].attr = VTEE_MSG_ATTR_VALUE_INPUT;
	msg.params[0].u.value.a = stream;
	msg.params[0].u.value.b = op;
	vtee_dma_param(&msg.params[1], src);
	vtee_dma_param(&msg.params[2], dst);
	msg.params[3].attr = VTEE_MSG_ATTR_VALUE_INOUT;
	msg.params[3].u.value.a = frame;

	return vtee_dma_call(vtee, &msg, out);
}
EXPORT_SYMBOL_GPL(vtee_device_dma);

/**
 * vtee_device_fwht_decode() - decode one FWHT frame through the firewall
 * @dev:	a device registered with vtee_register_master()
 * @src:	the bitstream: struct fwht_cframe_hdr and its payload
 * @dst:	the frame buffer
 * @ref:	the reference buffer of this stream of frames (read and
 *		rewritten by the secure world; protected memory when the
 *		bitstream is); see secure/dma_fwht.h for its layout and size
 * @fmt:	the frame's format: fourcc and visible size, which the
 *		header must match
 * @out:	out: bytes of frame written (bytes needed with -ENOSPC); of
 *		a protected bitstream, the size of @dst's buffer (0 on error)
 *
 * Context: process; sleeps until the secure world has answered.
 *
 * Return: 0; -EBADMSG for a malformed bitstream or a header that does not
 * match @fmt; -EACCES if the firewall refused, or the frame would carry
 * protected content into normal memory (counted and logged); otherwise as
 * vtee_device_dma().
 */
int vtee_device_fwht_decode(struct device *dev,
			    const struct vtee_dma_range *src,
			    const struct vtee_dma_range *dst,
			    const struct vtee_dma_range *ref,
			    const struct vtee_dma_fwht_format *fmt, u64 *out)
{
	struct vtee_msg msg = { .cmd = VTEE_MSG_DMA, .num_params = 4 };
	struct vtee *vtee;
	u32 stream;
	int ret;

	ret = vtee_master_lookup(dev, &vtee, &stream);
	if (ret)
		return ret;
	msg.params[0].attr = VTEE_MSG_ATTR_VALUE_INPUT;
	msg.params[0].u.value.a = stream;
	msg.params[0].u.value.b = VTEE_DMA_OP_FWHT_DECODE;
	msg.params[0].u.value.c = fmt->pixelformat;
	vtee_dma_param(&msg.params[1], src);
	vtee_dma_param(&msg.params[2], dst);
	msg.params[3].attr = VTEE_MSG_ATTR_VALUE_INOUT;
	msg.params[3].u.value.a = ref->addr;
	msg.params[3].u.value.b = ref->len;
	msg.params[3].u.value.c = fmt->width | (u64)fmt->height << 32;
	return vtee_dma_call(vtee, &msg, out);
}
EXPORT_SYMBOL_GPL(vtee_device_fwht_decode);

/**
 * vtee_fwht_buffer_sizes() - sizes of a FWHT frame and of its reference
 * @fmt:	the frame's format
 * @frame:	out: bytes of a decoded frame (coded size, no padding)
 * @ref:	out: bytes of a reference buffer for such frames
 *
 * Return: 0, or -EINVAL for a format the secure world does not decode.
 */
int vtee_fwht_buffer_sizes(const struct vtee_dma_fwht_format *fmt,
			   size_t *frame, size_t *ref)
{
	struct vtee_dma_fwht_fmt f = {
		.pixelformat = fmt->pixelformat,
		.width = fmt->width,
		.height = fmt->height,
	};

	if (vtee_dma_fwht_frame_size(&f, frame))
		return -EINVAL;
	*ref = vtee_dma_fwht_ref_size(*frame);
	return 0;
}
EXPORT_SYMBOL_GPL(vtee_fwht_buffer_sizes);
