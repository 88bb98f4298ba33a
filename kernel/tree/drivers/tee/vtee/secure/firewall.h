/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee secure world: the firewall table, which device streams may read
 * and write the protected memory of each use case.
 *
 * Pure logic: no locking, no allocation, no kernel framework beyond types,
 * string and errno, so KUnit (firewall_test.c) and host-side tests drive
 * it directly. A table is filled once by vtee_fw_parse() and read-only
 * afterwards; concurrent readers need no lock.
 *
 * Use-case and stream numbers are those of ../msg.h and sw.h (checked at
 * build time in sw_core.c, and by the KUnit suite for the names).
 */
#ifndef VTEE_FIREWALL_H
#define VTEE_FIREWALL_H

#include <linux/types.h>

/* Use cases 1..3: secure-video, trusted-ui, secure-video-record */
#define VTEE_FW_NUM_USE_CASES	3
/* Streams 1..5: vdec, vdisp, vcam, venc, vgem (VTEE_STREAM_* in sw.h) */
#define VTEE_FW_NUM_STREAMS	5

/* Access bits: as VTEE_ACCESS_READ / VTEE_ACCESS_WRITE in ../msg.h */
#define VTEE_FW_READ		0x1u
#define VTEE_FW_WRITE		0x2u
#define VTEE_FW_RW		(VTEE_FW_READ | VTEE_FW_WRITE)

/* Table dimensions: index 0 unused, so numbers index it directly */
#define VTEE_FW_ROWS		(VTEE_FW_NUM_USE_CASES + 1)
#define VTEE_FW_COLS		(VTEE_FW_NUM_STREAMS + 1)

/* Longest output of vtee_fw_show(): every stream "name:rw ", then "\n" */
#define VTEE_FW_SHOW_MAX	64

/**
 * struct vtee_fw - the firewall table
 * @allow:	VTEE_FW_* bits each stream may use, per use case; row and
 *		column 0 are unused so that use cases and streams index it
 *		directly. Written only by vtee_fw_parse().
 */
struct vtee_fw {
	u8 allow[VTEE_FW_ROWS][VTEE_FW_COLS];
};

int vtee_fw_parse(struct vtee_fw *fw, const char *rules);
bool vtee_fw_check(const struct vtee_fw *fw, u32 use_case, u32 stream,
		   u32 access);
int vtee_fw_show(const struct vtee_fw *fw, u32 use_case, char *buf,
		 size_t size);
const char *vtee_fw_use_case_name(u32 use_case);
const char *vtee_fw_stream_name(u32 stream);

#endif /* VTEE_FIREWALL_H */
