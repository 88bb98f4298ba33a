// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: the DMA engine of the emulated media devices
 * (VTEE_MSG_DMA, layout in ../msg.h).
 *
 * A device reads a source range and/or writes a destination range, each
 * given by DMA address and length. This platform has no IOMMU, so a DMA
 * address is the physical address; a real memory firewall (a TZC-400, an
 * SMMU in the secure world) sees the same. Before a device touches a
 * byte, every range is checked:
 *  - a range that touches protected memory (the carveout or any region)
 *    must lie wholly in one live buffer (the pools announce them, see
 *    sw_mem.c), and the firewall must allow the device's stream to READ
 *    it (source) or WRITE it (destination) for that buffer's use case.
 *    The range then stands for the whole buffer: devices read whole
 *    protected buffers and write whole ones (past the output, zeros), so
 *    no answer depends on a part of protected content the caller chose
 *    (docs/threat-model.md). With a protected source, DECODE reports the
 *    size of the destination buffer instead of the decoded size, and no
 *    size with TEEC_ERROR_SHORT_BUFFER;
 *  - a range outside the carveout and every region is normal memory,
 *    open to any device (so devices work with system-heap buffers); it
 *    must have struct pages, as the engine reaches it with
 *    kmap_local_page();
 *  - a protected source with a normal destination is refused: a device
 *    never moves protected data outward.
 * Each refusal answers TEEC_ERROR_ACCESS_DENIED, is counted in the
 * violation counter of the use case concerned (index 0: carveout memory
 * outside every region) and logged, rate limited, without addresses
 * (those go to the debug log only). Malformed requests
 * (bad operation, missing or overlapping ranges, length 0 or above
 * VTEE_SW_DMA_MAX) answer TEEC_ERROR_BAD_PARAMETERS and count nothing.
 *
 * The computations are dma_ops.c's. Protected memory is used in place
 * through the region's secure mapping; normal memory is copied through a
 * secure-world bounce buffer, so an operation sees one consistent
 * snapshot of it. Runs on the secure thread only, like all secure state.
 */
#define pr_fmt(fmt) "vtee-secure: " fmt

#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "dma_fwht.h"
#include "dma_ops.h"
#include "msg_check.h"
#include "sw_private.h"

/* Longest range one operation may read or write */
#define VTEE_SW_DMA_MAX		SZ_64M

/**
 * struct vtee_sw_dma_range - one checked source or destination range
 * @addr:	DMA (= physical) address of its first byte
 * @len:	length in bytes; 0 when the operation has no such range
 * @region:	protected memory: the region holding the whole range;
 *		NULL for normal memory
 * @data:	what the operation reads or writes: the secure mapping of
 *		the range (protected), or a bounce buffer (normal)
 */
struct vtee_sw_dma_range {
	u64 addr;
	u64 len;
	struct vtee_sw_region *region;
	u8 *data;
};

static const char *vtee_sw_dma_op_name(u64 op)
{
	switch (op) {
	case VTEE_DMA_OP_DECODE:
		return "decode";
	case VTEE_DMA_OP_ENCODE:
		return "encode";
	case VTEE_DMA_OP_PATTERN:
		return "pattern";
	case VTEE_DMA_OP_CRC32:
		return "crc32";
	case VTEE_DMA_OP_FWHT_DECODE:
		return "fwht-decode";
	default:
		return "unknown";
	}
}

/* Refuse, count and log one device access; always ACCESS_DENIED. */
static u32 vtee_sw_dma_deny(struct vtee_sw *sw, u32 stream, u32 use_case,
			    u64 op, const struct vtee_sw_dma_range *r,
			    const char *why)
{
	u64 n;

	spin_lock(&sw->lock);
	n = ++sw->stats.violations[use_case];
	spin_unlock(&sw->lock);
	pr_warn_ratelimited("dma: refused %s by %s: %s (%s memory, violation %llu)\n",
			    vtee_sw_dma_op_name(op), vtee_fw_stream_name(stream),
			    why, use_case ? vtee_fw_use_case_name(use_case) :
					    "unassigned carveout", n);
	pr_debug("dma: violation %llu was at %#llx+%#llx\n", n, r->addr,
		 r->len);
	return TEEC_ERROR_ACCESS_DENIED;
}

/* Use case of the first region a range overlaps; 0 if none */
static u32 vtee_sw_dma_overlap_use_case(struct vtee_sw *sw, u64 addr, u64 len)
{
	struct vtee_sw_region *r;

	list_for_each_entry(r, &sw->regions, node)
		if (vtee_msg_ranges_overlap(addr, len, r->paddr, r->size))
			return r->use_case;
	return 0;
}

/*
 * Check one range for @access by @stream; on success @r->region says
 * whether it is protected.
 */
static u32 vtee_sw_dma_check(struct vtee_sw *sw, u32 stream, u64 op,
			     u32 access, struct vtee_sw_dma_range *r)
{
	struct vtee_sw_buf b;
	u64 pfn, last;

	if (!r->len || r->len > VTEE_SW_DMA_MAX ||
	    !vtee_msg_range_valid(r->addr, r->len))
		return TEEC_ERROR_BAD_PARAMETERS;

	if (vtee_sw_touches_protected(sw, r->addr, r->len)) {
		if (!vtee_sw_buf_find(sw, r->addr, r->len, &b))
			return vtee_sw_dma_deny(sw, stream,
						vtee_sw_dma_overlap_use_case(sw, r->addr, r->len),
						op, r, "not within one live buffer");
		r->region = b.region;
		if (!vtee_fw_check(&sw->fw, r->region->use_case, stream, access))
			return vtee_sw_dma_deny(sw, stream, r->region->use_case,
						op, r, access == VTEE_ACCESS_READ ?
						"read not allowed" :
						"write not allowed");
		/* The whole buffer, never a part the caller chose */
		r->addr = b.paddr;
		r->len = b.size;
		return r->len <= VTEE_SW_DMA_MAX ? TEEC_SUCCESS :
						   TEEC_ERROR_BAD_PARAMETERS;
	}

	/* Normal memory: reached page by page, so it needs struct pages */
	last = PHYS_PFN(r->addr + r->len - 1);
	for (pfn = PHYS_PFN(r->addr); pfn <= last; pfn++)
		if (!pfn_valid(pfn))
			return TEEC_ERROR_BAD_PARAMETERS;
	return TEEC_SUCCESS;
}

/* Window on normal memory for vtee_sw_win_read()/_write() */
static void vtee_sw_dma_win(const struct vtee_sw_dma_range *r,
			    struct vtee_sw_win *win)
{
	memset(win, 0, sizeof(*win));
	win->paddr = r->addr;
	win->size = r->len;
}

/* Make @r->data: the secure mapping, or a bounce buffer (read if @fill) */
static int vtee_sw_dma_get(struct vtee_sw_dma_range *r, bool fill)
{
	struct vtee_sw_win win;

	if (r->region) {
		r->data = r->region->vaddr + (r->addr - r->region->paddr);
		return 0;
	}
	r->data = kvmalloc(r->len, GFP_KERNEL);
	if (!r->data)
		return -ENOMEM;
	if (!fill)
		return 0;
	vtee_sw_dma_win(r, &win);
	return vtee_sw_win_read(&win, 0, r->data, r->len);
}

/*
 * Finish the destination after the operation wrote its first @len bytes:
 * a protected buffer is written whole (zeros after the output), a bounce
 * buffer goes back to normal memory.
 */
static int vtee_sw_dma_put(struct vtee_sw_dma_range *r, u64 len)
{
	struct vtee_sw_win win;

	if (r->region) {
		memset(r->data + len, 0, r->len - len);
		return 0;
	}
	vtee_sw_dma_win(r, &win);
	return vtee_sw_win_write(&win, 0, r->data, len);
}

static void vtee_sw_dma_release(struct vtee_sw_dma_range *r)
{
	if (!r->region)
		kvfree(r->data);
	r->data = NULL;
}

/* Run @op on checked, resolved ranges; TEEC_* result, *@out as msg.h says */
static u32 vtee_sw_dma_run(u64 op, struct vtee_sw_dma_range *src,
			   struct vtee_sw_dma_range *dst, u64 frame, u64 *out)
{
	size_t n = 0;
	int ret = 0;

	switch (op) {
	case VTEE_DMA_OP_DECODE:
		ret = vtee_dma_decode(src->data, src->len, dst->data, dst->len,
				      &n);
		break;
	case VTEE_DMA_OP_ENCODE:
		ret = vtee_dma_encode(src->data, src->len, dst->data, dst->len,
				      &n);
		break;
	case VTEE_DMA_OP_PATTERN:
		vtee_dma_pattern(dst->data, dst->len, 0, (u32)frame);
		n = dst->len;
		break;
	case VTEE_DMA_OP_CRC32:
		*out = vtee_dma_crc32(src->data, src->len);
		return TEEC_SUCCESS;
	}
	/*
	 * What a decoder reports of a protected bitstream: the frame buffer
	 * it filled, not how much the bitstream decoded to.
	 */
	if (op == VTEE_DMA_OP_DECODE && src->region)
		*out = ret ? 0 : dst->len;
	else
		*out = n;
	if (ret == -EINVAL)
		return TEEC_ERROR_BAD_FORMAT;
	if (ret == -ENOSPC)
		return TEEC_ERROR_SHORT_BUFFER;
	return vtee_sw_dma_put(dst, n) ? TEEC_ERROR_GENERIC : TEEC_SUCCESS;
}

/* Which ranges each operation has: bit 0 source, bit 1 destination */
static unsigned int vtee_sw_dma_ranges(u64 op)
{
	switch (op) {
	case VTEE_DMA_OP_DECODE:
	case VTEE_DMA_OP_ENCODE:
	case VTEE_DMA_OP_FWHT_DECODE:
		return 3;
	case VTEE_DMA_OP_PATTERN:
		return 2;
	case VTEE_DMA_OP_CRC32:
		return 1;
	default:
		return 0;
	}
}

/* Parameter 1 or 2: a range if the operation has one, else NONE */
static bool vtee_sw_dma_param(const struct vtee_msg_param *p, bool want,
			      struct vtee_sw_dma_range *r)
{
	if (!want)
		return (p->attr & VTEE_MSG_ATTR_TYPE_MASK) ==
		       VTEE_MSG_ATTR_NONE;
	if ((p->attr & VTEE_MSG_ATTR_TYPE_MASK) != VTEE_MSG_ATTR_VALUE_INPUT)
		return false;
	r->addr = p->u.value.a;
	r->len = p->u.value.b;
	return true;
}

/*
 * Key of the FWHT reference frames' tags (dma_fwht.h): secure-world
 * memory, drawn once, never leaves the secure world.
 */
static siphash_key_t vtee_sw_dma_ref_key;

static bool vtee_sw_dma_overlap3(const struct vtee_sw_dma_range *a,
				 const struct vtee_sw_dma_range *b,
				 const struct vtee_sw_dma_range *c)
{
	return vtee_msg_ranges_overlap(a->addr, a->len, b->addr, b->len) ||
	       vtee_msg_ranges_overlap(a->addr, a->len, c->addr, c->len) ||
	       vtee_msg_ranges_overlap(b->addr, b->len, c->addr, c->len);
}

/*
 * VTEE_DMA_OP_FWHT_DECODE: the ranges are checked (source READ,
 * destination WRITE, reference READ and WRITE), then the frame decodes
 * into secure-world scratch memory and only then goes to the destination
 * (written whole) and the reference (rewritten whole).
 */
static u32 vtee_sw_dma_fwht(struct vtee_sw *sw, u32 stream,
			    struct vtee_msg_param *p,
			    struct vtee_sw_dma_range *src,
			    struct vtee_sw_dma_range *dst)
{
	const u64 op = VTEE_DMA_OP_FWHT_DECODE;
	struct vtee_sw_dma_range ref = {
		.addr = p[3].u.value.a, .len = p[3].u.value.b,
	};
	struct vtee_dma_fwht_fmt fmt = {
		.pixelformat = (u32)p[0].u.value.c,
		.width = (u32)p[3].u.value.c,
		.height = (u32)(p[3].u.value.c >> 32),
	};
	struct vtee_dma_fwht_io io = { };
	size_t n = 0;
	u32 ret;
	int err;

	if (vtee_sw_dma_overlap3(src, dst, &ref))
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_READ, src);
	if (ret == TEEC_SUCCESS)
		ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_WRITE, dst);
	if (ret == TEEC_SUCCESS)
		ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_READ, &ref);
	if (ret == TEEC_SUCCESS)
		ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_WRITE, &ref);
	if (ret != TEEC_SUCCESS)
		return ret;
	/* Whole buffers may meet where the caller's ranges did not */
	if (vtee_sw_dma_overlap3(src, dst, &ref))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (src->region && !dst->region)
		return vtee_sw_dma_deny(sw, stream, src->region->use_case, op,
					dst, "protected source, normal destination");
	if (src->region && !ref.region)
		return vtee_sw_dma_deny(sw, stream, src->region->use_case, op,
					&ref, "protected source, normal reference");
	if (vtee_dma_fwht_frame_size(&fmt, &n))
		return TEEC_ERROR_BAD_PARAMETERS;

	get_random_once(&vtee_sw_dma_ref_key, sizeof(vtee_sw_dma_ref_key));
	ret = TEEC_ERROR_OUT_OF_MEMORY;
	io.scratch = kvmalloc(n, GFP_KERNEL);
	if (!io.scratch || vtee_sw_dma_get(src, true) ||
	    vtee_sw_dma_get(dst, false) || vtee_sw_dma_get(&ref, true))
		goto out;
	io.src = src->data;
	io.src_len = src->len;
	io.dst = dst->data;
	io.dst_len = dst->len;
	io.ref = ref.data;
	io.ref_len = ref.len;
	io.ref_addr = ref.addr;
	io.ref_key = &vtee_sw_dma_ref_key;
	io.src_protected = src->region;
	io.dst_protected = dst->region;
	io.ref_protected = ref.region;
	err = vtee_dma_fwht_decode(&fmt, &io, &n);
	/* Of a protected bitstream: the frame buffer, as DECODE says */
	p[3].u.value.a = src->region ? (err ? 0 : dst->len) : n;
	switch (err) {
	case 0:
		ret = vtee_sw_dma_put(dst, n) || vtee_sw_dma_put(&ref, ref.len) ?
		      TEEC_ERROR_GENERIC : TEEC_SUCCESS;
		break;
	case -ENOSPC:
		ret = TEEC_ERROR_SHORT_BUFFER;
		break;
	case -EPERM:
		ret = vtee_sw_dma_deny(sw, stream, ref.region ?
				       ref.region->use_case : 0, op, &ref,
				       "protected content into clear frames");
		break;
	default:
		ret = TEEC_ERROR_BAD_FORMAT;
		break;
	}
out:
	vtee_sw_dma_release(&ref);
	vtee_sw_dma_release(dst);
	vtee_sw_dma_release(src);
	kvfree(io.scratch);
	return ret;
}

static u32 vtee_sw_dma_do(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_sw_dma_range src = { 0 }, dst = { 0 };
	struct vtee_msg_param *p = msg->params;
	unsigned int ranges;
	u32 stream, ret;
	u64 op;

	if (msg->num_params != 4 ||
	    (p[0].attr & VTEE_MSG_ATTR_TYPE_MASK) != VTEE_MSG_ATTR_VALUE_INPUT ||
	    (p[3].attr & VTEE_MSG_ATTR_TYPE_MASK) != VTEE_MSG_ATTR_VALUE_INOUT)
		return TEEC_ERROR_BAD_PARAMETERS;
	op = p[0].u.value.b;
	ranges = vtee_sw_dma_ranges(op);
	if (!ranges || !p[0].u.value.a || p[0].u.value.a > VTEE_STREAM_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	stream = p[0].u.value.a;
	if (!vtee_sw_dma_param(&p[1], ranges & 1, &src) ||
	    !vtee_sw_dma_param(&p[2], ranges & 2, &dst))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (op == VTEE_DMA_OP_FWHT_DECODE)
		return vtee_sw_dma_fwht(sw, stream, p, &src, &dst);
	if (src.len && dst.len &&
	    vtee_msg_ranges_overlap(src.addr, src.len, dst.addr, dst.len))
		return TEEC_ERROR_BAD_PARAMETERS;

	if (ranges & 1) {
		ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_READ, &src);
		if (ret != TEEC_SUCCESS)
			return ret;
	}
	if (ranges & 2) {
		ret = vtee_sw_dma_check(sw, stream, op, VTEE_ACCESS_WRITE, &dst);
		if (ret != TEEC_SUCCESS)
			return ret;
	}
	/* Whole buffers may meet where the caller's ranges did not */
	if (src.len && dst.len &&
	    vtee_msg_ranges_overlap(src.addr, src.len, dst.addr, dst.len))
		return TEEC_ERROR_BAD_PARAMETERS;
	/* No leaking outward: protected data stays in protected memory */
	if (src.region && (ranges & 2) && !dst.region)
		return vtee_sw_dma_deny(sw, stream, src.region->use_case, op,
					&dst, "protected source, normal destination");

	ret = TEEC_ERROR_OUT_OF_MEMORY;
	if ((ranges & 1) && vtee_sw_dma_get(&src, true))
		goto out;
	if ((ranges & 2) && vtee_sw_dma_get(&dst, false))
		goto out;
	ret = vtee_sw_dma_run(op, &src, &dst, p[3].u.value.a,
			      &p[3].u.value.a);
out:
	vtee_sw_dma_release(&dst);
	vtee_sw_dma_release(&src);
	return ret;
}

/**
 * vtee_sw_dma() - handle VTEE_MSG_DMA: one emulated device operation
 * @sw:		the secure world
 * @msg:	the message (layout in ../msg.h); answered in place
 *
 * Context: the secure thread. Results: TEEC_SUCCESS;
 * TEEC_ERROR_ACCESS_DENIED when the firewall refuses (counted, logged);
 * TEEC_ERROR_BAD_PARAMETERS for a malformed request;
 * TEEC_ERROR_BAD_FORMAT for a malformed bitstream;
 * TEEC_ERROR_SHORT_BUFFER when the output does not fit (param 3 a: the
 * bytes needed); TEEC_ERROR_OUT_OF_MEMORY.
 */
void vtee_sw_dma(struct vtee_sw *sw, struct vtee_msg *msg)
{
	msg->ret = vtee_sw_dma_do(sw, msg);
	msg->ret_origin = TEEC_ORIGIN_TEE;
}
