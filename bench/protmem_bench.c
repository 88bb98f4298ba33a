// SPDX-License-Identifier: GPL-2.0
/*
 * protmem_bench - allocator benchmark for the protected DMA-buf heaps.
 *
 *   protmem_bench protected ALLOCATOR [--use-case UC] [--seed N] [--reps N]
 *                 [--batch N] [--only lat|fail|playback|churn|scale]
 *   protmem_bench reference [--reps N]
 *   protmem_bench dynamic ALLOCATOR --use-case UC [--reps N] [--round N]
 *   protmem_bench settle [WHO] [--timeout S]
 *   protmem_bench timed LABEL CMD [ARGS...]
 *
 * "protected" measures /dev/dma_heap/protected,UC (default secure-video),
 * whose pool vtee manages with ALLOCATOR (the name is only a label; the
 * caller loaded vtee with it): per-size allocation and free latency on an
 * empty clean pool, the latency of a failing request on a fragmented pool,
 * a video playback trace with resolution switches and a random churn at
 * high occupancy. "reference" measures the same sizes on the system heap
 * and the CMA heap. "dynamic" measures a dynamic pool (vtee loaded with
 * dynamic=UC): the allocation that must lend a chunk, one that reuses a
 * lent chunk, and the free that reclaims the chunk (--round N > 1 suffixes
 * its metrics with _rN, for repeated runs in one boot). "settle" waits until every protected pool is clean
 * (dirty == 0). "timed" runs a command and reports its wall time.
 *
 * Output: human-readable tables, then the figures again as lines
 *   bench: <allocator> <metric> <value> <unit>
 * and the data of the plots as lines
 *   series: <allocator> <name> <value>...
 * Nothing is asserted: the figures are printed for comparison.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "trace.h"

static const struct {
	const char *name;
	size_t size;
} sizes[] = {
	{ "4KiB", 4 * KIB },
	{ "64KiB", 64 * KIB },
	{ "1MiB", MIB },
	{ "8MiB", 8 * MIB },
	{ "1080p", NV12_1080P },
	{ "4K", NV12_4K },
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* --batch: buffers per latency round (0: up to 16, at most half the pool) */
static int batch;
/* --only: run just this part of "protected" (lat, fail, playback, churn, scale) */
static const char *only;

static bool part(const char *name)
{
	return !only || !strcmp(only, name);
}

static const char *const use_cases[] = {
	"secure-video", "trusted-ui", "secure-video-record",
};

/* ---- small helpers ---- */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("protmem_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double us_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1000.0;
}

/* ---- results ---- */

struct samples {
	double *v;
	size_t n, cap;
};

static void sample_add(struct samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and p99 (nearest rank); NAN when empty */
static void sample_stats(struct samples *s, double *med, double *p99)
{
	size_t k;

	if (!s->n) {
		*med = *p99 = NAN;
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	*med = s->n % 2 ? s->v[s->n / 2] :
			  (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	k = (size_t)ceil(0.99 * (double)s->n);
	*p99 = s->v[k ? k - 1 : 0];
}

static void sample_free(struct samples *s)
{
	free(s->v);
	*s = (struct samples){ 0 };
}

/* The machine-readable lines, printed together at the end */
static char *emitted[1024];
static size_t nemitted;

static void emit(const char *who, const char *metric, double v,
		 const char *unit)
{
	char line[256];

	if (nemitted == sizeof(emitted) / sizeof(emitted[0]))
		die("too many result lines");
	if (isnan(v))
		snprintf(line, sizeof(line), "bench: %s %s nan %s", who, metric,
			 unit);
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(line, sizeof(line), "bench: %s %s %.0f %s", who,
			 metric, v, unit);
	else
		snprintf(line, sizeof(line), "bench: %s %s %.2f %s", who,
			 metric, v, unit);
	emitted[nemitted] = strdup(line);
	if (!emitted[nemitted])
		die("out of memory");
	nemitted++;
}

static void emit_tag(const char *who, const char *tag, const char *metric,
		     double v, const char *unit)
{
	char m[128];

	snprintf(m, sizeof(m), "%s_%s", tag, metric);
	emit(who, m, v, unit);
}

static void emit_flush(void)
{
	size_t i;

	printf("\n");
	for (i = 0; i < nemitted; i++) {
		printf("%s\n", emitted[i]);
		free(emitted[i]);
	}
	nemitted = 0;
	fflush(stdout);
}

/* ---- heaps and pool statistics ---- */

static int heap_open(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

/* Returns the buffer fd, or -errno */
static int heap_alloc(int heap, size_t len)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0)
		return -errno;
	return (int)d.fd;
}

static long long pool_stat(const char *uc, const char *field)
{
	char path[256], buf[64];
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/tee/tee0/protmem/%s/%s", uc,
		 field);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtoll(buf, NULL, 10);
	}
	return v;
}

/*
 * The pool's lock and timing statistics (tee_protmem_pool.c prints them at
 * the end of /sys/kernel/debug/tee_protmem/<use case>): per lock user
 * (alloc, free, scrubber, other) acquisitions, wait and hold time; per
 * step done outside the lock (scrub_sync, scrub_bg, release, busy_wait,
 * and scrub_free: frees that scrubbed their range) count and time. Totals in ns since the pool was created.
 */
#define NLOCK	4
#define NTIME	11
static const char *const lock_users[NLOCK] = {
	"alloc", "free", "scrubber", "other",
};
/* The last five are the exporter's (tee_heap.c), after the pool's lines */
static const char *const time_steps[NTIME] = {
	"scrub_sync", "scrub_bg", "release", "busy_wait", "scrub_free", "kick",
	"heap_alloc", "heap_pool_alloc", "heap_export", "heap_release",
	"heap_pool_free",
};

struct pool_timing {
	bool ok;
	unsigned long long ln[NLOCK], wait[NLOCK], wait_max[NLOCK];
	unsigned long long hold[NLOCK], hold_max[NLOCK];
	unsigned long long tn[NTIME], tns[NTIME], tmax[NTIME];
};

static void pool_timing(const char *uc, struct pool_timing *pt)
{
	char path[256], line[256], name[32];
	unsigned long long a, b, c, d, e;
	FILE *f;
	int i;

	memset(pt, 0, sizeof(*pt));
	snprintf(path, sizeof(path), "/sys/kernel/debug/tee_protmem/%s", uc);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "lock %31s n %llu wait_ns %llu %llu hold_ns %llu %llu",
			   name, &a, &b, &c, &d, &e) == 6) {
			for (i = 0; i < NLOCK; i++)
				if (!strcmp(name, lock_users[i])) {
					pt->ln[i] = a;
					pt->wait[i] = b;
					pt->wait_max[i] = c;
					pt->hold[i] = d;
					pt->hold_max[i] = e;
					pt->ok = true;
				}
		} else if (sscanf(line, "time %31s n %llu ns %llu %llu", name,
				  &a, &b, &c) == 4) {
			for (i = 0; i < NTIME; i++)
				if (!strcmp(name, time_steps[i])) {
					pt->tn[i] = a;
					pt->tns[i] = b;
					pt->tmax[i] = c;
				}
		}
	}
	fclose(f);
}

static double mean_us(unsigned long long ns, unsigned long long n)
{
	return n ? (double)ns / (double)n / 1000.0 : NAN;
}

/*
 * What happened to the pool lock and outside it between @a and @b: mean
 * wait and hold per acquisition for each user, and the mean time of each
 * step outside the lock. Maxima are since the pool was created.
 */
static void timing_report(const char *who, const char *tag,
			  const struct pool_timing *a,
			  const struct pool_timing *b)
{
	char m[96];
	int i;

	if (!a->ok || !b->ok) {
		printf("(no lock statistics in debugfs for this pool)\n");
		return;
	}
	printf("pool lock, %s: user, acquisitions, mean wait us, mean hold us (max wait / hold since load, us)\n",
	       tag);
	for (i = 0; i < NLOCK; i++) {
		unsigned long long n = b->ln[i] - a->ln[i];

		printf("  %-9s %8llu %10.1f %10.1f   (%.1f / %.1f)\n",
		       lock_users[i], n, mean_us(b->wait[i] - a->wait[i], n),
		       mean_us(b->hold[i] - a->hold[i], n),
		       b->wait_max[i] / 1000.0, b->hold_max[i] / 1000.0);
		snprintf(m, sizeof(m), "%s_lock_%s_wait_mean", tag, lock_users[i]);
		emit(who, m, mean_us(b->wait[i] - a->wait[i], n), "us");
		snprintf(m, sizeof(m), "%s_lock_%s_hold_mean", tag, lock_users[i]);
		emit(who, m, mean_us(b->hold[i] - a->hold[i], n), "us");
		snprintf(m, sizeof(m), "%s_lock_%s_hold_max", tag, lock_users[i]);
		emit(who, m, b->hold_max[i] / 1000.0, "us");
		snprintf(m, sizeof(m), "%s_lock_%s_wait_max", tag, lock_users[i]);
		emit(who, m, b->wait_max[i] / 1000.0, "us");
	}
	printf("outside the lock: step, times, mean us (max since load, us)\n");
	for (i = 0; i < NTIME; i++) {
		unsigned long long n = b->tn[i] - a->tn[i];

		printf("  %-10s %8llu %10.1f   (%.1f)\n", time_steps[i], n,
		       mean_us(b->tns[i] - a->tns[i], n), b->tmax[i] / 1000.0);
		snprintf(m, sizeof(m), "%s_%s_count", tag, time_steps[i]);
		emit(who, m, (double)n, "count");
		snprintf(m, sizeof(m), "%s_%s_mean", tag, time_steps[i]);
		emit(who, m, mean_us(b->tns[i] - a->tns[i], n), "us");
	}
}

/* Wait until @uc has no dirty memory; returns the ms waited, <0 on timeout */
static double wait_clean(const char *uc, double timeout_s)
{
	uint64_t t0 = now_ns();
	long long d;

	for (;;) {
		d = pool_stat(uc, "dirty");
		if (d == 0)
			return (double)(now_ns() - t0) / 1e6;
		if (d < 0)
			die("cannot read %s/dirty", uc);
		if ((double)(now_ns() - t0) / 1e9 > timeout_s)
			return -1;
		usleep(1000);
	}
}

static void must_clean(const char *uc)
{
	if (wait_clean(uc, 120) < 0)
		die("%s: still dirty after 120 s (dirty=%lld)", uc,
		    pool_stat(uc, "dirty"));
}

static void close_all(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* ---- 1. latency per size on an empty clean pool ---- */

/*
 * Rounds of: allocate k buffers (each timed), free them (each timed), wait
 * for the pool to be clean again. So every allocation meets a pool with
 * only clean free memory and nothing but the round's buffers in use. The
 * sizes take turns round by round, so that a drift of the host's speed
 * during the run hits every size alike.
 */
struct lat_result {
	struct samples sa, sf;
	double a_med, a_p99, f_med, f_p99;
	long long scrub_sync_alloc;	/* bytes scrubbed inside alloc calls */
	long long scrub_sync_free;	/* bytes scrubbed inside free calls */
	long long scrub_bg;		/* bytes scrubbed in the background */
	int done, failures, err;
	size_t k;
	bool stuck;
};

static void lat_round(int heap, const char *uc, size_t size, int reps,
		      struct lat_result *r)
{
	long long s0, s1, bg0 = 0;
	size_t i;
	int fds[16];
	int fd;
	uint64_t t0;

	if (uc) {
		must_clean(uc);
		bg0 = pool_stat(uc, "scrubbed_background");
	}
	s0 = uc ? pool_stat(uc, "scrubbed_sync") : 0;
	for (i = 0; i < r->k && r->done + (int)i < reps; i++) {
		t0 = now_ns();
		fd = heap_alloc(heap, size);
		if (fd < 0) {
			r->failures++;
			r->err = -fd;
			break;
		}
		sample_add(&r->sa, us_since(t0));
		fds[i] = fd;
	}
	s1 = uc ? pool_stat(uc, "scrubbed_sync") : 0;
	r->scrub_sync_alloc += s1 - s0;
	if (!i) {
		r->stuck = true;	/* cannot allocate even one: give up */
		return;
	}
	r->done += (int)i;
	r->k = i;
	for (i = 0; i < r->k; i++) {
		t0 = now_ns();
		close(fds[i]);
		sample_add(&r->sf, us_since(t0));
	}
	if (uc) {
		r->scrub_sync_free += pool_stat(uc, "scrubbed_sync") - s1;
		must_clean(uc);
		r->scrub_bg += pool_stat(uc, "scrubbed_background") - bg0;
	}
}

static void lat_table(const char *who, const char *heapname, const char *uc,
		      size_t pool_bytes, int reps)
{
	struct lat_result r[NSIZES];
	int heap = heap_open(heapname);
	bool more;
	char m[64];
	size_t i;

	printf("\n== Latency per allocation and free: %s (%s, %d reps per size%s) ==\n",
	       who, heapname, reps,
	       uc ? ", pool clean before every round; sizes interleaved" :
		    ", sizes interleaved");
	printf("%-7s %12s %12s %12s %12s %14s %14s %14s\n", "size",
	       "alloc med", "alloc p99", "free med", "free p99",
	       "scrub@alloc", "scrub@free", "scrub bg");
	printf("%-7s %12s %12s %12s %12s %14s %14s %14s\n", "", "us", "us",
	       "us", "us", "MiB", "MiB", "MiB");
	memset(r, 0, sizeof(r));
	for (i = 0; i < NSIZES; i++) {
		r[i].k = pool_bytes / (2 * PAGE_UP(sizes[i].size));
		r[i].k = r[i].k > 16 ? 16 : r[i].k < 1 ? 1 : r[i].k;
		if (batch > 0 && (size_t)batch < r[i].k)
			r[i].k = (size_t)batch;
	}
	do {
		more = false;
		for (i = 0; i < NSIZES; i++) {
			if (r[i].done >= reps || r[i].stuck)
				continue;
			lat_round(heap, uc, sizes[i].size, reps, &r[i]);
			more = true;
		}
	} while (more);
	for (i = 0; i < NSIZES; i++) {
		sample_stats(&r[i].sa, &r[i].a_med, &r[i].a_p99);
		sample_stats(&r[i].sf, &r[i].f_med, &r[i].f_p99);
		sample_free(&r[i].sa);
		sample_free(&r[i].sf);
		printf("%-7s %12.1f %12.1f %12.1f %12.1f %14.1f %14.1f %14.1f",
		       sizes[i].name, r[i].a_med, r[i].a_p99, r[i].f_med,
		       r[i].f_p99, (double)r[i].scrub_sync_alloc / MIB,
		       (double)r[i].scrub_sync_free / MIB,
		       (double)r[i].scrub_bg / MIB);
		if (r[i].failures)
			printf("  (%d failed: %s)", r[i].failures,
			       strerror(r[i].err));
		printf("\n");
		snprintf(m, sizeof(m), "alloc_%s_median", sizes[i].name);
		emit(who, m, r[i].a_med, "us");
		snprintf(m, sizeof(m), "alloc_%s_p99", sizes[i].name);
		emit(who, m, r[i].a_p99, "us");
		snprintf(m, sizeof(m), "free_%s_median", sizes[i].name);
		emit(who, m, r[i].f_med, "us");
		snprintf(m, sizeof(m), "free_%s_p99", sizes[i].name);
		emit(who, m, r[i].f_p99, "us");
		if (uc) {
			snprintf(m, sizeof(m), "scrub_at_alloc_%s", sizes[i].name);
			emit(who, m, (double)r[i].scrub_sync_alloc / MIB, "MiB");
			snprintf(m, sizeof(m), "scrub_at_free_%s", sizes[i].name);
			emit(who, m, (double)r[i].scrub_sync_free / MIB, "MiB");
			snprintf(m, sizeof(m), "scrub_background_%s", sizes[i].name);
			emit(who, m, (double)r[i].scrub_bg / MIB, "MiB");
		}
		if (r[i].failures) {
			snprintf(m, sizeof(m), "alloc_%s_failures", sizes[i].name);
			emit(who, m, r[i].failures, "count");
		}
	}
	printf("alloc median %s / %s: %.2fx   (no O(size) work on the alloc path would give ~1x)\n",
	       sizes[NSIZES - 1].name, sizes[0].name,
	       r[NSIZES - 1].a_med / r[0].a_med);
	emit(who, "alloc_4K_over_4KiB_ratio", r[NSIZES - 1].a_med / r[0].a_med,
	     "x");
	close(heap);
}

/* ---- 2. failing request on a fragmented pool ---- */

static void fail_test(const char *who, int heap, const char *uc, int reps)
{
	static const struct {
		const char *name;
		size_t size;	/* 0: larger than the free bytes */
	} req[] = {
		{ "128KiB", 128 * KIB },
		{ "4K", NV12_4K },
		{ "over_free", 0 },
	};
	size_t pool = (size_t)pool_stat(uc, "size");
	size_t cap = pool / (64 * KIB) + 16, n = 0, i, j;
	int *fds = calloc(cap, sizeof(*fds));
	long long fail0, freeb, largest, nfrag;
	struct samples s = { 0 };
	double med, p99, fill_us;
	char m[64];
	uint64_t t0;
	int fd;

	if (!fds)
		die("out of memory");
	must_clean(uc);
	/* Fill the pool with 64 KiB buffers, then free every other one */
	t0 = now_ns();
	while (n < cap && (fd = heap_alloc(heap, 64 * KIB)) >= 0)
		fds[n++] = fd;
	fill_us = us_since(t0);
	for (i = 0; i < n; i += 2) {
		close(fds[i]);
		fds[i] = -1;
	}
	must_clean(uc);
	freeb = pool_stat(uc, "free");
	largest = pool_stat(uc, "largest_free");
	nfrag = (long long)(n + 1) / 2;
	printf("\n== Failing request on a fragmented pool: %s (%s) ==\n", who, uc);
	printf("pool filled with %zu x 64 KiB buffers (%.0f ms), every other one freed:\n",
	       n, fill_us / 1000);
	printf("free %.1f MiB in ~%lld holes, largest free extent %lld KiB; all clean\n",
	       (double)freeb / MIB, nfrag, largest / 1024);
	printf("%-10s %12s %12s %12s %8s\n", "request", "bytes", "fail med us",
	       "fail p99 us", "errno");
	emit(who, "frag_holes", (double)nfrag, "count");
	for (j = 0; j < sizeof(req) / sizeof(req[0]); j++) {
		size_t sz = req[j].size ? req[j].size :
					  PAGE_UP((size_t)freeb + PAGE);
		int err = 0, ok = 0;

		fail0 = pool_stat(uc, "failures");
		for (i = 0; i < (size_t)reps; i++) {
			t0 = now_ns();
			fd = heap_alloc(heap, sz);
			if (fd >= 0) {
				sample_add(&s, us_since(t0));
				close(fd);
				ok++;
				continue;
			}
			sample_add(&s, us_since(t0));
			err = -fd;
		}
		sample_stats(&s, &med, &p99);
		sample_free(&s);
		printf("%-10s %12zu %12.1f %12.1f %8s%s\n", req[j].name, sz, med,
		       p99, err ? strerrorname_np(err) : "-",
		       ok ? "  (some succeeded!)" : "");
		snprintf(m, sizeof(m), "fail_%s_median", req[j].name);
		emit(who, m, med, "us");
		snprintf(m, sizeof(m), "fail_%s_p99", req[j].name);
		emit(who, m, p99, "us");
		if (pool_stat(uc, "failures") - fail0 != reps - ok)
			printf("  note: failures counter moved by %lld, expected %d\n",
			       pool_stat(uc, "failures") - fail0, reps - ok);
	}
	close_all(fds, n);
	free(fds);
	must_clean(uc);
}

/* ---- 3a. playback trace with resolution switches ---- */

/*
 * Settled mode: before every allocation of a trace, wait until the pool is
 * clean (not timed). For pmx this takes the scrubber's timing out of the
 * picture and leaves only the placement policy; for genalloc (never dirty)
 * it changes nothing.
 */
static const char *settle_uc;

static void maybe_settle(void)
{
	if (settle_uc)
		must_clean(settle_uc);
}

#define MAXFRAMES	64
#define MAXBITS		16

struct trace_stats {
	struct samples alloc, free;
	int attempts, failures;
	/* series: print each allocation as "<series> t_ms alloc_us dirty" */
	const char *who, *series, *uc;
	uint64_t t0;
};

/* Every how many allocations the timeline reads the pool's dirty bytes */
#define SERIES_DIRTY_EVERY	8

static int trace_alloc(struct trace_stats *ts, int heap, size_t size)
{
	uint64_t t0;
	double us;
	int fd;

	maybe_settle();
	t0 = now_ns();
	fd = heap_alloc(heap, size);
	us = us_since(t0);

	sample_add(&ts->alloc, us);
	ts->attempts++;
	if (fd < 0)
		ts->failures++;
	if (ts->series) {
		/* Untimed; a sysfs read only every few allocations */
		long long dirty = ts->attempts % SERIES_DIRTY_EVERY ? -1 :
				  pool_stat(ts->uc, "dirty");

		printf("series: %s %s %.3f %.1f %lld\n", ts->who, ts->series,
		       (double)(t0 - ts->t0) / 1e6, us, dirty);
	}
	return fd;
}

static void trace_free(struct trace_stats *ts, int *fd)
{
	uint64_t t0;

	if (*fd < 0)
		return;
	t0 = now_ns();
	close(*fd);
	sample_add(&ts->free, us_since(t0));
	*fd = -1;
}

static size_t bitstream_size(void)
{
	return PAGE_UP(rng_range(MIB, 2 * MIB));
}

/* Allocate or reallocate bitstream buffers: a FIFO of depth @depth */
static void bitstream_step(struct trace_stats *ts, int heap, int *bits,
			   int *head, int depth)
{
	size_t sz = bitstream_size();
	int slot = *head % depth;

	/* The decoder consumed the oldest one: it goes back */
	trace_free(ts, &bits[slot]);
	bits[slot] = trace_alloc(ts, heap, sz);
	(*head)++;
}

static void frames_step(struct trace_stats *ts, int heap, int *frames,
			int nframes, size_t fsize, uint64_t r)
{
	int i = (int)(r % (uint64_t)nframes);

	/* A frame buffer is dropped and reallocated (DPB reshuffle) */
	trace_free(ts, &frames[i]);
	frames[i] = trace_alloc(ts, heap, fsize);
}

static void trace_playback(const char *who, int heap, const char *uc,
			   uint64_t seed, int rounds, int steps, bool settled)
{
	const char *tag = settled ? "playback_settled" : "playback";
	struct trace_stats ts = { .who = who, .uc = uc,
				  .series = settled ? NULL : "timeline" };
	struct pool_timing pt0, pt1;
	int frames[MAXFRAMES], bits[MAXBITS];
	int fit_sum = 0, max_free_sum = 0, max_largest_sum = 0;
	int switch_fail = 0, head = 0, r, s, i;
	long long fail0 = pool_stat(uc, "failures");
	long long sync0 = pool_stat(uc, "scrubbed_sync");
	long long bg0 = pool_stat(uc, "scrubbed_background");
	struct samples sw = { 0 }, swfail = { 0 };
	double med, p99, med2, p992;
	uint64_t t0, tstart = now_ns();
	long long pool = pool_stat(uc, "size");

	for (i = 0; i < MAXFRAMES; i++)
		frames[i] = -1;
	for (i = 0; i < MAXBITS; i++)
		bits[i] = -1;
	must_clean(uc);
	settle_uc = settled ? uc : NULL;
	rng_seed(seed);
	pool_timing(uc, &pt0);
	ts.t0 = now_ns();
	printf("\n== Trace (a): playback 1080p <-> 4K, %s, %s (%s, %lld MiB, seed %" PRIu64 ", %d switches) ==\n",
	       who, settled ? "settled: pool clean before every allocation" :
			      "back to back", uc, pool / (long long)MIB, seed, rounds);
	printf("each round: %d steps of 1080p playback (8-16 NV12 frames, FIFO of 4-8 bitstream\n"
	       "buffers of 1-2 MiB, a frame reallocated every 8 steps), then a switch to 4K: all\n"
	       "frames freed, 4K NV12 frames allocated until one fails, then %d steps of 4K playback\n"
	       "keeping up to 16 frames, then all 4K frames freed. Bitstream buffers live throughout.\n",
	       steps, steps);
	printf("%5s %6s %5s %10s %12s %6s %9s %12s %13s %12s\n", "round",
	       "frames", "bits", "free MiB", "largest MiB", "4K fit",
	       "free/size", "largest/size", "sync scrub MiB", "switch ms");
	for (r = 0; r < rounds; r++) {
		int nf = (int)rng_range(8, 16);
		int depth = (int)rng_range(4, 8);
		int fit = 0, keep, nbits = 0;
		long long freeb, largest, sync_s;
		double sw_us;

		/* The FIFO depth changes: drop what is beyond it */
		for (i = depth; i < MAXBITS; i++)
			trace_free(&ts, &bits[i]);
		head = 0;
		/* 1080p: frames come as the decoder needs them */
		for (s = 0; s < steps; s++) {
			uint64_t x = rng();

			if (s < nf)
				frames[s] = trace_alloc(&ts, heap, NV12_1080P);
			bitstream_step(&ts, heap, bits, &head, depth);
			if (s % 8 == 7)
				frames_step(&ts, heap, frames,
					    s < nf ? s + 1 : nf, NV12_1080P, x);
		}
		for (i = 0; i < depth; i++)
			nbits += bits[i] >= 0;
		/* Resolution switch */
		sync_s = pool_stat(uc, "scrubbed_sync");
		t0 = now_ns();
		for (i = 0; i < MAXFRAMES; i++)
			trace_free(&ts, &frames[i]);
		sw_us = us_since(t0);
		freeb = pool_stat(uc, "free");
		largest = pool_stat(uc, "largest_free");
		t0 = now_ns();
		for (fit = 0; fit < MAXFRAMES; fit++) {
			uint64_t t1;
			int fd;

			if (settled) {
				sw_us += us_since(t0);
				maybe_settle();
				t0 = now_ns();
			}
			t1 = now_ns();
			fd = heap_alloc(heap, NV12_4K);

			if (fd < 0) {
				sample_add(&swfail, us_since(t1));
				switch_fail++;
				break;
			}
			frames[fit] = fd;
		}
		sw_us += us_since(t0);
		sample_add(&sw, sw_us / 1000);
		sync_s = pool_stat(uc, "scrubbed_sync") - sync_s;
		printf("%5d %6d %5d %10.1f %12.1f %6d %9lld %12lld %13.1f %12.1f\n",
		       r + 1, nf, nbits, (double)freeb / MIB,
		       (double)largest / MIB, fit,
		       freeb / (long long)PAGE_UP(NV12_4K),
		       largest / (long long)PAGE_UP(NV12_4K),
		       (double)sync_s / MIB, sw_us / 1000);
		printf("series: %s %s %d %d %lld %lld\n", who,
		       settled ? "switch_settled" : "switch", r + 1, fit,
		       freeb / (long long)PAGE_UP(NV12_4K),
		       largest / (long long)PAGE_UP(NV12_4K));
		fit_sum += fit;
		max_free_sum += (int)(freeb / (long long)PAGE_UP(NV12_4K));
		max_largest_sum += (int)(largest / (long long)PAGE_UP(NV12_4K));
		/* 4K playback with up to 16 frames, leaving room for bitstream */
		keep = fit - 2 < 16 ? fit - 2 : 16;
		if (keep < 1)
			keep = fit;
		for (i = keep; i < MAXFRAMES; i++)
			trace_free(&ts, &frames[i]);
		for (s = 0; s < steps; s++) {
			uint64_t x = rng();

			bitstream_step(&ts, heap, bits, &head, depth);
			if (s % 8 == 7 && keep > 0)
				frames_step(&ts, heap, frames, keep, NV12_4K, x);
		}
		/* Back to 1080p: the 4K frames go */
		for (i = 0; i < MAXFRAMES; i++)
			trace_free(&ts, &frames[i]);
	}
	close_all(bits, MAXBITS);
	printf("4K frames that fit at the switches: %d; bounds: free/size %d, largest_free/size %d\n",
	       fit_sum, max_free_sum, max_largest_sum);
	sample_stats(&ts.alloc, &med, &p99);
	sample_stats(&ts.free, &med2, &p992);
	printf("trace allocations %d, failed %d (plus %d failures that end the switches); "
	       "alloc med %.1f us p99 %.1f us; free med %.1f us p99 %.1f us\n",
	       ts.attempts, ts.failures, switch_fail, med, p99, med2, p992);
	emit_tag(who, tag, "4k_fit", fit_sum, "frames");
	emit_tag(who, tag, "4k_max_free", max_free_sum, "frames");
	emit_tag(who, tag, "4k_max_largest", max_largest_sum, "frames");
	emit_tag(who, tag, "failures", ts.failures, "count");
	emit_tag(who, tag, "alloc_median", med, "us");
	emit_tag(who, tag, "alloc_p99", p99, "us");
	emit_tag(who, tag, "free_median", med2, "us");
	emit_tag(who, tag, "free_p99", p992, "us");
	sample_stats(&sw, &med, &p99);
	emit_tag(who, tag, "switch_median", med, "ms");
	emit_tag(who, tag, "switch_max", sw.n ? sw.v[sw.n - 1] : NAN, "ms");
	printf("switch (free frames + allocate 4K frames) median %.1f ms, max %.1f ms",
	       med, sw.n ? sw.v[sw.n - 1] : NAN);
	sample_stats(&swfail, &med, &p99);
	printf("; the failing 4K request at the switch: median %.1f us\n", med);
	emit_tag(who, tag, "switch_fail_median", med, "us");
	printf("sysfs failures moved by %lld; scrubbed in alloc/free calls %.1f MiB, in the background %.1f MiB; %.1f s\n",
	       pool_stat(uc, "failures") - fail0,
	       (double)(pool_stat(uc, "scrubbed_sync") - sync0) / MIB,
	       (double)(pool_stat(uc, "scrubbed_background") - bg0) / MIB,
	       (double)(now_ns() - tstart) / 1e9);
	emit_tag(who, tag, "scrub_sync",
	     (double)(pool_stat(uc, "scrubbed_sync") - sync0) / MIB, "MiB");
	pool_timing(uc, &pt1);
	timing_report(who, tag, &pt0, &pt1);
	sample_free(&ts.alloc);
	sample_free(&ts.free);
	sample_free(&sw);
	sample_free(&swfail);
	settle_uc = NULL;
	must_clean(uc);
}

/* ---- 3b. random churn with mixed sizes at high occupancy ---- */

static void trace_churn(const char *who, int heap, const char *uc,
			uint64_t seed, int steps, bool settled)
{
	const char *tag = settled ? "churn_settled" : "churn";
	static const int targets[] = { 80, 90, 95 };
	size_t pool = (size_t)pool_stat(uc, "size");
	size_t cap = pool / PAGE + 16, n = 0, used = 0;
	int *fds = calloc(cap, sizeof(*fds));
	size_t *szs = calloc(cap, sizeof(*szs));
	long long sync0 = pool_stat(uc, "scrubbed_sync");
	struct samples sa = { 0 };
	double med, p99;
	char m[64];
	size_t t;

	if (!fds || !szs)
		die("out of memory");
	must_clean(uc);
	rng_seed(seed ^ 0xc0ffee);
	printf("\n== Trace (b): random churn, mixed sizes, %s, %s (%s, seed %" PRIu64 ", %d steps per level) ==\n",
	       who, settled ? "settled: pool clean before every allocation" :
			      "back to back", uc, seed, steps);
	printf("sizes: 20%% 4 KiB, 20%% 64 KiB, 15%% 1 MiB, 20%% 1-2 MiB, 15%% 1080p, 10%% 4K NV12;\n"
	       "allocate while below the target occupancy, else free a random buffer; a failed\n"
	       "allocation also frees a random buffer\n");
	printf("%8s %9s %9s %9s %12s %12s %14s\n", "target", "attempts",
	       "failed", "success", "bytes ok", "mean occ.", "occ. at fail");
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		size_t limit = pool / 100 * (size_t)targets[t];
		int attempts = 0, fails = 0, s;
		double want = 0, got = 0, occ_sum = 0, occ_fail = 0;

		for (s = 0; s < steps; s++) {
			uint64_t x = rng(), y = rng();
			size_t sz = PAGE_UP(churn_size(x));
			bool do_free = used + sz > limit;

			if (!do_free) {
				uint64_t t0;
				int fd;

				if (settled)
					must_clean(uc);
				t0 = now_ns();
				fd = heap_alloc(heap, sz);

				sample_add(&sa, us_since(t0));
				attempts++;
				want += (double)sz;
				if (fd >= 0) {
					fds[n] = fd;
					szs[n++] = sz;
					used += sz;
					got += (double)sz;
				} else {
					fails++;
					occ_fail += (double)used / (double)pool;
					do_free = true;
				}
			}
			if (do_free && n) {
				size_t i = (size_t)(y % n);

				close(fds[i]);
				used -= szs[i];
				fds[i] = fds[n - 1];
				szs[i] = szs[n - 1];
				n--;
			}
			occ_sum += (double)used / (double)pool;
		}
		printf("%7d%% %9d %9d %8.1f%% %11.1f%% %11.1f%% %13.1f%%\n",
		       targets[t], attempts, fails,
		       100.0 * (attempts - fails) / (attempts ? attempts : 1),
		       want ? 100.0 * got / want : 100.0, 100.0 * occ_sum / steps,
		       fails ? 100.0 * occ_fail / fails : NAN);
		snprintf(m, sizeof(m), "%s%d_success", tag, targets[t]);
		emit(who, m, 100.0 * (attempts - fails) / (attempts ? attempts : 1),
		     "%");
		snprintf(m, sizeof(m), "%s%d_failures", tag, targets[t]);
		emit(who, m, fails, "count");
		snprintf(m, sizeof(m), "%s%d_bytes_ok", tag, targets[t]);
		emit(who, m, want ? 100.0 * got / want : 100.0, "%");
	}
	sample_stats(&sa, &med, &p99);
	printf("churn allocation latency: median %.1f us, p99 %.1f us; scrubbed in alloc/free calls %.1f MiB\n",
	       med, p99,
	       (double)(pool_stat(uc, "scrubbed_sync") - sync0) / MIB);
	emit_tag(who, tag, "alloc_median", med, "us");
	emit_tag(who, tag, "alloc_p99", p99, "us");
	sample_free(&sa);
	close_all(fds, n);
	free(fds);
	free(szs);
	must_clean(uc);
}

/* ---- 4. scaling: many live buffers ---- */

/* close() a buffer, timing it into @s */
static void close_timed(int fd, struct samples *s)
{
	uint64_t t0 = now_ns();

	close(fd);
	sample_add(s, us_since(t0));
}

/* Mean of step @name between two readings of the pool's timing, in us */
static double step_mean(const struct pool_timing *a,
			const struct pool_timing *b, const char *name)
{
	int i;

	for (i = 0; i < NTIME; i++)
		if (!strcmp(time_steps[i], name))
			return mean_us(b->tns[i] - a->tns[i],
				       b->tn[i] - a->tn[i]);
	return NAN;
}

/*
 * Where a scaling round's time went, from the kernel's own counters (means
 * per call, us): the exporter's allocation (the pool's part, dma_buf_export)
 * and release (the pool's part), the secure world's release fast call, the
 * pool lock on the free path, and scrubs or waits in allocations. What the
 * ioctl or close() took beyond the exporter's part is the DMA-heap core,
 * the VFS and the fd table.
 */
static void scale_steps(const char *who, const char *tag,
			const struct pool_timing *a,
			const struct pool_timing *b)
{
	static const char *const show[] = {
		"heap_alloc", "heap_pool_alloc", "heap_export", "heap_release",
		"heap_pool_free", "release", "kick", "scrub_sync", "busy_wait",
	};
	unsigned long long n;
	char m[128];
	size_t i;

	if (!a->ok || !b->ok)
		return;
	printf("         kernel, mean us per call:");
	for (i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
		double v = step_mean(a, b, show[i]);

		printf(" %s %.1f", show[i], v);
		snprintf(m, sizeof(m), "%s_k_%s_mean", tag, show[i]);
		emit(who, m, v, "us");
	}
	n = b->ln[1] - a->ln[1];
	printf(" free-lock wait %.1f hold %.1f\n",
	       mean_us(b->wait[1] - a->wait[1], n),
	       mean_us(b->hold[1] - a->hold[1], n));
	snprintf(m, sizeof(m), "%s_k_free_lock_hold_mean", tag);
	emit(who, m, mean_us(b->hold[1] - a->hold[1], n), "us");
}

/*
 * Fill the pool to @n live buffers (sizes from @size_of), then free every
 * 12th buffer allocated so that the free space is many holes, not one
 * block; then time @reps rounds of: allocate a 4 KiB buffer (it takes a
 * hole: the lowest with first fit, the highest with pmx's two-ended fit),
 * allocate one of 2 holes' size (it fits no hole), free both. The state is
 * the same after every round.
 * Back to back, the 4 KiB allocation takes the hole the previous round
 * freed, still dirty for pmx: it measures the hand-off to the scrubber.
 * @settled waits, untimed, for dirty == 0 before each timed call, so each
 * call measures the allocator and the exporter alone.
 * Returns false if the pool could not hold @n buffers.
 */
static bool scale_one(const char *who, int heap, const char *uc, size_t n,
		      bool mixed, bool settled, int reps)
{
	size_t cap = n + n / 11 + 16, live = 0, made = 0, i;
	int *fds = malloc(cap * sizeof(*fds));
	struct samples sa = { 0 }, sb = { 0 }, sf = { 0 };
	double a_med, a_p99, b_med, b_p99, f_med, f_p99;
	const char *tag = mixed ? (settled ? "scale_mixed_settled" : "scale_mixed") :
				  (settled ? "scale_4k_settled" : "scale_4k");
	struct pool_timing pt0, pt1;
	uint64_t t0;
	char m[96];
	int r, fd, fd2;
	bool ok = true;

	if (!fds)
		die("out of memory");
	must_clean(uc);
	rng_seed(n);
	while (made - made / 12 < n) {
		size_t sz = mixed ? PAGE * (1 + rng() % 16) : PAGE;

		fd = heap_alloc(heap, sz);
		if (fd < 0) {
			ok = false;
			break;
		}
		fds[made++] = fd;
	}
	/*
	 * Every 12th freed only now: freed during the fill, each would be
	 * taken again by the next allocation and no hole would remain.
	 */
	for (i = 11; i < made; i += 12) {
		close(fds[i]);
		fds[i] = -1;
	}
	live = made - made / 12;
	must_clean(uc);
	pool_timing(uc, &pt0);
	for (r = 0; ok && r < reps; r++) {
		if (settled)
			must_clean(uc);
		t0 = now_ns();
		fd = heap_alloc(heap, PAGE);
		sample_add(&sa, us_since(t0));
		if (settled)
			must_clean(uc);
		t0 = now_ns();
		fd2 = heap_alloc(heap, mixed ? 40 * PAGE : 2 * PAGE);
		sample_add(&sb, us_since(t0));
		if (fd < 0 || fd2 < 0) {
			ok = false;
			if (fd >= 0)
				close(fd);
			if (fd2 >= 0)
				close(fd2);
			break;
		}
		if (settled)
			must_clean(uc);
		close_timed(fd, &sf);
		if (settled)
			must_clean(uc);
		close_timed(fd2, &sf);
	}
	pool_timing(uc, &pt1);
	if (ok) {
		sample_stats(&sa, &a_med, &a_p99);
		sample_stats(&sb, &b_med, &b_p99);
		sample_stats(&sf, &f_med, &f_p99);
		printf("%-6s %-7s %7zu live (%5zu holes): alloc 4 KiB %7.1f / %7.1f us, alloc %s %7.1f / %7.1f us, free %7.1f / %7.1f us\n",
		       mixed ? "mixed" : "4 KiB", settled ? "settled" : "b2b",
		       live, made / 12, a_med, a_p99,
		       mixed ? "160 KiB" : "8 KiB", b_med, b_p99, f_med, f_p99);
		snprintf(m, sizeof(m), "%s_%zu_alloc_median", tag, n);
		emit(who, m, a_med, "us");
		snprintf(m, sizeof(m), "%s_%zu_alloc_big_median", tag, n);
		emit(who, m, b_med, "us");
		snprintf(m, sizeof(m), "%s_%zu_free_median", tag, n);
		emit(who, m, f_med, "us");
		snprintf(m, sizeof(m), "%s_%zu_op_median", tag, n);
		emit(who, m, (a_med + b_med + 2 * f_med) / 4, "us");
		snprintf(m, sizeof(m), "%s_%zu", tag, n);
		scale_steps(who, m, &pt0, &pt1);
	} else {
		printf("%-6s %7zu live: the pool holds only %zu\n",
		       mixed ? "mixed" : "4 KiB", n, live);
	}
	for (i = 0; i < made; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	sample_free(&sa);
	sample_free(&sb);
	sample_free(&sf);
	must_clean(uc);
	return ok;
}

static void trace_scale(const char *who, int heap, const char *uc, int reps)
{
	static const size_t n4k[] = { 1000, 60000 };
	static const size_t nmixed[] = { 1000, 6000 };
	size_t i;
	int s;

	printf("\n== Scaling: live buffers in one pool, %s (%s); median / p99 ==\n",
	       who, uc);
	printf("4 KiB: n live 4 KiB buffers; mixed: n live buffers of 4-64 KiB; every 12th\n"
	       "buffer freed after filling, so the free space is holes; then rounds of\n"
	       "alloc 4 KiB (a hole) + alloc a size no hole holds + two frees;\n"
	       "b2b: back to back; settled: dirty == 0 awaited (untimed) before each call\n");
	for (s = 0; s < 2; s++) {
		for (i = 0; i < 2; i++)
			scale_one(who, heap, uc, n4k[i], false, s, reps);
		for (i = 0; i < 2; i++)
			scale_one(who, heap, uc, nmixed[i], true, s, reps);
	}
}

/* ---- 5. dynamic pools: lending, steady state, reclaim ---- */

static long long vtee_param(const char *name)
{
	char path[128], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/vtee/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 0);
	fclose(f);
	return v;
}

/*
 * Rounds on an idle dynamic pool (nothing lent): allocate A (a chunk is
 * lent for it: "first"), allocate B of the same size ("steady": it reuses
 * the chunk when two fit), free B, free A (the last buffer: the chunk is
 * scrubbed and reclaimed, "reclaim"). Compare with the CMA heap's columns
 * of the reference part, same sizes, same boot.
 */
static int mode_dynamic(const char *who, const char *uc, int reps, int round)
{
	static const struct {
		const char *name;
		size_t size;
	} dsz[] = { { "64KiB", 64 * KIB }, { "1MiB", MIB } };
	long long chunk = vtee_param("chunk");
	char heapname[128], m[96], cname[32], rname[16] = "";
	struct samples sf = { 0 }, ss = { 0 }, sfree = { 0 }, sr = { 0 };
	double med, p99;
	uint64_t t0;
	size_t i;
	int heap, r, a, b;

	if (chunk <= 0)
		die("vtee has no chunk parameter");
	snprintf(cname, sizeof(cname), "%lldKiB", chunk / (long long)KIB);
	if (round > 1)
		snprintf(rname, sizeof(rname), "_r%d", round);
	snprintf(heapname, sizeof(heapname), "protected,%s", uc);
	heap = heap_open(heapname);
	printf("\n== Dynamic pool %s, chunk %s: median / p99 (us) ==\n", uc,
	       cname);
	printf("%8s %22s %22s %22s %22s\n", "size", "first (lends)",
	       "steady (reuses)", "free (steady)", "free (reclaims)");
	for (i = 0; i < sizeof(dsz) / sizeof(dsz[0]); i++) {
		for (r = 0; r < reps; r++) {
			t0 = now_ns();
			a = heap_alloc(heap, dsz[i].size);
			sample_add(&sf, us_since(t0));
			t0 = now_ns();
			b = heap_alloc(heap, dsz[i].size);
			sample_add(&ss, us_since(t0));
			if (a < 0 || b < 0)
				die("dynamic pool %s: allocation failed", uc);
			close_timed(b, &sfree);
			close_timed(a, &sr);
		}
		printf("%8s", dsz[i].name);
#define DYN_EMIT(smp, what)						\
		do {							\
			sample_stats(&(smp), &med, &p99);		\
			printf(" %10.1f / %9.1f", med, p99);		\
			snprintf(m, sizeof(m), "dyn_%s_%s_%s_median%s",	\
				 cname, what, dsz[i].name, rname);	\
			emit(who, m, med, "us");			\
			sample_free(&(smp));				\
		} while (0)
		DYN_EMIT(sf, "first");
		DYN_EMIT(ss, "steady");
		DYN_EMIT(sfree, "free");
		DYN_EMIT(sr, "reclaim");
#undef DYN_EMIT
		printf("\n");
	}
	close(heap);
	emit_flush();
	return 0;
}

/* ---- modes ---- */

static const char *find_cma_heap(void)
{
	static char name[256];
	DIR *d = opendir("/dev/dma_heap");
	struct dirent *e;

	if (!d)
		return NULL;
	name[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "system") ||
		    !strncmp(e->d_name, "protected,", 10))
			continue;
		snprintf(name, sizeof(name), "%s", e->d_name);
		break;
	}
	closedir(d);
	return name[0] ? name : NULL;
}

static void raise_nofile(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max = 65536;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			fprintf(stderr, "protmem_bench: RLIMIT_NOFILE: %s\n",
				strerror(errno));
	}
}

static int mode_protected(const char *who, const char *uc, uint64_t seed,
			  int reps)
{
	char heapname[128];
	long long pool = pool_stat(uc, "size");
	struct pool_timing pt0, pt1;
	long long bg0, bg;
	int heap;

	if (pool <= 0)
		die("no pool for %s in /sys/class/tee/tee0/protmem", uc);
	snprintf(heapname, sizeof(heapname), "protected,%s", uc);
	printf("protmem_bench: allocator %s, heap %s, pool %lld MiB, seed %" PRIu64 "\n",
	       who, heapname, pool / (long long)MIB, seed);
	emit(who, "seed", (double)seed, "-");
	pool_timing(uc, &pt0);
	bg0 = pool_stat(uc, "scrubbed_background");
	if (part("lat")) {
		lat_table(who, heapname, uc, (size_t)pool, reps);
		pool_timing(uc, &pt1);
		timing_report(who, "lat", &pt0, &pt1);
	}
	heap = heap_open(heapname);
	if (part("fail"))
		fail_test(who, heap, uc, reps);
	if (part("playback")) {
		trace_playback(who, heap, uc, seed, 6, 160, false);
		trace_playback(who, heap, uc, seed, 6, 160, true);
	}
	if (part("churn")) {
		trace_churn(who, heap, uc, seed, 3000, false);
		trace_churn(who, heap, uc, seed, 3000, true);
	}
	if (part("scale"))
		trace_scale(who, heap, uc, reps);
	pool_timing(uc, &pt1);
	timing_report(who, "all", &pt0, &pt1);
	/* The background scrubber's speed: bytes over time spent scrubbing */
	bg = pool_stat(uc, "scrubbed_background") - bg0;
	if (pt1.tns[1] > pt0.tns[1] && bg > 0) {
		double mbs = (double)bg / MIB /
			     ((double)(pt1.tns[1] - pt0.tns[1]) / 1e9);

		printf("background scrub: %.1f MiB in %.1f ms: %.0f MiB/s\n",
		       (double)bg / MIB, (pt1.tns[1] - pt0.tns[1]) / 1e6, mbs);
		emit(who, "scrub_bg_bandwidth", mbs, "MiB/s");
	}
	close(heap);
	emit_flush();
	return 0;
}

/*
 * The guest's own memset bandwidth: 64 MiB, touched first, set 8 times;
 * the best pass counts (the least disturbed by the host).
 */
static void memset_bandwidth(void)
{
	size_t len = 64 * MIB;
	char *buf = malloc(len);
	double best = 0, mbs;
	uint64_t t0;
	int i;

	if (!buf)
		die("out of memory");
	memset(buf, 1, len);
	for (i = 0; i < 8; i++) {
		t0 = now_ns();
		memset(buf, 0, len);
		__asm__ volatile("" : : "r"(buf) : "memory");
		mbs = (double)len / MIB / ((double)(now_ns() - t0) / 1e9);
		if (mbs > best)
			best = mbs;
	}
	free(buf);
	printf("guest memset (user space, 64 MiB, best of 8): %.0f MiB/s\n",
	       best);
	emit("system", "memset_bandwidth", best, "MiB/s");
}

static int mode_reference(int reps)
{
	const char *cma = find_cma_heap();
	long long cma_bytes = 128LL * MIB;
	FILE *f;

	/* The CMA area's size, for the batch size */
	f = fopen("/proc/meminfo", "r");
	if (f) {
		char line[128];

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CmaTotal: %lld kB", &cma_bytes) == 1) {
				cma_bytes *= 1024;
				break;
			}
		fclose(f);
	}
	memset_bandwidth();
	/* Batches as big as in a 256 MiB protected pool */
	lat_table("system", "system", NULL, 256 * MIB, reps);
	if (cma) {
		printf("(the CMA heap is /dev/dma_heap/%s, CMA area %lld MiB)\n",
		       cma, cma_bytes / (long long)MIB);
		lat_table("cma", cma, NULL, (size_t)cma_bytes, reps);
	} else {
		printf("no CMA heap in /dev/dma_heap\n");
	}
	emit_flush();
	return 0;
}

static int mode_settle(const char *who, double timeout)
{
	size_t i;
	double ms, worst = 0;

	for (i = 0; i < sizeof(use_cases) / sizeof(use_cases[0]); i++) {
		if (pool_stat(use_cases[i], "size") < 0)
			continue;
		ms = wait_clean(use_cases[i], timeout);
		if (ms < 0) {
			fprintf(stderr, "protmem_bench: %s still dirty after %.0f s\n",
				use_cases[i], timeout);
			return 1;
		}
		if (ms > worst)
			worst = ms;
	}
	printf("protmem_bench: pools clean after %.1f ms\n", worst);
	if (who) {
		emit(who, "settle_ms", worst, "ms");
		emit_flush();
	}
	return 0;
}

static int mode_timed(const char *who, const char *label, char **argv)
{
	uint64_t t0 = now_ns();
	int status;
	pid_t pid;
	char m[64];
	double ms;

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "protmem_bench: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	ms = (double)(now_ns() - t0) / 1e6;
	printf("protmem_bench: %s took %.1f ms\n", label, ms);
	snprintf(m, sizeof(m), "%s_ms", label);
	emit(who, m, ms, "ms");
	emit_flush();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: protmem_bench protected ALLOCATOR [--use-case UC] [--seed N] [--reps N]\n"
		"                 [--batch N] [--only lat|fail|playback|churn|scale]\n"
		"       protmem_bench reference [--reps N]\n"
		"       protmem_bench dynamic ALLOCATOR --use-case UC [--reps N] [--round N]\n"
		"       protmem_bench settle [WHO] [--timeout S]\n"
		"       protmem_bench timed WHO LABEL CMD [ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *uc = "secure-video";
	uint64_t seed = 42;
	double timeout = 120;
	int reps = 200, round = 1, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "timed")) {
		if (argc < 5)
			usage();
		return mode_timed(argv[2], argv[3], argv + 4);
	}
	i = 2;
	if (!strcmp(argv[1], "protected") || !strcmp(argv[1], "dynamic") ||
	    (!strcmp(argv[1], "settle") && argc > 2 && argv[2][0] != '-'))
		i = 3;
	for (; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--use-case"))
			uc = argv[++i];
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps"))
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			batch = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only"))
			only = argv[++i];
		else if (!strcmp(argv[i], "--timeout"))
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--round"))
			round = atoi(argv[++i]);
		else
			usage();
	}
	if (reps < 1 || batch < 0 || round < 1)
		usage();
	raise_nofile();
	if (!strcmp(argv[1], "protected")) {
		if (argc < 3)
			usage();
		return mode_protected(argv[2], uc, seed, reps);
	}
	if (!strcmp(argv[1], "reference"))
		return mode_reference(reps);
	if (!strcmp(argv[1], "dynamic") && argc > 2)
		return mode_dynamic(argv[2], uc, reps, round);
	if (!strcmp(argv[1], "settle"))
		return mode_settle(argc > 2 && argv[2][0] != '-' ? argv[2] : NULL,
				   timeout);
	usage();
	return 2;
}
