// SPDX-License-Identifier: GPL-2.0
/*
 * protmem-demo - the secure video path, end to end, in the guest.
 *
 *   content server   encrypts a bitstream (AES-128-CTR) of a test picture
 *   trusted app      decrypts it into protected memory (crypt TA, vtee)
 *   vdec             decodes the protected bitstream into a protected frame
 *   vdisp            scans the frame out; its CRC proves what is on screen
 *
 * and then shows what an attacker in the normal world gets: no CPU mapping,
 * no decoding into readable memory, no device outside the firewall rules.
 *
 * It borrows the test helpers (tests/lib) for the TEE calls until the
 * userspace library exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vmedia.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"
#include "protmem_test.h"
#include "ref_crypto.h"

#define KEY_ID		7

#define HEAP		"/dev/dma_heap/protected,secure-video"
#define WIDTH		640
#define HEIGHT		360
#define FRAME_SIZE	(WIDTH * HEIGHT * 3 / 2)	/* NV12 */

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

/* A test picture: luma bands, flat chroma (runs compress well) */
static void make_frame(uint8_t *f)
{
	size_t x, y;

	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++)
			f[y * WIDTH + x] = (uint8_t)(16 + (x / 80) * 28 + y / 90);
	memset(f + WIDTH * HEIGHT, 128, WIDTH * HEIGHT / 2);
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

static void step(const char *what, int ok, const char *detail)
{
	printf("  [%s] %s%s%s\n", ok ? " ok " : "FAIL", what,
	       detail ? ": " : "", detail ? detail : "");
}

int main(void)
{
	static uint8_t frame[FRAME_SIZE + 4096], bits[2 * FRAME_SIZE];
	static uint8_t enc[2 * FRAME_SIZE];
	uint8_t key[16], iv[16], uuid[TEE_IOCTL_UUID_LEN];
	struct tee_ioctl_param p[4];
	struct pm_prot pbits = { .dmabuf = -1, .shm = -1 };
	struct pm_prot pframe = { .dmabuf = -1, .shm = -1 };
	struct pm_shm skey = { .fd = -1 }, siv = { .fd = -1 }, sct = { .fd = -1 };
	struct vmedia_codec dec = { 0 };
	struct vmedia_scanout so = { 0 };
	struct pm_pool_stats st;
	struct pm_rng rng;
	struct pm_res r;
	char msg[160];
	int tee = -1, vdec = -1, vdisp = -1, plain = -1, failed = 0, ret;
	uint32_t session = 0, want_crc = 0;
	size_t nbits;

	printf("protmem secure video path demo (%dx%d NV12, %d bytes a frame)\n\n",
	       WIDTH, HEIGHT, FRAME_SIZE);

	/* The content server: picture -> bitstream -> ciphertext */
	make_frame(frame);
	nbits = rle_encode(frame, FRAME_SIZE, bits);
	pm_rng_init(&rng, 0x5eed);
	pm_rng_fill(&rng, key, sizeof(key));
	pm_rng_fill(&rng, iv, sizeof(iv));
	ref_aes128_ctr(key, iv, bits, enc, nbits);
	printf("content server: %zu-byte bitstream, AES-128-CTR encrypted\n",
	       nbits);

	printf("\nsecure path:\n");
	tee = pm_tee_open();
	vdec = open("/dev/vdec", O_RDWR | O_CLOEXEC);
	vdisp = open("/dev/vdisp", O_RDWR | O_CLOEXEC);
	if (tee < 0 || vdec < 0 || vdisp < 0) {
		step("open /dev/tee0, /dev/vdec, /dev/vdisp", 0, strerror(errno));
		return 1;
	}
	if (pm_prot_new(tee, HEAP, nbits, &pbits) ||
	    pm_prot_new(tee, HEAP, FRAME_SIZE, &pframe)) {
		step("allocate protected bitstream and frame", 0, strerror(errno));
		return 1;
	}
	step("protected bitstream and frame buffers from " HEAP, 1, NULL);
	/*
	 * Devices work on whole protected buffers (docs/threat-model.md):
	 * the decoder zero-fills the frame buffer past the picture, and the
	 * display's CRC covers the whole buffer.
	 */
	want_crc = crc32_le(frame, pframe.size);
	printf("  the display will show CRC %08x: the picture, zero-padded to the %" PRIu64 "-byte buffer\n",
	       want_crc, pframe.size);

	/* The trusted app: load the key, decrypt into protected memory */
	if (pm_shm_new(tee, sizeof(key), &skey) || pm_shm_new(tee, sizeof(iv), &siv) ||
	    pm_shm_new(tee, nbits, &sct)) {
		step("shared memory for key, IV and ciphertext", 0, strerror(errno));
		return 1;
	}
	memcpy(skey.p, key, sizeof(key));
	memcpy(siv.p, iv, sizeof(iv));
	memcpy(sct.p, enc, nbits);
	pm_uuid_parse(PM_CRYPT_TA_UUID, uuid);
	r = pm_open_public(tee, uuid, &session);
	p[0] = pm_p_value(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, KEY_ID, 0, 0);
	p[1] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, skey.id, 0, sizeof(key));
	if (pm_res_ok(&r))
		r = pm_invoke(tee, session, PM_CRYPT_LOAD_KEY, p, 2);
	memset(skey.p, 0, sizeof(key));	/* the key now lives in the TEE only */
	p[1] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, siv.id, 0, sizeof(iv));
	p[2] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, sct.id, 0, nbits);
	p[3] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, pbits.id, 0, pbits.size);
	if (pm_res_ok(&r))
		r = pm_invoke(tee, session, PM_CRYPT_DECRYPT, p, 4);
	snprintf(msg, sizeof(msg), "errno %d, result %#x origin %u", -r.err, r.ret, r.origin);
	step("trusted app decrypts the bitstream into protected memory", pm_res_ok(&r),
	     pm_res_ok(&r) ? NULL : msg);
	failed |= !pm_res_ok(&r);

	/* vdec, then vdisp: all by DMA through the secure world's firewall */
	dec.in_fd = pbits.dmabuf;
	dec.out_fd = pframe.dmabuf;
	dec.in_len = nbits;
	if (ioctl(vdec, VMEDIA_IOC_DECODE, &dec)) {
		step("vdec decodes protected bitstream -> protected frame", 0, strerror(errno));
		failed = 1;
	} else {
		/* Of a protected bitstream it tells the frame buffer's size only */
		snprintf(msg, sizeof(msg), "%" PRIu64 " bytes", (uint64_t)dec.out_len);
		step("vdec decodes protected bitstream -> protected frame",
		     dec.out_len == pframe.size, msg);
		failed |= dec.out_len != pframe.size;
	}
	so.in_fd = pframe.dmabuf;
	so.len = pframe.size;
	if (ioctl(vdisp, VMEDIA_IOC_SCANOUT, &so)) {
		step("vdisp scans the frame out", 0, strerror(errno));
		failed = 1;
	} else {
		snprintf(msg, sizeof(msg), "CRC %08x, expected %08x", so.crc, want_crc);
		step("vdisp shows the picture the server sent", so.crc == want_crc, msg);
		failed |= so.crc != want_crc;
	}

	printf("\nwhat the normal world gets:\n");
	ret = pm_try_mmap(pframe.dmabuf, FRAME_SIZE);
	step("CPU mapping of the decoded frame refused", ret == -EPERM,
	     ret ? strerror(-ret) : "mapped!");
	failed |= ret != -EPERM;

	/* 1 MiB: one contiguous chunk of the system heap, as vdec requires */
	plain = pm_heap_alloc_path(PM_SYS_HEAP, 1 << 20);
	dec.out_fd = plain;
	ret = ioctl(vdec, VMEDIA_IOC_DECODE, &dec) ? -errno : 0;
	step("vdec decoding protected content into readable memory refused",
	     ret == -EACCES, ret ? strerror(-ret) : "decoded!");
	failed |= ret != -EACCES;

	printf("\npool protected,secure-video:\n");
	if (!pm_pool_stats("secure-video", &st))
		printf("  size %" PRIu64 ", used %" PRIu64 ", live buffers %" PRIu64 "\n",
		       st.size, st.used, st.live_buffers);

	if (plain >= 0)
		close(plain);
	if (session)
		pm_close_session(tee, session);
	pm_shm_free(&skey);
	pm_shm_free(&siv);
	pm_shm_free(&sct);
	pm_prot_free(&pbits);
	pm_prot_free(&pframe);
	close(vdec);
	close(vdisp);
	close(tee);
	printf("\n%s\n", failed ? "demo FAILED" : "demo passed: the picture went through and stayed protected");
	return failed;
}
