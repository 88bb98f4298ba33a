/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee normal-world driver state. Nothing here is visible to the secure
 * world, and nothing of the secure world's is visible here: the two meet
 * only in msg.h and secure/sw.h.
 */
#ifndef VTEE_PRIVATE_H
#define VTEE_PRIVATE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/tee_drv.h>
#include <linux/types.h>

#include "msg.h"
#include "vtee_master.h"

struct device;
struct resource;
struct tee_protmem_pool;
struct vtee_sw;

/**
 * struct vtee - the one vtee instance
 * @dev:		parent device of the TEE device
 * @teedev:		the client TEE device (/dev/teeN)
 * @shm_pool:		pool for TEE_IOC_SHM_ALLOC
 * @sw:			the secure world
 * @carveout:		the claimed carveout, NULL if none
 * @masters_lock:	protects @masters
 * @masters:		devices with a stream ID (struct vtee_master)
 * @vgem:		vgem's device while it has a stream ID (referenced)
 */
struct vtee {
	struct device *dev;
	struct tee_device *teedev;
	struct tee_shm_pool *shm_pool;
	struct vtee_sw *sw;
	struct resource *carveout;
	struct mutex masters_lock;	/* protects masters */
	struct list_head masters;
	struct device *vgem;
};

/**
 * struct vtee_context - per open /dev/teeN state
 * @client:	the context's identity in the secure world (vtee_msg.client),
 *		unique for the life of the module
 * @lock:	protects @sessions
 * @sessions:	open sessions (struct vtee_session)
 */
struct vtee_context {
	u64 client;
	struct mutex lock;	/* protects sessions */
	struct list_head sessions;
};

/**
 * struct vtee_session - one open session of a context
 * @link:	in vtee_context.sessions
 * @id:		secure-world session id
 */
struct vtee_session {
	struct list_head link;
	u32 id;
};

/* call.c */
int vtee_open_session(struct tee_context *ctx,
		      struct tee_ioctl_open_session_arg *arg,
		      struct tee_param *param);
int vtee_close_session(struct tee_context *ctx, u32 session);
int vtee_invoke_func(struct tee_context *ctx, struct tee_ioctl_invoke_arg *arg,
		     struct tee_param *param);
int vtee_cancel_req(struct tee_context *ctx, u32 cancel_id, u32 session);
void vtee_close_all_sessions(struct tee_context *ctx);
int vtee_shm_register(struct tee_context *ctx, struct tee_shm *shm,
		      struct page **pages, size_t num_pages,
		      unsigned long start);
int vtee_shm_unregister(struct tee_context *ctx, struct tee_shm *shm);

/**
 * struct vtee_pool_config - where protected memory comes from
 * @base:	carveout start
 * @size:	carveout size (0: no carveout)
 * @split:	carveout per use case, "use-case=SIZE,..." ("" for default)
 * @allocator:	carveout allocator, "pmx" or "genalloc"
 * @dynamic:	use cases lent from CMA instead, "use-case,..."
 * @chunk:	bytes lent at a time for dynamic pools
 * @dynamic_max: most bytes lent at once, per dynamic pool
 */
struct vtee_pool_config {
	phys_addr_t base;
	size_t size;
	const char *split;
	const char *allocator;
	const char *dynamic;
	size_t chunk;
	size_t dynamic_max;
};

/* pool.c */
int vtee_pools_init(struct vtee *vtee, const struct vtee_pool_config *cfg);
int vtee_master_lookup(struct device *dev, struct vtee **vtee, u32 *stream);
void vtee_masters_clear(struct vtee *vtee);

/* vgem.c */
void vtee_vgem_register(struct vtee *vtee);
void vtee_vgem_unregister(struct vtee *vtee);

#endif /* VTEE_PRIVATE_H */
