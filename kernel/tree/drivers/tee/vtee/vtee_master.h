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

int vtee_register_master(struct device *dev, u32 stream);
void vtee_unregister_master(struct device *dev);
int vtee_device_dma(struct device *dev, u32 op,
		    const struct vtee_dma_range *src,
		    const struct vtee_dma_range *dst, u32 frame, u64 *out);
bool vtee_testing(void);

#endif /* VTEE_MASTER_H */
