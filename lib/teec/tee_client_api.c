// SPDX-License-Identifier: BSD-2-Clause
/*
 * tee_client_api.c - the GlobalPlatform TEE Client API on the Linux TEE
 * subsystem's uAPI (linux/tee.h), for any TEE driver that says it is
 * GlobalPlatform compliant (TEE_GEN_CAP_GP).
 *
 * Contract:
 *  - No global state. A TEEC_Context is one open /dev/teeN; everything
 *    else lives in the structures the caller owns. Calls on different
 *    sessions, from different threads, need no lock: the kernel
 *    serializes what it must. TEEC_RequestCancellation() is the one call
 *    made while another thread is inside a call on the same operation;
 *    the two meet in TEEC_Operation.started, updated atomically.
 *  - Parameters are translated in one place (teec_op_to_params() and
 *    teec_params_to_op()). Temporary memrefs are registered for the call
 *    (TEE_IOC_SHM_REGISTER) when the TEE can register user memory and the
 *    kernel can pin the buffer; otherwise they are bounced through memory
 *    the TEE allocates (TEE_IOC_SHM_ALLOC), copied in before and out after.
 *  - Everything the API can check is checked before any ioctl and
 *    answered with origin TEEC_ORIGIN_API; a failed ioctl is
 *    TEEC_ORIGIN_COMMS; otherwise the TEE's own result and origin.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tee_client_api.h"
#include "tee_client_api_extensions.h"

/* /dev/tee0 .. /dev/tee9 are probed for a default TEE */
#define TEEC_MAX_DEV_SEQ	10

/* TEEC_SharedMemory.imp.flags */
#define TEEC_SHM_LIVE		0x1	/* registered or allocated, not released */
#define TEEC_SHM_ALLOCATED	0x2	/* buffer is the TEE's, mapped by us */
#define TEEC_SHM_SHADOW		0x4	/* caller's buffer, TEE copy in shadow */
#define TEEC_SHM_DMABUF		0x8	/* registered by file descriptor */

/*
 * TEEC_Operation.started: 0 (set by the client), then one of these. A
 * cancellation that comes before the operation starts leaves
 * TEEC_OP_CANCELLED, and the operation never reaches the TEE.
 */
#define TEEC_OP_RUNNING		1
#define TEEC_OP_DONE		2
#define TEEC_OP_CANCELLED	0x7ecca9c1

#define TEEC_MEM_INOUT		(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)

/* The ioctl argument of open session or invoke, with its parameters */
union teec_open_arg {
	struct tee_ioctl_open_session_arg arg;
	unsigned char raw[sizeof(struct tee_ioctl_open_session_arg) +
			  TEEC_CONFIG_PAYLOAD_REF_COUNT *
			  sizeof(struct tee_ioctl_param)];
};

union teec_invoke_arg {
	struct tee_ioctl_invoke_arg arg;
	unsigned char raw[sizeof(struct tee_ioctl_invoke_arg) +
			  TEEC_CONFIG_PAYLOAD_REF_COUNT *
			  sizeof(struct tee_ioctl_param)];
};

/* The temporary shared memory of one call, per parameter */
struct teec_tmp {
	int fd;			/* shm fd, -1 if none */
	void *map;		/* bounce buffer mapping, NULL if registered */
	size_t map_size;
};

/* ---- errors -------------------------------------------------------------- */

static void teec_origin(uint32_t *origin, uint32_t value)
{
	if (origin)
		*origin = value;
}

/* A failed ioctl's errno as a GP result */
static TEEC_Result teec_errno_result(int err)
{
	switch (err) {
	case ENOMEM:
	case ENOSPC:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case EINVAL:
	case EBADF:
	case EFAULT:
		return TEEC_ERROR_BAD_PARAMETERS;
	case EPERM:
	case EACCES:
		return TEEC_ERROR_ACCESS_DENIED;
	case EBUSY:
	case EAGAIN:
		return TEEC_ERROR_BUSY;
	case EOPNOTSUPP:
	case ENOTTY:
		return TEEC_ERROR_NOT_SUPPORTED;
	default:
		return TEEC_ERROR_COMMUNICATION;
	}
}

/* ---- contexts ------------------------------------------------------------ */

/*
 * Open @path if it is a GlobalPlatform TEE that @name accepts: NULL or a
 * device path accept any, "optee-tz" only OP-TEE on TrustZone, "vtee"
 * only protmem's virtual TEE. Returns the fd or -1.
 */
static int teec_open_dev(const char *path, const char *name,
			 uint32_t *gen_caps)
{
	struct tee_ioctl_version_data v;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, TEE_IOC_VERSION, &v) || !(v.gen_caps & TEE_GEN_CAP_GP))
		goto no;
	if (name && !strcmp(name, "optee-tz") &&
	    (v.impl_id != TEE_IMPL_ID_OPTEE ||
	     !(v.impl_caps & TEE_OPTEE_CAP_TZ)))
		goto no;
#ifdef TEE_IMPL_ID_VTEE
	if (name && !strcmp(name, "vtee") && v.impl_id != TEE_IMPL_ID_VTEE)
		goto no;
#endif
	*gen_caps = v.gen_caps;
	return fd;
no:
	close(fd);
	return -1;
}

static int teec_name_known(const char *name)
{
	return !name || !strncmp(name, "/dev/tee", 8) ||
	       !strcmp(name, "optee-tz") || !strcmp(name, "vtee");
}

TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *context)
{
	uint32_t caps = 0;
	char path[32];
	int fd = -1, n;

	if (!context)
		return TEEC_ERROR_BAD_PARAMETERS;
	context->imp.fd = -1;
	if (!teec_name_known(name))
		return TEEC_ERROR_ITEM_NOT_FOUND;

	if (name && name[0] == '/') {
		fd = teec_open_dev(name, NULL, &caps);
	} else {
		for (n = 0; fd < 0 && n < TEEC_MAX_DEV_SEQ; n++) {
			snprintf(path, sizeof(path), "/dev/tee%d", n);
			fd = teec_open_dev(path, name, &caps);
		}
	}
	if (fd < 0)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	context->imp.fd = fd;
	context->imp.reg_mem = caps & TEE_GEN_CAP_REG_MEM;
	context->imp.memref_null = caps & TEE_GEN_CAP_MEMREF_NULL;
	return TEEC_SUCCESS;
}

void TEEC_FinalizeContext(TEEC_Context *context)
{
	if (!context || context->imp.fd < 0)
		return;
	close(context->imp.fd);
	context->imp.fd = -1;
}

/* ---- shared memory ------------------------------------------------------- */

/* TEE_IOC_SHM_ALLOC @size bytes and map them; 0 or -errno */
static int teec_shm_alloc(int tee, size_t size, int *fd, int *id, void **map,
			  size_t *map_size)
{
	struct tee_ioctl_shm_alloc_data d;
	int err;

	memset(&d, 0, sizeof(d));
	d.size = size ? size : 1;
	*fd = ioctl(tee, TEE_IOC_SHM_ALLOC, &d);
	if (*fd < 0)
		return -errno;
	*map = mmap(NULL, (size_t)d.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    *fd, 0);
	if (*map == MAP_FAILED) {
		err = errno;
		close(*fd);
		*fd = -1;
		*map = NULL;
		return -err;
	}
	*id = d.id;
	*map_size = (size_t)d.size;
	return 0;
}

/* TEE_IOC_SHM_REGISTER the caller's @buf; the shm fd or -errno */
static int teec_shm_register(int tee, void *buf, size_t size, int *id)
{
	struct tee_ioctl_shm_register_data d;
	int fd;

	memset(&d, 0, sizeof(d));
	d.addr = (uintptr_t)buf;
	d.length = size;
	fd = ioctl(tee, TEE_IOC_SHM_REGISTER, &d);
	if (fd < 0)
		return -errno;
	*id = d.id;
	return fd;
}

static int teec_shm_flags_ok(uint32_t flags)
{
	return flags && !(flags & ~(uint32_t)TEEC_MEM_INOUT);
}

static void teec_shm_reset(TEEC_SharedMemory *shm)
{
	shm->imp.id = -1;
	shm->imp.alloced_size = 0;
	shm->imp.shadow_buffer = NULL;
	shm->imp.registered_fd = -1;
	shm->imp.flags = 0;
}

TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	void *map;
	size_t map_size;
	int fd, id, err;

	if (!context || !sharedMem || context->imp.fd < 0 ||
	    !teec_shm_flags_ok(sharedMem->flags))
		return TEEC_ERROR_BAD_PARAMETERS;
	teec_shm_reset(sharedMem);
	err = teec_shm_alloc(context->imp.fd, sharedMem->size, &fd, &id, &map,
			     &map_size);
	if (err)
		return teec_errno_result(-err);
	sharedMem->buffer = map;
	sharedMem->imp.id = id;
	sharedMem->imp.alloced_size = map_size;
	sharedMem->imp.registered_fd = fd;
	sharedMem->imp.flags = TEEC_SHM_LIVE | TEEC_SHM_ALLOCATED;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	void *map;
	size_t map_size;
	int fd, id = -1, err;

	if (!context || !sharedMem || context->imp.fd < 0 ||
	    !teec_shm_flags_ok(sharedMem->flags) ||
	    (!sharedMem->buffer && sharedMem->size))
		return TEEC_ERROR_BAD_PARAMETERS;
	teec_shm_reset(sharedMem);
	if (context->imp.reg_mem && sharedMem->size) {
		fd = teec_shm_register(context->imp.fd, sharedMem->buffer,
				       sharedMem->size, &id);
		if (fd >= 0) {
			sharedMem->imp.id = id;
			sharedMem->imp.registered_fd = fd;
			sharedMem->imp.flags = TEEC_SHM_LIVE;
			return TEEC_SUCCESS;
		}
	}
	/* Not registrable here: a TEE-side shadow, synchronized per call */
	err = teec_shm_alloc(context->imp.fd, sharedMem->size, &fd, &id, &map,
			     &map_size);
	if (err)
		return teec_errno_result(-err);
	sharedMem->imp.id = id;
	sharedMem->imp.shadow_buffer = map;
	sharedMem->imp.alloced_size = map_size;
	sharedMem->imp.registered_fd = fd;
	sharedMem->imp.flags = TEEC_SHM_LIVE | TEEC_SHM_SHADOW;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
						    TEEC_SharedMemory *sharedMem,
						    int fd)
{
	struct tee_ioctl_shm_register_fd_data d;
	int shm_fd;

	if (!context || !sharedMem || context->imp.fd < 0 || fd < 0 ||
	    !teec_shm_flags_ok(sharedMem->flags))
		return TEEC_ERROR_BAD_PARAMETERS;
	teec_shm_reset(sharedMem);
	memset(&d, 0, sizeof(d));
	d.fd = fd;
	shm_fd = ioctl(context->imp.fd, TEE_IOC_SHM_REGISTER_FD, &d);
	if (shm_fd < 0)
		return teec_errno_result(errno);
	sharedMem->buffer = NULL;
	sharedMem->size = (size_t)d.size;
	sharedMem->imp.id = d.id;
	sharedMem->imp.registered_fd = shm_fd;
	sharedMem->imp.flags = TEEC_SHM_LIVE | TEEC_SHM_DMABUF;
	return TEEC_SUCCESS;
}

void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMem)
{
	if (!sharedMem || !(sharedMem->imp.flags & TEEC_SHM_LIVE))
		return;
	if (sharedMem->imp.flags & TEEC_SHM_ALLOCATED) {
		munmap(sharedMem->buffer, sharedMem->imp.alloced_size);
		sharedMem->buffer = NULL;
		sharedMem->size = 0;
	}
	if (sharedMem->imp.flags & TEEC_SHM_SHADOW)
		munmap(sharedMem->imp.shadow_buffer,
		       sharedMem->imp.alloced_size);
	if (sharedMem->imp.flags & TEEC_SHM_DMABUF)
		sharedMem->size = 0;
	if (sharedMem->imp.registered_fd >= 0)
		close(sharedMem->imp.registered_fd);
	teec_shm_reset(sharedMem);
}

/* ---- parameters ---------------------------------------------------------- */

static uint64_t teec_memref_attr(uint32_t flags)
{
	if ((flags & TEEC_MEM_INOUT) == TEEC_MEM_INOUT)
		return TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	return flags & TEEC_MEM_INPUT ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT :
					TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
}

/* TEEC_MEM_* directions of a memref parameter type */
static uint32_t teec_type_dir(uint32_t type)
{
	switch (type) {
	case TEEC_MEMREF_TEMP_INPUT:
	case TEEC_MEMREF_PARTIAL_INPUT:
		return TEEC_MEM_INPUT;
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
		return TEEC_MEM_OUTPUT;
	default:
		return TEEC_MEM_INOUT;
	}
}

static void teec_tmp_free(struct teec_tmp *tmp)
{
	unsigned int n;

	for (n = 0; n < TEEC_CONFIG_PAYLOAD_REF_COUNT; n++) {
		if (tmp[n].map)
			munmap(tmp[n].map, tmp[n].map_size);
		if (tmp[n].fd >= 0)
			close(tmp[n].fd);
		tmp[n].map = NULL;
		tmp[n].fd = -1;
	}
}

/* A temporary memref: registered where possible, else bounced */
static TEEC_Result teec_tmpref_to_param(TEEC_Context *ctx, uint32_t type,
					TEEC_TempMemoryReference *ref,
					struct tee_ioctl_param *p,
					struct teec_tmp *tmp)
{
	uint32_t dir = teec_type_dir(type);
	int id = 0, err;

	p->attr = teec_memref_attr(dir);
	p->a = 0;
	p->b = ref->size;
	if (!ref->buffer) {
		/* A NULL memref: the TA sees no buffer, only a size */
		if (!ctx->imp.memref_null)
			return TEEC_ERROR_NOT_SUPPORTED;
		p->c = TEE_MEMREF_NULL;
		return TEEC_SUCCESS;
	}
	if (ctx->imp.reg_mem && ref->size) {
		tmp->fd = teec_shm_register(ctx->imp.fd, ref->buffer, ref->size,
					    &id);
		if (tmp->fd >= 0) {
			p->c = (uint64_t)id;
			return TEEC_SUCCESS;
		}
		tmp->fd = -1;	/* e.g. read-only memory: bounce it */
	}
	err = teec_shm_alloc(ctx->imp.fd, ref->size, &tmp->fd, &id, &tmp->map,
			     &tmp->map_size);
	if (err)
		return teec_errno_result(-err);
	if (dir & TEEC_MEM_INPUT)
		memcpy(tmp->map, ref->buffer, ref->size);
	p->c = (uint64_t)id;
	return TEEC_SUCCESS;
}

/* A registered memref (whole or partial), bounds checked */
static TEEC_Result teec_memref_to_param(uint32_t type,
					TEEC_RegisteredMemoryReference *ref,
					struct tee_ioctl_param *p)
{
	TEEC_SharedMemory *shm = ref->parent;
	size_t offs, size;
	uint32_t dir;

	if (!shm || !(shm->imp.flags & TEEC_SHM_LIVE))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (type == TEEC_MEMREF_WHOLE) {
		dir = shm->flags & TEEC_MEM_INOUT;
		offs = 0;
		size = shm->size;
	} else {
		dir = teec_type_dir(type);
		offs = ref->offset;
		size = ref->size;
		if (offs > shm->size || size > shm->size - offs)
			return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (!dir || (shm->flags & dir) != dir)
		return TEEC_ERROR_BAD_PARAMETERS;
	if ((shm->imp.flags & TEEC_SHM_SHADOW) && (dir & TEEC_MEM_INPUT) &&
	    size)
		memcpy((char *)shm->imp.shadow_buffer + offs,
		       (char *)shm->buffer + offs, size);
	p->attr = teec_memref_attr(dir);
	p->a = offs;
	p->b = size;
	p->c = (uint64_t)shm->imp.id;
	return TEEC_SUCCESS;
}

/*
 * @op → the ioctl's @p (TEEC_CONFIG_PAYLOAD_REF_COUNT of them), temporary
 * memrefs shared through @tmp. On failure nothing is left allocated.
 */
static TEEC_Result teec_op_to_params(TEEC_Context *ctx, TEEC_Operation *op,
				     struct tee_ioctl_param *p,
				     struct teec_tmp *tmp)
{
	TEEC_Result res = TEEC_SUCCESS;
	uint32_t type;
	unsigned int n;

	for (n = 0; n < TEEC_CONFIG_PAYLOAD_REF_COUNT; n++) {
		tmp[n].fd = -1;
		tmp[n].map = NULL;
		tmp[n].map_size = 0;
		memset(&p[n], 0, sizeof(p[n]));
	}
	if (!op)
		return TEEC_SUCCESS;
	if (op->paramTypes >> (4 * TEEC_CONFIG_PAYLOAD_REF_COUNT))
		return TEEC_ERROR_BAD_PARAMETERS;

	for (n = 0; n < TEEC_CONFIG_PAYLOAD_REF_COUNT && !res; n++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, n);
		switch (type) {
		case TEEC_NONE:
			p[n].attr = TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
			break;
		case TEEC_VALUE_INPUT:
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			/* Same numbers in GP and in the uAPI */
			p[n].attr = type;
			p[n].a = op->params[n].value.a;
			p[n].b = op->params[n].value.b;
			break;
		case TEEC_MEMREF_TEMP_INPUT:
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			res = teec_tmpref_to_param(ctx, type,
						   &op->params[n].tmpref,
						   &p[n], &tmp[n]);
			break;
		case TEEC_MEMREF_WHOLE:
		case TEEC_MEMREF_PARTIAL_INPUT:
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			res = teec_memref_to_param(type, &op->params[n].memref,
						   &p[n]);
			break;
		default:
			res = TEEC_ERROR_BAD_PARAMETERS;
			break;
		}
	}
	if (res)
		teec_tmp_free(tmp);
	return res;
}

/* The TEE's answer in @p → @op: output values, sizes and bounced data */
static void teec_params_to_op(TEEC_Operation *op,
			      const struct tee_ioctl_param *p,
			      const struct teec_tmp *tmp)
{
	TEEC_RegisteredMemoryReference *mr;
	TEEC_TempMemoryReference *tr;
	TEEC_SharedMemory *shm;
	uint32_t type;
	unsigned int n;
	size_t win;

	if (!op)
		return;
	for (n = 0; n < TEEC_CONFIG_PAYLOAD_REF_COUNT; n++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, n);
		switch (type) {
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			op->params[n].value.a = (uint32_t)p[n].a;
			op->params[n].value.b = (uint32_t)p[n].b;
			break;
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			tr = &op->params[n].tmpref;
			if (tmp[n].map && p[n].b <= tr->size)
				memcpy(tr->buffer, tmp[n].map, (size_t)p[n].b);
			tr->size = (size_t)p[n].b;
			break;
		case TEEC_MEMREF_WHOLE:
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			mr = &op->params[n].memref;
			shm = mr->parent;
			if (!(teec_type_dir(type) & TEEC_MEM_OUTPUT) ||
			    !(shm->flags & TEEC_MEM_OUTPUT))
				break;
			win = type == TEEC_MEMREF_WHOLE ? shm->size : mr->size;
			if ((shm->imp.flags & TEEC_SHM_SHADOW) && p[n].b <= win) {
				size_t offs = type == TEEC_MEMREF_WHOLE ?
					      0 : mr->offset;

				memcpy((char *)shm->buffer + offs,
				       (char *)shm->imp.shadow_buffer + offs,
				       (size_t)p[n].b);
			}
			mr->size = (size_t)p[n].b;
			break;
		default:
			break;
		}
	}
}

/* ---- cancellation -------------------------------------------------------- */

/*
 * A call's cancellation id: non-zero and, for the operations in flight
 * on one session (each its own TEEC_Operation), distinct, so derived
 * from the operation's address.
 */
static uint32_t teec_cancel_id(const TEEC_Operation *op)
{
	uint64_t x = (uint64_t)(uintptr_t)op;

	if (!op)
		return 0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x ? (uint32_t)x : 1;
}

/*
 * Mark @op started on @session; false if a cancellation came first (the
 * operation must then not reach the TEE).
 */
static int teec_op_start(TEEC_Operation *op, TEEC_Session *session)
{
	if (!op)
		return 1;
	__atomic_store_n(&op->imp.session, session, __ATOMIC_RELEASE);
	return __atomic_exchange_n(&op->started, TEEC_OP_RUNNING,
				   __ATOMIC_ACQ_REL) != TEEC_OP_CANCELLED;
}

static void teec_op_done(TEEC_Operation *op)
{
	if (op)
		__atomic_store_n(&op->started, TEEC_OP_DONE, __ATOMIC_RELEASE);
}

void TEEC_RequestCancellation(TEEC_Operation *operation)
{
	struct tee_ioctl_cancel_arg arg;
	TEEC_Session *session;
	uint32_t state = 0;

	if (!operation)
		return;
	/* Not started yet: it never will be */
	if (__atomic_compare_exchange_n(&operation->started, &state,
					TEEC_OP_CANCELLED, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return;
	if (state != TEEC_OP_RUNNING)
		return;		/* finished, or cancelled already */
	session = __atomic_load_n(&operation->imp.session, __ATOMIC_ACQUIRE);
	if (!session || !session->imp.ctx)
		return;
	memset(&arg, 0, sizeof(arg));
	arg.cancel_id = teec_cancel_id(operation);
	arg.session = session->imp.session_id;
	/* Best effort: the call may have finished meanwhile */
	ioctl(session->imp.ctx->imp.fd, TEE_IOC_CANCEL, &arg);
}

/* ---- sessions ------------------------------------------------------------ */

static void teec_uuid_octets(const TEEC_UUID *u, uint8_t *d)
{
	d[0] = (uint8_t)(u->timeLow >> 24);
	d[1] = (uint8_t)(u->timeLow >> 16);
	d[2] = (uint8_t)(u->timeLow >> 8);
	d[3] = (uint8_t)u->timeLow;
	d[4] = (uint8_t)(u->timeMid >> 8);
	d[5] = (uint8_t)u->timeMid;
	d[6] = (uint8_t)(u->timeHiAndVersion >> 8);
	d[7] = (uint8_t)u->timeHiAndVersion;
	memcpy(d + 8, u->clockSeqAndNode, sizeof(u->clockSeqAndNode));
}

/*
 * The login and its data: group logins carry the group id (a uint32_t at
 * @data) in clnt_uuid; the others take no data. The kernel fills in the
 * user and application identities and checks group membership.
 */
static TEEC_Result teec_login(struct tee_ioctl_open_session_arg *arg,
			      uint32_t method, const void *data)
{
	uint32_t gid;

	switch (method) {
	case TEEC_LOGIN_PUBLIC:
	case TEEC_LOGIN_USER:
	case TEEC_LOGIN_APPLICATION:
	case TEEC_LOGIN_USER_APPLICATION:
		if (data)
			return TEEC_ERROR_BAD_PARAMETERS;
		break;
	case TEEC_LOGIN_GROUP:
	case TEEC_LOGIN_GROUP_APPLICATION:
		if (!data)
			return TEEC_ERROR_BAD_PARAMETERS;
		memcpy(&gid, data, sizeof(gid));
		memcpy(arg->clnt_uuid, &gid, sizeof(gid));
		break;
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	arg->clnt_login = method;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation,
			     uint32_t *returnOrigin)
{
	struct teec_tmp tmp[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	struct tee_ioctl_buf_data buf;
	union teec_open_arg u;
	TEEC_Result res;

	teec_origin(returnOrigin, TEEC_ORIGIN_API);
	if (!context || !session || !destination || context->imp.fd < 0)
		return TEEC_ERROR_BAD_PARAMETERS;
	session->imp.ctx = NULL;
	memset(&u, 0, sizeof(u));
	res = teec_login(&u.arg, connectionMethod, connectionData);
	if (res)
		return res;
	teec_uuid_octets(destination, u.arg.uuid);
	u.arg.cancel_id = teec_cancel_id(operation);
	u.arg.num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	res = teec_op_to_params(context, operation, u.arg.params, tmp);
	if (res)
		return res;
	/*
	 * While it opens, a cancellation names the session as 0 with the
	 * call's cancel id (how OP-TEE finds an open session in flight).
	 */
	session->imp.ctx = context;
	session->imp.session_id = 0;
	if (!teec_op_start(operation, session)) {
		res = TEEC_ERROR_CANCEL;
		goto out;
	}

	buf.buf_ptr = (uintptr_t)&u;
	buf.buf_len = sizeof(u);
	if (ioctl(context->imp.fd, TEE_IOC_OPEN_SESSION, &buf)) {
		res = teec_errno_result(errno);
		teec_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		goto out;
	}
	res = u.arg.ret;
	teec_origin(returnOrigin, u.arg.ret_origin);
	teec_params_to_op(operation, u.arg.params, tmp);
	if (res == TEEC_SUCCESS)
		session->imp.session_id = u.arg.session;
out:
	teec_op_done(operation);
	if (res != TEEC_SUCCESS)
		session->imp.ctx = NULL;
	teec_tmp_free(tmp);
	return res;
}

void TEEC_CloseSession(TEEC_Session *session)
{
	struct tee_ioctl_close_session_arg arg;

	if (!session || !session->imp.ctx)
		return;
	memset(&arg, 0, sizeof(arg));
	arg.session = session->imp.session_id;
	ioctl(session->imp.ctx->imp.fd, TEE_IOC_CLOSE_SESSION, &arg);
	session->imp.ctx = NULL;
}

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation,
			       uint32_t *returnOrigin)
{
	struct teec_tmp tmp[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	struct tee_ioctl_buf_data buf;
	union teec_invoke_arg u;
	TEEC_Context *ctx;
	TEEC_Result res;

	teec_origin(returnOrigin, TEEC_ORIGIN_API);
	if (!session || !session->imp.ctx || session->imp.ctx->imp.fd < 0)
		return TEEC_ERROR_BAD_PARAMETERS;
	ctx = session->imp.ctx;
	memset(&u, 0, sizeof(u));
	u.arg.func = commandID;
	u.arg.session = session->imp.session_id;
	u.arg.cancel_id = teec_cancel_id(operation);
	u.arg.num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	res = teec_op_to_params(ctx, operation, u.arg.params, tmp);
	if (res)
		return res;
	if (!teec_op_start(operation, session)) {
		res = TEEC_ERROR_CANCEL;
		goto out;
	}

	buf.buf_ptr = (uintptr_t)&u;
	buf.buf_len = sizeof(u);
	if (ioctl(ctx->imp.fd, TEE_IOC_INVOKE, &buf)) {
		res = teec_errno_result(errno);
		teec_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		goto out;
	}
	res = u.arg.ret;
	teec_origin(returnOrigin, u.arg.ret_origin);
	teec_params_to_op(operation, u.arg.params, tmp);
out:
	teec_op_done(operation);
	teec_tmp_free(tmp);
	return res;
}
