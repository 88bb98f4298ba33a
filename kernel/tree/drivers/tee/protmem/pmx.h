/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmx.h - protected-carveout extent allocator (public interface).
 *
 * See pmx.c for the contract: what each call costs, the clean/dirty policy
 * and the concurrency model (the caller serializes every call on a pool).
 */
#ifndef PROTMEM_PMX_H
#define PROTMEM_PMX_H

#include <linux/rbtree.h>
#include <linux/types.h>

struct pmx_extent;

/**
 * enum pmx_scrub_order - where pmx_take_dirty() takes dirty memory from
 * @PMX_SCRUB_LOWEST:  the start of the lowest dirty extent (the default)
 * @PMX_SCRUB_HIGHEST: the end of the highest dirty extent
 * @PMX_SCRUB_ENDS:    the two in turn, the highest first: where two-ended
 *                     placement puts the next small and the next large
 *                     buffer
 */
enum pmx_scrub_order {
	PMX_SCRUB_LOWEST,
	PMX_SCRUB_HIGHEST,
	PMX_SCRUB_ENDS,
};

/**
 * struct pmx_pool - one carveout managed as free extents
 * @base:          first byte of the managed range
 * @size:          bytes in the managed range
 * @granule:       allocation unit (a power of two; PAGE_SIZE in practice)
 * @free:          bytes in free extents (@clean + @dirty)
 * @clean:         free bytes known to be zero
 * @dirty:         free bytes freed but not yet scrubbed
 * @allocated:     bytes handed out by pmx_alloc() and not yet freed
 * @scrubbing:     bytes claimed by pmx_take_dirty() and not yet put back
 * @nr_extents:    nodes in @by_addr: free extents and claimed ranges
 * @nr_out:        ranges allocated; each owns one spare node so that
 *                 pmx_free() never needs memory
 * @nr_spare:      nodes on @spare
 * @by_addr:       every free extent and claimed range, by start address;
 *                 each node also records the runs of adjacent extents
 *                 (free of either state, or claimed) in its subtree and
 *                 whether it holds dirty memory
 * @spare:         preallocated nodes, singly linked
 * @top_max:       requests of at most this many bytes (granule aligned)
 *                 are placed from the top of the pool, larger ones from the
 *                 bottom; 0 (pmx_init()'s default): all from the bottom.
 *                 Set with pmx_set_top_max()
 * @scrub_order:   where pmx_take_dirty() takes from
 *                 (pmx_set_scrub_order())
 * @scrub_turn:    with %PMX_SCRUB_ENDS, the next take is from the bottom
 *
 * All fields are read-only for the caller; read them under the caller's lock.
 * @size == @free + @allocated + @scrubbing at all times.
 */
struct pmx_pool {
	u64 base;
	u64 size;
	u64 granule;
	u64 free;
	u64 clean;
	u64 dirty;
	u64 allocated;
	u64 scrubbing;
	unsigned long nr_extents;
	unsigned long nr_out;
	unsigned long nr_spare;
	struct rb_root by_addr;
	struct pmx_extent *spare;
	u64 top_max;
	enum pmx_scrub_order scrub_order;
	bool scrub_turn;
};

/**
 * pmx_init() - set up a pool covering [@base, @base + @size)
 * @p:       pool to initialize (its previous content is ignored)
 * @base:    first byte, a multiple of @granule
 * @size:    bytes, a non-zero multiple of @granule
 * @granule: allocation unit, a power of two
 * @dirty:   true if the content of the range is unknown: the whole range
 *           starts DIRTY and is scrubbed before anyone gets it; false if it
 *           is known to be zero (starts CLEAN)
 *
 * Context: process context, may sleep (GFP_KERNEL).
 * Return: 0; -EINVAL on bad arguments (including @base + @size overflowing
 * u64); -ENOMEM if the first node cannot be allocated.
 */
int pmx_init(struct pmx_pool *p, u64 base, u64 size, u64 granule, bool dirty);

/**
 * pmx_set_top_max() - place small requests from the top of the pool
 * @p:       pool
 * @top_max: requests of at most this many bytes, with no alignment above
 *           the granule, take the end of the highest run that holds them
 *           (last fit); larger ones keep first fit from the bottom. 0 turns
 *           it off (the default).
 *
 * Two-ended placement keeps short-lived small buffers (bitstreams,
 * metadata) away from the low end, where large ones (frames) are packed,
 * so that freeing the frames leaves one long run (docs/bench.md measures
 * it). Takes effect for the next pmx_alloc(); call it under the caller's
 * lock like every other call.
 */
void pmx_set_top_max(struct pmx_pool *p, u64 top_max);

/**
 * pmx_set_scrub_order() - choose where pmx_take_dirty() takes from
 * @p:     pool
 * @order: enum pmx_scrub_order
 *
 * Call it under the caller's lock like every other call.
 */
void pmx_set_scrub_order(struct pmx_pool *p, enum pmx_scrub_order order);

/**
 * pmx_destroy() - free every node of a pool
 * @p: pool set up by pmx_init()
 *
 * Outstanding allocations are forgotten; the pool is left zeroed, so a
 * second pmx_destroy() is harmless.
 */
void pmx_destroy(struct pmx_pool *p);

/**
 * pmx_alloc() - allocate a range that reads as zero
 * @p:     pool
 * @size:  bytes wanted; rounded up to the granule
 * @align: alignment of the physical address: a power of two, or 0 for the
 *         granule; values below the granule mean the granule
 * @addr:  out: first byte of the range, set only on success
 * @scrub: called, before pmx_alloc() returns, for every DIRTY piece of the
 *         range handed out: (@ctx, start, len); never for clean memory.
 *         It runs under the caller's lock and must not call into this pool.
 *         NULL means the caller accepts dirty memory.
 * @ctx:   passed to @scrub
 *
 * Two-ended fit over runs of adjacent extents, free of either state or
 * claimed: a range of at most @p->top_max bytes with granule alignment
 * takes the end of the highest run that holds it (last fit); any other
 * range takes the start of the lowest run that holds it (first fit; with an
 * alignment above the granule, see pmx.c). Only the dirty pieces of the
 * range are scrubbed; remainders stay free with their state. If the range
 * would cover a claimed range (being scrubbed by pmx_take_dirty()'s
 * caller), nothing is taken and -EBUSY says so: the caller waits for that
 * scrub to be put back and tries again, so placement never depends on how
 * far the scrubber got. O(k log n), k being the extents the range covers.
 *
 * Context: process context, may sleep (GFP_KERNEL).
 * Return: 0; -EINVAL if @size is 0, overflows when rounded, or @align is not
 * a power of two; -ENOMEM if nothing fits (at once when @size exceeds
 * pmx_largest_free()) or a node cannot be allocated; -EBUSY as above. On
 * error the pool is unchanged and @scrub was not called.
 */
int pmx_alloc(struct pmx_pool *p, u64 size, u64 align, u64 *addr,
	      void (*scrub)(void *ctx, u64 addr, u64 len), void *ctx);

/**
 * pmx_free() - give back an allocated range; it becomes DIRTY
 * @p:    pool
 * @addr: first byte, as returned by pmx_alloc()
 * @size: bytes, as passed to pmx_alloc() (rounded up the same way)
 *
 * The range merges with DIRTY neighbours only; it is scrubbed later by
 * pmx_take_dirty()/pmx_put_clean() or by the pmx_alloc() that reuses it.
 *
 * The pool does not record allocations: a range that overlaps free space
 * (double free), leaves the pool, is unaligned, or is larger than the
 * allocated bytes is refused. A range that lies wholly in allocated or
 * scrubbing memory but is not one allocation (half of two neighbours, say)
 * cannot be detected.
 *
 * Context: process context, may sleep (GFP_KERNEL, only after misuse).
 * Return: 0; -EINVAL as above, with the pool unchanged; -ENOMEM only if the
 * caller frees more ranges than it allocated and a node cannot be allocated,
 * with the pool unchanged. Freeing exactly what pmx_alloc() returned never
 * fails.
 */
int pmx_free(struct pmx_pool *p, u64 addr, u64 size);

/**
 * pmx_free_claim() - give back an allocated range, claimed for scrubbing
 * @p:    pool
 * @addr: first byte, as returned by pmx_alloc()
 * @size: bytes, as passed to pmx_alloc()
 *
 * As pmx_free(), but the range comes back CLAIMED, as if pmx_take_dirty()
 * had just taken it: the caller scrubs it without its lock and gives it
 * back with pmx_put_clean() (or pmx_put_dirty() if the scrub failed).
 * Meanwhile it counts in its run, pmx_alloc() refuses to hand it out
 * (-EBUSY) and it is never merged. For a free that scrubs its own memory.
 *
 * Context: process context, may sleep (GFP_KERNEL, only after misuse).
 * Return: as pmx_free(); claiming exactly what pmx_alloc() returned never
 * fails.
 */
int pmx_free_claim(struct pmx_pool *p, u64 addr, u64 size);

/**
 * pmx_next_fit_hits() - would the next allocation of a size land on a range?
 * @p:    pool
 * @addr: first byte of the range
 * @size: its bytes, granule aligned
 *
 * Places a granule-aligned request of @size bytes as pmx_alloc() does over
 * runs (two-ended fit, claimed ranges counting in their runs, clean-first
 * ignored) without taking it, and says whether that range would overlap
 * [@addr, @addr + @size). After pmx_free_claim() of a range: is the range
 * just freed where the next buffer of its size goes? O(log n); changes
 * nothing.
 *
 * Return: true if it would overlap.
 */
bool pmx_next_fit_hits(const struct pmx_pool *p, u64 addr, u64 size);

/**
 * pmx_free_below() - free memory below an address
 * @p:    pool
 * @addr: an address
 *
 * Counts the bytes of the extents that start below @addr: free, of either
 * state, or claimed (claimed ranges become free again). An extent that
 * straddles @addr counts whole. The static pool uses it to tell how much
 * free memory the allocations from one end of the pool must use up before
 * they reach a range: pmx_free_below(@p, start) from the bottom, and
 * @p->free + @p->scrubbing - pmx_free_below(@p, end) from the top.
 * O(log n); changes nothing.
 *
 * Return: the bytes.
 */
u64 pmx_free_below(const struct pmx_pool *p, u64 addr);

/**
 * pmx_take_dirty() - claim dirty memory for scrubbing
 * @p:       pool
 * @max_len: most bytes to take; rounded down to the granule
 * @addr:    out: first byte taken
 * @len:     out: bytes taken (<= @max_len)
 *
 * Claims the start of the lowest-address DIRTY extent, where the next
 * first-fit allocations are likely to go, or the end of the highest one, or
 * the two in turn (pmx_set_scrub_order()). The range is neither free nor
 * allocated until pmx_put_clean() or pmx_put_dirty() gives it back: it
 * stays in the address tree as CLAIMED, so it still counts in its run
 * (pmx_largest_free()), pmx_alloc() refuses to hand it out (-EBUSY) and
 * pmx_free() refuses it. The caller may drop its lock while it scrubs.
 *
 * Context: process context, may sleep (GFP_KERNEL).
 * Return: 0; -ENOENT if nothing is dirty; -EINVAL if @max_len is below the
 * granule; -ENOMEM if the node for the rest of the extent cannot be
 * allocated (pool unchanged).
 */
int pmx_take_dirty(struct pmx_pool *p, u64 max_len, u64 *addr, u64 *len);

/**
 * pmx_put_clean() - give back a scrubbed range; it becomes CLEAN
 * @p:    pool
 * @addr: as returned by pmx_take_dirty()
 * @len:  as returned by pmx_take_dirty()
 *
 * The range merges with CLEAN neighbours only. Needs no memory. O(log n).
 *
 * Return: 0; -EINVAL (pool unchanged) if the range is not exactly one
 * claimed range. Giving back exactly what pmx_take_dirty() returned never
 * fails.
 */
int pmx_put_clean(struct pmx_pool *p, u64 addr, u64 len);

/**
 * pmx_put_dirty() - give back a taken range unscrubbed; it stays DIRTY
 * @p:    pool
 * @addr: as returned by pmx_take_dirty()
 * @len:  as returned by pmx_take_dirty()
 *
 * For a scrubber that could not scrub: the range merges with DIRTY
 * neighbours and is scrubbed later, or by the allocation that takes it.
 *
 * Return: as pmx_put_clean().
 */
int pmx_put_dirty(struct pmx_pool *p, u64 addr, u64 len);

/**
 * pmx_largest_free() - size of the longest run of adjacent free extents
 * @p: pool
 *
 * Clean, dirty and claimed neighbours count as one run: this is the
 * largest range pmx_alloc() can hand out. An allocation of at most this
 * size (with granule alignment) succeeds unless a node cannot be allocated
 * or a claimed range is in the way (-EBUSY until it is put back). O(1).
 *
 * Return: bytes, 0 if nothing is free.
 */
u64 pmx_largest_free(const struct pmx_pool *p);

/**
 * pmx_walk_extents() - walk the free extents in address order (claimed
 * ranges are not free and are skipped)
 * @p:   pool
 * @fn:  called as (@ctx, start, len, dirty); a non-zero return stops the walk
 * @ctx: passed to @fn
 *
 * @fn must not change the pool. O(n) in extents.
 *
 * Return: 0, or the first non-zero value returned by @fn.
 */
int pmx_walk_extents(const struct pmx_pool *p,
		     int (*fn)(void *ctx, u64 start, u64 len, bool dirty),
		     void *ctx);

/**
 * pmx_check() - verify every invariant of a pool (for tests and debugging)
 * @p: pool
 *
 * Checks that extents are in range, aligned, disjoint, in address order,
 * never adjacent with the same state, that every node's record of the
 * runs in its subtree is up to date, and that every counter matches. O(n).
 *
 * Return: 0 if consistent, -EUCLEAN otherwise.
 */
int pmx_check(const struct pmx_pool *p);

#endif /* PROTMEM_PMX_H */
