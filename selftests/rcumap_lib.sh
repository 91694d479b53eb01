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
