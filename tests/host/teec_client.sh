#!/usr/bin/env bash
# teec_client - lib/teec is a drop-in for OP-TEE's libteec at build and
# link time: an OP-TEE-style client (tests/teec-example, built by its own
# Makefile with TEEC_EXPORT pointing at an install tree) compiles and
# links against our header and library unchanged, shared and static; the
# shared library has OP-TEE's SONAME and exports the API's names and
# nothing else; the types have OP-TEE 2.x's sizes on this ABI; the
# headers stand alone and build as C++. Needs `make teec` (make check
# builds it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=$top/build/lib
. "$top/tests/lib/tap.sh"
if [ ! -f "$lib/libteec.so.2.0.0" ] || [ ! -f "$lib/libteec.a" ]; then
	echo "not ok 1 - build/lib has libteec (run make teec)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# An install tree as a distribution would ship it
mkdir -p "$tmp/export/include" "$tmp/export/lib" "$tmp/out"
cp "$top"/lib/teec/tee_client_api.h "$top"/lib/teec/tee_client_api_extensions.h "$tmp/export/include/"
cp -P "$lib"/libteec.so* "$lib/libteec.a" "$tmp/export/lib/"

soname=$(readelf -d "$lib/libteec.so.2.0.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
ok $([ "$soname" = libteec.so.2 ]; echo $?) "the shared library's SONAME is OP-TEE's libteec.so.2 (got '$soname')"
ok $([ "$(readlink "$lib/libteec.so")" = libteec.so.2 ] && [ "$(readlink "$lib/libteec.so.2")" = libteec.so.2.0.0 ]; echo $?) \
	"libteec.so -> libteec.so.2 -> libteec.so.2.0.0"

want="TEEC_AllocateSharedMemory TEEC_CloseSession TEEC_FinalizeContext TEEC_InitializeContext TEEC_InvokeCommand TEEC_OpenSession TEEC_RegisterSharedMemory TEEC_RegisterSharedMemoryFileDescriptor TEEC_ReleaseSharedMemory TEEC_RequestCancellation"
got=$(nm -D --defined-only "$lib/libteec.so.2.0.0" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ' | sed 's/ $//')
ok $([ "$got" = "$want" ]; echo $?) "it exports exactly the ten TEEC_ calls"
[ "$got" = "$want" ] || echo "# exported: $got"

out=$(make -s -C "$top/tests/teec-example" TEEC_EXPORT="$tmp/export" OUT="$tmp/out" 2>&1); rc=$?
ok $rc "the OP-TEE-style client builds with -lteec against the install tree, unchanged"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
needed=$(readelf -d "$tmp/out/teec-example" 2>/dev/null | sed -n 's/.*Shared library: \[\(libteec[^]]*\)\]/\1/p')
ok $([ "$needed" = libteec.so.2 ]; echo $?) "... and needs libteec.so.2 (got '$needed')"

# Run on the host: no TEE here (unless there is one), but the loader
# must resolve every call from our library.
out=$(LD_LIBRARY_PATH="$tmp/export/lib" LD_BIND_NOW=1 "$tmp/out/teec-example" 2>&1); rc=$?
if ls /dev/tee[0-9]* >/dev/null 2>&1; then
	echo "ok $((n + 1)) - the client runs with our library # SKIP this host has a TEE device"
	n=$((n + 1))
else
	ok $([ $rc = 1 ] && grep -q 'TEEC_InitializeContext failed with code 0xffff0008' <<< "$out"; echo $?) \
		"it loads our libteec.so.2 (all symbols bound) and, without a TEE, says ITEM_NOT_FOUND"
	[ $rc = 1 ] || echo "# exit $rc: $out"
fi

rm -f "$tmp/out/teec-example"
mv "$tmp/export/lib/libteec.so" "$tmp/export/lib/libteec.so.hidden"
out=$(make -s -C "$top/tests/teec-example" TEEC_EXPORT="$tmp/export" OUT="$tmp/out" LDFLAGS="-static -pthread" 2>&1); rc=$?
ok $rc "the same client links statically against libteec.a"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'

if command -v pkg-config >/dev/null; then
	flags=$(PKG_CONFIG_PATH="$lib/pkgconfig" pkg-config --cflags --libs teec 2>&1); rc=$?
	[ $rc = 0 ] && out=$(gcc -I"$top/tests/teec-example" -o "$tmp/out/pc-example" "$top/tests/teec-example/main.c" $flags 2>&1); rc=$?
	ok $rc "pkg-config teec gives the flags a client builds with"
	[ $rc = 0 ] || echo "# $flags $out"
fi

cat > "$tmp/alone.c" <<'C'
#include <tee_client_api_extensions.h>
#include <tee_client_api.h>
#include <stddef.h>
_Static_assert(sizeof(TEEC_UUID) == 16, "TEEC_UUID");
_Static_assert(sizeof(TEEC_Value) == 8, "TEEC_Value");
#if defined(__x86_64__) || defined(__aarch64__)
/* OP-TEE libteec 2.x layouts on LP64 */
_Static_assert(sizeof(TEEC_Context) == 8, "TEEC_Context");
_Static_assert(sizeof(TEEC_SharedMemory) == 56, "TEEC_SharedMemory");
_Static_assert(offsetof(TEEC_SharedMemory, imp) == 24, "TEEC_SharedMemory.imp");
_Static_assert(sizeof(TEEC_Parameter) == 24, "TEEC_Parameter");
_Static_assert(sizeof(TEEC_Session) == 16, "TEEC_Session");
_Static_assert(sizeof(TEEC_Operation) == 112, "TEEC_Operation");
_Static_assert(offsetof(TEEC_Operation, params) == 8, "TEEC_Operation.params");
#endif
_Static_assert(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
	       TEEC_MEMREF_WHOLE, TEEC_MEMREF_PARTIAL_INOUT) == 0xFC61, "types");
_Static_assert(TEEC_PARAM_TYPE_GET(0xFC61, 2) == TEEC_MEMREF_WHOLE, "get");
int main(void) { return 0; }
C
out=$(gcc -std=c99 -Wall -Wextra -Werror -pedantic -I"$tmp/export/include" -o "$tmp/alone" "$tmp/alone.c" 2>&1); rc=$?
ok $rc "the headers stand alone (C99, -pedantic) and the types have OP-TEE 2.x's sizes"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
if command -v g++ >/dev/null; then
	printf '#include <tee_client_api_extensions.h>\nint main() { TEEC_Operation op = {}; return (int)op.started; }\n' > "$tmp/alone.cc"
	out=$(g++ -Wall -Werror -I"$tmp/export/include" -fsyntax-only "$tmp/alone.cc" 2>&1); rc=$?
	ok $rc "the headers build as C++"
	[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
fi

echo "1..$n"
exit $failed
