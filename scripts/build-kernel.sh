#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest kernel from the prepared tree (scripts/prepare-tree.sh):
# tinyconfig + scripts/config/{vm,rax,debug}.config, out of tree, through
# ccache, incrementally. --release takes release.config instead of
# debug.config (no debug checkers; for benchmarks).
#
# Usage: scripts/build-kernel.sh [--release]
# Prints the build directory (holding arch/x86/boot/bzImage) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=debug
case "${1:-}" in
--release) variant=release ;;
"") ;;
-h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) rax_die "unknown option '$1' (try --help)" ;;
esac

mapfile -t frags < <(rax_kconfig_frags $variant)

tree=$RAX_TREE
[ -f "$tree/Makefile" ] || rax_die "no kernel tree at $tree: run scripts/prepare-tree.sh"

out=${RAX_KBUILD_OUT:-$(rax_kbuild_dir $variant)}
mkdir -p "$out" "$RAX_LOGS" "$RAX_CCACHE_DIR"
log=$RAX_LOGS/kernel-build-$variant.log
: >"$log"

export CCACHE_DIR=$RAX_CCACHE_DIR
export CCACHE_BASEDIR=$RAX_CACHE
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export KBUILD_BUILD_TIMESTAMP="Tue Nov 24 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=rax
export KBUILD_BUILD_HOST=rax-build
# AWK=gawk: certs/check-blacklist-hashes.awk needs gawk's match().
mk=(make -C "$tree" O="$out" CC="ccache gcc" AWK=gawk -j"$(rax_nproc)")

# Configure when the fragments changed (or on the first build).
stamp=$out/.rax-config-stamp
want=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	rax_stage "kernel config ($variant): tinyconfig + ${frags[*]##*/}"
	{
		"${mk[@]}" tinyconfig &&
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" &&
		"${mk[@]}" olddefconfig
	} >"$log" 2>&1 || rax_die "kernel configuration failed" "$log"
	rax_stage_end
fi

# Every option a fragment asks for must be in the final .config:
# olddefconfig silently drops what a dependency forbids.
bad=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || bad+=("$line")
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$out/.config" && bad+=("$line")
		;;
	esac
done < <(cat "${frags[@]}")
if [ ${#bad[@]} -gt 0 ]; then
	rm -f "$stamp"
	rax_die "the final .config ($out/.config) lacks options the fragments ask for:
$(printf '    %s\n' "${bad[@]}")
    A dependency is missing or another option forbids them; fix scripts/config/*.config."
fi
echo "$want" >"$stamp"

rax_stage "kernel build ($variant) in $out"
ccache -z >/dev/null 2>&1 || true
# The .blacklist test hash (debug.config), rewritten only when it changes.
if grep -q '^CONFIG_SYSTEM_BLACKLIST_HASH_LIST="rax-blacklist-hashes"' "$out/.config"; then
	want_bl="\"bin:$(sha256sum <"$RAX_TOP/scripts/config/blacklisted-image.txt" | cut -c1-64)\""
	[ "$(cat "$out/rax-blacklist-hashes" 2>/dev/null)" = "$want_bl" ] ||
		echo "$want_bl" >"$out/rax-blacklist-hashes"
fi
if ! "${mk[@]}" bzImage modules headers_install >>"$log" 2>&1; then
	grep -E '(error|Error)[: ]' "$log" | head -n 10 | sed 's/^/    /' >&2 || true
	rax_die "kernel build failed" "$log"
fi
rax_stage_end
rax_log "ccache: $(ccache -s 2>/dev/null | grep -iE '^ *(hits|cacheable|cache hit)' | head -n 2 | tr -s ' ' | tr '\n' ';')"
echo "$out"
