/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmedia: emulated media devices of protmem's virtual TEE (vtee).
 *
 * Four misc devices, each a DMA master with its own stream ID that the
 * vtee secure world's firewall knows: /dev/vdec (video decoder),
 * /dev/vdisp (display), /dev/vcam (camera), /dev/venc (video encoder).
 * They take DMA-buf file descriptors from any exporter (protected heaps,
 * the system heap, ...), import them the standard way and move data only
 * by DMA address through the firewall; see docs/vmedia.md.
 *
 * Formats: a bitstream is a sequence of (count, byte) pairs, count
 * 1..255, that decodes to count copies of byte, ended by a count of 0 or
 * by its length; a frame is plain bytes;
 * byte i of camera frame n is (n + i / 64) & 0xff; CRCs are zlib's
 * crc32(). Every buffer must be one DMA-contiguous range (protected
 * buffers always are); all lengths count from the buffer's first byte.
 *
 * Protected buffers are always read and written whole, whatever length
 * is given, so that no answer depends on a part of protected content the
 * caller chose (see the protmem threat model): a protected bitstream is
 * read to its end mark, a protected frame is scanned out whole, a
 * protected output is zero-filled past what was written, and decoding a
 * protected bitstream reports the output buffer's size (0 with ENOSPC).
 *
 * Every struct has the same layout on 32- and 64-bit ABIs (explicit
 * padding, 64-bit fields 8-byte aligned).
 */
#ifndef _UAPI_LINUX_VMEDIA_H
#define _UAPI_LINUX_VMEDIA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VMEDIA_IOC_MAGIC	0xB8

/**
 * struct vmedia_codec - a decode (vdec) or encode (venc) job
 * @in_fd:	DMA-buf to read: a bitstream (decode) or a frame (encode)
 * @out_fd:	DMA-buf to write: a frame (decode) or a bitstream (encode)
 * @in_len:	bytes of @in_fd to read, 1 .. its size (a protected one is
 *		read whole)
 * @out_len:	out: bytes written to @out_fd; with ENOSPC, bytes needed
 *		(decoding a protected bitstream: the size of @out_fd, or 0)
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct vmedia_codec {
	__s32 in_fd;
	__s32 out_fd;
	__u64 in_len;
	__u64 out_len;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct vmedia_capture - capture one test frame (vcam)
 * @out_fd:	DMA-buf to write
 * @flags:	must be 0
 * @len:	bytes to write, 1 .. the buffer's size
 * @frame:	out: the frame counter, the pattern's seed
 */
struct vmedia_capture {
	__s32 out_fd;
	__u32 flags;
	__u64 len;
	__u64 frame;
};

/**
 * struct vmedia_scanout - scan one frame out (vdisp)
 * @in_fd:	DMA-buf to read
 * @flags:	must be 0
 * @len:	bytes to scan out, 1 .. the buffer's size (a protected frame
 *		is scanned out whole)
 * @crc:	out: CRC-32 of those bytes, as zlib's crc32()
 * @reserved:	must be 0
 * @frame:	out: the frame counter of this scan-out
 */
struct vmedia_scanout {
	__s32 in_fd;
	__u32 flags;
	__u64 len;
	__u32 crc;
	__u32 reserved;
	__u64 frame;
};

/* Operations of struct vmedia_raw_dma */
#define VMEDIA_OP_DECODE	1
#define VMEDIA_OP_ENCODE	2
#define VMEDIA_OP_PATTERN	3
#define VMEDIA_OP_CRC32		4

/**
 * struct vmedia_raw_dma - test only: program the device directly
 * @op:		VMEDIA_OP_*
 * @frame:	frame counter for VMEDIA_OP_PATTERN
 * @src_addr:	physical (= DMA) address the device reads
 * @src_len:	bytes it reads (0: no source)
 * @dst_addr:	physical (= DMA) address the device writes
 * @dst_len:	bytes it may write (0: no destination)
 * @out:	out: bytes written, or the CRC
 *
 * Models a compromised driver: any address, no DMA-buf. Root only
 * (CAP_SYS_RAWIO), and only on a test kernel (vtee built with
 * CONFIG_VTEE_TESTING and loaded with testing=1; ENOTTY otherwise). The
 * secure world still checks every range: protected memory must lie in
 * one live buffer the device may access (EACCES otherwise) and is used
 * whole. Like a bus master without an IOMMU, it can reach any normal
 * memory, kernel memory included: for tests only.
 */
struct vmedia_raw_dma {
	__u32 op;
	__u32 frame;
	__u64 src_addr;
	__u64 src_len;
	__u64 dst_addr;
	__u64 dst_len;
	__u64 out;
};

/* vdec: decode @in_fd's bitstream into @out_fd */
#define VMEDIA_IOC_DECODE	_IOWR(VMEDIA_IOC_MAGIC, 1, struct vmedia_codec)
/* venc: encode @in_fd's frame into @out_fd */
#define VMEDIA_IOC_ENCODE	_IOWR(VMEDIA_IOC_MAGIC, 2, struct vmedia_codec)
/* vcam: write a test frame */
#define VMEDIA_IOC_CAPTURE	_IOWR(VMEDIA_IOC_MAGIC, 3, struct vmedia_capture)
/* vdisp: scan a frame out, report its CRC */
#define VMEDIA_IOC_SCANOUT	_IOWR(VMEDIA_IOC_MAGIC, 4, struct vmedia_scanout)
/* every device, root only: raw DMA (tests of the firewall) */
#define VMEDIA_IOC_RAW_DMA	_IOWR(VMEDIA_IOC_MAGIC, 5, struct vmedia_raw_dma)

#endif /* _UAPI_LINUX_VMEDIA_H */
