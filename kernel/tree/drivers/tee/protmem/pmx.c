// SPDX-License-Identifier: GPL-2.0
/*
 * pmx.c - protected-carveout extent allocator.
 *
 * Manages a physical range [base, base + size) in units of a power-of-two
 * granule. Nothing here touches the memory: pmx only does the bookkeeping,
 * and asks the caller to scrub when it hands out memory that is not known
 * to be zero. No framework, no locking, no DMA: the same file builds in the
 * kernel, under KUnit and on the host (tests/host/pmx.c).
 *
 * Concurrency: none inside. The caller serializes all calls on a pool (the
 * protmem pool holds a mutex) and may sleep: nodes come from
 * kmalloc(GFP_KERNEL).
 *
 * Free space is a set of extents, each CLEAN (scrubbed: reads as zero) or
 * DIRTY (freed, not yet scrubbed). Every extent sits in the address tree and
 * in the size tree of its state; the size trees are ordered largest first,
 * so the largest extent is their cached leftmost node. Adjacent extents of
 * the same state are always merged; a clean and a dirty extent never are.
 *
 * Clean/dirty policy: freed memory is DIRTY. pmx_alloc() prefers the best
 * fitting CLEAN extent, then the best fitting DIRTY one (scrubbed in the
 * caller's context), then a run of adjacent extents of both states (only
 * the dirty pieces are scrubbed). A background scrubber moves DIRTY memory
 * to CLEAN with pmx_take_dirty() and pmx_put_clean(), so allocations
 * normally do not pay for scrubbing.
 *
 * Cost (n = free extents):
 *   pmx_alloc()            O(log n); with an alignment above the granule at
 *                          most PMX_ALIGN_SCAN candidates are tried before
 *                          the smallest extent certain to fit is taken; the
 *                          mixed-state fallback walks the extents, O(n);
 *                          refused in O(1) when size exceeds the free bytes
 *   pmx_free()             O(log n)
 *   pmx_take_dirty()       O(log n)
 *   pmx_put_clean()        O(log n)
 *   pmx_largest_free()     O(1)
 *   pmx_walk_extents()  O(n); pmx_check() O(n)
 * Nothing is O(size): the only per-byte work is the caller's scrub.
 *
 * Memory: one node per extent, plus one spare node per range handed out
 * (allocated or scrubbing), reserved when the range is handed out so that
 * giving it back cannot fail, plus at most PMX_SPARE_SLACK more. Nodes are
 * allocated before any tree is changed: a failed allocation leaves the pool
 * as it was.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "pmx.h"

/*
 * Candidates tried for an alignment above the granule before giving up on
 * the best fit and taking the smallest extent certain to fit.
 */
#define PMX_ALIGN_SCAN	16

/* Spare nodes kept beyond one per range handed out. */
#define PMX_SPARE_SLACK	2

enum pmx_state {
	PMX_CLEAN,
	PMX_DIRTY,
};

/**
 * struct pmx_extent - one free extent
 * @by_addr: node in pmx_pool.by_addr
 * @by_size: node in the size tree of @state
 * @next:    link on pmx_pool.spare while the node is in no tree
 * @start:   first byte
 * @len:     bytes, a non-zero multiple of the granule
 * @state:   PMX_CLEAN or PMX_DIRTY
 */
struct pmx_extent {
	struct rb_node by_addr;
	union {
		struct rb_node by_size;
		struct pmx_extent *next;
	};
	u64 start;
	u64 len;
	enum pmx_state state;
};

static inline u64 pmx_end(const struct pmx_extent *e)
{
	return e->start + e->len;
}

static inline bool pmx_is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

static inline struct pmx_extent *pmx_addr_entry(const struct rb_node *n)
{
	return n ? rb_entry(n, struct pmx_extent, by_addr) : NULL;
}

static inline struct pmx_extent *pmx_size_entry(const struct rb_node *n)
{
	return n ? rb_entry(n, struct pmx_extent, by_size) : NULL;
}

static bool pmx_addr_less(struct rb_node *a, const struct rb_node *b)
{
	return pmx_addr_entry(a)->start < pmx_addr_entry(b)->start;
}

/*
 * Largest first; equal lengths highest address first, so that walking
 * backwards from any node visits (len, start) in ascending order.
 */
static bool pmx_bigger(const struct pmx_extent *a, const struct pmx_extent *b)
{
	if (a->len != b->len)
		return a->len > b->len;
	return a->start > b->start;
}

static bool pmx_size_less(struct rb_node *a, const struct rb_node *b)
{
	return pmx_bigger(pmx_size_entry(a), pmx_size_entry(b));
}

static struct rb_root_cached *pmx_size_root(struct pmx_pool *p,
					    enum pmx_state state)
{
	return state == PMX_DIRTY ? &p->dirty_by_size : &p->clean_by_size;
}

/* ---- spare nodes ---- */

static void pmx_spare_push(struct pmx_pool *p, struct pmx_extent *e)
{
	e->next = p->spare;
	p->spare = e;
	p->nr_spare++;
}

static struct pmx_extent *pmx_spare_pop(struct pmx_pool *p)
{
	struct pmx_extent *e = p->spare;

	if (e) {
		p->spare = e->next;
		p->nr_spare--;
	}
	return e;
}

/* Make sure @want spare nodes exist; the pool's state is not changed. */
static int pmx_reserve(struct pmx_pool *p, unsigned long want)
{
	struct pmx_extent *e;

	while (p->nr_spare < want) {
		e = kmalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		pmx_spare_push(p, e);
	}
	return 0;
}

static void pmx_trim(struct pmx_pool *p)
{
	while (p->nr_spare > p->nr_out + PMX_SPARE_SLACK)
		kfree(pmx_spare_pop(p));
}

static struct pmx_extent *pmx_node_get(struct pmx_pool *p)
{
	struct pmx_extent *e = pmx_spare_pop(p);

	return e ? e : kmalloc(sizeof(*e), GFP_KERNEL);
}

/* ---- tree maintenance; callers keep the byte counters ---- */

static void pmx_link(struct pmx_pool *p, struct pmx_extent *e)
{
	rb_add(&e->by_addr, &p->by_addr, pmx_addr_less);
	rb_add_cached(&e->by_size, pmx_size_root(p, e->state), pmx_size_less);
	p->nr_extents++;
}

static void pmx_unlink(struct pmx_pool *p, struct pmx_extent *e)
{
	rb_erase(&e->by_addr, &p->by_addr);
	rb_erase_cached(&e->by_size, pmx_size_root(p, e->state));
	p->nr_extents--;
	pmx_spare_push(p, e);
}

/* Change @e's bounds; its place in address order must not change. */
static void pmx_resize(struct pmx_pool *p, struct pmx_extent *e, u64 start,
		       u64 len)
{
	struct rb_root_cached *root = pmx_size_root(p, e->state);

	rb_erase_cached(&e->by_size, root);
	e->start = start;
	e->len = len;
	rb_add_cached(&e->by_size, root, pmx_size_less);
}

static void pmx_count(struct pmx_pool *p, enum pmx_state state, u64 len,
		      bool add)
{
	u64 *c = state == PMX_DIRTY ? &p->dirty : &p->clean;

	if (add) {
		*c += len;
		p->free += len;
	} else {
		*c -= len;
		p->free -= len;
	}
}

/*
 * Remove [@addr, @addr + @len) from free extent @e. Needs a spare node only
 * when both a head and a tail remain; the caller reserved it.
 */
static void pmx_carve(struct pmx_pool *p, struct pmx_extent *e, u64 addr,
		      u64 len)
{
	u64 head = addr - e->start;
	u64 tail = pmx_end(e) - (addr + len);
	struct pmx_extent *t;

	pmx_count(p, e->state, len, false);
	if (!head && !tail) {
		pmx_unlink(p, e);
	} else if (!head) {
		pmx_resize(p, e, addr + len, tail);
	} else if (!tail) {
		pmx_resize(p, e, e->start, head);
	} else {
		t = pmx_spare_pop(p);
		t->start = addr + len;
		t->len = tail;
		t->state = e->state;
		pmx_resize(p, e, e->start, head);
		pmx_link(p, t);
	}
}

/* ---- searches ---- */

/* The smallest extent of at least @len bytes, lowest address on ties. */
static struct rb_node *pmx_first_len_ge(const struct rb_root_cached *root,
					u64 len)
{
	struct rb_node *n = root->rb_root.rb_node;
	struct rb_node *best = NULL;

	while (n) {
		if (pmx_size_entry(n)->len >= len) {
			best = n;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

/* Does an @align-aligned range of @size fit in [@start, @start + @len)? */
static bool pmx_fit(u64 start, u64 len, u64 size, u64 align, u64 *addr)
{
	u64 end = start + len;
	u64 a;

	if (check_add_overflow(start, align - 1, &a))
		return false;
	a &= ~(align - 1);
	if (a > end || end - a < size)
		return false;
	*addr = a;
	return true;
}

/* Best fit for @size at @align in one size tree; NULL if none found. */
static struct pmx_extent *pmx_best_fit(const struct pmx_pool *p,
				       const struct rb_root_cached *root,
				       u64 size, u64 align, u64 *addr)
{
	struct rb_node *n = pmx_first_len_ge(root, size);
	struct pmx_extent *e;
	u64 sure;
	int i;

	for (i = 0; n && i < PMX_ALIGN_SCAN; i++, n = rb_prev(n)) {
		e = pmx_size_entry(n);
		if (pmx_fit(e->start, e->len, size, align, addr))
			return e;
	}
	if (!n)
		return NULL;
	/* Starts are granule aligned: this much always holds the range. */
	if (check_add_overflow(size, align - p->granule, &sure))
		return NULL;
	e = pmx_size_entry(pmx_first_len_ge(root, sure));
	if (e && pmx_fit(e->start, e->len, size, align, addr))
		return e;
	return NULL;
}

/* The last extent starting below @end, or NULL. */
static struct pmx_extent *pmx_below(const struct pmx_pool *p, u64 end)
{
	struct rb_node *n = p->by_addr.rb_node;
	struct pmx_extent *e, *best = NULL;

	while (n) {
		e = pmx_addr_entry(n);
		if (e->start < end) {
			best = e;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

/* Is [@addr, @addr + @len) granule aligned, non-empty and in the pool? */
static bool pmx_range_ok(const struct pmx_pool *p, u64 addr, u64 len)
{
	u64 mask = p->granule - 1;

	if (!len || (addr & mask) || (len & mask))
		return false;
	if (addr < p->base || addr - p->base > p->size)
		return false;
	return len <= p->size - (addr - p->base);
}

/*
 * Return [@addr, @addr + @len) to free space with @state, merging with
 * neighbours of the same state. Refuses a range that overlaps free space.
 */
static int pmx_insert(struct pmx_pool *p, u64 addr, u64 len,
		      enum pmx_state state)
{
	struct pmx_extent *prev = pmx_below(p, addr + len);
	struct pmx_extent *next, *left = NULL, *right = NULL, *e;

	if (prev && pmx_end(prev) > addr)
		return -EINVAL;
	next = pmx_addr_entry(prev ? rb_next(&prev->by_addr) :
				     rb_first(&p->by_addr));
	if (prev && pmx_end(prev) == addr && prev->state == state)
		left = prev;
	if (next && next->start == addr + len && next->state == state)
		right = next;

	if (left && right) {
		pmx_unlink(p, right);
		pmx_resize(p, left, left->start,
			   left->len + len + right->len);
	} else if (left) {
		pmx_resize(p, left, left->start, left->len + len);
	} else if (right) {
		pmx_resize(p, right, addr, right->len + len);
	} else {
		e = pmx_node_get(p);
		if (!e)
			return -ENOMEM;
		e->start = addr;
		e->len = len;
		e->state = state;
		pmx_link(p, e);
	}
	pmx_count(p, state, len, true);
	return 0;
}

/* ---- public interface ---- */

int pmx_init(struct pmx_pool *p, u64 base, u64 size, u64 granule, bool dirty)
{
	struct pmx_extent *e;
	u64 end;

	if (!pmx_is_pow2(granule) || !size)
		return -EINVAL;
	if ((base & (granule - 1)) || (size & (granule - 1)))
		return -EINVAL;
	if (check_add_overflow(base, size, &end))
		return -EINVAL;

	*p = (struct pmx_pool){
		.base = base,
		.size = size,
		.granule = granule,
		.by_addr = RB_ROOT,
		.clean_by_size = RB_ROOT_CACHED,
		.dirty_by_size = RB_ROOT_CACHED,
	};
	e = kmalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->start = base;
	e->len = size;
	e->state = dirty ? PMX_DIRTY : PMX_CLEAN;
	pmx_link(p, e);
	pmx_count(p, e->state, size, true);
	return 0;
}

void pmx_destroy(struct pmx_pool *p)
{
	struct pmx_extent *e, *tmp;

	rbtree_postorder_for_each_entry_safe(e, tmp, &p->by_addr, by_addr)
		kfree(e);
	while (p->spare)
		kfree(pmx_spare_pop(p));
	*p = (struct pmx_pool){ };
}

/*
 * Fallback: the lowest-address run of adjacent extents (of any state) that
 * holds the range. Scrubs the dirty pieces taken, then takes them.
 */
static int pmx_alloc_run(struct pmx_pool *p, u64 size, u64 align, u64 *addr,
			 void (*scrub)(void *ctx, u64 addr, u64 len),
			 void *ctx)
{
	struct rb_node *n, *next, *first = NULL, *last = NULL;
	struct pmx_extent *e;
	u64 run_start = 0, run_end = 0, a = 0, lo, hi;

	for (n = rb_first(&p->by_addr); n; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		if (!first || e->start != run_end) {
			first = n;
			run_start = e->start;
		}
		run_end = pmx_end(e);
		if (pmx_fit(run_start, run_end - run_start, size, align, &a)) {
			last = n;
			break;
		}
	}
	if (!last)
		return -ENOMEM;

	for (n = first; ; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		lo = max(e->start, a);
		hi = min(pmx_end(e), a + size);
		if (lo < hi && e->state == PMX_DIRTY && scrub)
			scrub(ctx, lo, hi - lo);
		if (n == last)
			break;
	}
	for (n = first; ; n = next) {
		next = rb_next(n);
		e = pmx_addr_entry(n);
		lo = max(e->start, a);
		hi = min(pmx_end(e), a + size);
		if (lo < hi)
			pmx_carve(p, e, lo, hi - lo);
		if (n == last)
			break;
	}
	*addr = a;
	return 0;
}

int pmx_alloc(struct pmx_pool *p, u64 size, u64 align, u64 *addr,
	      void (*scrub)(void *ctx, u64 addr, u64 len), void *ctx)
{
	u64 mask = p->granule - 1;
	struct pmx_extent *e;
	u64 a, end;
	int ret;

	if (!size)
		return -EINVAL;
	if (!align)
		align = p->granule;
	if (!pmx_is_pow2(align))
		return -EINVAL;
	align = max(align, p->granule);
	if (check_add_overflow(size, mask, &size))
		return -EINVAL;
	size &= ~mask;
	if (size > p->free)
		return -ENOMEM;

	/* One node for a split, one for the pmx_free() of this range. */
	ret = pmx_reserve(p, p->nr_out + 2);
	if (ret)
		goto out;

	e = pmx_best_fit(p, &p->clean_by_size, size, align, &a);
	if (!e)
		e = pmx_best_fit(p, &p->dirty_by_size, size, align, &a);
	if (e) {
		/* Rather than leave a head and a tail, end flush. */
		end = pmx_end(e);
		if (a != e->start && end != a + size &&
		    !((end - size) & (align - 1)))
			a = end - size;
		if (e->state == PMX_DIRTY && scrub)
			scrub(ctx, a, size);
		pmx_carve(p, e, a, size);
	} else {
		ret = pmx_alloc_run(p, size, align, &a, scrub, ctx);
		if (ret)
			goto out;
	}
	p->allocated += size;
	p->nr_out++;
	*addr = a;
out:
	pmx_trim(p);
	return ret;
}

int pmx_free(struct pmx_pool *p, u64 addr, u64 size)
{
	u64 mask = p->granule - 1;
	int ret;

	if (check_add_overflow(size, mask, &size))
		return -EINVAL;
	size &= ~mask;
	if (!pmx_range_ok(p, addr, size) || size > p->allocated)
		return -EINVAL;
	ret = pmx_insert(p, addr, size, PMX_DIRTY);
	if (ret)
		return ret;
	p->allocated -= size;
	if (p->nr_out)
		p->nr_out--;
	pmx_trim(p);
	return 0;
}

int pmx_take_dirty(struct pmx_pool *p, u64 max_len, u64 *addr, u64 *len)
{
	struct rb_node *n = rb_first_cached(&p->dirty_by_size);
	struct pmx_extent *e;
	u64 take;
	int ret;

	max_len &= ~(p->granule - 1);
	if (!max_len)
		return -EINVAL;
	if (!n)
		return -ENOENT;
	/* The node pmx_put_clean() may need. */
	ret = pmx_reserve(p, p->nr_out + 1);
	if (ret) {
		pmx_trim(p);
		return ret;
	}
	e = pmx_size_entry(n);
	take = min(e->len, max_len);
	*addr = e->start;
	*len = take;
	pmx_carve(p, e, e->start, take);
	p->scrubbing += take;
	p->nr_out++;
	return 0;
}

int pmx_put_clean(struct pmx_pool *p, u64 addr, u64 len)
{
	int ret;

	if (!pmx_range_ok(p, addr, len) || len > p->scrubbing)
		return -EINVAL;
	ret = pmx_insert(p, addr, len, PMX_CLEAN);
	if (ret)
		return ret;
	p->scrubbing -= len;
	if (p->nr_out)
		p->nr_out--;
	pmx_trim(p);
	return 0;
}

u64 pmx_largest_free(const struct pmx_pool *p)
{
	const struct pmx_extent *c, *d;

	c = pmx_size_entry(rb_first_cached(&p->clean_by_size));
	d = pmx_size_entry(rb_first_cached(&p->dirty_by_size));
	return max(c ? c->len : 0, d ? d->len : 0);
}

int pmx_walk_extents(const struct pmx_pool *p,
		     int (*fn)(void *ctx, u64 start, u64 len, bool dirty),
		     void *ctx)
{
	const struct rb_node *n;
	const struct pmx_extent *e;
	int ret;

	for (n = rb_first(&p->by_addr); n; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		ret = fn(ctx, e->start, e->len, e->state == PMX_DIRTY);
		if (ret)
			return ret;
	}
	return 0;
}

/* Walk one size tree: order, state, and the bytes and nodes it holds. */
static bool pmx_check_size_tree(const struct rb_root_cached *root,
				enum pmx_state state, u64 *bytes,
				unsigned long *nodes)
{
	const struct pmx_extent *e, *prev = NULL;
	const struct rb_node *n;

	if (rb_first_cached(root) != rb_first(&root->rb_root))
		return false;
	for (n = rb_first(&root->rb_root); n; prev = e, n = rb_next(n)) {
		e = pmx_size_entry(n);
		if (e->state != state)
			return false;
		if (prev && !pmx_bigger(prev, e))
			return false;
		*bytes += e->len;
		(*nodes)++;
	}
	return true;
}

int pmx_check(const struct pmx_pool *p)
{
	u64 bytes[2] = { 0, 0 }, sized[2] = { 0, 0 };
	unsigned long nodes = 0, sized_nodes = 0;
	const struct pmx_extent *e, *prev = NULL;
	u64 mask = p->granule - 1;
	const struct rb_node *n;

	for (n = rb_first(&p->by_addr); n; prev = e, n = rb_next(n)) {
		e = pmx_addr_entry(n);
		if (!pmx_range_ok(p, e->start, e->len))
			return -EUCLEAN;
		if (e->state != PMX_CLEAN && e->state != PMX_DIRTY)
			return -EUCLEAN;
		if (prev && pmx_end(prev) > e->start)
			return -EUCLEAN;
		if (prev && pmx_end(prev) == e->start &&
		    prev->state == e->state)
			return -EUCLEAN;
		bytes[e->state] += e->len;
		nodes++;
	}
	if (!pmx_check_size_tree(&p->clean_by_size, PMX_CLEAN,
				 &sized[PMX_CLEAN], &sized_nodes) ||
	    !pmx_check_size_tree(&p->dirty_by_size, PMX_DIRTY,
				 &sized[PMX_DIRTY], &sized_nodes))
		return -EUCLEAN;
	if (nodes != p->nr_extents || sized_nodes != nodes)
		return -EUCLEAN;
	if (bytes[PMX_CLEAN] != p->clean || sized[PMX_CLEAN] != p->clean ||
	    bytes[PMX_DIRTY] != p->dirty || sized[PMX_DIRTY] != p->dirty)
		return -EUCLEAN;
	if (p->free != p->clean + p->dirty ||
	    p->free + p->allocated + p->scrubbing != p->size)
		return -EUCLEAN;
	if ((p->allocated & mask) || (p->scrubbing & mask))
		return -EUCLEAN;
	return 0;
}
