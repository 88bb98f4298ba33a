// SPDX-License-Identifier: GPL-2.0
/*
 * tee_mainline_api - a TEE driver written against mainline's (6.18)
 * protected-memory interface works on ours: tee_protmem_mainline.ko
 * registers mainline's static pool (secure-video) and a pool with
 * mainline's four ops (trusted-ui) that places buffers in a parent shared
 * memory, as OP-TEE's dynamic pools do; buffers are allocated from the
 * heaps, mapped for a device, registered as TEE shared memory, passed to
 * the driver as memrefs and freed through them, and
 * tee_device_put_all_dma_heaps() destroys the pools.
 *
 * The heaps are global (one pool per use case), so vtee is unloaded for
 * the test and loaded again afterwards with the parameters it had.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define MT_MOD		"tee_protmem_mainline"
#define MT_DEBUGFS	"/sys/kernel/debug/" MT_MOD
#define MT_IMPL_ID	0x4d54
#define MT_STATIC_SIZE	(2 * PM_MIB)
#define MT_OWN_SIZE	PM_MIB
#define SV_HEAP		"/dev/dma_heap/protected,secure-video"
#define TUI_HEAP	"/dev/dma_heap/protected,trusted-ui"

/* One "name: value" line of the module's info file; -1000 if absent */
static long mt_info(const char *name)
{
	char buf[1024], *p;
	size_t n = strlen(name);

	if (pm_read_file(MT_DEBUGFS "/info", buf, sizeof(buf)))
		return -1000;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ':')
			return strtol(p + n + 1, NULL, 10);
	return -1000;
}

/* Write @str to the debugfs file @path; 0 or -errno */
static int mt_write(const char *path, const char *str)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, str, strlen(str)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* Map @fd for the module's device; its verdict into @out */
static int mt_map(int fd, char *out, size_t size)
{
	char num[32];
	int ret;

	snprintf(num, sizeof(num), "%d", fd);
	ret = mt_write(MT_DEBUGFS "/map", num);
	if (ret)
		return ret;
	return pm_read_file(MT_DEBUGFS "/map", out, size);
}

/* The module's TEE device: the tee class device whose parent it is */
static int mt_tee_open(void)
{
	char link[256], path[512];
	struct dirent *e;
	ssize_t n;
	DIR *d;
	int fd = -ENOENT;

	d = opendir("/sys/class/tee");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/tee/%s/device",
			 e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strstr(link, MT_MOD))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(d);
	return fd;
}

static int mt_load(void)
{
	char path[512];
	struct utsname u;
	int fd, ret;

	if (uname(&u))
		return -errno;
	snprintf(path, sizeof(path),
		 "/lib/modules/%s/kernel/drivers/tee/protmem/" MT_MOD ".ko",
		 u.release);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = system("modprobe " MT_MOD);
		return ret ? -ENOENT : 0;
	}
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int mt_unload(void)
{
	return syscall(SYS_delete_module, MT_MOD, O_NONBLOCK) ? -errno : 0;
}

/*
 * Allocate from @heap, map, register with @tee: the buffer fd or -errno;
 * the shm fd into @shm_fd (-1 if none) and its id into @id.
 */
static int mt_buffer(struct tap *t, int tee, const char *heap, uint64_t len,
		     const char *what, int *shm_fd, int32_t *id)
{
	struct tee_ioctl_shm_register_fd_data d = { 0 };
	char verdict[128];
	int buf, shm, ret;

	*shm_fd = -1;
	buf = pm_heap_alloc_path(heap, len);
	if (!tap_ok(t, buf >= 0, "%s: %s allocates %" PRIu64 " bytes", what,
		    heap, len)) {
		tap_diag("alloc: %s", strerror(-buf));
		return buf;
	}
	ret = mt_map(buf, verdict, sizeof(verdict));
	if (!tap_ok(t, !ret && !strncmp(verdict, "ok", 2),
		    "%s: the buffer maps for the module's platform device", what))
		tap_diag("map: %s", ret ? strerror(-ret) : verdict);
	else
		tap_diag("map: %.*s", (int)strcspn(verdict, "\n"), verdict);
	shm = pm_shm_register_fd_raw(tee, buf, 0, &d);
	if (!tap_ok(t, shm >= 0 && d.size == len && d.id > 0 &&
		       d.flags == TEE_IOCTL_SHM_DMA_BUF,
		    "%s: TEE_IOC_SHM_REGISTER_FD on the module's TEE device", what))
		tap_diag("register-fd: %s, size %llu, id %d, flags %#x",
			 shm < 0 ? strerror(-shm) : "ok",
			 (unsigned long long)d.size, d.id, d.flags);
	*shm_fd = shm;
	*id = d.id;
	return buf;
}

/* Invoke with a memref to @id at @offs; what the driver got (ret, origin) */
static void mt_memref(struct tap *t, int tee, int32_t id, uint64_t offs,
		      int want_parent, uint64_t want_offs, const char *what)
{
	struct tee_ioctl_param p;
	struct pm_res r;

	p = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, id, offs, 4096);
	r = pm_invoke(tee, 0, 0, &p, 1);
	if (!tap_ok(t, !r.err && r.ret == (want_parent ? 0u : 1u) &&
		       r.origin == want_offs,
		    "%s: a memref at %" PRIu64 " reaches the driver as %s at %" PRIu64,
		    what, offs, want_parent ? "the parent shm" : "itself",
		    want_offs))
		tap_diag("invoke: %s, ret %u, offset %u",
			 r.err ? strerror(-r.err) : "ok", r.ret, r.origin);
}

static void test_driver(struct tap *t)
{
	struct tee_ioctl_version_data v;
	int tee, a, b, c, ret, shm_a, shm_b;
	int32_t id_a = 0, id_b = 0;
	long allocs, frees, offs;

	tap_ok(t, mt_info("register secure-video") == 0,
	       "tee_device_register_dma_heap(secure-video, mainline's static pool) succeeds");
	tap_ok(t, mt_info("register trusted-ui") == 0,
	       "tee_device_register_dma_heap(trusted-ui, the driver's own pool) succeeds");
	if (!tap_ok(t, mt_info("register busy") == -EBUSY,
		    "a second pool for secure-video: -EBUSY, as mainline"))
		tap_diag("register busy: %ld", mt_info("register busy"));
	if (!tap_ok(t, mt_info("register bad id") == -EINVAL,
		    "a pool for id 4: -EINVAL, as mainline"))
		tap_diag("register bad id: %ld", mt_info("register bad id"));
	tap_ok(t, mt_info("destroys") == 1,
	       "the pool of the failed registration was the driver's to destroy (destroy_pool once)");

	tee = mt_tee_open();
	ret = tee >= 0 ? pm_tee_version(tee, &v) : tee;
	if (!tap_ok(t, !ret && v.impl_id == MT_IMPL_ID,
		    "the module's TEE device opens and answers TEE_IOC_VERSION")) {
		tap_diag("open/version: %s", strerror(-ret));
		if (tee >= 0)
			close(tee);
		return;
	}

	a = mt_buffer(t, tee, SV_HEAP, 64 * 1024, "static pool", &shm_a, &id_a);
	b = pm_heap_alloc_path(TUI_HEAP, 64 * 1024);	/* b's offset is not 0 */
	if (b >= 0)
		close(b);
	b = pm_heap_alloc_path(TUI_HEAP, 64 * 1024);
	c = mt_buffer(t, tee, TUI_HEAP, 128 * 1024, "own pool", &shm_b, &id_b);
	allocs = mt_info("allocs");
	tap_ok(t, allocs == 3 && mt_info("update_shm") == 1,
	       "own pool: alloc ran thrice, update_shm once (%ld, %ld)",
	       allocs, mt_info("update_shm"));
	offs = mt_info("last offs");
	tap_ok(t, mt_info("parent") == 1 && offs > 0,
	       "own pool: its update_shm put the buffer at %ld in a parent shm",
	       offs);
	if (shm_a >= 0)
		mt_memref(t, tee, id_a, 8192, 0, 8192, "static pool");
	if (shm_b >= 0)
		mt_memref(t, tee, id_b, 8192, 1, (uint64_t)offs + 8192,
			  "own pool");
	if (shm_a >= 0)
		close(shm_a);
	if (shm_b >= 0)
		close(shm_b);
	if (b >= 0)
		close(b);
	b = c;

	/* The whole static pool, then nothing more */
	c = pm_heap_alloc_path(SV_HEAP, MT_STATIC_SIZE - 64 * 1024);
	tap_ok(t, c >= 0, "static pool: the rest of its %" PRIu64 " bytes allocates",
	       (uint64_t)MT_STATIC_SIZE);
	ret = pm_heap_alloc_path(SV_HEAP, 4096);
	if (!tap_ok(t, ret == -ENOMEM, "static pool: one page more fails with ENOMEM"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_heap_alloc_path(TUI_HEAP, MT_OWN_SIZE);
	if (!tap_ok(t, ret == -ENOMEM, "own pool: its size with a buffer taken fails with ENOMEM"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	frees = mt_info("frees");
	if (c >= 0)
		close(c);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	tap_ok(t, frees == 2 && mt_info("frees") == 3,
	       "own pool: free ran when each buffer's last fd closed");
	c = pm_heap_alloc_path(SV_HEAP, MT_STATIC_SIZE);
	tap_ok(t, c >= 0, "static pool: the whole pool allocates again once freed");
	if (c >= 0)
		close(c);
	close(tee);

	ret = mt_write(MT_DEBUGFS "/put_all", "1");
	tap_ok(t, !ret && mt_info("destroys") == 2,
	       "tee_device_put_all_dma_heaps() with no buffer left destroys the own pool");
	ret = pm_heap_alloc_path(SV_HEAP, 4096);
	if (!tap_ok(t, ret == -EINVAL,
		    "after put_all the heap fails allocations with EINVAL, as mainline"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
}

int main(void)
{
	struct pm_vtee_params boot;
	char who[512];
	struct tap t;
	int ret;

	tap_init(&t);
	if (!pm_vtee_loaded() || pm_vtee_read_params(&boot)) {
		tap_skip(&t, "vtee is not loaded as a module",
			 "a mainline-shaped TEE driver works on our interface");
		return tap_done(&t);
	}
	if (pm_vtee_holders(who, sizeof(who))) {
		tap_skip(&t, "other modules use vtee",
			 "a mainline-shaped TEE driver works on our interface (holders: %s)",
			 who);
		return tap_done(&t);
	}
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "vtee's pools are free and clean at the start");
	pm_vtee_wait_unused(2000);
	ret = pm_vtee_unload();
	if (!tap_ok(&t, ret == 0, "vtee unloads, freeing the heaps")) {
		tap_diag("delete_module: %s", strerror(-ret));
		return tap_done(&t);
	}

	ret = mt_load();
	if (tap_ok(&t, ret == 0, MT_MOD " loads")) {
		test_driver(&t);
		ret = mt_unload();
		if (!tap_ok(&t, ret == 0, MT_MOD " unloads"))
			tap_diag("delete_module: %s", strerror(-ret));
	} else {
		tap_diag("load: %s", strerror(-ret));
	}

	ret = pm_vtee_load(&boot);
	if (!tap_ok(&t, ret == 0 && pm_vtee_loaded(),
		    "vtee loads again with the parameters it had"))
		tap_diag("load: %s", strerror(-ret));
	ret = pm_heap_alloc_path(SV_HEAP, 4096);
	if (!tap_ok(&t, ret >= 0, "secure-video allocates from vtee again"))
		tap_diag("alloc: %s", strerror(-ret));
	if (ret >= 0)
		close(ret);
	tap_ok(&t, pm_wait_all_clean(PM_VTEE_RELOAD_CLEAN_MS),
	       "vtee's pools are free and clean at the end");
	return tap_done(&t);
}
