#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rcumap-hammer in each verification mode against the real module, for a
# bounded time with 4 or more threads; the kernel log is judged by the
# caller (vm/scan-log): no KCSAN report naming rcumap, no lockdep report.
# The hot-key run times a reader against writers of one key, and fails if
# its worst GET or DUMP call takes longer than a bound.
# Last, the negative controls (under sync=rcu only): the linearizability
# check must catch a deliberately broken module whose GET returns a
# previous value, and the hammer's check of every value it reads must
# catch one whose rewrite in place lets readers copy torn values.
#
# Environment: RCUMAP_HAMMER_SECONDS (default 3) per run.

cd "$(dirname "$0")" || exit 1
. ./rcumap_lib.sh
secs=${RCUMAP_HAMMER_SECONDS:-3}
hammer=$(command -v rcumap-hammer || echo ./rcumap-hammer)
require_root_and "$hammer" rcumap.ko rcumap-broken-stale-get.ko \
	rcumap-broken-torn-rewrite.ko
# Rewrites in place on a few keys, of values as long as sync=rcu rewrites
# in place (128 bytes), readers among them: the workload that tears
# values when the rewrite is not sequenced.
rewrites="--threads 4 --keys 4 --value-size 128 --mix get=50,put=50"

# check NAME EXPECTED_STATUS PATTERN ARGS... - run the hammer, print its
# output behind "# " and one TAP line: its exit status must be
# EXPECTED_STATUS and its output must match PATTERN.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$("$hammer" --duration "$secs" "$@" 2>&1)
	status=$?
	echo "$out" | sed 's/^/# /'
	[ "$status" = "$want" ] && echo "$out" | grep -qE "$pattern"
	tap_result "$name" $? \
		"exit status $status, wanted $want; output must match '$pattern'"
}

tap_plan 13
load_module ./rcumap.ko || exit 1
check mixed_default_mix_runs_clean 0 'ops/s' --threads 4
check batched_mix_runs_clean 0 'ops/s' --threads 4 --batch 16 \
	--mix get=50,put=30,del=10,add=10
check shared_fd_runs_clean 0 'ops/s' --threads 4 --shared-fd
check counters_totals_match 0 'match' --mode counters --threads 4
check owner_reads_own_writes 0 'ops/s' --mode owner --threads 4
check lost_update_is_counted_not_failed 0 'lost' --mode lost-update --threads 4
check linearizable_history_passes_with_8_threads 0 'pass' \
	--mode linearizable --threads 8
# shellcheck disable=SC2086 # the options are words
check rewrites_in_place_leave_no_torn_value 0 'result: ok' $rewrites
# The reaper every 10 ms, deleting entries that live 5 ms, among writers
# and touching readers.
load_module ./rcumap.ko reap_ms=10 || exit 1
check reaper_among_writers_and_touching_readers_runs_clean 0 'ops/s' \
	--threads 4 --keys 256 --ttl 5 --touch
# The hot-key adversary, under sync=rcu, whose readers take no lock: 4
# writers PUT one key with values of 1 MiB, the longest the module can
# take, while a reader times every GET and DUMP for 5 s (this --duration
# comes after check's, and wins), in a map of 64 buckets so that a DUMP
# is the hot key and not a walk. The worst call must take under 2000 ms,
# three times the worst seen on a busy host; the reader of db5d026, which
# retried its copy until no write overlapped it, took 9.75 s for one DUMP
# (the reasoning: rcumap-hammer(1), LATENCY BOUND). Then with values of
# 128 bytes, the longest that sync=rcu rewrites in place, so that readers
# meet rewrites and fall back to the bucket's lock.
hot=hot_key_readers_are_bounded
hot128=hot_key_readers_of_rewritten_values_are_bounded
if [ "${RCUMAP_SYNC:-rcu}" = rcu ]; then
	load_module ./rcumap.ko max_value_len=1048576 max_entries=64 || exit 1
	check $hot 0 'result: ok' --mode hot-key --threads 5 --readers 1 \
		--duration 5 --max-latency 2000
	check $hot128 0 'result: ok' --mode hot-key --value-size 128 \
		--threads 5 --readers 1 --duration 5 --max-latency 2000
else
	tap_skip $hot "an adversary of sync=rcu's lockless readers"
	tap_skip $hot128 "an adversary of sync=rcu's lockless readers"
fi
# The negative controls: both broken builds break the bucket table that
# sync=rcu uses, so they mean the same whatever strategy the suite runs
# under, and run once, under sync=rcu.
stale=linearizable_check_catches_stale_get_module
torn=torn_value_check_catches_unsequenced_rewrite_module
if [ "${RCUMAP_SYNC:-rcu}" != rcu ]; then
	tap_skip $stale "a control of sync=rcu's table; run under sync=rcu"
	tap_skip $torn "a control of sync=rcu's table; run under sync=rcu"
	rmmod rcumap
	tap_exit
fi
load_module ./rcumap-broken-stale-get.ko sync=rcu || exit 1
check $stale 1 'violation' --mode linearizable --threads 8
load_module ./rcumap-broken-torn-rewrite.ko sync=rcu || exit 1
# shellcheck disable=SC2086 # the options are words
check $torn 1 'EBADMSG' $rewrites
rmmod rcumap
tap_exit
