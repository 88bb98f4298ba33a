// SPDX-License-Identifier: GPL-2.0
/*
 * demo - the secure video path demo (tools/demo, on libteec and
 * libprotmem) as `make demo` runs it, here on the debug kernel:
 *  - N frames through decrypt -> vdec -> vdisp, each CRC checked, on
 *    protected memory and on the system heap, exit 0, the comparison
 *    printed; the attacks refused;
 *  - the same through the V4L2 decoder (--v4l2);
 *  - a bad frame count: exit 2 and the usage;
 *  - afterwards every pool free and clean.
 * Loads vmedia and vdec_m2m if needed and unloads what it loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define DEMO	"/usr/local/bin/protmem-demo"
#define OUT_MAX	(64 * 1024)

/* Print the demo's output as TAP diagnostics */
static void show(const char *out)
{
	char line[256];
	const char *p = out, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		tap_diag("%s", line);
		p = *nl ? nl + 1 : nl;
	}
}

static void check_run(struct tap *t, const char *args, int frames, char *out)
{
	char cmd[128], want_p[96], want_s[96];
	int rc;

	snprintf(cmd, sizeof(cmd), DEMO " %s 2>&1", args);
	rc = pm_run(cmd, out, OUT_MAX);
	show(out);
	snprintf(want_p, sizeof(want_p), "[ ok ] protected (secure-video): %d of %d frames, every CRC", frames, frames);
	snprintf(want_s, sizeof(want_s), "[ ok ] system heap, CPU decrypt: %d of %d frames, every CRC", frames, frames);
	tap_ok(t, rc == 0 && strstr(out, want_p) && strstr(out, want_s),
	       "protmem-demo %s: every frame's CRC, protected and on the system heap (exit %d)", args, rc);
	tap_ok(t, strstr(out, "frames/s") && strstr(out, "protection costs") &&
	       strstr(out, "alloc ms avg"),
	       "protmem-demo %s: frames per second and allocation latency side by side", args);
	tap_ok(t, strstr(out, "[ ok ] CPU mapping of a protected frame refused: Operation not permitted") &&
	       strstr(out, "[ ok ] decoding protected content into readable memory refused: Permission denied") &&
	       !strstr(out, "FAIL"),
	       "protmem-demo %s: the attacks refused, nothing failed", args);
}

int main(void)
{
	static char out[OUT_MAX];
	int loaded, m2m = 0, rc;
	struct tap t;

	tap_init(&t);
	loaded = vm_load();
	tap_ok(&t, loaded >= 0, "vmedia loaded");
	check_run(&t, "-n 6", 6, out);
	if (!pm_path_exists("/sys/module/" VM_M2M_MOD "/initstate"))
		m2m = !system("modprobe " VM_M2M_MOD);
	check_run(&t, "-n 3 --v4l2", 3, out);
	rc = pm_run(DEMO " -n 0 2>&1", out, OUT_MAX);
	tap_ok(&t, rc == 2 && strstr(out, "usage: protmem-demo"), "protmem-demo -n 0: exit 2, usage (%d)", rc);
	if (m2m)
		syscall(SYS_delete_module, VM_M2M_MOD, O_NONBLOCK);
	if (loaded == 1)
		vm_unload();
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS), "every pool free and clean afterwards");
	return tap_done(&t);
}
