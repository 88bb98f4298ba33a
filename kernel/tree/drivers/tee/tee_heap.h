/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Protected-memory entry points of the TEE core (tee_heap.c), private to
 * drivers/tee.
 */
#ifndef TEE_HEAP_H
#define TEE_HEAP_H

#include <linux/errno.h>
#include <linux/tee.h>

struct tee_context;
struct tee_shm;

#if IS_ENABLED(CONFIG_TEE_PROTMEM)
int tee_ioctl_shm_register_fd(struct tee_context *ctx,
			      struct tee_ioctl_shm_register_fd_data __user *udata);
int tee_ioctl_protmem_alloc(struct tee_context *ctx,
			    struct tee_ioctl_protmem_alloc_data __user *udata);
void tee_heap_shm_release(struct tee_shm *shm);
struct tee_shm *tee_heap_shm_parent(struct tee_shm *shm, size_t *offs);
#else
static inline int
tee_ioctl_shm_register_fd(struct tee_context *ctx,
			  struct tee_ioctl_shm_register_fd_data __user *udata)
{
	return -EINVAL;
}

static inline int
tee_ioctl_protmem_alloc(struct tee_context *ctx,
			struct tee_ioctl_protmem_alloc_data __user *udata)
{
	return -EINVAL;
}

static inline void tee_heap_shm_release(struct tee_shm *shm)
{
}

static inline struct tee_shm *tee_heap_shm_parent(struct tee_shm *shm,
						  size_t *offs)
{
	return NULL;
}
#endif

#endif /* TEE_HEAP_H */
