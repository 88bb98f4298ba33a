/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - what the capacity traces of bench/protmem_bench.c are made of,
 * shared with their replay on the host (bench/sim/pmx_sim.c) so that both
 * draw the same numbers and make the same decisions for a seed: the sizes,
 * the random number generator and the churn's size mix.
 *
 * Header only; the generator's state is per program (one includer each).
 */
#ifndef PROTMEM_BENCH_TRACE_H
#define PROTMEM_BENCH_TRACE_H

#include <stdint.h>

#define KIB		((uint64_t)1024)
#define MIB		((uint64_t)1024 * 1024)
#define PAGE		((uint64_t)4096)
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))

#define NV12_1080P	((uint64_t)3110400)	/* 1920 x 1080 x 1.5 */
#define NV12_4K		((uint64_t)12441600)	/* 3840 x 2160 x 1.5 */

/* xorshift64*: small, fast and the same everywhere */
static uint64_t rng_state;

static inline void rng_seed(uint64_t seed)
{
	/* splitmix64 step so that small seeds give good states */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng_state = (z ^ (z >> 31)) | 1;
}

static inline uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* uniform in [lo, hi] */
static inline uint64_t rng_range(uint64_t lo, uint64_t hi)
{
	return lo + rng() % (hi - lo + 1);
}

/*
 * Trace (b)'s request size for the draw @x: 20 % 4 KiB, 20 % 64 KiB,
 * 15 % 1 MiB, 20 % 1-2 MiB, 15 % 1080p and 10 % 4K NV12 frames.
 */
static inline uint64_t churn_size(uint64_t x)
{
	switch (x % 20) {
	case 0: case 1: case 2: case 3:
		return 4 * KIB;
	case 4: case 5: case 6: case 7:
		return 64 * KIB;
	case 8: case 9: case 10:
		return MIB;
	case 11: case 12: case 13: case 14:
		return PAGE_UP(MIB + (x >> 8) % (MIB + 1));
	case 15: case 16: case 17:
		return NV12_1080P;
	default:
		return NV12_4K;
	}
}

#endif /* PROTMEM_BENCH_TRACE_H */
