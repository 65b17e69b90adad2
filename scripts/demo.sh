#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rax main job: install what is missing, prepare the kernel tree (base +
# series), build the Rax kernel, boot it in QEMU and show the subsystem
# alive inside the guest.
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
rax_userspace_build rax-console-check

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
	echo 48 > /proc/sys/kernel/rax/stack_size_kb 2>&1 | sed "s/^/  /" || true
'
rax_stage_end
rax_log "demo finished in $(( $(date +%s) - t0 )) s"
