// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "vtee-firewall": the firewall table of the vtee secure
 * world (firewall.c): the default rules, rejected rule strings, range
 * checks and the sysfs listing.
 *
 * firewall.c is linked into vtee.ko and exports nothing, so this module
 * (firewall_test.ko) includes the source it tests and carries its own
 * copy. Build it as a module only: built into the kernel next to vtee,
 * the two copies would collide.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "firewall.c"
#include "sw.h"

static const u32 vtee_fw_test_accesses[] = {
	VTEE_FW_READ, VTEE_FW_WRITE, VTEE_FW_RW
};

/* Expected table of VTEE_FIREWALL_DEFAULT: issue #4's defaults */
static u32 vtee_fw_test_default(u32 use_case, u32 stream)
{
	switch (use_case) {
	case 1:		/* secure-video */
		if (stream == VTEE_STREAM_VDEC)
			return VTEE_FW_RW;
		if (stream == VTEE_STREAM_VDISP)
			return VTEE_FW_READ;
		return 0;
	case 2:		/* trusted-ui */
		return stream == VTEE_STREAM_VDISP ? VTEE_FW_READ : 0;
	case 3:		/* secure-video-record */
		if (stream == VTEE_STREAM_VCAM)
			return VTEE_FW_WRITE;
		if (stream == VTEE_STREAM_VENC)
			return VTEE_FW_RW;
		return 0;
	}
	return 0;
}

static void vtee_fw_test_defaults(struct kunit *test)
{
	struct vtee_fw fw;
	unsigned int i;
	u32 uc, s;

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, VTEE_FIREWALL_DEFAULT), 0);
	for (uc = 1; uc <= VTEE_FW_NUM_USE_CASES; uc++) {
		for (s = 1; s <= VTEE_STREAM_MAX; s++) {
			u32 allowed = vtee_fw_test_default(uc, s);

			for (i = 0; i < ARRAY_SIZE(vtee_fw_test_accesses); i++) {
				u32 acc = vtee_fw_test_accesses[i];

				KUNIT_EXPECT_EQ_MSG(test,
						    vtee_fw_check(&fw, uc, s, acc),
						    (allowed & acc) == acc,
						    "use case %u stream %u access %u",
						    uc, s, acc);
			}
		}
	}
}

static void vtee_fw_test_out_of_range(struct kunit *test)
{
	struct vtee_fw fw;

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, "secure-video=vdec:rw,vgem:rw"), 0);
	KUNIT_EXPECT_TRUE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VGEM, VTEE_FW_RW));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 0, VTEE_STREAM_VDEC, VTEE_FW_READ));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 4, VTEE_STREAM_VDEC, VTEE_FW_READ));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, 0, VTEE_FW_READ));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_MAX + 1, VTEE_FW_READ));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VDEC, 0));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VDEC, 4));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VDEC, VTEE_FW_RW | 4));
}

static void vtee_fw_test_empty(struct kunit *test)
{
	struct vtee_fw fw;
	char buf[VTEE_FW_SHOW_MAX];
	u32 uc, s;

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, ""), 0);
	for (uc = 1; uc <= VTEE_FW_NUM_USE_CASES; uc++)
		for (s = 1; s <= VTEE_STREAM_MAX; s++)
			KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, uc, s, VTEE_FW_READ));

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, "trusted-ui=;secure-video=vdec:w"), 0);
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 2, VTEE_STREAM_VDISP, VTEE_FW_READ));
	KUNIT_EXPECT_TRUE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VDEC, VTEE_FW_WRITE));
	KUNIT_EXPECT_FALSE(test, vtee_fw_check(&fw, 1, VTEE_STREAM_VDEC, VTEE_FW_READ));
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 2, buf, sizeof(buf)), 1);
	KUNIT_EXPECT_STREQ(test, buf, "\n");
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 3, buf, sizeof(buf)), 1);
	KUNIT_EXPECT_STREQ(test, buf, "\n");
}

static const char * const vtee_fw_test_bad[] = {
	"secure-video",
	"=vdec:r",
	"bogus=vdec:r",
	"Secure-video=vdec:r",
	"secure-video=vdec",
	"secure-video=vdec:",
	"secure-video=:r",
	"secure-video=vdec:x",
	"secure-video=vdec:R",
	"secure-video=vdec:rr",
	"secure-video=vdec:rwr",
	"secure-video=foo:r",
	"secure-video=vdec:r,vdec:w",
	"secure-video=vdec:r,",
	"secure-video=,vdec:r",
	"secure-video=vdec:r,,vdisp:r",
	"secure-video=vdec:r;",
	";secure-video=vdec:r",
	";",
	"secure-video=vdec:r;;trusted-ui=vdisp:r",
	"secure-video=vdec:r;secure-video=vdisp:r",
	" secure-video=vdec:r",
	"secure-video =vdec:r",
	"secure-video=vdec :r",
	"secure-video=vdec:r ",
	"secure-video=vdec:r\n",
	"secure-video=vdec=r",
	VTEE_FIREWALL_DEFAULT ";bogus=vdec:r",
	VTEE_FIREWALL_DEFAULT ",vgem:x",
};

static void vtee_fw_test_rejects(struct kunit *test)
{
	struct vtee_fw fw, before;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&before, VTEE_FIREWALL_DEFAULT), 0);
	for (i = 0; i < ARRAY_SIZE(vtee_fw_test_bad); i++) {
		fw = before;
		KUNIT_EXPECT_EQ_MSG(test, vtee_fw_parse(&fw, vtee_fw_test_bad[i]),
				    -EINVAL, "rules \"%s\"", vtee_fw_test_bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&fw, &before, sizeof(fw)), 0,
				    "rules \"%s\" left partial state",
				    vtee_fw_test_bad[i]);
	}
}

static void vtee_fw_test_show(struct kunit *test)
{
	static const char all[] =
		"secure-video=vgem:rw,venc:rw,vcam:rw,vdisp:rw,vdec:rw";
	char buf[VTEE_FW_SHOW_MAX];
	struct vtee_fw fw;
	int n;

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, VTEE_FIREWALL_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 1, buf, sizeof(buf)), 16);
	KUNIT_EXPECT_STREQ(test, buf, "vdec:rw vdisp:r\n");
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 2, buf, sizeof(buf)), 8);
	KUNIT_EXPECT_STREQ(test, buf, "vdisp:r\n");
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 3, buf, sizeof(buf)), 15);
	KUNIT_EXPECT_STREQ(test, buf, "vcam:w venc:rw\n");
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 0, buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 4, buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 1, buf, 16), -ENOSPC);
	KUNIT_EXPECT_EQ(test, vtee_fw_show(&fw, 1, buf, 17), 16);

	KUNIT_ASSERT_EQ(test, vtee_fw_parse(&fw, all), 0);
	n = vtee_fw_show(&fw, 1, buf, sizeof(buf));
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "vdec:rw vdisp:rw vcam:rw venc:rw vgem:rw\n");
}

static void vtee_fw_test_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, vtee_fw_stream_name(VTEE_STREAM_VDEC), "vdec");
	KUNIT_EXPECT_STREQ(test, vtee_fw_stream_name(VTEE_STREAM_VDISP), "vdisp");
	KUNIT_EXPECT_STREQ(test, vtee_fw_stream_name(VTEE_STREAM_VCAM), "vcam");
	KUNIT_EXPECT_STREQ(test, vtee_fw_stream_name(VTEE_STREAM_VENC), "venc");
	KUNIT_EXPECT_STREQ(test, vtee_fw_stream_name(VTEE_STREAM_VGEM), "vgem");
	KUNIT_EXPECT_NULL(test, vtee_fw_stream_name(0));
	KUNIT_EXPECT_NULL(test, vtee_fw_stream_name(VTEE_STREAM_MAX + 1));
	KUNIT_EXPECT_STREQ(test, vtee_fw_use_case_name(1), "secure-video");
	KUNIT_EXPECT_STREQ(test, vtee_fw_use_case_name(2), "trusted-ui");
	KUNIT_EXPECT_STREQ(test, vtee_fw_use_case_name(3),
			   "secure-video-record");
	KUNIT_EXPECT_NULL(test, vtee_fw_use_case_name(0));
	KUNIT_EXPECT_NULL(test, vtee_fw_use_case_name(4));
}

static struct kunit_case vtee_fw_test_cases[] = {
	KUNIT_CASE(vtee_fw_test_defaults),
	KUNIT_CASE(vtee_fw_test_out_of_range),
	KUNIT_CASE(vtee_fw_test_empty),
	KUNIT_CASE(vtee_fw_test_rejects),
	KUNIT_CASE(vtee_fw_test_show),
	KUNIT_CASE(vtee_fw_test_names),
	{}
};

static struct kunit_suite vtee_fw_test_suite = {
	.name = "vtee-firewall",
	.test_cases = vtee_fw_test_cases,
};

kunit_test_suite(vtee_fw_test_suite);

MODULE_DESCRIPTION("KUnit tests for the vtee firewall table");
MODULE_LICENSE("GPL");
