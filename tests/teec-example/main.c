// SPDX-License-Identifier: BSD-2-Clause
/*
 * A TEE client written as OP-TEE's examples write their host side: the
 * GlobalPlatform header, the TA's header, errx() on failure, linked with
 * -lteec. It loads a key into vtee's crypt TA and clears it again. The
 * harness builds it against lib/teec unchanged (tests/host/teec_client.sh)
 * and runs it in the guest (tests/guest/teec.c).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include <tee_client_api.h>

#include <crypt_ta.h>

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	TEEC_UUID uuid = TA_CRYPT_UUID;
	uint8_t key[16] = "example-key-0001";
	uint32_t err_origin;
	TEEC_Result res;

	res = TEEC_InitializeContext(NULL, &ctx);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InitializeContext failed with code 0x%x", res);

	res = TEEC_OpenSession(&ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &err_origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_Opensession failed with code 0x%x origin 0x%x",
		     res, err_origin);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = 42;
	op.params[1].tmpref.buffer = key;
	op.params[1].tmpref.size = sizeof(key);
	printf("Loading key %u into the TA\n", op.params[0].value.a);
	res = TEEC_InvokeCommand(&sess, TA_CRYPT_CMD_LOAD_KEY, &op,
				 &err_origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InvokeCommand failed with code 0x%x origin 0x%x",
		     res, err_origin);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 42;
	res = TEEC_InvokeCommand(&sess, TA_CRYPT_CMD_CLEAR_KEY, &op,
				 &err_origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InvokeCommand failed with code 0x%x origin 0x%x",
		     res, err_origin);
	printf("Key %u cleared\n", op.params[0].value.a);

	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);
	return 0;
}
