#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unloading under load: rmmod, tried again and again while rcumap-hammer's
# threads hammer the map, is refused every time and breaks nothing; once
# the hammer has exited it succeeds. Then the module's exit with work still
# in flight: the expiry reaper busy and RCU callbacks queued by the entries
# just replaced and deleted. On a kernel with kmemleak, each unload is
# followed by a leak check (leak_check in rcumap_lib.sh), and the last test
# proves that check can fail: rcumap-broken-leak.ko never frees a replaced
# or deleted entry, and kmemleak must say so.
#
# Environment: RCUMAP_HAMMER_SECONDS (default 3) per hammer run.

cd "$(dirname "$0")" || exit 1
. ./rcumap_lib.sh
secs=${RCUMAP_HAMMER_SECONDS:-3}
hammer=$(command -v rcumap-hammer || echo ./rcumap-hammer)
require_root_and "$hammer" rcumap.ko rcumap-broken-leak.ko
leaks=0
have_kmemleak && leaks=1 && kmemleak_clear

# unloaded_clean NAME [-q] - one TAP line: rcumap unloads, and on a kernel
# with kmemleak nothing of it leaked (-q: leak_check -q, whose leaks younger
# than 5 s the next full check reports).
unloaded_clean() {
	if ! rmmod rcumap; then
		tap_result "$1" 1 "rmmod failed"
	elif [ "$leaks" = 1 ]; then
		leak_check "${2:-}"
		tap_result "$1" $? "kmemleak found rcumap's objects unreferenced"
	else
		tap_result "$1" 0
	fi
}

tap_plan 5
load_module ./rcumap.ko || exit 1
# rmmod is tried for $secs s from the moment the hammer holds the device
# open; the hammer runs 2 s longer, so that it never closes the device,
# as it does before it exits, while rmmod is still being tried.
"$hammer" --duration $((secs + 2)) --threads 4 --mix get=40,put=40,del=20 \
	>/tmp/rcumap-unload.out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null &&
      [ "$(cat /sys/module/rcumap/refcnt)" = 0 ]; do
	sleep 0.05
done
tries=0 refused=0 until=$(($(date +%s) + secs))
while kill -0 $pid 2>/dev/null && [ "$(date +%s)" -lt "$until" ]; do
	tries=$((tries + 1))
	rmmod rcumap 2>/dev/null || refused=$((refused + 1))
	sleep 0.1
done
wait $pid
hammer_status=$?
sed 's/^/# /' /tmp/rcumap-unload.out
echo "# rmmod tried $tries times during the hammer, refused $refused"
[ "$tries" -gt 0 ] && [ "$refused" = "$tries" ]
tap_result rmmod_is_refused_while_the_hammer_runs $? \
	"rmmod succeeded $((tries - refused)) of $tries times"
[ "$hammer_status" = 0 ] && grep -q 'ops/s' /tmp/rcumap-unload.out
tap_result hammer_is_unharmed_by_the_rmmod_attempts $? \
	"the hammer exited with status $hammer_status"
unloaded_clean rmmod_succeeds_once_the_hammer_exits -q

# The reaper every 10 ms, entries living 1 ms: when the hammer stops, the
# reaper has work queued and RCU has callbacks of replaced entries pending.
load_module ./rcumap.ko reap_ms=10 || exit 1
"$hammer" --duration "$secs" --threads 4 --keys 256 --ttl 1 \
	--mix get=30,put=60,del=10 >/tmp/rcumap-unload.out 2>&1
sed 's/^/# /' /tmp/rcumap-unload.out
unloaded_clean exit_with_reaper_busy_and_rcu_callbacks_pending_is_clean

if [ "$leaks" = 1 ]; then
	load_module ./rcumap-broken-leak.ko || exit 1
	# Under the name leak_check leaves out unless asked (-k): the leaks
	# are meant, and must not count against the tests that follow.
	ln -sf "$(readlink -f "$hammer")" /tmp/leak-control
	/tmp/leak-control --duration 1 --threads 2 --keys 64 \
		--mix get=20,put=60,del=20 >/tmp/rcumap-unload.out 2>&1
	rmmod rcumap
	! leak_check -k >/tmp/rcumap-leaks.out
	status=$?
	head -n 12 /tmp/rcumap-leaks.out
	tap_result leak_check_catches_the_leaking_module $status \
		"kmemleak found nothing of rcumap-broken-leak.ko's"
else
	echo "ok 5 leak_check_catches_the_leaking_module # SKIP no kmemleak (missing CONFIG_DEBUG_KMEMLEAK?)"
fi
tap_exit
