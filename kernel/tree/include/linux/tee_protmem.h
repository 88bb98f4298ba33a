/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Protected memory in the TEE subsystem: the interface between the TEE core
 * (heaps, DMA-buf exporter, ioctls) and TEE drivers (which own the secure
 * side of each pool).
 *
 * The interface has mainline's shape (Linux 6.18, include/linux/tee_core.h):
 * a TEE driver embeds struct tee_protmem_pool in its own pool, fills in
 * alloc, free, update_shm and destroy_pool with mainline's argument types,
 * and registers the pool for a use case with tee_device_register_dma_heap();
 * tee_protmem_static_pool_alloc() is mainline's carveout pool. A driver
 * written against mainline builds against this unchanged.
 *
 * protmem adds, each optional: pool ops for the attach policy, statistics,
 * the allowed devices and the occupancy map; a module owner pinned by each
 * buffer; and generic pools -- a carveout pool with scrubbing and a choice of
 * allocator, a pool lent from CMA on demand -- that call back into the
 * driver (struct tee_protmem_backend_ops) for everything only the secure
 * world may do. docs/tee-protmem.md lists every symbol against mainline.
 */
#ifndef __TEE_PROTMEM_H
#define __TEE_PROTMEM_H

#include <linux/err.h>
#include <linux/kref.h>
#include <linux/types.h>

struct device;
struct dma_buf;
struct module;
struct seq_file;
struct sg_table;
struct tee_device;
struct tee_shm;
struct tee_protmem_pool;

/* Use cases, as mainline; values as TEE_PROTMEM_* in <uapi/linux/tee.h> */
enum tee_dma_heap_id {
	TEE_DMA_HEAP_SECURE_VIDEO_PLAY = 1,
	TEE_DMA_HEAP_TRUSTED_UI,
	TEE_DMA_HEAP_SECURE_VIDEO_RECORD,
};

/* protmem: the highest use case (not in mainline) */
#define TEE_DMA_HEAP_COUNT	TEE_DMA_HEAP_SECURE_VIDEO_RECORD

/**
 * struct tee_protmem_pool_stats - figures a pool reports
 * @size:	bytes the pool manages
 * @used:	bytes in live buffers
 * @free:	bytes free (clean or dirty)
 * @dirty:	free bytes not yet scrubbed
 * @largest:	largest free extent in bytes
 * @scrub_bg:	bytes scrubbed by the background scrubber
 * @scrub_sync:	bytes scrubbed synchronously: on the allocation path (pmx),
 *		or when freed (genalloc; pmx's throttled frees)
 */
struct tee_protmem_pool_stats {
	u64 size;
	u64 used;
	u64 free;
	u64 dirty;
	u64 largest;
	u64 scrub_bg;
	u64 scrub_sync;
};

/**
 * struct tee_protmem_pool_ops - protected memory pool operations
 * @alloc:	(mainline) take @size bytes (a page multiple) for one buffer:
 *		allocate @sgt and describe the memory in it, set @offs to
 *		what @update_shm needs (mainline: the offset in the pool).
 *		-ENOMEM when nothing fits. May sleep. The memory must hold no
 *		earlier user's data.
 * @free:	(mainline) give back what @alloc put in @sgt and free @sgt
 *		(sg_free_table()). May sleep.
 * @update_shm:	(mainline) fill in @shm (shm->paddr) for registering the
 *		buffer as TEE shared memory, or point @parent_shm at shared
 *		memory of the pool the buffer lies in at offset @offs.
 *		A memref to the registered buffer then goes to the driver as
 *		@parent_shm at @offs plus the memref's offset, as mainline.
 *		protmem: optional (the core then sets shm->paddr from @sgt).
 * @destroy_pool: (mainline) free the pool; called once the pool is
 *		unregistered and its last buffer is gone.
 * @attach:	(protmem, optional) 0 if @dev may access the pool's buffers,
 *		-EPERM otherwise. Without it every device may attach, as in
 *		mainline.
 * @stats:	(protmem, optional) report the pool's figures.
 * @show_allowed: (protmem, optional) print the devices allowed for the
 *		pool's use case into @buf (sysfs, PAGE_SIZE), return the length.
 * @show_map:	(protmem, optional) print the occupancy map into @m (debugfs).
 *
 * Memory with no struct page (a carveout outside the memory map) cannot be
 * described with sg_set_page(): protmem's own pools then describe their one
 * range with sg_dma_address() = physical address, sg_page() NULL and
 * ->length = size, and the core maps it with dma_map_resource().
 */
struct tee_protmem_pool_ops {
	int (*alloc)(struct tee_protmem_pool *pool, struct sg_table *sgt,
		     size_t size, size_t *offs);
	void (*free)(struct tee_protmem_pool *pool, struct sg_table *sgt);
	int (*update_shm)(struct tee_protmem_pool *pool, struct sg_table *sgt,
			  size_t offs, struct tee_shm *shm,
			  struct tee_shm **parent_shm);
	void (*destroy_pool)(struct tee_protmem_pool *pool);
	int (*attach)(struct tee_protmem_pool *pool, struct device *dev);
	void (*stats)(struct tee_protmem_pool *pool,
		      struct tee_protmem_pool_stats *st);
	ssize_t (*show_allowed)(struct tee_protmem_pool *pool, char *buf);
	void (*show_map)(struct tee_protmem_pool *pool, struct seq_file *m);
};

/**
 * struct tee_protmem_pool - protected memory pool
 * @ops:	(mainline) the pool's operations
 * @owner:	(protmem, optional) module implementing @ops; each buffer
 *		pins it. NULL: nothing is pinned (mainline's behaviour).
 * @kref:	(protmem) held by the registration and by each buffer;
 *		managed by the core, drivers leave it alone
 *
 * Embedded in a struct specific to the implementation, as in mainline.
 */
struct tee_protmem_pool {
	const struct tee_protmem_pool_ops *ops;
	struct module *owner;
	struct kref kref;
};

int tee_device_register_dma_heap(struct tee_device *teedev,
				 enum tee_dma_heap_id id,
				 struct tee_protmem_pool *pool);
void tee_device_put_all_dma_heaps(struct tee_device *teedev);
struct dma_buf *tee_protmem_alloc_dma_buf(enum tee_dma_heap_id id,
					  size_t size);

struct tee_protmem_pool *tee_protmem_static_pool_alloc(phys_addr_t paddr,
						       size_t size);

/**
 * struct tee_protmem_backend_ops - the secure world's side of a generic pool
 * @scrub:	zero [@paddr, @paddr + @size) in the secure world
 * @attach:	0 if @dev may access memory of @use_case, -EPERM otherwise
 * @show_allowed: as tee_protmem_pool_ops.show_allowed, for @use_case
 * @lend:	dynamic pools: hand [@paddr, @paddr + @size) of normal memory,
 *		already removed from the kernel's direct map, to the secure
 *		world as protected memory of @use_case
 * @reclaim:	dynamic pools: take it back; the secure world scrubs it
 *		and stops treating it as protected
 * @assign:	optional: [@paddr, @paddr + @size) of @use_case becomes a
 *		live buffer (called after it was taken from the allocator,
 *		scrubbed). A secure world that serves protected memory a
 *		whole buffer at a time learns the buffers this way. An
 *		error fails the allocation.
 * @release:	optional: the buffer is gone (called before the range goes
 *		back to the allocator). An error keeps the range out of
 *		the pool for good.
 *
 * All callbacks may sleep; @priv is the driver's pointer given at pool
 * creation.
 */
struct tee_protmem_backend_ops {
	int (*scrub)(void *priv, phys_addr_t paddr, size_t size);
	int (*attach)(void *priv, u32 use_case, struct device *dev);
	ssize_t (*show_allowed)(void *priv, u32 use_case, char *buf);
	int (*lend)(void *priv, u32 use_case, phys_addr_t paddr, size_t size);
	int (*reclaim)(void *priv, phys_addr_t paddr, size_t size);
	int (*assign)(void *priv, u32 use_case, phys_addr_t paddr, size_t size);
	int (*release)(void *priv, phys_addr_t paddr, size_t size);
};

/* Allocators a static pool can manage its carveout with */
enum tee_protmem_allocator {
	TEE_PROTMEM_ALLOC_PMX,		/* extents by size/address, clean-aware */
	TEE_PROTMEM_ALLOC_GENALLOC,	/* lib/genalloc first fit (reference) */
};

struct tee_protmem_pool *
tee_protmem_carveout_pool_alloc(phys_addr_t base, size_t size, u32 use_case,
				enum tee_protmem_allocator allocator,
				const struct tee_protmem_backend_ops *ops,
				void *priv, struct module *owner);

#if IS_ENABLED(CONFIG_TEE_PROTMEM_DYNAMIC)
struct tee_protmem_pool *
tee_protmem_dynamic_pool_alloc(size_t chunk_size, size_t max_size,
			       u32 use_case,
			       const struct tee_protmem_backend_ops *ops,
			       void *priv, struct module *owner);
#else
static inline struct tee_protmem_pool *
tee_protmem_dynamic_pool_alloc(size_t chunk_size, size_t max_size,
			       u32 use_case,
			       const struct tee_protmem_backend_ops *ops,
			       void *priv, struct module *owner)
{
	return ERR_PTR(-EOPNOTSUPP);
}
#endif

#endif /* __TEE_PROTMEM_H */
