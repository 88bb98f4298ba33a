#!/bin/sh
# bench/guest.sh - the guest half of the allocator benchmark (bench/run
# adds it to the guest and runs it).
#
#   guest.sh SEED REPS SPLIT
#
# Measures the reference heaps (system, CMA) once, then for each allocator
# in turn reloads vtee over the same carveout with that allocator, waits
# until the pools are clean and runs protmem_bench on the secure-video
# heap with the same seed. Everything happens in one boot.
set -u
seed=$1 reps=$2 split=$3
bench=/usr/local/bin/protmem_bench
carveout=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^protmem\.carveout=//p')
[ -n "$carveout" ] || { echo "bench: no protmem.carveout on the command line"; exit 1; }

echo "bench-info: carveout $carveout split $split seed $seed reps $reps"
grep -E 'Reserved|System RAM' /proc/iomem | sed 's/^/bench-info: iomem /'
echo "bench-info: $(grep -E 'CmaTotal' /proc/meminfo)"

$bench reference --reps "$reps" || exit 1

for alloc in genalloc pmx; do
	echo
	echo "#### allocator: $alloc"
	rmmod vtee || { echo "bench: rmmod vtee failed"; exit 1; }
	# genalloc scrubs the whole carveout while loading; pmx in the background
	$bench timed "$alloc" modprobe modprobe vtee carveout="$carveout" \
		split="$split" allocator="$alloc" || { echo "bench: modprobe failed"; exit 1; }
	dmesg | grep 'vtee vtee:' | tail -n 3
	# The secure world's page-clearing primitives, timed as it started
	sed -n 's/^\([a-z_0-9]*\) \([0-9]*\)$/bench: '"$alloc"' sw_clear_\1 \2 MiB\/s/p' \
		/sys/bus/platform/devices/vtee/scrub_speed
	echo "bench-info: $alloc scrubs with $(sed -n 's/^used //p' /sys/bus/platform/devices/vtee/scrub_speed)"
	$bench settle "$alloc" --timeout 300 || exit 1
	$bench protected "$alloc" --seed "$seed" --reps "$reps" || exit 1
done
# Dynamic pools: secure-video-record lent from CMA a chunk at a time
# Three rounds, the chunk sizes taking turns, to see the run-to-run noise
for round in 1 2 3; do
for chunk in 1048576 4194304 16777216; do
	echo
	echo "#### dynamic pool, chunk $chunk, round $round"
	rmmod vtee || { echo "bench: rmmod vtee failed"; exit 1; }
	# A dynamic use case gets no share of the carveout
	modprobe vtee carveout="$carveout" split="${split%,secure-video-record=*}" \
		allocator=pmx dynamic=secure-video-record chunk="$chunk" dynamic_max=67108864 ||
		{ echo "bench: modprobe (dynamic) failed"; exit 1; }
	$bench settle pmx --timeout 300 || exit 1
	$bench dynamic pmx --use-case secure-video-record --reps "$reps" \
		--round "$round" || exit 1
done
done
echo
echo "bench-info: kernel messages from tee/vtee during the run:"
dmesg | grep -iE 'tee|protmem|dma.?heap|cma' | grep -v 'vtee vtee: .* bytes at' | tail -n 20
