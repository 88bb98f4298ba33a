// SPDX-License-Identifier: GPL-2.0
/*
 * kcompat/rbtree.c - the kernel's rbtree (tools/lib/rbtree.c) for host
 * builds. Its empty augment callbacks trip -Wextra; silence only that.
 * Found through -I<linux>/tools/include.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <../lib/rbtree.c>
