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

/*
 * Pool calls into the secure world keep their message on the stack: they
 * run on free and scrub paths that must not fail for want of memory.
 */

/*
 * Send a command whose only parameter is a value to the secure world:
 * the buffer table's commands as fast calls, the others to the secure
 * thread. Return: 0 if it succeeded, @refused if the secure world said
 * no, or a negative errno if the call could not be made.
 */
static int vtee_value_call(struct vtee *vtee, u32 cmd, u64 a, u64 b, u64 c,
			   int refused)
{
	struct vtee_msg msg = {
		.cmd = cmd,
		.num_params = 1,
		.params[0] = {
			.attr = VTEE_MSG_ATTR_VALUE_INPUT,
			.u.value = { .a = a, .b = b, .c = c },
		},
	};
	int ret;

	if (cmd == VTEE_MSG_BUF_ADD || cmd == VTEE_MSG_BUF_DEL)
		ret = vtee_sw_fast_call(vtee->sw, &msg);
	else
		ret = vtee_sw_call(vtee->sw, &msg);
	if (!ret && msg.ret != TEEC_SUCCESS)
		ret = refused;
	return ret;
}

static int vtee_pool_scrub(void *priv, phys_addr_t paddr, size_t size)
{
	struct vtee *vtee = priv;
	struct vtee_msg msg = {
		.cmd = VTEE_MSG_SCRUB,
		.num_params = 1,
		.params[0] = {
			.attr = VTEE_MSG_ATTR_MEMREF_INOUT,
			.u.memref = {
				.paddr = paddr, .buf_size = size,
				.size = size, .protected = true,
			},
		},
	};
	int ret;

	/* On this CPU: scrubs from several CPUs run in parallel */
	ret = vtee_sw_local_call(vtee->sw, &msg);
	if (!ret && msg.ret != TEEC_SUCCESS)
		ret = -EIO;
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
	u32 stream;

	/* A device without a stream ID cannot reach protected memory */
	if (vtee_stream_of(vtee, dev, &stream))
		return -EPERM;
	/* Access 0: may the device access this use case's memory at all */
	return vtee_value_call(vtee, VTEE_MSG_CHECK_DEVICE, stream, use_case, 0,
			       -EPERM);
}

static int vtee_pool_lend(void *priv, u32 use_case, phys_addr_t paddr,
			  size_t size)
{
	return vtee_value_call(priv, VTEE_MSG_LEND, paddr, size, use_case,
			       -EINVAL);
}

static int vtee_pool_reclaim(void *priv, phys_addr_t paddr, size_t size)
{
	return vtee_value_call(priv, VTEE_MSG_RECLAIM, paddr, size, 0, -EINVAL);
}

/* The secure world serves protected memory a whole live buffer at a time */
static int vtee_pool_assign(void *priv, u32 use_case, phys_addr_t paddr,
			    size_t size)
{
	return vtee_value_call(priv, VTEE_MSG_BUF_ADD, paddr, size, use_case,
			       -EINVAL);
}

static int vtee_pool_release(void *priv, phys_addr_t paddr, size_t size)
{
	return vtee_value_call(priv, VTEE_MSG_BUF_DEL, paddr, size, 0, -EINVAL);
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
	.lend = vtee_pool_lend,
	.reclaim = vtee_pool_reclaim,
	.assign = vtee_pool_assign,
	.release = vtee_pool_release,
};

/* Tell the secure world that [base, base + size) belongs to a use case */
static int vtee_add_region(struct vtee *vtee, phys_addr_t base, size_t size,
			   u32 use_case)
{
	return vtee_value_call(vtee, VTEE_MSG_ADD_REGION, base, size, use_case,
			       -EINVAL);
}

/* Use case by name, 0 if unknown */
static u32 vtee_use_case(const char *name)
{
	u32 uc;

	for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++)
		if (!strcmp(name, vtee_use_case_names[uc]))
			return uc;
	return 0;
}

/*
 * Parse "trusted-ui,secure-video-record" into a mask of use cases (bit n
 * for use case n).
 */
static int vtee_parse_dynamic(const char *list, u32 *mask)
{
	char *s, *p, *tok;
	int ret = 0;
	u32 uc;

	*mask = 0;
	if (!list || !*list)
		return 0;
	s = kstrdup(list, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	p = s;
	while ((tok = strsep(&p, ",")) && !ret) {
		uc = vtee_use_case(tok);
		if (!uc || (*mask & BIT(uc)))
			ret = -EINVAL;
		*mask |= BIT(uc);
	}
	kfree(s);
	return ret;
}

/*
 * Parse "secure-video=64M,trusted-ui=32M,secure-video-record=32M" into
 * carveout sizes per use case. An empty string splits @total 1/2, 1/4, 1/4
 * among the use cases not in @dynamic (their share stays unused).
 */
static int vtee_parse_split(const char *split, size_t total, u32 dynamic,
			    size_t sizes[TEE_DMA_HEAP_COUNT + 1])
{
	static const unsigned int share[] = { 0, 2, 4, 4 };
	char *s, *p, *tok, *val, *end;
	u32 uc;
	int ret = 0;

	memset(sizes, 0, sizeof(size_t) * (TEE_DMA_HEAP_COUNT + 1));
	if (!split || !*split) {
		for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++)
			if (!(dynamic & BIT(uc)))
				sizes[uc] = ALIGN_DOWN(total / share[uc], SZ_1M);
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
		uc = vtee_use_case(tok);
		if (!uc || sizes[uc] || (dynamic & BIT(uc))) {
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

static int vtee_pool_register(struct vtee *vtee, u32 uc,
			      struct tee_protmem_pool *pool)
{
	int ret;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ret = tee_device_register_dma_heap(vtee->teedev, uc, pool);
	if (ret)
		pool->ops->destroy_pool(pool);
	return ret;
}

/**
 * vtee_pools_init() - create and register the protected pools
 * @vtee:	the instance, with its secure world running
 * @cfg:	what goes where
 *
 * Use cases named in @cfg->dynamic get memory lent from CMA on demand;
 * the others get a share of the carveout (when there is one). On error
 * the pools registered so far stay registered; the caller unregisters them
 * with tee_device_put_all_dma_heaps().
 *
 * Return: 0, or -EINVAL for a malformed parameter or a split larger than
 * the carveout, -ENOMEM, or an error from the TEE core.
 */
int vtee_pools_init(struct vtee *vtee, const struct vtee_pool_config *cfg)
{
	size_t sizes[TEE_DMA_HEAP_COUNT + 1];
	enum tee_protmem_allocator alloc;
	struct tee_protmem_pool *pool;
	phys_addr_t next = cfg->base;
	u32 uc, dynamic;
	int ret;

	if (!strcmp(cfg->allocator, "pmx"))
		alloc = TEE_PROTMEM_ALLOC_PMX;
	else if (!strcmp(cfg->allocator, "genalloc"))
		alloc = TEE_PROTMEM_ALLOC_GENALLOC;
	else
		return -EINVAL;

	ret = vtee_parse_dynamic(cfg->dynamic, &dynamic);
	if (ret)
		return ret;
	ret = vtee_parse_split(cfg->size ? cfg->split : "", cfg->size, dynamic,
			       sizes);
	if (ret)
		return ret;
	for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++) {
		if (sizes[uc] > cfg->base + cfg->size - next)
			return -EINVAL;
		next += sizes[uc];
	}

	next = cfg->base;
	for (uc = 1; uc <= TEE_DMA_HEAP_COUNT; uc++) {
		if (dynamic & BIT(uc)) {
			pool = tee_protmem_dynamic_pool_alloc(cfg->chunk,
							      cfg->dynamic_max,
							      uc, &vtee_pool_ops,
							      vtee, THIS_MODULE);
			if (PTR_ERR_OR_ZERO(pool) == -EOPNOTSUPP)
				dev_err(vtee->dev, "%s: the linear map cannot lose pages (arm64: boot with rodata=full)\n",
					vtee_use_case_names[uc]);
			ret = vtee_pool_register(vtee, uc, pool);
			if (ret)
				return ret;
			dev_info(vtee->dev, "%s: lent from CMA, up to %#zx bytes\n",
				 vtee_use_case_names[uc], cfg->dynamic_max);
			continue;
		}
		if (!sizes[uc])
			continue;
		ret = vtee_add_region(vtee, next, sizes[uc], uc);
		if (ret)
			return ret;
		pool = tee_protmem_carveout_pool_alloc(next, sizes[uc], uc,
						       alloc, &vtee_pool_ops,
						       vtee, THIS_MODULE);
		ret = vtee_pool_register(vtee, uc, pool);
		if (ret)
			return ret;
		dev_info(vtee->dev, "%s: %#zx bytes at %pa (%s)\n",
			 vtee_use_case_names[uc], sizes[uc], &next,
			 cfg->allocator);
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
 * Context: process.
 *
 * Return: 0; -ENODEV if vtee has no pools; -EEXIST if @dev already has a
 * stream ID; -EINVAL for an unknown @stream; -ENOMEM.
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
 * vtee_master_lookup() - the instance and stream ID of a registered device
 * @dev:	the device
 * @vtee:	out: the vtee instance
 * @stream:	out: its VTEE_STREAM_* ID
 *
 * Return: 0, or -ENODEV if vtee has no instance or @dev no stream ID.
 */
int vtee_master_lookup(struct device *dev, struct vtee **vtee, u32 *stream)
{
	int ret = -ENODEV;

	mutex_lock(&vtee_masters_owner_lock);
	if (vtee_masters_owner && !vtee_stream_of(vtee_masters_owner, dev,
						  stream)) {
		*vtee = vtee_masters_owner;
		ret = 0;
	}
	mutex_unlock(&vtee_masters_owner_lock);
	return ret;
}

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
