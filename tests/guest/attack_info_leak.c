// SPDX-License-Identifier: GPL-2.0
/*
 * attack_info_leak - issue 8, hole 9, as the attack:
 *
 *  1. An unprivileged process (uid/gid 65534, no capabilities) watches
 *     the pools' figures in /sys/class/tee/teeN/protmem/<use-case>/ to
 *     follow other users' protected allocations (occupancy, allocation
 *     counts, scrubbing): side-channel material. Every figure is now
 *     root's only (EACCES); allowed_devices, the firewall rules, stays
 *     readable by all. Root still reads everything.
 *  2. A module looks for the exported tee_heap_buffer_info(), which gave
 *     any caller the physical address of a protected DMA-buf: it is gone
 *     from the kernel (/proc/kallsyms, the symbol and its export).
 *
 * (Physical addresses in log lines: the one a user could provoke in the
 * TEE core's own files, a dynamic chunk retired, is checked by
 * attack_dyn_restore.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define NOBODY	65534

static const char *const figures[] = {
	"size", "used", "free", "dirty", "largest_free", "live_buffers",
	"allocations", "failures", "scrubbed_background", "scrubbed_sync",
	NULL,
};

/* open(@path) as uid/gid 65534 in a child: 0 or the errno it got */
static int open_as_nobody(const char *path)
{
	int status, fd, err;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(255);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		err = fd < 0 ? errno : 0;
		_exit(err > 254 ? 254 : err);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

static void test_sysfs(struct tap *t)
{
	char path[256];
	unsigned int i, j;
	uint64_t v;
	int err;

	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const char *uc = pm_use_case(i)->name;
		int readable = 0, root_ok = 1;

		snprintf(path, sizeof(path), "%s/%s", pm_protmem_dir(), uc);
		if (!pm_path_exists(path)) {
			tap_skip(t, "no pool", "%s figures", uc);
			continue;
		}
		for (j = 0; figures[j]; j++) {
			snprintf(path, sizeof(path), "%s/%s/%s", pm_protmem_dir(),
				 uc, figures[j]);
			err = open_as_nobody(path);
			if (err != EACCES) {
				tap_diag("%s: as uid %d: %s", path, NOBODY,
					 err < 0 ? "setup failed" :
					 err ? strerror(err) : "readable");
				readable++;
			}
			if (pm_read_u64(path, &v)) {
				tap_diag("%s: root cannot read it", path);
				root_ok = 0;
			}
		}
		tap_ok(t, !readable,
		       "%s: an unprivileged process cannot read the pool's figures (EACCES)",
		       uc);
		tap_ok(t, root_ok, "%s: root reads every figure", uc);
		snprintf(path, sizeof(path), "%s/%s/allowed_devices",
			 pm_protmem_dir(), uc);
		err = open_as_nobody(path);
		if (!tap_ok(t, err == 0,
			    "%s: the firewall rules (allowed_devices) stay readable by all",
			    uc))
			tap_diag("%s: %s", path, err < 0 ? "setup failed" : strerror(err));
	}
}

static void test_kallsyms(struct tap *t)
{
	char line[512], name[256], type;
	unsigned long long addr;
	int found = 0, lines = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f) {
		tap_skip(t, "no /proc/kallsyms", "tee_heap_buffer_info() gone");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		lines++;
		if (strstr(name, "tee_heap_buffer_info")) {
			tap_diag("still there: %s", name);
			found++;
		}
	}
	fclose(f);
	tap_ok(t, lines > 1000 && !found,
	       "no kernel function hands out a protected buffer's physical address (tee_heap_buffer_info gone, %d symbols looked at)",
	       lines);
}

int main(void)
{
	struct tap t;

	tap_init(&t);
	test_sysfs(&t);
	test_kallsyms(&t);
	return tap_done(&t);
}
