/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gst_pipeline.h - the GStreamer pipeline on protected buffers, the pieces
 * protmem-pipeline (make demo) and the gst_pipeline test share.
 *
 *   gp_find_devices()   the V4L2 FWHT decoders (vicodec's, vtee's vdec-m2m)
 *                       and the GStreamer elements GStreamer made for them
 *   gp_kms_open()       the vtee_kms display; gp_kms_show_black() lights it
 *                       with a black frame of our own and gives up DRM
 *                       master, so that kmssink shows its frames on a CRTC
 *                       that is already on (DRM opens crc/data only then)
 *   gp_crc_run()        runs a command (gst-launch-1.0) while reading the
 *                       CRC of every vblank from debugfs, and keeps the
 *                       sequence of distinct frames the display showed
 *   gp_map_capture()    asks our decoder for a CAPTURE buffer, exports it
 *                       (EXPBUF) and tries to map it: must fail
 *
 * A vblank repeats the frame on screen until the next one is latched, so
 * the CRCs of consecutive vblanks repeat: a frame is a run of equal CRCs.
 * The runs before the first and after the last frame of the command are
 * our black frame (or nothing) and are dropped.
 *
 * Every function returns 0 or a negative errno and says what failed in
 * @err (struct gp_err). No global state.
 */
#ifndef PROTMEM_GST_PIPELINE_H
#define PROTMEM_GST_PIPELINE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/videodev2.h>

#include "drm_card.h"

#define GP_KMS_DRIVER	"vtee_kms"
#define GP_VICODEC	"vicodec"
#define GP_VDEC		"vdec-m2m"
#define GP_GST_LAUNCH	"gst-launch-1.0"
#define GP_GST_INSPECT	"gst-inspect-1.0"
/*
 * Frames sent beyond those compared: vicodec's decoder holds back its last
 * frames (we saw 1 to 4) when GStreamer 1.22 drains it ("frames left
 * undrained after CMD_STOP"), and loses its first ones (GP_CLEAR_LOST_MAX),
 * so the clear run shows fewer frames than were sent.
 */
#define GP_EXTRA_FRAMES	12
/*
 * vicodec's encoder with every frame an I-frame (GOP size 1, its default
 * is 10): a frame the clear run loses at its start (GP_CLEAR_LOST_MAX)
 * then takes no later frame with it, and every frame either run shows is
 * a whole decoded frame.
 */
#define GP_ENC_OPTS	"extra-controls=c,video_gop_size=1"

/* struct gp_err - what failed, for the caller to print */
struct gp_err {
	char msg[256];
};

static inline int gp_fail(struct gp_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int gp_fail(struct gp_err *e, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (err)
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(err));
	return err ? -err : -EINVAL;
}

/* ---- V4L2 devices and their GStreamer elements ------------------------ */

/**
 * struct gp_devices - the FWHT codecs and their GStreamer elements
 * @enc_dev:	vicodec's stateful encoder, e.g. /dev/video0
 * @enc:	its element (v4l2fwhtenc)
 * @clear_dev:	vicodec's stateful decoder (CAPTURE in normal memory)
 * @clear:	its element
 * @prot_dev:	vtee's decoder vdec-m2m (CAPTURE in protected memory)
 * @prot:	its element
 */
struct gp_devices {
	char enc_dev[32], enc[64];
	char clear_dev[32], clear[64];
	char prot_dev[32], prot[64];
};

/* The V4L2 driver name of @path, "" if it is no V4L2 device */
static inline void gp_v4l2_driver(const char *path, char *drv, size_t len)
{
	struct v4l2_capability cap;
	int fd = open(path, O_RDWR);

	drv[0] = '\0';
	if (fd < 0)
		return;
	memset(&cap, 0, sizeof(cap));
	if (!ioctl(fd, VIDIOC_QUERYCAP, &cap))
		snprintf(drv, len, "%s", (const char *)cap.driver);
	close(fd);
}

/**
 * gp_fwht_node() - the node of V4L2 driver @driver that decodes FWHT
 * @driver:	e.g. GP_VDEC
 * @path:	filled with its /dev/videoN
 * @len:	size of @path
 *
 * Return: 0; -ENOENT if no node of @driver lists FWHT on its OUTPUT queue.
 */
static inline int gp_fwht_node(const char *driver, char *path, size_t len)
{
	char drv[32];
	int i;

	for (i = 0; i < 64; i++) {
		struct v4l2_fmtdesc fd;
		int fd_dev, found = 0;

		snprintf(path, len, "/dev/video%d", i);
		gp_v4l2_driver(path, drv, sizeof(drv));
		if (strcmp(drv, driver))
			continue;
		fd_dev = open(path, O_RDWR);
		if (fd_dev < 0)
			continue;
		memset(&fd, 0, sizeof(fd));
		fd.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		while (!found && !ioctl(fd_dev, VIDIOC_ENUM_FMT, &fd)) {
			found = fd.pixelformat == V4L2_PIX_FMT_FWHT;
			fd.index++;
		}
		close(fd_dev);
		if (found)
			return 0;
	}
	path[0] = '\0';
	return -ENOENT;
}

/* The default of @element's "device" property (its V4L2 node) */
static inline int gp_element_device(const char *element, char *dev,
				   size_t len)
{
	char cmd[128], line[512];
	int in_device = 0, found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), GP_GST_INSPECT " %s 2>/dev/null", element);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p)) {
		char *q;

		if (strncmp(line, "  device ", 9) == 0)
			in_device = 1;
		else if (line[0] == ' ' && line[2] != ' ')
			in_device = 0;
		q = strstr(line, "Default: \"");
		if (in_device && q && !found) {
			q += strlen("Default: \"");
			q[strcspn(q, "\"")] = '\0';
			snprintf(dev, len, "%s", q);
			found = 1;
		}
	}
	pclose(p);
	return found ? 0 : -ENOENT;
}

/**
 * gp_find_devices() - find the FWHT encoder and the two decoders
 * @d:		filled in
 * @err:	what is missing
 *
 * GStreamer's video4linux2 plugin makes one element per mem2mem node that
 * speaks FWHT, named after the node ("v4l2fwhtdec" for the first,
 * "v4l2videoNfwhtdec" for the others); the element's "device" property
 * says which node. Needs the nodes registered (modprobe) before the first
 * gst-inspect-1.0 of the boot builds the registry.
 *
 * Return: 0 (@d->prot empty and @err saying so if our decoder has no
 * element); -ENOENT when vicodec's encoder or decoder has none.
 */
static inline int gp_find_devices(struct gp_devices *d, struct gp_err *err)
{
	char line[512], name[64], dev[32], drv[32];
	FILE *p;

	memset(d, 0, sizeof(*d));
	p = popen(GP_GST_INSPECT " video4linux2 2>/dev/null", "r");
	if (!p)
		return gp_fail(err, errno, "running " GP_GST_INSPECT);
	while (fgets(line, sizeof(line), p)) {
		size_t n;
		char *s = line + strspn(line, " ");

		n = strcspn(s, ":");
		if (!s[n] || n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		n = strlen(name);
		if (strncmp(name, "v4l2", 4) || n < 8 ||
		    (strcmp(name + n - 7, "fwhtenc") &&
		     strcmp(name + n - 7, "fwhtdec")))
			continue;
		if (gp_element_device(name, dev, sizeof(dev)))
			continue;
		gp_v4l2_driver(dev, drv, sizeof(drv));
		if (!strcmp(name + n - 3, "enc") && !strcmp(drv, GP_VICODEC)) {
			snprintf(d->enc, sizeof(d->enc), "%s", name);
			snprintf(d->enc_dev, sizeof(d->enc_dev), "%s", dev);
		} else if (!strcmp(drv, GP_VICODEC)) {
			snprintf(d->clear, sizeof(d->clear), "%s", name);
			snprintf(d->clear_dev, sizeof(d->clear_dev), "%s", dev);
		} else if (!strcmp(drv, GP_VDEC)) {
			snprintf(d->prot, sizeof(d->prot), "%s", name);
			snprintf(d->prot_dev, sizeof(d->prot_dev), "%s", dev);
		}
	}
	pclose(p);
	if (!d->enc[0])
		return gp_fail(err, ENOENT, "no FWHT encoder element (vicodec)");
	if (!d->clear[0])
		return gp_fail(err, ENOENT, "no FWHT decoder element for vicodec");
	if (!d->prot[0])
		gp_fail(err, ENOENT, "no FWHT decoder element for " GP_VDEC);
	return 0;
}

/* ---- the display -------------------------------------------------------- */

/**
 * struct gp_kms - the vtee_kms display while we hold it
 * @fd:		its primary node
 * @minor:	DRM minor (debugfs dri/<minor>)
 * @crtc:	the CRTC
 * @conn:	the connector
 * @fb:		our black framebuffer, 0 if none
 * @handle:	its dumb buffer
 * @crc_dir:	debugfs crtc-0/crc
 */
struct gp_kms {
	int fd, minor;
	uint32_t crtc, conn, fb, handle;
	char crc_dir[96];
};

/**
 * gp_kms_open() - open the DRM device whose driver is vtee_kms
 * @k:		filled in
 * @err:	why not
 *
 * Return: 0; -ENODEV when no card is vtee_kms.
 */
static inline int gp_kms_open(struct gp_kms *k, struct gp_err *err)
{
	struct drm_mode_card_res res;
	uint32_t crtc, conn;
	int fd, card;

	memset(k, 0, sizeof(*k));
	fd = drm_card_open(GP_KMS_DRIVER, &card);
	if (fd < 0)
		return gp_fail(err, ENODEV, "no DRM device of driver " GP_KMS_DRIVER);
	k->fd = fd;
	k->minor = card;
	memset(&res, 0, sizeof(res));
	res.crtc_id_ptr = (uintptr_t)&crtc;
	res.connector_id_ptr = (uintptr_t)&conn;
	res.count_crtcs = 1;
	res.count_connectors = 1;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETRESOURCES, &res) ||
	    res.count_crtcs < 1 || res.count_connectors < 1) {
		close(k->fd);
		return gp_fail(err, errno ? errno : ENODEV, "/dev/dri/card%d: no CRTC or connector", card);
	}
	k->crtc = crtc;
	k->conn = conn;
	snprintf(k->crc_dir, sizeof(k->crc_dir),
		 "/sys/kernel/debug/dri/%d/crtc-0/crc", k->minor);
	return 0;
}

/* Remove our black frame, if any */
static inline void gp_kms_drop_fb(struct gp_kms *k)
{
	struct drm_mode_destroy_dumb dd = { .handle = k->handle };

	if (k->fb)
		ioctl(k->fd, DRM_IOCTL_MODE_RMFB, &k->fb);
	if (k->handle)
		ioctl(k->fd, DRM_IOCTL_GEM_CLOSE, &dd);
	k->fb = 0;
	k->handle = 0;
}

/**
 * gp_kms_show_black() - light the display at @w x @h with a black frame
 * @k:		from gp_kms_open()
 * @w:		mode width (one of the connector's modes)
 * @h:		mode height
 * @err:	what failed
 *
 * Takes DRM master, sets the mode with a zeroed dumb buffer (XRGB8888),
 * and drops master again: the next opener (kmssink) becomes master and
 * finds the CRTC on, so it shows its frames with plane updates and no
 * modeset of its own.
 *
 * Return: 0 or a negative errno.
 */
static inline int gp_kms_show_black(struct gp_kms *k, uint32_t w, uint32_t h,
				    struct gp_err *err)
{
	struct drm_mode_modeinfo modes[16];
	struct drm_mode_get_connector gc;
	struct drm_mode_create_dumb cd;
	struct drm_mode_fb_cmd fb;
	struct drm_mode_crtc sc;
	uint32_t i;

	gp_kms_drop_fb(k);
	if (ioctl(k->fd, DRM_IOCTL_SET_MASTER, 0))
		return gp_fail(err, errno, "DRM master");
	/* count_modes 0 probes the modes, the second call reads them */
	memset(&gc, 0, sizeof(gc));
	gc.connector_id = k->conn;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc))
		return gp_fail(err, errno, "connector %u", k->conn);
	memset(&gc, 0, sizeof(gc));
	gc.connector_id = k->conn;
	gc.modes_ptr = (uintptr_t)modes;
	gc.count_modes = 16;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc))
		return gp_fail(err, errno, "connector %u", k->conn);
	for (i = 0; i < gc.count_modes && i < 16; i++)
		if (modes[i].hdisplay == w && modes[i].vdisplay == h)
			break;
	if (i == gc.count_modes || i == 16)
		return gp_fail(err, EINVAL, "no %ux%u mode", w, h);
	memset(&cd, 0, sizeof(cd));
	cd.width = w;
	cd.height = h;
	cd.bpp = 32;
	if (ioctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd))
		return gp_fail(err, errno, "dumb buffer %ux%u", w, h);
	k->handle = cd.handle;
	memset(&fb, 0, sizeof(fb));
	fb.width = w;
	fb.height = h;
	fb.pitch = cd.pitch;
	fb.bpp = 32;
	fb.depth = 24;
	fb.handle = cd.handle;
	if (ioctl(k->fd, DRM_IOCTL_MODE_ADDFB, &fb))
		return gp_fail(err, errno, "framebuffer");
	k->fb = fb.fb_id;
	memset(&sc, 0, sizeof(sc));
	sc.crtc_id = k->crtc;
	sc.fb_id = k->fb;
	sc.set_connectors_ptr = (uintptr_t)&k->conn;
	sc.count_connectors = 1;
	sc.mode = modes[i];
	sc.mode_valid = 1;
	if (ioctl(k->fd, DRM_IOCTL_MODE_SETCRTC, &sc))
		return gp_fail(err, errno, "mode %ux%u on CRTC %u", w, h, k->crtc);
	if (ioctl(k->fd, DRM_IOCTL_DROP_MASTER, 0))
		return gp_fail(err, errno, "dropping DRM master");
	return 0;
}

/* gp_kms_close() - turn the display off and close it */
static inline void gp_kms_close(struct gp_kms *k)
{
	if (k->fd <= 0)
		return;
	if (!ioctl(k->fd, DRM_IOCTL_SET_MASTER, 0)) {
		struct drm_mode_crtc sc = { .crtc_id = k->crtc };

		ioctl(k->fd, DRM_IOCTL_MODE_SETCRTC, &sc);
	}
	gp_kms_drop_fb(k);
	close(k->fd);
	k->fd = -1;
}

/* ---- CRCs around a command ---------------------------------------------- */

#define GP_MAX_FRAMES	4096
#define GP_TAIL_MS	3000	/* reading on after the command exited */

/**
 * struct gp_crcs - what the display showed during one command
 * @crc:	the distinct frames' CRCs, in order (runs of equal CRCs
 *		collapsed; our black frame before and after dropped)
 * @vbl:	for each, the DRM frame number (vblank) of its first entry
 * @nvbl:	for each, how many entries (vblanks) it had
 * @n:		how many
 * @vblanks:	CRC entries read (one per vblank)
 * @first:	the DRM frame number (vblank) of the first entry
 * @last:	the DRM frame number of the last entry
 * @gaps:	vblanks with no entry of their own (the display skipped a
 *		scan on a loaded machine); a frame shown only in such a
 *		vblank would be missing
 * @black:	the CRC of our black frame
 * @status:	the command's wait status
 * @ms:		the command's run time
 */
struct gp_crcs {
	uint32_t crc[GP_MAX_FRAMES];
	uint32_t vbl[GP_MAX_FRAMES];
	uint32_t nvbl[GP_MAX_FRAMES];
	size_t n;
	size_t vblanks;
	uint32_t first, last, gaps;
	uint32_t black;
	int status;
	double ms;
};

static inline double gp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read one "0xFRAME 0xCRC" entry; 1 if one was read, 0 if none, -errno */
static inline int gp_crc_entry(int fd, int timeout_ms, uint32_t *frame,
			       uint32_t *crc)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[64];
	ssize_t r;
	int p;

	p = poll(&pfd, 1, timeout_ms);
	if (p < 0)
		return errno == EINTR ? 0 : -errno;
	if (p == 0)
		return 0;
	r = read(fd, line, sizeof(line) - 1);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ENODATA;	/* the CRC source went away */
	line[r] = '\0';
	if (sscanf(line, "%" SCNx32 " %" SCNx32, frame, crc) != 2)
		return -EPROTO;
	return 1;
}

/**
 * gp_split() - a gst-launch-1.0 command line from a pipeline description
 * @pipeline:	elements and properties separated by single spaces (no
 *		quoting; gst-launch-1.0 wants one argument per token)
 * @buf:	a copy of @pipeline, cut at the spaces
 * @len:	size of @buf
 * @argv:	filled: gst-launch-1.0 -q TOKENS... NULL
 * @max:	entries in @argv
 *
 * Return: 0; -E2BIG if @pipeline does not fit.
 */
static inline int gp_split(const char *pipeline, char *buf, size_t len,
			   char **argv, size_t max)
{
	size_t n = 0;
	char *tok, *save;

	if (strlen(pipeline) >= len || max < 4)
		return -E2BIG;
	strcpy(buf, pipeline);
	argv[n++] = GP_GST_LAUNCH;
	argv[n++] = "-q";
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n + 1 >= max)
			return -E2BIG;
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return 0;
}

/*
 * Relay the command's output, indented. GStreamer's "WARNING:" becomes
 * "Warning:": vm/run takes a console line with "WARNING:" for a kernel
 * warning and fails the run.
 */
static inline void gp_relay(int fd, char *line, size_t *used, size_t len,
			    int flush)
{
	ssize_t r;
	char *nl;

	while ((r = read(fd, line + *used, len - 1 - *used)) > 0)
		*used += r;
	for (;;) {
		char *w;

		line[*used] = '\0';
		nl = strchr(line, '\n');
		if (!nl && !(flush && *used) && *used < len - 1)
			return;
		if (nl)
			*nl = '\0';
		while ((w = strstr(line, "WARNING:")))
			memcpy(w, "Warning:", 8);
		printf("   | %s\n", line);
		if (!nl) {
			*used = 0;
			return;
		}
		*used -= nl + 1 - line;
		memmove(line, nl + 1, *used);
	}
}

/* Count a vblank's CRC; a new frame if it differs from the last one */
static inline void gp_crc_add(struct gp_crcs *c, uint32_t frame, uint32_t crc)
{
	if (c->vblanks && frame > c->last + 1)
		c->gaps += frame - c->last - 1;
	if (!c->vblanks)
		c->first = frame;
	c->last = frame;
	c->vblanks++;
	if (c->n && c->crc[c->n - 1] == crc) {
		c->nvbl[c->n - 1]++;
		return;
	}
	if (!c->n && crc == c->black)
		return;		/* our black frame, before the command's */
	if (c->n < GP_MAX_FRAMES) {
		c->vbl[c->n] = frame;
		c->nvbl[c->n] = 1;
		c->crc[c->n++] = crc;
	}
}

/**
 * gp_crc_run() - run @argv while collecting the display's frame CRCs
 * @k:		display lit by gp_kms_show_black()
 * @argv:	the command (its output is relayed to ours, indented)
 * @timeout_s:	kill the command after this long
 * @c:		the frames the display showed
 * @err:	what failed
 *
 * Opens crtc-0/crc/data (CRC source "auto") before starting the command,
 * so the first entry is our black frame; reads every vblank's entry while
 * the command runs, and after it exited until our black frame is back, or
 * no entry came for half a second, or GP_TAIL_MS passed (the display may
 * go on repeating a frame).
 *
 * Return: 0 if the CRCs were read (the command's status is in @c); a
 * negative errno otherwise.
 */
static inline int gp_crc_run(struct gp_kms *k, char *const argv[],
			     unsigned int timeout_s, struct gp_crcs *c,
			     struct gp_err *err)
{
	char path[128], line[512];
	uint32_t frame, crc;
	double start, end = 0, last_rx = 0;
	int fd, r, ret = 0, out[2];
	size_t used = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/control", k->crc_dir);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "auto", 4) != 4) {
		r = errno;
		if (fd >= 0)
			close(fd);
		return gp_fail(err, r, "%s", path);
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/data", k->crc_dir);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return gp_fail(err, errno, "%s", path);
	/* the black frame's CRC: the first entry */
	r = gp_crc_entry(fd, 2000, &frame, &crc);
	if (r <= 0) {
		close(fd);
		return gp_fail(err, r ? -r : ETIMEDOUT, "first CRC from %s", path);
	}
	c->black = crc;
	gp_crc_add(c, frame, crc);

	if (pipe2(out, O_CLOEXEC | O_NONBLOCK)) {
		close(fd);
		return gp_fail(err, errno, "pipe");
	}
	fflush(NULL);
	start = gp_now_ms();
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(out[0]);
		close(out[1]);
		return gp_fail(err, errno, "fork");
	}
	if (pid == 0) {
		int wfd = dup(out[1]);	/* without O_CLOEXEC */

		if (wfd < 0 || dup2(wfd, 1) < 0 || dup2(wfd, 2) < 0)
			_exit(127);
		fcntl(1, F_SETFL, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	for (;;) {
		double now = gp_now_ms();

		gp_relay(out[0], line, &used, sizeof(line), 0);

		if (!end && waitpid(pid, &c->status, WNOHANG) == pid) {
			end = now;
			c->ms = now - start;
		}
		if (!end && now - start > timeout_s * 1e3) {
			kill(pid, SIGKILL);
			waitpid(pid, &c->status, 0);
			ret = gp_fail(err, ETIMEDOUT, "%s after %u s", argv[0], timeout_s);
			break;
		}
		/* done: quiet, or our black frame is back after the command's */
		if (end && (now - (last_rx > end ? last_rx : end) > 500 ||
			    now - end > GP_TAIL_MS ||
			    (c->n && c->crc[c->n - 1] == c->black)))
			break;
		r = gp_crc_entry(fd, 50, &frame, &crc);
		if (r == -ENODATA)
			break;
		if (r < 0) {
			ret = gp_fail(err, -r, "reading %s", path);
			if (!end) {
				kill(pid, SIGKILL);
				waitpid(pid, &c->status, 0);
			}
			break;
		}
		if (r) {
			gp_crc_add(c, frame, crc);
			last_rx = gp_now_ms();
		}
	}
	gp_relay(out[0], line, &used, sizeof(line), 1);
	close(out[0]);
	close(fd);
	/* the black frame again after the command's last one */
	if (c->n && c->crc[c->n - 1] == c->black)
		c->n--;
	return ret;
}

/* "0xCRC @VBLANK xN": frame @i of @c, where it started, how long it stayed */
static inline void gp_frame_str(const struct gp_crcs *c, size_t i, char *buf,
				size_t len)
{
	snprintf(buf, len, "0x%08" PRIx32 " @%" PRIu32 " x%" PRIu32, c->crc[i],
		 c->vbl[i], c->nvbl[i]);
}

/*
 * The clear run may begin late: GStreamer 1.22 sets vicodec's decoder up
 * at vicodec's default CAPTURE format (1280x720) when vicodec has not read
 * the stream's header yet, and at the resolution change vicodec returns the
 * bitstream buffers already queued with V4L2_BUF_FLAG_ERROR: those frames
 * (1 or 2 on a quiet machine, 4 under load) are never decoded nor shown
 * (docs/pipeline.md). With GP_EXTRA_FRAMES more frames sent than compared,
 * that leaves enough. Our
 * decoder takes its CAPTURE format from the OUTPUT format and loses none.
 * The protected run must show every frame sent, from the first.
 */
#define GP_CLEAR_LOST_MAX	8

/**
 * gp_align() - where the clear run's frames start in the protected run's
 * @p:		the protected run: every frame decoded, in order
 * @c:		the clear run
 * @skip:	frames of @p at its start that @c lacks (at most
 *		GP_CLEAR_LOST_MAX)
 *
 * The first frame of @c is looked for among the first GP_CLEAR_LOST_MAX + 1
 * frames of @p; nothing else is tolerated: every frame from there on must
 * be equal, in order.
 *
 * Return: how many frames of @c from its first on equal those of @p from
 * @skip on, in order (0 if the first frame of @c is none of them).
 */
static inline size_t gp_align(const struct gp_crcs *p, const struct gp_crcs *c,
			      size_t *skip)
{
	size_t k, n;

	*skip = 0;
	if (!c->n)
		return 0;
	for (k = 0; k <= GP_CLEAR_LOST_MAX && k < p->n; k++) {
		if (p->crc[k] != c->crc[0])
			continue;
		*skip = k;
		for (n = 0; k + n < p->n && n < c->n &&
		     p->crc[k + n] == c->crc[n]; n++)
			;
		return n;
	}
	return 0;
}

/* ---- a protected frame is not mappable ------------------------------------ */

/**
 * struct gp_map - what mapping a CAPTURE buffer of our decoder did
 * @size:	the buffer's size
 * @expbuf:	EXPBUF's result (0 or -errno)
 * @dmabuf_mmap: mmap of the exported DMA-buf (0 if it mapped, -errno)
 * @v4l2_mmap:	mmap of the buffer through the video node (same)
 */
struct gp_map {
	uint32_t size;
	int expbuf, dmabuf_mmap, v4l2_mmap;
};

static inline int gp_try_mmap(int fd, size_t size, off_t off)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, size);
	return 0;
}

/**
 * gp_map_capture() - export a decoded-frame buffer of @dev and map it
 * @dev:	our decoder's node
 * @w:		frame width
 * @h:		frame height
 * @m:		the results
 * @err:	what failed before the mapping could be tried
 *
 * The stateful decoder's default CAPTURE format for a @w x @h FWHT stream;
 * one MMAP CAPTURE buffer (protected memory), EXPBUF, then mmap of the
 * DMA-buf and of the buffer through the node. Both must fail.
 *
 * Return: 0 if the mappings were tried; a negative errno otherwise.
 */
static inline int gp_map_capture(const char *dev, uint32_t w, uint32_t h,
				 struct gp_map *m, struct gp_err *err)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_exportbuffer eb;
	struct v4l2_format f;
	struct v4l2_buffer b;
	int fd, ret = 0;

	memset(m, 0, sizeof(*m));
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return gp_fail(err, errno, "%s", dev);
	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_FWHT;
	if (ioctl(fd, VIDIOC_S_FMT, &f)) {
		ret = gp_fail(err, errno, "%s: OUTPUT format FWHT %ux%u", dev, w, h);
		goto out;
	}
	memset(&rb, 0, sizeof(rb));
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_MMAP;
	rb.count = 1;
	if (ioctl(fd, VIDIOC_REQBUFS, &rb) || rb.count < 1) {
		ret = gp_fail(err, errno, "%s: a CAPTURE buffer", dev);
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = 0;
	if (ioctl(fd, VIDIOC_QUERYBUF, &b)) {
		ret = gp_fail(err, errno, "%s: QUERYBUF", dev);
		goto free;
	}
	m->size = b.length;
	m->v4l2_mmap = gp_try_mmap(fd, b.length, b.m.offset);
	memset(&eb, 0, sizeof(eb));
	eb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	eb.index = 0;
	eb.flags = O_RDWR | O_CLOEXEC;
	if (ioctl(fd, VIDIOC_EXPBUF, &eb)) {
		m->expbuf = -errno;
		m->dmabuf_mmap = m->expbuf;
	} else {
		m->dmabuf_mmap = gp_try_mmap(eb.fd, b.length, 0);
		close(eb.fd);
	}
free:
	rb.count = 0;
	ioctl(fd, VIDIOC_REQBUFS, &rb);
out:
	close(fd);
	return ret;
}

#endif /* PROTMEM_GST_PIPELINE_H */
