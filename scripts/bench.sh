#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Developer command (not part of CI): the benchmarks. Builds the kernel
# (debug by default, --release for the configuration without the debug
# options), the kselftests and the signed test objects, boots the kernel
# and runs, in one VM boot, rax_load_bench (each Rax object and its eBPF
# twin loaded alternately N times, default 200, small and large case) and
# rax_run_bench (an empty program against its eBPF twin, the cost of a
# panic with cleanup, 64 map helper calls against their eBPF twin, how
# late endless loops are stopped), with the
# ratios. Performance numbers come from here, never from tests.
#
# Usage: scripts/bench.sh [--release] [N]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=()
case "${1:-}" in
--release) variant=(--release); shift ;;
-h|--help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
n=${1:-200}
[[ $n =~ ^[0-9]+$ ]] || rax_die "N must be a number (try --help)"

"$RAX_TOP/scripts/setup-deps.sh"
"$RAX_TOP/scripts/prepare-tree.sh" >/dev/null
kbuild=$("$RAX_TOP/scripts/build-kernel.sh" "${variant[@]}")
ksft=$("$RAX_TOP/scripts/build-selftests.sh" "${variant[@]}")
rax_userspace_build rax-cli

scratch=$RAX_CACHE/vm/bench
rm -rf "$scratch"
mkdir -p "$scratch"
"$RAX_TOP/scripts/make-test-objects.sh" "$scratch/objects" "$kbuild/kernel/rax/rax_signing_key.pem" \
	>"$RAX_LOGS/bench-objects.log" 2>&1 ||
	rax_die "making the signed test objects failed" "$RAX_LOGS/bench-objects.log"
rax_stage "bench: rax_load_bench $n, rax_run_bench in $(basename "$kbuild")"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" --timeout 3000 \
	--env RAX_TEST_OBJECTS=/mnt/objects -- \
	sh -c "$ksft/rax/rax_load_bench $n && $ksft/rax/rax_run_bench"
