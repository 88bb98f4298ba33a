// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "tee-protmem-pool": pool accounting of the generic static
 * pool with both allocators, against a fake secure world that records
 * what it is asked to scrub. The pool never touches the memory it manages
 * (scrubbing is the backend's job), so the range need not exist.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/tee_protmem.h>

#define POOL_BASE	0x40000000000ULL	/* nowhere: never touched */
#define POOL_SIZE	SZ_16M

/**
 * struct pool_test_backend - the fake secure world
 * @scrubbed:	bytes it was asked to scrub
 * @entered:	scrub requests begun
 * @calls:	scrub requests
 * @failed:	scrub requests refused because of @fail
 * @failed_chunks: of them, those of less than 1 MiB (the background
 *		scrubber's chunks; the pool splits larger scrubs in two)
 * @fail:	make scrub requests fail with -EIO
 * @slow:	make each scrub request take about a millisecond
 */
struct pool_test_backend {
	atomic64_t scrubbed;
	atomic_t entered;
	atomic_t calls;
	atomic_t failed;
	atomic_t failed_chunks;
	bool fail;
	bool slow;
};

static int pool_test_scrub(void *priv, phys_addr_t paddr, size_t size)
{
	struct pool_test_backend *b = priv;

	atomic_inc(&b->entered);
	if (READ_ONCE(b->fail)) {
		atomic_inc(&b->failed);
		if (size < SZ_1M)
			atomic_inc(&b->failed_chunks);
		return -EIO;
	}
	if (READ_ONCE(b->slow))
		usleep_range(1000, 1200);
	atomic64_add(size, &b->scrubbed);
	atomic_inc(&b->calls);
	return 0;
}

static int pool_test_attach(void *priv, u32 use_case, struct device *dev)
{
	return dev ? 0 : -EPERM;
}

static const struct tee_protmem_backend_ops pool_test_ops = {
	.scrub = pool_test_scrub,
	.attach = pool_test_attach,
};

static struct tee_protmem_pool *pool_test_new(struct kunit *test,
					      enum tee_protmem_allocator a,
					      struct pool_test_backend **bp)
{
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	pool = tee_protmem_carveout_pool_alloc(POOL_BASE, POOL_SIZE, 1, a,
					       &pool_test_ops, b, THIS_MODULE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	*bp = b;
	return pool;
}

/*
 * The pool hands out one-entry sg tables; POOL_BASE has no struct pages,
 * so the entry carries the physical address in sg_dma_address().
 */
static int pool_test_alloc(struct tee_protmem_pool *pool, size_t size,
			   phys_addr_t *paddr)
{
	struct sg_table sgt;
	size_t offs;
	int ret;

	ret = pool->ops->alloc(pool, &sgt, size, &offs);
	if (ret)
		return ret;
	*paddr = sg_dma_address(sgt.sgl);
	sg_free_table(&sgt);
	return 0;
}

static void pool_test_free(struct tee_protmem_pool *pool, phys_addr_t paddr,
			   size_t size)
{
	struct sg_table sgt;

	if (WARN_ON(sg_alloc_table(&sgt, 1, GFP_KERNEL)))
		return;
	sgt.sgl->length = size;
	sg_dma_address(sgt.sgl) = paddr;
	sg_dma_len(sgt.sgl) = size;
	pool->ops->free(pool, &sgt);
}

static void pool_test_stats(struct tee_protmem_pool *pool,
			    struct tee_protmem_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	pool->ops->stats(pool, st);
}

/* The background scrubber is a work item: wait for it to finish */
static bool pool_test_wait_clean(struct tee_protmem_pool *pool)
{
	struct tee_protmem_pool_stats st;
	int i;

	for (i = 0; i < 200; i++) {
		pool_test_stats(pool, &st);
		if (!st.dirty)
			return true;
		msleep(20);
	}
	return false;
}

/* Creating a pool with these arguments fails, and touches no memory */
static bool pool_test_refused(struct pool_test_backend *b, phys_addr_t base,
			      size_t size, u32 use_case, int allocator,
			      const struct tee_protmem_backend_ops *ops)
{
	return IS_ERR(tee_protmem_carveout_pool_alloc(base, size, use_case,
						      allocator, ops, b, NULL));
}

static void pool_test_bad_args(struct kunit *test)
{
	const struct tee_protmem_backend_ops *ops = &pool_test_ops;
	const int pmx = TEE_PROTMEM_ALLOC_PMX;
	struct pool_test_backend b = { };

	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE, 0, 1, pmx, ops));
	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE + 1, SZ_1M, 1,
						  pmx, ops));
	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE, SZ_1M, 0, pmx,
						  ops));
	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE, SZ_1M, 4, pmx,
						  ops));
	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE, SZ_1M, 1, 7,
						  ops));
	KUNIT_EXPECT_TRUE(test, pool_test_refused(&b, POOL_BASE, SZ_1M, 1, pmx,
						  NULL));
	KUNIT_EXPECT_EQ(test, atomic_read(&b.calls), 0);
}

/* Allocate everything in @chunk pieces, check accounting, free it all */
static void pool_test_accounting(struct kunit *test,
				 enum tee_protmem_allocator a)
{
	const size_t chunk = SZ_1M, n = POOL_SIZE / SZ_1M;
	struct tee_protmem_pool_stats st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t addr[16], extra;
	size_t i;

	pool = pool_test_new(test, a, &b);
	/* Unknown content is scrubbed before first use */
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->scrubbed), (s64)POOL_SIZE);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.size, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.largest, (u64)POOL_SIZE);

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, chunk, &addr[i]), 0);
		KUNIT_EXPECT_GE(test, addr[i], (phys_addr_t)POOL_BASE);
		KUNIT_EXPECT_LE(test, addr[i] + chunk, (phys_addr_t)POOL_BASE + POOL_SIZE);
	}
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.free, 0ULL);
	KUNIT_EXPECT_EQ(test, st.largest, 0ULL);
	/* Exhausted: nothing more, not even a page, and nothing changes */
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, PAGE_SIZE, &extra), -ENOMEM);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, (u64)POOL_SIZE);

	/* Fragment: every other piece back; 2 MiB no longer fits */
	for (i = 0; i < n; i += 2)
		pool_test_free(pool, addr[i], chunk);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, (u64)POOL_SIZE / 2);
	KUNIT_EXPECT_EQ(test, st.largest, (u64)chunk);
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, 2 * chunk, &extra), -ENOMEM);

	for (i = 1; i < n; i += 2)
		pool_test_free(pool, addr[i], chunk);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.largest, (u64)POOL_SIZE);
	/* Every freed byte was scrubbed once more */
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->scrubbed), (s64)(2 * POOL_SIZE));

	/* Whole pool in one piece again: fragmentation is gone */
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, POOL_SIZE, &extra), 0);
	KUNIT_EXPECT_EQ(test, extra, (phys_addr_t)POOL_BASE);
	pool_test_free(pool, extra, POOL_SIZE);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool->ops->destroy_pool(pool);
}

static void pool_test_pmx_accounting(struct kunit *test)
{
	pool_test_accounting(test, TEE_PROTMEM_ALLOC_PMX);
}

static void pool_test_genalloc_accounting(struct kunit *test)
{
	pool_test_accounting(test, TEE_PROTMEM_ALLOC_GENALLOC);
}

static void pool_test_sizes(struct kunit *test)
{
	enum tee_protmem_allocator a;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	struct tee_protmem_pool_stats st;
	phys_addr_t addr;

	for (a = TEE_PROTMEM_ALLOC_PMX; a <= TEE_PROTMEM_ALLOC_GENALLOC; a++) {
		pool = pool_test_new(test, a, &b);
		KUNIT_EXPECT_NE(test, pool_test_alloc(pool, 0, &addr), 0);
		KUNIT_EXPECT_EQ(test,
				pool_test_alloc(pool, POOL_SIZE + PAGE_SIZE, &addr),
				-ENOMEM);
		KUNIT_EXPECT_EQ(test,
				pool_test_alloc(pool, SIZE_MAX & PAGE_MASK, &addr),
				-ENOMEM);
		pool_test_stats(pool, &st);
		KUNIT_EXPECT_EQ(test, st.used, 0ULL);
		KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
		pool->ops->destroy_pool(pool);
	}
}

/* pmx: a failing scrub never hands out the memory it should have zeroed */
static void pool_test_pmx_scrub_failure(struct kunit *test)
{
	struct tee_protmem_pool_stats st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t addr;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_ASSERT_TRUE(test, pool_test_wait_clean(pool));
	KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, POOL_SIZE, &addr), 0);
	WRITE_ONCE(b->fail, true);
	pool_test_free(pool, addr, POOL_SIZE);
	/* Only dirty memory is left: the allocation must scrub, and fails */
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, PAGE_SIZE, &addr), -EIO);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_NE(test, st.dirty, 0ULL);
	/* Once the secure world scrubs again, everything comes back clean */
	WRITE_ONCE(b->fail, false);
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, PAGE_SIZE, &addr), 0);
	pool_test_free(pool, addr, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	pool->ops->destroy_pool(pool);
}

/*
 * pmx's dirty throttling: a free scrubs its range itself when the next
 * buffer of its size would land on it (buffers of up to 2 MiB come from
 * the top: the topmost one freed is where the next goes), and leaves it to
 * the background otherwise (a hole above it holds the next one); either
 * way every byte is scrubbed once and the counters add up.
 */
static void pool_test_pmx_free_throttle(struct kunit *test)
{
	struct tee_protmem_pool_stats st0, st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t x[3], y;
	int i;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_ASSERT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st0);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_2M, &x[i]), 0);
	KUNIT_EXPECT_EQ(test, x[0], (phys_addr_t)POOL_BASE + POOL_SIZE - SZ_2M);

	/* Where the next 2 MiB buffer goes: the free scrubs it, at once */
	pool_test_free(pool, x[0], SZ_2M);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st0.scrub_sync, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, st.used, 2ULL * SZ_2M);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE - 2 * SZ_2M);

	/* The next one goes to x[0]'s hole, not here: the background's */
	pool_test_free(pool, x[2], SZ_2M);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st0.scrub_sync, (u64)SZ_2M);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_bg - st0.scrub_bg, (u64)SZ_2M);

	/* The next buffer takes x[0]'s memory clean: nothing more scrubbed */
	KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_2M, &y), 0);
	KUNIT_EXPECT_EQ(test, y, x[0]);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st0.scrub_sync, (u64)SZ_2M);

	pool_test_free(pool, y, SZ_2M);
	pool_test_free(pool, x[1], SZ_2M);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	/* Every byte freed was scrubbed exactly once, by one or the other */
	KUNIT_EXPECT_EQ(test, st.scrub_sync + st.scrub_bg -
			st0.scrub_sync - st0.scrub_bg, 4ULL * SZ_2M);
	pool->ops->destroy_pool(pool);
}

/*
 * A throttled free whose scrub fails: the range goes back dirty, nothing
 * is lost and nothing is handed out unscrubbed.
 */
static void pool_test_pmx_free_scrub_failure(struct kunit *test)
{
	struct tee_protmem_pool_stats st0, st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t x, y;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_ASSERT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st0);
	KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_1M, &x), 0);
	WRITE_ONCE(b->fail, true);
	pool_test_free(pool, x, SZ_1M);
	/* (dirty counts the range while the scrubber retries it, too) */
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_EQ(test, st.dirty, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, st.scrub_sync, st0.scrub_sync);
	/* The next buffer lands on it, must scrub, and cannot */
	KUNIT_EXPECT_EQ(test, pool_test_alloc(pool, SZ_1M, &y), -EIO);
	WRITE_ONCE(b->fail, false);
	KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_1M, &y), 0);
	KUNIT_EXPECT_EQ(test, y, x);
	/* Scrubbed once, by the allocation or by the scrubber before it */
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync + st.scrub_bg - st0.scrub_sync -
			st0.scrub_bg, (u64)SZ_1M);
	pool_test_free(pool, y, SZ_1M);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.largest, (u64)POOL_SIZE);
	pool->ops->destroy_pool(pool);
}

/*
 * pmx's dirty throttling under pressure: once an allocation has had to
 * scrub, a free also scrubs its range when allocations will soon reach it
 * (the whole 16 MiB pool is within their reach), not only when the next
 * buffer of its size lands on it.
 */
static void pool_test_pmx_free_pressure(struct kunit *test)
{
	struct tee_protmem_pool_stats st0, st1, st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t x[4], y;
	int i;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_ASSERT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_2M, &x[i]), 0);

	/*
	 * x[0] stays dirty: the free's scrub fails, and so does the
	 * scrubber's retry of its first chunk, after which it stops
	 */
	WRITE_ONCE(b->fail, true);
	pool_test_free(pool, x[0], SZ_2M);
	for (i = 0; i < 200 && !atomic_read(&b->failed_chunks); i++)
		msleep(20);
	KUNIT_ASSERT_EQ(test, atomic_read(&b->failed_chunks), 1);
	WRITE_ONCE(b->fail, false);

	/* The next 2 MiB buffer lands on it: the allocation pays */
	pool_test_stats(pool, &st1);
	KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, SZ_2M, &y), 0);
	KUNIT_EXPECT_EQ(test, y, x[0]);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st1.scrub_sync, (u64)SZ_2M);

	/* x[1]: where the next one goes, scrubbed by its free as ever */
	pool_test_free(pool, x[1], SZ_2M);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st1.scrub_sync, 2ULL * SZ_2M);
	/*
	 * x[3]: the next one goes to x[1]'s hole; without pressure the
	 * background's (pool_test_pmx_free_throttle), now its free's
	 */
	pool_test_free(pool, x[3], SZ_2M);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st1.scrub_sync, 3ULL * SZ_2M);
	KUNIT_EXPECT_EQ(test, st.dirty, 0ULL);

	pool_test_free(pool, y, SZ_2M);
	pool_test_free(pool, x[2], SZ_2M);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	/* Five 2 MiB ranges freed, each scrubbed once (failures not counted) */
	KUNIT_EXPECT_EQ(test, st.scrub_sync + st.scrub_bg -
			st0.scrub_sync - st0.scrub_bg, 5ULL * SZ_2M);
	pool->ops->destroy_pool(pool);
}

/*
 * A free while the background scrubber is at work does not wake it (the
 * scrubber looks for dirty memory under the pool lock before it stops):
 * its range must not be left dirty for want of a wake-up.
 */
static void pool_test_pmx_free_while_scrubbing(struct kunit *test)
{
	const size_t sz = SZ_2M + SZ_1M;	/* from the bottom */
	struct tee_protmem_pool_stats st0, st;
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;
	phys_addr_t x[4];
	int i, n;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_ASSERT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, pool_test_alloc(pool, sz, &x[i]), 0);
	KUNIT_EXPECT_EQ(test, x[0], (phys_addr_t)POOL_BASE);
	/* The lowest: where the next one goes, scrubbed by its free */
	pool_test_free(pool, x[0], sz);

	/* The highest: the background's, in chunks of about 1 ms each */
	WRITE_ONCE(b->slow, true);
	n = atomic_read(&b->entered);
	pool_test_free(pool, x[3], sz);
	for (i = 0; i < 2000 && atomic_read(&b->entered) == n; i++)
		usleep_range(500, 600);
	KUNIT_ASSERT_NE(test, atomic_read(&b->entered), n);
	/* The scrubber is busy with x[3]: this free leaves it to it */
	pool_test_free(pool, x[2], sz);
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_sync - st0.scrub_sync, (u64)sz);
	KUNIT_EXPECT_GT(test, st.dirty, 0ULL);

	/* No other call: the scrubber alone gets both clean */
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.scrub_bg - st0.scrub_bg, 2ULL * sz);
	WRITE_ONCE(b->slow, false);

	pool_test_free(pool, x[1], sz);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool_test_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.used, 0ULL);
	KUNIT_EXPECT_EQ(test, st.free, (u64)POOL_SIZE);
	KUNIT_EXPECT_EQ(test, st.largest, (u64)POOL_SIZE);
	pool->ops->destroy_pool(pool);
}

/* The fake backend only compares device pointers: any device will do */
static struct device pool_test_dev;

static void pool_test_attach_asks_backend(struct kunit *test)
{
	struct pool_test_backend *b;
	struct tee_protmem_pool *pool;

	pool = pool_test_new(test, TEE_PROTMEM_ALLOC_PMX, &b);
	KUNIT_EXPECT_EQ(test, pool->ops->attach(pool, NULL), -EPERM);
	KUNIT_EXPECT_EQ(test, pool->ops->attach(pool, &pool_test_dev), 0);
	KUNIT_EXPECT_TRUE(test, pool_test_wait_clean(pool));
	pool->ops->destroy_pool(pool);
}

static struct kunit_case pool_test_cases[] = {
	KUNIT_CASE(pool_test_bad_args),
	KUNIT_CASE(pool_test_pmx_accounting),
	KUNIT_CASE(pool_test_genalloc_accounting),
	KUNIT_CASE(pool_test_sizes),
	KUNIT_CASE(pool_test_pmx_scrub_failure),
	KUNIT_CASE(pool_test_pmx_free_throttle),
	KUNIT_CASE(pool_test_pmx_free_scrub_failure),
	KUNIT_CASE(pool_test_pmx_free_pressure),
	KUNIT_CASE(pool_test_pmx_free_while_scrubbing),
	KUNIT_CASE(pool_test_attach_asks_backend),
	{}
};

static struct kunit_suite pool_test_suite = {
	.name = "tee-protmem-pool",
	.test_cases = pool_test_cases,
};

kunit_test_suite(pool_test_suite);

MODULE_DESCRIPTION("KUnit tests for TEE protected-memory pools");
MODULE_LICENSE("GPL");
