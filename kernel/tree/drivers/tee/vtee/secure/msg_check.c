// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: bounds arithmetic for memref windows and physical
 * ranges (see msg_check.h). Pure C, no kernel framework; KUnit includes
 * this file directly (msg_check_test.c).
 */
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/types.h>

#include "msg_check.h"

/* VTEE_MSG_ATTR_TYPE_MASK and the valid VTEE_MSG_ATTR_* values of ../msg.h */
#define VTEE_MSG_CHECK_TYPE_MASK	0xff
#define VTEE_MSG_CHECK_TYPE_MAX		7
#define VTEE_MSG_CHECK_TYPE_HOLE	4
#define VTEE_MSG_CHECK_NUM_PARAMS	4

/**
 * vtee_msg_check_window() - check a memref window against its buffer
 * @buf_size:	size of the whole buffer
 * @offs:	start of the window in the buffer
 * @size:	size of the window
 *
 * A window may be empty, also at the very end of the buffer (@offs equal
 * to @buf_size with @size 0), but no byte of it may lie outside the buffer,
 * and @offs + @size must not wrap around.
 *
 * Return: 0 if the window lies within the buffer, -EINVAL otherwise.
 */
int vtee_msg_check_window(u64 buf_size, u64 offs, u64 size)
{
	u64 end;

	if (check_add_overflow(offs, size, &end))
		return -EINVAL;
	if (offs > buf_size || size > buf_size - offs)
		return -EINVAL;
	return 0;
}

/**
 * vtee_msg_range_valid() - check that a range's end fits in 64 bits
 * @start:	first byte
 * @len:	length in bytes
 *
 * Return: true if @start + @len does not overflow.
 */
bool vtee_msg_range_valid(u64 start, u64 len)
{
	u64 end;

	return !check_add_overflow(start, len, &end);
}

/**
 * vtee_msg_range_within() - is one range wholly inside another
 * @start:	first byte of the inner range
 * @len:	its length (0: only @start is checked, which may equal the
 *		end of the outer range)
 * @outer:	first byte of the outer range
 * @outer_len:	its length
 *
 * Return: true if [@start, @start + @len) lies in [@outer, @outer +
 * @outer_len); false if it does not or either range is malformed.
 */
bool vtee_msg_range_within(u64 start, u64 len, u64 outer, u64 outer_len)
{
	if (!vtee_msg_range_valid(start, len) ||
	    !vtee_msg_range_valid(outer, outer_len))
		return false;
	return start >= outer && start - outer <= outer_len &&
	       len <= outer_len - (start - outer);
}

/**
 * vtee_msg_ranges_overlap() - do two ranges share a byte
 * @a:		first byte of the first range
 * @a_len:	its length
 * @b:		first byte of the second range
 * @b_len:	its length
 *
 * Empty ranges overlap nothing. A malformed range (end beyond 64 bits) is
 * treated as reaching the end of the address space, so that a caller
 * asking "is this clear of protected memory?" never gets a wrong "yes".
 *
 * Return: true if the ranges overlap.
 */
bool vtee_msg_ranges_overlap(u64 a, u64 a_len, u64 b, u64 b_len)
{
	u64 a_last, b_last;

	if (!a_len || !b_len)
		return false;
	if (check_add_overflow(a, a_len - 1, &a_last))
		a_last = U64_MAX;
	if (check_add_overflow(b, b_len - 1, &b_last))
		b_last = U64_MAX;
	return a <= b_last && b <= a_last;
}

/**
 * vtee_msg_pack_types() - pack parameter types for one comparison
 * @attrs:	VTEE_MSG_ATTR_* of each parameter (flags above the type mask
 *		are ignored)
 * @num:	number of entries in @attrs; missing ones count as NONE
 *
 * Packs four 4-bit type codes like GlobalPlatform's TEE_PARAM_TYPES(), so
 * a trusted application checks its whole parameter layout at once against
 * VTEE_MSG_TYPES(). A type that is not a VTEE_MSG_ATTR_* value becomes
 * VTEE_MSG_TYPE_BAD, which no layout uses.
 *
 * Return: the packed types; all four VTEE_MSG_TYPE_BAD if @num is more
 * than the four parameters a message has.
 */
u32 vtee_msg_pack_types(const u32 *attrs, unsigned int num)
{
	u32 types = 0;
	unsigned int i;

	if (num > VTEE_MSG_CHECK_NUM_PARAMS)
		return VTEE_MSG_TYPES(VTEE_MSG_TYPE_BAD, VTEE_MSG_TYPE_BAD,
				      VTEE_MSG_TYPE_BAD, VTEE_MSG_TYPE_BAD);
	for (i = 0; i < num; i++) {
		u32 t = attrs[i] & VTEE_MSG_CHECK_TYPE_MASK;

		if (t > VTEE_MSG_CHECK_TYPE_MAX || t == VTEE_MSG_CHECK_TYPE_HOLE)
			t = VTEE_MSG_TYPE_BAD;
		types |= t << (4 * i);
	}
	return types;
}
