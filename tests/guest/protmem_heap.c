// SPDX-License-Identifier: GPL-2.0
/*
 * protmem_heap - the protected DMA heaps ("protected,<use-case>"), one by
 * one: allocation through the standard DMA-heap uAPI, no CPU access,
 * rejection of bad requests, exact pool accounting in sysfs (including
 * exhaustion and fragmentation), scrubbing of freed memory and buffer
 * lifetime independent of the heap fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

/* Default firewall rules (VTEE_FIREWALL_DEFAULT) as sysfs shows them */
static const char *default_allowed(const char *uc)
{
	if (!strcmp(uc, "secure-video"))
		return "vdec:rw vdisp:r\n";
	if (!strcmp(uc, "trusted-ui"))
		return "vdisp:r\n";
	return "vcam:w venc:rw\n";
}

static int firewall_is_default(void)
{
	char buf[512];

	if (pm_read_file("/sys/module/vtee/parameters/firewall", buf,
			 sizeof(buf)))
		return 0;
	return !strcmp(buf, "(null)\n") || !strcmp(buf, "\n");
}

static void close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* CPU access: mmap (both ways) and DMA_BUF_IOCTL_SYNC are refused. */
static void test_no_cpu_access(struct tap *t, const char *uc, int fd,
			       size_t len)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	};
	void *p;
	int ret;

	ret = pm_try_mmap(fd, len);
	if (!tap_ok(t, ret == -EPERM, "%s: mmap of a protected buffer fails with EPERM", uc))
		tap_diag("mmap: %s", ret ? strerror(-ret) : "succeeded");
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	if (!tap_ok(t, ret == -EPERM, "%s: read-only private mmap fails with EPERM too", uc))
		tap_diag("mmap: %s", ret ? strerror(-ret) : "succeeded");
	ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 ? -errno : 0;
	if (!tap_ok(t, ret == -EPERM, "%s: DMA_BUF_IOCTL_SYNC (start, read) fails with EPERM", uc))
		tap_diag("DMA_BUF_IOCTL_SYNC: %s", ret ? strerror(-ret) : "succeeded");
}

/* Requests the DMA-heap uAPI must refuse, and that they leak nothing. */
static void test_bad_requests(struct tap *t, const char *uc, int heap,
			      const struct pm_pool_stats *pool)
{
	struct pm_pool_stats before, after;
	int ret;

	pm_pool_stats(uc, &before);
	ret = pm_heap_alloc_raw(heap, PM_MIB, O_RDWR | O_CLOEXEC, 1, 0);
	if (!tap_ok(t, ret == -EINVAL, "%s: heap_flags != 0 is refused with EINVAL", uc))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_heap_alloc_raw(heap, PM_MIB, O_RDWR | O_NONBLOCK, 0, 0);
	if (!tap_ok(t, ret == -EINVAL, "%s: fd_flags O_NONBLOCK is refused with EINVAL", uc))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_heap_alloc_raw(heap, 0, O_RDWR | O_CLOEXEC, 0, 0);
	if (!tap_ok(t, ret == -EINVAL, "%s: len 0 is refused with EINVAL", uc))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_heap_alloc_raw(heap, PM_MIB, O_RDWR | O_CLOEXEC, 0, 3);
	if (!tap_ok(t, ret == -EINVAL, "%s: a non-zero .fd on input is refused with EINVAL", uc))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_heap_alloc_raw(heap, ~0ULL, O_RDWR | O_CLOEXEC, 0, 0);
	if (!tap_ok(t, ret == -EINVAL, "%s: len 2^64-1 (wraps when page aligned) is refused with EINVAL", uc))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	pm_pool_stats(uc, &after);
	if (!tap_ok(t, after.allocations == before.allocations &&
		       after.live_buffers == before.live_buffers &&
		       after.used == before.used,
		    "%s: refused requests allocate nothing", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("after", &after);
	}

	/* Larger than the whole pool: ENOMEM, counted as a failure */
	pm_pool_stats(uc, &before);
	ret = pm_heap_alloc(heap, pool->size + 4096);
	if (!tap_ok(t, ret == -ENOMEM, "%s: len larger than the pool (%" PRIu64 " + 4096) fails with ENOMEM",
		    uc, pool->size))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	pm_pool_stats(uc, &after);
	if (!tap_ok(t, after.failures == before.failures + 1 &&
		       after.allocations == before.allocations,
		    "%s: the failed allocation is counted in failures, not allocations", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("after", &after);
	}
}

/* One 1 MiB buffer: accounting while it lives and scrubbing after. */
static void test_one_buffer(struct tap *t, const char *uc, int heap)
{
	struct pm_pool_stats before, live, after;
	int64_t size;
	int fd, ret;

	pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &before);
	fd = pm_heap_alloc(heap, PM_MIB);
	if (!tap_ok(t, fd >= 0, "%s: a 1 MiB allocation (O_RDWR|O_CLOEXEC) returns an fd", uc)) {
		tap_diag("DMA_HEAP_IOCTL_ALLOC: %s", strerror(-fd));
		return;
	}
	size = pm_dmabuf_size(fd);
	if (!tap_ok(t, size == (int64_t)PM_MIB, "%s: the buffer is 1 MiB", uc))
		tap_diag("size %" PRId64, size);
	ret = fcntl(fd, F_GETFD);
	tap_ok(t, ret >= 0 && (ret & FD_CLOEXEC), "%s: the fd is close-on-exec as asked", uc);

	pm_pool_stats(uc, &live);
	if (!tap_ok(t, live.used == before.used + PM_MIB &&
		       live.free == before.free - PM_MIB,
		    "%s: used grows and free shrinks by 1 MiB", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("live", &live);
	}
	if (!tap_ok(t, live.live_buffers == before.live_buffers + 1 &&
		       live.allocations == before.allocations + 1,
		    "%s: live_buffers and allocations count the buffer", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("live", &live);
	}
	if (!tap_ok(t, live.scrubbed_sync == before.scrubbed_sync,
		    "%s: allocating from a clean pool scrubs nothing on the allocation path", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("live", &live);
	}

	test_no_cpu_access(t, uc, fd, PM_MIB);

	close(fd);
	pm_pool_stats(uc, &after);
	if (!tap_ok(t, after.used == before.used &&
		       after.live_buffers == before.live_buffers,
		    "%s: closing the buffer returns used and live_buffers at once", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("after", &after);
	}
	ret = pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &after);
	if (!tap_ok(t, ret == 0, "%s: after the free the pool is fully free and clean", uc))
		pm_diag_stats(uc, &after);
	if (!tap_ok(t, after.scrubbed_background + after.scrubbed_sync >=
		       before.scrubbed_background + before.scrubbed_sync + PM_MIB,
		    "%s: the freed MiB was scrubbed", uc)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("after", &after);
	}
}

static void test_rounding(struct tap *t, const char *uc, int heap)
{
	long page = sysconf(_SC_PAGESIZE);
	int64_t size;
	int fd;

	fd = pm_heap_alloc(heap, 1);
	if (!tap_ok(t, fd >= 0, "%s: a 1-byte request succeeds", uc)) {
		tap_diag("ret %s", strerror(-fd));
		return;
	}
	size = pm_dmabuf_size(fd);
	if (!tap_ok(t, size == page, "%s: a 1-byte request yields a %ld-byte buffer", uc, page))
		tap_diag("size %" PRId64, size);
	close(fd);
	fd = pm_heap_alloc(heap, (uint64_t)page + 1);
	size = fd >= 0 ? pm_dmabuf_size(fd) : fd;
	if (!tap_ok(t, size == 2 * page, "%s: a page + 1 byte request yields two pages", uc))
		tap_diag("size/ret %" PRId64, size);
	if (fd >= 0)
		close(fd);
}

/*
 * Exhaustion with 1 MiB buffers, then fragmentation: free every other
 * buffer, and a 2 MiB request cannot be met although half the pool is
 * free; once everything is freed (and scrubbed) the whole pool comes back
 * as one allocation.
 */
static void test_exhaustion(struct tap *t, const char *uc, int heap,
			    const struct pm_pool_stats *pool)
{
	unsigned int want = (unsigned int)(pool->size / PM_MIB), n = 0, i;
	struct pm_pool_stats before, full, half, after;
	int *fds, ret = 0, fd;
	int64_t size;

	fds = calloc(want + 8, sizeof(*fds));
	if (!fds) {
		tap_skip(t, "out of memory", "%s: exhaustion", uc);
		return;
	}
	ret = pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &before);
	if (!tap_ok(t, ret == 0, "%s: pool is free and clean before exhaustion", uc))
		pm_diag_stats(uc, &before);

	for (n = 0; n < want + 8; n++) {
		ret = pm_heap_alloc(heap, PM_MIB);
		if (ret < 0)
			break;
		fds[n] = ret;
	}
	if (!tap_ok(t, ret == -ENOMEM, "%s: allocating 1 MiB buffers ends with ENOMEM", uc))
		tap_diag("last ret %d after %u buffers", ret, n);
	if (!tap_ok(t, n == want, "%s: exactly size/1MiB = %u buffers fit", uc, want))
		tap_diag("got %u", n);
	pm_pool_stats(uc, &full);
	if (!tap_ok(t, full.used == (uint64_t)n * PM_MIB && full.live_buffers ==
		       before.live_buffers + n && (n != want ||
		       (full.free == 0 && full.largest_free == 0)),
		    "%s: exhausted pool: used, free, largest_free and live_buffers agree", uc))
		pm_diag_stats(uc, &full);
	if (!tap_ok(t, full.allocations == before.allocations + n &&
		       full.failures == before.failures + 1,
		    "%s: allocations grew by %u and failures by 1", uc, n)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("full", &full);
	}

	/* Free every other buffer: half the pool free, in 1 MiB holes */
	for (i = 0; i < n; i += 2) {
		close(fds[i]);
		fds[i] = -1;
	}
	pm_pool_stats(uc, &half);
	if (!tap_ok(t, half.live_buffers == before.live_buffers + n / 2 &&
		       half.used == (uint64_t)(n / 2) * PM_MIB,
		    "%s: live_buffers and used follow the frees", uc))
		pm_diag_stats(uc, &half);
	if (n == want && n >= 4) {
		if (!tap_ok(t, half.largest_free == PM_MIB,
			    "%s: fragmented pool reports largest_free 1 MiB", uc))
			pm_diag_stats(uc, &half);
		fd = pm_heap_alloc(heap, 2 * PM_MIB);
		if (!tap_ok(t, fd == -ENOMEM,
			    "%s: 2 MiB cannot be allocated from 1 MiB holes (ENOMEM)", uc))
			tap_diag("ret %d", fd);
		if (fd >= 0)
			close(fd);
	}
	close_all(fds, n);
	free(fds);

	pm_pool_stats(uc, &after);
	if (!tap_ok(t, after.used == 0 && after.live_buffers == before.live_buffers,
		    "%s: after freeing everything used is 0 and live_buffers is back", uc))
		pm_diag_stats(uc, &after);
	ret = pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &after);
	if (!tap_ok(t, ret == 0, "%s: after the frees the pool is fully free and clean", uc))
		pm_diag_stats(uc, &after);
	if (!tap_ok(t, after.largest_free == after.size,
		    "%s: largest_free is the whole pool again", uc))
		pm_diag_stats(uc, &after);

	fd = pm_heap_alloc(heap, pool->size);
	size = fd >= 0 ? pm_dmabuf_size(fd) : fd;
	if (!tap_ok(t, size == (int64_t)pool->size,
		    "%s: a whole-pool allocation (%" PRIu64 " bytes) succeeds: fragmentation is gone",
		    uc, pool->size))
		tap_diag("size/ret %" PRId64, size);
	if (fd >= 0)
		close(fd);
}

/* The buffer does not depend on the heap fd it came from. */
static void test_outlives_heap_fd(struct tap *t, const char *uc,
				  const char *heap_path)
{
	struct pm_pool_stats before, st;
	int heap, fd, tee, shm;
	int64_t size;

	pm_pool_stats(uc, &before);
	heap = pm_heap_open(heap_path);
	fd = heap >= 0 ? pm_heap_alloc(heap, 2 * PM_MIB) : heap;
	if (heap >= 0)
		close(heap);
	if (!tap_ok(t, fd >= 0, "%s: allocate 2 MiB, then close the heap fd", uc)) {
		tap_diag("ret %s", strerror(-fd));
		return;
	}
	size = pm_dmabuf_size(fd);
	pm_pool_stats(uc, &st);
	if (!tap_ok(t, size == (int64_t)(2 * PM_MIB) &&
		       st.live_buffers == before.live_buffers + 1 &&
		       st.used == before.used + 2 * PM_MIB,
		    "%s: the buffer survives its heap fd being closed", uc)) {
		tap_diag("size %" PRId64, size);
		pm_diag_stats(uc, &st);
	}
	tee = pm_tee_open();
	if (tee >= 0) {
		shm = pm_shm_register_fd(tee, fd, NULL, NULL);
		if (!tap_ok(t, shm >= 0, "%s: ... and can still be registered with the TEE", uc))
			tap_diag("TEE_IOC_SHM_REGISTER_FD: %s", strerror(-shm));
		if (shm >= 0)
			close(shm);
		close(tee);
	} else {
		tap_skip(t, "no " PM_TEE_DEV, "%s: ... and can still be registered with the TEE", uc);
	}
	close(fd);
	pm_pool_stats(uc, &st);
	if (!tap_ok(t, st.live_buffers == before.live_buffers &&
		       st.used == before.used,
		    "%s: closing the buffer fd frees it", uc))
		pm_diag_stats(uc, &st);
}

static void test_heap(struct tap *t, const struct pm_use_case *u)
{
	const char *uc = u->name;
	struct pm_pool_stats pool;
	char allowed[256], path[256];
	int heap, ret;

	heap = pm_heap_open(u->heap);
	if (!tap_ok(t, heap >= 0, "%s opens", u->heap)) {
		tap_diag("open: %s", strerror(-heap));
		return;
	}
	ret = pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &pool);
	if (!tap_ok(t, ret == 0, "%s: pool figures readable, pool fully free and clean at start", uc)) {
		if (ret == -ETIMEDOUT)
			pm_diag_stats(uc, &pool);
		else
			tap_diag("%s/%s: %s", pm_protmem_dir(), uc, strerror(-ret));
		if (ret != -ETIMEDOUT) {
			close(heap);
			return;
		}
	}
	tap_ok(t, pool.size > 0 && pool.size % PM_MIB == 0,
	       "%s: pool size %" PRIu64 " is a non-zero MiB multiple", uc, pool.size);
	snprintf(path, sizeof(path), "%s/%s/allowed_devices",
		 pm_protmem_dir(), uc);
	ret = pm_read_file(path, allowed, sizeof(allowed));
	if (firewall_is_default()) {
		if (!tap_ok(t, ret == 0 && !strcmp(allowed, default_allowed(uc)),
			    "%s: allowed_devices shows the default rules", uc))
			tap_diag("allowed_devices: %s", ret ? strerror(-ret) : allowed);
	} else {
		tap_ok(t, ret == 0, "%s: allowed_devices is readable", uc);
	}

	test_one_buffer(t, uc, heap);
	test_rounding(t, uc, heap);
	test_bad_requests(t, uc, heap, &pool);
	test_exhaustion(t, uc, heap, &pool);
	test_outlives_heap_fd(t, uc, u->heap);
	close(heap);

	ret = pm_wait_pool_clean(uc, PM_CLEAN_TIMEOUT_MS, &pool);
	if (!tap_ok(t, ret == 0, "%s: pool fully free and clean at the end", uc))
		pm_diag_stats(uc, &pool);
}

int main(void)
{
	struct tap t;
	unsigned int i;

	tap_init(&t);
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		test_heap(&t, pm_use_case(i));
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "all pools fully free and clean at exit");
	return tap_done(&t);
}
