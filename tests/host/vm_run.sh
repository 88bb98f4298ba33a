#!/usr/bin/env bash
# vm_run - the harness catches what it promises to catch: vm/run returns
# the guest command's status, runs host programs added with --add, and
# fails a run whose command succeeded but whose kernel WARNed (provoked
# with the kernel's own LKDTM). Needs the debug guest (make guest-debug).
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
gcc -static -o "$tmp/exit7" "$tmp/exit7.c"
out=$("$top/vm/run" --debug --timeout 300 --add "$tmp/exit7:/opt/t/exit7" -- /opt/t/exit7 "two words" 2>&1); rc=$?
ok $([ $rc = 7 ]; echo $?) "vm/run returns the guest command's exit status (7, got $rc)"
ok $(grep -q '^args=2 two words$' <<< "$out"; echo $?) "an --add program runs at its guest path with its arguments intact"

out=$("$top/vm/run" --debug --timeout 300 -- sh -c 'modprobe lkdtm && echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT; exit 0' 2>&1); rc=$?
ok $(grep -q 'WARNING:' <<< "$out"; echo $?) "LKDTM provokes a kernel WARN in the guest"
ok $([ $rc = 1 ]; echo $?) "a WARN fails the run although the command exited 0 (got $rc)"

echo "1..$n"
exit $failed
