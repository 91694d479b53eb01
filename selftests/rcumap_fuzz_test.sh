#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rcumap-fuzz against the real module: 4 threads and the racing thread call
# it with random and boundary arguments for a bounded time, and every
# outcome must be one the ABI documents for its call, every owned key as
# its thread wrote it; then the map must still answer INFO, PUT and GET;
# the kernel log is judged by the caller (vm/scan-log: no KASAN, lockdep,
# BUG or WARNING). Last, the negative control of the fuzzer's own check: a
# run on INFO and STATS passes, and the same run with EINVAL declared
# unexpected (--forbid-errno) must report it and exit 1.
#
# Environment: RCUMAP_FUZZ_SECONDS (default 20) and RCUMAP_FUZZ_CALLS
# (default 200000), whichever comes first; RCUMAP_FUZZ_SEED to replay.

cd "$(dirname "$0")" || exit 1
. ./rcumap_lib.sh
secs=${RCUMAP_FUZZ_SECONDS:-20}
calls=${RCUMAP_FUZZ_CALLS:-200000}
fuzz=$(command -v rcumap-fuzz || echo ./rcumap-fuzz)
ctl=$(command -v rcumapctl || echo ./rcumapctl)
require_root_and "$fuzz" "$ctl" rcumap.ko

# check NAME EXPECTED_STATUS PATTERN ARGS... - run the fuzzer, print its
# output behind "# " and one TAP line: its exit status must be
# EXPECTED_STATUS and its output must match PATTERN.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$("$fuzz" ${RCUMAP_FUZZ_SEED:+--seed "$RCUMAP_FUZZ_SEED"} "$@" 2>&1)
	status=$?
	echo "$out" | sed 's/^/# /'
	[ "$status" = "$want" ] && echo "$out" | grep -qE "$pattern"
	tap_result "$name" $? \
		"exit status $status, wanted $want; output must match '$pattern'"
}

# map_answers - INFO, then a PUT and a GET of it, through rcumapctl
map_answers() {
	"$ctl" info >/dev/null &&
		"$ctl" put rcumap-fuzz-test after-the-fuzz &&
		[ "$("$ctl" get rcumap-fuzz-test)" = after-the-fuzz ] &&
		"$ctl" del rcumap-fuzz-test
}

tap_plan 4
load_module ./rcumap.ko || exit 1
check fuzz_outcomes_are_documented_and_owned_keys_intact 0 '^result: ok$' \
	--threads 4 --seconds "$secs" --calls "$calls"
map_answers
tap_result map_answers_info_put_get_after_fuzzing $? \
	"rcumapctl info, put, get or del failed after the fuzz run"
# The negative control, on INFO and STATS alone: a run that passes, then
# the same run with EINVAL, which their malformed calls get all the time,
# declared unexpected: it must fail, and say why.
control="--threads 2 --calls 3000 --mix info=50,stats=50 --owned-keys 0"
# shellcheck disable=SC2086 # the options are words
check info_and_stats_fuzz_passes 0 '^result: ok$' $control
# shellcheck disable=SC2086 # the options are words
check forbidden_errno_fails_the_run 1 'UNEXPECTED: an outcome --forbid-errno forbids' \
	$control --forbid-errno EINVAL --reports 1
rmmod rcumap
tap_exit
