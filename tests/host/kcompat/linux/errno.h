/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcompat/linux/errno.h - the kernel's errno names for host builds of
 * kernel code. Shadows the system's <linux/errno.h>, which the C library's
 * <errno.h> includes too: take the numbers from <asm/errno.h> as it does.
 */
#ifndef KCOMPAT_LINUX_ERRNO_H
#define KCOMPAT_LINUX_ERRNO_H

#include <asm/errno.h>

#endif /* KCOMPAT_LINUX_ERRNO_H */
