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
 * kmalloc(GFP_KERNEL). What lets the caller scrub without its lock is the
 * CLAIMED state: pmx_take_dirty() marks a dirty range claimed, in place,
 * and the caller scrubs it unlocked; allocations that would cover it get
 * -EBUSY, frees next to it stay apart, and pmx_put_clean() turns it clean
 * in place (no memory needed, so it cannot fail).
 *
 * Free space is a set of extents, each CLEAN (scrubbed: reads as zero) or
 * DIRTY (freed, not yet scrubbed), in one address tree. Adjacent extents of
 * the same state are always merged; a clean and a dirty extent never are,
 * but adjacent extents of either state form a RUN, and a run is what an
 * allocation can use. The address tree is augmented: each node records the
 * runs of its subtree (first and last address, the run at each end, the
 * longest run) and whether the subtree holds dirty memory, so the longest
 * run, the lowest run of a given length and the lowest dirty extent are
 * found in O(log n).
 *
 * Placement: two-ended fit over runs. pmx_alloc() takes the start of the
 * lowest run that holds the range (first fit), or, for a request of at
 * most top_max bytes (pmx_set_top_max(); the static pool places buffers of
 * up to 2 MiB so), the end of the highest run that holds it (last fit),
 * whatever the state of the run's extents; the dirty pieces taken are
 * scrubbed in the caller's context, the clean ones are not. Placement thus
 * does not depend on how far the scrubber got. With top_max = 0, given the
 * same free ranges, pmx places exactly as a first-fit bitmap (lib/genalloc's
 * gen_pool_first_fit) does, which packs buffers at the low end. Two-ended
 * placement keeps the small, short-lived buffers (bitstreams) at the top,
 * apart from the frames packed at the bottom, so that freeing the frames
 * leaves one long run: bench/sim/pmx_sim.c and docs/bench.md measure it
 * (120 of 121 4K frames at the resolution switches against first fit's 113;
 * best fit over clean extents first fragmented the pool whenever the
 * scrubber lagged). A background scrubber moves DIRTY
 * memory to CLEAN with pmx_take_dirty() and pmx_put_clean(), from where the
 * next allocations go (the lowest, the highest, or the two ends in turn:
 * pmx_set_scrub_order()), so allocations normally do not pay for
 * scrubbing. A free that scrubs its own range (the static pool's dirty
 * throttling) gives it back claimed with pmx_free_claim();
 * pmx_next_fit_hits() tells it whether the next allocation of a size
 * would land there. A claimed range stays part of its run: an allocation whose
 * first fit covers it gets -EBUSY and waits rather than being placed
 * elsewhere (placing around it fragmented the pool, docs/bench.md).
 *
 * Cost (n = free extents, k = extents the range handed out covers; k = 1
 * unless the range spans a clean/dirty boundary):
 *   pmx_alloc()            O(k log n), from either end; refused in O(1) when
 *                          no run is long enough. With an alignment above
 *                          the granule (always from the bottom): the
 *                          lowest run if the range fits at its first aligned
 *                          address, else the lowest run certain to hold it
 *                          (length >= size + align - granule), else a walk
 *                          of the extents, O(n)
 *   pmx_free()             O(log n); pmx_free_claim() too
 *   pmx_next_fit_hits()    O(log n)
 *   pmx_free_below()       O(log n)
 *   pmx_take_dirty()       O(log n)
 *   pmx_put_clean()        O(log n)
 *   pmx_largest_free()     O(1), the longest run
 *   pmx_walk_extents()  O(n); pmx_check() O(n)
 * Nothing is O(size): the only per-byte work is the caller's scrub.
 *
 * Memory: one node per extent or claimed range, plus one spare node per
 * range allocated, reserved when the range is handed out so that
 * pmx_free() cannot fail, plus at most PMX_SPARE_SLACK more. Nodes are
 * allocated before any tree is changed: a failed allocation leaves the pool
 * as it was.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "pmx.h"

/* Spare nodes kept beyond one per range handed out. */
#define PMX_SPARE_SLACK	2

enum pmx_state {
	PMX_CLEAN,
	PMX_DIRTY,
	PMX_CLAIMED,
	PMX_NR_STATES,
};

/**
 * struct pmx_runs - what the address tree knows of a subtree
 * @first: start of its lowest extent
 * @last:  end of its highest extent
 * @pre:   bytes in the run (adjacent extents, either state) from @first
 * @suf:   bytes in the run that ends at @last
 * @max:   bytes in its longest run
 * @bytes: bytes in its extents (free of either state, or claimed)
 * @dirty: true if it holds a DIRTY extent
 *
 * Runs are counted within the subtree only; the root's @max is the longest
 * run in the pool.
 */
struct pmx_runs {
	u64 first;
	u64 last;
	u64 pre;
	u64 suf;
	u64 max;
	u64 bytes;
	bool dirty;
};

/**
 * struct pmx_extent - one free extent or one claimed range
 * @by_addr: node in pmx_pool.by_addr (augmented with @sub)
 * @next:    link on pmx_pool.spare while the node is in no tree
 * @start:   first byte
 * @len:     bytes, a non-zero multiple of the granule
 * @state:   PMX_CLEAN, PMX_DIRTY, or PMX_CLAIMED (taken by
 *           pmx_take_dirty(), being scrubbed: not free, never merged)
 * @sub:     runs of the subtree rooted here, in pmx_pool.by_addr
 */
struct pmx_extent {
	struct rb_node by_addr;
	struct pmx_extent *next;
	u64 start;
	u64 len;
	enum pmx_state state;
	struct pmx_runs sub;
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

/* The runs of the subtree at @e, from its children's. O(1). */
static void pmx_runs_of(const struct pmx_extent *e, struct pmx_runs *out)
{
	const struct pmx_extent *l = pmx_addr_entry(e->by_addr.rb_left);
	const struct pmx_extent *r = pmx_addr_entry(e->by_addr.rb_right);
	u64 lo = e->start, hi = pmx_end(e);
	struct pmx_runs s;

	/* The run through @e, within this subtree */
	if (l && l->sub.last == lo)
		lo -= l->sub.suf;
	if (r && r->sub.first == hi)
		hi += r->sub.pre;
	s.first = l ? l->sub.first : e->start;
	s.last = r ? r->sub.last : pmx_end(e);
	s.pre = lo == s.first ? hi - lo : l->sub.pre;
	s.suf = hi == s.last ? hi - lo : r->sub.suf;
	s.max = hi - lo;
	if (l && l->sub.max > s.max)
		s.max = l->sub.max;
	if (r && r->sub.max > s.max)
		s.max = r->sub.max;
	s.bytes = e->len + (l ? l->sub.bytes : 0) + (r ? r->sub.bytes : 0);
	s.dirty = e->state == PMX_DIRTY || (l && l->sub.dirty) ||
		  (r && r->sub.dirty);
	*out = s;
}

static bool pmx_runs_same(const struct pmx_runs *a, const struct pmx_runs *b)
{
	return a->first == b->first && a->last == b->last &&
	       a->pre == b->pre && a->suf == b->suf && a->max == b->max &&
	       a->bytes == b->bytes && a->dirty == b->dirty;
}

/*
 * Recompute @e->sub from its children; true if @exit and nothing changed
 * (the callbacks' early stop).
 */
static bool pmx_runs_compute(struct pmx_extent *e, bool exit)
{
	struct pmx_runs s;

	pmx_runs_of(e, &s);
	if (exit && pmx_runs_same(&s, &e->sub))
		return true;
	e->sub = s;
	return false;
}

RB_DECLARE_CALLBACKS(static, pmx_runs_cb, struct pmx_extent, by_addr, sub,
		     pmx_runs_compute);

static void pmx_addr_add(struct pmx_pool *p, struct pmx_extent *e)
{
	struct rb_node **link = &p->by_addr.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (e->start < pmx_addr_entry(parent)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&e->by_addr, parent, link);
	pmx_runs_compute(e, false);
	pmx_runs_cb_propagate(parent, NULL);
	rb_insert_augmented(&e->by_addr, &p->by_addr, &pmx_runs_cb);
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
	pmx_addr_add(p, e);
	p->nr_extents++;
}

static void pmx_unlink(struct pmx_pool *p, struct pmx_extent *e)
{
	rb_erase_augmented(&e->by_addr, &p->by_addr, &pmx_runs_cb);
	p->nr_extents--;
	pmx_spare_push(p, e);
}

/* Change @e's bounds; its place in address order must not change. */
static void pmx_resize(struct pmx_extent *e, u64 start, u64 len)
{
	e->start = start;
	e->len = len;
	pmx_runs_cb_propagate(&e->by_addr, NULL);
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
		pmx_resize(e, addr + len, tail);
	} else if (!tail) {
		pmx_resize(e, e->start, head);
	} else {
		t = pmx_spare_pop(p);
		t->start = addr + len;
		t->len = tail;
		t->state = e->state;
		pmx_resize(e, e->start, head);
		pmx_link(p, t);
	}
}

/* ---- searches ---- */

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

/* A node of its own for [@addr, @addr + @len) with @state: 0 or -ENOMEM */
static int pmx_add_extent(struct pmx_pool *p, u64 addr, u64 len,
			  enum pmx_state state)
{
	struct pmx_extent *e = pmx_node_get(p);

	if (!e)
		return -ENOMEM;
	e->start = addr;
	e->len = len;
	e->state = state;
	pmx_link(p, e);
	return 0;
}

/*
 * Return [@addr, @addr + @len) to free space with @state, merging with
 * neighbours of the same state. Refuses a range that overlaps free space.
 */
static int pmx_insert(struct pmx_pool *p, u64 addr, u64 len,
		      enum pmx_state state)
{
	struct pmx_extent *prev = pmx_below(p, addr + len);
	struct pmx_extent *next, *left = NULL, *right = NULL;

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
		pmx_resize(left, left->start,
			   left->len + len + right->len);
	} else if (left) {
		pmx_resize(left, left->start, left->len + len);
	} else if (right) {
		pmx_resize(right, addr, right->len + len);
	} else if (pmx_add_extent(p, addr, len, state)) {
		return -ENOMEM;
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

void pmx_set_top_max(struct pmx_pool *p, u64 top_max)
{
	p->top_max = top_max;
}

void pmx_set_scrub_order(struct pmx_pool *p, enum pmx_scrub_order order)
{
	p->scrub_order = order;
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
 * A subtree's edge on one side and the bytes of the run at that edge
 * (@high: its last address and the run ending there; else its first
 * address and the run starting there).
 */
static u64 pmx_edge(const struct pmx_extent *t, bool high)
{
	return high ? t->sub.last : t->sub.first;
}

static u64 pmx_edge_run(const struct pmx_extent *t, bool high)
{
	return high ? t->sub.suf : t->sub.pre;
}

/*
 * First fit over runs (@high false): the lowest run of adjacent free
 * extents (either state) of at least @need bytes; returns the extent in
 * which its first @need bytes end and sets *@edge to the run's start.
 * Last fit (@high true): the highest such run; returns the extent in which
 * its last @need bytes start and sets *@edge to the run's end. NULL if no
 * run is that long. O(log n): one descent, guided by the runs of each
 * subtree, into the near child (left, or right if @high) whenever it can
 * hold the answer.
 */
static struct pmx_extent *pmx_run_find(const struct pmx_pool *p, u64 need,
				       bool high, u64 *edge)
{
	struct rb_node *n = p->by_addr.rb_node;
	const struct pmx_extent *near;
	struct pmx_extent *e;
	/*
	 * If @carry, the run being followed: @clen bytes that end at @cedge
	 * just below the subtree (start there just above it, if @high)
	 */
	bool carry = false;
	u64 cedge = 0, clen = 0, len, e_near, e_far;

	if (!n || pmx_addr_entry(n)->sub.max < need)
		return NULL;
	while (n) {
		e = pmx_addr_entry(n);
		near = pmx_addr_entry(high ? n->rb_right : n->rb_left);
		/* The near side holds a long enough run, or completes ours */
		if (near && (near->sub.max >= need ||
			     (carry && cedge == pmx_edge(near, high) &&
			      clen + pmx_edge_run(near, high) >= need))) {
			n = high ? n->rb_right : n->rb_left;
			continue;
		}
		/* The run through @e: its bytes on the near side of @e */
		e_near = high ? pmx_end(e) : e->start;
		e_far = high ? e->start : pmx_end(e);
		len = 0;
		if (near && pmx_edge(near, !high) == e_near) {
			len = pmx_edge_run(near, !high);
			if (len == near->sub.last - near->sub.first && carry &&
			    cedge == pmx_edge(near, high))
				len += clen;
		} else if (!near && carry && cedge == e_near) {
			len = clen;
		}
		if (len + e->len >= need) {
			*edge = high ? e_near + len : e_near - len;
			return e;
		}
		carry = true;
		cedge = e_far;
		clen = len + e->len;
		n = high ? n->rb_left : n->rb_right;
	}
	return NULL;
}

/* Does [@a, @a + @size), in the run @first .. @last, touch a claimed range? */
static bool pmx_run_claimed(struct pmx_extent *first, struct pmx_extent *last,
			    u64 a, u64 size)
{
	struct rb_node *n;
	struct pmx_extent *e;

	for (n = &first->by_addr; ; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		if (e->state == PMX_CLAIMED && e->start < a + size &&
		    pmx_end(e) > a)
			return true;
		if (e == last)
			return false;
	}
}

/*
 * Take [@a, @a + @size) from the run of extents @first .. @last that holds
 * it (no claimed range in it): scrub its dirty pieces, then carve them all.
 */
static void pmx_take_run(struct pmx_pool *p, struct pmx_extent *first,
			 struct pmx_extent *last, u64 a, u64 size,
			 void (*scrub)(void *ctx, u64 addr, u64 len),
			 void *ctx)
{
	struct rb_node *n, *next;
	struct pmx_extent *e;
	u64 lo, hi;

	for (n = &first->by_addr; ; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		lo = max(e->start, a);
		hi = min(pmx_end(e), a + size);
		if (lo < hi && e->state == PMX_DIRTY && scrub)
			scrub(ctx, lo, hi - lo);
		if (e == last)
			break;
	}
	for (n = &first->by_addr; ; n = next) {
		next = rb_next(n);
		e = pmx_addr_entry(n);
		lo = max(e->start, a);
		hi = min(pmx_end(e), a + size);
		if (lo < hi)
			pmx_carve(p, e, lo, hi - lo);
		if (e == last)
			break;
	}
}

/*
 * Aligned requests whose sure fit failed: the lowest run that holds the
 * range, found by walking the extents, O(n). Sets *@first and *@last.
 */
static bool pmx_run_walk(const struct pmx_pool *p, u64 size, u64 align,
			 u64 *a, struct pmx_extent **first,
			 struct pmx_extent **last)
{
	struct rb_node *n;
	struct pmx_extent *e;
	u64 run_end = 0;

	*first = NULL;
	for (n = rb_first(&p->by_addr); n; n = rb_next(n)) {
		e = pmx_addr_entry(n);
		if (!*first || e->start != run_end)
			*first = e;
		run_end = pmx_end(e);
		if (pmx_fit((*first)->start, run_end - (*first)->start, size,
			    align, a)) {
			*last = e;
			return true;
		}
	}
	return false;
}

int pmx_alloc(struct pmx_pool *p, u64 size, u64 align, u64 *addr,
	      void (*scrub)(void *ctx, u64 addr, u64 len), void *ctx)
{
	struct pmx_extent *first = NULL, *last;
	u64 mask = p->granule - 1;
	u64 a = 0, rs, need, end;
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
	/* No run is long enough: refused at once */
	if (size > pmx_largest_free(p))
		return -ENOMEM;

	/* One node for a split, one for the pmx_free() of this range. */
	ret = pmx_reserve(p, p->nr_out + 2);
	if (ret)
		goto out;

	/*
	 * Two-ended: requests of at most top_max bytes (granule aligned) go
	 * to the end of the highest run that holds them (last fit), larger
	 * ones to the start of the lowest (first fit).
	 */
	if (size <= p->top_max && align == p->granule) {
		first = pmx_run_find(p, size, true, &end);
		if (!first) {
			ret = -ENOMEM;
			goto out;
		}
		a = end - size;
		last = pmx_below(p, end);
		goto take;
	}
	/*
	 * First fit over runs. Aligned: the lowest run if the range fits at
	 * its first aligned address, else the lowest run certain to hold it,
	 * else a walk.
	 */
	last = pmx_run_find(p, size, false, &rs);
	if (last && !pmx_fit(rs, pmx_end(last) - rs, size, align, &a))
		last = NULL;
	if (!last && align > p->granule &&
	    !check_add_overflow(size, align - p->granule, &need)) {
		last = pmx_run_find(p, need, false, &rs);
		if (last && !pmx_fit(rs, pmx_end(last) - rs, size, align, &a))
			last = NULL;
	}
	if (last) {
		first = pmx_below(p, a + 1);
	} else if (!pmx_run_walk(p, size, align, &a, &first, &last)) {
		ret = -ENOMEM;
		goto out;
	}
	if (first == last && first->state != PMX_CLAIMED) {
		/* Rather than leave a head and a tail, end flush. */
		end = pmx_end(first);
		if (a != first->start && end != a + size &&
		    !((end - size) & (align - 1)))
			a = end - size;
	}
take:
	/*
	 * Being scrubbed: wait for the scrubber rather than place elsewhere,
	 * so that placement does not depend on how far it got.
	 */
	if (pmx_run_claimed(first, last, a, size)) {
		ret = -EBUSY;
		goto out;
	}
	pmx_take_run(p, first, last, a, size, scrub, ctx);
	p->allocated += size;
	p->nr_out++;
	*addr = a;
out:
	pmx_trim(p);
	return ret;
}

/* Round a range being freed as pmx_alloc() did; false if it is no range */
static bool pmx_free_ok(const struct pmx_pool *p, u64 addr, u64 *size)
{
	u64 mask = p->granule - 1;

	if (check_add_overflow(*size, mask, size))
		return false;
	*size &= ~mask;
	return pmx_range_ok(p, addr, *size) && *size <= p->allocated;
}

/* A range freed: no longer allocated */
static void pmx_freed(struct pmx_pool *p, u64 size)
{
	p->allocated -= size;
	if (p->nr_out)
		p->nr_out--;
	pmx_trim(p);
}

int pmx_free(struct pmx_pool *p, u64 addr, u64 size)
{
	int ret;

	if (!pmx_free_ok(p, addr, &size))
		return -EINVAL;
	ret = pmx_insert(p, addr, size, PMX_DIRTY);
	if (ret)
		return ret;
	pmx_freed(p, size);
	return 0;
}

int pmx_free_claim(struct pmx_pool *p, u64 addr, u64 size)
{
	struct pmx_extent *prev;

	if (!pmx_free_ok(p, addr, &size))
		return -EINVAL;
	prev = pmx_below(p, addr + size);
	if (prev && pmx_end(prev) > addr)
		return -EINVAL;
	/* A claimed range is never merged: one node, the range's spare */
	if (pmx_add_extent(p, addr, size, PMX_CLAIMED))
		return -ENOMEM;
	p->scrubbing += size;
	pmx_freed(p, size);
	return 0;
}

bool pmx_next_fit_hits(const struct pmx_pool *p, u64 addr, u64 size)
{
	bool high = size <= p->top_max;
	u64 edge, a;

	if (!size || size > pmx_largest_free(p) ||
	    !pmx_run_find(p, size, high, &edge))
		return false;
	a = high ? edge - size : edge;
	return a < addr + size && addr < a + size;
}

u64 pmx_free_below(const struct pmx_pool *p, u64 addr)
{
	struct rb_node *n = p->by_addr.rb_node;
	const struct pmx_extent *e, *l;
	u64 sum = 0;

	while (n) {
		e = pmx_addr_entry(n);
		if (e->start < addr) {
			l = pmx_addr_entry(n->rb_left);
			sum += e->len + (l ? l->sub.bytes : 0);
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return sum;
}

/* The highest (@high) or lowest DIRTY extent, or NULL. O(log n). */
static struct pmx_extent *pmx_dirty_end(const struct pmx_pool *p, bool high)
{
	struct rb_node *n = p->by_addr.rb_node;
	const struct pmx_extent *near;
	struct pmx_extent *e;

	while (n) {
		e = pmx_addr_entry(n);
		near = pmx_addr_entry(high ? n->rb_right : n->rb_left);
		if (near && near->sub.dirty) {
			n = high ? n->rb_right : n->rb_left;
			continue;
		}
		if (e->state == PMX_DIRTY)
			return e;
		n = high ? n->rb_left : n->rb_right;
	}
	return NULL;
}

int pmx_take_dirty(struct pmx_pool *p, u64 max_len, u64 *addr, u64 *len)
{
	struct pmx_extent *e, *t;
	bool high;
	u64 take;

	max_len &= ~(p->granule - 1);
	if (!max_len)
		return -EINVAL;
	if (!p->dirty)
		return -ENOENT;
	high = p->scrub_order == PMX_SCRUB_HIGHEST ||
	       (p->scrub_order == PMX_SCRUB_ENDS && !p->scrub_turn);
	e = pmx_dirty_end(p, high);
	take = min(e->len, max_len);
	if (take < e->len) {
		/*
		 * The rest stays dirty, in a node of its own; not one of
		 * the spares that pmx_free() relies on. Taking from the
		 * top, the claimed part is the new node.
		 */
		if (pmx_reserve(p, p->nr_out + 1)) {
			pmx_trim(p);
			return -ENOMEM;
		}
		t = pmx_spare_pop(p);
		if (high) {
			t->start = pmx_end(e) - take;
			t->len = take;
			t->state = PMX_CLAIMED;
			pmx_resize(e, e->start, e->len - take);
			pmx_link(p, t);
			e = t;
		} else {
			t->start = e->start + take;
			t->len = e->len - take;
			t->state = PMX_DIRTY;
			e->state = PMX_CLAIMED;
			pmx_resize(e, e->start, take);
			pmx_link(p, t);
		}
	} else {
		e->state = PMX_CLAIMED;
		pmx_runs_cb_propagate(&e->by_addr, NULL);
	}
	pmx_count(p, PMX_DIRTY, take, false);
	/* The ends in turn: the next take is from the other end */
	if (p->scrub_order == PMX_SCRUB_ENDS)
		p->scrub_turn = !p->scrub_turn;
	p->scrubbing += take;
	*addr = e->start;
	*len = take;
	return 0;
}

/*
 * A claimed range becomes free with @state, in place, merging with
 * neighbours of that state. Never needs a node. O(log n).
 */
static int pmx_put_back(struct pmx_pool *p, u64 addr, u64 len,
			enum pmx_state state)
{
	struct pmx_extent *e, *prev, *next;

	if (!pmx_range_ok(p, addr, len))
		return -EINVAL;
	e = pmx_below(p, addr + 1);
	if (!e || e->start != addr || e->len != len ||
	    e->state != PMX_CLAIMED)
		return -EINVAL;
	prev = pmx_addr_entry(rb_prev(&e->by_addr));
	next = pmx_addr_entry(rb_next(&e->by_addr));
	p->scrubbing -= len;
	pmx_count(p, state, len, true);
	e->state = state;
	if (next && next->start == pmx_end(e) && next->state == state) {
		len += next->len;
		pmx_unlink(p, next);
	}
	if (prev && pmx_end(prev) == addr && prev->state == state) {
		pmx_unlink(p, e);
		pmx_resize(prev, prev->start, prev->len + len);
	} else {
		pmx_resize(e, addr, len);
	}
	pmx_trim(p);
	return 0;
}

int pmx_put_clean(struct pmx_pool *p, u64 addr, u64 len)
{
	return pmx_put_back(p, addr, len, PMX_CLEAN);
}

int pmx_put_dirty(struct pmx_pool *p, u64 addr, u64 len)
{
	return pmx_put_back(p, addr, len, PMX_DIRTY);
}

u64 pmx_largest_free(const struct pmx_pool *p)
{
	const struct pmx_extent *root = pmx_addr_entry(p->by_addr.rb_node);

	return root ? root->sub.max : 0;
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
		if (e->state == PMX_CLAIMED)
			continue;
		ret = fn(ctx, e->start, e->len, e->state == PMX_DIRTY);
		if (ret)
			return ret;
	}
	return 0;
}

int pmx_check(const struct pmx_pool *p)
{
	const struct pmx_extent *e, *prev = NULL;
	u64 bytes[PMX_NR_STATES] = { 0, 0, 0 };
	u64 mask = p->granule - 1;
	const struct rb_node *n;
	unsigned long nodes = 0;
	struct pmx_runs s;

	for (n = rb_first(&p->by_addr); n; prev = e, n = rb_next(n)) {
		e = pmx_addr_entry(n);
		if (!pmx_range_ok(p, e->start, e->len))
			return -EUCLEAN;
		if (e->state >= PMX_NR_STATES)
			return -EUCLEAN;
		if (prev && pmx_end(prev) > e->start)
			return -EUCLEAN;
		/* Claimed ranges are never merged, free ones always are */
		if (prev && pmx_end(prev) == e->start &&
		    prev->state == e->state && e->state != PMX_CLAIMED)
			return -EUCLEAN;
		/* Each node's runs follow from its children's: all hold */
		pmx_runs_of(e, &s);
		if (!pmx_runs_same(&s, &e->sub))
			return -EUCLEAN;
		bytes[e->state] += e->len;
		nodes++;
	}
	if (nodes != p->nr_extents)
		return -EUCLEAN;
	if (bytes[PMX_CLEAN] != p->clean || bytes[PMX_DIRTY] != p->dirty ||
	    bytes[PMX_CLAIMED] != p->scrubbing)
		return -EUCLEAN;
	if (p->free != p->clean + p->dirty ||
	    p->free + p->allocated + p->scrubbing != p->size)
		return -EUCLEAN;
	if ((p->allocated & mask) || (p->scrubbing & mask))
		return -EUCLEAN;
	return 0;
}
