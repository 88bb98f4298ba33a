// SPDX-License-Identifier: GPL-2.0
/*
 * gst_pipeline - GStreamer decodes FWHT into protected buffers with our
 * V4L2 decoder and kmssink shows them on vtee_kms: the display's CRCs of
 * the frames equal, frame by frame, those of the same stream decoded in
 * the clear by vicodec (docs/pipeline.md). The pieces are protmem-pipeline's
 * (make demo), tools/demo/gst_pipeline.h.
 *
 * Needs the GStreamer bundle (tests/run boots both architectures' guests
 * with it); skipped without it. Loads vicodec, vmedia, vdec_m2m and vtee_kms, and
 * unloads what it loaded. Until vdec-m2m decodes FWHT, the protected half
 * is skipped (and checked as soon as the driver lists FWHT).
 */
#include "../../tools/demo/gst_pipeline.h"
#include "tap.h"
#include "vmedia_test.h"

#define WIDTH		640
#define HEIGHT		480
#define FRAMES		4	/* compared; GP_EXTRA_FRAMES more are sent */
#define RATE		"10/1"	/* a frame stays up for three 30 Hz vblanks */
/* both decoders give NV12: the same bytes, the same CRC */
#define OUT "video/x-raw,format=NV12 ! "
/* every frame shown, none dropped for lateness under TCG */
#define SINK "kmssink driver-name=" GP_KMS_DRIVER " sync=true qos=false max-lateness=-1"
#define RUN_TIMEOUT_S	300

/* Run @pipeline and collect what the display showed; 0 if both worked */
static int show(struct tap *t, struct gp_kms *k, const char *what,
		const char *pipeline, struct gp_crcs *c)
{
	char buf[1024], *argv[64];
	struct gp_err err;
	int ret;

	if (gp_split(pipeline, buf, sizeof(buf), argv, 64))
		return -E2BIG;

	tap_diag("%s: " GP_GST_LAUNCH " %s", what, pipeline);
	ret = gp_kms_show_black(k, WIDTH, HEIGHT, &err);
	if (!ret)
		ret = gp_crc_run(k, argv, RUN_TIMEOUT_S, c, &err);
	if (ret)
		tap_diag("%s", err.msg);
	tap_ok(t, !ret && WIFEXITED(c->status) && !WEXITSTATUS(c->status),
	       "%s pipeline runs to its end on vtee_kms", what);
	tap_diag("%s: %.1f s, %zu vblanks, %" PRIu32 " without a CRC, %zu frames",
		 what, c->ms / 1e3, c->vblanks, c->gaps, c->n);
	return ret;
}

int main(void)
{
	static const char *const mods[] = {
		"vicodec", "vmedia", VM_M2M_MOD, "vtee_kms"
	};
	char src[384], prot[640], clear[640], node[32];
	int here[4], i, ret, have_fwht;
	struct gp_crcs *pc, *cc;
	struct gp_devices d;
	struct gp_err err;
	struct gp_map m;
	struct gp_kms k;
	struct tap t;
	size_t same, j, skip;

	tap_init(&t);
	if (access("/usr/bin/" GP_GST_LAUNCH, X_OK)) {
		tap_skip(&t, "no GStreamer in this guest (vm/run --with gst)",
			 "protected FWHT frames through GStreamer match the clear decode");
		return tap_done(&t);
	}
	for (i = 0; i < 4; i++) {
		here[i] = vm_mod_load(mods[i]);
		tap_ok(&t, here[i] >= 0, "%s loads", mods[i]);
	}
	pc = calloc(1, sizeof(*pc));
	cc = calloc(1, sizeof(*cc));
	if (!pc || !cc)
		return 1;
	err.msg[0] = '\0';
	ret = gp_find_devices(&d, &err);
	if (ret)
		tap_diag("%s", err.msg);
	tap_ok(&t, !ret, "GStreamer has FWHT elements for vicodec's encoder (%s) and decoder (%s)",
	       d.enc, d.clear);
	have_fwht = !gp_fwht_node(GP_VDEC, node, sizeof(node));
	if (have_fwht)
		tap_ok(&t, d.prot[0] && !strcmp(d.prot_dev, node),
		       "GStreamer has an FWHT decoder element for %s (%s: %s)",
		       GP_VDEC, node, d.prot);
	if (ret)
		goto unload;
	ret = gp_kms_open(&k, &err);
	if (ret)
		tap_diag("%s", err.msg);
	if (!tap_ok(&t, !ret, "the %s display is there", GP_KMS_DRIVER))
		goto unload;

	snprintf(src, sizeof(src),
		 "videotestsrc num-buffers=%d pattern=ball ! "
		 "video/x-raw,format=I420,width=%d,height=%d,framerate=%s ! %s "
		 GP_ENC_OPTS, FRAMES + GP_EXTRA_FRAMES, WIDTH, HEIGHT, RATE, d.enc);
	snprintf(prot, sizeof(prot), "%s ! %s capture-io-mode=dmabuf ! " OUT SINK,
		 src, d.prot);
	snprintf(clear, sizeof(clear), "%s ! %s ! " OUT SINK, src, d.clear);

	show(&t, &k, "clear", clear, cc);
	tap_ok(&t, cc->n >= FRAMES, "the display showed %d distinct clear frames (%zu)",
	       FRAMES, cc->n);
	if (!have_fwht || !d.prot[0]) {
		gp_kms_close(&k);
		tap_skip(&t, GP_VDEC " does not decode FWHT in this tree",
			 "protected frames: pipeline, CRCs equal to the clear ones, no mapping");
		goto unload;
	}
	show(&t, &k, "protected", prot, pc);
	gp_kms_close(&k);
	tap_ok(&t, pc->n == FRAMES + GP_EXTRA_FRAMES,
	       "the display showed each of the %d protected frames sent once, and nothing else (%zu)",
	       FRAMES + GP_EXTRA_FRAMES, pc->n);
	same = gp_align(pc, cc, &skip);
	tap_diag("the clear run lacks the first %zu frames (vicodec loses at most %d at its start)",
		 skip, GP_CLEAR_LOST_MAX);
	for (j = 0; j < FRAMES && skip + j < pc->n && j < cc->n; j++)
		tap_diag("frame %zu: protected 0x%08" PRIx32 " clear 0x%08" PRIx32,
			 skip + j + 1, pc->crc[skip + j], cc->crc[j]);
	tap_ok(&t, same >= FRAMES,
	       "%d protected frames in a row have the CRCs of the clear frames (%zu)",
	       FRAMES, same);
	tap_ok(&t, cc->n && same == cc->n,
	       "every clear frame shown is a protected frame, in order (%zu of %zu)",
	       same, cc->n);

	ret = gp_map_capture(d.prot_dev, WIDTH, HEIGHT, &m, &err);
	if (ret)
		tap_diag("%s", err.msg);
	tap_ok(&t, !ret && !m.expbuf, "a decoded-frame buffer exports as a DMA-buf");
	tap_ok(&t, !ret && m.dmabuf_mmap == -EPERM,
	       "mmap of the exported protected frame is refused (%s)",
	       strerror(-m.dmabuf_mmap));
	tap_ok(&t, !ret && m.v4l2_mmap < 0,
	       "mmap of the protected frame through the video node fails (%s)",
	       strerror(-m.v4l2_mmap));
unload:
	free(pc);
	free(cc);
	for (i = 3; i >= 0; i--) {
		if (here[i] <= 0)
			continue;
		ret = vm_mod_unload(mods[i]);
		tap_ok(&t, !ret, "%s unloads (%s)", mods[i], strerror(-ret));
	}
	return tap_done(&t);
}
