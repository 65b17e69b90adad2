#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the kernel source tree: the pristine base from Debian's
# linux-source package as one git commit (tag rax-base), then the series
# in patches/ applied with git am on branch rax.
#
# Usage: scripts/prepare-tree.sh [--base-only]
# Prints the tree's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base_only=0
[ "${1:-}" = "--base-only" ] && base_only=1

tarball=/usr/src/$RAX_BASE_PKG.tar.xz
have=$(dpkg-query -W -f='${Version}' "$RAX_BASE_PKG" 2>/dev/null || true)
if [ -z "$have" ] || [ ! -f "$tarball" ]; then
	rax_die "$RAX_BASE_PKG is not installed ($tarball missing).
    Run scripts/setup-deps.sh, or: apt-get install $RAX_BASE_PKG=$RAX_BASE_VERSION"
fi
if [ "$have" != "$RAX_BASE_VERSION" ]; then
	rax_die "installed $RAX_BASE_PKG is $have, the series is based on $RAX_BASE_VERSION (patches/BASE).
    Install the recorded base: apt-get install $RAX_BASE_PKG=$RAX_BASE_VERSION
    or rebase: set version= in patches/BASE, scripts/series.sh generate, then scripts/series.sh check."
fi

mkdir -p "$RAX_BASE_DIR" "$RAX_LOGS"
if [ ! -f "$RAX_BASE_DIR/.base-ok" ]; then
	rax_stage "base tree: extracting $tarball"
	rm -rf "$RAX_TREE" "$RAX_BASE_DIR/extract"
	mkdir -p "$RAX_BASE_DIR/extract"
	tar -C "$RAX_BASE_DIR/extract" -xJf "$tarball"
	mv "$RAX_BASE_DIR/extract/$RAX_BASE_PKG" "$RAX_TREE"
	rmdir "$RAX_BASE_DIR/extract"
	rax_stage_end
	rax_stage "base tree: committing the pristine base"
	(
		cd "$RAX_TREE"
		git init -q -b rax-base-branch
		git config core.autocrlf false
		git config gc.auto 0
		# Debian's tarball ships a .gitignore ending in "/*": force-add.
		git add -f -A .
		git commit -q -m "Debian $RAX_BASE_PKG $RAX_BASE_VERSION (Linux $RAX_BASE_KERNEL)"
		git tag rax-base
	) >"$RAX_LOGS/base-commit.log" 2>&1 || rax_die "committing the base failed" "$RAX_LOGS/base-commit.log"
	touch "$RAX_BASE_DIR/.base-ok"
	rax_stage_end
fi

if [ $base_only -eq 1 ]; then
	echo "$RAX_TREE"
	exit 0
fi

series_hash=$(cd "$RAX_TOP/patches" && cat series $(cat series) | sha256sum | cut -d' ' -f1)
stamp=$RAX_TREE/.git/rax-series-hash
# Up to date only if nothing edited the tree since (a developer copying
# files in leaves tracked files modified): else apply the series again.
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$series_hash" ] &&
   [ "$(git -C "$RAX_TREE" rev-parse --abbrev-ref HEAD)" = rax ] &&
   [ -z "$(git -C "$RAX_TREE" status --porcelain --untracked-files=no)" ]; then
	rax_log "kernel tree up to date with the series: $RAX_TREE"
	echo "$RAX_TREE"
	exit 0
fi

rax_stage "kernel tree: applying $(wc -l <"$RAX_TOP/patches/series") patches with git am"
log=$RAX_LOGS/git-am.log
# One run at a time rewrites the tree; what a killed one left is cleared.
exec 8>"$RAX_BASE_DIR/tree.lock"
flock 8
rax_git_unstale "$RAX_TREE"
(
	cd "$RAX_TREE"
	git am --abort >/dev/null 2>&1 || true
	git checkout -q -f -B rax rax-base
	git clean -q -f -d -x
	rm -f "$stamp"
	while read -r p; do
		git am -q --whitespace=nowarn "$RAX_TOP/patches/$p"
	done <"$RAX_TOP/patches/series"
) >"$log" 2>&1 || rax_die "git am of the series failed: is patches/ generated for this base? (scripts/series.sh generate)" "$log"
echo "$series_hash" >"$stamp"
rax_stage_end
echo "$RAX_TREE"
