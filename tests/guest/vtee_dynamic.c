// SPDX-License-Identifier: GPL-2.0
/*
 * vtee_dynamic - dynamic protected pools: vtee is reloaded with secure-video
 * and secure-video-record lent from CMA on demand (trusted-ui stays on the
 * carveout; the TAs may touch secure-video and read secure-video-record,
 * never trusted-ui, so the TA steps need those two dynamic). Memory is
 * lent a chunk at a time (chunk=4 MiB): the first
 * buffer lends a chunk, later ones reuse it, a buffer larger than a chunk
 * gets its own chunk rounded up to the chunk size, nothing beyond
 * dynamic_max (32 MiB) is lent, and a chunk no buffer uses is reclaimed at
 * once -- scrubbed by the secure world and given back to CMA. Lent memory
 * works with the TAs (SDP round trip, decrypt + digest through
 * TEE_IOC_SHM_REGISTER_FD) and carries no data from one lending to the
 * next.
 *
 * Figures: the pools' sysfs files (a dynamic pool's size is the bytes lent
 * now), the pages CMA has handed out (debugfs cma/<area>/used: exact,
 * unlike CmaFree, which moves with per-CPU free lists and anyone's movable
 * allocations), vtee's scrubbed_bytes and the chunk list in debugfs
 * (/sys/kernel/debug/tee_protmem/<use case>).
 *
 * vtee is left loaded at the end with the parameters it had at the start,
 * whatever failed in between.
 *
 * PROTMEM_SEED=<n> replays a run (the seed is printed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protmem_test.h"
#include "ref_crypto.h"
#include "tap.h"

/* PM_MIB as a uint64_t, for PRIu64 */
#define MIB		((uint64_t)PM_MIB)

/* What vtee is reloaded with */
#define DYN_USE_CASES	"secure-video,secure-video-record"
#define CHUNK		(4 * MIB)
#define DYN_MAX		(32 * MIB)
#define CHUNK_STR	"4194304"
#define DYN_MAX_STR	"33554432"

/* pm_use_case() indices */
#define UC_DYN		0	/* secure-video: dynamic */
#define UC_STATIC	1	/* trusted-ui: the carveout */
#define UC_REC		2	/* secure-video-record: dynamic */

/* CMA the test needs: dynamic_max plus the record pool's chunk, and room */
#define CMA_NEEDED	(64 * MIB)
#define RECLAIM_MS	5000
/* CMA's own count of the pages it handed out, summed over its areas */
#define CMA_DEBUGFS	"/sys/kernel/debug/cma"

#define SDP_ITER	8

/* Normal shms: SDP in and out; the crypt TA's key, IV, digest, ciphertext */
#define NRM_SIZE	(64 * 1024)
#define OFF_KEY		0
#define OFF_IV		64
#define OFF_DIGEST	128
#define OFF_CT		4096
#define MAX_CT		(NRM_SIZE - OFF_CT)
#define CT_LEN		(3 * 4096 + 37)

/* The buffers the test holds */
enum { B_A, B_B, B_C, B_REC, B_BIG, B_ONE, B_WHOLE, NBUF };

struct ctx {
	struct tap *t;
	struct pm_rng rng;
	int tee;
	uint32_t sdp, crypt;
	int sdp_open, crypt_open, key_loaded;
	uint64_t key_id;
	struct pm_shm in, out, nrm;
	struct pm_prot b[NBUF];
	uint64_t cma0;		/* CMA used (kB) with nothing lent */
	uint64_t scrubbed0;	/* vtee's scrubbed_bytes then */
	uint64_t lent;		/* bytes seen lent, summed over the test */
	uint64_t seen[PM_NUM_USE_CASES];	/* size last seen per pool */
	uint64_t chunk0, chunk0_size;	/* a chunk seen lent (debugfs) */
};

/* ---- figures ------------------------------------------------------------ */

/* A line "Name:  <n> kB" of /proc/meminfo; 0 or -errno. */
static int meminfo_kb(const char *name, uint64_t *kb)
{
	char buf[8192], *s;
	size_t n = strlen(name);
	int ret = pm_read_file("/proc/meminfo", buf, sizeof(buf));

	if (ret)
		return ret;
	for (s = buf; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		if (!strncmp(s, name, n) && s[n] == ':') {
			*kb = strtoull(s + n + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/* kB the CMA areas have handed out (cma_alloc()), or -errno */
static int cma_used(uint64_t *kb)
{
	char path[PATH_MAX];
	struct dirent *de;
	uint64_t pages, sum = 0;
	int ret = -ENOENT;
	DIR *d = opendir(CMA_DEBUGFS);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), CMA_DEBUGFS "/%s/used", de->d_name);
		ret = pm_read_u64(path, &pages);
		if (ret)
			break;
		sum += pages;
	}
	closedir(d);
	*kb = sum * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	return ret;
}

static uint64_t cma_used_kb(void)
{
	uint64_t kb = 0;
	int ret = cma_used(&kb);

	if (ret)
		tap_diag(CMA_DEBUGFS "/*/used: %s", strerror(-ret));
	return kb;
}

static int scrubbed_bytes(uint64_t *v)
{
	return pm_read_u64(PM_VTEE_SYSFS "/scrubbed_bytes", v);
}

/*
 * Figures of pool @uc. Also keeps the count of bytes lent: any growth of
 * a dynamic pool's size since it was last seen was lent just now.
 */
static int stats(struct ctx *c, unsigned int uc, struct pm_pool_stats *st)
{
	int ret = pm_pool_stats(pm_use_case(uc)->name, st);

	if (ret) {
		tap_diag("reading %s/%s: %s", pm_protmem_dir(),
			 pm_use_case(uc)->name, strerror(-ret));
		return ret;
	}
	if (uc != UC_STATIC && st->size > c->seen[uc])
		c->lent += st->size - c->seen[uc];
	c->seen[uc] = st->size;
	return 0;
}

/* Assert pool @uc is at @size bytes lent, @used in @live buffers. */
static int expect_pool(struct ctx *c, unsigned int uc, uint64_t size,
		       uint64_t used, uint64_t live, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int expect_pool(struct ctx *c, unsigned int uc, uint64_t size,
		       uint64_t used, uint64_t live, const char *fmt, ...)
{
	struct pm_pool_stats st;
	char what[256];
	va_list ap;
	int ok;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ok = !stats(c, uc, &st) && st.size == size && st.used == used &&
	     st.live_buffers == live;
	if (!tap_ok(c->t, ok, "%s: %s (size %" PRIu64 " MiB, used %" PRIu64
		    " MiB, %" PRIu64 " live)", pm_use_case(uc)->name, what,
		    size / MIB, used / MIB, live))
		pm_diag_stats(pm_use_case(uc)->name, &st);
	return ok;
}

/*
 * The chunks of dynamic pool @uc from debugfs: their sizes into @sizes
 * (at most @max), first address into @first. Returns how many, or -errno.
 */
static int chunks(unsigned int uc, uint64_t *sizes, int max, uint64_t *first)
{
	char path[128], buf[16384], *s;
	uint64_t addr, size;
	int n = 0, ret;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tee_protmem/%s",
		 pm_use_case(uc)->name);
	ret = pm_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strstr(buf, "dynamic pool"))
		return -EINVAL;
	for (s = buf; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		if (sscanf(s, "chunk %" SCNx64 "+%" SCNx64, &addr, &size) != 2)
			continue;
		if (!n && first)
			*first = addr;
		if (n < max)
			sizes[n] = size;
		n++;
	}
	return n;
}

/* Wait until pool @uc has nothing lent and is clean; 1 if it did. */
static int wait_reclaimed(struct ctx *c, unsigned int uc,
			  struct pm_pool_stats *st)
{
	uint64_t deadline = pm_now_ms() + RECLAIM_MS;

	for (;;) {
		if (stats(c, uc, st))
			return 0;
		if (st->size == 0 && pm_pool_is_clean(st))
			return 1;
		if (pm_now_ms() >= deadline)
			return 0;
		pm_sleep_ms(20);
	}
}

/* ---- buffers ------------------------------------------------------------ */

/* Allocate buffer @i, @len bytes from pool @uc (not registered); 0/-errno */
static int buf_alloc(struct ctx *c, int i, unsigned int uc, uint64_t len)
{
	struct pm_prot *pb = &c->b[i];

	pb->shm = -1;
	pb->id = 0;
	pb->size = 0;
	pb->dmabuf = pm_heap_alloc_path(pm_use_case(uc)->heap, len);
	if (pb->dmabuf < 0) {
		int ret = pb->dmabuf;

		pb->dmabuf = -1;
		return ret;
	}
	return 0;
}

/* Register buffer @i with the TEE (TEE_IOC_SHM_REGISTER_FD); 0/-errno */
static int buf_register(struct ctx *c, int i)
{
	struct pm_prot *pb = &c->b[i];
	int ret = pm_shm_register_fd(c->tee, pb->dmabuf, &pb->id, &pb->size);

	if (ret < 0)
		return ret;
	pb->shm = ret;
	return 0;
}

static void buf_free(struct ctx *c, int i)
{
	pm_prot_free(&c->b[i]);
}

/* ---- TAs ---------------------------------------------------------------- */

static struct pm_res sdp_call(struct ctx *c, uint32_t cmd, int32_t in_id,
			      uint64_t in_off, uint64_t in_len, int32_t out_id,
			      uint64_t out_off, uint64_t out_len)
{
	struct tee_ioctl_param p[2] = {
		pm_p_memref(PM_MR_IN, in_id, in_off, in_len),
		pm_p_memref(PM_MR_OUT, out_id, out_off, out_len),
	};

	return pm_invoke(c->tee, c->sdp, cmd, p, 2);
}

/*
 * SDP round trips on registered buffer @i: random data into random
 * windows (the first at its very start, the second at its very end),
 * transformed in place, dumped and compared.
 */
static void sdp_round_trip(struct ctx *c, int i, const char *what)
{
	const struct pm_prot *pb = &c->b[i];
	uint64_t len, in_off, po, out_off;
	struct tee_ioctl_param p[1];
	unsigned int it, bad = 0;
	struct pm_res r;
	uint64_t k;

	for (it = 0; it < SDP_ITER && !bad; it++) {
		len = it < 2 ? NRM_SIZE : pm_rng_range(&c->rng, 1, NRM_SIZE);
		in_off = pm_rng_range(&c->rng, 0, c->in.size - len);
		out_off = pm_rng_range(&c->rng, 0, c->out.size - len);
		po = it == 0 ? 0 : it == 1 ? pb->size - len :
		     pm_rng_range(&c->rng, 0, pb->size - len);
		pm_rng_fill(&c->rng, c->in.p + in_off, len);
		memset(c->out.p, 0x5a, c->out.size);

		r = sdp_call(c, PM_SDP_INJECT, c->in.id, in_off, len, pb->id, po,
			     len);
		if (pm_res_ok(&r)) {
			p[0] = pm_p_memref(PM_MR_INOUT, pb->id, po, len);
			r = pm_invoke(c->tee, c->sdp, PM_SDP_TRANSFORM, p, 1);
		}
		if (pm_res_ok(&r))
			r = sdp_call(c, PM_SDP_DUMP, pb->id, po, len, c->out.id,
				     out_off, len);
		if (!pm_res_ok(&r)) {
			tap_diag("iteration %u: %" PRIu64 " bytes at %" PRIu64
				 " of the protected buffer", it, len, po);
			pm_diag_res("INJECT/TRANSFORM/DUMP", &r);
			bad++;
			break;
		}
		for (k = 0; k < len; k++) {
			uint8_t want = (uint8_t)((~c->in.p[in_off + k] + 1) & 0xff);

			if (c->out.p[out_off + k] != want) {
				tap_diag("iteration %u: %" PRIu64 " bytes at %" PRIu64
					 ": byte %" PRIu64 " is %#x, want %#x", it,
					 len, po, k, c->out.p[out_off + k], want);
				bad++;
				break;
			}
		}
	}
	tap_ok(c->t, bad == 0, "%s: SDP inject -> transform -> dump gives the transformed data (%u random windows, both ends included)",
	       what, it);
}

static struct pm_res load_key(struct ctx *c, const uint8_t *key)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memcpy(c->nrm.p + OFF_KEY, key, 16);
	p[0] = pm_p_value(PM_VAL_IN, c->key_id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_KEY, 16);
	r = pm_invoke(c->tee, c->crypt, PM_CRYPT_LOAD_KEY, p, 2);
	if (pm_res_ok(&r))
		c->key_loaded = 1;
	return r;
}

static void clear_key(struct ctx *c)
{
	struct tee_ioctl_param p[1] = { pm_p_value(PM_VAL_IN, c->key_id, 0, 0) };

	if (c->key_loaded)
		pm_invoke(c->tee, c->crypt, PM_CRYPT_CLEAR_KEY, p, 1);
	c->key_loaded = 0;
}

/*
 * DECRYPT @len bytes of ciphertext at OFF_CT into the whole of @out_id
 * (@out_size bytes: the TA rewrites whole buffers)
 */
static struct pm_res decrypt(struct ctx *c, const uint8_t *iv, uint64_t len,
			     int32_t out_id, uint64_t out_size)
{
	struct tee_ioctl_param p[4];

	memcpy(c->nrm.p + OFF_IV, iv, 16);
	p[0] = pm_p_value(PM_VAL_IN, c->key_id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_IV, 16);
	p[2] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_CT, len);
	p[3] = pm_p_memref(PM_MR_OUT, out_id, 0, out_size);
	return pm_invoke(c->tee, c->crypt, PM_CRYPT_DECRYPT, p, 4);
}

/* DIGEST of [@off, @off + @len) of @in_id into @md */
static struct pm_res digest(struct ctx *c, int32_t in_id, uint64_t off,
			    uint64_t len, uint8_t *md)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memset(c->nrm.p + OFF_DIGEST, 0, 32);
	p[0] = pm_p_memref(PM_MR_IN, in_id, off, len);
	p[1] = pm_p_memref(PM_MR_OUT, c->nrm.id, OFF_DIGEST, 32);
	r = pm_invoke(c->tee, c->crypt, PM_CRYPT_DIGEST, p, 2);
	memcpy(md, c->nrm.p + OFF_DIGEST, 32);
	return r;
}

/* A buffer just lent digests as zeroes (the crypt TA may read it) */
static void fresh_digest(struct ctx *c, int i, const char *what)
{
	uint8_t md[32], zeros[32];
	struct pm_res r;

	pm_sha256_zeros(c->b[i].size, zeros);
	r = digest(c, c->b[i].id, 0, c->b[i].size, md);
	if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, zeros, 32),
		    "%s: crypt TA DIGEST of the lent buffer: zeroes", what))
		pm_diag_res("DIGEST", &r);
}

/* ---- the steps ---------------------------------------------------------- */

/* 2: a fresh configuration; 0 if the test cannot go on */
static int test_fresh(struct ctx *c)
{
	struct pm_vtee_params got;
	struct pm_pool_stats st;
	unsigned int uc;
	int ret, ok;

	ret = pm_vtee_read_params(&got);
	if (!tap_ok(c->t, !ret && !strcmp(pm_vtee_param(&got, "dynamic"), DYN_USE_CASES) &&
		    !strcmp(pm_vtee_param(&got, "chunk"), CHUNK_STR) &&
		    !strcmp(pm_vtee_param(&got, "dynamic_max"), DYN_MAX_STR),
		    "vtee's sysfs parameters show dynamic=" DYN_USE_CASES
		    " chunk=" CHUNK_STR " dynamic_max=" DYN_MAX_STR))
		tap_diag("read %d: dynamic \"%s\" chunk \"%s\" dynamic_max \"%s\"",
			 ret, pm_vtee_param(&got, "dynamic"),
			 pm_vtee_param(&got, "chunk"),
			 pm_vtee_param(&got, "dynamic_max"));

	ret = pm_wait_pool_clean(pm_use_case(UC_STATIC)->name,
				 PM_VTEE_RELOAD_CLEAN_MS, &st);
	if (!tap_ok(c->t, !ret && st.size > 0,
		    "trusted-ui stays a carveout pool: size %" PRIu64 " MiB, free and clean",
		    st.size / MIB))
		pm_diag_stats(pm_use_case(UC_STATIC)->name, &st);

	ok = 1;
	for (uc = 0; uc < PM_NUM_USE_CASES; uc++) {
		if (uc == UC_STATIC)
			continue;
		ret = stats(c, uc, &st);
		if (!tap_ok(c->t, !ret && st.size == 0 && pm_pool_is_clean(&st),
			    "%s is dynamic: nothing lent (size 0) and clean before any allocation",
			    pm_use_case(uc)->name)) {
			pm_diag_stats(pm_use_case(uc)->name, &st);
			ok = 0;
		}
	}

	ret = cma_used(&c->cma0);
	if (!tap_ok(c->t, !ret, "CMA's pages in use recorded: %" PRIu64 " kB", c->cma0)) {
		tap_diag(CMA_DEBUGFS "/*/used: %s", strerror(-ret));
		ok = 0;
	}
	ret = scrubbed_bytes(&c->scrubbed0);
	if (!tap_ok(c->t, !ret, "vtee's scrubbed_bytes reads %" PRIu64, c->scrubbed0)) {
		tap_diag("%s/scrubbed_bytes: %s", PM_VTEE_SYSFS, strerror(-ret));
		ok = 0;
	}
	return ok;
}

/* 3: lending chunk by chunk; 0 if the test cannot go on */
/*
 * The chunk seen lent (c->chunk0) has @want bytes in the kernel's linear
 * map: 0 while lent, all of them once reclaimed. Only where the kernel
 * dumps its linear map (arm64); skipped elsewhere.
 */
static void linear_map_check(struct ctx *c, int all, const char *what)
{
	uint64_t mapped;
	int ret;

	if (!c->chunk0_size) {
		tap_skip(c->t, "no chunk address (debugfs)", "%s", what);
		return;
	}
	ret = pm_linear_map_bytes(c->chunk0, c->chunk0_size, &mapped);
	if (ret == -ENOENT) {
		tap_skip(c->t, "no linear map in " PM_PTDUMP " (arm64 only)", "%s", what);
		return;
	}
	if (!tap_ok(c->t, !ret && mapped == (all ? c->chunk0_size : 0), "%s", what))
		tap_diag("%" PRIu64 " of %" PRIu64 " bytes mapped", mapped, c->chunk0_size);
}

static int test_lend(struct ctx *c)
{
	uint64_t sizes[4] = { 0 }, cma;
	int ret, n;

	ret = buf_alloc(c, B_A, UC_DYN, PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video: a 1 MiB buffer")) {
		tap_diag("alloc: %s", strerror(-ret));
		return 0;
	}
	expect_pool(c, UC_DYN, CHUNK, PM_MIB, 1, "one chunk lent for it");
	cma = cma_used_kb();
	if (!tap_ok(c->t, cma == c->cma0 + CHUNK / 1024,
		    "CMA handed out exactly a chunk (4 MiB)"))
		tap_diag("CMA used %" PRIu64 " kB, was %" PRIu64 " kB", cma, c->cma0);

	ret = pm_try_mmap(c->b[B_A].dmabuf, PM_MIB);
	if (!tap_ok(c->t, ret == -EPERM, "mmap of a buffer of lent memory fails with EPERM"))
		tap_diag("mmap: %s", ret ? strerror(-ret) : "succeeded");

	ret = buf_alloc(c, B_B, UC_DYN, PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video: a second 1 MiB buffer")) {
		tap_diag("alloc: %s", strerror(-ret));
		return 0;
	}
	expect_pool(c, UC_DYN, CHUNK, 2 * PM_MIB, 2, "it reuses the chunk");

	ret = buf_alloc(c, B_C, UC_DYN, 6 * PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video: a 6 MiB buffer")) {
		tap_diag("alloc: %s", strerror(-ret));
		return 0;
	}
	expect_pool(c, UC_DYN, 3 * CHUNK, 8 * PM_MIB, 3,
		    "it gets a chunk of its own rounded up to 8 MiB");
	n = chunks(UC_DYN, sizes, 4, &c->chunk0);
	if (n == -ENOENT) {
		tap_skip(c->t, "no debugfs", "secure-video: chunks of 4 and 8 MiB");
	} else if (!tap_ok(c->t, n == 2 && ((sizes[0] == CHUNK && sizes[1] == 2 * CHUNK) ||
					    (sizes[1] == CHUNK && sizes[0] == 2 * CHUNK)),
			   "secure-video: debugfs lists two chunks, of 4 and 8 MiB")) {
		tap_diag("%d chunks: %#" PRIx64 " %#" PRIx64 " %#" PRIx64, n,
			 sizes[0], sizes[1], sizes[2]);
	}
	if (n > 0)
		c->chunk0_size = sizes[0];
	linear_map_check(c, 0, "a lent chunk is not in the kernel's linear map");
	cma = cma_used_kb();
	if (!tap_ok(c->t, cma == c->cma0 + 3 * CHUNK / 1024,
		    "CMA handed out exactly the 12 MiB lent"))
		tap_diag("CMA used %" PRIu64 " kB, was %" PRIu64 " kB", cma, c->cma0);

	ret = buf_alloc(c, B_REC, UC_REC, PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video-record: a 1 MiB buffer")) {
		tap_diag("alloc: %s", strerror(-ret));
		return 0;
	}
	expect_pool(c, UC_REC, CHUNK, PM_MIB, 1, "a chunk of its own pool lent");
	expect_pool(c, UC_DYN, 3 * CHUNK, 8 * PM_MIB, 3, "unchanged by the other pool");
	return 1;
}

/* An allocation from secure-video that must fail with ENOMEM and count */
static void expect_enomem(struct ctx *c, uint64_t len, const char *why)
{
	struct pm_pool_stats st;
	uint64_t f0 = 0;
	int fd;

	stats(c, UC_DYN, &st);
	f0 = st.failures;
	fd = pm_heap_alloc_path(pm_use_case(UC_DYN)->heap, len);
	if (!tap_ok(c->t, fd == -ENOMEM, "secure-video: %" PRIu64 " MiB fails with ENOMEM (%s)",
		    len / MIB, why))
		tap_diag("alloc: %s", fd >= 0 ? "succeeded" : strerror(-fd));
	if (fd >= 0)
		close(fd);
	if (!tap_ok(c->t, !stats(c, UC_DYN, &st) && st.failures == f0 + 1,
		    "secure-video: the failure is counted"))
		tap_diag("failures %" PRIu64 ", was %" PRIu64, st.failures, f0);
}

/* 4: dynamic_max */
static void test_limit(struct ctx *c)
{
	uint64_t cma1 = cma_used_kb(), cma;
	int ret;

	/* 12 MiB lent: 24 more would be 36 > 32 */
	expect_enomem(c, 24 * PM_MIB, "12 lent + 24 > dynamic_max 32");
	expect_enomem(c, 40 * PM_MIB, "larger than dynamic_max");
	expect_pool(c, UC_DYN, 3 * CHUNK, 8 * PM_MIB, 3,
		    "nothing extra stays lent after the failures");
	cma = cma_used_kb();
	if (!tap_ok(c->t, cma == cma1,
		    "CMA handed out nothing for the failed allocations"))
		tap_diag("CMA used %" PRIu64 " kB, was %" PRIu64 " kB", cma, cma1);

	/* Exactly up to the limit */
	ret = buf_alloc(c, B_BIG, UC_DYN, 20 * PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video: 20 MiB, lending exactly up to dynamic_max")) {
		tap_diag("alloc: %s", strerror(-ret));
		return;
	}
	expect_pool(c, UC_DYN, DYN_MAX, 28 * PM_MIB, 4, "dynamic_max lent");
	expect_enomem(c, CHUNK, "a new chunk would pass dynamic_max");
	ret = buf_alloc(c, B_ONE, UC_DYN, PM_MIB);
	if (!tap_ok(c->t, !ret, "secure-video: 1 MiB at the limit, from a lent chunk's free space"))
		tap_diag("alloc: %s", strerror(-ret));
	else
		expect_pool(c, UC_DYN, DYN_MAX, 29 * PM_MIB, 5, "no more lent for it");
	buf_free(c, B_ONE);
	buf_free(c, B_BIG);
	expect_pool(c, UC_DYN, 3 * CHUNK, 8 * PM_MIB, 3,
		    "the 20 MiB chunk is reclaimed once its buffer is freed");
}

/* 5: the TAs on lent memory */
static void test_tas(struct ctx *c)
{
	uint8_t key[16], iv[16], want[32], got[32], *pt;
	struct pm_res r;
	int ret;

	ret = buf_register(c, B_C);
	if (tap_ok(c->t, !ret && c->b[B_C].size == 6 * PM_MIB,
		   "TEE_IOC_SHM_REGISTER_FD of the 6 MiB secure-video buffer")) {
		if (c->sdp_open)
			sdp_round_trip(c, B_C, "secure-video 6 MiB");
	} else {
		tap_diag("register: %s, size %" PRIu64, strerror(-ret), c->b[B_C].size);
	}
	ret = buf_register(c, B_REC);
	if (tap_ok(c->t, !ret && c->b[B_REC].size == PM_MIB,
		   "TEE_IOC_SHM_REGISTER_FD of the 1 MiB secure-video-record buffer")) {
		if (c->crypt_open)
			fresh_digest(c, B_REC, "secure-video-record 1 MiB");
	} else {
		tap_diag("register: %s, size %" PRIu64, strerror(-ret), c->b[B_REC].size);
	}
	if (!c->crypt_open)
		return;

	ret = buf_register(c, B_B);
	if (!tap_ok(c->t, !ret, "TEE_IOC_SHM_REGISTER_FD of a 1 MiB secure-video buffer")) {
		tap_diag("register: %s", strerror(-ret));
		return;
	}
	pt = malloc(CT_LEN);
	if (!pt) {
		tap_skip(c->t, "out of memory", "decrypt into lent memory");
		return;
	}
	pm_rng_fill(&c->rng, key, 16);
	pm_rng_fill(&c->rng, iv, 16);
	pm_rng_fill(&c->rng, pt, CT_LEN);
	ref_aes128_ctr(key, iv, pt, c->nrm.p + OFF_CT, CT_LEN);
	pm_sha256_padded(pt, CT_LEN, c->b[B_B].size, want);
	free(pt);
	r = load_key(c, key);
	if (pm_res_ok(&r))
		r = decrypt(c, iv, CT_LEN, c->b[B_B].id, c->b[B_B].size);
	if (!tap_ok(c->t, pm_res_ok(&r),
		    "crypt TA: LOAD_KEY and DECRYPT of %d bytes into lent memory", CT_LEN)) {
		pm_diag_res("LOAD_KEY/DECRYPT", &r);
		return;
	}
	r = digest(c, c->b[B_B].id, 0, c->b[B_B].size, got);
	if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(got, want, 32),
		    "crypt TA: DIGEST of the buffer equals SHA-256 of the plaintext, zero-padded")) {
		pm_diag_res("DIGEST", &r);
		pm_diag_md("got ", got);
		pm_diag_md("want", want);
	}
}

/* 6: everything freed goes back */
static void test_reclaim(struct ctx *c)
{
	struct pm_pool_stats st;
	uint64_t deadline, cma, scrubbed = 0;
	unsigned int uc;
	int i, ret;

	for (i = 0; i < NBUF; i++)
		buf_free(c, i);
	for (uc = 0; uc < PM_NUM_USE_CASES; uc++)
		if (uc != UC_STATIC && !tap_ok(c->t, wait_reclaimed(c, uc, &st),
			    "%s: with every buffer freed nothing stays lent (size 0) and the pool is clean",
			    pm_use_case(uc)->name))
			pm_diag_stats(pm_use_case(uc)->name, &st);
	linear_map_check(c, 1, "a reclaimed chunk is in the kernel's linear map again");

	deadline = pm_now_ms() + RECLAIM_MS;
	do {
		cma = cma_used_kb();
		if (cma == c->cma0)
			break;
		pm_sleep_ms(50);
	} while (pm_now_ms() < deadline);
	if (!tap_ok(c->t, cma == c->cma0,
		    "CMA got every lent page back (in use as before lending)"))
		tap_diag("CMA used %" PRIu64 " kB, was %" PRIu64 " kB", cma, c->cma0);

	ret = scrubbed_bytes(&scrubbed);
	if (!tap_ok(c->t, !ret && scrubbed >= c->scrubbed0 + c->lent,
		    "vtee's scrubbed_bytes grew by at least the %" PRIu64 " MiB lent",
		    c->lent / MIB))
		tap_diag("scrubbed_bytes %" PRIu64 ", was %" PRIu64 " (read: %s)",
			 scrubbed, c->scrubbed0, ret ? strerror(-ret) : "ok");
}

/* Allocate and register B_WHOLE: one buffer the size of a chunk */
static int whole_chunk(struct ctx *c, uint64_t *addr)
{
	uint64_t size = 0;
	int ret;

	ret = buf_alloc(c, B_WHOLE, UC_DYN, CHUNK);
	if (!ret)
		ret = buf_register(c, B_WHOLE);
	if (!tap_ok(c->t, !ret, "secure-video: a buffer of a whole chunk (4 MiB), registered")) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return 0;
	}
	expect_pool(c, UC_DYN, CHUNK, CHUNK, 1, "a chunk lent for it");
	*addr = 0;
	if (chunks(UC_DYN, &size, 1, addr) != 1)
		*addr = 0;
	return 1;
}

/* 7: no data survives from one lending to the next */
static void test_stale(struct ctx *c)
{
	uint8_t key[16], iv[16], md[32], zeros[32];
	uint64_t addr1 = 0, addr2 = 0;
	struct pm_pool_stats st;
	struct pm_res r = { 0, 0, 0 };

	if (!c->crypt_open || !whole_chunk(c, &addr1))
		return;
	pm_rng_fill(&c->rng, key, 16);
	pm_rng_fill(&c->rng, iv, 16);
	pm_rng_fill(&c->rng, c->nrm.p + OFF_CT, MAX_CT);
	r = load_key(c, key);
	if (pm_res_ok(&r))
		r = decrypt(c, iv, MAX_CT, c->b[B_WHOLE].id, CHUNK);
	pm_sha256_zeros(CHUNK, zeros);
	if (pm_res_ok(&r))
		r = digest(c, c->b[B_WHOLE].id, 0, CHUNK, md);
	if (!tap_ok(c->t, pm_res_ok(&r) && memcmp(md, zeros, 32),
		    "content decrypted into the whole chunk (it digests as non-zero)")) {
		pm_diag_res("LOAD_KEY/DECRYPT/DIGEST", &r);
		pm_diag_md("got ", md);
	}
	clear_key(c);
	buf_free(c, B_WHOLE);
	if (!tap_ok(c->t, wait_reclaimed(c, UC_DYN, &st),
		    "secure-video: freeing it reclaims the chunk (size 0, clean)")) {
		pm_diag_stats(pm_use_case(UC_DYN)->name, &st);
		return;
	}

	if (!whole_chunk(c, &addr2))
		return;
	if (addr1 && addr2)
		tap_diag("chunk at %#" PRIx64 " then at %#" PRIx64 "%s", addr1, addr2,
			 addr1 == addr2 ? " (the same memory)" :
			 " (other memory: a weaker check)");
	r = digest(c, c->b[B_WHOLE].id, 0, CHUNK, md);
	if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, zeros, 32),
		    "the next chunk lent digests as zeroes: nothing of the old content")) {
		pm_diag_res("DIGEST", &r);
		pm_diag_md("got ", md);
		pm_diag_md("want", zeros);
	}
	buf_free(c, B_WHOLE);
	if (!tap_ok(c->t, wait_reclaimed(c, UC_DYN, &st),
		    "secure-video: and is reclaimed again when freed"))
		pm_diag_stats(pm_use_case(UC_DYN)->name, &st);
}

/* Open the TEE, the two TA sessions and the normal shms */
static void tee_setup(struct ctx *c)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_res r;
	int ret;

	c->tee = pm_tee_open();
	if (!tap_ok(c->t, c->tee >= 0, "%s opens", PM_TEE_DEV)) {
		tap_diag("open: %s", strerror(-c->tee));
		return;
	}
	ret = pm_shm_new(c->tee, NRM_SIZE, &c->in);
	if (!ret)
		ret = pm_shm_new(c->tee, NRM_SIZE, &c->out);
	if (!ret)
		ret = pm_shm_new(c->tee, NRM_SIZE, &c->nrm);
	if (!tap_ok(c->t, !ret, "three %d KiB normal shms map", NRM_SIZE / 1024)) {
		tap_diag("shm: %s", strerror(-ret));
		return;
	}
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	r = pm_open_public(c->tee, uuid, &c->sdp);
	c->sdp_open = pm_res_ok(&r);
	if (!tap_ok(c->t, c->sdp_open, "a session to the SDP TA opens"))
		pm_diag_res("open session", &r);
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	r = pm_open_public(c->tee, uuid, &c->crypt);
	c->crypt_open = pm_res_ok(&r);
	if (!tap_ok(c->t, c->crypt_open, "a session to the decryption TA opens"))
		pm_diag_res("open session", &r);
}

/* Let go of everything that pins vtee; safe to call more than once */
static void tee_teardown(struct ctx *c)
{
	int i;

	for (i = 0; i < NBUF; i++)
		buf_free(c, i);
	if (c->crypt_open) {
		clear_key(c);
		pm_close_session(c->tee, c->crypt);
	}
	if (c->sdp_open)
		pm_close_session(c->tee, c->sdp);
	c->crypt_open = c->sdp_open = 0;
	pm_shm_free(&c->in);
	pm_shm_free(&c->out);
	pm_shm_free(&c->nrm);
	if (c->tee >= 0)
		close(c->tee);
	c->tee = -1;
}

/* 8: back to the parameters of the start, pools as they were */
static void restore(struct tap *t, const struct pm_vtee_params *boot,
		    const uint64_t *size0)
{
	struct pm_vtee_params got;
	struct pm_pool_stats st;
	unsigned int i;
	int ret, same = 0;

	if (pm_vtee_loaded()) {
		ret = pm_vtee_read_params(&got);
		same = !ret && pm_vtee_params_equal(&got, boot);
	}
	if (same)
		ret = 0;
	else if (pm_vtee_loaded())
		ret = pm_vtee_reload(boot);
	else
		ret = pm_vtee_load(boot);
	if (!tap_ok(t, !ret && pm_vtee_loaded(),
		    "vtee is loaded again with the parameters of the start")) {
		tap_diag("reload/load: %s; loaded %d", ret ? strerror(-ret) : "ok",
			 pm_vtee_loaded());
		return;
	}
	ret = pm_vtee_read_params(&got);
	if (!tap_ok(t, !ret && pm_vtee_params_equal(&got, boot),
		    "vtee's sysfs parameters are those of the start")) {
		if (ret)
			tap_diag("%s/parameters: %s", PM_VTEE_MOD_SYSFS, strerror(-ret));
		else
			pm_vtee_diag_params(&got, boot);
	}
	tap_ok(t, pm_wait_all_clean(PM_VTEE_RELOAD_CLEAN_MS),
	       "every pool is free and clean again");
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		ret = pm_pool_stats(pm_use_case(i)->name, &st);
		if (!tap_ok(t, !ret && st.size == size0[i],
			    "%s: size %" PRIu64 " MiB as at the start",
			    pm_use_case(i)->name, size0[i] / MIB))
			pm_diag_stats(pm_use_case(i)->name, &st);
	}
}

int main(void)
{
	struct pm_vtee_params boot, dyn;
	uint64_t seed = pm_seed(), size0[PM_NUM_USE_CASES], cma_total = 0;
	struct pm_pool_stats st;
	struct ctx c;
	char who[512];
	unsigned int i;
	struct tap t;
	int ret;

	tap_init(&t);
	memset(&c, 0, sizeof(c));
	c.t = &t;
	c.tee = -1;
	c.in.fd = c.out.fd = c.nrm.fd = -1;
	for (i = 0; i < NBUF; i++)
		c.b[i].dmabuf = c.b[i].shm = -1;
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays this run)",
		 seed, seed);
	pm_rng_init(&c.rng, seed);
	c.key_id = 0x64796e616d6963ULL << 8 | (pm_rng_next(&c.rng) & 0xff);

	if (!tap_ok(&t, pm_vtee_loaded(), "vtee is loaded (as a module) at the start"))
		return tap_done(&t);
	ret = pm_vtee_read_params(&boot);
	if (!tap_ok(&t, ret == 0, "vtee's parameters are readable in sysfs")) {
		tap_diag("%s/parameters: %s", PM_VTEE_MOD_SYSFS, strerror(-ret));
		return tap_done(&t);
	}
	pm_vtee_param_string(&boot, who, sizeof(who));
	tap_diag("vtee parameters: %s", who);
	if (!pm_path_exists(PM_VTEE_MOD_SYSFS "/parameters/dynamic")) {
		tap_skip(&t, "this vtee has no dynamic pools", "dynamic pools");
		return tap_done(&t);
	}
	if (pm_vtee_holders(who, sizeof(who))) {
		tap_skip(&t, "other modules use vtee", "dynamic pools (holders: %s)", who);
		return tap_done(&t);
	}
	if (meminfo_kb("CmaTotal", &cma_total) || cma_total * 1024 < CMA_NEEDED) {
		tap_skip(&t, "no CMA area of 64 MiB (cma=)",
			 "dynamic pools (CmaTotal %" PRIu64 " kB)", cma_total);
		return tap_done(&t);
	}
	if (!tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
		    "pools fully free and clean at the start"))
		return tap_done(&t);
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		size0[i] = 0;
		if (!pm_pool_stats(pm_use_case(i)->name, &st))
			size0[i] = st.size;
	}

	/* 1: reload with dynamic pools */
	dyn = boot;
	pm_vtee_param_set(&dyn, "dynamic", DYN_USE_CASES);
	pm_vtee_param_set(&dyn, "chunk", CHUNK_STR);
	pm_vtee_param_set(&dyn, "dynamic_max", DYN_MAX_STR);
	ret = pm_vtee_reload(&dyn);
	if (tap_ok(&t, !ret, "vtee reloads with dynamic=" DYN_USE_CASES " chunk=4M dynamic_max=32M")) {
		if (test_fresh(&c)) {
			tee_setup(&c);
			if (c.tee >= 0 && test_lend(&c)) {
				test_limit(&c);
				test_tas(&c);
				test_reclaim(&c);
				test_stale(&c);
			}
		}
	}
	tee_teardown(&c);
	restore(&t, &boot, size0);
	return tap_done(&t);
}
