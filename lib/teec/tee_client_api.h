/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tee_client_api.h - the GlobalPlatform TEE Client API (GPD_SPE_007).
 *
 * Types, constants and calls of the specification, nothing else; vendor
 * additions are in tee_client_api_extensions.h. Constant values, type
 * layouts and the implementation-defined ("imp") members follow OP-TEE's
 * libteec 2.x, so that a client written for it builds against this header
 * unchanged. Members under "imp" belong to the library: a client never
 * reads or writes them.
 */
#ifndef TEE_CLIENT_API_H
#define TEE_CLIENT_API_H

#ifdef __cplusplus
extern "C" {
#endif

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parameters in one operation */
#define TEEC_CONFIG_PAYLOAD_REF_COUNT	4

/* Largest shared memory block: no limit of the API's own (the TEE's apply) */
#define TEEC_CONFIG_SHAREDMEM_MAX_SIZE	ULONG_MAX

/* Parameter types, 4 bits each in TEEC_Operation.paramTypes */
#define TEEC_NONE			0x00000000
#define TEEC_VALUE_INPUT		0x00000001
#define TEEC_VALUE_OUTPUT		0x00000002
#define TEEC_VALUE_INOUT		0x00000003
#define TEEC_MEMREF_TEMP_INPUT		0x00000005
#define TEEC_MEMREF_TEMP_OUTPUT		0x00000006
#define TEEC_MEMREF_TEMP_INOUT		0x00000007
#define TEEC_MEMREF_WHOLE		0x0000000C
#define TEEC_MEMREF_PARTIAL_INPUT	0x0000000D
#define TEEC_MEMREF_PARTIAL_OUTPUT	0x0000000E
#define TEEC_MEMREF_PARTIAL_INOUT	0x0000000F

/* TEEC_SharedMemory.flags: which way the data may flow */
#define TEEC_MEM_INPUT			0x00000001
#define TEEC_MEM_OUTPUT			0x00000002

/* Results (TEEC_Result) */
#define TEEC_SUCCESS			0x00000000
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003
#define TEEC_ERROR_GENERIC		0xFFFF0000
#define TEEC_ERROR_ACCESS_DENIED	0xFFFF0001
#define TEEC_ERROR_CANCEL		0xFFFF0002
#define TEEC_ERROR_ACCESS_CONFLICT	0xFFFF0003
#define TEEC_ERROR_EXCESS_DATA		0xFFFF0004
#define TEEC_ERROR_BAD_FORMAT		0xFFFF0005
#define TEEC_ERROR_BAD_PARAMETERS	0xFFFF0006
#define TEEC_ERROR_BAD_STATE		0xFFFF0007
#define TEEC_ERROR_ITEM_NOT_FOUND	0xFFFF0008
#define TEEC_ERROR_NOT_IMPLEMENTED	0xFFFF0009
#define TEEC_ERROR_NOT_SUPPORTED	0xFFFF000A
#define TEEC_ERROR_NO_DATA		0xFFFF000B
#define TEEC_ERROR_OUT_OF_MEMORY	0xFFFF000C
#define TEEC_ERROR_BUSY			0xFFFF000D
#define TEEC_ERROR_COMMUNICATION	0xFFFF000E
#define TEEC_ERROR_SECURITY		0xFFFF000F
#define TEEC_ERROR_SHORT_BUFFER		0xFFFF0010
#define TEEC_ERROR_EXTERNAL_CANCEL	0xFFFF0011
#define TEEC_ERROR_TARGET_DEAD		0xFFFF3024
#define TEEC_ERROR_STORAGE_NO_SPACE	0xFFFF3041
/* TEE Internal API codes a TA may pass through */
#define TEE_ERROR_EXTERNAL_CANCEL	0xFFFF0011
#define TEE_ERROR_OVERFLOW		0xFFFF300F
#define TEE_ERROR_TARGET_DEAD		0xFFFF3024
#define TEE_ERROR_STORAGE_NO_SPACE	0xFFFF3041
#define TEE_ERROR_MAC_INVALID		0xFFFF3071
#define TEE_ERROR_SIGNATURE_INVALID	0xFFFF3072
#define TEE_ERROR_TIME_NOT_SET		0xFFFF5000
#define TEE_ERROR_TIME_NEEDS_RESET	0xFFFF5001

/* Where a result came from (returnOrigin) */
#define TEEC_ORIGIN_API			0x00000001
#define TEEC_ORIGIN_COMMS		0x00000002
#define TEEC_ORIGIN_TEE			0x00000003
#define TEEC_ORIGIN_TRUSTED_APP		0x00000004

/* Login methods (connectionMethod of TEEC_OpenSession) */
#define TEEC_LOGIN_PUBLIC		0x00000000
#define TEEC_LOGIN_USER			0x00000001
#define TEEC_LOGIN_GROUP		0x00000002
#define TEEC_LOGIN_APPLICATION		0x00000004
#define TEEC_LOGIN_USER_APPLICATION	0x00000005
#define TEEC_LOGIN_GROUP_APPLICATION	0x00000006

/* paramTypes from four parameter types, and the type of parameter i */
#define TEEC_PARAM_TYPES(p0, p1, p2, p3) \
	((p0) | ((p1) << 4) | ((p2) << 8) | ((p3) << 12))
#define TEEC_PARAM_TYPE_GET(p, i) (((p) >> ((i) * 4)) & 0xF)

typedef uint32_t TEEC_Result;

/* A connection to one TEE */
typedef struct {
	struct {
		int fd;			/* the open /dev/teeN */
		bool reg_mem;		/* TEE registers user memory */
		bool memref_null;	/* TEE takes NULL memrefs */
	} imp;
} TEEC_Context;

/* A trusted application's identity (RFC 4122 fields) */
typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEEC_UUID;

/* Memory shared with the TEE beyond one operation */
typedef struct {
	void *buffer;		/* NULL for a block registered by descriptor */
	size_t size;
	uint32_t flags;		/* TEEC_MEM_INPUT | TEEC_MEM_OUTPUT */
	struct {
		int id;			/* TEE shared memory id */
		size_t alloced_size;	/* bytes mapped at buffer or shadow */
		void *shadow_buffer;	/* TEE-side copy of a registered buffer */
		int registered_fd;	/* the shared memory's fd */
		uint32_t flags;		/* library state */
	} imp;
} TEEC_SharedMemory;

/* Memory shared for one operation only */
typedef struct {
	void *buffer;
	size_t size;
} TEEC_TempMemoryReference;

/* A window of a TEEC_SharedMemory block */
typedef struct {
	TEEC_SharedMemory *parent;
	size_t size;
	size_t offset;
} TEEC_RegisteredMemoryReference;

/* Two integers passed by value */
typedef struct {
	uint32_t a;
	uint32_t b;
} TEEC_Value;

typedef union {
	TEEC_TempMemoryReference tmpref;
	TEEC_RegisteredMemoryReference memref;
	TEEC_Value value;
} TEEC_Parameter;

/* A connection to one trusted application */
typedef struct {
	struct {
		TEEC_Context *ctx;
		uint32_t session_id;
	} imp;
} TEEC_Session;

/*
 * The parameters of one open-session or invoke. A client that may cancel
 * the operation sets started to 0 before passing it; the library sets it
 * non-zero once the operation has begun.
 */
typedef struct {
	uint32_t started;
	uint32_t paramTypes;
	TEEC_Parameter params[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	struct {
		TEEC_Session *session;	/* the session it runs on */
	} imp;
} TEEC_Operation;

TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *context);
void TEEC_FinalizeContext(TEEC_Context *context);

TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation,
			     uint32_t *returnOrigin);
void TEEC_CloseSession(TEEC_Session *session);

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation,
			       uint32_t *returnOrigin);

TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);
TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);
void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMem);

void TEEC_RequestCancellation(TEEC_Operation *operation);

#ifdef __cplusplus
}
#endif

#endif /* TEE_CLIENT_API_H */
