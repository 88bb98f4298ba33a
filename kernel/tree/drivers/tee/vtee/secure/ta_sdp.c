// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: OP-TEE's secure data path (SDP) test TA and the SDP
 * commands of OP-TEE's invoke-tests pseudo-TA.
 *
 * Speaks the protocol of optee_test's sdp_basic TA, so OP-TEE's own SDP
 * test client (xtest --sdp-basic) runs against vtee unchanged:
 *
 *   UUID 12345678-5b69-11e4-9dbb-101f74f00099
 *   0 INJECT	 param0 MEMREF_INPUT normal, param1 MEMREF_OUTPUT protected:
 *		 copy param0's window to the start of param1's
 *   1 TRANSFORM param0 MEMREF_INOUT protected: every byte b becomes
 *		 (~b + 1) & 0xff, in place
 *   2 DUMP	 param0 MEMREF_INPUT protected, param1 MEMREF_OUTPUT normal:
 *		 copy param0's window to the start of param1's
 *   3, 4, 5	 INVOKE_INJECT/_TRANSFORM/_DUMP: open a session to another
 *		 instance of this TA (once, kept while the session lives) and
 *		 forward the parameters as command 0, 1, 2
 *   6, 7, 8	 PTA_INJECT/_TRANSFORM/_DUMP: the same through a session to
 *		 the invoke-tests pseudo-TA, as its commands 3, 4, 5
 *
 * As OP-TEE's TA, a forwarding session whose call failed is closed, and
 * the next call opens a new one. The memrefs are checked again by the
 * callee (vtee_sw_ta_invoke()): forwarding grants nothing.
 *
 *   invoke-tests pseudo-TA, UUID d96a5b40-c3e5-21e3-8794-1002a5d5c61b
 *   3 COPY_NSEC_TO_SEC, 4 READ_MODIFY_SEC, 5 COPY_SEC_TO_NSEC: the same
 *		 layouts and work as INJECT, TRANSFORM, DUMP above
 *
 * Of OP-TEE's pseudo-TA only these three commands exist; any other is
 * TEEC_ERROR_BAD_PARAMETERS. As OP-TEE's pseudo-TAs, it takes protected
 * memrefs from TAs only: a normal-world client's call with one is
 * TEEC_ERROR_BAD_PARAMETERS from TEEC_ORIGIN_TEE, before the TA runs.
 *
 * Test TAs: DUMP hands protected content back to the normal world, as
 * OP-TEE's does, which is why OP-TEE ships them only in test builds. Here
 * they are built only with CONFIG_VTEE_TESTING and served only when vtee
 * was loaded with testing=1 (which taints the kernel); otherwise opening
 * them is TEEC_ERROR_ITEM_NOT_FOUND. They touch secure-video buffers only.
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
#include <linux/slab.h>
#include <linux/tee_protmem.h>
#include <linux/uuid.h>

#include "msg_check.h"
#include "sw_private.h"

#define VTEE_TA_SDP_INJECT	0
#define VTEE_TA_SDP_TRANSFORM	1
#define VTEE_TA_SDP_DUMP	2
#define VTEE_TA_SDP_INVOKE_INJECT	3
#define VTEE_TA_SDP_INVOKE_TRANSFORM	4
#define VTEE_TA_SDP_INVOKE_DUMP		5
#define VTEE_TA_SDP_PTA_INJECT		6
#define VTEE_TA_SDP_PTA_TRANSFORM	7
#define VTEE_TA_SDP_PTA_DUMP		8

/* The invoke-tests pseudo-TA's SDP commands (pta_invoke_tests.h) */
#define VTEE_PTA_INVOKE_TESTS_COPY_NSEC_TO_SEC	3
#define VTEE_PTA_INVOKE_TESTS_READ_MODIFY_SEC	4
#define VTEE_PTA_INVOKE_TESTS_COPY_SEC_TO_NSEC	5

/* The sessions an SDP TA session forwards to */
enum vtee_ta_sdp_peer {
	VTEE_TA_SDP_PEER_TA,
	VTEE_TA_SDP_PEER_PTA,
	VTEE_TA_SDP_NUM_PEERS,
};

/**
 * struct vtee_ta_sdp_sess - an SDP TA session's forwarding sessions
 * @peer:	sessions it opened (vtee_sw_ta_open()), NULL until the first
 *		forwarded call; secure thread only
 */
struct vtee_ta_sdp_sess {
	struct vtee_sw_sess *peer[VTEE_TA_SDP_NUM_PEERS];
};

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

/* Forward a call to @peer's TA as its command @func */
static u32 vtee_ta_sdp_forward(struct vtee_sw_sess *sess,
			       enum vtee_ta_sdp_peer peer, u32 func, u32 types,
			       struct vtee_msg_param *params)
{
	const uuid_t *uuid = peer == VTEE_TA_SDP_PEER_TA ?
			     &vtee_ta_sdp.uuid : &vtee_ta_invoke_tests.uuid;
	struct vtee_ta_sdp_sess *s = sess->priv;
	u32 ret, origin;

	if (!s) {
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (!s)
			return TEEC_ERROR_OUT_OF_MEMORY;
		sess->priv = s;
	}
	if (!s->peer[peer]) {
		ret = vtee_sw_ta_open(sess, uuid, 0, NULL, &s->peer[peer],
				      &origin);
		if (ret != TEEC_SUCCESS)
			return ret;
	}
	ret = vtee_sw_ta_invoke(sess, s->peer[peer], func, types, params,
				&origin);
	/* As OP-TEE's TA: a failed call costs the session */
	if (ret != TEEC_SUCCESS) {
		vtee_sw_ta_close(sess, s->peer[peer]);
		s->peer[peer] = NULL;
	}
	return ret;
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
	case VTEE_TA_SDP_INVOKE_INJECT:
	case VTEE_TA_SDP_INVOKE_TRANSFORM:
	case VTEE_TA_SDP_INVOKE_DUMP:
		return vtee_ta_sdp_forward(sess, VTEE_TA_SDP_PEER_TA,
					   func - VTEE_TA_SDP_INVOKE_INJECT +
					   VTEE_TA_SDP_INJECT, types, params);
	case VTEE_TA_SDP_PTA_INJECT:
	case VTEE_TA_SDP_PTA_TRANSFORM:
	case VTEE_TA_SDP_PTA_DUMP:
		return vtee_ta_sdp_forward(sess, VTEE_TA_SDP_PEER_PTA,
					   func - VTEE_TA_SDP_PTA_INJECT +
					   VTEE_PTA_INVOKE_TESTS_COPY_NSEC_TO_SEC,
					   types, params);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* Close the sessions this one forwarded to */
static void vtee_ta_sdp_close(struct vtee_sw_sess *sess)
{
	struct vtee_ta_sdp_sess *s = sess->priv;
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < VTEE_TA_SDP_NUM_PEERS; i++)
		vtee_sw_ta_close(sess, s->peer[i]);
	kfree(s);
	sess->priv = NULL;
}

static u32 vtee_pta_invoke_tests_invoke(struct vtee_sw_sess *sess, u32 func,
					u32 types,
					struct vtee_msg_param *params)
{
	switch (func) {
	case VTEE_PTA_INVOKE_TESTS_COPY_NSEC_TO_SEC:
		return vtee_ta_sdp_copy(sess, types, params, false);
	case VTEE_PTA_INVOKE_TESTS_READ_MODIFY_SEC:
		return vtee_ta_sdp_transform(sess, types, params);
	case VTEE_PTA_INVOKE_TESTS_COPY_SEC_TO_NSEC:
		return vtee_ta_sdp_copy(sess, types, params, true);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* The SDP test TA: each session keeps its forwarding sessions; test builds only */
const struct vtee_sw_ta vtee_ta_sdp = {
	.name = "sdp",
	.uuid = UUID_INIT(0x12345678, 0x5b69, 0x11e4,
			  0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99),
	.test_only = true,
	.may_read = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.may_write = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.invoke = vtee_ta_sdp_invoke,
	.close = vtee_ta_sdp_close,
};

/* OP-TEE's invoke-tests pseudo-TA, its SDP commands; test builds only */
const struct vtee_sw_ta vtee_ta_invoke_tests = {
	.name = "invoke-tests",
	.uuid = UUID_INIT(0xd96a5b40, 0xc3e5, 0x21e3,
			  0x87, 0x94, 0x10, 0x02, 0xa5, 0xd5, 0xc6, 0x1b),
	.test_only = true,
	.may_read = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.may_write = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.ta_clients_only = true,
	.invoke = vtee_pta_invoke_tests_invoke,
};
