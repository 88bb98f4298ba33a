// SPDX-License-Identifier: GPL-2.0
/*
 * attack_dyn_restore - issue 8, hole 8 (and the log half of hole 9), as
 * the attack: a dynamic pool's chunk whose direct mapping cannot be
 * restored must never go back to CMA.
 *
 * vtee is reloaded with trusted-ui lent from CMA (chunk 4 MiB). Fault
 * injection (/sys/kernel/debug/fail_tee_protmem_restore, in the step that
 * calls set_direct_map_default_noflush() for a chunk; task-filtered to
 * this process) makes the restore fail once, as a failing page-attribute
 * change would; then a trusted-ui buffer is allocated and freed, so its
 * chunk is reclaimed.
 * Then the attack: the CMA heap (/dev/dma_heap/reserved) is asked for
 * 4 MiB buffers until it runs out -- it zeroes each through the direct
 * map. Before the fix the chunk went back to CMA unmapped and the first
 * CMA heap allocation that got it faulted in the kernel (Oops, panic).
 * Now the chunk is retired: counted in the pool's debugfs map, logged at
 * error level without its physical address, never handed out again; the
 * CMA heap allocations work and the pools are clean.
 *
 * vtee is left loaded with the parameters it had at the start; every
 * fault-injection knob is put back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"

#define FF		"/sys/kernel/debug/fail_tee_protmem_restore"
#define MAKE_IT_FAIL	"/proc/self/make-it-fail"
#define CMA_HEAP	"/dev/dma_heap/reserved"
#define CHUNK		(4 * PM_MIB)
#define MAX_CMA_BUFS	64
#define UC_UI		1

/* A debugfs/sysfs knob and the value to put back */
struct knob {
	char path[128];
	char old[64];
	int set;
};

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int knob_set(struct knob *k, const char *name, const char *val)
{
	size_t n;

	snprintf(k->path, sizeof(k->path), FF "/%s", name);
	if (pm_read_file(k->path, k->old, sizeof(k->old)))
		return -ENOENT;
	n = strlen(k->old);
	if (n && k->old[n - 1] == '\n')
		k->old[n - 1] = '\0';
	k->set = !write_str(k->path, val);
	return k->set ? 0 : -EIO;
}

static void knob_restore(struct knob *k)
{
	if (k->set)
		write_str(k->path, k->old);
	k->set = 0;
}

/* The "retired: N bytes in M chunks" line of the pool's debugfs map */
static int retired(uint64_t *bytes, uint64_t *chunks)
{
	char path[128], buf[16384], *s;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tee_protmem/%s",
		 pm_use_case(UC_UI)->name);
	if (pm_read_file(path, buf, sizeof(buf)))
		return -ENOENT;
	s = strstr(buf, "retired: ");
	if (!s || sscanf(s, "retired: %" SCNu64 " bytes in %" SCNu64, bytes,
			 chunks) != 2)
		return -EINVAL;
	return 0;
}

/* The first "chunk <addr>+<size>" of the pool's debugfs map */
static int chunk_addr(uint64_t *addr)
{
	char path[128], buf[16384], *s;
	uint64_t size;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tee_protmem/%s",
		 pm_use_case(UC_UI)->name);
	if (pm_read_file(path, buf, sizeof(buf)))
		return -ENOENT;
	for (s = buf; s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (sscanf(s, "chunk %" SCNx64 "+%" SCNx64, addr, &size) == 2)
			return 0;
	return -ENOENT;
}

/* Allocate 4 MiB CMA heap buffers until it fails; how many worked */
static int drain_cma(int *fds, int max, int *err)
{
	int heap = pm_heap_open(CMA_HEAP), n;

	*err = 0;
	if (heap < 0) {
		*err = heap;
		return 0;
	}
	for (n = 0; n < max; n++) {
		fds[n] = pm_heap_alloc(heap, CHUNK);
		if (fds[n] < 0) {
			*err = fds[n];
			break;
		}
	}
	close(heap);
	return n;
}

static void attack(struct tap *t, int km)
{
	struct knob k[5] = { 0 };
	uint64_t bytes0 = 0, chunks0 = 0, bytes = 0, chunks = 0, addr = 0;
	char report[256], retire_line[256], hex[32];
	static const char *const retire_pat[] = { "retired", NULL };
	int buf, fds[MAX_CMA_BUFS], n, err, i, hits, ret;
	struct pm_pool_stats st;

	if (retired(&bytes0, &chunks0))
		tap_diag("no retired count in debugfs yet (old kernel?)");
	ret = knob_set(&k[0], "probability", "100");
	ret = ret ?: knob_set(&k[1], "interval", "1");
	ret = ret ?: knob_set(&k[2], "times", "1");
	ret = ret ?: knob_set(&k[3], "verbose", "0");
	ret = ret ?: knob_set(&k[4], "task-filter", "Y");
	ret = ret ?: write_str(MAKE_IT_FAIL, "1");
	if (!tap_ok(t, !ret, "fault injection armed: the next direct map restore of this process fails"))
		goto out;

	buf = pm_heap_alloc_path(pm_use_case(UC_UI)->heap, 64 * 1024);
	if (!tap_ok(t, buf >= 0, "trusted-ui: a buffer (lends a chunk)")) {
		tap_diag("alloc: %s", strerror(-buf));
		goto out;
	}
	chunk_addr(&addr);
	close(buf);	/* reclaim: the restore fails */
	write_str(MAKE_IT_FAIL, "0");
	for (i = 0; i < 5; i++)
		knob_restore(&k[i]);

	ret = retired(&bytes, &chunks);
	if (!tap_ok(t, !ret && chunks == chunks0 + 1 && bytes == bytes0 + CHUNK,
		    "the chunk whose direct map was not restored is retired and counted (debugfs)"))
		tap_diag("retired: %s, %" PRIu64 " bytes in %" PRIu64 " chunks",
			 ret ? strerror(-ret) : "read", bytes, chunks);
	hits = km_scan(km, retire_pat, retire_line, sizeof(retire_line));
	if (!tap_ok(t, hits >= 1, "the retirement is logged"))
		tap_diag("no \"retired\" in the kernel log");
	snprintf(hex, sizeof(hex), "%" PRIx64, addr);
	if (!tap_ok(t, hits >= 1 && addr && !strstr(retire_line, hex) &&
			!strstr(retire_line, "0x"),
		    "the log line carries no physical address"))
		tap_diag("line: \"%s\" (chunk at %#" PRIx64 ")", retire_line, addr);
	ret = pm_wait_pool_clean(pm_use_case(UC_UI)->name, PM_CLEAN_TIMEOUT_MS, &st);
	if (!tap_ok(t, !ret && st.size == 0, "trusted-ui: nothing lent any more, clean"))
		pm_diag_stats(pm_use_case(UC_UI)->name, &st);

	/* The attack: CMA hands out what it has, zeroed through the direct map */
	n = drain_cma(fds, MAX_CMA_BUFS, &err);
	tap_diag("%d CMA heap buffers of 4 MiB before %s", n,
		 err ? strerror(-err) : "the limit");
	hits = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(t, n > 0 && hits == 0,
		    "the CMA heap hands out all it has without touching the retired chunk"))
		tap_diag("%d kernel reports, first: %s", hits, report);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return;
out:
	write_str(MAKE_IT_FAIL, "0");
	for (i = 0; i < 5; i++)
		knob_restore(&k[i]);
}

int main(void)
{
	struct pm_vtee_params boot, dyn;
	char who[256];
	struct tap t;
	int km, ret;

	tap_init(&t);
	if (!pm_path_exists(FF "/probability")) {
		tap_skip(&t, "no " FF " (fault injection)", "direct map restore failure");
		return tap_done(&t);
	}
	if (!pm_path_exists(CMA_HEAP) || !pm_vtee_loaded() ||
	    !pm_path_exists(PM_VTEE_MOD_SYSFS "/parameters/dynamic")) {
		tap_skip(&t, "no CMA heap or no vtee with dynamic pools",
			 "direct map restore failure");
		return tap_done(&t);
	}
	if (pm_vtee_holders(who, sizeof(who))) {
		tap_skip(&t, "other modules use vtee", "dynamic pools (holders: %s)", who);
		return tap_done(&t);
	}
	ret = pm_vtee_read_params(&boot);
	if (!tap_ok(&t, !ret, "vtee's parameters are readable"))
		return tap_done(&t);
	km = km_open();
	if (!tap_ok(&t, km >= 0, "/dev/kmsg opens"))
		return tap_done(&t);

	dyn = boot;
	pm_vtee_param_set(&dyn, "dynamic", "trusted-ui");
	pm_vtee_param_set(&dyn, "chunk", "4194304");
	pm_vtee_param_set(&dyn, "dynamic_max", "8388608");
	ret = pm_vtee_reload(&dyn);
	if (tap_ok(&t, !ret, "vtee reloads with trusted-ui lent from CMA (4 MiB chunks)"))
		attack(&t, km);

	ret = pm_vtee_reload(&boot);
	tap_ok(&t, !ret && pm_vtee_loaded(), "vtee is back with the parameters of the start");
	tap_ok(&t, pm_wait_all_clean(PM_VTEE_RELOAD_CLEAN_MS),
	       "every pool is free and clean again");
	close(km);
	return tap_done(&t);
}
