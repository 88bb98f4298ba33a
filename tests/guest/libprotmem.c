// SPDX-License-Identifier: GPL-2.0
/*
 * libprotmem - every call of lib/protmem/protmem.h, as a program uses it,
 * with its error paths and their exact errnos, checked against what the
 * kernel says through other means (sysfs read directly, the test helpers'
 * raw ioctls):
 *  - use-case names, the heap list;
 *  - allocation through the heap and through the TEE: sizes, page
 *    rounding, pool accounting, no CPU mapping, EINVAL/ENOMEM/ENOTTY/EBADF;
 *  - registration with the TEE: a protected buffer, not a system-heap one;
 *  - pool figures, firewall rules, violation counters and the occupancy
 *    map against sysfs/debugfs, and refused to uid 65534 where root's;
 *  - vmedia: capture, encode, decode, scan-out through the library, the
 *    firewall's and the exporter's refusals;
 *  - the V4L2 decoder: a protected frame decoded and shown, a refused one;
 *  - threads: allocations, registrations and figures in parallel; every
 *    pool free and clean afterwards, the allocation count exact;
 *  - the map of a dynamic pool (vtee reloaded with one, then as it was).
 * Loads vmedia and vdec_m2m if needed and unloads what it loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/videodev2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem.h"
#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define NOBODY		65534
#define THREADS		4
#define ITERATIONS	40
#define FRAME		(64 * 1024)
#define PICTURE		20000	/* what the test bitstream decodes to */

static const char *e(int err)
{
	return err >= 0 ? "success" : strerror(-err);
}

/* Run @fn as uid/gid 65534 in a child; its return value (an -errno) */
static int as_nobody(int (*fn)(void))
{
	int status, fds[2], ret = -EIO;
	pid_t pid;

	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			ret = -EPERM - 1000;
		else
			ret = fn();
		if (write(fds[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EIO;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return ret;
}

static int nobody_stats(void)
{
	struct protmem_pool_stats st;

	return protmem_pool_stats(PROTMEM_SECURE_VIDEO, &st);
}

static int nobody_map(void)
{
	return protmem_pool_map(PROTMEM_SECURE_VIDEO, NULL, 0);
}

static int nobody_rules(void)
{
	return protmem_allowed_devices(PROTMEM_SECURE_VIDEO, NULL, 0);
}

/* ---- names and the heap list -------------------------------------------- */

static void test_names(struct tap *t)
{
	const char *name = NULL;
	int uc, ok = 1;

	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++) {
		ok &= !protmem_use_case_name(uc, &name) &&
		      !strcmp(name, pm_use_case((unsigned int)uc - 1)->name) &&
		      protmem_use_case(name) == uc &&
		      pm_use_case((unsigned int)uc - 1)->id == (uint32_t)uc;
	}
	tap_ok(t, ok, "use case names and numbers round-trip, as linux/tee.h's TEE_PROTMEM_*");
	tap_ok(t, protmem_use_case("secure") == -EINVAL &&
	       protmem_use_case(NULL) == -EINVAL &&
	       protmem_use_case_name(0, &name) == -EINVAL &&
	       protmem_use_case_name(4, &name) == -EINVAL &&
	       protmem_use_case_name(1, NULL) == -EINVAL,
	       "unknown names, numbers 0 and 4, NULL: EINVAL");
}

static void test_heaps(struct tap *t)
{
	struct protmem_heap_info h[PROTMEM_NUM_USE_CASES + 1];
	int n, i, ok = 1;

	n = protmem_heaps(h, PROTMEM_NUM_USE_CASES + 1);
	for (i = 0; i < PROTMEM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case((unsigned int)i);

		ok &= h[i].use_case == i + 1 && !strcmp(h[i].name, u->name) &&
		      !strcmp(h[i].heap, u->heap) && h[i].has_heap &&
		      h[i].has_pool && !strncmp(pm_protmem_dir(), "/sys/class/tee/", 15) &&
		      !strncmp(pm_protmem_dir() + 15, h[i].tee, strlen(h[i].tee));
	}
	tap_ok(t, n == PROTMEM_NUM_USE_CASES && ok,
	       "protmem_heaps: three use cases, each with its heap and a pool on %s (%s)",
	       h[0].tee, e(n));
	tap_ok(t, protmem_heaps(h, 2) == -EINVAL && protmem_heaps(NULL, 3) == -EINVAL,
	       "protmem_heaps with room for 2 or NULL: EINVAL");
}

/* ---- allocation and registration ---------------------------------------- */

static void test_alloc(struct tap *t)
{
	struct protmem_pool_stats before, after;
	struct pm_pool_stats raw;
	uint64_t size = 0;
	int fd, uc, ret;
	void *p;

	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++) {
		const char *name = pm_use_case((unsigned int)uc - 1)->name;

		protmem_pool_stats(uc, &before);
		fd = protmem_alloc(uc, 5000);
		ret = fd >= 0 ? protmem_buf_size(fd, &size) : fd;
		protmem_pool_stats(uc, &after);
		tap_ok(t, fd >= 0 && !ret && size == 8192 &&
		       after.used == before.used + 8192 &&
		       after.live_buffers == before.live_buffers + 1 &&
		       after.allocations == before.allocations + 1,
		       "protmem_alloc(%s, 5000): 8192 bytes, used +8192, one more live buffer (%s)",
		       name, e(fd));
		p = fd >= 0 ? mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
		tap_ok(t, p == MAP_FAILED && errno == EPERM,
		       "%s buffer: mmap refused with EPERM", name);
		if (p != MAP_FAILED)
			munmap(p, 8192);
		if (fd >= 0)
			close(fd);
	}
	tap_ok(t, protmem_alloc(PROTMEM_SECURE_VIDEO, 0) == -EINVAL &&
	       protmem_alloc(0, 4096) == -EINVAL && protmem_alloc(4, 4096) == -EINVAL,
	       "protmem_alloc: size 0, use case 0 or 4: EINVAL");
	pm_pool_stats("secure-video", &raw);
	fd = protmem_alloc(PROTMEM_SECURE_VIDEO, raw.size + 4096);
	tap_ok(t, fd == -ENOMEM, "protmem_alloc beyond the pool's size: ENOMEM (%s)", e(fd));
	if (fd >= 0)
		close(fd);
	tap_ok(t, protmem_buf_size(-1, &size) == -EBADF &&
	       protmem_buf_size(0, NULL) == -EINVAL,
	       "protmem_buf_size: closed fd EBADF, NULL EINVAL");
}

static void test_tee(struct tap *t)
{
	struct protmem_shm shm = { .fd = -1 };
	uint64_t got = 0;
	int tee, fd, sys, null, ret;

	tee = protmem_tee_open();
	if (!tap_ok(t, tee >= 0, "protmem_tee_open finds the TEE with TEE_GEN_CAP_PROTMEM (%s)",
		    e(tee)))
		return;
	fd = protmem_tee_alloc(tee, PROTMEM_TRUSTED_UI, 12345, &got);
	tap_ok(t, fd >= 0 && got == 16384,
	       "protmem_tee_alloc(trusted-ui, 12345): a buffer of 16384 bytes (%s, %" PRIu64 ")",
	       e(fd), got);
	if (fd >= 0)
		close(fd);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	tap_ok(t, protmem_tee_alloc(tee, 9, 4096, NULL) == -EINVAL &&
	       protmem_tee_alloc(tee, 1, 0, NULL) == -EINVAL &&
	       protmem_tee_alloc(null, 1, 4096, NULL) == -ENOTTY &&
	       protmem_tee_alloc(-1, 1, 4096, NULL) == -EBADF,
	       "protmem_tee_alloc: use case 9 or size 0 EINVAL, /dev/null ENOTTY, closed EBADF");
	ret = protmem_tee_alloc(tee, PROTMEM_SECURE_VIDEO, 1ULL << 40, NULL);
	tap_ok(t, ret == -ENOMEM, "protmem_tee_alloc of 1 TiB: ENOMEM (%s)", e(ret));

	fd = protmem_alloc(PROTMEM_SECURE_VIDEO, 3 * 4096);
	ret = protmem_register(tee, fd, &shm);
	tap_ok(t, !ret && shm.fd >= 0 && shm.size == 3 * 4096 && shm.id >= 0,
	       "protmem_register: shared memory of the whole buffer, 12288 bytes (%s)", e(ret));
	if (fd >= 0)
		close(fd);	/* the registration holds its own reference */
	tap_ok(t, protmem_unregister(&shm) == 0 && shm.fd == -1 &&
	       protmem_unregister(&shm) == -EINVAL && protmem_unregister(NULL) == -EINVAL,
	       "protmem_unregister: 0, then EINVAL for the dropped one and for NULL");
	sys = pm_heap_alloc_path(PM_SYS_HEAP, 4096);
	ret = protmem_register(tee, sys, &shm);
	tap_ok(t, ret == -EINVAL, "protmem_register of a system-heap buffer: EINVAL (%s)", e(ret));
	ret = protmem_register(tee, -1, &shm);
	tap_ok(t, ret == -EINVAL, "protmem_register of a closed fd: EINVAL (%s)", e(ret));
	ret = protmem_register(-1, sys, &shm);
	tap_ok(t, ret == -EBADF, "protmem_register on a closed TEE fd: EBADF (%s)", e(ret));
	tap_ok(t, protmem_register(tee, sys, NULL) == -EINVAL, "protmem_register, NULL shm: EINVAL");
	if (sys >= 0)
		close(sys);
	close(null);
	close(tee);
}

/* ---- figures, rules, violations, map ------------------------------------ */

static void test_figures(struct tap *t)
{
	struct protmem_rule rules[8], one;
	struct protmem_extent ext[64];
	struct protmem_pool_stats st;
	struct pm_pool_stats raw;
	uint64_t v[PM_NUM_USE_CASES], count, sum, used;
	char buf[256], want[256], *p;
	int fd, n, i, uc, ok, ret;

	fd = protmem_alloc(PROTMEM_SECURE_VIDEO, 1 << 20);
	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++) {
		const char *name = pm_use_case((unsigned int)uc - 1)->name;

		ret = protmem_pool_stats(uc, &st);
		pm_pool_stats(name, &raw);
		tap_ok(t, !ret && st.size == raw.size && st.used == raw.used &&
		       st.free == raw.free && st.largest_free == raw.largest_free &&
		       st.live_buffers == raw.live_buffers &&
		       st.allocations == raw.allocations && st.failures == raw.failures,
		       "protmem_pool_stats(%s) is sysfs's (size %" PRIu64 " used %" PRIu64 ")",
		       name, st.size, st.used);

		/* The rules, written back as sysfs writes them */
		n = protmem_allowed_devices(uc, rules, 8);
		snprintf(buf, sizeof(buf), "%s/%s/allowed_devices", pm_protmem_dir(), name);
		pm_read_file(buf, want, sizeof(want));
		for (p = buf, *p = '\0', i = 0; i < n && i < 8; i++)
			p += sprintf(p, "%s%s:%s%s", i ? " " : "", rules[i].device,
				     rules[i].access & PROTMEM_READ ? "r" : "",
				     rules[i].access & PROTMEM_WRITE ? "w" : "");
		strcat(buf, "\n");
		tap_ok(t, n >= 1 && !strcmp(buf, want),
		       "protmem_allowed_devices(%s): %d rules, as allowed_devices says", name, n);
		tap_ok(t, protmem_allowed_devices(uc, NULL, 0) == n,
		       "protmem_allowed_devices(%s) counts without room", name);
	}
	n = protmem_allowed_devices(PROTMEM_SECURE_VIDEO, &one, 1);
	tap_ok(t, n == 2 && !strcmp(one.device, "vdec") &&
	       one.access == (PROTMEM_READ | PROTMEM_WRITE),
	       "secure-video with room for one rule: 2 counted, the first vdec:rw");
	tap_ok(t, protmem_pool_stats(0, &st) == -EINVAL && protmem_pool_stats(1, NULL) == -EINVAL &&
	       protmem_allowed_devices(4, rules, 8) == -EINVAL &&
	       protmem_allowed_devices(1, NULL, 3) == -EINVAL,
	       "pool figures and rules: bad use case or NULL, EINVAL");
	ret = as_nobody(nobody_stats);
	tap_ok(t, ret == -EACCES, "protmem_pool_stats as uid 65534: EACCES (%s)", e(ret));
	ret = as_nobody(nobody_rules);
	tap_ok(t, ret == 2, "protmem_allowed_devices as uid 65534: the rules (%s)", e(ret));

	ok = !vm_violations(v);
	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++)
		ok &= !protmem_violations(uc, &count) && count == v[uc - 1];
	tap_ok(t, ok, "protmem_violations is vtee's counter, each use case");
	tap_ok(t, protmem_violations(0, &count) == -EINVAL &&
	       protmem_violations(1, NULL) == -EINVAL,
	       "protmem_violations: bad use case or NULL, EINVAL");

	/* The map, with a 1 MiB buffer held */
	n = protmem_pool_map(PROTMEM_SECURE_VIDEO, ext, 64);
	protmem_pool_stats(PROTMEM_SECURE_VIDEO, &st);
	for (ok = n > 0 && n <= 64, sum = used = 0, i = 0; ok && i < n; i++) {
		ok &= ext[i].offset == sum && ext[i].len > 0 &&
		      (!i || ext[i].state != ext[i - 1].state);
		sum += ext[i].len;
		if (ext[i].state == PROTMEM_EXTENT_USED)
			used += ext[i].len;
	}
	tap_ok(t, ok && sum == st.size && used >= st.used && used >= (1 << 20),
	       "protmem_pool_map: %d extents, end to end, adding up to the size; in buffers %" PRIu64
	       " >= used %" PRIu64, n, used, st.used);
	tap_ok(t, protmem_pool_map(PROTMEM_SECURE_VIDEO, NULL, 0) == n &&
	       protmem_pool_map(PROTMEM_SECURE_VIDEO, ext, 1) == n,
	       "protmem_pool_map counts without room, and past the room it has");
	ret = as_nobody(nobody_map);
	tap_ok(t, ret == -EACCES, "protmem_pool_map as uid 65534: EACCES (%s)", e(ret));
	tap_ok(t, protmem_pool_map(0, ext, 64) == -EINVAL &&
	       protmem_pool_map(1, NULL, 5) == -EINVAL,
	       "protmem_pool_map: bad use case or NULL, EINVAL");
	if (fd >= 0)
		close(fd);
}

/* ---- media devices ------------------------------------------------------ */

/* Write @len bytes of @src to system-heap buffer @fd */
static int sys_fill(int fd, const uint8_t *src, size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	memcpy(p, src, len);
	munmap(p, len);
	return 0;
}

struct media {
	int vdec, vdisp, vcam, venc;
	uint8_t bs[400];
	size_t bs_len;
	uint8_t frame[FRAME];
	uint32_t crc;		/* of the frame, zero-padded to FRAME */
};

static void test_media(struct tap *t, struct media *m)
{
	uint64_t n = 0, written = 0, before[PM_NUM_USE_CASES], mid[PM_NUM_USE_CASES];
	uint64_t after[PM_NUM_USE_CASES];
	uint8_t pattern[FRAME];
	uint32_t crc = 0;
	int sys_in, sys_out, sv, svr, ret;
	size_t i;

	tap_ok(t, protmem_media_open("vfoo") == -EINVAL && protmem_media_open(NULL) == -EINVAL,
	       "protmem_media_open of another name: EINVAL");
	sys_in = pm_heap_alloc_path(PM_SYS_HEAP, FRAME);
	sys_out = pm_heap_alloc_path(PM_SYS_HEAP, FRAME);
	sv = protmem_alloc(PROTMEM_SECURE_VIDEO, FRAME);
	svr = protmem_alloc(PROTMEM_SECURE_VIDEO_RECORD, FRAME);

	/* vcam into normal memory, vdisp shows it */
	ret = protmem_capture(m->vcam, sys_out, FRAME, &n);
	for (i = 0; i < FRAME; i++)
		pattern[i] = (uint8_t)(n + i / 64);
	ret = ret ?: protmem_scanout(m->vdisp, sys_out, FRAME, &crc);
	tap_ok(t, !ret && crc == vm_crc32(pattern, FRAME),
	       "protmem_capture then protmem_scanout: the CRC of test frame %" PRIu64 " (%s)",
	       n, e(ret));

	/* A bitstream in normal memory decoded into protected memory, shown */
	ret = sys_fill(sys_in, m->bs, m->bs_len);
	ret = ret ?: protmem_decode(m->vdec, sys_in, m->bs_len, sv, &written);
	ret = ret ?: protmem_scanout(m->vdisp, sv, 1, &crc);
	tap_ok(t, !ret && written == PICTURE && crc == m->crc,
	       "protmem_decode into a secure-video frame, protmem_scanout: the frame, whole (%s)",
	       e(ret));

	/* Recording: vcam into protected memory, venc encodes it */
	ret = protmem_capture(m->vcam, svr, FRAME, NULL);
	ret = ret ?: protmem_encode(m->venc, svr, FRAME, sys_out, &written);
	tap_ok(t, ret == -EACCES,
	       "protmem_encode of a protected recording into normal memory: EACCES (%s)", e(ret));

	vm_violations(before);
	ret = protmem_capture(m->vcam, sv, FRAME, NULL);
	vm_violations(mid);
	tap_ok(t, ret == -EPERM && mid[0] == before[0] + 1,
	       "protmem_capture into secure-video (vcam not allowed): EPERM from the exporter, one violation (%s)",
	       e(ret));
	ret = protmem_decode(m->vdec, sv, FRAME, sys_out, NULL);
	vm_violations(after);
	if (!tap_ok(t, ret == -EACCES && after[0] == mid[0] + 1 && after[1] == mid[1] &&
		    after[2] == mid[2],
		    "protmem_decode of protected content into normal memory: EACCES, one secure-video violation (%s)",
		    e(ret)))
		tap_diag("violations before %" PRIu64 " %" PRIu64 " %" PRIu64 ", after %" PRIu64
			 " %" PRIu64 " %" PRIu64, mid[0], mid[1], mid[2], after[0],
			 after[1], after[2]);
	ret = protmem_scanout(m->vdisp, -1, FRAME, NULL);
	tap_ok(t, ret == -EBADF, "protmem_scanout of a closed fd: EBADF (%s)", e(ret));
	close(sys_in);
	close(sys_out);
	close(sv);
	close(svr);
}

static void test_v4l2(struct tap *t, struct media *m)
{
	struct protmem_v4l2 dec = { .fd = -1 };
	uint32_t used = 0, crc = 0;
	int bs, frame, tui, ret;

	ret = protmem_v4l2_open(&dec, 256, 256);
	if (!tap_ok(t, !ret && dec.frame_size == FRAME,
		    "protmem_v4l2_open: vdec-m2m, 256x256, 65536-byte frames (%s)", e(ret)))
		return;
	bs = pm_heap_alloc_path(PM_SYS_HEAP, FRAME);
	frame = protmem_alloc(PROTMEM_SECURE_VIDEO, FRAME);
	ret = sys_fill(bs, m->bs, m->bs_len);
	ret = ret ?: protmem_v4l2_decode(&dec, bs, (uint32_t)m->bs_len, frame, 5000, &used);
	ret = ret ?: protmem_scanout(m->vdisp, frame, FRAME, &crc);
	tap_ok(t, !ret && used == PICTURE && crc == m->crc,
	       "protmem_v4l2_decode into a protected frame, shown with its CRC (%s, bytesused %u)",
	       e(ret), used);
	ret = protmem_v4l2_decode(&dec, bs, (uint32_t)m->bs_len, frame, 5000, &used);
	tap_ok(t, ret == 0, "a second frame through the same session (%s)", e(ret));
	tui = protmem_alloc(PROTMEM_TRUSTED_UI, FRAME);
	ret = protmem_v4l2_decode(&dec, bs, (uint32_t)m->bs_len, tui, 5000, &used);
	tap_ok(t, ret == -EPERM,
	       "protmem_v4l2_decode into a trusted-ui frame: EPERM at QBUF (%s)", e(ret));
	ret = protmem_v4l2_close(&dec);
	tap_ok(t, ret == 0 && dec.fd == -1 && protmem_v4l2_close(&dec) == -EINVAL,
	       "protmem_v4l2_close: 0, then EINVAL (%s)", e(ret));
	tap_ok(t, protmem_v4l2_open(NULL, 256, 256) == -EINVAL &&
	       protmem_v4l2_decode(&dec, bs, 1, frame, 10, NULL) == -EINVAL,
	       "protmem_v4l2_open(NULL) and decode on a closed session: EINVAL");
	close(bs);
	close(frame);
	close(tui);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
	pthread_t th;
	unsigned int seed;
	int failures;
	char what[96];
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct protmem_pool_stats st;
	struct protmem_rule rules[4];
	struct protmem_shm shm;
	int tee = protmem_tee_open(), i, fd, ret;

	for (i = 0; i < ITERATIONS && tee >= 0; i++) {
		uint64_t size = 4096 * (1 + rand_r(&w->seed) % 64);

		fd = (i & 1) ? protmem_alloc(PROTMEM_SECURE_VIDEO, size) :
			       protmem_tee_alloc(tee, PROTMEM_SECURE_VIDEO, size, NULL);
		ret = fd < 0 ? fd : protmem_register(tee, fd, &shm);
		ret = ret ?: (shm.size == size ? 0 : -ERANGE);
		ret = ret ?: protmem_unregister(&shm);
		ret = ret ?: protmem_pool_stats(PROTMEM_SECURE_VIDEO, &st);
		ret = ret ?: (protmem_allowed_devices(PROTMEM_SECURE_VIDEO, rules, 4) == 2 ?
			      0 : -EIO);
		if (fd >= 0)
			close(fd);
		if (ret && !w->failures++)
			snprintf(w->what, sizeof(w->what), "iteration %d, %" PRIu64 " bytes: %s",
				 i, size, strerror(-ret));
	}
	if (tee < 0) {
		w->failures++;
		snprintf(w->what, sizeof(w->what), "protmem_tee_open: %s", strerror(-tee));
	} else {
		close(tee);
	}
	return NULL;
}

static void test_threads(struct tap *t)
{
	struct worker w[THREADS];
	struct protmem_pool_stats before, after;
	int i, failures = 0, started = 1;

	protmem_pool_stats(PROTMEM_SECURE_VIDEO, &before);
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = (unsigned int)(pm_seed() + (uint64_t)i);
		started &= !pthread_create(&w[i].th, NULL, worker, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		failures += w[i].failures;
		if (w[i].failures)
			tap_diag("thread %d: %d failures, first %s", i, w[i].failures, w[i].what);
	}
	protmem_pool_stats(PROTMEM_SECURE_VIDEO, &after);
	tap_ok(t, started && !failures,
	       "%d threads x %d: allocate (heap and TEE), register, unregister, figures, rules",
	       THREADS, ITERATIONS);
	tap_ok(t, after.allocations == before.allocations + THREADS * ITERATIONS &&
	       after.failures == before.failures,
	       "the pool counted exactly %d allocations, no failure (%" PRIu64 ")",
	       THREADS * ITERATIONS, after.allocations - before.allocations);
}

/* ---- a dynamic pool's map ---------------------------------------------- */

/*
 * vtee reloaded with secure-video-record lent from CMA in 4 MiB chunks (as
 * vtee_dynamic does): the map of a chunk with one 1 MiB buffer, then vtee
 * as it was.
 */
static void test_dynamic_map(struct tap *t)
{
	struct pm_vtee_params boot, dyn, got;
	struct protmem_extent ext[16];
	struct protmem_pool_stats st;
	uint64_t sum = 0, used = 0;
	char who[256];
	int fd = -1, n = -1, i, ret;

	if (!pm_path_exists(PM_VTEE_MOD_SYSFS "/parameters/dynamic") ||
	    pm_vtee_read_params(&boot)) {
		tap_skip(t, "this vtee has no dynamic pools", "protmem_pool_map of a dynamic pool");
		return;
	}
	if (pm_vtee_holders(who, sizeof(who))) {
		tap_skip(t, "other modules use vtee", "protmem_pool_map of a dynamic pool (%s)", who);
		return;
	}
	dyn = boot;
	pm_vtee_param_set(&dyn, "dynamic", "secure-video,secure-video-record");
	pm_vtee_param_set(&dyn, "chunk", "4194304");
	pm_vtee_param_set(&dyn, "dynamic_max", "16777216");
	ret = pm_vtee_reload(&dyn);
	if (tap_ok(t, !ret, "vtee reloads with dynamic=secure-video,secure-video-record chunk=4M (%s)",
		   e(ret))) {
		fd = protmem_alloc(PROTMEM_SECURE_VIDEO_RECORD, 1 << 20);
		n = protmem_pool_map(PROTMEM_SECURE_VIDEO_RECORD, ext, 16);
		ret = protmem_pool_stats(PROTMEM_SECURE_VIDEO_RECORD, &st);
		for (i = 0; i < n && i < 16; i++) {
			sum += ext[i].len;
			if (ext[i].state == PROTMEM_EXTENT_USED)
				used += ext[i].len;
		}
		tap_ok(t, fd >= 0 && !ret && n >= 2 && n <= 16 && st.size == 4 << 20 &&
		       sum == st.size && used == 1 << 20 && ext[0].state == PROTMEM_EXTENT_USED,
		       "dynamic pool: the map is the lent 4 MiB chunk, its 1 MiB buffer first (%d extents, %" PRIu64 " bytes, %" PRIu64 " used)",
		       n, sum, used);
		if (fd >= 0)
			close(fd);
	}
	ret = pm_vtee_loaded() ? pm_vtee_reload(&boot) : pm_vtee_load(&boot);
	ret = ret ?: pm_vtee_read_params(&got);
	tap_ok(t, !ret && pm_vtee_params_equal(&got, &boot),
	       "vtee is back with the parameters of the start (%s)", e(ret));
}

int main(void)
{
	static struct media m;
	struct tap t;
	int loaded, m2m_loaded = 0;
	size_t i;

	tap_init(&t);
	test_names(&t);
	test_heaps(&t);
	test_alloc(&t);
	test_tee(&t);
	test_figures(&t);

	loaded = vm_load();
	m.vdec = protmem_media_open("vdec");
	m.vdisp = protmem_media_open("vdisp");
	m.vcam = protmem_media_open("vcam");
	m.venc = protmem_media_open("venc");
	if (tap_ok(&t, loaded >= 0 && m.vdec >= 0 && m.vdisp >= 0 && m.vcam >= 0 &&
		   m.venc >= 0, "protmem_media_open: vdec, vdisp, vcam, venc")) {
		/* 200 runs of 100 bytes: a 20000-byte picture */
		for (i = 0; i < 200; i++) {
			m.bs[2 * i] = 100;
			m.bs[2 * i + 1] = (uint8_t)(i * 7);
			memset(m.frame + 100 * i, (uint8_t)(i * 7), 100);
		}
		m.bs_len = 400;
		m.crc = vm_crc32(m.frame, FRAME);
		test_media(&t, &m);
		if (!pm_path_exists("/sys/module/vdec_m2m/initstate")) {
			m2m_loaded = !system("modprobe vdec_m2m");
			if (!m2m_loaded)
				tap_diag("modprobe vdec_m2m failed");
		}
		test_v4l2(&t, &m);
	}
	test_threads(&t);

	if (m.vdec >= 0)
		close(m.vdec);
	if (m.vdisp >= 0)
		close(m.vdisp);
	if (m.vcam >= 0)
		close(m.vcam);
	if (m.venc >= 0)
		close(m.venc);
	if (m2m_loaded)
		syscall(SYS_delete_module, "vdec_m2m", O_NONBLOCK);
	if (loaded == 1)
		vm_unload();
	test_dynamic_map(&t);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS), "every pool free and clean afterwards");
	return tap_done(&t);
}
