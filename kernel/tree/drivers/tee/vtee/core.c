// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee - a virtual TEE for protmem.
 *
 * The normal-world half of a TEE whose secure world is emulated in the
 * kernel (secure/), so that protected memory can be built and tested on
 * machines without TrustZone. This file is the driver's lifecycle: claim
 * the carveout, boot the secure world, register the TEE device and the
 * protected pools, and undo all of it on unload.
 *
 * Where the carveout comes from: on a machine with a device tree (arm64),
 * the "linux,vtee" node's memory-region phandle names a no-map
 * reserved-memory node (Documentation/devicetree/bindings/firmware/
 * linux,vtee.yaml), and vtee binds to the platform device the node
 * created. Without one (x86), vtee makes its own platform device and the
 * carveout=SIZE@BASE parameter names memory the command line reserved
 * (memmap=).
 *
 * Unloading: every protected buffer pins this module, and so does every
 * TEE context (an open /dev/teeN, or shared memory that outlives its file
 * descriptor), so "rmmod vtee" fails -- the module is in use -- while any
 * exists, instead of waiting for it.
 */
#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tee_drv.h>
#include <linux/tee_protmem.h>

#include "vtee_private.h"
#include "secure/sw.h"

#define VTEE_VERSION_MAJOR	1
#define VTEE_VERSION_MINOR	0

static char *carveout;
module_param(carveout, charp, 0444);
MODULE_PARM_DESC(carveout, "protected carveout as SIZE@BASE (reserved with memmap=SIZE$BASE), without a device tree node");

static char *split = "";
module_param(split, charp, 0444);
MODULE_PARM_DESC(split, "carveout per use case, e.g. secure-video=64M,trusted-ui=32M (default 1/2,1/4,1/4)");

static char *allocator = "pmx";
module_param(allocator, charp, 0444);
MODULE_PARM_DESC(allocator, "carveout allocator: pmx or genalloc");

static char *dynamic = "";
module_param(dynamic, charp, 0444);
MODULE_PARM_DESC(dynamic, "use cases lent from CMA on demand, e.g. trusted-ui,secure-video-record");

static unsigned long chunk = SZ_4M;
module_param(chunk, ulong, 0444);
MODULE_PARM_DESC(chunk, "bytes lent to the secure world at a time (dynamic pools)");

static unsigned long dynamic_max = SZ_64M;
module_param(dynamic_max, ulong, 0444);
MODULE_PARM_DESC(dynamic_max, "most bytes lent at once per dynamic pool");

static char *firewall;
module_param(firewall, charp, 0444);
MODULE_PARM_DESC(firewall, "device rules, e.g. secure-video=vdec:rw,vdisp:r;trusted-ui=vdisp:r");

#if IS_ENABLED(CONFIG_VTEE_TESTING)
static bool testing;
module_param(testing, bool, 0444);
MODULE_PARM_DESC(testing, "serve test-only services that leak protected memory (taints the kernel)");
#else
static const bool testing;
#endif

/* Ours when there is no device tree node; NULL otherwise */
static struct platform_device *vtee_pdev;

static const struct of_device_id vtee_of_match[] = {
	{ .compatible = "linux,vtee" },
	{ }
};
MODULE_DEVICE_TABLE(of, vtee_of_match);

/**
 * vtee_testing() - are vtee's test-only services on
 *
 * They are built with CONFIG_VTEE_TESTING and turned on by loading vtee
 * with testing=1. Drivers of emulated devices ask before serving their
 * own test-only ioctls.
 *
 * Return: true if they are.
 */
bool vtee_testing(void)
{
	return testing;
}
EXPORT_SYMBOL_GPL(vtee_testing);

static void vtee_get_version(struct tee_device *teedev,
			     struct tee_ioctl_version_data *vers)
{
	vers->impl_id = TEE_IMPL_ID_VTEE;
	vers->impl_caps = VTEE_VERSION_MAJOR << 16 | VTEE_VERSION_MINOR;
	vers->gen_caps = TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM |
			 TEE_GEN_CAP_MEMREF_NULL | TEE_GEN_CAP_PROTMEM;
}

static int vtee_open(struct tee_context *ctx)
{
	/* Never reused, so a stale session id cannot reach another client */
	static atomic64_t vtee_clients = ATOMIC64_INIT(0);
	struct vtee_context *vctx;

	/* Dropped when the context goes, after its last shared memory */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	vctx = kzalloc(sizeof(*vctx), GFP_KERNEL);
	if (!vctx) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	vctx->client = atomic64_inc_return(&vtee_clients);
	/* As advertised (TEE_GEN_CAP_MEMREF_NULL): the TAs answer size queries */
	ctx->cap_memref_null = true;
	mutex_init(&vctx->lock);
	INIT_LIST_HEAD(&vctx->sessions);
	ctx->data = vctx;
	return 0;
}

static void vtee_release(struct tee_context *ctx)
{
	struct vtee_context *vctx = ctx->data;

	vtee_close_all_sessions(ctx);
	mutex_destroy(&vctx->lock);
	kfree(vctx);
	ctx->data = NULL;
	/*
	 * Safe although this function still runs: module removal waits in
	 * tee_device_unregister() for the device reference the core drops
	 * after we return.
	 */
	module_put(THIS_MODULE);
}

static const struct tee_driver_ops vtee_ops = {
	.get_version = vtee_get_version,
	.open = vtee_open,
	.release = vtee_release,
	.open_session = vtee_open_session,
	.close_session = vtee_close_session,
	.invoke_func = vtee_invoke_func,
	.cancel_req = vtee_cancel_req,
	.shm_register = vtee_shm_register,
	.shm_unregister = vtee_shm_unregister,
};

static const struct tee_desc vtee_desc = {
	.name = "vtee-clnt",
	.ops = &vtee_ops,
	.owner = THIS_MODULE,
};

/*
 * TEE_IOC_SHM_ALLOC memory: zeroed kernel pages, one block of the page
 * allocator. -EINVAL for 0 bytes (get_order(0) is undefined), -ENOMEM
 * for more than one block can hold or when none is free; the page
 * allocator is asked not to warn, a user's size is no kernel problem.
 */
static int vtee_shm_pool_alloc(struct tee_shm_pool *pool, struct tee_shm *shm,
			       size_t size, size_t align)
{
	unsigned int order;
	struct page *page;

	if (!size)
		return -EINVAL;
	if (size > PAGE_SIZE << (MAX_ORDER - 1))
		return -ENOMEM;
	order = get_order(size);
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order);
	if (!page)
		return -ENOMEM;
	shm->kaddr = page_address(page);
	shm->paddr = page_to_phys(page);
	shm->size = PAGE_SIZE << order;
	return 0;
}

static void vtee_shm_pool_free(struct tee_shm_pool *pool, struct tee_shm *shm)
{
	free_pages((unsigned long)shm->kaddr, get_order(shm->size));
	shm->kaddr = NULL;
}

static void vtee_shm_pool_destroy(struct tee_shm_pool *pool)
{
	kfree(pool);
}

static const struct tee_shm_pool_ops vtee_shm_pool_ops = {
	.alloc = vtee_shm_pool_alloc,
	.free = vtee_shm_pool_free,
	.destroy_pool = vtee_shm_pool_destroy,
};

static int vtee_parse_carveout(const char *s, phys_addr_t *base, size_t *size)
{
	char *end;

	*size = memparse(s, &end);
	if (*end != '@')
		return -EINVAL;
	*base = memparse(end + 1, &end);
	if (*end || !*size || !PAGE_ALIGNED(*base) || !PAGE_ALIGNED(*size) ||
	    *base + *size < *base)
		return -EINVAL;
	return 0;
}

/*
 * The carveout the device tree gives @dev: the reserved-memory node its
 * memory-region phandle names. It must be no-map, so that the kernel's
 * linear map never covers it, and page aligned.
 */
static int vtee_dt_carveout(struct device *dev, phys_addr_t *base, size_t *size)
{
	struct reserved_mem *rmem;
	struct device_node *np;
	bool nomap;

	np = of_parse_phandle(dev->of_node, "memory-region", 0);
	if (!np) {
		dev_err(dev, "no memory-region: the carveout is missing\n");
		return -EINVAL;
	}
	rmem = of_reserved_mem_lookup(np);
	nomap = of_property_read_bool(np, "no-map");
	of_node_put(np);
	if (!rmem) {
		dev_err(dev, "memory-region is not a reserved-memory region\n");
		return -EINVAL;
	}
	if (!nomap) {
		dev_err(dev, "memory-region must be no-map: the linear map covers it\n");
		return -EINVAL;
	}
	if (!rmem->size || !PAGE_ALIGNED(rmem->base) || !PAGE_ALIGNED(rmem->size)) {
		dev_err(dev, "memory-region %pa+%pa is not page aligned\n",
			&rmem->base, &rmem->size);
		return -EINVAL;
	}
	*base = rmem->base;
	*size = rmem->size;
	return 0;
}

static ssize_t violations_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct vtee *vtee = dev_get_drvdata(dev);
	struct vtee_sw_stats st;

	vtee_sw_get_stats(vtee->sw, &st);
	return sysfs_emit(buf, "secure-video %llu\ntrusted-ui %llu\nsecure-video-record %llu\n",
			  st.violations[1], st.violations[2], st.violations[3]);
}
static DEVICE_ATTR_RO(violations);

static ssize_t scrubbed_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct vtee *vtee = dev_get_drvdata(dev);
	struct vtee_sw_stats st;

	vtee_sw_get_stats(vtee->sw, &st);
	return sysfs_emit(buf, "%llu\n", st.scrubbed);
}

/* Root only: how much was freed tells others' protected memory use */
static DEVICE_ATTR_ADMIN_RO(scrubbed_bytes);

/*
 * Sessions open now: of normal-world clients, and opened by TAs to other
 * TAs (which close with the session that opened them). Root only, as
 * scrubbed_bytes: it tells others' use of the TEE.
 */
static ssize_t sessions_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct vtee *vtee = dev_get_drvdata(dev);
	struct vtee_sw_stats st;

	vtee_sw_get_stats(vtee->sw, &st);
	return sysfs_emit(buf, "clients %llu\nta %llu\n", st.sessions,
			  st.ta_sessions);
}
static DEVICE_ATTR_ADMIN_RO(sessions);

/*
 * How fast the secure world clears a page with each primitive, measured
 * when it started, and the one it scrubs with (the fastest).
 */
static ssize_t scrub_speed_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct vtee *vtee = dev_get_drvdata(dev);
	struct vtee_sw_stats st;
	int i, n = 0;

	vtee_sw_get_stats(vtee->sw, &st);
	for (i = 0; i < VTEE_SW_CLEAR_NR; i++)
		n += sysfs_emit_at(buf, n, "%s %llu\n", vtee_sw_clear_names[i],
				   st.clear_mibs[i]);
	n += sysfs_emit_at(buf, n, "used %s\n",
			   vtee_sw_clear_names[st.clear]);
	return n;
}
static DEVICE_ATTR_RO(scrub_speed);

static struct attribute *vtee_attrs[] = {
	&dev_attr_violations.attr,
	&dev_attr_scrubbed_bytes.attr,
	&dev_attr_scrub_speed.attr,
	&dev_attr_sessions.attr,
	NULL
};
ATTRIBUTE_GROUPS(vtee);

static int vtee_probe(struct platform_device *pdev)
{
	struct vtee_pool_config pcfg = {
		.split = split, .allocator = allocator, .dynamic = dynamic,
		.chunk = chunk, .dynamic_max = dynamic_max,
	};
	struct vtee_sw_config cfg = { .firewall = firewall, .testing = testing };
	struct device *dev = &pdev->dev;
	struct vtee *vtee;
	int ret;

	vtee = devm_kzalloc(dev, sizeof(*vtee), GFP_KERNEL);
	if (!vtee)
		return -ENOMEM;
	vtee->dev = dev;
	mutex_init(&vtee->masters_lock);
	INIT_LIST_HEAD(&vtee->masters);
	platform_set_drvdata(pdev, vtee);

	if (dev->of_node) {
		/* One description of the carveout, not two that may disagree */
		if (carveout && *carveout) {
			dev_err(dev, "carveout= is for machines without a device tree node\n");
			return -EINVAL;
		}
		ret = vtee_dt_carveout(dev, &cfg.carveout_base,
				       &cfg.carveout_size);
		if (ret)
			return ret;
	} else if (carveout && *carveout) {
		ret = vtee_parse_carveout(carveout, &cfg.carveout_base,
					  &cfg.carveout_size);
		if (ret) {
			dev_err(dev, "carveout=%s: expected SIZE@BASE, page aligned\n",
				carveout);
			return ret;
		}
	}
	if (cfg.carveout_size) {
		/* Exclusive: /dev/mem may not touch it (IO_STRICT_DEVMEM) */
		vtee->carveout = request_mem_region_exclusive(cfg.carveout_base,
							      cfg.carveout_size,
							      "vtee protected carveout");
		if (!vtee->carveout) {
			dev_err(dev, "carveout %pa+%#zx is not free to claim\n",
				&cfg.carveout_base, cfg.carveout_size);
			return -EBUSY;
		}
	}

	if (testing) {
		dev_warn(dev, "*** test-only services on: protected memory can be read back; never in a product ***\n");
		add_taint(TAINT_TEST, LOCKDEP_STILL_OK);
	}
	vtee->sw = vtee_sw_start(&cfg);
	if (IS_ERR(vtee->sw)) {
		ret = PTR_ERR(vtee->sw);
		dev_err(dev, "secure world did not start: %d\n", ret);
		goto err_release;
	}

	ret = -ENOMEM;
	vtee->shm_pool = kzalloc(sizeof(*vtee->shm_pool), GFP_KERNEL);
	if (!vtee->shm_pool)
		goto err_sw;
	vtee->shm_pool->ops = &vtee_shm_pool_ops;

	vtee->teedev = tee_device_alloc(&vtee_desc, dev, vtee->shm_pool, vtee);
	if (IS_ERR(vtee->teedev)) {
		ret = PTR_ERR(vtee->teedev);
		kfree(vtee->shm_pool);
		goto err_sw;
	}
	ret = tee_device_register(vtee->teedev);
	if (ret)
		goto err_teedev;

	pcfg.base = cfg.carveout_base;
	pcfg.size = cfg.carveout_size;
	ret = vtee_pools_init(vtee, &pcfg);
	if (ret) {
		dev_err(dev, "protected pools: %d\n", ret);
		goto err_heaps;
	}
	vtee_vgem_register(vtee);
	return 0;

err_heaps:
	tee_device_put_all_dma_heaps(vtee->teedev);
err_teedev:
	tee_device_unregister(vtee->teedev);
	tee_shm_pool_free(vtee->shm_pool);
err_sw:
	vtee_sw_stop(vtee->sw);
err_release:
	if (vtee->carveout)
		release_mem_region(cfg.carveout_base, cfg.carveout_size);
	return ret;
}

static int vtee_remove(struct platform_device *pdev)
{
	struct vtee *vtee = platform_get_drvdata(pdev);

	vtee_vgem_unregister(vtee);
	vtee_masters_clear(vtee);
	/* No buffer is left (each pins the module): pools go now */
	tee_device_put_all_dma_heaps(vtee->teedev);
	tee_device_unregister(vtee->teedev);
	tee_shm_pool_free(vtee->shm_pool);
	vtee_sw_stop(vtee->sw);
	if (vtee->carveout)
		release_mem_region(vtee->carveout->start,
				   resource_size(vtee->carveout));
	return 0;
}

static struct platform_driver vtee_driver = {
	.probe = vtee_probe,
	.remove = vtee_remove,
	.driver = {
		.name = "vtee",
		.of_match_table = vtee_of_match,
		.dev_groups = vtee_groups,
		/* Unbinding with live buffers would pull the secure world away */
		.suppress_bind_attrs = true,
	},
};

/*
 * With a "linux,vtee" device tree node, the device exists already: did
 * the driver bind to it? 0 or -ENODEV.
 */
static int vtee_dt_bound(struct device_node *np)
{
	struct platform_device *pdev = of_find_device_by_node(np);
	bool bound;

	if (!pdev)
		return -ENODEV;
	device_lock(&pdev->dev);
	bound = pdev->dev.driver == &vtee_driver.driver;
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return bound ? 0 : -ENODEV;
}

static int __init vtee_init(void)
{
	struct device_node *np;
	int ret;

	ret = platform_driver_register(&vtee_driver);
	if (ret)
		return ret;
	np = of_find_matching_node(NULL, vtee_of_match);
	if (np) {
		/* probe failed: say so at load time */
		ret = vtee_dt_bound(np);
		of_node_put(np);
		if (ret)
			platform_driver_unregister(&vtee_driver);
		return ret;
	}
	vtee_pdev = platform_device_register_simple("vtee", -1, NULL, 0);
	if (IS_ERR(vtee_pdev)) {
		platform_driver_unregister(&vtee_driver);
		return PTR_ERR(vtee_pdev);
	}
	if (!vtee_pdev->dev.driver) {
		/* probe failed: say so at load time */
		platform_device_unregister(vtee_pdev);
		platform_driver_unregister(&vtee_driver);
		return -ENODEV;
	}
	return 0;
}
module_init(vtee_init);

static void __exit vtee_exit(void)
{
	platform_device_unregister(vtee_pdev);
	platform_driver_unregister(&vtee_driver);
}
module_exit(vtee_exit);

MODULE_AUTHOR("protmem");
MODULE_DESCRIPTION("Virtual TEE with an emulated secure world for protected memory");
MODULE_LICENSE("GPL");
