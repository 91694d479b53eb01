#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rcumap's trace events (module/rcumap_trace.h) through tracefs: each one is
# there and off after the module loads, and off records nothing; once on,
# every operation of rcumapctl leaves one event with its key length, value
# length and result (0 or the negative errno), a key keeps one hash, and
# CLEAR and the reaper report what they deleted; a filter on the result
# keeps only failures; disabled again, the events record nothing.

cd "$(dirname "$0")" || exit 1
# shellcheck source-path=SCRIPTDIR
. ./rcumap_lib.sh
ctl=$(command -v rcumapctl || echo ./rcumapctl)
require_root_and "$ctl" rcumap.ko
tracefs=/sys/kernel/tracing
events=$tracefs/events/rcumap
op_events="rcumap_get rcumap_put rcumap_del rcumap_add rcumap_cmpxchg"
all_events="$op_events rcumap_clear rcumap_reap"

[ -e "$tracefs/trace" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null
if [ ! -e "$tracefs/trace" ]; then
	echo "1..0 # SKIP no tracefs at $tracefs: missing CONFIG_FTRACE?"
	exit $ksft_skip
fi
# The reaper at its shortest period, so that its test waits little.
load_module ./rcumap.ko reap_ms=10 || exit 1

if [ ! -d "$events" ]; then
	rmmod rcumap
	echo "1..0 # SKIP no $events: missing CONFIG_ENABLE_DEFAULT_TRACERS? (it selects EVENT_TRACING)"
	exit $ksft_skip
fi

# set_op_filter FILTER - FILTER (or 0, none) on each operation's event:
# they have the fields; CLEAR's and the reaper's do not, so a filter on the
# whole system would fail on those two.
set_op_filter() {
	for event in $op_events; do
		echo "$1" >"$events/$event/filter"
	done
}

# Leave tracing as it was found, bar the buffer, and the module unloaded.
tracing_on=$(cat "$tracefs/tracing_on")
cleanup() {
	echo 0 >"$events/enable"
	set_op_filter 0
	: >"$tracefs/trace"
	echo "$tracing_on" >"$tracefs/tracing_on"
	rmmod rcumap
}
trap cleanup EXIT
echo 1 >"$tracefs/tracing_on"

# rcumap_lines - the rcumap events in the buffer, one a line.
rcumap_lines() {
	grep -E ' rcumap_[a-z]+: ' "$tracefs/trace"
}

# expect_event NAME EVENT FIELDS ARGS... - with the buffer emptied, run
# rcumapctl ARGS; the buffer must then hold one rcumap event, EVENT, whose
# fields after the hash are FIELDS. Its hash is left in $hash.
expect_event() {
	name=$1 event=$2 fields=$3
	shift 3
	: >"$tracefs/trace"
	"$ctl" "$@" >/dev/null 2>&1
	got=$(rcumap_lines)
	hash=$(echo "$got" | sed -n 's/.* hash=\([0-9a-f]*\) .*/\1/p')
	[ "$(echo "$got" | wc -l)" = 1 ] &&
		echo "$got" | grep -qE " $event: hash=[0-9a-f]{8} $fields\$"
	tap_result "$name" $? "rcumapctl $*: the buffer held '$got'; \
wanted one '$event: hash=XXXXXXXX $fields'"
}

tap_plan 14

missing=''
for e in $all_events; do
	[ -e "$events/$e/format" ] || missing="$missing $e"
done
tap_result every_event_is_in_tracefs "$([ -z "$missing" ]; echo $?)" \
	"missing from $events:$missing"

on=''
for e in $all_events; do
	[ "$(cat "$events/$e/enable")" = 0 ] || on="$on $e"
done
tap_result events_are_off_after_load "$([ -z "$on" ]; echo $?)" \
	"enabled at load:$on"

: >"$tracefs/trace"
"$ctl" put k1 v123 && "$ctl" get k1 >/dev/null && "$ctl" del k1
got=$(rcumap_lines)
tap_result off_events_record_nothing "$([ -z "$got" ]; echo $?)" \
	"with the events off, the buffer held '$got'"

echo 1 >"$events/enable"
expect_event put_records_key_and_value_length rcumap_put \
	'key_len=2 value_len=4 result=0' put k1 v123
put_hash=$hash
expect_event get_hit_records_value_length_and_0 rcumap_get \
	'key_len=2 value_len=4 result=0' get k1
get_hash=$hash
# ENOENT is 2
expect_event get_miss_records_minus_enoent rcumap_get \
	'key_len=5 value_len=0 result=-2' get nokey
miss_hash=$hash
expect_event del_records_key_length_and_0 rcumap_del \
	'key_len=2 value_len=0 result=0' del k1
del_hash=$hash
[ -n "$put_hash" ] && [ "$put_hash" = "$get_hash" ] &&
	[ "$put_hash" = "$del_hash" ] && [ "$put_hash" != "$miss_hash" ]
tap_result one_key_has_one_hash $? "put $put_hash, get $get_hash, \
del $del_hash of one key; get $miss_hash of another"
expect_event add_records_the_counters_length rcumap_add \
	'key_len=1 value_len=8 result=0' add n 5
# ECANCELED is 125: n holds the 8-byte counter 5, not the string 9
expect_event cas_mismatch_records_minus_ecanceled rcumap_cmpxchg \
	'key_len=1 value_len=1 result=-125' cas n 9 3

: >"$tracefs/trace"
"$ctl" put k2 v >/dev/null
"$ctl" clear >/dev/null
rcumap_lines | grep -q ' rcumap_clear: removed=2$'
tap_result clear_records_entries_removed $? \
	"after clear of 2 entries, the buffer held '$(rcumap_lines)'"

# The first pass may come before the time to live is up: wait for the one
# that deletes the entry, at most 2 s (the period is 10 ms).
: >"$tracefs/trace"
"$ctl" put k3 v --ttl=1
i=0
until rcumap_lines | grep -q ' rcumap_reap: expired=1 left=0$' ||
	[ $i = 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
rcumap_lines | grep -q ' rcumap_reap: expired=1 left=0$'
tap_result reaper_records_expired_entries $? \
	"2 s after a put with a ttl of 1 ms, the buffer held '$(rcumap_lines)'"

set_op_filter 'result != 0'
: >"$tracefs/trace"
"$ctl" put k4 v && "$ctl" get k4 >/dev/null
"$ctl" get nokey 2>/dev/null
got=$(rcumap_lines)
[ "$(echo "$got" | wc -l)" = 1 ] &&
	echo "$got" | grep -q ' rcumap_get: .* result=-2$'
tap_result result_filter_keeps_only_failures $? \
	"with filter 'result != 0', a put, a hit and a miss left '$got'"
set_op_filter 0

echo 0 >"$events/enable"
: >"$tracefs/trace"
"$ctl" put k5 v && "$ctl" get k5 >/dev/null && "$ctl" del k5
"$ctl" get nokey 2>/dev/null
got=$(rcumap_lines)
tap_result disabled_events_record_nothing "$([ -z "$got" ]; echo $?)" \
	"after disabling, the buffer held '$got'"

tap_exit
