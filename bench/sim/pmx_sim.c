// SPDX-License-Identifier: GPL-2.0
/*
 * pmx_sim - replay protmem_bench's capacity traces on the host.
 *
 * Replays trace (a) (1080p playback with bitstream churn and resolution
 * switches to 4K) and trace (b) (mixed-size random churn at 80/90/95 %
 * target occupancy) of bench/protmem_bench.c, with the same random number
 * generator and sizes (bench/trace.h) and the same decisions, against:
 *   - pmx as the static pool uses it (kernel/tree/drivers/tee/protmem/pmx.c,
 *     built unchanged), with a simulated background scrubber that scrubs S
 *     bytes per allocation or free call, taking CHUNK bytes at a time with
 *     pmx_take_dirty() (the range is claimed while "in flight": an
 *     allocation whose first fit lands on it waits for it, -EBUSY) and
 *     giving them back with pmx_put_clean(). S = 0: the scrubber is starved
 *     (never runs). S = inf: the pool is made clean before every allocation
 *     (the bench's "settled" runs).
 *   - a first-fit page bitmap, scrubbed when freed (lib/genalloc's
 *     gen_pool_first_fit as the pool uses it: nothing is ever dirty).
 *
 * Only placement is simulated: no time, no latency. The figures to compare
 * with the guest's are the 4K frames that fit at the switches and the churn
 * success rates; "sync MiB" is what pmx_alloc() scrubbed synchronously.
 *
 * Build, from the top of the repository:
 *
 *   gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/host/kcompat \
 *       -Ibuild/linux/tools/include -Itests/lib -o build/pmx_sim \
 *       bench/sim/pmx_sim.c tests/host/kcompat/rbtree.c
 *
 * Add -DPMX_C='"/some/where/pmx.c"' to measure another version of pmx.c.
 *
 * Usage: pmx_sim [-s SEED] [-n SEEDS] [-c CHUNK_KIB] [-S KIB[,KIB...]] [-T KIB] [-L] [-W]
 *                [-F KIB] [-Q PCT] [-N|-N2] [-D KIB [-X CALLS [-Y]]] [-H|-E] [-P]
 *                [-M [-G KIB] [-R KIB]] [-v]
 *   -s  first seed (42, as the bench); -n  seeds to average over (1)
 *   -c  scrubber chunk (1024 KiB; TEE_PROTMEM_SCRUB_CHUNK is 256)
 *   -S  scrub rates in KiB per call; "inf" = settled (0,256,1024,inf)
 *   -L  the scrubber scrubs each chunk under the pool's lock (nothing is
 *       out of the pool) instead of taking it out while it scrubs
 *   -W  an allocation that fails while a chunk is out waits for it (it is
 *       put back clean) and tries once more
 *   -T  pmx places requests of at most KIB from the top of the pool (its
 *       top_max; 2048, as the static pool; 0: first fit for all)
 *   -F  dirty throttling: a free scrubs the range it frees itself
 *       (pmx_free_claim(), then pmx_put_clean()) when the dirty backlog
 *       (dirty + claimed) with it would exceed KIB; 0: every free scrubs
 *   -Q  a free scrubs its range while the dirty backlog is above PCT % of
 *       the clean free memory (100: the static pool's rule)
 *   -N  a free scrubs its range when the next allocation of its size would
 *       land on it (pmx_next_fit_hits()); -N2: or the next one of top_max
 *       bytes, for a small buffer (the static pool's rule)
 *   -D  a free scrubs its range when the allocations from either end of
 *       the pool reach it after less than KIB of free memory
 *       (pmx_free_below()); -X CALLS: only for CALLS allocation and free
 *       calls after an allocation that scrubbed or waited (the static
 *       pool's rule: -D 32768, a window of 1 s, about 1,000 calls back
 *       to back in the bench's playback); -Y: in that window the
 *       scrubber rests while at most KIB is dirty or claimed (the static
 *       pool's scrubber: its chunks would only compete with the frees'
 *       scrubs)
 *   -H  the scrubber takes the highest dirty memory first
 *   -E  the scrubber takes from the two ends in turn (pmx_set_scrub_order())
 *   -P  instead of the traces, time pmx's calls on the host in the bench's
 *       scaling rounds at 1,000 and 60,000 live 4 KiB buffers
 *   -M  instead of pmx, placement policies on a page map (settled: only
 *       placement), with perfect compaction (any request up to the free
 *       bytes fits) as the upper bound; -G KIB, -R KIB: the small class and
 *       its region at the top for the "small class region" policies
 *       (64 and 2048)
 *   -v  per seed figures; churn at 95 %: failures per size class
 *
 * "(a) allocs paying" is the share of trace (a)'s allocations that
 * scrubbed dirty memory themselves or waited for a claimed range: the
 * ones that make the allocation latency's tail. As in the bench's
 * latency figures, the allocations of the switches are not counted.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PMX_C
#define PMX_C "../../kernel/tree/drivers/tee/protmem/pmx.c"
#endif
#include PMX_C

/* The bench's sizes, generator and churn mix */
#include "../trace.h"

int kcompat_kmalloc_fail;
unsigned long kcompat_kmalloc_calls;
long kcompat_kmalloc_live;

#define POOL_BASE	0x40000000ULL
#define POOL_SIZE	(256 * MIB)
#define NPAGES		(POOL_SIZE / PAGE)
#define S_INF		UINT64_MAX

/* ---- the allocators ---- */

enum kind { FIRST_FIT, PMX, MAP, BOUND };

/*
 * -M: placement policies on a page map (settled: nothing is ever dirty),
 * to study placements pmx does not implement. TE: two-ended as pmx places
 * (requests of at most top_max at the end of the highest run that holds
 * them, larger ones at the start of the lowest).
 */
enum policy {
	P_TE,		/* two-ended, as pmx: must give pmx's settled figures */
	P_TE_BF,	/* two-ended, best fit (smallest run) within each end */
	P_TE_BF_TOP,	/* best fit for the top class only */
	P_TE_KEEP,	/* two-ended, but not in the longest run if another fits */
	P_SEG,		/* <= seg_max packed in their own region at the top */
	P_SEG_TE_BF,	/* P_SEG, best fit within each end outside the region */
	P_TE_EXACT,	/* two-ended; an exact-fit run first, then as P_TE */
	P_TE_CLASS,	/* bottom class: runs left by the same size first */
	P_SLOTS,	/* frames in 4K-frame slots from the bottom, 1080p 4 a slot */
	P_SLOTS_BF,	/* P_SLOTS, the top class best fit */
};

static enum kind kind;
static uint64_t scrub_rate;		/* bytes per call; S_INF: settled */
static uint64_t chunk = MIB;
static bool locked;			/* -L: scrub under the lock */
static bool retry;			/* -W: a failure waits for the chunk */
static uint64_t top_max = 2 * MIB;	/* -T: pmx places up to this from the top */
static unsigned long busy_waits;	/* allocations that met a claimed range */
static uint64_t free_wm = S_INF;	/* -F: frees scrub above this backlog */
static enum pmx_scrub_order scrub_order;	/* -H, -E: where the scrubber takes */
static bool free_land;			/* -N: a free scrubs where the next buffer of its size lands */
static uint64_t free_ratio;		/* -Q PCT: frees scrub while dirty > PCT % of clean */
static bool land_top;			/* -N2: also where the largest small buffer lands */
static uint64_t reach;			/* -D KIB: frees scrub within this of either end */
static unsigned long press_calls;	/* -X CALLS: -D only this long after a paying allocation */
static unsigned long press_left;	/* calls left in the pressure window */
static bool press_pause;		/* -Y: no background scrub in the window while dirty <= -D */
static uint64_t free_sync_bytes;	/* scrubbed by throttled frees */
static unsigned long play_frees, play_free_paid;	/* (a): frees, throttled ones */
static bool in_play;			/* in trace (a) */
static unsigned long play_allocs, play_paid;	/* (a): allocations, those that scrubbed or waited */
static struct pmx_pool pool;
static uint64_t credit, fl_addr, fl_len;	/* scrubber and its chunk */
static uint64_t sync_bytes;
static bool in_trace_a;		/* in trace (a), its switches included */
static uint64_t a_sync_bytes;	/* (a): scrubbed in alloc and free calls */
static unsigned char used_map[NPAGES];	/* first fit: 1 = allocated */
static enum policy policy;		/* MAP */
static uint64_t seg_max = 64 * KIB;	/* P_SEG: the small class */
static uint64_t seg_region = 2 * MIB;	/* P_SEG: its region, at the top */
static uint64_t bound_used, bound_next;	/* BOUND: bytes in use, fake addresses */

static void die(const char *msg)
{
	fprintf(stderr, "pmx_sim: %s\n", msg);
	exit(1);
}

static void scrub_cb(void *ctx, u64 addr, u64 len)
{
	(void)ctx;
	(void)addr;
	sync_bytes += len;
	if (in_trace_a)
		a_sync_bytes += len;
}

static void sim_reset(void)
{
	bound_used = 0;
	if (kind == FIRST_FIT || kind == MAP) {
		memset(used_map, 0, sizeof(used_map));
		return;
	}
	if (kind == BOUND)
		return;
	pmx_destroy(&pool);
	if (pmx_init(&pool, POOL_BASE, POOL_SIZE, PAGE, false))
		die("pmx_init");
	pool.top_max = top_max;
	pmx_set_scrub_order(&pool, scrub_order);
	credit = 0;
	fl_len = 0;
}

/* Give back the chunk in flight, clean. */
static void scrub_land(void)
{
	if (fl_len && pmx_put_clean(&pool, fl_addr, fl_len))
		die("pmx_put_clean");
	fl_len = 0;
}

/* Take the next chunk if there is dirty memory. */
static bool scrub_take(void)
{
	return !pmx_take_dirty(&pool, chunk, &fl_addr, &fl_len);
}

/* One allocation or free call happened: the scrubber gets S bytes done. */
static void scrub_tick(void)
{
	if (kind != PMX || !scrub_rate || scrub_rate == S_INF)
		return;
	if (press_pause && press_left &&
	    pool.dirty + pool.scrubbing <= reach)
		return;
	credit += scrub_rate;
	while (locked) {
		/* Under the pool's lock: a chunk at a time, nothing in flight */
		if (credit < chunk)
			return;
		if (!scrub_take()) {
			credit = 0;
			return;
		}
		credit -= fl_len;
		scrub_land();
	}
	for (;;) {
		if (!fl_len && !scrub_take()) {
			credit = 0;	/* idle: no work banked */
			return;
		}
		if (credit < fl_len)
			return;
		credit -= fl_len;
		scrub_land();
	}
}

static void scrub_all(void)
{
	scrub_land();
	while (scrub_take())
		scrub_land();
	credit = 0;
}

static bool ff_alloc(uint64_t size, uint64_t *addr)
{
	uint64_t n = size / PAGE, i, run = 0;

	for (i = 0; i < NPAGES; i++) {
		run = used_map[i] ? 0 : run + 1;
		if (run == n) {
			memset(&used_map[i + 1 - n], 1, n);
			*addr = POOL_BASE + (i + 1 - n) * PAGE;
			return true;
		}
	}
	return false;
}

/* The free runs of the page map within [@lo, @hi) pages */
struct run {
	uint64_t start, len;	/* pages */
};

static size_t map_runs(uint64_t lo, uint64_t hi, struct run *r)
{
	uint64_t i = lo;
	size_t n = 0;

	while (i < hi) {
		uint64_t j;

		while (i < hi && used_map[i])
			i++;
		if (i >= hi)
			break;
		j = i;
		while (j < hi && !used_map[j])
			j++;
		r[n].start = i;
		r[n++].len = j - i;
		i = j;
	}
	return n;
}

/*
 * Choose a run of @r[0..@n) for @need pages: @best: the smallest that holds
 * it (ties: the highest if @high, else the lowest); otherwise the highest
 * (@high) or lowest that holds it. @avoid: not the longest run if another
 * holds it. @exact: a run of exactly @need pages first. Returns the index
 * or -1.
 */
static long map_choose(const struct run *r, size_t n, uint64_t need,
		       bool high, bool best, bool avoid, bool exact)
{
	long pick = -1, longest = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (longest < 0 || r[i].len > r[longest].len)
			longest = (long)i;
	if (exact)
		for (i = 0; i < n; i++)
			if (r[i].len == need)
				return (long)i;
	for (i = 0; i < n; i++) {
		if (r[i].len < need)
			continue;
		if (avoid && (long)i == longest)
			continue;
		if (pick < 0) {
			pick = (long)i;
		} else if (best) {
			if (r[i].len < r[pick].len ||
			    (r[i].len == r[pick].len && high))
				pick = (long)i;
		} else if (high) {
			pick = (long)i;
		}
	}
	if (pick < 0 && avoid && longest >= 0 && r[longest].len >= need)
		pick = longest;
	return pick;
}

/* Allocate @need pages in [@lo, @hi) of the map; true if placed */
static bool map_place(uint64_t lo, uint64_t hi, uint64_t need, bool high,
		      bool best, bool avoid, bool exact, uint64_t *addr)
{
	static struct run r[NPAGES / 2 + 1];
	size_t n = map_runs(lo, hi, r);
	long i = map_choose(r, n, need, high, best, avoid, exact);
	uint64_t at;

	if (i < 0)
		return false;
	at = high ? r[i].start + r[i].len - need : r[i].start;
	memset(&used_map[at], 1, need);
	*addr = POOL_BASE + at * PAGE;
	return true;
}

/*
 * P_SLOTS: the bottom of the pool is cut in slots of four 1080p frames
 * (3,040 pages, one 4K frame and 2 pages). A 4K frame takes the lowest
 * free slot; a 1080p frame a quarter of a slot, in a slot that already
 * holds some first; others go on top as two-ended, but not into a slot
 * that is wholly free if another place holds them.
 */
#define SLOT_Q		(PAGE_UP(NV12_1080P) / PAGE)
#define SLOT		(4 * SLOT_Q)
#define NSLOTS		(NPAGES / SLOT)

static bool map_is_free(uint64_t at, uint64_t n)
{
	uint64_t i;

	if (at + n > NPAGES)
		return false;
	for (i = at; i < at + n; i++)
		if (used_map[i])
			return false;
	return true;
}

static bool slots_alloc(uint64_t need, bool top, bool best, uint64_t *addr)
{
	static struct run r[NPAGES / 2 + 1];
	bool whole[NSLOTS], part[NSLOTS];
	uint64_t k, q, at;
	long pick = -1;
	size_t n, i;

	for (k = 0; k < NSLOTS; k++) {
		whole[k] = map_is_free(k * SLOT, SLOT);
		part[k] = false;
		for (q = 0; q < 4; q++)
			part[k] |= !!used_map[k * SLOT + q * SLOT_Q];
	}
	if (!top) {
		int pass;

		for (pass = 0; pass < 2 && need <= SLOT_Q; pass++)
			for (k = 0; k < NSLOTS; k++) {
				if (pass == 0 && !part[k])
					continue;
				for (q = 0; q < 4; q++) {
					at = k * SLOT + q * SLOT_Q;
					if (map_is_free(at, need))
						goto take;
				}
			}
		for (k = 0; k < NSLOTS && need <= SLOT; k++) {
			at = k * SLOT;
			if (map_is_free(at, need))
				goto take;
		}
		return map_place(0, NPAGES, need, false, false, false, false,
				 addr);
	}
	n = map_runs(0, NPAGES, r);
	for (i = 0; i < n; i++) {
		if (r[i].len < need)
			continue;
		at = r[i].start + r[i].len - need;
		for (k = at / SLOT; k < NSLOTS && k * SLOT < at + need; k++)
			if (whole[k])
				break;
		if (k < NSLOTS && k * SLOT < at + need)
			continue;	/* it would break a free slot */
		if (pick < 0 || !best || r[i].len <= r[pick].len)
			pick = (long)i;
	}
	if (pick < 0)
		return map_place(0, NPAGES, need, true, best, false, false,
				 addr);
	at = r[pick].start + r[pick].len - need;
take:
	memset(&used_map[at], 1, need);
	*addr = POOL_BASE + at * PAGE;
	return true;
}

/* Page map allocation under -M's policy */
static bool map_alloc(uint64_t size, uint64_t *addr)
{
	uint64_t need = size / PAGE, region = seg_region / PAGE;
	bool top = size <= top_max;

	switch (policy) {
	case P_TE:
		return map_place(0, NPAGES, need, top, false, false, false, addr);
	case P_TE_BF:
		return map_place(0, NPAGES, need, top, true, false, false, addr);
	case P_TE_BF_TOP:
		return map_place(0, NPAGES, need, top, top, false, false, addr);
	case P_TE_KEEP:
		return map_place(0, NPAGES, need, top, false, true, false, addr);
	case P_TE_EXACT:
		return map_place(0, NPAGES, need, top, false, false, true, addr);
	case P_TE_CLASS:
		/* Frames: a run that is a whole multiple of them first */
		if (!top) {
			static struct run r[NPAGES / 2 + 1];
			size_t n = map_runs(0, NPAGES, r), i;

			for (i = 0; i < n; i++)
				if (r[i].len >= need && r[i].len % need == 0 &&
				    r[i].len < 8 * need) {
					memset(&used_map[r[i].start], 1, need);
					*addr = POOL_BASE + r[i].start * PAGE;
					return true;
				}
		}
		return map_place(0, NPAGES, need, top, false, false, false, addr);
	case P_SLOTS:
	case P_SLOTS_BF:
		return slots_alloc(need, top, policy == P_SLOTS_BF, addr);
	case P_SEG:
	case P_SEG_TE_BF:
		if (size <= seg_max &&
		    map_place(NPAGES - region, NPAGES, need, true, false, false,
			      false, addr))
			return true;
		/* The rest below the region; the small ones too once it is full */
		if (map_place(0, NPAGES - region, need, top,
			      policy == P_SEG_TE_BF, false, false, addr))
			return true;
		/* Last resort: anywhere (a run crossing into the region) */
		return map_place(0, NPAGES, need, top, false, false, false, addr);
	}
	return false;
}

static bool sim_alloc(uint64_t size, uint64_t *addr)
{
	unsigned long waits;
	uint64_t before;
	bool ok;
	int ret;

	size = PAGE_UP(size);
	if (kind == FIRST_FIT)
		return ff_alloc(size, addr);
	if (kind == MAP)
		return map_alloc(size, addr);
	if (kind == BOUND) {
		/* Perfect compaction: any request up to the free bytes fits */
		if (bound_used + size > POOL_SIZE)
			return false;
		bound_used += size;
		*addr = POOL_BASE + (bound_next++ % NPAGES) * PAGE;
		return true;
	}
	if (scrub_rate == S_INF)
		scrub_all();
	before = sync_bytes;
	waits = busy_waits;
	ret = pmx_alloc(&pool, size, 0, addr, scrub_cb, NULL);
	if (ret == -EBUSY) {
		/* First fit lands on the chunk in flight: wait for it */
		busy_waits++;
		scrub_land();
		ret = pmx_alloc(&pool, size, 0, addr, scrub_cb, NULL);
	}
	ok = !ret;
	if (!ok && retry && fl_len) {
		/* -W: wait for the chunk in flight, then try once more */
		scrub_land();
		ok = !pmx_alloc(&pool, size, 0, addr, scrub_cb, NULL);
	}
	if (press_left)
		press_left--;
	if (sync_bytes != before || busy_waits != waits)
		press_left = press_calls;
	if (in_play) {
		play_allocs++;
		play_paid += sync_bytes != before || busy_waits != waits;
	}
	scrub_tick();
	return ok;
}

static void sim_free(uint64_t addr, uint64_t size)
{
	size = PAGE_UP(size);
	if (kind == FIRST_FIT || kind == MAP) {
		/* Scrubbed when freed (counted for first fit, genalloc's twin) */
		if (kind == FIRST_FIT && in_trace_a)
			a_sync_bytes += size;
		memset(&used_map[(addr - POOL_BASE) / PAGE], 0, size / PAGE);
		return;
	}
	if (kind == BOUND) {
		bound_used -= size;
		return;
	}
	if (press_left)
		press_left--;
	if (in_play)
		play_frees++;
	if ((free_wm != S_INF &&
	     pool.dirty + pool.scrubbing + size > free_wm) || free_land ||
	    free_ratio || reach) {
		/* The free scrubs what it frees, claimed meanwhile */
		if (pmx_free_claim(&pool, addr, size))
			die("pmx_free_claim");
		if ((free_wm != S_INF &&
		     pool.dirty + pool.scrubbing > free_wm) ||
		    (free_ratio && (pool.dirty + pool.scrubbing) * free_ratio >
				   pool.clean * 100) ||
		    pmx_next_fit_hits(&pool, addr, size) ||
		    (land_top && size <= top_max && pmx_next_fit_hits(&pool, addr, top_max)) ||
		    (reach && (!press_calls || press_left) &&
		     (pmx_free_below(&pool, addr) < reach ||
		      pool.free + pool.scrubbing -
		      pmx_free_below(&pool, addr + size) < reach))) {
			if (pmx_put_clean(&pool, addr, size))
				die("pmx_put_clean");
			free_sync_bytes += size;
			play_free_paid += in_play;
			if (in_trace_a)
				a_sync_bytes += size;
		} else if (pmx_put_dirty(&pool, addr, size)) {
			die("pmx_put_dirty");
		}
	} else if (pmx_free(&pool, addr, size)) {
		die("pmx_free");
	}
	scrub_tick();
}

/* Free bytes and the largest contiguous free run (either state). */
static void sim_space(uint64_t *freeb, uint64_t *largest)
{
	uint64_t i, run = 0, f = 0, l = 0;

	if (kind == BOUND) {
		*freeb = POOL_SIZE - bound_used;
		*largest = *freeb;
		return;
	}
	if (kind == FIRST_FIT || kind == MAP) {
		for (i = 0; i < NPAGES; i++) {
			run = used_map[i] ? 0 : run + 1;
			f += !used_map[i];
			l = run > l ? run : l;
		}
		*freeb = f * PAGE;
		*largest = l * PAGE;
		return;
	}
	*freeb = pool.free;
	*largest = 0;
	{
		const struct rb_node *n;
		const struct pmx_extent *e;
		u64 rs = 0, re = 0;

		for (n = rb_first(&pool.by_addr); n; n = rb_next(n)) {
			e = pmx_addr_entry(n);
			if (e->start != re)
				rs = e->start;
			re = pmx_end(e);
			if (re - rs > *largest)
				*largest = re - rs;
		}
	}
}

/* ---- trace (a): playback with resolution switches ---- */

#define MAXFRAMES	64
#define MAXBITS		16

struct buf {
	uint64_t addr, size;
	bool live;
};

struct play_res {
	int fit, bound_free, bound_largest, failures;
};

static void t_alloc(struct play_res *r, struct buf *b, uint64_t size)
{
	b->size = size;
	b->live = sim_alloc(size, &b->addr);
	if (!b->live)
		r->failures++;
}

static void t_free(struct buf *b)
{
	if (b->live)
		sim_free(b->addr, b->size);
	b->live = false;
}

static void playback(uint64_t seed, struct play_res *res)
{
	const int rounds = 6, steps = 160;
	struct buf frames[MAXFRAMES] = { 0 }, bits[MAXBITS] = { 0 };
	int head = 0, r, s, i;

	memset(res, 0, sizeof(*res));
	sim_reset();
	rng_seed(seed);
	in_play = true;
	in_trace_a = true;
	for (r = 0; r < rounds; r++) {
		int nf = (int)rng_range(8, 16);
		int depth = (int)rng_range(4, 8);
		int fit, keep;
		uint64_t freeb, largest;

		for (i = depth; i < MAXBITS; i++)
			t_free(&bits[i]);
		head = 0;
		for (s = 0; s < steps; s++) {
			uint64_t x = rng();

			if (s < nf)
				t_alloc(res, &frames[s], NV12_1080P);
			t_free(&bits[head % depth]);
			t_alloc(res, &bits[head % depth],
				PAGE_UP(rng_range(MIB, 2 * MIB)));
			head++;
			if (s % 8 == 7) {
				int n = s < nf ? s + 1 : nf;
				int k = (int)(x % (uint64_t)n);

				t_free(&frames[k]);
				t_alloc(res, &frames[k], NV12_1080P);
			}
		}
		for (i = 0; i < MAXFRAMES; i++)
			t_free(&frames[i]);
		sim_space(&freeb, &largest);
		/* As the bench, the switch's allocations are not in "paying" */
		in_play = false;
		for (fit = 0; fit < MAXFRAMES; fit++) {
			frames[fit].size = NV12_4K;
			frames[fit].live = sim_alloc(NV12_4K, &frames[fit].addr);
			if (!frames[fit].live)
				break;
		}
		in_play = true;
		res->fit += fit;
		res->bound_free += (int)(freeb / PAGE_UP(NV12_4K));
		res->bound_largest += (int)(largest / PAGE_UP(NV12_4K));
		keep = fit - 2 < 16 ? fit - 2 : 16;
		if (keep < 1)
			keep = fit;
		for (i = keep; i < MAXFRAMES; i++)
			t_free(&frames[i]);
		for (s = 0; s < steps; s++) {
			uint64_t x = rng();

			t_free(&bits[head % depth]);
			t_alloc(res, &bits[head % depth],
				PAGE_UP(rng_range(MIB, 2 * MIB)));
			head++;
			if (s % 8 == 7 && keep > 0) {
				int k = (int)(x % (uint64_t)keep);

				t_free(&frames[k]);
				t_alloc(res, &frames[k], NV12_4K);
			}
		}
		for (i = 0; i < MAXFRAMES; i++)
			t_free(&frames[i]);
	}
	for (i = 0; i < MAXBITS; i++)
		t_free(&bits[i]);
	in_play = false;
	in_trace_a = false;
}

/* ---- trace (b): random churn ---- */

#define NTARGETS 3
static const int targets[NTARGETS] = { 80, 90, 95 };

struct churn_res {
	double success[NTARGETS], bytes_ok[NTARGETS];
};

/* -v: churn at 95 %, attempts and failures per size class (all seeds) */
#define NCLASS 6
static const char *const class_name[NCLASS] = {
	"4 KiB", "64 KiB", "1 MiB", "1-2 MiB", "1080p", "4K",
};
static unsigned long class_att[NCLASS], class_fail[NCLASS];

static int size_class(uint64_t x)
{
	static const int c[20] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3,
				   3, 4, 4, 4, 5, 5 };

	return c[x % 20];
}

static void churn(uint64_t seed, struct churn_res *res)
{
	static struct buf live[NPAGES + 16];
	const int steps = 3000;
	uint64_t used = 0;
	size_t n = 0;
	int t;

	sim_reset();
	rng_seed(seed ^ 0xc0ffee);
	for (t = 0; t < NTARGETS; t++) {
		uint64_t limit = POOL_SIZE / 100 * (uint64_t)targets[t];
		int attempts = 0, fails = 0, s;
		double want = 0, got = 0;

		for (s = 0; s < steps; s++) {
			uint64_t x = rng(), y = rng();
			uint64_t sz = PAGE_UP(churn_size(x));
			bool do_free = used + sz > limit;

			if (!do_free) {
				uint64_t a;

				attempts++;
				want += (double)sz;
				if (t == NTARGETS - 1)
					class_att[size_class(x)]++;
				if (sim_alloc(sz, &a)) {
					live[n].addr = a;
					live[n++].size = sz;
					used += sz;
					got += (double)sz;
				} else {
					fails++;
					if (t == NTARGETS - 1)
						class_fail[size_class(x)]++;
					do_free = true;
				}
			}
			if (do_free && n) {
				size_t i = (size_t)(y % n);

				sim_free(live[i].addr, live[i].size);
				used -= live[i].size;
				live[i] = live[--n];
			}
		}
		res->success[t] = 100.0 * (attempts - fails) /
				  (attempts ? attempts : 1);
		res->bytes_ok[t] = want ? 100.0 * got / want : 100.0;
	}
	while (n) {
		n--;
		sim_free(live[n].addr, live[n].size);
	}
}

/* ---- the latency table's rounds: how many frees scrub ---- */

/*
 * As protmem_bench's latency part: on a clean pool, allocate k buffers of
 * one size (k = 16, or fewer so that they use at most half the pool), then
 * free them in the same order. Returns how many of the k frees scrubbed
 * their range (the latency table's free column moves with them).
 */
static int lat_frees(uint64_t size, int *k)
{
	uint64_t a[16], before;
	int i, n = 16;

	size = PAGE_UP(size);
	if ((uint64_t)n * size > POOL_SIZE / 2)
		n = (int)(POOL_SIZE / 2 / size);
	sim_reset();
	for (i = 0; i < n; i++)
		if (!sim_alloc(size, &a[i]))
			die("lat: alloc");
	before = free_sync_bytes;
	for (i = 0; i < n; i++)
		sim_free(a[i], size);
	*k = n;
	return (int)((free_sync_bytes - before) / size);
}

static void lat_report(void)
{
	static const uint64_t sz[] = {
		4 * KIB, 64 * KIB, MIB, 8 * MIB, NV12_1080P, NV12_4K,
	};
	uint64_t rate = scrub_rate;
	size_t i;
	int k, n;

	scrub_rate = 0;	/* the round's frees come back to back */
	printf("latency rounds, frees that scrub (of k):");
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		n = lat_frees(sz[i], &k);
		printf(" %" PRIu64 " KiB %d/%d;", sz[i] / KIB, n, k);
	}
	printf("\n");
	scrub_rate = rate;
}

/* ---- -P: host cost of the bench's scaling rounds, pmx only ---- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * As protmem_bench's scaling part: fill to @n live 4 KiB buffers, then
 * free every 12th allocated (holes), all scrubbed; then rounds of alloc 4 KiB, alloc
 * 8 KiB, free both, and scrub (pmx_take_dirty()/pmx_put_clean()) what they
 * left dirty, untimed. Prints the mean of each timed call.
 */
static void scale_host(uint64_t n, int rounds)
{
	static uint64_t hole[NPAGES / 12 + 1];
	double t, ta = 0, tb = 0, tf = 0;
	uint64_t made = 0, nholes = 0, a, b, x, l;
	int r;

	sim_reset();
	while (made - made / 12 < n) {
		if (pmx_alloc(&pool, PAGE, 0, &a, NULL, NULL))
			die("scale: pool full");
		if (++made % 12 == 0)
			hole[nholes++] = a;
	}
	/* Freed after the fill, so that they stay holes */
	while (nholes)
		pmx_free(&pool, hole[--nholes], PAGE);
	while (!pmx_take_dirty(&pool, POOL_SIZE, &x, &l))
		pmx_put_clean(&pool, x, l);
	for (r = 0; r < rounds; r++) {
		t = now_us();
		if (pmx_alloc(&pool, PAGE, 0, &a, scrub_cb, NULL))
			die("scale: alloc");
		ta += now_us() - t;
		t = now_us();
		if (pmx_alloc(&pool, 2 * PAGE, 0, &b, scrub_cb, NULL))
			die("scale: alloc big");
		tb += now_us() - t;
		t = now_us();
		pmx_free(&pool, a, PAGE);
		pmx_free(&pool, b, 2 * PAGE);
		tf += now_us() - t;
		while (!pmx_take_dirty(&pool, POOL_SIZE, &x, &l))
			pmx_put_clean(&pool, x, l);
	}
	printf("| %6" PRIu64 " | %6lu | %.3f | %.3f | %.3f |\n", n,
	       pool.nr_extents, ta / rounds, tb / rounds, tf / rounds / 2);
}

/* ---- driver ---- */

static void run(const char *label, uint64_t seed0, int nseeds, bool verbose)
{
	double fit = 0, bf = 0, bl = 0, pf = 0, sync_mib;
	double succ[NTARGETS] = { 0 }, bytes[NTARGETS] = { 0 };
	struct play_res pr;
	struct churn_res cr;
	int i, t;

	sync_bytes = 0;
	a_sync_bytes = 0;
	free_sync_bytes = 0;
	play_allocs = play_paid = 0;
	memset(class_att, 0, sizeof(class_att));
	memset(class_fail, 0, sizeof(class_fail));
	play_frees = play_free_paid = 0;
	for (i = 0; i < nseeds; i++) {
		playback(seed0 + i, &pr);
		churn(seed0 + i, &cr);
		fit += pr.fit;
		bf += pr.bound_free;
		bl += pr.bound_largest;
		pf += pr.failures;
		for (t = 0; t < NTARGETS; t++) {
			succ[t] += cr.success[t];
			bytes[t] += cr.bytes_ok[t];
		}
		if (verbose)
			printf("  seed %" PRIu64 ": fit %d (free %d, run %d) churn90 %.1f%%\n",
			       seed0 + i, pr.fit, pr.bound_free,
			       pr.bound_largest, cr.success[1]);
	}
	sync_mib = (double)sync_bytes / MIB / nseeds;
	printf("| %-22s | %6.1f | %4.0f / %4.0f | %3.0f | %5.1f %% | %5.1f %% (%4.1f %%) | %5.1f %% (%4.1f %%) | %7.0f | %5.1f %% | %7.0f | %5.1f %% | %7.0f |\n",
	       label, fit / nseeds, bf / nseeds, bl / nseeds, pf / nseeds,
	       succ[0] / nseeds, succ[1] / nseeds, bytes[1] / nseeds,
	       succ[2] / nseeds, bytes[2] / nseeds, sync_mib,
	       play_allocs ? 100.0 * play_paid / play_allocs : 0.0,
	       (double)free_sync_bytes / MIB / nseeds,
	       play_frees ? 100.0 * play_free_paid / play_frees : 0.0,
	       (double)a_sync_bytes / MIB / nseeds);
	if (verbose) {
		printf("  churn 95 %%, failed / attempted:");
		for (t = 0; t < NCLASS; t++)
			printf(" %s %lu / %lu", class_name[t], class_fail[t],
			       class_att[t]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	char rates[256] = "0,256,1024,inf", *tok, *save = NULL, label[64];
	uint64_t seed = 42;
	int nseeds = 1, i;
	bool verbose = false, scale = false, maps = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			nseeds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			chunk = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-S") && i + 1 < argc)
			snprintf(rates, sizeof(rates), "%s", argv[++i]);
		else if (!strcmp(argv[i], "-L"))
			locked = true;
		else if (!strcmp(argv[i], "-W"))
			retry = true;
		else if (!strcmp(argv[i], "-T") && i + 1 < argc)
			top_max = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-F") && i + 1 < argc)
			free_wm = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-N"))
			free_land = true;
		else if (!strcmp(argv[i], "-D") && i + 1 < argc)
			reach = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-X") && i + 1 < argc)
			press_calls = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-Y"))
			press_pause = true;
		else if (!strcmp(argv[i], "-Q") && i + 1 < argc)
			free_ratio = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-N2"))
			free_land = land_top = true;
		else if (!strcmp(argv[i], "-H"))
			scrub_order = PMX_SCRUB_HIGHEST;
		else if (!strcmp(argv[i], "-E"))
			scrub_order = PMX_SCRUB_ENDS;
		else if (!strcmp(argv[i], "-P"))
			scale = true;
		else if (!strcmp(argv[i], "-M"))
			maps = true;
		else if (!strcmp(argv[i], "-G") && i + 1 < argc)
			seg_max = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-R") && i + 1 < argc)
			seg_region = strtoull(argv[++i], NULL, 0) * KIB;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			die("usage: pmx_sim [-s SEED] [-n SEEDS] [-c CHUNK_KIB] [-S KIB,...|inf] [-T KIB] [-L] [-W] [-F KIB] [-Q PCT] [-N|-N2] [-D KIB [-X CALLS [-Y]]] [-H|-E] [-P] [-M [-G KIB] [-R KIB]] [-v]");
	}
	if (nseeds < 1 || !chunk)
		die("bad -n or -c");
	if (scale) {
		kind = PMX;
		printf("pmx on the host, top_max %" PRIu64 " KiB: mean us per call\n\n",
		       (uint64_t)(top_max / KIB));
		printf("| live | extents | alloc 4 KiB | alloc 8 KiB | free |\n|---|---|---|---|---|\n");
		scale_host(1000, 200000);
		scale_host(60000, 200000);
		pmx_destroy(&pool);
		return 0;
	}
	if (maps) {
		static const char *const pname[] = {
			[P_TE] = "two-ended (pmx)",
			[P_TE_BF] = "two-ended, best fit",
			[P_TE_BF_TOP] = "two-ended, best fit top",
			[P_TE_KEEP] = "two-ended, keep longest",
			[P_SEG] = "small class region",
			[P_SEG_TE_BF] = "small region + best fit",
			[P_TE_EXACT] = "two-ended, exact first",
			[P_TE_CLASS] = "two-ended, frame multiples",
			[P_SLOTS] = "frame slots",
			[P_SLOTS_BF] = "frame slots, best fit top",
		};
		int pl;

		printf("seeds %" PRIu64 "..%" PRIu64 ", settled placement on a page map, top_max %" PRIu64 " KiB, small class <= %" PRIu64 " KiB in the top %" PRIu64 " KiB\n\n",
		       seed, seed + nseeds - 1, (uint64_t)(top_max / KIB),
		       (uint64_t)(seg_max / KIB), (uint64_t)(seg_region / KIB));
		printf("| allocator | 4K fit | bound free / run | play fails | churn 80 %% | churn 90 %% (bytes) | churn 95 %% (bytes) | sync MiB | (a) allocs paying |\n");
		printf("|---|---|---|---|---|---|---|---|---|\n");
		kind = FIRST_FIT;
		run("first fit (genalloc)", seed, nseeds, verbose);
		kind = BOUND;
		run("perfect compaction", seed, nseeds, verbose);
		kind = MAP;
		for (pl = 0; pl < (int)(sizeof(pname) / sizeof(pname[0])); pl++) {
			policy = (enum policy)pl;
			run(pname[pl], seed, nseeds, verbose);
		}
		return 0;
	}
	printf("seeds %" PRIu64 "..%" PRIu64 ", pool %" PRIu64 " MiB, pmx top_max %" PRIu64 " KiB, scrubber chunk %" PRIu64 " KiB%s\n\n",
	       seed, seed + nseeds - 1, POOL_SIZE / MIB,
	       (uint64_t)(top_max / KIB), (uint64_t)(chunk / KIB),
	       locked ? ", scrubbed under the lock" :
	       retry ? ", claimed while scrubbed, failures wait for it" :
	       ", claimed while scrubbed (first fit on it waits)");
	if (free_wm != S_INF)
		printf("frees scrub their range when the dirty backlog would exceed %" PRIu64 " KiB\n",
		       free_wm / KIB);
	if (scrub_order)
		printf("the scrubber takes %s\n", scrub_order == PMX_SCRUB_HIGHEST ?
		       "the highest dirty memory first" : "from the two ends in turn");
	printf("| allocator | 4K fit | bound free / run | play fails | churn 80 %% | churn 90 %% (bytes) | churn 95 %% (bytes) | sync MiB | (a) allocs paying | free-scrubbed MiB | (a) frees scrubbing | (a) sync MiB |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	kind = FIRST_FIT;
	run("first fit (genalloc)", seed, nseeds, verbose);
	kind = PMX;
	lat_report();
	for (tok = strtok_r(rates, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "inf")) {
			scrub_rate = S_INF;
			snprintf(label, sizeof(label), "pmx, S = inf (settled)");
		} else {
			scrub_rate = strtoull(tok, NULL, 0) * KIB;
			snprintf(label, sizeof(label), "pmx, S = %s KiB/call",
				 tok);
		}
		run(label, seed, nseeds, verbose);
	}
	pmx_destroy(&pool);
	return 0;
}
