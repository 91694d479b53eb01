#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of the training kit's lessons (docs/lessons/); vm/lessons
# is the host half, which boots the guest, runs this and judges.
#
#   rcumap_lessons.sh [-b] [-n RUNS] LESSON
#   rcumap_lessons.sh -k LESSON    print the test kernel the lesson needs
#                                  (kcsan or kasan) and exit; the host
#                                  runs this to choose the guest
#
# For the lesson: first the fixed module under the lesson's load, which
# must draw no report naming rcumap; then RUNS (default 1) runs of the
# module with the lesson's bug, each hammered until the detector's report
# appears in the kernel log or LIMIT seconds pass. -b skips the fixed run.
# Lines for the host, all behind "# ":
#
#   lesson N NAME WANT    the lesson, and the ERE its report must match
#   fix N clean|reported  the fixed run
#   run N K detected|missed
#
# Each run is announced in the kernel log ("rcumap-lessons: lesson N run
# K"), so that when a bug crashes the kernel (panic_on_oops is set: a
# crash under a lock would otherwise leave the other CPUs spinning for
# ever) the host can still tell from the log whether the report came
# first. That is the lesson's outcome then, as Go's "fatal error" is.
#
# Environment: RCUMAP_LESSON_LIMIT (default 30) seconds per run with the
# bug, RCUMAP_LESSON_CLEAN (default 10) seconds of the fixed module,
# RCUMAP_LESSON_SKIP_WATCH (default 100) KCSAN's skip_watch.

limit=${RCUMAP_LESSON_LIMIT:-30}
clean_secs=${RCUMAP_LESSON_CLEAN:-10}
runs=1
fix_run=1
print_kernel=''
while [ $# -gt 1 ]; do
	case $1 in
	-n) runs=$2; shift 2 ;;
	-b) fix_run=''; shift ;;
	-k) print_kernel=1; shift ;;
	*) break ;;
	esac
done
n=${1:?usage: rcumap_lessons.sh [-b] [-n RUNS] LESSON}

# The lesson: name, bug and fix (module parameters), work (hammer
# arguments), want (what its report must match, an ERE), and udelay
# (KCSAN's udelay_task, microseconds a watch lasts) when not the default;
# kernel, the test kernel whose detector catches it.
udelay='' kernel=kcsan
case $n in
1) name=concurrent_map_writes
   bug="sync=none max_entries=64" fix="sync=rcu max_entries=64"
   work="--threads 4 --keys 16 --private-keys --mix get=50,put=50"
   want='(data-race|assert: race) in .*rcumap_(table|bucket)_'
   # Two writers in one chain soon crash the kernel on a poisoned
   # pointer; KCSAN's watch must see them before that. A longer watch
   # (udelay_task) sees more of the other writer's accesses per watch,
   # and slows both, so the race is seen sooner for the same damage.
   udelay=400 ;;
2) name=add_read_modify_write
   bug="bug=add_rmw" fix=""
   work="--mode counters --threads 4"
   want='data-race in (.* )?rcumap_table_add_racy' ;;
3) name=cleaner_without_lock
   bug="bug=reaper_unlocked reap_ms=10 max_entries=64"
   fix="reap_ms=10 max_entries=64"
   work="--threads 4 --keys 64 --ttl 1 --mix get=30,put=70"
   want='WARNING: .*table\.c:[0-9]+ rcumap_(bucket_remove|table_reap)|(data-race|assert: race) in .*rcumap_(table_reap|bucket_remove)' ;;
4) name=plain_last_access_time
   bug="bug=atime_plain reap_ms=10" fix="reap_ms=10"
   work="--threads 4 --keys 16 --ttl 60000 --touch --mix get=90,put=10"
   want='data-race in (.* )?rcumap_(table|rht)_get' ;;
5) name=shared_hit_counter
   bug="bug=shared_hits" fix=""
   work="--threads 4 --keys 64 --mix get=90,put=10"
   want='data-race in rcumap_stats_count_get_shared' ;;
6) name=lookup_without_rcu_read_lock
   bug="bug=get_unlocked" fix=""
   work="--threads 4 --keys 64 --mix get=80,put=20"
   want='RCU-list traversed in non-reader section' ;;
7) name=free_without_grace_period
   bug="bug=free_now" fix=""
   # Few keys, so that readers are in the entries deleted under them.
   work="--threads 4 --keys 4 --mix get=60,put=20,del=20"
   want='BUG: KASAN: [a-z-]*use-after-free'
   kernel=kasan ;;
*) echo "# no lesson $n"; exit 1 ;;
esac
if [ -n "$print_kernel" ]; then
	echo "$kernel"
	exit 0
fi

cd "$(dirname "$0")" || exit 1
. ./rcumap_lib.sh
hammer=$(command -v rcumap-hammer || echo ./rcumap-hammer)
require_root_and "$hammer" rcumap.ko

# Watch one access in RCUMAP_LESSON_SKIP_WATCH rather than one in 4000,
# so that a race shows in seconds.
[ -w /sys/module/kcsan/parameters/skip_watch ] &&
	echo "${RCUMAP_LESSON_SKIP_WATCH:-100}" \
		>/sys/module/kcsan/parameters/skip_watch
[ -n "$udelay" ] && [ -w /sys/module/kcsan/parameters/udelay_task ] &&
	echo "$udelay" >/sys/module/kcsan/parameters/udelay_task
echo 1 >/proc/sys/kernel/panic_on_oops

# KCSAN's own rate limit: a race already reported is not reported again
# within CONFIG_KCSAN_REPORT_ONCE_IN_MS (3000) ms; wait it out between runs.
kcsan_quiet() {
	sleep 4
}

# hammer_until PARAMS PATTERN SECS - load rcumap with PARAMS, hammer it
# until PATTERN appears in the kernel log or SECS pass; status 0 if it
# appeared. The hammer's report goes to the output behind "# ".
hammer_until() {
	# shellcheck disable=SC2086 # $1 is a list of module parameters
	load_module ./rcumap.ko $1 || exit 1
	dmesg -c >/dev/null
	# shellcheck disable=SC2086 # $work is a list of arguments
	"$hammer" --duration "$3" $work >/tmp/rcumap-lesson.out 2>&1 &
	pid=$!
	# Look ten times a second: once the report is in, stop the writers
	# before the damage the race does (lesson 3's crash) catches up.
	ticks=0
	while [ $ticks -lt $(($3 * 10)) ] && kill -0 $pid 2>/dev/null &&
	      ! dmesg | grep -qE "$2"; do
		sleep 0.1
		ticks=$((ticks + 1))
	done
	kill $pid 2>/dev/null
	wait $pid
	sed 's/^/# /' /tmp/rcumap-lesson.out
	rmmod rcumap
	dmesg | grep -qE "$2"
}

echo "# lesson $n $name $want"
if [ -n "$fix_run" ]; then
	echo "rcumap-lessons: lesson $n fix" >/dev/kmsg
	if hammer_until "$fix" 'BUG: KCSAN: .*(in|/) rcumap_|BUG: KASAN|suspicious RCU usage|WARNING: .* rcumap_' \
			"$clean_secs"; then
		echo "# fix $n reported"
	else
		echo "# fix $n clean"
	fi
fi
k=1
while [ $k -le "$runs" ]; do
	kcsan_quiet
	echo "rcumap-lessons: lesson $n run $k" >/dev/kmsg
	if hammer_until "$bug" "$want" "$limit"; then
		echo "# run $n $k detected"
	else
		echo "# run $n $k missed"
	fi
	k=$((k + 1))
done
