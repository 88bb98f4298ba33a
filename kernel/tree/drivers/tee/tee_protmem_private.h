/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the protected-memory pools of the TEE core share, private to
 * drivers/tee.
 */
#ifndef TEE_PROTMEM_PRIVATE_H
#define TEE_PROTMEM_PRIVATE_H

#include <linux/types.h>

struct pmx_pool;
struct sg_table;
struct tee_protmem_backend_ops;
struct tee_protmem_pool;
struct tee_shm;

int tee_protmem_pmx_alloc(struct pmx_pool *pmx, size_t size,
			  const struct tee_protmem_backend_ops *ops, void *priv,
			  phys_addr_t *paddr, u64 *scrubbed);

int tee_protmem_sgt_set(struct sg_table *sgt, phys_addr_t paddr, size_t size);
int tee_protmem_buffer_out(const struct tee_protmem_backend_ops *ops,
			   void *priv, u32 use_case, phys_addr_t paddr,
			   size_t size, struct sg_table *sgt);
bool tee_protmem_buffer_in(const struct tee_protmem_backend_ops *ops,
			   void *priv, struct sg_table *sgt, phys_addr_t *paddr,
			   size_t *size);
void tee_protmem_sgt_range(struct sg_table *sgt, phys_addr_t *paddr,
			   size_t *size);
int tee_protmem_pool_update_shm(struct tee_protmem_pool *pool,
				struct sg_table *sgt, size_t offs,
				struct tee_shm *shm,
				struct tee_shm **parent_shm);

#endif /* TEE_PROTMEM_PRIVATE_H */
