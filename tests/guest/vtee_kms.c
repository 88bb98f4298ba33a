// SPDX-License-Identifier: GPL-2.0
/*
 * vtee_kms - the KMS display driver (docs/kms.md), with raw DRM ioctls:
 * modeset, page flip with its event, one CRC per frame from the secure
 * world equal to the CRC the test computes over the whole buffer it filled,
 * whole objects only (offsets and planes do not move the CRC window), PRIME
 * import of protected buffers allowed (secure-video, trusted-ui) and refused
 * (secure-video-record: EPERM, counted), a protected frame written by the
 * decoder (vdec) showing the CRC of the same bytes in a dumb buffer, no
 * mapping of an imported buffer, and the module unloading cleanly after.
 *
 * Loads vtee_kms and vmedia if they are not loaded, unloads what it loaded.
 */
#include <drm/drm.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_mode.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"
#include "vmedia_test.h"

#define KMS_MOD		"vtee_kms"
#define KMS_DRIVER	"vtee_kms"
#define W		640
#define H		480
#define PITCH		(W * 4)
#define FRAME		((uint64_t)PITCH * H)	/* 300 pages: no rounding */
#define PAGE		4096u
#define BS_SIZE		(64 * 1024)		/* system heap: one chunk */
#define CRC_TIMEOUT_MS	10000
#define CRC_FRAMES	4

/* A dumb buffer, mapped, and a framebuffer on it */
struct dumb {
	uint32_t handle, fb;
	uint64_t size;		/* the GEM object: page-rounded */
	uint8_t *p;
};

struct ctx {
	int drm, card, crc_fd;
	uint32_t crtc, conn;
	struct drm_mode_modeinfo mode;
	uint64_t seq;		/* sequence of the last flip event */
	struct pm_rng rng;
};

static const char *err_name(int err)
{
	return err ? strerror(-err) : "success";
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

/* ---- modeset ------------------------------------------------------------ */

/* The connector, its modes, the CRTC; 0 or -errno. @mode gets W x H */
static int kms_probe(struct ctx *c, struct tap *t)
{
	struct drm_mode_modeinfo modes[16];
	struct drm_mode_card_res res;
	struct drm_mode_get_connector gc;
	uint32_t crtcs[4], conns[4], encs[4];
	unsigned int i;
	int have_vga = 0, have_720 = 0, refresh = 0, ret;

	memset(&res, 0, sizeof(res));
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.count_crtcs = 4;
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_connectors = 4;
	res.encoder_id_ptr = (uintptr_t)encs;
	res.count_encoders = 4;
	ret = xioctl(c->drm, DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (!tap_ok(t, !ret && res.count_crtcs == 1 && res.count_connectors == 1 &&
		    res.count_encoders == 1,
		    "one CRTC, one connector, one encoder (%u, %u, %u; %s)",
		    res.count_crtcs, res.count_connectors, res.count_encoders,
		    err_name(ret)))
		return ret ?: -ENODEV;
	c->crtc = crtcs[0];
	c->conn = conns[0];

	/* count_modes 0 probes the modes, then they can be fetched */
	memset(&gc, 0, sizeof(gc));
	gc.connector_id = c->conn;
	ret = xioctl(c->drm, DRM_IOCTL_MODE_GETCONNECTOR, &gc);
	if (ret)
		return ret;
	gc.count_props = 0;
	gc.count_encoders = 0;
	gc.modes_ptr = (uintptr_t)modes;
	if (gc.count_modes > 16)
		gc.count_modes = 16;
	ret = xioctl(c->drm, DRM_IOCTL_MODE_GETCONNECTOR, &gc);
	if (ret)
		return ret;
	for (i = 0; i < gc.count_modes && i < 16; i++) {
		if (modes[i].hdisplay == W && modes[i].vdisplay == H) {
			have_vga = 1;
			c->mode = modes[i];
			refresh = (int)modes[i].vrefresh;
		}
		if (modes[i].hdisplay == 1280 && modes[i].vdisplay == 720)
			have_720 = 1;
	}
	tap_ok(t, gc.connection == 1 &&
	       gc.connector_type == DRM_MODE_CONNECTOR_VIRTUAL,
	       "the connector is virtual and connected");
	tap_ok(t, have_vga && have_720 && refresh > 0 && refresh <= 60,
	       "modes 640x480 and 1280x720 at a modest refresh (%d Hz)", refresh);
	return have_vga ? 0 : -ENOENT;
}

static int kms_setcrtc(struct ctx *c, uint32_t fb)
{
	struct drm_mode_crtc sc = {
		.crtc_id = c->crtc, .fb_id = fb,
		.set_connectors_ptr = (uintptr_t)&c->conn,
		.count_connectors = 1, .mode = c->mode, .mode_valid = 1,
	};

	return xioctl(c->drm, DRM_IOCTL_MODE_SETCRTC, &sc);
}

/* Page flip to @fb and wait for its event; 0 or -errno, c->seq */
static int kms_flip(struct ctx *c, uint32_t fb)
{
	static uint64_t cookie = 0x6b6d7300;
	struct drm_mode_crtc_page_flip pf = {
		.crtc_id = c->crtc, .fb_id = fb,
		.flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = ++cookie,
	};
	struct pollfd pfd = { .fd = c->drm, .events = POLLIN };
	struct drm_event_vblank ev;
	int ret = xioctl(c->drm, DRM_IOCTL_MODE_PAGE_FLIP, &pf);

	if (ret)
		return ret;
	for (;;) {
		ret = poll(&pfd, 1, CRC_TIMEOUT_MS);
		if (ret <= 0)
			return ret ? -errno : -ETIMEDOUT;
		if (read(c->drm, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
			return -EIO;
		if (ev.base.type == DRM_EVENT_FLIP_COMPLETE &&
		    ev.user_data == cookie) {
			c->seq = ev.sequence;
			return 0;
		}
	}
}

/*
 * SETCRTC to @fb (a format change, which a page flip refuses), then wait
 * for the next vblank: c->seq is its sequence. 0 or -errno.
 */
static int kms_set_wait(struct ctx *c, uint32_t fb)
{
	union drm_wait_vblank wv;
	int ret = kms_setcrtc(c, fb);

	if (ret) {
		tap_diag("SETCRTC: %s", strerror(-ret));
		return ret;
	}
	memset(&wv, 0, sizeof(wv));
	wv.request.type = _DRM_VBLANK_RELATIVE;
	wv.request.sequence = 1;
	ret = xioctl(c->drm, DRM_IOCTL_WAIT_VBLANK, &wv);
	if (ret)
		tap_diag("WAIT_VBLANK: %s", strerror(-ret));
	if (!ret)
		c->seq = wv.reply.sequence;
	return ret;
}

/* ---- buffers ------------------------------------------------------------ */

static uint64_t page_round(uint64_t n)
{
	return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

/* A dumb buffer of @w x @h at @bpp, mapped; 0 or -errno */
static int dumb_new(struct ctx *c, uint32_t w, uint32_t h, uint32_t bpp,
		    struct dumb *d)
{
	struct drm_mode_create_dumb cd = { .width = w, .height = h, .bpp = bpp };
	struct drm_mode_map_dumb md = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = xioctl(c->drm, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (ret)
		return ret;
	d->handle = cd.handle;
	d->size = page_round(cd.size);
	md.handle = cd.handle;
	ret = xioctl(c->drm, DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (ret)
		return ret;
	d->p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->drm,
		    (off_t)md.offset);
	if (d->p == MAP_FAILED) {
		d->p = NULL;
		return -errno;
	}
	return 0;
}

static void gem_close(struct ctx *c, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	if (handle)
		xioctl(c->drm, DRM_IOCTL_GEM_CLOSE, &gc);
}

static void rmfb(struct ctx *c, uint32_t fb)
{
	if (fb)
		xioctl(c->drm, DRM_IOCTL_MODE_RMFB, &fb);
}

static void dumb_free(struct ctx *c, struct dumb *d)
{
	rmfb(c, d->fb);
	if (d->p)
		munmap(d->p, d->size);
	gem_close(c, d->handle);
	memset(d, 0, sizeof(*d));
}

/* AddFB2; 0 or -errno, *@fb */
static int addfb2(struct ctx *c, uint32_t w, uint32_t h, uint32_t fourcc,
		  const uint32_t handles[4], const uint32_t pitches[4],
		  const uint32_t offsets[4], uint32_t *fb)
{
	struct drm_mode_fb_cmd2 f = { .width = w, .height = h,
				      .pixel_format = fourcc };
	int ret;

	memcpy(f.handles, handles, sizeof(f.handles));
	memcpy(f.pitches, pitches, sizeof(f.pitches));
	memcpy(f.offsets, offsets, sizeof(f.offsets));
	ret = xioctl(c->drm, DRM_IOCTL_MODE_ADDFB2, &f);
	*fb = f.fb_id;
	return ret;
}

/* An XRGB8888 W x H framebuffer on @handle at @offset */
static int addfb_xrgb(struct ctx *c, uint32_t handle, uint32_t offset,
		      uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { PITCH };
	uint32_t offsets[4] = { offset };

	return addfb2(c, W, H, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
		      fb);
}

/* PRIME import; 0 or -errno, *@handle */
static int prime_import(struct ctx *c, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle h = { .fd = dmabuf };
	int ret = xioctl(c->drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h);

	*handle = h.handle;
	return ret;
}

/* ---- CRCs --------------------------------------------------------------- */

/* Open crtc-0's CRC data with source "auto"; fd or -errno */
static int crc_open(int card)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/crtc-0/crc/control",
		 card);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "auto", 4) != 4) {
		close(fd);
		return -EIO;
	}
	close(fd);
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/crtc-0/crc/data",
		 card);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Next CRC entry within @ms; 0, -ETIMEDOUT or -errno */
static int crc_next_within(int fd, int ms, uint64_t *frame, uint32_t *crc)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[64];
	unsigned int f, v;
	ssize_t n;
	int ret = poll(&pfd, 1, ms);

	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	n = read(fd, line, sizeof(line) - 1);
	if (n <= 0)
		return n ? -errno : -EIO;
	line[n] = '\0';
	if (sscanf(line, "%x %x", &f, &v) != 2) {
		tap_diag("CRC line: %s", line);
		return -EINVAL;
	}
	*frame = f;
	*crc = v;
	return 0;
}

/* Next CRC entry; 0 or -errno */
static int crc_next(int fd, uint64_t *frame, uint32_t *crc)
{
	return crc_next_within(fd, CRC_TIMEOUT_MS, frame, crc);
}

/*
 * The CRCs of the @n frames from the last flip's on (entries of earlier
 * frames are skipped); 0 if all equal @want and the frames increase,
 * -EBADMSG otherwise, or a read's error.
 */
static int crc_expect(struct ctx *c, uint32_t want, unsigned int n,
		      uint32_t *got)
{
	uint64_t frame, last = 0;
	unsigned int i = 0;
	uint32_t crc;
	int ret, bad = 0;

	*got = 0;
	while (i < n) {
		ret = crc_next(c->crc_fd, &frame, &crc);
		if (ret)
			return ret;
		if (frame < (c->seq & 0xffffffffu))
			continue;
		if (i && frame <= last)
			bad = 1;
		if (crc != want)
			bad = 1;
		if (!i)
			*got = crc;
		last = frame;
		i++;
	}
	return bad ? -EBADMSG : 0;
}

/*
 * After the shown buffer changed: entries (at most 64) until one is @want,
 * then CRC_FRAMES more equal to it. 0, -EBADMSG or a read's error.
 */
static int crc_settle(struct ctx *c, uint32_t want)
{
	unsigned int i;
	uint64_t frame;
	uint32_t crc = ~want, got;
	int ret;

	for (i = 0; i < 64 && crc != want; i++) {
		ret = crc_next(c->crc_fd, &frame, &crc);
		if (ret)
			return ret;
	}
	if (crc != want)
		return -EBADMSG;
	c->seq = frame + 1;
	return crc_expect(c, want, CRC_FRAMES, &got);
}

/*
 * Flip to @fb (SETCRTC if @set), then @n CRCs equal to @want; the test's
 * verdict
 */
static int show_crc(struct ctx *c, struct tap *t, uint32_t fb, int set,
		    uint32_t want, const char *what)
{
	uint32_t got = 0;
	int ret = set ? kms_set_wait(c, fb) : kms_flip(c, fb);

	if (!ret)
		ret = crc_expect(c, want, CRC_FRAMES, &got);
	return tap_ok(t, !ret, "%s: %d frames' CRC 0x%08x = 0x%08x (%s)",
		      what, CRC_FRAMES, got, want, err_name(ret));
}

/* Say how many frames got a CRC entry over 30 entries (a measurement) */
static void crc_rate(struct ctx *c)
{
	uint64_t t0 = pm_now_ms(), frame, first = 0;
	unsigned int i;
	uint32_t crc;

	for (i = 0; i < 30; i++) {
		if (crc_next(c->crc_fd, &frame, &crc))
			return;
		if (!i)
			first = frame;
	}
	tap_diag("30 CRC entries in %" PRIu64 " ms over frames %" PRIu64
		 "..%" PRIu64 " (%" PRIu64 " frames without an entry)",
		 pm_now_ms() - t0, first, frame, frame - first + 1 - 30);
}

/* ---- the tests ---------------------------------------------------------- */

static void fill_bands(uint8_t *p, uint64_t len, uint8_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i / (PITCH * 16) * 37);
}

/* A decoded frame @frame (FRAME bytes): bands, as vdec writes it */
static int decode_into(int vdec, int out, const uint8_t *frame)
{
	uint8_t *bs = malloc(2 * FRAME);
	size_t len = bs ? vm_rle_encode(frame, FRAME, bs) : 0;
	uint64_t out_len = 0;
	int in, ret;
	void *p;

	if (!bs)
		return -ENOMEM;
	ret = -E2BIG;
	if (len > BS_SIZE)
		goto out;
	in = pm_heap_alloc_path(PM_SYS_HEAP, BS_SIZE);
	ret = in;
	if (in < 0)
		goto out;
	p = mmap(NULL, BS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, in, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(in);
		goto out;
	}
	memset(p, 0, BS_SIZE);
	memcpy(p, bs, len);
	munmap(p, BS_SIZE);
	ret = vm_codec(vdec, VMEDIA_IOC_DECODE, in, out, len, &out_len);
	close(in);
out:
	free(bs);
	return ret;
}

/* @a: stays on screen (freed by the caller) */
static void test_dumb(struct ctx *c, struct tap *t, struct dumb *ap)
{
	struct dumb a = { 0 }, b = { 0 }, big = { 0 };
	struct dumb y = { 0 }, uv = { 0 }, nv = { 0 };
	uint32_t handles[4], pitches[4], offsets[4], fb = 0, crc;
	uint8_t *cat;
	int ret;

	ret = dumb_new(c, W, H, 32, &a) ?: dumb_new(c, W, H, 32, &b);
	ret = ret ?: addfb_xrgb(c, a.handle, 0, &a.fb);
	ret = ret ?: addfb_xrgb(c, b.handle, 0, &b.fb);
	if (!tap_ok(t, !ret && a.size == FRAME,
		    "two XRGB8888 dumb buffers, mapped, with framebuffers (%s)",
		    err_name(ret)))
		goto out;
	fill_bands(a.p, a.size, 0x11);
	fill_bands(b.p, b.size, 0x80);

	ret = kms_setcrtc(c, a.fb);
	tap_ok(t, !ret, "SETCRTC 640x480 on the first framebuffer (%s)",
	       err_name(ret));
	ret = crc_open(c->card);
	if (!tap_ok(t, ret >= 0, "CRC source \"auto\" opens (%s)",
		    err_name(ret < 0 ? ret : 0)))
		goto out;
	c->crc_fd = ret;

	show_crc(c, t, b.fb, 0, vm_crc32(b.p, b.size),
		 "page flip with event to a second buffer");
	crc_rate(c);
	crc = vm_crc32(a.p, a.size);
	tap_ok(t, crc != vm_crc32(b.p, b.size),
	       "the two frames have different CRCs");
	show_crc(c, t, a.fb, 0, crc, "flip back: the first frame's CRC again");
	a.p[12345] ^= 0x5a;
	crc = vm_crc32(a.p, a.size);
	ret = crc_settle(c, crc);
	tap_ok(t, !ret,
	       "a byte written into the shown buffer changes the CRC of the next frames to 0x%08x (%s)",
	       crc, err_name(ret));

	/* Whole objects: the framebuffer's offset does not move the window */
	ret = dumb_new(c, W, H + 1, 32, &big);
	ret = ret ?: addfb_xrgb(c, big.handle, PITCH, &fb);
	if (tap_ok(t, !ret, "a framebuffer at offset one line into a bigger buffer (%s)",
		   err_name(ret))) {
		fill_bands(big.p, big.size, 0x33);
		show_crc(c, t, fb, 0, vm_crc32(big.p, big.size),
			 "its CRC covers the whole object, not the offset window");
	}

	/* NV12 in one object, then in two (the CRC of their concatenation) */
	ret = dumb_new(c, W, H * 3 / 2, 8, &nv);
	handles[0] = handles[1] = nv.handle;
	pitches[0] = pitches[1] = W;
	offsets[0] = 0;
	offsets[1] = W * H;
	handles[2] = handles[3] = pitches[2] = pitches[3] = 0;
	offsets[2] = offsets[3] = 0;
	ret = ret ?: addfb2(c, W, H, DRM_FORMAT_NV12, handles, pitches, offsets,
			    &nv.fb);
	if (tap_ok(t, !ret, "NV12 framebuffer on one dumb buffer (%s)",
		   err_name(ret))) {
		pm_rng_fill(&c->rng, nv.p, nv.size);
		show_crc(c, t, nv.fb, 1, vm_crc32(nv.p, nv.size),
			 "SETCRTC to NV12 in one object");
	}
	ret = dumb_new(c, W, H, 8, &y) ?: dumb_new(c, W, H / 2, 8, &uv);
	handles[0] = y.handle;
	handles[1] = uv.handle;
	offsets[1] = 0;
	ret = ret ?: addfb2(c, W, H, DRM_FORMAT_NV12, handles, pitches, offsets,
			    &y.fb);
	cat = ret ? NULL : malloc(y.size + uv.size);
	if (tap_ok(t, cat != NULL, "NV12 framebuffer on two dumb buffers (%s)",
		   err_name(ret))) {
		pm_rng_fill(&c->rng, y.p, y.size);
		pm_rng_fill(&c->rng, uv.p, uv.size);
		memcpy(cat, y.p, y.size);
		memcpy(cat + y.size, uv.p, uv.size);
		show_crc(c, t, y.fb, 1, vm_crc32(cat, y.size + uv.size),
			 "SETCRTC to NV12 in two objects: the CRC of both, in plane order");
		free(cat);
	}
	kms_set_wait(c, a.fb);
	dumb_free(c, &y);
	dumb_free(c, &uv);
	dumb_free(c, &nv);
	rmfb(c, fb);
	dumb_free(c, &big);
out:
	dumb_free(c, &b);
	*ap = a;
}

/*
 * A double-buffered client (kmssink, a decoder's buffer pool) rewrites the
 * buffer it flipped away from as soon as the flip completed. The display
 * must be done reading it by then, and each CRC entry must be that of the
 * frame latched at the vblank it names. Big objects (the CRC covers the
 * whole object) make a scan take longer than a vblank under TCG, so a scan
 * that outlived the flip would read a buffer being rewritten.
 */
#define REUSE_LINES	(H * 8)		/* 9.8 MB objects */
#define REUSE_FLIPS	12
#define REUSE_ENTRIES	512

static void test_reuse(struct ctx *c, struct tap *t, uint32_t back_fb)
{
	uint32_t want[REUSE_FLIPS], crcs[REUSE_ENTRIES], crc;
	uint64_t seqs[REUSE_FLIPS], frames[REUSE_ENTRIES], frame;
	unsigned int i, j, n = 0, bad = 0, torn = 0, late = 0;
	struct dumb d[2] = { { 0 }, { 0 } };
	int ret;

	ret = dumb_new(c, W, REUSE_LINES, 32, &d[0]) ?:
	      dumb_new(c, W, REUSE_LINES, 32, &d[1]);
	ret = ret ?: addfb_xrgb(c, d[0].handle, 0, &d[0].fb);
	ret = ret ?: addfb_xrgb(c, d[1].handle, 0, &d[1].fb);
	if (!tap_ok(t, !ret, "two 9.8 MB dumb buffers with 640x480 framebuffers (%s)",
		    err_name(ret)))
		goto out;
	/* what came before: drained */
	while (!crc_next_within(c->crc_fd, 0, &frame, &crc))
		;
	for (i = 0; i < REUSE_FLIPS && !ret; i++) {
		struct dumb *b = &d[i % 2];

		memset(b->p, 0x10 + 9 * i, b->size);
		want[i] = vm_crc32(b->p, b->size);
		ret = kms_flip(c, b->fb);
		seqs[i] = c->seq;
		while (n < REUSE_ENTRIES &&
		       !crc_next_within(c->crc_fd, 0, &frames[n], &crcs[n]))
			n++;
	}
	if (!tap_ok(t, !ret, "%d page flips, each buffer rewritten as soon as the flip away from it completed (%s)",
		    REUSE_FLIPS, err_name(ret)))
		goto back;
	/* the last frame's entries, up to two vblanks after its flip */
	while (n < REUSE_ENTRIES) {
		ret = crc_next(c->crc_fd, &frames[n], &crcs[n]);
		if (ret || frames[n++] >= seqs[REUSE_FLIPS - 1] + 2)
			break;
	}
	for (i = 0; i < n; i++) {
		if (frames[i] < seqs[0])
			continue;
		for (j = 0; j + 1 < REUSE_FLIPS && seqs[j + 1] <= frames[i]; j++)
			;
		if (crcs[i] == want[j])
			continue;
		bad++;
		for (j = 0; j < REUSE_FLIPS && crcs[i] != want[j]; j++)
			;
		if (j == REUSE_FLIPS)
			torn++;
		else
			late++;
		if (bad <= 4)
			tap_diag("frame %" PRIu64 ": CRC 0x%08x%s", frames[i],
				 crcs[i], j == REUSE_FLIPS ?
				 ", of no frame put up whole" :
				 ", of another frame than the one latched");
	}
	tap_diag("%u CRC entries over flips at frames %" PRIu64 "..%" PRIu64,
		 n, seqs[0], seqs[REUSE_FLIPS - 1]);
	tap_ok(t, !ret && !bad,
	       "every CRC entry is that of the whole frame latched at its vblank (%u torn, %u of another frame; %s)",
	       torn, late, err_name(ret));
back:
	kms_flip(c, back_fb);
out:
	dumb_free(c, &d[0]);
	dumb_free(c, &d[1]);
}

/*
 * The attack the whole-frame rule stops: a 16x16 framebuffer at a chosen
 * offset into the protected buffer @handle, shown with SETPLANE, must
 * report the CRC of the whole buffer (@whole), not of its 16x16 window.
 * Restores the full-screen framebuffer afterwards (SETCRTC).
 */
static void test_window(struct ctx *c, struct tap *t, uint32_t handle,
			uint32_t whole)
{
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES,
					  .value = 1 };
	struct drm_mode_get_plane_res pr = { 0 };
	struct drm_mode_set_plane sp = { 0 };
	struct drm_mode_crtc gc = { .crtc_id = c->crtc };
	uint32_t planes[4], fb = 0, got = 0;
	uint32_t handles[4] = { handle }, pitches[4] = { PITCH };
	uint32_t offsets[4] = { PITCH * 200 + 4 * 300 };
	union drm_wait_vblank wv;
	int ret;

	pr.plane_id_ptr = (uintptr_t)planes;
	pr.count_planes = 4;
	ret = xioctl(c->drm, DRM_IOCTL_SET_CLIENT_CAP, &cap);
	ret = ret ?: xioctl(c->drm, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr);
	ret = ret ?: xioctl(c->drm, DRM_IOCTL_MODE_GETCRTC, &gc);
	ret = ret ?: pr.count_planes == 1 ? 0 : -ENODEV;
	ret = ret ?: addfb2(c, 16, 16, DRM_FORMAT_XRGB8888, handles, pitches,
			    offsets, &fb);
	if (!tap_ok(t, !ret, "a 16x16 framebuffer at an offset into the protected buffer (%s)",
		    err_name(ret)))
		goto out;
	sp.plane_id = planes[0];
	sp.crtc_id = c->crtc;
	sp.fb_id = fb;
	sp.crtc_w = 16;
	sp.crtc_h = 16;
	sp.src_w = 16 << 16;
	sp.src_h = 16 << 16;
	ret = xioctl(c->drm, DRM_IOCTL_MODE_SETPLANE, &sp);
	memset(&wv, 0, sizeof(wv));
	wv.request.type = _DRM_VBLANK_RELATIVE;
	wv.request.sequence = 1;
	ret = ret ?: xioctl(c->drm, DRM_IOCTL_WAIT_VBLANK, &wv);
	if (!ret) {
		c->seq = wv.reply.sequence;
		ret = crc_expect(c, whole, CRC_FRAMES, &got);
	}
	tap_ok(t, !ret,
	       "shown with SETPLANE, it reports the whole buffer's CRC 0x%08x, not its window's (0x%08x; %s)",
	       whole, got, err_name(ret));
	kms_set_wait(c, gc.fb_id);
out:
	rmfb(c, fb);
}

/* PRIME import of a fresh @heap buffer of FRAME bytes */
static int import_new(struct ctx *c, const char *heap, int *dmabuf,
		      uint32_t *handle)
{
	*handle = 0;
	*dmabuf = pm_heap_alloc_path(heap, FRAME);
	if (*dmabuf < 0)
		return *dmabuf;
	return prime_import(c, *dmabuf, handle);
}

static void test_protected(struct ctx *c, struct tap *t, int vdec)
{
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES] = { 0 };
	struct drm_mode_map_dumb md = { 0 };
	uint32_t hv = 0, hu = 0, hr = 0, fbv = 0, fbu = 0;
	int sv = -1, ui = -1, rec = -1, ret;
	uint8_t *frame = calloc(1, FRAME);
	void *p;

	if (!frame)
		return;
	ret = import_new(c, pm_use_case(0)->heap, &sv, &hv);
	tap_ok(t, !ret, "PRIME import of a secure-video buffer (%s)",
	       err_name(ret));
	ret = ret ?: addfb_xrgb(c, hv, 0, &fbv);
	tap_ok(t, !ret, "AddFB2 on the imported protected buffer (%s)",
	       err_name(ret));

	/* vdec writes the frame into it; a dumb buffer gets the same bytes */
	fill_bands(frame, FRAME, 0x42);
	if (vdec < 0) {
		tap_skip(t, "no /dev/vdec", "a protected frame written by vdec");
	} else if (fbv) {
		ret = decode_into(vdec, sv, frame);
		if (tap_ok(t, !ret, "vdec decodes a frame into the protected buffer (%s)",
			   err_name(ret))) {
			show_crc(c, t, fbv, 0, vm_crc32(frame, FRAME),
				 "flip to the protected frame: the CRC of the same bytes in a dumb buffer");
			test_window(c, t, hv, vm_crc32(frame, FRAME));
		}
	}

	ret = import_new(c, pm_use_case(1)->heap, &ui, &hu);
	tap_ok(t, !ret, "PRIME import of a trusted-ui buffer (%s)",
	       err_name(ret));
	ret = ret ?: addfb_xrgb(c, hu, 0, &fbu);
	if (!ret) {
		memset(frame, 0, FRAME);
		show_crc(c, t, fbu, 0, vm_crc32(frame, FRAME),
			 "a fresh trusted-ui buffer shows the CRC of zeros");
	}

	vm_violations(before);
	ret = import_new(c, pm_use_case(2)->heap, &rec, &hr);
	vm_violations(after);
	tap_ok(t, ret == -EPERM,
	       "PRIME import of a secure-video-record buffer fails with EPERM (%s)",
	       err_name(ret));
	tap_ok(t, after[2] == before[2] + 1,
	       "the refused import is counted as a secure-video-record violation");

	md.handle = hv;
	ret = hv ? xioctl(c->drm, DRM_IOCTL_MODE_MAP_DUMB, &md) : -ENOENT;
	tap_ok(t, ret == -EINVAL,
	       "MAP_DUMB of the imported protected buffer fails (%s)",
	       err_name(ret));
	p = sv >= 0 ? mmap(NULL, FRAME, PROT_READ, MAP_SHARED, sv, 0) : MAP_FAILED;
	tap_ok(t, p == MAP_FAILED, "mmap of the protected DMA-buf fails (%s)",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, FRAME);

	/* Leave a protected frame on screen and its buffers imported */
	if (fbv)
		kms_flip(c, fbv);
	if (sv >= 0)
		close(sv);
	if (ui >= 0)
		close(ui);
	if (rec >= 0)
		close(rec);
	rmfb(c, fbu);
	gem_close(c, hu);
	gem_close(c, hr);
	free(frame);
}

int main(void)
{
	struct ctx c = { .drm = -1, .crc_fd = -1 };
	struct dumb shown = { 0 };
	int loaded, vm_loaded_here = 0, vdec = -1, km, ret, reports;
	char first[256];
	struct tap t;

	tap_init(&t);
	pm_rng_init(&c.rng, pm_seed());
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "vtee_kms");
		return tap_done(&t);
	}
	km = km_open();
	loaded = vm_mod_load(KMS_MOD);
	if (!tap_ok(&t, loaded >= 0, "vtee_kms loads (%s)",
		    err_name(loaded < 0 ? loaded : 0)))
		return tap_done(&t);
	ret = vm_load();
	vm_loaded_here = ret > 0;
	vdec = ret >= 0 ? vm_open("vdec") : ret;
	c.drm = drm_card_open(KMS_DRIVER, &c.card);
	if (!tap_ok(&t, c.drm >= 0, "a DRM card with driver vtee_kms (%s)",
		    err_name(c.drm < 0 ? c.drm : 0)))
		goto out;
	tap_diag("vtee_kms is card%d", c.card);
	if (kms_probe(&c, &t))
		goto out;

	test_dumb(&c, &t, &shown);
	if (c.crc_fd >= 0)
		test_reuse(&c, &t, shown.fb);
	if (c.crc_fd >= 0)
		test_protected(&c, &t, vdec);
	dumb_free(&c, &shown);

out:
	if (c.crc_fd >= 0)
		close(c.crc_fd);
	if (c.drm >= 0)
		close(c.drm);
	if (vdec >= 0)
		close(vdec);
	if (vm_loaded_here)
		vm_unload();
	if (loaded > 0) {
		ret = vm_mod_unload(KMS_MOD);
		tap_ok(&t, ret == 0,
		       "vtee_kms unloads after a session that showed and imported protected buffers (%s)",
		       err_name(ret));
	}
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every protected pool is free and clean afterwards");
	if (km >= 0) {
		reports = km_scan(km, km_reports, first, sizeof(first));
		tap_ok(&t, reports == 0, "no kernel warning during the test%s%s",
		       reports > 0 ? ": " : "", reports > 0 ? first : "");
		close(km);
	}
	return tap_done(&t);
}
