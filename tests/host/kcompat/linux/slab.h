/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcompat/linux/slab.h - kmalloc() and kfree() for host builds of kernel
 * code, over malloc(). Shadows tools/include/linux/slab.h.
 *
 * Fault injection and leak accounting for the test program, which defines
 * the three variables:
 *   kcompat_kmalloc_fail   non-zero: every kmalloc() returns NULL
 *   kcompat_kmalloc_calls  kmalloc() calls so far (failed ones included)
 *   kcompat_kmalloc_live   blocks allocated and not yet freed
 */
#ifndef KCOMPAT_LINUX_SLAB_H
#define KCOMPAT_LINUX_SLAB_H

#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

extern int kcompat_kmalloc_fail;
extern unsigned long kcompat_kmalloc_calls;
extern long kcompat_kmalloc_live;

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	kcompat_kmalloc_calls++;
	if (kcompat_kmalloc_fail)
		return NULL;
	p = malloc(size);
	if (p)
		kcompat_kmalloc_live++;
	return p;
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	return p ? memset(p, 0, size) : NULL;
}

static inline void kfree(const void *p)
{
	if (p)
		kcompat_kmalloc_live--;
	free((void *)p);
}

#endif /* KCOMPAT_LINUX_SLAB_H */
