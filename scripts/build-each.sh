#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Developer command (not part of CI): check that every patch of the series
# builds. For each prefix 1..N of patches/series, git am it onto the base
# in a scratch work tree and build bzImage with the debug configuration
# (options that the prefix does not define yet are simply absent).
#
# Usage: scripts/build-each.sh [FIRST]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

first=${1:-1}
"$RAX_TOP/scripts/prepare-tree.sh" --base-only >/dev/null
wt=$RAX_BASE_DIR/each-wt
out=$RAX_CACHE/build/each-$RAX_BASE_KEY
if [ ! -d "$wt" ]; then
	git -C "$RAX_TREE" worktree prune
	git -C "$RAX_TREE" worktree add -q --detach "$wt" rax-base
fi
mapfile -t patches <"$RAX_TOP/patches/series"
export CCACHE_DIR=$RAX_CCACHE_DIR CCACHE_BASEDIR=$RAX_CACHE
export KBUILD_BUILD_TIMESTAMP="Tue Nov 24 00:00:00 UTC 2026" KBUILD_BUILD_USER=rax KBUILD_BUILD_HOST=rax-build
mk=(make -C "$wt" O="$out" CC="ccache gcc" AWK=gawk -j"$(rax_nproc)")
mkdir -p "$out" "$RAX_LOGS"
for ((i = first; i <= ${#patches[@]}; i++)); do
	p=${patches[$((i - 1))]}
	log=$RAX_LOGS/build-each-$i.log
	rax_stage "patch $i/${#patches[@]}: $p"
	(
		cd "$wt"
		git am --abort >/dev/null 2>&1 || true
		git checkout -q -f --detach rax-base
		git clean -q -f -d -x
		for q in "${patches[@]:0:$i}"; do git am -q "$RAX_TOP/patches/$q"; done
	) >"$log" 2>&1 || rax_die "git am failed at patch $i" "$log"
	{
		"${mk[@]}" tinyconfig &&
		"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$RAX_TOP"/scripts/config/{vm,rax,debug}.config &&
		"${mk[@]}" olddefconfig &&
		# The .blacklist test hash debug.config names, as build-kernel.sh writes it.
		echo "\"bin:$(sha256sum <"$RAX_TOP/scripts/config/blacklisted-image.txt" | cut -c1-64)\"" \
			>"$out/rax-blacklist-hashes" &&
		"${mk[@]}" bzImage
	} >>"$log" 2>&1 || rax_die "patch $i ($p) does not build" "$log"
	rax_stage_end
done
rax_log "all ${#patches[@]} patches build"
