// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: lifecycle, the secure CPU and the message dispatcher.
 *
 * vtee_sw_start() boots the secure world: it maps the carveout (which the
 * normal world has claimed but never maps), loads the firewall rules,
 * sets up the pseudo TAs and starts one kernel thread, "vtee-secure",
 * that plays the secure CPU. vtee_sw_call() queues a message for it and
 * sleeps, uninterruptibly, until the thread has answered: the secure world
 * may be using the caller's memory, so the caller cannot walk away. The
 * thread handles one message at a time and owns all secure state (see
 * sw_private.h). vtee_sw_stop() refuses new messages, lets the thread
 * drain the queue, stops it and frees everything.
 */
#define pr_fmt(fmt) "vtee-secure: " fmt

#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tee.h>
#include <linux/wait.h>

#include "msg_check.h"
#include "sw_private.h"

/* firewall.c and msg_check.c know our numbers without including msg.h */
static_assert(VTEE_FW_READ == VTEE_ACCESS_READ);
static_assert(VTEE_FW_WRITE == VTEE_ACCESS_WRITE);
static_assert(VTEE_FW_NUM_STREAMS == VTEE_STREAM_MAX);
static_assert(ARRAY_SIZE(((struct vtee_sw_stats *)0)->violations) ==
	      VTEE_FW_NUM_USE_CASES + 1);
static_assert(VTEE_MSG_NUM_PARAMS == 4);
static_assert(VTEE_MSG_ATTR_TYPE_MASK == 0xff);

/**
 * struct vtee_sw_req - a message on its way through the secure CPU
 * @node:	entry in vtee_sw.queue
 * @msg:	the message, answered in place
 * @done:	completed once the secure world is done with @msg
 * @ret:	0 if the secure world handled @msg, -ESHUTDOWN if it stopped
 *
 * Lives on the caller's stack; the secure world does not touch it after
 * completing @done.
 */
struct vtee_sw_req {
	struct list_head node;
	struct vtee_msg *msg;
	struct completion done;
	int ret;
};

/* The pseudo TAs, as vtee_sw.ta_data[] */
static const struct vtee_sw_ta * const vtee_sw_tas[VTEE_SW_NUM_TAS] = {
	&vtee_ta_crypt,
#if IS_ENABLED(CONFIG_VTEE_TESTING)
	&vtee_ta_sdp,
	&vtee_ta_invoke_tests,
	&vtee_ta_nest,
#endif
};

static void vtee_sw_result(struct vtee_msg *msg, u32 ret, u32 origin)
{
	msg->ret = ret;
	msg->ret_origin = origin;
}

/* Packed types of the message's parameters (num_params checked) */
static u32 vtee_sw_types(const struct vtee_msg *msg)
{
	u32 attrs[VTEE_MSG_NUM_PARAMS];
	unsigned int i;

	for (i = 0; i < msg->num_params; i++)
		attrs[i] = msg->params[i].attr;
	return vtee_msg_pack_types(attrs, msg->num_params);
}

/* Type code of parameter 0, or NONE if there is none */
static u32 vtee_sw_type0(const struct vtee_msg *msg)
{
	return vtee_sw_types(msg) & VTEE_MSG_TYPE_BAD;
}

/**
 * struct vtee_sw_param_copy - the parameters a TA passes to another TA
 * @params:	the callee's copy
 *
 * The callee works on a copy, so that it can change nothing in the
 * caller's parameters but what vtee_sw_param_copy_out() gives back.
 */
struct vtee_sw_param_copy {
	struct vtee_msg_param params[VTEE_MSG_NUM_PARAMS];
};

static u32 vtee_sw_param_copy_in(struct vtee_sw_param_copy *copy, u32 types,
				 const struct vtee_msg_param *params)
{
	unsigned int i;
	u32 t;

	memset(copy, 0, sizeof(*copy));
	if (types >> (4 * VTEE_MSG_NUM_PARAMS))
		return TEEC_ERROR_BAD_PARAMETERS;
	for (i = 0; i < VTEE_MSG_NUM_PARAMS; i++) {
		t = (types >> (4 * i)) & VTEE_MSG_TYPE_BAD;
		switch (t) {
		case VTEE_MSG_ATTR_NONE:
			break;
		case VTEE_MSG_ATTR_VALUE_INPUT:
		case VTEE_MSG_ATTR_VALUE_OUTPUT:
		case VTEE_MSG_ATTR_VALUE_INOUT:
		case VTEE_MSG_ATTR_MEMREF_INPUT:
		case VTEE_MSG_ATTR_MEMREF_OUTPUT:
		case VTEE_MSG_ATTR_MEMREF_INOUT:
			copy->params[i] = params[i];
			copy->params[i].attr = t;
			break;
		default:
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	return TEEC_SUCCESS;
}

static void vtee_sw_param_copy_out(const struct vtee_sw_param_copy *copy,
				   u32 types, struct vtee_msg_param *params)
{
	unsigned int i;

	for (i = 0; i < VTEE_MSG_NUM_PARAMS; i++) {
		switch ((types >> (4 * i)) & VTEE_MSG_TYPE_BAD) {
		case VTEE_MSG_ATTR_VALUE_OUTPUT:
		case VTEE_MSG_ATTR_VALUE_INOUT:
			params[i].u.value = copy->params[i].u.value;
			break;
		case VTEE_MSG_ATTR_MEMREF_OUTPUT:
		case VTEE_MSG_ATTR_MEMREF_INOUT:
			params[i].u.memref.size = copy->params[i].u.memref.size;
			break;
		}
	}
}

static void vtee_sw_sess_close_children(struct vtee_sw_sess *sess);

/* The TA with @uuid that this secure world serves, or NULL */
static const struct vtee_sw_ta *vtee_sw_ta_find(struct vtee_sw *sw,
						const uuid_t *uuid,
						unsigned int *idx)
{
	unsigned int i;

	for (i = 0; i < VTEE_SW_NUM_TAS; i++) {
		if (!uuid_equal(&vtee_sw_tas[i]->uuid, uuid))
			continue;
		/* Test TAs do not exist unless vtee was loaded for testing */
		if (vtee_sw_tas[i]->test_only && !sw->testing)
			return NULL;
		*idx = i;
		return vtee_sw_tas[i];
	}
	return NULL;
}

/* Does a call bring protected memory its TA takes from TA clients only */
static bool vtee_sw_refuse_protected(const struct vtee_sw_sess *sess, u32 types,
				     const struct vtee_msg_param *params)
{
	unsigned int i;
	u32 t;

	if (!sess->ta->ta_clients_only || sess->parent)
		return false;
	for (i = 0; i < VTEE_MSG_NUM_PARAMS; i++) {
		t = (types >> (4 * i)) & VTEE_MSG_TYPE_BAD;
		if ((t == VTEE_MSG_ATTR_MEMREF_INPUT ||
		     t == VTEE_MSG_ATTR_MEMREF_OUTPUT ||
		     t == VTEE_MSG_ATTR_MEMREF_INOUT) &&
		    params[i].u.memref.protected)
			return true;
	}
	return false;
}

/*
 * A new session to @ta (vtee_sw_tas[@idx]), opened by the normal-world
 * client that sent @msg (@parent NULL, session id @id) or by @parent's TA
 * (@msg NULL: the client's identity is @parent's, the id 0); not yet in
 * any table. The TA's open callback runs here, with the session filled
 * in. TEEC_* result, *@origin set.
 */
static u32 vtee_sw_sess_open(struct vtee_sw *sw, const struct vtee_sw_ta *ta,
			     unsigned int idx, struct vtee_sw_sess *parent,
			     const struct vtee_msg *msg, int id, u32 types,
			     struct vtee_msg_param *params,
			     struct vtee_sw_sess **out, u32 *origin)
{
	struct vtee_sw_sess *sess;
	u32 ret;

	*origin = TEEC_ORIGIN_TEE;
	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return TEEC_ERROR_OUT_OF_MEMORY;
	sess->sw = sw;
	sess->ta = ta;
	sess->ta_data = sw->ta_data[idx];
	sess->parent = parent;
	sess->depth = parent ? parent->depth + 1 : 0;
	if (msg) {
		sess->id = id;
		sess->client = msg->client;
		sess->login = msg->login;
		if (msg->login == TEE_IOCTL_LOGIN_USER)
			sess->client_uid = msg->client_uid;
	} else {
		sess->client = parent->client;
		sess->login = parent->login;
		sess->client_uid = parent->client_uid;
	}
	INIT_LIST_HEAD(&sess->children);
	INIT_LIST_HEAD(&sess->child_node);
	if (vtee_sw_refuse_protected(sess, types, params)) {
		kfree(sess);
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (ta->open) {
		*origin = TEEC_ORIGIN_TRUSTED_APP;
		ret = ta->open(sess, types, params);
		if (ret != TEEC_SUCCESS) {
			/* A TA that failed to open may have opened others */
			vtee_sw_sess_close_children(sess);
			kfree(sess);
			return ret;
		}
	}
	spin_lock(&sw->lock);
	if (parent)
		sw->stats.ta_sessions++;
	else
		sw->stats.sessions++;
	spin_unlock(&sw->lock);
	*origin = TEEC_ORIGIN_TRUSTED_APP;
	*out = sess;
	return TEEC_SUCCESS;
}

static void vtee_sw_open_session(struct vtee_sw *sw, struct vtee_msg *msg)
{
	const struct vtee_sw_ta *ta;
	struct vtee_sw_sess *sess;
	unsigned int idx;
	u32 ret, origin;
	int id;

	ta = vtee_sw_ta_find(sw, &msg->uuid, &idx);
	if (!ta) {
		vtee_sw_result(msg, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
		return;
	}
	if (msg->login != TEE_IOCTL_LOGIN_PUBLIC &&
	    msg->login != TEE_IOCTL_LOGIN_USER) {
		vtee_sw_result(msg, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE);
		return;
	}

	/*
	 * The id first, reserved (NULL: idr_find() sees no session), so that
	 * a TA's open callback never has to be undone. Cyclic: an id just
	 * closed is not handed to the next client.
	 */
	id = idr_alloc_cyclic(&sw->sessions, NULL, 1, INT_MAX, GFP_KERNEL);
	if (id < 0) {
		vtee_sw_result(msg, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
		return;
	}
	ret = vtee_sw_sess_open(sw, ta, idx, NULL, msg, id, vtee_sw_types(msg),
				msg->params, &sess, &origin);
	if (ret != TEEC_SUCCESS) {
		idr_remove(&sw->sessions, id);
		vtee_sw_result(msg, ret, origin);
		return;
	}
	idr_replace(&sw->sessions, sess, id);
	msg->session = id;
	vtee_sw_result(msg, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP);
}

/* The session @msg names, if it belongs to the client sending @msg */
static struct vtee_sw_sess *vtee_sw_sess_get(struct vtee_sw *sw,
					     const struct vtee_msg *msg)
{
	struct vtee_sw_sess *sess = idr_find(&sw->sessions, msg->session);

	return sess && sess->client == msg->client ? sess : NULL;
}

static void vtee_sw_invoke(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_sw_sess *sess = vtee_sw_sess_get(sw, msg);
	u32 ret;

	if (!sess) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	if (vtee_sw_refuse_protected(sess, vtee_sw_types(msg), msg->params)) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	ret = sess->ta->invoke(sess, msg->func, vtee_sw_types(msg),
			       msg->params);
	/* A cancellation of this call, if any, is now spent. */
	if (msg->cancel_id && sess->cancel_id == msg->cancel_id)
		sess->cancel_id = 0;
	vtee_sw_result(msg, ret, TEEC_ORIGIN_TRUSTED_APP);
}

/*
 * Close a session: its TA's close callback first (which may close the
 * sessions it opened itself), then whatever sessions that TA left open,
 * deepest first. Recursion is bounded by VTEE_SW_MAX_DEPTH.
 */
static void vtee_sw_sess_free(struct vtee_sw_sess *sess)
{
	struct vtee_sw *sw = sess->sw;

	if (sess->ta->close)
		sess->ta->close(sess);
	vtee_sw_sess_close_children(sess);
	spin_lock(&sw->lock);
	if (sess->parent)
		sw->stats.ta_sessions--;
	else
		sw->stats.sessions--;
	spin_unlock(&sw->lock);
	kfree(sess);
}

static void vtee_sw_sess_close_children(struct vtee_sw_sess *sess)
{
	struct vtee_sw_sess *child, *tmp;

	list_for_each_entry_safe(child, tmp, &sess->children, child_node) {
		list_del(&child->child_node);
		vtee_sw_sess_free(child);
	}
}

/**
 * vtee_sw_ta_open() - open a session from a TA to another TA
 * @caller:	the session of the calling TA
 * @uuid:	the TA to open (any TA this secure world serves, the caller's
 *		own included: each session is a separate instance)
 * @types:	packed parameter types (VTEE_MSG_TYPES()) of @params
 * @params:	VTEE_MSG_NUM_PARAMS parameters for the callee's open
 *		callback, passed as vtee_sw_ta_invoke() passes them; NULL
 *		if @types is 0 (no parameters)
 * @out:	out: the new session, owned by @caller's session
 * @origin:	out: TEEC_ORIGIN_TEE or TEEC_ORIGIN_TRUSTED_APP (the callee)
 *
 * As the GP Internal API's TEE_OpenTASession(). The new session's client
 * is a TA: it is not in the normal world's session table, and it is
 * closed with @caller's session if the TA does not close it first
 * (vtee_sw_ta_close()). Runs on the secure thread, as all TA callbacks:
 * the callee runs at once, on the same thread, never through the message
 * queue (which the thread itself drains, so waiting there would never
 * end).
 *
 * Context: secure thread (a TA callback).
 * Return: TEEC_SUCCESS; TEEC_ERROR_ITEM_NOT_FOUND for a TA that is not
 * served; TEEC_ERROR_BUSY if the chain of TA-opened sessions would get
 * deeper than VTEE_SW_MAX_DEPTH; TEEC_ERROR_OUT_OF_MEMORY; else what the
 * callee's open callback returned.
 */
u32 vtee_sw_ta_open(struct vtee_sw_sess *caller, const uuid_t *uuid,
		    u32 types, struct vtee_msg_param *params,
		    struct vtee_sw_sess **out, u32 *origin)
{
	struct vtee_sw_param_copy copy;
	const struct vtee_sw_ta *ta;
	struct vtee_sw_sess *sess;
	unsigned int idx;
	u32 ret;

	*origin = TEEC_ORIGIN_TEE;
	*out = NULL;
	ta = vtee_sw_ta_find(caller->sw, uuid, &idx);
	if (!ta)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (caller->depth >= VTEE_SW_MAX_DEPTH)
		return TEEC_ERROR_BUSY;
	ret = vtee_sw_param_copy_in(&copy, types, params);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = vtee_sw_sess_open(caller->sw, ta, idx, caller, NULL, 0, types,
				copy.params, &sess, origin);
	vtee_sw_param_copy_out(&copy, types, params);
	if (ret != TEEC_SUCCESS)
		return ret;
	list_add_tail(&sess->child_node, &caller->children);
	*out = sess;
	return TEEC_SUCCESS;
}

/**
 * vtee_sw_ta_invoke() - invoke a command of a session a TA opened
 * @caller:	the session of the calling TA
 * @sess:	a session @caller's TA opened (vtee_sw_ta_open()) and has not
 *		closed
 * @func:	the callee's command
 * @types:	packed parameter types (VTEE_MSG_TYPES()) of @params
 * @params:	VTEE_MSG_NUM_PARAMS parameters; memrefs as the caller got
 *		them (or narrower windows of them)
 * @origin:	out: TEEC_ORIGIN_TEE or TEEC_ORIGIN_TRUSTED_APP (the callee)
 *
 * As the GP Internal API's TEE_InvokeTACommand(). The callee gets a copy
 * of @params and checks every memref again as for a normal-world call
 * (vtee_sw_win_get()): the kind of memory, exactly one live buffer for
 * protected memory, and its own may_read/may_write use-case rules -- the
 * caller's rights do not carry over. Only what a callee may answer comes
 * back into @params: the values of VALUE_OUTPUT/INOUT and the sizes of
 * MEMREF_OUTPUT/INOUT parameters; a memref's description never changes.
 *
 * Context: secure thread (a TA callback).
 * Return: TEEC_ERROR_BAD_PARAMETERS (origin TEE) for a session that is not
 * @caller's or malformed types, else the callee's result.
 */
u32 vtee_sw_ta_invoke(struct vtee_sw_sess *caller, struct vtee_sw_sess *sess,
		      u32 func, u32 types, struct vtee_msg_param *params,
		      u32 *origin)
{
	struct vtee_sw_param_copy copy;
	u32 ret;

	*origin = TEEC_ORIGIN_TEE;
	if (!sess || sess->parent != caller)
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_param_copy_in(&copy, types, params);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = sess->ta->invoke(sess, func, types, copy.params);
	vtee_sw_param_copy_out(&copy, types, params);
	*origin = TEEC_ORIGIN_TRUSTED_APP;
	return ret;
}

/**
 * vtee_sw_ta_close() - close a session a TA opened
 * @caller:	the session of the calling TA
 * @sess:	a session @caller's TA opened; NULL is ignored, as is a
 *		session that is not @caller's
 *
 * As the GP Internal API's TEE_CloseTASession(); the sessions @sess's TA
 * opened in turn are closed with it.
 *
 * Context: secure thread (a TA callback).
 */
void vtee_sw_ta_close(struct vtee_sw_sess *caller, struct vtee_sw_sess *sess)
{
	if (!sess || sess->parent != caller)
		return;
	list_del(&sess->child_node);
	vtee_sw_sess_free(sess);
}

static void vtee_sw_close_session(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_sw_sess *sess = vtee_sw_sess_get(sw, msg);

	if (!sess) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	idr_remove(&sw->sessions, sess->id);
	vtee_sw_sess_free(sess);
	vtee_sw_result(msg, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

/*
 * Our TAs answer quickly and never look at cancellations; one is recorded
 * for the session anyway (vtee_sw_sess.cancel_id) so that a TA may. A
 * cancellation for a session that is gone is not an error: the call it
 * was meant for has simply finished first.
 */
static void vtee_sw_cancel(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_sw_sess *sess = vtee_sw_sess_get(sw, msg);

	if (sess && msg->cancel_id)
		sess->cancel_id = msg->cancel_id;
	vtee_sw_result(msg, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

/*
 * Zero free protected memory: the window must lie in one region and touch
 * no live buffer (a pool scrubs what it took back, never what it lent).
 */
static void vtee_sw_scrub(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_msg_memref *mr = &msg->params[0].u.memref;
	u32 type = vtee_sw_type0(msg);
	struct vtee_sw_region *r;
	u64 start;

	if ((type != VTEE_MSG_ATTR_MEMREF_INPUT &&
	     type != VTEE_MSG_ATTR_MEMREF_OUTPUT &&
	     type != VTEE_MSG_ATTR_MEMREF_INOUT) || mr->pages || !mr->size ||
	    vtee_msg_check_window(mr->buf_size, mr->offs, mr->size) ||
	    check_add_overflow(mr->paddr, mr->offs, &start)) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	/*
	 * The region list changes under bufs_lock; the region found stays
	 * mapped until this returns (scrub_sem, held by a local call, or
	 * the secure thread, which alone removes regions).
	 */
	mutex_lock(&sw->bufs_lock);
	r = vtee_sw_region_find(sw, start, mr->size);
	mutex_unlock(&sw->bufs_lock);
	if (!mr->protected || !r || vtee_sw_buf_overlaps(sw, start, mr->size)) {
		vtee_sw_result(msg, TEEC_ERROR_ACCESS_DENIED, TEEC_ORIGIN_TEE);
		return;
	}
	vtee_sw_scrub_range(sw, r->vaddr + (start - r->paddr), mr->size);
	vtee_sw_result(msg, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void vtee_sw_add_region(struct vtee_sw *sw, struct vtee_msg *msg)
{
	u32 type = vtee_sw_type0(msg);
	struct vtee_msg_value *v = &msg->params[0].u.value;
	u32 ret = TEEC_ERROR_BAD_PARAMETERS;
	int err;

	if ((type == VTEE_MSG_ATTR_VALUE_INPUT ||
	     type == VTEE_MSG_ATTR_VALUE_INOUT) &&
	    sw->carveout && v->c <= VTEE_FW_NUM_USE_CASES &&
	    vtee_msg_range_within(v->a, v->b, sw->carveout_base,
				  sw->carveout_size)) {
		err = vtee_sw_region_add(sw, v->a, v->b, v->c, sw->carveout +
					 (v->a - sw->carveout_base));
		if (!err)
			ret = TEEC_SUCCESS;
		else if (err == -ENOMEM)
			ret = TEEC_ERROR_OUT_OF_MEMORY;
	}
	vtee_sw_result(msg, ret, TEEC_ORIGIN_TEE);
}

/* LEND, RECLAIM (secure thread), BUF_ADD, BUF_DEL (fast calls) */
static void vtee_sw_mem_cmd(struct vtee_sw *sw, struct vtee_msg *msg)
{
	u32 type = vtee_sw_type0(msg);
	struct vtee_msg_value *v = &msg->params[0].u.value;
	u32 ret = TEEC_ERROR_BAD_PARAMETERS;

	if (type == VTEE_MSG_ATTR_VALUE_INPUT ||
	    type == VTEE_MSG_ATTR_VALUE_INOUT) {
		switch (msg->cmd) {
		case VTEE_MSG_LEND:
			ret = vtee_sw_region_lend(sw, v->a, v->b, v->c);
			break;
		case VTEE_MSG_RECLAIM:
			ret = vtee_sw_region_reclaim(sw, v->a, v->b);
			break;
		case VTEE_MSG_BUF_ADD:
			mutex_lock(&sw->bufs_lock);
			ret = v->c <= U32_MAX ?
			      vtee_sw_buf_add(sw, v->a, v->b, v->c) : ret;
			mutex_unlock(&sw->bufs_lock);
			break;
		case VTEE_MSG_BUF_DEL:
			mutex_lock(&sw->bufs_lock);
			ret = vtee_sw_buf_del(sw, v->a, v->b);
			mutex_unlock(&sw->bufs_lock);
			break;
		}
	}
	vtee_sw_result(msg, ret, TEEC_ORIGIN_TEE);
}

static const char *vtee_sw_access_name(u64 access)
{
	switch (access) {
	case VTEE_ACCESS_READ:
		return "read";
	case VTEE_ACCESS_WRITE:
		return "write";
	case 0:
		return "any";
	default:
		return "read/write";
	}
}

static void vtee_sw_check_device(struct vtee_sw *sw, struct vtee_msg *msg)
{
	u32 type = vtee_sw_type0(msg);
	struct vtee_msg_value *v = &msg->params[0].u.value;
	const char *stream;
	bool allowed;
	u64 n;

	if ((type != VTEE_MSG_ATTR_VALUE_INPUT &&
	     type != VTEE_MSG_ATTR_VALUE_INOUT) ||
	    !v->b || v->b > VTEE_FW_NUM_USE_CASES ||
	    (v->c & ~(u64)(VTEE_ACCESS_READ | VTEE_ACCESS_WRITE))) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	/* Access 0 asks whether the device may access the use case at all */
	allowed = v->a <= VTEE_FW_NUM_STREAMS &&
		  (v->c ? vtee_fw_check(&sw->fw, v->b, v->a, v->c) :
		   vtee_fw_check(&sw->fw, v->b, v->a, VTEE_ACCESS_READ) ||
		   vtee_fw_check(&sw->fw, v->b, v->a, VTEE_ACCESS_WRITE));
	/* An unknown stream is refused (and counted) like a known one. */
	if (allowed) {
		vtee_sw_result(msg, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
		return;
	}

	spin_lock(&sw->lock);
	n = ++sw->stats.violations[v->b];
	spin_unlock(&sw->lock);
	stream = v->a <= VTEE_FW_NUM_STREAMS ? vtee_fw_stream_name(v->a) : NULL;
	pr_warn_ratelimited("firewall: refused %s access by %s to %s memory (violation %llu)\n",
			    vtee_sw_access_name(v->c), stream ?: "unknown stream",
			    vtee_fw_use_case_name(v->b), n);
	vtee_sw_result(msg, TEEC_ERROR_ACCESS_DENIED, TEEC_ORIGIN_TEE);
}

/* Handle one message on the secure CPU; the answer goes into @msg. */
static void vtee_sw_handle(struct vtee_sw *sw, struct vtee_msg *msg)
{
	spin_lock(&sw->lock);
	sw->stats.calls++;
	spin_unlock(&sw->lock);

	if (msg->num_params > VTEE_MSG_NUM_PARAMS) {
		vtee_sw_result(msg, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	switch (msg->cmd) {
	case VTEE_MSG_OPEN_SESSION:
		vtee_sw_open_session(sw, msg);
		break;
	case VTEE_MSG_INVOKE:
		vtee_sw_invoke(sw, msg);
		break;
	case VTEE_MSG_CLOSE_SESSION:
		vtee_sw_close_session(sw, msg);
		break;
	case VTEE_MSG_CANCEL:
		vtee_sw_cancel(sw, msg);
		break;
	case VTEE_MSG_SCRUB:
		vtee_sw_scrub(sw, msg);
		break;
	case VTEE_MSG_ADD_REGION:
		vtee_sw_add_region(sw, msg);
		break;
	case VTEE_MSG_CHECK_DEVICE:
		vtee_sw_check_device(sw, msg);
		break;
	case VTEE_MSG_LEND:
	case VTEE_MSG_RECLAIM:
		vtee_sw_mem_cmd(sw, msg);
		break;
	case VTEE_MSG_DMA:
		vtee_sw_dma(sw, msg);
		break;
	default:
		vtee_sw_result(msg, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE);
		break;
	}
}

static struct vtee_sw_req *vtee_sw_dequeue(struct vtee_sw *sw)
{
	struct vtee_sw_req *req;

	spin_lock(&sw->lock);
	req = list_first_entry_or_null(&sw->queue, struct vtee_sw_req, node);
	if (req)
		list_del(&req->node);
	spin_unlock(&sw->lock);
	return req;
}

/* The secure CPU: answer messages until stopped with an empty queue. */
static int vtee_sw_thread(void *data)
{
	struct vtee_sw *sw = data;
	struct vtee_sw_req *req;

	for (;;) {
		wait_event_interruptible(sw->wq, !list_empty(&sw->queue) ||
					 kthread_should_stop());
		req = vtee_sw_dequeue(sw);
		if (!req) {
			if (kthread_should_stop())
				break;
			continue;
		}
		vtee_sw_handle(sw, req->msg);
		req->ret = 0;
		complete(&req->done);
		cond_resched();
	}
	return 0;
}

/**
 * vtee_sw_call() - run one message on the secure world
 * @sw:		the secure world
 * @msg:	the message; answered in place (@msg->ret, @msg->ret_origin,
 *		output parameters)
 *
 * Sleeps uninterruptibly until the secure world has answered: it may be
 * using memory the message describes. Process context only; the caller
 * keeps that memory (and @msg) alive until this returns.
 *
 * Return: 0 if the secure world handled @msg (its result is in @msg->ret),
 * -ESHUTDOWN if the secure world is stopping or stopped.
 */
int vtee_sw_call(struct vtee_sw *sw, struct vtee_msg *msg)
{
	struct vtee_sw_req req = { .msg = msg };

	init_completion(&req.done);
	spin_lock(&sw->lock);
	if (sw->stopping) {
		spin_unlock(&sw->lock);
		return -ESHUTDOWN;
	}
	list_add_tail(&req.node, &sw->queue);
	spin_unlock(&sw->lock);

	wake_up(&sw->wq);
	wait_for_completion(&req.done);
	return req.ret;
}

/**
 * vtee_sw_fast_call() - run a fast call on the calling CPU
 * @sw:		the secure world
 * @msg:	VTEE_MSG_BUF_ADD or VTEE_MSG_BUF_DEL; answered in place
 *
 * As OP-TEE's fast SMCs: handled at once, without the secure thread, so
 * that allocating and freeing never wait behind a scrub or a device job
 * queued there. Only the buffer table is touched, under its own lock.
 *
 * Context: process; may sleep (the table's mutex, an allocation).
 *
 * Return: 0 if the secure world handled @msg (its result is in @msg->ret),
 * -ESHUTDOWN if it is stopping or stopped.
 */
int vtee_sw_fast_call(struct vtee_sw *sw, struct vtee_msg *msg)
{
	bool stopping;

	spin_lock(&sw->lock);
	stopping = sw->stopping;
	sw->stats.calls++;
	spin_unlock(&sw->lock);
	if (stopping)
		return -ESHUTDOWN;
	if (msg->num_params > VTEE_MSG_NUM_PARAMS ||
	    (msg->cmd != VTEE_MSG_BUF_ADD && msg->cmd != VTEE_MSG_BUF_DEL)) {
		vtee_sw_result(msg, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE);
		return 0;
	}
	vtee_sw_mem_cmd(sw, msg);
	return 0;
}

/**
 * vtee_sw_local_call() - run a scrub on the calling CPU
 * @sw:		the secure world
 * @msg:	VTEE_MSG_SCRUB; answered in place
 *
 * As OP-TEE's yielding calls, which run on the core that made them, each
 * in a secure thread of its own: scrubs asked from several CPUs (a pool's
 * background scrubber, frees and allocations scrubbing their own ranges)
 * run in parallel instead of one after the other on the secure thread,
 * and never wait behind a device job there. The region scrubbed stays
 * mapped until the call returns: removing a region waits for the local
 * calls in flight (@sw->scrub_sem).
 *
 * Context: process; may sleep.
 *
 * Return: 0 if the secure world handled @msg (its result is in @msg->ret),
 * -ESHUTDOWN if it is stopping or stopped.
 */
int vtee_sw_local_call(struct vtee_sw *sw, struct vtee_msg *msg)
{
	bool stopping;

	down_read(&sw->scrub_sem);
	spin_lock(&sw->lock);
	stopping = sw->stopping;
	sw->stats.calls++;
	spin_unlock(&sw->lock);
	if (stopping) {
		up_read(&sw->scrub_sem);
		return -ESHUTDOWN;
	}
	if (msg->num_params > VTEE_MSG_NUM_PARAMS ||
	    msg->cmd != VTEE_MSG_SCRUB)
		vtee_sw_result(msg, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE);
	else
		vtee_sw_scrub(sw, msg);
	up_read(&sw->scrub_sem);
	return 0;
}

/**
 * vtee_sw_get_stats() - read the secure world's counters
 * @sw:	the secure world
 * @st:	out: a consistent snapshot
 */
void vtee_sw_get_stats(struct vtee_sw *sw, struct vtee_sw_stats *st)
{
	spin_lock(&sw->lock);
	*st = sw->stats;
	spin_unlock(&sw->lock);
}

/**
 * vtee_sw_show_allowed() - print the devices a use case allows
 * @sw:		the secure world
 * @use_case:	use case (1..3)
 * @buf:	a sysfs buffer (PAGE_SIZE bytes)
 *
 * Prints e.g. "vdec:rw vdisp:r\n", or "\n" if no device is allowed.
 *
 * Return: bytes printed, or -EINVAL for an unknown use case.
 */
ssize_t vtee_sw_show_allowed(struct vtee_sw *sw, u32 use_case, char *buf)
{
	return vtee_fw_show(&sw->fw, use_case, buf, PAGE_SIZE);
}

static void vtee_sw_tas_exit(struct vtee_sw *sw, unsigned int n)
{
	while (n--) {
		if (vtee_sw_tas[n]->exit)
			vtee_sw_tas[n]->exit(sw, sw->ta_data[n]);
		sw->ta_data[n] = NULL;
	}
}

/**
 * vtee_sw_start() - boot the secure world
 * @cfg:	carveout and firewall rules
 *
 * The carveout, if any, must be page aligned and already claimed by the
 * caller (request_mem_region()); the secure world maps it, the normal
 * world never does. It holds no region until VTEE_MSG_ADD_REGION.
 *
 * Return: the secure world, or an ERR_PTR(): -EINVAL for malformed rules
 * or carveout, -ENOMEM, or the error of a TA or of the thread's creation.
 */
struct vtee_sw *vtee_sw_start(const struct vtee_sw_config *cfg)
{
	const char *rules = cfg->firewall ?: VTEE_FIREWALL_DEFAULT;
	struct vtee_sw *sw;
	unsigned int i;
	int ret;

	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&sw->lock);
	INIT_LIST_HEAD(&sw->queue);
	init_waitqueue_head(&sw->wq);
	idr_init(&sw->sessions);
	INIT_LIST_HEAD(&sw->regions);
	mutex_init(&sw->bufs_lock);
	init_rwsem(&sw->scrub_sem);
	sw->bufs = RB_ROOT;
	sw->testing = IS_ENABLED(CONFIG_VTEE_TESTING) && cfg->testing;

	ret = vtee_fw_parse(&sw->fw, rules);
	if (ret) {
		pr_err("invalid firewall rules \"%s\"\n", rules);
		goto err_free;
	}

	if (cfg->carveout_size) {
		if (!cfg->carveout_base ||
		    !PAGE_ALIGNED(cfg->carveout_base) ||
		    !PAGE_ALIGNED(cfg->carveout_size) ||
		    !vtee_msg_range_valid(cfg->carveout_base,
					  cfg->carveout_size)) {
			ret = -EINVAL;
			goto err_free;
		}
		sw->carveout = memremap(cfg->carveout_base, cfg->carveout_size,
					MEMREMAP_WB);
		if (!sw->carveout) {
			ret = -ENOMEM;
			goto err_free;
		}
		sw->carveout_base = cfg->carveout_base;
		sw->carveout_size = cfg->carveout_size;
		vtee_sw_clear_calibrate(sw);
	}

	for (i = 0; i < VTEE_SW_NUM_TAS; i++) {
		if (!vtee_sw_tas[i]->init)
			continue;
		ret = vtee_sw_tas[i]->init(sw, &sw->ta_data[i]);
		if (ret) {
			pr_err("TA %s failed to start: %d\n",
			       vtee_sw_tas[i]->name, ret);
			goto err_tas;
		}
	}

	sw->thread = kthread_run(vtee_sw_thread, sw, "vtee-secure");
	if (IS_ERR(sw->thread)) {
		ret = PTR_ERR(sw->thread);
		goto err_tas;
	}
	return sw;

err_tas:
	vtee_sw_tas_exit(sw, i);
	if (sw->carveout)
		memunmap(sw->carveout);
err_free:
	idr_destroy(&sw->sessions);
	mutex_destroy(&sw->bufs_lock);
	kfree(sw);
	return ERR_PTR(ret);
}

/**
 * vtee_sw_stop() - shut the secure world down
 * @sw:	the secure world (NULL or an ERR_PTR() is ignored)
 *
 * New messages are refused with -ESHUTDOWN at once; those already queued
 * are answered first. Sessions still open are closed, TA secrets zeroized,
 * all protected memory scrubbed -- lent memory and the whole carveout,
 * whatever the pools left dirty -- before the carveout is unmapped and
 * everything freed. The caller must make sure nobody calls into @sw once
 * this has returned.
 */
void vtee_sw_stop(struct vtee_sw *sw)
{
	struct vtee_sw_req *req, *tmp;
	struct vtee_sw_sess *sess;
	LIST_HEAD(left);
	int id;

	if (IS_ERR_OR_NULL(sw))
		return;

	spin_lock(&sw->lock);
	sw->stopping = true;
	spin_unlock(&sw->lock);
	kthread_stop(sw->thread);

	/* A thread stopped before it first ran leaves messages behind. */
	spin_lock(&sw->lock);
	list_splice_init(&sw->queue, &left);
	spin_unlock(&sw->lock);
	list_for_each_entry_safe(req, tmp, &left, node) {
		list_del(&req->node);
		req->ret = -ESHUTDOWN;
		complete(&req->done);
	}

	idr_for_each_entry(&sw->sessions, sess, id)
		vtee_sw_sess_free(sess);
	idr_destroy(&sw->sessions);
	vtee_sw_tas_exit(sw, VTEE_SW_NUM_TAS);
	/* Local calls in flight finish first; later ones see stopping */
	down_write(&sw->scrub_sem);
	vtee_sw_regions_free(sw);
	up_write(&sw->scrub_sem);
	if (sw->carveout) {
		vtee_sw_scrub_range(sw, sw->carveout, sw->carveout_size);
		memunmap(sw->carveout);
	}
	mutex_destroy(&sw->bufs_lock);
	kfree(sw);
}
