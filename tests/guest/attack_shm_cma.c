// SPDX-License-Identifier: GPL-2.0
/*
 * attack_shm_cma - issue 8, hole 12, as the attack: pages the TEE
 * references must not go back to CMA. An ordinary user maps a buffer of
 * the CMA heap (/dev/dma_heap/reserved), registers that memory with
 * TEE_IOC_SHM_REGISTER, then closes and unmaps the buffer while keeping
 * the shm. Before the fix the registration pinned the pages short-term
 * and the buffer's release gave them back to CMA anyway: cma_release()
 * warned "N pages are still in use!" and the next CMA user got memory the
 * secure world could still write. Now the registration is a long-term
 * pin: pages that cannot leave CMA (a driver's CMA memory) are refused
 * with EINVAL, so no CMA page is ever registered.
 *
 * Then: ordinary anonymous memory still registers and works as a TA
 * parameter; anonymous memory that happens to lie in CMA (the test fills
 * memory until some does, and finds it with /proc/self/pagemap and the
 * CMA area's debugfs) is migrated out of CMA by the registration, its
 * content kept; the CMA heap's memory is all back (CmaFree) and the
 * protected pools are clean; no kernel report at any step.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmsg.h"
#include "protmem_test.h"
#include "tap.h"

#define CMA_HEAP	"/dev/dma_heap/reserved"
#define BUF_SIZE	(256 * 1024)
#define ROUNDS		4
/* CmaFree comes back to within per-CPU list noise (see vtee_dynamic) */
#define CMA_SLACK_KB	1024


#define CMA_DEBUGFS	"/sys/kernel/debug/cma/reserved"
#define FILL_STEP	(16UL << 20)
#define FILL_MAX	(640UL << 20)
#define AVAIL_MIN_KB	(96 * 1024)

static int meminfo_kb(const char *key, uint64_t *kb)
{
	char buf[4096], *s;

	if (pm_read_file("/proc/meminfo", buf, sizeof(buf)))
		return -ENOENT;
	s = strstr(buf, key);
	if (!s)
		return -ENOENT;
	*kb = strtoull(s + strlen(key), NULL, 10);
	return 0;
}

/* PFN backing @addr in this process (root sees it), 0 if not present */
static uint64_t pfn_of(int pagemap, const void *addr)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)addr / 4096 * sizeof(e));

	if (pread(pagemap, &e, sizeof(e), off) != sizeof(e) || !(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* Anonymous memory in CMA is migrated out of it by the registration */
static void anon_in_cma_migrates(struct tap *t, int tee, int km)
{
	uint64_t base = 0, count = 0, avail, pfn, pfn2 = 0;
	unsigned char *fill[FILL_MAX / FILL_STEP], *hit = NULL;
	unsigned int n = 0, i;
	size_t off;
	int pagemap, shm;

	if (pm_read_u64(CMA_DEBUGFS "/base_pfn", &base) ||
	    pm_read_u64(CMA_DEBUGFS "/count", &count) || !count) {
		tap_skip(t, "no CMA area in debugfs", "anonymous memory in CMA");
		return;
	}
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0) {
		tap_skip(t, "no pagemap", "anonymous memory in CMA");
		return;
	}
	/* Fill memory until the page allocator serves some of it from CMA */
	while (!hit && n < FILL_MAX / FILL_STEP &&
	       !meminfo_kb("MemAvailable:", &avail) && avail > AVAIL_MIN_KB) {
		fill[n] = mmap(NULL, FILL_STEP, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fill[n] == MAP_FAILED)
			break;
		memset(fill[n], 0x77, FILL_STEP);
		for (off = 0; off < FILL_STEP && !hit; off += 4096) {
			pfn = pfn_of(pagemap, fill[n] + off);
			if (pfn >= base && pfn < base + count)
				hit = fill[n] + off;
		}
		n++;
	}
	if (!hit) {
		tap_skip(t, "no anonymous page landed in CMA",
			 "anonymous memory in CMA (filled %u MiB)", n * 16);
		goto out;
	}
	pfn = pfn_of(pagemap, hit);
	memset(hit, 0xc3, 4096);
	shm = pm_shm_register(tee, hit, 4096, NULL);
	if (shm >= 0)
		pfn2 = pfn_of(pagemap, hit);
	if (!tap_ok(t, shm >= 0 && pfn2 && (pfn2 < base || pfn2 >= base + count) &&
			hit[0] == 0xc3 && hit[4095] == 0xc3,
		    "an anonymous page in CMA registers, migrated out of CMA with its content"))
		tap_diag("register: %s; pfn %#" PRIx64 " -> %#" PRIx64 ", CMA %#" PRIx64
			 "+%#" PRIx64, shm < 0 ? strerror(-shm) : "ok", pfn, pfn2,
			 base, count);
	if (shm >= 0)
		close(shm);
out:
	for (i = 0; i < n; i++)
		munmap(fill[i], FILL_STEP);
	close(pagemap);
	tap_ok(t, km_reports_since(km, NULL, 0) == 0,
	       "filling memory and migrating report nothing");
}

/* One round of the attack; returns the shm fd it could keep, or -errno */
static int attack_round(struct tap *t, int tee, int km, int round)
{
	char report[256];
	unsigned char *p;
	int buf, shm, hits;

	buf = pm_heap_alloc_path(CMA_HEAP, BUF_SIZE);
	if (buf < 0) {
		tap_diag("round %d: CMA heap allocation: %s", round, strerror(-buf));
		return buf;
	}
	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED) {
		tap_diag("round %d: mmap of the CMA buffer: %s", round, strerror(errno));
		close(buf);
		return -EIO;
	}
	memset(p, 0xa5, BUF_SIZE);
	shm = pm_shm_register(tee, p, BUF_SIZE, NULL);
	/* The owner lets go of its buffer; the shm, if any, stays open */
	munmap(p, BUF_SIZE);
	close(buf);
	hits = km_reports_since(km, report, sizeof(report));
	if (!tap_ok(t, shm == -EINVAL && hits == 0,
		    "round %d: CMA heap memory is refused as TEE shm (EINVAL), and freeing the buffer reports nothing",
		    round)) {
		tap_diag("register: %s", shm < 0 ? strerror(-shm) : "accepted");
		if (hits)
			tap_diag("%d kernel reports, first: %s", hits, report);
	}
	return shm;
}

/* Anonymous memory registers and serves as an SDP TA input */
static void normal_memory_works(struct tap *t, int tee, int km)
{
	struct pm_prot pb = { -1, -1, 0, 0 };
	uint8_t uuid[TEE_IOCTL_UUID_LEN];
	struct tee_ioctl_param p[2];
	size_t len = 64 * 1024;
	unsigned char *mem;
	struct pm_res r;
	struct tee_ioctl_shm_register_data reg = { 0 };
	int32_t id = 0;
	uint32_t s = 0;
	int shm, ret, open;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!tap_ok(t, mem != MAP_FAILED, "anonymous memory maps"))
		return;
	memset(mem, 0x3c, len);
	shm = pm_shm_register(tee, mem, len, &reg);
	id = reg.id;
	if (!tap_ok(t, shm >= 0, "anonymous memory registers (long-term pin)")) {
		tap_diag("register: %s", strerror(-shm));
		munmap(mem, len);
		return;
	}
	pm_uuid_parse(PM_SDP_TA_UUID, uuid);
	r = pm_open_public(tee, uuid, &s);
	open = pm_res_ok(&r);
	ret = pm_prot_new(tee, pm_use_case(0)->heap, len, &pb);
	if (!open || ret) {
		tap_skip(t, "no SDP TA session or no secure-video buffer",
			 "registered memory as a TA input");
	} else {
		p[0] = pm_p_memref(PM_MR_IN, id, 0, len);
		p[1] = pm_p_memref(PM_MR_OUT, pb.id, 0, len);
		r = pm_invoke(tee, s, PM_SDP_INJECT, p, 2);
		if (!tap_ok(t, pm_res_ok(&r),
			    "registered anonymous memory works as the SDP TA's input"))
			pm_diag_res("INJECT", &r);
	}
	if (open)
		pm_close_session(tee, s);
	pm_prot_free(&pb);
	close(shm);
	munmap(mem, len);
	tap_ok(t, km_reports_since(km, NULL, 0) == 0,
	       "registering and releasing anonymous memory reports nothing");
}

int main(void)
{
	uint64_t cma0 = 0, cma1 = 0;
	struct tee_ioctl_version_data v;
	int tee, km, i, shm[ROUNDS];
	struct tap t;

	tap_init(&t);
	if (!pm_path_exists(CMA_HEAP)) {
		tap_skip(&t, "no CMA heap", "%s", CMA_HEAP);
		return tap_done(&t);
	}
	tee = pm_tee_open();
	if (!tap_ok(&t, tee >= 0, "%s opens", PM_TEE_DEV))
		return tap_done(&t);
	if (pm_tee_version(tee, &v) || !(v.gen_caps & TEE_GEN_CAP_REG_MEM)) {
		tap_skip(&t, "the TEE does not register memory", "TEE_IOC_SHM_REGISTER");
		return tap_done(&t);
	}
	km = km_open();
	if (!tap_ok(&t, km >= 0, "/dev/kmsg opens"))
		return tap_done(&t);
	meminfo_kb("CmaFree:", &cma0);

	for (i = 0; i < ROUNDS; i++)
		shm[i] = attack_round(&t, tee, km, i);
	for (i = 0; i < ROUNDS; i++)
		if (shm[i] >= 0)
			close(shm[i]);

	normal_memory_works(&t, tee, km);
	anon_in_cma_migrates(&t, tee, km);

	meminfo_kb("CmaFree:", &cma1);
	if (!tap_ok(&t, cma1 + CMA_SLACK_KB >= cma0,
		    "the CMA heap's memory is all back (CmaFree %" PRIu64 " kB, was %" PRIu64 " kB)",
		    cma1, cma0))
		tap_diag("missing %" PRIu64 " kB", cma0 - cma1);
	tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "the protected pools are free and clean");
	tap_ok(&t, km_reports_since(km, NULL, 0) == 0, "no kernel report at the end");
	close(km);
	close(tee);
	return tap_done(&t);
}
