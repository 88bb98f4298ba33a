/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tee_client_api_extensions.h - OP-TEE's additions to the GlobalPlatform
 * TEE Client API, kept apart from the standard.
 */
#ifndef TEE_CLIENT_API_EXTENSIONS_H
#define TEE_CLIENT_API_EXTENSIONS_H

#include <tee_client_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * TEEC_RegisterSharedMemoryFileDescriptor() - share a DMA-buf with the TEE
 * @context:	an initialized context
 * @sharedMem:	flags set by the caller (TEEC_MEM_INPUT and/or
 *		TEEC_MEM_OUTPUT); on success buffer is NULL and size the
 *		DMA-buf's size
 * @fd:		the DMA-buf, e.g. from /dev/dma_heap/protected,<use-case>
 *
 * The block can then be passed as a whole or partial memref; the CPU
 * never maps it. Release it with TEEC_ReleaseSharedMemory(); the caller
 * keeps @fd (the TEE holds its own reference).
 *
 * Return: TEEC_SUCCESS, TEEC_ERROR_BAD_PARAMETERS (bad arguments, or a
 * descriptor the TEE does not accept), TEEC_ERROR_ACCESS_DENIED,
 * TEEC_ERROR_OUT_OF_MEMORY or TEEC_ERROR_GENERIC.
 */
TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
						    TEEC_SharedMemory *sharedMem,
						    int fd);

#ifdef __cplusplus
}
#endif

#endif /* TEE_CLIENT_API_EXTENSIONS_H */
