// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee_kms - the emulated display (vdisp) as a DRM/KMS driver that never
 * maps a buffer.
 *
 * One CRTC, one primary plane, one virtual connector (always connected,
 * 640x480 and 1280x720 at 30 Hz) and its encoder, atomic modesetting,
 * page flips with events and a vblank from an hrtimer. Buffers are GEM DMA
 * objects: dumb buffers, and PRIME imports of contiguous DMA-bufs. The DRM
 * device's parent is the platform device "vtee_kms", registered with vtee
 * as stream vdisp: the display engine is vdisp, so the firewall's rules for
 * vdisp (read secure-video and trusted-ui) decide, at the exporter's
 * attach, which protected buffers the display may import (others: EPERM).
 *
 * Scan-out goes through the secure world: at a vblank, while a CRC source
 * is enabled or when a new framebuffer has been latched, a work item asks
 * vtee to read the framebuffer by DMA address (VTEE_DMA_OP_CRC32, the
 * firewall checks the stream's read access) and delivers the CRC-32 with
 * drm_crtc_add_crc_entry() (source "auto"). A commit's framebuffer is
 * latched at a vblank, and its flip completes (event, flip_done) there;
 * the scan reads the framebuffer latched at the vblank it reports. A
 * latch waits until the framebuffer on screen has been scanned once and
 * no scan reads it (one already scanned is not scanned again while a
 * flip waits): a client reuses the buffer it flipped away from only after
 * its flip completed, so the display never reads a buffer that is being
 * rewritten, every CRC is that of a whole frame a client put up, and
 * every frame put up gets one. Whole frames only: the CRC covers the
 * whole GEM objects behind the framebuffer, each object once, in plane
 * order (the CRC-32 of their concatenation), never a window chosen
 * through offsets, pitches or the source rectangle -- a 1x1 framebuffer
 * cannot point the CRC at a chosen part of a protected buffer. Dumb and
 * imported buffers get the same CRC for the same bytes.
 *
 * No CPU mapping of an imported buffer, ever: the GEM objects have no vmap,
 * their mmap refuses imported objects (MAP_DUMB already does: EINVAL), and
 * there is no fbdev emulation nor shadow plane.
 *
 * Concurrency: vtee_kms.lock (a spinlock taken in the vblank hrtimer, so
 * with interrupts off elsewhere) guards what the hrtimer and the scan work
 * share; the atomic helpers serialize commits; the scan work runs on an
 * ordered workqueue, one scan at a time. The hrtimer is never waited for
 * under DRM's vblank locks (see vtee_kms_disable_vblank()).
 */
#include <linux/crc32.h>
#include <linux/dma-mapping.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_dma_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_plane.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_simple_kms_helper.h>
#include <drm/drm_vblank.h>

#include "../vtee_master.h"

#define VTEE_KMS_NAME		"vtee_kms"
#define VTEE_KMS_REFRESH	30	/* Hz: the guest runs under TCG */
#define VTEE_KMS_MAX_SIZE	4096

/**
 * struct vtee_kms - the display
 * @drm:	the DRM device; its parent is the vdisp DMA master
 * @plane:	primary plane
 * @crtc:	the CRTC
 * @encoder:	virtual encoder
 * @connector:	virtual connector, always connected
 * @timer:	vblank hrtimer
 * @period:	vblank period
 * @vblank_on:	the hrtimer should keep running
 * @wq:		ordered workqueue of @scan_work
 * @scan_work:	reads the shown framebuffer through the secure world
 * @staged:	framebuffer the plane's update put up in the running commit
 *		(a reference), or NULL; the commit path only (serialized by
 *		the atomic helpers), published by the CRTC's atomic_flush
 * @staged_set:	the running commit changed the plane
 * @lock:	guards @period, @vblank_on, the hrtimer's (re)starts, @next
 *		to @latch_waits; innermost, taken in the hrtimer (hard
 *		interrupt)
 * @next:	framebuffer to latch at the next vblank (a reference), or NULL
 * @next_set:	a commit waits for @next to be latched
 * @event:	that commit's vblank event (holding a vblank reference),
 *		sent when @next is latched
 * @shown:	framebuffer latched, being scanned out (a reference), or NULL
 * @retired:	framebuffer the last latch replaced (a reference, dropped in
 *		process context), or NULL
 * @shown_new:	@shown has not been scanned out yet: a latch waits
 * @scanning:	the scan work is reading @shown or delivering its CRC: a
 *		latch waits
 * @crc_on:	CRC source "auto" enabled (holds a vblank reference)
 * @scan_frame:	vblank count the next scan reports
 * @latch_waits: vblanks at which a latch waited for a scan
 * @scan_errors: failed scans (written by the scan work only)
 * @master:	registered with vtee
 */
struct vtee_kms {
	struct drm_device drm;
	struct drm_plane plane;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;

	struct workqueue_struct *wq;
	struct work_struct scan_work;

	struct drm_framebuffer *staged;
	bool staged_set;

	spinlock_t lock;	/* guards period to latch_waits; innermost */
	struct hrtimer timer;
	ktime_t period;
	bool vblank_on;
	struct drm_framebuffer *next;
	bool next_set;
	struct drm_pending_vblank_event *event;
	struct drm_framebuffer *shown;
	struct drm_framebuffer *retired;
	bool shown_new;
	bool scanning;
	bool crc_on;
	u64 scan_frame;
	u64 latch_waits;

	u64 scan_errors;

	bool master;
};

static struct vtee_kms *vtee_kms_from_drm(struct drm_device *drm)
{
	return container_of(drm, struct vtee_kms, drm);
}

static struct vtee_kms *vtee_kms_from_crtc(struct drm_crtc *crtc)
{
	return container_of(crtc, struct vtee_kms, crtc);
}

static const u32 vtee_kms_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
	DRM_FORMAT_XBGR8888,
	DRM_FORMAT_ABGR8888,
	DRM_FORMAT_NV12,
	DRM_FORMAT_YUV420,
	DRM_FORMAT_YUYV,
};

/* ---- GEM: DMA objects without vmap, imported objects never mapped ------ */

/**
 * vtee_kms_gem_mmap() - &drm_gem_object_funcs.mmap: map a dumb buffer
 * @obj:	the object
 * @vma:	the user mapping
 *
 * Return: 0; -EPERM for an imported object (a protected buffer never gets
 * a CPU mapping through this driver); errors of drm_gem_dma_mmap().
 */
static int vtee_kms_gem_mmap(struct drm_gem_object *obj,
			     struct vm_area_struct *vma)
{
	if (obj->import_attach)
		return -EPERM;
	return drm_gem_dma_mmap(to_drm_gem_dma_obj(obj), vma);
}

/* drm_gem_dma_default_funcs less .vmap, and with the mmap above */
static const struct drm_gem_object_funcs vtee_kms_gem_funcs = {
	.free = drm_gem_dma_object_free,
	.print_info = drm_gem_dma_object_print_info,
	.get_sg_table = drm_gem_dma_object_get_sg_table,
	.mmap = vtee_kms_gem_mmap,
	.vm_ops = &drm_gem_dma_vm_ops,
};

/**
 * vtee_kms_gem_create_object() - &drm_driver.gem_create_object
 * @drm:	the device
 * @size:	object size (unused: the DMA helpers set it up)
 *
 * Return: a GEM DMA object with vtee_kms_gem_funcs, or ERR_PTR(-ENOMEM).
 */
static struct drm_gem_object *vtee_kms_gem_create_object(struct drm_device *drm,
							 size_t size)
{
	struct drm_gem_dma_object *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->base.funcs = &vtee_kms_gem_funcs;
	return &obj->base;
}

/* ---- scan-out through the secure world ---------------------------------- */

/*
 * drm.debug=0x2 (DRM_UT_DRIVER): what the plane is given, for matching
 * CRC entries with framebuffers. Geometry and DMA addresses only.
 */
static void vtee_kms_dbg_fb(struct vtee_kms *kms, struct drm_framebuffer *fb)
{
	unsigned int i;

	if (!fb) {
		drm_dbg_driver(&kms->drm, "vblank %llu: commit: no framebuffer\n",
			       drm_crtc_vblank_count(&kms->crtc));
		return;
	}
	drm_dbg_driver(&kms->drm, "vblank %llu: commit: fb %u %p4cc %ux%u\n",
		       drm_crtc_vblank_count(&kms->crtc), fb->base.id,
		       &fb->format->format, fb->width, fb->height);
	for (i = 0; i < fb->format->num_planes; i++) {
		struct drm_gem_object *obj = drm_gem_fb_get_obj(fb, i);

		if (!obj)
			continue;
		drm_dbg_driver(&kms->drm,
			       "  plane %u: pitch %u offset %u, %s object dma %pad size %zu\n",
			       i, fb->pitches[i], fb->offsets[i],
			       obj->import_attach ? "imported" : "dumb",
			       &to_drm_gem_dma_obj(obj)->dma_addr, obj->size);
	}
}

/*
 * CRC-32 of the whole GEM objects behind @fb, each once, in plane order,
 * read by the secure world as vdisp. 0 or vtee_device_dma()'s error.
 */
static int vtee_kms_scan(struct vtee_kms *kms, struct drm_framebuffer *fb,
			 u32 *crc)
{
	struct drm_gem_object *seen[DRM_FORMAT_MAX_PLANES];
	unsigned int i, j, n = 0;
	int ret;

	for (i = 0; i < fb->format->num_planes; i++) {
		struct drm_gem_object *obj = drm_gem_fb_get_obj(fb, i);
		struct vtee_dma_range src;
		u64 out;

		if (!obj)
			return -EINVAL;
		for (j = 0; j < n && seen[j] != obj; j++)
			;
		if (j < n)
			continue;
		seen[n++] = obj;
		src.addr = to_drm_gem_dma_obj(obj)->dma_addr;
		src.len = obj->size;
		ret = vtee_device_dma(kms->drm.dev, VTEE_DMA_OP_CRC32, &src,
				      NULL, 0, &out);
		if (ret)
			return ret;
		*crc = n == 1 ? (u32)out : crc32_le_combine(*crc, (u32)out,
							      obj->size);
	}
	return n ? 0 : -EINVAL;
}

/* Drop the framebuffer the last latch replaced. Context: process. */
static void vtee_kms_put_retired(struct vtee_kms *kms)
{
	struct drm_framebuffer *fb;

	spin_lock_irq(&kms->lock);
	fb = kms->retired;
	kms->retired = NULL;
	spin_unlock_irq(&kms->lock);
	if (fb)
		drm_framebuffer_put(fb);
}

/**
 * vtee_kms_scan_work() - scan the shown framebuffer out, report its CRC
 * @work:	vtee_kms.scan_work
 *
 * Reads the framebuffer latched at the vblank it reports (@scan_frame):
 * both change together, under the lock, at a vblank. Until its entry is
 * delivered, @scanning holds the next latch (and so the flip that hands
 * the buffer back to its client); a framebuffer not scanned yet holds it
 * too (@shown_new), so every framebuffer latched gets its entry. A
 * framebuffer already scanned is skipped while a flip waits, so a flip
 * waits for one scan at most.
 *
 * Context: process (ordered workqueue: one scan at a time). Holds a
 * reference on the framebuffer while the secure world reads it.
 */
static void vtee_kms_scan_work(struct work_struct *work)
{
	struct vtee_kms *kms = container_of(work, struct vtee_kms, scan_work);
	struct drm_framebuffer *fb;
	u64 frame, waits;
	ktime_t t0;
	s64 us;
	bool crc_on;
	u32 crc;
	int ret;

	vtee_kms_put_retired(kms);
	spin_lock_irq(&kms->lock);
	fb = kms->shown;
	if (fb && !kms->shown_new && kms->next_set)
		fb = NULL;	/* scanned already, and a flip waits */
	if (fb) {
		drm_framebuffer_get(fb);
		kms->scanning = true;
	}
	kms->shown_new = false;
	crc_on = kms->crc_on;
	frame = kms->scan_frame;
	spin_unlock_irq(&kms->lock);
	if (!fb)
		return;

	t0 = ktime_get();
	ret = vtee_kms_scan(kms, fb, &crc);
	us = ktime_us_delta(ktime_get(), t0);
	if (ret) {
		kms->scan_errors++;
		dev_warn_ratelimited(kms->drm.dev,
				     "scan-out of frame %llu failed: %d (%llu failures)\n",
				     frame, ret, kms->scan_errors);
	} else if (crc_on) {
		drm_crtc_add_crc_entry(&kms->crtc, true, frame, &crc);
	}
	/* the entry is in: the next latch (and flip) may come */
	spin_lock_irq(&kms->lock);
	kms->scanning = false;
	waits = kms->latch_waits;
	spin_unlock_irq(&kms->lock);
	drm_dbg_driver(&kms->drm,
		       "frame %llu: fb %u scanned in %lld us (vblank now %llu, %llu latch waits)\n",
		       frame, fb->base.id, us, drm_crtc_vblank_count(&kms->crtc),
		       waits);
	drm_framebuffer_put(fb);
}

/*
 * Complete a flip: send @event now and drop the vblank reference it held.
 * Any context; not under vtee_kms.lock (the event lock comes first).
 */
static void vtee_kms_send_event(struct vtee_kms *kms,
				struct drm_pending_vblank_event *event)
{
	unsigned long flags;

	spin_lock_irqsave(&kms->drm.event_lock, flags);
	drm_crtc_send_vblank_event(&kms->crtc, event);
	spin_unlock_irqrestore(&kms->drm.event_lock, flags);
	drm_crtc_vblank_put(&kms->crtc);
}

/*
 * Show nothing: drop the shown, waiting and retired framebuffers, and
 * complete a waiting flip. Context: process, with no scan running.
 */
static void vtee_kms_drop_all(struct vtee_kms *kms)
{
	struct drm_pending_vblank_event *event;
	struct drm_framebuffer *fbs[3];
	unsigned int i;

	spin_lock_irq(&kms->lock);
	fbs[0] = kms->shown;
	fbs[1] = kms->next;
	fbs[2] = kms->retired;
	kms->shown = NULL;
	kms->next = NULL;
	kms->retired = NULL;
	kms->next_set = false;
	event = kms->event;
	kms->event = NULL;
	spin_unlock_irq(&kms->lock);
	if (event)
		vtee_kms_send_event(kms, event);
	for (i = 0; i < ARRAY_SIZE(fbs); i++)
		if (fbs[i])
			drm_framebuffer_put(fbs[i]);
}

/* ---- vblank ------------------------------------------------------------- */

/**
 * vtee_kms_vblank() - the vblank hrtimer
 * @timer:	vtee_kms.timer
 *
 * Signals the vblank, latches the framebuffer a commit put up unless the
 * one on screen is being scanned or has not been scanned yet (then the
 * next vblank tries again),
 * completes that commit's flip, and queues a scan of the shown
 * framebuffer if the CRC source is on or the framebuffer is new.
 *
 * Context: hard interrupt.
 *
 * Return: HRTIMER_RESTART while vblanks are on.
 */
static enum hrtimer_restart vtee_kms_vblank(struct hrtimer *timer)
{
	struct vtee_kms *kms = container_of(timer, struct vtee_kms, timer);
	struct drm_pending_vblank_event *event = NULL;
	bool scan;

	/*
	 * Forwarded under the lock, so never while vtee_kms_enable_vblank()
	 * has queued the timer again behind this run's back.
	 */
	spin_lock(&kms->lock);
	if (!kms->vblank_on || hrtimer_is_queued(timer)) {
		spin_unlock(&kms->lock);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(timer, kms->period);
	spin_unlock(&kms->lock);

	if (!drm_crtc_handle_vblank(&kms->crtc))
		return HRTIMER_RESTART;

	spin_lock(&kms->lock);
	if (kms->next_set &&
	    (kms->scanning || kms->shown_new || kms->retired)) {
		kms->latch_waits++;
	} else if (kms->next_set) {
		kms->retired = kms->shown;
		kms->shown = kms->next;
		kms->shown_new = !!kms->shown;
		kms->next = NULL;
		kms->next_set = false;
		event = kms->event;
		kms->event = NULL;
	}
	scan = kms->shown && (kms->crc_on || kms->shown_new);
	if (scan)
		kms->scan_frame = drm_crtc_vblank_count(&kms->crtc);
	/* the work drops the retired framebuffer */
	scan |= !!kms->retired;
	spin_unlock(&kms->lock);
	if (event)
		vtee_kms_send_event(kms, event);
	/* Already queued: that scan reports this newer frame */
	if (scan)
		queue_work(kms->wq, &kms->scan_work);
	return HRTIMER_RESTART;
}

/**
 * vtee_kms_enable_vblank() - &drm_crtc_funcs.enable_vblank
 * @crtc:	the CRTC
 *
 * Context: DRM's vblank locks held, interrupts off.
 *
 * Return: 0.
 */
static int vtee_kms_enable_vblank(struct drm_crtc *crtc)
{
	struct vtee_kms *kms = vtee_kms_from_crtc(crtc);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];

	drm_calc_timestamping_constants(crtc, &crtc->mode);
	spin_lock(&kms->lock);
	kms->period = ns_to_ktime(vblank->framedur_ns ?:
				  NSEC_PER_SEC / VTEE_KMS_REFRESH);
	kms->vblank_on = true;
	hrtimer_start(&kms->timer, kms->period, HRTIMER_MODE_REL);
	spin_unlock(&kms->lock);
	return 0;
}

/**
 * vtee_kms_disable_vblank() - &drm_crtc_funcs.disable_vblank
 * @crtc:	the CRTC
 *
 * Context: DRM's vblank locks held (drm_crtc_vblank_off() holds the event
 * lock, which a running hrtimer may be waiting for), so the timer is not
 * waited for: a running one stops itself. Teardown cancels it.
 */
static void vtee_kms_disable_vblank(struct drm_crtc *crtc)
{
	struct vtee_kms *kms = vtee_kms_from_crtc(crtc);

	spin_lock(&kms->lock);
	kms->vblank_on = false;
	hrtimer_try_to_cancel(&kms->timer);
	spin_unlock(&kms->lock);
}

/* ---- CRC source --------------------------------------------------------- */

static const char *const vtee_kms_crc_sources[] = { "auto" };

/* "auto": 1; NULL or "": 0; else -EINVAL */
static int vtee_kms_crc_parse(const char *name)
{
	if (!name || !*name)
		return 0;
	return strcmp(name, "auto") ? -EINVAL : 1;
}

/**
 * vtee_kms_get_crc_sources() - &drm_crtc_funcs.get_crc_sources
 * @crtc:	the CRTC
 * @count:	out: number of sources
 *
 * Return: the one source, "auto" (the whole frame as scanned out).
 */
static const char *const *vtee_kms_get_crc_sources(struct drm_crtc *crtc,
						   size_t *count)
{
	*count = ARRAY_SIZE(vtee_kms_crc_sources);
	return vtee_kms_crc_sources;
}

/**
 * vtee_kms_verify_crc_source() - &drm_crtc_funcs.verify_crc_source
 * @crtc:	the CRTC
 * @name:	source name
 * @values_cnt:	out: values per entry (one CRC-32)
 *
 * Return: 0 for "auto" or none, -EINVAL otherwise.
 */
static int vtee_kms_verify_crc_source(struct drm_crtc *crtc, const char *name,
				      size_t *values_cnt)
{
	int ret = vtee_kms_crc_parse(name);

	if (ret < 0)
		return ret;
	*values_cnt = 1;
	return 0;
}

/**
 * vtee_kms_set_crc_source() - &drm_crtc_funcs.set_crc_source
 * @crtc:	the CRTC
 * @name:	"auto" to scan out and report every vblank, NULL or "" to stop
 *
 * While on, the CRC source holds a vblank reference, so vblanks keep coming.
 *
 * Return: 0; -EINVAL for an unknown source; drm_crtc_vblank_get()'s error
 * (the CRTC is off).
 */
static int vtee_kms_set_crc_source(struct drm_crtc *crtc, const char *name)
{
	struct vtee_kms *kms = vtee_kms_from_crtc(crtc);
	int on = vtee_kms_crc_parse(name);
	bool was_on;
	int ret;

	if (on < 0)
		return on;
	if (on) {
		ret = drm_crtc_vblank_get(crtc);
		if (ret)
			return ret;
	}
	spin_lock_irq(&kms->lock);
	was_on = kms->crc_on;
	kms->crc_on = on;
	spin_unlock_irq(&kms->lock);
	if (was_on)
		drm_crtc_vblank_put(crtc);
	return 0;
}

/* ---- CRTC --------------------------------------------------------------- */

static const struct drm_crtc_funcs vtee_kms_crtc_funcs = {
	.set_config = drm_atomic_helper_set_config,
	.destroy = drm_crtc_cleanup,
	.page_flip = drm_atomic_helper_page_flip,
	.reset = drm_atomic_helper_crtc_reset,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	.enable_vblank = vtee_kms_enable_vblank,
	.disable_vblank = vtee_kms_disable_vblank,
	.get_crc_sources = vtee_kms_get_crc_sources,
	.set_crc_source = vtee_kms_set_crc_source,
	.verify_crc_source = vtee_kms_verify_crc_source,
};

/**
 * vtee_kms_crtc_atomic_enable() - &drm_crtc_helper_funcs.atomic_enable
 * @crtc:	the CRTC
 * @state:	the commit
 */
static void vtee_kms_crtc_atomic_enable(struct drm_crtc *crtc,
					struct drm_atomic_state *state)
{
	drm_crtc_vblank_on(crtc);
}

/**
 * vtee_kms_crtc_atomic_disable() - &drm_crtc_helper_funcs.atomic_disable
 * @crtc:	the CRTC
 * @state:	the commit
 *
 * Vblanks off; once a running scan is done, nothing is scanned out any
 * more (a flip still waiting completes).
 */
static void vtee_kms_crtc_atomic_disable(struct drm_crtc *crtc,
					 struct drm_atomic_state *state)
{
	struct vtee_kms *kms = vtee_kms_from_crtc(crtc);

	drm_crtc_vblank_off(crtc);
	flush_workqueue(kms->wq);
	vtee_kms_drop_all(kms);
}

/**
 * vtee_kms_crtc_atomic_flush() - &drm_crtc_helper_funcs.atomic_flush
 * @crtc:	the CRTC
 * @state:	the commit
 *
 * Publishes the framebuffer the plane's update staged: latched at the next
 * vblank (vtee_kms_vblank()), which sends the commit's event. With vblanks
 * off it goes up now, once a running scan is done, and the event is sent
 * now. A commit that leaves the plane alone gets its event at the next
 * vblank.
 */
static void vtee_kms_crtc_atomic_flush(struct drm_crtc *crtc,
				       struct drm_atomic_state *state)
{
	struct drm_pending_vblank_event *event = crtc->state->event;
	struct vtee_kms *kms = vtee_kms_from_crtc(crtc);
	struct drm_framebuffer *old = NULL;
	bool on = !drm_crtc_vblank_get(crtc);

	crtc->state->event = NULL;
	vtee_kms_put_retired(kms);
	if (!on)
		flush_workqueue(kms->wq);
	spin_lock_irq(&kms->lock);
	if (kms->staged_set && !on) {
		old = kms->shown;
		kms->shown = kms->staged;
		kms->shown_new = !!kms->shown;
	} else if (kms->staged_set) {
		old = kms->next;	/* none: a commit waits for the last flip */
		kms->next = kms->staged;
		kms->next_set = true;
		if (event) {
			kms->event = event;	/* with our vblank reference */
			event = NULL;
			on = false;
		}
	}
	spin_unlock_irq(&kms->lock);
	kms->staged = NULL;
	kms->staged_set = false;
	if (old)
		drm_framebuffer_put(old);

	if (event) {
		spin_lock_irq(&crtc->dev->event_lock);
		if (on)
			drm_crtc_arm_vblank_event(crtc, event);
		else
			drm_crtc_send_vblank_event(crtc, event);
		spin_unlock_irq(&crtc->dev->event_lock);
	} else if (on) {
		drm_crtc_vblank_put(crtc);
	}
}

static const struct drm_crtc_helper_funcs vtee_kms_crtc_helper_funcs = {
	.atomic_flush = vtee_kms_crtc_atomic_flush,
	.atomic_enable = vtee_kms_crtc_atomic_enable,
	.atomic_disable = vtee_kms_crtc_atomic_disable,
};

/* ---- primary plane ------------------------------------------------------ */

static const struct drm_plane_funcs vtee_kms_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = drm_atomic_helper_plane_reset,
	.atomic_duplicate_state = drm_atomic_helper_plane_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_plane_destroy_state,
};

/**
 * vtee_kms_plane_atomic_check() - &drm_plane_helper_funcs.atomic_check
 * @plane:	the primary plane
 * @state:	the commit
 *
 * No scaling; positioning allowed (kmssink centres a smaller video). The
 * CRC does not care: it covers the whole objects wherever they are shown.
 *
 * Return: 0 or drm_atomic_helper_check_plane_state()'s error.
 */
static int vtee_kms_plane_atomic_check(struct drm_plane *plane,
				       struct drm_atomic_state *state)
{
	struct drm_plane_state *new = drm_atomic_get_new_plane_state(state,
								     plane);
	struct drm_crtc_state *crtc_state = NULL;

	if (new->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, new->crtc);
	return drm_atomic_helper_check_plane_state(new, crtc_state,
						   DRM_PLANE_NO_SCALING,
						   DRM_PLANE_NO_SCALING,
						   true, true);
}

/* Stage @fb (NULL: nothing) for the CRTC's atomic_flush to publish */
static void vtee_kms_stage(struct vtee_kms *kms, struct drm_framebuffer *fb)
{
	vtee_kms_dbg_fb(kms, fb);
	if (fb)
		drm_framebuffer_get(fb);
	if (kms->staged)
		drm_framebuffer_put(kms->staged);
	kms->staged = fb;
	kms->staged_set = true;
}

/**
 * vtee_kms_plane_atomic_update() - &drm_plane_helper_funcs.atomic_update
 * @plane:	the primary plane
 * @state:	the commit
 *
 * The new framebuffer is latched at the next vblank (after the CRTC's
 * atomic_flush).
 */
static void vtee_kms_plane_atomic_update(struct drm_plane *plane,
					 struct drm_atomic_state *state)
{
	struct drm_plane_state *new = drm_atomic_get_new_plane_state(state,
								     plane);

	vtee_kms_stage(vtee_kms_from_drm(plane->dev),
		       new->visible ? new->fb : NULL);
}

/**
 * vtee_kms_plane_atomic_disable() - &drm_plane_helper_funcs.atomic_disable
 * @plane:	the primary plane
 * @state:	the commit
 */
static void vtee_kms_plane_atomic_disable(struct drm_plane *plane,
					  struct drm_atomic_state *state)
{
	vtee_kms_stage(vtee_kms_from_drm(plane->dev), NULL);
}

static const struct drm_plane_helper_funcs vtee_kms_plane_helper_funcs = {
	.atomic_check = vtee_kms_plane_atomic_check,
	.atomic_update = vtee_kms_plane_atomic_update,
	.atomic_disable = vtee_kms_plane_atomic_disable,
};

/* ---- connector ---------------------------------------------------------- */

/**
 * vtee_kms_get_modes() - &drm_connector_helper_funcs.get_modes
 * @connector:	the virtual connector
 *
 * Return: the number of modes added: the demo's sizes at VTEE_KMS_REFRESH,
 * 640x480 preferred.
 */
static int vtee_kms_get_modes(struct drm_connector *connector)
{
	static const u16 sizes[][2] = { { 640, 480 }, { 1280, 720 } };
	struct drm_display_mode *mode;
	unsigned int i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		mode = drm_cvt_mode(connector->dev, sizes[i][0], sizes[i][1],
				    VTEE_KMS_REFRESH, false, false, false);
		if (!mode)
			continue;
		if (!i)
			mode->type |= DRM_MODE_TYPE_PREFERRED;
		drm_mode_probed_add(connector, mode);
		n++;
	}
	return n;
}

static const struct drm_connector_helper_funcs vtee_kms_connector_helper_funcs = {
	.get_modes = vtee_kms_get_modes,
};

static const struct drm_connector_funcs vtee_kms_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/* ---- device ------------------------------------------------------------- */

static const struct drm_mode_config_funcs vtee_kms_mode_config_funcs = {
	.fb_create = drm_gem_fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

/**
 * vtee_kms_commit_tail() - &drm_mode_config_helper_funcs.atomic_commit_tail
 * @state:	the commit
 *
 * drm_atomic_helper_commit_tail() but waiting for the flip (the vblank
 * event) rather than for a vblank: its 100 ms vblank wait WARNs when the
 * emulated machine is slow (TCG on a loaded host), and the hrtimer's
 * vblanks come late there. The flip wait allows 10 s and still keeps
 * the old framebuffers until the new ones are latched.
 */
static void vtee_kms_commit_tail(struct drm_atomic_state *state)
{
	struct drm_device *dev = state->dev;

	drm_atomic_helper_commit_modeset_disables(dev, state);
	drm_atomic_helper_commit_planes(dev, state, 0);
	drm_atomic_helper_commit_modeset_enables(dev, state);
	drm_atomic_helper_fake_vblank(state);
	drm_atomic_helper_commit_hw_done(state);
	drm_atomic_helper_wait_for_flip_done(dev, state);
	drm_atomic_helper_cleanup_planes(dev, state);
}

static const struct drm_mode_config_helper_funcs vtee_kms_mode_config_helpers = {
	.atomic_commit_tail = vtee_kms_commit_tail,
};

DEFINE_DRM_GEM_DMA_FOPS(vtee_kms_fops);

static const struct drm_driver vtee_kms_driver = {
	.driver_features = DRIVER_MODESET | DRIVER_GEM | DRIVER_ATOMIC,
	.fops = &vtee_kms_fops,
	DRM_GEM_DMA_DRIVER_OPS,
	.gem_create_object = vtee_kms_gem_create_object,
	.name = VTEE_KMS_NAME,
	.desc = "vtee emulated display (vdisp), scanned out by the secure world",
	.date = "20261201",
	.major = 1,
	.minor = 0,
};

static int vtee_kms_modeset_init(struct vtee_kms *kms)
{
	struct drm_device *drm = &kms->drm;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 16;
	drm->mode_config.min_height = 16;
	drm->mode_config.max_width = VTEE_KMS_MAX_SIZE;
	drm->mode_config.max_height = VTEE_KMS_MAX_SIZE;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &vtee_kms_mode_config_funcs;
	drm->mode_config.helper_private = &vtee_kms_mode_config_helpers;

	ret = drm_universal_plane_init(drm, &kms->plane, 1,
				       &vtee_kms_plane_funcs, vtee_kms_formats,
				       ARRAY_SIZE(vtee_kms_formats), NULL,
				       DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&kms->plane, &vtee_kms_plane_helper_funcs);

	ret = drm_crtc_init_with_planes(drm, &kms->crtc, &kms->plane, NULL,
					&vtee_kms_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&kms->crtc, &vtee_kms_crtc_helper_funcs);

	ret = drm_simple_encoder_init(drm, &kms->encoder,
				      DRM_MODE_ENCODER_VIRTUAL);
	if (ret)
		return ret;
	kms->encoder.possible_crtcs = drm_crtc_mask(&kms->crtc);

	ret = drm_connector_init(drm, &kms->connector,
				 &vtee_kms_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&kms->connector,
				 &vtee_kms_connector_helper_funcs);
	ret = drm_connector_attach_encoder(&kms->connector, &kms->encoder);
	if (ret)
		return ret;

	ret = drm_vblank_init(drm, 1);
	if (ret)
		return ret;
	drm_mode_config_reset(drm);
	return 0;
}

/* Stop the hrtimer and the scan work; drop the framebuffers */
static void vtee_kms_stop(struct vtee_kms *kms)
{
	spin_lock_irq(&kms->lock);
	kms->vblank_on = false;
	spin_unlock_irq(&kms->lock);
	hrtimer_cancel(&kms->timer);
	if (kms->wq) {
		destroy_workqueue(kms->wq);	/* drains it */
		kms->wq = NULL;
	}
	vtee_kms_drop_all(kms);
	if (kms->staged)
		drm_framebuffer_put(kms->staged);
	kms->staged = NULL;
}

/**
 * vtee_kms_probe() - &platform_driver.probe: register the DRM device
 * @pdev:	the vtee_kms platform device
 *
 * Return: 0; -ENODEV without vtee; -ENOMEM; DRM's errors.
 */
static int vtee_kms_probe(struct platform_device *pdev)
{
	struct vtee_kms *kms;
	int ret;

	kms = devm_drm_dev_alloc(&pdev->dev, &vtee_kms_driver, struct vtee_kms,
				 drm);
	if (IS_ERR(kms))
		return PTR_ERR(kms);
	platform_set_drvdata(pdev, kms);
	spin_lock_init(&kms->lock);
	hrtimer_init(&kms->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	kms->timer.function = vtee_kms_vblank;
	INIT_WORK(&kms->scan_work, vtee_kms_scan_work);
	kms->wq = alloc_ordered_workqueue(VTEE_KMS_NAME, 0);
	if (!kms->wq)
		return -ENOMEM;

	ret = vtee_register_master(&pdev->dev, VTEE_STREAM_VDISP);
	if (ret)
		goto err;
	kms->master = true;
	ret = vtee_kms_modeset_init(kms);
	if (ret)
		goto err;
	ret = drm_dev_register(&kms->drm, 0);
	if (ret)
		goto err;
	return 0;

err:
	dev_err(&pdev->dev, "probe: %d\n", ret);
	vtee_kms_stop(kms);
	if (kms->master)
		vtee_unregister_master(&pdev->dev);
	return ret;
}

/**
 * vtee_kms_remove() - &platform_driver.remove: unregister, shut down
 * @pdev:	the vtee_kms platform device
 *
 * Return: 0.
 */
static int vtee_kms_remove(struct platform_device *pdev)
{
	struct vtee_kms *kms = platform_get_drvdata(pdev);

	drm_dev_unregister(&kms->drm);
	drm_atomic_helper_shutdown(&kms->drm);
	vtee_kms_stop(kms);
	vtee_unregister_master(&pdev->dev);
	return 0;
}

static struct platform_driver vtee_kms_platform_driver = {
	.probe = vtee_kms_probe,
	.remove = vtee_kms_remove,
	.driver = {
		.name = VTEE_KMS_NAME,
	},
};

static struct platform_device *vtee_kms_pdev;

static int __init vtee_kms_init(void)
{
	struct platform_device_info pinfo = {
		.name = VTEE_KMS_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	ret = platform_driver_register(&vtee_kms_platform_driver);
	if (ret)
		return ret;
	vtee_kms_pdev = platform_device_register_full(&pinfo);
	if (IS_ERR(vtee_kms_pdev)) {
		platform_driver_unregister(&vtee_kms_platform_driver);
		return PTR_ERR(vtee_kms_pdev);
	}
	if (!platform_get_drvdata(vtee_kms_pdev)) {
		/* probe failed: nothing to show */
		platform_device_unregister(vtee_kms_pdev);
		platform_driver_unregister(&vtee_kms_platform_driver);
		return -ENODEV;
	}
	return 0;
}
module_init(vtee_kms_init);

static void __exit vtee_kms_exit(void)
{
	platform_device_unregister(vtee_kms_pdev);
	platform_driver_unregister(&vtee_kms_platform_driver);
}
module_exit(vtee_kms_exit);

MODULE_AUTHOR("protmem");
MODULE_DESCRIPTION("Emulated display (vdisp) as a KMS driver scanned out through the vtee firewall");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
