// SPDX-License-Identifier: GPL-2.0
/*
 * The pmx extent allocator on the host, as TAP.
 *
 * Builds the kernel's pmx.c unchanged, over the kcompat shim and the
 * kernel's own tools/ rbtree. From the top of the repository:
 *
 *   gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/host/kcompat \
 *       -Ibuild/linux/tools/include -Itests/lib -o build/host-tests/pmx \
 *       tests/host/pmx.c tests/host/kcompat/rbtree.c
 *
 * Usage: pmx [seed [ops]]   (defaults: 20240601, 20000)
 *
 * The fixed scenarios mirror the KUnit suite (pmx_test.c); on top of them a
 * randomized run checks every operation against a per-granule model and
 * injects kmalloc() failures.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "tap.h"

#include "../../kernel/tree/drivers/tee/protmem/pmx.c"

/* Fault injection and leak accounting for kcompat/linux/slab.h. */
int kcompat_kmalloc_fail;
unsigned long kcompat_kmalloc_calls;
long kcompat_kmalloc_live;

#define G	((u64)4096)
#define BASE	0x80000000ULL
#define SZ_1M	((u64)1 << 20)
#define MAX_EXT	4096

/* ---- helpers ---- */

struct scrub_log {
	int n;
	u64 addr[16];
	u64 len[16];
};

static void scrub_rec(void *ctx, u64 addr, u64 len)
{
	struct scrub_log *l = ctx;

	if (l->n < 16) {
		l->addr[l->n] = addr;
		l->len[l->n] = len;
	}
	l->n++;
}

struct ext {
	u64 start;
	u64 len;
	bool dirty;
};

struct snap {
	u64 free, clean, dirty, allocated, scrubbing;
	unsigned long nr_extents;
	int n;
	struct ext e[MAX_EXT];
};

static int snap_one(void *ctx, u64 start, u64 len, bool dirty)
{
	struct snap *s = ctx;

	if (s->n >= MAX_EXT)
		return -E2BIG;
	s->e[s->n].start = start;
	s->e[s->n].len = len;
	s->e[s->n].dirty = dirty;
	s->n++;
	return 0;
}

static void snap_take(const struct pmx_pool *p, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->free = p->free;
	s->clean = p->clean;
	s->dirty = p->dirty;
	s->allocated = p->allocated;
	s->scrubbing = p->scrubbing;
	s->nr_extents = p->nr_extents;
	pmx_walk_extents(p, snap_one, s);
}

static bool snap_same(const struct pmx_pool *p, const struct snap *a)
{
	static struct snap b;

	snap_take(p, &b);
	return !memcmp(a, &b, sizeof(b)) && !pmx_check(p);
}

/* Counters and extents are exactly as listed (one extent: n == 1). */
static bool pool_is(const struct pmx_pool *p, u64 clean, u64 dirty,
		    u64 allocated, unsigned long nr_extents)
{
	return !pmx_check(p) && p->clean == clean && p->dirty == dirty &&
	       p->allocated == allocated && p->nr_extents == nr_extents;
}

/* Scrub everything dirty through the background path. */
static void scrub_all(struct pmx_pool *p)
{
	u64 a, l;

	while (!pmx_take_dirty(p, p->size, &a, &l))
		pmx_put_clean(p, a, l);
}

/* ---- fixed scenarios ---- */

static void test_init(struct tap *t)
{
	struct pmx_pool p;

	tap_ok(t, pmx_init(&p, BASE, 0, G, false) == -EINVAL,
	       "init: size 0 is refused");
	tap_ok(t, pmx_init(&p, BASE + 1, 16 * G, G, false) == -EINVAL,
	       "init: unaligned base is refused");
	tap_ok(t, pmx_init(&p, BASE, 16 * G + 8, G, false) == -EINVAL,
	       "init: unaligned size is refused");
	tap_ok(t, pmx_init(&p, BASE, 16 * G, 0, false) == -EINVAL &&
	       pmx_init(&p, BASE, 16 * G, 3 * G, false) == -EINVAL,
	       "init: granule 0 or not a power of two is refused");
	tap_ok(t, pmx_init(&p, 0ULL - G, 2 * G, G, false) == -EINVAL,
	       "init: base + size overflowing u64 is refused");
	tap_ok(t, !pmx_init(&p, BASE, 16 * G, G, false) &&
	       pool_is(&p, 16 * G, 0, 0, 1) && p.free == 16 * G,
	       "init: clean pool is one clean extent");
	pmx_destroy(&p);
	tap_ok(t, !pmx_init(&p, BASE, 16 * G, G, true) &&
	       pool_is(&p, 0, 16 * G, 0, 1),
	       "init: dirty pool is one dirty extent");
	pmx_destroy(&p);
	pmx_destroy(&p);
	tap_ok(t, kcompat_kmalloc_live == 0,
	       "destroy frees every node, twice is harmless");
}

static void test_round_trip(struct tap *t)
{
	struct scrub_log log = { 0 };
	struct pmx_pool p;
	u64 a = 0;

	pmx_init(&p, BASE, 64 * G, G, false);
	tap_ok(t, !pmx_alloc(&p, 3 * G, 0, &a, scrub_rec, &log) &&
	       a == BASE && pool_is(&p, 61 * G, 0, 3 * G, 1) && !log.n,
	       "round trip: alloc takes clean memory, counters exact");
	tap_ok(t, !pmx_free(&p, a, 3 * G) && pool_is(&p, 61 * G, 3 * G, 0, 2),
	       "round trip: freed range is dirty, not merged with clean");
	scrub_all(&p);
	tap_ok(t, pool_is(&p, 64 * G, 0, 0, 1) && p.scrubbing == 0,
	       "round trip: after scrubbing, one clean extent again");
	pmx_destroy(&p);

	pmx_init(&p, BASE, 64 * G, G, true);
	tap_ok(t, !pmx_alloc(&p, 5000, 0, &a, scrub_rec, &log) &&
	       pool_is(&p, 0, 62 * G, 2 * G, 1) &&
	       !pmx_free(&p, a, 5000) && pool_is(&p, 0, 64 * G, 0, 1),
	       "round trip on a dirty pool: size rounded, one extent again");
	pmx_destroy(&p);
}

static void test_exhaustion(struct tap *t)
{
	struct pmx_pool p;
	u64 a[17], b = 0;
	int i, n = 0, ret = 0;

	pmx_init(&p, BASE, 16 * G, G, false);
	for (i = 0; i < 17; i++) {
		ret = pmx_alloc(&p, G, 0, &a[i], NULL, NULL);
		if (ret)
			break;
		n++;
	}
	tap_ok(t, n == 16 && ret == -ENOMEM && p.free == 0,
	       "exhaustion: 16 pages from 16, then -ENOMEM");
	tap_ok(t, !pmx_free(&p, a[7], G) && !pmx_alloc(&p, G, 0, &b, NULL,
						      NULL) && b == a[7],
	       "exhaustion: a freed page is allocated again");
	for (i = 0; i < 16; i++)
		pmx_free(&p, a[i], G);
	tap_ok(t, pool_is(&p, 0, 16 * G, 0, 1),
	       "exhaustion: everything freed merges into one dirty extent");
	pmx_destroy(&p);
}

static void test_bad_sizes(struct tap *t)
{
	struct pmx_pool p;
	struct snap *s = malloc(sizeof(*s));
	u64 a = 0;

	pmx_init(&p, BASE, 16 * G, G, false);
	snap_take(&p, s);
	tap_ok(t, pmx_alloc(&p, 17 * G, 0, &a, NULL, NULL) == -ENOMEM,
	       "alloc: larger than the pool is -ENOMEM");
	tap_ok(t, pmx_alloc(&p, 0, 0, &a, NULL, NULL) == -EINVAL,
	       "alloc: size 0 is -EINVAL");
	tap_ok(t, pmx_alloc(&p, UINT64_MAX, 0, &a, NULL, NULL) == -EINVAL,
	       "alloc: U64_MAX (overflows rounding) is -EINVAL");
	tap_ok(t, pmx_alloc(&p, 1ULL << 63, 0, &a, NULL, NULL) == -ENOMEM,
	       "alloc: 2^63 bytes is -ENOMEM");
	tap_ok(t, pmx_alloc(&p, G, 3 * G, &a, NULL, NULL) == -EINVAL,
	       "alloc: alignment not a power of two is -EINVAL");
	tap_ok(t, pmx_alloc(&p, G, 1ULL << 63, &a, NULL, NULL) == -ENOMEM,
	       "alloc: alignment 2^63 does not fit, -ENOMEM");
	tap_ok(t, !pmx_alloc(&p, G, 512, &a, NULL, NULL) && a == BASE &&
	       !pmx_free(&p, a, G),
	       "alloc: alignment below the granule means the granule");
	scrub_all(&p);
	tap_ok(t, snap_same(&p, s), "alloc: refusals leave the pool unchanged");
	pmx_destroy(&p);

	/* A pool that ends one granule below 2^64. */
	pmx_init(&p, 0ULL - SZ_1M, SZ_1M - G, G, false);
	tap_ok(t, pmx_alloc(&p, G, 1ULL << 63, &a, NULL, NULL) == -ENOMEM &&
	       pmx_alloc(&p, G, 2 * SZ_1M, &a, NULL, NULL) == -ENOMEM &&
	       !pmx_alloc(&p, G, 0, &a, NULL, NULL) && a == 0ULL - SZ_1M &&
	       !pmx_check(&p),
	       "alloc: alignment overflowing at the top of u64 is -ENOMEM");
	pmx_destroy(&p);
	free(s);
}

static void test_align(struct tap *t)
{
	struct pmx_pool p;
	u64 a = 0, b = 0, c = 0;

	/* Base 3 pages past a MiB boundary. */
	pmx_init(&p, BASE + 3 * G, 4 * SZ_1M, G, false);
	tap_ok(t, !pmx_alloc(&p, G, 0, &a, NULL, NULL) && a == BASE + 3 * G,
	       "align: granule alignment takes the first page");
	tap_ok(t, !pmx_alloc(&p, 3 * G, SZ_1M, &b, NULL, NULL) &&
	       !(b % SZ_1M) && !pmx_alloc(&p, SZ_1M + 5, SZ_1M, &c, NULL,
					  NULL) && !(c % SZ_1M) && c != b,
	       "align: 1 MiB alignment honoured");
	tap_ok(t, !pmx_check(&p) && p.allocated == G + 3 * G + SZ_1M + G,
	       "align: holes before aligned ranges stay free");
	pmx_destroy(&p);
}

/*
 * Pool of 32 pages, clean holes of 5, 2 and 3 pages (in that address order)
 * separated by 1-page allocations, then the clean tail.
 */
static void make_holes(struct pmx_pool *p, u64 *hole5, u64 *hole2,
		       u64 *hole3, bool scrub)
{
	u64 a[6];
	u64 sz[6] = { 5, 1, 2, 1, 3, 1 };
	int i;

	pmx_init(p, BASE, 32 * G, G, false);
	for (i = 0; i < 6; i++)
		pmx_alloc(p, sz[i] * G, 0, &a[i], NULL, NULL);
	pmx_free(p, a[0], 5 * G);
	pmx_free(p, a[2], 2 * G);
	pmx_free(p, a[4], 3 * G);
	if (scrub)
		scrub_all(p);
	*hole5 = a[0];
	*hole2 = a[2];
	*hole3 = a[4];
}

static void test_first_fit(struct tap *t)
{
	struct scrub_log log = { 0 };
	u64 h5, h2, h3, a = 0, b = 0, c = 0;
	struct pmx_pool p;

	make_holes(&p, &h5, &h2, &h3, true);
	tap_ok(t, !pmx_alloc(&p, 2 * G, 0, &a, NULL, NULL) && a == h5 &&
	       !pmx_alloc(&p, 3 * G, 0, &b, NULL, NULL) && b == h5 + 2 * G &&
	       !pmx_alloc(&p, 4 * G, 0, &c, NULL, NULL) && c == h3 + 4 * G,
	       "first fit: each request takes the lowest hole that fits");
	pmx_destroy(&p);

	make_holes(&p, &h5, &h2, &h3, false);
	tap_ok(t, !pmx_alloc(&p, 2 * G, 0, &a, scrub_rec, &log) && a == h5 &&
	       log.n == 1 && log.addr[0] == h5 && log.len[0] == 2 * G,
	       "first fit: a low dirty hole before the clean tail, scrubbed");
	pmx_destroy(&p);

	make_holes(&p, &h5, &h2, &h3, false);
	log.n = 0;
	tap_ok(t, !pmx_alloc(&p, 3 * G, 0, &b, scrub_rec, &log) && b == h5 &&
	       log.n == 1 && log.addr[0] == h5 && log.len[0] == 3 * G,
	       "dirty fit: scrubbed exactly, the rest stays dirty");
	log.n = 0;
	tap_ok(t, !pmx_alloc(&p, 4 * G - 100, 0, &c, scrub_rec, &log) &&
	       c == h3 + 4 * G && !log.n &&
	       pool_is(&p, 15 * G, 7 * G, 10 * G, 4),
	       "clean fit: no scrub; dirty holes too small are passed over");
	pmx_destroy(&p);
}

static void test_two_ended(struct tap *t)
{
	struct scrub_log log = { 0 };
	u64 big = 0, small = 0, s2 = 0, al = 0, c = 0, d = 0;
	struct pmx_pool p;

	pmx_init(&p, BASE, 32 * G, G, false);
	pmx_set_top_max(&p, 2 * G);
	tap_ok(t, !pmx_alloc(&p, G, 0, &small, NULL, NULL) &&
	       small == BASE + 31 * G &&
	       !pmx_alloc(&p, 4 * G, 0, &big, NULL, NULL) && big == BASE &&
	       !pmx_alloc(&p, 2 * G, 0, &s2, NULL, NULL) &&
	       s2 == BASE + 29 * G && !pmx_check(&p),
	       "two-ended: up to top_max from the top, larger from the bottom");
	tap_ok(t, !pmx_alloc(&p, G, 4 * G, &al, NULL, NULL) &&
	       al == BASE + 4 * G,
	       "two-ended: an aligned small request goes to the bottom");
	pmx_free(&p, small, G);
	tap_ok(t, !pmx_alloc(&p, G, 0, &small, scrub_rec, &log) &&
	       small == BASE + 31 * G && log.n == 1 &&
	       log.addr[0] == small && log.len[0] == G,
	       "two-ended: the just-freed top buffer is reused and scrubbed");
	pmx_destroy(&p);

	/* The top run: [26,30) clean, [30,32) dirty */
	pmx_init(&p, BASE, 32 * G, G, false);
	pmx_set_top_max(&p, 4 * G);
	pmx_alloc(&p, 26 * G, 0, &big, NULL, NULL);	/* [0,26) */
	pmx_alloc(&p, 4 * G, 0, &c, NULL, NULL);	/* [28,32) */
	pmx_alloc(&p, 2 * G, 0, &d, NULL, NULL);	/* [26,28) */
	tap_ok(t, big == BASE && c == BASE + 28 * G && d == BASE + 26 * G,
	       "two-ended: each small request below the previous one");
	pmx_free(&p, d, 2 * G);
	scrub_all(&p);
	pmx_free(&p, c, 4 * G);
	pmx_take_dirty(&p, 2 * G, &c, &d);
	pmx_put_clean(&p, c, d);
	log.n = 0;
	tap_ok(t, !pmx_alloc(&p, 3 * G, 0, &s2, scrub_rec, &log) &&
	       s2 == BASE + 29 * G && log.n == 1 &&
	       log.addr[0] == BASE + 30 * G && log.len[0] == 2 * G &&
	       pool_is(&p, 3 * G, 0, 29 * G, 1),
	       "two-ended: a clean+dirty run at the top, only its dirty piece scrubbed");
	pmx_destroy(&p);
}

/* Pages [0,2) clean, [2,4) dirty, [4,6) clean. */
static void make_mixed(struct pmx_pool *p)
{
	u64 a[6];
	int i;

	pmx_init(p, BASE, 6 * G, G, false);
	for (i = 0; i < 6; i++)
		pmx_alloc(p, G, 0, &a[i], NULL, NULL);
	pmx_free(p, a[4], G);
	pmx_free(p, a[5], G);
	scrub_all(p);
	pmx_free(p, a[0], G);
	pmx_free(p, a[1], G);
	scrub_all(p);
	pmx_free(p, a[2], G);
	pmx_free(p, a[3], G);
}

static void test_coalesce(struct tap *t)
{
	struct scrub_log log = { 0 };
	struct pmx_pool p;
	u64 a = 0;

	make_mixed(&p);
	tap_ok(t, pool_is(&p, 4 * G, 2 * G, 0, 3) && pmx_largest_free(&p) ==
	       6 * G,
	       "coalesce: clean/dirty/clean extents stay apart, one run");
	tap_ok(t, !pmx_alloc(&p, 6 * G, 0, &a, scrub_rec, &log) &&
	       a == BASE && log.n == 1 && log.addr[0] == BASE + 2 * G &&
	       log.len[0] == 2 * G && pool_is(&p, 0, 0, 6 * G, 0),
	       "coalesce: whole pool from three extents, only dirty scrubbed");
	pmx_destroy(&p);

	make_mixed(&p);
	log.n = 0;
	tap_ok(t, !pmx_alloc(&p, 3 * G, 0, &a, scrub_rec, &log) &&
	       a == BASE && log.n == 1 && log.addr[0] == BASE + 2 * G &&
	       log.len[0] == G && pool_is(&p, 2 * G, G, 3 * G, 2),
	       "coalesce: lowest run, scrub only the dirty piece taken");
	pmx_destroy(&p);
}

static void test_bad_free(struct tap *t)
{
	struct snap *s = malloc(sizeof(*s));
	struct pmx_pool p;
	u64 a = 0, b = 0;

	pmx_init(&p, BASE, 32 * G, G, false);
	pmx_alloc(&p, 4 * G, 0, &a, NULL, NULL);
	pmx_alloc(&p, 4 * G, 0, &b, NULL, NULL);
	pmx_free(&p, a, 4 * G);
	snap_take(&p, s);
	tap_ok(t, pmx_free(&p, a, 4 * G) == -EINVAL && snap_same(&p, s),
	       "free: double free refused, pool unchanged");
	tap_ok(t, pmx_free(&p, a + 2 * G, 4 * G) == -EINVAL &&
	       pmx_free(&p, b + 2 * G, 4 * G) == -EINVAL && snap_same(&p, s),
	       "free: ranges overlapping free space refused");
	tap_ok(t, pmx_free(&p, BASE - G, G) == -EINVAL &&
	       pmx_free(&p, BASE + 31 * G, 2 * G) == -EINVAL &&
	       pmx_free(&p, 0ULL - G, 2 * G) == -EINVAL && snap_same(&p, s),
	       "free: ranges leaving the pool refused");
	tap_ok(t, pmx_free(&p, b + 1, G) == -EINVAL &&
	       pmx_free(&p, b, 0) == -EINVAL &&
	       pmx_free(&p, b, UINT64_MAX) == -EINVAL && snap_same(&p, s),
	       "free: unaligned, empty and overflowing ranges refused");
	tap_ok(t, pmx_put_clean(&p, b, 4 * G) == -EINVAL && snap_same(&p, s),
	       "put_clean: more than is being scrubbed refused");
	pmx_destroy(&p);
	free(s);
}

static void test_scrubber(struct tap *t)
{
	struct pmx_pool p;
	u64 a = 0, l = 0;

	pmx_init(&p, BASE, 8 * G, G, true);
	tap_ok(t, pmx_take_dirty(&p, G - 1, &a, &l) == -EINVAL,
	       "take_dirty: less than a granule is -EINVAL");
	tap_ok(t, !pmx_take_dirty(&p, 3 * G + 7, &a, &l) && a == BASE &&
	       l == 3 * G && p.scrubbing == 3 * G && pool_is(&p, 0, 5 * G,
							     0, 2),
	       "take_dirty: takes the start of the lowest dirty extent");
	tap_ok(t, !pmx_put_clean(&p, a, l) && pool_is(&p, 3 * G, 5 * G, 0, 2),
	       "put_clean: range comes back clean");
	tap_ok(t, pmx_put_clean(&p, a, l) == -EINVAL &&
	       pool_is(&p, 3 * G, 5 * G, 0, 2),
	       "put_clean: twice is refused");
	tap_ok(t, !pmx_take_dirty(&p, 3 * G, &a, &l) && a == BASE + 3 * G &&
	       !pmx_put_clean(&p, a, l) && pool_is(&p, 6 * G, 2 * G, 0, 2),
	       "put_clean: merges with the clean neighbour");
	tap_ok(t, !pmx_take_dirty(&p, 8 * G, &a, &l) && l == 2 * G &&
	       !pmx_put_clean(&p, a, l) && pool_is(&p, 8 * G, 0, 0, 1) &&
	       pmx_take_dirty(&p, G, &a, &l) == -ENOENT,
	       "take_dirty: pool clean again, then -ENOENT");
	pmx_destroy(&p);
}

static void test_largest(struct tap *t)
{
	struct pmx_pool p;
	u64 a = 0, b = 0;

	pmx_init(&p, BASE, 16 * G, G, false);
	tap_ok(t, pmx_largest_free(&p) == 16 * G, "largest: whole pool");
	pmx_alloc(&p, G, 0, &a, NULL, NULL);
	pmx_alloc(&p, 14 * G, 0, &b, NULL, NULL);
	tap_ok(t, pmx_largest_free(&p) == G, "largest: follows allocation");
	pmx_free(&p, b, 14 * G);
	tap_ok(t, pmx_largest_free(&p) == 15 * G,
	       "largest: a dirty extent and its clean neighbour are one run");
	pmx_free(&p, a, G);
	scrub_all(&p);
	tap_ok(t, pmx_largest_free(&p) == 16 * G && p.nr_extents == 1,
	       "largest: whole pool again");
	pmx_alloc(&p, 16 * G, 0, &a, NULL, NULL);
	tap_ok(t, pmx_largest_free(&p) == 0, "largest: 0 when full");
	pmx_destroy(&p);
}

static void test_fragmentation(struct tap *t)
{
	struct pmx_pool p;
	u64 a[16], b = 0;
	int i;

	pmx_init(&p, BASE, 16 * G, G, false);
	for (i = 0; i < 16; i++)
		pmx_alloc(&p, G, 0, &a[i], NULL, NULL);
	for (i = 0; i < 16; i += 2)
		pmx_free(&p, a[i], G);
	tap_ok(t, pmx_largest_free(&p) == G && p.free == 8 * G &&
	       p.nr_extents == 8 && pmx_alloc(&p, 2 * G, 0, &b, NULL, NULL) ==
	       -ENOMEM,
	       "fragmentation: alternate frees leave one-granule holes");
	for (i = 1; i < 16; i += 2)
		pmx_free(&p, a[i], G);
	tap_ok(t, pool_is(&p, 0, 16 * G, 0, 1) &&
	       pmx_largest_free(&p) == 16 * G,
	       "fragmentation: the rest freed, holes merge into one");
	pmx_destroy(&p);
}

static int walk_stop(void *ctx, u64 start, u64 len, bool dirty)
{
	int *n = ctx;

	(void)start;
	(void)len;
	(void)dirty;
	return ++*n == 2 ? 42 : 0;
}

/*
 * A range being scrubbed (claimed by pmx_take_dirty()) stays in the
 * address tree: allocations never get it, frees next to it stay apart,
 * and a pool can go while a scrub is in flight.
 */
static void test_claimed(struct tap *t)
{
	struct scrub_log log = { 0 };
	struct pmx_pool p;
	u64 a = 0, l = 0, b = 0, c = 0;
	long live = kcompat_kmalloc_live;

	pmx_init(&p, BASE, 8 * G, G, true);
	tap_ok(t, !pmx_take_dirty(&p, 2 * G, &a, &l) && a == BASE &&
	       l == 2 * G && pmx_largest_free(&p) == 8 * G,
	       "claimed: a range being scrubbed still counts in its run");
	tap_ok(t, pmx_alloc(&p, G, 0, &b, scrub_rec, &log) == -EBUSY &&
	       log.n == 0 && p.allocated == 0 && !pmx_check(&p),
	       "claimed: first fit lands on it: -EBUSY, nothing scrubbed or taken");
	tap_ok(t, !pmx_put_clean(&p, a, l) &&
	       !pmx_alloc(&p, G, 0, &b, scrub_rec, &log) && b == BASE &&
	       log.n == 0,
	       "claimed: once clean, the retry gets it, without scrubbing");
	pmx_free(&p, b, G);
	scrub_all(&p);

	/* allocated | claimed | allocated, then free both neighbours */
	pmx_alloc(&p, G, 0, &b, NULL, NULL);
	pmx_alloc(&p, G, 0, &a, NULL, NULL);
	pmx_alloc(&p, G, 0, &c, NULL, NULL);
	pmx_free(&p, a, G);
	tap_ok(t, !pmx_take_dirty(&p, G, &a, &l) && a == BASE + G && l == G,
	       "claimed: the middle buffer's range taken for scrubbing");
	tap_ok(t, !pmx_free(&p, b, G) && !pmx_free(&p, c, G) &&
	       pool_is(&p, 5 * G, 2 * G, 0, 4) && p.scrubbing == G,
	       "claimed: frees on both sides never merge with it");
	tap_ok(t, pmx_free(&p, a, G) == -EINVAL && p.scrubbing == G &&
	       !pmx_check(&p),
	       "claimed: freeing a range being scrubbed is refused");
	tap_ok(t, pmx_put_clean(&p, a + G, G) == -EINVAL &&
	       pmx_put_clean(&p, a, 2 * G) == -EINVAL && p.scrubbing == G,
	       "claimed: put_clean of anything but the claimed range refused");
	tap_ok(t, !pmx_put_dirty(&p, a, l) && pool_is(&p, 5 * G, 3 * G, 0, 2),
	       "claimed: put back dirty, it merges with its dirty neighbours");
	tap_ok(t, !pmx_take_dirty(&p, G, &a, &l) && a == BASE &&
	       !pmx_put_clean(&p, a, l) && pool_is(&p, 6 * G, 2 * G, 0, 3),
	       "claimed: put back clean next to dirty memory stays apart");
	tap_ok(t, !pmx_take_dirty(&p, 8 * G, &a, &l) && l == 2 * G &&
	       p.scrubbing == 2 * G,
	       "claimed: a scrub in flight");
	pmx_destroy(&p);
	tap_ok(t, kcompat_kmalloc_live == live && p.scrubbing == 0,
	       "claimed: destroying the pool with a scrub in flight frees every node");
}

/* A free that scrubs its own range: pmx_free_claim(), pmx_next_fit_hits() */
static void test_free_claim(struct tap *t)
{
	struct scrub_log log = { 0 };
	u64 a = 0, b = 0, c = 0, d = 0;
	struct pmx_pool p;

	pmx_init(&p, BASE, 8 * G, G, false);
	pmx_set_top_max(&p, 2 * G);
	pmx_alloc(&p, G, 0, &a, NULL, NULL);		/* [7,8) */
	pmx_alloc(&p, G, 0, &b, NULL, NULL);		/* [6,7) */
	pmx_alloc(&p, 6 * G, 0, &c, NULL, NULL);	/* [0,6) */
	tap_ok(t, !pmx_free_claim(&p, a, G) && p.scrubbing == G &&
	       p.allocated == 7 * G && p.free == 0 && pmx_largest_free(&p) == G &&
	       !pmx_check(&p),
	       "free_claim: the range is no longer allocated, claimed, in its run");
	tap_ok(t, pmx_next_fit_hits(&p, a, G) &&
	       pmx_next_fit_hits(&p, a, 2 * G) == false,
	       "next_fit_hits: the next buffer of its size lands on it; 2 granules fit nowhere");
	tap_ok(t, pmx_alloc(&p, G, 0, &d, scrub_rec, &log) == -EBUSY &&
	       !log.n && pmx_free(&p, a, G) == -EINVAL &&
	       pmx_free_claim(&p, a, G) == -EINVAL && !pmx_check(&p),
	       "free_claim: allocations wait for it, a second free is refused");
	tap_ok(t, !pmx_put_clean(&p, a, G) &&
	       !pmx_alloc(&p, G, 0, &d, scrub_rec, &log) && d == a && !log.n,
	       "free_claim: scrubbed and put back clean, the next buffer takes it unscrubbed");
	tap_ok(t, !pmx_free_claim(&p, b, G) && !pmx_put_dirty(&p, b, G) &&
	       pool_is(&p, 0, G, 7 * G, 1) &&
	       !pmx_alloc(&p, G, 0, &d, scrub_rec, &log) && log.n == 1 &&
	       log.addr[0] == b,
	       "free_claim: put back dirty (a failed scrub), the next taker scrubs it");
	/* [0,6) freed by a large buffer: the lowest run, where large ones go */
	tap_ok(t, !pmx_free_claim(&p, c, 6 * G) &&
	       pmx_next_fit_hits(&p, c, 6 * G) &&
	       !pmx_next_fit_hits(&p, c + 3 * G, 3 * G) &&
	       pmx_next_fit_hits(&p, c + 4 * G, 2 * G) &&
	       !pmx_next_fit_hits(&p, c + 4 * G, G),
	       "next_fit_hits: large from the bottom, small from the top of a run");
	tap_ok(t, !pmx_put_clean(&p, c, 6 * G) && pool_is(&p, 6 * G, 0, 2 * G, 1),
	       "free_claim: counters right after the scrub");
	pmx_destroy(&p);
}

/* pmx_free_below(): free memory an allocation from either end passes */
static void test_free_below(struct tap *t)
{
	u64 a[8] = { 0 };
	struct pmx_pool p;
	int i;

	pmx_init(&p, BASE, 8 * G, G, false);
	for (i = 0; i < 8; i++)
		pmx_alloc(&p, G, 0, &a[i], NULL, NULL);	/* a[i] = BASE + i G */
	pmx_free(&p, a[1], G);				/* dirty [1,2) */
	pmx_free(&p, a[2], G);				/* dirty [1,3) */
	pmx_free(&p, a[6], G);				/* dirty [6,7) */
	pmx_free_claim(&p, a[4], G);			/* claimed [4,5) */
	tap_ok(t, pmx_free_below(&p, BASE) == 0 &&
	       pmx_free_below(&p, a[1]) == 0 &&
	       pmx_free_below(&p, a[2]) == 2 * G &&
	       pmx_free_below(&p, a[4]) == 2 * G &&
	       pmx_free_below(&p, a[5]) == 3 * G &&
	       pmx_free_below(&p, BASE + 8 * G) == 4 * G &&
	       pmx_free_below(&p, ~0ULL) == p.free + p.scrubbing &&
	       !pmx_check(&p),
	       "free_below: free and claimed extents below an address; one that straddles it counts whole");
	pmx_put_clean(&p, a[4], G);
	pmx_free(&p, a[5], G);				/* [4,5) clean, [5,7) dirty */
	tap_ok(t, pmx_free_below(&p, a[5]) == 3 * G &&
	       pmx_free_below(&p, a[7]) == 5 * G && !pmx_check(&p),
	       "free_below: follows merges and state changes");
	pmx_destroy(&p);
}

static void test_walk(struct tap *t)
{
	struct pmx_pool p;
	u64 a = 0;
	int n = 0;

	make_mixed(&p);
	tap_ok(t, pmx_walk_extents(&p, walk_stop, &n) == 42 && n == 2,
	       "walk: a non-zero return stops the walk and is returned");
	pmx_alloc(&p, 6 * G, 0, &a, NULL, NULL);
	n = 0;
	tap_ok(t, !pmx_walk_extents(&p, walk_stop, &n) && !n,
	       "walk: a full pool has no extents");
	pmx_destroy(&p);
}

/* The lowest run cannot hold the aligned range: the lowest sure fit is. */
static void test_align_scan(struct tap *t)
{
	struct pmx_pool p;
	u64 a[82], b = 0;
	int i, n = 82;

	/*
	 * Base 1 page past a 256 KiB boundary; 41 clean 2-page holes every
	 * 3 pages. Only the 22nd holds a 256 KiB boundary; the tail is the
	 * lowest run of 64 pages, certain to hold one.
	 */
	pmx_init(&p, BASE + G, 4 * SZ_1M, G, false);
	for (i = 0; i < n; i++)
		pmx_alloc(&p, i & 1 ? G : 2 * G, 0, &a[i], NULL, NULL);
	for (i = 0; i < n; i += 2)
		pmx_free(&p, a[i], 2 * G);
	scrub_all(&p);
	tap_ok(t, !pmx_alloc(&p, G, 64 * G, &b, NULL, NULL) &&
	       !(b % (64 * G)) && b > a[n - 1] && !pmx_check(&p),
	       "align: the lowest run certain to fit is taken");
	pmx_destroy(&p);
}

static void test_kmalloc_failure(struct tap *t)
{
	struct snap *s = malloc(sizeof(*s));
	struct pmx_pool p;
	u64 a[16], b = 0, l = 0;
	int i, ret = 0;

	kcompat_kmalloc_fail = 1;
	tap_ok(t, pmx_init(&p, BASE, 16 * G, G, false) == -ENOMEM,
	       "kmalloc failure: init is -ENOMEM");
	kcompat_kmalloc_fail = 0;

	pmx_init(&p, BASE, 16 * G, G, true);
	snap_take(&p, s);
	kcompat_kmalloc_fail = 1;
	tap_ok(t, pmx_alloc(&p, G, 0, &b, NULL, NULL) == -ENOMEM &&
	       snap_same(&p, s),
	       "kmalloc failure: alloc is -ENOMEM, pool unchanged");
	tap_ok(t, pmx_take_dirty(&p, G, &b, &l) == -ENOMEM && snap_same(&p, s),
	       "kmalloc failure: take_dirty is -ENOMEM, pool unchanged");
	kcompat_kmalloc_fail = 0;

	for (i = 0; i < 16; i++)
		pmx_alloc(&p, G, 0, &a[i], NULL, NULL);
	kcompat_kmalloc_fail = 1;
	for (i = 0; i < 16; i += 2)
		ret |= pmx_free(&p, a[i], G);
	tap_ok(t, !ret && p.nr_extents == 8 && !pmx_check(&p),
	       "kmalloc failure: freeing what was allocated never allocates");
	kcompat_kmalloc_fail = 0;
	for (i = 1; i < 16; i += 2)
		pmx_free(&p, a[i], G);

	/* Free one allocation in pieces until a node is really needed. */
	pmx_alloc(&p, 16 * G, 0, &b, NULL, NULL);
	kcompat_kmalloc_fail = 1;
	for (i = 0; i < 16; i += 2) {
		snap_take(&p, s);
		ret = pmx_free(&p, b + i * G, G);
		if (ret)
			break;
	}
	tap_ok(t, ret == -ENOMEM && snap_same(&p, s),
	       "kmalloc failure: free in pieces is -ENOMEM, pool unchanged");
	kcompat_kmalloc_fail = 0;
	tap_ok(t, !pmx_free(&p, b + i * G, G) && !pmx_check(&p),
	       "kmalloc failure: the same free succeeds afterwards");
	pmx_destroy(&p);
	tap_ok(t, kcompat_kmalloc_live == 0, "no node leaked");
	free(s);
}

/* ---- randomized model check ---- */

#define NG	512		/* granules in the model pool */
#define MBASE	(0x40000000ULL + 3 * G)

enum { M_CLEAN, M_DIRTY, M_ALLOC, M_SCRUB };

struct range {
	u64 addr, len;
};

struct model {
	unsigned char st[NG];
	unsigned char scrubbed[NG];
	int scrub_bad;
	struct range allocs[NG];
	int nallocs;
	struct range takes[NG];
	int ntakes;
	u64 rng;
	u64 top_max;	/* the pool's: up to this from the top */
	enum pmx_scrub_order order;	/* the pool's scrub order */
	bool turn;	/* PMX_SCRUB_ENDS: the next take is from the bottom */
	unsigned long n_alloc, n_nomem, n_busy, n_free, n_bad, n_take, n_put;
	unsigned long n_claim, n_hits;
};

/* What went wrong, counted per property. */
enum {
	F_PLACE,	/* overlap, outside the pool, misaligned, misplaced */
	F_SCRUB,	/* scrub not exactly the dirty pieces handed out */
	F_RESULT,	/* unexpected return value */
	F_ACCOUNT,	/* counters differ from the model */
	F_EXTENTS,	/* extents differ from the model's maximal runs */
	F_LARGEST,	/* pmx_largest_free() wrong */
	F_CHECK,	/* pmx_check() failed */
	F_TAKE,		/* take_dirty did not take where its order says */
	F_HITS,		/* next_fit_hits disagrees with the placement */
	F_BELOW,	/* free_below disagrees with the model */
	F_MAX
};

static const char *const f_name[F_MAX] = {
	"allocations never overlap, stay in the pool, aligned, two-ended fit",
	"scrub is called exactly for the dirty granules handed out",
	"every return value is the one the model expects",
	"byte counters match the model after every operation",
	"extents are the model's maximal same-state runs (merging exact)",
	"largest_free (longest free run) matches the model every time",
	"pmx_check() passes after every operation",
	"take_dirty takes where the scrub order says (lowest start, highest end, in turn)",
	"next_fit_hits says whether the next allocation of a size lands on a range",
	"free_below counts the free and claimed bytes on each side of a range",
};

static unsigned long fails[F_MAX];

static void fail(int what, unsigned long op, const char *msg)
{
	if (!fails[what]++)
		tap_diag("op %lu: %s", op, msg);
}

static u64 rnd(struct model *m)
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545F4914F6CDD1DULL;
}

static u64 rnd_below(struct model *m, u64 n)
{
	return rnd(m) % n;
}

static int gidx(u64 addr)
{
	return (int)((addr - MBASE) / G);
}

static void model_scrub(void *ctx, u64 addr, u64 len)
{
	struct model *m = ctx;
	u64 i;

	if (addr < MBASE || addr % G || len % G || !len ||
	    len > NG * G || addr - MBASE > NG * G - len) {
		m->scrub_bad++;
		return;
	}
	for (i = 0; i < len / G; i++)
		m->scrubbed[gidx(addr) + i]++;
}

/*
 * Is a granule part of a run? Free memory of either state is, and so is
 * memory being scrubbed: an allocation that lands on it waits (-EBUSY)
 * rather than going elsewhere.
 */
static bool in_run(const struct model *m, int i)
{
	return m->st[i] != M_ALLOC;
}

/* Is there an aligned run of @n granules? */
static bool model_fits(struct model *m, int n, u64 align)
{
	int run[NG + 1], i;

	run[NG] = 0;
	for (i = NG - 1; i >= 0; i--)
		run[i] = in_run(m, i) ? run[i + 1] + 1 : 0;
	for (i = 0; i < NG; i++)
		if (!((MBASE + i * G) % align) && run[i] >= n)
			return true;
	return false;
}

/* The start of the lowest run (either state, or claimed) of @n granules. */
static u64 model_first_fit(struct model *m, int n)
{
	int i, run = 0;

	for (i = 0; i < NG; i++) {
		run = in_run(m, i) ? run + 1 : 0;
		if (run == n)
			return MBASE + (u64)(i + 1 - n) * G;
	}
	return 0;
}

/* The start of the last @n granules of the highest run of @n or more. */
static u64 model_last_fit(struct model *m, int n)
{
	int i, run = 0;

	for (i = NG - 1; i >= 0; i--) {
		run = in_run(m, i) ? run + 1 : 0;
		if (run == n)
			return MBASE + (u64)(i + run - n) * G;
	}
	return 0;
}

/* Where pmx must place @n granules with granule alignment. */
static u64 model_place(struct model *m, int n)
{
	if ((u64)n * G <= m->top_max)
		return model_last_fit(m, n);
	return model_first_fit(m, n);
}

static u64 model_dirty_run(struct model *m, int i)
{
	int j = i;

	while (j < NG && m->st[j] == M_DIRTY)
		j++;
	return (u64)(j - i) * G;
}

static void model_compare(struct model *m, struct pmx_pool *p,
			  unsigned long op)
{
	static struct snap s;
	u64 cnt[4] = { 0 }, largest = 0;
	int i, j, k = 0;
	bool ext_ok = true;

	for (i = 0; i < NG; i++)
		cnt[m->st[i]] += G;
	if (cnt[M_CLEAN] != p->clean || cnt[M_DIRTY] != p->dirty ||
	    cnt[M_ALLOC] != p->allocated || cnt[M_SCRUB] != p->scrubbing ||
	    p->free != p->clean + p->dirty)
		fail(F_ACCOUNT, op, "counters differ");

	snap_take(p, &s);
	for (i = 0; i < NG; i = j) {
		for (j = i; j < NG && in_run(m, j); j++)
			;
		largest = max(largest, (u64)(j - i) * G);
		if (j == i)
			j++;
	}
	for (i = 0; i < NG; i = j) {
		for (j = i + 1; j < NG && m->st[j] == m->st[i]; j++)
			;
		if (m->st[i] > M_DIRTY)
			continue;
		if (k >= s.n || s.e[k].start != MBASE + i * G ||
		    s.e[k].len != (u64)(j - i) * G ||
		    s.e[k].dirty != (m->st[i] == M_DIRTY))
			ext_ok = false;
		k++;
	}
	/* Claimed ranges are nodes too, but not walked as free extents */
	if (!ext_ok || k != s.n ||
	    s.nr_extents != (unsigned long)(k + m->ntakes))
		fail(F_EXTENTS, op, "extents differ");
	if (pmx_largest_free(p) != largest)
		fail(F_LARGEST, op, "largest differs");
	if (pmx_check(p))
		fail(F_CHECK, op, "pmx_check failed");
}

/* Nothing may have been scrubbed by a call that handed nothing out. */
static void model_no_scrub(struct model *m, unsigned long op, const char *msg)
{
	int i;

	for (i = 0; i < NG; i++)
		if (m->scrubbed[i])
			fail(F_SCRUB, op, msg);
}

static void model_set(struct model *m, u64 addr, u64 len, int st)
{
	u64 i;

	for (i = 0; i < len / G; i++)
		m->st[gidx(addr) + i] = st;
}

static void op_alloc(struct model *m, struct pmx_pool *p, unsigned long op,
		     bool inject)
{
	static const u64 aligns[] = { 0, 0, 0, 0, 0, 0, 0, G, 4 * G, 16 * G,
				      64 * G, 512 };
	u64 r = rnd_below(m, 100), pages, size, align, ea, a = 0, i, ff;
	static struct snap before;
	bool busy;
	int ret;

	pages = r < 60 ? 1 + rnd_below(m, 4) : r < 90 ? 5 + rnd_below(m, 28) :
		33 + rnd_below(m, 96);
	size = pages * G - (rnd_below(m, 4) ? 0 : rnd_below(m, G));
	align = aligns[rnd_below(m, ARRAY_SIZE(aligns))];
	ea = max(align, G);
	memset(m->scrubbed, 0, sizeof(m->scrubbed));
	m->scrub_bad = 0;

	snap_take(p, &before);
	ret = pmx_alloc(p, size, align, &a, model_scrub, m);
	ff = ea == G ? model_place(m, (int)pages) :
		       model_first_fit(m, (int)pages);
	for (i = 0, busy = false; ff && i < pages; i++)
		busy |= m->st[gidx(ff) + i] == M_SCRUB;
	if (ret == -EBUSY) {
		/* Aligned requests: any claimed range may be in the way */
		if (ea == G ? !busy : !m->ntakes)
			fail(F_RESULT, op, "alloc -EBUSY, nothing claimed in the way");
		if (!snap_same(p, &before))
			fail(F_RESULT, op, "alloc -EBUSY changed the pool");
		model_no_scrub(m, op, "scrub on a refused alloc");
		m->n_busy++;
		return;
	}
	if (ea == G && busy && !inject && !ret)
		fail(F_PLACE, op, "alloc: handed out memory being scrubbed");
	if (ret == -ENOMEM) {
		if (!inject && model_fits(m, (int)pages, ea))
			fail(F_RESULT, op, "alloc -ENOMEM but the model fits");
		model_no_scrub(m, op, "scrub on a failed alloc");
		m->n_nomem++;
		return;
	}
	if (ret) {
		fail(F_RESULT, op, "alloc: unexpected error");
		return;
	}
	if (a % ea || a < MBASE || a - MBASE > (NG - pages) * G) {
		fail(F_PLACE, op, "alloc: misplaced");
		return;
	}
	if (m->scrub_bad)
		fail(F_SCRUB, op, "scrub range outside the pool");
	if (ea == G && a != ff)
		fail(F_PLACE, op, "alloc: not the run two-ended fit chooses");
	for (i = 0; i < NG; i++) {
		bool in = i >= (u64)gidx(a) && i < gidx(a) + pages;

		if (in && m->st[i] > M_DIRTY)
			fail(F_PLACE, op, "alloc: overlaps used memory");
		if (m->scrubbed[i] != (in && m->st[i] == M_DIRTY))
			fail(F_SCRUB, op, "scrub does not match dirty pieces");
	}
	m->n_alloc++;
	model_set(m, a, pages * G, M_ALLOC);
	m->allocs[m->nallocs].addr = a;
	m->allocs[m->nallocs].len = pages * G;
	m->nallocs++;
}

/*
 * A free that scrubs its range (the static pool's dirty throttling): the
 * range comes back claimed, pmx_next_fit_hits() must agree with the
 * placement of the next allocation of its size, then it is scrubbed later
 * (op_put) or, half the time, given back dirty at once.
 */
static void op_free_claim(struct model *m, struct pmx_pool *p,
			  unsigned long op, bool inject, int k)
{
	struct range r = m->allocs[k];
	u64 a, lo = 0, hi = 0;
	bool hit;
	int ret, i;

	ret = pmx_free_claim(p, r.addr, r.len - rnd_below(m, G));
	if (ret == -ENOMEM && inject)
		return;
	if (ret) {
		fail(F_RESULT, op, "free_claim of an allocation failed");
		return;
	}
	m->n_claim++;
	model_set(m, r.addr, r.len, M_SCRUB);
	m->allocs[k] = m->allocs[--m->nallocs];
	a = model_place(m, (int)(r.len / G));
	hit = a && a < r.addr + r.len && r.addr < a + r.len;
	if (pmx_next_fit_hits(p, r.addr, r.len) != hit)
		fail(F_HITS, op, "next_fit_hits: wrong answer");
	/* The range is a node of its own: no extent straddles its ends */
	for (i = 0; i < NG; i++) {
		if (!in_run(m, i))
			continue;
		if (i < gidx(r.addr))
			lo += G;
		else if (i >= gidx(r.addr + r.len))
			hi += G;
	}
	if (pmx_free_below(p, r.addr) != lo ||
	    p->free + p->scrubbing - pmx_free_below(p, r.addr + r.len) != hi)
		fail(F_BELOW, op, "free_below: wrong count");
	m->n_hits += hit;
	if (rnd_below(m, 2)) {
		if (pmx_put_dirty(p, r.addr, r.len))
			fail(F_RESULT, op, "put_dirty of a claimed free failed");
		else
			model_set(m, r.addr, r.len, M_DIRTY);
		return;
	}
	m->takes[m->ntakes++] = r;
}

static void op_free(struct model *m, struct pmx_pool *p, unsigned long op,
		    bool inject)
{
	int k, ret;
	struct range r;

	if (!m->nallocs)
		return;
	k = (int)rnd_below(m, m->nallocs);
	r = m->allocs[k];
	if (!rnd_below(m, 3)) {
		op_free_claim(m, p, op, inject, k);
		return;
	}
	/* Any size that rounds up to the allocated one will do. */
	ret = pmx_free(p, r.addr, r.len - rnd_below(m, G));
	if (ret == -ENOMEM && inject)
		return;
	if (ret) {
		fail(F_RESULT, op, "free of an allocation failed");
		return;
	}
	m->n_free++;
	model_set(m, r.addr, r.len, M_DIRTY);
	m->allocs[k] = m->allocs[--m->nallocs];
}

/* Split one allocation in two in the model: later freed piecewise. */
static void op_split(struct model *m)
{
	struct range *r;
	u64 cut;

	if (!m->nallocs)
		return;
	r = &m->allocs[rnd_below(m, m->nallocs)];
	if (r->len < 2 * G)
		return;
	cut = (1 + rnd_below(m, r->len / G - 1)) * G;
	m->allocs[m->nallocs].addr = r->addr + cut;
	m->allocs[m->nallocs].len = r->len - cut;
	m->nallocs++;
	r->len = cut;
}

static void op_bad_free(struct model *m, struct pmx_pool *p,
			unsigned long op)
{
	u64 kind = rnd_below(m, 4), addr, len, i;
	bool any_free = false;
	int s, n;

	switch (kind) {
	case 0:	/* overlaps free space somewhere */
		s = (int)rnd_below(m, NG);
		n = 1 + (int)rnd_below(m, 16);
		if (s + n > NG)
			n = NG - s;
		for (i = s; i < (u64)(s + n); i++)
			any_free |= m->st[i] <= M_DIRTY;
		if (!any_free)
			return;	/* wholly in use: undetectable by design */
		addr = MBASE + s * G;
		len = n * G;
		break;
	case 1:	/* unaligned */
		if (!m->nallocs)
			return;
		addr = m->allocs[0].addr + 1 + rnd_below(m, G - 1);
		len = G;
		break;
	case 2:	/* below the pool */
		addr = MBASE - G * (1 + rnd_below(m, 4));
		len = G * (1 + rnd_below(m, 8));
		break;
	default: /* past the end */
		addr = MBASE + (NG - rnd_below(m, 4)) * G;
		len = 5 * G;
		break;
	}
	if (pmx_free(p, addr, len) != -EINVAL)
		fail(F_RESULT, op, "bad free not refused");
	m->n_bad++;
}

static void op_take(struct model *m, struct pmx_pool *p, unsigned long op,
		    bool inject)
{
	u64 max_len = (1 + rnd_below(m, 64)) * G - rnd_below(m, 2 * G);
	u64 ml = max_len & ~(G - 1), a = 0, l = 0, big = 0, run;
	bool dirty = false;
	int i, ret;

	bool high = m->order == PMX_SCRUB_HIGHEST ||
		    (m->order == PMX_SCRUB_ENDS && !m->turn);
	u64 want = 0;

	for (i = 0; i < NG; i++) {
		if (m->st[i] != M_DIRTY)
			continue;
		dirty = true;
		big = model_dirty_run(m, i);	/* the lowest dirty extent */
		want = MBASE + (u64)i * G;
		break;
	}
	if (dirty && high) {
		/* The end of the highest dirty extent */
		for (i = NG - 1; m->st[i] != M_DIRTY; i--)
			;
		for (big = 0; i >= 0 && m->st[i] == M_DIRTY; i--)
			big += G;
		want = MBASE + (u64)(i + 1) * G + big - min(big, ml);
	}
	ret = pmx_take_dirty(p, max_len, &a, &l);
	if (ret == -ENOMEM && inject)
		return;
	if (ret != (!ml ? -EINVAL : !dirty ? -ENOENT : 0)) {
		fail(F_RESULT, op, "take_dirty: unexpected result");
		return;
	}
	if (ret)
		return;
	if (a < MBASE || a % G || a - MBASE >= NG * G ||
	    m->st[gidx(a)] != M_DIRTY) {
		fail(F_TAKE, op, "take_dirty: not in a dirty extent");
		return;
	}
	run = model_dirty_run(m, gidx(a));
	if (a != want || l != min(big, ml))
		fail(F_TAKE, op, "take_dirty: not where its order says, or wrong length");
	if (l > run) {
		fail(F_PLACE, op, "take_dirty: beyond the dirty extent");
		return;
	}
	if (m->order == PMX_SCRUB_ENDS)
		m->turn = !m->turn;
	m->n_take++;
	model_set(m, a, l, M_SCRUB);
	m->takes[m->ntakes].addr = a;
	m->takes[m->ntakes].len = l;
	m->ntakes++;
}

static void op_put(struct model *m, struct pmx_pool *p, unsigned long op,
		   bool inject)
{
	struct range r;
	int k, ret;

	if (!m->ntakes)
		return;
	k = (int)rnd_below(m, m->ntakes);
	r = m->takes[k];
	ret = pmx_put_clean(p, r.addr, r.len);
	if (ret == -ENOMEM && inject)
		return;
	if (ret) {
		fail(F_RESULT, op, "put_clean failed");
		return;
	}
	m->n_put++;
	model_set(m, r.addr, r.len, M_CLEAN);
	m->takes[k] = m->takes[--m->ntakes];
}

static void test_model(struct tap *t, u64 seed, unsigned long ops,
		       u64 top_max, enum pmx_scrub_order order)
{
	struct model *m = calloc(1, sizeof(*m));
	unsigned long op, injected = 0;
	struct pmx_pool p;
	u64 r, a, l;
	int i, ret;

	tap_diag("model check: seed %" PRIu64 ", %lu ops, %d granules, top_max %" PRIu64 " granules, scrub order %d",
		 seed, ops, NG, top_max / G, order);
	m->rng = seed ? seed : 1;
	m->top_max = top_max;
	m->order = order;
	memset(fails, 0, sizeof(fails));
	ret = pmx_init(&p, MBASE, NG * G, G, rnd_below(m, 2));
	pmx_set_top_max(&p, top_max);
	pmx_set_scrub_order(&p, order);
	for (i = 0; i < NG; i++)
		m->st[i] = p.dirty ? M_DIRTY : M_CLEAN;
	tap_ok(t, !ret, "model (top_max %" PRIu64 ", scrub order %d): pool initialized",
	       top_max / G, order);

	for (op = 0; op < ops; op++) {
		bool inject = rnd_below(m, 100) < 3;

		injected += inject;
		kcompat_kmalloc_fail = inject;
		r = rnd_below(m, 100);
		if (r < 40)
			op_alloc(m, &p, op, inject);
		else if (r < 68)
			op_free(m, &p, op, inject);
		else if (r < 73)
			op_split(m);
		else if (r < 80)
			op_bad_free(m, &p, op);
		else if (r < 90)
			op_take(m, &p, op, inject);
		else
			op_put(m, &p, op, inject);
		kcompat_kmalloc_fail = 0;
		model_compare(m, &p, op);
	}
	tap_diag("model check: %lu allocs, %lu -ENOMEM, %lu -EBUSY, %lu frees, %lu bad frees refused,",
		 m->n_alloc, m->n_nomem, m->n_busy, m->n_free, m->n_bad);
	tap_diag("model check: %lu takes, %lu puts, %lu ops with kmalloc failing",
		 m->n_take, m->n_put, injected);
	tap_diag("model check: %lu frees claimed, %lu of them where the next buffer lands",
		 m->n_claim, m->n_hits);
	for (i = 0; i < F_MAX; i++)
		tap_ok(t, !fails[i], "model: %s", f_name[i]);

	while (m->nallocs) {
		pmx_free(&p, m->allocs[m->nallocs - 1].addr,
			 m->allocs[m->nallocs - 1].len);
		m->nallocs--;
	}
	while (m->ntakes) {
		pmx_put_clean(&p, m->takes[m->ntakes - 1].addr,
			      m->takes[m->ntakes - 1].len);
		m->ntakes--;
	}
	while (!pmx_take_dirty(&p, 7 * G, &a, &l))
		pmx_put_clean(&p, a, l);
	tap_ok(t, pool_is(&p, NG * G, 0, 0, 1) && p.scrubbing == 0,
	       "model: everything returned and scrubbed is one clean extent");
	tap_ok(t, p.nr_spare <= PMX_SPARE_SLACK,
	       "model: spare nodes trimmed when nothing is out (%lu)",
	       p.nr_spare);
	pmx_destroy(&p);
	tap_ok(t, kcompat_kmalloc_live == 0, "model: no node leaked");
	free(m);
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240601;
	unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	struct tap t;

	tap_init(&t);
	test_init(&t);
	test_round_trip(&t);
	test_exhaustion(&t);
	test_bad_sizes(&t);
	test_align(&t);
	test_first_fit(&t);
	test_two_ended(&t);
	test_coalesce(&t);
	test_bad_free(&t);
	test_scrubber(&t);
	test_claimed(&t);
	test_free_claim(&t);
	test_free_below(&t);
	test_largest(&t);
	test_fragmentation(&t);
	test_walk(&t);
	test_align_scan(&t);
	test_kmalloc_failure(&t);
	test_model(&t, seed, ops, 0, PMX_SCRUB_LOWEST);
	test_model(&t, seed, ops, 8 * G, PMX_SCRUB_LOWEST);
	test_model(&t, seed, ops, 8 * G, PMX_SCRUB_ENDS);
	test_model(&t, seed, ops, 8 * G, PMX_SCRUB_HIGHEST);
	return tap_done(&t);
}
