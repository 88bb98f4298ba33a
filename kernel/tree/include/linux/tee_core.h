/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mainline (6.10 on) declares the interface between the TEE core and TEE
 * drivers in <linux/tee_core.h>; this 6.1 kernel keeps it in
 * <linux/tee_drv.h>, and protected memory in <linux/tee_protmem.h>. A
 * driver written for mainline includes this header and finds both.
 */
#ifndef __TEE_CORE_H
#define __TEE_CORE_H

#include <linux/dma-buf.h>
#include <linux/scatterlist.h>
#include <linux/tee_drv.h>
#include <linux/tee_protmem.h>

#endif /* __TEE_CORE_H */
