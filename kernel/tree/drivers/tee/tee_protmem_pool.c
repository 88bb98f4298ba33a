// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic protected-memory pools for TEE drivers.
 *
 * A static pool manages a carveout (a physical range the normal world never
 * maps) with one of two allocators:
 *  - pmx: free extents in an augmented address tree, two-ended fit over
 *    runs of adjacent free memory (buffers up to TEE_PROTMEM_TOP_MAX from
 *    the top, larger ones from the bottom), longest run known in O(1),
 *    aware of clean
 *    (scrubbed) and dirty (freed) memory. Freed ranges are scrubbed in the
 *    background by a work item; an allocation scrubs synchronously only
 *    the dirty pieces it takes, i.e. when the scrubber has not caught up.
 *    No scrub runs under the pool lock: the scrubber claims a dirty range
 *    (pmx_take_dirty()), drops the lock, scrubs, and retakes the lock only
 *    to mark it clean; an allocation takes its range, drops the lock and
 *    scrubs the dirty pieces it took. Frees never wait for a scrub they
 *    did not ask for; an allocation waits only for a scrub of memory it is
 *    about to get (the range it would take covers the claimed range,
 *    pmx_alloc() says -EBUSY).
 *    Dirty throttling: a free scrubs the range it frees itself, the same
 *    way (claimed with pmx_free_claim(), scrubbed without the lock, put
 *    back clean), when the next buffer of its size (or, for a small
 *    buffer, of TEE_PROTMEM_TOP_MAX bytes) would land on it, or when the
 *    scrubber is behind: more of the free memory is dirty than clean. The
 *    producer of the dirt pays where the next allocation would otherwise
 *    pay (a video player frees a buffer and allocates the next at once);
 *    a burst of frees that nothing reuses stays for the background
 *    (docs/tee-protmem.md, docs/bench.md). Under pressure (an allocation
 *    paid in the last second) a free also scrubs what allocations from
 *    either end will soon reach, and the scrubber rests while the
 *    backlog is small. Scrubs of 1 MiB or more use two CPUs.
 *  - genalloc: lib/genalloc first fit, the seed's allocator, kept as the
 *    reference. It knows nothing of clean and dirty, so a range is scrubbed
 *    synchronously when it is freed.
 * Scrubbing itself is the TEE driver's (the secure world's) job, asked
 * through struct tee_protmem_backend_ops; so is deciding which devices may
 * attach.
 *
 * tee_protmem_static_pool_alloc() is mainline's carveout pool on the same
 * code: genalloc, no backend (nothing scrubbed, every device may attach),
 * as mainline's. Buffers are handed to the core as one-entry sg tables.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/genalloc.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tee_drv.h>
#include <linux/tee_protmem.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "protmem/pmx.h"
#include "tee_protmem_private.h"

/*
 * The background scrubber claims this much at a time and scrubs it without
 * the pool lock. The claimed range stays in pmx's address tree (taking it
 * out of the pool fragments the pool when frees outpace scrubbing; see
 * docs/bench.md): an allocation that needs it waits for at most one chunk.
 */
#define TEE_PROTMEM_SCRUB_CHUNK	SZ_256K

/*
 * pmx places buffers of at most this size from the top of the pool and
 * larger ones from the bottom: bitstreams and metadata (up to 2 MiB) stay
 * apart from frames (a 1080p NV12 frame is 3 MiB), so that freeing the
 * frames at a resolution switch leaves one long run. bench/sim/pmx_sim.c
 * tried 64 KiB to 3 MiB; 2 to 2.5 MiB was best (docs/bench.md).
 */
#define TEE_PROTMEM_TOP_MAX	SZ_2M

/*
 * Dirty throttling under pressure. For this long after an allocation had
 * to scrub or wait for a scrub, a free also scrubs its range when the
 * allocations from either end of the pool would reach it after using up
 * less than TEE_PROTMEM_REACH of free memory: back to back, they get
 * there long before the background scrubber does. bench/sim/pmx_sim.c
 * tried 8 to 64 MiB and windows of 200 to 3,000 calls (docs/bench.md).
 */
#define TEE_PROTMEM_PRESSURE_NS	NSEC_PER_SEC
#define TEE_PROTMEM_REACH	SZ_32M

/* Who holds the pool lock, for the lock statistics */
enum tee_protmem_lock_user {
	TEE_PROTMEM_LK_ALLOC,
	TEE_PROTMEM_LK_FREE,
	TEE_PROTMEM_LK_SCRUB,
	TEE_PROTMEM_LK_OTHER,
	TEE_PROTMEM_LK_NR,
};

static const char * const tee_protmem_lock_users[TEE_PROTMEM_LK_NR] = {
	"alloc", "free", "scrubber", "other",
};

/**
 * struct tee_protmem_lock_stat - one user's use of a pool lock
 * @n:		acquisitions
 * @wait_ns:	total time spent waiting for the lock
 * @wait_max:	longest wait, ns
 * @hold_ns:	total time the lock was held
 * @hold_max:	longest hold, ns
 */
struct tee_protmem_lock_stat {
	u64 n;
	u64 wait_ns;
	u64 wait_max;
	u64 hold_ns;
	u64 hold_max;
};

/**
 * struct tee_protmem_time_stat - how long a step outside the lock took
 * @n:		times
 * @ns:		total, ns
 * @max:	longest, ns
 */
struct tee_protmem_time_stat {
	u64 n;
	u64 ns;
	u64 max;
};

static void tee_protmem_time_add(struct tee_protmem_time_stat *t, u64 ns)
{
	t->n++;
	t->ns += ns;
	t->max = max(t->max, ns);
}

/**
 * struct tee_protmem_static_pool - a carveout pool
 * @pool:	the generic pool
 * @ops:	the TEE driver's secure-side callbacks
 * @priv:	passed to @ops
 * @use_case:	enum tee_dma_heap_id given to @ops (0: none, no backend)
 * @allocator:	which allocator manages the range
 * @base:	physical start of the carveout
 * @size:	size of the carveout
 * @lock:	protects @pmx, @gen and the counters below; never held
 *		across a call into the secure world for pmx (scrubs run on
 *		claimed or freshly allocated ranges, see pmx.h)
 * @pmx:	extent allocator (TEE_PROTMEM_ALLOC_PMX)
 * @gen:	genalloc pool (TEE_PROTMEM_ALLOC_GENALLOC)
 * @used:	bytes in live buffers
 * @scrub_bg:	bytes scrubbed by @scrub_work
 * @scrub_sync:	bytes scrubbed on the allocation path (pmx) or when freed
 *		(genalloc)
 * @scrub_free:	bytes pmx's throttled frees scrubbed (sysfs scrubbed_sync
 *		shows the sum of both)
 * @retired:	bytes kept out of the pool for good: genalloc ranges whose
 *		scrub failed, ranges the secure world would not release
 * @scrub_gen:	bumped when the scrubber puts a claimed range back
 * @pressed:	ktime ns until which frees scrub what allocations will soon
 *		reach (set when an allocation scrubbed or waited)
 * @scrub_busy:	the scrubber is in its loop and looks for dirty memory
 *		under @lock before it stops, so a free need not wake it
 * @lk:		lock statistics per user
 * @lk_since:	when the current holder took @lock (ktime ns)
 * @lk_who:	the current holder's enum tee_protmem_lock_user
 * @t_scrub_sync: time of the scrubs done for allocations (outside @lock)
 * @t_scrub_bg:	time of the background scrubs (outside @lock)
 * @t_release:	time of @ops->release on the free path (outside @lock)
 * @t_busy:	time allocations waited for a claimed range (-EBUSY)
 * @t_scrub_free: time of the scrubs done by throttled frees (outside @lock)
 * @kick_n:	frees that woke the scrubber (after dropping @lock: atomic)
 * @kick_ns:	time those queue_work() calls took, ns (atomic)
 * @scrub_wq:	allocations waiting for @scrub_gen to change
 * @scrub_work:	background scrubber (pmx only)
 */
struct tee_protmem_static_pool {
	struct tee_protmem_pool pool;
	const struct tee_protmem_backend_ops *ops;
	void *priv;
	u32 use_case;
	enum tee_protmem_allocator allocator;
	phys_addr_t base;
	size_t size;
	struct mutex lock;	/* protects the allocator and counters */
	struct pmx_pool pmx;
	struct gen_pool *gen;
	u64 used;
	u64 scrub_bg;
	u64 scrub_sync;
	u64 scrub_free;
	u64 retired;
	u64 scrub_gen;
	u64 pressed;
	bool scrub_busy;
	struct tee_protmem_lock_stat lk[TEE_PROTMEM_LK_NR];
	u64 lk_since;
	enum tee_protmem_lock_user lk_who;
	struct tee_protmem_time_stat t_scrub_sync;
	struct tee_protmem_time_stat t_scrub_bg;
	struct tee_protmem_time_stat t_release;
	struct tee_protmem_time_stat t_busy;
	struct tee_protmem_time_stat t_scrub_free;
	atomic64_t kick_n;
	atomic64_t kick_ns;
	wait_queue_head_t scrub_wq;
	struct delayed_work scrub_work;
};

/* Take the pool lock on behalf of @who, counting the wait */
static void tee_protmem_lock(struct tee_protmem_static_pool *sp,
			     enum tee_protmem_lock_user who)
{
	u64 t0 = ktime_get_ns(), t1;
	struct tee_protmem_lock_stat *st = &sp->lk[who];

	mutex_lock(&sp->lock);
	t1 = ktime_get_ns();
	st->n++;
	st->wait_ns += t1 - t0;
	st->wait_max = max(st->wait_max, t1 - t0);
	sp->lk_since = t1;
	sp->lk_who = who;
}

/* Drop the pool lock, counting how long it was held */
static void tee_protmem_unlock(struct tee_protmem_static_pool *sp)
{
	struct tee_protmem_lock_stat *st = &sp->lk[sp->lk_who];
	u64 held = ktime_get_ns() - sp->lk_since;

	st->hold_ns += held;
	st->hold_max = max(st->hold_max, held);
	mutex_unlock(&sp->lock);
}

static struct tee_protmem_static_pool *to_static(struct tee_protmem_pool *pool)
{
	return container_of(pool, struct tee_protmem_static_pool, pool);
}

/**
 * tee_protmem_sgt_set() - describe one physical range in a new sg table
 * @sgt:	the table to allocate and fill
 * @paddr:	physical start
 * @size:	bytes
 *
 * With struct pages the entry is an ordinary page entry; without (a
 * carveout outside the memory map) it carries the physical address in
 * sg_dma_address() and no page, for the core to dma_map_resource().
 *
 * Return: 0 or -ENOMEM.
 */
int tee_protmem_sgt_set(struct sg_table *sgt, phys_addr_t paddr, size_t size)
{
	struct scatterlist *sg;
	int ret;

	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		return ret;
	sg = sgt->sgl;
	if (pfn_valid(PHYS_PFN(paddr)) && pfn_valid(PHYS_PFN(paddr + size - 1))) {
		sg_set_page(sg, pfn_to_page(PHYS_PFN(paddr)), size, 0);
	} else {
		sg->length = size;
		sg_dma_address(sg) = paddr;
		sg_dma_len(sg) = size;
	}
	return 0;
}

/**
 * tee_protmem_sgt_range() - the range tee_protmem_sgt_set() described
 * @sgt:	a table from tee_protmem_sgt_set()
 * @paddr:	set to the physical start
 * @size:	set to the size
 */
void tee_protmem_sgt_range(struct sg_table *sgt, phys_addr_t *paddr,
			   size_t *size)
{
	struct scatterlist *sg = sgt->sgl;

	*paddr = sg_page(sg) ? sg_phys(sg) : sg_dma_address(sg);
	*size = sg->length;
}

/**
 * tee_protmem_pool_update_shm() - update_shm of protmem's generic pools
 * @pool:	the pool
 * @sgt:	the buffer
 * @offs:	unused
 * @shm:	shared memory to describe the buffer
 * @parent_shm:	set to NULL: the buffer is described by its address
 *
 * Return: 0.
 */
int tee_protmem_pool_update_shm(struct tee_protmem_pool *pool,
				struct sg_table *sgt, size_t offs,
				struct tee_shm *shm,
				struct tee_shm **parent_shm)
{
	size_t size;

	tee_protmem_sgt_range(sgt, &shm->paddr, &size);
	*parent_shm = NULL;
	return 0;
}

/* Dirty pieces recorded beyond this are merged into the last one */
#define TEE_PROTMEM_PIECES	8

/**
 * struct tee_protmem_pieces - the dirty pieces of a range pmx handed out
 * @n:		pieces recorded
 * @addr:	first byte of each
 * @len:	bytes in each
 *
 * Pieces come in address order, all inside the range handed out; past
 * %TEE_PROTMEM_PIECES the last one grows to the end of the new piece (the
 * clean memory in between is scrubbed again, which is harmless).
 */
struct tee_protmem_pieces {
	unsigned int n;
	u64 addr[TEE_PROTMEM_PIECES];
	u64 len[TEE_PROTMEM_PIECES];
};

static void tee_protmem_piece_rec(void *ctx, u64 addr, u64 len)
{
	struct tee_protmem_pieces *pc = ctx;
	unsigned int last = TEE_PROTMEM_PIECES - 1;

	if (pc->n < TEE_PROTMEM_PIECES) {
		pc->addr[pc->n] = addr;
		pc->len[pc->n] = len;
		pc->n++;
	} else {
		pc->len[last] = addr + len - pc->addr[last];
	}
}

/*
 * A scrub of at least this many bytes is done by two CPUs: the caller
 * scrubs the first half while a worker scrubs the second (vtee scrubs on
 * the calling CPU, so the halves run in parallel). Below it, waking the
 * worker costs more than it saves (docs/bench.md).
 */
#define TEE_PROTMEM_SPLIT_MIN	SZ_1M

/**
 * struct tee_protmem_half - the second half of a split scrub
 * @work:	runs it on another CPU
 * @done:	completed when it is scrubbed (or failed)
 * @ops:	the secure world's callbacks
 * @priv:	passed to @ops
 * @addr:	first byte of the half
 * @len:	its bytes
 * @ret:	@ops->scrub's result
 */
struct tee_protmem_half {
	struct work_struct work;
	struct completion done;
	const struct tee_protmem_backend_ops *ops;
	void *priv;
	u64 addr;
	u64 len;
	int ret;
};

static void tee_protmem_half_scrub(struct work_struct *work)
{
	struct tee_protmem_half *h =
		container_of(work, struct tee_protmem_half, work);

	h->ret = h->ops->scrub(h->priv, h->addr, h->len);
	complete(&h->done);
}

/*
 * Scrub [@addr, @addr + @len) through @ops, on two CPUs if it is large and
 * there are two; returns when all of it is done, with the first error.
 */
static int tee_protmem_scrub(const struct tee_protmem_backend_ops *ops,
			     void *priv, u64 addr, u64 len)
{
	struct tee_protmem_half h;
	u64 first;
	int ret;

	if (len < TEE_PROTMEM_SPLIT_MIN || num_online_cpus() < 2)
		return ops->scrub(priv, addr, len);
	first = round_down(len / 2, PAGE_SIZE);
	h.ops = ops;
	h.priv = priv;
	h.addr = addr + first;
	h.len = len - first;
	init_completion(&h.done);
	INIT_WORK_ONSTACK(&h.work, tee_protmem_half_scrub);
	queue_work(system_unbound_wq, &h.work);
	ret = ops->scrub(priv, addr, first);
	wait_for_completion(&h.done);
	destroy_work_on_stack(&h.work);
	return ret ? ret : h.ret;
}

/* Scrub recorded pieces; any context that may sleep, no pool lock needed */
static int tee_protmem_pieces_scrub(const struct tee_protmem_pieces *pc,
				    const struct tee_protmem_backend_ops *ops,
				    void *priv, u64 *bytes)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pc->n; i++) {
		ret = tee_protmem_scrub(ops, priv, pc->addr[i], pc->len[i]);
		if (ret)
			return ret;
		*bytes += pc->len[i];
	}
	return 0;
}

/**
 * tee_protmem_pmx_alloc() - take a range from pmx, scrubbed
 * @pmx:	the allocator, under its pool's lock
 * @size:	bytes, a page multiple
 * @ops:	the secure world's callbacks; @ops->scrub zeroes dirty pieces
 * @priv:	passed to @ops
 * @paddr:	out: the range's first byte
 * @scrubbed:	incremented by the bytes scrubbed on the way
 *
 * The allocation path of a pool built on pmx without a background
 * scrubber (no claimed ranges): the dirty pieces are scrubbed under the
 * caller's lock. If the secure world fails to scrub a dirty piece, the
 * range goes back to pmx as dirty and nothing is handed out.
 *
 * Return: 0, an error of pmx_alloc() (-ENOMEM when nothing fits), or the
 * scrub error.
 */
int tee_protmem_pmx_alloc(struct pmx_pool *pmx, size_t size,
			  const struct tee_protmem_backend_ops *ops, void *priv,
			  phys_addr_t *paddr, u64 *scrubbed)
{
	struct tee_protmem_pieces pc = { };
	u64 a;
	int ret;

	ret = pmx_alloc(pmx, size, 0, &a, tee_protmem_piece_rec, &pc);
	if (ret)
		return ret;
	ret = tee_protmem_pieces_scrub(&pc, ops, priv, scrubbed);
	if (ret) {
		WARN_ON(pmx_free(pmx, a, size));
		return ret;
	}
	*paddr = a;
	return 0;
}

/**
 * tee_protmem_buffer_out() - a range taken from an allocator becomes a buffer
 * @ops:	the secure world's callbacks
 * @priv:	passed to @ops
 * @use_case:	the pool's use case
 * @paddr:	first byte of the range (scrubbed)
 * @size:	its size
 * @sgt:	filled with the range
 *
 * The secure world learns the buffer (@ops->assign, if any); if it will
 * not, there is no buffer. The caller gives the range back on failure.
 *
 * Return: 0, the secure world's refusal, or -ENOMEM.
 */
int tee_protmem_buffer_out(const struct tee_protmem_backend_ops *ops,
			   void *priv, u32 use_case, phys_addr_t paddr,
			   size_t size, struct sg_table *sgt)
{
	int ret;

	if (ops->assign) {
		ret = ops->assign(priv, use_case, paddr, size);
		if (ret)
			return ret;
	}
	ret = tee_protmem_sgt_set(sgt, paddr, size);
	if (ret && ops->release)
		ops->release(priv, paddr, size);
	return ret;
}

/**
 * tee_protmem_buffer_in() - a buffer's range on its way back
 * @ops:	the secure world's callbacks
 * @priv:	passed to @ops
 * @sgt:	the buffer's table, freed here
 * @paddr:	out: first byte of the range
 * @size:	out: its size
 *
 * The secure world forgets the buffer (@ops->release, if any) before the
 * range can be reused.
 *
 * Return: true if the range may go back to its allocator, false if the
 * secure world kept it: the caller retires it for good.
 */
bool tee_protmem_buffer_in(const struct tee_protmem_backend_ops *ops,
			   void *priv, struct sg_table *sgt, phys_addr_t *paddr,
			   size_t *size)
{
	tee_protmem_sgt_range(sgt, paddr, size);
	sg_free_table(sgt);
	if (!ops->release || !ops->release(priv, *paddr, *size))
		return true;
	pr_err("tee: secure world kept a buffer of %#zx bytes, range retired\n",
	       *size);
	return false;
}

/*
 * pmx: scrub a claimed range without the pool lock (no allocation gets it,
 * no free touches it), then retake the lock as @who to give it back: clean,
 * its bytes added to @bytes, or dirty if the secure world failed (scrubbed
 * later, by the scrubber or the allocation that takes it, never handed out
 * as it is). Wakes the allocations waiting for a claimed range.
 * Return: the scrub's error.
 */
static int tee_protmem_scrub_claimed(struct tee_protmem_static_pool *sp,
				     enum tee_protmem_lock_user who,
				     u64 addr, u64 len,
				     struct tee_protmem_time_stat *t,
				     u64 *bytes)
{
	u64 t0 = ktime_get_ns();
	int ret;

	ret = tee_protmem_scrub(sp->ops, sp->priv, addr, len);
	t0 = ktime_get_ns() - t0;
	tee_protmem_lock(sp, who);
	tee_protmem_time_add(t, t0);
	if (ret) {
		WARN_ON(pmx_put_dirty(&sp->pmx, addr, len));
	} else {
		WARN_ON(pmx_put_clean(&sp->pmx, addr, len));
		*bytes += len;
	}
	/* Read without the lock by allocations waiting for it */
	WRITE_ONCE(sp->scrub_gen, sp->scrub_gen + 1);
	tee_protmem_unlock(sp);
	wake_up_all(&sp->scrub_wq);
	if (ret)
		pr_err_ratelimited("tee: scrub of %#llx bytes failed: %d\n",
				   len, ret);
	return ret;
}

/*
 * How long the background scrubber rests, in ns (0: it works). It rests
 * while the pool is under pressure (@sp->pressed) and at most
 * TEE_PROTMEM_REACH is dirty: then the frees scrub what allocations will
 * reach, and a chunk taken here would only make an allocation wait for it
 * or compete with the frees' scrubs for the CPUs (docs/bench.md). A
 * larger backlog is the scrubber's, so that a resolution switch does not
 * meet it. Called with the pool lock held.
 */
static u64 tee_protmem_scrub_rest(struct tee_protmem_static_pool *sp)
{
	struct pmx_pool *p = &sp->pmx;
	u64 now = ktime_get_ns();

	if (now >= sp->pressed || p->dirty + p->scrubbing > TEE_PROTMEM_REACH)
		return 0;
	return sp->pressed - now;
}

/*
 * Wake the background scrubber, now (@rest 0, even if it was resting) or
 * when its rest ends (a rest already planned stays).
 */
static void tee_protmem_kick(struct tee_protmem_static_pool *sp, u64 rest)
{
	if (rest)
		queue_delayed_work(system_unbound_wq, &sp->scrub_work,
				   nsecs_to_jiffies(rest) + 1);
	else
		mod_delayed_work(system_unbound_wq, &sp->scrub_work, 0);
}

/*
 * Scrub the pool's dirty memory a chunk at a time; with @may_rest, stop
 * while tee_protmem_scrub_rest() says so, and come back when it ends.
 */
static void tee_protmem_scrub_dirty(struct tee_protmem_static_pool *sp,
				    bool may_rest)
{
	u64 addr, len, rest;
	int ret;

	for (;;) {
		tee_protmem_lock(sp, TEE_PROTMEM_LK_SCRUB);
		rest = may_rest && sp->pmx.dirty ? tee_protmem_scrub_rest(sp) :
						   0;
		ret = rest ? -EAGAIN :
			     pmx_take_dirty(&sp->pmx, TEE_PROTMEM_SCRUB_CHUNK,
					    &addr, &len);
		/* Frees wake the scrubber only once it stops */
		sp->scrub_busy = !ret;
		tee_protmem_unlock(sp);
		if (rest)
			tee_protmem_kick(sp, rest);
		if (ret)
			break;
		/*
		 * On failure stop here: the next free retries, and an
		 * allocation that needs the range scrubs it itself.
		 */
		if (tee_protmem_scrub_claimed(sp, TEE_PROTMEM_LK_SCRUB, addr,
					      len, &sp->t_scrub_bg,
					      &sp->scrub_bg)) {
			tee_protmem_lock(sp, TEE_PROTMEM_LK_SCRUB);
			sp->scrub_busy = false;
			tee_protmem_unlock(sp);
			break;
		}
		cond_resched();
	}
}

static void tee_protmem_scrub_worker(struct work_struct *work)
{
	struct tee_protmem_static_pool *sp =
		container_of(to_delayed_work(work),
			     struct tee_protmem_static_pool, scrub_work);

	tee_protmem_scrub_dirty(sp, true);
}

/*
 * pmx: take a range, waiting for the scrubber when it is scrubbing the
 * memory the range needs, then scrub its dirty pieces without the lock:
 * the range is allocated, so nothing else can reach it meanwhile.
 */
static int tee_protmem_static_take_pmx(struct tee_protmem_static_pool *sp,
				       size_t size, phys_addr_t *paddr)
{
	struct tee_protmem_pieces pc;
	u64 a = 0, gen, t0, bytes = 0;
	int ret;

	tee_protmem_lock(sp, TEE_PROTMEM_LK_ALLOC);
	for (;;) {
		pc.n = 0;
		ret = pmx_alloc(&sp->pmx, size, 0, &a, tee_protmem_piece_rec,
				&pc);
		/* Paying for a scrub: frees take over for a while */
		if (ret == -EBUSY || (!ret && pc.n))
			sp->pressed = ktime_get_ns() + TEE_PROTMEM_PRESSURE_NS;
		if (ret != -EBUSY)
			break;
		gen = sp->scrub_gen;
		tee_protmem_unlock(sp);
		t0 = ktime_get_ns();
		wait_event(sp->scrub_wq, READ_ONCE(sp->scrub_gen) != gen);
		tee_protmem_lock(sp, TEE_PROTMEM_LK_ALLOC);
		tee_protmem_time_add(&sp->t_busy, ktime_get_ns() - t0);
	}
	if (!ret)
		sp->used += size;
	tee_protmem_unlock(sp);
	if (ret)
		return ret;
	if (!pc.n)
		goto out;

	t0 = ktime_get_ns();
	ret = tee_protmem_pieces_scrub(&pc, sp->ops, sp->priv, &bytes);
	t0 = ktime_get_ns() - t0;
	tee_protmem_lock(sp, TEE_PROTMEM_LK_ALLOC);
	tee_protmem_time_add(&sp->t_scrub_sync, t0);
	sp->scrub_sync += bytes;
	if (ret) {
		/* Back as dirty: the scrubber or the next taker scrubs it */
		WARN_ON(pmx_free(&sp->pmx, a, size));
		sp->used -= size;
	}
	tee_protmem_unlock(sp);
	if (ret)
		return ret;
out:
	*paddr = a;
	return 0;
}

static int tee_protmem_static_take(struct tee_protmem_static_pool *sp,
				   size_t size, phys_addr_t *paddr)
{
	unsigned long addr;
	int ret = 0;

	if (sp->allocator == TEE_PROTMEM_ALLOC_PMX) {
		ret = tee_protmem_static_take_pmx(sp, size, paddr);
		/* Dirty memory may be in the way (or went back dirty) */
		if (ret)
			tee_protmem_kick(sp, 0);
		return ret;
	}

	/* genalloc memory is scrubbed when freed */
	tee_protmem_lock(sp, TEE_PROTMEM_LK_ALLOC);
	addr = gen_pool_alloc(sp->gen, size);
	if (addr) {
		*paddr = addr;
		sp->used += size;
	} else {
		ret = -ENOMEM;
	}
	tee_protmem_unlock(sp);
	return ret;
}

/*
 * Would the allocations from either end of the pool reach the claimed
 * range [@addr, @addr + @size) after using up less than
 * TEE_PROTMEM_REACH of free memory?
 */
static bool tee_protmem_within_reach(const struct pmx_pool *p, u64 addr,
				     u64 size)
{
	return pmx_free_below(p, addr) < TEE_PROTMEM_REACH ||
	       p->free + p->scrubbing - pmx_free_below(p, addr + size) <
	       TEE_PROTMEM_REACH;
}

/*
 * pmx: dirty throttling. With the pool lock held, give back a freed range
 * claimed and decide whether this free scrubs it: when the next
 * allocation of its size, or for a small buffer of the largest small
 * size, would land on it; when more free memory is dirty than clean
 * (the scrubber is behind); or, for a while after an allocation had to
 * pay for a scrub (@sp->pressed), when allocations will soon reach it.
 * Return: true if the caller scrubs it (it stays claimed), false if it
 * went back dirty for the scrubber.
 */
static bool tee_protmem_free_claims(struct tee_protmem_static_pool *sp,
				    phys_addr_t paddr, size_t size)
{
	struct pmx_pool *p = &sp->pmx;

	if (WARN_ON(pmx_free_claim(p, paddr, size)))
		return false;
	if (p->dirty + p->scrubbing > p->clean ||
	    pmx_next_fit_hits(p, paddr, size) ||
	    (size <= p->top_max && pmx_next_fit_hits(p, paddr, p->top_max)) ||
	    (ktime_get_ns() < sp->pressed &&
	     tee_protmem_within_reach(p, paddr, size)))
		return true;
	WARN_ON(pmx_put_dirty(p, paddr, size));
	return false;
}

/*
 * A range leaves its buffer: back to the allocator, to be scrubbed.
 * @release_ns: how long the secure world took to forget the buffer (a
 * free), or 0 (an allocation that could not hand the range out).
 */
static void tee_protmem_static_put(struct tee_protmem_static_pool *sp,
				   phys_addr_t paddr, size_t size,
				   u64 release_ns)
{
	bool scrub, kick;
	u64 t0, rest;
	int ret;

	if (sp->allocator == TEE_PROTMEM_ALLOC_GENALLOC) {
		ret = sp->ops->scrub(sp->priv, paddr, size);
		tee_protmem_lock(sp, TEE_PROTMEM_LK_FREE);
		if (release_ns)
			tee_protmem_time_add(&sp->t_release, release_ns);
		if (ret) {
			/* Leak it rather than hand out stale data */
			pr_err("tee: scrub of %#zx bytes failed: %d, range retired\n",
			       size, ret);
			sp->retired += size;
		} else {
			gen_pool_free(sp->gen, paddr, size);
			sp->scrub_sync += size;
		}
		sp->used -= size;
		tee_protmem_unlock(sp);
		return;
	}

	tee_protmem_lock(sp, TEE_PROTMEM_LK_FREE);
	if (release_ns)
		tee_protmem_time_add(&sp->t_release, release_ns);
	sp->used -= size;
	scrub = tee_protmem_free_claims(sp, paddr, size);
	/*
	 * Nothing left dirty for the scrubber, or it is at work and will
	 * find this range: do not wake it (a wake-up costs more than the
	 * rest of a free; docs/bench.md)
	 */
	kick = (!scrub || sp->pmx.dirty) && !sp->scrub_busy;
	rest = tee_protmem_scrub_rest(sp);
	tee_protmem_unlock(sp);
	if (scrub && tee_protmem_scrub_claimed(sp, TEE_PROTMEM_LK_FREE, paddr,
					       size, &sp->t_scrub_free,
					       &sp->scrub_free))
		kick = true;
	if (!kick)
		return;
	/* Timed: waking an idle scrubber is most of a free (docs/bench.md) */
	t0 = ktime_get_ns();
	tee_protmem_kick(sp, rest);
	atomic64_add(ktime_get_ns() - t0, &sp->kick_ns);
	atomic64_inc(&sp->kick_n);
}

static int tee_protmem_static_alloc(struct tee_protmem_pool *pool,
				    struct sg_table *sgt, size_t size,
				    size_t *offs)
{
	struct tee_protmem_static_pool *sp = to_static(pool);
	phys_addr_t paddr;
	int ret;

	ret = tee_protmem_static_take(sp, size, &paddr);
	if (ret)
		return ret;
	ret = tee_protmem_buffer_out(sp->ops, sp->priv, sp->use_case, paddr,
				     size, sgt);
	if (ret) {
		tee_protmem_static_put(sp, paddr, size, 0);
		return ret;
	}
	*offs = paddr - sp->base;
	return 0;
}

static void tee_protmem_static_free(struct tee_protmem_pool *pool,
				    struct sg_table *sgt)
{
	struct tee_protmem_static_pool *sp = to_static(pool);
	phys_addr_t paddr;
	size_t size;
	bool back;
	u64 t0;

	t0 = ktime_get_ns();
	back = tee_protmem_buffer_in(sp->ops, sp->priv, sgt, &paddr, &size);
	t0 = max_t(u64, ktime_get_ns() - t0, 1);
	if (back) {
		tee_protmem_static_put(sp, paddr, size, t0);
		return;
	}
	tee_protmem_lock(sp, TEE_PROTMEM_LK_FREE);
	tee_protmem_time_add(&sp->t_release, t0);
	sp->retired += size;
	sp->used -= size;
	tee_protmem_unlock(sp);
}

static int tee_protmem_static_attach(struct tee_protmem_pool *pool,
				     struct device *dev)
{
	struct tee_protmem_static_pool *sp = to_static(pool);

	return sp->ops->attach(sp->priv, sp->use_case, dev);
}

/* genalloc keeps no largest hole: scan the chunk's bitmap for it */
static void tee_protmem_gen_largest(struct gen_pool *gen,
				    struct gen_pool_chunk *chunk, void *data)
{
	unsigned long nbits = (chunk->end_addr - chunk->start_addr + 1) >>
			      gen->min_alloc_order;
	unsigned long start, end = 0;
	u64 *largest = data;

	for (;;) {
		start = find_next_zero_bit(chunk->bits, nbits, end);
		if (start >= nbits)
			break;
		end = find_next_bit(chunk->bits, nbits, start);
		*largest = max_t(u64, *largest,
				 (u64)(end - start) << gen->min_alloc_order);
	}
}

static void tee_protmem_static_stats(struct tee_protmem_pool *pool,
				     struct tee_protmem_pool_stats *st)
{
	struct tee_protmem_static_pool *sp = to_static(pool);

	tee_protmem_lock(sp, TEE_PROTMEM_LK_OTHER);
	st->size = sp->size;
	st->used = sp->used;
	if (sp->allocator == TEE_PROTMEM_ALLOC_GENALLOC) {
		st->free = gen_pool_avail(sp->gen);
		st->dirty = 0;
		st->largest = 0;
		gen_pool_for_each_chunk(sp->gen, tee_protmem_gen_largest,
					&st->largest);
	} else {
		st->free = sp->pmx.free;
		st->dirty = sp->pmx.dirty + sp->pmx.scrubbing;
		st->largest = pmx_largest_free(&sp->pmx);
	}
	st->scrub_bg = sp->scrub_bg;
	st->scrub_sync = sp->scrub_sync + sp->scrub_free;
	tee_protmem_unlock(sp);
}

static ssize_t tee_protmem_static_show_allowed(struct tee_protmem_pool *pool,
					       char *buf)
{
	struct tee_protmem_static_pool *sp = to_static(pool);

	if (!sp->ops->show_allowed)
		return 0;
	return sp->ops->show_allowed(sp->priv, sp->use_case, buf);
}

struct tee_protmem_map_walk {
	struct seq_file *m;
	u64 next;	/* first byte after the previous free extent */
};

static int tee_protmem_map_extent(void *ctx, u64 start, u64 len, bool dirty)
{
	struct tee_protmem_map_walk *w = ctx;

	if (start > w->next)
		seq_printf(w->m, "%#llx-%#llx allocated\n", w->next, start - 1);
	seq_printf(w->m, "%#llx-%#llx %s\n", start, start + len - 1,
		   dirty ? "dirty" : "clean");
	w->next = start + len;
	return 0;
}

/*
 * Lock and timing statistics, one line each, for the benchmark: "lock
 * <user> n <n> wait_ns <total> <max> hold_ns <total> <max>", "time
 * <step> n <n> ns <total> <max>" and "bytes scrub_free <bytes>" (what
 * throttled frees scrubbed). The line being printed holds the lock
 * (its own hold is not counted yet).
 */
static void tee_protmem_show_timing(struct tee_protmem_static_pool *sp,
				    struct seq_file *m)
{
	const struct tee_protmem_time_stat *t[] = {
		&sp->t_scrub_sync, &sp->t_scrub_bg, &sp->t_release, &sp->t_busy,
		&sp->t_scrub_free,
	};
	static const char * const tname[] = {
		"scrub_sync", "scrub_bg", "release", "busy_wait", "scrub_free",
	};
	const struct tee_protmem_lock_stat *st;
	int i;

	for (i = 0; i < TEE_PROTMEM_LK_NR; i++) {
		st = &sp->lk[i];
		seq_printf(m, "lock %s n %llu wait_ns %llu %llu hold_ns %llu %llu\n",
			   tee_protmem_lock_users[i], st->n, st->wait_ns,
			   st->wait_max, st->hold_ns, st->hold_max);
	}
	for (i = 0; i < ARRAY_SIZE(t); i++)
		seq_printf(m, "time %s n %llu ns %llu %llu\n", tname[i],
			   t[i]->n, t[i]->ns, t[i]->max);
	seq_printf(m, "bytes scrub_free %llu\n", sp->scrub_free);
	seq_printf(m, "time kick n %lld ns %lld 0\n",
		   atomic64_read(&sp->kick_n), atomic64_read(&sp->kick_ns));
}

static void tee_protmem_static_show_map(struct tee_protmem_pool *pool,
					struct seq_file *m)
{
	struct tee_protmem_static_pool *sp = to_static(pool);
	struct tee_protmem_map_walk w = { .m = m, .next = sp->base };
	u64 end = sp->base + sp->size;

	tee_protmem_lock(sp, TEE_PROTMEM_LK_OTHER);
	if (sp->allocator == TEE_PROTMEM_ALLOC_GENALLOC) {
		seq_puts(m, "genalloc pools keep no occupancy map\n");
	} else {
		pmx_walk_extents(&sp->pmx, tee_protmem_map_extent, &w);
		/* Ranges being scrubbed are neither free nor in a buffer */
		if (end > w.next)
			seq_printf(m, "%#llx-%#llx allocated\n", w.next,
				   end - 1);
	}
	tee_protmem_show_timing(sp, m);
	tee_protmem_unlock(sp);
}

static void tee_protmem_static_destroy(struct tee_protmem_pool *pool)
{
	struct tee_protmem_static_pool *sp = to_static(pool);

	/*
	 * Scrub what is still dirty while the secure world is there to do
	 * it: the pool goes, the memory may go to someone else. (The secure
	 * world scrubs everything again when it stops.)
	 */
	cancel_delayed_work_sync(&sp->scrub_work);
	if (sp->allocator == TEE_PROTMEM_ALLOC_PMX)
		tee_protmem_scrub_dirty(sp, false);
	cancel_delayed_work_sync(&sp->scrub_work);
	if (sp->allocator == TEE_PROTMEM_ALLOC_GENALLOC) {
		/* gen_pool_destroy() BUGs on ranges still allocated */
		if (sp->retired)
			pr_err("tee: %llu unscrubbed bytes retired, genalloc pool leaked\n",
			       sp->retired);
		else
			gen_pool_destroy(sp->gen);
	} else {
		pmx_destroy(&sp->pmx);
	}
	mutex_destroy(&sp->lock);
	kfree(sp);
}

static const struct tee_protmem_pool_ops tee_protmem_static_ops = {
	.alloc = tee_protmem_static_alloc,
	.free = tee_protmem_static_free,
	.update_shm = tee_protmem_pool_update_shm,
	.attach = tee_protmem_static_attach,
	.stats = tee_protmem_static_stats,
	.show_allowed = tee_protmem_static_show_allowed,
	.show_map = tee_protmem_static_show_map,
	.destroy_pool = tee_protmem_static_destroy,
};

/* A static pool with no secure side to call: mainline's */
static int tee_protmem_nop_scrub(void *priv, phys_addr_t paddr, size_t size)
{
	return 0;
}

static int tee_protmem_nop_attach(void *priv, u32 use_case,
				  struct device *dev)
{
	return 0;
}

static const struct tee_protmem_backend_ops tee_protmem_nop_backend = {
	.scrub = tee_protmem_nop_scrub,
	.attach = tee_protmem_nop_attach,
};

static struct tee_protmem_pool *
tee_protmem_carveout_create(phys_addr_t base, size_t size, u32 use_case,
			    enum tee_protmem_allocator allocator,
			    const struct tee_protmem_backend_ops *ops,
			    void *priv, struct module *owner)
{
	struct tee_protmem_static_pool *sp;
	int ret;

	if (!ops || !ops->scrub || !ops->attach || !size ||
	    !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    base + size < base)
		return ERR_PTR(-EINVAL);

	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return ERR_PTR(-ENOMEM);
	sp->ops = ops;
	sp->priv = priv;
	sp->use_case = use_case;
	sp->allocator = allocator;
	sp->base = base;
	sp->size = size;
	mutex_init(&sp->lock);
	init_waitqueue_head(&sp->scrub_wq);
	INIT_DELAYED_WORK(&sp->scrub_work, tee_protmem_scrub_worker);

	switch (allocator) {
	case TEE_PROTMEM_ALLOC_PMX:
		ret = pmx_init(&sp->pmx, base, size, PAGE_SIZE, true);
		if (ret)
			goto err;
		pmx_set_top_max(&sp->pmx, TEE_PROTMEM_TOP_MAX);
		/* Small buffers come from the top, large ones from the bottom */
		pmx_set_scrub_order(&sp->pmx, PMX_SCRUB_ENDS);
		break;
	case TEE_PROTMEM_ALLOC_GENALLOC:
		ret = -ENOMEM;
		sp->gen = gen_pool_create(PAGE_SHIFT, -1);
		if (!sp->gen)
			goto err;
		ret = gen_pool_add(sp->gen, base, size, -1);
		if (!ret)
			ret = ops->scrub(priv, base, size);
		if (ret) {
			gen_pool_destroy(sp->gen);
			goto err;
		}
		break;
	default:
		ret = -EINVAL;
		goto err;
	}

	sp->pool.ops = &tee_protmem_static_ops;
	sp->pool.owner = owner;
	if (allocator == TEE_PROTMEM_ALLOC_PMX)
		queue_delayed_work(system_unbound_wq, &sp->scrub_work, 0);
	return &sp->pool;
err:
	mutex_destroy(&sp->lock);
	kfree(sp);
	return ERR_PTR(ret);
}

/**
 * tee_protmem_carveout_pool_alloc() - create a pool over a carveout
 * @base:	physical start, page aligned
 * @size:	bytes, a non-zero page multiple
 * @use_case:	enum tee_dma_heap_id the pool serves (given to @ops)
 * @allocator:	which allocator manages the range
 * @ops:	secure-side callbacks; @ops->scrub and @ops->attach required
 * @priv:	passed to @ops
 * @owner:	module implementing @ops (pinned while buffers exist)
 *
 * protmem's extension of tee_protmem_static_pool_alloc(): the secure world
 * scrubs freed memory and decides which devices may attach. The content of
 * the range is unknown, so it is scrubbed before first use: in the
 * background for pmx (an allocation that comes first scrubs what it
 * takes), here and now for genalloc. Hand the pool to
 * tee_device_register_dma_heap() for the same use case.
 *
 * Return: the pool, or ERR_PTR(-EINVAL / -ENOMEM).
 */
struct tee_protmem_pool *
tee_protmem_carveout_pool_alloc(phys_addr_t base, size_t size, u32 use_case,
				enum tee_protmem_allocator allocator,
				const struct tee_protmem_backend_ops *ops,
				void *priv, struct module *owner)
{
	if (use_case < 1 || use_case > TEE_DMA_HEAP_COUNT)
		return ERR_PTR(-EINVAL);
	return tee_protmem_carveout_create(base, size, use_case, allocator,
					   ops, priv, owner);
}
EXPORT_SYMBOL_GPL(tee_protmem_carveout_pool_alloc);

/**
 * tee_protmem_static_pool_alloc() - create a protected memory manager
 * @paddr:	physical start of the pool, page aligned, with struct pages
 * @size:	bytes in the pool, a page multiple
 *
 * Mainline's static pool (6.18): genalloc over a range the secure world
 * already protects; nothing is scrubbed and any device may attach, exactly
 * as mainline. The pool serves whichever use case it is registered for.
 *
 * Return: the pool, or ERR_PTR(-EINVAL) for an unaligned range or one
 * without struct pages, ERR_PTR(-ENOMEM).
 */
struct tee_protmem_pool *tee_protmem_static_pool_alloc(phys_addr_t paddr,
						       size_t size)
{
	if (!pfn_valid(PHYS_PFN(paddr)))
		return ERR_PTR(-EINVAL);
	return tee_protmem_carveout_create(paddr, size, 0,
					   TEE_PROTMEM_ALLOC_GENALLOC,
					   &tee_protmem_nop_backend, NULL, NULL);
}
EXPORT_SYMBOL_GPL(tee_protmem_static_pool_alloc);
