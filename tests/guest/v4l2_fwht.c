// SPDX-License-Identifier: GPL-2.0
/*
 * v4l2_fwht - the emulated decoder (vdec_m2m) as a V4L2 stateful FWHT
 * decoder, driven by the protocol of dev-decoder.rst, against vicodec's
 * own decoder as the reference:
 *  - default formats before any bitstream (FWHT, NV12 256x256, sizeimage
 *    exactly the planes), V4L2_CID_MIN_BUFFERS_FOR_CAPTURE;
 *  - a stream made by vicodec's encoder in the guest (I- and P-frames,
 *    then a second resolution) is decoded into protected MMAP CAPTURE
 *    buffers: V4L2_EVENT_SOURCE_CHANGE on the first header and on the
 *    resolution change (an empty V4L2_BUF_FLAG_LAST buffer ends the old
 *    one), G_SELECTION gives the visible size;
 *  - each decoded frame is exported (EXPBUF: a protected DMA-buf whose
 *    mmap fails, as mmap of the V4L2 buffer does) and scanned out by vdisp
 *    (whole buffer): its CRC equals the CRC of the same frame decoded in
 *    the clear by vicodec (mapped, zero-padded to the buffer's size);
 *  - V4L2_DEC_CMD_STOP drains: the last frame carries V4L2_BUF_FLAG_LAST,
 *    then DQBUF fails with EPIPE;
 *  - an XR24 (RGB) stream decodes into XR24 frames of bytesperline
 *    width*4, CRC-equal to vicodec's;
 *  - a protected bitstream (SDP TA) decodes to the same frame, its size
 *    from the OUTPUT format; a clear P-frame on its reference is refused;
 *  - refusals: a malformed header comes back as error buffers and writes
 *    nothing, with no kernel warning; a trusted-ui CAPTURE buffer is
 *    refused at QBUF (EPERM); violations do not move for a clean stream.
 *
 * Loads vicodec, vdec_m2m and vmedia (for vdisp) if needed and unloads
 * what it loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/videodev2.h>
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
#include "vmedia_ref.h"
#include "vmedia_test.h"

/* vicodec's sizes start at 640x360 */
#define W1		640
#define H1		480
#define N1		12	/* GOP 10: I, 9 P, I, P */
#define W2		720
#define H2		576
#define N2		4
#define NFRAMES		(N1 + N2)
#define NXR		4	/* XR24 frames: I, P, P, P */
#define NCAP		2
#define BS_MAX		(W2 * H2 * 2)
#define WAIT_MS		10000

struct bitstream {
	uint32_t w, h, len;
	uint8_t *data;
};

/* One decoded frame: its bytes (clear decode) or its CRC (protected) */
struct decoded {
	uint32_t w, h, flags, bytesused;
	size_t size;		/* the CAPTURE plane's sizeimage */
	uint8_t *data;		/* clear: a copy of the frame */
	uint32_t crc;		/* protected: vdisp's whole-buffer CRC */
	uint64_t buf_size;	/* protected: the DMA-buf's size */
};

struct dec {
	int fd, disp;
	uint32_t fourcc;	/* the CAPTURE format to ask for */
	int protected_cap;	/* ours: EXPBUF + scan-out, else mmap */
	struct v4l2_format cap;
	uint8_t *out_map;
	size_t out_len;
	unsigned int ncap;
	void *cap_map[NCAP];
	size_t cap_len[NCAP];
	int cap_fd[NCAP];
	int mmap_refused, expbuf_mmap_refused, src_changes, last_seen;
	int drained;		/* the drain ended with a LAST buffer */
	uint32_t sel_w, sel_h;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static const char *err_name(int err)
{
	return err ? strerror(err < 0 ? -err : err) : "success";
}

/* Wait for @fd to be readable (POLLIN) or have an event (POLLPRI) */
static int wait_fd(int fd, short what)
{
	struct pollfd p = { .fd = fd, .events = what };
	int n = poll(&p, 1, WAIT_MS);

	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/* DQBUF of @type and @memory, waiting up to WAIT_MS; 0 or -errno */
static int dq_mem(int fd, uint32_t type, uint32_t memory, struct v4l2_buffer *b)
{
	uint64_t end = pm_now_ms() + WAIT_MS;
	int ret;

	for (;;) {
		memset(b, 0, sizeof(*b));
		b->type = type;
		b->memory = memory;
		ret = xioctl(fd, VIDIOC_DQBUF, b);
		if (ret != -EAGAIN || pm_now_ms() >= end)
			return ret;
		pm_sleep_ms(2);
	}
}

static int dq(int fd, uint32_t type, struct v4l2_buffer *b)
{
	return dq_mem(fd, type, V4L2_MEMORY_MMAP, b);
}

static int q_mmap(int fd, uint32_t type, uint32_t index, uint32_t used)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	b.bytesused = used;
	b.field = V4L2_FIELD_NONE;
	return xioctl(fd, VIDIOC_QBUF, &b);
}

static int reqbufs(int fd, uint32_t type, uint32_t count)
{
	struct v4l2_requestbuffers rb;

	memset(&rb, 0, sizeof(rb));
	rb.type = type;
	rb.memory = V4L2_MEMORY_MMAP;
	rb.count = count;
	return xioctl(fd, VIDIOC_REQBUFS, &rb) ?: (int)rb.count;
}

static int stream(int fd, uint32_t type, int on)
{
	int t = (int)type;

	return xioctl(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &t);
}

static int set_fmt(int fd, uint32_t type, uint32_t fourcc, uint32_t w,
		   uint32_t h, uint32_t sizeimage, struct v4l2_format *f)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->fmt.pix.pixelformat = fourcc;
	f->fmt.pix.width = w;
	f->fmt.pix.height = h;
	f->fmt.pix.sizeimage = sizeimage;
	return xioctl(fd, VIDIOC_S_FMT, f);
}

/* Map buffer @index of @type; NULL on failure, errno in *@err */
static void *map_buf(int fd, uint32_t type, uint32_t index, size_t *len,
		     int *err)
{
	struct v4l2_buffer b;
	void *p;

	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	*err = xioctl(fd, VIDIOC_QUERYBUF, &b);
	if (*err)
		return NULL;
	*len = b.length;
	p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 b.m.offset);
	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	return p;
}

/* ---- the stream: vicodec's encoder ------------------------------------ */

/* A moving picture: frame @n of a w x h NV12 sequence */
static void make_nv12(uint8_t *p, uint32_t w, uint32_t h, unsigned int n)
{
	uint32_t x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			p[y * w + x] = (uint8_t)(x + 2 * y + 4 * n +
						 ((x / 16 + y / 16 + n) % 4) * 32);
	p += w * h;
	for (y = 0; y < h / 2; y++)
		for (x = 0; x < w; x += 2) {
			p[y * w + x] = (uint8_t)(128 + x / 4 - n);
			p[y * w + x + 1] = (uint8_t)(96 + y + n);
		}
}

/* The same picture as XR24: B, G, R, X */
static void make_xr24(uint8_t *p, uint32_t w, uint32_t h, unsigned int n)
{
	uint32_t x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++, p += 4) {
			p[0] = (uint8_t)(x + 3 * n);
			p[1] = (uint8_t)(y + ((x / 32 + n) % 2) * 64);
			p[2] = (uint8_t)(x + y - 5 * n);
			p[3] = 0;
		}
}

/*
 * Encode @count frames of w x h, NV12 or XR24 (@fourcc), with vicodec into
 * @bs; 0 or -errno
 */
static int encode(const char *node, uint32_t fourcc, uint32_t w, uint32_t h,
		  unsigned int count, struct bitstream *bs)
{
	struct v4l2_format fo, fc;
	struct v4l2_buffer b;
	uint8_t *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	unsigned int i;
	int fd, ret;

	fd = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = set_fmt(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, fourcc, w, h, 0, &fo);
	ret = ret ?: set_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_PIX_FMT_FWHT,
			     w, h, 0, &fc);
	if (!ret && reqbufs(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1) < 1)
		ret = -ENOMEM;
	if (!ret && reqbufs(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 1) < 1)
		ret = -ENOMEM;
	if (!ret)
		in = map_buf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, &in_len, &ret);
	if (!ret)
		out = map_buf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0, &out_len, &ret);
	ret = ret ?: stream(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1);
	ret = ret ?: stream(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 1);
	tap_diag("encoder: OUTPUT %ux%u sizeimage %u, CAPTURE %ux%u sizeimage %u",
		 fo.fmt.pix.width, fo.fmt.pix.height, fo.fmt.pix.sizeimage,
		 fc.fmt.pix.width, fc.fmt.pix.height, fc.fmt.pix.sizeimage);
	for (i = 0; !ret && i < count; i++) {
		if (fourcc == V4L2_PIX_FMT_XBGR32)
			make_xr24(in, w, h, i);
		else
			make_nv12(in, w, h, i);
		ret = q_mmap(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
			     fo.fmt.pix.sizeimage);
		ret = ret ?: q_mmap(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0, 0);
		ret = ret ?: dq(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
		if (!ret && (b.bytesused > BS_MAX || !b.bytesused))
			ret = -EMSGSIZE;
		if (!ret) {
			bs[i].w = w;
			bs[i].h = h;
			bs[i].len = b.bytesused;
			bs[i].data = malloc(b.bytesused);
			if (!bs[i].data)
				ret = -ENOMEM;
			else
				memcpy(bs[i].data, out, b.bytesused);
			if (!ret && !i)
				tap_diag("frame 0: %u bytes, header %ux%u",
					 b.bytesused, pm_be32(out + 16),
					 pm_be32(out + 20));
		}
		ret = ret ?: dq(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &b);
	}
	if (in)
		munmap(in, in_len);
	if (out)
		munmap(out, out_len);
	close(fd);
	return ret;
}

/* ---- a stateful decoder session (vicodec's or ours) ------------------- */

static void dec_release_cap(struct dec *d)
{
	unsigned int i;

	for (i = 0; i < d->ncap; i++) {
		if (d->cap_map[i])
			munmap(d->cap_map[i], d->cap_len[i]);
		if (d->cap_fd[i] >= 0)
			close(d->cap_fd[i]);
		d->cap_map[i] = NULL;
		d->cap_fd[i] = -1;
	}
	d->ncap = 0;
}

/* After SOURCE_CHANGE: G_FMT, allocate, export or map, queue, STREAMON */
static int dec_setup_cap(struct dec *d)
{
	struct v4l2_selection sel;
	struct v4l2_exportbuffer e;
	int ret, n, err;
	unsigned int i;
	size_t len;

	memset(&d->cap, 0, sizeof(d->cap));
	d->cap.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ret = xioctl(d->fd, VIDIOC_G_FMT, &d->cap);
	/* Both decoders in the same format (vicodec picks YUV420 first) */
	d->cap.fmt.pix.pixelformat = d->fourcc;
	ret = ret ?: xioctl(d->fd, VIDIOC_S_FMT, &d->cap);
	if (!ret && d->cap.fmt.pix.pixelformat != d->fourcc)
		ret = -EINVAL;
	if (ret)
		return ret;
	memset(&sel, 0, sizeof(sel));
	sel.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	sel.target = V4L2_SEL_TGT_COMPOSE;
	if (!xioctl(d->fd, VIDIOC_G_SELECTION, &sel)) {
		d->sel_w = sel.r.width;
		d->sel_h = sel.r.height;
	}
	tap_diag("%s CAPTURE: %.4s %ux%u, bytesperline %u, sizeimage %u, visible %ux%u",
		 d->protected_cap ? "vdec-m2m" : "vicodec",
		 (const char *)&d->cap.fmt.pix.pixelformat, d->cap.fmt.pix.width,
		 d->cap.fmt.pix.height, d->cap.fmt.pix.bytesperline,
		 d->cap.fmt.pix.sizeimage, d->sel_w, d->sel_h);
	n = reqbufs(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, NCAP);
	if (n < 0)
		return n;
	d->ncap = n > NCAP ? NCAP : (unsigned int)n;
	for (i = 0; i < d->ncap; i++) {
		d->cap_fd[i] = -1;
		d->cap_map[i] = NULL;
		if (d->protected_cap) {
			/* mmap of the V4L2 buffer is refused */
			void *p = map_buf(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, i,
					  &len, &err);

			if (p) {
				munmap(p, len);
			} else if (err == -EPERM) {
				d->mmap_refused++;
			}
			memset(&e, 0, sizeof(e));
			e.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			e.index = i;
			e.flags = O_RDWR | O_CLOEXEC;
			ret = xioctl(d->fd, VIDIOC_EXPBUF, &e);
			if (ret)
				return ret;
			d->cap_fd[i] = e.fd;
			if (pm_try_mmap(e.fd, 4096) == -EPERM)
				d->expbuf_mmap_refused++;
		} else {
			d->cap_map[i] = map_buf(d->fd,
						V4L2_BUF_TYPE_VIDEO_CAPTURE, i,
						&d->cap_len[i], &ret);
			if (!d->cap_map[i])
				return ret;
		}
		ret = q_mmap(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, i, 0);
		if (ret)
			return ret;
	}
	return stream(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 1);
}

static int dec_event(struct dec *d, uint32_t *type)
{
	struct v4l2_event ev;
	int ret;

	ret = wait_fd(d->fd, POLLPRI);
	memset(&ev, 0, sizeof(ev));
	ret = ret ?: xioctl(d->fd, VIDIOC_DQEVENT, &ev);
	*type = ev.type;
	return ret;
}

/* Record CAPTURE buffer @b: copy (clear) or scan out (protected) */
static int dec_record(struct dec *d, const struct v4l2_buffer *b,
		      struct decoded *out)
{
	int64_t sz;
	int ret = 0;

	out->w = d->cap.fmt.pix.width;
	out->h = d->cap.fmt.pix.height;
	out->flags = b->flags;
	out->bytesused = b->bytesused;
	out->size = d->cap.fmt.pix.sizeimage;
	if (d->protected_cap) {
		sz = pm_dmabuf_size(d->cap_fd[b->index]);
		out->buf_size = sz > 0 ? (uint64_t)sz : 0;
		ret = vm_scanout(d->disp, d->cap_fd[b->index], out->size,
				 &out->crc, NULL);
	} else {
		out->data = malloc(out->size);
		if (!out->data)
			return -ENOMEM;
		memcpy(out->data, d->cap_map[b->index], out->size);
	}
	return ret;
}

/*
 * Decode @n bitstreams through the node @node, following dev-decoder.rst
 * (initialization, resolution change, drain); one result per frame in
 * @res. 0 or -errno.
 */
static int decode_all(struct dec *d, const char *node,
		      const struct bitstream *bs, unsigned int n,
		      struct decoded *res)
{
	struct v4l2_event_subscription sub;
	struct v4l2_decoder_cmd cmd;
	struct v4l2_format fo;
	struct v4l2_buffer b;
	unsigned int next = 0, got = 0;
	uint32_t ev;
	int ret;

	d->fd = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	memset(&sub, 0, sizeof(sub));
	sub.type = V4L2_EVENT_SOURCE_CHANGE;
	ret = xioctl(d->fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
	sub.type = V4L2_EVENT_EOS;
	ret = ret ?: xioctl(d->fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
	ret = ret ?: set_fmt(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			     V4L2_PIX_FMT_FWHT, bs[0].w, bs[0].h, BS_MAX, &fo);
	if (!ret && reqbufs(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1) < 1)
		ret = -ENOMEM;
	if (!ret)
		d->out_map = map_buf(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				     &d->out_len, &ret);
	if (ret)
		return ret;

	/* Initialization: the first header tells the format */
	memcpy(d->out_map, bs[0].data, bs[0].len);
	ret = q_mmap(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, bs[0].len);
	next = 1;
	ret = ret ?: stream(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1);
	ret = ret ?: dec_event(d, &ev);
	if (ret)
		return ret;
	if (ev != V4L2_EVENT_SOURCE_CHANGE)
		return -EPROTO;
	d->src_changes++;
	ret = dec_setup_cap(d);
	if (ret)
		return ret;

	while (!d->drained) {
		ret = dq(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
		if (ret)
			return ret;
		if (b.flags & (V4L2_BUF_FLAG_LAST | V4L2_BUF_FLAG_ERROR))
			tap_diag("frame %u: flags %#x, bytesused %u", got, b.flags,
				 b.bytesused);
		if ((b.flags & V4L2_BUF_FLAG_LAST) && !b.bytesused &&
		    next == n && !(b.flags & V4L2_BUF_FLAG_ERROR)) {
			/* Drained after the last frame: an empty LAST */
			d->drained = 1;
			break;
		}
		if ((b.flags & V4L2_BUF_FLAG_LAST) && !b.bytesused) {
			/* Resolution change: the event, then a new CAPTURE */
			d->last_seen++;
			ret = dec_event(d, &ev);
			if (ret)
				return ret;
			if (ev != V4L2_EVENT_SOURCE_CHANGE)
				return -EPROTO;
			d->src_changes++;
			ret = stream(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0);
			dec_release_cap(d);
			if (!ret && reqbufs(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE,
					    0) < 0)
				ret = -EIO;
			ret = ret ?: dec_setup_cap(d);
			if (ret)
				return ret;
			continue;
		}
		ret = dec_record(d, &b, &res[got]);
		if (ret)
			return ret;
		got++;
		if (b.flags & V4L2_BUF_FLAG_LAST) {
			d->drained = 1;
			break;
		}
		ret = q_mmap(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, b.index, 0);
		if (ret)
			return ret;
		/* The OUTPUT buffer is back: the next bitstream */
		if (next < n) {
			ret = dq(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &b);
			if (ret)
				return ret;
			memcpy(d->out_map, bs[next].data, bs[next].len);
			ret = q_mmap(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				     bs[next].len);
			if (ret)
				return ret;
			if (++next == n) {
				/* Drain: stop after the last bitstream */
				memset(&cmd, 0, sizeof(cmd));
				cmd.cmd = V4L2_DEC_CMD_STOP;
				ret = xioctl(d->fd, VIDIOC_DECODER_CMD, &cmd);
				if (ret)
					return ret;
			}
		}
	}
	if (got != n)
		return -EPROTO;
	/* After the LAST buffer: EPIPE */
	ret = dq(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
	return ret == -EPIPE ? 0 : -EPROTO;
}

static void dec_close(struct dec *d)
{
	dec_release_cap(d);
	if (d->out_map)
		munmap(d->out_map, d->out_len);
	if (d->fd >= 0) {
		stream(d->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0);
		stream(d->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0);
		close(d->fd);
	}
	d->fd = -1;
	d->out_map = NULL;
}

/* ---- tests -------------------------------------------------------------- */

static void test_defaults(struct tap *t, const char *node)
{
	struct v4l2_control ctrl = { .id = V4L2_CID_MIN_BUFFERS_FOR_CAPTURE };
	struct v4l2_format fo, fc;
	int fd, ret;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (!tap_ok(t, fd >= 0, "open %s", node))
		return;
	memset(&fo, 0, sizeof(fo));
	fo.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	memset(&fc, 0, sizeof(fc));
	fc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ret = xioctl(fd, VIDIOC_G_FMT, &fo) ?: xioctl(fd, VIDIOC_G_FMT, &fc);
	tap_ok(t, !ret && fo.fmt.pix.pixelformat == V4L2_PIX_FMT_FWHT,
	       "default OUTPUT format is FWHT");
	tap_ok(t, !ret && fc.fmt.pix.pixelformat == V4L2_PIX_FMT_NV12 &&
	       fc.fmt.pix.width == 256 && fc.fmt.pix.height == 256 &&
	       fc.fmt.pix.bytesperline == 256 &&
	       fc.fmt.pix.sizeimage == 256 * 256 * 3 / 2,
	       "default CAPTURE format: NV12 256x256, bytesperline 256, sizeimage %u = 256*256*3/2",
	       fc.fmt.pix.sizeimage);
	fc.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32;
	ret = xioctl(fd, VIDIOC_TRY_FMT, &fc);
	tap_ok(t, !ret && fc.fmt.pix.pixelformat == V4L2_PIX_FMT_XBGR32 &&
	       fc.fmt.pix.bytesperline == 256 * 4 &&
	       fc.fmt.pix.sizeimage == 256 * 256 * 4,
	       "TRY_FMT XR24: bytesperline width*4, sizeimage bytesperline*height, no padding");
	ret = xioctl(fd, VIDIOC_G_CTRL, &ctrl);
	tap_ok(t, !ret && ctrl.value >= 1,
	       "V4L2_CID_MIN_BUFFERS_FOR_CAPTURE is %d (%s)", ctrl.value,
	       err_name(ret));
	close(fd);
}

static int crc_padded(const struct decoded *clear, uint64_t size,
		      uint32_t *crc)
{
	uint8_t *p = calloc(1, size);

	if (!p || size < clear->size) {
		free(p);
		return -ENOMEM;
	}
	memcpy(p, clear->data, clear->size);
	*crc = vm_crc32(p, size);
	free(p);
	return 0;
}

static void test_stream(struct tap *t, const char *ours, const char *vdec,
			int disp, const struct bitstream *bs, uint32_t *crc0)
{
	static struct decoded mine[NFRAMES], ref[NFRAMES];
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES];
	struct dec dm = { .fd = -1, .disp = disp, .protected_cap = 1,
			  .fourcc = V4L2_PIX_FMT_NV12 };
	struct dec dv = { .fd = -1, .disp = disp, .fourcc = V4L2_PIX_FMT_NV12 };
	unsigned int i, equal = 0, whole = 0;
	uint32_t want;
	int ret, same;

	memset(mine, 0, sizeof(mine));
	memset(ref, 0, sizeof(ref));
	ret = decode_all(&dv, vdec, bs, NFRAMES, ref);
	dec_close(&dv);
	if (!tap_ok(t, ret == 0, "vicodec decodes the %d frames in the clear (%s)",
		    NFRAMES, err_name(ret)))
		return;

	vm_violations(before);
	ret = decode_all(&dm, ours, bs, NFRAMES, mine);
	tap_ok(t, ret == 0,
	       "vdec-m2m decodes the %d frames into protected buffers: SOURCE_CHANGE, resolution change, drain with LAST then EPIPE (%s)",
	       NFRAMES, err_name(ret));
	tap_ok(t, dm.src_changes == 2 && dm.last_seen == 1,
	       "SOURCE_CHANGE on the first header and on the change to %dx%d (%d events, %d empty LAST buffers)",
	       W2, H2, dm.src_changes, dm.last_seen);
	tap_ok(t, dm.sel_w == W2 && dm.sel_h == H2,
	       "G_SELECTION COMPOSE gives the visible size %ux%u", dm.sel_w,
	       dm.sel_h);
	tap_ok(t, dm.mmap_refused == 2 * NCAP,
	       "mmap of a protected CAPTURE buffer fails with EPERM (%d of %d)",
	       dm.mmap_refused, 2 * NCAP);
	tap_ok(t, dm.expbuf_mmap_refused == 2 * NCAP,
	       "EXPBUF gives the protected DMA-buf: its mmap fails with EPERM (%d of %d)",
	       dm.expbuf_mmap_refused, 2 * NCAP);
	dec_close(&dm);
	for (i = 0; i < NFRAMES; i++) {
		whole += mine[i].bytesused == mine[i].size &&
			 mine[i].size == (i < N1 ? W1 * H1 * 3 / 2 :
						   W2 * H2 * 3 / 2);
		if (!ref[i].data || !mine[i].buf_size ||
		    crc_padded(&ref[i], mine[i].buf_size, &want))
			continue;
		if (mine[i].crc == want)
			equal++;
		else
			tap_diag("frame %u: vdisp CRC %#x, clear decode %#x", i,
				 mine[i].crc, want);
	}
	tap_ok(t, whole == NFRAMES,
	       "every frame: bytesused = sizeimage = width*height*3/2 (%u of %d)",
	       whole, NFRAMES);
	tap_ok(t, equal == NFRAMES,
	       "vdisp's CRC of every protected frame equals vicodec's clear decode (%u of %d)",
	       equal, NFRAMES);
	*crc0 = mine[0].crc;
	tap_ok(t, dm.drained,
	       "V4L2_DEC_CMD_STOP after the last bitstream: a buffer with V4L2_BUF_FLAG_LAST ends the stream");
	vm_violations(after);
	for (same = 1, i = 0; i < PM_NUM_USE_CASES; i++)
		same &= after[i] == before[i];
	tap_ok(t, same, "a clean stream: violations unchanged");
	for (i = 0; i < NFRAMES; i++)
		free(ref[i].data);
}

/* Copy @bs into protected buffer @pb with the SDP TA; 0 or -errno */
static int inject(int tee, uint32_t sdp, struct pm_shm *nrm,
		  const struct pm_prot *pb, const struct bitstream *bs)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	if (bs->len > nrm->size)
		return -ENOSPC;
	memcpy(nrm->p, bs->data, bs->len);
	p[0] = pm_p_memref(PM_MR_IN, nrm->id, 0, bs->len);
	p[1] = pm_p_memref(PM_MR_OUT, pb->id, 0, bs->len);
	r = pm_invoke(tee, sdp, PM_SDP_INJECT, p, 2);
	if (!pm_res_ok(&r))
		pm_diag_res("INJECT", &r);
	return pm_res_ok(&r) ? 0 : -EIO;
}

/*
 * A protected bitstream (an I-frame put into secure-video memory by the
 * SDP TA): the driver cannot read its header, the OUTPUT format gives
 * the size; it decodes into the same frame as the clear one. Then a
 * clear P-frame (system heap) on that reference is refused: it would
 * mix the caller's bytes with protected content.
 */
static void test_protected_bitstream(struct tap *t, const char *ours, int disp,
				     const struct bitstream *bs, uint32_t crc0)
{
	uint64_t before[PM_NUM_USE_CASES] = { 0 }, after[PM_NUM_USE_CASES];
	struct dec d = { .fd = -1, .disp = disp, .protected_cap = 1,
			 .fourcc = V4L2_PIX_FMT_NV12 };
	struct pm_shm nrm = { .fd = -1 };
	struct pm_prot pb = { -1, -1, 0, 0 };
	struct v4l2_event_subscription sub;
	struct v4l2_requestbuffers rb;
	struct decoded fr = { 0 };
	/* One system-heap chunk (contiguous), above the OUTPUT sizeimage */
	size_t sys_len = 1 << 20;
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct v4l2_format fo;
	struct v4l2_buffer b;
	int tee, sys = -1, ret;
	uint8_t *sp = MAP_FAILED;
	uint32_t sdp = 0, ev;
	struct pm_res r;

	tee = pm_tee_open();
	ret = tee < 0 ? tee : pm_shm_new(tee, BS_MAX, &nrm);
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	if (!ret) {
		r = pm_open_public(tee, uuid, &sdp);
		ret = pm_res_ok(&r) ? 0 : -EIO;
	}
	ret = ret ?: pm_prot_new(tee, pm_use_case(0)->heap, BS_MAX, &pb);
	ret = ret ?: inject(tee, sdp, &nrm, &pb, &bs[0]);
	sys = pm_heap_alloc_path(PM_SYS_HEAP, sys_len);
	if (sys >= 0)
		sp = mmap(NULL, sys_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			  sys, 0);
	if (!tap_ok(t, !ret && sp != MAP_FAILED,
		    "protected bitstream: the I-frame in secure-video memory (SDP INJECT), a P-frame in the system heap (%s)",
		    err_name(ret)))
		goto out;
	memcpy(sp, bs[1].data, bs[1].len);

	d.fd = open(ours, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ret = d.fd < 0 ? -errno : 0;
	memset(&sub, 0, sizeof(sub));
	sub.type = V4L2_EVENT_SOURCE_CHANGE;
	ret = ret ?: xioctl(d.fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
	ret = ret ?: set_fmt(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			     V4L2_PIX_FMT_FWHT, W1, H1, BS_MAX, &fo);
	memset(&rb, 0, sizeof(rb));
	rb.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	rb.memory = V4L2_MEMORY_DMABUF;
	rb.count = 1;
	ret = ret ?: xioctl(d.fd, VIDIOC_REQBUFS, &rb);
	ret = ret ?: vm_qbuf_dmabuf(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				    pb.dmabuf, bs[0].len);
	ret = ret ?: stream(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1);
	ret = ret ?: dec_event(&d, &ev);
	if (!ret && ev != V4L2_EVENT_SOURCE_CHANGE)
		ret = -EPROTO;
	ret = ret ?: dec_setup_cap(&d);
	tap_ok(t, ret == 0 && d.cap.fmt.pix.width == W1 &&
	       d.cap.fmt.pix.height == H1,
	       "protected bitstream: SOURCE_CHANGE, CAPTURE %ux%u from the OUTPUT format (%s)",
	       d.cap.fmt.pix.width, d.cap.fmt.pix.height, err_name(ret));
	ret = ret ?: dq(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
	ret = ret ?: dec_record(&d, &b, &fr);
	tap_ok(t, ret == 0 && !(b.flags & V4L2_BUF_FLAG_ERROR) &&
	       b.bytesused == d.cap.fmt.pix.sizeimage && fr.crc == crc0,
	       "... decoded in the secure world: bytesused %u = sizeimage, vdisp's CRC %#x is the clear decode's %#x (%s)",
	       b.bytesused, fr.crc, crc0, err_name(ret));
	ret = ret ?: q_mmap(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, b.index, 0);
	ret = ret ?: dq_mem(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			    V4L2_MEMORY_DMABUF, &b);
	if (ret)
		goto out;

	vm_violations(before);
	ret = vm_qbuf_dmabuf(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, sys, bs[1].len);
	ret = ret ?: dq_mem(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			    V4L2_MEMORY_DMABUF, &b);
	ret = ret ?: dq(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
	vm_violations(after);
	tap_ok(t, ret == 0 && (b.flags & V4L2_BUF_FLAG_ERROR) && !b.bytesused &&
	       after[0] == before[0] + 1,
	       "a clear P-frame on the reference of a protected one: refused, error buffers, one secure-video violation (%s, flags %#x)",
	       err_name(ret), b.flags);
out:
	dec_close(&d);
	if (sp != MAP_FAILED)
		munmap(sp, sys_len);
	if (sys >= 0)
		close(sys);
	pm_prot_free(&pb);
	if (sdp)
		pm_close_session(tee, sdp);
	pm_shm_free(&nrm);
	if (tee >= 0)
		close(tee);
}

/* XR24 ('XBGR32', DRM XRGB8888): an RGB stream, decoded as such */
static void test_xr24(struct tap *t, const char *ours, const char *enc,
		      const char *vdec, int disp)
{
	static struct decoded mine[NXR], ref[NXR];
	static struct bitstream bs[NXR];
	struct dec dm = { .fd = -1, .disp = disp, .protected_cap = 1,
			  .fourcc = V4L2_PIX_FMT_XBGR32 };
	struct dec dv = { .fd = -1, .disp = disp,
			  .fourcc = V4L2_PIX_FMT_XBGR32 };
	unsigned int i, equal = 0, whole = 0;
	uint32_t want;
	int ret;

	memset(mine, 0, sizeof(mine));
	memset(ref, 0, sizeof(ref));
	ret = encode(enc, V4L2_PIX_FMT_XBGR32, W1, H1, NXR, bs);
	if (!ret) {
		ret = decode_all(&dv, vdec, bs, NXR, ref);
		dec_close(&dv);
	}
	if (!tap_ok(t, ret == 0, "XR24: vicodec encodes and decodes %d frames of %dx%d (%s)",
		    NXR, W1, H1, err_name(ret)))
		goto out;
	ret = decode_all(&dm, ours, bs, NXR, mine);
	dec_close(&dm);
	tap_ok(t, ret == 0 && dm.cap.fmt.pix.bytesperline == W1 * 4,
	       "XR24: vdec-m2m decodes them into protected buffers, bytesperline %u = width*4 (%s)",
	       dm.cap.fmt.pix.bytesperline, err_name(ret));
	for (i = 0; i < NXR; i++) {
		whole += mine[i].bytesused == W1 * H1 * 4 &&
			 mine[i].size == W1 * H1 * 4;
		if (ref[i].data && mine[i].buf_size &&
		    !crc_padded(&ref[i], mine[i].buf_size, &want) &&
		    mine[i].crc == want)
			equal++;
	}
	tap_ok(t, whole == NXR,
	       "XR24: bytesused = sizeimage = width*height*4 (%u of %d)",
	       whole, NXR);
	tap_ok(t, equal == NXR,
	       "XR24: vdisp's CRC of every protected frame equals vicodec's clear decode (%u of %d)",
	       equal, NXR);
out:
	for (i = 0; i < NXR; i++) {
		free(ref[i].data);
		free(bs[i].data);
	}
}

/* A malformed header: error buffers, nothing written, no kernel report */
static void test_malformed(struct tap *t, const char *ours, int disp,
			   const struct bitstream *bs)
{
	struct dec d = { .fd = -1, .disp = disp, .protected_cap = 1,
			 .fourcc = V4L2_PIX_FMT_NV12 };
	struct decoded first = { 0 };
	uint32_t crc_before[NCAP] = { 0 }, crc_after = 0;
	struct v4l2_buffer b;
	unsigned int i;
	char report[256];
	int ret, km = km_open(), reports;
	uint8_t *bad = malloc(bs[1].len);

	if (!bad)
		return;
	memcpy(bad, bs[1].data, bs[1].len);
	bad[0] ^= 0xff;			/* magic */
	d.fd = open(ours, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ret = d.fd < 0 ? -errno : 0;
	{
		struct v4l2_format fo;

		ret = ret ?: set_fmt(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				     V4L2_PIX_FMT_FWHT, W1, H1, BS_MAX, &fo);
	}
	if (!ret && reqbufs(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1) < 1)
		ret = -ENOMEM;
	if (!ret)
		d.out_map = map_buf(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				    &d.out_len, &ret);
	/* Set up with a good I-frame, decoded once */
	if (!ret) {
		memcpy(d.out_map, bs[0].data, bs[0].len);
		ret = q_mmap(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, bs[0].len);
	}
	ret = ret ?: stream(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1);
	ret = ret ?: dec_setup_cap(&d);
	ret = ret ?: dq(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
	ret = ret ?: dec_record(&d, &b, &first);
	ret = ret ?: q_mmap(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, b.index, 0);
	ret = ret ?: dq(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &b);
	if (!tap_ok(t, ret == 0 && !(first.flags & V4L2_BUF_FLAG_ERROR),
		    "malformed header: a session with one good frame first (%s)",
		    err_name(ret)))
		goto out;
	/* What each CAPTURE buffer holds before the bad job */
	for (i = 0; i < d.ncap; i++)
		vm_scanout(disp, d.cap_fd[i], 1, &crc_before[i], NULL);
	memcpy(d.out_map, bad, bs[1].len);
	ret = q_mmap(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, bs[1].len);
	ret = ret ?: dq(d.fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, &b);
	tap_ok(t, ret == 0 && (b.flags & V4L2_BUF_FLAG_ERROR),
	       "OUTPUT buffer with a bad magic comes back with V4L2_BUF_FLAG_ERROR (%s)",
	       err_name(ret));
	ret = dq(d.fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, &b);
	tap_ok(t, ret == 0 && (b.flags & V4L2_BUF_FLAG_ERROR) && !b.bytesused,
	       "... and its CAPTURE buffer with V4L2_BUF_FLAG_ERROR, bytesused 0 (%s)",
	       err_name(ret));
	/* The buffer still holds what it held (vdisp, whole buffer) */
	if (!ret)
		ret = vm_scanout(disp, d.cap_fd[b.index], 1, &crc_after, NULL);
	tap_ok(t, ret == 0 && b.index < NCAP && crc_after == crc_before[b.index],
	       "nothing was written into the refused frame (CRC %#x before and %#x after)",
	       b.index < NCAP ? crc_before[b.index] : 0, crc_after);
	reports = km >= 0 ? km_scan(km, km_reports, report, sizeof(report)) : -1;
	tap_ok(t, reports == 0, "no kernel warning (%d reports%s%s)", reports,
	       reports > 0 ? ": " : "", reports > 0 ? report : "");
out:
	dec_close(&d);
	free(bad);
	if (km >= 0)
		close(km);
}

/* The decoder may not write trusted-ui memory: QBUF fails (attach) */
static void test_trusted_ui(struct tap *t, const char *ours)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_format f;
	struct v4l2_buffer b;
	int fd, tu, ret;

	fd = open(ours, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	tu = pm_heap_alloc_path(pm_use_case(1)->heap, W1 * H1 * 2);
	ret = fd < 0 || tu < 0 ? -ENOENT : 0;
	ret = ret ?: set_fmt(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_PIX_FMT_FWHT,
			     W1, H1, BS_MAX, &f);
	memset(&rb, 0, sizeof(rb));
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_DMABUF;
	rb.count = 1;
	ret = ret ?: xioctl(fd, VIDIOC_REQBUFS, &rb);
	if (!ret) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.m.fd = tu;
		ret = xioctl(fd, VIDIOC_QBUF, &b);
	}
	tap_ok(t, ret == -EPERM,
	       "QBUF a trusted-ui buffer on the FWHT decoder's CAPTURE: EPERM (%s)",
	       err_name(ret));
	if (tu >= 0)
		close(tu);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	static struct bitstream bs[NFRAMES];
	char ours[288], enc[64], vdec[64];
	uint32_t crc0 = 0;
	int m2m = 0, vm = 0, vc = 0, disp = -1, ret;
	unsigned int i;
	struct tap t;

	tap_init(&t);
	if (!pm_vtee_loaded()) {
		tap_skip(&t, "vtee is not loaded", "V4L2 FWHT decoder");
		return tap_done(&t);
	}
	vc = vm_module_load("vicodec");
	m2m = vm_module_load(VM_M2M_MOD);
	vm = vm_load();
	if (!tap_ok(&t, vc >= 0 && m2m >= 0 && vm >= 0,
		    "vicodec, vdec_m2m and vmedia are loaded"))
		goto out;
	ret = vm_find_m2m_node(ours, sizeof(ours));
	ret = ret ?: vm_find_video_by_name("stateful-encoder", enc,
				       sizeof(enc));
	ret = ret ?: vm_find_video_by_name("stateful-decoder", vdec,
				       sizeof(vdec));
	disp = vm_open("vdisp");
	if (!tap_ok(&t, ret == 0 && disp >= 0,
		    "nodes: vdec-m2m, vicodec's encoder and decoder, /dev/vdisp (%s)",
		    err_name(ret)))
		goto out;

	test_defaults(&t, ours);
	ret = encode(enc, V4L2_PIX_FMT_NV12, W1, H1, N1, bs);
	ret = ret ?: encode(enc, V4L2_PIX_FMT_NV12, W2, H2, N2, bs + N1);
	if (tap_ok(&t, ret == 0,
		   "vicodec encodes %d frames of %dx%d and %d of %dx%d NV12 (%s)",
		   N1, W1, H1, N2, W2, H2, err_name(ret))) {
		test_stream(&t, ours, vdec, disp, bs, &crc0);
		test_malformed(&t, ours, disp, bs);
		test_protected_bitstream(&t, ours, disp, bs, crc0);
	}
	test_xr24(&t, ours, enc, vdec, disp);
	test_trusted_ui(&t, ours);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every pool is free and clean afterwards");
out:
	for (i = 0; i < NFRAMES; i++)
		free(bs[i].data);
	if (disp >= 0)
		close(disp);
	if (m2m == 1)
		syscall(SYS_delete_module, VM_M2M_MOD, O_NONBLOCK);
	if (vm == 1)
		vm_unload();
	if (vc == 1)
		syscall(SYS_delete_module, "vicodec", O_NONBLOCK);
	return tap_done(&t);
}
