// SPDX-License-Identifier: GPL-2.0
/*
 * attack_shm_zero - issue 8, hole 11, as the attack: any user of
 * /dev/tee0 registers zero bytes of a page-aligned, present page with
 * TEE_IOC_SHM_REGISTER. On 6.1 as Debian ships it, register_shm_helper()
 * computes zero pages, kcalloc(0) returns ZERO_SIZE_PTR and
 * pin_user_pages_fast() stores a page through it: a NULL pointer write,
 * and a panic. Now: EINVAL, nothing pinned, nothing logged; a normal
 * registration still works; a length too large for the page array fails
 * with a clean errno instead of a page allocator WARN.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"

#define PAGES	4
#define PAGE	4096UL

static void expect_refused(struct tap *t, int tee, int km, const void *addr,
			   uint64_t len, int want, const char *what)
{
	char report[256];
	int fd = pm_shm_register(tee, addr, len, NULL), hits;

	if (!tap_ok(t, fd == -want, "%s: %s", what, strerror(want)))
		tap_diag("got %s", fd < 0 ? strerror(-fd) : "a shm fd");
	if (fd >= 0)
		close(fd);
	hits = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(t, hits == 0, "%s: no kernel report", what))
		tap_diag("%d reports, first: %s", hits, report);
}

int main(void)
{
	struct tee_ioctl_shm_register_data reg = { 0 };
	struct tee_ioctl_version_data v;
	uint64_t len = 0;
	unsigned char *p;
	struct tap t;
	int tee, km, fd;

	tap_init(&t);
	tee = pm_tee_open();
	if (!tap_ok(&t, tee >= 0, "%s opens", PM_TEE_DEV))
		return tap_done(&t);
	if (pm_tee_version(tee, &v) || !(v.gen_caps & TEE_GEN_CAP_REG_MEM)) {
		tap_skip(&t, "the TEE does not register memory", "TEE_IOC_SHM_REGISTER");
		return tap_done(&t);
	}
	km = km_open();
	if (!tap_ok(&t, km >= 0, "/dev/kmsg opens"))
		return tap_done(&t);
	/*
	 * Low in the address space (a hint at 4 GiB), so that 8 GiB from it
	 * is still user space on every 64-bit ABI: arm64 maps near the top
	 * of 48 bits, where access_ok() would refuse before the page array.
	 */
	p = mmap((void *)(uintptr_t)(4ULL << 30), PAGES * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!tap_ok(&t, p != MAP_FAILED, "%d present anonymous pages", PAGES))
		return tap_done(&t);
	memset(p, 0x5a, PAGES * PAGE);

	expect_refused(&t, tee, km, p, 0, EINVAL,
		       "zero bytes at a page-aligned present page");
	expect_refused(&t, tee, km, p + 100, 0, EINVAL,
		       "zero bytes inside a present page");
	expect_refused(&t, tee, km, p + PAGE, 0, EINVAL,
		       "zero bytes at the next page");

	/* Page array of 16 MiB: beyond kmalloc, without a WARN */
	expect_refused(&t, tee, km, p, 8ULL << 30, ENOMEM,
		       "8 GiB at a mapped address (page array too large)");
	/* Beyond the address space: access_ok() */
	expect_refused(&t, tee, km, p, UINT64_MAX - (uintptr_t)p, EFAULT,
		       "a length past the end of the address space");

	fd = pm_shm_register(tee, p, PAGES * PAGE, &reg);
	len = reg.length;
	if (!tap_ok(&t, fd >= 0 && len == PAGES * PAGE,
		    "%d pages still register (length %" PRIu64 ")", PAGES, len))
		tap_diag("register: %s", fd < 0 ? strerror(-fd) : "wrong length");
	if (fd >= 0)
		close(fd);
	fd = pm_shm_register(tee, p + 1, 1, &reg);
	len = reg.length;
	if (!tap_ok(&t, fd >= 0 && len == 1, "one byte registers"))
		tap_diag("register: %s", fd < 0 ? strerror(-fd) : "wrong length");
	if (fd >= 0)
		close(fd);
	tap_ok(&t, km_reports_since(km, NULL, 0) == 0,
	       "no kernel report from the valid registrations");

	munmap(p, PAGES * PAGE);
	close(km);
	close(tee);
	return tap_done(&t);
}
