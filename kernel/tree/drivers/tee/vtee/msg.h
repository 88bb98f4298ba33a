/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtee world boundary: the only thing the normal-world driver and the
 * emulated secure world share.
 *
 * The normal world fills a struct vtee_msg and hands it to the secure CPU
 * (a kernel thread) with vtee_sw_call(); the secure world answers in the
 * same message. Memory reaches the secure world only as memref parameters
 * describing physical memory; the secure world checks every memref against
 * its own region table and never trusts the normal world's word on what
 * is protected.
 */
#ifndef VTEE_MSG_H
#define VTEE_MSG_H

#include <linux/types.h>
#include <linux/uuid.h>

struct page;

/* Commands */
#define VTEE_MSG_OPEN_SESSION	1	/* uuid, login; params */
#define VTEE_MSG_INVOKE		2	/* session, func; params */
#define VTEE_MSG_CLOSE_SESSION	3	/* session */
#define VTEE_MSG_CANCEL		4	/* session, cancel_id */
#define VTEE_MSG_SCRUB		5	/* param 0: memref of protected memory */
#define VTEE_MSG_ADD_REGION	6	/* param 0: value a=paddr b=size c=use case */
#define VTEE_MSG_CHECK_DEVICE	7	/* param 0: value a=stream b=use case c=access (0: any) */
#define VTEE_MSG_DMA		8	/* emulated device access, see below */
#define VTEE_MSG_LEND		9	/* param 0: value a=paddr b=size c=use case */
#define VTEE_MSG_RECLAIM	10	/* param 0: value a=paddr b=size */
#define VTEE_MSG_BUF_ADD	11	/* fast call; param 0: value a=paddr b=size c=use case */
#define VTEE_MSG_BUF_DEL	12	/* fast call; param 0: value a=paddr b=size */

/*
 * VTEE_MSG_BUF_ADD / VTEE_MSG_BUF_DEL: the pools tell the secure world
 * which ranges of protected memory are live buffers. The secure world
 * serves protected memory only a whole live buffer at a time: a TA's
 * protected memref must describe exactly one, a device reads and writes
 * whole ones, and it never scrubs memory that is one. See
 * docs/threat-model.md. They are fast calls (vtee_sw_fast_call()), run on
 * the calling CPU, so that allocations and frees never queue behind the
 * secure thread's work.
 */

/*
 * VTEE_MSG_DMA: an emulated device (a bus master with a stream ID) runs
 * one operation, reading a source range and/or writing a destination
 * range by DMA address. This platform has no IOMMU: a DMA address is the
 * physical address. The secure world checks both ranges against its
 * regions and the firewall before the device touches a byte.
 *   param 0: VALUE_INPUT a = stream ID (VTEE_STREAM_*), b = VTEE_DMA_OP_*
 *   param 1: VALUE_INPUT a = source DMA address, b = length (or NONE)
 *   param 2: VALUE_INPUT a = destination DMA address, b = length (or NONE)
 *   param 3: VALUE_INOUT in: a = frame counter (PATTERN); for
 *            FWHT_DECODE a = reference DMA address, b = its length,
 *            c = width | height << 32 (param 0 c = the frame's fourcc);
 *            out: a = bytes written to the destination (DECODE, ENCODE,
 *            PATTERN; bytes needed with TEEC_ERROR_SHORT_BUFFER) or the
 *            CRC (CRC32)
 * A range that touches protected memory must lie within one live buffer
 * and stands for that whole buffer: a device reads all of it and writes
 * all of it (the part past the output zero-filled). With a protected
 * source nothing reported depends on a part of it the caller chose:
 * DECODE reports the destination buffer's size, and no size at all with
 * TEEC_ERROR_SHORT_BUFFER (see docs/threat-model.md).
 * FWHT_DECODE also reads and rewrites a reference range (the previous
 * frame, see secure/dma_fwht.h), checked for READ and WRITE.
 */
#define VTEE_DMA_OP_DECODE	1	/* source bitstream -> destination frame */
#define VTEE_DMA_OP_ENCODE	2	/* source frame -> destination bitstream */
#define VTEE_DMA_OP_PATTERN	3	/* test pattern -> destination */
#define VTEE_DMA_OP_CRC32	4	/* CRC-32 of the source */
#define VTEE_DMA_OP_FWHT_DECODE	5	/* FWHT bitstream -> frame, + reference */

/* Parameter types: as TEE_IOCTL_PARAM_ATTR_TYPE_* in <uapi/linux/tee.h> */
#define VTEE_MSG_ATTR_NONE		0
#define VTEE_MSG_ATTR_VALUE_INPUT	1
#define VTEE_MSG_ATTR_VALUE_OUTPUT	2
#define VTEE_MSG_ATTR_VALUE_INOUT	3
#define VTEE_MSG_ATTR_MEMREF_INPUT	5
#define VTEE_MSG_ATTR_MEMREF_OUTPUT	6
#define VTEE_MSG_ATTR_MEMREF_INOUT	7
#define VTEE_MSG_ATTR_TYPE_MASK		0xff

#define VTEE_MSG_NUM_PARAMS	4

/* Device access kinds for VTEE_MSG_CHECK_DEVICE and the firewall */
#define VTEE_ACCESS_READ	BIT(0)
#define VTEE_ACCESS_WRITE	BIT(1)

/* GlobalPlatform result codes and origins */
#define TEEC_SUCCESS			0x00000000
#define TEEC_ERROR_GENERIC		0xFFFF0000
#define TEEC_ERROR_ACCESS_DENIED	0xFFFF0001
#define TEEC_ERROR_CANCEL		0xFFFF0002
#define TEEC_ERROR_BAD_FORMAT		0xFFFF0005
#define TEEC_ERROR_BAD_PARAMETERS	0xFFFF0006
#define TEEC_ERROR_BAD_STATE		0xFFFF0007
#define TEEC_ERROR_ITEM_NOT_FOUND	0xFFFF0008
#define TEEC_ERROR_NOT_SUPPORTED	0xFFFF000A
#define TEEC_ERROR_OUT_OF_MEMORY	0xFFFF000C
#define TEEC_ERROR_BUSY			0xFFFF000D
#define TEEC_ERROR_COMMUNICATION	0xFFFF000E
#define TEEC_ERROR_SECURITY		0xFFFF000F
#define TEEC_ERROR_SHORT_BUFFER		0xFFFF0010

#define TEEC_ORIGIN_API			1
#define TEEC_ORIGIN_COMMS		2
#define TEEC_ORIGIN_TEE			3
#define TEEC_ORIGIN_TRUSTED_APP		4

/**
 * struct vtee_msg_memref - a window of a buffer, described physically
 * @paddr:	physically contiguous buffer: its first byte (@pages NULL)
 * @pages:	page-list buffer: its pages, the first used from @page_offs
 * @page_offs:	offset of the buffer in @pages[0]
 * @buf_size:	size of the whole buffer
 * @offs:	start of the window in the buffer
 * @size:	size of the window; updated by the secure world for outputs
 *		(the size needed, with TEEC_ERROR_SHORT_BUFFER)
 * @protected:	the normal world says this is protected memory; the secure
 *		world checks it against its regions and refuses a lie
 */
struct vtee_msg_memref {
	u64 paddr;
	struct page **pages;
	u32 page_offs;
	u64 buf_size;
	u64 offs;
	u64 size;
	bool protected;
};

/**
 * struct vtee_msg_value - three value words, as struct tee_param_value
 * @a:	first word
 * @b:	second word
 * @c:	third word
 */
struct vtee_msg_value {
	u64 a;
	u64 b;
	u64 c;
};

/**
 * struct vtee_msg_param - one parameter
 * @attr:	VTEE_MSG_ATTR_*
 * @u:		@u.value or @u.memref, as @attr says
 */
struct vtee_msg_param {
	u32 attr;
	union {
		struct vtee_msg_value value;
		struct vtee_msg_memref memref;
	} u;
};

/**
 * struct vtee_msg - one call into the secure world
 * @cmd:	VTEE_MSG_*
 * @func:	function of the trusted application (VTEE_MSG_INVOKE)
 * @session:	session id (in for invoke/close/cancel, out for open)
 * @cancel_id:	cancellation id of the call (0: not cancellable)
 * @uuid:	trusted application (VTEE_MSG_OPEN_SESSION)
 * @login:	TEE_IOCTL_LOGIN_* of the client (VTEE_MSG_OPEN_SESSION)
 * @client_uid:	the client's uid, for TEE_IOCTL_LOGIN_USER
 * @client:	the normal-world client (TEE context) making the call,
 *		never reused; a session belongs to the client that opened
 *		it and answers no other
 * @num_params:	used entries of @params
 * @params:	parameters
 * @ret:	out: TEEC_* result
 * @ret_origin:	out: TEEC_ORIGIN_*
 */
struct vtee_msg {
	u32 cmd;
	u32 func;
	u32 session;
	u32 cancel_id;
	uuid_t uuid;
	u32 login;
	u32 client_uid;
	u64 client;
	u32 num_params;
	struct vtee_msg_param params[VTEE_MSG_NUM_PARAMS];
	u32 ret;
	u32 ret_origin;
};

#endif /* VTEE_MSG_H */
