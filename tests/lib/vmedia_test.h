/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmedia_test.h - helpers for the tests of the emulated media devices
 * (/dev/vdec, /dev/vdisp, /dev/vcam, /dev/venc; <linux/vmedia.h>) and of
 * DMA-buf importers: the vmedia module and others, DRM cards by driver, the firewall's violation counters and where the
 * carveout's regions are. Static inline, like protmem_test.h.
 */
#ifndef VMEDIA_TEST_H
#define VMEDIA_TEST_H

#include <dirent.h>
#include <drm/drm.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <linux/vmedia.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../tools/demo/drm_card.h"
#include "protmem_test.h"
#include "vmedia_ref.h"

/* The uAPI has one layout on every ABI: what the kernel asserts, here too */
_Static_assert(sizeof(struct vmedia_codec) == 32, "vmedia_codec layout");
_Static_assert(offsetof(struct vmedia_codec, out_len) == 16, "vmedia_codec layout");
_Static_assert(sizeof(struct vmedia_capture) == 24, "vmedia_capture layout");
_Static_assert(offsetof(struct vmedia_capture, frame) == 16, "vmedia_capture layout");
_Static_assert(sizeof(struct vmedia_scanout) == 32, "vmedia_scanout layout");
_Static_assert(offsetof(struct vmedia_scanout, frame) == 24, "vmedia_scanout layout");
_Static_assert(sizeof(struct vmedia_raw_dma) == 48, "vmedia_raw_dma layout");
_Static_assert(offsetof(struct vmedia_raw_dma, out) == 40, "vmedia_raw_dma layout");

#define VM_MOD			"vmedia"
#define VM_MOD_SYSFS		"/sys/module/" VM_MOD
#define VM_VIOLATIONS		PM_VTEE_SYSFS "/violations"

/* ---- devices and the module -------------------------------------------- */

static inline int vm_open(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Module @name is loaded (and live) */
static inline int vm_mod_loaded(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return pm_path_exists(path);
}

/*
 * Load module @name if it is not loaded; 1 if this loaded it (unload it
 * again with vm_mod_unload()), 0 if it was loaded, -errno.
 */
static inline int vm_mod_load(const char *name)
{
	char cmd[96];

	if (vm_mod_loaded(name))
		return 0;
	snprintf(cmd, sizeof(cmd), "modprobe %s", name);
	if (system(cmd))
		return -EIO;
	return vm_mod_loaded(name) ? 1 : -ENOENT;
}

/* delete_module(@name): 0 or -errno */
static inline int vm_mod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static inline int vm_loaded(void)
{
	return vm_mod_loaded(VM_MOD);
}

/* vmedia: vm_mod_load()'s answers */
static inline int vm_load(void)
{
	return vm_mod_load(VM_MOD);
}

static inline int vm_unload(void)
{
	return vm_mod_unload(VM_MOD);
}

/* ---- firewall violations ------------------------------------------------ */

/* Violation counter per use case, as pm_use_case(i); 0 or -errno */
static inline int vm_violations(uint64_t v[PM_NUM_USE_CASES])
{
	char buf[512], *line;
	unsigned int i;
	int ret = pm_read_file(VM_VIOLATIONS, buf, sizeof(buf));

	if (ret)
		return ret;
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		char key[64];

		snprintf(key, sizeof(key), "%s ", pm_use_case(i)->name);
		line = buf;
		while (line && strncmp(line, key, strlen(key))) {
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		if (!line)
			return -EINVAL;
		v[i] = strtoull(line + strlen(key), NULL, 10);
	}
	return 0;
}

/* ---- where the regions are --------------------------------------------- */

/* Physical range of one use case's carveout region */
struct vm_region {
	uint64_t base, size;
};

/*
 * The regions of the default split (1/2, 1/4, 1/4 of the carveout, in
 * use-case order, 1 MiB aligned), as pm_use_case(i). The carveout is
 * vtee's carveout= parameter, or the device tree's (arm64). 0, or -ENOENT
 * when vtee runs without a carveout or with a split or dynamic pools of
 * its own (the test then does not know where regions are).
 */
static inline int vm_regions(struct vm_region r[PM_NUM_USE_CASES])
{
	static const unsigned int share[PM_NUM_USE_CASES] = { 2, 4, 4 };
	struct pm_vtee_params p;
	uint64_t base, size;
	unsigned int i;
	char *end;

	if (pm_vtee_read_params(&p))
		return -ENOENT;
	if (pm_vtee_param_is_set(pm_vtee_param(&p, "split")) ||
	    pm_vtee_param_is_set(pm_vtee_param(&p, "dynamic")))
		return -ENOENT;
	if (!pm_vtee_param_is_set(pm_vtee_param(&p, "carveout"))) {
		if (pm_dt_carveout(&base, &size, NULL) || !size)
			return -ENOENT;
	} else {
		size = strtoull(pm_vtee_param(&p, "carveout"), &end, 0);
		if (*end == 'M' || *end == 'm') {
			size <<= 20;
			end++;
		} else if (*end == 'G' || *end == 'g') {
			size <<= 30;
			end++;
		}
		if (*end != '@' || !size)
			return -ENOENT;
		base = strtoull(end + 1, NULL, 0);
	}
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		r[i].base = base;
		r[i].size = (size / share[i]) & ~(PM_MIB - 1);
		base += r[i].size;
	}
	return 0;
}

/* ---- the devices' ioctls ----------------------------------------------- */

/* DECODE (vdec) or ENCODE (venc); 0 or -errno, *@out_len (optional) */
static inline int vm_codec(int dev, unsigned long cmd, int in, int out,
			   uint64_t in_len, uint64_t *out_len)
{
	struct vmedia_codec c = { .in_fd = in, .out_fd = out, .in_len = in_len };
	int ret = ioctl(dev, cmd, &c) < 0 ? -errno : 0;

	if (out_len)
		*out_len = c.out_len;
	return ret;
}

/* SCANOUT (vdisp); 0 or -errno, *@crc and *@frame (optional) */
static inline int vm_scanout(int dev, int in, uint64_t len, uint32_t *crc,
			     uint64_t *frame)
{
	struct vmedia_scanout s = { .in_fd = in, .len = len };
	int ret = ioctl(dev, VMEDIA_IOC_SCANOUT, &s) < 0 ? -errno : 0;

	if (crc)
		*crc = s.crc;
	if (frame)
		*frame = s.frame;
	return ret;
}

/* ---- the V4L2 decoder ------------------------------------------------- */

#define VM_M2M_MOD		"vdec_m2m"
#define VM_M2M_DRIVER		"vdec-m2m"

/* The /dev/videoN whose driver is vdec-m2m into @path; 0 or -ENOENT */
static inline int vm_find_m2m_node(char *path, size_t size)
{
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d = opendir("/dev");

	if (!d)
		return -errno;
	while (ret && (e = readdir(d))) {
		struct v4l2_capability cap;
		int fd;

		if (strncmp(e->d_name, "video", 5))
			continue;
		snprintf(path, size, "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, VM_M2M_DRIVER))
			ret = 0;
		close(fd);
	}
	closedir(d);
	return ret;
}

/*
 * Queue DMA-buf @dmabuf as buffer 0 of queue @type of V4L2 node @fd, with
 * @bytesused bytes of payload (0 for a CAPTURE buffer); 0 or -errno.
 */
static inline int vm_qbuf_dmabuf(int fd, uint32_t type, int dmabuf,
				 uint32_t bytesused)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.m.fd = dmabuf;
	b.bytesused = bytesused;
	b.field = V4L2_FIELD_NONE;
	return ioctl(fd, VIDIOC_QBUF, &b) < 0 ? -errno : 0;
}

/*
 * Load module @mod (vdec_m2m, vicodec) if it is not loaded; 1 if this
 * loaded it (unload it again with delete_module()), 0 if it was, -errno.
 */
static inline int vm_module_load(const char *mod)
{
	char p[128], cmd[128];

	snprintf(p, sizeof(p), "/sys/module/%s/initstate", mod);
	if (pm_path_exists(p))
		return 0;
	snprintf(cmd, sizeof(cmd), "modprobe %s", mod);
	if (system(cmd))
		return -EIO;
	return pm_path_exists(p) ? 1 : -ENOENT;
}

/*
 * The /dev/videoN whose video device is named @name (vicodec's
 * "stateful-encoder", "stateful-decoder") into @path; 0 or -ENOENT.
 */
static inline int vm_find_video_by_name(const char *name, char *path,
					size_t size)
{
	char p[128], buf[64];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(p, sizeof(p), "/sys/class/video4linux/video%d/name", i);
		if (pm_read_file(p, buf, sizeof(buf)) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, name)) {
			snprintf(path, size, "/dev/video%d", i);
			return 0;
		}
	}
	return -ENOENT;
}

/* VMEDIA_IOC_RAW_DMA; 0 or -errno, @out (optional) the answer */
static inline int vm_raw(int dev, uint32_t op, uint64_t src, uint64_t src_len,
			 uint64_t dst, uint64_t dst_len, uint64_t *out)
{
	struct vmedia_raw_dma r = {
		.op = op, .src_addr = src, .src_len = src_len,
		.dst_addr = dst, .dst_len = dst_len,
	};

	if (ioctl(dev, VMEDIA_IOC_RAW_DMA, &r) < 0)
		return -errno;
	if (out)
		*out = r.out;
	return 0;
}

/*
 * A random bitstream for vdec: 20 to @max_pairs - 40 random runs, then full
 * runs of 255 until it decodes to more than @min_frame bytes (below
 * 40 * 255, so that @bs, 2 * @max_pairs bytes long, always holds it).
 * Returns its length.
 */
static inline size_t vm_random_bitstream(struct pm_rng *r, uint8_t *bs,
					 size_t max_pairs, size_t min_frame)
{
	size_t i, len = 0, n = 0;
	size_t pairs = (size_t)pm_rng_range(r, 20, max_pairs - 40);

	for (i = 0; i < pairs; i++) {
		bs[len] = (uint8_t)pm_rng_range(r, 1, 255);
		n += bs[len++];
		bs[len++] = (uint8_t)pm_rng_next(r);
	}
	for (; n <= min_frame; n += 255) {
		bs[len++] = 255;
		bs[len++] = (uint8_t)pm_rng_next(r);
	}
	return len;
}

#endif /* VMEDIA_TEST_H */
