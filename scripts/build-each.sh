#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Developer command (not part of CI): check that every patch of the series
# builds. For each prefix 1..N of patches/series, git am it onto the base
# in a scratch work tree and build bzImage with the debug configuration
# (options that the prefix does not define yet are simply absent).
# Incremental: when the work tree already holds prefix i-1 (the same
# patches, by content), only patch i is applied, so that only what it
# touches is rebuilt; otherwise the tree is reset to the base first.
#
# Usage: scripts/build-each.sh [FIRST]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

first=${1:-1}
"$RAX_TOP/scripts/prepare-tree.sh" --base-only >/dev/null
wt=$RAX_BASE_DIR/each-wt
out=$RAX_CACHE/build/each-$RAX_BASE_KEY
exec 8>"$wt.lock"
flock -n 8 || rax_die "another scripts/build-each.sh holds $wt.lock"
rax_git_unstale "$wt" "$RAX_TREE" rax-base
mapfile -t patches <"$RAX_TOP/patches/series"
export CCACHE_DIR=$RAX_CCACHE_DIR CCACHE_BASEDIR=$RAX_CACHE
export KBUILD_BUILD_TIMESTAMP="Tue Nov 24 00:00:00 UTC 2026" KBUILD_BUILD_USER=rax KBUILD_BUILD_HOST=rax-build
mk=(make -C "$wt" O="$out" CC="ccache gcc" AWK=gawk -j"$(rax_nproc)")
mkdir -p "$out" "$RAX_LOGS"
state=$out/.rax-each-state

# The identity of prefix 1..N: the SHA-256 of its patches' contents.
prefix_id() {
	local q
	for q in "${patches[@]:0:$1}"; do cat "$RAX_TOP/patches/$q"; done | sha256sum | cut -c1-64
}

for ((i = first; i <= ${#patches[@]}; i++)); do
	p=${patches[$((i - 1))]}
	log=$RAX_LOGS/build-each-$i.log
	rax_stage "patch $i/${#patches[@]}: $p"
	have=$(cat "$state" 2>/dev/null || true)
	want_prev="$((i - 1)) $(prefix_id $((i - 1)))"
	(
		cd "$wt"
		git am --abort >/dev/null 2>&1 || true
		if [ "$have" = "$want_prev" ] && git diff --quiet HEAD; then
			git am -q "$RAX_TOP/patches/$p"
		else
			git checkout -q -f --detach rax-base
			git clean -q -f -d -x
			for q in "${patches[@]:0:$i}"; do git am -q "$RAX_TOP/patches/$q"; done
		fi
	) >"$log" 2>&1 || { rm -f "$state"; rax_die "git am failed at patch $i" "$log"; }
	echo "$i $(prefix_id "$i")" >"$state"
	{
		"${mk[@]}" tinyconfig &&
		# merge_config.sh makes its temporary files in the current directory.
		(cd "$out" && "$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$RAX_TOP"/scripts/config/{vm,rax,debug}.config) &&
		"${mk[@]}" olddefconfig &&
		# The .blacklist test hash debug.config names, as build-kernel.sh writes it.
		echo "\"bin:$(sha256sum <"$RAX_TOP/scripts/config/blacklisted-image.txt" | cut -c1-64)\"" \
			>"$out/rax-blacklist-hashes" &&
		"${mk[@]}" bzImage
	} >>"$log" 2>&1 || rax_die "patch $i ($p) does not build" "$log"
	rax_stage_end
done
rax_log "all ${#patches[@]} patches build"
