// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: OP-TEE's secure data path (SDP) test TA.
 *
 * Speaks the protocol of optee_test's sdp_basic TA, so OP-TEE's own SDP
 * test client (xtest 1014) runs against vtee unchanged:
 *
 *   UUID 12345678-5b69-11e4-9dbb-101f74f00099
 *   0 INJECT	 param0 MEMREF_INPUT normal, param1 MEMREF_OUTPUT protected:
 *		 copy param0's window to the start of param1's
 *   1 TRANSFORM param0 MEMREF_INOUT protected: every byte b becomes
 *		 (~b + 1) & 0xff, in place
 *   2 DUMP	 param0 MEMREF_INPUT protected, param1 MEMREF_OUTPUT normal:
 *		 copy param0's window to the start of param1's
 *
 * A test TA: DUMP hands protected content back to the normal world, as
 * OP-TEE's does, which is why OP-TEE ships it only in test builds. Here
 * it is built only with CONFIG_VTEE_TESTING and served only when vtee
 * was loaded with testing=1 (which taints the kernel); otherwise opening
 * it is TEEC_ERROR_ITEM_NOT_FOUND. It touches secure-video buffers only.
 *
 * Any other parameter layout: TEEC_ERROR_BAD_PARAMETERS. A memref of the
 * wrong kind (protected vs not): TEEC_ERROR_ACCESS_DENIED. A window out of
 * its buffer's bounds: TEEC_ERROR_BAD_PARAMETERS. An output window smaller
 * than the input: TEEC_ERROR_SHORT_BUFFER, with the output size set to the
 * size needed; on success the output size is set to the bytes written.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/tee_protmem.h>
#include <linux/uuid.h>

#include "msg_check.h"
#include "sw_private.h"

#define VTEE_TA_SDP_INJECT	0
#define VTEE_TA_SDP_TRANSFORM	1
#define VTEE_TA_SDP_DUMP	2

/* Copy param0's window into param1's, protected into normal or back */
static u32 vtee_ta_sdp_copy(struct vtee_sw_sess *sess, u32 types,
			    struct vtee_msg_param *params, bool in_protected)
{
	struct vtee_sw_win in, out;
	u32 ret;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_MEMREF_INPUT,
				    VTEE_MSG_ATTR_MEMREF_OUTPUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_win_get(sess, &params[0].u.memref,
			      in_protected ? VTEE_SW_PROT_READ : VTEE_SW_NORMAL,
			      &in);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = vtee_sw_win_get(sess, &params[1].u.memref,
			      in_protected ? VTEE_SW_NORMAL : VTEE_SW_PROT_WRITE,
			      &out);
	if (ret != TEEC_SUCCESS)
		return ret;
	if (out.size < in.size) {
		out.mr->size = in.size;
		return TEEC_ERROR_SHORT_BUFFER;
	}
	if (vtee_sw_win_copy(&out, &in, in.size))
		return TEEC_ERROR_BAD_PARAMETERS;
	out.mr->size = in.size;
	return TEEC_SUCCESS;
}

static u32 vtee_ta_sdp_transform(struct vtee_sw_sess *sess, u32 types,
				 struct vtee_msg_param *params)
{
	struct vtee_sw_win win;
	u64 done, n, i;
	u8 *p;
	u32 ret;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_MEMREF_INOUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE,
				    VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_win_get(sess, &params[0].u.memref, VTEE_SW_PROT_RW, &win);
	if (ret != TEEC_SUCCESS)
		return ret;
	if (win.null && win.size)
		return TEEC_ERROR_BAD_PARAMETERS;

	p = win.vaddr;
	for (done = 0; done < win.size; done += n) {
		n = min_t(u64, win.size - done, PAGE_SIZE);
		for (i = done; i < done + n; i++)
			p[i] = ~p[i] + 1;
		cond_resched();
	}
	return TEEC_SUCCESS;
}

static u32 vtee_ta_sdp_invoke(struct vtee_sw_sess *sess, u32 func, u32 types,
			      struct vtee_msg_param *params)
{
	switch (func) {
	case VTEE_TA_SDP_INJECT:
		return vtee_ta_sdp_copy(sess, types, params, false);
	case VTEE_TA_SDP_TRANSFORM:
		return vtee_ta_sdp_transform(sess, types, params);
	case VTEE_TA_SDP_DUMP:
		return vtee_ta_sdp_copy(sess, types, params, true);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* The SDP test TA: stateless, every session alike; test builds only */
const struct vtee_sw_ta vtee_ta_sdp = {
	.name = "sdp",
	.uuid = UUID_INIT(0x12345678, 0x5b69, 0x11e4,
			  0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99),
	.test_only = true,
	.may_read = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.may_write = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.invoke = vtee_ta_sdp_invoke,
};
