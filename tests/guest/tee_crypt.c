// SPDX-License-Identifier: GPL-2.0
/*
 * tee_crypt - vtee's content-decryption TA: content encrypted here with
 * the reference AES-128-CTR (tests/lib/ref_crypto.h) is decrypted by the
 * secure world straight into protected memory, and the TA's SHA-256 of
 * that protected range must equal the digest of the plaintext -- without
 * the plaintext ever being readable by the normal world. Also: counter
 * carries, a fresh (scrubbed) buffer digests as zeroes, memory is scrubbed
 * between owners (a whole-pool buffer after the background scrub, a small
 * one taken again at once), and the documented errors. The TA works on whole
 * buffers only (docs/threat-model.md): DECRYPT rewrites the whole output
 * buffer (zeros after the plaintext) and DIGEST hashes a whole buffer; a
 * window of a buffer is TEEC_ERROR_BAD_PARAMETERS. It reads secure-video
 * and secure-video-record buffers and writes secure-video ones only.
 *
 * Protocol (kernel/tree/drivers/tee/vtee/secure/ta_crypt.c):
 *   UUID 3f4b7b55-a65a-465e-ae68-4aef21a91a63
 *   0 LOAD_KEY	 value a=key id; memref in (normal, 16 bytes)
 *   1 DECRYPT	 value a=key id; memref in (normal, 16-byte IV); memref in
 *		 (normal, ciphertext); memref out (protected, whole buffer)
 *   2 DIGEST	 memref in (protected, whole buffer); memref out (normal,
 *		 >= 32 bytes)
 *   3 CLEAR_KEY value a=key id
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
#include "ref_crypto.h"
#include "tap.h"

/* Layout of the one normal shm */
#define NRM_SIZE	(64 * 1024)
#define OFF_KEY		0
#define OFF_IV		64
#define OFF_DIGEST	128
#define OFF_CT		4096
#define MAX_CT		(NRM_SIZE - OFF_CT)

/* Content: three pages and a partial AES block */
#define CT_LEN		(3 * 4096 + 37)
#define PROT_SIZE	(64 * 1024)
#define PROT_OFF	(4096 + 100)	/* an unaligned window: refused */

struct ctx {
	struct tap *t;
	int tee;
	uint32_t sess;
	struct pm_shm nrm;
	struct pm_rng rng;
	uint64_t key_id;
};

static struct pm_res load_key(struct ctx *c, uint64_t id, const uint8_t *key,
			      uint64_t key_len)
{
	struct tee_ioctl_param p[2];

	memcpy(c->nrm.p + OFF_KEY, key, key_len);
	p[0] = pm_p_value(PM_VAL_IN, id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_KEY, key_len);
	return pm_invoke(c->tee, c->sess, PM_CRYPT_LOAD_KEY, p, 2);
}

static struct pm_res clear_key(struct ctx *c, uint64_t id)
{
	struct tee_ioctl_param p[1] = { pm_p_value(PM_VAL_IN, id, 0, 0) };

	return pm_invoke(c->tee, c->sess, PM_CRYPT_CLEAR_KEY, p, 1);
}

/* DECRYPT the ciphertext at OFF_CT (@len bytes) into @out_id's window. */
static struct pm_res decrypt(struct ctx *c, uint64_t id, const uint8_t *iv,
			     uint64_t iv_len, uint64_t len, int32_t out_id,
			     uint64_t out_off, uint64_t out_len,
			     uint64_t *out_size)
{
	struct tee_ioctl_param p[4];
	struct pm_res r;

	memcpy(c->nrm.p + OFF_IV, iv, iv_len);
	p[0] = pm_p_value(PM_VAL_IN, id, 0, 0);
	p[1] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_IV, iv_len);
	p[2] = pm_p_memref(PM_MR_IN, c->nrm.id, OFF_CT, len);
	p[3] = pm_p_memref(PM_MR_OUT, out_id, out_off, out_len);
	r = pm_invoke(c->tee, c->sess, PM_CRYPT_DECRYPT, p, 4);
	if (out_size)
		*out_size = p[3].b;
	return r;
}

/* DIGEST of @in_id's window into OFF_DIGEST (@out_len bytes offered). */
static struct pm_res digest(struct ctx *c, int32_t in_id, uint64_t off,
			    uint64_t len, uint64_t out_len, uint8_t *md,
			    uint64_t *out_size)
{
	struct tee_ioctl_param p[2];
	struct pm_res r;

	memset(c->nrm.p + OFF_DIGEST, 0, REF_SHA256_DIGEST);
	p[0] = pm_p_memref(PM_MR_IN, in_id, off, len);
	p[1] = pm_p_memref(PM_MR_OUT, c->nrm.id, OFF_DIGEST, out_len);
	r = pm_invoke(c->tee, c->sess, PM_CRYPT_DIGEST, p, 2);
	if (md)
		memcpy(md, c->nrm.p + OFF_DIGEST, REF_SHA256_DIGEST);
	if (out_size)
		*out_size = p[1].b;
	return r;
}

/*
 * Encrypt random content with @key/@iv, have the TA decrypt it into the
 * protected buffer and compare its digest with the plaintext's.
 */
static void decrypt_and_check(struct ctx *c, const char *what,
			      const uint8_t *key, const uint8_t *iv,
			      const struct pm_prot *pb, uint64_t len)
{
	uint8_t *pt = malloc(len), want[32], got[32];
	uint64_t osz = 0;
	struct pm_res r;

	if (!pt) {
		tap_skip(c->t, "out of memory", "%s", what);
		return;
	}
	pm_rng_fill(&c->rng, pt, len);
	ref_aes128_ctr(key, iv, pt, c->nrm.p + OFF_CT, len);
	/* The whole buffer: the plaintext, then zeros */
	pm_sha256_padded(pt, len, pb->size, want);

	r = decrypt(c, c->key_id, iv, 16, len, pb->id, 0, pb->size, &osz);
	if (!tap_ok(c->t, pm_res_ok(&r) && osz == len,
		    "%s: DECRYPT of %" PRIu64 " bytes into protected memory succeeds",
		    what, len)) {
		pm_diag_res("DECRYPT", &r);
		tap_diag("output size %" PRIu64, osz);
	}
	r = digest(c, pb->id, 0, pb->size, 32, got, &osz);
	if (!tap_ok(c->t, pm_res_ok(&r) && osz == 32 && !memcmp(got, want, 32),
		    "%s: DIGEST of the buffer equals SHA-256 of the plaintext, zero-padded",
		    what)) {
		pm_diag_res("DIGEST", &r);
		pm_diag_md("got ", got);
		pm_diag_md("want", want);
	}
	free(pt);
}

static void test_decrypt(struct ctx *c, const struct pm_prot *pb)
{
	uint8_t key[16], key2[16], iv[16], md[32], want[32];
	struct pm_res r;
	uint64_t osz = 0;
	uint8_t *pt;

	pm_rng_fill(&c->rng, key, sizeof(key));
	r = load_key(c, c->key_id, key, 16);
	if (!tap_ok(c->t, pm_res_ok(&r), "LOAD_KEY of a 16-byte key succeeds")) {
		pm_diag_res("LOAD_KEY", &r);
		return;
	}

	pm_rng_fill(&c->rng, iv, sizeof(iv));
	decrypt_and_check(c, "random IV", key, iv, pb, CT_LEN);

	/* Low 64 bits of the counter carry exactly at the page boundary */
	memset(iv + 8, 0xff, 8);
	iv[15] = 0x00;
	decrypt_and_check(c, "IV ..ffffffffffffff00 (64-bit carry at a page boundary)",
			  key, iv, pb, CT_LEN);

	/* The whole 128-bit counter wraps inside the first page */
	memset(iv, 0xff, 16);
	iv[15] = 0xf0;
	decrypt_and_check(c, "IV ff..fff0 (counter wraps at 2^128)", key, iv,
			  pb, CT_LEN);

	/* One byte, and the largest the shm holds */
	pm_rng_fill(&c->rng, iv, sizeof(iv));
	decrypt_and_check(c, "1 byte", key, iv, pb, 1);
	decrypt_and_check(c, "the largest ciphertext (~60 KiB)", key, iv, pb,
			  MAX_CT);

	/* The key matters: another key under the same id, another result */
	pt = malloc(CT_LEN);
	if (pt) {
		memcpy(key2, key, 16);
		key2[0] ^= 1;
		pm_rng_fill(&c->rng, pt, CT_LEN);
		ref_aes128_ctr(key, iv, pt, c->nrm.p + OFF_CT, CT_LEN);
		pm_sha256_padded(pt, CT_LEN, pb->size, want);
		r = load_key(c, c->key_id, key2, 16);
		if (pm_res_ok(&r))
			r = decrypt(c, c->key_id, iv, 16, CT_LEN, pb->id, 0,
				    pb->size, NULL);
		if (pm_res_ok(&r))
			r = digest(c, pb->id, 0, pb->size, 32, md, NULL);
		if (!tap_ok(c->t, pm_res_ok(&r) && memcmp(md, want, 32),
			    "LOAD_KEY replaces the key of an id: decrypting with the other key gives other content"))
			pm_diag_res("reload/decrypt/digest", &r);
		free(pt);
	}

	/* Negatives */
	r = decrypt(c, c->key_id ^ 0x5555, iv, 16, 64, pb->id, 0, 64, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		    "DECRYPT with an unknown key id: ITEM_NOT_FOUND"))
		pm_diag_res("DECRYPT unknown key", &r);
	r = decrypt(c, c->key_id, iv, 16, 4096, pb->id, 0, 4095, &osz);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_SHORT_BUFFER && osz == 4096,
		    "DECRYPT into a protected window smaller than the ciphertext: SHORT_BUFFER, size needed set")) {
		pm_diag_res("DECRYPT short", &r);
		tap_diag("size %" PRIu64, osz);
	}
	r = digest(c, pb->id, 0, pb->size, 31, NULL, &osz);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_SHORT_BUFFER && osz == 32,
		    "DIGEST into fewer than 32 bytes: SHORT_BUFFER, size 32 set")) {
		pm_diag_res("DIGEST short", &r);
		tap_diag("size %" PRIu64, osz);
	}
	/* Whole buffers only: no window of one, in or out */
	r = digest(c, pb->id, 0, pb->size - 4096, 32, NULL, NULL);
	tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
	       "DIGEST of all but the last page: BAD_PARAMETERS (0x%x)", r.ret);
	r = digest(c, pb->id, 1, pb->size - 1, 32, NULL, NULL);
	tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
	       "DIGEST of a window from byte 1: BAD_PARAMETERS (0x%x)", r.ret);
	r = digest(c, pb->id, 0, pb->size, 32, md, NULL);
	r = decrypt(c, c->key_id, iv, 16, 64, pb->id, PROT_OFF, 64, NULL);
	tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
	       "DECRYPT into a window at an offset: BAD_PARAMETERS (0x%x)", r.ret);
	r = decrypt(c, c->key_id, iv, 16, 64, pb->id, 0, 4096, NULL);
	tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
	       "DECRYPT into the first page only: BAD_PARAMETERS (0x%x)", r.ret);
	r = digest(c, pb->id, 0, pb->size, 32, want, NULL);
	tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, want, 32),
	       "... and the refused DECRYPTs wrote nothing");
	r = decrypt(c, c->key_id, iv, 16, 4096, c->nrm.id, OFF_CT + 4096 * 4,
		    4096, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
		    "DECRYPT with a normal memref as the output: ACCESS_DENIED"))
		pm_diag_res("DECRYPT to normal", &r);
	r = digest(c, c->nrm.id, OFF_CT, 4096, 32, NULL, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
		    "DIGEST of normal memory: ACCESS_DENIED"))
		pm_diag_res("DIGEST of normal", &r);
	r = decrypt(c, c->key_id, iv, 8, 64, pb->id, 0, 64, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
		    "DECRYPT with an 8-byte IV: BAD_PARAMETERS"))
		pm_diag_res("DECRYPT short IV", &r);
	r = load_key(c, c->key_id + 1, key, 15);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
		    "LOAD_KEY of a 15-byte key: BAD_PARAMETERS"))
		pm_diag_res("LOAD_KEY 15 bytes", &r);
	r = pm_invoke(c->tee, c->sess, 0x99, NULL, 0);
	if (!tap_ok(c->t, r.err == 0 && (r.ret == PM_TEEC_ERROR_BAD_PARAMETERS ||
					 r.ret == PM_TEEC_ERROR_NOT_SUPPORTED),
		    "an unknown command is refused (BAD_PARAMETERS or NOT_SUPPORTED)"))
		pm_diag_res("unknown command", &r);

	/* CLEAR_KEY forgets it */
	r = clear_key(c, c->key_id);
	if (!tap_ok(c->t, pm_res_ok(&r), "CLEAR_KEY succeeds"))
		pm_diag_res("CLEAR_KEY", &r);
	r = decrypt(c, c->key_id, iv, 16, 64, pb->id, 0, 64, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		    "DECRYPT after CLEAR_KEY: ITEM_NOT_FOUND"))
		pm_diag_res("DECRYPT cleared key", &r);
	r = clear_key(c, c->key_id);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		    "CLEAR_KEY of a key that is gone: ITEM_NOT_FOUND"))
		pm_diag_res("CLEAR_KEY again", &r);
}

/* A new protected buffer from each heap reads (digests) as all zeroes. */
/*
 * Keys belong to the session that loaded them: a second session (another
 * TEE context, as another client would have) cannot use, replace or clear
 * them, and its own key under the same id does not touch the first one.
 */
static void test_keys_per_session(struct ctx *c, const struct pm_prot *pb)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN], key[16], other[16], iv[16];
	struct ctx c2 = { .t = c->t, .nrm = { .fd = -1 }, .key_id = c->key_id };
	int ret, bshm = -1;
	uint64_t bsize = 0;
	int32_t bid = 0;
	struct pm_res r;

	pm_rng_fill(&c->rng, key, sizeof(key));
	pm_rng_fill(&c->rng, other, sizeof(other));
	pm_rng_fill(&c->rng, iv, sizeof(iv));
	r = load_key(c, c->key_id, key, sizeof(key));
	if (!tap_ok(c->t, pm_res_ok(&r), "session A loads its key")) {
		pm_diag_res("LOAD_KEY", &r);
		return;
	}
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	c2.tee = pm_tee_open();
	r = c2.tee < 0 ? (struct pm_res){ c2.tee, 0, 0 } :
			 pm_open_public(c2.tee, uuid, &c2.sess);
	ret = pm_res_ok(&r) ? pm_shm_new(c2.tee, NRM_SIZE, &c2.nrm) : -1;
	if (ret == 0) {
		/* B reaches the same protected buffer through its own shm */
		bshm = pm_shm_register_fd(c2.tee, pb->dmabuf, &bid, &bsize);
		ret = bshm < 0 ? bshm : 0;
	}
	if (!tap_ok(c->t, ret == 0, "session B opens in another TEE context")) {
		pm_diag_res("open session B", &r);
		goto out;
	}
	c2.rng = c->rng;
	memcpy(c2.nrm.p + OFF_CT, c->nrm.p + OFF_CT, 4096);
	r = decrypt(&c2, c->key_id, iv, sizeof(iv), 4096, bid, 0, 4096, NULL);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		    "session B cannot decrypt with session A's key id: ITEM_NOT_FOUND"))
		pm_diag_res("DECRYPT from B", &r);
	r = clear_key(&c2, c->key_id);
	if (!tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		    "session B cannot clear session A's key: ITEM_NOT_FOUND"))
		pm_diag_res("CLEAR_KEY from B", &r);
	r = load_key(&c2, c->key_id, other, sizeof(other));
	if (!tap_ok(c->t, pm_res_ok(&r), "session B loads its own key under the same id"))
		pm_diag_res("LOAD_KEY from B", &r);
	decrypt_and_check(c, "session A still decrypts with its own key after B's load",
			  key, iv, pb, CT_LEN);
	clear_key(&c2, c->key_id);
out:
	if (bshm >= 0)
		close(bshm);
	pm_shm_free(&c2.nrm);
	if (c2.sess)
		pm_close_session(c2.tee, c2.sess);
	if (c2.tee >= 0)
		close(c2.tee);
	clear_key(c, c->key_id);
}

static void test_fresh_is_zero(struct ctx *c)
{
	uint8_t md[32], want[32];
	struct pm_prot pb;
	struct pm_res r;
	unsigned int i;
	int ret;

	pm_sha256_zeros(PROT_SIZE, want);
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		ret = pm_prot_new(c->tee, u->heap, PROT_SIZE, &pb);
		if (ret) {
			tap_ok(c->t, 0, "%s: a new buffer digests as zeroes", u->name);
			tap_diag("alloc/register: %s", strerror(-ret));
			continue;
		}
		r = digest(c, pb.id, 0, PROT_SIZE, 32, md, NULL);
		if (u->id == TEE_PROTMEM_TRUSTED_UI)
			tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
			       "%s: not the TA's to read, ACCESS_DENIED (0x%x)",
			       u->name, r.ret);
		else if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, want, 32),
				 "%s: a new buffer digests as zeroes (it was scrubbed)",
				 u->name)) {
			pm_diag_res("DIGEST", &r);
			pm_diag_md("got ", md);
		}
		pm_prot_free(&pb);
	}
}

/*
 * Decrypt random content into the whole of @pb; passes if it no longer
 * digests as zeroes (@what names the buffer). Sets @zeros to the digest of
 * @pb's size of zeroes.
 */
static void put_content(struct ctx *c, const struct pm_use_case *u,
			const struct pm_prot *pb, const char *what,
			uint8_t zeros[32])
{
	uint8_t key[16], iv[16], md[32];
	struct pm_res r;

	pm_rng_fill(&c->rng, key, 16);
	pm_rng_fill(&c->rng, iv, 16);
	pm_rng_fill(&c->rng, c->nrm.p + OFF_CT, MAX_CT);
	r = load_key(c, c->key_id, key, 16);
	if (pm_res_ok(&r))
		r = decrypt(c, c->key_id, iv, 16, MAX_CT, pb->id, 0, pb->size,
			    NULL);
	if (pm_res_ok(&r))
		r = digest(c, pb->id, 0, pb->size, 32, md, NULL);
	pm_sha256_zeros(pb->size, zeros);
	if (!tap_ok(c->t, pm_res_ok(&r) && memcmp(md, zeros, 32),
		    "%s: content decrypted into %s", u->name, what))
		pm_diag_res("load/decrypt/digest", &r);
	clear_key(c, c->key_id);
}

/*
 * Content does not outlive its buffer: fill the start of a whole-pool
 * buffer, free it, and the next whole-pool buffer (the same memory)
 * digests as zeroes there.
 */
static void test_scrub_between_owners(struct ctx *c)
{
	const struct pm_use_case *u = pm_use_case(0);
	uint8_t want[32], zeros[32];
	struct pm_pool_stats st;
	struct pm_prot pb;
	struct pm_res r;
	int ret;

	if (pm_wait_pool_clean(u->name, PM_CLEAN_TIMEOUT_MS, &st)) {
		tap_ok(c->t, 0, "%s: whole pool free and clean for the scrub test", u->name);
		pm_diag_stats(u->name, &st);
		return;
	}
	ret = pm_prot_new(c->tee, u->heap, st.size, &pb);
	if (!tap_ok(c->t, ret == 0, "%s: one buffer of the whole pool (%" PRIu64 " bytes)",
		    u->name, st.size)) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return;
	}
	put_content(c, u, &pb, "the start of the pool", zeros);
	pm_prot_free(&pb);

	ret = pm_wait_pool_clean(u->name, PM_CLEAN_TIMEOUT_MS, &st);
	if (!tap_ok(c->t, ret == 0, "%s: freed and scrubbed in the background", u->name))
		pm_diag_stats(u->name, &st);
	ret = pm_prot_new(c->tee, u->heap, st.size, &pb);
	if (!tap_ok(c->t, ret == 0, "%s: the whole pool again", u->name)) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return;
	}
	r = digest(c, pb.id, 0, pb.size, 32, want, NULL);
	if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(want, zeros, 32),
		    "%s: the next owner of that memory reads zeroes, not the old content",
		    u->name)) {
		pm_diag_res("DIGEST", &r);
		pm_diag_md("got ", want);
	}
	pm_prot_free(&pb);
}

/*
 * The same for a small buffer taken again at once: pmx places buffers of
 * up to 2 MiB at the top of the pool, last fit, so the next buffer of the
 * same size lands on the memory just freed. Its next owner reads zeroes.
 * With pmx (vtee's default) the free itself scrubs memory that the next
 * buffer of its size would land on (dirty throttling), so the allocation
 * that follows finds it clean and scrubs nothing: the free, not the
 * allocation, pays (docs/tee-protmem.md).
 */
/* Does vtee manage its carveout with pmx (its allocator= parameter)? */
static int allocator_is_pmx(void)
{
	char buf[16];

	return !pm_read_file(PM_VTEE_MOD_SYSFS "/parameters/allocator", buf,
			     sizeof(buf)) && !strncmp(buf, "pmx", 3);
}

static void test_scrub_small_reuse(struct ctx *c)
{
	const struct pm_use_case *u = pm_use_case(0);
	uint8_t md[32], zeros[32];
	struct pm_pool_stats st, before, freed, after;
	struct pm_prot pb;
	struct pm_res r;
	int ret;

	if (pm_wait_pool_clean(u->name, PM_CLEAN_TIMEOUT_MS, &st)) {
		tap_ok(c->t, 0, "%s: pool clean for the reuse test", u->name);
		pm_diag_stats(u->name, &st);
		return;
	}
	ret = pm_prot_new(c->tee, u->heap, PROT_SIZE, &pb);
	if (!tap_ok(c->t, ret == 0, "%s: a small buffer for the reuse test",
		    u->name)) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return;
	}
	put_content(c, u, &pb, "a small buffer", zeros);
	pm_pool_stats(u->name, &before);
	pm_prot_free(&pb);
	pm_pool_stats(u->name, &freed);

	/* At once, no wait for the scrubber */
	ret = pm_prot_new(c->tee, u->heap, PROT_SIZE, &pb);
	if (!tap_ok(c->t, ret == 0, "%s: the same size again at once", u->name)) {
		tap_diag("alloc/register: %s", strerror(-ret));
		return;
	}
	pm_pool_stats(u->name, &after);
	r = digest(c, pb.id, 0, pb.size, 32, md, NULL);
	if (!tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, zeros, 32),
		    "%s: its next owner reads zeroes, not the old content",
		    u->name)) {
		pm_diag_res("DIGEST", &r);
		pm_diag_md("got ", md);
	}
	if (allocator_is_pmx()) {
		tap_ok(c->t, freed.scrubbed_sync - before.scrubbed_sync == PROT_SIZE,
		       "%s: the free scrubbed the memory the next buffer lands on (%" PRIu64 " bytes)",
		       u->name, freed.scrubbed_sync - before.scrubbed_sync);
		tap_ok(c->t, after.scrubbed_sync == freed.scrubbed_sync,
		       "%s: so the allocation scrubbed nothing (%" PRIu64 " bytes)",
		       u->name, after.scrubbed_sync - freed.scrubbed_sync);
	}
	pm_prot_free(&pb);
}

int main(void)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_prot pb = { -1, -1, 0, 0 };
	uint64_t seed = pm_seed();
	struct ctx c = { .nrm = { .fd = -1 } };
	struct pm_res r;
	struct tap t;
	int ret;

	tap_init(&t);
	c.t = &t;
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays this run)",
		 seed, seed);
	pm_rng_init(&c.rng, seed);
	/* A key id of our own, unlikely to be another test's */
	c.key_id = 0x746565637279ULL << 16 | (pm_rng_next(&c.rng) & 0xffff);
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);

	c.tee = pm_tee_open();
	if (!tap_ok(&t, c.tee >= 0, "%s opens", PM_TEE_DEV)) {
		tap_diag("open: %s", strerror(-c.tee));
		return tap_done(&t);
	}
	r = pm_open_public(c.tee, uuid, &c.sess);
	if (!tap_ok(&t, pm_res_ok(&r), "a session to the decryption TA (%s) opens",
		    PM_CRYPT_TA_UUID)) {
		pm_diag_res("open session", &r);
		close(c.tee);
		return tap_done(&t);
	}
	ret = pm_shm_new(c.tee, NRM_SIZE, &c.nrm);
	if (!tap_ok(&t, ret == 0 && c.nrm.size >= NRM_SIZE, "a %d KiB normal shm maps",
		    NRM_SIZE / 1024)) {
		tap_diag("shm: %s", strerror(-ret));
		goto out;
	}

	test_fresh_is_zero(&c);
	ret = pm_prot_new(c.tee, pm_use_case(0)->heap, PROT_SIZE, &pb);
	if (tap_ok(&t, ret == 0, "a %d KiB protected buffer, registered", PROT_SIZE / 1024)) {
		test_decrypt(&c, &pb);
		test_keys_per_session(&c, &pb);
	} else
		tap_diag("alloc/register: %s", strerror(-ret));
	pm_prot_free(&pb);
	test_scrub_between_owners(&c);
	test_scrub_small_reuse(&c);

out:
	clear_key(&c, c.key_id);
	clear_key(&c, c.key_id + 1);
	pm_shm_free(&c.nrm);
	ret = pm_close_session(c.tee, c.sess);
	if (!tap_ok(&t, ret == 0, "the session closes"))
		tap_diag("TEE_IOC_CLOSE_SESSION: %s", strerror(-ret));
	close(c.tee);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at the end");
	return tap_done(&t);
}
