// SPDX-License-Identifier: GPL-2.0
/*
 * ref_crypto - the tests' reference AES-128, AES-128-CTR and SHA-256
 * (tests/lib/ref_crypto.h) against published known answers:
 *  - FIPS-197 appendix C.1 (AES-128 block encryption);
 *  - NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt, four blocks);
 *  - FIPS 180-4 / NIST examples for SHA-256: "abc", the empty string, the
 *    448-bit "abcdbcde...nopq" message and one million 'a'.
 * Plus the properties the guest tests rely on: the counter is one 128-bit
 * big-endian integer (carries across all 16 bytes, wraps at 2^128), CTR
 * handles a partial last block and is its own inverse, and SHA-256 gives
 * the same digest however the input is split.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ref_crypto.h"
#include "tap.h"

static int eq_hex(const uint8_t *got, size_t n, const char *want_hex)
{
	uint8_t want[64];
	char hex[2 * 64 + 1];

	if (n > sizeof(want) || ref_unhex(want_hex, want, n)) {
		tap_diag("bad test vector %s", want_hex);
		return 0;
	}
	if (memcmp(got, want, n)) {
		tap_diag("got  %s", ref_hex(got, n, hex));
		tap_diag("want %s", want_hex);
		return 0;
	}
	return 1;
}

static void test_aes_block(struct tap *t)
{
	uint8_t key[16], pt[16], ct[16];
	struct ref_aes128 c;

	ref_unhex("000102030405060708090a0b0c0d0e0f", key, 16);
	ref_unhex("00112233445566778899aabbccddeeff", pt, 16);
	ref_aes128_init(&c, key);
	ref_aes128_encrypt_block(&c, pt, ct);
	tap_ok(t, eq_hex(ct, 16, "69c4e0d86a7b0430d8cdb78070b4c55a"),
	       "AES-128 encrypts the FIPS-197 C.1 block");
	/* The last round key of FIPS-197 A.1 (key 2b7e...3c) */
	ref_unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	ref_aes128_init(&c, key);
	tap_ok(t, eq_hex(c.rk[10], 16, "d014f9a8c9ee2589e13f0cc8b6630ca6"),
	       "AES-128 key expansion gives the FIPS-197 A.1 last round key");
}

static void test_aes_ctr(struct tap *t)
{
	static const char *const pt_hex =
		"6bc1bee22e409f96e93d7e117393172a"
		"ae2d8a571e03ac9c9eb76fac45af8e51"
		"30c81c46a35ce411e5fbc1191a0a52ef"
		"f69f2445df4f9b17ad2b417be66c3710";
	static const char *const ct_hex =
		"874d6191b620e3261bef6864990db6ce"
		"9806f66b7970fdff8617187bb9fffdff"
		"5ae4df3edbd5d35e5b4f09020db03eab"
		"1e031dda2fbe03d1792170a0f3009cee";
	uint8_t key[16], iv[16], pt[64], ct[64], back[64], part[64];

	ref_unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	ref_unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	ref_unhex(pt_hex, pt, 64);
	ref_aes128_ctr(key, iv, pt, ct, sizeof(pt));
	tap_ok(t, eq_hex(ct, 64, ct_hex),
	       "AES-128-CTR encrypts SP 800-38A F.5.1 (four blocks)");
	ref_aes128_ctr(key, iv, ct, back, sizeof(ct));
	tap_ok(t, !memcmp(back, pt, sizeof(pt)),
	       "AES-128-CTR decryption is the same operation (F.5.2)");
	/* 37 bytes: two whole blocks and a partial one */
	ref_aes128_ctr(key, iv, pt, part, 37);
	tap_ok(t, !memcmp(part, ct, 37),
	       "AES-128-CTR of a partial last block is a prefix of the full output");
	/* In place */
	memcpy(part, pt, sizeof(pt));
	ref_aes128_ctr(key, iv, part, part, sizeof(part));
	tap_ok(t, !memcmp(part, ct, sizeof(ct)), "AES-128-CTR works in place");
}

static void test_ctr_counter(struct tap *t)
{
	uint8_t c[16], want[16], key[16] = { 0 }, iv[16], ks[16];
	uint8_t zero[48] = { 0 }, out[48];
	struct ref_aes128 aes;

	ref_unhex("000000000000000000000000000000ff", c, 16);
	ref_ctr128_inc(c);
	ref_unhex("00000000000000000000000000000100", want, 16);
	tap_ok(t, !memcmp(c, want, 16), "counter carries into the next byte");

	ref_unhex("0000000000000000ffffffffffffffff", c, 16);
	ref_ctr128_inc(c);
	ref_unhex("00000000000000010000000000000000", want, 16);
	tap_ok(t, !memcmp(c, want, 16),
	       "counter carries across the 64-bit halves (128-bit counter)");

	memset(c, 0xff, 16);
	ref_ctr128_inc(c);
	memset(want, 0, 16);
	tap_ok(t, !memcmp(c, want, 16), "counter wraps at 2^128 to zero");

	/* The keystream's third block uses iv + 2, across the 64-bit carry */
	ref_unhex("0000000000000000fffffffffffffffe", iv, 16);
	ref_aes128_ctr(key, iv, zero, out, sizeof(zero));
	ref_aes128_init(&aes, key);
	ref_unhex("00000000000000010000000000000000", c, 16);
	ref_aes128_encrypt_block(&aes, c, ks);
	tap_ok(t, !memcmp(out + 32, ks, 16),
	       "CTR keystream block 2 of iv ..fffe is E(iv + 2) with the carry");
}

static void test_sha256(struct tap *t)
{
	/* "abcd" "bcde" ... "nopq": 14 overlapping runs of 4 letters */
	const char m448[] = "abcdbcdecdefdefgefghfghighijhijk"
			    "ijkljklmklmnlmnomnopnopq";
	uint8_t d[32], d2[32];
	struct ref_sha256 s;
	unsigned char *million;
	size_t i, len = strlen(m448);

	ref_sha256("abc", 3, d);
	tap_ok(t, eq_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223"
				"b00361a396177a9cb410ff61f20015ad"),
	       "SHA-256(\"abc\") matches FIPS 180-4");
	ref_sha256("", 0, d);
	tap_ok(t, eq_hex(d, 32, "e3b0c44298fc1c149afbf4c8996fb924"
				"27ae41e4649b934ca495991b7852b855"),
	       "SHA-256 of the empty string matches");
	ref_sha256(m448, len, d);
	tap_ok(t, len * 8 == 448, "the 448-bit message is 448 bits long");
	tap_ok(t, eq_hex(d, 32, "248d6a61d20638b8e5c026930c3e6039"
				"a33ce45964ff2167f6ecedd419db06c1"),
	       "SHA-256 of the 448-bit message matches FIPS 180-4");

	/* Byte-at-a-time and odd splits give the same digest */
	ref_sha256_init(&s);
	for (i = 0; i < len; i++)
		ref_sha256_update(&s, m448 + i, 1);
	ref_sha256_final(&s, d2);
	tap_ok(t, !memcmp(d, d2, 32), "SHA-256 fed byte by byte gives the same digest");
	ref_sha256_init(&s);
	ref_sha256_update(&s, m448, 55);
	ref_sha256_update(&s, m448 + 55, len - 55);
	ref_sha256_final(&s, d2);
	tap_ok(t, !memcmp(d, d2, 32), "SHA-256 fed in two odd pieces gives the same digest");

	million = malloc(1000000);
	if (!million) {
		tap_skip(t, "out of memory", "SHA-256 of one million 'a'");
		return;
	}
	memset(million, 'a', 1000000);
	ref_sha256(million, 1000000, d);
	free(million);
	tap_ok(t, eq_hex(d, 32, "cdc76e5c9914fb9281a1c7e284d73e67"
				"f1809a48a497200e046d39ccc7112cd0"),
	       "SHA-256 of one million 'a' matches");
}

int main(void)
{
	struct tap t;

	tap_init(&t);
	test_aes_block(&t);
	test_aes_ctr(&t);
	test_ctr_counter(&t);
	test_sha256(&t);
	return tap_done(&t);
}
