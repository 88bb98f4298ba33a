/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Protected memory in the TEE subsystem: the interface between the TEE core
 * (heaps, DMA-buf exporter, ioctls) and TEE drivers (which own the secure
 * side of each pool).
 *
 * A TEE driver creates one pool per use case -- usually with one of the
 * generic pools below, which manage the address space in the normal world
 * and call back into the driver for everything only the secure world may
 * do (scrub, check a device, lend and reclaim memory) -- and registers it
 * with tee_device_register_dma_heap(). Buffers are physically contiguous:
 * one range per buffer.
 */
#ifndef __TEE_PROTMEM_H
#define __TEE_PROTMEM_H

#include <linux/err.h>
#include <linux/kref.h>
#include <linux/types.h>

struct device;
struct module;
struct seq_file;
struct tee_device;
struct tee_shm;
struct tee_protmem_pool;

/* Use cases, values as TEE_PROTMEM_* in <uapi/linux/tee.h> */
enum tee_dma_heap_id {
	TEE_DMA_HEAP_SECURE_VIDEO_PLAY = 1,
	TEE_DMA_HEAP_TRUSTED_UI,
	TEE_DMA_HEAP_SECURE_VIDEO_RECORD,
	TEE_DMA_HEAP_COUNT = TEE_DMA_HEAP_SECURE_VIDEO_RECORD,
};

/**
 * struct tee_protmem_pool_stats - figures a pool reports
 * @size:	bytes the pool manages
 * @used:	bytes in live buffers
 * @free:	bytes free (clean or dirty)
 * @dirty:	free bytes not yet scrubbed
 * @largest:	largest free extent in bytes
 * @scrub_bg:	bytes scrubbed by the background scrubber
 * @scrub_sync:	bytes scrubbed synchronously: on the allocation path (pmx)
 *		or when freed (genalloc)
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
 * struct tee_protmem_pool_ops - what a protected-memory pool does
 * @alloc:	take @size bytes (a page multiple) for one buffer; store the
 *		physical address in @paddr. The range must be scrubbed when
 *		returned. -ENOMEM when nothing fits. May sleep.
 * @free:	give a range from @alloc back; the pool scrubs it before it
 *		can be handed out again. May sleep.
 * @update_shm:	fill in what the TEE driver needs to pass the buffer to the
 *		secure world as shared memory (optional).
 * @attach:	0 if @dev may access this pool's buffers, -EPERM otherwise.
 * @stats:	report the pool's figures (optional).
 * @show_allowed: print the devices allowed for the pool's use case into
 *		@buf (sysfs, PAGE_SIZE), return the length (optional).
 * @show_map:	print the occupancy map into @m (debugfs, optional).
 * @destroy_pool: free the pool; called once the pool is unregistered and
 *		its last buffer is gone.
 */
struct tee_protmem_pool_ops {
	int (*alloc)(struct tee_protmem_pool *pool, size_t size,
		     phys_addr_t *paddr);
	void (*free)(struct tee_protmem_pool *pool, phys_addr_t paddr,
		     size_t size);
	int (*update_shm)(struct tee_protmem_pool *pool, phys_addr_t paddr,
			  size_t size, struct tee_shm *shm);
	int (*attach)(struct tee_protmem_pool *pool, struct device *dev);
	void (*stats)(struct tee_protmem_pool *pool,
		      struct tee_protmem_pool_stats *st);
	ssize_t (*show_allowed)(struct tee_protmem_pool *pool, char *buf);
	void (*show_map)(struct tee_protmem_pool *pool, struct seq_file *m);
	void (*destroy_pool)(struct tee_protmem_pool *pool);
};

/**
 * struct tee_protmem_pool - a pool of protected memory for one use case
 * @ops:	the pool's operations
 * @owner:	module implementing @ops; pinned while a buffer exists
 * @use_case:	enum tee_dma_heap_id the pool serves
 * @kref:	held by the registration and by each buffer (core-managed)
 */
struct tee_protmem_pool {
	const struct tee_protmem_pool_ops *ops;
	struct module *owner;
	u32 use_case;
	struct kref kref;
};

int tee_device_register_dma_heap(struct tee_device *teedev,
				 struct tee_protmem_pool *pool);
void tee_device_unregister_dma_heaps(struct tee_device *teedev);

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
tee_protmem_static_pool_alloc(phys_addr_t base, size_t size, u32 use_case,
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
