// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee protected-memory pools: the carveout is split into one region per
 * use case, each region is announced to the secure world (which restricts
 * it to that use case) and managed by a generic TEE core pool whose
 * secure-side callbacks -- scrub, may this device attach -- become
 * messages to the secure world.
 *
 * Devices that may DMA into protected memory are known by a stream ID, as
 * an IOMMU or a memory firewall knows bus masters; drivers of emulated
 * devices register theirs with vtee_register_master().
 */
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tee_protmem.h>

#include "vtee_private.h"
#include "secure/sw.h"

/**
 * struct vtee_master - a device with a stream ID
 * @link:	in vtee.masters
 * @dev:	the device
 * @stream:	VTEE_STREAM_*
 */
struct vtee_master {
	struct list_head link;
	struct device *dev;
	u32 stream;
};

/* The instance vtee_register_master() talks to; set while vtee is loaded */
static struct vtee *vtee_masters_owner;
/* Protects vtee_masters_owner */
static DEFINE_MUTEX(vtee_masters_owner_lock);

static const char * const vtee_use_case_names[] = {
	[TEE_DMA_HEAP_SECURE_VIDEO_PLAY] = "secure-video",
	[TEE_DMA_HEAP_TRUSTED_UI] = "trusted-ui",
	[TEE_DMA_HEAP_SECURE_VIDEO_RECORD] = "secure-video-record",
};

static int vtee_pool_scrub(void *priv, phys_addr_t paddr, size_t size)
{
	struct vtee *vtee = priv;
	struct vtee_msg *msg;
	int ret;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->cmd = VTEE_MSG_SCRUB;
	msg->num_params = 1;
	msg->params[0].attr = VTEE_MSG_ATTR_MEMREF_INOUT;
	msg->params[0].u.memref.paddr = paddr;
	msg->params[0].u.memref.buf_size = size;
	msg->params[0].u.memref.size = size;
	msg->params[0].u.memref.protected = true;
	ret = vtee_sw_call(vtee->sw, msg);
	if (!ret && msg->ret != TEEC_SUCCESS)
		ret = -EIO;
	kfree(msg);
	return ret;
}

static int vtee_stream_of(struct vtee *vtee, struct device *dev, u32 *stream)
{
	struct vtee_master *m;
	int ret = -ENOENT;

	mutex_lock(&vtee->masters_lock);
	list_for_each_entry(m, &vtee->masters, link) {
		if (m->dev == dev) {
			*stream = m->stream;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&vtee->masters_lock);
	return ret;
}

static int vtee_pool_attach(void *priv, u32 use_case, struct device *dev)
{
	struct vtee *vtee = priv;
	struct vtee_msg *msg;
	u32 stream;
	int ret;

	/* A device without a stream ID cannot reach protected memory */
	if (vtee_stream_of(vtee, dev, &stream))
		return -EPERM;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->cmd = VTEE_MSG_CHECK_DEVICE;
	msg->num_params = 1;
	msg->params[0].attr = VTEE_MSG_ATTR_VALUE_INPUT;
	msg->params[0].u.value.a = stream;
	msg->params[0].u.value.b = use_case;
	msg->params[0].u.value.c = 0;	/* any access */
	ret = vtee_sw_call(vtee->sw, msg);
	if (!ret && msg->ret != TEEC_SUCCESS)
		ret = -EPERM;
	kfree(msg);
	return ret;
}

static ssize_t vtee_pool_show_allowed(void *priv, u32 use_case, char *buf)
{
	struct vtee *vtee = priv;

	return vtee_sw_show_allowed(vtee->sw, use_case, buf);
}

static const struct tee_protmem_backend_ops vtee_pool_ops = {
	.scrub = vtee_pool_scrub,
	.attach = vtee_pool_attach,
	.show_allowed = vtee_pool_show_allowed,
};

/* Tell the secure world that [base, base + size) belongs to a use case */
static int vtee_add_region(struct vtee *vtee, phys_addr_t base, size_t size,
			   u32 use_case)
{
	struct vtee_msg *msg;
	int ret;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->cmd = VTEE_MSG_ADD_REGION;
	msg->num_params = 1;
	msg->params[0].attr = VTEE_MSG_ATTR_VALUE_INPUT;
	msg->params[0].u.value.a = base;
	msg->params[0].u.value.b = size;
	msg->params[0].u.value.c = use_case;
	ret = vtee_sw_call(vtee->sw, msg);
	if (!ret && msg->ret != TEEC_SUCCESS)
		ret = -EINVAL;
	kfree(msg);
	return ret;
}

/*
 * Parse "secure-video=64M,trusted-ui=32M,secure-video-record=32M" into
 * sizes per use case. An empty string splits @total 1/2, 1/4, 1/4.
 */
static int vtee_parse_split(const char *split, size_t total,
			    size_t sizes[TEE_DMA_HEAP_COUNT + 1])
{
	char *s, *p, *tok, *val, *end;
	u32 uc;
	int ret = 0;

	memset(sizes, 0, sizeof(size_t) * (TEE_DMA_HEAP_COUNT + 1));
	if (!split || !*split) {
		sizes[TEE_DMA_HEAP_SECURE_VIDEO_PLAY] = ALIGN_DOWN(total / 2, SZ_1M);
		sizes[TEE_DMA_HEAP_TRUSTED_UI] = ALIGN_DOWN(total / 4, SZ_1M);
		sizes[TEE_DMA_HEAP_SECURE_VIDEO_RECORD] = ALIGN_DOWN(total / 4, SZ_1M);
		return 0;
	}

	s = kstrdup(split, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	p = s;
	while ((tok = strsep(&p, ",")) && !ret) {
		val = strchr(tok, '=');
		if (!val) {
			ret = -EINVAL;
			break;
		}
		*val++ = '\0';
		for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++)
			if (!strcmp(tok, vtee_use_case_names[uc]))
				break;
		if (uc > TEE_DMA_HEAP_COUNT || sizes[uc]) {
			ret = -EINVAL;
			break;
		}
		sizes[uc] = memparse(val, &end);
		if (*end || !sizes[uc] || !PAGE_ALIGNED(sizes[uc]))
			ret = -EINVAL;
	}
	kfree(s);
	return ret;
}

/**
 * vtee_pools_init() - split the carveout into per-use-case pools
 * @vtee:	the instance, with its secure world running
 * @base:	carveout start
 * @size:	carveout size
 * @split:	"use-case=SIZE,..." or "" for the default split
 * @allocator:	"pmx" or "genalloc"
 *
 * Registers a protected heap for every use case given a size. On error
 * the pools registered so far stay registered; the caller unregisters them
 * with tee_device_unregister_dma_heaps().
 *
 * Return: 0, or -EINVAL for a bad @split or @allocator or a split larger
 * than the carveout, -ENOMEM, or an error from the TEE core.
 */
int vtee_pools_init(struct vtee *vtee, phys_addr_t base, size_t size,
		    const char *split, const char *allocator)
{
	size_t sizes[TEE_DMA_HEAP_COUNT + 1];
	enum tee_protmem_allocator alloc;
	struct tee_protmem_pool *pool;
	phys_addr_t next = base;
	u32 uc;
	int ret;

	if (!strcmp(allocator, "pmx"))
		alloc = TEE_PROTMEM_ALLOC_PMX;
	else if (!strcmp(allocator, "genalloc"))
		alloc = TEE_PROTMEM_ALLOC_GENALLOC;
	else
		return -EINVAL;

	ret = vtee_parse_split(split, size, sizes);
	if (ret)
		return ret;
	for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++) {
		if (sizes[uc] > base + size - next)
			return -EINVAL;
		next += sizes[uc];
	}

	next = base;
	for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++) {
		if (!sizes[uc])
			continue;
		ret = vtee_add_region(vtee, next, sizes[uc], uc);
		if (ret)
			return ret;
		pool = tee_protmem_static_pool_alloc(next, sizes[uc], uc, alloc,
						     &vtee_pool_ops, vtee,
						     THIS_MODULE);
		if (IS_ERR(pool))
			return PTR_ERR(pool);
		ret = tee_device_register_dma_heap(vtee->teedev, pool);
		if (ret) {
			pool->ops->destroy_pool(pool);
			return ret;
		}
		dev_info(vtee->dev, "%s: %#zx bytes at %pa (%s)\n",
			 vtee_use_case_names[uc], sizes[uc], &next, allocator);
		next += sizes[uc];
	}

	mutex_lock(&vtee_masters_owner_lock);
	vtee_masters_owner = vtee;
	mutex_unlock(&vtee_masters_owner_lock);
	return 0;
}

/**
 * vtee_register_master() - give a DMA master its stream ID
 * @dev:	the device that will attach protected DMA-bufs
 * @stream:	its VTEE_STREAM_* ID, which the firewall rules name
 *
 * Context: process. Return: 0; -ENODEV if vtee has no pools; -EEXIST if
 * @dev already has a stream ID; -EINVAL for an unknown @stream; -ENOMEM.
 */
int vtee_register_master(struct device *dev, u32 stream)
{
	struct vtee_master *m, *old;
	struct vtee *vtee;
	int ret = 0;

	if (!stream || stream > VTEE_STREAM_MAX)
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->dev = dev;
	m->stream = stream;

	mutex_lock(&vtee_masters_owner_lock);
	vtee = vtee_masters_owner;
	if (!vtee) {
		ret = -ENODEV;
		goto out;
	}
	mutex_lock(&vtee->masters_lock);
	list_for_each_entry(old, &vtee->masters, link) {
		if (old->dev == dev) {
			ret = -EEXIST;
			break;
		}
	}
	if (!ret)
		list_add_tail(&m->link, &vtee->masters);
	mutex_unlock(&vtee->masters_lock);
out:
	mutex_unlock(&vtee_masters_owner_lock);
	if (ret)
		kfree(m);
	return ret;
}
EXPORT_SYMBOL_GPL(vtee_register_master);

/**
 * vtee_unregister_master() - forget a device's stream ID
 * @dev:	a device given to vtee_register_master()
 */
void vtee_unregister_master(struct device *dev)
{
	struct vtee_master *m, *tmp;
	struct vtee *vtee;

	mutex_lock(&vtee_masters_owner_lock);
	vtee = vtee_masters_owner;
	if (vtee) {
		mutex_lock(&vtee->masters_lock);
		list_for_each_entry_safe(m, tmp, &vtee->masters, link) {
			if (m->dev == dev) {
				list_del(&m->link);
				kfree(m);
			}
		}
		mutex_unlock(&vtee->masters_lock);
	}
	mutex_unlock(&vtee_masters_owner_lock);
}
EXPORT_SYMBOL_GPL(vtee_unregister_master);

/**
 * vtee_masters_clear() - forget every stream ID (vtee is going away)
 * @vtee:	the instance
 */
void vtee_masters_clear(struct vtee *vtee)
{
	struct vtee_master *m, *tmp;

	mutex_lock(&vtee_masters_owner_lock);
	if (vtee_masters_owner == vtee)
		vtee_masters_owner = NULL;
	mutex_unlock(&vtee_masters_owner_lock);

	mutex_lock(&vtee->masters_lock);
	list_for_each_entry_safe(m, tmp, &vtee->masters, link) {
		list_del(&m->link);
		kfree(m);
	}
	mutex_unlock(&vtee->masters_lock);
}
