// SPDX-License-Identifier: GPL-2.0
/*
 * dma_ops - the vtee media devices' computations (the kernel's
 * drivers/tee/vtee/secure/dma_ops.c, built on the host) against the
 * reference the guest tests use (tests/lib/vmedia_ref.h): if the two
 * disagree, tests/guest/vmedia.c would test the wrong thing.
 *  - random frames: kernel and reference encodings are identical, decode
 *    gives the frame back, the CRC and the test pattern agree;
 *  - random bytes as bitstreams: decode never writes beyond the lengths
 *    given, and agrees with the reference on malformed input.
 *
 * PROTMEM_SEED=<n> replays a run (the seed is printed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"

#include "../../kernel/tree/drivers/tee/vtee/secure/dma_ops.c"

#include "vmedia_ref.h"

#define ROUNDS		2000
#define MAX_LEN		3000
#define GUARD		64

static uint64_t rng_s;

static uint64_t rnd(void)
{
	rng_s ^= rng_s >> 12;
	rng_s ^= rng_s << 25;
	rng_s ^= rng_s >> 27;
	return rng_s * 0x2545f4914f6cdd1dULL;
}

/* A frame with runs of random length, so encoding is not trivial */
static size_t random_frame(uint8_t *f)
{
	size_t len = rnd() % MAX_LEN, i = 0, run;
	uint8_t b;

	while (i < len) {
		run = rnd() % 4 ? 1 + rnd() % 8 : 1 + rnd() % 600;
		b = (uint8_t)rnd();
		while (run-- && i < len)
			f[i++] = b;
	}
	return len;
}

int main(void)
{
	static uint8_t frame[MAX_LEN], ref[2 * MAX_LEN], kbs[2 * MAX_LEN + GUARD];
	static uint8_t back[MAX_LEN + GUARD], refback[MAX_LEN];
	const char *env = getenv("PROTMEM_SEED");
	unsigned int i, bad_enc = 0, bad_dec = 0, bad_crc = 0, bad_pat = 0;
	unsigned int bad_fuzz = 0, bad_guard = 0, g;
	struct tap t;

	rng_s = env && *env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	if (!rng_s)
		rng_s = 1;
	tap_init(&t);
	tap_diag("seed %llu", (unsigned long long)rng_s);

	for (i = 0; i < ROUNDS; i++) {
		size_t len = random_frame(frame), rlen, klen = 0, dlen = 0;
		uint64_t seed = rnd();
		int ret;

		rlen = vm_rle_encode(frame, len, ref);
		memset(kbs, 0xee, sizeof(kbs));
		ret = vtee_dma_encode(frame, len, kbs, 2 * MAX_LEN, &klen);
		if (ret || klen != rlen || memcmp(kbs, ref, rlen))
			bad_enc++;
		for (g = 0; g < GUARD; g++)
			bad_guard += kbs[2 * MAX_LEN + g] != 0xee;

		memset(back, 0xee, sizeof(back));
		ret = vtee_dma_decode(kbs, klen, back, MAX_LEN, &dlen);
		if (ret || dlen != len || memcmp(back, frame, len))
			bad_dec++;
		for (g = 0; g < GUARD; g++)
			bad_guard += back[MAX_LEN + g] != 0xee;

		if (vtee_dma_crc32(frame, len) != vm_crc32(frame, len))
			bad_crc++;

		vtee_dma_pattern(back, len, 0, (u32)seed);
		vm_pattern(refback, len, (uint32_t)seed);
		if (memcmp(back, refback, len))
			bad_pat++;

		/* random bytes as a bitstream, into a random-size buffer */
		{
			size_t bl = rnd() % 64, cap = rnd() % 2000, n = 0;
			int64_t want;

			for (g = 0; g < bl; g++)
				kbs[g] = (uint8_t)rnd();
			memset(back, 0xee, sizeof(back));
			ret = vtee_dma_decode(kbs, bl, back, cap, &n);
			want = vm_rle_decode(kbs, bl, refback, cap);
			if ((want < 0) != (ret != 0) ||
			    (!ret && (int64_t)n != want) ||
			    (!ret && memcmp(back, refback, n)))
				bad_fuzz++;
			if (ret)
				for (g = 0; g < cap && g < MAX_LEN; g++)
					bad_guard += back[g] != 0xee;
			for (g = cap; g < MAX_LEN + GUARD; g++)
				bad_guard += back[g] != 0xee;
		}
	}
	tap_ok(&t, !bad_enc, "kernel encoding equals the reference encoding (%u of %d differ)",
	       bad_enc, ROUNDS);
	tap_ok(&t, !bad_dec, "decode(encode(frame)) is the frame (%u of %d differ)",
	       bad_dec, ROUNDS);
	tap_ok(&t, !bad_crc, "kernel CRC equals zlib-style reference CRC (%u differ)",
	       bad_crc);
	tap_ok(&t, !bad_pat, "kernel test pattern equals the reference (%u differ)",
	       bad_pat);
	tap_ok(&t, !bad_fuzz, "random bitstreams: kernel and reference agree on malformed, too long and good input (%u differ)",
	       bad_fuzz);
	tap_ok(&t, !bad_guard, "nothing is written beyond the given lengths, nor anything on failure (%u bytes)",
	       bad_guard);
	tap_ok(&t, vtee_dma_crc32((const u8 *)"123456789", 9) == 0xcbf43926u,
	       "CRC of \"123456789\" is 0xcbf43926 (zlib's check value)");
	return tap_done(&t);
}
