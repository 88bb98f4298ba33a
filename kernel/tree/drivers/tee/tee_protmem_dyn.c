// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dynamic protected-memory pools: memory lent to the secure world on
 * demand instead of a carveout reserved at boot.
 *
 * The pool takes physically contiguous chunks from the kernel's CMA area,
 * removes them from the kernel's direct map, and lends them to the secure
 * world for the pool's use case through the TEE driver. Buffers are carved
 * from the chunks with pmx. A chunk no buffer uses any more is reclaimed at
 * once: the secure world scrubs it and lets go of it, the direct map is
 * restored and the pages go back to CMA. A buffer larger than the chunk
 * size gets a chunk of its own.
 *
 * There is no background scrubber: freed ranges inside a chunk that is
 * still in use are scrubbed by the allocation that reuses them, and a
 * reclaimed chunk is scrubbed whole by the secure world.
 *
 * A chunk goes back to CMA only when it is known to be safe there: the
 * secure world let go of it and every page is in the direct map again.
 * Otherwise it is retired -- kept out of CMA for good, counted (debugfs
 * map) and logged without its physical address: handed out again, its
 * first kernel access would fault, or the secure world could still write
 * into someone else's memory.
 *
 * Cost: taking a chunk may migrate pages (CMA) and flushes kernel TLBs; it
 * happens under the pool's mutex, so allocations of the pool wait for it.
 */
#include <linux/cma.h>
#include <linux/dma-map-ops.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tee_protmem.h>
#include <asm/tlbflush.h>

#include "protmem/pmx.h"
#include "tee_protmem_private.h"

/**
 * struct tee_protmem_chunk - memory lent to the secure world
 * @link:	in tee_protmem_dyn_pool.chunks
 * @pages:	first page
 * @paddr:	physical start
 * @size:	bytes
 * @pmx:	the buffers carved from it
 */
struct tee_protmem_chunk {
	struct list_head link;
	struct page *pages;
	phys_addr_t paddr;
	size_t size;
	struct pmx_pool pmx;
};

/**
 * struct tee_protmem_dyn_pool - a pool of lent chunks
 * @pool:	the generic pool
 * @ops:	the TEE driver's secure-side callbacks
 * @priv:	passed to @ops
 * @use_case:	enum tee_dma_heap_id given to @ops
 * @cma:	where chunks come from
 * @chunk_size:	size of a chunk (a buffer may need a larger one)
 * @max_size:	most bytes lent at once
 * @lock:	protects everything below
 * @chunks:	lent chunks
 * @lent:	bytes lent now
 * @used:	bytes in live buffers
 * @scrub_sync:	bytes scrubbed on the allocation path
 * @retired:	bytes never given back to CMA (see tee_protmem_chunk_retire())
 * @retired_chunks: how many chunks they were
 */
struct tee_protmem_dyn_pool {
	struct tee_protmem_pool pool;
	const struct tee_protmem_backend_ops *ops;
	void *priv;
	u32 use_case;
	struct cma *cma;
	size_t chunk_size;
	size_t max_size;
	struct mutex lock;	/* protects chunks and the counters */
	struct list_head chunks;
	u64 lent;
	u64 used;
	u64 scrub_sync;
	u64 retired;
	u64 retired_chunks;
};

static struct tee_protmem_dyn_pool *to_dyn(struct tee_protmem_pool *pool)
{
	return container_of(pool, struct tee_protmem_dyn_pool, pool);
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * fail_tee_protmem_restore in debugfs: make restoring a chunk's direct map
 * fail, as a failing page-attribute change would. (fail_function cannot
 * do it on 6.1 debug kernels: its kprobe handler draws random numbers in
 * NMI context, which lockdep reports.)
 */
static DECLARE_FAULT_ATTR(tee_protmem_fail_restore);

static int __init tee_protmem_fail_restore_init(void)
{
	fault_create_debugfs_attr("fail_tee_protmem_restore", NULL,
				  &tee_protmem_fail_restore);
	return 0;
}
late_initcall(tee_protmem_fail_restore_init);

static bool tee_protmem_restore_should_fail(size_t n)
{
	return should_fail(&tee_protmem_fail_restore, n);
}
#else
static bool tee_protmem_restore_should_fail(size_t n)
{
	return false;
}
#endif

/*
 * Give @n pages their default direct mapping back (no TLB flush); the
 * first error, after trying every page.
 */
static int tee_protmem_direct_map_restore(struct page *pages, size_t n)
{
	size_t i;
	int ret = 0, err;

	if (tee_protmem_restore_should_fail(n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		err = set_direct_map_default_noflush(pages + i);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

static void tee_protmem_flush_direct_map(struct page *pages, size_t size)
{
	unsigned long addr = (unsigned long)page_address(pages);

	flush_tlb_kernel_range(addr, addr + size);
}

/*
 * Called with dp->lock held: keep @size bytes at @paddr out of CMA for
 * good (see the top of the file); @why and @err say what went wrong.
 */
static void tee_protmem_chunk_retire(struct tee_protmem_dyn_pool *dp,
				     phys_addr_t paddr, size_t size,
				     const char *why, int err)
{
	dp->retired += size;
	dp->retired_chunks++;
	pr_err("tee: protmem: use case %u: %s (%d), %zu KiB chunk retired, %llu so far\n",
	       dp->use_case, why, err, size / SZ_1K, dp->retired_chunks);
	pr_debug("tee: protmem: retired chunk at %pa+%#zx\n", &paddr, size);
}

/*
 * Called with dp->lock held: give a chunk's pages back to CMA once they
 * are in the direct map again; retire them if they cannot be.
 */
static void tee_protmem_chunk_release(struct tee_protmem_dyn_pool *dp,
				      struct page *pages, size_t size)
{
	int ret;

	ret = tee_protmem_direct_map_restore(pages, size >> PAGE_SHIFT);
	tee_protmem_flush_direct_map(pages, size);
	if (ret) {
		tee_protmem_chunk_retire(dp, page_to_phys(pages), size,
					 "direct map not restored", ret);
		return;
	}
	cma_release(dp->cma, pages, size >> PAGE_SHIFT);
}

/*
 * Called with dp->lock held: remove a chunk from the direct map. On
 * failure the pages are released again (tee_protmem_chunk_release()).
 */
static int tee_protmem_chunk_unmap(struct tee_protmem_dyn_pool *dp,
				   struct page *pages, size_t size)
{
	size_t i, n = size >> PAGE_SHIFT;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = set_direct_map_invalid_noflush(pages + i);
	if (ret)
		tee_protmem_chunk_release(dp, pages, size);
	else
		tee_protmem_flush_direct_map(pages, size);
	return ret;
}

/* Called with dp->lock held */
static struct tee_protmem_chunk *tee_protmem_chunk_get(struct tee_protmem_dyn_pool *dp,
						       size_t size)
{
	size_t csize = ALIGN(max(size, dp->chunk_size), dp->chunk_size);
	unsigned int align = min_t(unsigned int, get_order(csize),
				   CONFIG_CMA_ALIGNMENT);
	struct tee_protmem_chunk *c;
	int ret;

	if (csize > dp->max_size - dp->lent)
		return ERR_PTR(-ENOMEM);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->size = csize;
	c->pages = cma_alloc(dp->cma, csize >> PAGE_SHIFT, align, true);
	if (!c->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	c->paddr = page_to_phys(c->pages);
	/* Old normal-world content: dirty, scrubbed before first use */
	ret = pmx_init(&c->pmx, c->paddr, csize, PAGE_SIZE, true);
	if (ret)
		goto err_release;
	/* From here on a failure releases the pages (or retires them) */
	ret = tee_protmem_chunk_unmap(dp, c->pages, csize);
	if (ret)
		goto err_pmx;
	ret = dp->ops->lend(dp->priv, dp->use_case, c->paddr, csize);
	if (ret) {
		tee_protmem_chunk_release(dp, c->pages, csize);
		goto err_pmx;
	}
	list_add_tail(&c->link, &dp->chunks);
	dp->lent += csize;
	return c;

err_pmx:
	pmx_destroy(&c->pmx);
	goto err_free;
err_release:
	cma_release(dp->cma, c->pages, csize >> PAGE_SHIFT);
err_free:
	kfree(c);
	return ERR_PTR(ret);
}

/* Called with dp->lock held; @c holds no buffer */
static void tee_protmem_chunk_put(struct tee_protmem_dyn_pool *dp,
				  struct tee_protmem_chunk *c)
{
	int ret;

	list_del(&c->link);
	dp->lent -= c->size;
	ret = dp->ops->reclaim(dp->priv, c->paddr, c->size);
	if (ret)	/* still protected, maybe not scrubbed */
		tee_protmem_chunk_retire(dp, c->paddr, c->size,
					 "secure world did not let go", ret);
	else
		tee_protmem_chunk_release(dp, c->pages, c->size);
	pmx_destroy(&c->pmx);
	kfree(c);
}

/* Called with dp->lock held */
static int tee_protmem_chunk_alloc(struct tee_protmem_dyn_pool *dp,
				   struct tee_protmem_chunk *c, size_t size,
				   phys_addr_t *paddr)
{
	return tee_protmem_pmx_alloc(&c->pmx, size, dp->ops, dp->priv, paddr,
				     &dp->scrub_sync);
}

static int tee_protmem_dyn_take(struct tee_protmem_pool *pool, size_t size,
				phys_addr_t *paddr)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	struct tee_protmem_chunk *c;
	int ret = -ENOMEM;

	mutex_lock(&dp->lock);
	list_for_each_entry(c, &dp->chunks, link) {
		ret = tee_protmem_chunk_alloc(dp, c, size, paddr);
		if (ret != -ENOMEM)
			goto out;
	}
	c = tee_protmem_chunk_get(dp, size);
	if (IS_ERR(c)) {
		ret = PTR_ERR(c);
		goto out;
	}
	ret = tee_protmem_chunk_alloc(dp, c, size, paddr);
	if (ret)
		tee_protmem_chunk_put(dp, c);
out:
	if (!ret)
		dp->used += size;
	mutex_unlock(&dp->lock);
	return ret;
}

/* A range leaves its buffer: back to its chunk, the chunk back if idle */
static void tee_protmem_dyn_put(struct tee_protmem_pool *pool,
				phys_addr_t paddr, size_t size)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	struct tee_protmem_chunk *c;

	mutex_lock(&dp->lock);
	list_for_each_entry(c, &dp->chunks, link) {
		if (paddr < c->paddr || paddr - c->paddr >= c->size)
			continue;
		WARN_ON(pmx_free(&c->pmx, paddr, size));
		dp->used -= size;
		if (!c->pmx.allocated)
			tee_protmem_chunk_put(dp, c);
		break;
	}
	mutex_unlock(&dp->lock);
}

static int tee_protmem_dyn_alloc(struct tee_protmem_pool *pool,
				 struct sg_table *sgt, size_t size, size_t *offs)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	phys_addr_t paddr;
	int ret;

	ret = tee_protmem_dyn_take(pool, size, &paddr);
	if (ret)
		return ret;
	ret = tee_protmem_buffer_out(dp->ops, dp->priv, dp->use_case, paddr,
				     size, sgt);
	if (ret) {
		tee_protmem_dyn_put(pool, paddr, size);
		return ret;
	}
	/* No parent shared memory: the address says it all */
	*offs = 0;
	return 0;
}

static void tee_protmem_dyn_free(struct tee_protmem_pool *pool,
				 struct sg_table *sgt)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	phys_addr_t paddr;
	size_t size;

	/* A range the secure world keeps stays lent, its chunk with it */
	if (tee_protmem_buffer_in(dp->ops, dp->priv, sgt, &paddr, &size))
		tee_protmem_dyn_put(pool, paddr, size);
}

static int tee_protmem_dyn_attach(struct tee_protmem_pool *pool,
				  struct device *dev)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);

	return dp->ops->attach(dp->priv, dp->use_case, dev);
}

static void tee_protmem_dyn_stats(struct tee_protmem_pool *pool,
				  struct tee_protmem_pool_stats *st)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	struct tee_protmem_chunk *c;

	mutex_lock(&dp->lock);
	st->size = dp->lent;
	st->used = dp->used;
	list_for_each_entry(c, &dp->chunks, link) {
		st->free += c->pmx.free;
		st->dirty += c->pmx.dirty;
		st->largest = max(st->largest, pmx_largest_free(&c->pmx));
	}
	st->scrub_sync = dp->scrub_sync;
	mutex_unlock(&dp->lock);
}

static ssize_t tee_protmem_dyn_show_allowed(struct tee_protmem_pool *pool,
					    char *buf)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);

	if (!dp->ops->show_allowed)
		return 0;
	return dp->ops->show_allowed(dp->priv, dp->use_case, buf);
}

static int tee_protmem_dyn_map_extent(void *ctx, u64 start, u64 len,
				      bool dirty)
{
	seq_printf(ctx, "  %#llx-%#llx %s\n", start, start + len - 1,
		   dirty ? "dirty" : "clean");
	return 0;
}

static void tee_protmem_dyn_show_map(struct tee_protmem_pool *pool,
				     struct seq_file *m)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	struct tee_protmem_chunk *c;

	mutex_lock(&dp->lock);
	seq_printf(m, "dynamic pool: %llu of %zu bytes lent\n", dp->lent,
		   dp->max_size);
	seq_printf(m, "retired: %llu bytes in %llu chunks\n", dp->retired,
		   dp->retired_chunks);
	list_for_each_entry(c, &dp->chunks, link) {
		seq_printf(m, "chunk %pa+%#zx, %llu bytes allocated, free:\n",
			   &c->paddr, c->size, c->pmx.allocated);
		pmx_walk_extents(&c->pmx, tee_protmem_dyn_map_extent, m);
	}
	mutex_unlock(&dp->lock);
}

static void tee_protmem_dyn_destroy(struct tee_protmem_pool *pool)
{
	struct tee_protmem_dyn_pool *dp = to_dyn(pool);
	struct tee_protmem_chunk *c, *tmp;

	/* No buffer is left, so neither is a chunk; but be safe */
	mutex_lock(&dp->lock);
	list_for_each_entry_safe(c, tmp, &dp->chunks, link)
		tee_protmem_chunk_put(dp, c);
	mutex_unlock(&dp->lock);
	mutex_destroy(&dp->lock);
	kfree(dp);
}

static const struct tee_protmem_pool_ops tee_protmem_dyn_ops = {
	.alloc = tee_protmem_dyn_alloc,
	.free = tee_protmem_dyn_free,
	.update_shm = tee_protmem_pool_update_shm,
	.attach = tee_protmem_dyn_attach,
	.stats = tee_protmem_dyn_stats,
	.show_allowed = tee_protmem_dyn_show_allowed,
	.show_map = tee_protmem_dyn_show_map,
	.destroy_pool = tee_protmem_dyn_destroy,
};

/**
 * tee_protmem_dynamic_pool_alloc() - create a pool of memory lent on demand
 * @chunk_size:	bytes lent at a time, a page multiple (larger buffers get a
 *		chunk of their own, rounded up to this size)
 * @max_size:	most bytes lent at once
 * @use_case:	enum tee_dma_heap_id the pool serves
 * @ops:	secure-side callbacks: scrub, attach, lend and reclaim required
 * @priv:	passed to @ops
 * @owner:	module implementing @ops (pinned while buffers exist)
 *
 * Chunks come from the default CMA area (cma= on the command line).
 * Hand the pool to tee_device_register_dma_heap().
 *
 * Return: the pool, or ERR_PTR(-EINVAL) for bad arguments, ERR_PTR(-ENODEV)
 * without a CMA area, ERR_PTR(-EOPNOTSUPP) when the direct map cannot be
 * changed page by page (arm64 without rodata=full), ERR_PTR(-ENOMEM).
 */
struct tee_protmem_pool *
tee_protmem_dynamic_pool_alloc(size_t chunk_size, size_t max_size,
			       u32 use_case,
			       const struct tee_protmem_backend_ops *ops,
			       void *priv, struct module *owner)
{
	struct tee_protmem_dyn_pool *dp;

	if (!ops || !ops->scrub || !ops->attach || !ops->lend ||
	    !ops->reclaim || !chunk_size || !PAGE_ALIGNED(chunk_size) ||
	    max_size < chunk_size || use_case < 1 ||
	    use_case > TEE_DMA_HEAP_COUNT)
		return ERR_PTR(-EINVAL);
	if (!dma_contiguous_default_area)
		return ERR_PTR(-ENODEV);
	/*
	 * Lent chunks leave the direct map. Where it is mapped with blocks
	 * (arm64 without rodata=full), set_direct_map_invalid_noflush()
	 * returns 0 and changes nothing: refuse instead of lending memory
	 * the kernel can still reach.
	 */
	if (!can_set_direct_map())
		return ERR_PTR(-EOPNOTSUPP);

	dp = kzalloc(sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return ERR_PTR(-ENOMEM);
	dp->ops = ops;
	dp->priv = priv;
	dp->cma = dma_contiguous_default_area;
	dp->chunk_size = chunk_size;
	dp->max_size = max_size;
	mutex_init(&dp->lock);
	INIT_LIST_HEAD(&dp->chunks);
	dp->pool.ops = &tee_protmem_dyn_ops;
	dp->pool.owner = owner;
	dp->use_case = use_case;
	return &dp->pool;
}
EXPORT_SYMBOL_GPL(tee_protmem_dynamic_pool_alloc);
