// SPDX-License-Identifier: GPL-2.0
/*
 * attack_splat - issue 8, hole 10, as the attack: bad sizes for
 * TEE_IOC_SHM_ALLOC from any user of /dev/tee0. Before the fix vtee's
 * shared-memory pool handed 0 bytes (get_order(0)) or more than 4 MiB
 * straight to alloc_pages(), whose order check WARNs. Now: EINVAL for 0,
 * ENOMEM for more than one page-allocator block, no kernel report, and
 * the sizes around the limit behave (4 MiB may fail with ENOMEM only when
 * memory is fragmented).
 *
 * The other half of hole 10, .vmap of the protected DMA-buf exporter, has
 * no user-space trigger in this kernel: no importer built here calls
 * dma_buf_vmap() on a buffer user space hands it (vgem imports by
 * attach/map, videobuf2-dma-contig vmaps only for drivers that ask for
 * a plane's kernel address, and vdec_m2m does not). The op is gone
 * (dma_buf_vmap() then fails with EINVAL as for any exporter without
 * one); what user space can check is that mapping a protected buffer
 * through the one importer that maps, vgem's PRIME + mmap, still fails
 * cleanly -- see vgem_import -- and, here, that the exporter's refusals
 * (mmap, CPU access) log no report.
 */
#include <errno.h>
#include <linux/dma-buf.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"

static void shm_alloc_case(struct tap *t, int tee, int km, uint64_t size,
			   int want, int may_enomem, const char *what)
{
	uint64_t got = 0;
	char report[256];
	int fd = pm_shm_alloc(tee, size, NULL, &got), hits;
	int ok;

	if (want)
		ok = fd == -want;
	else
		ok = fd >= 0 || (may_enomem && fd == -ENOMEM);
	if (!tap_ok(t, ok, "TEE_IOC_SHM_ALLOC of %s: %s", what,
		    want ? strerror(want) : may_enomem ? "works (or ENOMEM)" : "works"))
		tap_diag("got %s", fd < 0 ? strerror(-fd) : "a shm fd");
	if (fd >= 0 && !want && !tap_ok(t, got >= size, "%s: %" PRIu64 " bytes answered",
					 what, got))
		tap_diag("asked %" PRIu64, size);
	if (fd >= 0)
		close(fd);
	hits = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(t, hits == 0, "%s: no kernel report", what))
		tap_diag("%d reports, first: %s", hits, report);
}

static void exporter_refusals(struct tap *t, int km)
{
	const struct pm_use_case *uc = pm_use_case(0);
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
	};
	char report[256];
	int fd, ret, hits;

	fd = pm_heap_alloc_path(uc->heap, 64 * 1024);
	if (fd < 0) {
		tap_skip(t, strerror(-fd), "%s: a buffer to refuse", uc->heap);
		return;
	}
	ret = pm_try_mmap(fd, 64 * 1024);
	tap_ok(t, ret == -EPERM, "mmap of a protected buffer: EPERM");
	ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 ? -errno : 0;
	tap_ok(t, ret == -EPERM, "CPU access to a protected buffer: EPERM");
	close(fd);
	hits = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(t, hits == 0, "the exporter's refusals log no report"))
		tap_diag("%d reports, first: %s", hits, report);
}

int main(void)
{
	struct tap t;
	int tee, km;

	tap_init(&t);
	tee = pm_tee_open();
	if (!tap_ok(&t, tee >= 0, "%s opens", PM_TEE_DEV))
		return tap_done(&t);
	km = km_open();
	if (!tap_ok(&t, km >= 0, "/dev/kmsg opens"))
		return tap_done(&t);

	/* The page allocator WARNs once per boot: the largest first */
	shm_alloc_case(&t, tee, km, 8 * PM_MIB, ENOMEM, 0, "8 MiB");
	shm_alloc_case(&t, tee, km, 0, EINVAL, 0, "0 bytes");
	shm_alloc_case(&t, tee, km, 4 * PM_MIB + 1, ENOMEM, 0, "4 MiB + 1");
	shm_alloc_case(&t, tee, km, 1ULL << 40, ENOMEM, 0, "1 TiB");
	shm_alloc_case(&t, tee, km, UINT64_MAX, ENOMEM, 0, "UINT64_MAX bytes");
	shm_alloc_case(&t, tee, km, 1, 0, 0, "1 byte");
	shm_alloc_case(&t, tee, km, 64 * 1024, 0, 0, "64 KiB");
	shm_alloc_case(&t, tee, km, 4 * PM_MIB, 0, 1, "4 MiB");
	exporter_refusals(&t, km);

	close(km);
	close(tee);
	return tap_done(&t);
}
