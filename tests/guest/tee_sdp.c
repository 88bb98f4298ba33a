// SPDX-License-Identifier: GPL-2.0
/*
 * tee_sdp - OP-TEE's secure data path test TA protocol against vtee, in
 * the style of xtest 1014: random data at random offsets is injected from
 * normal into protected memory, transformed there (b -> (~b + 1) & 0xff)
 * and dumped back, on secure-video buffers (the TA's use case; the other
 * heaps' buffers are refused); memrefs of the wrong kind, out-of-bounds
 * memrefs, wrong parameter types, unknown commands, closed sessions and
 * unknown TAs are refused as documented. The same round trips through
 * the TA-to-TA paths (commands 3-5: SDP TA to another SDP TA, 6-8: to the
 * invoke-tests pseudo-TA), with the memrefs checked again by the callee;
 * the pseudo-TA refusing protected memrefs from a normal-world client; the
 * sessions a TA opened closing with the session (and context) that opened
 * them (vtee's sysfs session counts); the depth bound of TA-to-TA chains
 * (vtee's nesting test TA). Test TAs: they exist only on a test
 * kernel with vtee loaded with testing=1 (else this test skips).
 *
 * PROTMEM_SEED=<n> replays a run (the seed is printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define ITERATIONS	12
#define PROT_SIZE	(256 * 1024)
#define NORMAL_SIZE	(64 * 1024)
#define SENTINEL	0x5a

static inline uint8_t sdp_transform(uint8_t b)
{
	return (uint8_t)((~b + 1) & 0xff);
}

/*
 * INJECT, TRANSFORM, DUMP as command @base + 0, 1, 2: the SDP TA's own (0),
 * forwarded to another SDP TA (3) or to the invoke-tests pseudo-TA (6), or
 * the pseudo-TA's own (3, on a session to it).
 */
static struct pm_res inject(int tee, uint32_t s, uint32_t base, int32_t in_id,
			    uint64_t in_off, uint64_t in_len, int32_t out_id,
			    uint64_t out_off, uint64_t out_len, uint64_t *out_size)
{
	struct tee_ioctl_param p[2] = {
		pm_p_memref(PM_MR_IN, in_id, in_off, in_len),
		pm_p_memref(PM_MR_OUT, out_id, out_off, out_len),
	};
	struct pm_res r = pm_invoke(tee, s, base + PM_SDP_INJECT, p, 2);

	if (out_size)
		*out_size = p[1].b;
	return r;
}

static struct pm_res transform(int tee, uint32_t s, uint32_t base, int32_t id,
			       uint64_t off, uint64_t len)
{
	struct tee_ioctl_param p[1] = { pm_p_memref(PM_MR_INOUT, id, off, len) };

	return pm_invoke(tee, s, base + PM_SDP_TRANSFORM, p, 1);
}

static struct pm_res dump(int tee, uint32_t s, uint32_t base, int32_t in_id,
			  uint64_t in_off, uint64_t in_len, int32_t out_id,
			  uint64_t out_off, uint64_t out_len, uint64_t *out_size)
{
	struct tee_ioctl_param p[2] = {
		pm_p_memref(PM_MR_IN, in_id, in_off, in_len),
		pm_p_memref(PM_MR_OUT, out_id, out_off, out_len),
	};
	struct pm_res r = pm_invoke(tee, s, base + PM_SDP_DUMP, p, 2);

	if (out_size)
		*out_size = p[1].b;
	return r;
}

/* First differing offset of @a and @b, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/*
 * xtest 1014 style round trip on one protected buffer (@prot_id, @prot_size
 * bytes): random windows, random data; inject, transform, dump, compare.
 */
static void round_trip(struct tap *t, const char *what, int tee, uint32_t s,
		       uint32_t base, int32_t prot_id, uint64_t prot_size,
		       struct pm_shm *in, struct pm_shm *out, struct pm_rng *rng)
{
	unsigned int it, bad_rt = 0, bad_guard = 0, bad_size = 0, bad_twice = 0;
	uint8_t *want = malloc(NORMAL_SIZE);
	uint64_t len, in_off, po, out_off, osz;
	struct pm_res r;
	long d;
	size_t i;

	if (!want) {
		tap_skip(t, "out of memory", "%s: SDP round trip", what);
		return;
	}
	for (it = 0; it < ITERATIONS; it++) {
		/* Mostly sub-page and multi-page lengths, sometimes the whole shm */
		len = it == 0 ? NORMAL_SIZE : pm_rng_range(rng, 1, it & 1 ? 4096 : NORMAL_SIZE);
		in_off = pm_rng_range(rng, 0, in->size - len);
		po = pm_rng_range(rng, 0, prot_size - len);
		out_off = pm_rng_range(rng, 0, out->size - len);
		pm_rng_fill(rng, in->p + in_off, len);

		r = inject(tee, s, base, in->id, in_off, len, prot_id, po, len, &osz);
		if (!pm_res_ok(&r)) {
			tap_diag("iteration %u: INJECT %" PRIu64 "@%" PRIu64 " -> @%" PRIu64,
				 it, len, in_off, po);
			pm_diag_res("INJECT", &r);
			bad_rt++;
			continue;
		}
		bad_size += osz != len;
		r = transform(tee, s, base, prot_id, po, len);
		if (!pm_res_ok(&r)) {
			tap_diag("iteration %u: TRANSFORM %" PRIu64 "@%" PRIu64, it, len, po);
			pm_diag_res("TRANSFORM", &r);
			bad_rt++;
			continue;
		}
		memset(out->p, SENTINEL, out->size);
		r = dump(tee, s, base, prot_id, po, len, out->id, out_off, len, &osz);
		if (!pm_res_ok(&r)) {
			tap_diag("iteration %u: DUMP %" PRIu64 "@%" PRIu64 " -> @%" PRIu64,
				 it, len, po, out_off);
			pm_diag_res("DUMP", &r);
			bad_rt++;
			continue;
		}
		bad_size += osz != len;
		for (i = 0; i < len; i++)
			want[i] = sdp_transform(in->p[in_off + i]);
		d = first_diff(out->p + out_off, want, len);
		if (d >= 0) {
			tap_diag("iteration %u: %" PRIu64 " bytes, in@%" PRIu64 " prot@%" PRIu64
				 " out@%" PRIu64 ": byte %ld is %#x, want %#x", it, len,
				 in_off, po, out_off, d, out->p[out_off + d], want[d]);
			bad_rt++;
		}
		for (i = 0; i < out->size; i++) {
			if ((i < out_off || i >= out_off + len) &&
			    out->p[i] != SENTINEL) {
				tap_diag("iteration %u: DUMP wrote byte %zu outside [%" PRIu64
					 ", %" PRIu64 ")", it, i, out_off, out_off + len);
				bad_guard++;
				break;
			}
		}

		/* The transform is an involution: twice gives the input back */
		r = transform(tee, s, base, prot_id, po, len);
		if (pm_res_ok(&r))
			r = dump(tee, s, base, prot_id, po, len, out->id, out_off, len, NULL);
		if (!pm_res_ok(&r) ||
		    first_diff(out->p + out_off, in->p + in_off, len) >= 0) {
			if (!pm_res_ok(&r))
				pm_diag_res("second TRANSFORM/DUMP", &r);
			else
				tap_diag("iteration %u: transforming twice did not restore the input", it);
			bad_twice++;
		}
	}
	free(want);
	tap_ok(t, bad_rt == 0, "%s: inject -> transform -> dump gives the transformed data (%d random iterations)",
	       what, ITERATIONS);
	tap_ok(t, bad_guard == 0, "%s: DUMP writes only inside its output window", what);
	tap_ok(t, bad_size == 0, "%s: INJECT and DUMP report the bytes written as output size", what);
	tap_ok(t, bad_twice == 0, "%s: transforming twice restores the input (in place, whole window)", what);
}

/* The TA is for secure-video: no INJECT, TRANSFORM or DUMP elsewhere */
static void refused_use_case(struct tap *t, const char *name, int tee,
			     uint32_t s, int32_t id, uint64_t size,
			     struct pm_shm *in, struct pm_shm *out)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	p[0] = pm_p_memref(PM_MR_IN, in->id, 0, 4096);
	p[1] = pm_p_memref(PM_MR_OUT, id, 0, size);
	r = pm_invoke(tee, s, PM_SDP_INJECT, p, 2);
	tap_ok(t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
	       "%s: INJECT refused, TEEC_ERROR_ACCESS_DENIED (0x%x)", name, r.ret);
	p[0] = pm_p_memref(PM_MR_INOUT, id, 0, size);
	r = pm_invoke(tee, s, PM_SDP_TRANSFORM, p, 1);
	tap_ok(t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
	       "%s: TRANSFORM refused, TEEC_ERROR_ACCESS_DENIED (0x%x)", name, r.ret);
	p[0] = pm_p_memref(PM_MR_IN, id, 0, size);
	p[1] = pm_p_memref(PM_MR_OUT, out->id, 0, out->size);
	r = pm_invoke(tee, s, PM_SDP_DUMP, p, 2);
	tap_ok(t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
	       "%s: DUMP refused, TEEC_ERROR_ACCESS_DENIED (0x%x)", name, r.ret);
}

static void test_round_trips(struct tap *t, int tee, uint32_t s,
			     struct pm_shm *in, struct pm_shm *out,
			     struct pm_rng *rng)
{
	struct tee_ioctl_protmem_alloc_data a;
	struct pm_prot pb;
	unsigned int i;
	int fd, shm, ret;
	int32_t id = 0;
	uint64_t size = 0;

	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		ret = pm_prot_new(tee, u->heap, PROT_SIZE, &pb);
		if (!tap_ok(t, ret == 0, "%s: a %d KiB protected buffer, registered", u->name,
			    PROT_SIZE / 1024)) {
			tap_diag("alloc/register: %s", strerror(-ret));
			continue;
		}
		if (u->id == TEE_PROTMEM_SECURE_VIDEO_PLAY)
			round_trip(t, u->heap, tee, s, 0, pb.id, pb.size, in, out, rng);
		else
			refused_use_case(t, u->name, tee, s, pb.id, pb.size, in, out);
		pm_prot_free(&pb);
	}

	/* The same through TEE_IOC_PROTMEM_ALLOC */
	fd = pm_protmem_alloc(tee, PROT_SIZE, 0, TEE_PROTMEM_SECURE_VIDEO_PLAY, &a);
	shm = fd >= 0 ? pm_shm_register_fd(tee, fd, &id, &size) : fd;
	if (tap_ok(t, shm >= 0, "a TEE_IOC_PROTMEM_ALLOC buffer, registered"))
		round_trip(t, "TEE_IOC_PROTMEM_ALLOC buffer", tee, s, 0, id, size,
			   in, out, rng);
	else
		tap_diag("alloc/register: %s", strerror(-shm));
	if (shm >= 0)
		close(shm);
	if (fd >= 0)
		close(fd);
}

static int expect_ret(struct tap *t, const struct pm_res *r, uint32_t ret,
		      const char *what)
{
	if (tap_ok(t, r->err == 0 && r->ret == ret, "%s", what))
		return 1;
	pm_diag_res(what, r);
	return 0;
}

static int expect_einval(struct tap *t, const struct pm_res *r,
			 const char *what)
{
	if (tap_ok(t, r->err == -EINVAL, "%s", what))
		return 1;
	pm_diag_res(what, r);
	return 0;
}

static void test_short_buffer(struct tap *t, int tee, uint32_t s,
			      const struct pm_prot *pb, struct pm_shm *in,
			      struct pm_shm *out)
{
	struct pm_res r;
	uint64_t osz = 0;

	r = inject(tee, s, 0, in->id, 0, 8192, pb->id, 0, 4096, &osz);
	expect_ret(t, &r, PM_TEEC_ERROR_SHORT_BUFFER,
		   "INJECT into a protected window smaller than the input: SHORT_BUFFER");
	if (!tap_ok(t, r.err == 0 && r.origin == PM_TEEC_ORIGIN_TRUSTED_APP,
		    "... with origin TRUSTED_APP"))
		pm_diag_res("INJECT short", &r);
	if (!tap_ok(t, r.err == 0 && osz == 8192, "... and the output size set to the size needed"))
		tap_diag("size %" PRIu64, osz);

	r = dump(tee, s, 0, pb->id, 0, 8192, out->id, 0, 100, &osz);
	expect_ret(t, &r, PM_TEEC_ERROR_SHORT_BUFFER,
		   "DUMP into a normal window smaller than the input: SHORT_BUFFER");
	if (!tap_ok(t, r.err == 0 && osz == 8192, "... with the output size set to the size needed"))
		tap_diag("size %" PRIu64, osz);
}

static void test_wrong_kind(struct tap *t, int tee, uint32_t s,
			    const struct pm_prot *pb, const struct pm_prot *pb2,
			    struct pm_shm *in, struct pm_shm *out)
{
	struct pm_res r;

	r = inject(tee, s, 0, in->id, 0, 4096, out->id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
		   "INJECT with a normal shm as the protected output: ACCESS_DENIED");
	r = inject(tee, s, 0, pb2->id, 0, 4096, pb->id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
		   "INJECT with a protected shm as the normal input: ACCESS_DENIED");
	r = transform(tee, s, 0, in->id, 0, 4096);
	expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
		   "TRANSFORM of a normal shm: ACCESS_DENIED");
	r = dump(tee, s, 0, in->id, 0, 4096, out->id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
		   "DUMP with a normal shm as the protected input: ACCESS_DENIED");
	r = dump(tee, s, 0, pb->id, 0, 4096, pb2->id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
		   "DUMP into a protected shm as the normal output: ACCESS_DENIED");
	if (!tap_ok(t, r.err == 0 && r.origin == PM_TEEC_ORIGIN_TRUSTED_APP,
		    "ACCESS_DENIED comes with origin TRUSTED_APP"))
		pm_diag_res("DUMP wrong kind", &r);
}

/*
 * xtest 1014's out-of-bounds memrefs. The TEE core checks every memref
 * against its shared memory before the driver sees it, so these fail at
 * the ioctl with EINVAL and the TA never runs: the buffer is unchanged.
 */
static void test_out_of_bounds(struct tap *t, int tee, uint32_t s,
			       const struct pm_prot *pb, struct pm_shm *in,
			       struct pm_shm *out)
{
	const uint64_t sz = pb->size;
	struct pm_res r;
	int ok;

	/* Known content in the protected buffer's first NORMAL_SIZE bytes */
	memset(in->p, 0x3c, in->size);
	r = inject(tee, s, 0, in->id, 0, NORMAL_SIZE, pb->id, 0, NORMAL_SIZE, NULL);
	if (!pm_res_ok(&r))
		pm_diag_res("INJECT (setup)", &r);

	r = transform(tee, s, 0, pb->id, sz, 1);
	expect_einval(t, &r, "protected memref with offset == size: EINVAL at the ioctl");
	r = transform(tee, s, 0, pb->id, 0, sz + 1);
	expect_einval(t, &r, "protected memref of size + 1: EINVAL at the ioctl");
	r = transform(tee, s, 0, pb->id, 0, sz + 4096);
	expect_einval(t, &r, "protected memref of size + 4096: EINVAL at the ioctl");
	r = transform(tee, s, 0, pb->id, 4096, UINT64_MAX - 4095);
	expect_einval(t, &r, "protected memref whose offset + size wraps to 0: EINVAL at the ioctl");
	r = transform(tee, s, 0, pb->id, UINT64_MAX, 2);
	expect_einval(t, &r, "protected memref at offset 2^64-1 (end wraps): EINVAL at the ioctl");
	r = inject(tee, s, 0, in->id, in->size, 1, pb->id, 0, 4096, NULL);
	expect_einval(t, &r, "normal memref with offset == size: EINVAL at the ioctl");
	r = inject(tee, s, 0, in->id, 0, in->size + 1, pb->id, 0, sz, NULL);
	expect_einval(t, &r, "normal memref of size + 1: EINVAL at the ioctl");
	r = dump(tee, s, 0, pb->id, 0, 4096, out->id, 1, UINT64_MAX, NULL);
	expect_einval(t, &r, "normal output memref whose offset + size wraps: EINVAL at the ioctl");
	r = transform(tee, s, 0, 0x7fffffff, 0, 16);
	expect_einval(t, &r, "memref with an unknown shm id: EINVAL at the ioctl");

	/* None of them ran: the content is still the injected 0x3c */
	memset(out->p, 0, out->size);
	r = dump(tee, s, 0, pb->id, 0, NORMAL_SIZE, out->id, 0, NORMAL_SIZE, NULL);
	ok = pm_res_ok(&r);
	for (size_t i = 0; ok && i < NORMAL_SIZE; i++)
		ok = out->p[i] == 0x3c;
	if (!tap_ok(t, ok, "the refused calls left the protected buffer unchanged"))
		pm_diag_res("DUMP (check)", &r);
}

static void test_bad_types(struct tap *t, int tee, uint32_t s,
			   const struct pm_prot *pb, struct pm_shm *in,
			   struct pm_shm *out)
{
	struct tee_ioctl_param p[4];
	struct pm_res r;

	p[0] = pm_p_memref(PM_MR_IN, pb->id, 0, 4096);
	r = pm_invoke(tee, s, PM_SDP_TRANSFORM, p, 1);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "TRANSFORM with MEMREF_INPUT instead of INOUT: BAD_PARAMETERS");

	p[0] = pm_p_memref(PM_MR_INOUT, pb->id, 0, 4096);
	p[1] = pm_p_value(PM_VAL_IN, 1, 2, 3);
	r = pm_invoke(tee, s, PM_SDP_TRANSFORM, p, 2);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "TRANSFORM with an extra value parameter: BAD_PARAMETERS");

	p[0] = pm_p_value(PM_VAL_IN, 0, 4096, 0);
	p[1] = pm_p_memref(PM_MR_OUT, pb->id, 0, 4096);
	r = pm_invoke(tee, s, PM_SDP_INJECT, p, 2);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "INJECT with a value where the input memref goes: BAD_PARAMETERS");

	p[0] = pm_p_memref(PM_MR_OUT, in->id, 0, 4096);
	p[1] = pm_p_memref(PM_MR_IN, pb->id, 0, 4096);
	r = pm_invoke(tee, s, PM_SDP_INJECT, p, 2);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "INJECT with the memref directions swapped: BAD_PARAMETERS");

	p[0] = pm_p_memref(PM_MR_IN, pb->id, 0, 4096);
	p[1] = pm_p_none();
	p[2] = pm_p_none();
	p[3] = pm_p_memref(PM_MR_OUT, out->id, 0, 4096);
	r = pm_invoke(tee, s, PM_SDP_DUMP, p, 4);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "DUMP with its output as param3 instead of param1: BAD_PARAMETERS");

	r = pm_invoke(tee, s, PM_SDP_DUMP, NULL, 0);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "DUMP without parameters: BAD_PARAMETERS");

	r = pm_invoke(tee, s, 0x77, NULL, 0);
	if (tap_ok(t, r.err == 0 && (r.ret == PM_TEEC_ERROR_BAD_PARAMETERS ||
				     r.ret == PM_TEEC_ERROR_NOT_SUPPORTED),
		   "an unknown command is refused (BAD_PARAMETERS or NOT_SUPPORTED)"))
		tap_diag("unknown command answered %s",
			 r.ret == PM_TEEC_ERROR_BAD_PARAMETERS ?
			 "BAD_PARAMETERS" : "NOT_SUPPORTED");
	else
		pm_diag_res("unknown command", &r);
}

static void test_sessions(struct tap *t, int tee, const uint8_t *uuid)
{
	uint8_t unknown[TEE_IOCTL_UUID_LEN];
	uint32_t s2 = 0, s3 = 0;
	struct pm_res r;
	int ret;

	r = pm_open_public(tee, uuid, &s2);
	if (!tap_ok(t, pm_res_ok(&r), "a second session opens")) {
		pm_diag_res("open session", &r);
		return;
	}
	ret = pm_close_session(tee, s2);
	if (!tap_ok(t, ret == 0, "the session closes"))
		tap_diag("TEE_IOC_CLOSE_SESSION: %s", strerror(-ret));
	r = pm_invoke(tee, s2, PM_SDP_DUMP, NULL, 0);
	expect_einval(t, &r, "invoking a closed session fails with EINVAL");
	ret = pm_close_session(tee, s2);
	if (!tap_ok(t, ret == -EINVAL, "closing it again fails with EINVAL"))
		tap_diag("ret %d", ret);

	/* A session belongs to the context (open file) that opened it */
	r = pm_open_public(tee, uuid, &s3);
	if (pm_res_ok(&r)) {
		int tee2 = pm_tee_open();

		if (tee2 >= 0) {
			r = pm_invoke(tee2, s3, PM_SDP_DUMP, NULL, 0);
			expect_einval(t, &r, "another TEE context cannot invoke the session (EINVAL)");
			ret = pm_close_session(tee2, s3);
			if (!tap_ok(t, ret == -EINVAL, "... nor close it (EINVAL)"))
				tap_diag("ret %d", ret);
			close(tee2);
		}
		pm_close_session(tee, s3);
	}

	pm_uuid_parse("12345678-5b69-11e4-9dbb-101f74f0009a", unknown);
	r = pm_open_public(tee, unknown, &s3);
	if (r.err == 0 && r.ret == PM_TEEC_SUCCESS)
		pm_close_session(tee, s3);
	if (expect_ret(t, &r, PM_TEEC_ERROR_ITEM_NOT_FOUND,
		       "opening an unknown UUID fails with ITEM_NOT_FOUND"))
		tap_diag("origin %u", r.origin);
}

/* vtee's open session counts; 0 or -errno (said in a diagnostic) */
static int sessions_now(uint64_t *clients, uint64_t *ta)
{
	int ret = pm_vtee_sessions(clients, ta);

	if (ret)
		tap_diag("%s/sessions: %s", PM_VTEE_SYSFS, strerror(-ret));
	return ret;
}

/* Does vtee count @want sessions opened by TAs */
static int ta_sessions_are(struct tap *t, uint64_t want, const char *what)
{
	uint64_t clients = 0, ta = UINT64_MAX;
	int ok = sessions_now(&clients, &ta) == 0 && ta == want;

	if (!tap_ok(t, ok, "%s (%" PRIu64 " TA-opened sessions)", what, want))
		tap_diag("TA-opened sessions: %" PRIu64 ", want %" PRIu64, ta, want);
	return ok;
}

/*
 * OP-TEE's commands 3-5 and 6-8: the SDP TA forwards to another SDP TA
 * instance or to the invoke-tests pseudo-TA, which check the memrefs
 * again. Each forwarding session is kept while the calls succeed, closed
 * by a failed one (as OP-TEE's TA does) and with the session that opened
 * it.
 */
static void test_forwarding(struct tap *t, int tee, uint32_t s,
			    struct pm_shm *in, struct pm_shm *out,
			    struct pm_rng *rng)
{
	static const struct { uint32_t base; const char *name; } paths[] = {
		{ PM_SDP_INVOKE_BASE, "SDP TA -> SDP TA (commands 3-5)" },
		{ PM_SDP_PTA_BASE, "SDP TA -> invoke-tests pseudo-TA (commands 6-8)" },
	};
	struct pm_prot pb = { -1, -1, 0, 0 }, ui = { -1, -1, 0, 0 };
	uint64_t clients, ta0, osz = 0;
	unsigned int i;
	struct pm_res r;
	int ret;

	if (sessions_now(&clients, &ta0)) {
		tap_skip(t, "no session counts", "TA-to-TA forwarding");
		return;
	}
	ret = pm_prot_new(tee, pm_use_case(0)->heap, PROT_SIZE, &pb);
	if (!ret)
		ret = pm_prot_new(tee, pm_use_case(1)->heap, 4096, &ui);
	if (!tap_ok(t, ret == 0, "secure-video and trusted-ui buffers for forwarding")) {
		tap_diag("alloc/register: %s", strerror(-ret));
		goto out;
	}

	for (i = 0; i < 2; i++) {
		const uint32_t base = paths[i].base;
		const char *name = paths[i].name;

		round_trip(t, name, tee, s, base, pb.id, pb.size, in, out, rng);
		ta_sessions_are(t, ta0 + 1, "... over one kept forwarding session");

		/* The callee's use-case rules, checked at the second hop */
		r = transform(tee, s, base, ui.id, 0, ui.size);
		expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
			   "... a trusted-ui buffer is refused by the callee: ACCESS_DENIED");
		r = inject(tee, s, base, in->id, 0, 4096, ui.id, 0, ui.size, NULL);
		expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
			   "... INJECT into a trusted-ui buffer: ACCESS_DENIED");
		r = dump(tee, s, base, ui.id, 0, ui.size, out->id, 0, 4096, NULL);
		expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
			   "... DUMP of a trusted-ui buffer: ACCESS_DENIED");
		ta_sessions_are(t, ta0, "... and a failed call closed the forwarding session");

		/* The kind of memory, checked at the second hop */
		r = inject(tee, s, base, in->id, 0, 4096, out->id, 0, 4096, NULL);
		expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
			   "... a normal shm as the protected output: ACCESS_DENIED");
		r = dump(tee, s, base, pb.id, 0, 4096, ui.id, 0, ui.size, NULL);
		expect_ret(t, &r, PM_TEEC_ERROR_ACCESS_DENIED,
			   "... a protected shm as the normal output: ACCESS_DENIED");

		/* What the callee answers comes back through the first hop */
		r = inject(tee, s, base, in->id, 0, 8192, pb.id, 0, 4096, &osz);
		expect_ret(t, &r, PM_TEEC_ERROR_SHORT_BUFFER,
			   "... a short protected output: SHORT_BUFFER");
		if (!tap_ok(t, r.err == 0 && osz == 8192,
			    "... with the size needed passed back through the SDP TA"))
			tap_diag("size %" PRIu64, osz);
		r = dump(tee, s, base, pb.id, 0, 8192, out->id, 0, 100, &osz);
		if (!tap_ok(t, r.err == 0 && r.ret == PM_TEEC_ERROR_SHORT_BUFFER &&
			    osz == 8192, "... a short normal output: SHORT_BUFFER, size needed 8192"))
			pm_diag_res("DUMP short", &r);

		/* xtest's out-of-bounds memrefs never reach the first TA */
		r = transform(tee, s, base, pb.id, pb.size - 1, 2);
		expect_einval(t, &r, "... a window past the buffer's end: EINVAL at the ioctl");
		ta_sessions_are(t, ta0, "... no forwarding session left open by the failures");
	}
out:
	pm_prot_free(&pb);
	pm_prot_free(&ui);
}

/*
 * The invoke-tests pseudo-TA serves protected memory to TAs only: a
 * normal-world client opens it (as on OP-TEE), but a call with a protected
 * memref is TEEC_ERROR_BAD_PARAMETERS from the TEE, the pseudo-TA never
 * runs and the buffer is unchanged.
 */
static void test_pta_refuses_normal_world(struct tap *t, int tee, uint32_t s,
					  struct pm_shm *in, struct pm_shm *out)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_prot pb = { -1, -1, 0, 0 };
	uint32_t ps = 0;
	struct pm_res r;
	size_t i;
	int ret, ok;

	pm_uuid_parse(PM_PTA_INVOKE_TESTS_UUID, uuid);
	r = pm_open_public(tee, uuid, &ps);
	if (!tap_ok(t, pm_res_ok(&r), "a normal-world session to the invoke-tests pseudo-TA opens")) {
		pm_diag_res("open session", &r);
		return;
	}
	ret = pm_prot_new(tee, pm_use_case(0)->heap, PROT_SIZE, &pb);
	if (!tap_ok(t, ret == 0, "a secure-video buffer")) {
		tap_diag("alloc/register: %s", strerror(-ret));
		goto out;
	}
	memset(in->p, 0x6b, NORMAL_SIZE);
	r = inject(tee, s, 0, in->id, 0, NORMAL_SIZE, pb.id, 0, NORMAL_SIZE, NULL);
	if (!pm_res_ok(&r))
		pm_diag_res("INJECT (setup)", &r);

	r = inject(tee, ps, PM_PTA_SDP_BASE, in->id, 0, 4096, pb.id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "pseudo-TA COPY_NSEC_TO_SEC from the normal world: BAD_PARAMETERS");
	if (!tap_ok(t, r.err == 0 && r.origin == PM_TEEC_ORIGIN_TEE,
		    "... from TEEC_ORIGIN_TEE: the pseudo-TA did not run"))
		pm_diag_res("COPY_NSEC_TO_SEC", &r);
	r = transform(tee, ps, PM_PTA_SDP_BASE, pb.id, 0, pb.size);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "pseudo-TA READ_MODIFY_SEC from the normal world: BAD_PARAMETERS");
	memset(out->p, 0, out->size);
	r = dump(tee, ps, PM_PTA_SDP_BASE, pb.id, 0, 4096, out->id, 0, 4096, NULL);
	expect_ret(t, &r, PM_TEEC_ERROR_BAD_PARAMETERS,
		   "pseudo-TA COPY_SEC_TO_NSEC from the normal world: BAD_PARAMETERS");
	ok = r.err == 0;
	for (i = 0; ok && i < 4096; i++)
		ok = out->p[i] == 0;
	tap_ok(t, ok, "... and no protected byte reached the normal output");

	/* Only protected memrefs are refused: normal ones reach the pseudo-TA */
	r = inject(tee, ps, PM_PTA_SDP_BASE, in->id, 0, 4096, out->id, 0, 4096, NULL);
	if (!tap_ok(t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED &&
		    r.origin == PM_TEEC_ORIGIN_TRUSTED_APP,
		    "normal memrefs only: the pseudo-TA runs and refuses the normal output (ACCESS_DENIED)"))
		pm_diag_res("COPY_NSEC_TO_SEC normal", &r);

	/* The refused calls changed nothing: the content is still 0x6b */
	r = dump(tee, s, 0, pb.id, 0, NORMAL_SIZE, out->id, 0, NORMAL_SIZE, NULL);
	ok = pm_res_ok(&r);
	for (i = 0; ok && i < NORMAL_SIZE; i++)
		ok = out->p[i] == 0x6b;
	if (!tap_ok(t, ok, "the refused calls left the protected buffer unchanged"))
		pm_diag_res("DUMP (check)", &r);
out:
	pm_prot_free(&pb);
	pm_close_session(tee, ps);
}

/* TRANSFORM of all of @pb forwarded to an SDP TA, then to the pseudo-TA */
static struct pm_res transform_forwarded_both(int tee, uint32_t s,
					      const struct pm_prot *pb)
{
	struct pm_res r = transform(tee, s, PM_SDP_INVOKE_BASE, pb->id, 0, pb->size);

	if (pm_res_ok(&r))
		r = transform(tee, s, PM_SDP_PTA_BASE, pb->id, 0, pb->size);
	return r;
}

/*
 * Sessions a TA opened close with the session that opened it: by
 * TEE_IOC_CLOSE_SESSION, and when the client's TEE context goes away.
 */
static void test_owned_sessions(struct tap *t, int tee, const uint8_t *uuid)
{
	uint64_t clients0, ta0, clients, ta;
	struct pm_prot pb = { -1, -1, 0, 0 }, pb2 = { -1, -1, 0, 0 };
	uint32_t s2 = 0, s3 = 0;
	struct pm_res r;
	int tee2 = -1, ret;

	if (sessions_now(&clients0, &ta0)) {
		tap_skip(t, "no session counts", "sessions owned by a TA");
		return;
	}
	ret = pm_prot_new(tee, pm_use_case(0)->heap, PROT_SIZE, &pb);
	if (!tap_ok(t, ret == 0, "a secure-video buffer")) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return;
	}
	r = pm_open_public(tee, uuid, &s2);
	if (!tap_ok(t, pm_res_ok(&r), "another SDP TA session opens")) {
		pm_diag_res("open session", &r);
		goto out;
	}
	r = transform_forwarded_both(tee, s2, &pb);
	if (!pm_res_ok(&r))
		pm_diag_res("TRANSFORM (forwarded)", &r);
	ta_sessions_are(t, ta0 + 2, "it forwarded to an SDP TA and the pseudo-TA");
	ret = pm_close_session(tee, s2);
	if (!tap_ok(t, ret == 0, "it closes"))
		tap_diag("TEE_IOC_CLOSE_SESSION: %s", strerror(-ret));
	ta_sessions_are(t, ta0, "closing it closed both sessions it opened");

	/* A context closed with its sessions open: its TAs' sessions go too */
	tee2 = pm_tee_open();
	if (!tap_ok(t, tee2 >= 0, "a second TEE context opens"))
		goto out;
	ret = pm_prot_new(tee2, pm_use_case(0)->heap, 4096, &pb2);
	if (ret)
		tap_diag("alloc/register: %s", strerror(-ret));
	r = pm_open_public(tee2, uuid, &s3);
	if (!ret && pm_res_ok(&r))
		r = transform_forwarded_both(tee2, s3, &pb2);
	if (!pm_res_ok(&r))
		pm_diag_res("second context", &r);
	ta_sessions_are(t, ta0 + 2, "a session of the second context forwarded twice");
	pm_prot_free(&pb2);
	close(tee2);
	ret = sessions_now(&clients, &ta);
	if (!tap_ok(t, ret == 0 && clients == clients0 && ta == ta0,
		    "closing the context closed its session and the two its TA opened"))
		tap_diag("clients %" PRIu64 " (was %" PRIu64 "), TA-opened %" PRIu64
			 " (was %" PRIu64 ")", clients, clients0, ta, ta0);
out:
	pm_prot_free(&pb);
}

/*
 * The depth bound: the nesting test TA opens a session to another
 * instance of itself, which does the same, as deep as asked. The chain
 * stops at PM_NEST_MAX_DEPTH TA-opened sessions with TEEC_ERROR_BUSY
 * (the secure thread's stack is not unbounded), and a kept chain closes
 * down to the last session with the client's session.
 */
static void test_depth(struct tap *t, int tee)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct tee_ioctl_param p[1];
	uint64_t clients, ta0;
	uint32_t ns = 0;
	struct pm_res r;
	int ret;

	if (sessions_now(&clients, &ta0)) {
		tap_skip(t, "no session counts", "the depth bound");
		return;
	}
	pm_uuid_parse(PM_NEST_TA_UUID, uuid);
	r = pm_open_public(tee, uuid, &ns);
	if (!tap_ok(t, pm_res_ok(&r), "a session to the nesting test TA opens")) {
		pm_diag_res("open session", &r);
		return;
	}

	p[0] = pm_p_value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT, 2, 0, 0);
	r = pm_invoke(tee, ns, PM_NEST_NEST, p, 1);
	if (!tap_ok(t, pm_res_ok(&r) && p[0].a == 2 && p[0].b == 0,
		    "a chain of 2 TA-to-TA hops goes all the way"))
		tap_diag("hops %llu, stopped by 0x%llx", (unsigned long long)p[0].a,
			 (unsigned long long)p[0].b);
	ta_sessions_are(t, ta0, "... and closes each session on the way back");

	p[0] = pm_p_value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT, 1000, 1, 0);
	r = pm_invoke(tee, ns, PM_NEST_NEST, p, 1);
	if (!tap_ok(t, pm_res_ok(&r) && p[0].a == PM_NEST_MAX_DEPTH &&
		    p[0].b == PM_TEEC_ERROR_BUSY,
		    "a chain of 1000 hops stops at depth %d with TEEC_ERROR_BUSY",
		    PM_NEST_MAX_DEPTH))
		tap_diag("hops %llu, stopped by 0x%llx", (unsigned long long)p[0].a,
			 (unsigned long long)p[0].b);
	ta_sessions_are(t, ta0 + PM_NEST_MAX_DEPTH, "... keeping its sessions open when asked");

	ret = pm_close_session(tee, ns);
	if (!tap_ok(t, ret == 0, "the nesting TA session closes"))
		tap_diag("TEE_IOC_CLOSE_SESSION: %s", strerror(-ret));
	ta_sessions_are(t, ta0, "... and the whole chain of sessions below it with it");
}

int main(void)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_shm in = { .fd = -1 }, out = { .fd = -1 };
	struct pm_prot pb = { -1, -1, 0, 0 }, pb2 = { -1, -1, 0, 0 };
	struct pm_rng rng;
	uint64_t seed = pm_seed();
	uint32_t s = 0;
	struct pm_res r;
	struct tap t;
	int tee, ret;

	tap_init(&t);
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays this run)",
		 seed, seed);
	pm_rng_init(&rng, seed);
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);

	tee = pm_tee_open();
	if (!tap_ok(&t, tee >= 0, "%s opens", PM_TEE_DEV)) {
		tap_diag("open: %s", strerror(-tee));
		return tap_done(&t);
	}
	r = pm_open_public(tee, uuid, &s);
	if (r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND) {
		tap_skip(&t, "vtee was not loaded with testing=1",
			 "the SDP test TA");
		close(tee);
		return tap_done(&t);
	}
	if (!tap_ok(&t, pm_res_ok(&r), "a session to the SDP TA opens (login PUBLIC)")) {
		pm_diag_res("open session", &r);
		close(tee);
		return tap_done(&t);
	}
	ret = pm_shm_new(tee, NORMAL_SIZE, &in);
	if (!ret)
		ret = pm_shm_new(tee, NORMAL_SIZE, &out);
	if (!tap_ok(&t, ret == 0 && in.size >= NORMAL_SIZE && out.size >= NORMAL_SIZE,
		    "two %d KiB normal shms (TEE_IOC_SHM_ALLOC) map", NORMAL_SIZE / 1024)) {
		tap_diag("shm: %s", strerror(-ret));
		goto out;
	}

	test_round_trips(&t, tee, s, &in, &out, &rng);

	ret = pm_prot_new(tee, pm_use_case(0)->heap, PROT_SIZE, &pb);
	if (!ret)
		ret = pm_prot_new(tee, pm_use_case(1)->heap, 4096, &pb2);
	if (tap_ok(&t, ret == 0, "protected buffers for the negative cases")) {
		test_short_buffer(&t, tee, s, &pb, &in, &out);
		test_wrong_kind(&t, tee, s, &pb, &pb2, &in, &out);
		test_out_of_bounds(&t, tee, s, &pb, &in, &out);
		test_bad_types(&t, tee, s, &pb, &in, &out);
	} else {
		tap_diag("alloc/register: %s", strerror(-ret));
	}
	pm_prot_free(&pb);
	pm_prot_free(&pb2);
	test_sessions(&t, tee, uuid);
	test_forwarding(&t, tee, s, &in, &out, &rng);
	test_pta_refuses_normal_world(&t, tee, s, &in, &out);
	test_owned_sessions(&t, tee, uuid);
	test_depth(&t, tee);

out:
	pm_shm_free(&in);
	pm_shm_free(&out);
	ret = pm_close_session(tee, s);
	if (!tap_ok(&t, ret == 0, "the first session closes"))
		tap_diag("TEE_IOC_CLOSE_SESSION: %s", strerror(-ret));
	close(tee);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at the end");
	return tap_done(&t);
}
