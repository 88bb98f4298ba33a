// SPDX-License-Identifier: GPL-2.0
/*
 * tee_protmem - protected memory through the TEE device: TEE_IOC_VERSION
 * advertises vtee and its capabilities, TEE_IOC_PROTMEM_ALLOC (the seed's
 * allocation path) serves every use case and rejects bad input, and
 * TEE_IOC_SHM_REGISTER_FD turns a protected DMA-buf -- and only that --
 * into TEE shared memory that cannot be mapped and keeps the buffer alive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

static void test_version(struct tap *t, int tee)
{
	const uint32_t want = TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM |
			      TEE_GEN_CAP_MEMREF_NULL | TEE_GEN_CAP_PROTMEM;
	struct tee_ioctl_version_data v;
	int ret = pm_tee_version(tee, &v);

	if (!tap_ok(t, ret == 0, "TEE_IOC_VERSION succeeds")) {
		tap_diag("TEE_IOC_VERSION: %s", strerror(-ret));
		return;
	}
	if (!tap_ok(t, v.impl_id == TEE_IMPL_ID_VTEE,
		    "impl_id is TEE_IMPL_ID_VTEE (%#x)", TEE_IMPL_ID_VTEE))
		tap_diag("impl_id %#x", v.impl_id);
	if (!tap_ok(t, (v.gen_caps & want) == want,
		    "gen_caps has GP, REG_MEM, MEMREF_NULL and PROTMEM"))
		tap_diag("gen_caps %#x, want %#x", v.gen_caps, want);
	if (!tap_ok(t, !(v.gen_caps & TEE_GEN_CAP_PRIVILEGED),
		    "the client device is not privileged"))
		tap_diag("gen_caps %#x", v.gen_caps);
	/* Mainline's bit 4 is TEE_GEN_CAP_OBJREF: vtee has no object refs */
	if (!tap_ok(t, !(v.gen_caps & (1u << 4)),
		    "gen_caps leaves bit 4 (mainline's TEE_GEN_CAP_OBJREF) clear"))
		tap_diag("gen_caps %#x", v.gen_caps);
}

/* Our numbers stay clear of mainline's (6.18: ioctls 0-10, caps bits 0-4) */
static void test_numbers(struct tap *t, int tee)
{
	struct {
		uint64_t a, b, c;
	} junk = { 0, 0, 0 };
	int ret;

	tap_ok(t, _IOC_NR(TEE_IOC_PROTMEM_ALLOC) == 0x80 &&
	       _IOC_SIZE(TEE_IOC_PROTMEM_ALLOC) == 24,
	       "TEE_IOC_PROTMEM_ALLOC is nr 0x80, 24 bytes (%#x)",
	       (unsigned int)TEE_IOC_PROTMEM_ALLOC);
	tap_ok(t, TEE_GEN_CAP_PROTMEM == (1u << 24),
	       "TEE_GEN_CAP_PROTMEM is bit 24");
	/* Mainline's TEE_IOC_OBJECT_INVOKE: _IOR(0xa4, 10, tee_ioctl_buf_data) */
	ret = ioctl(tee, _IOR(TEE_IOC_MAGIC, TEE_IOC_BASE + 10,
			      struct tee_ioctl_buf_data), &junk) ? -errno : 0;
	if (!tap_ok(t, ret == -EINVAL,
		    "mainline's TEE_IOC_OBJECT_INVOKE number is unknown here (EINVAL)"))
		tap_diag("ret %d", ret);
}

static void test_protmem_alloc_ok(struct tap *t, int tee,
				  const struct pm_use_case *u)
{
	struct tee_ioctl_protmem_alloc_data d = { 0 };
	struct pm_pool_stats before, st;
	int64_t size;
	int fd, ret;

	pm_pool_stats(u->name, &before);
	fd = pm_protmem_alloc(tee, 5000, 0, u->id, &d);
	if (!tap_ok(t, fd >= 0, "%s: TEE_IOC_PROTMEM_ALLOC of 5000 bytes returns an fd", u->name)) {
		tap_diag("TEE_IOC_PROTMEM_ALLOC: %s", strerror(-fd));
		return;
	}
	size = pm_dmabuf_size(fd);
	if (!tap_ok(t, d.size == 8192 && size == 8192,
		    "%s: size is rounded up to 8192, in the answer and in the dma-buf", u->name))
		tap_diag("answer size %llu, dma-buf size %" PRId64,
			 (unsigned long long)d.size, size);
	tap_ok(t, d.id >= 0, "%s: the buffer has an id (%d)", u->name, d.id);
	ret = fcntl(fd, F_GETFD);
	tap_ok(t, ret >= 0 && (ret & FD_CLOEXEC), "%s: the fd is close-on-exec", u->name);
	ret = pm_try_mmap(fd, 8192);
	if (!tap_ok(t, ret == -EPERM, "%s: the fd is a protected dma-buf: mmap fails with EPERM", u->name))
		tap_diag("mmap: %s", ret ? strerror(-ret) : "succeeded");
	pm_pool_stats(u->name, &st);
	if (!tap_ok(t, st.used == before.used + 8192 &&
		       st.live_buffers == before.live_buffers + 1 &&
		       st.allocations == before.allocations + 1,
		    "%s: it comes from the heap's pool (used, live_buffers, allocations)", u->name)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("live", &st);
	}
	ret = pm_shm_register_fd(tee, fd, NULL, NULL);
	if (!tap_ok(t, ret >= 0, "%s: it can be registered with TEE_IOC_SHM_REGISTER_FD", u->name))
		tap_diag("TEE_IOC_SHM_REGISTER_FD: %s", strerror(-ret));
	if (ret >= 0)
		close(ret);
	close(fd);
	pm_pool_stats(u->name, &st);
	if (!tap_ok(t, st.used == before.used && st.live_buffers == before.live_buffers,
		    "%s: closing it gives the memory back", u->name))
		pm_diag_stats(u->name, &st);
}

static void test_protmem_alloc_bad(struct tap *t, int tee)
{
	const struct pm_use_case *u = pm_use_case(0);
	struct pm_pool_stats st;
	int ret;

	ret = pm_protmem_alloc(tee, 4096, 1, u->id, NULL);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: flags != 0 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_protmem_alloc(tee, 4096, 0, 0, NULL);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: use_case 0 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_protmem_alloc(tee, 4096, 0, 4, NULL);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: use_case 4 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_protmem_alloc(tee, 0, 0, u->id, NULL);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: size 0 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_protmem_alloc_pad(tee, 4096, u->id, 1);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: pad != 0 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_protmem_alloc(tee, ~0ULL, 0, u->id, NULL);
	if (!tap_ok(t, ret == -EINVAL, "TEE_IOC_PROTMEM_ALLOC: size 2^64-1 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);

	if (pm_pool_stats(u->name, &st)) {
		tap_skip(t, "no pool figures in sysfs",
			 "TEE_IOC_PROTMEM_ALLOC: size larger than the pool fails with ENOMEM");
		return;
	}
	ret = pm_protmem_alloc(tee, st.size + 4096, 0, u->id, NULL);
	if (!tap_ok(t, ret == -ENOMEM, "TEE_IOC_PROTMEM_ALLOC: size larger than the pool (%" PRIu64 " + 4096) fails with ENOMEM",
		    st.size))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
}

static void test_register_fd(struct tap *t, int tee)
{
	const struct pm_use_case *u = pm_use_case(0);
	struct tee_ioctl_shm_register_fd_data d = { 0 };
	int buf, shm, ret, fd;

	buf = pm_heap_alloc_path(u->heap, 3 * 4096 + 1);
	if (!tap_ok(t, buf >= 0, "register-fd: a 4-page buffer from %s", u->heap)) {
		tap_diag("alloc: %s", strerror(-buf));
		return;
	}
	shm = pm_shm_register_fd_raw(tee, buf, 0, &d);
	if (tap_ok(t, shm >= 0, "TEE_IOC_SHM_REGISTER_FD of a protected heap buffer returns an fd")) {
		if (!tap_ok(t, d.size == 4 * 4096, "register-fd: size is the buffer's (16384)"))
			tap_diag("size %llu", (unsigned long long)d.size);
		tap_ok(t, d.id > 0, "register-fd: the shm id is > 0 (%d)", d.id);
		if (!tap_ok(t, d.flags == TEE_IOCTL_SHM_DMA_BUF,
			    "register-fd: flags written back as TEE_IOCTL_SHM_DMA_BUF (0x10), as mainline"))
			tap_diag("flags %#x", d.flags);
		ret = pm_try_mmap(shm, 4096);
		if (!tap_ok(t, ret == -EPERM, "mmap of the registered shm fd fails with EPERM"))
			tap_diag("mmap: %s", ret ? strerror(-ret) : "succeeded");
		close(shm);
	} else {
		tap_diag("TEE_IOC_SHM_REGISTER_FD: %s", strerror(-shm));
	}

	ret = pm_shm_register_fd_raw(tee, buf, 1, NULL);
	if (!tap_ok(t, ret == -EINVAL, "register-fd: flags != 0 fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);

	/*
	 * A 64-bit fd must not be truncated onto an open one (mainline
	 * truncates); every bad fd fails with EINVAL, as in mainline.
	 */
	ret = pm_shm_register_fd_raw(tee, ((int64_t)1 << 32) + buf, 0, NULL);
	if (!tap_ok(t, ret == -EINVAL, "register-fd: fd 2^32 + (an open fd) fails with EINVAL (no truncation)"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	close(buf);

	ret = pm_shm_register_fd_raw(tee, buf, 0, NULL);
	if (!tap_ok(t, ret == -EINVAL, "register-fd: a closed fd number fails with EINVAL, as mainline"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	ret = pm_shm_register_fd_raw(tee, -1, 0, NULL);
	if (!tap_ok(t, ret == -EINVAL, "register-fd: fd -1 fails with EINVAL, as mainline"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);

	fd = pm_heap_alloc_path(PM_SYS_HEAP, 4096);
	if (fd >= 0) {
		ret = pm_shm_register_fd_raw(tee, fd, 0, NULL);
		if (!tap_ok(t, ret == -EINVAL, "register-fd: a system-heap dma-buf fails with EINVAL"))
			tap_diag("ret %d", ret);
		if (ret >= 0)
			close(ret);
		close(fd);
	} else {
		tap_skip(t, "no system heap", "register-fd: a system-heap dma-buf fails with EINVAL");
	}

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ret = pm_shm_register_fd_raw(tee, fd, 0, NULL);
	if (!tap_ok(t, ret == -EINVAL, "register-fd: a non-dma-buf fd (/dev/null) fails with EINVAL"))
		tap_diag("ret %d", ret);
	if (ret >= 0)
		close(ret);
	if (fd >= 0)
		close(fd);

	/* A TEE shm fd is not a dma-buf either */
	shm = pm_shm_alloc(tee, 4096, NULL, NULL);
	if (shm >= 0) {
		ret = pm_shm_register_fd_raw(tee, shm, 0, NULL);
		if (!tap_ok(t, ret == -EINVAL, "register-fd: a TEE_IOC_SHM_ALLOC fd fails with EINVAL"))
			tap_diag("ret %d", ret);
		if (ret >= 0)
			close(ret);
		close(shm);
	}
}

/* The registered shm holds the buffer: used stays until both fds close. */
static void test_register_keeps_alive(struct tap *t, int tee)
{
	const struct pm_use_case *u = pm_use_case(1);
	struct pm_pool_stats before, st;
	uint64_t used;
	int buf, shm, ok;

	pm_pool_stats(u->name, &before);
	buf = pm_heap_alloc_path(u->heap, PM_MIB);
	shm = buf >= 0 ? pm_shm_register_fd(tee, buf, NULL, NULL) : buf;
	if (!tap_ok(t, buf >= 0 && shm >= 0, "%s: allocate 1 MiB and register it", u->name)) {
		tap_diag("alloc/register: %s", strerror(-shm));
		if (buf >= 0)
			close(buf);
		return;
	}
	close(buf);
	pm_sleep_ms(100);
	pm_pool_stats(u->name, &st);
	if (!tap_ok(t, st.used == before.used + PM_MIB &&
		       st.live_buffers == before.live_buffers + 1,
		    "%s: with the dma-buf fd closed, the shm keeps the buffer alive", u->name)) {
		pm_diag_stats("before", &before);
		pm_diag_stats("now", &st);
	}
	close(shm);
	ok = pm_wait_stat_eq(u->name, "used", before.used, 2000, &used);
	if (!tap_ok(t, ok, "%s: closing the shm fd too frees it (used back to %" PRIu64 ")",
		    u->name, before.used))
		tap_diag("used %" PRIu64, used);
	pm_pool_stats(u->name, &st);
	if (!tap_ok(t, st.live_buffers == before.live_buffers,
		    "%s: live_buffers back too", u->name))
		pm_diag_stats(u->name, &st);
}

/* A shm id belongs to the context that registered it. */
static void test_register_other_ctx(struct tap *t, int tee)
{
	const struct pm_use_case *u = pm_use_case(2);
	struct pm_shm out;
	struct tee_ioctl_param p[2];
	uint8_t uuid[16];
	uint32_t sess = 0;
	struct pm_res r;
	int buf, shm, tee2;
	int32_t id;

	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	tee2 = pm_tee_open();
	buf = pm_heap_alloc_path(u->heap, 4096);
	shm = buf >= 0 ? pm_shm_register_fd(tee, buf, &id, NULL) : buf;
	if (tee2 < 0 || shm < 0) {
		tap_skip(t, "setup failed", "a registered shm id is unknown to another TEE context");
		goto out;
	}
	r = pm_open_public(tee2, uuid, &sess);
	if (!pm_res_ok(&r)) {
		pm_diag_res("open session", &r);
		tap_skip(t, "no SDP TA session", "a registered shm id is unknown to another TEE context");
		goto out;
	}
	if (pm_shm_new(tee2, 4096, &out)) {
		tap_skip(t, "no shm", "a registered shm id is unknown to another TEE context");
		pm_close_session(tee2, sess);
		goto out;
	}
	p[0] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, id, 0, 16);
	p[1] = pm_p_memref(TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out.id, 0, 16);
	r = pm_invoke(tee2, sess, 2 /* DUMP */, p, 2);
	if (!tap_ok(t, r.err == -EINVAL,
		    "a registered shm id is unknown to another TEE context (EINVAL)"))
		pm_diag_res("DUMP with another context's shm id", &r);
	pm_shm_free(&out);
	pm_close_session(tee2, sess);
out:
	if (shm >= 0)
		close(shm);
	if (buf >= 0)
		close(buf);
	if (tee2 >= 0)
		close(tee2);
}

int main(void)
{
	struct tap t;
	unsigned int i;
	int tee;

	tap_init(&t);
	tee = pm_tee_open();
	if (!tap_ok(&t, tee >= 0, "%s opens", PM_TEE_DEV)) {
		tap_diag("open: %s", strerror(-tee));
		return tap_done(&t);
	}
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at start");
	test_version(&t, tee);
	test_numbers(&t, tee);
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		test_protmem_alloc_ok(&t, tee, pm_use_case(i));
	test_protmem_alloc_bad(&t, tee);
	test_register_fd(&t, tee);
	test_register_keeps_alive(&t, tee);
	test_register_other_ctx(&t, tee);
	close(tee);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "pools fully free and clean at the end (accounting exact)");
	return tap_done(&t);
}
