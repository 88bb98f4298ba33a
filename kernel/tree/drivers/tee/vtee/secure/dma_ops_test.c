// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "vtee-dma-ops": the computations of the emulated media
 * devices (dma_ops.c): run-length decode and encode (round trip, limits,
 * malformed input, short output), the camera pattern and the CRC.
 *
 * dma_ops.c is linked into vtee.ko and exports nothing, so this module
 * (dma_ops_test.ko) includes the source it tests and carries its own
 * copy. Build it as a module only.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "dma_ops.c"

static void vtee_dma_test_decode(struct kunit *test)
{
	static const u8 bs[] = { 3, 0xaa, 1, 0x00, 255, 0x42 };
	u8 out[300];
	size_t n = 0, i;

	memset(out, 0x5c, sizeof(out));
	KUNIT_ASSERT_EQ(test, vtee_dma_decode(bs, sizeof(bs), out, sizeof(out),
					      &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)259);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0xaa);
	KUNIT_EXPECT_EQ(test, out[3], 0x00);
	for (i = 4; i < 259; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0x42);
	/* nothing beyond the decoded frame is touched */
	KUNIT_EXPECT_EQ(test, out[259], 0x5c);
}

static void vtee_dma_test_decode_bad(struct kunit *test)
{
	static const u8 odd[] = { 3, 0xaa, 1 };
	u8 out[16];
	size_t n;

	memset(out, 0x5c, sizeof(out));
	KUNIT_EXPECT_EQ(test, vtee_dma_decode(odd, sizeof(odd), out,
					      sizeof(out), &n), -EINVAL);
	KUNIT_EXPECT_EQ(test, out[0], 0x5c);
}

/* A count of 0 ends the bitstream: the rest is padding, even odd */
static void vtee_dma_test_decode_end_mark(struct kunit *test)
{
	static const u8 bs[] = { 3, 0xaa, 0, 0x11, 7, 0x22, 9 };
	u8 out[16];
	size_t n = 0;

	memset(out, 0x5c, sizeof(out));
	KUNIT_EXPECT_EQ(test, vtee_dma_decode(bs, sizeof(bs), out, sizeof(out),
					      &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)3);
	KUNIT_EXPECT_EQ(test, out[2], 0xaa);
	KUNIT_EXPECT_EQ(test, out[3], 0x5c);
}

static void vtee_dma_test_decode_short(struct kunit *test)
{
	static const u8 bs[] = { 10, 1, 10, 2 };
	u8 out[19];
	size_t n = 0;

	memset(out, 0x5c, sizeof(out));
	KUNIT_EXPECT_EQ(test, vtee_dma_decode(bs, sizeof(bs), out, sizeof(out),
					      &n), -ENOSPC);
	KUNIT_EXPECT_EQ(test, n, (size_t)20);
	KUNIT_EXPECT_EQ(test, out[0], 0x5c);
	KUNIT_EXPECT_EQ(test, vtee_dma_decode(bs, 0, out, 0, &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)0);
}

static void vtee_dma_test_encode(struct kunit *test)
{
	const size_t len = 600;
	size_t n = 0, m = 0, i;
	u8 *frame, *bs, *back;

	frame = kunit_kzalloc(test, len, GFP_KERNEL);
	bs = kunit_kzalloc(test, 2 * len, GFP_KERNEL);
	back = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, frame);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bs);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, back);
	for (i = 0; i < len; i++)
		frame[i] = i < 300 ? 7 : (u8)(i * 13);
	KUNIT_ASSERT_EQ(test, vtee_dma_encode(frame, len, bs, 2 * len, &n), 0);
	KUNIT_EXPECT_EQ(test, n, vtee_dma_encoded_len(frame, len));
	/* 300 sevens: runs of 255 and 45 */
	KUNIT_EXPECT_EQ(test, bs[0], 255);
	KUNIT_EXPECT_EQ(test, bs[1], 7);
	KUNIT_EXPECT_EQ(test, bs[2], 45);
	KUNIT_EXPECT_EQ(test, bs[3], 7);
	KUNIT_ASSERT_EQ(test, vtee_dma_decode(bs, n, back, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m, len);
	KUNIT_EXPECT_EQ(test, memcmp(frame, back, len), 0);
}

static void vtee_dma_test_encode_short(struct kunit *test)
{
	static const u8 frame[] = { 1, 2, 3, 4 };
	u8 bs[7];
	size_t n = 0;

	memset(bs, 0x5c, sizeof(bs));
	KUNIT_EXPECT_EQ(test, vtee_dma_encode(frame, sizeof(frame), bs,
					      sizeof(bs), &n), -ENOSPC);
	KUNIT_EXPECT_EQ(test, n, (size_t)8);
	KUNIT_EXPECT_EQ(test, bs[0], 0x5c);
}

static void vtee_dma_test_pattern(struct kunit *test)
{
	u8 a[300], b[300];
	size_t i;

	vtee_dma_pattern(a, sizeof(a), 0, 5);
	for (i = 0; i < sizeof(a); i++)
		KUNIT_EXPECT_EQ(test, a[i], (u8)(5 + i / VTEE_DMA_PATTERN_RUN));
	/* in pieces: the same frame */
	vtee_dma_pattern(b, 100, 0, 5);
	vtee_dma_pattern(b + 100, 200, 100, 5);
	KUNIT_EXPECT_EQ(test, memcmp(a, b, sizeof(a)), 0);
	vtee_dma_pattern(b, sizeof(b), 0, 6);
	KUNIT_EXPECT_NE(test, memcmp(a, b, sizeof(a)), 0);
}

static void vtee_dma_test_crc32(struct kunit *test)
{
	/* zlib: crc32(0, "123456789", 9) */
	KUNIT_EXPECT_EQ(test, vtee_dma_crc32((const u8 *)"123456789", 9),
			0xcbf43926u);
	KUNIT_EXPECT_EQ(test, vtee_dma_crc32(NULL, 0), 0u);
}

static struct kunit_case vtee_dma_test_cases[] = {
	KUNIT_CASE(vtee_dma_test_decode),
	KUNIT_CASE(vtee_dma_test_decode_bad),
	KUNIT_CASE(vtee_dma_test_decode_end_mark),
	KUNIT_CASE(vtee_dma_test_decode_short),
	KUNIT_CASE(vtee_dma_test_encode),
	KUNIT_CASE(vtee_dma_test_encode_short),
	KUNIT_CASE(vtee_dma_test_pattern),
	KUNIT_CASE(vtee_dma_test_crc32),
	{}
};

static struct kunit_suite vtee_dma_test_suite = {
	.name = "vtee-dma-ops",
	.test_cases = vtee_dma_test_cases,
};

kunit_test_suite(vtee_dma_test_suite);

MODULE_DESCRIPTION("KUnit tests for the vtee media device operations");
MODULE_LICENSE("GPL");
