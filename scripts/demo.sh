#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rax main job: install what is missing, prepare the kernel tree (base +
# series), build the Rax kernel and the toolchain, build and sign a sample
# extension with the kernel's build-time key, boot the kernel in QEMU and
# show the subsystem alive inside the guest.
#
# Usage: scripts/demo.sh [--release]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=()
[ "${1:-}" = --release ] && variant=(--release)
t0=$(date +%s)
"$RAX_TOP/scripts/setup-deps.sh"
"$RAX_TOP/scripts/prepare-tree.sh" >/dev/null
kbuild=$("$RAX_TOP/scripts/build-kernel.sh" "${variant[@]}")
rax_userspace_build rax-console-check rax-cli

rax_stage "demo: build and sign the xdp_counter sample with the Rax toolchain"
rax=$RAX_BUILD/userspace/cli/rax
key=$kbuild/kernel/rax/rax_signing_key.pem
obj=$RAX_CACHE/demo/xdp_counter.rax.o
mkdir -p "$RAX_CACHE/demo"
"$rax" build --cache "$RAX_SYSROOT_CACHE" -k "$key" -c "$key" -o "$obj" \
	"$RAX_TOP/userspace/samples/xdp_counter"
"$rax" verify "$obj" -c "$kbuild/kernel/rax/rax_signing_key.x509"
"$rax" inspect "$obj"
rax_stage_end

rax_stage "demo: boot the Rax kernel ($kbuild/arch/x86/boot/bzImage)"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --timeout 600 -- bash -c '
	echo "--- kernel"
	uname -r -v
	echo "--- Rax at boot (dmesg)"
	dmesg | grep -E "rax:|Rax build-time" | sed "s/^/  /"
	echo "--- KUnit"
	dmesg | grep -E "# rax_core: pass" | sed "s/^.*# /  /"
	echo "--- kernel.rax sysctls"
	for f in /proc/sys/kernel/rax/*; do printf "  kernel.rax.%-15s %s\n" "${f##*/}" "$(cat "$f")"; done
	echo "--- the .rax keyring (/proc/keys)"
	grep -E " \.rax: | Rax " /proc/keys | sed "s/^/  /"
	echo "--- an out-of-range write is refused"
	{ bash -c "echo 48 > /proc/sys/kernel/rax/stack_size_kb" 2>&1 || true; } | sed "s/^/  /"
'
rax_stage_end
rax_log "demo finished in $(( $(date +%s) - t0 )) s"
