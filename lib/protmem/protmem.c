// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * protmem.c - libprotmem: protected DMA-buf memory from user space.
 *
 * Contract (see protmem.h): no global state, no static buffers, every call
 * reentrant; errors are negative errnos. The kernel interfaces it uses:
 * the protected DMA heaps, /dev/teeN (linux/tee.h), the pools' sysfs and
 * debugfs files (drivers/tee/tee_heap.c), vtee's violation counters,
 * vmedia's ioctls (linux/vmedia.h) and V4L2 for the vdec-m2m decoder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-heap.h>
#include <linux/tee.h>
#include <linux/videodev2.h>
#include <linux/vmedia.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "protmem.h"

#define PROTMEM_MAX_TEE		32
#define PROTMEM_SYSFS_TEE	"/sys/class/tee"
#define PROTMEM_HEAP_DIR	"/dev/dma_heap/protected,"
#define PROTMEM_DEBUGFS		"/sys/kernel/debug/tee_protmem/"
#define PROTMEM_VIOLATIONS	"/sys/bus/platform/devices/vtee/violations"
#define PROTMEM_M2M_DRIVER	"vdec-m2m"
#define PROTMEM_FMT_PRLE	v4l2_fourcc('P', 'R', 'L', 'E')

static const char *const protmem_names[PROTMEM_NUM_USE_CASES + 1] = {
	[PROTMEM_SECURE_VIDEO] = "secure-video",
	[PROTMEM_TRUSTED_UI] = "trusted-ui",
	[PROTMEM_SECURE_VIDEO_RECORD] = "secure-video-record",
};

static int protmem_valid(int use_case)
{
	return use_case >= 1 && use_case <= PROTMEM_NUM_USE_CASES;
}

int protmem_use_case(const char *name)
{
	int uc;

	if (!name)
		return -EINVAL;
	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++)
		if (!strcmp(name, protmem_names[uc]))
			return uc;
	return -EINVAL;
}

int protmem_use_case_name(int use_case, const char **name)
{
	if (!protmem_valid(use_case) || !name)
		return -EINVAL;
	*name = protmem_names[use_case];
	return 0;
}

/* ---- files -------------------------------------------------------------- */

/* Read a small file into @buf, NUL-terminated; bytes read or -errno */
static int protmem_read_file(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n + 1 < size) {
		r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return err ? err : (int)n;
}

static int protmem_read_u64(const char *path, uint64_t *v)
{
	char buf[32], *end;
	int ret = protmem_read_file(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno)
		return -EIO;
	return 0;
}

/*
 * The sysfs directory of a use case's pool into @dir, and the TEE's class
 * name into @tee (optional); 0 or -ENOENT.
 */
static int protmem_pool_dir(int use_case, char *dir, size_t size,
			    char *tee, size_t tee_size)
{
	struct stat sb;
	int i;

	for (i = 0; i < PROTMEM_MAX_TEE; i++) {
		snprintf(dir, size, PROTMEM_SYSFS_TEE "/tee%d/protmem/%s", i,
			 protmem_names[use_case]);
		if (!stat(dir, &sb) && S_ISDIR(sb.st_mode)) {
			if (tee)
				snprintf(tee, tee_size, "tee%d", i);
			return 0;
		}
	}
	return -ENOENT;
}

static int protmem_pool_file(int use_case, const char *file, char *path,
			     size_t size)
{
	char dir[128];
	int ret = protmem_pool_dir(use_case, dir, sizeof(dir), NULL, 0);

	if (ret)
		return ret;
	snprintf(path, size, "%s/%s", dir, file);
	return 0;
}

/* ---- allocation --------------------------------------------------------- */

int protmem_alloc(int use_case, uint64_t size)
{
	struct dma_heap_allocation_data d = {
		.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[96];
	int heap, ret;

	if (!protmem_valid(use_case) || !size)
		return -EINVAL;
	snprintf(path, sizeof(path), PROTMEM_HEAP_DIR "%s",
		 protmem_names[use_case]);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
	close(heap);
	return ret;
}

int protmem_tee_open(void)
{
	struct tee_ioctl_version_data v;
	char path[32];
	int i, fd, err = -ENODEV;

	for (i = 0; i < PROTMEM_MAX_TEE; i++) {
		snprintf(path, sizeof(path), "/dev/tee%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			/* Say why a TEE that is there could not be opened */
			if (errno != ENOENT && errno != ENXIO)
				err = -errno;
			continue;
		}
		memset(&v, 0, sizeof(v));
		if (!ioctl(fd, TEE_IOC_VERSION, &v) &&
		    (v.gen_caps & TEE_GEN_CAP_PROTMEM))
			return fd;
		close(fd);
	}
	return err;
}

int protmem_tee_alloc(int tee, int use_case, uint64_t size,
		      uint64_t *allocated)
{
	struct tee_ioctl_protmem_alloc_data d = {
		.size = size, .use_case = (uint32_t)use_case,
	};
	int fd;

	if (!protmem_valid(use_case) || !size)
		return -EINVAL;
	fd = ioctl(tee, TEE_IOC_PROTMEM_ALLOC, &d);
	if (fd < 0)
		return -errno;
	if (allocated)
		*allocated = d.size;
	return fd;
}

int protmem_register(int tee, int dmabuf, struct protmem_shm *shm)
{
	struct tee_ioctl_shm_register_fd_data d = { .fd = dmabuf };
	int fd;

	if (!shm)
		return -EINVAL;
	fd = ioctl(tee, TEE_IOC_SHM_REGISTER_FD, &d);
	if (fd < 0)
		return -errno;
	shm->fd = fd;
	shm->id = d.id;
	shm->size = d.size;
	return 0;
}

int protmem_unregister(struct protmem_shm *shm)
{
	int ret;

	if (!shm || shm->fd < 0)
		return -EINVAL;
	ret = close(shm->fd) ? -errno : 0;
	shm->fd = -1;
	return ret;
}

int protmem_buf_size(int dmabuf, uint64_t *size)
{
	off_t end;

	if (!size)
		return -EINVAL;
	end = lseek(dmabuf, 0, SEEK_END);
	if (end < 0)
		return -errno;
	lseek(dmabuf, 0, SEEK_SET);
	*size = (uint64_t)end;
	return 0;
}

/* ---- pools, heaps and firewall ------------------------------------------ */

int protmem_pool_stats(int use_case, struct protmem_pool_stats *st)
{
	static const struct {
		const char *file;
		size_t off;
	} fields[] = {
#define F(x) { #x, offsetof(struct protmem_pool_stats, x) }
		F(size), F(used), F(free), F(dirty), F(largest_free),
		F(live_buffers), F(allocations), F(failures),
		F(scrubbed_background), F(scrubbed_sync),
#undef F
	};
	char dir[128], path[192];
	size_t i;
	int ret;

	if (!protmem_valid(use_case) || !st)
		return -EINVAL;
	ret = protmem_pool_dir(use_case, dir, sizeof(dir), NULL, 0);
	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fields[i].file);
		ret = protmem_read_u64(path, (uint64_t *)((char *)st + fields[i].off));
		if (ret)
			return ret;
	}
	return 0;
}

int protmem_allowed_devices(int use_case, struct protmem_rule *rules,
			    size_t max)
{
	char path[192], buf[512], *tok, *save, *colon;
	int ret, n = 0;

	if (!protmem_valid(use_case) || (max && !rules))
		return -EINVAL;
	ret = protmem_pool_file(use_case, "allowed_devices", path,
				sizeof(path));
	if (ret)
		return ret;
	ret = protmem_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	/* "vdec:rw vdisp:r\n" */
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		unsigned int acc = 0;
		const char *a;

		colon = strchr(tok, ':');
		if (!colon || colon == tok ||
		    (size_t)(colon - tok) >= PROTMEM_NAME_MAX)
			return -EIO;
		for (a = colon + 1; *a; a++) {
			if (*a == 'r')
				acc |= PROTMEM_READ;
			else if (*a == 'w')
				acc |= PROTMEM_WRITE;
			else
				return -EIO;
		}
		if ((size_t)n < max) {
			memset(&rules[n], 0, sizeof(rules[n]));
			memcpy(rules[n].device, tok, (size_t)(colon - tok));
			rules[n].access = acc;
		}
		n++;
	}
	return n;
}

int protmem_heaps(struct protmem_heap_info *info, size_t max)
{
	char dir[128];
	struct stat sb;
	int uc, n = 0;

	if (!info || max < PROTMEM_NUM_USE_CASES)
		return -EINVAL;
	for (uc = 1; uc <= PROTMEM_NUM_USE_CASES; uc++) {
		struct protmem_heap_info *h = &info[uc - 1];

		memset(h, 0, sizeof(*h));
		h->use_case = uc;
		snprintf(h->name, sizeof(h->name), "%s", protmem_names[uc]);
		snprintf(h->heap, sizeof(h->heap), PROTMEM_HEAP_DIR "%s",
			 protmem_names[uc]);
		h->has_heap = !stat(h->heap, &sb);
		h->has_pool = !protmem_pool_dir(uc, dir, sizeof(dir), h->tee,
						sizeof(h->tee));
		n += h->has_heap || h->has_pool;
	}
	return n;
}

int protmem_violations(int use_case, uint64_t *count)
{
	char buf[256], *line, *save, *sp, *end;
	int ret;

	if (!protmem_valid(use_case) || !count)
		return -EINVAL;
	ret = protmem_read_file(PROTMEM_VIOLATIONS, buf, sizeof(buf));
	if (ret == -ENOENT)
		return -ENODEV;
	if (ret < 0)
		return ret;
	/* "secure-video 0\ntrusted-ui 0\nsecure-video-record 0\n" */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp)
			return -EIO;
		*sp = '\0';
		if (strcmp(line, protmem_names[use_case]))
			continue;
		errno = 0;
		*count = strtoull(sp + 1, &end, 10);
		if (end == sp + 1 || *end || errno)
			return -EIO;
		return 0;
	}
	return -EIO;
}

/* The extents found so far: written up to @max, counted beyond */
struct protmem_map_acc {
	struct protmem_extent *ext;
	size_t max;
	int n;
	int last;
	uint64_t pos;
};

/* Append an extent, merging it with the last one if of the same state */
static void protmem_map_add(struct protmem_map_acc *a, uint64_t len, int state)
{
	if (!len)
		return;
	if (a->n && a->last == state) {
		if ((size_t)a->n <= a->max)
			a->ext[a->n - 1].len += len;
	} else {
		if ((size_t)a->n < a->max) {
			a->ext[a->n].offset = a->pos;
			a->ext[a->n].len = len;
			a->ext[a->n].state = state;
		}
		a->n++;
		a->last = state;
	}
	a->pos += len;
}

static int protmem_state(const char *word)
{
	if (!strcmp(word, "allocated"))
		return PROTMEM_EXTENT_USED;
	if (!strcmp(word, "clean"))
		return PROTMEM_EXTENT_CLEAN;
	if (!strcmp(word, "dirty"))
		return PROTMEM_EXTENT_DIRTY;
	return -1;
}

/*
 * The map of drivers/tee: a static pool lists every extent,
 * "START-END allocated|clean|dirty"; a dynamic pool lists its chunks,
 * "chunk PADDR+SIZE, N bytes allocated, free:", each followed by its
 * free extents "  START-END clean|dirty" (the rest of a chunk is in
 * buffers). A static pool's map ends with its lock and timing figures,
 * "lock ...", "time ..." and "bytes ..." lines, and every map with the
 * exporter's "time ..." lines: none of them are extents.
 */
int protmem_pool_map(int use_case, struct protmem_extent *ext, size_t max)
{
	struct protmem_map_acc a = { .ext = ext, .max = max };
	uint64_t s, e, chunk = 0, chunk_end = 0, next = 0;
	char path[128], word[16], *buf, *line, *save;
	int ret, in_chunk = 0, dyn = 0, state;
	size_t size = 1 << 20;

	if (!protmem_valid(use_case) || (max && !ext))
		return -EINVAL;
	/* Without a pool, debugfs may still have the file (it stays) */
	ret = protmem_pool_dir(use_case, path, sizeof(path), NULL, 0);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), PROTMEM_DEBUGFS "%s",
		 protmem_names[use_case]);
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	ret = protmem_read_file(path, buf, size);
	if (ret < 0)
		goto out;
	if (strstr(buf, "keep no occupancy map")) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = 0;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t csize;

		if (!strncmp(line, "lock ", 5) || !strncmp(line, "time ", 5) ||
		    !strncmp(line, "bytes ", 6))
			continue;
		if (!strncmp(line, "dynamic pool:", 13) ||
		    !strncmp(line, "retired:", 8)) {
			dyn = 1;
			continue;
		}
		if (sscanf(line, "chunk %" SCNx64 "+%" SCNx64, &chunk, &csize) == 2) {
			if (in_chunk)
				protmem_map_add(&a, chunk_end - next,
						PROTMEM_EXTENT_USED);
			in_chunk = 1;
			next = chunk;
			chunk_end = chunk + csize;
			continue;
		}
		if (sscanf(line, " %" SCNx64 "-%" SCNx64 " %15s", &s, &e, word) != 3 ||
		    e < s || (state = protmem_state(word)) < 0) {
			ret = -EIO;
			break;
		}
		if (dyn) {
			if (!in_chunk || s < next || e >= chunk_end ||
			    state == PROTMEM_EXTENT_USED) {
				ret = -EIO;
				break;
			}
			protmem_map_add(&a, s - next, PROTMEM_EXTENT_USED);
			next = e + 1;
		}
		protmem_map_add(&a, e - s + 1, state);
	}
	if (!ret && in_chunk)
		protmem_map_add(&a, chunk_end - next, PROTMEM_EXTENT_USED);
	if (!ret)
		ret = a.n;
out:
	free(buf);
	return ret;
}

/* ---- media devices ------------------------------------------------------ */

int protmem_media_open(const char *name)
{
	static const char *const devs[] = { "vdec", "vdisp", "vcam", "venc" };
	char path[32];
	size_t i;
	int fd;

	for (i = 0; name && i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (strcmp(name, devs[i]))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return -EINVAL;
}

static int protmem_codec(int dev, unsigned long req, int in, uint64_t len,
			 int out, uint64_t *written)
{
	struct vmedia_codec c = { .in_fd = in, .out_fd = out, .in_len = len };

	if (ioctl(dev, req, &c))
		return -errno;
	if (written)
		*written = c.out_len;
	return 0;
}

int protmem_decode(int vdec, int bitstream, uint64_t len, int frame,
		   uint64_t *written)
{
	return protmem_codec(vdec, VMEDIA_IOC_DECODE, bitstream, len, frame,
			     written);
}

int protmem_encode(int venc, int frame, uint64_t len, int bitstream,
		   uint64_t *written)
{
	return protmem_codec(venc, VMEDIA_IOC_ENCODE, frame, len, bitstream,
			     written);
}

int protmem_capture(int vcam, int frame, uint64_t len, uint64_t *number)
{
	struct vmedia_capture c = { .out_fd = frame, .len = len };

	if (ioctl(vcam, VMEDIA_IOC_CAPTURE, &c))
		return -errno;
	if (number)
		*number = c.frame;
	return 0;
}

int protmem_scanout(int vdisp, int frame, uint64_t len, uint32_t *crc)
{
	struct vmedia_scanout s = { .in_fd = frame, .len = len };

	if (ioctl(vdisp, VMEDIA_IOC_SCANOUT, &s))
		return -errno;
	if (crc)
		*crc = s.crc;
	return 0;
}

/* ---- the V4L2 decoder --------------------------------------------------- */

static int protmem_xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

/* Open the /dev/videoN of the vdec-m2m driver; fd or -errno */
static int protmem_m2m_node(void)
{
	struct v4l2_capability cap;
	char path[300];
	struct dirent *e;
	int fd = -ENOENT;
	DIR *d = opendir("/dev");

	if (!d)
		return -errno;
	while (fd < 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "video", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			fd = -ENOENT;
			continue;
		}
		memset(&cap, 0, sizeof(cap));
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
		    strcmp((const char *)cap.driver, PROTMEM_M2M_DRIVER)) {
			close(fd);
			fd = -ENOENT;
		}
	}
	closedir(d);
	return fd;
}

static int protmem_v4l2_fmt(int fd, uint32_t type, uint32_t w, uint32_t h,
			    uint32_t fourcc, uint32_t sizeimage)
{
	struct v4l2_format f;
	int ret;

	memset(&f, 0, sizeof(f));
	f.type = type;
	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = fourcc;
	f.fmt.pix.sizeimage = sizeimage;
	ret = protmem_xioctl(fd, VIDIOC_S_FMT, &f);
	if (!ret && (f.fmt.pix.pixelformat != fourcc ||
		     f.fmt.pix.width != w || f.fmt.pix.height != h))
		ret = -EINVAL;
	return ret;
}

static int protmem_v4l2_reqbufs(int fd, uint32_t type, uint32_t count)
{
	struct v4l2_requestbuffers rb;

	memset(&rb, 0, sizeof(rb));
	rb.count = count;
	rb.type = type;
	rb.memory = V4L2_MEMORY_DMABUF;
	return protmem_xioctl(fd, VIDIOC_REQBUFS, &rb);
}

int protmem_v4l2_open(struct protmem_v4l2 *dec, uint32_t width,
		      uint32_t height)
{
	int fd, ret;

	if (!dec || !width || !height)
		return -EINVAL;
	fd = protmem_m2m_node();
	if (fd < 0)
		return fd;
	ret = protmem_v4l2_fmt(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, width, height,
			       PROTMEM_FMT_PRLE, width * height);
	ret = ret ?: protmem_v4l2_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, width,
				      height, V4L2_PIX_FMT_GREY, 0);
	ret = ret ?: protmem_v4l2_reqbufs(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 1);
	ret = ret ?: protmem_v4l2_reqbufs(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 1);
	if (ret) {
		close(fd);
		return ret;
	}
	dec->fd = fd;
	dec->width = width;
	dec->height = height;
	dec->frame_size = width * height;
	dec->streaming = 0;
	return 0;
}

static int protmem_v4l2_qbuf(int fd, uint32_t type, int dmabuf,
			     uint32_t bytesused)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.m.fd = dmabuf;
	b.bytesused = bytesused;
	b.field = V4L2_FIELD_NONE;
	return protmem_xioctl(fd, VIDIOC_QBUF, &b);
}

static uint64_t protmem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* DQBUF of @type within @deadline (ms); 0, -EIO (error flag) or -errno */
static int protmem_v4l2_dqbuf(int fd, uint32_t type, uint64_t deadline,
			      uint32_t *bytesused)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	struct v4l2_buffer b;
	uint64_t now;
	int ret;

	for (;;) {
		memset(&b, 0, sizeof(b));
		b.type = type;
		b.memory = V4L2_MEMORY_DMABUF;
		ret = protmem_xioctl(fd, VIDIOC_DQBUF, &b);
		if (ret != -EAGAIN)
			break;
		now = protmem_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		/* Either queue may wake us: wait a little at most */
		poll(&p, 1, (int)(deadline - now < 10 ? deadline - now : 10));
	}
	if (ret)
		return ret;
	if (bytesused)
		*bytesused = b.bytesused;
	return (b.flags & V4L2_BUF_FLAG_ERROR) ? -EIO : 0;
}

int protmem_v4l2_decode(struct protmem_v4l2 *dec, int bitstream,
			uint32_t len, int frame, unsigned int timeout_ms,
			uint32_t *bytesused)
{
	uint64_t deadline;
	int ret, type, r;

	if (!dec || dec->fd < 0)
		return -EINVAL;
	ret = protmem_v4l2_qbuf(dec->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				bitstream, len);
	if (ret)
		return ret;
	ret = protmem_v4l2_qbuf(dec->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, frame, 0);
	if (ret) {
		/* take the bitstream back: streamoff returns queued buffers */
		type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		protmem_xioctl(dec->fd, VIDIOC_STREAMOFF, &type);
		dec->streaming = 0;
		return ret;
	}
	if (!dec->streaming) {
		type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		ret = protmem_xioctl(dec->fd, VIDIOC_STREAMON, &type);
		type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		ret = ret ?: protmem_xioctl(dec->fd, VIDIOC_STREAMON, &type);
		if (ret)
			return ret;
		dec->streaming = 1;
	}
	deadline = protmem_now_ms() + timeout_ms;
	ret = protmem_v4l2_dqbuf(dec->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, deadline,
				 NULL);
	r = protmem_v4l2_dqbuf(dec->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, deadline,
			       bytesused);
	return ret ?: r;
}

int protmem_v4l2_close(struct protmem_v4l2 *dec)
{
	static const uint32_t types[2] = { V4L2_BUF_TYPE_VIDEO_OUTPUT,
					   V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int i, ret = 0, r, type;

	if (!dec || dec->fd < 0)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		type = (int)types[i];
		r = protmem_xioctl(dec->fd, VIDIOC_STREAMOFF, &type);
		ret = ret ?: r;
		r = protmem_v4l2_reqbufs(dec->fd, types[i], 0);
		ret = ret ?: r;
	}
	if (close(dec->fd))
		ret = ret ?: -errno;
	dec->fd = -1;
	dec->streaming = 0;
	return ret;
}
