// SPDX-License-Identifier: GPL-2.0
/*
 * pmx_test.c - KUnit suite "protmem-pmx" for the extent allocator.
 *
 * One case per property. Each case owns a pool in its context; the exit
 * hook destroys it, so a failed assertion leaks nothing. The host twin,
 * tests/host/pmx.c, runs the same scenarios plus a randomized model check
 * and kmalloc() failure injection.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sizes.h>

/*
 * pmx is linked into the TEE core and exports nothing: the suite builds its
 * own copy, so it can be a module and test the very same source.
 */
#include "pmx.c"

#define PMX_G		((u64)SZ_4K)
#define PMX_BASE	((u64)SZ_2G)
#define PMX_MIB		((u64)SZ_1M)
#define PMX_SNAP_MAX	16

struct pmx_test_snap {
	u64 free, clean, dirty, allocated, scrubbing;
	unsigned long nr_extents;
	int n;
	u64 start[PMX_SNAP_MAX];
	u64 len[PMX_SNAP_MAX];
	bool dirty_ext[PMX_SNAP_MAX];
};

struct pmx_test_ctx {
	struct pmx_pool p;
	unsigned int nscrub;
	u64 scrub_addr[8];
	u64 scrub_len[8];
	struct pmx_test_snap before;
	struct pmx_test_snap after;
};

static void pmx_test_scrub(void *ctx, u64 addr, u64 len)
{
	struct pmx_test_ctx *c = ctx;

	if (c->nscrub < ARRAY_SIZE(c->scrub_addr)) {
		c->scrub_addr[c->nscrub] = addr;
		c->scrub_len[c->nscrub] = len;
	}
	c->nscrub++;
}

static int pmx_test_snap_one(void *ctx, u64 start, u64 len, bool dirty)
{
	struct pmx_test_snap *s = ctx;

	if (s->n >= PMX_SNAP_MAX)
		return -E2BIG;
	s->start[s->n] = start;
	s->len[s->n] = len;
	s->dirty_ext[s->n] = dirty;
	s->n++;
	return 0;
}

static void pmx_test_snap(const struct pmx_pool *p, struct pmx_test_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->free = p->free;
	s->clean = p->clean;
	s->dirty = p->dirty;
	s->allocated = p->allocated;
	s->scrubbing = p->scrubbing;
	s->nr_extents = p->nr_extents;
	pmx_walk_extents(p, pmx_test_snap_one, s);
}

/* The pool is exactly as in c->before. */
static void pmx_test_unchanged(struct kunit *test, struct pmx_test_ctx *c)
{
	pmx_test_snap(&c->p, &c->after);
	KUNIT_EXPECT_EQ(test, pmx_check(&c->p), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&c->before, &c->after,
				     sizeof(c->after)), 0);
}

/* Consistent, with exactly these counters and this many extents. */
static void pmx_test_expect(struct kunit *test, const struct pmx_pool *p,
			    u64 clean, u64 dirty, u64 allocated,
			    unsigned long nr_extents)
{
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
	KUNIT_EXPECT_EQ(test, p->clean, clean);
	KUNIT_EXPECT_EQ(test, p->dirty, dirty);
	KUNIT_EXPECT_EQ(test, p->free, clean + dirty);
	KUNIT_EXPECT_EQ(test, p->allocated, allocated);
	KUNIT_EXPECT_EQ(test, p->nr_extents, nr_extents);
}

/* Scrub everything dirty through the background path. */
static void pmx_test_scrub_all(struct pmx_pool *p)
{
	u64 a, l;

	while (!pmx_take_dirty(p, p->size, &a, &l))
		pmx_put_clean(p, a, l);
}

static int pmx_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct pmx_test_ctx),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void pmx_test_exit(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;

	pmx_destroy(&c->p);
}

/* Fresh pool of @pages granules at PMX_BASE + @offset. */
static void pmx_test_pool(struct kunit *test, u64 offset, u64 pages,
			  bool dirty)
{
	struct pmx_test_ctx *c = test->priv;

	pmx_destroy(&c->p);
	KUNIT_ASSERT_EQ(test, pmx_init(&c->p, PMX_BASE + offset,
				       pages * PMX_G, PMX_G, dirty), 0);
}

static void pmx_test_init_args(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;

	KUNIT_EXPECT_EQ(test, pmx_init(p, PMX_BASE, 0, PMX_G, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_init(p, PMX_BASE + 1, 16 * PMX_G, PMX_G,
				       false), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_init(p, PMX_BASE, 16 * PMX_G + 8, PMX_G,
				       false), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_init(p, PMX_BASE, 16 * PMX_G, 0, false),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_init(p, PMX_BASE, 16 * PMX_G, 3 * PMX_G,
				       false), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_init(p, 0ULL - PMX_G, 2 * PMX_G, PMX_G,
				       false), -EINVAL);

	pmx_test_pool(test, 0, 16, false);
	pmx_test_expect(test, p, 16 * PMX_G, 0, 0, 1);
	pmx_test_pool(test, 0, 16, true);
	pmx_test_expect(test, p, 0, 16 * PMX_G, 0, 1);
}

static void pmx_test_round_trip(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0;

	pmx_test_pool(test, 0, 64, false);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 3 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE);
	KUNIT_EXPECT_EQ(test, c->nscrub, 0);
	pmx_test_expect(test, p, 61 * PMX_G, 0, 3 * PMX_G, 1);
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, 3 * PMX_G), 0);
	pmx_test_expect(test, p, 61 * PMX_G, 3 * PMX_G, 0, 2);
	pmx_test_scrub_all(p);
	pmx_test_expect(test, p, 64 * PMX_G, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, p->scrubbing, 0);

	/* On a dirty pool, with a size that needs rounding. */
	pmx_test_pool(test, 0, 64, true);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 5000, 0, &a, pmx_test_scrub, c),
			0);
	pmx_test_expect(test, p, 0, 62 * PMX_G, 2 * PMX_G, 1);
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, 5000), 0);
	pmx_test_expect(test, p, 0, 64 * PMX_G, 0, 1);
}

static void pmx_test_exhaustion(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[16], b = 0;
	int i;

	pmx_test_pool(test, 0, 16, false);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a[i], NULL,
						NULL), 0);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, NULL, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, p->free, 0);

	KUNIT_EXPECT_EQ(test, pmx_free(p, a[7], PMX_G), 0);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, b, a[7]);

	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, pmx_free(p, a[i], PMX_G), 0);
	pmx_test_expect(test, p, 0, 16 * PMX_G, 0, 1);
}

static void pmx_test_bad_sizes(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0;

	pmx_test_pool(test, 0, 16, false);
	pmx_test_snap(p, &c->before);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 17 * PMX_G, 0, &a, NULL, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 0, 0, &a, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, U64_MAX, 0, &a, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 1ULL << 63, 0, &a, NULL, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 3 * PMX_G, &a, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 1ULL << 63, &a, NULL, NULL),
			-ENOMEM);
	pmx_test_unchanged(test, c);

	/* A pool ending one granule below 2^64: aligning must not wrap. */
	pmx_destroy(p);
	KUNIT_ASSERT_EQ(test, pmx_init(p, 0ULL - PMX_MIB, PMX_MIB - PMX_G,
				       PMX_G, false), 0);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 2 * PMX_MIB, &a, NULL,
					NULL), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, 0ULL - PMX_MIB);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
}

static void pmx_test_align(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, b = 0, d = 0;

	/* Base 3 granules past a MiB boundary. */
	pmx_test_pool(test, 3 * PMX_G, 1024, false);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + 3 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 3 * PMX_G, PMX_MIB, &b, NULL,
					NULL), 0);
	KUNIT_EXPECT_EQ(test, b % PMX_MIB, 0);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_MIB + 5, PMX_MIB, &d, NULL,
					NULL), 0);
	KUNIT_EXPECT_EQ(test, d % PMX_MIB, 0);
	KUNIT_EXPECT_NE(test, b, d);
	KUNIT_EXPECT_EQ(test, p->allocated, 5 * PMX_G + PMX_MIB);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
}

/*
 * 32 granules: holes of 5, 2 and 3 granules (in address order) between
 * 1-granule allocations, then a tail of 19. Holes clean if @scrub.
 */
static void pmx_test_holes(struct kunit *test, u64 *h5, u64 *h2, u64 *h3,
			   bool scrub)
{
	struct pmx_test_ctx *c = test->priv;
	static const u64 sz[6] = { 5, 1, 2, 1, 3, 1 };
	struct pmx_pool *p = &c->p;
	u64 a[6];
	int i;

	pmx_test_pool(test, 0, 32, false);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, sz[i] * PMX_G, 0, &a[i],
						NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[0], 5 * PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[2], 2 * PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[4], 3 * PMX_G), 0);
	if (scrub)
		pmx_test_scrub_all(p);
	*h5 = a[0];
	*h2 = a[2];
	*h3 = a[4];
}

static void pmx_test_first_fit(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 h5, h2, h3, a = 0;

	pmx_test_holes(test, &h5, &h2, &h3, true);
	/* The lowest hole that fits, not the tightest. */
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 2 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, h5);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 3 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, h5 + 2 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 4 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, h3 + 4 * PMX_G);
}

/* Small requests from the top, larger ones and aligned ones from the bottom. */
static void pmx_test_two_ended(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	u64 small = 0, big = 0, s2 = 0, al = 0;

	pmx_test_pool(test, 0, 32, false);
	pmx_set_top_max(&c->p, 2 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, PMX_G, 0, &small, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, small, PMX_BASE + 31 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 4 * PMX_G, 0, &big, NULL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, big, PMX_BASE);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 2 * PMX_G, 0, &s2, NULL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, s2, PMX_BASE + 29 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, PMX_G, 4 * PMX_G, &al, NULL,
					NULL), 0);
	KUNIT_EXPECT_EQ(test, al, PMX_BASE + 4 * PMX_G);

	/* The just-freed top buffer is reused: its dirty bytes scrubbed */
	KUNIT_ASSERT_EQ(test, pmx_free(&c->p, small, PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, PMX_G, 0, &small, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, small, PMX_BASE + 31 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->nscrub, 1U);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], small);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], PMX_G);
	pmx_test_expect(test, &c->p, 24 * PMX_G, 0, 8 * PMX_G, 1);
}

/* Last fit over a clean+dirty run scrubs only the dirty piece it takes. */
static void pmx_test_two_ended_mixed(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	u64 big = 0, a = 0, b = 0, l = 0;

	pmx_test_pool(test, 0, 32, false);
	pmx_set_top_max(&c->p, 4 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 26 * PMX_G, 0, &big, NULL, NULL),
			0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 4 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 2 * PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + 28 * PMX_G);
	KUNIT_EXPECT_EQ(test, b, PMX_BASE + 26 * PMX_G);
	/* [26,30) clean, [30,32) dirty: one run */
	KUNIT_ASSERT_EQ(test, pmx_free(&c->p, b, 2 * PMX_G), 0);
	pmx_test_scrub_all(&c->p);
	KUNIT_ASSERT_EQ(test, pmx_free(&c->p, a, 4 * PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(&c->p, 2 * PMX_G, &b, &l), 0);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(&c->p, b, l), 0);

	KUNIT_ASSERT_EQ(test, pmx_alloc(&c->p, 3 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + 29 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->nscrub, 1U);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], PMX_BASE + 30 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], 2 * PMX_G);
	pmx_test_expect(test, &c->p, 3 * PMX_G, 0, 29 * PMX_G, 1);
}

static void pmx_test_low_dirty_first(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 h5, h2, h3, a = 0;

	pmx_test_holes(test, &h5, &h2, &h3, false);
	/* The low dirty hole wins over the clean tail, and is scrubbed. */
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 2 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, h5);
	KUNIT_ASSERT_EQ(test, c->nscrub, 1);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], h5);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], 2 * PMX_G);
}

static void pmx_test_dirty_scrub(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 h5, h2, h3, a = 0;

	pmx_test_holes(test, &h5, &h2, &h3, false);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 3 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, h5);
	KUNIT_ASSERT_EQ(test, c->nscrub, 1);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], h5);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], 3 * PMX_G);

	/* No dirty hole holds 4 granules: the clean tail, no scrub. */
	c->nscrub = 0;
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 4 * PMX_G - 100, 0, &a,
					pmx_test_scrub, c), 0);
	KUNIT_EXPECT_EQ(test, a, h3 + 4 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->nscrub, 0);
	pmx_test_expect(test, p, 15 * PMX_G, 7 * PMX_G, 10 * PMX_G, 4);
}

/* 6 granules: [0,2) clean, [2,4) dirty, [4,6) clean. */
static void pmx_test_mixed(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[6];
	int i;

	pmx_test_pool(test, 0, 6, false);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a[i], NULL,
						NULL), 0);
	pmx_free(p, a[4], PMX_G);
	pmx_free(p, a[5], PMX_G);
	pmx_test_scrub_all(p);
	pmx_free(p, a[0], PMX_G);
	pmx_free(p, a[1], PMX_G);
	pmx_test_scrub_all(p);
	pmx_free(p, a[2], PMX_G);
	pmx_free(p, a[3], PMX_G);
	pmx_test_expect(test, p, 4 * PMX_G, 2 * PMX_G, 0, 3);
}

static void pmx_test_coalesce(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0;

	pmx_test_mixed(test);
	/* Three extents, one run */
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 6 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 6 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE);
	KUNIT_ASSERT_EQ(test, c->nscrub, 1);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], PMX_BASE + 2 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], 2 * PMX_G);
	pmx_test_expect(test, p, 0, 0, 6 * PMX_G, 0);

	/* Only the dirty piece inside the range taken is scrubbed. */
	pmx_test_mixed(test);
	c->nscrub = 0;
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 3 * PMX_G, 0, &a, pmx_test_scrub,
					c), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE);
	KUNIT_ASSERT_EQ(test, c->nscrub, 1);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], PMX_BASE + 2 * PMX_G);
	KUNIT_EXPECT_EQ(test, c->scrub_len[0], PMX_G);
	pmx_test_expect(test, p, 2 * PMX_G, PMX_G, 3 * PMX_G, 2);
}

static void pmx_test_bad_free(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, b = 0;

	pmx_test_pool(test, 0, 32, false);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 4 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 4 * PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a, 4 * PMX_G), 0);
	pmx_test_snap(p, &c->before);

	/* Double free. */
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, 4 * PMX_G), -EINVAL);
	/* Overlapping free space, dirty or clean. */
	KUNIT_EXPECT_EQ(test, pmx_free(p, a + 2 * PMX_G, 4 * PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free(p, b + 2 * PMX_G, 4 * PMX_G), -EINVAL);
	/* Outside the pool. */
	KUNIT_EXPECT_EQ(test, pmx_free(p, PMX_BASE - PMX_G, PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free(p, PMX_BASE + 31 * PMX_G, 2 * PMX_G),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free(p, 0ULL - PMX_G, 2 * PMX_G), -EINVAL);
	/* Unaligned, empty, overflowing. */
	KUNIT_EXPECT_EQ(test, pmx_free(p, b + 1, PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free(p, b, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free(p, b, U64_MAX), -EINVAL);
	/* Nothing is being scrubbed. */
	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, b, 4 * PMX_G), -EINVAL);
	pmx_test_unchanged(test, c);
}

static void pmx_test_scrubber(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, l = 0;

	pmx_test_pool(test, 0, 8, true);
	KUNIT_EXPECT_EQ(test, pmx_take_dirty(p, PMX_G - 1, &a, &l), -EINVAL);

	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 3 * PMX_G + 7, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE);
	KUNIT_EXPECT_EQ(test, l, 3 * PMX_G);
	KUNIT_EXPECT_EQ(test, p->scrubbing, 3 * PMX_G);
	/* The claimed range is a node of its own */
	pmx_test_expect(test, p, 0, 5 * PMX_G, 0, 2);

	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, a, l), 0);
	pmx_test_expect(test, p, 3 * PMX_G, 5 * PMX_G, 0, 2);
	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, a, l), -EINVAL);

	/* The next piece merges with the clean one. */
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 3 * PMX_G, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + 3 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, a, l), 0);
	pmx_test_expect(test, p, 6 * PMX_G, 2 * PMX_G, 0, 2);

	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 8 * PMX_G, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, l, 2 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, a, l), 0);
	pmx_test_expect(test, p, 8 * PMX_G, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, pmx_take_dirty(p, PMX_G, &a, &l), -ENOENT);
}

/*
 * A range being scrubbed stays in the address tree: an allocation never
 * gets it (-EBUSY, the caller waits and retries), frees next to it stay
 * apart, and the pool can go while a scrub is in flight.
 */
static void pmx_test_claimed(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, l = 0, b = 0, d = 0;

	pmx_test_pool(test, 0, 8, true);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 2 * PMX_G, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 8 * PMX_G);
	pmx_test_snap(p, &c->before);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, pmx_test_scrub, c),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, c->nscrub, 0);
	pmx_test_unchanged(test, c);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, a, l), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, pmx_test_scrub, c), 0);
	KUNIT_EXPECT_EQ(test, b, PMX_BASE);
	KUNIT_EXPECT_EQ(test, c->nscrub, 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, b, PMX_G), 0);
	pmx_test_scrub_all(p);

	/* allocated | claimed | allocated; free both neighbours */
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &d, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a, PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, PMX_G, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_free(p, b, PMX_G), 0);
	KUNIT_EXPECT_EQ(test, pmx_free(p, d, PMX_G), 0);
	pmx_test_expect(test, p, 5 * PMX_G, 2 * PMX_G, 0, 4);
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_put_clean(p, a, 2 * PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_put_dirty(p, a, l), 0);
	pmx_test_expect(test, p, 5 * PMX_G, 3 * PMX_G, 0, 2);

	/* Teardown with a scrub in flight: the exit hook's pmx_destroy() */
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 8 * PMX_G, &a, &l), 0);
	KUNIT_EXPECT_EQ(test, p->scrubbing, 3 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
}

/*
 * A free that scrubs its own range (the static pool's dirty throttling):
 * pmx_free_claim() gives it back claimed; pmx_next_fit_hits() says whether
 * the next buffer of a size lands on it; once put back clean, the next
 * buffer takes it without a scrub, and put back dirty (the scrub failed),
 * the next taker scrubs it: no byte is lost or handed out unscrubbed.
 */
static void pmx_test_free_claim(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, b = 0, d = 0, big = 0;

	pmx_test_pool(test, 0, 8, false);
	pmx_set_top_max(p, 2 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 6 * PMX_G, 0, &big, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a, PMX_BASE + 7 * PMX_G);

	KUNIT_ASSERT_EQ(test, pmx_free_claim(p, a, PMX_G), 0);
	KUNIT_EXPECT_EQ(test, p->scrubbing, PMX_G);
	KUNIT_EXPECT_EQ(test, p->allocated, 7 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), PMX_G);
	KUNIT_EXPECT_TRUE(test, pmx_next_fit_hits(p, a, PMX_G));
	KUNIT_EXPECT_FALSE(test, pmx_next_fit_hits(p, a, 2 * PMX_G));
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 0, &d, pmx_test_scrub, c),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, PMX_G), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmx_free_claim(p, a, PMX_G), -EINVAL);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, a, PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &d, pmx_test_scrub, c), 0);
	KUNIT_EXPECT_EQ(test, d, a);
	KUNIT_EXPECT_EQ(test, c->nscrub, 0);

	KUNIT_ASSERT_EQ(test, pmx_free_claim(p, b, PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_put_dirty(p, b, PMX_G), 0);
	pmx_test_expect(test, p, 0, PMX_G, 7 * PMX_G, 1);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &d, pmx_test_scrub, c), 0);
	KUNIT_EXPECT_EQ(test, d, b);
	KUNIT_EXPECT_EQ(test, c->nscrub, 1);
	KUNIT_EXPECT_EQ(test, c->scrub_addr[0], b);

	/* A large buffer's range: the lowest run, where large ones go */
	KUNIT_ASSERT_EQ(test, pmx_free_claim(p, big, 6 * PMX_G), 0);
	KUNIT_EXPECT_TRUE(test, pmx_next_fit_hits(p, big, 6 * PMX_G));
	KUNIT_EXPECT_FALSE(test, pmx_next_fit_hits(p, big + 3 * PMX_G,
						   3 * PMX_G));
	KUNIT_EXPECT_TRUE(test, pmx_next_fit_hits(p, big + 4 * PMX_G,
						  2 * PMX_G));
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, big, 6 * PMX_G), 0);
	pmx_test_expect(test, p, 6 * PMX_G, 0, 2 * PMX_G, 1);
}

/*
 * pmx_free_below(): the free memory (either state, or claimed) that the
 * allocations from one end pass before they reach a range, which the
 * static pool's throttling under pressure reads
 */
static void pmx_test_free_below(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[8];
	int i;

	pmx_test_pool(test, 0, 8, false);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a[i], NULL,
						NULL), 0);
	/* dirty [1,3) and [6,7), claimed [4,5) */
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[1], PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[2], PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[6], PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free_claim(p, a[4], PMX_G), 0);
	KUNIT_EXPECT_EQ(test, pmx_free_below(p, a[1]), 0);
	/* An extent that straddles the address counts whole */
	KUNIT_EXPECT_EQ(test, pmx_free_below(p, a[2]), 2 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_free_below(p, a[5]), 3 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_free_below(p, a[7] + PMX_G),
			p->free + p->scrubbing);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, a[4], PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[5], PMX_G), 0);
	KUNIT_EXPECT_EQ(test, pmx_free_below(p, a[7]), 5 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
}

/* The scrubber's order: the top of the highest dirty extent, or the ends */
static void pmx_test_scrub_order(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[4], x = 0, l = 0;
	int i;

	pmx_test_pool(test, 0, 8, false);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, 2 * PMX_G, 0, &a[i], NULL,
						NULL), 0);
	/* dirty [0,2) and [4,8) */
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[0], 2 * PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[2], 2 * PMX_G), 0);
	KUNIT_ASSERT_EQ(test, pmx_free(p, a[3], 2 * PMX_G), 0);
	pmx_set_scrub_order(p, PMX_SCRUB_HIGHEST);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, PMX_G, &x, &l), 0);
	KUNIT_EXPECT_EQ(test, x, PMX_BASE + 7 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, x, l), 0);
	pmx_set_scrub_order(p, PMX_SCRUB_ENDS);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, PMX_G, &x, &l), 0);
	KUNIT_EXPECT_EQ(test, x, PMX_BASE + 6 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, x, l), 0);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, PMX_G, &x, &l), 0);
	KUNIT_EXPECT_EQ(test, x, PMX_BASE);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, x, l), 0);
	KUNIT_ASSERT_EQ(test, pmx_take_dirty(p, 8 * PMX_G, &x, &l), 0);
	KUNIT_EXPECT_EQ(test, x, PMX_BASE + 4 * PMX_G);
	KUNIT_EXPECT_EQ(test, l, 2 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_put_clean(p, x, l), 0);
	/* [0,1) clean, [1,2) dirty, [2,4) allocated, [4,8) clean */
	pmx_test_expect(test, p, 5 * PMX_G, PMX_G, 2 * PMX_G, 3);
}

static void pmx_test_largest(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a = 0, b = 0;

	pmx_test_pool(test, 0, 16, false);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 16 * PMX_G);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, pmx_alloc(p, 14 * PMX_G, 0, &b, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_free(p, b, 14 * PMX_G), 0);
	/* The dirty extent and the clean granule above it are one run */
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 15 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_free(p, a, PMX_G), 0);
	pmx_test_scrub_all(p);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 16 * PMX_G);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 16 * PMX_G, 0, &a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 0);
}

static void pmx_test_fragmentation(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[16], b = 0;
	int i;

	pmx_test_pool(test, 0, 16, false);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, PMX_G, 0, &a[i], NULL,
						NULL), 0);
	for (i = 0; i < 16; i += 2)
		KUNIT_EXPECT_EQ(test, pmx_free(p, a[i], PMX_G), 0);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), PMX_G);
	KUNIT_EXPECT_EQ(test, p->free, 8 * PMX_G);
	KUNIT_EXPECT_EQ(test, p->nr_extents, 8);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, 2 * PMX_G, 0, &b, NULL, NULL),
			-ENOMEM);

	for (i = 1; i < 16; i += 2)
		KUNIT_EXPECT_EQ(test, pmx_free(p, a[i], PMX_G), 0);
	pmx_test_expect(test, p, 0, 16 * PMX_G, 0, 1);
	KUNIT_EXPECT_EQ(test, pmx_largest_free(p), 16 * PMX_G);
}

/*
 * Base 1 granule past a 256 KiB boundary; 41 clean 2-granule holes every
 * 3 granules. The lowest run (the first hole) does not hold a 256 KiB
 * boundary: pmx_alloc() takes the lowest run certain to fit, the tail.
 */
static void pmx_test_align_scan(struct kunit *test)
{
	struct pmx_test_ctx *c = test->priv;
	struct pmx_pool *p = &c->p;
	u64 a[82], b = 0;
	unsigned int i;

	pmx_test_pool(test, PMX_G, 1024, false);
	for (i = 0; i < ARRAY_SIZE(a); i++)
		KUNIT_ASSERT_EQ(test, pmx_alloc(p, i & 1 ? PMX_G : 2 * PMX_G,
						0, &a[i], NULL, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(a); i += 2)
		KUNIT_EXPECT_EQ(test, pmx_free(p, a[i], 2 * PMX_G), 0);
	pmx_test_scrub_all(p);
	KUNIT_EXPECT_EQ(test, pmx_alloc(p, PMX_G, 64 * PMX_G, &b, NULL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, b % (64 * PMX_G), 0);
	KUNIT_EXPECT_GT(test, b, a[ARRAY_SIZE(a) - 1]);
	KUNIT_EXPECT_EQ(test, pmx_check(p), 0);
}

static struct kunit_case pmx_test_cases[] = {
	KUNIT_CASE(pmx_test_init_args),
	KUNIT_CASE(pmx_test_round_trip),
	KUNIT_CASE(pmx_test_exhaustion),
	KUNIT_CASE(pmx_test_bad_sizes),
	KUNIT_CASE(pmx_test_align),
	KUNIT_CASE(pmx_test_first_fit),
	KUNIT_CASE(pmx_test_two_ended),
	KUNIT_CASE(pmx_test_two_ended_mixed),
	KUNIT_CASE(pmx_test_low_dirty_first),
	KUNIT_CASE(pmx_test_dirty_scrub),
	KUNIT_CASE(pmx_test_coalesce),
	KUNIT_CASE(pmx_test_bad_free),
	KUNIT_CASE(pmx_test_scrubber),
	KUNIT_CASE(pmx_test_claimed),
	KUNIT_CASE(pmx_test_free_claim),
	KUNIT_CASE(pmx_test_free_below),
	KUNIT_CASE(pmx_test_scrub_order),
	KUNIT_CASE(pmx_test_largest),
	KUNIT_CASE(pmx_test_fragmentation),
	KUNIT_CASE(pmx_test_align_scan),
	{}
};

static struct kunit_suite pmx_test_suite = {
	.name = "protmem-pmx",
	.init = pmx_test_init,
	.exit = pmx_test_exit,
	.test_cases = pmx_test_cases,
};

kunit_test_suite(pmx_test_suite);

MODULE_DESCRIPTION("KUnit tests for the protmem extent allocator");
MODULE_LICENSE("GPL");
