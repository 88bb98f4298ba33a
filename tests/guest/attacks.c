// SPDX-License-Identifier: GPL-2.0
/*
 * attacks - the normal world tries to read protected memory through the
 * services around it, as an unprivileged program with /dev/tee0, the
 * heaps and the media devices would (docs/threat-model.md). Each attack
 * is written as the attack: it tries to learn secret bytes, and the test
 * asserts it learns nothing. On the code before the fix, 1 to 5 and 7
 * succeeded; 6 (and the stale-id race of 5) depend on timing there: the
 * old background scrubber could win the race with the unload.
 *
 * The secret: a victim client (its own TEE context and crypt-TA session,
 * its own key) decrypts random content into a secure-video buffer. The
 * attacker holds the buffer's DMA-buf fd (a compositor, say) and has its
 * own context, session and key.
 *
 *  1 DIGEST of 1-byte windows, matched against the digests of 256 bytes
 *  2 SCANOUT CRCs of prefixes k and k + 1: the CRC extension gives byte k
 *  3 DECODE of a bitstream prefix 2k: the decoded size is the sum of the
 *    first k run counts; ENOSPC's "bytes needed" likewise
 *  4 DECRYPT / INJECT with the attacker's key into trusted-ui and
 *    secure-video-record buffers (spoofing a trusted UI)
 *  5 a session id closed by one client and reopened by another
 *  6 unloading vtee right after freeing: is the carveout scrubbed?
 *  7 the test-only services without testing=1
 *
 * PROTMEM_SEED=<n> replays a run (the seed is printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protmem_test.h"
#include "ref_crypto.h"
#include "tap.h"
#include "vmedia_test.h"

#define SECRET		4096		/* one buffer of secret content */
#define NRM_SIZE	(2 * 1024 * 1024)
#define PROBE		16		/* bytes each attack tries to learn */

/* One client: its own TEE context, crypt session, normal shm and key */
struct client {
	int tee;
	uint32_t crypt;
	struct pm_shm nrm;
	uint8_t key[REF_AES128_KEY];
};

struct ctx {
	struct tap *t;
	struct pm_rng rng;
	struct client victim, attacker;
	int vdec, vdisp;
	uint8_t secret[SECRET];
	struct pm_prot sbuf;		/* the victim's protected buffer */
	int32_t att_id;			/* the attacker's shm id for it */
	int att_shm;
};

static int client_open(struct ctx *c, struct client *cl)
{
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_res r;

	cl->tee = pm_tee_open();
	if (cl->tee < 0 || pm_shm_new(cl->tee, NRM_SIZE, &cl->nrm))
		return -1;
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	r = pm_open_public(cl->tee, uuid, &cl->crypt);
	if (!pm_res_ok(&r)) {
		pm_diag_res("open crypt TA", &r);
		return -1;
	}
	pm_rng_fill(&c->rng, cl->key, sizeof(cl->key));
	r = pm_crypt_load_key(cl->tee, cl->crypt, &cl->nrm, 1, cl->key);
	return pm_res_ok(&r) ? 0 : -1;
}

static void client_close(struct client *cl)
{
	if (cl->tee < 0)
		return;
	pm_close_session(cl->tee, cl->crypt);
	pm_shm_free(&cl->nrm);
	close(cl->tee);
	cl->tee = -1;
}

/* @cl decrypts @len bytes of @plain (encrypted here) into shm @id, whole */
static struct pm_res client_decrypt(struct client *cl, const void *plain,
				    uint64_t len, int32_t id, uint64_t size)
{
	uint8_t iv[REF_AES_BLOCK] = { 0 };
	uint8_t *ct = malloc(len);
	struct pm_res r = { .err = -ENOMEM };

	if (!ct)
		return r;
	ref_aes128_ctr(cl->key, iv, plain, ct, len);
	r = pm_crypt_decrypt(cl->tee, cl->crypt, &cl->nrm, 1, iv, ct, len, id,
			     0, size, NULL);
	free(ct);
	return r;
}

/* 1: digests of 1-byte windows, looked up among the digests of 256 bytes */
static void attack_digest_windows(struct ctx *c)
{
	uint8_t table[256][REF_SHA256_DIGEST], md[REF_SHA256_DIGEST], b;
	unsigned int k, v, learned = 0, answered = 0;
	struct pm_res r;

	for (v = 0; v < 256; v++) {
		b = (uint8_t)v;
		pm_sha256_padded(&b, 1, 1, table[v]);
	}
	for (k = 0; k < PROBE; k++) {
		r = pm_crypt_digest(c->attacker.tee, c->attacker.crypt,
				    &c->attacker.nrm, c->att_id, k, 1, md);
		if (!pm_res_ok(&r))
			continue;
		answered++;
		for (v = 0; v < 256; v++)
			if (!memcmp(md, table[v], sizeof(md)) &&
			    v == c->secret[k])
				learned++;
	}
	if (!tap_ok(c->t, !answered && !learned,
		    "DIGEST of 1-byte windows of another's buffer: refused, 0 of %d bytes learned",
		    PROBE))
		tap_diag("%u windows answered, %u bytes learned", answered,
			 learned);
	r = pm_crypt_digest(c->attacker.tee, c->attacker.crypt,
			    &c->attacker.nrm, c->att_id, 0, SECRET / 2, md);
	tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_BAD_PARAMETERS,
	       "DIGEST of half a buffer: TEEC_ERROR_BAD_PARAMETERS (0x%x)", r.ret);
	r = pm_crypt_digest(c->attacker.tee, c->attacker.crypt,
			    &c->attacker.nrm, c->att_id, 0, SECRET, md);
	pm_sha256_padded(c->secret, SECRET, SECRET, table[0]);
	tap_ok(c->t, pm_res_ok(&r) && !memcmp(md, table[0], sizeof(md)),
	       "DIGEST of the whole buffer still works (and matches the content)");
}

/* zlib crc32 continued over one more byte */
static uint32_t crc_extend(uint32_t crc, uint8_t b)
{
	unsigned int k;

	crc = ~crc ^ b;
	for (k = 0; k < 8; k++)
		crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	return ~crc;
}

/* 2: CRCs of prefixes k, k + 1: the one byte that extends one to the other */
static void attack_scanout_prefix(struct ctx *c)
{
	uint32_t crc[PROBE + 1], whole = 0, known = 0;
	unsigned int k, v, learned = 0, differ = 0;
	int ret, ok = 1;

	for (k = 1; k <= PROBE; k++) {
		ret = vm_scanout(c->vdisp, c->sbuf.dmabuf, k, &crc[k], NULL);
		if (ret)
			ok = 0;
	}
	/* Walk the prefix CRCs byte by byte, as an attacker would */
	for (k = 1; ok && k <= PROBE; k++) {
		for (v = 0; v < 256; v++)
			if (crc_extend(known, (uint8_t)v) == crc[k])
				break;
		if (v < 256 && v == c->secret[k - 1])
			learned++;
		if (k > 1 && crc[k] != crc[k - 1])
			differ++;
		known = crc_extend(known, c->secret[k - 1]);
	}
	ret = vm_scanout(c->vdisp, c->sbuf.dmabuf, SECRET, &whole, NULL);
	if (!tap_ok(c->t, ok && !learned && !differ,
		    "SCANOUT of prefixes 1..%d of a protected frame: one CRC, 0 bytes learned",
		    PROBE))
		tap_diag("scanouts ok %d, %u CRCs differ, %u bytes learned", ok,
			 differ, learned);
	tap_ok(c->t, !ret && whole == crc[1] &&
	       whole == vm_crc32(c->secret, SECRET),
	       "each is the CRC of the whole frame (0x%08x)", whole);
}

/* 3: decoded sizes of bitstream prefixes */
static void attack_decode_prefix(struct ctx *c)
{
	uint8_t bs[SECRET] = { 0 };
	uint64_t n, first = 0, sum = 0, need = 0;
	struct pm_prot frame = { -1, -1, 0, 0 }, small = { -1, -1, 0, 0 };
	unsigned int k, differ = 0, learned = 0;
	struct pm_res r;
	int ret, fail = 0;

	/* The victim's bitstream: 64 random runs, decoding to < 16 KiB */
	for (k = 0; k < 64; k++) {
		bs[2 * k] = (uint8_t)pm_rng_range(&c->rng, 1, 255);
		bs[2 * k + 1] = (uint8_t)pm_rng_next(&c->rng);
	}
	r = client_decrypt(&c->victim, bs, 128, c->sbuf.id, c->sbuf.size);
	if (pm_prot_new(c->attacker.tee, pm_use_case(0)->heap, 16384, &frame) ||
	    pm_prot_new(c->attacker.tee, pm_use_case(0)->heap, 4096, &small) ||
	    !tap_ok(c->t, pm_res_ok(&r), "the victim decrypts a bitstream into its buffer")) {
		tap_skip(c->t, "setup failed", "DECODE of bitstream prefixes");
		tap_skip(c->t, "setup failed", "DECODE into a too small frame");
		goto out;
	}
	for (k = 1; k <= PROBE; k++) {
		ret = vm_codec(c->vdec, VMEDIA_IOC_DECODE, c->sbuf.dmabuf,
			       frame.dmabuf, 2 * k, &n);
		sum += bs[2 * (k - 1)];
		if (ret)
			fail++;
		else if (k == 1)
			first = n;
		else if (n != first)
			differ++;
		if (!ret && n == sum)
			learned++;
	}
	if (!tap_ok(c->t, !fail && !differ && first == frame.size && !learned,
		    "DECODE of protected bitstream prefixes 2..%d: one size, the frame buffer's",
		    2 * PROBE))
		tap_diag("%d failed, %u sizes differ, first %" PRIu64
			 ", %u run sums learned", fail, differ, first, learned);

	/* Decoding to more than 4 KiB: ENOSPC, without the size needed */
	for (sum = 0, k = 0; k < 64; k++)
		sum += bs[2 * k];
	ret = vm_codec(c->vdec, VMEDIA_IOC_DECODE, c->sbuf.dmabuf, small.dmabuf,
		       2, &need);
	tap_ok(c->t, sum <= 4096 || (ret == -ENOSPC && need == 0),
	       "DECODE into a too small frame: ENOSPC, bytes needed not told (%s, %" PRIu64 ")",
	       ret ? strerror(-ret) : "success", need);
out:
	pm_prot_free(&small);
	pm_prot_free(&frame);
}

/* 4: the attacker writes its own bytes into other use cases' buffers */
static void attack_cross_use_case(struct ctx *c)
{
	uint8_t mine[SECRET], md[REF_SHA256_DIGEST], zeros[SECRET] = { 0 };
	struct pm_prot pb;
	unsigned int i;
	uint32_t crc = 0;
	struct pm_res r;

	pm_rng_fill(&c->rng, mine, sizeof(mine));
	for (i = 1; i < PM_NUM_USE_CASES; i++) {
		const struct pm_use_case *u = pm_use_case(i);

		if (pm_prot_new(c->attacker.tee, u->heap, SECRET, &pb)) {
			tap_skip(c->t, "cannot allocate", "DECRYPT into %s", u->name);
			continue;
		}
		r = client_decrypt(&c->attacker, mine, SECRET, pb.id, pb.size);
		tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
		       "DECRYPT with one's own key into %s: TEEC_ERROR_ACCESS_DENIED (0x%x)",
		       u->name, r.ret);
		/* No TA reads trusted UI; the display may: nothing was written */
		if (u->id == TEE_PROTMEM_TRUSTED_UI) {
			r = pm_crypt_digest(c->attacker.tee, c->attacker.crypt,
					    &c->attacker.nrm, pb.id, 0, pb.size, md);
			tap_ok(c->t, r.err == 0 && r.ret == PM_TEEC_ERROR_ACCESS_DENIED,
			       "DIGEST of %s: TEEC_ERROR_ACCESS_DENIED (0x%x)",
			       u->name, r.ret);
			tap_ok(c->t, !vm_scanout(c->vdisp, pb.dmabuf, SECRET, &crc,
						 NULL) &&
			       crc == vm_crc32(zeros, SECRET),
			       "the trusted-ui buffer still shows what it showed (zeros)");
		}
		pm_prot_free(&pb);
	}
}

/* 5: session ids are not handed to the next client */
struct race {
	struct ctx *c;
	atomic_uint sess;
	atomic_int stop;
	atomic_uint hits, calls;
	struct pm_prot out;
};

/* The attacker invokes whatever id it last had, while it churns */
static void *race_invoker(void *arg)
{
	struct race *rc = arg;
	struct client *a = &rc->c->attacker;
	uint8_t iv[REF_AES_BLOCK] = { 0 };
	struct pm_res r;

	while (!atomic_load(&rc->stop)) {
		/* key id 7: the attacker never loads one, the other client does */
		r = pm_crypt_decrypt(a->tee, atomic_load(&rc->sess), &a->nrm, 7,
				     iv, iv, sizeof(iv), rc->out.id, 0,
				     rc->out.size, NULL);
		atomic_fetch_add(&rc->calls, 1);
		if (pm_res_ok(&r))
			atomic_fetch_add(&rc->hits, 1);
	}
	return NULL;
}

static void *race_other(void *arg)
{
	struct race *rc = arg;
	uint8_t uuid[TEE_IOCTL_UUID_LEN], key[REF_AES128_KEY] = { 7 };
	struct pm_shm nrm;
	struct pm_res r;
	uint32_t s;
	int tee = pm_tee_open();

	if (tee < 0 || pm_shm_new(tee, 4096 * 2, &nrm))
		return NULL;
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	while (!atomic_load(&rc->stop)) {
		r = pm_open_public(tee, uuid, &s);
		if (!pm_res_ok(&r))
			continue;
		pm_crypt_load_key(tee, s, &nrm, 7, key);
		pm_close_session(tee, s);
	}
	pm_shm_free(&nrm);
	close(tee);
	return NULL;
}

static void attack_session_reuse(struct ctx *c)
{
	struct client *a = &c->attacker;
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	uint32_t s1 = 0, s2 = 0, s;
	struct race rc = { .c = c };
	pthread_t inv, other;
	uint64_t end;
	struct pm_res r;

	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	r = pm_open_public(a->tee, uuid, &s1);
	if (pm_res_ok(&r))
		pm_close_session(a->tee, s1);
	r = pm_open_public(c->victim.tee, uuid, &s2);
	tap_ok(c->t, pm_res_ok(&r) && s2 != s1,
	       "a session id just closed is not given to the next client (%u, then %u)",
	       s1, s2);
	if (pm_res_ok(&r))
		pm_close_session(c->victim.tee, s2);

	/* The race: stale ids invoked while another client opens sessions */
	if (pm_prot_new(a->tee, pm_use_case(0)->heap, 4096, &rc.out)) {
		tap_skip(c->t, "cannot allocate", "stale session ids");
		return;
	}
	r = pm_open_public(a->tee, uuid, &s);
	atomic_store(&rc.sess, s);
	pthread_create(&inv, NULL, race_invoker, &rc);
	pthread_create(&other, NULL, race_other, &rc);
	for (end = pm_now_ms() + 1500; pm_now_ms() < end;) {
		pm_close_session(a->tee, atomic_load(&rc.sess));
		r = pm_open_public(a->tee, uuid, &s);
		if (pm_res_ok(&r))
			atomic_store(&rc.sess, s);
	}
	atomic_store(&rc.stop, 1);
	pthread_join(inv, NULL);
	pthread_join(other, NULL);
	pm_close_session(a->tee, atomic_load(&rc.sess));
	tap_ok(c->t, atomic_load(&rc.hits) == 0,
	       "stale session ids never reach another client's session (%u of %u calls did)",
	       atomic_load(&rc.hits), atomic_load(&rc.calls));
	pm_prot_free(&rc.out);
}

/* ---- with vtee reloaded ------------------------------------------------ */

/*
 * Unload vmedia (and the V4L2 decoder) so that vtee can go, not vtee
 * itself (as "modprobe -r" would); 0 or -errno.
 */
static int media_unload(void)
{
	syscall(SYS_delete_module, "vdec_m2m", O_NONBLOCK);
	if (vm_loaded() && vm_unload())
		return -EBUSY;
	return 0;
}

/*
 * 1 MiB of physical memory at @pa through /dev/mem into @buf: read(), or
 * mmap() where read() refuses memory outside the linear map (arm64
 * no-map: EFAULT); 0 or -errno.
 */
static int devmem_get(int fd, uint64_t pa, uint8_t *buf, size_t len)
{
	void *m;

	if (pread(fd, buf, len, (off_t)pa) == (ssize_t)len)
		return 0;
	if (errno != EFAULT)
		return -errno ?: -EIO;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)pa);
	if (m == MAP_FAILED)
		return -errno;
	memcpy(buf, m, len);
	munmap(m, len);
	return 0;
}

/* Occurrences of @mark (32 bytes) in physical memory [@base, +@size) */
static int64_t devmem_count(uint64_t base, uint64_t size, const uint8_t *mark)
{
	static uint8_t chunk[1 << 20];
	int64_t found = 0;
	uint64_t off;
	size_t i;
	int ret, fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (off = 0; off < size; off += sizeof(chunk)) {
		ret = devmem_get(fd, base + off, chunk, sizeof(chunk));
		if (ret) {
			found = ret;
			break;
		}
		for (i = 0; i + 32 <= sizeof(chunk); i += 32)
			found += !memcmp(chunk + i, mark, 32);
	}
	close(fd);
	return found;
}

/* 6: free, unload at once, read the carveout through /dev/mem */
static void attack_teardown(struct ctx *c, const struct pm_vtee_params *boot)
{
	enum { NBUF = 32, BUF = 1024 * 1024 };
	struct vm_region reg[PM_NUM_USE_CASES];
	struct client v = { .tee = -1 };
	struct pm_prot pb[NBUF];
	uint8_t mark[32], *plain;
	unsigned int i, n = 0;
	int64_t left = -1;
	int ret;

	if (vm_regions(reg)) {
		tap_skip(c->t, "regions unknown", "unload scrubs the carveout");
		return;
	}
	plain = malloc(SECRET);
	if (!plain || client_open(c, &v)) {
		tap_skip(c->t, "no client", "unload scrubs the carveout");
		free(plain);
		client_close(&v);
		return;
	}
	pm_rng_fill(&c->rng, mark, sizeof(mark));
	for (i = 0; i < SECRET; i += 32)
		memcpy(plain + i, mark, 32);
	for (i = 0; i < NBUF; i++) {
		if (pm_prot_new(v.tee, pm_use_case(0)->heap, BUF, &pb[i]))
			break;
		n++;
		client_decrypt(&v, plain, SECRET, pb[i].id, pb[i].size);
	}
	/* Free everything and pull vtee away before the scrubber is done */
	for (i = 0; i < n; i++)
		pm_prot_free(&pb[i]);
	client_close(&v);
	ret = pm_vtee_wait_unused(2000) ? pm_vtee_unload() : -EBUSY;
	/* First fit: the buffers were the bottom n MiB of the region */
	if (!ret)
		left = devmem_count(reg[0].base, (uint64_t)(n + 1) * BUF, mark);
	tap_ok(c->t, !ret && left == 0,
	       "vtee unloaded right after %u MiB of secrets were freed: 0 copies left in the carveout (%" PRId64 ", %s)",
	       n, left, ret ? strerror(-ret) : "unloaded");
	ret = pm_vtee_load(boot);
	tap_ok(c->t, !ret && pm_vtee_loaded(), "vtee loads again");
	free(plain);
}

/* 7: without testing=1 the test-only services do not exist */
static void attack_test_services(struct ctx *c, const struct pm_vtee_params *boot)
{
	struct pm_vtee_params plain = *boot;
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct pm_res r = { 0 };
	int tee, dev, ret;
	uint32_t s;

	static const struct { const char *uuid, *name; } tas[] = {
		{ PM_SDP_TA_UUID, "the SDP test TA (DUMP)" },
		{ PM_PTA_INVOKE_TESTS_UUID, "the invoke-tests pseudo-TA (COPY_SEC_TO_NSEC)" },
		{ PM_NEST_TA_UUID, "the nesting test TA" },
	};
	unsigned int i;

	pm_vtee_param_set(&plain, "testing", "N");
	if (pm_vtee_reload(&plain)) {
		for (i = 0; i < sizeof(tas) / sizeof(tas[0]); i++)
			tap_skip(c->t, "reload failed", "no %s without testing=1", tas[i].name);
		tap_skip(c->t, "reload failed", "no raw DMA without testing=1");
		return;
	}
	for (i = 0; i < sizeof(tas) / sizeof(tas[0]); i++) {
		pm_uuid_parse(tas[i].uuid, uuid);
		tee = pm_tee_open();
		if (tee >= 0) {
			r = pm_open_public(tee, uuid, &s);
			if (pm_res_ok(&r))
				pm_close_session(tee, s);
			close(tee);
		}
		tap_ok(c->t, tee >= 0 && r.err == 0 &&
		       r.ret == PM_TEEC_ERROR_ITEM_NOT_FOUND,
		       "without testing=1 %s does not exist (0x%x)", tas[i].name,
		       r.ret);
	}
	ret = vm_load() < 0 ? -ENOENT : 0;
	dev = ret ? -1 : vm_open("vdisp");
	if (dev >= 0)
		ret = vm_raw(dev, VMEDIA_OP_CRC32, 0x30000000, 4096, 0, 0, NULL);
	tap_ok(c->t, dev >= 0 && ret == -ENOTTY,
	       "without testing=1 raw device DMA does not exist, even for root (%s)",
	       strerror(-ret));
	if (dev >= 0)
		close(dev);
	media_unload();
	ret = pm_vtee_reload(boot);
	tap_ok(c->t, !ret, "vtee back with its boot parameters");
}

int main(void)
{
	struct pm_vtee_params boot;
	struct tap t;
	struct ctx c = { .t = &t, .victim.tee = -1, .attacker.tee = -1,
			 .vdec = -1, .vdisp = -1, .att_shm = -1 };
	uint64_t seed = pm_seed();
	struct pm_res r;
	int loaded;

	tap_init(&t);
	pm_rng_init(&c.rng, seed);
	tap_diag("seed %" PRIu64, seed);
	c.sbuf.dmabuf = c.sbuf.shm = -1;

	loaded = vm_load();
	c.vdec = vm_open("vdec");
	c.vdisp = vm_open("vdisp");
	if (!tap_ok(&t, loaded >= 0 && c.vdec >= 0 && c.vdisp >= 0 &&
		    !client_open(&c, &c.victim) && !client_open(&c, &c.attacker),
		    "two clients, the decoder and the display"))
		goto out;

	pm_rng_fill(&c.rng, c.secret, sizeof(c.secret));
	if (!tap_ok(&t, !pm_prot_new(c.victim.tee, pm_use_case(0)->heap, SECRET,
				     &c.sbuf), "the victim's secure-video buffer"))
		goto out;
	r = client_decrypt(&c.victim, c.secret, SECRET, c.sbuf.id, c.sbuf.size);
	c.att_shm = pm_shm_register_fd(c.attacker.tee, c.sbuf.dmabuf,
				       &c.att_id, NULL);
	if (!tap_ok(&t, pm_res_ok(&r) && c.att_shm >= 0,
		    "the victim decrypts its secret; the attacker registers the buffer"))
		goto out;

	attack_digest_windows(&c);
	attack_scanout_prefix(&c);
	attack_decode_prefix(&c);
	attack_cross_use_case(&c);
	attack_session_reuse(&c);

	/* The rest reloads vtee: nothing of ours may hold it */
	close(c.att_shm);
	c.att_shm = -1;
	pm_prot_free(&c.sbuf);
	client_close(&c.victim);
	client_close(&c.attacker);
	close(c.vdec);
	close(c.vdisp);
	c.vdec = c.vdisp = -1;
	if (pm_vtee_read_params(&boot) || media_unload() ||
	    pm_vtee_holders((char[256]){ 0 }, 256)) {
		tap_skip(&t, "vtee cannot be reloaded here", "unload scrubs the carveout");
		tap_skip(&t, "vtee cannot be reloaded here", "test-only services off");
		goto out;
	}
	attack_teardown(&c, &boot);
	attack_test_services(&c, &boot);
	if (loaded == 0)
		vm_load();
out:
	if (c.att_shm >= 0)
		close(c.att_shm);
	pm_prot_free(&c.sbuf);
	client_close(&c.victim);
	client_close(&c.attacker);
	if (c.vdec >= 0)
		close(c.vdec);
	if (c.vdisp >= 0)
		close(c.vdisp);
	/*
	 * The last reload left a fresh carveout to the background scrubber:
	 * give it the reload's time (a lost range never comes back, so this
	 * only lengthens a failure).
	 */
	tap_ok(&t, pm_wait_all_clean(PM_VTEE_RELOAD_CLEAN_MS),
	       "every pool is clean afterwards");
	return tap_done(&t);
}
