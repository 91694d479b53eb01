# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for the vm/ scripts; sourced, never run. Sourcing it sets
# variables and defines functions, nothing more, so that a script can answer
# --help (usage, arguments, no_options) before it does anything.
#
# RCUMAP_CACHE   where test kernels and the unpacked source live
#                (default ~/.cache/rcumap; kept outside the work tree)
# RCUMAP_KSRC    an unpacked 6.12 source tree to use instead of
#                Debian's linux-source-6.12 tarball

set -euo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(dirname "$VM_DIR")
RCUMAP_CACHE=${RCUMAP_CACHE:-$HOME/.cache/rcumap}
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz

# rcumap_version - the release, from the one line that sets it (Kbuild), as
# the Makefile reads it.
rcumap_version() {
	sed -n 's/^RCUMAP_VERSION := //p' "$TOP_DIR/Kbuild"
}

# qemu_accel - print QEMU's accelerator: KVM when the CPU has hardware
# virtualisation (vmx or svm) and /dev/kvm can be opened, else
# multi-threaded TCG. A /dev/kvm alone is not enough: some hosts offer one
# without hardware support (kvm-pvm, in nested sandboxes), and an ordinary
# guest kernel hangs on it at boot. RCUMAP_ACCEL=kvm or tcg overrides.
qemu_accel() {
	case "${RCUMAP_ACCEL:-}" in
	kvm) echo kvm; return ;;
	tcg) echo tcg,thread=multi; return ;;
	esac
	if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -r /dev/kvm ] &&
	   [ -w /dev/kvm ]; then
		echo kvm
	else
		echo tcg,thread=multi
	fi
}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# usage_error MESSAGE - refuse a wrong invocation (an unknown option, a
# missing or bad argument) before doing anything: MESSAGE and a pointer to
# --help on stderr, exit status 2, a usage error's in every rcumap tool
# (die's 1 is for a run that failed).
usage_error() {
	log "$* (see ${0##*/} --help)"
	exit 2
}

# usage - print the comment at the top of the running script, which says
# what it does and what it takes: its --help.
usage() {
	sed -n '2,/^[^#]/{/SPDX-License-Identifier/d;/^[^#]/d;s/^# \{0,1\}//;p;}' "$0" |
		sed '1{/^$/d;}'
}

# arguments MIN MAX "$@" - the option parsing of a script that takes no
# option, only MIN to MAX arguments (MAX empty: no limit): --help, wherever
# it is, prints the usage and exits 0; any other option, or too few or too
# many arguments, is a usage error. Scripts call it first, before anything
# else they do.
arguments() {
	local min=$1 max=$2 arg
	shift 2
	for arg; do
		case "$arg" in
		--help) usage; exit 0 ;;
		-*) usage_error "unknown option $arg" ;;
		esac
	done
	[ $# -ge "$min" ] || usage_error "too few arguments"
	[ -z "$max" ] || [ $# -le "$max" ] ||
		usage_error "too many arguments: $*"
}

# no_options "$@" - the option parsing of a script that takes no argument:
# --help prints its usage and exits, anything else is a usage error.
no_options() {
	arguments 0 0 "$@"
}

# ksrc_dir - print the unpacked kernel source, unpacking it once per
# package version.
ksrc_dir() {
	if [ -n "${RCUMAP_KSRC:-}" ]; then
		echo "$RCUMAP_KSRC"
		return
	fi
	[ -r "$KSRC_TARBALL" ] ||
		die "$KSRC_TARBALL missing: run 'make deps' (package linux-source-6.12)"
	local ver dir
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir=$RCUMAP_CACHE/src/linux-source-$ver
	if [ ! -e "$dir/.unpacked" ]; then
		log "unpacking linux-source-6.12 $ver into $dir (about a minute)"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xf "$KSRC_TARBALL" -C "$dir" --strip-components=1
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# kernel_dir FLAVOUR - print the cache directory of a test kernel: keyed by
# the source version and a hash of the config fragments that make it.
kernel_dir() {
	local flavour=$1 src ver hash
	src=$(ksrc_dir)
	ver=$(make -s -C "$src" kernelversion)
	hash=$(cat "$VM_DIR/configs/base.config" "$VM_DIR/configs/$flavour.config" |
	       sha256sum | cut -c1-12)
	echo "$RCUMAP_CACHE/kernel-$flavour-$ver-$hash"
}

# prepare_guest NAME FLAVOUR... - what a guest session on the FLAVOUR test
# kernels needs, installed and built: the packages, the cached kernels, and
# their staged guest trees (make guest-FLAVOUR), nothing for another
# kernel; the build log goes to build/NAME-build.log. A script that runs
# another sets RCUMAP_GUEST_READY=1 for it, so the guest is built once.
prepare_guest() {
	local name=$1 flavour targets=()
	shift
	[ -z "${RCUMAP_GUEST_READY:-}" ] || return 0
	"$VM_DIR/install-deps"
	for flavour; do
		"$VM_DIR/build-kernel" "$flavour" >/dev/null
		targets+=("guest-$flavour")
	done
	mkdir -p "$TOP_DIR/build"
	make -C "$TOP_DIR" --no-print-directory -j"$(nproc)" "${targets[@]}" \
		>"$TOP_DIR/build/$name-build.log" 2>&1 ||
		die "building the guest failed, see build/$name-build.log"
}

# tap_check NAME COMMAND... - run COMMAND and print one TAP line for it,
# with COMMAND's output as "# " lines when it fails; tap_n and tap_failed
# count the checks and the failures.
tap_n=0 tap_failed=0
tap_check() {
	local name=$1 tap_out
	shift
	tap_n=$((tap_n + 1))
	if tap_out=$("$@" 2>&1); then
		echo "ok $tap_n - $name"
	else
		printf '%s\n' "$tap_out" | sed 's/^/# /'
		echo "not ok $tap_n - $name"
		tap_failed=$((tap_failed + 1))
	fi
}

# tap_done WHAT - the "# WHAT: N passed, N failed" line after tap_check's
# lines; fails if any check failed.
tap_done() {
	echo "# $1: $((tap_n - tap_failed)) passed, $tap_failed failed"
	[ "$tap_failed" = 0 ]
}

# man_warnings PAGE... - render each man page as man(1) does, with its
# warnings on; print the warnings of each page that has any, and fail then.
man_warnings() {
	local page err status=0
	for page; do
		err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 \
			-l "$page" 2>&1 >/dev/null)
		if [ -n "$err" ]; then
			printf '%s: man --warnings:\n%s\n' "$page" "$err"
			status=1
		fi
	done
	return "$status"
}
