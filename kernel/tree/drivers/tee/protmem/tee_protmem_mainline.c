// SPDX-License-Identifier: GPL-2.0-only
/*
 * tee_protmem_mainline - a TEE driver written against mainline's (6.18)
 * protected-memory interface, to prove that ours accepts it unchanged.
 *
 * It uses only what mainline's <linux/tee_core.h> declares: a carveout
 * pool from tee_protmem_static_pool_alloc() for secure-video, a pool of its
 * own with mainline's four ops (as OP-TEE's are written) for trusted-ui,
 * which places its buffers in a parent shared memory as OP-TEE's dynamic
 * pools do, tee_device_register_dma_heap() and
 * tee_device_put_all_dma_heaps(). Its
 * "carveouts" are pages from the page allocator that nothing protects:
 * this tests the interface, not protection.
 *
 * tests/guest/tee_mainline_api.c loads it with vtee unloaded (the heaps are
 * global, one pool per use case) and drives it through debugfs, in
 * tee_protmem_mainline/:
 *   info	what registration answered, how often each op of the
 *		driver's own pool ran, the offset its last update_shm gave
 *
 * TEE_IOC_INVOKE on its TEE device reports what the driver got for a
 * memref in parameter 0: ret 0 if the shared memory is the own pool's
 * parent, 1 otherwise; ret_origin the offset in it.
 *   map	write a DMA-buf fd: attach it to a platform device of this
 *		module, map it, check the mapping, unmap, detach;
 *		read: the outcome
 *   put_all	write anything: tee_device_put_all_dma_heaps()
 *
 * Its TEE device is the tee class device whose parent is the platform
 * device "tee_protmem_mainline". Unload the module only once every buffer
 * and shared memory of its heaps and TEE device is gone (like mainline's
 * pools, its own pins nothing).
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/genalloc.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tee_core.h>

#define TPM_NAME		"tee_protmem_mainline"
#define TPM_IMPL_ID	0x4d54	/* "MT": this test driver */
#define TPM_STATIC_SIZE	SZ_2M	/* secure-video: mainline's static pool */
#define TPM_OWN_SIZE	SZ_1M	/* trusted-ui: the driver's own pool */
#define TPM_SPARE_SIZE	SZ_64K	/* for the registrations that must fail */

/**
 * struct tpm_pool - the driver's own pool, shaped like OP-TEE's
 * @pool:	the generic pool
 * @gen:	the allocator over @base
 * @base:	physical start
 * @size:	bytes
 * @parent:	shared memory covering the pool, if buffers go as part of it
 */
struct tpm_pool {
	struct tee_protmem_pool pool;
	struct gen_pool *gen;
	phys_addr_t base;
	size_t size;
	struct tee_shm *parent;
};

/**
 * struct tpm_state - the module's state
 * @pdev:	the platform device buffers are mapped for
 * @teedev:	the TEE device the heaps belong to
 * @ctx:	a kernel context on @teedev, for @parent
 * @parent:	the own pool's memory as shared memory
 * @static_pages: memory behind the static pool
 * @own_pages:	memory behind the driver's own pool
 * @reg_static:	tee_device_register_dma_heap() for secure-video
 * @reg_own:	tee_device_register_dma_heap() for trusted-ui
 * @reg_busy:	a second pool for secure-video
 * @reg_bad_id:	a pool for an id no heap has
 * @allocs:	alloc calls of the own pool that succeeded
 * @frees:	its free calls
 * @update_shms: its update_shm calls
 * @destroys:	its destroy_pool calls
 * @last_offs:	the offset its last update_shm gave
 * @put_all:	tee_device_put_all_dma_heaps() was called
 * @lock:	serializes @map_result and @put_all
 * @map_result:	what the last write to "map" found
 * @dir:	the debugfs directory
 */
struct tpm_state {
	struct platform_device *pdev;
	struct tee_device *teedev;
	struct tee_context *ctx;
	struct tee_shm *parent;
	struct page *static_pages;
	struct page *own_pages;
	int reg_static;
	int reg_own;
	int reg_busy;
	int reg_bad_id;
	atomic_t allocs;
	atomic_t frees;
	atomic_t update_shms;
	atomic_t destroys;
	size_t last_offs;
	bool put_all;
	struct mutex lock;	/* serializes map_result and put_all */
	char map_result[128];
	struct dentry *dir;
};

static struct tpm_state tpm;

static struct tpm_pool *to_tpm_pool(struct tee_protmem_pool *pool)
{
	return container_of(pool, struct tpm_pool, pool);
}

static int tpm_pool_alloc(struct tee_protmem_pool *pool, struct sg_table *sgt,
			  size_t size, size_t *offs)
{
	struct tpm_pool *mp = to_tpm_pool(pool);
	unsigned long pa;
	int ret;

	pa = gen_pool_alloc(mp->gen, size);
	if (!pa)
		return -ENOMEM;
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret) {
		gen_pool_free(mp->gen, pa, size);
		return ret;
	}
	sg_set_page(sgt->sgl, pfn_to_page(PHYS_PFN(pa)), size, 0);
	*offs = pa - mp->base;
	atomic_inc(&tpm.allocs);
	return 0;
}

static void tpm_pool_free(struct tee_protmem_pool *pool, struct sg_table *sgt)
{
	struct tpm_pool *mp = to_tpm_pool(pool);
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(sgt, sg, i)
		gen_pool_free(mp->gen, sg_phys(sg), sg->length);
	sg_free_table(sgt);
	atomic_inc(&tpm.frees);
}

static int tpm_pool_update_shm(struct tee_protmem_pool *pool,
			       struct sg_table *sgt, size_t offs,
			       struct tee_shm *shm, struct tee_shm **parent_shm)
{
	struct tpm_pool *mp = to_tpm_pool(pool);

	if (mp->parent) {
		*parent_shm = mp->parent;
	} else {
		shm->paddr = mp->base + offs;
		*parent_shm = NULL;
	}
	tpm.last_offs = offs;
	atomic_inc(&tpm.update_shms);
	return 0;
}

static void tpm_pool_destroy_pool(struct tee_protmem_pool *pool)
{
	struct tpm_pool *mp = to_tpm_pool(pool);

	gen_pool_destroy(mp->gen);
	kfree(mp);
	atomic_inc(&tpm.destroys);
}

static const struct tee_protmem_pool_ops tpm_pool_ops = {
	.alloc = tpm_pool_alloc,
	.free = tpm_pool_free,
	.update_shm = tpm_pool_update_shm,
	.destroy_pool = tpm_pool_destroy_pool,
};

static struct tee_protmem_pool *tpm_pool_alloc_pool(phys_addr_t base,
						    size_t size,
						    struct tee_shm *parent)
{
	struct tpm_pool *mp;
	int ret;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	mp->gen = gen_pool_create(PAGE_SHIFT, -1);
	if (!mp->gen) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = gen_pool_add(mp->gen, base, size, -1);
	if (ret)
		goto err_destroy;
	mp->base = base;
	mp->size = size;
	mp->parent = parent;
	mp->pool.ops = &tpm_pool_ops;
	return &mp->pool;

err_destroy:
	gen_pool_destroy(mp->gen);
err_free:
	kfree(mp);
	return ERR_PTR(ret);
}

static void tpm_get_version(struct tee_device *teedev,
			    struct tee_ioctl_version_data *vers)
{
	struct tee_ioctl_version_data v = { .impl_id = TPM_IMPL_ID };

	*vers = v;
}

static int tpm_open(struct tee_context *ctx)
{
	return 0;
}

static void tpm_release(struct tee_context *ctx)
{
}

/* What the driver got for the memref in parameter 0 */
static int tpm_invoke_func(struct tee_context *ctx,
			   struct tee_ioctl_invoke_arg *arg,
			   struct tee_param *param)
{
	u64 type;

	if (arg->num_params < 1)
		return -EINVAL;
	type = param[0].attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK;
	if (type < TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT ||
	    type > TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT)
		return -EINVAL;
	arg->ret = param[0].u.memref.shm && param[0].u.memref.shm == tpm.parent ?
		   0 : 1;
	arg->ret_origin = param[0].u.memref.shm_offs;
	return 0;
}

/* Shared memory needs no registration with a secure world here */
static int tpm_shm_register(struct tee_context *ctx, struct tee_shm *shm,
			    struct page **pages, size_t num_pages,
			    unsigned long start)
{
	return 0;
}

static int tpm_shm_unregister(struct tee_context *ctx, struct tee_shm *shm)
{
	return 0;
}

static const struct tee_driver_ops tpm_tee_ops = {
	.get_version = tpm_get_version,
	.open = tpm_open,
	.release = tpm_release,
	.invoke_func = tpm_invoke_func,
	.shm_register = tpm_shm_register,
	.shm_unregister = tpm_shm_unregister,
};

static int tpm_match(struct tee_ioctl_version_data *ver, const void *data)
{
	return ver->impl_id == TPM_IMPL_ID;
}

static const struct tee_desc tpm_tee_desc = {
	.name = TPM_NAME,
	.ops = &tpm_tee_ops,
	.owner = THIS_MODULE,
};

/* Register @pool for @id; on failure the pool is still ours: destroy it */
static int tpm_register(enum tee_dma_heap_id id, struct tee_protmem_pool *pool)
{
	int ret;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ret = tee_device_register_dma_heap(tpm.teedev, id, pool);
	if (ret)
		pool->ops->destroy_pool(pool);
	return ret;
}

static int tpm_info_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "register secure-video: %d\n", tpm.reg_static);
	seq_printf(m, "register trusted-ui: %d\n", tpm.reg_own);
	seq_printf(m, "register busy: %d\n", tpm.reg_busy);
	seq_printf(m, "register bad id: %d\n", tpm.reg_bad_id);
	seq_printf(m, "allocs: %d\n", atomic_read(&tpm.allocs));
	seq_printf(m, "frees: %d\n", atomic_read(&tpm.frees));
	seq_printf(m, "update_shm: %d\n", atomic_read(&tpm.update_shms));
	seq_printf(m, "destroys: %d\n", atomic_read(&tpm.destroys));
	seq_printf(m, "parent: %d\n", tpm.parent ? 1 : 0);
	seq_printf(m, "last offs: %zu\n", tpm.last_offs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tpm_info);

/* Attach, map, check, unmap, detach; the outcome into tpm.map_result */
static void tpm_map(int fd)
{
	struct dma_buf_attachment *att;
	struct scatterlist *sg;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	size_t len = 0;
	int i;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf)) {
		snprintf(tpm.map_result, sizeof(tpm.map_result), "get %ld",
			 PTR_ERR(dmabuf));
		return;
	}
	att = dma_buf_attach(dmabuf, &tpm.pdev->dev);
	if (IS_ERR(att)) {
		snprintf(tpm.map_result, sizeof(tpm.map_result), "attach %ld",
			 PTR_ERR(att));
		goto out_put;
	}
	sgt = dma_buf_map_attachment(att, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		snprintf(tpm.map_result, sizeof(tpm.map_result), "map %ld",
			 PTR_ERR(sgt));
		goto out_detach;
	}
	for_each_sgtable_dma_sg(sgt, sg, i)
		len += sg_dma_len(sg);
	if (len == dmabuf->size)
		snprintf(tpm.map_result, sizeof(tpm.map_result),
			 "ok %u entries %zu bytes", sgt->nents, len);
	else
		snprintf(tpm.map_result, sizeof(tpm.map_result),
			 "short %zu of %zu bytes", len, dmabuf->size);
	dma_buf_unmap_attachment(att, sgt, DMA_BIDIRECTIONAL);
out_detach:
	dma_buf_detach(dmabuf, att);
out_put:
	dma_buf_put(dmabuf);
}

static ssize_t tpm_map_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	int fd, ret;

	ret = kstrtoint_from_user(ubuf, len, 10, &fd);
	if (ret)
		return ret;
	mutex_lock(&tpm.lock);
	tpm_map(fd);
	mutex_unlock(&tpm.lock);
	return len;
}

static ssize_t tpm_map_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	char buf[sizeof(tpm.map_result) + 1];
	int n;

	mutex_lock(&tpm.lock);
	n = scnprintf(buf, sizeof(buf), "%s\n", tpm.map_result);
	mutex_unlock(&tpm.lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations tpm_map_fops = {
	.owner = THIS_MODULE,
	.write = tpm_map_write,
	.read = tpm_map_read,
	.llseek = default_llseek,
};

static ssize_t tpm_put_all_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	mutex_lock(&tpm.lock);
	if (!tpm.put_all) {
		tee_device_put_all_dma_heaps(tpm.teedev);
		tpm.put_all = true;
	}
	mutex_unlock(&tpm.lock);
	return len;
}

static const struct file_operations tpm_put_all_fops = {
	.owner = THIS_MODULE,
	.write = tpm_put_all_write,
	.llseek = noop_llseek,
};

static struct page *tpm_pages(size_t size)
{
	/* Compound: tee_shm_register_kernel_buf() takes page references */
	return alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_COMP, get_order(size));
}

static int __init tpm_init(void)
{
	const struct platform_device_info info = {
		.name = TPM_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct tee_protmem_pool *pool;
	struct page *spare;
	int ret;

	mutex_init(&tpm.lock);
	tpm.pdev = platform_device_register_full(&info);
	if (IS_ERR(tpm.pdev))
		return PTR_ERR(tpm.pdev);
	tpm.teedev = tee_device_alloc(&tpm_tee_desc, &tpm.pdev->dev, NULL, NULL);
	if (IS_ERR(tpm.teedev)) {
		ret = PTR_ERR(tpm.teedev);
		goto err_pdev;
	}
	ret = tee_device_register(tpm.teedev);
	if (ret)
		goto err_teedev;

	ret = -ENOMEM;
	tpm.static_pages = tpm_pages(TPM_STATIC_SIZE);
	tpm.own_pages = tpm_pages(TPM_OWN_SIZE);
	spare = tpm_pages(TPM_SPARE_SIZE);
	if (!tpm.static_pages || !tpm.own_pages || !spare)
		goto err_pages;

	pool = tee_protmem_static_pool_alloc(page_to_phys(tpm.static_pages),
					     TPM_STATIC_SIZE);
	tpm.reg_static = tpm_register(TEE_DMA_HEAP_SECURE_VIDEO_PLAY, pool);
	/* The own pool's memory as shared memory: its buffers go as part */
	tpm.ctx = tee_client_open_context(NULL, tpm_match, NULL, NULL);
	if (IS_ERR(tpm.ctx)) {
		tpm.ctx = NULL;
	} else {
		tpm.parent = tee_shm_register_kernel_buf(tpm.ctx,
							 page_address(tpm.own_pages),
							 TPM_OWN_SIZE);
		if (IS_ERR(tpm.parent))
			tpm.parent = NULL;
	}
	pool = tpm_pool_alloc_pool(page_to_phys(tpm.own_pages), TPM_OWN_SIZE,
				   tpm.parent);
	tpm.reg_own = tpm_register(TEE_DMA_HEAP_TRUSTED_UI, pool);
	/* Both must fail and leave the pool with us (destroyed at once) */
	pool = tee_protmem_static_pool_alloc(page_to_phys(spare),
					     TPM_SPARE_SIZE);
	tpm.reg_busy = tpm_register(TEE_DMA_HEAP_SECURE_VIDEO_PLAY, pool);
	pool = tpm_pool_alloc_pool(page_to_phys(spare), TPM_SPARE_SIZE, NULL);
	tpm.reg_bad_id = tpm_register((enum tee_dma_heap_id)4, pool);
	/* Had either worked, the spare memory would be in use: leak it */
	if (tpm.reg_busy && tpm.reg_bad_id)
		__free_pages(spare, get_order(TPM_SPARE_SIZE));

	tpm.dir = debugfs_create_dir(TPM_NAME, NULL);
	debugfs_create_file("info", 0400, tpm.dir, NULL, &tpm_info_fops);
	debugfs_create_file("map", 0600, tpm.dir, NULL, &tpm_map_fops);
	debugfs_create_file("put_all", 0200, tpm.dir, NULL, &tpm_put_all_fops);
	return 0;

err_pages:
	if (spare)
		__free_pages(spare, get_order(TPM_SPARE_SIZE));
	if (tpm.own_pages)
		__free_pages(tpm.own_pages, get_order(TPM_OWN_SIZE));
	if (tpm.static_pages)
		__free_pages(tpm.static_pages, get_order(TPM_STATIC_SIZE));
err_teedev:
	tee_device_unregister(tpm.teedev);
err_pdev:
	platform_device_unregister(tpm.pdev);
	return ret;
}

static void __exit tpm_exit(void)
{
	debugfs_remove_recursive(tpm.dir);
	if (!tpm.put_all)
		tee_device_put_all_dma_heaps(tpm.teedev);
	if (tpm.parent)
		tee_shm_free(tpm.parent);
	if (tpm.ctx)
		tee_client_close_context(tpm.ctx);
	tee_device_unregister(tpm.teedev);
	/*
	 * With every buffer gone the pools are destroyed by now; a buffer
	 * still alive would use the memory: leak it rather than free it.
	 */
	if (tpm.reg_own || atomic_read(&tpm.destroys) == 2) {
		__free_pages(tpm.own_pages, get_order(TPM_OWN_SIZE));
		__free_pages(tpm.static_pages, get_order(TPM_STATIC_SIZE));
	} else {
		pr_err(TPM_NAME ": buffers outlive the module, memory leaked\n");
	}
	platform_device_unregister(tpm.pdev);
}

module_init(tpm_init);
module_exit(tpm_exit);
MODULE_DESCRIPTION("A TEE driver on mainline's protected-memory interface (test)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
