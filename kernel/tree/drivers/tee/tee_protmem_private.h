/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the protected-memory pools of the TEE core share, private to
 * drivers/tee.
 */
#ifndef TEE_PROTMEM_PRIVATE_H
#define TEE_PROTMEM_PRIVATE_H

#include <linux/types.h>

struct pmx_pool;
struct tee_protmem_backend_ops;

int tee_protmem_pmx_alloc(struct pmx_pool *pmx, size_t size,
			  const struct tee_protmem_backend_ops *ops, void *priv,
			  phys_addr_t *paddr, u64 *scrubbed);

#endif /* TEE_PROTMEM_PRIVATE_H */
