#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the guest half of vm/bench (busybox sh, as root, on the stock
# kernel): load the module as each measurement needs it and run
# rcumap-bench, whose JSON lines go to stdout with a "# " line before each
# step. vm/bench sets the configuration in the environment:
#
#   REPS SECS       repetitions of each cell and seconds per repetition
#   SIZES           entries of the ops runs (module max_entries)
#   VALUES          value sizes of the ops runs
#   HEAD            entries of the headline run (floor, ops, batch at 64-byte
#                   values) and of the scaling runs
#   STRATEGIES      sync= strategies of the scaling runs
#   MEM_ENTRIES     entries of the memory run (16-byte keys, 64-byte values)
#   MAX_MAP_BYTES   an ops run whose entries times value size is larger is
#                   left out: the guest's memory holds it once per map, plus
#                   rcumap's and BPF's per-entry overhead
#   PROBE_ENTRIES   entries of the probes of where the time goes
#   PART            all (the default), or icount: only the one-thread
#                   floor, ops and batch suites at HEAD entries and 64-byte
#                   values, for the boot whose clock counts instructions
#
# Any failure ends the script with a message and status 1.
dir=/opt/bench
cgroup=/sys/fs/cgroup/bench

fail() {
	echo "# bench: error: $*"
	exit 1
}

load() {
	rmmod rcumap 2>/dev/null
	insmod "$dir/rcumap.ko" max_value_len=1024 "$@" || fail "insmod rcumap.ko $*"
}

bench() {
	echo "# rcumap-bench $*"
	"$dir/rcumap-bench" --reps "$REPS" --seconds "$SECS" "$@" ||
		fail "rcumap-bench $* failed"
}

printf '{"suite":"guest","kernel":"%s","kernel_version":"%s","vcpus":%s,"mem_kib":%s}\n' \
	"$(uname -r)" "$(uname -v)" "$(nproc)" \
	"$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"

if [ "${PART:-all}" = icount ]; then
	load max_entries="$HEAD"
	bench --entries "$HEAD" --value-size 64 --threads 1 floor ops batch
	rmmod rcumap || fail "rmmod rcumap"
	exit 0
fi

# Memory first, into a cgroup of its own, on a fresh module.
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount -t cgroup2"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control ||
	fail "no memory controller in cgroup v2"
mkdir -p "$cgroup" || fail "mkdir $cgroup"
load max_entries="$MEM_ENTRIES"
bench --entries "$MEM_ENTRIES" --value-size 64 --cgroup "$cgroup" memory

for n in $SIZES; do
	load max_entries="$n"
	for v in $VALUES; do
		if [ $((n * v)) -gt "$MAX_MAP_BYTES" ]; then
			echo "# left out: $n entries of $v-byte values do not fit in the guest's memory twice"
			continue
		fi
		suites=ops
		if [ "$n" = "$HEAD" ] && [ "$v" = 64 ]; then
			suites="floor ops batch"
		fi
		# shellcheck disable=SC2086 # the suites are words
		bench --entries "$n" --value-size "$v" $suites
	done
done

# Probes, one thread: GET on both sides of rcumap's 128-byte stack buffer
# for values (module/ops.c: a longer value is looked up twice, the second
# time into a kvmalloc()ed buffer); PUT on a BPF map that allocates an
# element per update (BPF_F_NO_PREALLOC), as rcumap allocates an entry.
load max_entries="$PROBE_ENTRIES"
for v in 128 136; do
	bench --entries "$PROBE_ENTRIES" --value-size "$v" --threads 1 ops
done
bench --entries "$PROBE_ENTRIES" --value-size 64 --threads 1 --no-prealloc ops

for s in $STRATEGIES; do
	load max_entries="$HEAD" sync="$s"
	bench --entries "$HEAD" --value-size 64 scaling
done
rmmod rcumap || fail "rmmod rcumap"
