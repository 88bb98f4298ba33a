// SPDX-License-Identifier: GPL-2.0
/*
 * protmem - look at and use the system's protected memory (libprotmem).
 *
 *   protmem [--json] heaps | stat [--watch [S]] [--count N] [USE_CASE]
 *           | map [--width N] [USE_CASE] | alloc SIZE --use-case U
 *           [--hold S] [--tee] | firewall
 *
 * Every command has a --json form with the same fields as its text form.
 * Exit status (protmem.1): 0 success, 1 the operation failed, 2 bad usage,
 * 3 no protected memory here (no TEE driver, pool or debugfs), 4 not
 * permitted (the pool figures and the map are root's).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protmem.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_PERM	4

#define MAP_WIDTH_DEFAULT	64
#define MAP_MAX_EXTENTS		65536

struct opts {
	int json;
	int watch;		/* stat: seconds between samples, 0: once */
	long count;		/* stat: samples, 0: until interrupted */
	int width;		/* map */
	int use_case;		/* 0: all */
	int hold;		/* alloc: seconds */
	int via_tee;		/* alloc: TEE_IOC_PROTMEM_ALLOC */
	uint64_t size;		/* alloc */
};

static const char usage_text[] =
	"usage: protmem [--json] COMMAND [ARGS]\n"
	"\n"
	"  heaps                     protected heaps: size, used, free, dirty, largest free,\n"
	"                            live buffers, allowed devices\n"
	"  stat [--watch [SECONDS]] [--count N] [USE_CASE]\n"
	"                            every pool figure, once or every SECONDS (default 1)\n"
	"  map [--width N] [USE_CASE]\n"
	"                            occupancy of a pool: # in buffers, . free, ~ dirty\n"
	"  alloc SIZE --use-case U [--hold SECONDS] [--tee]\n"
	"                            allocate SIZE bytes (K, M, G suffixes: KiB...),\n"
	"                            hold the buffer, free it; --tee: via /dev/teeN\n"
	"  firewall                  devices each use case allows, refused accesses\n"
	"\n"
	"  --json     machine-readable output (same fields)\n"
	"  --help     this text; see protmem(1)\n"
	"\n"
	"Use cases: secure-video, trusted-ui, secure-video-record.\n"
	"Exit status: 0 ok, 1 failed, 2 usage, 3 no protected memory here, 4 not permitted.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "protmem: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'protmem --help'.\n");
	return EXIT_USAGE;
}

/* Exit status and message for a library error about @what */
static int fail(const char *what, int err)
{
	const char *hint = "";
	int status = EXIT_FAIL;

	switch (-err) {
	case EACCES:
	case EPERM:
		status = EXIT_PERM;
		hint = " (pool figures and maps are root's: run as root)";
		break;
	case ENOENT:
	case ENODEV:
		status = EXIT_NODEV;
		hint = " (no protected memory here: is the TEE driver, e.g. vtee, loaded? debugfs mounted?)";
		break;
	case ENOMEM:
		hint = " (the pool has no free range that large: see 'protmem heaps')";
		break;
	case EOPNOTSUPP:
		hint = " (this pool's allocator keeps no map)";
		break;
	}
	fprintf(stderr, "protmem: %s: %s%s\n", what, strerror(-err), hint);
	return status;
}

static const char *uc_name(int uc)
{
	const char *n = "?";

	protmem_use_case_name(uc, &n);
	return n;
}

static void acc_str(unsigned int acc, char out[3])
{
	int i = 0;

	if (acc & PROTMEM_READ)
		out[i++] = 'r';
	if (acc & PROTMEM_WRITE)
		out[i++] = 'w';
	out[i] = '\0';
}

/* Use cases with a pool, or the one asked for (which must have one) */
static int pools(const struct opts *o, int ucs[PROTMEM_NUM_USE_CASES])
{
	struct protmem_heap_info h[PROTMEM_NUM_USE_CASES];
	int i, n = 0, ret;

	ret = protmem_heaps(h, PROTMEM_NUM_USE_CASES);
	if (ret < 0)
		return ret;
	for (i = 0; i < PROTMEM_NUM_USE_CASES; i++) {
		if (o->use_case && h[i].use_case != o->use_case)
			continue;
		if (h[i].has_pool)
			ucs[n++] = h[i].use_case;
		else if (o->use_case)
			return -ENOENT;
	}
	return n ? n : -ENODEV;
}

/* ---- heaps -------------------------------------------------------------- */

static void print_rules(const struct opts *o, const struct protmem_rule *r,
			int n)
{
	char acc[3];
	int i;

	for (i = 0; i < n; i++) {
		acc_str(r[i].access, acc);
		if (o->json)
			printf("%s{\"device\": \"%s\", \"access\": \"%s\"}",
			       i ? ", " : "", r[i].device, acc);
		else
			printf("%s%s:%s", i ? " " : "", r[i].device, acc);
	}
	if (!o->json && !n)
		printf("(none)");
}

static int cmd_heaps(const struct opts *o)
{
	struct protmem_heap_info h[PROTMEM_NUM_USE_CASES];
	struct protmem_rule rules[16];
	struct protmem_pool_stats st;
	int i, ret, nr, first = 1;

	ret = protmem_heaps(h, PROTMEM_NUM_USE_CASES);
	if (ret < 0)
		return fail("listing the heaps", ret);
	if (!ret)
		return fail("listing the heaps", -ENODEV);
	if (o->json)
		printf("{\"heaps\": [");
	else
		printf("%-20s %-5s %10s %10s %10s %10s %12s %5s  %s\n",
		       "use case", "tee", "size", "used", "free", "dirty",
		       "largest free", "live", "allowed devices");
	for (i = 0; i < PROTMEM_NUM_USE_CASES; i++) {
		if (!h[i].has_pool) {
			if (!o->json && h[i].has_heap)
				printf("%-20s (heap %s without a pool: allocations fail)\n",
				       h[i].name, h[i].heap);
			continue;
		}
		ret = protmem_pool_stats(h[i].use_case, &st);
		if (ret) {
			if (o->json)
				printf("]}\n");
			return fail(h[i].name, ret);
		}
		nr = protmem_allowed_devices(h[i].use_case, rules, 16);
		if (nr < 0) {
			if (o->json)
				printf("]}\n");
			return fail("allowed devices", nr);
		}
		if (nr > 16)
			nr = 16;
		if (o->json) {
			printf("%s\n  {\"use_case\": \"%s\", \"heap\": \"%s\", \"tee\": \"%s\", "
			       "\"size\": %" PRIu64 ", \"used\": %" PRIu64 ", \"free\": %" PRIu64
			       ", \"dirty\": %" PRIu64 ", \"largest_free\": %" PRIu64
			       ", \"live_buffers\": %" PRIu64 ", \"allowed_devices\": [",
			       first ? "" : ",", h[i].name, h[i].heap, h[i].tee, st.size,
			       st.used, st.free, st.dirty, st.largest_free,
			       st.live_buffers);
			print_rules(o, rules, nr);
			printf("]}");
		} else {
			printf("%-20s %-5s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			       " %10" PRIu64 " %12" PRIu64 " %5" PRIu64 "  ",
			       h[i].name, h[i].tee, st.size, st.used, st.free,
			       st.dirty, st.largest_free, st.live_buffers);
			print_rules(o, rules, nr);
			printf("\n");
		}
		first = 0;
	}
	if (o->json)
		printf("\n]}\n");
	return 0;
}

/* ---- stat --------------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int stat_once(const struct opts *o, const int *ucs, int n)
{
	struct protmem_pool_stats st;
	int i, ret;

	if (o->json)
		printf("{\"time\": %lld, \"pools\": [", (long long)time(NULL));
	for (i = 0; i < n; i++) {
		ret = protmem_pool_stats(ucs[i], &st);
		if (ret) {
			if (o->json)
				printf("]}\n");
			return fail(uc_name(ucs[i]), ret);
		}
		if (o->json)
			printf("%s{\"use_case\": \"%s\", \"size\": %" PRIu64
			       ", \"used\": %" PRIu64 ", \"free\": %" PRIu64
			       ", \"dirty\": %" PRIu64 ", \"largest_free\": %" PRIu64
			       ", \"live_buffers\": %" PRIu64 ", \"allocations\": %" PRIu64
			       ", \"failures\": %" PRIu64 ", \"scrubbed_background\": %" PRIu64
			       ", \"scrubbed_sync\": %" PRIu64 "}",
			       i ? ", " : "", uc_name(ucs[i]), st.size, st.used,
			       st.free, st.dirty, st.largest_free, st.live_buffers,
			       st.allocations, st.failures, st.scrubbed_background,
			       st.scrubbed_sync);
		else
			printf("%s\n  size %" PRIu64 "  used %" PRIu64 "  free %" PRIu64
			       "  dirty %" PRIu64 "  largest_free %" PRIu64 "\n"
			       "  live_buffers %" PRIu64 "  allocations %" PRIu64
			       "  failures %" PRIu64 "\n"
			       "  scrubbed_background %" PRIu64 "  scrubbed_sync %" PRIu64 "\n",
			       uc_name(ucs[i]), st.size, st.used, st.free, st.dirty,
			       st.largest_free, st.live_buffers, st.allocations,
			       st.failures, st.scrubbed_background, st.scrubbed_sync);
	}
	if (o->json)
		printf("]}\n");
	fflush(stdout);
	return 0;
}

static int cmd_stat(const struct opts *o)
{
	int ucs[PROTMEM_NUM_USE_CASES], n, ret;
	long done = 0;

	n = pools(o, ucs);
	if (n < 0)
		return fail(o->use_case ? uc_name(o->use_case) : "pools", n);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (;;) {
		ret = stat_once(o, ucs, n);
		if (ret || !o->watch || stop || (o->count && ++done >= o->count))
			return ret;
		sleep((unsigned int)o->watch);
		if (stop)
			return 0;
		if (!o->json)
			printf("\n");
	}
}

/* ---- map ---------------------------------------------------------------- */

static const char map_char[3] = {
	[PROTMEM_EXTENT_USED] = '#',
	[PROTMEM_EXTENT_CLEAN] = '.',
	[PROTMEM_EXTENT_DIRTY] = '~',
};

static const char *const map_state[3] = {
	[PROTMEM_EXTENT_USED] = "used",
	[PROTMEM_EXTENT_CLEAN] = "clean",
	[PROTMEM_EXTENT_DIRTY] = "dirty",
};

/*
 * Draw @total bytes in @cells cells: a cell shows what covers most of it,
 * except that a cell with any used byte is '#' (a small buffer stays
 * visible).
 */
static void draw(const struct protmem_extent *e, int n, uint64_t total,
		 int cells)
{
	uint64_t bytes[3], lo, hi, a, b;
	int c, i = 0, s, best;

	for (c = 0; c < cells; c++) {
		lo = total * (uint64_t)c / (uint64_t)cells;
		hi = total * (uint64_t)(c + 1) / (uint64_t)cells;
		memset(bytes, 0, sizeof(bytes));
		while (i < n && e[i].offset + e[i].len <= lo)
			i++;
		for (s = i; s < n && e[s].offset < hi; s++) {
			a = e[s].offset > lo ? e[s].offset : lo;
			b = e[s].offset + e[s].len < hi ? e[s].offset + e[s].len : hi;
			bytes[e[s].state] += b - a;
		}
		best = bytes[PROTMEM_EXTENT_USED] ? PROTMEM_EXTENT_USED :
		       bytes[PROTMEM_EXTENT_DIRTY] > bytes[PROTMEM_EXTENT_CLEAN] ?
		       PROTMEM_EXTENT_DIRTY : PROTMEM_EXTENT_CLEAN;
		if (c && c % 64 == 0)
			printf("|\n  |");
		putchar(map_char[best]);
	}
	printf("|\n");
}

static int map_one(const struct opts *o, int uc, int first)
{
	struct protmem_extent *e;
	uint64_t total = 0, sum[3] = { 0 };
	int n, i, cells;

	n = protmem_pool_map(uc, NULL, 0);
	if (n < 0)
		return fail(uc_name(uc), n);
	if (n > MAP_MAX_EXTENTS)
		n = MAP_MAX_EXTENTS;
	e = calloc((size_t)n + 1, sizeof(*e));
	if (!e)
		return fail("map", -ENOMEM);
	/* The map may have changed since it was counted: read what fits */
	n = protmem_pool_map(uc, e, (size_t)n + 1);
	if (n < 0) {
		free(e);
		return fail(uc_name(uc), n);
	}
	if (n > MAP_MAX_EXTENTS + 1)
		n = MAP_MAX_EXTENTS + 1;
	for (i = 0; i < n; i++) {
		total += e[i].len;
		sum[e[i].state] += e[i].len;
	}
	if (o->json) {
		printf("%s{\"use_case\": \"%s\", \"size\": %" PRIu64 ", \"used\": %" PRIu64
		       ", \"clean\": %" PRIu64 ", \"dirty\": %" PRIu64 ", \"extents\": [",
		       first ? "" : ",\n ", uc_name(uc), total,
		       sum[PROTMEM_EXTENT_USED], sum[PROTMEM_EXTENT_CLEAN],
		       sum[PROTMEM_EXTENT_DIRTY]);
		for (i = 0; i < n; i++)
			printf("%s{\"offset\": %" PRIu64 ", \"len\": %" PRIu64
			       ", \"state\": \"%s\"}", i ? ", " : "", e[i].offset,
			       e[i].len, map_state[e[i].state]);
		printf("]}");
	} else {
		cells = o->width;
		printf("%s: %" PRIu64 " bytes, %d extents; # used %" PRIu64
		       ", . clean %" PRIu64 ", ~ dirty %" PRIu64 "\n",
		       uc_name(uc), total, n, sum[PROTMEM_EXTENT_USED],
		       sum[PROTMEM_EXTENT_CLEAN], sum[PROTMEM_EXTENT_DIRTY]);
		if (total) {
			printf("  |");
			draw(e, n, total, cells);
			printf("  one cell: %" PRIu64 " bytes\n",
			       (total + (uint64_t)cells - 1) / (uint64_t)cells);
		} else {
			printf("  (empty: a dynamic pool with nothing lent)\n");
		}
	}
	free(e);
	return 0;
}

static int cmd_map(const struct opts *o)
{
	int ucs[PROTMEM_NUM_USE_CASES], n, i, ret = 0;

	n = pools(o, ucs);
	if (n < 0)
		return fail(o->use_case ? uc_name(o->use_case) : "pools", n);
	if (o->json)
		printf("{\"pools\": [");
	for (i = 0; i < n && !ret; i++)
		ret = map_one(o, ucs[i], !i);
	if (o->json)
		printf("]}\n");
	return ret;
}

/* ---- alloc -------------------------------------------------------------- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int cmd_alloc(const struct opts *o)
{
	struct timespec t0;
	uint64_t size = 0;
	double ms;
	int fd, tee = -1, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o->via_tee) {
		tee = protmem_tee_open();
		if (tee < 0)
			return fail("opening the TEE device", tee);
		fd = protmem_tee_alloc(tee, o->use_case, o->size, &size);
	} else {
		fd = protmem_alloc(o->use_case, o->size);
		ret = fd >= 0 ? protmem_buf_size(fd, &size) : 0;
		if (ret) {
			close(fd);
			return fail("size of the buffer", ret);
		}
	}
	ms = ms_since(&t0);
	if (fd < 0) {
		char what[96];

		if (tee >= 0)
			close(tee);
		snprintf(what, sizeof(what), "allocating %" PRIu64 " bytes of %s",
			 o->size, uc_name(o->use_case));
		return fail(what, fd);
	}
	if (o->json)
		printf("{\"use_case\": \"%s\", \"via\": \"%s\", \"requested\": %" PRIu64
		       ", \"size\": %" PRIu64 ", \"alloc_ms\": %.3f, \"hold\": %d}\n",
		       uc_name(o->use_case), o->via_tee ? "tee" : "heap", o->size,
		       size, ms, o->hold);
	else
		printf("allocated %" PRIu64 " bytes of %s (%" PRIu64 " asked) through %s in %.3f ms; holding %d s\n",
		       size, uc_name(o->use_case), o->size,
		       o->via_tee ? "the TEE device" : "its DMA heap", ms, o->hold);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->hold && !stop)
		sleep((unsigned int)o->hold);
	close(fd);
	if (tee >= 0)
		close(tee);
	return 0;
}

/* ---- firewall ----------------------------------------------------------- */

static int cmd_firewall(const struct opts *o)
{
	struct protmem_rule rules[16];
	int ucs[PROTMEM_NUM_USE_CASES], n, i, nr, ret;
	uint64_t v;

	n = pools(o, ucs);
	if (n < 0)
		return fail("pools", n);
	if (o->json)
		printf("{\"firewall\": [");
	else
		printf("%-20s %10s  %s\n", "use case", "violations", "allowed devices");
	for (i = 0; i < n; i++) {
		nr = protmem_allowed_devices(ucs[i], rules, 16);
		if (nr < 0) {
			if (o->json)
				printf("]}\n");
			return fail(uc_name(ucs[i]), nr);
		}
		if (nr > 16)
			nr = 16;
		ret = protmem_violations(ucs[i], &v);
		if (ret && ret != -ENODEV) {
			if (o->json)
				printf("]}\n");
			return fail("violation counters", ret);
		}
		if (o->json) {
			printf("%s\n  {\"use_case\": \"%s\", \"violations\": ",
			       i ? "," : "", uc_name(ucs[i]));
			if (ret)
				printf("null");
			else
				printf("%" PRIu64, v);
			printf(", \"allowed_devices\": [");
			print_rules(o, rules, nr);
			printf("]}");
		} else {
			if (ret)
				printf("%-20s %10s  ", uc_name(ucs[i]), "n/a");
			else
				printf("%-20s %10" PRIu64 "  ", uc_name(ucs[i]), v);
			print_rules(o, rules, nr);
			printf("\n");
		}
	}
	if (o->json)
		printf("\n]}\n");
	return 0;
}

/* ---- arguments ---------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		/* fall through */
	case 'M': case 'm':
		v <<= 10;
		/* fall through */
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	}
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_use_case(struct opts *o, const char *s)
{
	int uc = protmem_use_case(s);

	if (uc < 0)
		return usage_error("unknown use case '%s' (secure-video, trusted-ui, secure-video-record)", s);
	o->use_case = uc;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .width = MAP_WIDTH_DEFAULT };
	const char *cmd = NULL, *size_arg = NULL;
	long v;
	int i, ret;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			o.json = 1;
		} else if (!cmd && a[0] != '-') {
			cmd = a;
		} else if (cmd && !strcmp(cmd, "stat") && !strcmp(a, "--watch")) {
			o.watch = 1;
			if (i + 1 < argc && !parse_int(argv[i + 1], 1, 86400, &v)) {
				o.watch = (int)v;
				i++;
			}
		} else if (cmd && !strcmp(cmd, "stat") && !strcmp(a, "--count")) {
			if (i + 1 >= argc || parse_int(argv[++i], 1, 1000000000, &o.count))
				return usage_error("--count needs a number of samples%s", "");
		} else if (cmd && !strcmp(cmd, "map") && !strcmp(a, "--width")) {
			if (i + 1 >= argc || parse_int(argv[++i], 8, 4096, &v))
				return usage_error("--width needs a number of cells, 8 to 4096%s", "");
			o.width = (int)v;
		} else if (cmd && !strcmp(cmd, "alloc") && !strcmp(a, "--use-case")) {
			if (i + 1 >= argc)
				return usage_error("--use-case needs a use case%s", "");
			ret = set_use_case(&o, argv[++i]);
			if (ret)
				return ret;
		} else if (cmd && !strcmp(cmd, "alloc") && !strcmp(a, "--hold")) {
			if (i + 1 >= argc || parse_int(argv[++i], 0, 86400, &v))
				return usage_error("--hold needs seconds, 0 to 86400%s", "");
			o.hold = (int)v;
		} else if (cmd && !strcmp(cmd, "alloc") && !strcmp(a, "--tee")) {
			o.via_tee = 1;
		} else if (cmd && !strcmp(cmd, "alloc") && !size_arg && a[0] != '-') {
			size_arg = a;
		} else if (cmd && (!strcmp(cmd, "stat") || !strcmp(cmd, "map")) &&
			   !o.use_case && a[0] != '-') {
			ret = set_use_case(&o, a);
			if (ret)
				return ret;
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
	}
	if (!cmd)
		return usage_error("no command given%s", "");
	if (!strcmp(cmd, "heaps"))
		return cmd_heaps(&o);
	if (!strcmp(cmd, "stat"))
		return cmd_stat(&o);
	if (!strcmp(cmd, "map"))
		return cmd_map(&o);
	if (!strcmp(cmd, "firewall"))
		return cmd_firewall(&o);
	if (!strcmp(cmd, "alloc")) {
		if (!size_arg)
			return usage_error("alloc needs a SIZE%s", "");
		if (parse_size(size_arg, &o.size))
			return usage_error("bad SIZE '%s' (bytes, or with K, M, G)", size_arg);
		if (!o.use_case)
			return usage_error("alloc needs --use-case U%s", "");
		return cmd_alloc(&o);
	}
	return usage_error("unknown command '%s'", cmd);
}
