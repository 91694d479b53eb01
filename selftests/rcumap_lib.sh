# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Shared by the shell selftests: TAP output, the root and file checks that
# skip, and (re)loading the module. Sourced, never run.

ksft_skip=4
tap_n=0
tap_failed=0

# tap_plan N - start the TAP output of N tests.
tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# tap_result NAME STATUS [WHY] - one TAP line: ok if STATUS is 0.
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $tap_n $1"
	else
		[ -n "${3:-}" ] && echo "# $3"
		echo "not ok $tap_n $1"
		tap_failed=$((tap_failed + 1))
	fi
}

# tap_skip NAME WHY - one TAP line for a test that cannot run here.
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

# tap_exit - exit 0 if every test passed, 1 otherwise.
tap_exit() {
	[ "$tap_failed" = 0 ]
	exit $?
}

# require_root_and FILE... - skip the whole program unless we are root and
# every FILE exists.
require_root_and() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP must run as root to load rcumap.ko"
		exit $ksft_skip
	fi
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			echo "1..0 # SKIP $f not found"
			exit $ksft_skip
		fi
	done
}

# load_module KO [PARAMS...] - load a fresh instance of the module from KO,
# under the suite's strategy, $RCUMAP_SYNC (make check runs the suite once
# per strategy), unless PARAMS choose one.
load_module() {
	rmmod rcumap 2>/dev/null
	case "$*" in
	*sync=*) insmod "$@" ;;
	*) insmod "$@" ${RCUMAP_SYNC:+sync=$RCUMAP_SYNC} ;;
	esac
}

kmemleak=/sys/kernel/debug/kmemleak

# have_kmemleak - true on a kernel with kmemleak enabled (CONFIG_DEBUG_KMEMLEAK).
have_kmemleak() {
	[ -w "$kmemleak" ]
}

# kmemleak_clear - forget the leaks reported so far: a later leak_check
# sees only what leaks from now on.
kmemleak_clear() {
	echo clear >"$kmemleak"
}

# leak_check [-q] [-k] - unload rcumap, then print every kmemleak report whose
# allocation trace names rcumap, and fail if there is one; kmemleak is
# cleared afterwards. kmemleak reports no object younger than 5 s
# (MSECS_MIN_AGE in mm/kmemleak.c), so this waits 6 s first, then scans
# twice, as syzkaller does, so that a pointer left in a register or on a
# stack at one scan does not hide a leak. -q (quick) scans once with no
# wait: a leak younger than 5 s is not cleared with the others and shows at
# the next check. kvfree_rcu() tells kmemleak to ignore the object it will
# free, so entries waiting for a grace period are never reported. After
# the unload the module's own frames no longer resolve to names: a frame
# that is an unnamed address in the module area (0xffffffffa0000000 and
# above, on x86-64) is counted as rcumap's too, the only module loaded.
# Objects allocated by a process named leak-control are left out unless
# -k: the negative control (rcumap_unload_test.sh) leaks on purpose under
# that name, and kmemleak may find some of its leaks only at a later
# check (one was reported after the next program): an object is not
# unreferenced while any memory kmemleak scans holds a copy of its address.
leak_check() {
	quick='' control=''
	for opt in "$@"; do
		case $opt in
		-q) quick=1 ;;
		-k) control=1 ;;
		esac
	done
	rmmod rcumap 2>/dev/null
	if [ -z "$quick" ]; then
		sleep 6
		echo scan >"$kmemleak"
	fi
	echo scan >"$kmemleak"
	awk -v control="$control" '
	function flush() { if (ours && !skip) printf "%s", block }
	/^unreferenced object/ { flush(); block = ""; ours = 0; skip = 0 }
	{ block = block "# " $0 "\n" }
	/^ +comm "leak-control"/ { skip = !control }
	/rcumap|^ +0xffffffff[a-f][0-9a-f]{7}$/ { ours = 1 }
	END { flush() }
	' "$kmemleak" >/tmp/rcumap-leaks
	kmemleak_clear
	if [ -s /tmp/rcumap-leaks ]; then
		cat /tmp/rcumap-leaks
		return 1
	fi
}
