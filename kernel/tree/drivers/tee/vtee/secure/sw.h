/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated secure world of vtee: its entry points, the only functions
 * the normal-world driver may call. Everything else under secure/ is
 * private to the secure world.
 */
#ifndef VTEE_SW_H
#define VTEE_SW_H

#include <linux/types.h>

#include "../msg.h"

struct vtee_sw;

/* Stream IDs of the emulated DMA masters (the firewall's device names) */
#define VTEE_STREAM_VDEC	1	/* "vdec": video decoder */
#define VTEE_STREAM_VDISP	2	/* "vdisp": display */
#define VTEE_STREAM_VCAM	3	/* "vcam": camera */
#define VTEE_STREAM_VENC	4	/* "venc": video encoder */
#define VTEE_STREAM_VGEM	5	/* "vgem": the DRM vgem importer */
#define VTEE_STREAM_MAX		VTEE_STREAM_VGEM

/* Firewall rules when the module parameter gives none */
#define VTEE_FIREWALL_DEFAULT \
	"secure-video=vdec:rw,vdisp:r;trusted-ui=vdisp:r;secure-video-record=vcam:w,venc:rw"

/**
 * struct vtee_sw_config - what the secure world boots with
 * @carveout_base:	physical start of the protected carveout (0: none)
 * @carveout_size:	its size
 * @firewall:		rules, "use-case=dev:rw,dev:r;use-case=..."; NULL
 *			for VTEE_FIREWALL_DEFAULT
 * @testing:		serve the test-only TAs (CONFIG_VTEE_TESTING); they
 *			hand protected content back to the normal world
 */
struct vtee_sw_config {
	phys_addr_t carveout_base;
	size_t carveout_size;
	const char *firewall;
	bool testing;
};

/**
 * enum vtee_sw_clear - the primitives the secure world can scrub a page with
 * @VTEE_SW_CLEAR_MEMSET:	memset()
 * @VTEE_SW_CLEAR_PAGE:		clear_page(), on the page-aligned secure mapping
 * @VTEE_SW_CLEAR_MEMSET64:	memset64() (x86-64: rep stosq)
 * @VTEE_SW_CLEAR_NR:		how many
 *
 * vtee_sw_start() times each on the carveout and scrubs with the fastest.
 */
enum vtee_sw_clear {
	VTEE_SW_CLEAR_MEMSET,
	VTEE_SW_CLEAR_PAGE,
	VTEE_SW_CLEAR_MEMSET64,
	VTEE_SW_CLEAR_NR,
};

extern const char *const vtee_sw_clear_names[VTEE_SW_CLEAR_NR];

/**
 * struct vtee_sw_stats - secure-world counters (for sysfs)
 * @violations:	refused device accesses, per use case (index 1..3)
 * @scrubbed:	bytes zeroed by VTEE_MSG_SCRUB
 * @calls:	messages handled
 * @sessions:	sessions open now, of normal-world clients
 * @ta_sessions: sessions open now that TAs opened to other TAs
 * @clear_mibs:	MiB/s of each primitive at start, best of a few rounds over
 *		the carveout (0: not measured, no carveout)
 * @clear:	the primitive scrubs use (enum vtee_sw_clear); written once,
 *		by vtee_sw_start() before any scrub, then only read
 */
struct vtee_sw_stats {
	u64 violations[4];
	u64 scrubbed;
	u64 calls;
	u64 sessions;
	u64 ta_sessions;
	u64 clear_mibs[VTEE_SW_CLEAR_NR];
	u32 clear;
};

struct vtee_sw *vtee_sw_start(const struct vtee_sw_config *cfg);
void vtee_sw_stop(struct vtee_sw *sw);
int vtee_sw_call(struct vtee_sw *sw, struct vtee_msg *msg);
int vtee_sw_fast_call(struct vtee_sw *sw, struct vtee_msg *msg);
int vtee_sw_local_call(struct vtee_sw *sw, struct vtee_msg *msg);
void vtee_sw_get_stats(struct vtee_sw *sw, struct vtee_sw_stats *st);
ssize_t vtee_sw_show_allowed(struct vtee_sw *sw, u32 use_case, char *buf);

#endif /* VTEE_SW_H */
