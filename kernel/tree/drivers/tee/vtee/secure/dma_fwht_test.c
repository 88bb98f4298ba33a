// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "vtee-dma-fwht": the emulated decoder's FWHT operation
 * (dma_fwht.c) on a 16x16 GREY frame stored uncompressed: it decodes, a
 * bad header writes nothing, and the reference's provenance rules hold
 * (a clear P-frame on a reference made from protected input is refused;
 * a tail whose tag does not verify counts as no reference).
 *
 * Like dma_ops_test.c, this module includes the source it tests (it uses
 * vicodec's codec from the vicodec-fwht module). Module only.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "dma_fwht.c"

#define T_W		16
#define T_H		16
#define T_SIZE		(T_W * T_H)
#define T_HDR		sizeof(struct fwht_cframe_hdr)
#define T_REF		(T_SIZE + sizeof(struct vtee_dma_fwht_ref_tail))

static const siphash_key_t vtee_fwht_test_key = { { 1, 2 } };
static const struct vtee_dma_fwht_fmt vtee_fwht_test_fmt = {
	.pixelformat = V4L2_PIX_FMT_GREY, .width = T_W, .height = T_H,
};

struct vtee_fwht_test {
	u8 bs[T_HDR + T_SIZE];
	u8 dst[T_SIZE + 16];
	u8 ref[T_REF];
	u8 scratch[T_SIZE];
	struct vtee_dma_fwht_io io;
};

/* A GREY frame, luma stored uncompressed: payload byte i = i + @seed */
static void vtee_fwht_test_frame(struct vtee_fwht_test *t, bool intra, u8 seed)
{
	struct fwht_cframe_hdr h = {
		.magic1 = FWHT_MAGIC1, .magic2 = FWHT_MAGIC2,
		.version = htonl(V4L2_FWHT_VERSION),
		.width = htonl(T_W), .height = htonl(T_H),
		.flags = htonl(V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED |
			       V4L2_FWHT_FL_CHROMA_FULL_WIDTH |
			       V4L2_FWHT_FL_CHROMA_FULL_HEIGHT |
			       V4L2_FWHT_FL_PIXENC_RGB |
			       (intra ? V4L2_FWHT_FL_I_FRAME : 0)),
		.size = htonl(T_SIZE),
	};
	unsigned int i;

	memcpy(t->bs, &h, sizeof(h));
	for (i = 0; i < T_SIZE; i++)
		t->bs[T_HDR + i] = (u8)(i + seed);
	memset(t->dst, 0x5c, sizeof(t->dst));
	t->io = (struct vtee_dma_fwht_io) {
		.src = t->bs, .src_len = sizeof(t->bs),
		.dst = t->dst, .dst_len = sizeof(t->dst),
		.ref = t->ref, .ref_len = sizeof(t->ref),
		.ref_addr = 0x1000, .ref_key = &vtee_fwht_test_key,
		.scratch = t->scratch,
	};
}

static struct vtee_fwht_test *vtee_fwht_test_new(struct kunit *test)
{
	struct vtee_fwht_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void vtee_fwht_test_sizes(struct kunit *test)
{
	struct vtee_dma_fwht_fmt nv12 = {
		.pixelformat = V4L2_PIX_FMT_NV12, .width = 320, .height = 240,
	};
	struct vtee_dma_fwht_fmt bad = nv12;
	size_t n = 0;

	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_frame_size(&nv12, &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)(320 * 240 * 3 / 2));
	nv12.pixelformat = V4L2_PIX_FMT_XBGR32;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_frame_size(&nv12, &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)(320 * 240 * 4));
	bad.pixelformat = V4L2_PIX_FMT_YUYV;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_frame_size(&bad, &n), -EINVAL);
}

static void vtee_fwht_test_decode(struct kunit *test)
{
	struct vtee_fwht_test *t = vtee_fwht_test_new(test);
	struct vtee_dma_fwht_ref_tail tail;
	size_t n = 0;

	vtee_fwht_test_frame(t, true, 7);
	KUNIT_ASSERT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)T_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(t->dst, t->bs + T_HDR, T_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t->dst[T_SIZE], 0x5c);
	KUNIT_EXPECT_EQ(test, memcmp(t->ref, t->bs + T_HDR, T_SIZE), 0);
	memcpy(&tail, t->ref + T_SIZE, sizeof(tail));
	KUNIT_EXPECT_EQ(test, tail.flags, (u64)VTEE_DMA_FWHT_REF_VALID);
}

/* A malformed or mismatching header: -EINVAL, nothing written */
static void vtee_fwht_test_bad_header(struct kunit *test)
{
	struct vtee_fwht_test *t = vtee_fwht_test_new(test);
	struct fwht_cframe_hdr *h = (struct fwht_cframe_hdr *)t->bs;
	size_t n;

	vtee_fwht_test_frame(t, true, 1);
	h->magic1 ^= 1;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EINVAL);
	vtee_fwht_test_frame(t, true, 1);
	h->width = htonl(T_W + 8);
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EINVAL);
	vtee_fwht_test_frame(t, true, 1);
	h->size = htonl(T_SIZE + 1);	/* beyond the bitstream */
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EINVAL);
	vtee_fwht_test_frame(t, true, 1);
	h->version = htonl(V4L2_FWHT_VERSION + 1);
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->dst[0], 0x5c);
	KUNIT_EXPECT_EQ(test, t->dst[T_SIZE - 1], 0x5c);
	vtee_fwht_test_frame(t, true, 1);
	t->io.dst_len = T_SIZE - 1;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -ENOSPC);
	KUNIT_EXPECT_EQ(test, n, (size_t)T_SIZE);
}

/* Protected content never flows into clear frames through the reference */
static void vtee_fwht_test_provenance(struct kunit *test)
{
	struct vtee_fwht_test *t = vtee_fwht_test_new(test);
	struct vtee_dma_fwht_ref_tail tail;
	size_t n;

	/* Protected input needs protected frame and reference */
	vtee_fwht_test_frame(t, true, 2);
	t->io.src_protected = true;
	t->io.ref_protected = true;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EPERM);
	KUNIT_EXPECT_EQ(test, t->dst[0], 0x5c);
	t->io.dst_protected = true;
	KUNIT_ASSERT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);
	memcpy(&tail, t->ref + T_SIZE, sizeof(tail));
	KUNIT_EXPECT_EQ(test, tail.flags, (u64)(VTEE_DMA_FWHT_REF_VALID |
						VTEE_DMA_FWHT_REF_PROTECTED));

	/* A clear P-frame on it: refused, even into a protected frame */
	vtee_fwht_test_frame(t, false, 3);
	t->io.dst_protected = true;
	t->io.ref_protected = true;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EPERM);
	/* A clear I-frame does not use it: fine, and the reference is clear */
	vtee_fwht_test_frame(t, true, 4);
	t->io.dst_protected = true;
	t->io.ref_protected = true;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);
	memcpy(&tail, t->ref + T_SIZE, sizeof(tail));
	KUNIT_EXPECT_EQ(test, tail.flags, (u64)VTEE_DMA_FWHT_REF_VALID);
}

/* A tail the secure world did not write (or of another buffer) is void */
static void vtee_fwht_test_forged_tail(struct kunit *test)
{
	struct vtee_fwht_test *t = vtee_fwht_test_new(test);
	struct vtee_dma_fwht_ref_tail tail = {
		.flags = VTEE_DMA_FWHT_REF_VALID | VTEE_DMA_FWHT_REF_PROTECTED,
		.tag = 0x1234,
	};
	size_t n;

	/* A protected-looking reference with a bad tag: no reference */
	memset(t->ref, 0x77, T_SIZE);
	memcpy(t->ref + T_SIZE, &tail, sizeof(tail));
	vtee_fwht_test_frame(t, false, 5);
	t->io.dst_protected = true;
	t->io.ref_protected = true;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);

	/* A genuine protected tag, moved to another address: void too */
	vtee_fwht_test_frame(t, true, 6);
	t->io.src_protected = true;
	t->io.dst_protected = true;
	t->io.ref_protected = true;
	KUNIT_ASSERT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);
	vtee_fwht_test_frame(t, false, 7);
	t->io.dst_protected = true;
	t->io.ref_protected = true;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), -EPERM);
	t->io.ref_addr += PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, vtee_dma_fwht_decode(&vtee_fwht_test_fmt, &t->io,
						   &n), 0);
}

static struct kunit_case vtee_fwht_test_cases[] = {
	KUNIT_CASE(vtee_fwht_test_sizes),
	KUNIT_CASE(vtee_fwht_test_decode),
	KUNIT_CASE(vtee_fwht_test_bad_header),
	KUNIT_CASE(vtee_fwht_test_provenance),
	KUNIT_CASE(vtee_fwht_test_forged_tail),
	{}
};

static struct kunit_suite vtee_fwht_test_suite = {
	.name = "vtee-dma-fwht",
	.test_cases = vtee_fwht_test_cases,
};

kunit_test_suite(vtee_fwht_test_suite);

MODULE_DESCRIPTION("KUnit tests for the vtee FWHT decode operation");
MODULE_LICENSE("GPL");
