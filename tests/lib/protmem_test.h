/* SPDX-License-Identifier: GPL-2.0 */
/*
 * protmem_test.h - helpers shared by protmem's guest TAP programs.
 *
 * Everything is static inline so that each test program stays one .c
 * file. Conventions: functions that wrap a syscall return the new fd or 0
 * on success and -errno on failure (errno is also left set); nothing here
 * prints except the pm_diag_*() helpers, which use tap_diag().
 *
 * What is here:
 *  - the three use cases: heap path, sysfs name, TEE_PROTMEM_* value;
 *  - DMA-heap allocation;
 *  - the sysfs figures of a pool (/sys/class/tee/teeN/protmem/<use-case>/)
 *    and waiting until every pool is fully free and clean;
 *  - the TEE: open, version, shm alloc/register-fd, protmem alloc, open
 *    session / invoke / close session with parameters;
 *  - the crypt TA's digests: printing one, the digest of zeroes;
 *  - a seeded PRNG whose seed the tests print;
 *  - the vtee module: its parameters (/sys/module/vtee/parameters),
 *    unloading it and loading it again with given parameters.
 */
#ifndef PROTMEM_TEST_H
#define PROTMEM_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/tee.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ref_crypto.h"
#include "tap.h"

/*
 * ---- uAPI layouts ---------------------------------------------------------
 * The structs of our uAPI (and mainline's we rely on) have one layout on
 * every ABI: the 32-bit (i386) build of each test checks it too, so a
 * difference fails the build rather than the ioctl.
 */
#include <assert.h>
#include <stddef.h>

static_assert(sizeof(struct tee_ioctl_protmem_alloc_data) == 24,
	      "tee_ioctl_protmem_alloc_data size");
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, size) == 0,
	      "protmem_alloc.size");
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, flags) == 8,
	      "protmem_alloc.flags");
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, use_case) == 12,
	      "protmem_alloc.use_case");
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, id) == 16,
	      "protmem_alloc.id");
static_assert(offsetof(struct tee_ioctl_protmem_alloc_data, pad) == 20,
	      "protmem_alloc.pad");
static_assert(sizeof(struct tee_ioctl_shm_register_fd_data) == 24,
	      "tee_ioctl_shm_register_fd_data size");
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, fd) == 0,
	      "register_fd.fd");
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, size) == 8,
	      "register_fd.size");
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, flags) == 16,
	      "register_fd.flags");
static_assert(offsetof(struct tee_ioctl_shm_register_fd_data, id) == 20,
	      "register_fd.id");
static_assert(sizeof(struct dma_heap_allocation_data) == 24,
	      "dma_heap_allocation_data size");
static_assert(sizeof(struct tee_ioctl_param) == 32, "tee_ioctl_param size");
static_assert(sizeof(struct tee_ioctl_open_session_arg) == 56,
	      "tee_ioctl_open_session_arg size (params follow, 8-aligned)");
static_assert(sizeof(struct tee_ioctl_invoke_arg) == 24,
	      "tee_ioctl_invoke_arg size (params follow, 8-aligned)");
static_assert(_IOC_NR(TEE_IOC_PROTMEM_ALLOC) == 0x80,
	      "TEE_IOC_PROTMEM_ALLOC nr clear of mainline's");
static_assert(_IOC_NR(TEE_IOC_SHM_REGISTER_FD) == 8,
	      "TEE_IOC_SHM_REGISTER_FD nr as mainline");

/* ---- constants ---------------------------------------------------------- */

#define PM_TEE_DEV		"/dev/tee0"
#define PM_SYS_HEAP		"/dev/dma_heap/system"
#define PM_VTEE_SYSFS		"/sys/bus/platform/devices/vtee"
#define PM_NUM_USE_CASES	3
#define PM_MIB			(1ULL << 20)
/* The background scrubber needs a moment after frees. */
#define PM_CLEAN_TIMEOUT_MS	10000

/* GlobalPlatform TEE Client API results and origins */
#define PM_TEEC_SUCCESS			0x00000000u
#define PM_TEEC_ERROR_GENERIC		0xFFFF0000u
#define PM_TEEC_ERROR_ACCESS_DENIED	0xFFFF0001u
#define PM_TEEC_ERROR_BAD_PARAMETERS	0xFFFF0006u
#define PM_TEEC_ERROR_ITEM_NOT_FOUND	0xFFFF0008u
#define PM_TEEC_ERROR_NOT_SUPPORTED	0xFFFF000Au
#define PM_TEEC_ERROR_OUT_OF_MEMORY	0xFFFF000Cu
#define PM_TEEC_ERROR_BUSY		0xFFFF000Du
#define PM_TEEC_ERROR_SHORT_BUFFER	0xFFFF0010u

#define PM_TEEC_ORIGIN_API		1u
#define PM_TEEC_ORIGIN_COMMS		2u
#define PM_TEEC_ORIGIN_TEE		3u
#define PM_TEEC_ORIGIN_TRUSTED_APP	4u

/* ---- use cases ---------------------------------------------------------- */

struct pm_use_case {
	uint32_t id;		/* TEE_PROTMEM_* */
	const char *name;	/* sysfs directory, firewall rules */
	const char *heap;	/* DMA heap device */
};

static inline const struct pm_use_case *pm_use_case(unsigned int i)
{
	static const struct pm_use_case uc[PM_NUM_USE_CASES] = {
		{ TEE_PROTMEM_SECURE_VIDEO_PLAY, "secure-video",
		  "/dev/dma_heap/protected,secure-video" },
		{ TEE_PROTMEM_TRUSTED_UI, "trusted-ui",
		  "/dev/dma_heap/protected,trusted-ui" },
		{ TEE_PROTMEM_SECURE_VIDEO_RECORD, "secure-video-record",
		  "/dev/dma_heap/protected,secure-video-record" },
	};

	return i < PM_NUM_USE_CASES ? &uc[i] : NULL;
}

/* ---- time --------------------------------------------------------------- */

static inline uint64_t pm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void pm_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- PRNG (xorshift64*, seeded and printed by the tests) --------------- */

struct pm_rng {
	uint64_t s;
};

/* Seed from $PROTMEM_SEED if set, else from the clock and pid. */
static inline uint64_t pm_seed(void)
{
	const char *env = getenv("PROTMEM_SEED");
	struct timespec ts;

	if (env && *env)
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
	       ((uint64_t)getpid() << 32);
}

static inline void pm_rng_init(struct pm_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static inline uint64_t pm_rng_next(struct pm_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform-ish in [lo, hi] (hi >= lo). */
static inline uint64_t pm_rng_range(struct pm_rng *r, uint64_t lo, uint64_t hi)
{
	return lo + pm_rng_next(r) % (hi - lo + 1);
}

static inline void pm_rng_fill(struct pm_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = pm_rng_next(r);
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

/* ---- files -------------------------------------------------------------- */

/* Read a whole (small) file into @buf, NUL-terminated; 0 or -errno. */
static inline int pm_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < size) {
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

/*
 * Run @cmd through sh, its stdout into @out (NUL-terminated, cut at
 * @size - 1); its exit status, or -1 if it did not exit.
 */
static inline int pm_run(const char *cmd, char *out, size_t size)
{
	size_t n = 0, r;
	int status;
	FILE *f = popen(cmd, "r");

	if (!f)
		return -1;
	while (n + 1 < size && (r = fread(out + n, 1, size - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Read one decimal number from a sysfs file; 0 or -errno. */
static inline int pm_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int ret = pm_read_file(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

static inline int pm_path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- the device tree (arm64) -------------------------------------------- */

#define PM_DT_RMEM	"/proc/device-tree/reserved-memory"

/* A device tree property of @len bytes; 0 or -1 */
static inline int pm_dt_read(const char *path, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static inline uint32_t pm_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The carveout of a device tree machine (arm64): the reserved-memory node
 * the vtee node's memory-region names, its reg (two address and two size
 * cells) and whether it is no-map (@nomap may be NULL); 0 or -1.
 */
static inline int pm_dt_carveout(uint64_t *base, uint64_t *size, int *nomap)
{
	uint8_t ph[4], nph[4], reg[16];
	char path[512];
	struct dirent *e;
	DIR *d;
	int ret = -1;

	if (pm_dt_read(PM_VTEE_SYSFS "/of_node/memory-region", ph, sizeof(ph)))
		return -1;
	d = opendir(PM_DT_RMEM);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PM_DT_RMEM "/%s/phandle", e->d_name);
		if (pm_dt_read(path, nph, sizeof(nph)) || memcmp(ph, nph, 4))
			continue;
		snprintf(path, sizeof(path), PM_DT_RMEM "/%s/reg", e->d_name);
		if (pm_dt_read(path, reg, sizeof(reg)))
			break;
		*base = (uint64_t)pm_be32(reg) << 32 | pm_be32(reg + 4);
		*size = (uint64_t)pm_be32(reg + 8) << 32 | pm_be32(reg + 12);
		snprintf(path, sizeof(path), PM_DT_RMEM "/%s/no-map", e->d_name);
		if (nomap)
			*nomap = pm_path_exists(path);
		ret = 0;
		break;
	}
	if (d)
		closedir(d);
	return ret;
}

/* ---- the kernel's linear map (arm64) ------------------------------------ */

#define PM_PTDUMP	"/sys/kernel/debug/kernel_page_tables"

/* Lowest System RAM in /proc/iomem (root), or UINT64_MAX */
static inline uint64_t pm_ram_start(void)
{
	char line[256], name[128];
	uint64_t start, end, low = UINT64_MAX;
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f))
		if (line[0] != ' ' &&
		    sscanf(line, "%" SCNx64 "-%" SCNx64 " : %127[^\n]",
			   &start, &end, name) == 3 &&
		    !strcmp(name, "System RAM") && start < low)
			low = start;
	if (f)
		fclose(f);
	return low;
}

/*
 * How many bytes of physical [@phys, @phys + @size) the kernel's linear
 * map covers with valid entries, from arm64's page table dump (debugfs,
 * CONFIG_PTDUMP_DEBUGFS). Its "Linear Mapping" section lists ranges as
 * "START-END SIZE LEVEL ATTRS": no attributes is no entry, "F" first an
 * invalid one. It starts at PAGE_OFFSET, which maps memstart_addr: the
 * lowest System RAM rounded down to 1 GiB (ARM64_MEMSTART_ALIGN, 4K
 * pages, no KASLR). 0, or -ENOENT without such a dump (x86 here).
 */
static inline int pm_linear_map_bytes(uint64_t phys, uint64_t size,
				      uint64_t *mapped)
{
	uint64_t s, e, va = 0, lo, hi, memstart = pm_ram_start();
	char line[512], level[8], attrs[256];
	int in = 0, seen = 0, n;
	FILE *f = fopen(PM_PTDUMP, "r");

	*mapped = 0;
	if (!f)
		return -ENOENT;
	memstart &= ~((1ULL << 30) - 1);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "---[ Linear Mapping start ]---")) {
			in = seen = 1;
			continue;
		}
		if (strstr(line, "---[ Linear Mapping end ]---"))
			break;
		attrs[0] = '\0';
		n = sscanf(line, "0x%" SCNx64 "-0x%" SCNx64 " %*s %7s %255[^\n]",
			   &s, &e, level, attrs);
		if (!in || n < 3)
			continue;
		if (!va)
			va = s + (phys - memstart);	/* s is PAGE_OFFSET */
		if (!attrs[0] || attrs[strspn(attrs, " ")] == 'F')
			continue;	/* nothing valid mapped here */
		lo = s > va ? s : va;
		hi = e < va + size ? e : va + size;
		if (lo < hi)
			*mapped += hi - lo;
	}
	fclose(f);
	return seen ? 0 : -ENOENT;
}

/* ---- DMA heaps ---------------------------------------------------------- */

static inline int pm_heap_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * DMA_HEAP_IOCTL_ALLOC with every field chosen by the caller (@fd_in is
 * what goes into .fd, normally 0). Returns the dma-buf fd or -errno.
 */
static inline int pm_heap_alloc_raw(int heap, uint64_t len, uint32_t fd_flags,
				    uint64_t heap_flags, uint32_t fd_in)
{
	struct dma_heap_allocation_data d = {
		.len = len, .fd = fd_in, .fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0)
		return -errno;
	return (int)d.fd;
}

static inline int pm_heap_alloc(int heap, uint64_t len)
{
	return pm_heap_alloc_raw(heap, len, O_RDWR | O_CLOEXEC, 0, 0);
}

/* Open @heap_path, allocate @len, close the heap. dma-buf fd or -errno. */
static inline int pm_heap_alloc_path(const char *heap_path, uint64_t len)
{
	int heap = pm_heap_open(heap_path), fd;

	if (heap < 0)
		return heap;
	fd = pm_heap_alloc(heap, len);
	close(heap);
	return fd;
}

/* Size of a dma-buf (lseek to its end); -errno on failure. */
static inline int64_t pm_dmabuf_size(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return -errno;
	lseek(fd, 0, SEEK_SET);
	return (int64_t)end;
}

/* mmap @fd (@len bytes, shared, read/write); 0 if it worked, else -errno. */
static inline int pm_try_mmap(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* ---- pool figures (sysfs) ----------------------------------------------- */

struct pm_pool_stats {
	uint64_t size, used, free, dirty, largest_free;
	uint64_t live_buffers, allocations, failures;
	uint64_t scrubbed_background, scrubbed_sync;
};

/* sysfs directory of the pools; tee0 unless a later teeN has one. */
static inline const char *pm_protmem_dir(void)
{
	static char dir[64];
	int i;

	for (i = 0; i < 32; i++) {
		snprintf(dir, sizeof(dir), "/sys/class/tee/tee%d/protmem", i);
		if (pm_path_exists(dir))
			return dir;
	}
	return "/sys/class/tee/tee0/protmem";
}

static inline int pm_stat(const char *uc_name, const char *file, uint64_t *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", pm_protmem_dir(), uc_name,
		 file);
	return pm_read_u64(path, v);
}

/* All figures of one pool; 0 or the first -errno. */
static inline int pm_pool_stats(const char *uc_name, struct pm_pool_stats *st)
{
	int ret = 0;

	memset(st, 0, sizeof(*st));
	ret = ret ?: pm_stat(uc_name, "size", &st->size);
	ret = ret ?: pm_stat(uc_name, "used", &st->used);
	ret = ret ?: pm_stat(uc_name, "free", &st->free);
	ret = ret ?: pm_stat(uc_name, "dirty", &st->dirty);
	ret = ret ?: pm_stat(uc_name, "largest_free", &st->largest_free);
	ret = ret ?: pm_stat(uc_name, "live_buffers", &st->live_buffers);
	ret = ret ?: pm_stat(uc_name, "allocations", &st->allocations);
	ret = ret ?: pm_stat(uc_name, "failures", &st->failures);
	ret = ret ?: pm_stat(uc_name, "scrubbed_background",
			     &st->scrubbed_background);
	ret = ret ?: pm_stat(uc_name, "scrubbed_sync", &st->scrubbed_sync);
	return ret;
}

/*
 * Fully free and clean: nothing in use, nothing waiting to be scrubbed. A
 * dynamic pool with nothing lent has size 0 (everything went back to CMA,
 * scrubbed by the secure world on reclaim); a carveout pool never does.
 */
static inline int pm_pool_is_clean(const struct pm_pool_stats *st)
{
	return st->used == 0 && st->live_buffers == 0 &&
	       st->free == st->size && st->dirty == 0;
}

/*
 * The figures come from one sysfs file each, read one after the other:
 * while the scrubber runs they are not one snapshot (free can miss a
 * range being scrubbed that dirty, read later, no longer counts).
 */
static inline void pm_diag_stats(const char *uc_name,
				 const struct pm_pool_stats *st)
{
	tap_diag("%s: size %" PRIu64 " used %" PRIu64 " free %" PRIu64
		 " dirty %" PRIu64 " largest_free %" PRIu64 " live %" PRIu64
		 " allocations %" PRIu64 " failures %" PRIu64
		 " scrubbed bg %" PRIu64 " sync %" PRIu64,
		 uc_name, st->size, st->used, st->free, st->dirty,
		 st->largest_free, st->live_buffers, st->allocations,
		 st->failures, st->scrubbed_background, st->scrubbed_sync);
}

/*
 * Poll one pool until fully free and clean. 0, -ETIMEDOUT (with @st the
 * last figures seen), or the -errno of reading sysfs.
 */
static inline int pm_wait_pool_clean(const char *uc_name, unsigned int ms,
				     struct pm_pool_stats *st)
{
	uint64_t deadline = pm_now_ms() + ms;
	int ret;

	for (;;) {
		ret = pm_pool_stats(uc_name, st);
		if (ret)
			return ret;
		if (pm_pool_is_clean(st))
			return 0;
		if (pm_now_ms() >= deadline)
			return -ETIMEDOUT;
		pm_sleep_ms(50);
	}
}

/*
 * Wait until every pool is fully free and clean; prints the figures of
 * a pool that is not. Returns 1 if all are clean, else 0.
 */
static inline int pm_wait_all_clean(unsigned int ms)
{
	struct pm_pool_stats st;
	unsigned int i;
	int ok = 1, ret;

	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		ret = pm_wait_pool_clean(pm_use_case(i)->name, ms, &st);
		if (ret == -ETIMEDOUT) {
			tap_diag("%s pool not free and clean after %u ms",
				 pm_use_case(i)->name, ms);
			pm_diag_stats(pm_use_case(i)->name, &st);
			ok = 0;
		} else if (ret) {
			tap_diag("reading %s/%s: %s", pm_protmem_dir(),
				 pm_use_case(i)->name, strerror(-ret));
			ok = 0;
		}
	}
	return ok;
}

/* Poll a figure until it equals @want; 1 if it did within @ms. */
static inline int pm_wait_stat_eq(const char *uc_name, const char *file,
				  uint64_t want, unsigned int ms,
				  uint64_t *last)
{
	uint64_t deadline = pm_now_ms() + ms;

	for (;;) {
		if (!pm_stat(uc_name, file, last) && *last == want)
			return 1;
		if (pm_now_ms() >= deadline)
			return 0;
		pm_sleep_ms(20);
	}
}

/* ---- TEE ---------------------------------------------------------------- */

static inline int pm_tee_open(void)
{
	int fd = open(PM_TEE_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int pm_tee_version(int tee, struct tee_ioctl_version_data *v)
{
	memset(v, 0, sizeof(*v));
	return ioctl(tee, TEE_IOC_VERSION, v) < 0 ? -errno : 0;
}

/*
 * TEE_IOC_SHM_ALLOC: normal shared memory. Returns the shm fd (or -errno);
 * @id and @size (rounded by the driver) out.
 */
static inline int pm_shm_alloc(int tee, uint64_t size, int32_t *id,
			       uint64_t *out_size)
{
	struct tee_ioctl_shm_alloc_data d = { .size = size };
	int fd = ioctl(tee, TEE_IOC_SHM_ALLOC, &d);

	if (fd < 0)
		return -errno;
	if (id)
		*id = d.id;
	if (out_size)
		*out_size = d.size;
	return fd;
}

/*
 * TEE_IOC_SHM_REGISTER of @len bytes of this process's memory at @addr.
 * Returns the shm fd or -errno; @out (optional) gets the answered struct.
 */
static inline int pm_shm_register(int tee, const void *addr, uint64_t len,
				  struct tee_ioctl_shm_register_data *out)
{
	struct tee_ioctl_shm_register_data d = {
		.addr = (uintptr_t)addr, .length = len,
	};
	int fd = ioctl(tee, TEE_IOC_SHM_REGISTER, &d);

	if (fd < 0)
		return -errno;
	if (out)
		*out = d;
	return fd;
}

/* A TEE_IOC_SHM_ALLOC buffer mapped in this process. */
struct pm_shm {
	int fd;
	int32_t id;
	uint64_t size;
	unsigned char *p;
};

/* Allocate and map @size bytes of normal shared memory; 0 or -errno. */
static inline int pm_shm_new(int tee, uint64_t size, struct pm_shm *shm)
{
	int ret;

	memset(shm, 0, sizeof(*shm));
	shm->fd = -1;
	ret = pm_shm_alloc(tee, size, &shm->id, &shm->size);
	if (ret < 0)
		return ret;
	shm->fd = ret;
	shm->p = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      shm->fd, 0);
	if (shm->p == MAP_FAILED) {
		ret = -errno;
		close(shm->fd);
		shm->fd = -1;
		shm->p = NULL;
		return ret;
	}
	return 0;
}

static inline void pm_shm_free(struct pm_shm *shm)
{
	if (shm->p)
		munmap(shm->p, shm->size);
	if (shm->fd >= 0)
		close(shm->fd);
	shm->p = NULL;
	shm->fd = -1;
}

/*
 * TEE_IOC_SHM_REGISTER_FD with a raw 64-bit fd and flags. Returns the shm
 * fd or -errno; @out (optional) gets the answered struct.
 */
static inline int pm_shm_register_fd_raw(int tee, int64_t fd, uint32_t flags,
					 struct tee_ioctl_shm_register_fd_data *out)
{
	struct tee_ioctl_shm_register_fd_data d = { .fd = fd, .flags = flags };
	int ret = ioctl(tee, TEE_IOC_SHM_REGISTER_FD, &d);

	if (ret < 0)
		return -errno;
	if (out)
		*out = d;
	return ret;
}

static inline int pm_shm_register_fd(int tee, int dmabuf, int32_t *id,
				     uint64_t *size)
{
	struct tee_ioctl_shm_register_fd_data d = { 0 };
	int ret = pm_shm_register_fd_raw(tee, dmabuf, 0, &d);

	if (ret >= 0) {
		if (id)
			*id = d.id;
		if (size)
			*size = d.size;
	}
	return ret;
}

/* TEE_IOC_PROTMEM_ALLOC; dma-buf fd or -errno, @out the answered struct. */
static inline int pm_protmem_alloc(int tee, uint64_t size, uint32_t flags,
				   uint32_t use_case,
				   struct tee_ioctl_protmem_alloc_data *out)
{
	struct tee_ioctl_protmem_alloc_data d = {
		.size = size, .flags = flags, .use_case = use_case,
	};
	int ret = ioctl(tee, TEE_IOC_PROTMEM_ALLOC, &d);

	if (ret < 0)
		return -errno;
	if (out)
		*out = d;
	return ret;
}

/* TEE_IOC_PROTMEM_ALLOC with @pad set; dma-buf fd or -errno. */
static inline int pm_protmem_alloc_pad(int tee, uint64_t size,
				       uint32_t use_case, uint32_t pad)
{
	struct tee_ioctl_protmem_alloc_data d = {
		.size = size, .use_case = use_case, .pad = pad,
	};
	int ret = ioctl(tee, TEE_IOC_PROTMEM_ALLOC, &d);

	return ret < 0 ? -errno : ret;
}

/* A protected buffer from a heap, registered as TEE shared memory. */
struct pm_prot {
	int dmabuf;
	int shm;
	int32_t id;
	uint64_t size;
};

/* Allocate @len from @heap_path and register it with @tee; 0 or -errno. */
static inline int pm_prot_new(int tee, const char *heap_path, uint64_t len,
			      struct pm_prot *pb)
{
	int ret;

	pb->shm = -1;
	pb->id = 0;
	pb->size = 0;
	pb->dmabuf = pm_heap_alloc_path(heap_path, len);
	if (pb->dmabuf < 0) {
		ret = pb->dmabuf;
		pb->dmabuf = -1;
		return ret;
	}
	ret = pm_shm_register_fd(tee, pb->dmabuf, &pb->id, &pb->size);
	if (ret < 0) {
		close(pb->dmabuf);
		pb->dmabuf = -1;
		return ret;
	}
	pb->shm = ret;
	return 0;
}

static inline void pm_prot_free(struct pm_prot *pb)
{
	if (pb->shm >= 0)
		close(pb->shm);
	if (pb->dmabuf >= 0)
		close(pb->dmabuf);
	pb->shm = -1;
	pb->dmabuf = -1;
}

/* ---- sessions and parameters -------------------------------------------- */

/*
 * vtee's open sessions (its sysfs "sessions", root only): of normal-world
 * clients, and opened by TAs to other TAs; 0 or -errno.
 */
static inline int pm_vtee_sessions(uint64_t *clients, uint64_t *ta)
{
	char buf[128];
	int ret = pm_read_file(PM_VTEE_SYSFS "/sessions", buf, sizeof(buf));

	if (ret)
		return ret;
	if (sscanf(buf, "clients %" SCNu64 "\nta %" SCNu64 "\n", clients, ta) != 2)
		return -EINVAL;
	return 0;
}

#define PM_MAX_PARAMS	4

/* OP-TEE's SDP test TA (kernel/tree/drivers/tee/vtee/secure/ta_sdp.c) */
#define PM_SDP_TA_UUID		"12345678-5b69-11e4-9dbb-101f74f00099"
#define PM_SDP_INJECT		0
#define PM_SDP_TRANSFORM	1
#define PM_SDP_DUMP		2
/* ... its commands 3-5 forward 0-2 to another SDP TA, 6-8 to the pseudo-TA */
#define PM_SDP_INVOKE_BASE	3
#define PM_SDP_PTA_BASE		6

/* OP-TEE's invoke-tests pseudo-TA: its SDP commands 3-5 (from TAs only) */
#define PM_PTA_INVOKE_TESTS_UUID	"d96a5b40-c3e5-21e3-8794-1002a5d5c61b"
#define PM_PTA_SDP_BASE			3

/* vtee's nesting test TA (secure/ta_nest.c): chains of TA-opened sessions */
#define PM_NEST_TA_UUID		"5c2a6f0e-8b1d-4e57-9a3c-6d7e0f1b2c4d"
#define PM_NEST_NEST		0
#define PM_NEST_MAX_DEPTH	4	/* VTEE_SW_MAX_DEPTH */

/* vtee's content-decryption TA (kernel/tree/drivers/tee/vtee/secure/ta_crypt.c) */
#define PM_CRYPT_TA_UUID	"3f4b7b55-a65a-465e-ae68-4aef21a91a63"
#define PM_CRYPT_LOAD_KEY	0
#define PM_CRYPT_DECRYPT	1
#define PM_CRYPT_DIGEST		2
#define PM_CRYPT_CLEAR_KEY	3

/* Parameter kinds, short */
#define PM_MR_IN	TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT
#define PM_MR_OUT	TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT
#define PM_MR_INOUT	TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT
#define PM_VAL_IN	TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into RFC 4122 byte order. */
static inline int pm_uuid_parse(const char *s, uint8_t out[TEE_IOCTL_UUID_LEN])
{
	unsigned int n = 0, hi = 0, have = 0;
	int v;

	for (; *s; s++) {
		if (*s == '-')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return -EINVAL;
		if (n >= TEE_IOCTL_UUID_LEN)
			return -EINVAL;
		if (have) {
			out[n++] = (uint8_t)(hi << 4 | (unsigned int)v);
			have = 0;
		} else {
			hi = (unsigned int)v;
			have = 1;
		}
	}
	return n == TEE_IOCTL_UUID_LEN && !have ? 0 : -EINVAL;
}

static inline struct tee_ioctl_param pm_p_none(void)
{
	struct tee_ioctl_param p = { .attr = TEE_IOCTL_PARAM_ATTR_TYPE_NONE };

	return p;
}

static inline struct tee_ioctl_param pm_p_value(uint64_t attr, uint64_t a,
						uint64_t b, uint64_t c)
{
	struct tee_ioctl_param p = { .attr = attr, .a = a, .b = b, .c = c };

	return p;
}

/* A memref: shared memory @shm_id, window [@offs, @offs + @size). */
static inline struct tee_ioctl_param pm_p_memref(uint64_t attr, int32_t shm_id,
						 uint64_t offs, uint64_t size)
{
	struct tee_ioctl_param p = {
		.attr = attr, .a = offs, .b = size, .c = (uint64_t)shm_id,
	};

	return p;
}

/* Result of a call: errno of the ioctl, then GP result and origin. */
struct pm_res {
	int err;		/* 0 if the ioctl succeeded, else -errno */
	uint32_t ret;		/* TEEC_* (valid when err == 0) */
	uint32_t origin;	/* TEEC_ORIGIN_* (valid when err == 0) */
};

static inline int pm_res_ok(const struct pm_res *r)
{
	return r->err == 0 && r->ret == PM_TEEC_SUCCESS;
}

static inline void pm_diag_res(const char *what, const struct pm_res *r)
{
	if (r->err)
		tap_diag("%s: ioctl failed: %s (%d)", what, strerror(-r->err),
			 -r->err);
	else
		tap_diag("%s: ret %#x origin %u", what, r->ret, r->origin);
}

/*
 * The marshalling open session and invoke share: @arg (@arg_len bytes,
 * @n params at @arg_params to follow) goes to ioctl @req with @params
 * copied in, and @params, @ret and @origin are read back from it.
 */
static inline struct pm_res pm_tee_call(int tee, unsigned long req, void *arg,
					size_t arg_len,
					struct tee_ioctl_param *arg_params,
					struct tee_ioctl_param *params,
					unsigned int n, const __u32 *ret,
					const __u32 *origin)
{
	struct tee_ioctl_buf_data buf;
	struct pm_res r = { 0, 0, 0 };
	unsigned int i;

	for (i = 0; i < n; i++)
		arg_params[i] = params[i];
	buf.buf_ptr = (uintptr_t)arg;
	buf.buf_len = arg_len + n * sizeof(struct tee_ioctl_param);
	if (ioctl(tee, req, &buf) < 0) {
		r.err = -errno;
		return r;
	}
	for (i = 0; i < n; i++)
		params[i] = arg_params[i];
	r.ret = *ret;
	r.origin = *origin;
	return r;
}

/*
 * TEE_IOC_OPEN_SESSION with @login and @n params (updated on return).
 * @session out. Returns the result; the session is open only when
 * pm_res_ok().
 */
static inline struct pm_res pm_open_session(int tee, const uint8_t *uuid,
					    uint32_t login,
					    struct tee_ioctl_param *params,
					    unsigned int n, uint32_t *session)
{
	union {
		struct tee_ioctl_open_session_arg arg;
		unsigned char raw[sizeof(struct tee_ioctl_open_session_arg) +
				  PM_MAX_PARAMS * sizeof(struct tee_ioctl_param)];
	} u;
	struct pm_res r;

	if (n > PM_MAX_PARAMS)
		return (struct pm_res){ -EINVAL, 0, 0 };
	memset(&u, 0, sizeof(u));
	memcpy(u.arg.uuid, uuid, TEE_IOCTL_UUID_LEN);
	u.arg.clnt_login = login;
	u.arg.num_params = n;
	r = pm_tee_call(tee, TEE_IOC_OPEN_SESSION, &u, sizeof(u.arg),
			u.arg.params, params, n, &u.arg.ret,
			&u.arg.ret_origin);
	if (r.err == 0 && session)
		*session = u.arg.session;
	return r;
}

/* Open a session with login PUBLIC and no parameters. */
static inline struct pm_res pm_open_public(int tee, const uint8_t *uuid,
					   uint32_t *session)
{
	return pm_open_session(tee, uuid, TEE_IOCTL_LOGIN_PUBLIC, NULL, 0,
			       session);
}

static inline int pm_close_session(int tee, uint32_t session)
{
	struct tee_ioctl_close_session_arg a = { .session = session };

	return ioctl(tee, TEE_IOC_CLOSE_SESSION, &a) < 0 ? -errno : 0;
}

/* TEE_IOC_INVOKE of @func with @n params (updated on return). */
static inline struct pm_res pm_invoke(int tee, uint32_t session, uint32_t func,
				      struct tee_ioctl_param *params,
				      unsigned int n)
{
	union {
		struct tee_ioctl_invoke_arg arg;
		unsigned char raw[sizeof(struct tee_ioctl_invoke_arg) +
				  PM_MAX_PARAMS * sizeof(struct tee_ioctl_param)];
	} u;

	if (n > PM_MAX_PARAMS)
		return (struct pm_res){ -EINVAL, 0, 0 };
	memset(&u, 0, sizeof(u));
	u.arg.func = func;
	u.arg.session = session;
	u.arg.num_params = n;
	return pm_tee_call(tee, TEE_IOC_INVOKE, &u, sizeof(u.arg),
			   u.arg.params, params, n, &u.arg.ret,
			   &u.arg.ret_origin);
}

/* ---- the crypt TA's digests --------------------------------------------- */

/* Print @md (a SHA-256 digest) in hex as a diagnostic after @what. */
static inline void pm_diag_md(const char *what, const uint8_t *md)
{
	char hex[2 * REF_SHA256_DIGEST + 1];

	tap_diag("%s %s", what, ref_hex(md, REF_SHA256_DIGEST, hex));
}

/* SHA-256 of @n zero bytes (what a scrubbed range digests as) into @md. */
static inline void pm_sha256_zeros(uint64_t n, uint8_t *md)
{
	static const uint8_t zero[4096];
	struct ref_sha256 s;
	uint64_t k;

	ref_sha256_init(&s);
	for (; n; n -= k) {
		k = n < sizeof(zero) ? n : sizeof(zero);
		ref_sha256_update(&s, zero, k);
	}
	ref_sha256_final(&s, md);
}

/*
 * SHA-256 of @len bytes of @data followed by zeros up to @total: what the
 * crypt TA's DIGEST of a whole buffer gives after DECRYPT wrote @data.
 */
static inline void pm_sha256_padded(const void *data, uint64_t len,
				    uint64_t total, uint8_t *md)
{
	static const uint8_t zero[4096];
	struct ref_sha256 s;
	uint64_t k;

	ref_sha256_init(&s);
	ref_sha256_update(&s, data, len);
	for (total -= len; total; total -= k) {
		k = total < sizeof(zero) ? total : sizeof(zero);
		ref_sha256_update(&s, zero, k);
	}
	ref_sha256_final(&s, md);
}

/* ---- crypt TA calls ----------------------------------------------------- */

/* Where the crypt helpers put things in the caller's normal shm */
#define PM_CRYPT_OFF_KEY	0
#define PM_CRYPT_OFF_IV		64
#define PM_CRYPT_OFF_DIGEST	128
#define PM_CRYPT_OFF_CT		4096

/* LOAD_KEY @id = @key (16 bytes) on session @s */
static inline struct pm_res pm_crypt_load_key(int tee, uint32_t s,
					      struct pm_shm *nrm, uint64_t id,
					      const uint8_t *key)
{
	struct tee_ioctl_param p[2];

	memcpy(nrm->p + PM_CRYPT_OFF_KEY, key, REF_AES128_KEY);
	p[0] = pm_p_value(PM_VAL_IN, id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, nrm->id, PM_CRYPT_OFF_KEY, REF_AES128_KEY);
	return pm_invoke(tee, s, PM_CRYPT_LOAD_KEY, p, 2);
}

/*
 * DECRYPT @len bytes of ciphertext @ct with key @id and counter block @iv
 * into the window (@off, @size) of shm @out_id; *@out_size (optional) is
 * the size the TA answered.
 */
static inline struct pm_res pm_crypt_decrypt(int tee, uint32_t s,
					     struct pm_shm *nrm, uint64_t id,
					     const uint8_t *iv, const void *ct,
					     uint64_t len, int32_t out_id,
					     uint64_t off, uint64_t size,
					     uint64_t *out_size)
{
	struct tee_ioctl_param p[4];
	struct pm_res r;

	memcpy(nrm->p + PM_CRYPT_OFF_IV, iv, REF_AES_BLOCK);
	memcpy(nrm->p + PM_CRYPT_OFF_CT, ct, len);
	p[0] = pm_p_value(PM_VAL_IN, id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, nrm->id, PM_CRYPT_OFF_IV, REF_AES_BLOCK);
	p[2] = pm_p_memref(PM_MR_IN, nrm->id, PM_CRYPT_OFF_CT, len);
	p[3] = pm_p_memref(PM_MR_OUT, out_id, off, size);
	r = pm_invoke(tee, s, PM_CRYPT_DECRYPT, p, 4);
	if (out_size)
		*out_size = p[3].b;
	return r;
}

/* DIGEST of the window (@off, @size) of shm @in_id into @md (32 bytes) */
static inline struct pm_res pm_crypt_digest(int tee, uint32_t s,
					    struct pm_shm *nrm, int32_t in_id,
					    uint64_t off, uint64_t size,
					    uint8_t *md)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memset(nrm->p + PM_CRYPT_OFF_DIGEST, 0, REF_SHA256_DIGEST);
	p[0] = pm_p_memref(PM_MR_IN, in_id, off, size);
	p[1] = pm_p_memref(PM_MR_OUT, nrm->id, PM_CRYPT_OFF_DIGEST,
			   REF_SHA256_DIGEST);
	r = pm_invoke(tee, s, PM_CRYPT_DIGEST, p, 2);
	if (md)
		memcpy(md, nrm->p + PM_CRYPT_OFF_DIGEST, REF_SHA256_DIGEST);
	return r;
}

/* ---- the vtee module ---------------------------------------------------- */

#define PM_VTEE_MOD		"vtee"
#define PM_VTEE_MOD_SYSFS	"/sys/module/" PM_VTEE_MOD
#define PM_VTEE_MAX_PARAMS	16
/* A fresh carveout is scrubbed in the background: give it time */
#define PM_VTEE_RELOAD_CLEAN_MS	30000

/*
 * vtee's parameters by name, values as sysfs shows them without the
 * newline. "" or "(null)" means unset (left out when loading); a name not
 * in the set reads as "".
 */
struct pm_vtee_params {
	unsigned int n;
	char name[PM_VTEE_MAX_PARAMS][32];
	char val[PM_VTEE_MAX_PARAMS][256];
};

static inline int pm_vtee_loaded(void)
{
	return pm_path_exists(PM_VTEE_MOD_SYSFS "/initstate");
}

/* Index of parameter @name in @p, or -1 */
static inline int pm_vtee_param_index(const struct pm_vtee_params *p,
				      const char *name)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->name[i], name))
			return (int)i;
	return -1;
}

/* The value of @name in @p ("" if not there) */
static inline const char *pm_vtee_param(const struct pm_vtee_params *p,
					const char *name)
{
	int i = pm_vtee_param_index(p, name);

	return i < 0 ? "" : p->val[i];
}

/* Set @name to @value in @p, adding it if needed; 0 or -ENOSPC. */
static inline int pm_vtee_param_set(struct pm_vtee_params *p, const char *name,
				    const char *value)
{
	int i = pm_vtee_param_index(p, name);

	if (i < 0) {
		if (p->n >= PM_VTEE_MAX_PARAMS ||
		    strlen(name) >= sizeof(p->name[0]))
			return -ENOSPC;
		i = (int)p->n++;
		snprintf(p->name[i], sizeof(p->name[i]), "%s", name);
	}
	snprintf(p->val[i], sizeof(p->val[i]), "%s", value);
	return 0;
}

/*
 * Read every parameter of the loaded vtee (each file in
 * /sys/module/vtee/parameters), sorted by name; 0 or -errno.
 */
static inline int pm_vtee_read_params(struct pm_vtee_params *p)
{
	char path[320], val[256], name[32];
	struct dirent *e;
	unsigned int i, j;
	size_t n;
	DIR *d;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	d = opendir(PM_VTEE_MOD_SYSFS "/parameters");
	if (!d)
		return -errno;
	while (!ret && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PM_VTEE_MOD_SYSFS "/parameters/%s",
			 e->d_name);
		ret = pm_read_file(path, val, sizeof(val));
		if (ret)
			break;
		n = strlen(val);
		if (n && val[n - 1] == '\n')
			val[n - 1] = '\0';
		ret = pm_vtee_param_set(p, e->d_name, val);
	}
	closedir(d);
	/* Sorted, so that two reads list the same names in the same order */
	for (i = 1; i < p->n; i++) {
		for (j = i; j && strcmp(p->name[j - 1], p->name[j]) > 0; j--) {
			memcpy(name, p->name[j], sizeof(name));
			memcpy(p->name[j], p->name[j - 1], sizeof(name));
			memcpy(p->name[j - 1], name, sizeof(name));
			memcpy(val, p->val[j], sizeof(val));
			memcpy(p->val[j], p->val[j - 1], sizeof(val));
			memcpy(p->val[j - 1], val, sizeof(val));
		}
	}
	return ret;
}

/*
 * The parameters the guest's init loads vtee with (protmem.carveout=,
 * protmem.testing=1 on the debug guest, as sysfs shows a bool: "Y").
 * With a device tree node (arm64) the carveout is the node's, no
 * parameter names it.
 */
static inline int pm_vtee_cmdline_params(struct pm_vtee_params *p)
{
	char cmdline[4096], val[256], *s, *e;

	memset(p, 0, sizeof(*p));
	if (pm_read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return -ENOENT;
	if (pm_path_exists(PM_VTEE_SYSFS "/of_node")) {
		if (strstr(cmdline, "protmem.testing=1"))
			pm_vtee_param_set(p, "testing", "Y");
		return 0;
	}
	s = strstr(cmdline, "protmem.carveout=");
	if (!s)
		return -ENOENT;
	s += strlen("protmem.carveout=");
	e = s + strcspn(s, " \n");
	snprintf(val, sizeof(val), "%.*s", (int)(e - s), s);
	pm_vtee_param_set(p, "carveout", val);
	if (strstr(cmdline, "protmem.testing=1"))
		pm_vtee_param_set(p, "testing", "Y");
	return 0;
}

/* Set, i.e. not unset, "", "(null)" or a bool's default "N" */
static inline int pm_vtee_param_is_set(const char *v)
{
	return v[0] && strcmp(v, "(null)") && strcmp(v, "N");
}

/* @name has the same value in @a and @b (unset, "" and "(null)", alike) */
static inline int pm_vtee_param_same(const struct pm_vtee_params *a,
				     const struct pm_vtee_params *b,
				     const char *name)
{
	const char *va = pm_vtee_param(a, name), *vb = pm_vtee_param(b, name);

	if (!pm_vtee_param_is_set(va) && !pm_vtee_param_is_set(vb))
		return 1;
	return !strcmp(va, vb);
}

/* Same parameters? */
static inline int pm_vtee_params_equal(const struct pm_vtee_params *a,
				       const struct pm_vtee_params *b)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (!pm_vtee_param_same(a, b, a->name[i]))
			return 0;
	for (i = 0; i < b->n; i++)
		if (!pm_vtee_param_same(a, b, b->name[i]))
			return 0;
	return 1;
}

/* tap_diag() the parameters of @got that differ from @want */
static inline void pm_vtee_diag_params(const struct pm_vtee_params *got,
				       const struct pm_vtee_params *want)
{
	unsigned int i;

	for (i = 0; i < got->n; i++)
		if (!pm_vtee_param_same(got, want, got->name[i]))
			tap_diag("%s: \"%s\", was \"%s\"", got->name[i],
				 got->val[i], pm_vtee_param(want, got->name[i]));
	for (i = 0; i < want->n; i++)
		if (pm_vtee_param_index(got, want->name[i]) < 0 &&
		    !pm_vtee_param_same(got, want, want->name[i]))
			tap_diag("%s: not there, was \"%s\"", want->name[i],
				 want->val[i]);
}

/* "name=\"value\" ..." for finit_module, leaving out unset parameters */
static inline void pm_vtee_param_string(const struct pm_vtee_params *p,
					char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->n && n < size; i++) {
		if (!pm_vtee_param_is_set(p->val[i]))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s=\"%s\"",
				      n ? " " : "", p->name[i], p->val[i]);
	}
}

/* Path of vtee.ko: the usual place, else whatever modules.dep says */
static inline int pm_vtee_module_path(char *path, size_t size)
{
	char dep[256], line[512];
	struct utsname u;
	FILE *f;
	char *colon;
	int n;

	if (uname(&u))
		return -errno;
	snprintf(path, size, "/lib/modules/%s/kernel/drivers/tee/vtee/vtee.ko",
		 u.release);
	if (pm_path_exists(path))
		return 0;
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(dep, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (strlen(line) < 8 || strcmp(line + strlen(line) - 8, "/vtee.ko"))
			continue;
		if (line[0] == '/')
			n = snprintf(path, size, "%s", line);
		else
			n = snprintf(path, size, "/lib/modules/%s/%s", u.release,
				     line);
		fclose(f);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		return pm_path_exists(path) ? 0 : -ENOENT;
	}
	fclose(f);
	return -ENOENT;
}

/* delete_module("vtee"), not waiting: 0 or -errno (EWOULDBLOCK: in use) */
static inline int pm_vtee_unload(void)
{
	return syscall(SYS_delete_module, PM_VTEE_MOD, O_NONBLOCK) ? -errno : 0;
}

/* Load vtee with @p: finit_module on vtee.ko, else busybox modprobe. */
static inline int pm_vtee_load(const struct pm_vtee_params *p)
{
	char args[2000], path[512], cmd[2600];
	int fd, ret;

	pm_vtee_param_string(p, args, sizeof(args));
	if (!pm_vtee_module_path(path, sizeof(path))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, args, 0) ? -errno : 0;
		close(fd);
		if (ret)
			tap_diag("finit_module(%s, \"%s\"): %s", path, args,
				 strerror(-ret));
		return ret;
	}
	snprintf(cmd, sizeof(cmd), "modprobe " PM_VTEE_MOD " %s", args);
	ret = system(cmd);
	if (ret)
		tap_diag("%s: status %d", cmd, ret);
	return ret ? -EIO : 0;
}

/* Modules that use vtee, names into @buf; returns how many. */
static inline int pm_vtee_holders(char *buf, size_t size)
{
	DIR *d = opendir(PM_VTEE_MOD_SYSFS "/holders");
	struct dirent *e;
	size_t n = 0;
	int count = 0;

	buf[0] = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		count++;
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s ", e->d_name);
	}
	closedir(d);
	return count;
}

/* vtee's module reference count, -1 if unreadable */
static inline int64_t pm_vtee_refcnt(void)
{
	uint64_t v;

	return pm_read_u64(PM_VTEE_MOD_SYSFS "/refcnt", &v) ? -1 : (int64_t)v;
}

/*
 * Wait up to @ms for nothing to hold vtee (releases are synchronous, but
 * allow for deferred fput); 1 if its refcnt reached 0.
 */
static inline int pm_vtee_wait_unused(unsigned int ms)
{
	uint64_t deadline = pm_now_ms() + ms;

	while (pm_vtee_refcnt() != 0 && pm_now_ms() < deadline)
		pm_sleep_ms(20);
	return pm_vtee_refcnt() == 0;
}

/*
 * Unload vtee once nothing uses it and load it again with @p. Returns 0,
 * or -errno of the step that failed (tap_diag() says which); if the
 * unload worked and the load did not, vtee stays unloaded.
 */
static inline int pm_vtee_reload(const struct pm_vtee_params *p)
{
	int ret;

	if (!pm_vtee_wait_unused(2000))
		tap_diag("vtee refcnt %" PRId64 " before unloading",
			 pm_vtee_refcnt());
	ret = pm_vtee_unload();
	if (ret) {
		tap_diag("delete_module(\"" PM_VTEE_MOD "\"): %s; refcnt %" PRId64,
			 strerror(-ret), pm_vtee_refcnt());
		return ret;
	}
	ret = pm_vtee_load(p);
	if (!ret && !pm_vtee_loaded())
		ret = -ENOENT;
	if (ret)
		tap_diag("loading vtee: %s", strerror(-ret));
	return ret;
}

#endif /* PROTMEM_TEST_H */
