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
# bmc: BMC, the Memcached cache (scripts/guest-bmc.sh bench): plain
# memcached, the eBPF twin and the Rax BMC alternating in ROUNDS rounds
# (default 5) of SECONDS seconds (default 5) in one boot; the ratios go to
# bench/results/bmc-KERNEL.json, the table to Documentation/rax/bmc.rst
# and the plot to Documentation/rax/bmc-KERNEL.svg.
#
# Usage: scripts/bench.sh [--release] [N]
#        scripts/bench.sh bmc [--release] [ROUNDS [SECONDS]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=runs
[ "${1:-}" = bmc ] && { what=bmc; shift; }
variant=()
case "${1:-}" in
--release) variant=(--release); shift ;;
-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

if [ $what = bmc ]; then
	rounds=${1:-5} secs=${2:-5}
	[[ $rounds =~ ^[0-9]+$ && $secs =~ ^[0-9]+$ ]] || rax_die "ROUNDS and SECONDS are numbers"
	rax_userspace_build mcload
	# Debian's python3 and matplotlib (another python3 may come first on PATH).
	/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
		apt-get install -y -q python3-matplotlib >/dev/null
	kernel=$([ ${#variant[@]} = 0 ] && echo debug || echo release)
	rax_stage "bench: BMC, $rounds rounds of $secs s per setup, in $(basename "$kbuild")"
	"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" \
		--timeout $((rounds * (secs + 15) * 3 + 400)) -- \
		sh -c "$RAX_TOP/scripts/guest-bmc.sh bench $ksft /mnt/objects $rounds $secs 2 >/mnt/bmc.jsonl"
	mkdir -p "$RAX_TOP/bench/results"
	cp "$scratch/bmc.jsonl" "$RAX_TOP/bench/results/bmc-$kernel.jsonl"
	/usr/bin/python3 "$RAX_TOP/scripts/bmc-report.py" "$scratch/bmc.jsonl" --kernel "$kernel" \
		--date "$(date -u +%Y-%m-%d)" --json "$RAX_TOP/bench/results/bmc-$kernel.json" \
		--rst "$RAX_TOP/Documentation/rax/bmc.rst" \
		--svg "$RAX_TOP/Documentation/rax/bmc-$kernel.svg"
	exit 0
fi

rax_stage "bench: rax_load_bench $n, rax_run_bench in $(basename "$kbuild")"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" --timeout 3000 \
	--env RAX_TEST_OBJECTS=/mnt/objects -- \
	sh -c "$ksft/rax/rax_load_bench $n && $ksft/rax/rax_run_bench"
