/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee secure world: private state, shared by the files under secure/
 * only. The normal world sees none of this (it has sw.h).
 *
 * Concurrency model: one kernel thread, "vtee-secure", plays the secure
 * CPU and handles one message at a time. All secure state (sessions,
 * regions, TA data) is owned by that thread and touched by nobody else,
 * so it needs no lock; only the message queue and the counters, which the
 * normal world reaches through sw.h, are locked. The one exception is the
 * buffer table: fast calls (vtee_sw_fast_call(), as OP-TEE's fast SMCs)
 * add and remove buffers on the calling CPU, so the table has a mutex,
 * which the secure thread takes for each lookup of a buffer and for each
 * change to the region list (which a fast call reads). Scrubs may also run
 * on the calling CPU (vtee_sw_local_call(), as OP-TEE's yielding calls on
 * several cores): they read the region list under the mutex and hold
 * @scrub_sem for read while they use a region, which its removal takes
 * for write. vtee_sw_start() and vtee_sw_stop() touch secure state while
 * the thread does not run.
 */
#ifndef VTEE_SW_PRIVATE_H
#define VTEE_SW_PRIVATE_H

#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>

#include "firewall.h"
#include "sw.h"

struct task_struct;
struct vtee_sw_sess;

/**
 * struct vtee_sw_region - protected memory the secure world polices
 * @node:	entry in vtee_sw.regions
 * @paddr:	first byte (page aligned)
 * @size:	size in bytes (page aligned, not 0)
 * @use_case:	use case the memory belongs to (1..3)
 * @vaddr:	the secure world's mapping of @paddr; every CPU access to
 *		protected memory goes through it
 * @lent:	normal memory lent by the normal world (mapped by vmap(),
 *		given back by VTEE_MSG_RECLAIM), not carveout
 *
 * Carveout regions are mapped through the carveout's mapping. Memory lent
 * from outside the carveout (dynamic pools) comes with its own mapping:
 * vtee_sw_region_add() takes @vaddr from its caller for that reason.
 */
struct vtee_sw_region {
	struct list_head node;
	u64 paddr;
	u64 size;
	u32 use_case;
	void *vaddr;
	bool lent;
};

/**
 * struct vtee_sw_buf - a live buffer of protected memory
 * @node:	in vtee_sw.bufs, by @paddr
 * @paddr:	first byte (page aligned)
 * @size:	size in bytes (page aligned, not 0)
 * @region:	the region holding it
 *
 * The pools announce each buffer they hand out (VTEE_MSG_BUF_ADD) and
 * each they take back (VTEE_MSG_BUF_DEL). Buffers never overlap.
 */
struct vtee_sw_buf {
	struct rb_node node;
	u64 paddr;
	u64 size;
	struct vtee_sw_region *region;
};

/* Use-case bit of vtee_sw_ta.may_read / may_write */
#define VTEE_SW_UC(uc)		BIT(uc)

/**
 * struct vtee_sw_ta - a pseudo trusted application
 * @name:	short name, for logs
 * @uuid:	what clients open
 * @test_only:	a test TA that hands protected content back to the normal
 *		world: built only with CONFIG_VTEE_TESTING and served only
 *		when vtee was loaded with testing=1
 * @may_read:	use cases (VTEE_SW_UC()) whose protected buffers the TA may
 *		read; the secure world refuses any other memref
 * @may_write:	use cases whose protected buffers it may write
 * @ta_clients_only: protected memrefs are taken from TA clients only (a
 *		session opened with vtee_sw_ta_open()); a normal-world
 *		client's call with one is TEEC_ERROR_BAD_PARAMETERS from
 *		TEEC_ORIGIN_TEE before the TA runs, as OP-TEE does for
 *		pseudo-TAs
 * @init:	optional: set up the TA's world-global data when the secure
 *		world starts; 0 or -errno
 * @exit:	optional: tear it down (and zeroize secrets) when it stops
 * @open:	optional: accept a session; TEEC_* result
 * @invoke:	run command @func with the packed parameter types @types
 *		(VTEE_MSG_TYPES()) on @params; TEEC_* result (origin
 *		TEEC_ORIGIN_TRUSTED_APP)
 * @close:	optional: forget a session
 *
 * All callbacks but @init/@exit run on the secure thread.
 */
struct vtee_sw_ta {
	const char *name;
	uuid_t uuid;
	bool test_only;
	u32 may_read;
	u32 may_write;
	bool ta_clients_only;
	int (*init)(struct vtee_sw *sw, void **data);
	void (*exit)(struct vtee_sw *sw, void *data);
	u32 (*open)(struct vtee_sw_sess *sess, u32 types,
		    struct vtee_msg_param *params);
	u32 (*invoke)(struct vtee_sw_sess *sess, u32 func, u32 types,
		      struct vtee_msg_param *params);
	void (*close)(struct vtee_sw_sess *sess);
};

/**
 * struct vtee_sw_sess - an open session
 * @sw:		the secure world
 * @ta:		the TA it talks to
 * @ta_data:	that TA's world-global data (from vtee_sw_ta.init)
 * @priv:	the TA's per-session data
 * @id:		session id given to the normal world (never reused while
 *		the secure world runs)
 * @client:	the client that opened it (vtee_msg.client); only it may
 *		invoke, cancel or close the session
 * @login:	TEE_IOCTL_LOGIN_* the client opened it with
 * @client_uid:	the client's uid for TEE_IOCTL_LOGIN_USER
 * @cancel_id:	cancellation requested for calls with this id (0: none)
 * @parent:	the session whose TA opened this one (vtee_sw_ta_open());
 *		NULL for a session of a normal-world client. A TA-opened
 *		session is not in vtee_sw.sessions (its @id is 0): the normal
 *		world cannot name it; only @parent's TA reaches it. It keeps
 *		@parent's @client, @login and @client_uid
 * @depth:	0 for a normal-world client's session, @parent's + 1 for a
 *		TA-opened one (at most VTEE_SW_MAX_DEPTH)
 * @children:	sessions this session's TA opened and has not closed; they
 *		are closed when this one closes
 * @child_node:	entry in @parent's @children
 *
 * Secure thread only, as all session state (sw_private.h).
 */
struct vtee_sw_sess {
	struct vtee_sw *sw;
	const struct vtee_sw_ta *ta;
	void *ta_data;
	void *priv;
	u32 id;
	u64 client;
	u32 login;
	u32 client_uid;
	u32 cancel_id;
	struct vtee_sw_sess *parent;
	unsigned int depth;
	struct list_head children;
	struct list_head child_node;
};

/*
 * Deepest chain of TA-to-TA calls: a client's session to TA A, A's session
 * to B, B's to C... Nested calls run on the secure thread's stack, one
 * frame set per hop, so the chain is bounded; the open that would go
 * deeper is TEEC_ERROR_BUSY.
 */
#define VTEE_SW_MAX_DEPTH	4

/**
 * struct vtee_sw_win - a memref window the secure world has checked
 * @mr:		the memref it came from (for size updates)
 * @null:	null memref: no buffer, @size only says what the client has
 * @region:	protected memory: the region holding the whole buffer;
 *		NULL for normal memory
 * @buf_size:	protected memory: size of the live buffer the memref
 *		describes (0: normal memory)
 * @vaddr:	protected memory: secure mapping of the window's first byte
 * @paddr:	normal contiguous memory: the window's first byte
 * @pages:	normal page-list memory: the buffer's pages (NULL: contiguous)
 * @pos:	normal page-list memory: the window's first byte, counted
 *		from the start of @pages[0]
 * @size:	window size in bytes
 */
struct vtee_sw_win {
	struct vtee_msg_memref *mr;
	bool null;
	struct vtee_sw_region *region;
	u64 buf_size;
	void *vaddr;
	u64 paddr;
	struct page **pages;
	u64 pos;
	u64 size;
};

/*
 * Number of TAs in vtee_sw_tas[] (sw_core.c): the SDP TA, the invoke-tests
 * pseudo-TA and the nesting TA are test-only
 */
#define VTEE_SW_NUM_TAS		(1 + 3 * IS_ENABLED(CONFIG_VTEE_TESTING))

/**
 * struct vtee_sw - the emulated secure world
 * @carveout_base:	physical start of the static carveout (0: none)
 * @carveout_size:	its size
 * @carveout:		the secure world's mapping of it (NULL: none)
 * @testing:		test-only TAs are served (vtee_sw_config.testing)
 * @fw:			firewall table; read-only after vtee_sw_start(), so
 *			read without locking from any thread
 * @thread:		the secure CPU
 * @lock:		guards @queue, @stopping and @stats
 * @queue:		messages waiting for the secure CPU (struct vtee_sw_req)
 * @stopping:		vtee_sw_stop() has begun; no message is queued after
 * @wq:			the secure thread sleeps here for @queue
 * @stats:		counters
 * @sessions:		open sessions by id; secure thread only
 * @regions:		struct vtee_sw_region list; changed by the secure thread
 *			only, under @bufs_lock (fast calls read it)
 * @bufs_lock:		guards @bufs, and changes to @regions
 * @scrub_sem:		held for read by local scrubs while they use a region,
 *			for write to remove one (none is then in use)
 * @bufs:		live buffers (struct vtee_sw_buf)
 * @ta_data:		each TA's world-global data, as vtee_sw_tas[];
 *			written at start and stop only, used by the thread
 */
struct vtee_sw {
	phys_addr_t carveout_base;
	size_t carveout_size;
	void *carveout;
	bool testing;
	struct vtee_fw fw;

	struct task_struct *thread;
	spinlock_t lock;	/* see kernel-doc: queue, stopping, stats */
	struct list_head queue;
	bool stopping;
	wait_queue_head_t wq;
	struct vtee_sw_stats stats;

	struct idr sessions;
	struct list_head regions;
	struct mutex bufs_lock;	/* guards bufs, changes to regions */
	struct rw_semaphore scrub_sem;	/* regions in use by local scrubs */
	struct rb_root bufs;
	void *ta_data[VTEE_SW_NUM_TAS];
};

extern const struct vtee_sw_ta vtee_ta_crypt;
#if IS_ENABLED(CONFIG_VTEE_TESTING)
extern const struct vtee_sw_ta vtee_ta_sdp;
extern const struct vtee_sw_ta vtee_ta_invoke_tests;
extern const struct vtee_sw_ta vtee_ta_nest;
#endif

/* sw_core.c: TA-to-TA calls (the GP Internal API's TEE_OpenTASession...) */
u32 vtee_sw_ta_open(struct vtee_sw_sess *caller, const uuid_t *uuid,
		    u32 types, struct vtee_msg_param *params,
		    struct vtee_sw_sess **out, u32 *origin);
u32 vtee_sw_ta_invoke(struct vtee_sw_sess *caller, struct vtee_sw_sess *sess,
		      u32 func, u32 types, struct vtee_msg_param *params,
		      u32 *origin);
void vtee_sw_ta_close(struct vtee_sw_sess *caller, struct vtee_sw_sess *sess);

/* sw_mem.c */
int vtee_sw_region_add(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case,
		       void *vaddr);
void vtee_sw_regions_free(struct vtee_sw *sw);
u32 vtee_sw_region_lend(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case);
u32 vtee_sw_region_reclaim(struct vtee_sw *sw, u64 paddr, u64 size);
struct vtee_sw_region *vtee_sw_region_find(struct vtee_sw *sw, u64 paddr,
					   u64 size);
bool vtee_sw_touches_protected(struct vtee_sw *sw, u64 paddr, u64 size);
u32 vtee_sw_buf_add(struct vtee_sw *sw, u64 paddr, u64 size, u32 use_case);
u32 vtee_sw_buf_del(struct vtee_sw *sw, u64 paddr, u64 size);
bool vtee_sw_buf_find(struct vtee_sw *sw, u64 paddr, u64 size,
		      struct vtee_sw_buf *out);
bool vtee_sw_buf_overlaps(struct vtee_sw *sw, u64 paddr, u64 size);
void vtee_sw_scrub_range(struct vtee_sw *sw, void *vaddr, u64 size);
void vtee_sw_clear_calibrate(struct vtee_sw *sw);

/* What a TA wants of a memref: normal memory, or protected memory it reads/writes */
#define VTEE_SW_NORMAL		0
#define VTEE_SW_PROT_READ	VTEE_ACCESS_READ
#define VTEE_SW_PROT_WRITE	VTEE_ACCESS_WRITE
#define VTEE_SW_PROT_RW		(VTEE_ACCESS_READ | VTEE_ACCESS_WRITE)

u32 vtee_sw_win_get(struct vtee_sw_sess *sess, struct vtee_msg_memref *mr,
		    u32 want, struct vtee_sw_win *win);
bool vtee_sw_win_whole(const struct vtee_sw_win *win);
int vtee_sw_win_read(const struct vtee_sw_win *win, u64 pos, void *dst,
		     size_t len);
int vtee_sw_win_write(const struct vtee_sw_win *win, u64 pos, const void *src,
		      size_t len);
int vtee_sw_win_copy(const struct vtee_sw_win *dst,
		     const struct vtee_sw_win *src, size_t len);

/* sw_dma.c */
void vtee_sw_dma(struct vtee_sw *sw, struct vtee_msg *msg);

#endif /* VTEE_SW_PRIVATE_H */
