#!/usr/bin/env bash
# arm64 - what the arm64 guest rests on, checked from the host.
#
# 1. Its device tree (vm/arm64/mkdtb): the overlay compiles without one
#    dtc warning, lands in QEMU's tree as a no-map reserved-memory node
#    that the vtee node names by phandle, at the requested place, and a
#    carveout the tree cannot hold is refused.
# 2. Dynamic pools need a linear map the kernel can take pages out of
#    (can_set_direct_map(): rodata=full, the default here). Booted with
#    rodata=on the linear map uses block mappings, where
#    set_direct_map_invalid_noflush() returns 0 and changes nothing: vtee
#    must refuse dynamic pools, and say why, rather than lend memory the
#    kernel still maps. The static carveout is unaffected (no-map).
#    Needs the arm64 debug guest (make guest-arm64-debug).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "TAP version 13"
case " ${PROTMEM_CHECK_ARCHES:-x86} " in
*" arm64 "*) ;;
*) echo "ok 1 - the arm64 device tree and dynamic pools # SKIP arm64 is not among the architectures checked"
   echo "1..1"; exit 0;;
esac

# 1. the device tree
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
qemu=(qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 1024 -smp 2)
dtb=$tmp/t.dtb

err=$("$top/vm/arm64/mkdtb" 64M@0x60000000 "$dtb" "${qemu[@]}" 2>&1); rc=$?
ok $([ $rc = 0 ] && [ -z "$err" ]; echo $?) "the overlay compiles and applies without a warning (exit $rc${err:+: $err})"
node=/reserved-memory/protmem@60000000
ok $([ "$(fdtget -t x "$dtb" $node reg 2>&1)" = "0 60000000 0 4000000" ]; echo $?) \
	"the carveout is a reserved-memory node at 0x60000000, 64 MiB"
ok $(fdtget "$dtb" $node no-map >/dev/null 2>&1; echo $?) \
	"the carveout node is no-map"
ph=$(fdtget "$dtb" $node phandle 2>/dev/null)
ok $([ "$(fdtget "$dtb" /vtee compatible 2>&1)" = linux,vtee ]; echo $?) "the vtee node is compatible with linux,vtee"
ok $([ -n "$ph" ] && [ "$(fdtget "$dtb" /vtee memory-region 2>&1)" = "$ph" ]; echo $?) \
	"the vtee node's memory-region is the carveout's phandle"
ok $([ "$(fdtget -t x "$dtb" /reserved-memory '#address-cells' /reserved-memory '#size-cells' 2>&1 | tr '\n' ' ')" = "2 2 " ]; echo $?) \
	"/reserved-memory has two address and two size cells"
"$top/vm/arm64/mkdtb" 64M@0x60000800 "$dtb.bad" "${qemu[@]}" 2>/dev/null; rc=$?
ok $([ $rc = 2 ] && [ ! -e "$dtb.bad" ]; echo $?) "a carveout not page aligned is refused (exit $rc)"
"$top/vm/arm64/mkdtb" 128M@0xfc000000 "$dtb.bad" "${qemu[@]}" 2>/dev/null; rc=$?
ok $([ $rc = 2 ] && [ ! -e "$dtb.bad" ]; echo $?) "a carveout past 4 GiB is refused (exit $rc)"

# 2. dynamic pools and rodata=on
out=$("$top/vm/run" --arch arm64 --debug --timeout 600 --append rodata=on -- sh -c '
	echo "static: $(cat /sys/module/vtee/initstate 2>/dev/null || echo none)"
	modprobe -r vtee || exit 3
	if modprobe vtee dynamic=trusted-ui testing=1; then echo "dynamic: loaded"; else echo "dynamic: refused"; fi
	dmesg | grep -o "trusted-ui: the linear map cannot lose pages.*" | head -n 1
	modprobe vtee testing=1 && echo "static again: loaded"
	true' 2>&1); rc=$?
ok $([ $rc = 0 ]; echo $?) "the guest booted with rodata=on runs clean (vm/run exit $rc)"
ok $(grep -q '^static: live' <<< "$out"; echo $?) "vtee loads on the device tree carveout with rodata=on"
ok $(grep -q '^dynamic: refused' <<< "$out"; echo $?) "vtee refuses dynamic=trusted-ui with rodata=on"
ok $(grep -q '^trusted-ui: the linear map cannot lose pages (arm64: boot with rodata=full)' <<< "$out"; echo $?) \
	"and the kernel log says why"
ok $(grep -q '^static again: loaded' <<< "$out"; echo $?) "vtee loads again without dynamic pools"
echo "1..$n"
exit $failed
