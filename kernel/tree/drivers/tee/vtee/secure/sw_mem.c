// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: the region table, the buffer table and memref
 * resolution.
 *
 * A region is protected memory of one use case. The normal world only
 * ever describes memory (physical address or page list, window, and its
 * claim "this is protected"); here the secure world checks that claim
 * against its regions before touching a byte:
 *  - a protected memref must lie wholly within one region and is accessed
 *    through the secure mapping of that region;
 *  - a normal memref must not overlap the carveout or any region and is
 *    accessed page by page with kmap_local_page().
 * Within the regions, the buffer table (VTEE_MSG_BUF_ADD/_DEL, fast calls
 * made on the calling CPU; guarded by vtee_sw.bufs_lock) says which ranges
 * are live buffers. Protected memory is served a whole buffer at a
 * time: a TA's protected memref must describe exactly one live buffer of
 * a use case the TA may touch, and scrubbing never touches a live buffer.
 * Bounds arithmetic lives in msg_check.c. Everything here runs on the
 * secure thread (or at start/stop), see sw_private.h.
 */
#define pr_fmt(fmt) "vtee-secure: " fmt

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "msg_check.h"
#include "sw_private.h"

/**
 * vtee_sw_region_add() - start policing protected memory
 * @sw:		the secure world
 * @paddr:	first byte, page aligned
 * @size:	size in bytes, page aligned, not 0
 * @use_case:	use case of the memory (1..3)
 * @vaddr:	the secure world's mapping of @paddr
 *
 * The caller has checked where the memory comes from (the carveout, or
 * memory lent by the normal world); this checks the region itself.
 *
 * Return: 0, -EINVAL if the region is malformed or overlaps another one,
 * -ENOMEM.
 */
int vtee_sw_region_add(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case,
		       void *vaddr)
{
	struct vtee_sw_region *r;

	if (!size || !PAGE_ALIGNED(paddr) || !PAGE_ALIGNED(size) ||
	    !vtee_msg_range_valid(paddr, size) ||
	    !use_case || use_case > VTEE_FW_NUM_USE_CASES || !vaddr)
		return -EINVAL;
	list_for_each_entry(r, &sw->regions, node)
		if (vtee_msg_ranges_overlap(paddr, size, r->paddr, r->size))
			return -EINVAL;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->paddr = paddr;
	r->size = size;
	r->use_case = use_case;
	r->vaddr = vaddr;
	/* Fast calls read the list: change it under the table's lock */
	mutex_lock(&sw->bufs_lock);
	list_add_tail(&r->node, &sw->regions);
	mutex_unlock(&sw->bufs_lock);
	return 0;
}

const char *const vtee_sw_clear_names[VTEE_SW_CLEAR_NR] = {
	[VTEE_SW_CLEAR_MEMSET] = "memset",
	[VTEE_SW_CLEAR_PAGE] = "clear_page",
	[VTEE_SW_CLEAR_MEMSET64] = "memset64",
};

/* Zero one page at page-aligned @va with @how. */
static void vtee_sw_clear_page(enum vtee_sw_clear how, void *va)
{
	switch (how) {
	case VTEE_SW_CLEAR_PAGE:
		clear_page(va);
		break;
	case VTEE_SW_CLEAR_MEMSET64:
		memset64(va, 0, PAGE_SIZE / sizeof(u64));
		break;
	default:
		memset(va, 0, PAGE_SIZE);
		break;
	}
}

/* Bytes of the carveout each primitive clears per round, and the rounds */
#define VTEE_SW_CAL_BYTES	SZ_1M
#define VTEE_SW_CAL_ROUNDS	3

/**
 * vtee_sw_clear_calibrate() - choose the fastest way to scrub a page
 * @sw:	the secure world, at start: no buffer exists yet
 *
 * Times each primitive of enum vtee_sw_clear over the first
 * VTEE_SW_CAL_BYTES of the carveout, through the mapping scrubs use,
 * VTEE_SW_CAL_ROUNDS rounds taking turns, and keeps the best time of each
 * (as lib/raid6 and the xor code choose their routines at boot). Before
 * each pass the first and last word of every page are set, and after it
 * they must read zero: a primitive that did not clear is never chosen.
 * Without a carveout scrubs use memset(). Records MiB/s in @sw->stats.
 */
void vtee_sw_clear_calibrate(struct vtee_sw *sw)
{
	u64 best[VTEE_SW_CLEAR_NR], ns, off, mibs;
	unsigned int how, round, pick = VTEE_SW_CLEAR_MEMSET;
	u64 *w;

	if (!sw->carveout || sw->carveout_size < VTEE_SW_CAL_BYTES)
		return;
	for (how = 0; how < VTEE_SW_CLEAR_NR; how++)
		best[how] = U64_MAX;
	for (round = 0; round < VTEE_SW_CAL_ROUNDS; round++) {
		for (how = 0; how < VTEE_SW_CLEAR_NR; how++) {
			for (off = 0; off < VTEE_SW_CAL_BYTES; off += PAGE_SIZE) {
				w = sw->carveout + off;
				w[0] = ~0ULL;
				w[PAGE_SIZE / sizeof(u64) - 1] = ~0ULL;
			}
			ns = ktime_get_ns();
			for (off = 0; off < VTEE_SW_CAL_BYTES; off += PAGE_SIZE)
				vtee_sw_clear_page(how, sw->carveout + off);
			ns = ktime_get_ns() - ns;
			for (off = 0; off < VTEE_SW_CAL_BYTES; off += PAGE_SIZE) {
				w = sw->carveout + off;
				if (WARN_ON_ONCE(w[0] ||
						 w[PAGE_SIZE / sizeof(u64) - 1]))
					ns = U64_MAX;
			}
			best[how] = min(best[how], max(ns, 1ULL));
			cond_resched();
		}
	}
	spin_lock(&sw->lock);
	for (how = 0; how < VTEE_SW_CLEAR_NR; how++) {
		mibs = best[how] == U64_MAX ? 0 :
		       div64_u64((u64)VTEE_SW_CAL_BYTES * NSEC_PER_SEC,
				 best[how] * SZ_1M);
		sw->stats.clear_mibs[how] = mibs;
		if (best[how] < best[pick])
			pick = how;
	}
	sw->stats.clear = pick;
	spin_unlock(&sw->lock);
	pr_info("scrubbing with %s: memset %llu, clear_page %llu, memset64 %llu MiB/s\n",
		vtee_sw_clear_names[pick],
		sw->stats.clear_mibs[VTEE_SW_CLEAR_MEMSET],
		sw->stats.clear_mibs[VTEE_SW_CLEAR_PAGE],
		sw->stats.clear_mibs[VTEE_SW_CLEAR_MEMSET64]);
}

/**
 * vtee_sw_scrub_range() - zero protected memory through a secure mapping
 * @sw:		the secure world
 * @vaddr:	its secure mapping
 * @size:	bytes
 *
 * A page at a time, rescheduling in between, with the primitive
 * vtee_sw_clear_calibrate() chose for whole, page-aligned pages and
 * memset() for the rest; counted in the scrub statistics.
 */
void vtee_sw_scrub_range(struct vtee_sw *sw, void *vaddr, u64 size)
{
	enum vtee_sw_clear how = READ_ONCE(sw->stats.clear);
	u64 done, n;

	for (done = 0; done < size; done += n) {
		n = min_t(u64, size - done, PAGE_SIZE);
		if (n == PAGE_SIZE && PAGE_ALIGNED(vaddr + done))
			vtee_sw_clear_page(how, vaddr + done);
		else
			memset(vaddr + done, 0, n);
		cond_resched();
	}
	spin_lock(&sw->lock);
	sw->stats.scrubbed += size;
	spin_unlock(&sw->lock);
}

/**
 * vtee_sw_regions_free() - scrub and forget all regions and buffers
 * @sw:	the secure world, whose thread no longer runs
 *
 * Lent memory is scrubbed and unmapped here; the carveout is scrubbed
 * as a whole by vtee_sw_stop(). Nothing protected is ever given back
 * with content in it, whatever the pools did or did not scrub.
 */
void vtee_sw_regions_free(struct vtee_sw *sw)
{
	struct vtee_sw_region *r, *tmp;
	struct vtee_sw_buf *b, *btmp;

	rbtree_postorder_for_each_entry_safe(b, btmp, &sw->bufs, node)
		kfree(b);
	sw->bufs = RB_ROOT;
	list_for_each_entry_safe(r, tmp, &sw->regions, node) {
		list_del(&r->node);
		if (r->lent) {
			vtee_sw_scrub_range(sw, r->vaddr, r->size);
			vunmap(r->vaddr);
		}
		kfree(r);
	}
}

/**
 * vtee_sw_region_find() - the region wholly holding a range
 * @sw:		the secure world
 * @paddr:	first byte of the range
 * @size:	its size
 *
 * Return: the region, or NULL if no single region holds the whole range.
 */
struct vtee_sw_region *vtee_sw_region_find(struct vtee_sw *sw, u64 paddr,
					   u64 size)
{
	struct vtee_sw_region *r;

	list_for_each_entry(r, &sw->regions, node)
		if (vtee_msg_range_within(paddr, size, r->paddr, r->size))
			return r;
	return NULL;
}

/**
 * vtee_sw_touches_protected() - does a range touch protected memory
 * @sw:		the secure world
 * @paddr:	first byte of the range
 * @size:	its size
 *
 * Return: true if [@paddr, @paddr + @size) overlaps the carveout (whether
 * or not a region covers that part) or any region.
 */
bool vtee_sw_touches_protected(struct vtee_sw *sw, u64 paddr, u64 size)
{
	struct vtee_sw_region *r;

	if (sw->carveout_size &&
	    vtee_msg_ranges_overlap(paddr, size, sw->carveout_base,
				    sw->carveout_size))
		return true;
	list_for_each_entry(r, &sw->regions, node)
		if (vtee_msg_ranges_overlap(paddr, size, r->paddr, r->size))
			return true;
	return false;
}

/*
 * The buffer nearest [@paddr, @paddr + @size) in the tree: one that
 * overlaps it if any does; *@link and *@parent say where a buffer for the
 * range would go if none does.
 */
static struct vtee_sw_buf *vtee_sw_buf_search(struct vtee_sw *sw, u64 paddr,
					      u64 size, struct rb_node ***link,
					      struct rb_node **parent)
{
	struct rb_node **p = &sw->bufs.rb_node, *up = NULL;
	struct vtee_sw_buf *b;

	while (*p) {
		up = *p;
		b = rb_entry(up, struct vtee_sw_buf, node);
		if (paddr + size <= b->paddr)
			p = &up->rb_left;
		else if (paddr >= b->paddr + b->size)
			p = &up->rb_right;
		else
			return b;
	}
	if (link)
		*link = p;
	if (parent)
		*parent = up;
	return NULL;
}

/**
 * vtee_sw_buf_add() - a pool hands out a buffer
 * @sw:		the secure world
 * @paddr:	first byte, page aligned
 * @size:	bytes, page aligned, not 0
 * @use_case:	the use case of the pool it comes from
 *
 * Context: a fast call; the caller holds vtee_sw.bufs_lock, under which
 * the secure thread also adds and removes regions, so reading them here is
 * safe.
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS if the range is
 * malformed, not within one region of @use_case, or overlaps a live
 * buffer; TEEC_ERROR_OUT_OF_MEMORY.
 */
u32 vtee_sw_buf_add(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case)
{
	struct rb_node **link, *parent;
	struct vtee_sw_region *r;
	struct vtee_sw_buf *b;

	lockdep_assert_held(&sw->bufs_lock);
	if (!size || !PAGE_ALIGNED(paddr) || !PAGE_ALIGNED(size) ||
	    !vtee_msg_range_valid(paddr, size))
		return TEEC_ERROR_BAD_PARAMETERS;
	r = vtee_sw_region_find(sw, paddr, size);
	if (!r || r->use_case != use_case ||
	    vtee_sw_buf_search(sw, paddr, size, &link, &parent))
		return TEEC_ERROR_BAD_PARAMETERS;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return TEEC_ERROR_OUT_OF_MEMORY;
	b->paddr = paddr;
	b->size = size;
	b->region = r;
	rb_link_node(&b->node, parent, link);
	rb_insert_color(&b->node, &sw->bufs);
	return TEEC_SUCCESS;
}

/**
 * vtee_sw_buf_del() - a pool takes a buffer back
 * @sw:		the secure world
 * @paddr:	as added
 * @size:	as added
 *
 * From now on neither a TA nor a device can reach the range, until a
 * pool hands it out again (scrubbed).
 *
 * Context: a fast call; the caller holds vtee_sw.bufs_lock.
 *
 * Return: TEEC_SUCCESS, or TEEC_ERROR_BAD_PARAMETERS if exactly this
 * buffer is not live.
 */
u32 vtee_sw_buf_del(struct vtee_sw *sw, u64 paddr, u64 size)
{
	struct vtee_sw_buf *b;

	lockdep_assert_held(&sw->bufs_lock);

	if (!vtee_msg_range_valid(paddr, size) || !size)
		return TEEC_ERROR_BAD_PARAMETERS;
	b = vtee_sw_buf_search(sw, paddr, size, NULL, NULL);
	if (!b || b->paddr != paddr || b->size != size)
		return TEEC_ERROR_BAD_PARAMETERS;
	rb_erase(&b->node, &sw->bufs);
	kfree(b);
	return TEEC_SUCCESS;
}

/**
 * vtee_sw_buf_find() - the live buffer wholly holding a range
 * @sw:		the secure world
 * @paddr:	first byte of the range
 * @size:	its size, not 0
 * @out:	a copy of the buffer (its paddr, size and region), valid
 *		after the table's lock is dropped
 *
 * Return: true if one live buffer holds the whole range.
 */
bool vtee_sw_buf_find(struct vtee_sw *sw, u64 paddr, u64 size,
		      struct vtee_sw_buf *out)
{
	struct vtee_sw_buf *b;
	bool found = false;

	if (!size || !vtee_msg_range_valid(paddr, size))
		return false;
	mutex_lock(&sw->bufs_lock);
	b = vtee_sw_buf_search(sw, paddr, size, NULL, NULL);
	if (b && vtee_msg_range_within(paddr, size, b->paddr, b->size)) {
		out->paddr = b->paddr;
		out->size = b->size;
		out->region = b->region;
		found = true;
	}
	mutex_unlock(&sw->bufs_lock);
	return found;
}

/**
 * vtee_sw_buf_overlaps() - does a range touch a live buffer
 * @sw:		the secure world
 * @paddr:	first byte of the range
 * @size:	its size
 *
 * Return: true if any byte of the range is in a live buffer.
 */
bool vtee_sw_buf_overlaps(struct vtee_sw *sw, u64 paddr, u64 size)
{
	bool ret;

	if (!size)
		return false;
	mutex_lock(&sw->bufs_lock);
	ret = vtee_sw_buf_search(sw, paddr, size, NULL, NULL);
	mutex_unlock(&sw->bufs_lock);
	return ret;
}

static u32 vtee_sw_win_get_protected(struct vtee_sw_sess *sess,
				     struct vtee_msg_memref *mr, u32 want,
				     struct vtee_sw_win *win)
{
	const struct vtee_sw_ta *ta = sess->ta;
	struct vtee_sw_buf b;
	u32 uc;

	/* Protected buffers are physically contiguous. */
	if (mr->pages)
		return TEEC_ERROR_BAD_PARAMETERS;
	/* Exactly one live buffer: never a part of one, never free memory */
	if (!vtee_sw_buf_find(sess->sw, mr->paddr, mr->buf_size, &b) ||
	    b.paddr != mr->paddr || b.size != mr->buf_size)
		return TEEC_ERROR_ACCESS_DENIED;
	/* Each TA touches only the use cases it is written for */
	uc = VTEE_SW_UC(b.region->use_case);
	if (((want & VTEE_SW_PROT_READ) && !(ta->may_read & uc)) ||
	    ((want & VTEE_SW_PROT_WRITE) && !(ta->may_write & uc)))
		return TEEC_ERROR_ACCESS_DENIED;
	win->buf_size = b.size;
	win->region = b.region;
	win->vaddr = b.region->vaddr + (b.paddr - b.region->paddr) +
		     mr->offs;
	return TEEC_SUCCESS;
}

static u32 vtee_sw_win_get_contig(struct vtee_sw *sw,
				  struct vtee_msg_memref *mr,
				  struct vtee_sw_win *win)
{
	u64 first, last;

	if (!vtee_msg_range_valid(mr->paddr, mr->buf_size))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (vtee_sw_touches_protected(sw, mr->paddr, mr->buf_size))
		return TEEC_ERROR_ACCESS_DENIED;
	win->paddr = mr->paddr + mr->offs;
	if (!mr->size)
		return TEEC_SUCCESS;
	/* Only memory with a struct page can be reached with kmap. */
	first = PHYS_PFN(win->paddr);
	last = PHYS_PFN(win->paddr + mr->size - 1);
	for (; first <= last; first++)
		if (!pfn_valid(first))
			return TEEC_ERROR_BAD_PARAMETERS;
	return TEEC_SUCCESS;
}

static u32 vtee_sw_win_get_pages(struct vtee_sw *sw,
				 struct vtee_msg_memref *mr,
				 struct vtee_sw_win *win)
{
	u64 end, npages, i;

	if (mr->page_offs >= PAGE_SIZE ||
	    check_add_overflow((u64)mr->page_offs, mr->buf_size, &end) ||
	    end > U64_MAX - PAGE_SIZE)
		return TEEC_ERROR_BAD_PARAMETERS;
	npages = DIV_ROUND_UP_ULL(end, PAGE_SIZE);
	for (i = 0; i < npages; i++)
		if (vtee_sw_touches_protected(sw, page_to_phys(mr->pages[i]),
					      PAGE_SIZE))
			return TEEC_ERROR_ACCESS_DENIED;
	win->pages = mr->pages;
	win->pos = mr->page_offs + mr->offs;
	return TEEC_SUCCESS;
}

/**
 * vtee_sw_win_get() - check a TA's memref and resolve its window
 * @sess:	the session the memref came with
 * @mr:		the memref, as the normal world filled it
 * @want:	VTEE_SW_NORMAL for normal memory, else VTEE_SW_PROT_READ
 *		and/or VTEE_SW_PROT_WRITE for protected memory the TA reads
 *		and/or writes
 * @win:	out: the window, for vtee_sw_win_read()/_write() or, for
 *		protected memory, @win->vaddr
 *
 * A null memref (no address, no pages, buf_size and offs 0) resolves to a
 * window without memory (@win->null) of the size the client gave, so that
 * a TA can answer TEEC_ERROR_SHORT_BUFFER with the size it needs.
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS if the window is out of
 * the buffer's bounds or the buffer is malformed; TEEC_ERROR_ACCESS_DENIED
 * if the memory is not of the kind wanted, whatever the memref claims, a
 * protected memref is not exactly one live buffer, or it is of a use case
 * the session's TA may not read or write as @want says.
 */
u32 vtee_sw_win_get(struct vtee_sw_sess *sess, struct vtee_msg_memref *mr,
		    u32 want, struct vtee_sw_win *win)
{
	struct vtee_sw *sw = sess->sw;
	bool want_protected = want != VTEE_SW_NORMAL;

	memset(win, 0, sizeof(*win));
	win->mr = mr;
	if (!mr->paddr && !mr->pages && !mr->buf_size && !mr->offs) {
		win->null = true;
		win->size = mr->size;
		return TEEC_SUCCESS;
	}
	if (vtee_msg_check_window(mr->buf_size, mr->offs, mr->size))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (mr->protected != want_protected)
		return TEEC_ERROR_ACCESS_DENIED;
	win->size = mr->size;
	if (want_protected)
		return vtee_sw_win_get_protected(sess, mr, want, win);
	if (mr->pages)
		return vtee_sw_win_get_pages(sw, mr, win);
	return vtee_sw_win_get_contig(sw, mr, win);
}

/*
 * Copy between normal memory at byte @pos of @win and a kernel buffer,
 * page by page: into @win from @src if @src is set, else from @win to @dst.
 */
static void vtee_sw_win_copy_normal(const struct vtee_sw_win *win, u64 pos,
				    void *dst, const void *src, size_t len)
{
	u64 at = (win->pages ? win->pos : win->paddr) + pos;

	while (len) {
		size_t in_page = at & ~PAGE_MASK;
		size_t n = min_t(size_t, len, PAGE_SIZE - in_page);
		struct page *page;
		void *p;

		if (win->pages)
			page = win->pages[at >> PAGE_SHIFT];
		else
			page = pfn_to_page(PHYS_PFN(at));
		p = kmap_local_page(page);
		if (src) {
			memcpy(p + in_page, src, n);
			src += n;
		} else {
			memcpy(dst, p + in_page, n);
			dst += n;
		}
		kunmap_local(p);
		if (src)
			flush_dcache_page(page);
		at += n;
		len -= n;
		cond_resched();
	}
}

/**
 * vtee_sw_win_whole() - does a protected window cover its whole buffer
 * @win:	a window of protected memory from vtee_sw_win_get()
 *
 * Services that report on protected content do so over whole buffers
 * only, never over a part the caller chose.
 *
 * Return: true if @win starts at the buffer's first byte and ends at its
 * last.
 */
bool vtee_sw_win_whole(const struct vtee_sw_win *win)
{
	return win->buf_size && win->mr->offs == 0 &&
	       win->size == win->buf_size;
}

static int vtee_sw_win_check(const struct vtee_sw_win *win, u64 pos,
			     size_t len)
{
	if (!len)
		return 0;
	if (win->null || vtee_msg_check_window(win->size, pos, len))
		return -EINVAL;
	return 0;
}

/**
 * vtee_sw_win_read() - copy from a window into the secure world
 * @win:	the window
 * @pos:	offset in the window
 * @dst:	kernel buffer owned by the secure world (or a secure mapping)
 * @len:	bytes to copy
 *
 * Return: 0, or -EINVAL if [@pos, @pos + @len) is not inside the window
 * (or the window has no memory).
 */
int vtee_sw_win_read(const struct vtee_sw_win *win, u64 pos, void *dst,
		     size_t len)
{
	int ret = vtee_sw_win_check(win, pos, len);

	if (ret || !len)
		return ret;
	if (win->region)
		memcpy(dst, win->vaddr + pos, len);
	else
		vtee_sw_win_copy_normal(win, pos, dst, NULL, len);
	return 0;
}

/**
 * vtee_sw_win_write() - copy from the secure world into a window
 * @win:	the window
 * @pos:	offset in the window
 * @src:	kernel buffer owned by the secure world (or a secure mapping)
 * @len:	bytes to copy
 *
 * Return: 0, or -EINVAL if [@pos, @pos + @len) is not inside the window
 * (or the window has no memory).
 */
int vtee_sw_win_write(const struct vtee_sw_win *win, u64 pos, const void *src,
		      size_t len)
{
	int ret = vtee_sw_win_check(win, pos, len);

	if (ret || !len)
		return ret;
	if (win->region)
		memcpy(win->vaddr + pos, src, len);
	else
		vtee_sw_win_copy_normal(win, pos, NULL, src, len);
	return 0;
}

/**
 * vtee_sw_win_copy() - copy between a protected and another window
 * @dst:	destination window, from its start
 * @src:	source window, from its start
 * @len:	bytes to copy
 *
 * One of the windows must be protected memory: the copy goes through its
 * secure mapping, the other side through vtee_sw_win_read()/_write().
 *
 * Return: 0, or -EINVAL if @len does not fit either window (or one that
 * must hold bytes has no memory), or neither window is protected.
 */
int vtee_sw_win_copy(const struct vtee_sw_win *dst,
		     const struct vtee_sw_win *src, size_t len)
{
	if (vtee_sw_win_check(dst, 0, len) || vtee_sw_win_check(src, 0, len))
		return -EINVAL;
	if (!len)
		return 0;
	if (dst->region)
		return vtee_sw_win_read(src, 0, dst->vaddr, len);
	if (src->region)
		return vtee_sw_win_write(dst, 0, src->vaddr, len);
	return -EINVAL;
}

/**
 * vtee_sw_region_lend() - accept normal memory as protected memory
 * @sw:		the secure world
 * @paddr:	first byte, page aligned, memory with struct pages
 * @size:	bytes, page aligned, not 0
 * @use_case:	use case it will serve (1..3)
 *
 * The normal world has removed the memory from its direct map; the secure
 * world maps it for itself and polices it as a region from now on.
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS for a malformed range,
 * one without struct pages, or one that is already protected;
 * TEEC_ERROR_OUT_OF_MEMORY.
 */
u32 vtee_sw_region_lend(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case)
{
	struct vtee_sw_region *r;
	struct page **pages;
	size_t i, n;
	void *vaddr;
	int err;

	if (!size || !PAGE_ALIGNED(paddr) || !PAGE_ALIGNED(size) ||
	    !vtee_msg_range_valid(paddr, size) ||
	    !use_case || use_case > VTEE_FW_NUM_USE_CASES ||
	    !pfn_valid(PHYS_PFN(paddr)) ||
	    !pfn_valid(PHYS_PFN(paddr + size - 1)) ||
	    vtee_sw_touches_protected(sw, paddr, size))
		return TEEC_ERROR_BAD_PARAMETERS;

	n = size >> PAGE_SHIFT;
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return TEEC_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < n; i++)
		pages[i] = pfn_to_page(PHYS_PFN(paddr) + i);
	vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	if (!vaddr)
		return TEEC_ERROR_OUT_OF_MEMORY;

	err = vtee_sw_region_add(sw, paddr, size, use_case, vaddr);
	if (err) {
		vunmap(vaddr);
		return err == -ENOMEM ? TEEC_ERROR_OUT_OF_MEMORY :
					TEEC_ERROR_BAD_PARAMETERS;
	}
	r = vtee_sw_region_find(sw, paddr, size);
	r->lent = true;
	return TEEC_SUCCESS;
}

/**
 * vtee_sw_region_reclaim() - give lent memory back to the normal world
 * @sw:		the secure world
 * @paddr:	as lent
 * @size:	as lent
 *
 * Scrubs the memory, unmaps it and stops policing it.
 *
 * Return: TEEC_SUCCESS, or TEEC_ERROR_BAD_PARAMETERS if exactly this range
 * was not lent or a live buffer is still in it.
 */
u32 vtee_sw_region_reclaim(struct vtee_sw *sw, u64 paddr, u64 size)
{
	struct vtee_sw_region *r = vtee_sw_region_find(sw, paddr, size);
	bool busy;

	if (!r || !r->lent || r->paddr != paddr || r->size != size)
		return TEEC_ERROR_BAD_PARAMETERS;
	/* No buffer in it, and none added while it goes: one locked step */
	mutex_lock(&sw->bufs_lock);
	busy = vtee_sw_buf_search(sw, paddr, size, NULL, NULL);
	if (!busy)
		list_del(&r->node);
	mutex_unlock(&sw->bufs_lock);
	if (busy)
		return TEEC_ERROR_BAD_PARAMETERS;
	/* A local scrub that found the region before it went is done */
	down_write(&sw->scrub_sem);
	up_write(&sw->scrub_sem);
	vtee_sw_scrub_range(sw, r->vaddr, size);
	vunmap(r->vaddr);
	kfree(r);
	return TEEC_SUCCESS;
}
