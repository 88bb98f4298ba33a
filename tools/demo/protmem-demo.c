// SPDX-License-Identifier: GPL-2.0
/*
 * protmem-demo - the secure video path, end to end, on the libraries.
 *
 *   protmem-demo [-n FRAMES] [--v4l2]
 *
 *   content server   encrypts each frame's bitstream (AES-128-CTR)
 *   trusted app      decrypts it into protected memory (vtee's crypt TA,
 *                    called through libteec)
 *   decoder          decodes the protected bitstream into a protected frame
 *                    (vdec, or the V4L2 decoder with --v4l2; libprotmem)
 *   vdisp            scans the frame out; its CRC must be the CRC of the
 *                    clear frame the server started from, for every frame
 *
 * Then the same pipeline on the system heap, as a player without content
 * protection does it (the CPU decrypts into a buffer it can read), and the
 * two side by side: frames per second, and the latency of allocating each
 * frame's two buffers (bitstream and picture). Last, what an attacker in
 * the normal world gets: no CPU mapping, no decoding into readable memory.
 *
 * Uses libteec and libprotmem only. Exit status 0 if every frame arrived
 * intact and every attack was refused, 1 otherwise, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "aes_ctr.h"
#include "protmem.h"
#include "tee_client_api.h"
#include "tee_client_api_extensions.h"

/* vtee's content-decryption TA (docs/vtee.md) */
#define CRYPT_UUID \
	{ 0x3f4b7b55, 0xa65a, 0x465e, \
	  { 0xae, 0x68, 0x4a, 0xef, 0x21, 0xa9, 0x1a, 0x63 } }
#define CRYPT_LOAD_KEY	0
#define CRYPT_DECRYPT	1
#define KEY_ID		7

#define SYS_HEAP	"/dev/dma_heap/system"
/* 256x256 GREY: 64 KiB, one contiguous chunk of the system heap too */
#define WIDTH		256
#define HEIGHT		256
#define FRAME_SIZE	(WIDTH * HEIGHT)
#define BITS_SIZE	FRAME_SIZE	/* a buffer for any of our bitstreams */
#define FRAMES_DEFAULT	30
#define FRAMES_MAX	100000
#define V4L2_TIMEOUT_MS	5000

struct demo {
	int v4l2;
	int vdec, vdisp;
	struct protmem_v4l2 dec;
	TEEC_Context ctx;
	TEEC_Session sess;
	struct aes128 aes;
	uint8_t key[16];
	uint8_t frame[FRAME_SIZE];		/* the clear picture */
	uint8_t bits[2 * FRAME_SIZE];		/* its bitstream */
	uint8_t enc[2 * FRAME_SIZE];		/* encrypted */
	uint8_t iv[16];
	size_t nbits;
	uint32_t crc;				/* CRC of the clear picture */
};

/* One pipeline's run over all frames */
struct run {
	const char *name;
	unsigned int ok, frames;
	double total_ms;		/* the whole pipeline, all frames */
	double alloc_ms, alloc_min, alloc_max;
	int first_err;
	const char *first_what;
};

static uint32_t crc32_le(const uint8_t *p, size_t n)
{
	uint32_t crc = ~0u;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* vdec's bitstream: (count, byte) pairs; returns its length */
static size_t rle_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0, run;

	while (i < n) {
		for (run = 1; i + run < n && run < 255 && in[i + run] == in[i];)
			run++;
		out[o++] = (uint8_t)run;
		out[o++] = in[i];
		i += run;
	}
	return o;
}

/*
 * The content server: frame @n (bands that move with @n), its bitstream,
 * encrypted with a counter block of its own; the CRC the display must show.
 */
static void serve_frame(struct demo *d, unsigned int n)
{
	size_t x, y;

	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++)
			d->frame[y * WIDTH + x] =
				(uint8_t)(16 + ((x + 4 * n) % WIDTH / 32) * 28 + y / 64);
	d->nbits = rle_encode(d->frame, FRAME_SIZE, d->bits);
	memset(d->iv, 0, sizeof(d->iv));
	memcpy(d->iv, &n, sizeof(n));
	d->iv[8] = 0xc7;
	aes128_ctr(&d->aes, d->iv, d->bits, d->enc, d->nbits);
	d->crc = crc32_le(d->frame, FRAME_SIZE);
}

static void step(const char *what, int ok, const char *detail)
{
	printf("  [%s] %s%s%s\n", ok ? " ok " : "FAIL", what,
	       detail ? ": " : "", detail ? detail : "");
}

static void note_err(struct run *r, const char *what, int err)
{
	if (!r->first_err) {
		r->first_err = err;
		r->first_what = what;
	}
}

static void note_alloc(struct run *r, double ms)
{
	r->alloc_ms += ms;
	if (!r->frames || ms < r->alloc_min)
		r->alloc_min = ms;
	if (ms > r->alloc_max)
		r->alloc_max = ms;
}

/* Decode @bits (@len bytes) into @frame with the chosen decoder */
static int decode(struct demo *d, int bits, size_t len, int frame)
{
	uint64_t written;
	uint32_t used;

	if (d->v4l2)
		return protmem_v4l2_decode(&d->dec, bits, (uint32_t)len, frame,
					   V4L2_TIMEOUT_MS, &used);
	return protmem_decode(d->vdec, bits, len, frame, &written);
}

/* ---- the protected pipeline --------------------------------------------- */

static TEEC_Result ta_decrypt(struct demo *d, TEEC_SharedMemory *out,
			      uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
					 TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_WHOLE);
	op.params[0].value.a = KEY_ID;
	op.params[1].tmpref.buffer = d->iv;
	op.params[1].tmpref.size = sizeof(d->iv);
	op.params[2].tmpref.buffer = d->enc;
	op.params[2].tmpref.size = d->nbits;
	op.params[3].memref.parent = out;
	return TEEC_InvokeCommand(&d->sess, CRYPT_DECRYPT, &op, origin);
}

static void protected_frame(struct demo *d, struct run *r, unsigned int n)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_OUTPUT };
	int bits, frame, ret, registered = 0;
	TEEC_Result res;
	uint32_t origin, crc;
	double t0;

	serve_frame(d, n);
	t0 = now_ms();
	bits = protmem_alloc(PROTMEM_SECURE_VIDEO, BITS_SIZE);
	frame = protmem_alloc(PROTMEM_SECURE_VIDEO, FRAME_SIZE);
	if (bits >= 0 && frame >= 0) {
		res = TEEC_RegisterSharedMemoryFileDescriptor(&d->ctx, &shm, bits);
		registered = res == TEEC_SUCCESS;
	}
	note_alloc(r, now_ms() - t0);
	if (bits < 0 || frame < 0 || !registered) {
		note_err(r, "allocate and register protected buffers",
			 bits < 0 ? bits : frame < 0 ? frame : -EIO);
		goto out;
	}
	res = ta_decrypt(d, &shm, &origin);
	if (res != TEEC_SUCCESS) {
		note_err(r, "trusted app decrypts into protected memory", -EIO);
		goto out;
	}
	ret = decode(d, bits, d->nbits, frame);
	ret = ret ?: protmem_scanout(d->vdisp, frame, FRAME_SIZE, &crc);
	if (ret)
		note_err(r, "decode and scan out", ret);
	else if (crc == d->crc)
		r->ok++;
	else
		note_err(r, "the display's CRC is the clear frame's", -EBADMSG);
out:
	if (registered)
		TEEC_ReleaseSharedMemory(&shm);
	if (bits >= 0)
		close(bits);
	if (frame >= 0)
		close(frame);
	r->frames++;
}

/* ---- the same on the system heap ---------------------------------------- */

static int sys_alloc(size_t len)
{
	struct dma_heap_allocation_data a = {
		.len = len, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open(SYS_HEAP, O_RDONLY | O_CLOEXEC), ret;

	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) ? -errno : (int)a.fd;
	close(heap);
	return ret;
}

/* The CPU decrypts into the buffer: what protection takes off the CPU */
static int sys_decrypt(struct demo *d, int bits)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
	uint8_t *p;

	p = mmap(NULL, BITS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bits, 0);
	if (p == MAP_FAILED)
		return -errno;
	ioctl(bits, DMA_BUF_IOCTL_SYNC, &sync);
	aes128_ctr(&d->aes, d->iv, d->enc, p, d->nbits);
	memset(p + d->nbits, 0, BITS_SIZE - d->nbits);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	ioctl(bits, DMA_BUF_IOCTL_SYNC, &sync);
	munmap(p, BITS_SIZE);
	return 0;
}

static void system_frame(struct demo *d, struct run *r, unsigned int n)
{
	int bits, frame, ret;
	uint32_t crc;
	double t0;

	serve_frame(d, n);
	t0 = now_ms();
	bits = sys_alloc(BITS_SIZE);
	frame = sys_alloc(FRAME_SIZE);
	note_alloc(r, now_ms() - t0);
	if (bits < 0 || frame < 0) {
		note_err(r, "allocate system-heap buffers", bits < 0 ? bits : frame);
		goto out;
	}
	ret = sys_decrypt(d, bits);
	ret = ret ?: decode(d, bits, d->nbits, frame);
	ret = ret ?: protmem_scanout(d->vdisp, frame, FRAME_SIZE, &crc);
	if (ret)
		note_err(r, "decrypt, decode and scan out", ret);
	else if (crc == d->crc)
		r->ok++;
	else
		note_err(r, "the display's CRC is the clear frame's", -EBADMSG);
out:
	if (bits >= 0)
		close(bits);
	if (frame >= 0)
		close(frame);
	r->frames++;
}

static int play(struct demo *d, struct run *r, unsigned int frames,
		void (*one)(struct demo *, struct run *, unsigned int))
{
	char msg[160];
	unsigned int n;
	double t0 = now_ms();

	for (n = 0; n < frames; n++)
		one(d, r, n);
	r->total_ms = now_ms() - t0;
	if (r->first_err)
		snprintf(msg, sizeof(msg), "%u of %u frames intact; first failure: %s (%s)",
			 r->ok, frames, r->first_what, strerror(-r->first_err));
	else
		snprintf(msg, sizeof(msg), "%u of %u frames, every CRC the clear frame's",
			 r->ok, frames);
	step(r->name, r->ok == frames, msg);
	return r->ok == frames;
}

static void report(const struct run *r)
{
	printf("  %-24s %8.1f %12.3f %10.3f %10.3f\n", r->name,
	       r->total_ms > 0 ? r->frames * 1e3 / r->total_ms : 0.0,
	       r->frames ? r->alloc_ms / r->frames : 0.0, r->alloc_min,
	       r->alloc_max);
}

/* ---- setup and the attacker --------------------------------------------- */

static int setup(struct demo *d)
{
	TEEC_UUID uuid = CRYPT_UUID;
	TEEC_Operation op;
	TEEC_Result res;
	uint32_t origin;
	char msg[96];
	int ret;

	d->vdec = protmem_media_open("vdec");
	d->vdisp = protmem_media_open("vdisp");
	if (d->vdec < 0 || d->vdisp < 0) {
		step("open /dev/vdec and /dev/vdisp (modprobe vmedia)", 0,
		     strerror(-(d->vdec < 0 ? d->vdec : d->vdisp)));
		return 0;
	}
	if (d->v4l2) {
		ret = protmem_v4l2_open(&d->dec, WIDTH, HEIGHT);
		if (ret) {
			step("open the V4L2 decoder (modprobe vdec_m2m)", 0,
			     strerror(-ret));
			return 0;
		}
	}
	res = TEEC_InitializeContext(NULL, &d->ctx);
	if (res != TEEC_SUCCESS) {
		snprintf(msg, sizeof(msg), "TEEC result %#x", res);
		step("TEEC_InitializeContext", 0, msg);
		return 0;
	}
	res = TEEC_OpenSession(&d->ctx, &d->sess, &uuid, TEEC_LOGIN_PUBLIC,
			       NULL, NULL, &origin);
	if (res == TEEC_SUCCESS) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_MEMREF_TEMP_INPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = KEY_ID;
		op.params[1].tmpref.buffer = d->key;
		op.params[1].tmpref.size = sizeof(d->key);
		res = TEEC_InvokeCommand(&d->sess, CRYPT_LOAD_KEY, &op, &origin);
		if (res != TEEC_SUCCESS)
			TEEC_CloseSession(&d->sess);
	}
	snprintf(msg, sizeof(msg), "TEEC result %#x, origin %u", res, origin);
	step("session with the crypt TA, content key loaded", res == TEEC_SUCCESS,
	     res == TEEC_SUCCESS ? NULL : msg);
	if (res != TEEC_SUCCESS) {
		TEEC_FinalizeContext(&d->ctx);
		return 0;
	}
	return 1;
}

static int attacks(struct demo *d)
{
	int frame, plain, ret, ok = 1;
	void *p;

	printf("\nwhat the normal world gets:\n");
	frame = protmem_alloc(PROTMEM_SECURE_VIDEO, FRAME_SIZE);
	plain = sys_alloc(FRAME_SIZE);
	if (frame < 0 || plain < 0) {
		step("buffers for the attacks", 0,
		     strerror(-(frame < 0 ? frame : plain)));
		ok = 0;
		goto out;
	}
	p = mmap(NULL, FRAME_SIZE, PROT_READ, MAP_SHARED, frame, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED)
		munmap(p, FRAME_SIZE);
	step("CPU mapping of a protected frame refused", ret == -EPERM,
	     ret ? strerror(-ret) : "mapped!");
	ok &= ret == -EPERM;

	/* The last frame's bitstream, decrypted into protected memory again */
	{
		TEEC_SharedMemory shm = { .flags = TEEC_MEM_OUTPUT };
		uint32_t origin;
		int bits = protmem_alloc(PROTMEM_SECURE_VIDEO, BITS_SIZE);

		ret = -EIO;
		if (bits >= 0 &&
		    TEEC_RegisterSharedMemoryFileDescriptor(&d->ctx, &shm, bits) ==
		    TEEC_SUCCESS) {
			if (ta_decrypt(d, &shm, &origin) == TEEC_SUCCESS)
				ret = protmem_decode(d->vdec, bits, d->nbits,
						     plain, NULL);
			TEEC_ReleaseSharedMemory(&shm);
		}
		if (bits >= 0)
			close(bits);
	}
	step("decoding protected content into readable memory refused",
	     ret == -EACCES, ret ? strerror(-ret) : "decoded!");
	ok &= ret == -EACCES;
out:
	if (frame >= 0)
		close(frame);
	if (plain >= 0)
		close(plain);
	return ok;
}

static int parse_args(int argc, char **argv, struct demo *d,
		      unsigned int *frames)
{
	char *end;
	long v;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--v4l2")) {
			d->v4l2 = 1;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			errno = 0;
			v = strtol(argv[++i], &end, 10);
			if (errno || *end || v < 1 || v > FRAMES_MAX)
				return 0;
			*frames = (unsigned int)v;
		} else {
			return 0;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	static struct demo d;
	struct run prot = { .name = "protected (secure-video)" };
	struct run sys = { .name = "system heap, CPU decrypt" };
	struct protmem_pool_stats st;
	unsigned int frames = FRAMES_DEFAULT, i;
	int ok;

	d.vdec = d.vdisp = d.dec.fd = -1;
	if (!parse_args(argc, argv, &d, &frames)) {
		fprintf(stderr, "usage: protmem-demo [-n FRAMES (1..%d, default %d)] [--v4l2]\n",
			FRAMES_MAX, FRAMES_DEFAULT);
		return 2;
	}
	printf("protmem secure video path demo: %u frames of %dx%d GREY (%d bytes), decoder %s\n\n",
	       frames, WIDTH, HEIGHT, FRAME_SIZE,
	       d.v4l2 ? "V4L2 (vdec-m2m)" : "vdec");
	/* The content key: the server's and the TA's (and the unprotected player's) */
	for (i = 0; i < sizeof(d.key); i++)
		d.key[i] = (uint8_t)(0x5e + 37 * i);
	aes128_init(&d.aes, d.key);

	printf("setup:\n");
	if (!setup(&d))
		return 1;

	printf("\nplaying: decrypt -> decode -> scan out, each frame's CRC checked:\n");
	ok = play(&d, &prot, frames, protected_frame);
	ok &= play(&d, &sys, frames, system_frame);

	printf("\n  %-24s %8s %12s %10s %10s\n", "pipeline", "frames/s",
	       "alloc ms avg", "min", "max");
	report(&prot);
	report(&sys);
	if (prot.total_ms > 0 && sys.total_ms > 0 && sys.alloc_ms > 0)
		printf("  protection costs %.2fx the time per frame, %.2fx the allocation latency\n"
		       "  (protected: two buffers from the pool plus registering the bitstream with the TEE)\n",
		       prot.total_ms / sys.total_ms, prot.alloc_ms / sys.alloc_ms);

	ok &= attacks(&d);

	printf("\npool secure-video after the run:\n");
	if (!protmem_pool_stats(PROTMEM_SECURE_VIDEO, &st))
		printf("  size %" PRIu64 ", used %" PRIu64 ", live buffers %" PRIu64
		       ", allocations %" PRIu64 "\n", st.size, st.used,
		       st.live_buffers, st.allocations);
	else
		printf("  (figures are root's)\n");

	TEEC_CloseSession(&d.sess);
	TEEC_FinalizeContext(&d.ctx);
	if (d.v4l2)
		protmem_v4l2_close(&d.dec);
	close(d.vdec);
	close(d.vdisp);
	printf("\n%s\n", ok ? "demo passed: every frame went through and stayed protected" :
	       "demo FAILED");
	return ok ? 0 : 1;
}
