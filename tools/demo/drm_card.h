/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drm_card.h - find a DRM card by its driver's name (header only; used by
 * protmem-pipeline and the guest tests).
 */
#ifndef PROTMEM_DRM_CARD_H
#define PROTMEM_DRM_CARD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm/drm.h>

/**
 * drm_card_open() - open the DRM card whose driver is @driver
 * @driver:	DRM driver name (DRM_IOCTL_VERSION), e.g. "vtee_kms"
 * @card:	out: N of /dev/dri/cardN, also its debugfs dri/N
 *
 * Return: an O_RDWR | O_CLOEXEC fd, or -ENOENT when no card of the first
 * 16 has that driver.
 */
static inline int drm_card_open(const char *driver, int *card)
{
	struct drm_version v;
	char path[32], name[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, driver)) {
			*card = i;
			return fd;
		}
		close(fd);
	}
	return -ENOENT;
}

#endif
