// SPDX-License-Identifier: GPL-2.0
/*
 * vgem_import - a real DRM importer and the firewall: vgem's PRIME import
 * (DRM_IOCTL_PRIME_FD_TO_HANDLE) attaches and maps the DMA-buf with
 * vgem's platform device, which vtee knows as stream "vgem". The default
 * firewall rules do not name vgem, so importing a protected buffer fails
 * with EPERM (and counts a violation) while a system-heap buffer imports;
 * with vtee reloaded with a rule that allows vgem for secure-video, the
 * import of a secure-video buffer succeeds and that of a trusted-ui buffer
 * still fails. vtee's original parameters are restored at the end.
 *
 * vmedia, which holds vtee, is unloaded first if it is loaded (and loaded
 * again at the end).
 */
#include <dirent.h>
#include <drm/drm.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define BUF_SIZE	(64 * 1024)
#define FW_VGEM \
	"secure-video=vdec:rw,vdisp:r,vgem:rw;trusted-ui=vdisp:r;secure-video-record=vcam:w,venc:rw"

/* Open the DRM node whose driver is vgem; fd or -errno, @path out */
static int vgem_open(char *path, size_t size)
{
	int card, fd = drm_card_open("vgem", &card);

	if (fd >= 0)
		snprintf(path, size, "/dev/dri/card%d", card);
	return fd;
}

/* PRIME import of @dmabuf; 0 (handle closed again) or -errno */
static int vgem_import(int drm, int dmabuf)
{
	struct drm_prime_handle h = { .fd = dmabuf };
	struct drm_gem_close gc = { 0 };

	if (ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h) < 0)
		return -errno;
	gc.handle = h.handle;
	if (ioctl(drm, DRM_IOCTL_GEM_CLOSE, &gc) < 0)
		return -errno;
	return 0;
}

static const char *err_name(int err)
{
	return err ? strerror(-err) : "success";
}

/* Import a fresh @heap buffer; the import's result */
static int import_new(int drm, const char *heap)
{
	int fd = pm_heap_alloc_path(heap, BUF_SIZE), ret;

	if (fd < 0)
		return fd;
	ret = vgem_import(drm, fd);
	close(fd);
	return ret;
}

int main(void)
{
	struct pm_vtee_params boot, vgem, got;
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES] = { 0 };
	char path[64], holders[256];
	int drm, ret, had_vmedia = 0;
	struct tap t;

	tap_init(&t);
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "vgem PRIME import");
		return tap_done(&t);
	}
	drm = vgem_open(path, sizeof(path));
	if (drm < 0) {
		tap_skip(&t, "no vgem DRM device", "vgem PRIME import");
		return tap_done(&t);
	}
	tap_diag("vgem is %s", path);
	ret = pm_vtee_read_params(&boot);
	if (!tap_ok(&t, ret == 0, "vtee's parameters are readable"))
		goto out;
	if (strstr(pm_vtee_param(&boot, "firewall"), "vgem")) {
		tap_skip(&t, "vtee was loaded with rules naming vgem",
			 "vgem denied by default");
	} else {
		vm_violations(before);
		ret = import_new(drm, pm_use_case(0)->heap);
		tap_ok(&t, ret == -EPERM,
		       "default rules: vgem import of a secure-video buffer fails with EPERM (%s)",
		       err_name(ret));
		vm_violations(after);
		tap_ok(&t, after[0] == before[0] + 1,
		       "the refused import is counted as a secure-video violation");
	}
	ret = import_new(drm, PM_SYS_HEAP);
	tap_ok(&t, ret == 0, "vgem imports a system-heap buffer (%s)",
	       err_name(ret));
	close(drm);
	drm = -1;

	/* vtee with a rule for vgem */
	if (vm_loaded()) {
		had_vmedia = 1;
		ret = vm_unload();
		if (ret)
			tap_diag("unloading vmedia: %s", err_name(ret));
	}
	if (pm_vtee_holders(holders, sizeof(holders))) {
		tap_skip(&t, "other modules use vtee", "vgem allowed (holders: %s)",
			 holders);
		goto restore_vmedia;
	}
	vgem = boot;
	pm_vtee_param_set(&vgem, "firewall", FW_VGEM);
	ret = pm_vtee_reload(&vgem);
	if (!tap_ok(&t, ret == 0, "vtee reloads with firewall \"%s\"", FW_VGEM))
		goto restore;
	drm = vgem_open(path, sizeof(path));
	ret = drm < 0 ? drm : import_new(drm, pm_use_case(0)->heap);
	tap_ok(&t, ret == 0,
	       "vgem allowed for secure-video: its import of a secure-video buffer succeeds (%s)",
	       err_name(ret));
	ret = drm < 0 ? drm : import_new(drm, pm_use_case(1)->heap);
	tap_ok(&t, ret == -EPERM,
	       "still not allowed for trusted-ui: EPERM (%s)", err_name(ret));
	if (drm >= 0)
		close(drm);
	drm = -1;

restore:
	if (!pm_vtee_param_is_set(pm_vtee_param(&boot, "firewall")))
		pm_vtee_param_set(&boot, "firewall", "");
	ret = pm_vtee_loaded() ? pm_vtee_reload(&boot) : pm_vtee_load(&boot);
	ret = ret ?: pm_vtee_read_params(&got);
	if (!tap_ok(&t, ret == 0 && pm_vtee_params_equal(&got, &boot),
		    "vtee is back with the parameters it had at the start"))
		pm_vtee_diag_params(&got, &boot);
	tap_ok(&t, pm_wait_all_clean(PM_VTEE_RELOAD_CLEAN_MS),
	       "every pool is free and clean after the reloads");
restore_vmedia:
	if (had_vmedia) {
		ret = vm_load();
		tap_ok(&t, ret >= 0, "vmedia is loaded again (%s)",
		       err_name(ret < 0 ? ret : 0));
	}
out:
	if (drm >= 0)
		close(drm);
	return tap_done(&t);
}
