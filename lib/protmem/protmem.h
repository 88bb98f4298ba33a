/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * protmem.h - protected (restricted) DMA-buf memory from user space.
 *
 * libprotmem allocates protected buffers by use case, registers them with
 * the TEE, reports the pools and their firewall rules, and hands buffers to
 * the media devices (vmedia's /dev/vdec, /dev/vdisp, /dev/vcam, /dev/venc
 * and the V4L2 decoder). Buffers are ordinary DMA-buf file descriptors:
 * close() frees them, they pass between processes, the CPU cannot map them.
 *
 * Contract, for every call:
 *  - No global state: everything lives in file descriptors and structures
 *    the caller owns. Calls are thread-safe; two threads only need a lock
 *    of their own to share one struct protmem_v4l2.
 *  - An int result is >= 0 on success (0, a count or a file descriptor)
 *    and a negative errno on failure, never -1 with errno set. errno
 *    itself is left as the failing system call set it.
 *  - File descriptors the library returns have O_CLOEXEC.
 *
 * Build: pkg-config --cflags --libs protmem (link with -lprotmem).
 * See docs/libprotmem.md.
 */
#ifndef PROTMEM_H
#define PROTMEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Use cases: the numbers of TEE_IOC_PROTMEM_ALLOC (linux/tee.h) */
#define PROTMEM_SECURE_VIDEO		1	/* "secure-video" */
#define PROTMEM_TRUSTED_UI		2	/* "trusted-ui" */
#define PROTMEM_SECURE_VIDEO_RECORD	3	/* "secure-video-record" */
#define PROTMEM_NUM_USE_CASES		3

/* Bytes a use-case name or a device name takes at most, with its NUL */
#define PROTMEM_NAME_MAX		32

/*
 * protmem_use_case() - the use case of a name
 * @name:	"secure-video", "trusted-ui" or "secure-video-record"
 *
 * Return: PROTMEM_SECURE_VIDEO .. PROTMEM_SECURE_VIDEO_RECORD, or -EINVAL
 * for NULL or an unknown name.
 */
int protmem_use_case(const char *name);

/*
 * protmem_use_case_name() - the name of a use case
 * @use_case:	PROTMEM_SECURE_VIDEO .. PROTMEM_SECURE_VIDEO_RECORD
 * @name:	out: a static string ("secure-video", ...), never freed
 *
 * Return: 0, or -EINVAL for an unknown use case or a NULL @name.
 */
int protmem_use_case_name(int use_case, const char **name);

/* ---- allocation --------------------------------------------------------- */

/*
 * protmem_alloc() - allocate a protected buffer from its DMA heap
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @size:	bytes, > 0; the heap rounds it up to whole pages
 *
 * Allocates from /dev/dma_heap/protected,<use-case>. The buffer is one
 * physically contiguous range, zeroed by the secure world, that only the
 * devices the use case allows may access (protmem_allowed_devices()); the
 * CPU may not map it (mmap() fails with EPERM). Free it with close().
 *
 * Return: the DMA-buf file descriptor, or -EINVAL (unknown use case, size
 * 0, or a heap whose pool is gone), -ENOENT (no such heap: the TEE driver
 * is not loaded), -ENOMEM (the pool has no free range that large; see
 * protmem_pool_stats()), -EACCES (no permission on the heap device), or
 * another errno of open() or DMA_HEAP_IOCTL_ALLOC.
 */
int protmem_alloc(int use_case, uint64_t size);

/*
 * protmem_tee_open() - open the TEE device that serves protected memory
 *
 * Opens the first /dev/teeN (N = 0..31) whose driver advertises
 * TEE_GEN_CAP_PROTMEM. Close it with close().
 *
 * Return: the file descriptor, or -ENODEV (no such TEE device), or the
 * errno of open() (-EACCES: no permission on /dev/teeN).
 */
int protmem_tee_open(void);

/*
 * protmem_tee_alloc() - allocate a protected buffer through the TEE
 * @tee:	a TEE device (protmem_tee_open())
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @size:	bytes, > 0
 * @allocated:	out, may be NULL: the size allocated (@size rounded up to
 *		a page)
 *
 * TEE_IOC_PROTMEM_ALLOC: the same pools as protmem_alloc(), asked through
 * the TEE device rather than the heap. Free the buffer with close().
 *
 * Return: the DMA-buf file descriptor, or -EINVAL (unknown use case, size
 * 0, or no pool for it), -ENOMEM (the pool is full), -ENOTTY (@tee is not
 * a TEE device that supports it), -EBADF (@tee is not open).
 */
int protmem_tee_alloc(int tee, int use_case, uint64_t size,
		      uint64_t *allocated);

/*
 * struct protmem_shm - a protected buffer registered with the TEE
 * @fd:		the shared memory's file descriptor (cannot be mapped)
 * @id:		its id, for a memref parameter of a TEE call
 * @size:	its size: the whole buffer
 */
struct protmem_shm {
	int fd;
	int32_t id;
	uint64_t size;
};

/*
 * protmem_register() - register a protected buffer with the TEE
 * @tee:	a TEE device (protmem_tee_open())
 * @dmabuf:	a buffer of one of that TEE's protected heaps
 * @shm:	out: the registration
 *
 * TEE_IOC_SHM_REGISTER_FD: the buffer can then be passed to trusted
 * applications as a memref (by @shm->id), or with libteec's
 * TEEC_RegisterSharedMemoryFileDescriptor(). The registration holds its
 * own reference: @dmabuf may be closed. Undo with protmem_unregister().
 *
 * Return: 0, or -EINVAL (@dmabuf is not a protected buffer of this TEE,
 * a closed descriptor included, or @shm is NULL), -EBADF (@tee is not
 * open), -ENOMEM.
 */
int protmem_register(int tee, int dmabuf, struct protmem_shm *shm);

/*
 * protmem_unregister() - drop a registration
 * @shm:	from protmem_register(); @shm->fd is set to -1
 *
 * The TEE lets the buffer go once no call in progress uses it.
 *
 * Return: 0, -EINVAL for NULL or a registration already dropped, or the
 * errno of close().
 */
int protmem_unregister(struct protmem_shm *shm);

/*
 * protmem_buf_size() - the size of a DMA-buf
 * @dmabuf:	any DMA-buf
 * @size:	out: its size in bytes
 *
 * Return: 0, or -EBADF, -ESPIPE (not a DMA-buf), -EINVAL for NULL.
 */
int protmem_buf_size(int dmabuf, uint64_t *size);

/* ---- pools, heaps and firewall ------------------------------------------ */

/*
 * struct protmem_pool_stats - a pool's figures, in bytes unless counted
 * @size:		memory in the pool (a dynamic pool: lent now)
 * @used:		in live buffers
 * @free:		not in a buffer (clean or waiting to be scrubbed)
 * @dirty:		free but not scrubbed yet
 * @largest_free:	the largest buffer an allocation could get now
 * @live_buffers:	buffers alive now
 * @allocations:	allocations that succeeded, since the pool was made
 * @failures:		allocations that failed
 * @scrubbed_background: bytes scrubbed by the background scrubber
 * @scrubbed_sync:	bytes scrubbed synchronously by allocations
 */
struct protmem_pool_stats {
	uint64_t size, used, free, dirty, largest_free;
	uint64_t live_buffers, allocations, failures;
	uint64_t scrubbed_background, scrubbed_sync;
};

/*
 * protmem_pool_stats() - read a pool's figures
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @st:		out
 *
 * Reads /sys/class/tee/teeN/protmem/<use-case>/. The figures are root's
 * only (they follow other users' protected allocations; see
 * docs/threat-model.md). Each figure is read on its own, so under
 * concurrent allocations they need not add up exactly.
 *
 * Return: 0, or -EINVAL (unknown use case, NULL @st), -ENOENT (no pool for
 * it), -EACCES (not root), -ENODEV (the pool went away while reading).
 */
int protmem_pool_stats(int use_case, struct protmem_pool_stats *st);

/* Access bits of struct protmem_rule */
#define PROTMEM_READ	0x1
#define PROTMEM_WRITE	0x2

/*
 * struct protmem_rule - a device a use case allows (a firewall rule)
 * @device:	the device's name in the firewall: "vdec", "vdisp", ...
 * @access:	PROTMEM_READ and/or PROTMEM_WRITE
 */
struct protmem_rule {
	char device[PROTMEM_NAME_MAX];
	unsigned int access;
};

/*
 * protmem_allowed_devices() - the firewall rules of a use case
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @rules:	out: up to @max rules, in the secure world's order
 * @max:	room in @rules (0 to count only; @rules may then be NULL)
 *
 * Reads allowed_devices of the use case's pool (readable by every user:
 * it is configuration). Any other device is refused by the buffer's
 * exporter at attach, and by the secure world at each DMA.
 *
 * Return: the number of rules (which may exceed @max: call again with
 * more room), or -EINVAL (unknown use case), -ENOENT (no pool), -EIO (a
 * line the library cannot parse).
 */
int protmem_allowed_devices(int use_case, struct protmem_rule *rules,
			    size_t max);

/*
 * struct protmem_heap_info - one use case as the system has it
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @name:	"secure-video", ...
 * @heap:	its DMA heap, "/dev/dma_heap/protected,secure-video"
 * @has_heap:	1 if that device exists
 * @has_pool:	1 if a TEE has a pool for it now (an allocation can work)
 * @tee:	that TEE's class name, "tee0", or "" without a pool
 */
struct protmem_heap_info {
	int use_case;
	char name[PROTMEM_NAME_MAX];
	char heap[64];
	int has_heap;
	int has_pool;
	char tee[16];
};

/*
 * protmem_heaps() - list the protected heaps and pools
 * @info:	out: one entry per use case, PROTMEM_NUM_USE_CASES entries
 *		(in use-case order), whether the system has it or not
 * @max:	room in @info
 *
 * Return: the number of use cases that have a heap or a pool (0 when no
 * TEE driver is loaded), or -EINVAL if @max < PROTMEM_NUM_USE_CASES or
 * @info is NULL.
 */
int protmem_heaps(struct protmem_heap_info *info, size_t max);

/*
 * protmem_violations() - the firewall's refusals of one use case
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @count:	out: device accesses to the use case's memory the secure
 *		world refused since it started
 *
 * Reads vtee's /sys/bus/platform/devices/vtee/violations.
 *
 * Return: 0, or -EINVAL (unknown use case, NULL @count), -ENODEV (the TEE
 * is not vtee, or it is not loaded), -EIO (unexpected contents).
 */
int protmem_violations(int use_case, uint64_t *count);

/* State of struct protmem_extent */
#define PROTMEM_EXTENT_USED	0	/* in a buffer (or being scrubbed) */
#define PROTMEM_EXTENT_CLEAN	1	/* free and zeroed */
#define PROTMEM_EXTENT_DIRTY	2	/* free, to be scrubbed */

/*
 * struct protmem_extent - a run of a pool's memory in one state
 * @offset:	from the pool's start; the chunks of a dynamic pool are
 *		counted one after the other (no physical address is given)
 * @len:	bytes
 * @state:	PROTMEM_EXTENT_USED, _CLEAN or _DIRTY
 */
struct protmem_extent {
	uint64_t offset;
	uint64_t len;
	int state;
};

/*
 * protmem_pool_map() - the occupancy of a pool
 * @use_case:	PROTMEM_SECURE_VIDEO, ...
 * @ext:	out: up to @max extents in address order
 * @max:	room in @ext (0 to count only; @ext may then be NULL)
 *
 * Reads the pool's map in debugfs (/sys/kernel/debug/tee_protmem/
 * <use-case>: root only, debugfs mounted). The extents cover the pool
 * without gaps: their lengths add up to its size.
 *
 * Return: the number of extents (which may exceed @max), or -EINVAL
 * (unknown use case), -ENOENT (no pool, or debugfs not mounted), -EACCES
 * (not root), -EOPNOTSUPP (the pool's allocator keeps no map: genalloc),
 * -EIO (contents the library cannot parse).
 */
int protmem_pool_map(int use_case, struct protmem_extent *ext, size_t max);

/* ---- media devices ------------------------------------------------------ */

/*
 * protmem_media_open() - open one of vmedia's devices
 * @name:	"vdec", "vdisp", "vcam" or "venc"
 *
 * Return: the file descriptor (close() it), -EINVAL for another name,
 * -ENOENT if the device is not there (module vmedia not loaded).
 */
int protmem_media_open(const char *name);

/*
 * protmem_decode() - vdec: decode a bitstream into a frame
 * @vdec:	from protmem_media_open("vdec")
 * @bitstream:	DMA-buf holding the bitstream
 * @len:	its bytes (a protected bitstream is read whole anyway)
 * @frame:	DMA-buf to write the frame to
 * @written:	out, may be NULL: bytes written; for a protected bitstream
 *		the size of @frame (which is written whole)
 *
 * Return: 0, or -EACCES (the firewall refused: e.g. protected content
 * into a buffer the CPU can read), -EPERM (the buffer's exporter refused
 * the device), -ENOSPC (@frame too small), -EINVAL (a malformed bitstream
 * or a buffer that is not one contiguous range).
 */
int protmem_decode(int vdec, int bitstream, uint64_t len, int frame,
		   uint64_t *written);

/*
 * protmem_encode() - venc: encode a frame into a bitstream
 * @venc:	from protmem_media_open("venc")
 * @frame:	DMA-buf holding the frame
 * @len:	bytes of it to encode
 * @bitstream:	DMA-buf to write to
 * @written:	out, may be NULL: bytes written
 *
 * Return: 0 or a negative errno as protmem_decode().
 */
int protmem_encode(int venc, int frame, uint64_t len, int bitstream,
		   uint64_t *written);

/*
 * protmem_capture() - vcam: capture a test frame
 * @vcam:	from protmem_media_open("vcam")
 * @frame:	DMA-buf to write
 * @len:	bytes to write, 1 .. its size
 * @number:	out, may be NULL: the frame's number
 *
 * Return: 0 or a negative errno as protmem_decode().
 */
int protmem_capture(int vcam, int frame, uint64_t len, uint64_t *number);

/*
 * protmem_scanout() - vdisp: scan a frame out
 * @vdisp:	from protmem_media_open("vdisp")
 * @frame:	DMA-buf to show
 * @len:	bytes to show (a protected frame is shown whole)
 * @crc:	out, may be NULL: CRC-32 (zlib's crc32()) of what was shown
 *
 * Return: 0 or a negative errno as protmem_decode().
 */
int protmem_scanout(int vdisp, int frame, uint64_t len, uint32_t *crc);

/*
 * struct protmem_v4l2 - a session with the V4L2 decoder (vdec-m2m)
 * @fd:		the open /dev/videoN
 * @width:	frame width in pixels
 * @height:	frame height
 * @frame_size:	bytes of a CAPTURE frame (GREY: @width x @height)
 * @streaming:	1 once both queues stream
 *
 * One bitstream buffer (OUTPUT, format PRLE) and one frame buffer
 * (CAPTURE, format GREY) are queued per protmem_v4l2_decode().
 */
struct protmem_v4l2 {
	int fd;
	uint32_t width, height, frame_size;
	int streaming;
};

/*
 * protmem_v4l2_open() - open the V4L2 decoder and set it up
 * @dec:	out: the session
 * @width:	frame width (the decoder's limits apply)
 * @height:	frame height
 *
 * Finds the /dev/videoN whose driver is "vdec-m2m" (module vdec_m2m),
 * sets the formats and asks for one DMABUF buffer per queue.
 *
 * Return: 0, or -ENOENT (no such device), -EINVAL (the decoder does not
 * take that size), or the errno of a V4L2 ioctl.
 */
int protmem_v4l2_open(struct protmem_v4l2 *dec, uint32_t width,
		      uint32_t height);

/*
 * protmem_v4l2_decode() - decode one bitstream through the V4L2 decoder
 * @dec:	from protmem_v4l2_open()
 * @bitstream:	DMA-buf holding the bitstream (a protected one is read
 *		whole)
 * @len:	its bytes
 * @frame:	DMA-buf of at least @dec->frame_size bytes
 * @timeout_ms:	how long to wait for the decoder
 * @bytesused:	out, may be NULL: bytes of the frame written (a protected
 *		bitstream: the whole frame)
 *
 * Queues both buffers, starts streaming the first time, waits for both to
 * come back.
 *
 * Return: 0, or -EIO (the decoder returned the buffers with an error:
 * e.g. the firewall refused protected content into a readable frame, or a
 * malformed bitstream), -EPERM (an exporter refused the decoder at QBUF),
 * -ETIMEDOUT, or the errno of a V4L2 ioctl.
 */
int protmem_v4l2_decode(struct protmem_v4l2 *dec, int bitstream,
			uint32_t len, int frame, unsigned int timeout_ms,
			uint32_t *bytesused);

/*
 * protmem_v4l2_close() - stop the session and close the device
 * @dec:	from protmem_v4l2_open(); @dec->fd is set to -1
 *
 * Return: 0, or the first errno of STREAMOFF, REQBUFS or close() (the
 * device is closed whatever happens), -EINVAL for a closed session.
 */
int protmem_v4l2_close(struct protmem_v4l2 *dec);

#ifdef __cplusplus
}
#endif

#endif /* PROTMEM_H */
