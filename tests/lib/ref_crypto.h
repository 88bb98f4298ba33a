/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ref_crypto.h - small reference AES-128 (block encryption, CTR mode) and
 * SHA-256 for protmem's tests: the test encrypts content itself and checks
 * what the secure world decrypted through its SHA-256 digest.
 *
 * Written for clarity, not speed, and not constant time: test use only.
 * The tables are derived at first use rather than typed in -- the AES
 * S-box from inverses in GF(2^8) and the affine map, the SHA-256 constants
 * from integer square and cube roots of the first primes -- and
 * tests/host/ref_crypto.c checks the result against FIPS-197, SP 800-38A
 * and FIPS 180-4 known answers.
 *
 * CTR mode treats the whole 16-byte counter block as one big-endian
 * 128-bit integer incremented per block (wrapping at 2^128), as the
 * kernel's "ctr(aes)" does.
 */
#ifndef PROTMEM_REF_CRYPTO_H
#define PROTMEM_REF_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define REF_AES_BLOCK		16
#define REF_AES128_KEY		16
#define REF_SHA256_DIGEST	32

/* ---- AES-128 ------------------------------------------------------------- */

/* Multiply in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
static inline uint8_t ref_gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;

	while (b) {
		if (b & 1)
			r ^= a;
		a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
		b >>= 1;
	}
	return r;
}

static inline uint8_t ref_rotl8(uint8_t x, unsigned int n)
{
	return (uint8_t)((x << n) | (x >> (8 - n)));
}

/* The S-box, computed on first use: affine map of the inverse. */
static inline const uint8_t *ref_aes_sbox(void)
{
	static uint8_t sbox[256];
	static int ready;
	unsigned int a, b;
	uint8_t inv;

	if (ready)
		return sbox;
	for (a = 0; a < 256; a++) {
		inv = 0;
		for (b = 1; a && b < 256; b++) {
			if (ref_gf_mul((uint8_t)a, (uint8_t)b) == 1) {
				inv = (uint8_t)b;
				break;
			}
		}
		sbox[a] = (uint8_t)(inv ^ ref_rotl8(inv, 1) ^ ref_rotl8(inv, 2) ^
				    ref_rotl8(inv, 3) ^ ref_rotl8(inv, 4) ^ 0x63);
	}
	ready = 1;
	return sbox;
}

struct ref_aes128 {
	uint8_t rk[11][REF_AES_BLOCK];	/* round keys */
};

static inline void ref_aes128_init(struct ref_aes128 *c,
				   const uint8_t key[REF_AES128_KEY])
{
	const uint8_t *s = ref_aes_sbox();
	uint8_t *w = &c->rk[0][0];	/* 44 words of 4 bytes */
	uint8_t rcon = 1, t[4];
	unsigned int i;

	memcpy(w, key, REF_AES128_KEY);
	for (i = 4; i < 44; i++) {
		memcpy(t, w + 4 * (i - 1), 4);
		if (i % 4 == 0) {
			uint8_t t0 = t[0];

			/* RotWord, SubWord, Rcon */
			t[0] = (uint8_t)(s[t[1]] ^ rcon);
			t[1] = s[t[2]];
			t[2] = s[t[3]];
			t[3] = s[t0];
			rcon = ref_gf_mul(rcon, 2);
		}
		w[4 * i + 0] = w[4 * (i - 4) + 0] ^ t[0];
		w[4 * i + 1] = w[4 * (i - 4) + 1] ^ t[1];
		w[4 * i + 2] = w[4 * (i - 4) + 2] ^ t[2];
		w[4 * i + 3] = w[4 * (i - 4) + 3] ^ t[3];
	}
}

/* State as 16 bytes, column-major: byte r + 4 * col, as the input order. */
static inline void ref_aes_round(uint8_t st[REF_AES_BLOCK],
				 const uint8_t rk[REF_AES_BLOCK], int mix)
{
	const uint8_t *s = ref_aes_sbox();
	uint8_t t[REF_AES_BLOCK];
	unsigned int r, col;

	/* SubBytes and ShiftRows: row r moves left by r columns */
	for (col = 0; col < 4; col++)
		for (r = 0; r < 4; r++)
			t[r + 4 * col] = s[st[r + 4 * ((col + r) % 4)]];
	/* MixColumns (not in the last round) */
	for (col = 0; mix && col < 4; col++) {
		uint8_t *c = &t[4 * col];
		uint8_t a0 = c[0], a1 = c[1], a2 = c[2], a3 = c[3];

		c[0] = (uint8_t)(ref_gf_mul(a0, 2) ^ ref_gf_mul(a1, 3) ^ a2 ^ a3);
		c[1] = (uint8_t)(a0 ^ ref_gf_mul(a1, 2) ^ ref_gf_mul(a2, 3) ^ a3);
		c[2] = (uint8_t)(a0 ^ a1 ^ ref_gf_mul(a2, 2) ^ ref_gf_mul(a3, 3));
		c[3] = (uint8_t)(ref_gf_mul(a0, 3) ^ a1 ^ a2 ^ ref_gf_mul(a3, 2));
	}
	/* AddRoundKey */
	for (r = 0; r < REF_AES_BLOCK; r++)
		st[r] = t[r] ^ rk[r];
}

static inline void ref_aes128_encrypt_block(const struct ref_aes128 *c,
					    const uint8_t in[REF_AES_BLOCK],
					    uint8_t out[REF_AES_BLOCK])
{
	uint8_t st[REF_AES_BLOCK];
	unsigned int i;

	for (i = 0; i < REF_AES_BLOCK; i++)
		st[i] = in[i] ^ c->rk[0][i];
	for (i = 1; i < 10; i++)
		ref_aes_round(st, c->rk[i], 1);
	ref_aes_round(st, c->rk[10], 0);
	memcpy(out, st, REF_AES_BLOCK);
}

/* Add one to a big-endian 128-bit counter block, wrapping at 2^128. */
static inline void ref_ctr128_inc(uint8_t ctr[REF_AES_BLOCK])
{
	int i;

	for (i = REF_AES_BLOCK - 1; i >= 0; i--)
		if (++ctr[i])
			break;
}

/*
 * AES-128-CTR over @len bytes (encryption and decryption are the same):
 * block k is XORed with E(@iv + k). @in and @out may be the same buffer.
 */
static inline void ref_aes128_ctr(const uint8_t key[REF_AES128_KEY],
				  const uint8_t iv[REF_AES_BLOCK],
				  const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t ctr[REF_AES_BLOCK], ks[REF_AES_BLOCK];
	struct ref_aes128 c;
	size_t done, n, i;

	ref_aes128_init(&c, key);
	memcpy(ctr, iv, sizeof(ctr));
	for (done = 0; done < len; done += n) {
		n = len - done < REF_AES_BLOCK ? len - done : REF_AES_BLOCK;
		ref_aes128_encrypt_block(&c, ctr, ks);
		for (i = 0; i < n; i++)
			out[done + i] = in[done + i] ^ ks[i];
		ref_ctr128_inc(ctr);
	}
}

/* ---- SHA-256 ------------------------------------------------------------- */

/*
 * 128-bit unsigned integers from two 64-bit halves: i386 has no __int128,
 * and the 32-bit builds of the tests share this file.
 */
struct ref_u128 {
	uint64_t hi, lo;
};

/* @a * @b, the full 128-bit product */
static inline struct ref_u128 ref_mul64(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	struct ref_u128 r;

	r.lo = (mid << 32) | (uint32_t)p00;
	r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	return r;
}

/* @a * @b modulo 2^128 */
static inline struct ref_u128 ref_mul128(struct ref_u128 a, uint64_t b)
{
	struct ref_u128 r = ref_mul64(a.lo, b);

	r.hi += a.hi * b;
	return r;
}

static inline int ref_le128(struct ref_u128 a, struct ref_u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

/* floor(cbrt(v)) (k = 3) / floor(sqrt(v)) (k = 2) of v = p * 2^shift */
static inline uint64_t ref_iroot(uint64_t p, unsigned int shift,
				 unsigned int k)
{
	uint64_t lo = 0, hi = (uint64_t)1 << (k == 2 ? 63 : 43), mid;
	struct ref_u128 v, sq;

	v.hi = shift >= 64 ? p << (shift - 64) : p >> (64 - shift);
	v.lo = shift >= 64 ? 0 : p << shift;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		sq = ref_mul64(mid, mid);
		if (k == 3) {
			/* mid^2 >= 2^85: mid^3 > 2^127, more than any v here */
			if (sq.hi >> 21) {
				hi = mid - 1;
				continue;
			}
			sq = ref_mul128(sq, mid);
		}
		if (ref_le128(sq, v))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * SHA-256's constants: the first 32 fractional bits of the square roots of
 * the first 8 primes (initial hash) and of the cube roots of the first 64
 * primes (round constants), i.e. the low 32 bits of floor(root(p * 2^64))
 * and floor(root(p * 2^96)).
 */
static inline const uint32_t *ref_sha256_consts(void)
{
	static uint32_t c[8 + 64];	/* H0[8], then K[64] */
	static int ready;
	unsigned int p, d, n = 0;
	int prime;

	if (ready)
		return c;
	for (p = 2; n < 64; p++) {
		prime = 1;
		for (d = 2; d * d <= p; d++)
			if (p % d == 0)
				prime = 0;
		if (!prime)
			continue;
		if (n < 8)
			c[n] = (uint32_t)ref_iroot(p, 64, 2);
		c[8 + n] = (uint32_t)ref_iroot(p, 96, 3);
		n++;
	}
	ready = 1;
	return c;
}

struct ref_sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	size_t fill;		/* bytes in @buf */
	uint64_t bytes;		/* message length so far */
};

static inline uint32_t ref_rotr32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void ref_sha256_block(struct ref_sha256 *s, const uint8_t *blk)
{
	const uint32_t *k = ref_sha256_consts() + 8;
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ref_rotr32(w[i - 15], 7) ^
			      ref_rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ref_rotr32(w[i - 2], 17) ^
			      ref_rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ref_rotr32(e, 6) ^ ref_rotr32(e, 11) ^
			  ref_rotr32(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (ref_rotr32(a, 2) ^ ref_rotr32(a, 13) ^ ref_rotr32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static inline void ref_sha256_init(struct ref_sha256 *s)
{
	memcpy(s->h, ref_sha256_consts(), sizeof(s->h));
	s->fill = 0;
	s->bytes = 0;
}

static inline void ref_sha256_update(struct ref_sha256 *s, const void *data,
				     size_t len)
{
	const uint8_t *p = data;
	size_t n;

	s->bytes += len;
	while (len) {
		n = sizeof(s->buf) - s->fill;
		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == sizeof(s->buf)) {
			ref_sha256_block(s, s->buf);
			s->fill = 0;
		}
	}
}

static inline void ref_sha256_final(struct ref_sha256 *s,
				    uint8_t out[REF_SHA256_DIGEST])
{
	uint64_t bits = s->bytes * 8;
	unsigned int i;

	/* 0x80, zeros up to 56 mod 64, then the length in bits, big endian */
	s->buf[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->buf + s->fill, 0, sizeof(s->buf) - s->fill);
		ref_sha256_block(s, s->buf);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, 56 - s->fill);
	for (i = 0; i < 8; i++)
		s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	ref_sha256_block(s, s->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	memset(s, 0, sizeof(*s));
}

static inline void ref_sha256(const void *data, size_t len,
			      uint8_t out[REF_SHA256_DIGEST])
{
	struct ref_sha256 s;

	ref_sha256_init(&s);
	ref_sha256_update(&s, data, len);
	ref_sha256_final(&s, out);
}

/* ---- helpers ------------------------------------------------------------- */

/* Parse @n bytes of hex from @hex (no separators); 0, or -1 if malformed. */
static inline int ref_unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hex[2 * i];
		lo = hi ? hex[2 * i + 1] : 0;
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		     hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		     lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * n] ? -1 : 0;
}

/* Hex of @n bytes into @out (2n + 1 bytes). */
static inline char *ref_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

#endif /* PROTMEM_REF_CRYPTO_H */
