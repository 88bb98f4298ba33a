// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee: the DRM vgem device as a DMA master. vgem (built in) imports
 * PRIME buffers by attaching and mapping them with its platform device;
 * giving that device the stream ID VTEE_STREAM_VGEM lets the firewall
 * rules decide whether it may import protected buffers ("vgem" in the
 * firewall parameter). The default rules do not name it: import fails
 * with EPERM.
 */
#include <linux/device.h>
#include <linux/platform_device.h>

#include "vtee_master.h"
#include "vtee_private.h"

/**
 * vtee_vgem_register() - give vgem's device its stream ID, if vgem exists
 * @vtee:	the instance, its pools registered
 *
 * Keeps a reference on the device until vtee_vgem_unregister(). Without
 * vgem this does nothing.
 */
void vtee_vgem_register(struct vtee *vtee)
{
	struct device *dev;
	int ret;

	dev = bus_find_device_by_name(&platform_bus_type, NULL, "vgem");
	if (!dev)
		return;
	ret = vtee_register_master(dev, VTEE_STREAM_VGEM);
	if (ret) {
		dev_warn(vtee->dev, "vgem: no stream ID: %d\n", ret);
		put_device(dev);
		return;
	}
	vtee->vgem = dev;
}

/**
 * vtee_vgem_unregister() - undo vtee_vgem_register()
 * @vtee:	the instance
 */
void vtee_vgem_unregister(struct vtee *vtee)
{
	if (!vtee->vgem)
		return;
	vtee_unregister_master(vtee->vgem);
	put_device(vtee->vgem);
	vtee->vgem = NULL;
}
