#!/usr/bin/env bash
# vm_run - the harness catches what it promises to catch: vm/run returns
# the guest command's status, runs host programs added with --add, and
# fails a run whose command succeeded but whose kernel WARNed (provoked
# with the kernel's own LKDTM). On each architecture make check boots;
# needs their debug guests (make guest-debug, make guest-arm64-debug).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "TAP version 13"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/exit7.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { printf("args=%d %s\n", argc, argc > 1 ? argv[1] : ""); return 7; }
C
# Every architecture make check boots (PROTMEM_CHECK_ARCHES, default x86)
for arch in ${PROTMEM_CHECK_ARCHES:-x86}; do
	case $arch in
	x86) cc=gcc;;
	arm64) cc=$top/build/cross/usr/bin/aarch64-linux-gnu-gcc;;
	*) ok 1 "$arch: a known architecture"; continue;;
	esac
	"$cc" -static -o "$tmp/exit7-$arch" "$tmp/exit7.c"
	out=$("$top/vm/run" --arch "$arch" --debug --timeout 600 --add "$tmp/exit7-$arch:/opt/t/exit7" -- /opt/t/exit7 "two words" 2>&1); rc=$?
	ok $([ $rc = 7 ]; echo $?) "$arch: vm/run returns the guest command's exit status (7, got $rc)"
	ok $(grep -q '^args=2 two words$' <<< "$out"; echo $?) "$arch: an --add program runs at its guest path with its arguments intact"

	out=$("$top/vm/run" --arch "$arch" --debug --timeout 600 -- sh -c 'modprobe lkdtm && echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT; exit 0' 2>&1); rc=$?
	ok $(grep -q 'WARNING:' <<< "$out"; echo $?) "$arch: LKDTM provokes a kernel WARN in the guest"
	ok $([ $rc = 1 ]; echo $?) "$arch: a WARN fails the run although the command exited 0 (got $rc)"
done

echo "1..$n"
exit $failed
