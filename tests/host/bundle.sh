#!/usr/bin/env bash
# bundle - the guests' Debian bundles (vm/bundle), checked from the host for
# each architecture make check boots: built from that architecture's
# packages, every listed path in, every ELF file of the architecture with
# its program interpreter and each DT_NEEDED library where the guest's
# loader looks (no ld.so.cache: /lib/$MULTIARCH, /usr/lib/$MULTIARCH,
# /lib, /usr/lib), and a second run with nothing changed rebuilds nothing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
echo "TAP version 13"

for arch in ${PROTMEM_CHECK_ARCHES:-x86}; do
	case $arch in
	x86)	ma=x86_64-linux-gnu machine='Advanced Micro Devices X86-64' pre=;;
	arm64)	ma=aarch64-linux-gnu machine=AArch64 pre=arm64-;;
	*)	continue;;
	esac
	for list in "$top"/vm/bundles/*.list; do
		b=$(basename "$list" .list)
		out=$top/build/bundle-$pre$b.cpio.gz
		root=$top/build/bundle-$pre$b.d
		msg=$("$top/vm/bundle" --arch "$arch" "$b" 2>&1); rc=$?
		echo "# $msg"
		ok $([ $rc = 0 ] && [ -s "$out" ]; echo $?) "$arch: vm/bundle $b builds (exit $rc)"
		[ $rc = 0 ] || continue

		missing=$(sed -e 's/#.*//' "$list" | awk 'NF { print $1 }' | sed "s|\\\$MULTIARCH|$ma|g" |
			while read -r p; do [ -e "$root$p" ] || echo "$p"; done)
		ok $([ -z "$missing" ]; echo $?) "$arch: $b holds every listed path${missing:+ (missing: $missing)}"

		bad=() unresolved=() nelf=0
		while IFS= read -r -d '' f; do
			[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
			nelf=$((nelf + 1))
			g=${f#"$root"}
			readelf -h "$f" | grep -q "Machine: *$machine\$" || bad+=("$g")
			interp=$(readelf -lW "$f" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
			[ -z "$interp" ] || [ -e "$root$interp" ] || unresolved+=("$g: $interp")
			for so in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
				found=
				for d in /lib/$ma /usr/lib/$ma /lib /usr/lib; do
					[ -e "$root$d/$so" ] && { found=1; break; }
				done
				[ -n "$found" ] || unresolved+=("$g: $so")
			done
		done < <(find "$root" -type f -print0)
		ok $([ ${#bad[@]} = 0 ] && [ $nelf -gt 0 ]; echo $?) \
			"$arch: $b's $nelf ELF files are all $machine${bad:+ (not: ${bad[*]})}"
		ok $([ ${#unresolved[@]} = 0 ]; echo $?) \
			"$arch: $b: every interpreter and DT_NEEDED library is where the loader looks${unresolved:+ (missing: ${unresolved[*]})}"

		before=$(stat -c %Y.%s "$out")
		msg=$("$top/vm/bundle" --arch "$arch" "$b" 2>&1); rc=$?
		ok $([ $rc = 0 ] && [ -z "$msg" ] && [ "$(stat -c %Y.%s "$out")" = "$before" ]; echo $?) \
			"$arch: vm/bundle $b again with nothing changed rebuilds nothing (exit $rc${msg:+: $msg})"
	done
done
echo "1..$n"
