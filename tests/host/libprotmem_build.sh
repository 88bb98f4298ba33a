#!/usr/bin/env bash
# libprotmem_build - libprotmem as a distribution would ship it: shared
# (SONAME libprotmem.so.1, exporting exactly the calls of protmem.h) and
# static; a client builds with `pkg-config --cflags --libs protmem` and
# runs against the shared library, links statically with --static; the
# header stands alone, as C and as C++. Needs `make protmem-lib` (make
# check builds it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=$top/build/lib
. "$top/tests/lib/tap.sh"
if [ ! -f "$lib/libprotmem.so.1.0.0" ] || [ ! -f "$lib/libprotmem.a" ] || [ ! -f "$lib/pkgconfig/protmem.pc" ]; then
	echo "not ok 1 - build/lib has libprotmem and protmem.pc (run make protmem-lib)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

soname=$(readelf -d "$lib/libprotmem.so.1.0.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
ok $([ "$soname" = libprotmem.so.1 ]; echo $?) "the shared library's SONAME is libprotmem.so.1 (got '$soname')"
ok $([ "$(readlink "$lib/libprotmem.so")" = libprotmem.so.1 ] && [ "$(readlink "$lib/libprotmem.so.1")" = libprotmem.so.1.0.0 ]; echo $?) \
	"libprotmem.so -> libprotmem.so.1 -> libprotmem.so.1.0.0"

want=$(sed -n 's/^int \(protmem_[a-z0-9_]*\)(.*/\1/p' "$top/lib/protmem/protmem.h" | sort | tr '\n' ' ' | sed 's/ $//')
got=$(nm -D --defined-only "$lib/libprotmem.so.1.0.0" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ' | sed 's/ $//')
ok $([ -n "$want" ] && [ "$got" = "$want" ]; echo $?) "it exports exactly the $(wc -w <<< "$want") calls of protmem.h"
[ "$got" = "$want" ] || echo "# exported: $got"

cat > "$tmp/client.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <protmem.h>

int main(void)
{
	struct protmem_heap_info h[PROTMEM_NUM_USE_CASES];
	const char *name;

	if (protmem_use_case("trusted-ui") != PROTMEM_TRUSTED_UI ||
	    protmem_use_case_name(PROTMEM_SECURE_VIDEO_RECORD, &name) ||
	    protmem_alloc(0, 4096) != -EINVAL)
		return 2;
	printf("%s %d\n", name, protmem_heaps(h, PROTMEM_NUM_USE_CASES));
	return 0;
}
C
export PKG_CONFIG_PATH=$lib/pkgconfig
flags=$(pkg-config --cflags --libs protmem 2>&1); rc=$?
ok $rc "pkg-config --cflags --libs protmem: $flags"
out=$(gcc -std=c11 -Wall -Wextra -Werror -o "$tmp/client" "$tmp/client.c" $flags 2>&1); rc=$?
ok $rc "a client builds with pkg-config's flags"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
needed=$(readelf -d "$tmp/client" 2>/dev/null | sed -n 's/.*Shared library: \[\(libprotmem[^]]*\)\]/\1/p')
ok $([ "$needed" = libprotmem.so.1 ]; echo $?) "... needs libprotmem.so.1 (got '$needed')"
out=$(LD_LIBRARY_PATH="$lib" LD_BIND_NOW=1 "$tmp/client" 2>&1); rc=$?
if ls /dev/dma_heap/protected,* >/dev/null 2>&1; then
	echo "ok $((n + 1)) - the client runs with our library # SKIP this host has protected heaps"
	n=$((n + 1))
else
	ok $([ $rc = 0 ] && [ "$out" = "secure-video-record 0" ]; echo $?) \
		"it runs with libprotmem.so.1 and finds no protected heap on the host (got '$out', exit $rc)"
fi
out=$(gcc -std=c11 -Wall -Wextra -Werror -static -o "$tmp/client-static" "$tmp/client.c" \
	$(pkg-config --cflags protmem) "$lib/libprotmem.a" 2>&1); rc=$?
ok $([ $rc = 0 ] && ! readelf -d "$tmp/client-static" 2>/dev/null | grep -q NEEDED; echo $?) \
	"the same client links statically against libprotmem.a"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
out=$(printf '#include <protmem.h>\n' | g++ -x c++ -fsyntax-only -Wall -Wextra -Werror $(pkg-config --cflags protmem) - 2>&1); rc=$?
ok $rc "protmem.h stands alone as C++"
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
echo "1..$n"
exit $failed
