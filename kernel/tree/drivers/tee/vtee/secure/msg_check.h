/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee secure world: bounds arithmetic for memref windows and physical
 * ranges, and the packing of parameter types.
 *
 * Pure C on purpose: no locking, no allocation, no kernel framework, so
 * that KUnit (msg_check_test.c) and host-side tests can drive it directly.
 * Every range is [start, start + len); a range whose end does not fit in
 * 64 bits is malformed, never "wrapped around".
 */
#ifndef VTEE_MSG_CHECK_H
#define VTEE_MSG_CHECK_H

#include <linux/types.h>

/* Parameter type codes as packed by vtee_msg_pack_types(): 4 bits each */
#define VTEE_MSG_TYPES(t0, t1, t2, t3) \
	((u32)(t0) | ((u32)(t1) << 4) | ((u32)(t2) << 8) | ((u32)(t3) << 12))
/* Packed in place of a type that is not a valid VTEE_MSG_ATTR_* value */
#define VTEE_MSG_TYPE_BAD	0xf

int vtee_msg_check_window(u64 buf_size, u64 offs, u64 size);
bool vtee_msg_range_valid(u64 start, u64 len);
bool vtee_msg_range_within(u64 start, u64 len, u64 outer, u64 outer_len);
bool vtee_msg_ranges_overlap(u64 a, u64 a_len, u64 b, u64 b_len);
u32 vtee_msg_pack_types(const u32 *attrs, unsigned int num);

#endif /* VTEE_MSG_CHECK_H */
