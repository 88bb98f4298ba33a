// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: a test TA for TA-to-TA calls themselves.
 *
 * OP-TEE's SDP protocol goes one hop deep; this TA goes as deep as it is
 * allowed to, so that a test can see the depth bound and the teardown of
 * a chain of TA-opened sessions:
 *
 *   UUID 5c2a6f0e-8b1d-4e57-9a3c-6d7e0f1b2c4d
 *   0 NEST	param0 VALUE_INOUT: in a = hops still to make, b = 1 to keep
 *		the sessions opened (else each is closed on the way back);
 *		out a = hops made below this TA, b = the TEEC_* result that
 *		stopped the chain (0 if it went all the way)
 *
 * Each hop opens a session to another instance of this TA and invokes
 * NEST on it with a - 1. The hop that would go deeper than
 * VTEE_SW_MAX_DEPTH is refused (TEEC_ERROR_BUSY), and the chain answers
 * TEEC_SUCCESS with how far it got. Kept sessions close with the session
 * that opened them, down the chain.
 *
 * Touches no memory. Test-only all the same (CONFIG_VTEE_TESTING,
 * testing=1): a product has no use for it.
 */
#include <linux/uuid.h>

#include "msg_check.h"
#include "sw_private.h"

#define VTEE_TA_NEST_NEST	0

static u32 vtee_ta_nest_invoke(struct vtee_sw_sess *sess, u32 func, u32 types,
			       struct vtee_msg_param *params)
{
	struct vtee_msg_value *v = &params[0].u.value;
	struct vtee_msg_param sub[VTEE_MSG_NUM_PARAMS] = {};
	struct vtee_sw_sess *child;
	u32 ret, origin;
	bool keep;

	if (func != VTEE_TA_NEST_NEST)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_VALUE_INOUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE,
				    VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	keep = v->b == 1;
	if (!v->a) {
		v->b = TEEC_SUCCESS;
		return TEEC_SUCCESS;
	}

	ret = vtee_sw_ta_open(sess, &sess->ta->uuid, 0, NULL, &child, &origin);
	if (ret != TEEC_SUCCESS) {
		v->a = 0;
		v->b = ret;
		return TEEC_SUCCESS;
	}
	sub[0].attr = VTEE_MSG_ATTR_VALUE_INOUT;
	sub[0].u.value.a = v->a - 1;
	sub[0].u.value.b = keep;
	ret = vtee_sw_ta_invoke(sess, child, VTEE_TA_NEST_NEST, types, sub,
				&origin);
	if (!keep)
		vtee_sw_ta_close(sess, child);
	if (ret != TEEC_SUCCESS)
		return ret;
	v->a = sub[0].u.value.a + 1;
	v->b = sub[0].u.value.b;
	return TEEC_SUCCESS;
}

/* The nesting test TA: stateless; test builds only */
const struct vtee_sw_ta vtee_ta_nest = {
	.name = "nest",
	.uuid = UUID_INIT(0x5c2a6f0e, 0x8b1d, 0x4e57,
			  0x9a, 0x3c, 0x6d, 0x7e, 0x0f, 0x1b, 0x2c, 0x4d),
	.test_only = true,
	.invoke = vtee_ta_nest_invoke,
};
