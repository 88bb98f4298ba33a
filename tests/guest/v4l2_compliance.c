// SPDX-License-Identifier: GPL-2.0
/*
 * v4l2_compliance - Debian's v4l2-compliance (v4l-utils) on the vdec-m2m
 * node, its whole output shown as diagnostics: no warnings, and no
 * failures.
 *
 * One known defect of the tool is told apart, not hidden: v4l2-compliance
 * before 1.24 expects NV12's description as kernels before 6.0 gave it
 * ('Y/CbCr 4:2:0'; 6.1 says 'Y/UV 4:2:0', and the V4L2 core fills it in,
 * not the driver), so with Debian 12's 1.22.1 every driver offering NV12
 * fails its four format tests -- vicodec's own decoder too. With such a
 * tool the test runs it on vicodec's stateful decoder as well and
 * requires that every test failing on vdec-m2m also fails there (so
 * anything else fails this test); the "no failures" check is then a skip
 * that says why. With a newer tool it is a plain pass or fail.
 *
 * v4l2-compliance reaches the guest in the "v4l2" bundle (vm/run --with
 * v4l2, on x86 and arm64); without it the test is a skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define MAX_FAILS	32

struct result {
	int version;		/* major * 100 + minor */
	int ok, failed, warnings, status;
	int nfails;
	char fails[MAX_FAILS][96];	/* names of the failing tests */
};

/*
 * Run v4l2-compliance on @node; echo its output as diagnostics; parse its
 * version, its totals and the names of the failing tests. 0 or -errno.
 */
static int run_compliance(const char *node, struct result *r)
{
	char cmd[360], line[512];
	int found = 0, major, minor, rc;
	const char *p;
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->failed = -1;
	snprintf(cmd, sizeof(cmd), "v4l2-compliance -d %s 2>&1", node);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		tap_diag("%s", line);
		if (sscanf(line, "v4l2-compliance %d.%d", &major, &minor) == 2)
			r->version = major * 100 + minor;
		p = strstr(line, "test ");
		if (p && strstr(line, ": FAIL") && r->nfails < MAX_FAILS) {
			snprintf(r->fails[r->nfails], sizeof(r->fails[0]),
				 "%.*s", (int)(strstr(p, ": FAIL") - p), p);
			r->nfails++;
		}
		if (strstr(line, "Total for ") &&
		    sscanf(strstr(line, "Succeeded:") ?: "", "Succeeded: %d",
			   &r->ok) == 1 &&
		    sscanf(strstr(line, "Failed:") ?: "", "Failed: %d",
			   &r->failed) == 1 &&
		    sscanf(strstr(line, "Warnings:") ?: "", "Warnings: %d",
			   &r->warnings) == 1)
			found = 1;
	}
	rc = pclose(f);
	r->status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return found ? 0 : -ENODATA;
}

static int fails_in(const struct result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nfails; i++)
		if (!strcmp(r->fails[i], name))
			return 1;
	return 0;
}

int main(void)
{
	static struct result mine, ref;
	char node[288], vnode[64];
	int m2m, vc = 0, ret, i, covered;
	struct tap t;

	tap_init(&t);
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "v4l2-compliance");
		return tap_done(&t);
	}
	if (system("command -v v4l2-compliance >/dev/null 2>&1")) {
		tap_skip(&t, "no v4l2-compliance in this guest (vm/run --with v4l2)",
			 "v4l2-compliance on vdec-m2m");
		return tap_done(&t);
	}
	m2m = vm_module_load(VM_M2M_MOD);
	ret = m2m < 0 ? m2m : vm_find_m2m_node(node, sizeof(node));
	if (!tap_ok(&t, ret == 0, "vdec_m2m loaded, its node found"))
		return tap_done(&t);

	ret = run_compliance(node, &mine);
	tap_ok(&t, ret == 0, "v4l2-compliance %d.%d on %s ran: %d succeeded, %d failed, %d warnings",
	       mine.version / 100, mine.version % 100, node, mine.ok,
	       mine.failed, mine.warnings);
	tap_ok(&t, ret == 0 && mine.warnings == 0, "v4l2-compliance: no warnings");
	if (ret == 0 && mine.failed == 0 && mine.status == 0) {
		tap_ok(&t, 1, "v4l2-compliance: no failures");
		goto out;
	}
	if (ret || mine.version >= 124) {
		tap_ok(&t, 0, "v4l2-compliance: no failures (%d, exit %d)",
		       mine.failed, mine.status);
		goto out;
	}

	/* A tool older than the kernel's format descriptions: the reference */
	vc = vm_module_load("vicodec");
	ret = vc < 0 ? vc : vm_find_video_by_name("stateful-decoder", vnode,
					      sizeof(vnode));
	ret = ret ?: run_compliance(vnode, &ref);
	for (covered = 1, i = 0; i < mine.nfails; i++)
		if (!fails_in(&ref, mine.fails[i])) {
			covered = 0;
			tap_diag("fails on vdec-m2m only: %s", mine.fails[i]);
		}
	tap_ok(&t, ret == 0 && covered && mine.nfails == mine.failed,
	       "each of the %d failing tests also fails on vicodec's stateful decoder (%d failures there) with this v4l2-compliance",
	       mine.failed, ref.failed);
	tap_skip(&t, "v4l2-compliance < 1.24 expects NV12's pre-6.0 description 'Y/CbCr 4:2:0' (kernel 6.1: 'Y/UV 4:2:0')",
		 "v4l2-compliance: no failures (%d, all shared with vicodec)",
		 mine.failed);
out:
	if (vc == 1)
		syscall(SYS_delete_module, "vicodec", O_NONBLOCK);
	if (m2m == 1)
		syscall(SYS_delete_module, VM_M2M_MOD, O_NONBLOCK);
	return tap_done(&t);
}
