// SPDX-License-Identifier: GPL-2.0
/*
 * heap_system - the guest's DMA-buf heap framework works: the system heap
 * allocates CPU-accessible, zeroed buffers and rejects bad requests. This is
 * the baseline the protected heaps are compared with.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"

#define HEAP "/dev/dma_heap/system"

static int heap_alloc(int heap, uint64_t len, uint32_t fd_flags,
		      uint64_t heap_flags, int *fd)
{
	struct dma_heap_allocation_data d = {
		.len = len, .fd_flags = fd_flags, .heap_flags = heap_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0)
		return -errno;
	*fd = d.fd;
	return 0;
}

int main(void)
{
	const size_t len = 1 << 20;
	struct tap t;
	int heap, fd = -1, ret;
	unsigned char *p;
	size_t i, nonzero = 0, mismatch = 0;

	tap_init(&t);
	heap = open(HEAP, O_RDONLY | O_CLOEXEC);
	if (!tap_ok(&t, heap >= 0, "%s opens", HEAP)) {
		tap_diag("open: %s", strerror(errno));
		return tap_done(&t);
	}

	ret = heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0, &fd);
	tap_ok(&t, ret == 0 && fd >= 0, "1 MiB allocation returns a dma-buf fd");
	p = ret ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
	if (tap_ok(&t, p != MAP_FAILED, "system heap buffer can be mapped")) {
		for (i = 0; i < len; i++)
			nonzero += p[i] != 0;
		tap_ok(&t, nonzero == 0, "a new buffer reads back as zeroes");
		for (i = 0; i < len; i++)
			p[i] = (unsigned char)(i * 7 + 3);
		for (i = 0; i < len; i++)
			mismatch += p[i] != (unsigned char)(i * 7 + 3);
		tap_ok(&t, mismatch == 0, "written pattern reads back intact");
		munmap(p, len);
	}
	if (fd >= 0)
		close(fd);

	ret = heap_alloc(heap, len, O_RDWR, 1, &fd);
	tap_ok(&t, ret == -EINVAL, "non-zero heap_flags is refused with EINVAL");
	ret = heap_alloc(heap, len, O_RDWR | O_NONBLOCK, 0, &fd);
	tap_ok(&t, ret == -EINVAL, "fd_flags outside O_CLOEXEC|O_ACCMODE is refused with EINVAL");
	ret = heap_alloc(heap, 0, O_RDWR, 0, &fd);
	tap_ok(&t, ret == -EINVAL, "zero length is refused with EINVAL");
	if (ret == 0)
		close(fd);

	close(heap);
	return tap_done(&t);
}
