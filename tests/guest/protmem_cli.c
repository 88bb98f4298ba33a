// SPDX-License-Identifier: GPL-2.0
/*
 * protmem_cli - the `protmem` tool's figures against the kernel's, and its
 * exit statuses:
 *  - with buffers held (pools otherwise clean, so the figures stay still),
 *    `protmem --json heaps`, `stat`, `map` and `firewall` report exactly
 *    what sysfs and vtee's counters say, field by field;
 *  - `protmem alloc SIZE --use-case U --hold S` holds a buffer of that
 *    size (sysfs sees it) and frees it;
 *  - the text form of `heaps` shows the same numbers;
 *  - exit statuses (protmem.1): 1 failed, 2 usage, 4 not root.
 * The JSON is read with a small extractor of known keys, object by object.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define CLI		"/usr/local/bin/protmem"
#define OUT_MAX		(256 * 1024)
#define NOBODY		65534

/* `protmem heaps` as uid/gid 65534: its exit status, stderr into @out */
static int run_nobody(char *out, size_t size)
{
	int fds[2], status;
	ssize_t r;
	size_t n = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(99);
		execl(CLI, CLI, "heaps", (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	while (pid > 0 && n + 1 < size && (r = read(fds[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The JSON object that starts with "use_case": "@uc", up to the next
 * such object (or the end): *@end set. NULL if there is none.
 */
static const char *json_obj(const char *json, const char *uc, const char **end)
{
	char key[64];
	const char *p, *q;

	snprintf(key, sizeof(key), "{\"use_case\": \"%s\"", uc);
	p = strstr(json, key);
	if (!p)
		return NULL;
	q = strstr(p + 1, "{\"use_case\": ");
	*end = q ? q : p + strlen(p);
	return p;
}

/* The number after "@key": inside [@p, @end); 0 or -ENOENT */
static int json_u64(const char *p, const char *end, const char *key, uint64_t *v)
{
	char k[64], *e;
	const char *q;

	snprintf(k, sizeof(k), "\"%s\": ", key);
	q = strstr(p, k);
	if (!q || q >= end)
		return -ENOENT;
	q += strlen(k);
	*v = strtoull(q, &e, 10);
	return e == q ? -ENOENT : 0;
}

static int json_has(const char *p, const char *end, const char *s)
{
	const char *q = strstr(p, s);

	return q && q < end;
}

/* Every "dev:acc" of allowed_devices appears as a JSON rule, and no more */
static int rules_match(const char *uc, const char *p, const char *end)
{
	char path[256], buf[256], rule[96], *tok, *save, *colon;
	int n = 0, m = 0;
	const char *q;

	snprintf(path, sizeof(path), "%s/%s/allowed_devices", pm_protmem_dir(), uc);
	if (pm_read_file(path, buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		colon = strchr(tok, ':');
		if (!colon)
			return 0;
		*colon = '\0';
		snprintf(rule, sizeof(rule), "{\"device\": \"%s\", \"access\": \"%s\"}",
			 tok, colon + 1);
		if (!json_has(p, end, rule))
			return 0;
		n++;
	}
	for (q = p; (q = strstr(q, "{\"device\": ")) && q < end; q++)
		m++;
	return n == m;
}

static const char *const heap_keys[] = {
	"size", "used", "free", "dirty", "largest_free", "live_buffers",
};

static uint64_t stat_field(const struct pm_pool_stats *st, const char *key)
{
	if (!strcmp(key, "size"))
		return st->size;
	if (!strcmp(key, "used"))
		return st->used;
	if (!strcmp(key, "free"))
		return st->free;
	if (!strcmp(key, "dirty"))
		return st->dirty;
	if (!strcmp(key, "largest_free"))
		return st->largest_free;
	if (!strcmp(key, "live_buffers"))
		return st->live_buffers;
	if (!strcmp(key, "allocations"))
		return st->allocations;
	if (!strcmp(key, "failures"))
		return st->failures;
	if (!strcmp(key, "scrubbed_background"))
		return st->scrubbed_background;
	return st->scrubbed_sync;
}

/* Each key of @keys in @uc's object equals sysfs's figure */
static int figures_match(const char *json, const char *uc, const char *const *keys,
			 size_t nkeys, char *why, size_t why_size)
{
	struct pm_pool_stats st;
	const char *p, *end;
	uint64_t v;
	size_t i;

	p = json_obj(json, uc, &end);
	if (!p || pm_pool_stats(uc, &st)) {
		snprintf(why, why_size, "%s: no object, or sysfs unreadable", uc);
		return 0;
	}
	for (i = 0; i < nkeys; i++) {
		if (json_u64(p, end, keys[i], &v) || v != stat_field(&st, keys[i])) {
			snprintf(why, why_size, "%s %s: json %" PRIu64 ", sysfs %" PRIu64,
				 uc, keys[i], v, stat_field(&st, keys[i]));
			return 0;
		}
	}
	return 1;
}

static void test_json(struct tap *t, char *out)
{
	static const char *const stat_keys[] = {
		"size", "used", "free", "dirty", "largest_free", "live_buffers",
		"allocations", "failures", "scrubbed_background", "scrubbed_sync",
	};
	uint64_t viol[PM_NUM_USE_CASES], v, size, used, sum, len;
	const char *p, *end, *q;
	char why[160] = "";
	struct pm_pool_stats st;
	unsigned int i;
	int rc, ok;

	rc = pm_run(CLI " --json heaps", out, OUT_MAX);
	for (ok = rc == 0, i = 0; ok && i < PM_NUM_USE_CASES; i++) {
		const char *uc = pm_use_case(i)->name;

		ok = figures_match(out, uc, heap_keys, 6, why, sizeof(why));
		p = json_obj(out, uc, &end);
		ok = ok && p && json_has(p, end, pm_use_case(i)->heap) &&
		     rules_match(uc, p, end);
		if (ok)
			continue;
		if (!why[0])
			snprintf(why, sizeof(why), "%s: heap path or allowed devices", uc);
	}
	if (!tap_ok(t, ok, "protmem --json heaps: size, used, free, dirty, largest_free, live_buffers, heap, allowed devices are sysfs's (exit %d)", rc))
		tap_diag("%s", why);

	rc = pm_run(CLI " --json stat", out, OUT_MAX);
	for (ok = rc == 0, i = 0; ok && i < PM_NUM_USE_CASES; i++)
		ok = figures_match(out, pm_use_case(i)->name, stat_keys, 10, why, sizeof(why));
	if (!tap_ok(t, ok, "protmem --json stat: all ten figures of every pool are sysfs's (exit %d)", rc))
		tap_diag("%s", why);

	rc = pm_run(CLI " --json stat --watch 1 --count 2 trusted-ui", out, OUT_MAX);
	p = strstr(out, "{\"time\"");
	q = p ? strstr(p + 1, "{\"time\"") : NULL;
	tap_ok(t, rc == 0 && p && q && !strstr(q + 1, "{\"time\"") &&
	       !strstr(out, "secure-video") && figures_match(q, "trusted-ui", stat_keys, 10, why, sizeof(why)),
	       "protmem --json stat --watch 1 --count 2 trusted-ui: two samples of that pool only (exit %d)", rc);

	rc = pm_run(CLI " --json map secure-video", out, OUT_MAX);
	pm_pool_stats("secure-video", &st);
	p = json_obj(out, "secure-video", &end);
	ok = rc == 0 && p && !json_u64(p, end, "size", &size) &&
	     !json_u64(p, end, "used", &used) && size == st.size && used == st.used;
	for (sum = 0, q = p; ok && (q = strstr(q, "\"len\": ")) && q < end; q++) {
		ok = !json_u64(q, end, "len", &len);
		sum += len;
	}
	tap_ok(t, ok && sum == st.size,
	       "protmem --json map secure-video: size and used are sysfs's, the extents add up to the size (exit %d)",
	       rc);

	rc = pm_run(CLI " --json firewall", out, OUT_MAX);
	ok = rc == 0 && !vm_violations(viol);
	for (i = 0; ok && i < PM_NUM_USE_CASES; i++) {
		p = json_obj(out, pm_use_case(i)->name, &end);
		ok = p && !json_u64(p, end, "violations", &v) && v == viol[i] &&
		     rules_match(pm_use_case(i)->name, p, end);
	}
	tap_ok(t, ok, "protmem --json firewall: violation counters are vtee's, rules are allowed_devices (exit %d)",
	       rc);
}

static void test_text(struct tap *t, char *out)
{
	struct pm_pool_stats st;
	char want[160];
	int rc;

	rc = pm_run(CLI " heaps", out, OUT_MAX);
	pm_pool_stats("secure-video", &st);
	snprintf(want, sizeof(want), "secure-video         tee");
	tap_ok(t, rc == 0 && strstr(out, want) && strstr(out, "vdec:rw vdisp:r"),
	       "protmem heaps: a line per pool with its rules (exit %d)", rc);
	snprintf(want, sizeof(want), " %" PRIu64 " ", st.used);
	tap_ok(t, strstr(out, want) != NULL, "protmem heaps shows secure-video's used %" PRIu64, st.used);
	rc = pm_run(CLI " map --width 16 secure-video", out, OUT_MAX);
	/* pmx places buffers of up to 2 MiB at the top of the pool */
	tap_ok(t, rc == 0 && strstr(out, "#|\n") && strstr(out, "one cell: 4194304 bytes"),
	       "protmem map --width 16: the held buffers at the pool's end, 4 MiB a cell (exit %d)", rc);
	rc = pm_run(CLI " --help", out, OUT_MAX);
	tap_ok(t, rc == 0 && strstr(out, "usage: protmem"), "protmem --help: usage, exit 0 (%d)", rc);
}

static void test_alloc(struct tap *t, char *out)
{
	struct pm_pool_stats before, during;
	uint64_t size = 0, last;
	const char *end;
	int rc, ok;
	FILE *f;

	pm_pool_stats("trusted-ui", &before);
	f = popen(CLI " --json alloc 300K --use-case trusted-ui --hold 3", "r");
	ok = f && fgets(out, OUT_MAX, f);
	end = out + strlen(out);
	ok = ok && !json_u64(out, end, "size", &size) && size == 300 * 1024;
	pm_pool_stats("trusted-ui", &during);
	rc = f ? pclose(f) : -1;
	tap_ok(t, ok && during.used == before.used + size &&
	       during.live_buffers == before.live_buffers + 1,
	       "protmem alloc 300K --use-case trusted-ui --hold 3: 307200 bytes held, as sysfs sees (used %" PRIu64 " -> %" PRIu64 ")",
	       before.used, during.used);
	tap_ok(t, WIFEXITED(rc) && WEXITSTATUS(rc) == 0 &&
	       pm_wait_stat_eq("trusted-ui", "live_buffers", before.live_buffers, 5000, &last),
	       "... exits 0 and frees it");
	rc = pm_run(CLI " --json alloc 64K --use-case secure-video --tee", out, OUT_MAX);
	tap_ok(t, rc == 0 && strstr(out, "\"via\": \"tee\"") && strstr(out, "\"size\": 65536"),
	       "protmem alloc --tee: through TEE_IOC_PROTMEM_ALLOC (exit %d)", rc);
}

static void test_exits(struct tap *t, char *out)
{
	int rc;

	rc = pm_run(CLI " alloc 1G --use-case secure-video 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 1 && strstr(out, "Cannot allocate memory"),
	       "alloc beyond the pool: exit 1, says ENOMEM (%d)", rc);
	rc = pm_run(CLI " alloc 1M 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 2 && strstr(out, "--use-case"), "alloc without --use-case: exit 2, says so (%d)", rc);
	rc = pm_run(CLI " alloc 1M --use-case video 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 2 && strstr(out, "unknown use case"), "unknown use case: exit 2 (%d)", rc);
	rc = pm_run(CLI " alloc 0 --use-case trusted-ui 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 2 && strstr(out, "bad SIZE"), "SIZE 0: exit 2 (%d)", rc);
	rc = pm_run(CLI " frobnicate 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 2, "unknown command: exit 2 (%d)", rc);
	rc = pm_run(CLI " 2>&1", out, OUT_MAX);
	tap_ok(t, rc == 2, "no command: exit 2 (%d)", rc);
	rc = run_nobody(out, OUT_MAX);
	tap_ok(t, rc == 4 && strstr(out, "run as root"),
	       "heaps as uid 65534: exit 4, says to run as root (%d)", rc);
}

int main(void)
{
	static char out[OUT_MAX];
	int sv1, sv2, tui, tee;
	struct tap t;

	tap_init(&t);
	if (!pm_path_exists(CLI)) {
		tap_ok(&t, 0, CLI " is in the guest");
		return tap_done(&t);
	}
	/* Still figures: every pool clean, then buffers held, nothing freed */
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS), "pools free and clean before");
	tee = pm_tee_open();
	sv1 = pm_heap_alloc_path(pm_use_case(0)->heap, 1 << 20);
	sv2 = pm_heap_alloc_path(pm_use_case(0)->heap, 256 << 10);
	tui = pm_protmem_alloc(tee, 2 << 20, 0, TEE_PROTMEM_TRUSTED_UI, NULL);
	if (tap_ok(&t, sv1 >= 0 && sv2 >= 0 && tui >= 0,
		   "held: 1 MiB + 256 KiB of secure-video, 2 MiB of trusted-ui")) {
		test_json(&t, out);
		test_text(&t, out);
	}
	if (sv1 >= 0)
		close(sv1);
	if (sv2 >= 0)
		close(sv2);
	if (tui >= 0)
		close(tui);
	test_alloc(&t, out);
	test_exits(&t, out);
	if (tee >= 0)
		close(tee);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS), "every pool free and clean afterwards");
	return tap_done(&t);
}
