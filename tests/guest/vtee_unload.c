// SPDX-License-Identifier: GPL-2.0
/*
 * vtee_unload - vtee's module lifetime: anything that uses it (a live
 * protected buffer, an open /dev/tee0, a registered shm) keeps it loaded
 * -- delete_module() fails with EWOULDBLOCK, the errno Linux 6.1 gives for
 * "module in use" -- and once all are gone it unloads; the heaps then
 * stay but fail allocation with ENODEV; reloading with the same
 * parameters brings the TEE device and the pools back.
 *
 * The module is left loaded at the end with the parameters it had at the
 * start (read from /sys/module/vtee/parameters), as the guest's init
 * loaded it at boot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define MOD		"vtee"
#define MOD_SYSFS	"/sys/module/" MOD
#define N_PARAMS	4
/* A fresh carveout is scrubbed in the background: give it time */
#define RELOAD_CLEAN_MS	30000

static const char *const param_names[N_PARAMS] = {
	"carveout", "split", "allocator", "firewall",
};

struct params {
	char val[N_PARAMS][256];	/* as sysfs shows them, no newline */
};

static int vtee_loaded(void)
{
	return pm_path_exists(MOD_SYSFS "/initstate");
}

static int read_params(struct params *p)
{
	char path[128];
	unsigned int i;
	size_t n;
	int ret;

	for (i = 0; i < N_PARAMS; i++) {
		snprintf(path, sizeof(path), MOD_SYSFS "/parameters/%s",
			 param_names[i]);
		ret = pm_read_file(path, p->val[i], sizeof(p->val[i]));
		if (ret)
			return ret;
		n = strlen(p->val[i]);
		if (n && p->val[i][n - 1] == '\n')
			p->val[i][n - 1] = '\0';
	}
	return 0;
}

/* The carveout the kernel command line reserved (protmem.carveout=) */
static int cmdline_params(struct params *p)
{
	char cmdline[4096], *s, *e;

	memset(p, 0, sizeof(*p));
	if (pm_read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return -ENOENT;
	s = strstr(cmdline, "protmem.carveout=");
	if (!s)
		return -ENOENT;
	s += strlen("protmem.carveout=");
	e = s + strcspn(s, " \n");
	snprintf(p->val[0], sizeof(p->val[0]), "%.*s", (int)(e - s), s);
	strcpy(p->val[1], "");
	strcpy(p->val[2], "pmx");
	strcpy(p->val[3], "(null)");
	return 0;
}

/* "name=\"value\" ..." for finit_module, leaving out unset parameters */
static void param_string(const struct params *p, char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < N_PARAMS && n < size; i++) {
		if (!p->val[i][0] || !strcmp(p->val[i], "(null)"))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s=\"%s\"",
				      n ? " " : "", param_names[i], p->val[i]);
	}
}

/* Path of vtee.ko: the usual place, else whatever modules.dep says */
static int module_path(char *path, size_t size)
{
	char dep[256], line[512];
	struct utsname u;
	FILE *f;
	char *colon;

	if (uname(&u))
		return -errno;
	snprintf(path, size, "/lib/modules/%s/kernel/drivers/tee/vtee/vtee.ko",
		 u.release);
	if (pm_path_exists(path))
		return 0;
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(dep, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (strlen(line) >= 8 && !strcmp(line + strlen(line) - 8, "/vtee.ko")) {
			int n;

			if (line[0] == '/')
				n = snprintf(path, size, "%s", line);
			else
				n = snprintf(path, size, "/lib/modules/%s/%s",
					     u.release, line);
			fclose(f);
			if (n < 0 || (size_t)n >= size)
				return -ENAMETOOLONG;
			return pm_path_exists(path) ? 0 : -ENOENT;
		}
	}
	fclose(f);
	return -ENOENT;
}

static int unload(void)
{
	return syscall(SYS_delete_module, MOD, O_NONBLOCK) ? -errno : 0;
}

/* Load vtee with @p: finit_module on vtee.ko, else busybox modprobe. */
static int load(const struct params *p)
{
	char args[1200], path[512], cmd[1400];
	int fd, ret;

	param_string(p, args, sizeof(args));
	if (!module_path(path, sizeof(path))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, args, 0) ? -errno : 0;
		close(fd);
		if (ret)
			tap_diag("finit_module(%s, \"%s\"): %s", path, args,
				 strerror(-ret));
		return ret;
	}
	snprintf(cmd, sizeof(cmd), "modprobe " MOD " %s", args);
	ret = system(cmd);
	if (ret)
		tap_diag("%s: status %d", cmd, ret);
	return ret ? -EIO : 0;
}

static int holders(char *buf, size_t size)
{
	DIR *d = opendir(MOD_SYSFS "/holders");
	struct dirent *e;
	size_t n = 0;
	int count = 0;

	buf[0] = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		count++;
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s ", e->d_name);
	}
	closedir(d);
	return count;
}

static int64_t refcnt(void)
{
	uint64_t v;

	return pm_read_u64(MOD_SYSFS "/refcnt", &v) ? -1 : (int64_t)v;
}

/* delete_module must fail with "in use" and leave vtee loaded. */
static void expect_busy(struct tap *t, const char *why)
{
	int ret = unload();

	if (!tap_ok(t, ret == -EWOULDBLOCK && vtee_loaded(),
		    "with %s, unloading vtee fails with EWOULDBLOCK (in use)", why))
		tap_diag("delete_module: %s; refcnt %" PRId64 "; loaded %d",
			 ret ? strerror(-ret) : "succeeded", refcnt(), vtee_loaded());
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

	tap_ok(t, !vtee_loaded(), "vtee is gone from /sys/module");
	tap_ok(t, !pm_path_exists(PM_TEE_DEV), "%s is gone", PM_TEE_DEV);
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		heap = pm_heap_open(u->heap);
		if (!tap_ok(t, heap >= 0, "%s stays (DMA heaps cannot be removed in 6.1)", u->heap)) {
			tap_diag("open: %s", strerror(-heap));
			continue;
		}
		ret = pm_heap_alloc(heap, PM_MIB);
		if (!tap_ok(t, ret == -ENODEV, "%s: allocation without vtee fails with ENODEV", u->heap))
			tap_diag("ret %d", ret);
		if (ret >= 0)
			close(ret);
		close(heap);
	}
}

static void test_reloaded(struct tap *t, const struct params *want)
{
	struct tee_ioctl_version_data v;
	struct params got;
	unsigned int i;
	int tee, fd, ret, same;

	ret = read_params(&got);
	same = !ret;
	for (i = 0; same && i < N_PARAMS; i++)
		same = !strcmp(got.val[i], want->val[i]);
	if (!tap_ok(t, same, "vtee is back with the parameters it had at the start"))
		for (i = 0; !ret && i < N_PARAMS; i++)
			tap_diag("%s: \"%s\", was \"%s\"", param_names[i],
				 got.val[i], want->val[i]);

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
	struct params boot;
	char who[512];
	struct tap t;
	int ret, waited;
	uint64_t deadline;

	tap_init(&t);
	if (!tap_ok(&t, vtee_loaded(), "vtee is loaded (as a module) at the start")) {
		/* Put it back the way init would have, so later tests run */
		if (!cmdline_params(&boot) && !load(&boot))
			tap_diag("loaded vtee from protmem.carveout= on the command line");
		return tap_done(&t);
	}
	ret = read_params(&boot);
	if (!tap_ok(&t, ret == 0, "vtee's parameters are readable in sysfs")) {
		tap_diag("%s/parameters: %s", MOD_SYSFS, strerror(-ret));
		return tap_done(&t);
	}
	param_string(&boot, who, sizeof(who));
	tap_diag("vtee parameters: %s", who);
	if (holders(who, sizeof(who))) {
		tap_skip(&t, "other modules use vtee", "vtee unload and reload (holders: %s)", who);
		return tap_done(&t);
	}
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at the start");

	test_pinned(&t);

	/* Releases are synchronous, but allow for deferred fput */
	deadline = pm_now_ms() + 2000;
	while (refcnt() != 0 && pm_now_ms() < deadline)
		pm_sleep_ms(20);
	waited = refcnt() == 0;
	if (!tap_ok(&t, waited, "with everything closed nothing holds vtee (refcnt 0)"))
		tap_diag("refcnt %" PRId64, refcnt());

	ret = unload();
	if (!tap_ok(&t, ret == 0, "delete_module(\"vtee\") succeeds once nothing uses it")) {
		tap_diag("delete_module: %s; refcnt %" PRId64, strerror(-ret), refcnt());
		return tap_done(&t);
	}
	test_unloaded(&t);

	ret = load(&boot);
	if (!tap_ok(&t, ret == 0 && vtee_loaded(), "vtee loads again with the same parameters")) {
		tap_diag("load: %s", strerror(-ret));
		return tap_done(&t);
	}
	test_reloaded(&t, &boot);
	return tap_done(&t);
}
