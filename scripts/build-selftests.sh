#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build and install the Rax kselftests from the prepared tree, against the
# UAPI headers of the kernel build (headers_install). Prints the install
# directory, which holds run_kselftest.sh.
#
# Usage: scripts/build-selftests.sh [--release]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=debug
[ "${1:-}" = --release ] && variant=release
kbuild=$(rax_kbuild_dir $variant)
[ -d "$kbuild/usr/include/linux" ] || rax_die "no installed UAPI headers in $kbuild/usr/include: run scripts/build-kernel.sh"
[ -f "$kbuild/usr/include/linux/rax.h" ] || rax_die "$kbuild/usr/include/linux/rax.h missing: the kernel build lacks the Rax series"

out=$RAX_CACHE/kselftest/$(basename "$kbuild")
log=$RAX_LOGS/selftests-build.log
rax_stage "kselftests: build and install into $out"
rm -rf "$out"
make -C "$RAX_TREE/tools/testing/selftests" TARGETS=rax \
	O="$out/obj" KHDR_INCLUDES="-isystem $kbuild/usr/include" \
	INSTALL_PATH="$out/install" install >"$log" 2>&1 ||
	rax_die "building the kselftests failed" "$log"
rax_stage_end
echo "$out/install"
