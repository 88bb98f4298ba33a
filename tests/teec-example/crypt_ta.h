/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypt_ta.h - vtee's content-decryption TA as a client sees it, in the
 * shape of an OP-TEE TA's public header (ta/include/<name>_ta.h).
 */
#ifndef CRYPT_TA_H
#define CRYPT_TA_H

#define TA_CRYPT_UUID \
	{ 0x3f4b7b55, 0xa65a, 0x465e, \
	  { 0xae, 0x68, 0x4a, 0xef, 0x21, 0xa9, 0x1a, 0x63 } }

#define TA_CRYPT_CMD_LOAD_KEY	0	/* value a = id, memref in = 16-byte key */
#define TA_CRYPT_CMD_DECRYPT	1
#define TA_CRYPT_CMD_DIGEST	2
#define TA_CRYPT_CMD_CLEAR_KEY	3	/* value a = id */

#endif /* CRYPT_TA_H */
