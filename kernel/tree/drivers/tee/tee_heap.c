// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protected DMA heaps and their DMA-buf exporter, in the TEE core.
 *
 * A TEE driver registers one pool per use case with
 * tee_device_register_dma_heap(); the heap "protected,<use-case>" then
 * allocates from it, and so does TEE_IOC_PROTMEM_ALLOC on the driver's
 * device. Buffers are physically contiguous, never mapped by the CPU
 * (mmap and begin_cpu_access fail with -EPERM, dma_buf_vmap() with
 * -EINVAL as for any exporter without vmap) and attachable only by
 * devices the pool allows. TEE_IOC_SHM_REGISTER_FD turns such a buffer
 * into TEE shared memory for a trusted application.
 *
 * The driver interface has mainline's shape (6.18): pools with alloc,
 * free, update_shm and destroy_pool, each buffer an sg table the pool
 * fills; protmem's additions (attach policy, statistics) are optional ops.
 *
 * Lifetimes: Linux 6.1 cannot remove a DMA heap, so the three heaps are
 * created on first registration and stay; a heap with no pool registered
 * fails allocations with -EINVAL, as mainline's does once its TEE driver
 * is gone. A pool is reference-counted: the
 * registration holds one reference and each buffer another, so a buffer
 * stays valid after its TEE driver unregistered. Each buffer also pins the
 * module implementing the pool, so such a driver cannot be unloaded while
 * its buffers exist (delete_module() fails: the module is in use).
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tee_drv.h>
#include <linux/tee_protmem.h>
#include <linux/uaccess.h>

#include "tee_private.h"
#include "tee_heap.h"

/**
 * struct tee_heap_time - how long one step of the exporter took, summed
 * @n:		times
 * @ns:		total, ns
 * @max:	longest, ns
 *
 * Atomics, no lock: steps of different buffers run concurrently. A
 * reader may see @n and @ns of slightly different moments.
 */
struct tee_heap_time {
	atomic64_t n;
	atomic64_t ns;
	atomic64_t max;
};

static void tee_heap_time_add(struct tee_heap_time *t, u64 t0)
{
	s64 ns = ktime_get_ns() - t0, old = atomic64_read(&t->max), prev;

	atomic64_inc(&t->n);
	atomic64_add(ns, &t->ns);
	while (ns > old) {
		prev = atomic64_cmpxchg(&t->max, old, ns);
		if (prev == old)
			break;
		old = prev;
	}
}

/* The steps timed, in the order of tee_dma_heap.t and of the debugfs lines */
enum tee_heap_step {
	TEE_HEAP_T_ALLOC,	/* tee_heap_alloc_buf(), all of it */
	TEE_HEAP_T_POOL_ALLOC,	/* the pool's alloc op */
	TEE_HEAP_T_EXPORT,	/* dma_buf_export() */
	TEE_HEAP_T_RELEASE,	/* the DMA-buf release op, all of it */
	TEE_HEAP_T_POOL_FREE,	/* the pool's free op */
	TEE_HEAP_T_NR,
};

static const char * const tee_heap_step_names[TEE_HEAP_T_NR] = {
	"heap_alloc", "heap_pool_alloc", "heap_export", "heap_release",
	"heap_pool_free",
};

/**
 * struct tee_dma_heap - one protected heap (one use case)
 * @heap:	the DMA heap, NULL until the first registration
 * @use_case:	enum tee_dma_heap_id
 * @lock:	protects @pool and @teedev
 * @pool:	pool backing the heap, NULL while no driver provides one
 * @teedev:	TEE device that registered @pool
 * @ids:	buffer identifiers (internally locked)
 * @allocs:	successful allocations since boot
 * @failures:	failed allocations since boot
 * @live:	buffers alive now
 * @sysfs:	the pool's directory under its TEE device, while registered
 * @t:		time of each step of allocation and release (enum
 *		tee_heap_step), for the benchmark; atomics, no lock
 */
struct tee_dma_heap {
	struct dma_heap *heap;
	u32 use_case;
	struct mutex lock;	/* protects pool and teedev */
	struct tee_protmem_pool *pool;
	struct tee_device *teedev;
	struct ida ids;
	atomic64_t allocs;
	atomic64_t failures;
	atomic64_t live;
	struct tee_heap_sysfs *sysfs;
	struct tee_heap_time t[TEE_HEAP_T_NR];
};

/**
 * struct tee_heap_sysfs - /sys/class/tee/teeN/protmem/<use-case>/
 * @kobj:	the directory
 * @heap:	the heap it describes
 */
struct tee_heap_sysfs {
	struct kobject kobj;
	struct tee_dma_heap *heap;
};

/**
 * struct tee_heap_buffer - one protected buffer
 * @heap:	heap (use case) the buffer belongs to
 * @pool:	pool the range came from (a reference is held)
 * @teedev:	TEE device of @pool (a reference is held)
 * @table:	the memory, as the pool described it
 * @offs:	what the pool's update_shm needs (its alloc said so)
 * @paddr:	physical start of the memory
 * @size:	size in bytes, a page multiple
 * @id:		identifier within @heap
 */
struct tee_heap_buffer {
	struct tee_dma_heap *heap;
	struct tee_protmem_pool *pool;
	struct tee_device *teedev;
	struct sg_table table;
	size_t offs;
	phys_addr_t paddr;
	size_t size;
	int id;
};

/**
 * struct tee_heap_attachment - one device's view of a buffer
 * @table:	copy of the buffer's table, mapped for the device
 * @resource:	true when mapped with dma_map_resource() (no struct page)
 */
struct tee_heap_attachment {
	struct sg_table table;
	bool resource;
};

/**
 * struct tee_heap_shm - shared memory registered from a protected DMA-buf
 * @shm:	the shared memory; first, so tee_shm_release() frees us
 * @dmabuf:	the buffer (a reference is held)
 * @parent_shm:	shared memory of the pool the buffer lies in, if the pool's
 *		update_shm said so (it lives as long as the pool)
 * @offset:	the buffer's offset in @parent_shm
 */
struct tee_heap_shm {
	struct tee_shm shm;
	struct dma_buf *dmabuf;
	struct tee_shm *parent_shm;
	size_t offset;
};

static const char * const tee_heap_names[TEE_DMA_HEAP_COUNT + 1] = {
	[TEE_DMA_HEAP_SECURE_VIDEO_PLAY] = "protected,secure-video",
	[TEE_DMA_HEAP_TRUSTED_UI] = "protected,trusted-ui",
	[TEE_DMA_HEAP_SECURE_VIDEO_RECORD] = "protected,secure-video-record",
};

/* The use-case part of each heap name: sysfs and debugfs entries */
static const char * const tee_heap_use_cases[TEE_DMA_HEAP_COUNT + 1] = {
	[TEE_DMA_HEAP_SECURE_VIDEO_PLAY] = "secure-video",
	[TEE_DMA_HEAP_TRUSTED_UI] = "trusted-ui",
	[TEE_DMA_HEAP_SECURE_VIDEO_RECORD] = "secure-video-record",
};

static struct tee_dma_heap tee_dma_heaps[TEE_DMA_HEAP_COUNT + 1];
/* Serializes heap creation and pool registration; protects tee_protmem_dir */
static DEFINE_MUTEX(tee_dma_heaps_lock);
/* /sys/kernel/debug/tee_protmem */
static struct dentry *tee_protmem_dir;

static void tee_protmem_pool_release(struct kref *kref)
{
	struct tee_protmem_pool *pool =
		container_of(kref, struct tee_protmem_pool, kref);

	pool->ops->destroy_pool(pool);
}

static void tee_protmem_pool_put(struct tee_protmem_pool *pool)
{
	struct module *owner = pool->owner;

	kref_put(&pool->kref, tee_protmem_pool_release);
	module_put(owner);
}

/*
 * The memory has struct pages; otherwise it is one range whose physical
 * address the pool put in sg_dma_address() (see tee_protmem_pool_ops).
 */
static bool tee_heap_has_pages(struct tee_heap_buffer *buf)
{
	return sg_page(buf->table.sgl);
}

/* A copy of the buffer's table for one attachment, as mainline does */
static int tee_heap_copy_table(struct sg_table *dst, struct sg_table *src)
{
	struct scatterlist *dst_sg, *src_sg;
	int ret, i;

	ret = sg_alloc_table(dst, src->orig_nents, GFP_KERNEL);
	if (ret)
		return ret;
	dst_sg = dst->sgl;
	for_each_sgtable_sg(src, src_sg, i) {
		sg_set_page(dst_sg, sg_page(src_sg), src_sg->length,
			    src_sg->offset);
		dst_sg = sg_next(dst_sg);
	}
	return 0;
}

static int tee_heap_attach(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attachment)
{
	struct tee_heap_buffer *buf = dmabuf->priv;
	struct tee_heap_attachment *a;
	int ret;

	ret = buf->pool->ops->attach ?
	      buf->pool->ops->attach(buf->pool, attachment->dev) : 0;
	if (ret) {
		dev_dbg(attachment->dev, "not allowed to access %s buffers\n",
			tee_heap_names[buf->heap->use_case]);
		return ret;
	}

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	if (tee_heap_has_pages(buf))
		ret = tee_heap_copy_table(&a->table, &buf->table);
	else
		ret = sg_alloc_table(&a->table, 1, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	attachment->priv = a;
	return 0;
}

static void tee_heap_detach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attachment)
{
	struct tee_heap_attachment *a = attachment->priv;

	sg_free_table(&a->table);
	kfree(a);
}

static struct sg_table *tee_heap_map_dma_buf(struct dma_buf_attachment *attachment,
					     enum dma_data_direction dir)
{
	struct tee_heap_buffer *buf = attachment->dmabuf->priv;
	struct tee_heap_attachment *a = attachment->priv;
	struct scatterlist *sg = a->table.sgl;
	dma_addr_t addr;
	int ret;

	/* The CPU never touches the memory: no cache maintenance */
	if (tee_heap_has_pages(buf)) {
		a->resource = false;
		ret = dma_map_sgtable(attachment->dev, &a->table, dir,
				      DMA_ATTR_SKIP_CPU_SYNC);
		if (ret)
			return ERR_PTR(ret);
		return &a->table;
	}

	/* A carveout outside the memory map: map the physical range */
	addr = dma_map_resource(attachment->dev, buf->paddr, buf->size, dir,
				DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(attachment->dev, addr))
		return ERR_PTR(-ENOMEM);
	a->resource = true;
	sg_dma_address(sg) = addr;
	sg_dma_len(sg) = buf->size;
	a->table.nents = 1;
	return &a->table;
}

static void tee_heap_unmap_dma_buf(struct dma_buf_attachment *attachment,
				   struct sg_table *table,
				   enum dma_data_direction dir)
{
	struct tee_heap_attachment *a = attachment->priv;

	if (a->resource)
		dma_unmap_resource(attachment->dev, sg_dma_address(table->sgl),
				   sg_dma_len(table->sgl), dir,
				   DMA_ATTR_SKIP_CPU_SYNC);
	else
		dma_unmap_sgtable(attachment->dev, table, dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
}

static int tee_heap_begin_cpu_access(struct dma_buf *dmabuf,
				     enum dma_data_direction dir)
{
	pr_debug("tee: protected buffers have no CPU access\n");
	return -EPERM;
}

static int tee_heap_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	pr_debug("tee: protected buffers cannot be mapped\n");
	return -EPERM;
}

static void tee_heap_dma_buf_release(struct dma_buf *dmabuf)
{
	struct tee_heap_buffer *buf = dmabuf->priv;
	struct tee_dma_heap *h = buf->heap;
	u64 t0 = ktime_get_ns();

	buf->pool->ops->free(buf->pool, &buf->table);
	tee_heap_time_add(&h->t[TEE_HEAP_T_POOL_FREE], t0);
	atomic64_dec(&h->live);
	ida_free(&h->ids, buf->id);
	tee_device_put(buf->teedev);
	tee_protmem_pool_put(buf->pool);
	kfree(buf);
	tee_heap_time_add(&h->t[TEE_HEAP_T_RELEASE], t0);
}

static const struct dma_buf_ops tee_heap_buf_ops = {
	.attach = tee_heap_attach,
	.detach = tee_heap_detach,
	.map_dma_buf = tee_heap_map_dma_buf,
	.unmap_dma_buf = tee_heap_unmap_dma_buf,
	.begin_cpu_access = tee_heap_begin_cpu_access,
	.mmap = tee_heap_mmap,
	/*
	 * No .vmap: dma_buf_vmap() then fails with -EINVAL, where an op
	 * returning an error would make 6.1's dma_buf_vmap() WARN.
	 */
	.release = tee_heap_dma_buf_release,
};

/*
 * Take references on the heap's pool and device, if it has a pool and
 * (when @teedev is given) it belongs to @teedev.
 */
static struct tee_protmem_pool *tee_heap_get_pool(struct tee_dma_heap *h,
						  struct tee_device *teedev,
						  struct tee_device **owner)
{
	/* No pool: mainline's heap answers -EINVAL once its driver is gone */
	struct tee_protmem_pool *pool = ERR_PTR(-EINVAL);

	mutex_lock(&h->lock);
	if (!h->pool)
		goto out;
	if (teedev && h->teedev != teedev) {
		pool = ERR_PTR(-EINVAL);
		goto out;
	}
	if (!try_module_get(h->pool->owner))
		goto out;
	if (!tee_device_get(h->teedev)) {
		module_put(h->pool->owner);
		goto out;
	}
	kref_get(&h->pool->kref);
	pool = h->pool;
	*owner = h->teedev;
out:
	mutex_unlock(&h->lock);
	return pool;
}

/*
 * The pool's table must cover exactly the buffer; set the buffer's
 * physical start. Memory without struct pages must be one range.
 */
static int tee_heap_check_table(struct tee_heap_buffer *buf)
{
	struct scatterlist *sg;
	size_t len = 0;
	int i;

	if (!buf->table.sgl || !buf->table.orig_nents)
		return -EINVAL;
	if (!tee_heap_has_pages(buf)) {
		if (buf->table.orig_nents != 1)
			return -EINVAL;
		buf->paddr = sg_dma_address(buf->table.sgl);
		len = buf->table.sgl->length;
	} else {
		buf->paddr = sg_phys(buf->table.sgl);
		for_each_sgtable_sg(&buf->table, sg, i)
			len += sg->length;
	}
	return len == buf->size ? 0 : -EINVAL;
}

static struct dma_buf *tee_heap_alloc_buf(struct tee_dma_heap *h,
					  struct tee_device *teedev,
					  size_t size, u32 fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct tee_protmem_pool *pool;
	struct tee_heap_buffer *buf;
	struct dma_buf *dmabuf;
	u64 t0 = ktime_get_ns(), t1;
	int ret;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);
	/* One scatterlist entry per buffer: no pool holds more anyway */
	if (size > UINT_MAX)
		return ERR_PTR(-ENOMEM);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->heap = h;
	buf->size = size;

	pool = tee_heap_get_pool(h, teedev, &buf->teedev);
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		goto err_free;
	}
	buf->pool = pool;

	ret = ida_alloc(&h->ids, GFP_KERNEL);
	if (ret < 0)
		goto err_put;
	buf->id = ret;

	t1 = ktime_get_ns();
	ret = pool->ops->alloc(pool, &buf->table, size, &buf->offs);
	if (ret)
		goto err_id;
	tee_heap_time_add(&h->t[TEE_HEAP_T_POOL_ALLOC], t1);
	ret = tee_heap_check_table(buf);
	if (ret)
		goto err_pool_free;

	exp_info.exp_name = tee_heap_names[h->use_case];
	exp_info.ops = &tee_heap_buf_ops;
	exp_info.size = size;
	exp_info.flags = fd_flags;
	exp_info.priv = buf;
	t1 = ktime_get_ns();
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_pool_free;
	}
	tee_heap_time_add(&h->t[TEE_HEAP_T_EXPORT], t1);
	atomic64_inc(&h->allocs);
	atomic64_inc(&h->live);
	tee_heap_time_add(&h->t[TEE_HEAP_T_ALLOC], t0);
	return dmabuf;

err_pool_free:
	pool->ops->free(pool, &buf->table);
err_id:
	ida_free(&h->ids, buf->id);
err_put:
	tee_device_put(buf->teedev);
	tee_protmem_pool_put(pool);
err_free:
	kfree(buf);
	atomic64_inc(&h->failures);
	return ERR_PTR(ret);
}

/* dma_heap_ops.allocate: the DMA-heap core validated flags and length */
static struct dma_buf *tee_heap_allocate(struct dma_heap *heap,
					 unsigned long len, unsigned long fd_flags,
					 unsigned long heap_flags)
{
	return tee_heap_alloc_buf(dma_heap_get_drvdata(heap), NULL, len,
				  fd_flags);
}

static const struct dma_heap_ops tee_dma_heap_ops = {
	.allocate = tee_heap_allocate,
};

/**
 * tee_protmem_alloc_dma_buf() - allocate a protected DMA-buf in the kernel
 * @id:		use case; the heap "protected,<use-case>" allocates
 * @size:	size in bytes, rounded up to a page multiple
 *
 * For drivers that allocate protected buffers themselves (a V4L2 driver's
 * MMAP buffers, a decoder's reference frame): the same buffer a process
 * gets from the heap, with the same exporter, so mmap and CPU access are
 * refused and only devices the pool allows can attach. The caller owns
 * one reference (dma_buf_put()); dma_buf_fd() hands it to user space.
 *
 * Context: process, may sleep.
 *
 * Return: the buffer; ERR_PTR(-EINVAL) for an unknown @id, a @size of 0
 * or a heap without a pool; ERR_PTR(-ENOMEM) or the pool's error.
 */
struct dma_buf *tee_protmem_alloc_dma_buf(enum tee_dma_heap_id id,
					  size_t size)
{
	struct tee_dma_heap *h;

	if ((u32)id < 1 || id > TEE_DMA_HEAP_COUNT || !size)
		return ERR_PTR(-EINVAL);
	h = &tee_dma_heaps[id];
	/* Pairs with smp_store_release() in tee_device_register_dma_heap() */
	if (!smp_load_acquire(&h->heap))
		return ERR_PTR(-EINVAL);
	return tee_heap_alloc_buf(h, NULL, PAGE_ALIGN(size), O_RDWR | O_CLOEXEC);
}
EXPORT_SYMBOL_GPL(tee_protmem_alloc_dma_buf);

enum tee_heap_field {
	TEE_HEAP_SIZE, TEE_HEAP_USED, TEE_HEAP_FREE, TEE_HEAP_DIRTY,
	TEE_HEAP_LARGEST, TEE_HEAP_LIVE, TEE_HEAP_ALLOCS, TEE_HEAP_FAILURES,
	TEE_HEAP_SCRUB_BG, TEE_HEAP_SCRUB_SYNC, TEE_HEAP_ALLOWED,
};

/**
 * struct tee_heap_attr - one file of a pool's sysfs directory
 * @attr:	the file
 * @field:	what it shows
 */
struct tee_heap_attr {
	struct attribute attr;
	enum tee_heap_field field;
};

#define TEE_HEAP_ATTR(_name, _field, _mode) \
	static struct tee_heap_attr tee_heap_attr_##_name = { \
		.attr = { .name = #_name, .mode = _mode }, .field = _field }

/*
 * The figures are root's only: how much of a pool is used, dirty, scrubbed
 * or allocated, and when, follows other users' protected allocations (and
 * through them the content they carry: a frame size, a resolution switch),
 * which is side-channel material. The firewall rules (allowed_devices)
 * are configuration every user may read.
 */
TEE_HEAP_ATTR(size, TEE_HEAP_SIZE, 0400);
TEE_HEAP_ATTR(used, TEE_HEAP_USED, 0400);
TEE_HEAP_ATTR(free, TEE_HEAP_FREE, 0400);
TEE_HEAP_ATTR(dirty, TEE_HEAP_DIRTY, 0400);
TEE_HEAP_ATTR(largest_free, TEE_HEAP_LARGEST, 0400);
TEE_HEAP_ATTR(live_buffers, TEE_HEAP_LIVE, 0400);
TEE_HEAP_ATTR(allocations, TEE_HEAP_ALLOCS, 0400);
TEE_HEAP_ATTR(failures, TEE_HEAP_FAILURES, 0400);
TEE_HEAP_ATTR(scrubbed_background, TEE_HEAP_SCRUB_BG, 0400);
TEE_HEAP_ATTR(scrubbed_sync, TEE_HEAP_SCRUB_SYNC, 0400);
TEE_HEAP_ATTR(allowed_devices, TEE_HEAP_ALLOWED, 0444);

static struct attribute *tee_heap_attrs[] = {
	&tee_heap_attr_size.attr, &tee_heap_attr_used.attr,
	&tee_heap_attr_free.attr, &tee_heap_attr_dirty.attr,
	&tee_heap_attr_largest_free.attr, &tee_heap_attr_live_buffers.attr,
	&tee_heap_attr_allocations.attr, &tee_heap_attr_failures.attr,
	&tee_heap_attr_scrubbed_background.attr,
	&tee_heap_attr_scrubbed_sync.attr, &tee_heap_attr_allowed_devices.attr,
	NULL
};
ATTRIBUTE_GROUPS(tee_heap);

static ssize_t tee_heap_attr_show(struct kobject *kobj, struct attribute *attr,
				  char *buf)
{
	struct tee_heap_sysfs *hs = container_of(kobj, struct tee_heap_sysfs, kobj);
	struct tee_heap_attr *ha = container_of(attr, struct tee_heap_attr, attr);
	struct tee_protmem_pool_stats st = { };
	struct tee_dma_heap *h = hs->heap;
	struct tee_protmem_pool *pool;
	ssize_t ret = 0;
	u64 v;

	mutex_lock(&h->lock);
	pool = h->pool;
	if (!pool) {
		ret = -ENODEV;
	} else if (ha->field == TEE_HEAP_ALLOWED) {
		if (pool->ops->show_allowed)
			ret = pool->ops->show_allowed(pool, buf);
	} else if (pool->ops->stats) {
		pool->ops->stats(pool, &st);
	}
	mutex_unlock(&h->lock);
	if (ret || ha->field == TEE_HEAP_ALLOWED)
		return ret;

	switch (ha->field) {
	case TEE_HEAP_SIZE:
		v = st.size;
		break;
	case TEE_HEAP_USED:
		v = st.used;
		break;
	case TEE_HEAP_FREE:
		v = st.free;
		break;
	case TEE_HEAP_DIRTY:
		v = st.dirty;
		break;
	case TEE_HEAP_LARGEST:
		v = st.largest;
		break;
	case TEE_HEAP_LIVE:
		v = atomic64_read(&h->live);
		break;
	case TEE_HEAP_ALLOCS:
		v = atomic64_read(&h->allocs);
		break;
	case TEE_HEAP_FAILURES:
		v = atomic64_read(&h->failures);
		break;
	case TEE_HEAP_SCRUB_BG:
		v = st.scrub_bg;
		break;
	default:
		v = st.scrub_sync;
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

static const struct sysfs_ops tee_heap_sysfs_ops = {
	.show = tee_heap_attr_show,
};

static void tee_heap_sysfs_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct tee_heap_sysfs, kobj));
}

static struct kobj_type tee_heap_ktype = {
	.sysfs_ops = &tee_heap_sysfs_ops,
	.release = tee_heap_sysfs_release,
	.default_groups = tee_heap_groups,
};

/* The protmem/ directory of a TEE device, shared by its pools */
static struct kobject *tee_heap_sysfs_parent(struct tee_device *teedev)
{
	struct tee_heap_sysfs *hs;
	u32 i;

	for (i = 1; i <= TEE_DMA_HEAP_COUNT; i++) {
		hs = tee_dma_heaps[i].sysfs;
		if (hs && tee_dma_heaps[i].teedev == teedev)
			return kobject_get(hs->kobj.parent);
	}
	return kobject_create_and_add("protmem", &teedev->dev.kobj);
}

/* Called with tee_dma_heaps_lock held */
static int tee_heap_sysfs_add(struct tee_dma_heap *h, struct tee_device *teedev)
{
	struct tee_heap_sysfs *hs;
	struct kobject *parent;
	int ret;

	parent = tee_heap_sysfs_parent(teedev);
	if (!parent)
		return -ENOMEM;
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs) {
		kobject_put(parent);
		return -ENOMEM;
	}
	hs->heap = h;
	ret = kobject_init_and_add(&hs->kobj, &tee_heap_ktype, parent, "%s",
				   tee_heap_use_cases[h->use_case]);
	kobject_put(parent);	/* the child holds its parent */
	if (ret) {
		kobject_put(&hs->kobj);
		return ret;
	}
	h->sysfs = hs;
	return 0;
}

/* Called with tee_dma_heaps_lock held */
static void tee_heap_sysfs_remove(struct tee_dma_heap *h)
{
	struct kobject *parent;
	bool last = true;
	u32 i;

	if (!h->sysfs)
		return;
	parent = h->sysfs->kobj.parent;
	for (i = 1; i <= TEE_DMA_HEAP_COUNT; i++)
		if (&tee_dma_heaps[i] != h && tee_dma_heaps[i].sysfs &&
		    tee_dma_heaps[i].sysfs->kobj.parent == parent)
			last = false;
	if (last)
		kobject_get(parent);
	kobject_del(&h->sysfs->kobj);
	kobject_put(&h->sysfs->kobj);
	h->sysfs = NULL;
	if (last) {
		kobject_del(parent);
		kobject_put(parent);
	}
}

/*
 * The pool's map and statistics, then the exporter's step times as "time
 * <step> n <n> ns <total> <max>" (the pool's format; since boot, not since
 * the pool was registered).
 */
static int tee_heap_map_show(struct seq_file *m, void *unused)
{
	struct tee_dma_heap *h = m->private;
	int i;

	mutex_lock(&h->lock);
	if (h->pool && h->pool->ops->show_map)
		h->pool->ops->show_map(h->pool, m);
	else if (!h->pool)
		seq_puts(m, "no pool registered\n");
	mutex_unlock(&h->lock);
	for (i = 0; i < TEE_HEAP_T_NR; i++)
		seq_printf(m, "time %s n %lld ns %lld %lld\n",
			   tee_heap_step_names[i], atomic64_read(&h->t[i].n),
			   atomic64_read(&h->t[i].ns),
			   atomic64_read(&h->t[i].max));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tee_heap_map);

/**
 * tee_device_register_dma_heap() - provide a pool for a protected heap
 * @teedev:	TEE device the pool belongs to
 * @id:		use case; selects the heap "protected,<use-case>"
 * @pool:	the pool. On success the core owns it: @pool->ops->destroy_pool
 *		is called once the pool is unregistered and its last buffer is
 *		gone. On failure it stays the caller's.
 *
 * As mainline (6.18). Creates the heap on first use. Context: process, may
 * sleep.
 *
 * Return: 0; -EINVAL for an unknown @id or no @pool; -EBUSY if another
 * pool already serves @id; an error from dma_heap_add().
 */
int tee_device_register_dma_heap(struct tee_device *teedev,
				 enum tee_dma_heap_id id,
				 struct tee_protmem_pool *pool)
{
	struct dma_heap_export_info exp_info = { .ops = &tee_dma_heap_ops };
	struct tee_dma_heap *h;
	struct dma_heap *heap;
	int ret = 0;

	if (!pool || !pool->ops || (u32)id < 1 || id > TEE_DMA_HEAP_COUNT)
		return -EINVAL;
	h = &tee_dma_heaps[id];

	mutex_lock(&tee_dma_heaps_lock);
	if (!h->heap) {
		h->use_case = id;
		mutex_init(&h->lock);
		ida_init(&h->ids);
		exp_info.name = tee_heap_names[id];
		exp_info.priv = h;
		heap = dma_heap_add(&exp_info);
		if (IS_ERR(heap)) {
			ret = PTR_ERR(heap);
			goto out;
		}
		/* Pairs with smp_load_acquire() in tee_ioctl_protmem_alloc() */
		smp_store_release(&h->heap, heap);
		if (!tee_protmem_dir)
			tee_protmem_dir = debugfs_create_dir("tee_protmem", NULL);
		debugfs_create_file(tee_heap_use_cases[h->use_case], 0400,
				    tee_protmem_dir, h, &tee_heap_map_fops);
	}

	mutex_lock(&h->lock);
	if (h->pool) {
		ret = -EBUSY;
	} else {
		kref_init(&pool->kref);
		h->pool = pool;
		h->teedev = teedev;
	}
	mutex_unlock(&h->lock);
	if (!ret && tee_heap_sysfs_add(h, teedev))
		dev_warn(&teedev->dev, "no sysfs statistics for %s\n",
			 tee_heap_names[h->use_case]);
out:
	mutex_unlock(&tee_dma_heaps_lock);
	if (ret)
		dev_err(&teedev->dev, "can't register DMA heap id %d (%s): %d\n",
			id, tee_heap_names[id], ret);
	return ret;
}
EXPORT_SYMBOL_GPL(tee_device_register_dma_heap);

/**
 * tee_device_put_all_dma_heaps() - withdraw every pool of a TEE device
 * @teedev:	TEE device whose pools go
 *
 * As mainline (6.18): new allocations from the affected heaps fail with
 * -EINVAL; live buffers stay valid and each pool is destroyed with its
 * last buffer. Unlike mainline, another pool may be registered for the
 * use case at once. Context: process, may sleep.
 */
void tee_device_put_all_dma_heaps(struct tee_device *teedev)
{
	struct tee_protmem_pool *pool;
	struct tee_dma_heap *h;
	u32 i;

	mutex_lock(&tee_dma_heaps_lock);
	for (i = 1; i <= TEE_DMA_HEAP_COUNT; i++) {
		h = &tee_dma_heaps[i];
		if (!h->heap)
			continue;
		if (h->teedev == teedev)
			tee_heap_sysfs_remove(h);
		mutex_lock(&h->lock);
		pool = h->teedev == teedev ? h->pool : NULL;
		if (pool) {
			h->pool = NULL;
			h->teedev = NULL;
		}
		mutex_unlock(&h->lock);
		if (pool)
			kref_put(&pool->kref, tee_protmem_pool_release);
	}
	mutex_unlock(&tee_dma_heaps_lock);
}
EXPORT_SYMBOL_GPL(tee_device_put_all_dma_heaps);

/* The uAPI structs: one layout on every ABI (also checked by the tests) */
static_assert(sizeof(struct tee_ioctl_protmem_alloc_data) == 24);
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, size) == 0);
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, flags) == 8);
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, use_case) == 12);
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, id) == 16);
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, pad) == 20);
static_assert(sizeof(struct tee_ioctl_shm_register_fd_data) == 24);
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, fd) == 0);
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, size) == 8);
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, flags) == 16);
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, id) == 20);
/* What register-fd writes back is mainline's TEE_SHM_DMA_BUF */
static_assert(TEE_IOCTL_SHM_DMA_BUF == TEE_SHM_DMA_BUF);
static_assert(TEE_PROTMEM_SECURE_VIDEO_PLAY == TEE_DMA_HEAP_SECURE_VIDEO_PLAY);
static_assert(TEE_PROTMEM_TRUSTED_UI == TEE_DMA_HEAP_TRUSTED_UI);
static_assert(TEE_PROTMEM_SECURE_VIDEO_RECORD ==
	      TEE_DMA_HEAP_SECURE_VIDEO_RECORD);

/**
 * tee_ioctl_protmem_alloc() - TEE_IOC_PROTMEM_ALLOC
 * @ctx:	the caller's TEE context
 * @udata:	struct tee_ioctl_protmem_alloc_data from user space
 *
 * Return: a DMA-buf file descriptor, or -EINVAL (flags or pad not zero, use
 * case not served by this TEE device, size 0 or too large to round up),
 * -ENOMEM (also for sizes no pool can hold), -EFAULT.
 */
int tee_ioctl_protmem_alloc(struct tee_context *ctx,
			    struct tee_ioctl_protmem_alloc_data __user *udata)
{
	struct tee_ioctl_protmem_alloc_data data;
	struct tee_heap_buffer *buf;
	struct tee_dma_heap *h;
	struct dma_buf *dmabuf;
	int fd;

	if (copy_from_user(&data, udata, sizeof(data)))
		return -EFAULT;
	if (data.flags || data.pad || data.use_case < 1 ||
	    data.use_case > TEE_DMA_HEAP_COUNT)
		return -EINVAL;
	if (!data.size || data.size > U64_MAX - PAGE_SIZE + 1)
		return -EINVAL;
	h = &tee_dma_heaps[data.use_case];
	/* Pairs with smp_store_release() in tee_device_register_dma_heap() */
	if (!smp_load_acquire(&h->heap))
		return -EINVAL;
	if (data.size > UINT_MAX)
		return -ENOMEM;

	dmabuf = tee_heap_alloc_buf(h, ctx->teedev, PAGE_ALIGN(data.size),
				    O_RDWR | O_CLOEXEC);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	buf = dmabuf->priv;
	data.size = buf->size;
	data.id = buf->id;
	if (copy_to_user(udata, &data, sizeof(data))) {
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd = dma_buf_fd(dmabuf, O_CLOEXEC);
	if (fd < 0)
		dma_buf_put(dmabuf);
	return fd;
}

/*
 * Make TEE shared memory of a protected DMA-buf of @ctx's TEE device.
 * Return: the shared memory (one reference), or ERR_PTR.
 */
static struct tee_shm *tee_heap_shm_register(struct tee_context *ctx, s64 fd)
{
	struct tee_device *teedev = ctx->teedev;
	struct tee_shm *parent_shm = NULL;
	struct tee_heap_buffer *buf;
	struct tee_heap_shm *hshm;
	struct dma_buf *dmabuf;
	struct tee_shm *shm;
	int ret;

	/* Mainline truncates @fd to an int; we refuse what does not fit */
	if (fd < 0 || fd > INT_MAX)
		return ERR_PTR(-EBADF);
	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);
	if (dmabuf->ops != &tee_heap_buf_ops) {
		ret = -EINVAL;
		goto err_put_buf;
	}
	buf = dmabuf->priv;
	if (buf->teedev != teedev || !tee_device_get(teedev)) {
		ret = -EINVAL;
		goto err_put_buf;
	}

	hshm = kzalloc(sizeof(*hshm), GFP_KERNEL);
	if (!hshm) {
		ret = -ENOMEM;
		goto err_put_dev;
	}
	hshm->dmabuf = dmabuf;
	shm = &hshm->shm;
	refcount_set(&shm->refcount, 1);
	shm->ctx = ctx;
	shm->size = buf->size;
	shm->flags = TEE_SHM_DMA_BUF;

	if (buf->pool->ops->update_shm) {
		ret = buf->pool->ops->update_shm(buf->pool, &buf->table,
						 buf->offs, shm, &parent_shm);
		if (ret)
			goto err_free;
		/* As mainline: memrefs then go as the parent, at offset */
		if (parent_shm) {
			hshm->parent_shm = parent_shm;
			hshm->offset = buf->offs;
		}
	} else {
		shm->paddr = buf->paddr;
	}

	mutex_lock(&teedev->mutex);
	shm->id = idr_alloc(&teedev->idr, shm, 1, 0, GFP_KERNEL);
	mutex_unlock(&teedev->mutex);
	if (shm->id < 0) {
		ret = shm->id;
		goto err_free;
	}
	/* From here tee_shm_put() undoes everything */
	teedev_ctx_get(ctx);
	return shm;

err_free:
	kfree(hshm);
err_put_dev:
	tee_device_put(teedev);
err_put_buf:
	dma_buf_put(dmabuf);
	return ERR_PTR(ret);
}

/**
 * tee_ioctl_shm_register_fd() - TEE_IOC_SHM_REGISTER_FD
 * @ctx:	the caller's TEE context
 * @udata:	struct tee_ioctl_shm_register_fd_data from user space
 *
 * As mainline (6.18): @flags must be zero and is written back as
 * TEE_IOCTL_SHM_DMA_BUF, and every failure to register the DMA-buf (not
 * an open fd, not a DMA-buf, not from a protected heap of this TEE device,
 * out of memory) is -EINVAL.
 *
 * Return: a tee_shm file descriptor, or -EINVAL, -EFAULT, or an error
 * from allocating the file descriptor.
 */
int tee_ioctl_shm_register_fd(struct tee_context *ctx,
			      struct tee_ioctl_shm_register_fd_data __user *udata)
{
	struct tee_ioctl_shm_register_fd_data data;
	struct tee_shm *shm;
	int ret;

	if (copy_from_user(&data, udata, sizeof(data)))
		return -EFAULT;
	if (data.flags)
		return -EINVAL;

	shm = tee_heap_shm_register(ctx, data.fd);
	if (IS_ERR(shm)) {
		pr_debug("tee: register-fd of fd %lld: %ld\n", data.fd,
			 PTR_ERR(shm));
		return -EINVAL;
	}

	data.id = shm->id;
	data.flags = shm->flags;
	data.size = shm->size;
	if (copy_to_user(udata, &data, sizeof(data)))
		ret = -EFAULT;
	else
		ret = tee_shm_get_fd(shm);
	tee_shm_put(shm);
	return ret;
}

/**
 * tee_heap_shm_release() - release shared memory made by register-fd
 * @shm:	shared memory with TEE_SHM_DMA_BUF set
 *
 * Drops the DMA-buf reference; tee_shm_release() frees @shm itself.
 */
void tee_heap_shm_release(struct tee_shm *shm)
{
	struct tee_heap_shm *hshm = container_of(shm, struct tee_heap_shm, shm);

	static_assert(offsetof(struct tee_heap_shm, shm) == 0);
	dma_buf_put(hshm->dmabuf);
}

/**
 * tee_heap_shm_parent() - what a memref to register-fd shared memory means
 * @shm:	shared memory with TEE_SHM_DMA_BUF set
 * @offs:	set to the buffer's offset in the parent, if there is one
 *
 * Return: the shared memory of the pool the buffer lies in, as the pool's
 * update_shm gave it, or NULL when the buffer is passed as itself.
 */
struct tee_shm *tee_heap_shm_parent(struct tee_shm *shm, size_t *offs)
{
	struct tee_heap_shm *hshm = container_of(shm, struct tee_heap_shm, shm);

	if (!hshm->parent_shm)
		return NULL;
	*offs = hshm->offset;
	return hshm->parent_shm;
}
