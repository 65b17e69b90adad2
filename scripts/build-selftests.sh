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
# The tree's own bpftool (newer than Debian's), which the tests run in the
# guest next to the Rax CLI, and which makes vmlinux.h for the eBPF twins.
# No LLVM or libbfd disassembler: Debian's llvm-19 lacks the static
# libraries bpftool links.
bpftool_out=$RAX_CACHE/bpftool/$(basename "$kbuild")
# bpftool's make has no record of a command that did not finish: an object
# a killed build left half written would look up to date. Its build is
# incremental only after one that ended.
if [ -d "$bpftool_out" ] && [ ! -f "$bpftool_out/.rax-built" ]; then
	rax_log "bpftool: the last build in $bpftool_out did not finish: building it again"
	rm -rf "$bpftool_out"
fi
mkdir -p "$bpftool_out"
rm -f "$bpftool_out/.rax-built"
make -C "$RAX_TREE/tools/bpf/bpftool" OUTPUT="$bpftool_out/" CLANG=clang-19 \
	feature-llvm=0 feature-libbfd=0 feature-libbfd-liberty=0 feature-libbfd-liberty-z=0 \
	-j"$(rax_nproc)" >"$log" 2>&1 || rax_die "building bpftool failed" "$log"
touch "$bpftool_out/.rax-built"
# The eBPF twins (twins/*.bpf.c) are built with clang-19 against the
# kernel's BTF and the tree's libbpf, which the selftests build.
make -C "$RAX_TREE/tools/testing/selftests" TARGETS=rax \
	O="$out/obj" KHDR_INCLUDES="-isystem $kbuild/usr/include" \
	CLANG=clang-19 BPFTOOL="$bpftool_out/bpftool" VMLINUX_BTF="$kbuild/vmlinux" \
	INSTALL_PATH="$out/install" -j"$(rax_nproc)" install >>"$log" 2>&1 ||
	rax_die "building the kselftests failed" "$log"
cp "$bpftool_out/bpftool" "$out/install/bpftool"
# The kernel's own test_verifier and its bpf_testmod.ko, from the patched
# tree: a Rax kernel must stay a good eBPF kernel. The module is built from
# a copy, so the tree stays clean.
bpfsel=$RAX_TREE/tools/testing/selftests/bpf
mkdir -p "$out/bpf"
make -C "$bpfsel" OUTPUT="$out/bpf" CLANG=clang-19 LLC=llc-19 VMLINUX_BTF="$kbuild/vmlinux" \
	KHDR_INCLUDES="-isystem $kbuild/usr/include" -j"$(rax_nproc)" "$out/bpf/test_verifier" \
	>>"$log" 2>&1 || rax_die "building test_verifier failed" "$log"
cp -r "$bpfsel/bpf_testmod" "$out/testmod"
make -C "$kbuild" M="$out/testmod" -j"$(rax_nproc)" modules >>"$log" 2>&1 ||
	rax_die "building bpf_testmod.ko failed" "$log"
mkdir -p "$out/install/verifier"
cp "$out/bpf/test_verifier" "$out/testmod/bpf_testmod.ko" "$out/install/verifier/"
rax_stage_end
echo "$out/install"
