/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee for drivers of DMA masters: give a device its stream ID, and let an
 * emulated device move data by DMA address through the secure world's
 * firewall. The only vtee interface the drivers under devices/ use.
 *
 * A driver that calls these depends on vtee.ko, which cannot be unloaded
 * while such a driver is loaded; the vtee instance therefore outlives
 * every call made from a registered device.
 */
#ifndef VTEE_MASTER_H
#define VTEE_MASTER_H

#include <linux/types.h>

#include "msg.h"		/* VTEE_DMA_OP_* */
#include "secure/sw.h"		/* VTEE_STREAM_* */

struct device;

/**
 * struct vtee_dma_range - memory a device reads or writes
 * @addr:	DMA address of the first byte. This platform has no IOMMU:
 *		it is the physical address.
 * @len:	length in bytes
 */
struct vtee_dma_range {
	dma_addr_t addr;
	u64 len;
};

/**
 * struct vtee_dma_fwht_format - the frame a FWHT decode writes
 * @pixelformat:	V4L2 fourcc (NV12, YUV420, XBGR32, GREY)
 * @width:		visible width, as in the bitstream's header
 * @height:		visible height, as in the bitstream's header
 */
struct vtee_dma_fwht_format {
	u32 pixelformat;
	u32 width;
	u32 height;
};

int vtee_register_master(struct device *dev, u32 stream);
void vtee_unregister_master(struct device *dev);
int vtee_device_dma(struct device *dev, u32 op,
		    const struct vtee_dma_range *src,
		    const struct vtee_dma_range *dst, u32 frame, u64 *out);
int vtee_device_fwht_decode(struct device *dev,
			    const struct vtee_dma_range *src,
			    const struct vtee_dma_range *dst,
			    const struct vtee_dma_range *ref,
			    const struct vtee_dma_fwht_format *fmt, u64 *out);
int vtee_fwht_buffer_sizes(const struct vtee_dma_fwht_format *fmt,
			   size_t *frame, size_t *ref);
bool vtee_testing(void);

#endif /* VTEE_MASTER_H */
