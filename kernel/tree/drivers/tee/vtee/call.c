// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee calls: sessions, invoke and cancel. Each call is turned into a
 * struct vtee_msg -- parameters become values or physical memrefs -- and
 * run by the secure world; results come back the same way.
 */
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/tee_drv.h>
#include <linux/uaccess.h>

#include "vtee_private.h"
#include "secure/sw.h"

static struct vtee *vtee_from_ctx(struct tee_context *ctx)
{
	return tee_get_drvdata(ctx->teedev);
}

/* Describe shared memory physically, for the secure world */
static int vtee_memref_to_msg(const struct tee_param_memref *mr,
			      struct vtee_msg_memref *m)
{
	struct tee_shm *shm = mr->shm;

	memset(m, 0, sizeof(*m));
	m->offs = mr->shm_offs;
	m->size = mr->size;
	if (!shm)	/* a NULL memref: size only */
		return 0;

	m->buf_size = shm->size;
	if (shm->flags & TEE_SHM_DMA_BUF) {
		m->paddr = shm->paddr;
		m->protected = true;
	} else if (shm->flags & TEE_SHM_POOL) {
		m->paddr = shm->paddr;
	} else if (shm->pages) {
		m->pages = shm->pages;
		m->page_offs = shm->offset;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int vtee_params_to_msg(struct vtee_msg *msg, u32 num_params,
			      const struct tee_param *param)
{
	struct vtee_msg_param *mp;
	u32 n;
	int ret;

	if (num_params > VTEE_MSG_NUM_PARAMS)
		return -EINVAL;
	msg->num_params = num_params;
	for (n = 0; n < num_params; n++) {
		mp = &msg->params[n];
		mp->attr = param[n].attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK;
		switch (mp->attr) {
		case TEE_IOCTL_PARAM_ATTR_TYPE_NONE:
			break;
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			mp->u.value.a = param[n].u.value.a;
			mp->u.value.b = param[n].u.value.b;
			mp->u.value.c = param[n].u.value.c;
			break;
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			ret = vtee_memref_to_msg(&param[n].u.memref,
						 &mp->u.memref);
			if (ret)
				return ret;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

static void vtee_params_from_msg(const struct vtee_msg *msg, u32 num_params,
				 struct tee_param *param)
{
	const struct vtee_msg_param *mp;
	u32 n;

	for (n = 0; n < num_params; n++) {
		mp = &msg->params[n];
		switch (mp->attr) {
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			param[n].u.value.a = mp->u.value.a;
			param[n].u.value.b = mp->u.value.b;
			param[n].u.value.c = mp->u.value.c;
			break;
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			param[n].u.memref.size = mp->u.memref.size;
			break;
		default:
			break;
		}
	}
}

static struct vtee_msg *vtee_msg_alloc(u32 cmd)
{
	struct vtee_msg *msg = kzalloc(sizeof(*msg), GFP_KERNEL);

	if (msg)
		msg->cmd = cmd;
	return msg;
}

/**
 * vtee_open_session() - tee_driver_ops.open_session
 * @ctx:	the caller's context
 * @arg:	uuid, login and (out) session, ret, ret_origin
 * @param:	parameters
 *
 * Return: 0 when the secure world answered (its verdict is in @arg->ret),
 * or a negative errno when the call could not be made.
 */
int vtee_open_session(struct tee_context *ctx,
		      struct tee_ioctl_open_session_arg *arg,
		      struct tee_param *param)
{
	struct vtee_context *vctx = ctx->data;
	struct vtee_session *sess;
	struct vtee_msg *msg;
	int ret;

	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	msg = vtee_msg_alloc(VTEE_MSG_OPEN_SESSION);
	if (!sess || !msg) {
		ret = -ENOMEM;
		goto out;
	}
	import_uuid(&msg->uuid, arg->uuid);
	msg->client = vctx->client;
	msg->login = arg->clnt_login;
	msg->client_uid = from_kuid(&init_user_ns, current_euid());
	msg->cancel_id = arg->cancel_id;
	ret = vtee_params_to_msg(msg, arg->num_params, param);
	if (ret)
		goto out;

	ret = vtee_sw_call(vtee_from_ctx(ctx)->sw, msg);
	if (ret)
		goto out;
	arg->ret = msg->ret;
	arg->ret_origin = msg->ret_origin;
	vtee_params_from_msg(msg, arg->num_params, param);
	if (msg->ret == TEEC_SUCCESS) {
		arg->session = msg->session;
		sess->id = msg->session;
		mutex_lock(&vctx->lock);
		list_add_tail(&sess->link, &vctx->sessions);
		mutex_unlock(&vctx->lock);
		sess = NULL;
	}
out:
	kfree(msg);
	kfree(sess);
	return ret;
}

/*
 * Tell the secure world a session of @vctx is gone. The message is on the
 * stack: closing must not fail for want of memory.
 */
static void vtee_sw_close(struct vtee *vtee, struct vtee_context *vctx, u32 id)
{
	struct vtee_msg msg = {
		.cmd = VTEE_MSG_CLOSE_SESSION,
		.client = vctx->client,
		.session = id,
	};

	vtee_sw_call(vtee->sw, &msg);
}

static struct vtee_session *vtee_find_session(struct vtee_context *vctx,
					      u32 id)
{
	struct vtee_session *sess;

	list_for_each_entry(sess, &vctx->sessions, link)
		if (sess->id == id)
			return sess;
	return NULL;
}

/**
 * vtee_close_session() - tee_driver_ops.close_session
 * @ctx:	the caller's context
 * @session:	a session this context opened
 *
 * Return: 0, or -EINVAL for a session the context does not own.
 */
int vtee_close_session(struct tee_context *ctx, u32 session)
{
	struct vtee_context *vctx = ctx->data;
	struct vtee_session *sess;

	mutex_lock(&vctx->lock);
	sess = vtee_find_session(vctx, session);
	if (sess)
		list_del(&sess->link);
	mutex_unlock(&vctx->lock);
	if (!sess)
		return -EINVAL;

	vtee_sw_close(vtee_from_ctx(ctx), vctx, session);
	kfree(sess);
	return 0;
}

/**
 * vtee_close_all_sessions() - close what a context left open
 * @ctx:	a context being released (its process closed it or died)
 */
void vtee_close_all_sessions(struct tee_context *ctx)
{
	struct vtee_context *vctx = ctx->data;
	struct vtee_session *sess, *tmp;

	list_for_each_entry_safe(sess, tmp, &vctx->sessions, link) {
		list_del(&sess->link);
		vtee_sw_close(vtee_from_ctx(ctx), vctx, sess->id);
		kfree(sess);
	}
}

/**
 * vtee_invoke_func() - tee_driver_ops.invoke_func
 * @ctx:	the caller's context
 * @arg:	session, func and (out) ret, ret_origin
 * @param:	parameters
 *
 * Return: 0 when the secure world answered, -EINVAL for a session the
 * context does not own or bad parameters, -ENOMEM.
 */
int vtee_invoke_func(struct tee_context *ctx, struct tee_ioctl_invoke_arg *arg,
		     struct tee_param *param)
{
	struct vtee_context *vctx = ctx->data;
	struct vtee_msg *msg;
	bool owned;
	int ret;

	mutex_lock(&vctx->lock);
	owned = vtee_find_session(vctx, arg->session);
	mutex_unlock(&vctx->lock);
	if (!owned)
		return -EINVAL;

	msg = vtee_msg_alloc(VTEE_MSG_INVOKE);
	if (!msg)
		return -ENOMEM;
	msg->client = vctx->client;
	msg->session = arg->session;
	msg->func = arg->func;
	msg->cancel_id = arg->cancel_id;
	ret = vtee_params_to_msg(msg, arg->num_params, param);
	if (!ret)
		ret = vtee_sw_call(vtee_from_ctx(ctx)->sw, msg);
	if (!ret) {
		arg->ret = msg->ret;
		arg->ret_origin = msg->ret_origin;
		vtee_params_from_msg(msg, arg->num_params, param);
	}
	kfree(msg);
	return ret;
}

/**
 * vtee_cancel_req() - tee_driver_ops.cancel_req
 * @ctx:	the caller's context
 * @cancel_id:	id given to the call to cancel
 * @session:	its session
 *
 * Return: 0, or -EINVAL for a session the context does not own, -ENOMEM.
 */
int vtee_cancel_req(struct tee_context *ctx, u32 cancel_id, u32 session)
{
	struct vtee_context *vctx = ctx->data;
	struct vtee_msg *msg;
	bool owned;
	int ret;

	mutex_lock(&vctx->lock);
	owned = vtee_find_session(vctx, session);
	mutex_unlock(&vctx->lock);
	if (!owned)
		return -EINVAL;

	msg = vtee_msg_alloc(VTEE_MSG_CANCEL);
	if (!msg)
		return -ENOMEM;
	msg->client = vctx->client;
	msg->session = session;
	msg->cancel_id = cancel_id;
	ret = vtee_sw_call(vtee_from_ctx(ctx)->sw, msg);
	kfree(msg);
	return ret;
}

/**
 * vtee_shm_register() - tee_driver_ops.shm_register
 * @ctx:	the caller's context
 * @shm:	shared memory being registered
 * @pages:	its pages
 * @num_pages:	number of @pages
 * @start:	its start address in the caller
 *
 * The secure world reads registered memory through the page list passed
 * with each memref, so there is nothing to set up.
 *
 * Return: 0.
 */
int vtee_shm_register(struct tee_context *ctx, struct tee_shm *shm,
		      struct page **pages, size_t num_pages,
		      unsigned long start)
{
	return 0;
}

/**
 * vtee_shm_unregister() - tee_driver_ops.shm_unregister
 * @ctx:	the caller's context
 * @shm:	shared memory being unregistered
 *
 * Return: 0.
 */
int vtee_shm_unregister(struct tee_context *ctx, struct tee_shm *shm)
{
	return 0;
}
