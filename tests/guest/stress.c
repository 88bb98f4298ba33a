// SPDX-License-Identifier: GPL-2.0
/*
 * stress - protected memory under concurrency, killed processes and
 * injected allocation failures:
 *
 *  1. 4 processes x 3 threads, each process with one TEE context and one
 *     SDP session its threads share, loop for ~4 s over: allocate from a
 *     random protected heap (or TEE_IOC_PROTMEM_ALLOC) a random 4 KiB -
 *     2 MiB, sometimes register it (TEE_IOC_SHM_REGISTER_FD), sometimes
 *     an SDP inject + dump round trip on it, close in random order. Only
 *     ENOMEM (pool full) may fail; every process exits 0; afterwards the
 *     pools are fully free and clean and vtee's refcount is back.
 *  2. A child holding a session, registered protected buffers and normal
 *     shms is SIGKILLed while blocked, and others while looping invokes
 *     and allocations (killed at a random moment): everything it held is
 *     released (pools clean, no live buffers, vtee refcount back).
 *  3. Under failslab and then fail_page_alloc (debugfs, task-filter so
 *     only the process under test fails, verbose=0), allocation,
 *     register-fd, TEE_IOC_PROTMEM_ALLOC, session and SDP invoke loops for
 *     ~2 s each: every call succeeds or fails with a clean errno
 *     (ENOMEM, EINVAL or EFAULT; counted), nothing crashes; afterwards the
 *     pools are fully free and clean and a normal allocation works. Every
 *     debugfs knob changed is restored.
 *
 * PROTMEM_SEED=<n> replays the random choices (not the scheduling).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protmem_test.h"
#include "tap.h"

#define NPROC		4
#define NTHREAD		3
#define STRESS_MS	4000
#define SLOTS		4
#define MIN_LEN		4096
#define MAX_LEN		(2 * 1024 * 1024)
#define NORMAL_SIZE	(64 * 1024)
#define CHILD_TIMEOUT_MS 60000
#define REFCNT_MS	5000
#define KILL_ROUNDS	6
#define FAULT_MS	2000
/* Few page allocations come from the calls under test: fail more of them */
#define FAULT_PROB	"10"
#define FAULT_PROB_PAGE	"50"
#define DEBUGFS		"/sys/kernel/debug"

static uint8_t sdp_uuid[TEE_IOCTL_UUID_LEN];

/* ---- shared results ----------------------------------------------------- */

#define MSG_LEN		200

struct tstats {
	uint64_t heap_allocs, tee_allocs, enomem, registers, sdp, closes;
	uint64_t unexpected, mismatch;
	char msg[MSG_LEN];	/* the first unexpected thing */
};

struct shared {
	struct tstats st[NPROC][NTHREAD];
	char setup[NPROC][MSG_LEN];	/* a process's setup failure */
	volatile uint64_t invokes;	/* killed child's progress */
};

static void note(struct tstats *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct tstats *st, const char *fmt, ...)
{
	va_list ap;

	st->unexpected++;
	if (st->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
}

static void *shared_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);	/* populated before any fork */
	return p;
}

/* ---- SDP ---------------------------------------------------------------- */

static struct pm_res sdp_copy(int tee, uint32_t s, uint32_t cmd, int32_t in_id,
			      uint64_t in_off, int32_t out_id, uint64_t out_off,
			      uint64_t len)
{
	struct tee_ioctl_param p[2] = {
		pm_p_memref(PM_MR_IN, in_id, in_off, len),
		pm_p_memref(PM_MR_OUT, out_id, out_off, len),
	};

	return pm_invoke(tee, s, cmd, p, 2);
}

static struct pm_res sdp_transform(int tee, uint32_t s, int32_t id,
				   uint64_t off, uint64_t len)
{
	struct tee_ioctl_param p[1] = { pm_p_memref(PM_MR_INOUT, id, off, len) };

	return pm_invoke(tee, s, PM_SDP_TRANSFORM, p, 1);
}

/* The SDP test TA touches secure-video buffers only (docs/threat-model.md) */
static int sdp_heap(unsigned int uc)
{
	return pm_use_case(uc)->id == TEE_PROTMEM_SECURE_VIDEO_PLAY;
}

/*
 * Random data from @in into protected @id (@size bytes) and back into
 * @out. 0 if the data came back, 1 if it differs, -1 if a call failed
 * (@r says how).
 */
static int sdp_round_trip(int tee, uint32_t s, struct pm_shm *in,
			  struct pm_shm *out, int32_t id, uint64_t size,
			  struct pm_rng *rng, struct pm_res *r)
{
	uint64_t max = size < in->size ? size : in->size;
	uint64_t len = pm_rng_range(rng, 1, max);
	uint64_t po = pm_rng_range(rng, 0, size - len);

	pm_rng_fill(rng, in->p, len);
	*r = sdp_copy(tee, s, PM_SDP_INJECT, in->id, 0, id, po, len);
	if (!pm_res_ok(r))
		return -1;
	memset(out->p, 0, len);
	*r = sdp_copy(tee, s, PM_SDP_DUMP, id, po, out->id, 0, len);
	if (!pm_res_ok(r))
		return -1;
	return memcmp(in->p, out->p, len) ? 1 : 0;
}

/* ---- waiting for things ------------------------------------------------- */

/* waitpid with a deadline; SIGKILLs a child that does not finish. */
static int wait_child(pid_t pid, int *status, unsigned int ms)
{
	uint64_t deadline = pm_now_ms() + ms;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, WNOHANG);
		if (ret == pid)
			return 0;
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (pm_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		pm_sleep_ms(10);
	}
}

static int exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void diag_status(const char *who, int status)
{
	if (WIFEXITED(status))
		tap_diag("%s exited with status %d", who, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		tap_diag("%s killed by signal %d (%s)", who, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
}

/* Wait until vtee's refcount is @want again; 1 if it is. */
static int refcnt_back(int64_t want)
{
	uint64_t deadline = pm_now_ms() + REFCNT_MS;
	int64_t now;

	while ((now = pm_vtee_refcnt()) != want && pm_now_ms() < deadline)
		pm_sleep_ms(20);
	if (now != want)
		tap_diag("vtee refcnt %" PRId64 ", was %" PRId64 " at the start",
			 now, want);
	return now == want;
}

static uint64_t live_buffers(void)
{
	uint64_t sum = 0, v;
	unsigned int i;

	for (i = 0; i < PM_NUM_USE_CASES; i++)
		if (!pm_stat(pm_use_case(i)->name, "live_buffers", &v))
			sum += v;
	return sum;
}

/* ---- 1. concurrency ----------------------------------------------------- */

struct slot {
	int dmabuf, shm;
	int32_t id;
	uint64_t size;
};

struct worker {
	int tee;
	uint32_t session;
	int *heaps;
	struct tstats *st;
	uint64_t seed;
	pthread_t th;
};

static void slot_close(struct slot *sl, struct pm_rng *rng)
{
	if (sl->shm >= 0 && (pm_rng_next(rng) & 1)) {
		close(sl->shm);
		sl->shm = -1;
	}
	close(sl->dmabuf);
	if (sl->shm >= 0)
		close(sl->shm);
	sl->dmabuf = -1;
	sl->shm = -1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tstats *st = w->st;
	struct pm_shm in = { .fd = -1 }, out = { .fd = -1 };
	struct slot sl[SLOTS];
	struct pm_rng rng;
	struct pm_res r;
	uint64_t end, len;
	unsigned int i, live, uc;
	int fd, ret;

	pm_rng_init(&rng, w->seed);
	for (i = 0; i < SLOTS; i++)
		sl[i].dmabuf = sl[i].shm = -1;
	ret = pm_shm_new(w->tee, NORMAL_SIZE, &in);
	if (!ret)
		ret = pm_shm_new(w->tee, NORMAL_SIZE, &out);
	if (ret) {
		note(st, "normal shm: %s", strerror(-ret));
		goto out;
	}
	end = pm_now_ms() + STRESS_MS;
	while (pm_now_ms() < end) {
		for (live = 0, i = 0; i < SLOTS; i++)
			live += sl[i].dmabuf >= 0;
		if (live == SLOTS || (live && pm_rng_range(&rng, 0, 99) < 35)) {
			do
				i = (unsigned int)pm_rng_range(&rng, 0, SLOTS - 1);
			while (sl[i].dmabuf < 0);
			slot_close(&sl[i], &rng);
			st->closes++;
			continue;
		}
		for (i = 0; sl[i].dmabuf >= 0; i++)
			;
		uc = (unsigned int)pm_rng_range(&rng, 0, PM_NUM_USE_CASES - 1);
		len = pm_rng_range(&rng, MIN_LEN, MAX_LEN);
		if (pm_rng_range(&rng, 0, 99) < 70) {
			fd = pm_heap_alloc(w->heaps[uc], len);
			st->heap_allocs++;
		} else {
			fd = pm_protmem_alloc(w->tee, len, 0,
					      pm_use_case(uc)->id, NULL);
			st->tee_allocs++;
		}
		if (fd == -ENOMEM) {
			st->enomem++;
			continue;
		}
		if (fd < 0) {
			note(st, "%s alloc of %" PRIu64 ": %s",
			     pm_use_case(uc)->name, len, strerror(-fd));
			continue;
		}
		sl[i].dmabuf = fd;
		if (pm_rng_range(&rng, 0, 99) >= 60)
			continue;
		ret = pm_shm_register_fd(w->tee, fd, &sl[i].id, &sl[i].size);
		if (ret < 0) {
			note(st, "register-fd (%s, %" PRIu64 "): %s",
			     pm_use_case(uc)->name, len, strerror(-ret));
			continue;
		}
		sl[i].shm = ret;
		st->registers++;
		if (pm_rng_range(&rng, 0, 99) >= 50 || !sdp_heap(uc))
			continue;
		ret = sdp_round_trip(w->tee, w->session, &in, &out, sl[i].id,
				     sl[i].size, &rng, &r);
		st->sdp++;
		if (ret < 0) {
			if (r.err)
				note(st, "SDP invoke: %s", strerror(-r.err));
			else
				note(st, "SDP invoke: ret %#x origin %u", r.ret,
				     r.origin);
		} else if (ret > 0) {
			st->mismatch++;
			note(st, "SDP inject/dump on %s: data differs",
			     pm_use_case(uc)->name);
		}
	}
	/* The rest, in random order */
	for (live = SLOTS; live; ) {
		for (live = 0, i = 0; i < SLOTS; i++)
			live += sl[i].dmabuf >= 0;
		if (!live)
			break;
		do
			i = (unsigned int)pm_rng_range(&rng, 0, SLOTS - 1);
		while (sl[i].dmabuf < 0);
		slot_close(&sl[i], &rng);
		st->closes++;
	}
out:
	pm_shm_free(&in);
	pm_shm_free(&out);
	return NULL;
}

static int stress_proc(struct shared *sh, unsigned int p, uint64_t seed)
{
	struct worker w[NTHREAD];
	int heaps[PM_NUM_USE_CASES] = { -1, -1, -1 };
	char *why = sh->setup[p];
	unsigned int i, started = 0;
	struct pm_res r;
	int tee, ret = 1;

	tee = pm_tee_open();
	if (tee < 0) {
		snprintf(why, MSG_LEN, "open %s: %s", PM_TEE_DEV, strerror(-tee));
		return 1;
	}
	memset(w, 0, sizeof(w));
	r = pm_open_public(tee, sdp_uuid, &w[0].session);
	if (!pm_res_ok(&r)) {
		snprintf(why, MSG_LEN, "open SDP session: err %d ret %#x",
			 r.err, r.ret);
		goto out_tee;
	}
	for (i = 0; i < PM_NUM_USE_CASES; i++) {
		heaps[i] = pm_heap_open(pm_use_case(i)->heap);
		if (heaps[i] < 0) {
			snprintf(why, MSG_LEN, "open %s: %s",
				 pm_use_case(i)->heap, strerror(-heaps[i]));
			goto out_heaps;
		}
	}
	for (i = 0; i < NTHREAD; i++) {
		w[i].tee = tee;
		w[i].session = w[0].session;
		w[i].heaps = heaps;
		w[i].st = &sh->st[p][i];
		w[i].seed = seed ^ ((uint64_t)(p * NTHREAD + i + 1) *
				    0x9e3779b97f4a7c15ULL);
		errno = pthread_create(&w[i].th, NULL, worker_main, &w[i]);
		if (errno) {
			snprintf(why, MSG_LEN, "pthread_create: %s",
				 strerror(errno));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	ret = started == NTHREAD ? 0 : 1;
	if (pm_close_session(tee, w[0].session)) {
		snprintf(why, MSG_LEN, "close session: %s", strerror(errno));
		ret = 1;
	}
out_heaps:
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		if (heaps[i] >= 0)
			close(heaps[i]);
out_tee:
	close(tee);
	return ret;
}

static void test_concurrency(struct tap *t, int64_t ref0, uint64_t seed)
{
	struct shared *sh = shared_map(sizeof(*sh));
	struct tstats sum = { 0 };
	pid_t pid[NPROC];
	unsigned int p, i, started = 0, ok_procs = 0;
	int status, ret;

	if (!sh) {
		tap_skip(t, "no shared memory", "concurrency");
		return;
	}
	fflush(stdout);
	for (p = 0; p < NPROC; p++) {
		pid[p] = fork();
		if (pid[p] == 0)
			_exit(stress_proc(sh, p, seed));
		if (pid[p] < 0)
			break;
		started++;
	}
	for (p = 0; p < started; p++) {
		char who[32];

		ret = wait_child(pid[p], &status, CHILD_TIMEOUT_MS);
		snprintf(who, sizeof(who), "process %u", p);
		if (ret == -ETIMEDOUT)
			tap_diag("%s did not finish in %d ms: killed", who,
				 CHILD_TIMEOUT_MS);
		if (!ret && exited_ok(status)) {
			ok_procs++;
		} else {
			diag_status(who, status);
			if (sh->setup[p][0])
				tap_diag("%s: %s", who, sh->setup[p]);
		}
	}
	for (p = 0; p < NPROC; p++) {
		for (i = 0; i < NTHREAD; i++) {
			struct tstats *st = &sh->st[p][i];

			sum.heap_allocs += st->heap_allocs;
			sum.tee_allocs += st->tee_allocs;
			sum.enomem += st->enomem;
			sum.registers += st->registers;
			sum.sdp += st->sdp;
			sum.closes += st->closes;
			sum.unexpected += st->unexpected;
			sum.mismatch += st->mismatch;
			if (st->msg[0])
				tap_diag("process %u thread %u: %" PRIu64
					 " unexpected, first: %s", p, i,
					 st->unexpected, st->msg);
		}
	}
	tap_diag("ops: %" PRIu64 " heap allocs, %" PRIu64
		 " TEE_IOC_PROTMEM_ALLOCs (%" PRIu64 " ENOMEM), %" PRIu64
		 " register-fd, %" PRIu64 " SDP round trips, %" PRIu64
		 " closes", sum.heap_allocs, sum.tee_allocs, sum.enomem,
		 sum.registers, sum.sdp, sum.closes);
	if (!tap_ok(t, started == NPROC && ok_procs == NPROC,
		    "concurrency: %d processes x %d threads for %d ms all exit 0",
		    NPROC, NTHREAD, STRESS_MS))
		tap_diag("%u of %u started processes exited 0", ok_procs,
			 started);
	tap_ok(t, sum.heap_allocs > 0 && sum.tee_allocs > 0 &&
	       sum.registers > 0 && sum.sdp > 0,
	       "concurrency: every kind of operation ran");
	if (!tap_ok(t, sum.unexpected == 0,
		    "concurrency: no call failed except allocations with ENOMEM"))
		tap_diag("%" PRIu64 " unexpected results", sum.unexpected);
	tap_ok(t, sum.mismatch == 0,
	       "concurrency: every SDP inject -> dump gave the data back");
	tap_ok(t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "concurrency: pools fully free and clean afterwards");
	tap_ok(t, refcnt_back(ref0),
	       "concurrency: vtee refcount back to its starting value");
	munmap(sh, sizeof(*sh));
}

/* ---- 2. killed mid-use -------------------------------------------------- */

#define HELD	4	/* protected buffers the victim holds */

/*
 * The victim: a TEE context, an SDP session, HELD registered protected
 * buffers (one per heap and one TEE_IOC_PROTMEM_ALLOC) with data injected,
 * and normal shms. Says 'r' on @ready, then blocks on @block or (@loop)
 * loops invokes, allocations and frees until killed.
 */
static int victim(int ready, int block, int loop, struct shared *sh,
		  uint64_t seed)
{
	struct pm_shm in = { .fd = -1 }, out = { .fd = -1 };
	struct pm_prot pb[HELD];
	struct pm_rng rng;
	struct pm_res r;
	uint32_t s;
	unsigned int i;
	char c = 'e';
	int tee, ret;

	pm_rng_init(&rng, seed);
	tee = pm_tee_open();
	if (tee < 0)
		goto fail;
	r = pm_open_public(tee, sdp_uuid, &s);
	if (!pm_res_ok(&r))
		goto fail;
	if (pm_shm_new(tee, NORMAL_SIZE, &in) || pm_shm_new(tee, NORMAL_SIZE, &out))
		goto fail;
	for (i = 0; i < HELD; i++) {
		if (i < PM_NUM_USE_CASES) {
			ret = pm_prot_new(tee, pm_use_case(i)->heap, PM_MIB, &pb[i]);
		} else {
			pb[i].shm = -1;
			pb[i].dmabuf = pm_protmem_alloc(tee, PM_MIB, 0,
							pm_use_case(0)->id, NULL);
			ret = pb[i].dmabuf < 0 ? pb[i].dmabuf :
			      pm_shm_register_fd(tee, pb[i].dmabuf, &pb[i].id,
						 &pb[i].size);
			pb[i].shm = ret;
		}
		if (ret < 0 || ((i >= PM_NUM_USE_CASES || sdp_heap(i)) &&
				sdp_round_trip(tee, s, &in, &out, pb[i].id,
					       pb[i].size, &rng, &r)))
			goto fail;
	}
	c = 'r';
	if (write(ready, &c, 1) != 1)
		return 1;
	if (!loop) {
		while (read(block, &c, 1) < 0 && errno == EINTR)
			;
		return 1;	/* not killed: the parent went away */
	}
	for (;;) {
		i = (unsigned int)pm_rng_range(&rng, 0, HELD - 1);
		switch (pm_rng_range(&rng, 0, 3)) {
		case 0:
			sdp_transform(tee, s, pb[i].id, 0, pb[i].size);
			break;
		case 1: {
			struct pm_prot x;

			/* a buffer in flight when the kill comes */
			if (!pm_prot_new(tee, pm_use_case(i % PM_NUM_USE_CASES)->heap,
					 pm_rng_range(&rng, MIN_LEN, MAX_LEN), &x)) {
				sdp_round_trip(tee, s, &in, &out, x.id, x.size,
					       &rng, &r);
				pm_prot_free(&x);
			}
			break;
		}
		default:
			sdp_round_trip(tee, s, &in, &out, pb[i].id, pb[i].size,
				       &rng, &r);
		}
		sh->invokes++;
	}
fail:
	c = 'e';
	if (write(ready, &c, 1) != 1)
		return 1;
	return 1;
}

/* Fork a victim; 0 and its pid once it is ready, else -1. */
static int start_victim(pid_t *pid, int *block_w, int loop, struct shared *sh,
			uint64_t seed)
{
	int rp[2], bp[2];
	struct pollfd pfd;
	char c = 0;

	if (pipe2(rp, O_CLOEXEC))
		return -1;
	if (pipe2(bp, O_CLOEXEC)) {
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	fflush(stdout);
	*pid = fork();
	if (*pid == 0) {
		close(rp[0]);
		close(bp[1]);
		_exit(victim(rp[1], bp[0], loop, sh, seed));
	}
	close(rp[1]);
	close(bp[0]);
	*block_w = bp[1];
	if (*pid < 0) {
		close(rp[0]);
		close(bp[1]);
		return -1;
	}
	pfd.fd = rp[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 20000) != 1 || read(rp[0], &c, 1) != 1 || c != 'r') {
		tap_diag("victim not ready (%s)", c == 'e' ? "its setup failed" : "no answer");
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		close(rp[0]);
		close(bp[1]);
		return -1;
	}
	close(rp[0]);
	return 0;
}

static void test_killed_blocked(struct tap *t, int64_t ref0, uint64_t seed)
{
	uint64_t held;
	int status = 0, block_w = -1, ok;
	pid_t pid;

	if (!tap_ok(t, start_victim(&pid, &block_w, 0, NULL, seed) == 0,
		    "killed blocked: a child holds a session, %d registered protected buffers and normal shms",
		    HELD))
		return;
	held = live_buffers();
	if (!tap_ok(t, held >= HELD, "killed blocked: the pools count its buffers as live"))
		tap_diag("live_buffers %" PRIu64, held);
	kill(pid, SIGKILL);
	ok = wait_child(pid, &status, CHILD_TIMEOUT_MS) == 0;
	close(block_w);
	if (!tap_ok(t, ok && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "killed blocked: the child dies of SIGKILL"))
		diag_status("child", status);
	tap_ok(t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "killed blocked: pools fully free and clean afterwards");
	held = live_buffers();
	if (!tap_ok(t, held == 0, "killed blocked: no live buffers left"))
		tap_diag("live_buffers %" PRIu64, held);
	tap_ok(t, refcnt_back(ref0),
	       "killed blocked: vtee refcount back (sessions and contexts released)");
}

static void test_killed_looping(struct tap *t, int64_t ref0, struct pm_rng *rng)
{
	struct shared *sh = shared_map(sizeof(*sh));
	unsigned int round, started = 0, died = 0, clean = 0, refs = 0;
	uint64_t invokes = 0, delay;
	int status, block_w;
	pid_t pid;

	if (!sh) {
		tap_skip(t, "no shared memory", "killed looping");
		return;
	}
	for (round = 0; round < KILL_ROUNDS; round++) {
		sh->invokes = 0;
		if (start_victim(&pid, &block_w, 1, sh, pm_rng_next(rng)))
			continue;
		started++;
		delay = pm_rng_range(rng, 0, 500);
		pm_sleep_ms((unsigned int)delay);
		kill(pid, SIGKILL);
		status = 0;
		if (!wait_child(pid, &status, CHILD_TIMEOUT_MS) &&
		    WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			died++;
		else
			diag_status("looping child", status);
		close(block_w);
		invokes += sh->invokes;
		if (pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS) && live_buffers() == 0)
			clean++;
		else
			tap_diag("round %u (killed after %" PRIu64 " ms, %" PRIu64
				 " iterations): pools not clean", round, delay,
				 sh->invokes);
		refs += refcnt_back(ref0);
	}
	tap_diag("killed looping: %u rounds, %" PRIu64 " loop iterations before the kills",
		 started, invokes);
	tap_ok(t, started == KILL_ROUNDS && died == KILL_ROUNDS,
	       "killed looping: %d children looping invokes and allocations die of SIGKILL at random moments",
	       KILL_ROUNDS);
	tap_ok(t, started && clean == started,
	       "killed looping: pools fully free and clean, no live buffers, after every kill");
	tap_ok(t, started && refs == started,
	       "killed looping: vtee refcount back after every kill");
	munmap(sh, sizeof(*sh));
}

/* ---- 3. fault injection ------------------------------------------------- */

struct knob {
	char path[128];
	char saved[64];
	int changed;
};

#define MAX_KNOBS	16

struct knobs {
	unsigned int n;
	struct knob k[MAX_KNOBS];
	int failed;		/* a write failed */
};

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Save @dir/@name, then set it to @val. */
static void knob_set(struct knobs *ks, const char *dir, const char *name,
		     const char *val)
{
	struct knob *k;
	size_t n;
	int ret;

	if (ks->n >= MAX_KNOBS) {
		ks->failed = 1;
		return;
	}
	k = &ks->k[ks->n];
	snprintf(k->path, sizeof(k->path), DEBUGFS "/%s/%s", dir, name);
	if (pm_read_file(k->path, k->saved, sizeof(k->saved))) {
		tap_diag("reading %s: %s", k->path, strerror(errno));
		ks->failed = 1;
		return;
	}
	n = strlen(k->saved);
	if (n && k->saved[n - 1] == '\n')
		k->saved[n - 1] = '\0';
	ks->n++;
	ret = write_str(k->path, val);
	if (ret) {
		tap_diag("writing %s to %s: %s", val, k->path, strerror(-ret));
		ks->failed = 1;
		return;
	}
	k->changed = 1;
}

/* Put every knob back, last set first; 1 if all read back as saved. */
static int knobs_restore(struct knobs *ks)
{
	char now[64];
	int ok = 1, ret;
	size_t n;

	while (ks->n) {
		struct knob *k = &ks->k[--ks->n];

		if (!k->changed)
			continue;
		ret = write_str(k->path, k->saved);
		if (!ret)
			ret = pm_read_file(k->path, now, sizeof(now));
		n = strlen(now);
		if (!ret && n && now[n - 1] == '\n')
			now[n - 1] = '\0';
		if (ret || strcmp(now, k->saved)) {
			tap_diag("%s not restored to \"%s\"", k->path, k->saved);
			ok = 0;
		}
		k->changed = 0;
	}
	return ok;
}

/* Operation kinds, and how each ended. */
enum { OP_HEAP, OP_PROTMEM, OP_REGISTER, OP_SESSION, OP_INVOKE, OP_SHM, OP_N };
enum { E_OK, E_ENOMEM, E_EINVAL, E_EFAULT, E_OTHER, E_N };

static const char *const op_name[OP_N] = {
	"heap alloc", "TEE_IOC_PROTMEM_ALLOC", "register-fd", "open session",
	"SDP invoke", "shm alloc",
};

struct fstats {
	uint64_t n[OP_N][E_N];
	int other_errno[OP_N];		/* the last unexpected errno */
	uint64_t tee_oom, tee_other;	/* invokes answering a TEEC error */
	uint32_t tee_other_ret;
	uint64_t mismatch;
	int setup_failed;
};

static void count(struct fstats *fs, int op, int ret)
{
	int e = ret >= 0 ? E_OK : ret == -ENOMEM ? E_ENOMEM :
		ret == -EINVAL ? E_EINVAL : ret == -EFAULT ? E_EFAULT : E_OTHER;

	fs->n[op][e]++;
	if (e == E_OTHER)
		fs->other_errno[op] = -ret;
}

static void count_res(struct fstats *fs, const struct pm_res *r)
{
	if (r->err) {
		count(fs, OP_INVOKE, r->err);
		return;
	}
	count(fs, OP_INVOKE, 0);
	if (r->ret == PM_TEEC_ERROR_OUT_OF_MEMORY) {
		fs->tee_oom++;
	} else if (r->ret != PM_TEEC_SUCCESS) {
		fs->tee_other++;
		fs->tee_other_ret = r->ret;
	}
}

/* One round of everything; @fs NULL while warming up. */
static void fault_iteration(int tee, uint32_t s, const int *heaps,
			    struct pm_shm *in, struct pm_shm *out,
			    struct pm_rng *rng, struct fstats *fs)
{
	unsigned int uc = (unsigned int)pm_rng_range(rng, 0, PM_NUM_USE_CASES - 1);
	uint64_t len = pm_rng_range(rng, MIN_LEN, MAX_LEN / 4);
	struct fstats dummy;
	struct slot sl = { -1, -1, 0, 0 };
	struct pm_res r;
	uint32_t s2 = 0;
	int ret;

	if (!fs) {
		memset(&dummy, 0, sizeof(dummy));
		fs = &dummy;
	}
	if (pm_rng_next(rng) & 1) {
		sl.dmabuf = pm_heap_alloc(heaps[uc], len);
		count(fs, OP_HEAP, sl.dmabuf);
	} else {
		sl.dmabuf = pm_protmem_alloc(tee, len, 0, pm_use_case(uc)->id, NULL);
		count(fs, OP_PROTMEM, sl.dmabuf);
	}
	if (sl.dmabuf >= 0) {
		sl.shm = pm_shm_register_fd(tee, sl.dmabuf, &sl.id, &sl.size);
		count(fs, OP_REGISTER, sl.shm);
	}
	if (sl.shm >= 0 && sdp_heap(uc)) {
		ret = sdp_round_trip(tee, s, in, out, sl.id, sl.size, rng, &r);
		count_res(fs, &r);
		fs->mismatch += ret > 0;
		if (ret == 0) {
			r = sdp_transform(tee, s, sl.id, 0, sl.size);
			count_res(fs, &r);
		}
	}
	if (sl.dmabuf >= 0)
		slot_close(&sl, rng);

	if (!pm_rng_range(rng, 0, 7)) {
		r = pm_open_public(tee, sdp_uuid, &s2);
		count(fs, OP_SESSION, r.err);
		if (pm_res_ok(&r))
			pm_close_session(tee, s2);
	}
	if (!pm_rng_range(rng, 0, 7)) {
		ret = pm_shm_alloc(tee, pm_rng_range(rng, 1, NORMAL_SIZE), NULL, NULL);
		count(fs, OP_SHM, ret);
		if (ret >= 0)
			close(ret);
	}
}

/* The process under test: everything set up, then @ms of injected failures. */
static int fault_child(struct fstats *fs, uint64_t seed)
{
	struct pm_shm in = { .fd = -1 }, out = { .fd = -1 };
	int heaps[PM_NUM_USE_CASES];
	struct pm_rng rng;
	struct pm_res r;
	uint64_t end;
	uint32_t s;
	unsigned int i;
	int tee, mif;

	pm_rng_init(&rng, seed);
	fs->setup_failed = 1;
	mif = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	tee = pm_tee_open();
	if (mif < 0 || tee < 0)
		return 1;
	r = pm_open_public(tee, sdp_uuid, &s);
	if (!pm_res_ok(&r) || pm_shm_new(tee, NORMAL_SIZE, &in) ||
	    pm_shm_new(tee, NORMAL_SIZE, &out))
		return 1;
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		if ((heaps[i] = pm_heap_open(pm_use_case(i)->heap)) < 0)
			return 1;
	/* Fault in every page the loop touches before failures start */
	for (i = 0; i < 20; i++)
		fault_iteration(tee, s, heaps, &in, &out, &rng, NULL);
	fs->setup_failed = 0;

	if (write(mif, "1", 1) != 1)
		return 2;
	end = pm_now_ms() + FAULT_MS;
	while (pm_now_ms() < end)
		fault_iteration(tee, s, heaps, &in, &out, &rng, fs);
	while (write(mif, "0", 1) != 1)
		;
	close(mif);

	pm_close_session(tee, s);
	pm_shm_free(&in);
	pm_shm_free(&out);
	for (i = 0; i < PM_NUM_USE_CASES; i++)
		close(heaps[i]);
	close(tee);
	return 0;
}

/* A normal allocation per heap, registered, with an SDP round trip. */
static int normal_allocation_works(void)
{
	struct pm_shm in = { .fd = -1 }, out = { .fd = -1 };
	struct pm_rng rng;
	struct pm_prot pb;
	struct pm_res r;
	unsigned int i;
	uint32_t s;
	int tee, ok = 0, ret;

	pm_rng_init(&rng, 1);
	tee = pm_tee_open();
	if (tee < 0)
		return 0;
	r = pm_open_public(tee, sdp_uuid, &s);
	if (!pm_res_ok(&r))
		goto out_tee;
	if (pm_shm_new(tee, NORMAL_SIZE, &in) || pm_shm_new(tee, NORMAL_SIZE, &out))
		goto out;
	for (i = 0, ok = 1; i < PM_NUM_USE_CASES; i++) {
		ret = pm_prot_new(tee, pm_use_case(i)->heap, PM_MIB, &pb);
		if (ret) {
			tap_diag("%s: %s", pm_use_case(i)->heap, strerror(-ret));
			ok = 0;
			continue;
		}
		if (sdp_heap(i) &&
		    sdp_round_trip(tee, s, &in, &out, pb.id, pb.size, &rng, &r)) {
			tap_diag("%s: SDP round trip failed", pm_use_case(i)->heap);
			ok = 0;
		}
		pm_prot_free(&pb);
	}
out:
	pm_shm_free(&in);
	pm_shm_free(&out);
	pm_close_session(tee, s);
out_tee:
	close(tee);
	return ok;
}

static void fault_phase(struct tap *t, const char *dir, int64_t ref0,
			struct pm_rng *rng)
{
	struct fstats *fs;
	struct knobs ks = { 0 };
	uint64_t failed = 0, other = 0;
	int status = 0, ret, op, restored;
	char path[160];
	pid_t pid;

	snprintf(path, sizeof(path), DEBUGFS "/%s/probability", dir);
	if (!pm_path_exists(path)) {
		tap_skip(t, "no " DEBUGFS "/ fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS)",
			 "%s: calls fail cleanly under injected failures", dir);
		return;
	}
	fs = shared_map(sizeof(*fs));
	if (!fs) {
		tap_skip(t, "no shared memory", "%s", dir);
		return;
	}

	/* Off while changing the rest; probability last */
	knob_set(&ks, dir, "probability", "0");
	knob_set(&ks, dir, "verbose", "0");
	knob_set(&ks, dir, "task-filter", "Y");
	knob_set(&ks, dir, "interval", "1");
	knob_set(&ks, dir, "times", "-1");
	knob_set(&ks, dir, "space", "0");
	knob_set(&ks, dir, "ignore-gfp-wait", "N");
	if (!strcmp(dir, "fail_page_alloc"))
		knob_set(&ks, dir, "min-order", "0");
	if (!ks.failed)
		knob_set(&ks, dir, "probability",
			 strcmp(dir, "fail_page_alloc") ? FAULT_PROB : FAULT_PROB_PAGE);
	if (ks.failed) {
		tap_ok(t, 0, "%s: fault injection configured", dir);
		tap_ok(t, knobs_restore(&ks), "%s: every debugfs knob restored", dir);
		munmap(fs, sizeof(*fs));
		return;
	}

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fault_child(fs, pm_rng_next(rng)));
	ret = pid < 0 ? -errno : wait_child(pid, &status, CHILD_TIMEOUT_MS);
	restored = knobs_restore(&ks);

	if (ret == -ETIMEDOUT)
		tap_diag("the process under test hung: killed after %d ms",
			 CHILD_TIMEOUT_MS);
	if (!tap_ok(t, !ret && exited_ok(status),
		    "%s: the process under injected failures survives and exits 0", dir)) {
		diag_status("process under test", status);
		if (fs->setup_failed)
			tap_diag("its setup (before injection) failed");
	}
	for (op = 0; op < OP_N; op++) {
		failed += fs->n[op][E_ENOMEM] + fs->n[op][E_EINVAL] +
			  fs->n[op][E_EFAULT] + fs->n[op][E_OTHER];
		other += fs->n[op][E_OTHER];
		tap_diag("%s %s: %" PRIu64 " ok, %" PRIu64 " ENOMEM, %" PRIu64
			 " EINVAL, %" PRIu64 " EFAULT, %" PRIu64 " other%s%s",
			 dir, op_name[op], fs->n[op][E_OK], fs->n[op][E_ENOMEM],
			 fs->n[op][E_EINVAL], fs->n[op][E_EFAULT],
			 fs->n[op][E_OTHER], fs->n[op][E_OTHER] ? ", last " : "",
			 fs->n[op][E_OTHER] ? strerror(fs->other_errno[op]) : "");
	}
	tap_diag("%s: invokes answered OUT_OF_MEMORY %" PRIu64 ", other TEEC errors %"
		 PRIu64 " (last %#x)", dir, fs->tee_oom, fs->tee_other,
		 fs->tee_other_ret);
	if (!tap_ok(t, failed + fs->tee_oom > 0,
		    "%s: injected failures reached the calls under test", dir))
		tap_diag("no call failed: injection did not take");
	tap_ok(t, other == 0,
	       "%s: every failing call fails with ENOMEM, EINVAL or EFAULT", dir);
	if (!tap_ok(t, fs->mismatch == 0,
		    "%s: a successful SDP inject + dump always gives the data back", dir))
		tap_diag("%" PRIu64 " mismatches", fs->mismatch);
	tap_ok(t, restored, "%s: every debugfs knob restored", dir);
	tap_ok(t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "%s: pools fully free and clean after injection", dir);
	tap_ok(t, refcnt_back(ref0), "%s: vtee refcount back afterwards", dir);
	tap_ok(t, normal_allocation_works(),
	       "%s: injection off, a normal allocation + register + SDP round trip (secure-video) works on every heap",
	       dir);
	tap_ok(t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
	       "%s: pools fully free and clean at the end", dir);
	munmap(fs, sizeof(*fs));
}

int main(void)
{
	uint64_t seed = pm_seed();
	struct pm_rng rng;
	struct tap t;
	int64_t ref0;

	tap_init(&t);
	tap_diag("seed %" PRIu64 " (PROTMEM_SEED=%" PRIu64 " replays the random choices)",
		 seed, seed);
	pm_rng_init(&rng, seed);
	pm_uuid_parse(PM_SDP_TA_UUID, sdp_uuid);

	if (!tap_ok(&t, pm_wait_all_clean(PM_CLEAN_TIMEOUT_MS),
		    "pools fully free and clean at the start"))
		return tap_done(&t);
	ref0 = pm_vtee_refcnt();
	if (!tap_ok(&t, ref0 >= 0, "vtee refcount readable (%" PRId64 ")", ref0))
		return tap_done(&t);

	test_concurrency(&t, ref0, pm_rng_next(&rng));
	test_killed_blocked(&t, ref0, pm_rng_next(&rng));
	test_killed_looping(&t, ref0, &rng);
	fault_phase(&t, "failslab", ref0, &rng);
	fault_phase(&t, "fail_page_alloc", ref0, &rng);
	return tap_done(&t);
}
