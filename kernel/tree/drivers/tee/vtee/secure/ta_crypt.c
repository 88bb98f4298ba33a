// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: the content-decryption TA.
 *
 * Keys are loaded under an id and never leave the secure world; content
 * is decrypted from normal memory straight into protected memory, and a
 * digest of protected memory lets tests check it without reading it.
 *
 *   UUID 3f4b7b55-a65a-465e-ae68-4aef21a91a63 (a random v4 UUID, fixed)
 *   0 LOAD_KEY	 param0 VALUE_INPUT a=key id; param1 MEMREF_INPUT normal,
 *		 exactly 16 bytes: AES-128 key. Replaces a key of that id;
 *		 at most 16 ids (TEEC_ERROR_OUT_OF_MEMORY beyond).
 *   1 DECRYPT	 param0 VALUE_INPUT a=key id; param1 MEMREF_INPUT normal,
 *		 exactly 16 bytes: initial CTR counter block (big endian);
 *		 param2 MEMREF_INPUT normal: ciphertext; param3 MEMREF_OUTPUT
 *		 protected, a whole buffer (else TEEC_ERROR_BAD_PARAMETERS) of
 *		 at least the ciphertext's size (else TEEC_ERROR_SHORT_BUFFER
 *		 with the size needed): AES-128-CTR plaintext from its first
 *		 byte, zeros after it; the output size set to the
 *		 ciphertext's. Unknown key id: TEEC_ERROR_ITEM_NOT_FOUND.
 *   2 DIGEST	 param0 MEMREF_INPUT protected, a whole buffer (else
 *		 TEEC_ERROR_BAD_PARAMETERS); param1 MEMREF_OUTPUT normal, at
 *		 least 32 bytes (else TEEC_ERROR_SHORT_BUFFER, size 32):
 *		 SHA-256 of the whole buffer, size set to 32.
 *   3 CLEAR_KEY param0 VALUE_INPUT a=key id: forget (and zeroize) the key;
 *		 TEEC_ERROR_ITEM_NOT_FOUND if there is none.
 *
 * Parameter layouts, memref kinds and bounds are checked as in the SDP TA
 * (ta_sdp.c). Keys belong to the session that loaded them: another
 * session, of this or another client, cannot use, replace or clear them
 * (its key ids are its own). They are zeroized when the session closes,
 * which the secure world also does for sessions still open when it stops.
 * Decryption goes through a one-page bounce buffer that belongs to the
 * secure world and is zeroized after each call, so plaintext never
 * reaches normal memory.
 *
 * Whole buffers only (docs/threat-model.md): a digest of a part of a
 * buffer the caller chose would read it out a byte at a time, and a
 * decryption into a part of a buffer would let a caller splice its own
 * bytes beside protected content before asking for a whole-buffer
 * answer. The TA writes secure-video buffers only, and reads those and
 * secure-video-record ones (a digest of a whole recorded frame); never
 * trusted-ui ones.
 */
#include <crypto/aes.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tee_protmem.h>
#include <linux/uuid.h>

#include "msg_check.h"
#include "sw_private.h"

#define VTEE_TA_CRYPT_LOAD_KEY	0
#define VTEE_TA_CRYPT_DECRYPT	1
#define VTEE_TA_CRYPT_DIGEST	2
#define VTEE_TA_CRYPT_CLEAR_KEY	3

#define VTEE_TA_CRYPT_MAX_KEYS	16

/**
 * struct vtee_ta_crypt_key - a content key
 * @used:	the slot holds a key
 * @id:		its id, as the client loaded it
 * @key:	AES-128 key
 */
struct vtee_ta_crypt_key {
	bool used;
	u64 id;
	u8 key[AES_KEYSIZE_128];
};

/**
 * struct vtee_ta_crypt - the TA's world-global state (secure thread only)
 * @ctr:	"ctr(aes)" transform; keyed per call
 * @sha:	"sha256" transform
 * @bounce:	one page for plaintext on its way into protected memory
 */
struct vtee_ta_crypt {
	struct crypto_skcipher *ctr;
	struct crypto_shash *sha;
	u8 *bounce;
};

/**
 * struct vtee_ta_crypt_sess - one session's state (secure thread only)
 * @keys:	the keys this session loaded
 */
struct vtee_ta_crypt_sess {
	struct vtee_ta_crypt_key keys[VTEE_TA_CRYPT_MAX_KEYS];
};

static struct vtee_ta_crypt_key *vtee_ta_crypt_find(struct vtee_ta_crypt_sess *cs,
						    u64 id)
{
	unsigned int i;

	for (i = 0; i < VTEE_TA_CRYPT_MAX_KEYS; i++)
		if (cs->keys[i].used && cs->keys[i].id == id)
			return &cs->keys[i];
	return NULL;
}

static u32 vtee_ta_crypt_load_key(struct vtee_sw_sess *sess,
				  struct vtee_ta_crypt_sess *cs, u32 types,
				  struct vtee_msg_param *params)
{
	struct vtee_ta_crypt_key *k;
	u8 key[AES_KEYSIZE_128];
	struct vtee_sw_win win;
	unsigned int i;
	u32 ret;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_VALUE_INPUT,
				    VTEE_MSG_ATTR_MEMREF_INPUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_win_get(sess, &params[1].u.memref, VTEE_SW_NORMAL, &win);
	if (ret != TEEC_SUCCESS)
		return ret;
	if (win.size != sizeof(key) || vtee_sw_win_read(&win, 0, key, sizeof(key)))
		return TEEC_ERROR_BAD_PARAMETERS;

	k = vtee_ta_crypt_find(cs, params[0].u.value.a);
	for (i = 0; !k && i < VTEE_TA_CRYPT_MAX_KEYS; i++)
		if (!cs->keys[i].used)
			k = &cs->keys[i];
	if (!k) {
		ret = TEEC_ERROR_OUT_OF_MEMORY;
		goto out;
	}
	k->used = true;
	k->id = params[0].u.value.a;
	memcpy(k->key, key, sizeof(key));
	ret = TEEC_SUCCESS;
out:
	memzero_explicit(key, sizeof(key));
	return ret;
}

static u32 vtee_ta_crypt_clear_key(struct vtee_ta_crypt_sess *cs, u32 types,
				   struct vtee_msg_param *params)
{
	struct vtee_ta_crypt_key *k;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_VALUE_INPUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE,
				    VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	k = vtee_ta_crypt_find(cs, params[0].u.value.a);
	if (!k)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	memzero_explicit(k, sizeof(*k));
	return TEEC_SUCCESS;
}

/* Add @blocks to a big-endian 128-bit counter block, modulo 2^128 */
static void vtee_ta_crypt_ctr_add(u8 *ctr, u64 blocks)
{
	int i;

	for (i = AES_BLOCK_SIZE - 1; i >= 0 && blocks; i--) {
		blocks += ctr[i];
		ctr[i] = blocks & 0xff;
		blocks >>= 8;
	}
}

/* Decrypt @ct into @out, a page at a time through the bounce buffer */
static u32 vtee_ta_crypt_ctr(struct vtee_ta_crypt *c,
			     const struct vtee_ta_crypt_key *k, u8 *ctr,
			     const struct vtee_sw_win *ct,
			     const struct vtee_sw_win *out)
{
	struct skcipher_request *req;
	u8 iv[AES_BLOCK_SIZE];
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u32 ret = TEEC_SUCCESS;
	u64 done, n;

	req = skcipher_request_alloc(c->ctr, GFP_KERNEL);
	if (!req)
		return TEEC_ERROR_OUT_OF_MEMORY;
	if (crypto_skcipher_setkey(c->ctr, k->key, sizeof(k->key))) {
		ret = TEEC_ERROR_GENERIC;
		goto out;
	}
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	for (done = 0; done < ct->size; done += n) {
		n = min_t(u64, ct->size - done, PAGE_SIZE);
		if (vtee_sw_win_read(ct, done, c->bounce, n)) {
			ret = TEEC_ERROR_BAD_PARAMETERS;
			break;
		}
		/* Our own counter: whether a driver updates iv is its business */
		memcpy(iv, ctr, sizeof(iv));
		sg_init_one(&sg, c->bounce, n);
		skcipher_request_set_crypt(req, &sg, &sg, n, iv);
		if (crypto_wait_req(crypto_skcipher_decrypt(req), &wait)) {
			ret = TEEC_ERROR_GENERIC;
			break;
		}
		if (vtee_sw_win_write(out, done, c->bounce, n)) {
			ret = TEEC_ERROR_BAD_PARAMETERS;
			break;
		}
		vtee_ta_crypt_ctr_add(ctr, n / AES_BLOCK_SIZE);
		cond_resched();
	}
	memzero_explicit(c->bounce, PAGE_SIZE);
	memzero_explicit(iv, sizeof(iv));
out:
	skcipher_request_free(req);
	return ret;
}

static u32 vtee_ta_crypt_decrypt(struct vtee_sw_sess *sess,
				 struct vtee_ta_crypt *c,
				 struct vtee_ta_crypt_sess *cs, u32 types,
				 struct vtee_msg_param *params)
{
	struct vtee_sw_win iv, ct, out;
	const struct vtee_ta_crypt_key *k;
	u8 ctr[AES_BLOCK_SIZE];
	u32 ret;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_VALUE_INPUT,
				    VTEE_MSG_ATTR_MEMREF_INPUT,
				    VTEE_MSG_ATTR_MEMREF_INPUT,
				    VTEE_MSG_ATTR_MEMREF_OUTPUT))
		return TEEC_ERROR_BAD_PARAMETERS;
	k = vtee_ta_crypt_find(cs, params[0].u.value.a);
	if (!k)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	ret = vtee_sw_win_get(sess, &params[1].u.memref, VTEE_SW_NORMAL, &iv);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = vtee_sw_win_get(sess, &params[2].u.memref, VTEE_SW_NORMAL, &ct);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = vtee_sw_win_get(sess, &params[3].u.memref, VTEE_SW_PROT_WRITE,
			      &out);
	if (ret != TEEC_SUCCESS)
		return ret;
	if (iv.size != sizeof(ctr) || vtee_sw_win_read(&iv, 0, ctr, sizeof(ctr)))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (out.size < ct.size) {
		out.mr->size = ct.size;
		return TEEC_ERROR_SHORT_BUFFER;
	}
	if ((ct.null && ct.size) || !vtee_sw_win_whole(&out))
		return TEEC_ERROR_BAD_PARAMETERS;

	ret = vtee_ta_crypt_ctr(c, k, ctr, &ct, &out);
	/* The whole buffer is rewritten: no old byte survives beside ours */
	if (ret == TEEC_SUCCESS) {
		memset(out.vaddr + ct.size, 0, out.size - ct.size);
		out.mr->size = ct.size;
	} else {
		/* Half a plaintext is worse than none */
		memset(out.vaddr, 0, out.size);
	}
	return ret;
}

static u32 vtee_ta_crypt_digest(struct vtee_sw_sess *sess,
				struct vtee_ta_crypt *c, u32 types,
				struct vtee_msg_param *params)
{
	SHASH_DESC_ON_STACK(desc, c->sha);
	u8 digest[SHA256_DIGEST_SIZE];
	struct vtee_sw_win in, out;
	const u8 *p;
	u64 done, n;
	u32 ret;

	if (types != VTEE_MSG_TYPES(VTEE_MSG_ATTR_MEMREF_INPUT,
				    VTEE_MSG_ATTR_MEMREF_OUTPUT,
				    VTEE_MSG_ATTR_NONE, VTEE_MSG_ATTR_NONE))
		return TEEC_ERROR_BAD_PARAMETERS;
	ret = vtee_sw_win_get(sess, &params[0].u.memref, VTEE_SW_PROT_READ,
			      &in);
	if (ret != TEEC_SUCCESS)
		return ret;
	ret = vtee_sw_win_get(sess, &params[1].u.memref, VTEE_SW_NORMAL, &out);
	if (ret != TEEC_SUCCESS)
		return ret;
	if (out.size < sizeof(digest)) {
		out.mr->size = sizeof(digest);
		return TEEC_ERROR_SHORT_BUFFER;
	}
	/* A digest of a window the caller chose reads the buffer out */
	if (!vtee_sw_win_whole(&in))
		return TEEC_ERROR_BAD_PARAMETERS;

	desc->tfm = c->sha;
	if (crypto_shash_init(desc)) {
		ret = TEEC_ERROR_GENERIC;
		goto out;
	}
	p = in.vaddr;
	for (done = 0; done < in.size; done += n) {
		n = min_t(u64, in.size - done, PAGE_SIZE);
		if (crypto_shash_update(desc, p + done, n)) {
			ret = TEEC_ERROR_GENERIC;
			goto out;
		}
		cond_resched();
	}
	if (crypto_shash_final(desc, digest)) {
		ret = TEEC_ERROR_GENERIC;
		goto out;
	}
	if (vtee_sw_win_write(&out, 0, digest, sizeof(digest))) {
		ret = TEEC_ERROR_BAD_PARAMETERS;
		goto out;
	}
	out.mr->size = sizeof(digest);
out:
	shash_desc_zero(desc);
	return ret;
}

static u32 vtee_ta_crypt_invoke(struct vtee_sw_sess *sess, u32 func,
				u32 types, struct vtee_msg_param *params)
{
	struct vtee_ta_crypt_sess *cs = sess->priv;
	struct vtee_ta_crypt *c = sess->ta_data;

	switch (func) {
	case VTEE_TA_CRYPT_LOAD_KEY:
		return vtee_ta_crypt_load_key(sess, cs, types, params);
	case VTEE_TA_CRYPT_DECRYPT:
		return vtee_ta_crypt_decrypt(sess, c, cs, types, params);
	case VTEE_TA_CRYPT_DIGEST:
		return vtee_ta_crypt_digest(sess, c, types, params);
	case VTEE_TA_CRYPT_CLEAR_KEY:
		return vtee_ta_crypt_clear_key(cs, types, params);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* Each session gets its own key table */
static u32 vtee_ta_crypt_open(struct vtee_sw_sess *sess, u32 types,
			      struct vtee_msg_param *params)
{
	struct vtee_ta_crypt_sess *cs = kzalloc(sizeof(*cs), GFP_KERNEL);

	sess->priv = cs;
	return cs ? TEEC_SUCCESS : TEEC_ERROR_OUT_OF_MEMORY;
}

/* Also called for sessions still open when the secure world stops */
static void vtee_ta_crypt_close(struct vtee_sw_sess *sess)
{
	kfree_sensitive(sess->priv);
	sess->priv = NULL;
}

static void vtee_ta_crypt_exit(struct vtee_sw *sw, void *data)
{
	struct vtee_ta_crypt *c = data;

	if (!c)
		return;
	if (c->bounce) {
		memzero_explicit(c->bounce, PAGE_SIZE);
		free_page((unsigned long)c->bounce);
	}
	if (!IS_ERR_OR_NULL(c->sha))
		crypto_free_shash(c->sha);
	if (!IS_ERR_OR_NULL(c->ctr))
		crypto_free_skcipher(c->ctr);
	kfree_sensitive(c);
}

static int vtee_ta_crypt_init(struct vtee_sw *sw, void **data)
{
	struct vtee_ta_crypt *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->ctr = crypto_alloc_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(c->ctr)) {
		ret = PTR_ERR(c->ctr);
		goto err;
	}
	c->sha = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(c->sha)) {
		ret = PTR_ERR(c->sha);
		goto err;
	}
	c->bounce = (u8 *)__get_free_page(GFP_KERNEL);
	if (!c->bounce) {
		ret = -ENOMEM;
		goto err;
	}
	*data = c;
	return 0;

err:
	vtee_ta_crypt_exit(sw, c);
	return ret;
}

/* The content-decryption TA: transforms shared, keys per session */
const struct vtee_sw_ta vtee_ta_crypt = {
	.name = "crypt",
	.uuid = UUID_INIT(0x3f4b7b55, 0xa65a, 0x465e,
			  0xae, 0x68, 0x4a, 0xef, 0x21, 0xa9, 0x1a, 0x63),
	/* Digests of recordings too (whole buffers); decryption for playback */
	.may_read = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY) |
		    VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_RECORD),
	.may_write = VTEE_SW_UC(TEE_DMA_HEAP_SECURE_VIDEO_PLAY),
	.init = vtee_ta_crypt_init,
	.exit = vtee_ta_crypt_exit,
	.open = vtee_ta_crypt_open,
	.invoke = vtee_ta_crypt_invoke,
	.close = vtee_ta_crypt_close,
};
