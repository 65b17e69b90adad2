#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages Rax needs, only those that are missing.
# The kernel base package is pinned to the exact version in patches/BASE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex cpio kmod rsync xz-utils openssl gawk
	libelf-dev libssl-dev zlib1g-dev libcap-dev libbpf-dev dwarves ccache
	cmake catch2 pkg-config python3-ply python3-git python3-docutils groff-base
	clang-19 lld-19 llvm-19
	rustc-web rust-web-src rustfmt-web llvm-22-dev
	qemu-system-x86 iproute2 python3 libbpf-tools memcached
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

have_base=$(dpkg-query -W -f='${Version}' "$RAX_BASE_PKG" 2>/dev/null || true)
if [ "$have_base" != "$RAX_BASE_VERSION" ]; then
	if [ -n "$have_base" ]; then
		rax_die "$RAX_BASE_PKG $have_base is installed but the series is based on $RAX_BASE_VERSION (patches/BASE).
    To build against the recorded base: apt-get install $RAX_BASE_PKG=$RAX_BASE_VERSION
    To move the series to $have_base instead: edit patches/BASE, run scripts/series.sh generate,
    fix any hunk that no longer applies (series/hunks/), then scripts/series.sh check."
	fi
	missing+=("$RAX_BASE_PKG=$RAX_BASE_VERSION")
fi

if [ ${#missing[@]} -eq 0 ]; then
	rax_log "all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	rax_die "missing packages: ${missing[*]}; run this as root or install them with apt-get"
fi

rax_log "installing: ${missing[*]}"
mkdir -p "$RAX_LOGS"
log=$RAX_LOGS/apt.log
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	apt-get update >>"$log" 2>&1 || true
	if ! apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
		if ! apt-cache madison "$RAX_BASE_PKG" 2>/dev/null | grep -qF " $RAX_BASE_VERSION "; then
			rax_die "$RAX_BASE_PKG=$RAX_BASE_VERSION (patches/BASE) is no longer in Debian's archive.
    Rebase the series: apt-cache madison $RAX_BASE_PKG lists what exists; put the new version
    in patches/BASE, run scripts/series.sh generate, fix any hunk in series/hunks/ that no
    longer applies, then scripts/series.sh check and the test command." "$log"
		fi
		rax_die "apt-get install failed" "$log"
	fi
fi
rax_log "packages installed"
