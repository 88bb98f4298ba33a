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

	ret = vtee_sw_call(vtee->sw, &msg);
	if (ret)
		return ret;
	*out = msg.params[3].u.value.a;
	switch (msg.ret) {
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
EXPORT_SYMBOL_GPL(vtee_device_dma);
