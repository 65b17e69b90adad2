#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tests of kernel/rax/Kconfig on the prepared tree: RAX cannot be
# enabled with KASAN but without KASAN_VMALLOC (the program stacks come
# from vmalloc), nor with CFI_CLANG (Rax code has no kCFI hashes), and
# the default stack size cannot be set to a value the sysctl would
# refuse. Each case runs allnoconfig with a fragment (KCONFIG_ALLCONFIG)
# in a scratch build directory. Prints TAP.
#
# Usage: scripts/test-kconfig.sh [TREE]
#   TREE  a kernel tree with the series (default: the one
#         scripts/prepare-tree.sh prepares)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:-$RAX_TREE}
[ -d "$tree/kernel/rax" ] || rax_die "no kernel tree with the series at $tree: run scripts/prepare-tree.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# What Rax itself needs, on x86-64.
base='CONFIG_64BIT=y
CONFIG_NET=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_RAX=y
# CONFIG_SLUB_TINY is not set'

# expect NAME PATTERNS [MAKE-ARGS...] <FRAGMENT: the .config allnoconfig
# makes must match every PATTERN of PATTERNS (separated by ";"), and must
# not match those written !PATTERN.
expect() {
	local name=$1 pats=$2 out=$tmp/o p why=
	shift 2
	n=$((n + 1))
	rm -rf "$out"
	mkdir -p "$out"
	{ echo "$base"; cat; } >"$tmp/frag"
	if ! make -s -C "$tree" O="$out" KCONFIG_ALLCONFIG="$tmp/frag" "$@" \
		allnoconfig >"$tmp/log" 2>&1; then
		failed=$((failed + 1))
		echo "not ok $n kconfig: $name (allnoconfig failed)"
		sed 's/^/# /' "$tmp/log" | tail -n 20
		return
	fi
	IFS=';' read -ra list <<<"$pats"
	for p in "${list[@]}"; do
		if [ "${p#!}" != "$p" ]; then
			grep -qE "${p#!}" "$out/.config" && why="'${p#!}' in .config"
		else
			grep -qE "$p" "$out/.config" || why="no '$p' in .config"
		fi
	done
	if [ -z "$why" ]; then
		echo "ok $n kconfig: $name"
	else
		failed=$((failed + 1))
		echo "not ok $n kconfig: $name ($why)"
		grep -E 'CONFIG_(RAX|KASAN|CFI)' "$out/.config" | sed 's/^/# /'
	fi
}

echo "TAP version 13"
echo "1..6"
expect "RAX alone, with the default stack size" '^CONFIG_RAX=y;^CONFIG_RAX_STACK_SIZE_KB=64$' </dev/null
expect "RAX refused with KASAN and no KASAN_VMALLOC" '^CONFIG_KASAN=y;!^CONFIG_RAX=y' <<'F'
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
# CONFIG_KASAN_VMALLOC is not set
F
expect "RAX with KASAN and KASAN_VMALLOC" '^CONFIG_KASAN_VMALLOC=y;^CONFIG_RAX=y' <<'F'
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_VMALLOC=y
F
if command -v clang-19 >/dev/null && command -v ld.lld-19 >/dev/null; then
	expect "RAX refused with CFI_CLANG" '^CONFIG_CFI_CLANG=y;!^CONFIG_RAX=y' LLVM=-19 <<'F'
CONFIG_CFI_CLANG=y
F
else
	n=$((n + 1))
	echo "ok $n kconfig: RAX refused with CFI_CLANG # SKIP no clang-19 or ld.lld-19"
fi
expect "stack size: an invalid value is not taken" '^CONFIG_RAX_STACK_SIZE_KB=64$' <<'F'
CONFIG_RAX_STACK_SIZE_KB=48
F
expect "stack size: 256 KiB by its choice" '^CONFIG_RAX_STACK_SIZE_KB=256$' <<'F'
CONFIG_RAX_STACK_256K=y
F
[ "$failed" -eq 0 ]
