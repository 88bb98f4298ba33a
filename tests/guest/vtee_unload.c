// SPDX-License-Identifier: GPL-2.0
/*
 * vtee_unload - vtee's module lifetime: anything that uses it (a live
 * protected buffer, an open /dev/tee0, a registered shm) keeps it loaded
 * -- delete_module() fails with EWOULDBLOCK, the errno Linux 6.1 gives for
 * "module in use" -- and once all are gone it unloads; the heaps then
 * stay but fail allocation with EINVAL (as mainline); reloading with the same
 * parameters brings the TEE device and the pools back.
 *
 * The module is left loaded at the end with the parameters it had at the
 * start (read from /sys/module/vtee/parameters), as the guest's init
 * loaded it at boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define MOD_SYSFS	PM_VTEE_MOD_SYSFS
#define RELOAD_CLEAN_MS	PM_VTEE_RELOAD_CLEAN_MS

/* delete_module must fail with "in use" and leave vtee loaded. */
static void expect_busy(struct tap *t, const char *why)
{
	int ret = pm_vtee_unload();

	if (!tap_ok(t, ret == -EWOULDBLOCK && pm_vtee_loaded(),
		    "with %s, unloading vtee fails with EWOULDBLOCK (in use)", why))
		tap_diag("delete_module: %s; refcnt %" PRId64 "; loaded %d",
			 ret ? strerror(-ret) : "succeeded", pm_vtee_refcnt(),
			 pm_vtee_loaded());
}

static void test_pinned(struct tap *t)
{
	const struct pm_use_case *u = pm_use_case(0);
	int buf, tee, shm;
	int64_t size;

	buf = pm_heap_alloc_path(u->heap, PM_MIB);
	if (tap_ok(t, buf >= 0, "a live buffer from %s", u->heap)) {
		expect_busy(t, "a live protected buffer");
		size = pm_dmabuf_size(buf);
		tap_ok(t, size == (int64_t)PM_MIB, "the buffer is intact after the refused unload");
		close(buf);
	} else {
		tap_diag("alloc: %s", strerror(-buf));
	}

	tee = pm_tee_open();
	if (tap_ok(t, tee >= 0, "%s opens", PM_TEE_DEV)) {
		expect_busy(t, "an open " PM_TEE_DEV);

		buf = pm_protmem_alloc(tee, PM_MIB, 0, u->id, NULL);
		close(tee);
		if (buf >= 0) {
			expect_busy(t, "a TEE_IOC_PROTMEM_ALLOC buffer (TEE fd closed)");
			close(buf);
		} else {
			tap_ok(t, 0, "TEE_IOC_PROTMEM_ALLOC for the pinning test");
			tap_diag("TEE_IOC_PROTMEM_ALLOC: %s", strerror(-buf));
		}
	} else {
		tap_diag("open: %s", strerror(-tee));
	}

	/* A registered shm alone (buffer and TEE fds closed) */
	tee = pm_tee_open();
	buf = tee >= 0 ? pm_heap_alloc_path(u->heap, PM_MIB) : tee;
	shm = buf >= 0 ? pm_shm_register_fd(tee, buf, NULL, NULL) : buf;
	if (buf >= 0)
		close(buf);
	if (tee >= 0)
		close(tee);
	if (tap_ok(t, shm >= 0, "a registered shm, with its dma-buf and TEE fds closed")) {
		expect_busy(t, "only a registered shm left");
		close(shm);
	} else {
		tap_diag("setup: %s", strerror(-shm));
	}
}

static void test_unloaded(struct tap *t)
{
	unsigned int i;
	int heap, ret;

	tap_ok(t, !pm_vtee_loaded(), "vtee is gone from /sys/module");
	tap_ok(t, !pm_path_exists(PM_TEE_DEV), "%s is gone", PM_TEE_DEV);
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		heap = pm_heap_open(u->heap);
		if (!tap_ok(t, heap >= 0, "%s stays (DMA heaps cannot be removed in 6.1)", u->heap)) {
			tap_diag("open: %s", strerror(-heap));
			continue;
		}
		ret = pm_heap_alloc(heap, PM_MIB);
		if (!tap_ok(t, ret == -EINVAL, "%s: allocation without vtee fails with EINVAL, as mainline", u->heap))
			tap_diag("ret %d", ret);
		if (ret >= 0)
			close(ret);
		close(heap);
	}
}

static void test_reloaded(struct tap *t, const struct pm_vtee_params *want)
{
	struct tee_ioctl_version_data v;
	struct pm_vtee_params got;
	unsigned int i;
	int tee, fd, ret, same;

	ret = pm_vtee_read_params(&got);
	same = !ret && pm_vtee_params_equal(&got, want);
	if (!tap_ok(t, same, "vtee is back with the parameters it had at the start")) {
		if (ret)
			tap_diag("%s/parameters: %s", MOD_SYSFS, strerror(-ret));
		else
			pm_vtee_diag_params(&got, want);
	}

	tee = pm_tee_open();
	ret = tee >= 0 ? pm_tee_version(tee, &v) : tee;
	if (!tap_ok(t, ret == 0 && v.impl_id == TEE_IMPL_ID_VTEE,
		    "%s is back and answers TEE_IOC_VERSION as vtee", PM_TEE_DEV))
		tap_diag("open/version: %s", strerror(-ret));
	if (tee >= 0)
		close(tee);

	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		fd = pm_heap_alloc_path(u->heap, PM_MIB);
		if (!tap_ok(t, fd >= 0, "%s allocates again after the reload", u->heap))
			tap_diag("alloc: %s", strerror(-fd));
		if (fd >= 0)
			close(fd);
	}
	tap_ok(t, pm_wait_all_clean(RELOAD_CLEAN_MS),
	       "the new pools become fully free and clean");
}

int main(void)
{
	struct pm_vtee_params boot;
	char who[512];
	struct tap t;
	int ret, waited;

	tap_init(&t);
	if (!tap_ok(&t, pm_vtee_loaded(), "vtee is loaded (as a module) at the start")) {
		/* Put it back the way init would have, so later tests run */
		if (!pm_vtee_cmdline_params(&boot) && !pm_vtee_load(&boot))
			tap_diag("loaded vtee from protmem.carveout= on the command line");
		return tap_done(&t);
	}
	ret = pm_vtee_read_params(&boot);
	if (!tap_ok(&t, ret == 0, "vtee's parameters are readable in sysfs")) {
		tap_diag("%s/parameters: %s", MOD_SYSFS, strerror(-ret));
		return tap_done(&t);
	}
	pm_vtee_param_string(&boot, who, sizeof(who));
	tap_diag("vtee parameters: %s", who);
	if (pm_vtee_holders(who, sizeof(who))) {
		tap_skip(&t, "other modules use vtee", "vtee unload and reload (holders: %s)", who);
		return tap_done(&t);
	}
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at the start");

	test_pinned(&t);

	waited = pm_vtee_wait_unused(2000);
	if (!tap_ok(&t, waited, "with everything closed nothing holds vtee (refcnt 0)"))
		tap_diag("refcnt %" PRId64, pm_vtee_refcnt());

	ret = pm_vtee_unload();
	if (!tap_ok(&t, ret == 0, "delete_module(\"vtee\") succeeds once nothing uses it")) {
		tap_diag("delete_module: %s; refcnt %" PRId64, strerror(-ret),
			 pm_vtee_refcnt());
		return tap_done(&t);
	}
	test_unloaded(&t);

	ret = pm_vtee_load(&boot);
	if (!tap_ok(&t, ret == 0 && pm_vtee_loaded(), "vtee loads again with the same parameters")) {
		tap_diag("load: %s", strerror(-ret));
		return tap_done(&t);
	}
	test_reloaded(&t, &boot);
	return tap_done(&t);
}
