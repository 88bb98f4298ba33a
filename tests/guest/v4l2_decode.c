// SPDX-License-Identifier: GPL-2.0
/*
 * v4l2_decode - the emulated decoder as a V4L2 mem2mem device (module
 * vdec_m2m, driver "vdec-m2m"), driven as a standard V4L2 client does:
 * S_FMT, REQBUFS(DMABUF), QBUF with DMA-buf fds, STREAMON, DQBUF.
 *  - secure decode: a bitstream injected into protected memory with the
 *    SDP TA is decoded into a protected frame; vdisp scans the frame out
 *    and its CRC is the CRC of the frame decoded here;
 *  - a trusted-ui buffer as CAPTURE: the exporter refuses the decoder
 *    (attach), QBUF fails with EPERM;
 *  - protected OUTPUT with a system-heap CAPTURE: the firewall refuses the
 *    job, both buffers come back with V4L2_BUF_FLAG_ERROR, the violation
 *    is counted (secure-video), the system-heap frame is untouched;
 *  - afterwards every pool is free and clean.
 *
 * Loads vdec_m2m and vmedia (for vdisp) if they are not loaded and unloads
 * them again, so that vtee stays unloadable for later tests.
 * PROTMEM_SEED replays.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define M2M_MOD		"vdec_m2m"
#define M2M_DRIVER	VM_M2M_DRIVER
#define FMT_PRLE	v4l2_fourcc('P', 'R', 'L', 'E')
#define WIDTH		256
#define HEIGHT		256
#define BUF_SIZE	(WIDTH * HEIGHT)	/* 64 KiB: one system-heap chunk */
#define NRM_SIZE	(64 * 1024)
#define MAX_PAIRS	200
#define MIN_FRAME	(8 * 1024)
#define SENTINEL	0x5a
#define DQ_TIMEOUT_MS	5000

struct ctx {
	int tee, disp;
	uint32_t sdp;
	struct pm_shm nrm;
	struct pm_rng rng;
	char node[288];		/* "/dev/" + a d_name */
	uint8_t bs[2 * MAX_PAIRS];
	size_t bs_len;
	uint8_t frame[BUF_SIZE];
	size_t frame_len;
};

static const char *err_name(int err)
{
	return err ? strerror(-err) : "success";
}

static void make_bitstream(struct ctx *c)
{
	c->bs_len = vm_random_bitstream(&c->rng, c->bs, MAX_PAIRS, MIN_FRAME);
	c->frame_len = (size_t)vm_rle_decode(c->bs, c->bs_len, c->frame,
					     sizeof(c->frame));
}

static int inject(struct ctx *c, const struct pm_prot *pb)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memcpy(c->nrm.p, c->bs, c->bs_len);
	p[0] = pm_p_memref(PM_MR_IN, c->nrm.id, 0, c->bs_len);
	p[1] = pm_p_memref(PM_MR_OUT, pb->id, 0, c->bs_len);
	r = pm_invoke(c->tee, c->sdp, PM_SDP_INJECT, p, 2);
	if (!pm_res_ok(&r))
		pm_diag_res("INJECT", &r);
	return pm_res_ok(&r);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* ---- the module and its node -------------------------------------------- */

static int m2m_loaded(void)
{
	return pm_path_exists("/sys/module/" M2M_MOD "/initstate");
}

/* 1 if this loaded it, 0 if it was loaded, -errno */
static int m2m_load(void)
{
	if (m2m_loaded())
		return 0;
	if (system("modprobe " M2M_MOD))
		return -EIO;
	return m2m_loaded() ? 1 : -ENOENT;
}

static int m2m_unload(void)
{
	return syscall(SYS_delete_module, M2M_MOD, O_NONBLOCK) ? -errno : 0;
}

/* ---- a V4L2 session ----------------------------------------------------- */

/* Open the node, set both formats, one DMABUF buffer per queue; fd/-errno */
static int session_open(struct ctx *c)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_format f;
	int fd, ret;

	fd = open(c->node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	f.fmt.pix.width = WIDTH;
	f.fmt.pix.height = HEIGHT;
	f.fmt.pix.pixelformat = FMT_PRLE;
	f.fmt.pix.sizeimage = BUF_SIZE;
	ret = xioctl(fd, VIDIOC_S_FMT, &f);
	if (!ret && (f.fmt.pix.pixelformat != FMT_PRLE ||
		     f.fmt.pix.sizeimage != BUF_SIZE))
		ret = -EINVAL;
	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f.fmt.pix.width = WIDTH;
	f.fmt.pix.height = HEIGHT;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	ret = ret ?: xioctl(fd, VIDIOC_S_FMT, &f);
	if (!ret && (f.fmt.pix.pixelformat != V4L2_PIX_FMT_GREY ||
		     f.fmt.pix.sizeimage != BUF_SIZE))
		ret = -EINVAL;
	memset(&rb, 0, sizeof(rb));
	rb.count = 1;
	rb.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = ret ?: xioctl(fd, VIDIOC_REQBUFS, &rb);
	rb.count = 1;
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = ret ?: xioctl(fd, VIDIOC_REQBUFS, &rb);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* STREAMOFF, REQBUFS 0, close; 0 or the first -errno */
static int session_close(int fd)
{
	static const uint32_t types[2] = { V4L2_BUF_TYPE_VIDEO_OUTPUT,
					   V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers rb;
	int i, ret = 0, r;

	for (i = 0; i < 2; i++) {
		int type = (int)types[i];

		r = xioctl(fd, VIDIOC_STREAMOFF, &type);
		ret = ret ?: r;
		memset(&rb, 0, sizeof(rb));
		rb.type = types[i];
		rb.memory = V4L2_MEMORY_DMABUF;
		r = xioctl(fd, VIDIOC_REQBUFS, &rb);
		ret = ret ?: r;
	}
	if (close(fd))
		ret = ret ?: -errno;
	return ret;
}

static int streamon(int fd)
{
	int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	int ret = xioctl(fd, VIDIOC_STREAMON, &type);

	type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return ret ?: xioctl(fd, VIDIOC_STREAMON, &type);
}

/* DQBUF of @type, waiting up to DQ_TIMEOUT_MS; 0 or -errno, @b filled */
static int dqbuf(int fd, uint32_t type, struct v4l2_buffer *b)
{
	uint64_t end = pm_now_ms() + DQ_TIMEOUT_MS;
	int ret;

	for (;;) {
		memset(b, 0, sizeof(*b));
		b->type = type;
		b->memory = V4L2_MEMORY_DMABUF;
		ret = xioctl(fd, VIDIOC_DQBUF, b);
		if (ret != -EAGAIN || pm_now_ms() >= end)
			return ret;
		pm_sleep_ms(5);
	}
}

/* ---- tests -------------------------------------------------------------- */

static void test_secure_decode(struct tap *t, struct ctx *c)
{
	struct pm_prot bs = { -1, -1, 0, 0 };
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES];
	static uint8_t padded[BUF_SIZE];
	struct vmedia_scanout s;
	struct v4l2_buffer ob, cb;
	int frame, fd = -1, ret, i, same;
	uint32_t crc;

	make_bitstream(c);
	tap_diag("bitstream %zu bytes -> frame %zu bytes", c->bs_len,
		 c->frame_len);
	vm_violations(before);
	ret = pm_prot_new(c->tee, pm_use_case(0)->heap, BUF_SIZE, &bs);
	frame = pm_heap_alloc_path(pm_use_case(0)->heap, BUF_SIZE);
	if (!tap_ok(t, !ret && frame >= 0,
		    "protected bitstream and frame buffers (secure-video)"))
		goto out;
	tap_ok(t, inject(c, &bs), "SDP INJECT puts the bitstream into protected memory");

	fd = session_open(c);
	if (!tap_ok(t, fd >= 0, "S_FMT PRLE/GREY %dx%d, REQBUFS(DMABUF) 1 per queue (%s)",
		    WIDTH, HEIGHT, err_name(fd < 0 ? fd : 0)))
		goto out;
	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, bs.dmabuf,
			     c->bs_len);
	tap_ok(t, ret == 0, "QBUF the protected bitstream on OUTPUT (%s)",
	       err_name(ret));
	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, frame, 0);
	tap_ok(t, ret == 0, "QBUF the protected frame on CAPTURE (%s)",
	       err_name(ret));
	ret = streamon(fd);
	tap_ok(t, ret == 0, "STREAMON both queues (%s)", err_name(ret));
	ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &ob);
	tap_ok(t, ret == 0 && !(ob.flags & V4L2_BUF_FLAG_ERROR),
	       "DQBUF OUTPUT: done, no error flag (%s, flags %#x)",
	       err_name(ret), ob.flags);
	ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &cb);
	if (!tap_ok(t, ret == 0 && !(cb.flags & V4L2_BUF_FLAG_ERROR) &&
		    cb.bytesused == BUF_SIZE,
		    "DQBUF CAPTURE: done, bytesused is the plane's size %d, not the decoded size",
		    BUF_SIZE))
		tap_diag("DQBUF: %s, flags %#x, bytesused %u", err_name(ret),
			 cb.flags, cb.bytesused);

	/* The frame is written whole: the picture, then zeros */
	memset(padded, 0, sizeof(padded));
	memcpy(padded, c->frame, c->frame_len);
	memset(&s, 0, sizeof(s));
	s.in_fd = frame;
	s.len = c->frame_len;
	ret = xioctl(c->disp, VMEDIA_IOC_SCANOUT, &s);
	if (!tap_ok(t, ret == 0 && s.crc == vm_crc32(padded, BUF_SIZE),
		    "vdisp scans out the protected frame: CRC of the expected frame, zero-padded"))
		tap_diag("SCANOUT: %s, crc %#x, want %#x", err_name(ret), s.crc,
			 vm_crc32(padded, BUF_SIZE));

	/* A prefix of a protected bitstream: decoded whole, nothing told */
	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, bs.dmabuf, 2);
	ret = ret ?: vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, frame,
				    0);
	ret = ret ?: dqbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &ob);
	ret = ret ?: dqbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &cb);
	crc = s.crc;
	ret = ret ?: xioctl(c->disp, VMEDIA_IOC_SCANOUT, &s);
	tap_ok(t, ret == 0 && cb.bytesused == BUF_SIZE && s.crc == crc,
	       "OUTPUT bytesused 2 of a protected bitstream: the same frame, bytesused %u (%s)",
	       cb.bytesused, err_name(ret));
	vm_violations(after);
	for (same = 1, i = 0; i < PM_NUM_USE_CASES; i++)
		same &= after[i] == before[i];
	tap_ok(t, same, "secure decode: violations unchanged");
	ret = session_close(fd);
	fd = -1;
	tap_ok(t, ret == 0, "STREAMOFF, REQBUFS 0, close (%s)", err_name(ret));
out:
	if (fd >= 0)
		session_close(fd);
	if (frame >= 0)
		close(frame);
	pm_prot_free(&bs);
}

/* Write @len bytes of @src at the start of system-heap buffer @fd, mapped at @p */
static void sys_write(int fd, uint8_t *p, const void *src, size_t len,
		      int fill)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };

	xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	memset(p, fill, BUF_SIZE);
	memcpy(p, src, len);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/* Bytes of system-heap buffer @fd, mapped at @p, that are not SENTINEL */
static size_t sys_touched(int fd, const uint8_t *p)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	size_t i, touched = 0;

	xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	for (i = 0; i < BUF_SIZE; i++)
		touched += p[i] != SENTINEL;
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	return touched;
}

/*
 * Bad jobs: a malformed (odd-length) bitstream and a CAPTURE buffer too
 * small are refused at QBUF; a picture larger than the CAPTURE plane
 * fails the job with both buffers flagged and nothing written.
 */
static void test_bad_jobs(struct tap *t, struct ctx *c)
{
	uint8_t big[2 * 300], *bp = MAP_FAILED, *fp = MAP_FAILED;
	struct v4l2_buffer ob, cb;
	int bs, frame, small, fd = -1, ret;
	const char *step;
	size_t i, touched = 0;

	bs = pm_heap_alloc_path(PM_SYS_HEAP, BUF_SIZE);
	frame = pm_heap_alloc_path(PM_SYS_HEAP, BUF_SIZE);
	small = pm_heap_alloc_path(PM_SYS_HEAP, 4096);
	if (bs >= 0)
		bp = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bs, 0);
	if (frame >= 0)
		fp = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, frame, 0);
	fd = session_open(c);
	if (!tap_ok(t, bp != MAP_FAILED && fp != MAP_FAILED && small >= 0 &&
		    fd >= 0, "bad jobs: system-heap buffers and a session"))
		goto out;

	/* 300 runs of 255: 76500 bytes, more than the 64 KiB plane */
	for (i = 0; i < 300; i++) {
		big[2 * i] = 255;
		big[2 * i + 1] = (uint8_t)i;
	}
	sys_write(bs, bp, big, sizeof(big), 0);
	sys_write(frame, fp, "", 0, SENTINEL);

	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, bs, 3);
	tap_ok(t, ret == -EINVAL,
	       "QBUF OUTPUT with an odd bytesused (a malformed bitstream): EINVAL (%s)",
	       err_name(ret));
	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, small, 0);
	tap_ok(t, ret == -EINVAL,
	       "QBUF CAPTURE with a 4 KiB buffer for a 64 KiB format: EINVAL (%s)",
	       err_name(ret));

	/* A session of its own: the refused QBUFs above stay out of it */
	session_close(fd);
	fd = session_open(c);
	step = "QBUF OUTPUT";
	ret = fd < 0 ? fd : vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, bs, sizeof(big));
	if (!ret) {
		step = "QBUF CAPTURE";
		ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, frame, 0);
	}
	if (!ret) {
		step = "STREAMON";
		ret = streamon(fd);
	}
	if (!ret) {
		step = "DQBUF";
		ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &ob);
		ret = ret ?: dqbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &cb);
	}
	tap_ok(t, ret == 0 && (ob.flags & V4L2_BUF_FLAG_ERROR) &&
	       (cb.flags & V4L2_BUF_FLAG_ERROR) && cb.bytesused == 0,
	       "a picture larger than the CAPTURE plane: both buffers flagged, bytesused 0 (%s: %s)",
	       step, err_name(ret));
	touched = sys_touched(frame, fp);
	tap_ok(t, touched == 0, "... and nothing written (%zu bytes changed)",
	       touched);
out:
	if (fd >= 0)
		session_close(fd);
	if (bp != MAP_FAILED)
		munmap(bp, BUF_SIZE);
	if (fp != MAP_FAILED)
		munmap(fp, BUF_SIZE);
	if (small >= 0)
		close(small);
	if (frame >= 0)
		close(frame);
	if (bs >= 0)
		close(bs);
}

static void test_trusted_ui(struct tap *t, struct ctx *c)
{
	int tu, fd, ret;

	tu = pm_heap_alloc_path(pm_use_case(1)->heap, BUF_SIZE);
	fd = session_open(c);
	if (!tap_ok(t, tu >= 0 && fd >= 0, "trusted-ui buffer and a session"))
		goto out;
	ret = vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, tu, 0);
	tap_ok(t, ret == -EPERM,
	       "QBUF a trusted-ui buffer on CAPTURE: the decoder may not attach, EPERM (%s)",
	       err_name(ret));
	ret = session_close(fd);
	fd = -1;
	tap_ok(t, ret == 0, "STREAMOFF, REQBUFS 0, close (%s)", err_name(ret));
out:
	if (fd >= 0)
		session_close(fd);
	if (tu >= 0)
		close(tu);
}

static void test_normal_output(struct tap *t, struct ctx *c)
{
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES];
	struct pm_prot bs = { -1, -1, 0, 0 };
	struct v4l2_buffer ob, cb;
	struct dma_buf_sync sync;
	int sys, fd = -1, ret;
	uint8_t *p = MAP_FAILED;
	size_t touched;

	make_bitstream(c);
	ret = pm_prot_new(c->tee, pm_use_case(0)->heap, BUF_SIZE, &bs);
	sys = pm_heap_alloc_path(PM_SYS_HEAP, BUF_SIZE);
	if (sys >= 0)
		p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 sys, 0);
	if (!tap_ok(t, !ret && p != MAP_FAILED && inject(c, &bs),
		    "protected bitstream, system-heap frame buffer"))
		goto out;
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE;
	xioctl(sys, DMA_BUF_IOCTL_SYNC, &sync);
	memset(p, SENTINEL, BUF_SIZE);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	xioctl(sys, DMA_BUF_IOCTL_SYNC, &sync);

	vm_violations(before);
	fd = session_open(c);
	ret = fd < 0 ? fd : vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, bs.dmabuf,
				 c->bs_len);
	ret = ret ?: vm_qbuf_dmabuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, sys, 0);
	ret = ret ?: streamon(fd);
	if (!tap_ok(t, ret == 0, "QBUF protected OUTPUT and system-heap CAPTURE, STREAMON (%s)",
		    err_name(ret)))
		goto out;
	ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &ob);
	tap_ok(t, ret == 0 && (ob.flags & V4L2_BUF_FLAG_ERROR),
	       "DQBUF OUTPUT: returned with V4L2_BUF_FLAG_ERROR (%s, flags %#x)",
	       err_name(ret), ob.flags);
	ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &cb);
	tap_ok(t, ret == 0 && (cb.flags & V4L2_BUF_FLAG_ERROR) &&
	       cb.bytesused == 0,
	       "DQBUF CAPTURE: V4L2_BUF_FLAG_ERROR, bytesused 0 (%s, flags %#x, bytesused %u)",
	       err_name(ret), cb.flags, cb.bytesused);
	vm_violations(after);
	tap_ok(t, after[0] == before[0] + 1 && after[1] == before[1] &&
	       after[2] == before[2],
	       "the refusal is counted once, in secure-video");
	touched = sys_touched(sys, p);
	tap_ok(t, touched == 0, "the system-heap frame is untouched (%zu bytes changed)",
	       touched);
	ret = session_close(fd);
	fd = -1;
	tap_ok(t, ret == 0, "STREAMOFF, REQBUFS 0, close (%s)", err_name(ret));
out:
	if (fd >= 0)
		session_close(fd);
	if (p != MAP_FAILED)
		munmap(p, BUF_SIZE);
	if (sys >= 0)
		close(sys);
	pm_prot_free(&bs);
}

int main(void)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct ctx *c = calloc(1, sizeof(*c));
	uint64_t seed = pm_seed();
	int vm = 0, m2m = 0, ret;
	struct pm_res r;
	struct tap t;

	tap_init(&t);
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays)", seed, seed);
	if (!c)
		return 1;
	pm_rng_init(&c->rng, seed);
	c->tee = -1;
	c->disp = -1;
	c->nrm.fd = -1;
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "V4L2 decoder");
		free(c);
		return tap_done(&t);
	}
	m2m = m2m_load();
	vm = vm_load();
	if (!tap_ok(&t, m2m >= 0 && vm >= 0, "vdec_m2m and vmedia are loaded"))
		goto out;
	ret = vm_find_m2m_node(c->node, sizeof(c->node));
	if (!tap_ok(&t, ret == 0, "a /dev/video node with driver " M2M_DRIVER " (%s)",
		    ret ? err_name(ret) : c->node))
		goto out;
	c->disp = vm_open("vdisp");
	c->tee = pm_tee_open();
	ret = c->disp < 0 ? c->disp : c->tee < 0 ? c->tee :
	      pm_shm_new(c->tee, NRM_SIZE, &c->nrm);
	if (!tap_ok(&t, ret == 0, "/dev/vdisp, TEE and normal shared memory"))
		goto out;
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	r = pm_open_public(c->tee, uuid, &c->sdp);
	if (!tap_ok(&t, pm_res_ok(&r), "SDP TA session"))
		goto out;

	test_secure_decode(&t, c);
	test_trusted_ui(&t, c);
	test_normal_output(&t, c);
	test_bad_jobs(&t, c);

	pm_close_session(c->tee, c->sdp);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every pool is free and clean afterwards");
out:
	pm_shm_free(&c->nrm);
	if (c->tee >= 0)
		close(c->tee);
	if (c->disp >= 0)
		close(c->disp);
	if (m2m == 1) {
		ret = m2m_unload();
		tap_ok(&t, ret == 0, "vdec_m2m unloads (%s)", err_name(ret));
	}
	if (vm == 1) {
		ret = vm_unload();
		tap_ok(&t, ret == 0, "vmedia unloads (%s)", err_name(ret));
	}
	free(c);
	return tap_done(&t);
}
