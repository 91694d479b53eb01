#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rcumapctl against the real module: what a user types and what a script
# relies on (output, exit status), and the dump --json / load round trip
# that keeps a map across rmmod.

cd "$(dirname "$0")" || exit 1
. ./rcumap_lib.sh
ctl=$(command -v rcumapctl || echo ./rcumapctl)
require_root_and "$ctl" rcumap.ko
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME WANT_STATUS WANT_OUTPUT ARGS... - run rcumapctl ARGS; its
# exit status and its standard output must be as given.
expect() {
	name=$1 want_status=$2 want_out=$3
	shift 3
	out=$("$ctl" "$@" 2>"$tmp/err")
	status=$?
	[ "$status" = "$want_status" ] && [ "$out" = "$want_out" ]
	tap_result "$name" $? "rcumapctl $*: exit $status, output '$out', \
stderr '$(cat "$tmp/err")'; wanted exit $want_status, output '$want_out'"
}

tap_plan 14
load_module ./rcumap.ko || exit 1
expect put_prints_nothing 0 '' put a 1
expect get_prints_the_value 0 '1' get a
expect get_of_missing_key_exits_1 1 '' get nokey
expect put_noexist_on_present_key_exits_3 3 '' put a 2 --noexist
expect unknown_command_exits_2 2 '' frobnicate
expect hex_put_prints_nothing 0 '' --hex put 6b00 00ff0a
expect hex_get_prints_hex 0 '00ff0a' --hex get 6b00
expect add_prints_the_sum 0 '5' add n 5
expect add_of_negative_delta 0 '-2' add n -7
expect cas_mismatch_exits_4_with_current_value 4 '1' cas a 9 3
expect cas_match_stores_the_new_value 0 '' cas a 1 3

# 200 entries, some binary, survive rmmod through dump --json and load.
i=0
while [ $i -lt 200 ]; do
	"$ctl" put "key$i" "value $i" || break
	i=$((i + 1))
done
"$ctl" --hex put 00ff 0a0d00
# One entry per line, in bucket order, which a reload reshuffles: compare
# the lines sorted, without the commas that separate them.
sorted_entries() {
	sed 's/,$//' "$1" | sort
}

"$ctl" dump --json >"$tmp/before.json"
sorted_entries "$tmp/before.json" >"$tmp/before.sorted"
load_module ./rcumap.ko
expect reload_starts_empty 0 'removed 0' clear
expect load_reports_every_entry 0 'loaded 204' load "$tmp/before.json"
"$ctl" dump --json >"$tmp/after.json"
sorted_entries "$tmp/after.json" >"$tmp/after.sorted"
cmp -s "$tmp/before.sorted" "$tmp/after.sorted"
tap_result dump_json_then_load_restores_the_map $? \
	"the map after load differs from the dump taken before rmmod"
rmmod rcumap
tap_exit
