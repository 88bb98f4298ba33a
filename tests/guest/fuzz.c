// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - random well-formed and malformed operations on every interface
 * protected memory has, from several processes at once:
 *
 *  - every heap in /dev/dma_heap (protected, system, CMA): DMA_HEAP_IOCTL_ALLOC with
 *    random lengths and flags; the DMA-bufs then mmap'd, synced, named,
 *    sought, handed to every other interface, closed and reused closed;
 *  - /dev/tee0: every ioctl -- VERSION, SHM_ALLOC, SHM_REGISTER (scratch
 *    memory, CMA heap memory, NULL, kernel addresses, zero and huge
 *    lengths), SHM_REGISTER_FD, PROTMEM_ALLOC, OPEN_SESSION, INVOKE,
 *    CANCEL, CLOSE_SESSION with random parameter kinds, shm ids, offsets,
 *    sizes, session ids, functions and buffer lengths, the supplicant
 *    ioctls and numbers nobody defined -- on two contexts per process;
 *  - the vmedia devices (/dev/vdec, vdisp, vcam, venc): decode, encode,
 *    capture and scan-out with random DMA-bufs and lengths; RAW_DMA only
 *    from processes that dropped root (it must fail with EPERM there);
 *  - the V4L2 decoder (vdec_m2m): formats, REQBUFS, QBUF with random
 *    DMA-bufs, STREAMON/OFF, DQBUF, EXPBUF, opened and closed at random.
 *
 * Half of the processes drop to uid 65534 after opening the devices (the
 * attacker of docs/threat-model.md: an unprivileged process holding the
 * TEE and heap nodes); half exit without closing anything.
 *
 * What is asserted holds whatever the TAs answer: every process ends
 * normally (no signal, no hang); every failing call fails with an errno
 * of a sane set (and calls that may not fail, e.g. a well-formed heap
 * allocation, fail only with ENOMEM); RAW_DMA without root fails with
 * EPERM; afterwards every pool is free and clean (used 0, live 0),
 * vtee's module count is back and the kernel logged no report (the
 * harness also fails the run on any).
 *
 * Reproduce: the seed is printed. `fuzz [SEED [OPS]]`, or the environment:
 * PROTMEM_SEED (seed), PROTMEM_FUZZ_OPS (operations per process, default
 * 800), PROTMEM_FUZZ_PROCS (processes, default 4), PROTMEM_FUZZ_SECONDS
 * (time cap, default 120). Process i replays from SEED + i; the kernel's
 * scheduling is not replayed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define DEF_OPS		800
#define DEF_PROCS	4
#define MAX_PROCS	16
#define DEF_SECONDS	120
#define MAX_OBJS	24
#define MAX_SESS	8
#define MAX_HEAPS	8
#define NDEV		4
#define ARENA_SIZE	(1024 * 1024)
#define NOBODY		65534
#define CMA_HEAP	"/dev/dma_heap/reserved"
#define M2M_MOD		"vdec_m2m"
#define MSG_LEN		200
#define MAX_ERRNO_SEEN	600

static const char *const dev_names[NDEV] = { "vdec", "vdisp", "vcam", "venc" };

enum op {
	OP_HEAP_ALLOC, OP_PROTMEM_ALLOC, OP_SHM_ALLOC, OP_SHM_REGISTER,
	OP_REGISTER_FD, OP_OPEN_SESSION, OP_INVOKE, OP_CLOSE_SESSION,
	OP_CANCEL, OP_VERSION, OP_RAW_TEE, OP_CLOSE, OP_DMABUF, OP_VMEDIA,
	OP_RAW_DMA, OP_V4L2, OP_N
};

static const char *const op_names[OP_N] = {
	"heap-alloc", "protmem-alloc", "shm-alloc", "shm-register",
	"register-fd", "open-session", "invoke", "close-session", "cancel",
	"version", "raw-tee-ioctl", "close", "dmabuf-ops", "vmedia",
	"raw-dma", "v4l2",
};

/* Relative weights of the operations */
static const unsigned int op_weight[OP_N] = {
	14, 8, 6, 6, 8, 5, 14, 3, 2, 1, 3, 8, 5, 8, 1, 7,
};

/* Results of one process, in memory shared with the parent */
struct pstats {
	uint64_t ops, ok;
	uint64_t per_op[OP_N], per_op_ok[OP_N];
	uint64_t err[MAX_ERRNO_SEEN];
	uint64_t insane;
	int done, priv, timed_out;
	char msg[MSG_LEN];	/* the first insane thing */
};

enum kind { K_FREE, K_PROT, K_BUF, K_SHM };

struct obj {
	int fd;
	enum kind kind;
	int32_t id;		/* K_SHM: the shm id */
	uint64_t size;
	int ctx;		/* K_SHM: index of the TEE context it is of */
};

struct fz {
	struct pm_rng r;
	struct pstats *st;
	int priv;
	int tee[2];
	int heaps[MAX_HEAPS], nheaps;
	int heap_prot[MAX_HEAPS];
	int cma;		/* the CMA heap's fd, or -1 */
	int dev[NDEV];
	int v4l2;
	const char *v4l2_node;
	struct obj o[MAX_OBJS];
	uint32_t sess[MAX_SESS];
	int nsess;
	int last_closed;
	unsigned char *arena;
	uint8_t uuid_sdp[TEE_IOCTL_UUID_LEN], uuid_crypt[TEE_IOCTL_UUID_LEN];
};

/* ---- bookkeeping -------------------------------------------------------- */

static int errno_sane(int e)
{
	switch (e) {
	case 0: case EPERM: case ENOENT: case EINTR: case EIO: case ENXIO:
	case E2BIG: case EBADF: case EAGAIN: case ENOMEM: case EACCES:
	case EFAULT: case EBUSY: case ENODEV: case EINVAL: case ENFILE:
	case EMFILE: case ENOTTY: case ENOSPC: case ESPIPE: case ERANGE:
	case EOVERFLOW: case EOPNOTSUPP: case ETIMEDOUT: case EPIPE:
	case EMSGSIZE: case ENODATA: case ENOBUFS: case EPROTO:
	case EBADMSG:	/* a malformed bitstream */
	case EILSEQ: case ECANCELED:
	case 524:	/* ENOTSUPP: the TEE core returns it as is */
		return 1;
	}
	return 0;
}

static void insane(struct fz *f, int op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void insane(struct fz *f, int op, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!f->st->insane++) {
		n = snprintf(f->st->msg, MSG_LEN, "op %llu %s: ",
			     (unsigned long long)f->st->ops, op_names[op]);
		va_start(ap, fmt);
		vsnprintf(f->st->msg + n, MSG_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

/* Count a result: @ret >= 0 success, else -errno */
static void result(struct fz *f, int op, long ret)
{
	int e = ret < 0 ? (int)-ret : 0;

	if (!e) {
		f->st->ok++;
		f->st->per_op_ok[op]++;
	}
	if (e < MAX_ERRNO_SEEN)
		f->st->err[e]++;
	if (!errno_sane(e))
		insane(f, op, "errno %d (%s)", e, strerror(e));
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* ---- random choices ----------------------------------------------------- */

static uint64_t rnd(struct fz *f, uint64_t n)
{
	return n ? pm_rng_next(&f->r) % n : 0;
}

static int chance(struct fz *f, unsigned int percent)
{
	return rnd(f, 100) < percent;
}

/* A size: mostly sensible, sometimes 0, odd, huge or past every limit */
static uint64_t rsize(struct fz *f)
{
	static const uint64_t odd[] = {
		0, 1, 4095, 4097, 8ULL << 20, (4ULL << 20) + 1, 1ULL << 32,
		1ULL << 40, UINT64_MAX, UINT64_MAX - 4095, (uint64_t)INT64_MAX,
		UINT32_MAX, (uint64_t)UINT32_MAX + 1,
	};
	uint64_t k = rnd(f, 100);

	if (k < 15)
		return odd[rnd(f, sizeof(odd) / sizeof(odd[0]))];
	if (k < 40)
		return 1 + rnd(f, 16384);
	if (k < 90)
		return (1 + rnd(f, 64)) * 4096;
	return (1 + rnd(f, 512)) * 4096;
}

/* A small size for memory that really gets allocated (normal heaps) */
static uint64_t rsize_small(struct fz *f)
{
	return chance(f, 10) ? rsize(f) % (4ULL << 20) : (1 + rnd(f, 64)) * 4096;
}

/* A shared memory of TEE context @ctx, or NULL */
static struct obj *rshm_of(struct fz *f, int ctx)
{
	int i, start = (int)rnd(f, MAX_OBJS);

	for (i = 0; i < MAX_OBJS; i++) {
		struct obj *o = &f->o[(start + i) % MAX_OBJS];

		if (o->kind == K_SHM && o->ctx == ctx)
			return o;
	}
	return NULL;
}

static struct obj *robj(struct fz *f, int kind)
{
	int i, start = (int)rnd(f, MAX_OBJS);

	for (i = 0; i < MAX_OBJS; i++) {
		struct obj *o = &f->o[(start + i) % MAX_OBJS];

		if (o->kind != K_FREE && (kind < 0 || (int)o->kind == kind))
			return o;
	}
	return NULL;
}

/* Any fd: ours of some kind, a closed one, a device, or garbage */
static int rfd(struct fz *f)
{
	struct obj *o;
	uint64_t k = rnd(f, 100);

	if (k < 55 && (o = robj(f, -1)))
		return o->fd;
	if (k < 65)
		return f->last_closed;
	if (k < 72)
		return f->tee[rnd(f, 2)];
	if (k < 78 && f->nheaps)
		return f->heaps[rnd(f, (uint64_t)f->nheaps)];
	if (k < 84)
		return -1;
	if (k < 88)
		return INT32_MAX;
	return (int)rnd(f, 64);
}

/* A DMA-buf of ours if there is one, else rfd() */
static int rbuf_fd(struct fz *f)
{
	struct obj *o = robj(f, chance(f, 60) ? K_PROT : K_BUF);

	if (o && chance(f, 85))
		return o->fd;
	return rfd(f);
}

static int32_t rshm_id(struct fz *f, uint64_t *size)
{
	struct obj *o = robj(f, K_SHM);
	uint64_t k = rnd(f, 100);

	*size = o ? o->size : 4096;
	if (o && k < 75)
		return o->id;
	if (k < 85)
		return 0;
	if (k < 90)
		return -1;
	return (int32_t)rnd(f, 4096);
}

/* Keep @fd as an object, or close it when there is no room */
static void keep(struct fz *f, int fd, enum kind kind, int32_t id,
		 uint64_t size, int ctx)
{
	int i;

	for (i = 0; i < MAX_OBJS; i++) {
		if (f->o[i].kind != K_FREE)
			continue;
		f->o[i] = (struct obj){ fd, kind, id, size, ctx };
		return;
	}
	close(fd);
	f->last_closed = fd;
}

static void drop(struct fz *f, struct obj *o)
{
	close(o->fd);
	f->last_closed = o->fd;
	o->kind = K_FREE;
	o->fd = -1;
}

/* ---- /dev/dma_heap ------------------------------------------------------ */

static void op_heap_alloc(struct fz *f)
{
	int h = (int)rnd(f, (uint64_t)f->nheaps), malformed = chance(f, 15);
	uint64_t len = f->heap_prot[h] ? rsize(f) : rsize_small(f);
	uint32_t fd_flags = O_RDWR | O_CLOEXEC, fd_in = 0;
	uint64_t heap_flags = 0;
	int fd;

	if (!f->nheaps)
		return;
	if (malformed) {
		switch (rnd(f, 3)) {
		case 0: fd_flags = (uint32_t)pm_rng_next(&f->r); break;
		case 1: heap_flags = pm_rng_next(&f->r) | 1; break;
		default: fd_in = 1 + (uint32_t)rnd(f, 100); break;
		}
	}
	fd = pm_heap_alloc_raw(f->heaps[h], len, fd_flags, heap_flags, fd_in);
	result(f, OP_HEAP_ALLOC, fd);
	/* Well formed, a sensible size, a protected heap: only ENOMEM may fail */
	if (!malformed && f->heap_prot[h] && len && len <= (2ULL << 20) &&
	    fd < 0 && fd != -ENOMEM)
		insane(f, OP_HEAP_ALLOC, "well-formed %" PRIu64 " bytes: %s", len,
		       strerror(-fd));
	if (fd >= 0)
		keep(f, fd, f->heap_prot[h] ? K_PROT : K_BUF, 0, len, 0);
}

static void op_dmabuf(struct fz *f)
{
	struct dma_buf_sync sync;
	struct obj *o = robj(f, -1);
	uint64_t len = o ? o->size : 4096;
	long ret;
	void *p;
	int fd;

	if (!o || chance(f, 10))
		o = NULL;	/* something else than one of our objects */
	fd = o ? o->fd : rfd(f);

	switch (rnd(f, 4)) {
	case 0:
		p = mmap(NULL, len ? len : 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)(chance(f, 10) ? rnd(f, 8) * 4096 : 0));
		ret = p == MAP_FAILED ? -errno : 0;
		if (p != MAP_FAILED) {
			if (o && o->kind == K_PROT)
				insane(f, OP_DMABUF, "a protected buffer mapped");
			munmap(p, len ? len : 4096);
		}
		break;
	case 1:
		sync.flags = chance(f, 70) ?
			(chance(f, 50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
			(rnd(f, 3) + 1) : pm_rng_next(&f->r);
		ret = xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		if (!ret && o && o->kind == K_PROT &&
		    (sync.flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) == 0 &&
		    !(sync.flags & DMA_BUF_SYNC_END))
			insane(f, OP_DMABUF, "CPU access to a protected buffer");
		break;
	case 2:
		ret = xioctl(fd, DMA_BUF_SET_NAME_B, chance(f, 90) ? "fuzz" :
			     (char *)f->arena + ARENA_SIZE - 8);
		break;
	default:
		ret = lseek(fd, (off_t)rnd(f, 3), (int)rnd(f, 4));
		ret = ret < 0 ? -errno : 0;
		break;
	}
	result(f, OP_DMABUF, ret);
}

/* ---- /dev/tee0 ---------------------------------------------------------- */

static void op_protmem_alloc(struct fz *f)
{
	struct tee_ioctl_protmem_alloc_data d = {
		.size = rsize(f), .flags = chance(f, 92) ? 0 : (uint32_t)pm_rng_next(&f->r),
		.use_case = chance(f, 85) ? 1 + (uint32_t)rnd(f, 3) : (uint32_t)rnd(f, 6),
		.id = (int32_t)pm_rng_next(&f->r),
	};
	int fd = ioctl(f->tee[rnd(f, 2)], TEE_IOC_PROTMEM_ALLOC, &d);

	fd = fd < 0 ? -errno : fd;
	result(f, OP_PROTMEM_ALLOC, fd);
	if (fd >= 0)
		keep(f, fd, K_PROT, 0, d.size, 0);
}

static void op_shm_alloc(struct fz *f)
{
	struct tee_ioctl_shm_alloc_data d = {
		.size = chance(f, 80) ? rsize_small(f) : rsize(f),
		.flags = chance(f, 95) ? 0 : (uint32_t)pm_rng_next(&f->r),
	};
	int ctx = (int)rnd(f, 2);
	int fd = ioctl(f->tee[ctx], TEE_IOC_SHM_ALLOC, &d);

	fd = fd < 0 ? -errno : fd;
	result(f, OP_SHM_ALLOC, fd);
	if (fd >= 0)
		keep(f, fd, K_SHM, d.id, d.size, ctx);
}

/* TEE_IOC_SHM_REGISTER of @addr; keeps the shm */
static int shm_register(struct fz *f, uint64_t addr, uint64_t len)
{
	struct tee_ioctl_shm_register_data d = {
		.addr = addr, .length = len,
		.flags = chance(f, 95) ? 0 : (uint32_t)pm_rng_next(&f->r),
	};
	int ctx = (int)rnd(f, 2);
	int fd = ioctl(f->tee[ctx], TEE_IOC_SHM_REGISTER, &d);

	fd = fd < 0 ? -errno : fd;
	if (fd >= 0)
		keep(f, fd, K_SHM, d.id, d.length, ctx);
	return fd;
}

/* Register CMA heap memory, then let the buffer go (issue 8, hole 12) */
static int shm_register_cma(struct fz *f)
{
	size_t len = (1 + rnd(f, 16)) * 4096;
	int buf, ret;
	void *p;

	if (f->cma < 0)
		return -ENOENT;
	buf = pm_heap_alloc(f->cma, len);
	if (buf < 0)
		return buf;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(buf);
		return ret;
	}
	ret = shm_register(f, (uintptr_t)p, chance(f, 80) ? len : rsize(f));
	munmap(p, len);
	close(buf);
	return ret;
}

static void op_shm_register(struct fz *f)
{
	uint64_t k = rnd(f, 100), off, len;
	long ret;

	/* Only the arena: the TEE may write what is registered */
	off = chance(f, 70) ? rnd(f, ARENA_SIZE / 4096) * 4096 : rnd(f, ARENA_SIZE);
	len = chance(f, 85) ? rnd(f, ARENA_SIZE - off + 1) : rsize(f);
	if (k < 70)
		ret = shm_register(f, (uintptr_t)f->arena + off, len);
	else if (k < 80)
		ret = shm_register_cma(f);
	else if (k < 85)
		ret = shm_register(f, 0, len);
	else if (k < 90)
		ret = shm_register(f, 0xffff888000000000ULL + off, len);
	else if (k < 95)
		ret = shm_register(f, (uintptr_t)f->arena + off, 0);
	else
		ret = shm_register(f, pm_rng_next(&f->r) | 0x8000000000000000ULL, len);
	result(f, OP_SHM_REGISTER, ret);
}

static void op_register_fd(struct fz *f)
{
	struct tee_ioctl_shm_register_fd_data d = {
		.fd = chance(f, 95) ? rbuf_fd(f) : (int64_t)pm_rng_next(&f->r),
		.flags = chance(f, 92) ? 0 : (uint32_t)pm_rng_next(&f->r),
		.size = pm_rng_next(&f->r), .id = (int32_t)pm_rng_next(&f->r),
	};
	int ctx = (int)rnd(f, 2);
	int fd = ioctl(f->tee[ctx], TEE_IOC_SHM_REGISTER_FD, &d);

	fd = fd < 0 ? -errno : fd;
	result(f, OP_REGISTER_FD, fd);
	if (fd >= 0)
		keep(f, fd, K_SHM, d.id, d.size, ctx);
}

/*
 * @n parameters; @sane: only defined kinds, memrefs to our shms with a
 * window inside them (what a TA then judges), else anything.
 */
static void rparams(struct fz *f, struct tee_ioctl_param *p, unsigned int n,
		    int sane)
{
	static const uint64_t kinds[] = {
		TEE_IOCTL_PARAM_ATTR_TYPE_NONE,
		TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT,
		TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT,
		TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT,
		TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT,
		TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT,
		TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT,
	};
	unsigned int i;
	uint64_t size;

	for (i = 0; i < n; i++) {
		uint64_t attr = sane || chance(f, 92) ?
			kinds[rnd(f, sizeof(kinds) / sizeof(kinds[0]))] :
			pm_rng_next(&f->r) & (chance(f, 50) ? 0x1ff : ~0ULL);

		memset(&p[i], 0, sizeof(p[i]));
		p[i].attr = attr;
		if ((attr & 0xff) >= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
		    (attr & 0xff) <= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT) {
			p[i].c = (uint64_t)(int64_t)rshm_id(f, &size);
			if (sane) {
				struct obj *o = rshm_of(f, 0);

				size = o ? o->size : 0;
				p[i].c = o ? (uint64_t)(int64_t)o->id : 0;
				p[i].a = chance(f, 50) ? 0 : rnd(f, size + 1);
				p[i].b = chance(f, 50) ? size - p[i].a :
					 rnd(f, size - p[i].a + 1);
				continue;
			}
			p[i].a = chance(f, 60) ? 0 : chance(f, 80) ?
				 rnd(f, size + 1) : pm_rng_next(&f->r);
			p[i].b = chance(f, 40) ? size - (p[i].a < size ? p[i].a : size) :
				 chance(f, 70) ? rnd(f, size + 4096) :
				 chance(f, 50) ? TEE_MEMREF_NULL : pm_rng_next(&f->r);
		} else {
			p[i].a = chance(f, 50) ? rnd(f, 256) : pm_rng_next(&f->r);
			p[i].b = chance(f, 50) ? rnd(f, 256) : pm_rng_next(&f->r);
			p[i].c = pm_rng_next(&f->r);
		}
	}
}

/*
 * OPEN_SESSION / INVOKE with @n params, sometimes a buf_len that does not
 * match them. Returns the ioctl's -errno or 0, @ret the TA's answer.
 */
static int tee_call(struct fz *f, int tee, unsigned long req, void *arg,
		    size_t arg_len, unsigned int n, const __u32 *ret_p,
		    uint32_t *ret)
{
	struct tee_ioctl_buf_data buf = {
		.buf_ptr = (uintptr_t)arg,
		.buf_len = arg_len + n * sizeof(struct tee_ioctl_param),
	};
	int r;

	if (chance(f, 5))
		buf.buf_len = rnd(f, 2 * buf.buf_len + 1);
	if (chance(f, 2))
		buf.buf_ptr = chance(f, 50) ? 0 : 0xffff888000000000ULL;
	r = xioctl(tee, req, &buf);
	*ret = r ? 0 : *ret_p;
	return r;
}

#define MAX_P	6

static void op_open_session(struct fz *f)
{
	union {
		struct tee_ioctl_open_session_arg a;
		unsigned char raw[sizeof(struct tee_ioctl_open_session_arg) +
				  MAX_P * sizeof(struct tee_ioctl_param)];
	} u;
	unsigned int n = (unsigned int)rnd(f, 5);
	uint64_t k = rnd(f, 100);
	uint32_t ret;
	int r;

	memset(&u, 0, sizeof(u));
	if (k < 45)
		memcpy(u.a.uuid, f->uuid_sdp, TEE_IOCTL_UUID_LEN);
	else if (k < 90)
		memcpy(u.a.uuid, f->uuid_crypt, TEE_IOCTL_UUID_LEN);
	else
		pm_rng_fill(&f->r, u.a.uuid, TEE_IOCTL_UUID_LEN);
	u.a.clnt_login = chance(f, 85) ? TEE_IOCTL_LOGIN_PUBLIC :
			 (uint32_t)(chance(f, 50) ? rnd(f, 8) : pm_rng_next(&f->r));
	u.a.cancel_id = (uint32_t)rnd(f, 4);
	u.a.num_params = chance(f, 95) ? n : (uint32_t)rnd(f, 64);
	rparams(f, u.a.params, n, chance(f, 50));
	r = tee_call(f, f->tee[0], TEE_IOC_OPEN_SESSION, &u, sizeof(u.a), n,
		     &u.a.ret, &ret);
	result(f, OP_OPEN_SESSION, r);
	if (!r && ret == PM_TEEC_SUCCESS) {
		if (f->nsess < MAX_SESS)
			f->sess[f->nsess++] = u.a.session;
		else
			pm_close_session(f->tee[0], u.a.session);
	}
}

static uint32_t rsession(struct fz *f)
{
	if (f->nsess && chance(f, 90))
		return f->sess[rnd(f, (uint64_t)f->nsess)];
	return chance(f, 50) ? (uint32_t)rnd(f, 16) : (uint32_t)pm_rng_next(&f->r);
}

static void op_invoke(struct fz *f)
{
	union {
		struct tee_ioctl_invoke_arg a;
		unsigned char raw[sizeof(struct tee_ioctl_invoke_arg) +
				  MAX_P * sizeof(struct tee_ioctl_param)];
	} u;
	int sane = chance(f, 50);
	unsigned int n = sane ? 1 + (unsigned int)rnd(f, 4) :
			 chance(f, 90) ? (unsigned int)rnd(f, 5) : MAX_P;
	uint32_t ret;
	int r;

	memset(&u, 0, sizeof(u));
	u.a.session = rsession(f);
	u.a.func = sane || chance(f, 90) ? (uint32_t)rnd(f, 5) :
		   (uint32_t)pm_rng_next(&f->r);
	u.a.cancel_id = (uint32_t)rnd(f, 4);
	u.a.num_params = sane || chance(f, 95) ? n : (uint32_t)rnd(f, 64);
	rparams(f, u.a.params, n, sane);
	/* The second context invokes the first one's sessions too */
	r = tee_call(f, f->tee[sane || chance(f, 85) ? 0 : 1], TEE_IOC_INVOKE, &u,
		     sizeof(u.a), n, &u.a.ret, &ret);
	result(f, OP_INVOKE, r);
}

static void op_close_session(struct fz *f)
{
	struct tee_ioctl_close_session_arg a;
	int i = f->nsess ? (int)rnd(f, (uint64_t)f->nsess) : -1, r;
	int known = i >= 0 && chance(f, 80);

	a.session = known ? f->sess[i] : rsession(f);
	r = xioctl(f->tee[chance(f, 90) ? 0 : 1], TEE_IOC_CLOSE_SESSION, &a);
	result(f, OP_CLOSE_SESSION, r);
	if (known && !r)
		f->sess[i] = f->sess[--f->nsess];
}

static void op_cancel(struct fz *f)
{
	struct tee_ioctl_cancel_arg a = {
		.cancel_id = (uint32_t)rnd(f, 4), .session = rsession(f),
	};

	result(f, OP_CANCEL, xioctl(f->tee[rnd(f, 2)], TEE_IOC_CANCEL, &a));
}

static void op_version(struct fz *f)
{
	struct tee_ioctl_version_data v;
	int r = xioctl(f->tee[rnd(f, 2)], TEE_IOC_VERSION, &v);

	result(f, OP_VERSION, r);
	if (r)
		insane(f, OP_VERSION, "TEE_IOC_VERSION failed: %s", strerror(-r));
}

/* Numbers nobody defined, defined ones with the wrong size, the supplicant's */
static void op_raw_tee(struct fz *f)
{
	unsigned int nr = (unsigned int)rnd(f, 16);
	unsigned int size = chance(f, 50) ? (unsigned int)rnd(f, 64) :
			    (unsigned int)rnd(f, 1 << 13);
	unsigned int dir = (unsigned int)rnd(f, 4), type = TEE_IOC_MAGIC;
	void *arg = chance(f, 90) ? (void *)f->arena : NULL;
	unsigned long req;
	long r;

	/* Sometimes another type; never the VFS's own ('T', 'X', 'f') */
	if (chance(f, 20)) {
		type = (unsigned int)rnd(f, 256);
		if (type == 'T' || type == 'X' || type == 'f')
			type = TEE_IOC_MAGIC;
	}
	req = _IOC(dir, type, nr, size);
	/* The arena's first page is scratch for these */
	pm_rng_fill(&f->r, f->arena, 256);
	r = ioctl(f->tee[rnd(f, 2)], req, arg);
	r = r < 0 ? -errno : r;
	if (r > 0)	/* an fd from an ioctl that creates one */
		close((int)r);
	result(f, OP_RAW_TEE, r);
}

static void op_close(struct fz *f)
{
	struct obj *o = robj(f, -1);

	if (!o)
		return;
	drop(f, o);
	result(f, OP_CLOSE, 0);
}

/* ---- vmedia ------------------------------------------------------------- */

static void op_vmedia(struct fz *f)
{
	int d = (int)rnd(f, NDEV), dev = f->dev[d];
	uint64_t len = chance(f, 70) ? 1 + rnd(f, 128 * 1024) : rsize(f);
	long r;

	if (dev < 0)
		return;
	if (d == 0 || d == 3) {
		struct vmedia_codec c = {
			.in_fd = rbuf_fd(f), .out_fd = rbuf_fd(f), .in_len = len,
			.flags = chance(f, 95) ? 0 : (uint32_t)pm_rng_next(&f->r),
			.reserved = chance(f, 95) ? 0 : 1,
		};

		r = xioctl(dev, d == 0 ? VMEDIA_IOC_DECODE : VMEDIA_IOC_ENCODE, &c);
	} else if (d == 2) {
		struct vmedia_capture c = {
			.out_fd = rbuf_fd(f), .len = len,
			.flags = chance(f, 95) ? 0 : (uint32_t)pm_rng_next(&f->r),
		};

		r = xioctl(dev, VMEDIA_IOC_CAPTURE, &c);
	} else {
		struct vmedia_scanout s = {
			.in_fd = rbuf_fd(f), .len = len,
			.flags = chance(f, 95) ? 0 : (uint32_t)pm_rng_next(&f->r),
		};

		r = xioctl(dev, VMEDIA_IOC_SCANOUT, &s);
	}
	result(f, OP_VMEDIA, r);
}

/* Without root RAW_DMA must be refused; with root it is never fuzzed */
static void op_raw_dma(struct fz *f)
{
	struct vmedia_raw_dma r = {
		.op = (uint32_t)rnd(f, 6), .src_addr = pm_rng_next(&f->r),
		.src_len = rnd(f, 65536), .dst_addr = pm_rng_next(&f->r),
		.dst_len = rnd(f, 65536),
	};
	int dev = f->dev[rnd(f, NDEV)], ret;

	if (f->priv || dev < 0)
		return;
	ret = xioctl(dev, VMEDIA_IOC_RAW_DMA, &r);
	result(f, OP_RAW_DMA, ret);
	if (ret != -EPERM)
		insane(f, OP_RAW_DMA, "RAW_DMA without root: %s",
		       ret ? strerror(-ret) : "done");
}

/* ---- the V4L2 decoder --------------------------------------------------- */

static uint32_t rbuftype(struct fz *f)
{
	if (chance(f, 90))
		return chance(f, 50) ? V4L2_BUF_TYPE_VIDEO_OUTPUT :
				       V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return (uint32_t)rnd(f, 16);
}

static void op_v4l2(struct fz *f)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_exportbuffer eb;
	struct v4l2_format fmt;
	struct v4l2_buffer b;
	int type, r = 0;

	if (!f->v4l2_node)
		return;
	/* Without root the node does not open again: keep the first one */
	if (f->v4l2 < 0 && f->priv) {
		f->v4l2 = open(f->v4l2_node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		result(f, OP_V4L2, f->v4l2 < 0 ? -errno : 0);
		return;
	}
	if (f->v4l2 < 0)
		return;
	switch (rnd(f, f->priv ? 9 : 8)) {
	case 0:
		memset(&fmt, 0, sizeof(fmt));
		fmt.type = rbuftype(f);
		fmt.fmt.pix.width = chance(f, 70) ? 256 : (uint32_t)rnd(f, 8192);
		fmt.fmt.pix.height = chance(f, 70) ? 256 : (uint32_t)rnd(f, 8192);
		fmt.fmt.pix.pixelformat = fmt.type == V4L2_BUF_TYPE_VIDEO_OUTPUT ?
			v4l2_fourcc('P', 'R', 'L', 'E') : V4L2_PIX_FMT_GREY;
		fmt.fmt.pix.sizeimage = (uint32_t)rnd(f, 1 << 22);
		r = xioctl(f->v4l2, VIDIOC_S_FMT, &fmt);
		break;
	case 1:
		memset(&rb, 0, sizeof(rb));
		rb.count = (uint32_t)rnd(f, 5);
		rb.type = rbuftype(f);
		rb.memory = chance(f, 85) ? V4L2_MEMORY_DMABUF : (uint32_t)rnd(f, 6);
		r = xioctl(f->v4l2, VIDIOC_REQBUFS, &rb);
		break;
	case 2:
	case 3:
		memset(&b, 0, sizeof(b));
		b.type = rbuftype(f);
		b.memory = chance(f, 90) ? V4L2_MEMORY_DMABUF : (uint32_t)rnd(f, 6);
		b.index = (uint32_t)rnd(f, 5);
		b.m.fd = rbuf_fd(f);
		b.bytesused = (uint32_t)(chance(f, 50) ? rnd(f, 65537) : pm_rng_next(&f->r));
		b.length = (uint32_t)(chance(f, 70) ? 0 : rnd(f, 1 << 20));
		b.field = V4L2_FIELD_NONE;
		r = xioctl(f->v4l2, VIDIOC_QBUF, &b);
		break;
	case 4:
		type = (int)rbuftype(f);
		r = xioctl(f->v4l2, chance(f, 60) ? VIDIOC_STREAMON : VIDIOC_STREAMOFF,
			   &type);
		break;
	case 5:
	case 6:
		memset(&b, 0, sizeof(b));
		b.type = rbuftype(f);
		b.memory = V4L2_MEMORY_DMABUF;
		r = xioctl(f->v4l2, VIDIOC_DQBUF, &b);
		break;
	case 7:
		memset(&eb, 0, sizeof(eb));
		eb.type = rbuftype(f);
		eb.index = (uint32_t)rnd(f, 4);
		eb.flags = O_CLOEXEC;
		r = xioctl(f->v4l2, VIDIOC_EXPBUF, &eb);
		if (!r) {
			if (eb.fd >= 0)
				keep(f, eb.fd, K_BUF, 0, 4096, 0);
		}
		break;
	default:
		close(f->v4l2);
		f->last_closed = f->v4l2;
		f->v4l2 = -1;
		break;
	}
	result(f, OP_V4L2, r);
}

/* ---- one process -------------------------------------------------------- */

static int pick_op(struct fz *f)
{
	unsigned int total = 0, i, k;

	for (i = 0; i < OP_N; i++)
		total += op_weight[i];
	k = (unsigned int)rnd(f, total);
	for (i = 0; i < OP_N; i++) {
		if (k < op_weight[i])
			return (int)i;
		k -= op_weight[i];
	}
	return OP_VERSION;
}

static void run_op(struct fz *f, int op)
{
	f->st->per_op[op]++;
	switch (op) {
	case OP_HEAP_ALLOC: op_heap_alloc(f); break;
	case OP_PROTMEM_ALLOC: op_protmem_alloc(f); break;
	case OP_SHM_ALLOC: op_shm_alloc(f); break;
	case OP_SHM_REGISTER: op_shm_register(f); break;
	case OP_REGISTER_FD: op_register_fd(f); break;
	case OP_OPEN_SESSION: op_open_session(f); break;
	case OP_INVOKE: op_invoke(f); break;
	case OP_CLOSE_SESSION: op_close_session(f); break;
	case OP_CANCEL: op_cancel(f); break;
	case OP_VERSION: op_version(f); break;
	case OP_RAW_TEE: op_raw_tee(f); break;
	case OP_CLOSE: op_close(f); break;
	case OP_DMABUF: op_dmabuf(f); break;
	case OP_VMEDIA: op_vmedia(f); break;
	case OP_RAW_DMA: op_raw_dma(f); break;
	default: op_v4l2(f); break;
	}
}

/* Open every device this process fuzzes; 0 or -errno */
static int fz_open(struct fz *f, const char *v4l2_node)
{
	struct dirent *e;
	char path[300];
	unsigned int i;
	DIR *d;

	for (i = 0; i < 2; i++) {
		f->tee[i] = pm_tee_open();
		if (f->tee[i] < 0)
			return f->tee[i];
	}
	f->cma = -1;
	d = opendir("/dev/dma_heap");
	while (d && (e = readdir(d)) && f->nheaps < MAX_HEAPS) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", e->d_name);
		f->heaps[f->nheaps] = pm_heap_open(path);
		if (f->heaps[f->nheaps] < 0)
			continue;
		f->heap_prot[f->nheaps] = !strncmp(e->d_name, "protected,", 10);
		if (!strcmp(path, CMA_HEAP))
			f->cma = f->heaps[f->nheaps];
		f->nheaps++;
	}
	if (d)
		closedir(d);
	for (i = 0; i < NDEV; i++)
		f->dev[i] = vm_open(dev_names[i]);
	f->v4l2_node = v4l2_node;
	f->v4l2 = v4l2_node ? open(v4l2_node, O_RDWR | O_NONBLOCK | O_CLOEXEC) : -1;
	for (i = 0; i < MAX_OBJS; i++)
		f->o[i] = (struct obj){ -1, K_FREE, 0, 0, 0 };
	f->last_closed = 1000;
	f->arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->arena == MAP_FAILED)
		return -ENOMEM;
	memset(f->arena, 0x11, ARENA_SIZE);
	pm_uuid_parse(PM_SDP_TA_UUID, f->uuid_sdp);
	pm_uuid_parse(PM_CRYPT_TA_UUID, f->uuid_crypt);
	return 0;
}

static void fz_close(struct fz *f)
{
	unsigned int i;

	while (f->nsess)
		pm_close_session(f->tee[0], f->sess[--f->nsess]);
	for (i = 0; i < MAX_OBJS; i++)
		if (f->o[i].kind != K_FREE)
			drop(f, &f->o[i]);
	if (f->v4l2 >= 0)
		close(f->v4l2);
	for (i = 0; i < NDEV; i++)
		if (f->dev[i] >= 0)
			close(f->dev[i]);
	for (i = 0; i < (unsigned int)f->nheaps; i++)
		close(f->heaps[i]);
	close(f->tee[0]);
	close(f->tee[1]);
}

static int child(struct pstats *st, unsigned int idx, uint64_t seed,
		 uint64_t ops, uint64_t deadline, const char *v4l2_node)
{
	struct fz f;
	uint64_t i;
	int ret;

	memset(&f, 0, sizeof(f));
	f.st = st;
	pm_rng_init(&f.r, seed + idx);
	ret = fz_open(&f, v4l2_node);
	if (ret) {
		snprintf(st->msg, MSG_LEN, "setup: %s", strerror(-ret));
		st->insane++;
		return 1;
	}
	/* Odd processes are the unprivileged attacker */
	f.priv = !(idx & 1);
	if (!f.priv && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))) {
		snprintf(st->msg, MSG_LEN, "dropping root: %s", strerror(errno));
		st->insane++;
		return 1;
	}
	st->priv = f.priv;
	for (i = 0; i < ops; i++) {
		if (!(i & 63) && pm_now_ms() > deadline) {
			st->timed_out = 1;
			break;
		}
		st->ops++;
		run_op(&f, pick_op(&f));
	}
	/* Half clean up, half leave everything to the kernel */
	if (!(idx & 2))
		fz_close(&f);
	st->done = 1;
	return 0;
}

/* ---- the parent --------------------------------------------------------- */

static int m2m_load(void)
{
	if (pm_path_exists("/sys/module/" M2M_MOD "/initstate"))
		return 0;
	if (system("modprobe " M2M_MOD " 2>/dev/null"))
		return -EIO;
	return pm_path_exists("/sys/module/" M2M_MOD "/initstate") ? 1 : -ENOENT;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static int wait_child(pid_t pid, int *status, uint64_t deadline)
{
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		if (pm_now_ms() > deadline)
			return -ETIMEDOUT;
		pm_sleep_ms(50);
	}
}

static void report_errnos(const struct pstats *st, unsigned int n)
{
	char line[512];
	size_t len = 0;
	unsigned int e, i;
	uint64_t c;

	for (e = 1; e < MAX_ERRNO_SEEN && len < sizeof(line) - 40; e++) {
		for (c = 0, i = 0; i < n; i++)
			c += st[i].err[e];
		if (c)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						"%s%u:%" PRIu64, len ? " " : "", e, c);
	}
	tap_diag("errnos seen (errno:count): %s", len ? line : "none");
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : pm_seed();
	uint64_t ops = argc > 2 ? strtoull(argv[2], NULL, 0) :
		       env_u64("PROTMEM_FUZZ_OPS", DEF_OPS);
	unsigned int procs = (unsigned int)env_u64("PROTMEM_FUZZ_PROCS", DEF_PROCS);
	uint64_t secs = env_u64("PROTMEM_FUZZ_SECONDS", DEF_SECONDS);
	uint64_t t0, elapsed, deadline, total = 0, okc = 0;
	int vm_loaded_here = 0, m2m_loaded_here = 0, km, status, ret, exited;
	char v4l2_node[300], report[256];
	pid_t pids[MAX_PROCS];
	int64_t ref0, ref1;
	struct pstats *st;
	struct tap t;
	unsigned int i, o;

	tap_init(&t);
	if (procs < 1 || procs > MAX_PROCS)
		procs = DEF_PROCS;
	tap_diag("seed %" PRIu64 ", %" PRIu64 " operations x %u processes "
		 "(replay: fuzz %" PRIu64 " %" PRIu64 ", or PROTMEM_SEED=%" PRIu64
		 " PROTMEM_FUZZ_OPS=%" PRIu64 ")", seed, ops, procs, seed, ops,
		 seed, ops);
	if (!tap_ok(&t, pm_vtee_loaded(), "vtee is loaded"))
		return tap_done(&t);
	if (!tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
		    "every pool is free and clean before"))
		return tap_done(&t);
	ret = vm_load();
	vm_loaded_here = ret == 1;
	if (ret < 0)
		tap_diag("vmedia not loaded: %s (its devices are not fuzzed)", strerror(-ret));
	ret = m2m_load();
	m2m_loaded_here = ret == 1;
	if (ret < 0 || vm_find_m2m_node(v4l2_node, sizeof(v4l2_node))) {
		tap_diag("no V4L2 decoder node (not fuzzed)");
		v4l2_node[0] = '\0';
	}
	ref0 = pm_vtee_refcnt();
	km = km_open();
	st = mmap(NULL, procs * sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!tap_ok(&t, st != MAP_FAILED && km >= 0, "shared results and /dev/kmsg"))
		return tap_done(&t);
	memset(st, 0, procs * sizeof(*st));

	t0 = pm_now_ms();
	deadline = t0 + secs * 1000;
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (!pids[i])
			_exit(child(&st[i], i, seed, ops, deadline,
				    v4l2_node[0] ? v4l2_node : NULL));
	}
	exited = 0;
	for (i = 0; i < procs; i++) {
		if (pids[i] < 0) {
			tap_diag("fork: %s", strerror(errno));
			continue;
		}
		ret = wait_child(pids[i], &status, deadline + 60000);
		if (ret == -ETIMEDOUT) {
			tap_diag("process %u hangs after %" PRIu64 " operations; killed",
				 i, st[i].ops);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
			continue;
		}
		if (!ret && WIFEXITED(status) && WEXITSTATUS(status) == 0 && st[i].done)
			exited++;
		else if (!ret && WIFSIGNALED(status))
			tap_diag("process %u killed by signal %d after %" PRIu64 " operations",
				 i, WTERMSIG(status), st[i].ops);
		else
			tap_diag("process %u: status %#x", i, status);
	}
	elapsed = pm_now_ms() - t0;
	for (i = 0; i < procs; i++) {
		total += st[i].ops;
		okc += st[i].ok;
		if (st[i].timed_out)
			tap_diag("process %u stopped at the time cap (%" PRIu64 " s)", i, secs);
	}
	tap_diag("%" PRIu64 " operations in %" PRIu64 " ms (%" PRIu64 "/s), %" PRIu64
		 " succeeded", total, elapsed, elapsed ? total * 1000 / elapsed : 0, okc);
	for (o = 0; o < OP_N; o++) {
		uint64_t n = 0, k = 0;

		for (i = 0; i < procs; i++) {
			n += st[i].per_op[o];
			k += st[i].per_op_ok[o];
		}
		tap_diag("  %-14s %6" PRIu64 " calls, %6" PRIu64 " succeeded", op_names[o], n, k);
	}
	report_errnos(st, procs);

	tap_ok(&t, exited == (int)procs,
	       "every fuzzing process ends normally (%d of %u; no signal, no hang)",
	       exited, procs);
	for (i = 0; i < procs; i++)
		if (!tap_ok(&t, st[i].insane == 0,
			    "process %u (%s): every call answered sanely", i,
			    st[i].priv ? "root" : "uid 65534"))
			tap_diag("%" PRIu64 " insane answers; first: %s", st[i].insane, st[i].msg);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every pool is free and clean after (used 0, live 0)");
	for (ret = 0; ret < 100 && (ref1 = pm_vtee_refcnt()) != ref0; ret++)
		pm_sleep_ms(50);
	if (!tap_ok(&t, ref1 == ref0, "vtee's module count is back (%" PRId64 ")", ref0))
		tap_diag("refcnt %" PRId64 ", was %" PRId64, ref1, ref0);
	ret = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(&t, ret == 0, "the kernel logged no report"))
		tap_diag("%d reports, first: %s", ret, report);

	/* Unload what this loaded, so that vtee stays unloadable for others */
	for (i = 0; m2m_loaded_here && i < 100; i++) {
		if (!syscall(SYS_delete_module, M2M_MOD, O_NONBLOCK))
			break;
		pm_sleep_ms(50);
	}
	for (i = 0; vm_loaded_here && i < 100; i++) {
		if (!vm_unload())
			break;
		pm_sleep_ms(50);
	}
	close(km);
	munmap(st, procs * sizeof(*st));
	return tap_done(&t);
}
