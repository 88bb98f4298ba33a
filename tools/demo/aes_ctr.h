/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aes_ctr.h - AES-128-CTR (FIPS 197, NIST SP 800-38A) for the demo's two
 * normal-world parties: the content server that encrypts, and the
 * unprotected player on the system heap that decrypts with the CPU. The
 * S-box is computed, not tabled; speed does not matter here, but both
 * directions use the same code, so it is not an unfair comparison.
 */
#ifndef DEMO_AES_CTR_H
#define DEMO_AES_CTR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct aes128 {
	uint8_t sbox[256];
	uint8_t rk[11][16];	/* round keys */
};

static inline uint8_t aes_rotl8(uint8_t x, int s)
{
	return (uint8_t)((x << s) | (x >> (8 - s)));
}

static inline uint8_t aes_xtime(uint8_t x)
{
	return (uint8_t)((x << 1) ^ ((x >> 7) * 0x1b));
}

/* The S-box from the multiplicative inverse in GF(2^8) and the affine map */
static inline void aes_make_sbox(uint8_t sbox[256])
{
	uint8_t p = 1, q = 1;

	do {
		p = (uint8_t)(p ^ (p << 1) ^ ((p & 0x80) ? 0x1b : 0));
		q ^= (uint8_t)(q << 1);
		q ^= (uint8_t)(q << 2);
		q ^= (uint8_t)(q << 4);
		if (q & 0x80)
			q ^= 0x09;
		sbox[p] = (uint8_t)(q ^ aes_rotl8(q, 1) ^ aes_rotl8(q, 2) ^
				    aes_rotl8(q, 3) ^ aes_rotl8(q, 4) ^ 0x63);
	} while (p != 1);
	sbox[0] = 0x63;
}

static inline void aes128_init(struct aes128 *a, const uint8_t key[16])
{
	uint8_t rcon = 1, *prev, *rk;
	int r, i;

	aes_make_sbox(a->sbox);
	memcpy(a->rk[0], key, 16);
	for (r = 1; r <= 10; r++) {
		prev = a->rk[r - 1];
		rk = a->rk[r];
		rk[0] = prev[0] ^ a->sbox[prev[13]] ^ rcon;
		rk[1] = prev[1] ^ a->sbox[prev[14]];
		rk[2] = prev[2] ^ a->sbox[prev[15]];
		rk[3] = prev[3] ^ a->sbox[prev[12]];
		for (i = 4; i < 16; i++)
			rk[i] = prev[i] ^ rk[i - 4];
		rcon = aes_xtime(rcon);
	}
}

static inline void aes128_encrypt(const struct aes128 *a, const uint8_t in[16],
				  uint8_t out[16])
{
	uint8_t s[16], t[16];
	int r, c, i;

	for (i = 0; i < 16; i++)
		s[i] = in[i] ^ a->rk[0][i];
	for (r = 1; r <= 10; r++) {
		/* SubBytes and ShiftRows: row i of column c from column c + i */
		for (c = 0; c < 4; c++)
			for (i = 0; i < 4; i++)
				t[4 * c + i] = a->sbox[s[(4 * (c + i) + i) % 16]];
		/* MixColumns, but not in the last round */
		for (c = 0; c < 4 && r < 10; c++) {
			uint8_t *x = &t[4 * c];
			uint8_t all = x[0] ^ x[1] ^ x[2] ^ x[3], x0 = x[0];

			x[0] ^= all ^ aes_xtime(x[0] ^ x[1]);
			x[1] ^= all ^ aes_xtime(x[1] ^ x[2]);
			x[2] ^= all ^ aes_xtime(x[2] ^ x[3]);
			x[3] ^= all ^ aes_xtime(x[3] ^ x0);
		}
		for (i = 0; i < 16; i++)
			s[i] = t[i] ^ a->rk[r][i];
	}
	memcpy(out, s, 16);
}

/* CTR: @ctr is the initial counter block, a 128-bit big-endian number */
static inline void aes128_ctr(const struct aes128 *a, const uint8_t iv[16],
			      const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t ctr[16], ks[16];
	size_t off, i;
	int b;

	memcpy(ctr, iv, 16);
	for (off = 0; off < len; off += 16) {
		aes128_encrypt(a, ctr, ks);
		for (i = 0; i < 16 && off + i < len; i++)
			out[off + i] = in[off + i] ^ ks[i];
		for (b = 15; b >= 0 && !++ctr[b]; b--)
			;
	}
}

#endif /* DEMO_AES_CTR_H */
