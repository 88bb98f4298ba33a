// SPDX-License-Identifier: GPL-2.0
/*
 * vmedia - the emulated media devices (/dev/vdec, /dev/vdisp, /dev/vcam,
 * /dev/venc) on protected and on system-heap DMA-bufs:
 *  - secure decode -> display: a bitstream injected into protected
 *    memory with the SDP TA is decoded by vdec into a protected frame,
 *    vdisp scans it out and its CRC is the CRC of the frame decoded here;
 *  - secure record: vcam captures into secure-video-record memory, venc
 *    encodes it into another record buffer, and the crypt TA's SHA-256
 *    of the bitstream equals that of the bitstream encoded here;
 *  - the same jobs on system-heap buffers, checked byte by byte;
 *  - what is refused: use cases a device may not touch (attach EPERM),
 *    firewall refusals (EACCES) of writes by a reading device, of
 *    protected input with normal output and of raw DMA into other use
 *    cases' memory -- each counted in the violation counter -- and the
 *    documented errnos for bad fds, short buffers, unknown ioctls;
 *  - afterwards every pool is free and clean.
 *
 * Loads vmedia if it is not loaded and unloads it again at the end, so
 * that vtee stays unloadable for later tests. PROTMEM_SEED replays.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "ref_crypto.h"
#include "tap.h"
#include "vmedia_test.h"

#define BUF_SIZE	(64 * 1024)	/* one system-heap chunk: contiguous */
#define NRM_SIZE	(256 * 1024)
#define OFF_DIGEST	(NRM_SIZE - 4096)
#define MAX_PAIRS	200
#define MIN_FRAME	(8 * 1024)	/* larger than the 4 KiB "too small" buffer */
#define SENTINEL	0x5a

enum { DEC, DISP, CAM, ENC, NDEV };
static const char *const dev_names[NDEV] = { "vdec", "vdisp", "vcam", "venc" };

struct ctx {
	int dev[NDEV];
	int tee;
	uint32_t sdp, crypt;
	struct pm_shm nrm;
	struct pm_rng rng;
	uint8_t bs[2 * MAX_PAIRS];	/* a bitstream */
	size_t bs_len;
	uint8_t frame[BUF_SIZE];	/* what it decodes to */
	size_t frame_len;
};

/*
 * A random bitstream whose frame fits BUF_SIZE (at most MAX_PAIRS runs of
 * 255) and is larger than MIN_FRAME (full runs are added until it is).
 */
static void make_bitstream(struct ctx *c)
{
	c->bs_len = vm_random_bitstream(&c->rng, c->bs, MAX_PAIRS, MIN_FRAME);
	c->frame_len = (size_t)vm_rle_decode(c->bs, c->bs_len, c->frame,
					     sizeof(c->frame));
}

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

/* System-heap buffer of BUF_SIZE, mapped, filled with @fill */
struct sysbuf {
	int fd;
	uint8_t *p;
};

static int sysbuf_new(struct sysbuf *b, int fill)
{
	b->p = NULL;
	b->fd = pm_heap_alloc_path(PM_SYS_HEAP, BUF_SIZE);
	if (b->fd < 0)
		return b->fd;
	b->p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd,
		    0);
	if (b->p == MAP_FAILED) {
		b->p = NULL;
		close(b->fd);
		b->fd = -1;
		return -errno;
	}
	dmabuf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	memset(b->p, fill, BUF_SIZE);
	dmabuf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	return 0;
}

static void sysbuf_free(struct sysbuf *b)
{
	if (b->p)
		munmap(b->p, BUF_SIZE);
	if (b->fd >= 0)
		close(b->fd);
	b->p = NULL;
	b->fd = -1;
}

static int capture(int dev, int out, uint64_t len, uint64_t *frame)
{
	struct vmedia_capture s = { .out_fd = out, .len = len };
	int ret = ioctl(dev, VMEDIA_IOC_CAPTURE, &s) < 0 ? -errno : 0;

	if (frame)
		*frame = s.frame;
	return ret;
}

static const char *err_name(int err)
{
	return err ? strerror(-err) : "success";
}

/* Counters now minus @before, as pm_use_case(i) */
static void violations_delta(const uint64_t before[PM_NUM_USE_CASES],
			     uint64_t d[PM_NUM_USE_CASES])
{
	uint64_t now[PM_NUM_USE_CASES] = { 0 };
	unsigned int i;

	vm_violations(now);
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		d[i] = now[i] - before[i];
}

/* 1 if exactly use case @uc (-1: none) went up, by @n */
static int counted(struct tap *t, const uint64_t before[PM_NUM_USE_CASES],
		   int uc, uint64_t n, const char *what)
{
	uint64_t d[PM_NUM_USE_CASES];
	unsigned int i;
	int ok = 1;

	violations_delta(before, d);
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		if (d[i] != ((int)i == uc ? n : 0))
			ok = 0;
	if (!tap_ok(t, ok, "%s: violations %s", what,
		    uc < 0 ? "unchanged" : "counted once, in its use case"))
		tap_diag("delta secure-video %" PRIu64 " trusted-ui %" PRIu64
			 " secure-video-record %" PRIu64, d[0], d[1], d[2]);
	return ok;
}

/* SDP INJECT of @len bytes at c->nrm offset 0 into protected @pb */
static int inject(struct ctx *c, const struct pm_prot *pb, const void *data,
		  size_t len)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memcpy(c->nrm.p, data, len);
	p[0] = pm_p_memref(PM_MR_IN, c->nrm.id, 0, len);
	p[1] = pm_p_memref(PM_MR_OUT, pb->id, 0, len);
	r = pm_invoke(c->tee, c->sdp, PM_SDP_INJECT, p, 2);
	if (!pm_res_ok(&r))
		pm_diag_res("INJECT", &r);
	return pm_res_ok(&r);
}

/* crypt TA DIGEST of [0, len) of protected @pb into @md */
static int digest(struct ctx *c, const struct pm_prot *pb, size_t len,
		  uint8_t *md)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	p[0] = pm_p_memref(PM_MR_IN, pb->id, 0, len);
	p[1] = pm_p_memref(PM_MR_OUT, c->nrm.id, OFF_DIGEST, REF_SHA256_DIGEST);
	r = pm_invoke(c->tee, c->crypt, PM_CRYPT_DIGEST, p, 2);
	if (!pm_res_ok(&r)) {
		pm_diag_res("DIGEST", &r);
		return 0;
	}
	memcpy(md, c->nrm.p + OFF_DIGEST, REF_SHA256_DIGEST);
	return 1;
}

static void test_secure_decode_display(struct tap *t, struct ctx *c)
{
	struct pm_prot bs = { -1, -1, 0, 0 };
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, n = 0, f1 = 0, f2 = 0;
	static uint8_t padded[BUF_SIZE];
	uint32_t crc = 0, crc2 = 0;
	int frame, ret;

	make_bitstream(c);
	tap_diag("bitstream %zu bytes -> frame %zu bytes", c->bs_len,
		 c->frame_len);
	vm_violations(before);
	ret = pm_prot_new(c->tee, pm_use_case(0)->heap, BUF_SIZE, &bs);
	frame = pm_heap_alloc_path(pm_use_case(0)->heap, BUF_SIZE);
	if (!tap_ok(t, !ret && frame >= 0, "protected bitstream and frame buffers (secure-video)")) {
		tap_diag("bitstream %s, frame %s", err_name(ret),
			 err_name(frame < 0 ? frame : 0));
		goto out;
	}
	tap_ok(t, inject(c, &bs, c->bs, c->bs_len),
	       "SDP INJECT puts the bitstream into protected memory");

	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, frame,
		    c->bs_len, &n);
	if (!tap_ok(t, ret == 0 && n == BUF_SIZE,
		    "vdec decodes protected bitstream into protected frame; out_len is the frame buffer's size, not the decoded size"))
		tap_diag("DECODE: %s, out_len %" PRIu64 " (want %d)",
			 err_name(ret), n, BUF_SIZE);

	/* Protected frames are written and scanned out whole: zero padded */
	memset(padded, 0, sizeof(padded));
	memcpy(padded, c->frame, c->frame_len);
	ret = vm_scanout(c->dev[DISP], frame, c->frame_len, &crc, &f1);
	if (!tap_ok(t, ret == 0 && crc == vm_crc32(padded, BUF_SIZE),
		    "vdisp scans out the whole protected frame: CRC of the expected frame, zero-padded"))
		tap_diag("SCANOUT: %s, crc %#x, want %#x", err_name(ret), crc,
			 vm_crc32(padded, BUF_SIZE));
	ret = vm_scanout(c->dev[DISP], frame, c->frame_len, &crc2, &f2);
	tap_ok(t, ret == 0 && crc2 == crc && f2 == f1 + 1,
	       "a second scan-out: same CRC, frame counter + 1 (%" PRIu64 " -> %" PRIu64 ")",
	       f1, f2);
	counted(t, before, -1, 0, "secure decode and display");
out:
	if (frame >= 0)
		close(frame);
	pm_prot_free(&bs);
}

static void test_secure_record(struct tap *t, struct ctx *c)
{
	struct pm_prot raw = { -1, -1, 0, 0 }, enc = { -1, -1, 0, 0 };
	uint8_t md[REF_SHA256_DIGEST], want[REF_SHA256_DIGEST];
	static uint8_t pattern[BUF_SIZE], expect[2 * BUF_SIZE];
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, frame = 0, n = 0;
	size_t elen;
	int ret;

	vm_violations(before);
	ret = pm_prot_new(c->tee, pm_use_case(2)->heap, BUF_SIZE, &raw);
	ret = ret ?: pm_prot_new(c->tee, pm_use_case(2)->heap, BUF_SIZE, &enc);
	if (!tap_ok(t, ret == 0, "protected camera and bitstream buffers (secure-video-record)")) {
		tap_diag("%s", err_name(ret));
		goto out;
	}
	ret = capture(c->dev[CAM], raw.dmabuf, BUF_SIZE, &frame);
	tap_ok(t, ret == 0, "vcam captures into secure-video-record memory (%s)",
	       err_name(ret));
	vm_pattern(pattern, BUF_SIZE, frame);
	ret = digest(c, &raw, BUF_SIZE, md);
	ref_sha256(pattern, BUF_SIZE, want);
	tap_ok(t, ret && !memcmp(md, want, sizeof(md)),
	       "the captured frame is test pattern %" PRIu64 " (crypt TA digest)",
	       frame);

	elen = vm_rle_encode(pattern, BUF_SIZE, expect);
	ret = vm_codec(c->dev[ENC], VMEDIA_IOC_ENCODE, raw.dmabuf, enc.dmabuf,
		    BUF_SIZE, &n);
	if (!tap_ok(t, ret == 0 && n == elen,
		    "venc encodes the protected frame into protected memory, out_len %zu",
		    elen))
		tap_diag("ENCODE: %s, out_len %" PRIu64, err_name(ret), n);
	ret = digest(c, &enc, BUF_SIZE, md);
	pm_sha256_padded(expect, elen, BUF_SIZE, want);
	tap_ok(t, ret && !memcmp(md, want, sizeof(md)),
	       "the protected bitstream buffer is the expected encoding, zero-padded (crypt TA digest)");
	counted(t, before, -1, 0, "secure record");
out:
	pm_prot_free(&enc);
	pm_prot_free(&raw);
}

static void test_system_heap(struct tap *t, struct ctx *c)
{
	struct sysbuf bs = { -1, NULL }, fr = { -1, NULL }, out = { -1, NULL };
	static uint8_t pattern[BUF_SIZE], expect[2 * BUF_SIZE];
	uint64_t n = 0, frame = 0;
	uint32_t crc = 0;
	size_t elen;
	int ret;

	ret = sysbuf_new(&bs, 0);
	ret = ret ?: sysbuf_new(&fr, SENTINEL);
	ret = ret ?: sysbuf_new(&out, SENTINEL);
	if (!tap_ok(t, ret == 0, "system-heap buffers of %d bytes", BUF_SIZE)) {
		tap_diag("%s", err_name(ret));
		goto out;
	}
	make_bitstream(c);
	dmabuf_sync(bs.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	memcpy(bs.p, c->bs, c->bs_len);
	dmabuf_sync(bs.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.fd, fr.fd, c->bs_len,
		    &n);
	dmabuf_sync(fr.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (!tap_ok(t, ret == 0 && n == c->frame_len &&
		    !memcmp(fr.p, c->frame, c->frame_len) &&
		    (c->frame_len == BUF_SIZE || fr.p[c->frame_len] == SENTINEL),
		    "vdec decodes system-heap to system-heap: bytes as expected, nothing beyond"))
		tap_diag("DECODE: %s, out_len %" PRIu64, err_name(ret), n);
	dmabuf_sync(fr.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	ret = vm_scanout(c->dev[DISP], fr.fd, c->frame_len, &crc, NULL);
	tap_ok(t, ret == 0 && crc == vm_crc32(c->frame, c->frame_len),
	       "vdisp scans out a system-heap frame: CRC as expected");

	ret = capture(c->dev[CAM], fr.fd, BUF_SIZE, &frame);
	vm_pattern(pattern, BUF_SIZE, frame);
	dmabuf_sync(fr.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	tap_ok(t, ret == 0 && !memcmp(fr.p, pattern, BUF_SIZE),
	       "vcam captures test pattern %" PRIu64 " into a system-heap buffer",
	       frame);
	dmabuf_sync(fr.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	elen = vm_rle_encode(pattern, BUF_SIZE, expect);
	ret = vm_codec(c->dev[ENC], VMEDIA_IOC_ENCODE, fr.fd, out.fd, BUF_SIZE,
		    &n);
	dmabuf_sync(out.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	tap_ok(t, ret == 0 && n == elen && !memcmp(out.p, expect, elen),
	       "venc encodes a system-heap frame: bitstream as expected (%zu bytes)",
	       elen);
	dmabuf_sync(out.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	/* protected input, normal output: refused, counted, untouched */
	{
		struct pm_prot pbs = { -1, -1, 0, 0 };
		uint64_t before[PM_NUM_USE_CASES] = { 0 };
		size_t i, touched = 0;

		sysbuf_free(&out);
		ret = sysbuf_new(&out, SENTINEL);
		ret = ret ?: pm_prot_new(c->tee, pm_use_case(0)->heap,
					 BUF_SIZE, &pbs);
		if (!ret && inject(c, &pbs, c->bs, c->bs_len)) {
			vm_violations(before);
			ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, pbs.dmabuf,
				    out.fd, c->bs_len, NULL);
			tap_ok(t, ret == -EACCES,
			       "vdec: protected bitstream into a system-heap frame is refused: EACCES (%s)",
			       err_name(ret));
			counted(t, before, 0, 1, "protected input, normal output");
			dmabuf_sync(out.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
			for (i = 0; i < BUF_SIZE; i++)
				touched += out.p[i] != SENTINEL;
			tap_ok(t, touched == 0,
			       "the system-heap frame is untouched (%zu bytes changed)",
			       touched);
			dmabuf_sync(out.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		} else {
			tap_ok(t, 0, "protected input, normal output: setup (%s)",
			       err_name(ret));
		}
		pm_prot_free(&pbs);
	}
out:
	sysbuf_free(&out);
	sysbuf_free(&fr);
	sysbuf_free(&bs);
}

static void test_use_cases(struct tap *t, struct ctx *c)
{
	uint64_t before[PM_NUM_USE_CASES] = { 0 };
	int sv = -1, tu = -1, rec = -1, ret;

	sv = pm_heap_alloc_path(pm_use_case(0)->heap, BUF_SIZE);
	tu = pm_heap_alloc_path(pm_use_case(1)->heap, BUF_SIZE);
	rec = pm_heap_alloc_path(pm_use_case(2)->heap, BUF_SIZE);
	if (!tap_ok(t, sv >= 0 && tu >= 0 && rec >= 0,
		    "one protected buffer per use case"))
		goto out;

	vm_violations(before);
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, sv, tu, 2, NULL);
	tap_ok(t, ret == -EPERM,
	       "vdec with a trusted-ui output: attach refused, EPERM (%s)",
	       err_name(ret));
	counted(t, before, 1, 1, "vdec on trusted-ui");

	vm_violations(before);
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, rec, sv, 2, NULL);
	tap_ok(t, ret == -EPERM,
	       "vdec with a secure-video-record input: EPERM (%s)",
	       err_name(ret));
	counted(t, before, 2, 1, "vdec on secure-video-record");

	vm_violations(before);
	ret = capture(c->dev[CAM], sv, BUF_SIZE, NULL);
	tap_ok(t, ret == -EPERM,
	       "vcam capturing into secure-video memory: EPERM (%s)",
	       err_name(ret));
	counted(t, before, 0, 1, "vcam on secure-video");

	vm_violations(before);
	ret = vm_scanout(c->dev[DISP], tu, BUF_SIZE, NULL, NULL);
	tap_ok(t, ret == 0, "vdisp scans out trusted-ui memory (%s)",
	       err_name(ret));
	counted(t, before, -1, 0, "vdisp on trusted-ui");
out:
	if (rec >= 0)
		close(rec);
	if (tu >= 0)
		close(tu);
	if (sv >= 0)
		close(sv);
}

static void test_raw_dma(struct tap *t, struct ctx *c)
{
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, out = 0, out2 = 1;
	struct vm_region r[PM_NUM_USE_CASES];
	struct pm_pool_stats st;
	uint64_t sv, tu, rec;
	int ret, ret2, status = 0, whole;
	pid_t pid;

	if (vm_regions(r)) {
		tap_skip(t, "vtee runs with its own split or dynamic pools",
			 "raw DMA into other use cases' regions");
		return;
	}
	/* last page of each region: the allocators fill from the bottom */
	sv = r[0].base + r[0].size - 4096;
	tu = r[1].base + r[1].size - 4096;
	rec = r[2].base + r[2].size - 4096;

	vm_violations(before);
	ret = vm_raw(c->dev[DISP], VMEDIA_OP_PATTERN, 0, 0, sv, 4096, NULL);
	tap_ok(t, ret == -EACCES,
	       "raw DMA: vdisp writing secure-video memory (it may only read): EACCES (%s)",
	       err_name(ret));
	counted(t, before, 0, 1, "vdisp write");

	vm_violations(before);
	ret = vm_raw(c->dev[CAM], VMEDIA_OP_PATTERN, 0, 0, tu, 4096, NULL);
	tap_ok(t, ret == -EACCES,
	       "raw DMA: vcam writing trusted-ui memory: EACCES (%s)",
	       err_name(ret));
	counted(t, before, 1, 1, "vcam into trusted-ui");

	vm_violations(before);
	ret = vm_raw(c->dev[DEC], VMEDIA_OP_CRC32, rec, 4096, 0, 0, NULL);
	tap_ok(t, ret == -EACCES,
	       "raw DMA: vdec reading secure-video-record memory: EACCES (%s)",
	       err_name(ret));
	counted(t, before, 2, 1, "vdec reading secure-video-record");

	vm_violations(before);
	ret = vm_raw(c->dev[DEC], VMEDIA_OP_CRC32, r[1].base - 4096, 8192, 0, 0,
		     NULL);
	tap_ok(t, ret == -EACCES,
	       "raw DMA: a range across two regions is refused: EACCES (%s)",
	       err_name(ret));
	counted(t, before, 0, 1, "range across secure-video and trusted-ui");

	/* Free protected memory is no buffer: nobody's to read */
	vm_violations(before);
	ret = vm_raw(c->dev[DISP], VMEDIA_OP_CRC32, sv, 4096, 0, 0, &out);
	tap_ok(t, ret == -EACCES,
	       "raw DMA: vdisp reading free secure-video memory (no live buffer): EACCES (%s)",
	       err_name(ret));
	counted(t, before, 0, 1, "vdisp reading free memory");

	/* With the whole pool one buffer, any part of it means all of it */
	if (pm_wait_pool_clean(pm_use_case(0)->name, PM_CLEAN_TIMEOUT_MS, &st) ||
	    (whole = pm_heap_alloc_path(pm_use_case(0)->heap, st.size)) < 0) {
		tap_skip(t, "the secure-video pool is not free",
			 "raw DMA reads whole buffers");
	} else {
		vm_violations(before);
		ret = vm_raw(c->dev[DISP], VMEDIA_OP_CRC32, sv, 4096, 0, 0, &out);
		ret2 = vm_raw(c->dev[DISP], VMEDIA_OP_CRC32, r[0].base + 4096, 1,
			      0, 0, &out2);
		tap_ok(t, !ret && !ret2 && out == out2,
		       "raw DMA: vdisp reading a live secure-video buffer is allowed, and any part of it is the whole (%s, %#" PRIx64 ")",
		       err_name(ret ?: ret2), out);
		close(whole);
	}
	ret = vm_raw(c->dev[DISP], VMEDIA_OP_CRC32, 0, 0, 0, 0, NULL);
	tap_ok(t, ret == -EINVAL, "raw DMA: CRC without a source: EINVAL (%s)",
	       err_name(ret));
	ret = vm_raw(c->dev[DISP], 99, sv, 4096, 0, 0, NULL);
	tap_ok(t, ret == -EINVAL, "raw DMA: unknown operation: EINVAL (%s)",
	       err_name(ret));
	counted(t, before, -1, 0, "allowed and malformed raw DMA");
	if (pm_wait_pool_clean(pm_use_case(0)->name, PM_CLEAN_TIMEOUT_MS, &st))
		pm_diag_stats(pm_use_case(0)->name, &st);

	/* CAP_SYS_RAWIO only */
	pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(vm_raw(c->dev[DISP], VMEDIA_OP_CRC32, sv, 4096, 0, 0,
			     NULL) == -EPERM ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	tap_ok(t, pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "raw DMA without CAP_SYS_RAWIO: EPERM");
}

static void test_bad_input(struct tap *t, struct ctx *c)
{
	struct pm_prot bs = { -1, -1, 0, 0 };
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, n = 0;
	struct vmedia_codec cd;
	int small = -1, small_sys = -1, frame = -1, null = -1, ret;
	static const uint8_t bad_bs[] = { 3, 1, 2 };
	static const uint8_t end_bs[] = { 3, 1, 0, 2, 0, 0 };
	struct sysbuf sbs = { -1, NULL };

	make_bitstream(c);
	ret = pm_prot_new(c->tee, pm_use_case(0)->heap, BUF_SIZE, &bs);
	frame = pm_heap_alloc_path(pm_use_case(0)->heap, BUF_SIZE);
	small = pm_heap_alloc_path(pm_use_case(0)->heap, 4096);
	small_sys = pm_heap_alloc_path(PM_SYS_HEAP, 4096);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!tap_ok(t, !ret && frame >= 0 && small >= 0 && small_sys >= 0 &&
		    null >= 0 &&
		    inject(c, &bs, c->bs, c->bs_len), "bad input: setup"))
		goto out;
	vm_violations(before);

	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, -1, frame, 2, NULL);
	tap_ok(t, ret == -EBADF, "DECODE with in_fd -1: EBADF (%s)", err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, 999, 2, NULL);
	tap_ok(t, ret == -EBADF, "DECODE with a closed out_fd: EBADF (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, null, frame, 2, NULL);
	tap_ok(t, ret == -EINVAL, "DECODE from /dev/null (not a DMA-buf): EINVAL (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, c->tee, 2, NULL);
	tap_ok(t, ret == -EINVAL, "DECODE into /dev/tee0 (not a DMA-buf): EINVAL (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, frame,
		    BUF_SIZE + 1, NULL);
	tap_ok(t, ret == -EINVAL, "DECODE with in_len beyond the input buffer: EINVAL (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, frame, 0, NULL);
	tap_ok(t, ret == -EINVAL, "DECODE with in_len 0: EINVAL (%s)", err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, bs.dmabuf,
		    c->bs_len, NULL);
	tap_ok(t, ret == -EINVAL, "DECODE in place (same buffer in and out): EINVAL (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, frame,
		    c->bs_len - 1, &n);
	tap_ok(t, ret == 0 && n == BUF_SIZE,
	       "DECODE of a protected bitstream with in_len one short: read whole all the same (%s)",
	       err_name(ret));
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, small, c->bs_len,
		    &n);
	tap_ok(t, ret == -ENOSPC && n == 0,
	       "DECODE of a protected bitstream into a 4 KiB frame: ENOSPC, the size needed not told (%s, %" PRIu64 ")",
	       err_name(ret), n);
	ret = capture(c->dev[CAM], small_sys, 8192, NULL);
	tap_ok(t, ret == -EINVAL,
	       "CAPTURE longer than the buffer: EINVAL (%s)", err_name(ret));
	memset(&cd, 0, sizeof(cd));
	cd.in_fd = bs.dmabuf;
	cd.out_fd = frame;
	cd.in_len = 2;
	cd.flags = 1;
	ret = ioctl(c->dev[DEC], VMEDIA_IOC_DECODE, &cd) < 0 ? -errno : 0;
	tap_ok(t, ret == -EINVAL, "DECODE with unknown flags: EINVAL (%s)", err_name(ret));

	ret = ioctl(c->dev[DEC], _IO(VMEDIA_IOC_MAGIC, 77)) < 0 ? -errno : 0;
	tap_ok(t, ret == -ENOTTY, "unknown ioctl: ENOTTY (%s)", err_name(ret));
	ret = vm_codec(c->dev[DISP], VMEDIA_IOC_DECODE, bs.dmabuf, frame, 2, NULL);
	tap_ok(t, ret == -ENOTTY, "DECODE on vdisp (not a decoder): ENOTTY (%s)",
	       err_name(ret));
	ret = vm_scanout(c->dev[DEC], frame, 16, NULL, NULL);
	tap_ok(t, ret == -ENOTTY, "SCANOUT on vdec: ENOTTY (%s)", err_name(ret));
	counted(t, before, -1, 0, "bad input");

	/* a malformed (odd, unterminated) bitstream in normal memory */
	ret = sysbuf_new(&sbs, 0);
	if (!ret) {
		dmabuf_sync(sbs.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		memcpy(sbs.p, bad_bs, sizeof(bad_bs));
		dmabuf_sync(sbs.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, sbs.fd, frame,
			       sizeof(bad_bs), NULL);
	}
	tap_ok(t, ret == -EBADMSG, "DECODE of an odd-length bitstream: EBADMSG (%s)",
	       err_name(ret));
	/* a count of 0 ends a bitstream: what follows is padding */
	tap_ok(t, inject(c, &bs, end_bs, sizeof(end_bs)), "inject a bitstream with an end mark");
	ret = vm_codec(c->dev[DEC], VMEDIA_IOC_DECODE, bs.dmabuf, frame,
		       sizeof(end_bs), &n);
	tap_ok(t, ret == 0, "DECODE of a bitstream with an end mark: the rest is padding (%s)",
	       err_name(ret));
	sysbuf_free(&sbs);
out:
	if (null >= 0)
		close(null);
	if (small_sys >= 0)
		close(small_sys);
	if (small >= 0)
		close(small);
	if (frame >= 0)
		close(frame);
	pm_prot_free(&bs);
}

int main(void)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct ctx *c = calloc(1, sizeof(*c));
	uint64_t seed = pm_seed();
	struct pm_res r;
	struct tap t;
	int loaded, i, ok = 1, ret;

	tap_init(&t);
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays)", seed, seed);
	if (!c)
		return 1;
	pm_rng_init(&c->rng, seed);
	c->tee = -1;
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "vmedia devices");
		return tap_done(&t);
	}
	loaded = vm_load();
	if (!tap_ok(&t, loaded >= 0, "vmedia is loaded"))
		return tap_done(&t);
	for (i = 0; i < NDEV; i++) {
		c->dev[i] = vm_open(dev_names[i]);
		if (c->dev[i] < 0) {
			tap_diag("/dev/%s: %s", dev_names[i], strerror(-c->dev[i]));
			ok = 0;
		}
	}
	if (!tap_ok(&t, ok, "/dev/vdec, /dev/vdisp, /dev/vcam and /dev/venc open"))
		goto out;

	c->tee = pm_tee_open();
	ret = c->tee < 0 ? c->tee : pm_shm_new(c->tee, NRM_SIZE, &c->nrm);
	if (!tap_ok(&t, ret == 0, "TEE and normal shared memory"))
		goto out;
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	r = pm_open_public(c->tee, uuid, &c->sdp);
	ok = pm_res_ok(&r);
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	r = pm_open_public(c->tee, uuid, &c->crypt);
	if (!tap_ok(&t, ok && pm_res_ok(&r), "SDP and crypt TA sessions"))
		goto out;

	test_secure_decode_display(&t, c);
	test_secure_record(&t, c);
	test_system_heap(&t, c);
	test_use_cases(&t, c);
	test_raw_dma(&t, c);
	test_bad_input(&t, c);

	pm_close_session(c->tee, c->crypt);
	pm_close_session(c->tee, c->sdp);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every pool is free and clean afterwards");
out:
	pm_shm_free(&c->nrm);
	if (c->tee >= 0)
		close(c->tee);
	for (i = 0; i < NDEV; i++)
		if (c->dev[i] > 0)
			close(c->dev[i]);
	if (loaded == 1) {
		ret = vm_unload();
		tap_ok(&t, ret == 0, "vmedia unloads (%s)", err_name(ret));
	}
	free(c);
	return tap_done(&t);
}
