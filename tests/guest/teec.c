// SPDX-License-Identifier: GPL-2.0
/*
 * teec - the GlobalPlatform TEE Client API (lib/teec, linked statically)
 * against vtee's TAs: every parameter kind, every error the library
 * answers itself (origin TEEC_ORIGIN_API, before any ioctl) and the ones
 * it passes on from the TEE, logins, cancellation, a session per thread
 * on one context, and a protected DMA-buf handed to the crypt TA with
 * TEEC_RegisterSharedMemoryFileDescriptor (decrypt, then digest).
 *
 * The crypt TA (kernel/tree/drivers/tee/vtee/secure/ta_crypt.c) works on
 * whole protected buffers only: DECRYPT's output memref is the whole
 * buffer and comes back as plaintext then zeros, DIGEST hashes a whole
 * buffer. The SDP test TA (INJECT/TRANSFORM/DUMP, and the same forwarded
 * to another SDP TA and to the invoke-tests pseudo-TA, as xtest
 * --sdp-basic calls them) is there only when vtee was loaded with
 * testing=1 (the debug kernel); its part skips otherwise.
 *
 * PROTMEM_SEED=<n> replays a run (the seed is printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tee_client_api.h>
#include <tee_client_api_extensions.h>

#include "protmem_test.h"
#include "ref_crypto.h"
#include "tap.h"

#define HEAP_SV		"/dev/dma_heap/protected,secure-video"
#define PROT_SIZE	(64 * 1024)
#define CT_LEN		(2 * 4096 + 21)	/* pages and a partial AES block */
#define NTHREADS	4
#define THREAD_ROUNDS	8
#define BIG_PROT_SIZE	(4 * 1024 * 1024)

static const TEEC_UUID crypt_uuid = {
	0x3f4b7b55, 0xa65a, 0x465e,
	{ 0xae, 0x68, 0x4a, 0xef, 0x21, 0xa9, 0x1a, 0x63 }
};

static const TEEC_UUID sdp_uuid = {
	0x12345678, 0x5b69, 0x11e4,
	{ 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 }
};

/* One digit off the SDP TA's */
static const TEEC_UUID unknown_uuid = {
	0x12345678, 0x5b69, 0x11e4,
	{ 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x9a }
};

/* In .rodata: the kernel cannot pin it for writing, so it is bounced */
static const uint8_t ro_key[REF_AES128_KEY] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c
};

/* Did the call end with @ret from @origin? Says what it got if not. */
static int expect(struct tap *t, TEEC_Result res, uint32_t origin,
		  TEEC_Result want, uint32_t want_origin, const char *what)
{
	int ok = res == want && origin == want_origin;

	tap_ok(t, ok, "%s", what);
	if (!ok)
		tap_diag("got %#x origin %u, want %#x origin %u", res, origin,
			 want, want_origin);
	return ok;
}

/* A protected secure-video buffer registered by descriptor */
struct prot {
	int dmabuf;
	TEEC_SharedMemory shm;
};

static TEEC_Result prot_new(TEEC_Context *ctx, size_t size, uint32_t flags,
			    struct prot *p)
{
	TEEC_Result res;

	memset(&p->shm, 0, sizeof(p->shm));
	p->dmabuf = pm_heap_alloc_path(HEAP_SV, size);
	if (p->dmabuf < 0)
		return TEEC_ERROR_OUT_OF_MEMORY;
	p->shm.flags = flags;
	res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &p->shm, p->dmabuf);
	if (res != TEEC_SUCCESS) {
		close(p->dmabuf);
		p->dmabuf = -1;
	}
	return res;
}

static void prot_free(struct prot *p)
{
	TEEC_ReleaseSharedMemory(&p->shm);
	if (p->dmabuf >= 0)
		close(p->dmabuf);
	p->dmabuf = -1;
}

/* LOAD_KEY @id from a temporary memref */
static TEEC_Result load_key(TEEC_Session *s, uint32_t id, const uint8_t *key,
			    size_t len, uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = id;
	op.params[1].tmpref.buffer = (void *)key;
	op.params[1].tmpref.size = len;
	return TEEC_InvokeCommand(s, PM_CRYPT_LOAD_KEY, &op, origin);
}

static TEEC_Result clear_key(TEEC_Session *s, uint32_t id, uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = id;
	return TEEC_InvokeCommand(s, PM_CRYPT_CLEAR_KEY, &op, origin);
}

/*
 * DECRYPT @len bytes of @ct (temporary memref) with key @id and counter
 * @iv into the whole of @out (a partial output memref over all of it);
 * *@out_size the size the TA answered.
 */
static TEEC_Result decrypt(TEEC_Session *s, uint32_t id, const uint8_t *iv,
			   const void *ct, size_t len, TEEC_SharedMemory *out,
			   size_t *out_size, uint32_t *origin)
{
	TEEC_Operation op;
	TEEC_Result res;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
					 TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT);
	op.params[0].value.a = id;
	op.params[1].tmpref.buffer = (void *)iv;
	op.params[1].tmpref.size = REF_AES_BLOCK;
	op.params[2].tmpref.buffer = (void *)ct;
	op.params[2].tmpref.size = len;
	op.params[3].memref.parent = out;
	op.params[3].memref.offset = 0;
	op.params[3].memref.size = out->size;
	res = TEEC_InvokeCommand(s, PM_CRYPT_DECRYPT, &op, origin);
	if (out_size)
		*out_size = op.params[3].memref.size;
	return res;
}

/* DIGEST of the whole of @in (a partial input memref over all of it) */
static TEEC_Result digest(TEEC_Session *s, TEEC_SharedMemory *in, uint8_t *md,
			  size_t *md_size, uint32_t *origin)
{
	TEEC_Operation op;
	TEEC_Result res;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = in;
	op.params[0].memref.size = in->size;
	op.params[1].tmpref.buffer = md;
	op.params[1].tmpref.size = *md_size;
	res = TEEC_InvokeCommand(s, PM_CRYPT_DIGEST, &op, origin);
	*md_size = op.params[1].tmpref.size;
	return res;
}

/* Encrypt @pt (@len bytes) with the reference AES-128-CTR into @ct */
static void encrypt(const uint8_t *key, const uint8_t *iv, const uint8_t *pt,
		    uint8_t *ct, size_t len)
{
	ref_aes128_ctr(key, iv, pt, ct, len);
}

/* ---- contexts ------------------------------------------------------------ */

static void test_contexts(struct tap *t)
{
	TEEC_Context ctx;
	TEEC_Result res;

	tap_ok(t, TEEC_InitializeContext(NULL, NULL) == TEEC_ERROR_BAD_PARAMETERS,
	       "InitializeContext without a context: BAD_PARAMETERS");
	res = TEEC_InitializeContext("no-such-tee", &ctx);
	if (!tap_ok(t, res == TEEC_ERROR_ITEM_NOT_FOUND,
		    "InitializeContext(\"no-such-tee\"): ITEM_NOT_FOUND"))
		tap_diag("got %#x", res);
	res = TEEC_InitializeContext("optee-tz", &ctx);
	if (!tap_ok(t, res == TEEC_ERROR_ITEM_NOT_FOUND,
		    "InitializeContext(\"optee-tz\") finds no OP-TEE here: ITEM_NOT_FOUND"))
		tap_diag("got %#x", res);
	res = TEEC_InitializeContext("/dev/tee0", &ctx);
	if (tap_ok(t, res == TEEC_SUCCESS,
		   "InitializeContext(\"/dev/tee0\") opens that device"))
		TEEC_FinalizeContext(&ctx);
	res = TEEC_InitializeContext("vtee", &ctx);
	if (tap_ok(t, res == TEEC_SUCCESS,
		   "InitializeContext(\"vtee\") finds vtee by implementation id"))
		TEEC_FinalizeContext(&ctx);
	res = TEEC_InitializeContext(NULL, &ctx);
	if (tap_ok(t, res == TEEC_SUCCESS,
		   "InitializeContext(NULL) finds the default TEE")) {
		tap_ok(t, ctx.imp.reg_mem && ctx.imp.memref_null,
		       "... which registers user memory and takes NULL memrefs (vtee's capabilities)");
		TEEC_FinalizeContext(&ctx);
		TEEC_FinalizeContext(&ctx);
		tap_ok(t, ctx.imp.fd == -1,
		       "FinalizeContext twice: the second is a no-op");
	}
	TEEC_FinalizeContext(NULL);
	tap_ok(t, 1, "FinalizeContext(NULL) is a no-op");
}

/* ---- sessions and logins ------------------------------------------------- */

static void test_sessions(struct tap *t, TEEC_Context *ctx)
{
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin = 0, gid = (uint32_t)getgid();
	TEEC_Context dead = { .imp = { .fd = -1 } };

	res = TEEC_OpenSession(NULL, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "OpenSession with a NULL context: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(&dead, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "OpenSession on a finalized context: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, NULL, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "OpenSession with a NULL session: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, NULL, TEEC_LOGIN_PUBLIC, NULL, NULL,
			       &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "OpenSession with a NULL UUID: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, &unknown_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE,
	       "OpenSession of an unknown UUID: ITEM_NOT_FOUND from the TEE");

	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		   "OpenSession to the crypt TA, login PUBLIC"))
		TEEC_CloseSession(&s);
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_USER, NULL,
			       NULL, &origin);
	if (expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		   "OpenSession to the crypt TA, login USER"))
		TEEC_CloseSession(&s);
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_GROUP, &gid,
			       NULL, &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE,
	       "login GROUP (own gid): NOT_SUPPORTED from the TEE (vtee has public and user)");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_APPLICATION,
			       NULL, NULL, &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE,
	       "login APPLICATION: NOT_SUPPORTED from the TEE");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid,
			       TEEC_LOGIN_USER_APPLICATION, NULL, NULL,
			       &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE,
	       "login USER_APPLICATION: NOT_SUPPORTED from the TEE");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid,
			       TEEC_LOGIN_GROUP_APPLICATION, &gid, NULL,
			       &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TEE,
	       "login GROUP_APPLICATION (own gid): NOT_SUPPORTED from the TEE");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_GROUP, NULL,
			       NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "login GROUP without the group id: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, &gid,
			       NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "login PUBLIC with connection data: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, 3, NULL, NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "an undefined login method (3): BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, 0x80000000, NULL, NULL,
			       &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "a kernel-only login (0x80000000): BAD_PARAMETERS from the API");

	res = TEEC_InvokeCommand(NULL, 0, NULL, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "InvokeCommand on a NULL session: BAD_PARAMETERS from the API");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (res == TEEC_SUCCESS) {
		TEEC_CloseSession(&s);
		TEEC_CloseSession(&s);
		tap_ok(t, 1, "CloseSession twice: the second is a no-op");
		res = clear_key(&s, 1, &origin);
		expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
		       TEEC_ORIGIN_API,
		       "InvokeCommand on a closed session: BAD_PARAMETERS from the API");
	}
	TEEC_CloseSession(NULL);
	tap_ok(t, 1, "CloseSession(NULL) is a no-op");
}

/* ---- shared memory ------------------------------------------------------- */

static void test_shm_errors(struct tap *t, TEEC_Context *ctx)
{
	TEEC_SharedMemory shm;
	TEEC_Result res;
	int sys, memfd;

	memset(&shm, 0, sizeof(shm));
	shm.size = 64;
	shm.flags = TEEC_MEM_INPUT;
	tap_ok(t, TEEC_AllocateSharedMemory(NULL, &shm) == TEEC_ERROR_BAD_PARAMETERS,
	       "AllocateSharedMemory without a context: BAD_PARAMETERS");
	tap_ok(t, TEEC_AllocateSharedMemory(ctx, NULL) == TEEC_ERROR_BAD_PARAMETERS,
	       "AllocateSharedMemory without a block: BAD_PARAMETERS");
	shm.flags = 0;
	tap_ok(t, TEEC_AllocateSharedMemory(ctx, &shm) == TEEC_ERROR_BAD_PARAMETERS,
	       "AllocateSharedMemory with no direction flags: BAD_PARAMETERS");
	shm.flags = TEEC_MEM_INPUT | 0x4;
	tap_ok(t, TEEC_AllocateSharedMemory(ctx, &shm) == TEEC_ERROR_BAD_PARAMETERS,
	       "AllocateSharedMemory with an undefined flag: BAD_PARAMETERS");
	shm.flags = TEEC_MEM_INPUT;
	shm.buffer = NULL;
	shm.size = 64;
	tap_ok(t, TEEC_RegisterSharedMemory(ctx, &shm) == TEEC_ERROR_BAD_PARAMETERS,
	       "RegisterSharedMemory of NULL with a size: BAD_PARAMETERS");

	memset(&shm, 0, sizeof(shm));
	shm.size = 0;
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	res = TEEC_AllocateSharedMemory(ctx, &shm);
	tap_ok(t, res == TEEC_SUCCESS, "AllocateSharedMemory of 0 bytes works");
	TEEC_ReleaseSharedMemory(&shm);
	TEEC_ReleaseSharedMemory(&shm);
	tap_ok(t, shm.buffer == NULL,
	       "ReleaseSharedMemory twice: the second is a no-op, buffer NULL");
	TEEC_ReleaseSharedMemory(NULL);
	tap_ok(t, 1, "ReleaseSharedMemory(NULL) is a no-op");

	memset(&shm, 0, sizeof(shm));
	shm.flags = TEEC_MEM_INPUT;
	tap_ok(t, TEEC_RegisterSharedMemoryFileDescriptor(NULL, &shm, 0) ==
		  TEEC_ERROR_BAD_PARAMETERS,
	       "RegisterSharedMemoryFileDescriptor without a context: BAD_PARAMETERS");
	tap_ok(t, TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, -1) ==
		  TEEC_ERROR_BAD_PARAMETERS,
	       "RegisterSharedMemoryFileDescriptor of fd -1: BAD_PARAMETERS");
	memfd = memfd_create("teec", MFD_CLOEXEC);
	if (memfd >= 0 && ftruncate(memfd, 4096) == 0) {
		res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, memfd);
		if (res == TEEC_SUCCESS)
			TEEC_ReleaseSharedMemory(&shm);
		if (!tap_ok(t, res == TEEC_ERROR_BAD_PARAMETERS,
			    "RegisterSharedMemoryFileDescriptor of a memfd (not a DMA-buf): BAD_PARAMETERS"))
			tap_diag("got %#x", res);
	}
	if (memfd >= 0)
		close(memfd);
	sys = pm_heap_alloc_path(PM_SYS_HEAP, 4096);
	if (sys >= 0) {
		res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, sys);
		if (res == TEEC_SUCCESS)
			TEEC_ReleaseSharedMemory(&shm);
		if (!tap_ok(t, res == TEEC_ERROR_BAD_PARAMETERS,
			    "RegisterSharedMemoryFileDescriptor of a system-heap DMA-buf: BAD_PARAMETERS"))
			tap_diag("got %#x", res);
		close(sys);
	} else {
		tap_skip(t, "no system heap", "a system-heap DMA-buf is refused");
	}
}

/* ---- parameters against the crypt TA ------------------------------------- */

/*
 * Every memref kind into LOAD_KEY / DECRYPT / DIGEST, and the errors the
 * API catches before the TEE sees anything.
 */
static void test_params(struct tap *t, TEEC_Context *ctx, struct pm_rng *rng)
{
	uint8_t key[REF_AES128_KEY], iv[REF_AES_BLOCK], md[64], want[32];
	uint8_t *pt = NULL, *ct = NULL, *heapbuf = NULL;
	TEEC_SharedMemory alloc, reg, shadow, out_reg;
	TEEC_Operation op;
	struct prot pb = { .dmabuf = -1 };
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;
	size_t n, sz;

	memset(&alloc, 0, sizeof(alloc));
	memset(&reg, 0, sizeof(reg));
	memset(&shadow, 0, sizeof(shadow));
	memset(&out_reg, 0, sizeof(out_reg));
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (!expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		    "a crypt TA session for the parameter tests"))
		return;
	pt = malloc(CT_LEN);
	ct = malloc(CT_LEN);
	heapbuf = malloc(4096);
	if (!pt || !ct || !heapbuf)
		goto out;
	pm_rng_fill(rng, key, sizeof(key));
	pm_rng_fill(rng, iv, sizeof(iv));
	pm_rng_fill(rng, pt, CT_LEN);
	encrypt(key, iv, pt, ct, CT_LEN);

	/* Temporary memrefs: registered (stack) and bounced (.rodata) */
	res = load_key(&s, 1, key, sizeof(key), &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       "LOAD_KEY: value input + temporary input memref (registered)");
	res = load_key(&s, 2, ro_key, sizeof(ro_key), &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       "LOAD_KEY from read-only memory (temporary memref bounced)");
	res = load_key(&s, 3, key, 15, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "LOAD_KEY of 15 bytes: BAD_PARAMETERS from the TA");

	/* Whole memref of allocated memory */
	alloc.size = sizeof(key);
	alloc.flags = TEEC_MEM_INPUT;
	res = TEEC_AllocateSharedMemory(ctx, &alloc);
	if (tap_ok(t, res == TEEC_SUCCESS && alloc.buffer,
		   "AllocateSharedMemory of 16 bytes maps a buffer")) {
		memcpy(alloc.buffer, key, sizeof(key));
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_MEMREF_WHOLE, TEEC_NONE,
						 TEEC_NONE);
		op.params[0].value.a = 4;
		op.params[1].memref.parent = &alloc;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		       "LOAD_KEY: whole memref of allocated shared memory");
	}

	/* Partial memref of registered memory */
	reg.buffer = heapbuf;
	reg.size = 4096;
	reg.flags = TEEC_MEM_INPUT;
	memcpy(heapbuf + 100, key, sizeof(key));
	res = TEEC_RegisterSharedMemory(ctx, &reg);
	if (tap_ok(t, res == TEEC_SUCCESS && !reg.imp.shadow_buffer,
		   "RegisterSharedMemory of heap memory registers it (no shadow)")) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = 5;
		op.params[1].memref.parent = &reg;
		op.params[1].memref.offset = 100;
		op.params[1].memref.size = sizeof(key);
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		       "LOAD_KEY: partial input memref of registered memory");

		/* Out of bounds, caught by the API */
		op.params[1].memref.offset = 4096 - 8;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
		       TEEC_ORIGIN_API,
		       "partial memref past the end of its block: BAD_PARAMETERS from the API");
		op.params[1].memref.offset = 8;
		op.params[1].memref.size = SIZE_MAX;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
		       TEEC_ORIGIN_API,
		       "partial memref whose end overflows: BAD_PARAMETERS from the API");
		op.params[1].memref.offset = 5000;
		op.params[1].memref.size = 0;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
		       TEEC_ORIGIN_API,
		       "partial memref starting past the block: BAD_PARAMETERS from the API");
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_MEMREF_PARTIAL_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[1].memref.offset = 100;
		op.params[1].memref.size = sizeof(key);
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
		       TEEC_ORIGIN_API,
		       "partial output memref of an input-only block: BAD_PARAMETERS from the API");
	}

	/* Registered memory the kernel cannot pin: a shadow */
	shadow.buffer = (void *)ro_key;
	shadow.size = sizeof(ro_key);
	shadow.flags = TEEC_MEM_INPUT;
	res = TEEC_RegisterSharedMemory(ctx, &shadow);
	if (tap_ok(t, res == TEEC_SUCCESS && shadow.imp.shadow_buffer,
		   "RegisterSharedMemory of read-only memory falls back to a shadow")) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_MEMREF_WHOLE, TEEC_NONE,
						 TEEC_NONE);
		op.params[0].value.a = 6;
		op.params[1].memref.parent = &shadow;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
		expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		       "LOAD_KEY: whole memref of a shadowed block");
	}

	/* Malformed operations, caught by the API */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_WHOLE,
					 TEEC_NONE, TEEC_NONE);
	res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "whole memref without a parent: BAD_PARAMETERS from the API");
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, 4, TEEC_NONE,
					 TEEC_NONE);
	res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "an undefined parameter type (4): BAD_PARAMETERS from the API");

	/* Values: inout passes both ways; the TA rejects the layout */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_VALUE_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 0xdeadbeef;
	op.params[0].value.b = 0x12345678;
	res = TEEC_InvokeCommand(&s, PM_CRYPT_CLEAR_KEY, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "value inout + value output reach the TA (which wants value input): BAD_PARAMETERS from the TA");
	tap_ok(t, op.params[0].value.a == 0xdeadbeef &&
		  op.params[0].value.b == 0x12345678,
	       "... and the inout value comes back as the TEE left it");

	/* The protected path: decrypt into a DMA-buf, digest it */
	res = prot_new(ctx, PROT_SIZE, TEEC_MEM_INPUT | TEEC_MEM_OUTPUT, &pb);
	if (!tap_ok(t, res == TEEC_SUCCESS,
		    "RegisterSharedMemoryFileDescriptor of a protected secure-video DMA-buf")) {
		tap_diag("got %#x", res);
		goto out;
	}
	tap_ok(t, pb.shm.size == PROT_SIZE && pb.shm.buffer == NULL,
	       "... its size is the DMA-buf's (%zu) and it has no CPU mapping",
	       pb.shm.size);
	res = decrypt(&s, 1, iv, ct, CT_LEN, &pb.shm, &sz, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       "DECRYPT: temporary inputs into a partial output memref over the whole protected buffer");
	tap_ok(t, sz == CT_LEN, "... the output size comes back (%zu)", sz);
	n = 32;
	res = digest(&s, &pb.shm, md, &n, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       "DIGEST of the whole protected buffer into a temporary output memref");
	pm_sha256_padded(pt, CT_LEN, PROT_SIZE, want);
	if (!tap_ok(t, n == 32 && !memcmp(md, want, 32),
		    "... equals SHA-256 of the plaintext and zeros to the end")) {
		pm_diag_md("got ", md);
		pm_diag_md("want", want);
	}
	n = sizeof(md);
	res = digest(&s, &pb.shm, md, &n, &origin);
	tap_ok(t, res == TEEC_SUCCESS && n == 32,
	       "a 64-byte temporary output comes back with size 32 (%zu)", n);
	n = 16;
	res = digest(&s, &pb.shm, md, &n, &origin);
	expect(t, res, origin, TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP,
	       "a 16-byte temporary output: SHORT_BUFFER from the TA");
	tap_ok(t, n == 32, "... with the size needed (%zu)", n);

	/* A NULL temporary memref asks for the size */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &pb.shm;
	op.params[0].memref.size = pb.shm.size;
	res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP,
	       "a NULL temporary output memref: SHORT_BUFFER from the TA");
	tap_ok(t, op.params[1].tmpref.size == 32, "... with the size needed (%zu)",
	       op.params[1].tmpref.size);

	/* Whole output memrefs: registered, and shadowed (a mapped TEE shm) */
	out_reg.buffer = md;
	out_reg.size = 32;
	out_reg.flags = TEEC_MEM_OUTPUT;
	memset(md, 0, sizeof(md));
	if (TEEC_RegisterSharedMemory(ctx, &out_reg) == TEEC_SUCCESS) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_MEMREF_WHOLE, TEEC_NONE,
						 TEEC_NONE);
		op.params[0].memref.parent = &pb.shm;
		op.params[0].memref.size = pb.shm.size;
		op.params[1].memref.parent = &out_reg;
		res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
		tap_ok(t, res == TEEC_SUCCESS && !memcmp(md, want, 32) &&
			  op.params[1].memref.size == 32,
		       "DIGEST into a whole memref of registered memory");
		TEEC_ReleaseSharedMemory(&out_reg);
	} else {
		tap_ok(t, 0, "RegisterSharedMemory of a 32-byte stack buffer");
	}
	TEEC_ReleaseSharedMemory(&alloc);
	alloc.size = 4096;
	alloc.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	memset(&out_reg, 0, sizeof(out_reg));
	if (TEEC_AllocateSharedMemory(ctx, &alloc) == TEEC_SUCCESS) {
		/* TEE shared memory cannot be pinned again: a shadow */
		out_reg.buffer = alloc.buffer;
		out_reg.size = 4096;
		out_reg.flags = TEEC_MEM_OUTPUT;
		res = TEEC_RegisterSharedMemory(ctx, &out_reg);
		if (tap_ok(t, res == TEEC_SUCCESS,
			   "RegisterSharedMemory of mapped TEE memory (%s)",
			   out_reg.imp.shadow_buffer ? "shadowed" : "registered")) {
			memset(alloc.buffer, 0xa5, 4096);
			memset(&op, 0, sizeof(op));
			op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
							 TEEC_MEMREF_PARTIAL_OUTPUT,
							 TEEC_NONE, TEEC_NONE);
			op.params[0].memref.parent = &pb.shm;
			op.params[0].memref.size = pb.shm.size;
			op.params[1].memref.parent = &out_reg;
			op.params[1].memref.offset = 1000;
			op.params[1].memref.size = 40;
			res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op,
						 &origin);
			tap_ok(t, res == TEEC_SUCCESS &&
				  !memcmp((uint8_t *)alloc.buffer + 1000, want, 32) &&
				  ((uint8_t *)alloc.buffer)[999] == 0xa5 &&
				  op.params[1].memref.size == 32,
			       "DIGEST into a partial output memref lands at its offset, copied back, size 32");
			TEEC_ReleaseSharedMemory(&out_reg);
		}
		/* Temporary output into unpinnable memory: bounced back */
		n = 32;
		res = digest(&s, &pb.shm, (uint8_t *)alloc.buffer + 2000, &n,
			     &origin);
		tap_ok(t, res == TEEC_SUCCESS &&
			  !memcmp((uint8_t *)alloc.buffer + 2000, want, 32),
		       "DIGEST into a temporary output memref of unpinnable memory (bounced back)");
	}

	/* Whole-buffer rule of the TA: a window is refused by the TA */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &pb.shm;
	op.params[0].memref.offset = 4096;
	op.params[0].memref.size = 4096;
	op.params[1].tmpref.buffer = md;
	op.params[1].tmpref.size = 32;
	res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "DIGEST of a window of a protected buffer: BAD_PARAMETERS from the TA");
	op.params[0].memref.offset = 4096;
	op.params[0].memref.size = PROT_SIZE;
	res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "a protected memref past the DMA-buf's end: BAD_PARAMETERS from the API");

	res = clear_key(&s, 1, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       "CLEAR_KEY of a loaded key");
	res = clear_key(&s, 1, &origin);
	expect(t, res, origin, TEEC_ERROR_ITEM_NOT_FOUND,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "CLEAR_KEY again: ITEM_NOT_FOUND from the TA");

	/* A released block is no parent */
	prot_free(&pb);
	prot_free(&pb);
	tap_ok(t, 1, "releasing the protected block twice: the second is a no-op");
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &pb.shm;
	op.params[1].tmpref.buffer = md;
	op.params[1].tmpref.size = 32;
	res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_API,
	       "a released block as a memref's parent: BAD_PARAMETERS from the API");
out:
	prot_free(&pb);
	TEEC_ReleaseSharedMemory(&out_reg);
	TEEC_ReleaseSharedMemory(&alloc);
	TEEC_ReleaseSharedMemory(&reg);
	TEEC_ReleaseSharedMemory(&shadow);
	TEEC_CloseSession(&s);
	free(pt);
	free(ct);
	free(heapbuf);
}

/* ---- the SDP test TA ----------------------------------------------------- */

/*
 * xtest --sdp-basic's round trip, as it calls: a temporary input injected
 * into a partial protected output, the protected buffer transformed, then
 * dumped into a temporary output. Commands @base + 0, 1, 2: the SDP TA's
 * own (0), forwarded by it to another SDP TA (3) or to the invoke-tests
 * pseudo-TA (6).
 */
static void sdp_round_trip(struct tap *t, TEEC_Session *s, uint32_t base,
			   const char *path, struct prot *pb, const uint8_t *in,
			   uint8_t *back)
{
	TEEC_Operation op;
	TEEC_Result res;
	uint32_t origin;
	char what[192];
	size_t i;
	int ok;

/* The test's name, after the path's */
#define WHAT(m) (snprintf(what, sizeof(what), "%s: %s", path, (m)), what)

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = (void *)in;
	op.params[0].tmpref.size = PROT_SIZE;
	op.params[1].memref.parent = &pb->shm;
	op.params[1].memref.size = pb->shm.size;
	res = TEEC_InvokeCommand(s, base + PM_SDP_INJECT, &op, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       WHAT("INJECT: temporary input into a partial output memref (protected)"));

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &pb->shm;
	res = TEEC_InvokeCommand(s, base + PM_SDP_TRANSFORM, &op, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       WHAT("TRANSFORM: whole memref of an input+output block (inout)"));

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = back;
	op.params[0].tmpref.size = 4096;
	res = TEEC_InvokeCommand(s, base + PM_SDP_TRANSFORM, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_ACCESS_DENIED,
	       TEEC_ORIGIN_TRUSTED_APP,
	       WHAT("TRANSFORM of a temporary inout memref (normal memory): ACCESS_DENIED from the TA"));

	memset(back, 0, PROT_SIZE);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &pb->shm;
	op.params[0].memref.size = pb->shm.size;
	op.params[1].tmpref.buffer = back;
	op.params[1].tmpref.size = PROT_SIZE;
	res = TEEC_InvokeCommand(s, base + PM_SDP_DUMP, &op, &origin);
	expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
	       WHAT("DUMP: partial input memref (protected) into a temporary output"));
	ok = op.params[1].tmpref.size == PROT_SIZE;
	for (i = 0; ok && i < PROT_SIZE; i++)
		ok = back[i] == (uint8_t)(~in[i] + 1);
	tap_ok(t, ok, "%s: inject, transform, dump: every byte b came back as -b", path);
#undef WHAT
}

static void test_sdp(struct tap *t, TEEC_Context *ctx, struct pm_rng *rng)
{
	static const struct { uint32_t base; const char *name; } paths[] = {
		{ 0, "SDP TA" },
		{ PM_SDP_INVOKE_BASE, "SDP TA -> SDP TA" },
		{ PM_SDP_PTA_BASE, "SDP TA -> invoke-tests pseudo-TA" },
	};
	uint8_t *in = NULL, *back = NULL;
	struct prot pb = { .dmabuf = -1 };
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;
	unsigned int i;

	res = TEEC_OpenSession(ctx, &s, &sdp_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (res == TEEC_ERROR_ITEM_NOT_FOUND) {
		tap_skip(t, "vtee was not loaded with testing=1",
			 "the SDP test TA round trip");
		return;
	}
	if (!expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		    "OpenSession to the SDP test TA"))
		return;
	in = malloc(PROT_SIZE);
	back = malloc(PROT_SIZE);
	if (!in || !back)
		goto out;
	pm_rng_fill(rng, in, PROT_SIZE);
	res = prot_new(ctx, PROT_SIZE, TEEC_MEM_INPUT | TEEC_MEM_OUTPUT, &pb);
	if (!tap_ok(t, res == TEEC_SUCCESS, "a protected buffer for the SDP TA"))
		goto out;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		sdp_round_trip(t, &s, paths[i].base, paths[i].name, &pb, in, back);
out:
	prot_free(&pb);
	TEEC_CloseSession(&s);
	free(in);
	free(back);
}

/* ---- cancellation -------------------------------------------------------- */

struct canceller {
	TEEC_Operation *op;
	int stop;
	unsigned int sent;	/* cancellations requested while running */
};

/* Cancel the operation each time it is seen running */
static void *cancel_thread(void *arg)
{
	struct canceller *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&c->op->started, __ATOMIC_ACQUIRE) == 1) {
			TEEC_RequestCancellation(c->op);
			c->sent++;
		}
		sched_yield();
	}
	return NULL;
}

static void test_cancel(struct tap *t, TEEC_Context *ctx)
{
	uint8_t key[REF_AES128_KEY] = { 1, 2, 3 }, md[32];
	struct prot big = { .dmabuf = -1 };
	struct canceller c;
	TEEC_Operation op;
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;
	pthread_t th;
	int i, bad = 0, cancelled = 0;

	TEEC_RequestCancellation(NULL);
	tap_ok(t, 1, "RequestCancellation(NULL) is a no-op");
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (!expect(t, res, origin, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP,
		    "a crypt TA session for the cancellation tests"))
		return;

	/* Cancelled before it starts: never reaches the TA */
	memset(&op, 0, sizeof(op));
	op.started = 0;
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = 77;
	op.params[1].tmpref.buffer = key;
	op.params[1].tmpref.size = sizeof(key);
	TEEC_RequestCancellation(&op);
	res = TEEC_InvokeCommand(&s, PM_CRYPT_LOAD_KEY, &op, &origin);
	expect(t, res, origin, TEEC_ERROR_CANCEL, TEEC_ORIGIN_API,
	       "an invoke cancelled before it started: CANCEL from the API");
	tap_ok(t, op.started != 0, "... and started is set non-zero");
	res = clear_key(&s, 77, &origin);
	expect(t, res, origin, TEEC_ERROR_ITEM_NOT_FOUND,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "... it never reached the TA (its key 77 is not there)");

	memset(&op, 0, sizeof(op));
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       &op, &origin);
	TEEC_RequestCancellation(&op);
	tap_ok(t, res == TEEC_SUCCESS && op.started != 0,
	       "OpenSession with an operation sets started; cancelling it afterwards is a no-op");
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	memset(&op, 0, sizeof(op));
	TEEC_RequestCancellation(&op);
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       &op, &origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&s);
	expect(t, res, origin, TEEC_ERROR_CANCEL, TEEC_ORIGIN_API,
	       "an open session cancelled before it started: CANCEL from the API");

	/* Cancelled while running: a 4 MiB digest, cancelled from a thread */
	res = TEEC_OpenSession(ctx, &s, &crypt_uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (res != TEEC_SUCCESS)
		return;
	res = prot_new(ctx, BIG_PROT_SIZE, TEEC_MEM_INPUT, &big);
	if (!tap_ok(t, res == TEEC_SUCCESS, "a 4 MiB protected buffer"))
		goto out;
	memset(&c, 0, sizeof(c));
	c.op = &op;
	memset(&op, 0, sizeof(op));
	if (pthread_create(&th, NULL, cancel_thread, &c)) {
		tap_ok(t, 0, "a cancelling thread starts");
		goto out;
	}
	for (i = 0; i < 20; i++) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE,
						 TEEC_MEMREF_TEMP_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].memref.parent = &big.shm;
		op.params[1].tmpref.buffer = md;
		op.params[1].tmpref.size = sizeof(md);
		__atomic_store_n(&op.started, 0, __ATOMIC_RELEASE);
		res = TEEC_InvokeCommand(&s, PM_CRYPT_DIGEST, &op, &origin);
		if (res == TEEC_ERROR_CANCEL)
			cancelled++;
		else if (res != TEEC_SUCCESS)
			bad++;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	tap_diag("%u cancellations requested while running; %d calls cancelled",
		 c.sent, cancelled);
	tap_ok(t, !bad,
	       "20 digests cancelled from another thread while running end in SUCCESS or CANCEL (vtee's TAs finish)");
	res = clear_key(&s, 1, &origin);
	expect(t, res, origin, TEEC_ERROR_ITEM_NOT_FOUND,
	       TEEC_ORIGIN_TRUSTED_APP,
	       "the session still answers after the cancellations");
out:
	prot_free(&big);
	TEEC_CloseSession(&s);
}

/* ---- a session per thread ------------------------------------------------ */

struct worker {
	TEEC_Context *ctx;
	uint64_t seed;
	int failed;
	char why[128];
};

static void *worker_thread(void *arg)
{
	uint8_t key[REF_AES128_KEY], iv[REF_AES_BLOCK], md[32], want[32];
	uint8_t pt[CT_LEN], ct[CT_LEN];
	struct worker *w = arg;
	struct prot pb = { .dmabuf = -1 };
	struct pm_rng rng;
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;
	size_t n, sz;
	int i;

	pm_rng_init(&rng, w->seed);
	res = TEEC_OpenSession(w->ctx, &s, &crypt_uuid, TEEC_LOGIN_USER, NULL,
			       NULL, &origin);
	if (res != TEEC_SUCCESS) {
		snprintf(w->why, sizeof(w->why), "open: %#x/%u", res, origin);
		w->failed = 1;
		return NULL;
	}
	res = prot_new(w->ctx, PROT_SIZE, TEEC_MEM_INPUT | TEEC_MEM_OUTPUT,
		       &pb);
	if (res != TEEC_SUCCESS) {
		snprintf(w->why, sizeof(w->why), "protected buffer: %#x", res);
		w->failed = 1;
		goto out;
	}
	for (i = 0; i < THREAD_ROUNDS && !w->failed; i++) {
		pm_rng_fill(&rng, key, sizeof(key));
		pm_rng_fill(&rng, iv, sizeof(iv));
		pm_rng_fill(&rng, pt, sizeof(pt));
		encrypt(key, iv, pt, ct, sizeof(pt));
		/* The same key id in every thread: keys are per session */
		res = load_key(&s, 9, key, sizeof(key), &origin);
		if (res == TEEC_SUCCESS)
			res = decrypt(&s, 9, iv, ct, sizeof(ct), &pb.shm, &sz,
				      &origin);
		n = sizeof(md);
		if (res == TEEC_SUCCESS)
			res = digest(&s, &pb.shm, md, &n, &origin);
		pm_sha256_padded(pt, sizeof(pt), PROT_SIZE, want);
		if (res != TEEC_SUCCESS || memcmp(md, want, 32)) {
			snprintf(w->why, sizeof(w->why),
				 "round %d: %#x/%u, digest %s", i, res, origin,
				 memcmp(md, want, 32) ? "differs" : "ok");
			w->failed = 1;
		}
	}
out:
	prot_free(&pb);
	TEEC_CloseSession(&s);
	return NULL;
}

static void test_threads(struct tap *t, TEEC_Context *ctx, uint64_t seed)
{
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	int i, started = 0, failed = 0;

	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ctx = ctx;
		w[i].seed = seed + 1 + (uint64_t)i;
		if (pthread_create(&th[i], NULL, worker_thread, &w[i]))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < started; i++) {
		if (w[i].failed) {
			tap_diag("thread %d: %s", i, w[i].why);
			failed++;
		}
	}
	tap_ok(t, started == NTHREADS && !failed,
	       "%d threads, a session each on one context, %d rounds of load key, decrypt into protected memory, digest: all right",
	       NTHREADS, THREAD_ROUNDS);
}

/* ---- a client written for OP-TEE's libteec ------------------------------ */

#define EXAMPLE	"/usr/local/bin/teec-example"

static void test_example(struct tap *t)
{
	char line[256];
	int status, loaded = 0, cleared = 0;
	FILE *f;

	if (!pm_path_exists(EXAMPLE)) {
		tap_skip(t, EXAMPLE " not in this guest",
			 "an OP-TEE-style client runs unchanged");
		return;
	}
	f = popen(EXAMPLE " 2>&1", "r");
	if (!f) {
		tap_ok(t, 0, "%s starts", EXAMPLE);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		tap_diag("teec-example: %.*s", (int)strcspn(line, "\n"), line);
		loaded |= !!strstr(line, "Loading key 42");
		cleared |= !!strstr(line, "Key 42 cleared");
	}
	status = pclose(f);
	tap_ok(t, status == 0 && loaded && cleared,
	       "a client written as OP-TEE's examples are (tests/teec-example) runs against vtee");
}

int main(void)
{
	uint64_t seed = pm_seed();
	struct pm_rng rng;
	TEEC_Context ctx;
	TEEC_Result res;
	struct tap t;

	tap_init(&t);
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays this run)",
		 seed, seed);
	pm_rng_init(&rng, seed);

	test_contexts(&t);
	res = TEEC_InitializeContext(NULL, &ctx);
	if (!tap_ok(&t, res == TEEC_SUCCESS, "a context for the calls")) {
		tap_diag("got %#x", res);
		return tap_done(&t);
	}
	test_sessions(&t, &ctx);
	test_shm_errors(&t, &ctx);
	test_params(&t, &ctx, &rng);
	test_sdp(&t, &ctx, &rng);
	test_cancel(&t, &ctx);
	test_threads(&t, &ctx, seed);
	TEEC_FinalizeContext(&ctx);
	test_example(&t);

	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "every pool is free and clean afterwards");
	return tap_done(&t);
}
