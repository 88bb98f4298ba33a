// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "vtee-msg": the memref bounds arithmetic of the vtee secure
 * world (msg_check.c), including OP-TEE xtest 1014-style negative windows
 * (offset equal to the size, size + 1, size + 4096, offset + size
 * wrapping around) and parameter type packing.
 *
 * msg_check.c is linked into vtee.ko and exports nothing, so this module
 * (msg_check_test.ko) includes the source it tests and carries its own
 * copy. Build it as a module only: built into the kernel next to vtee,
 * the two copies would collide.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/module.h>

#include "msg_check.c"
#include "../msg.h"

#define SZ	4096ULL

static void vtee_msg_test_window_ok(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, SZ), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ - 1, 1), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 100, SZ - 100), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(U64_MAX, 1, U64_MAX - 1), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(U64_MAX, 0, U64_MAX), 0);
}

static void vtee_msg_test_window_empty(struct kunit *test)
{
	/* Empty windows are fine anywhere in the buffer, even at its end */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 17, 0), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ, 0), 0);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(0, 0, 0), 0);
	/* ... but not beyond it */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, U64_MAX, 0), -EINVAL);
}

static void vtee_msg_test_window_xtest1014(struct kunit *test)
{
	/* offset equal to the size */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ, SZ), -EINVAL);
	/* size + 1 */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, SZ + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 1, SZ), -EINVAL);
	/* size + 4096 */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, SZ + 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ + 4096, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 4096, SZ), -EINVAL);
	/* offset + size wrapping around */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 1, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, SZ, U64_MAX - SZ + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, U64_MAX, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, U64_MAX, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(U64_MAX, 1, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(U64_MAX, U64_MAX, 1), -EINVAL);
	/* size alone larger than the buffer */
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(SZ, 0, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_msg_check_window(0, 0, 1), -EINVAL);
}

static void vtee_msg_test_range_valid(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_valid(0, U64_MAX));
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_valid(U64_MAX, 0));
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_valid(U64_MAX - SZ, SZ));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_valid(U64_MAX - SZ, SZ + 1));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_valid(1, U64_MAX));
}

static void vtee_msg_test_range_within(struct kunit *test)
{
	const u64 base = 0x80000000ULL, len = 0x100000ULL;

	KUNIT_EXPECT_TRUE(test, vtee_msg_range_within(base, len, base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_within(base + SZ, SZ, base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_within(base + len - SZ, SZ,
						      base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_range_within(base + len, 0, base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base + len - SZ, SZ + 1,
						       base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base - 1, 2, base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base - 1, 0, base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base + len, 1, base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base, len + 1, base, len));
	/* Malformed ranges are never inside anything */
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base + SZ, U64_MAX,
						       base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(base + SZ, SZ,
						       base, U64_MAX));
	KUNIT_EXPECT_FALSE(test, vtee_msg_range_within(U64_MAX, 2, 0, U64_MAX));
}

static void vtee_msg_test_overlap(struct kunit *test)
{
	const u64 base = 0x80000000ULL, len = 0x100000ULL;

	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(base, len, base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(base - SZ, SZ + 1,
							base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(base + len - 1, SZ,
							base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(0, U64_MAX, base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(base + SZ, 1, base, len));
	/* Adjacent ranges do not overlap */
	KUNIT_EXPECT_FALSE(test, vtee_msg_ranges_overlap(base - SZ, SZ,
							 base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_ranges_overlap(base + len, SZ,
							 base, len));
	/* Empty ranges overlap nothing */
	KUNIT_EXPECT_FALSE(test, vtee_msg_ranges_overlap(base + SZ, 0,
							 base, len));
	KUNIT_EXPECT_FALSE(test, vtee_msg_ranges_overlap(base, len, base, 0));
	/* A range running off the end of the address space still overlaps */
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(base - SZ, U64_MAX,
							base, len));
	KUNIT_EXPECT_TRUE(test, vtee_msg_ranges_overlap(U64_MAX, U64_MAX,
							U64_MAX, 1));
	KUNIT_EXPECT_FALSE(test, vtee_msg_ranges_overlap(base + len, U64_MAX,
							 base, len));
}

static void vtee_msg_test_types(struct kunit *test)
{
	u32 sdp_inject[] = { VTEE_MSG_ATTR_MEMREF_INPUT,
			     VTEE_MSG_ATTR_MEMREF_OUTPUT };
	u32 full[] = { VTEE_MSG_ATTR_VALUE_INPUT, VTEE_MSG_ATTR_MEMREF_INPUT,
		       VTEE_MSG_ATTR_MEMREF_INPUT, VTEE_MSG_ATTR_MEMREF_OUTPUT };
	u32 flags[] = { VTEE_MSG_ATTR_MEMREF_INOUT | 0x100 };
	u32 hole[] = { 4 };
	u32 big[] = { 8 };
	u32 five[5] = { };

	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(NULL, 0),
			VTEE_MSG_TYPES(0, 0, 0, 0));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(sdp_inject, 2),
			VTEE_MSG_TYPES(VTEE_MSG_ATTR_MEMREF_INPUT,
				       VTEE_MSG_ATTR_MEMREF_OUTPUT,
				       VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(full, 4),
			VTEE_MSG_TYPES(full[0], full[1], full[2], full[3]));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(flags, 1),
			VTEE_MSG_TYPES(VTEE_MSG_ATTR_MEMREF_INOUT, 0, 0, 0));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(hole, 1),
			VTEE_MSG_TYPES(VTEE_MSG_TYPE_BAD, 0, 0, 0));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(big, 1),
			VTEE_MSG_TYPES(VTEE_MSG_TYPE_BAD, 0, 0, 0));
	KUNIT_EXPECT_EQ(test, vtee_msg_pack_types(five, 5),
			VTEE_MSG_TYPES(VTEE_MSG_TYPE_BAD, VTEE_MSG_TYPE_BAD,
				       VTEE_MSG_TYPE_BAD, VTEE_MSG_TYPE_BAD));
}

static struct kunit_case vtee_msg_test_cases[] = {
	KUNIT_CASE(vtee_msg_test_window_ok),
	KUNIT_CASE(vtee_msg_test_window_empty),
	KUNIT_CASE(vtee_msg_test_window_xtest1014),
	KUNIT_CASE(vtee_msg_test_range_valid),
	KUNIT_CASE(vtee_msg_test_range_within),
	KUNIT_CASE(vtee_msg_test_overlap),
	KUNIT_CASE(vtee_msg_test_types),
	{}
};

static struct kunit_suite vtee_msg_test_suite = {
	.name = "vtee-msg",
	.test_cases = vtee_msg_test_cases,
};

kunit_test_suite(vtee_msg_test_suite);

MODULE_DESCRIPTION("KUnit tests for the vtee memref bounds checks");
MODULE_LICENSE("GPL");
