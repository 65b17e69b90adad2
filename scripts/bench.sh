#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Developer command (not part of CI): the benchmarks. Builds the kernel
# (debug by default, --release for the configuration without the debug
# options), the kselftests and the signed test objects, then:
#
# default: the performance suite. In one boot, rax_perf (every run-time
# case, the Rax program and its eBPF twin taking turns, ROUNDS rounds,
# default 15) and rax_load_bench (each object and its twin loaded in turn,
# LOADS times, default 20), then rax_load_bench --family (load time against
# program size: rule_table crates of FAMILY_SIZES rules from
# scripts/gen-rule-table.py, each against an eBPF twin of as many rules, up
# to LOADS times, fewer for the large twins, past the size the verifier
# refuses), then BMC as "bmc" below, 5 rounds of 5 s; in a second boot,
# on an instruction-counting clock, rax_load_bench (ILOADS loads of each
# side, default 10, whose times are then counts of guest instructions) and
# scripts/insn-profile.py (the instructions of a run, counted through
# QEMU's gdb stub).
# scripts/perf-report.py writes bench/results/perf-KERNEL.json, the plots
# Documentation/rax/perf-KERNEL-*.svg, the results section of
# Documentation/rax/performance.rst and README.md's table, with BMC's.
#
# bmc: BMC alone, the Memcached cache (scripts/guest-bmc.sh bench): plain
# memcached, the eBPF twin and the Rax BMC alternating in ROUNDS rounds
# (default 5) of SECONDS seconds (default 5) in one boot; the ratios go to
# bench/results/bmc-KERNEL.json, the table to Documentation/rax/bmc.rst
# and the plot to Documentation/rax/bmc-KERNEL.svg.
#
# Performance numbers come from here, never from tests.
#
# Usage: [FAMILY_SIZES="8 32 ..."] [ILOADS=N] scripts/bench.sh [--release] [ROUNDS [LOADS]]
#        scripts/bench.sh bmc [--release] [ROUNDS [SECONDS]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=runs
[ "${1:-}" = bmc ] && { what=bmc; shift; }
variant=()
case "${1:-}" in
--release) variant=(--release); shift ;;
-h|--help) sed -n '3,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
kernel=$([ ${#variant[@]} = 0 ] && echo debug || echo release)

"$RAX_TOP/scripts/setup-deps.sh"
"$RAX_TOP/scripts/prepare-tree.sh" >/dev/null
kbuild=$("$RAX_TOP/scripts/build-kernel.sh" "${variant[@]}")
ksft=$("$RAX_TOP/scripts/build-selftests.sh" "${variant[@]}")
# rax-tests: make-test-objects.sh writes the corpus and forged objects with it.
rax_userspace_build rax-cli rax-tests
# Debian's python3 and matplotlib (another python3 may come first on PATH).
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
	apt-get install -y -q python3-matplotlib >/dev/null

scratch=$RAX_CACHE/vm/bench
rm -rf "$scratch"
mkdir -p "$scratch"
"$RAX_TOP/scripts/make-test-objects.sh" "$scratch/objects" "$kbuild/kernel/rax/rax_signing_key.pem" \
	>"$RAX_LOGS/bench-objects.log" 2>&1 ||
	rax_die "making the signed test objects failed" "$RAX_LOGS/bench-objects.log"

# BMC's report, from the guest's bmc.jsonl.
bmc_report() {
	mkdir -p "$RAX_TOP/bench/results"
	cp "$scratch/bmc.jsonl" "$RAX_TOP/bench/results/bmc-$kernel.jsonl"
	/usr/bin/python3 "$RAX_TOP/scripts/bmc-report.py" "$scratch/bmc.jsonl" --kernel "$kernel" \
		--date "$(date -u +%Y-%m-%d)" --json "$RAX_TOP/bench/results/bmc-$kernel.json" \
		--rst "$RAX_TOP/Documentation/rax/bmc.rst" \
		--svg "$RAX_TOP/Documentation/rax/bmc-$kernel.svg"
}
rax_userspace_build mcload

if [ $what = bmc ]; then
	rounds=${1:-5} secs=${2:-5}
	[[ $rounds =~ ^[0-9]+$ && $secs =~ ^[0-9]+$ ]] || rax_die "ROUNDS and SECONDS are numbers"
	rax_stage "bench: BMC, $rounds rounds of $secs s per setup, in $(basename "$kbuild")"
	"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" \
		--timeout $((rounds * (secs + 15) * 3 + 400)) -- \
		sh -c "$RAX_TOP/scripts/guest-bmc.sh bench $ksft /mnt/objects $rounds $secs 2 >/mnt/bmc.jsonl"
	bmc_report
	exit 0
fi

rounds=${1:-15} loads=${2:-20} iloads=${ILOADS:-10}
[[ $rounds =~ ^[0-9]+$ && $loads =~ ^[0-9]+$ && $iloads =~ ^[1-9][0-9]*$ ]] ||
	rax_die "ROUNDS, LOADS and ILOADS are numbers (try --help)"
command -v gdb >/dev/null || apt-get install -y -q gdb >/dev/null

# The load-time family: rule_table crates of N rules (the sample is 512),
# built and signed like the test objects. The 6.12 verifier refuses the
# twin past 2730 rules (43683 instructions: "The sequence of 8193 jumps is
# too complex.", three pending branches a rule); 2728 and 2736 frame that.
family_sizes=${FAMILY_SIZES:-8 32 128 512 2048 2728 2736 4096 8192 16384}
rax_stage "bench: the load-time family ($family_sizes rules)"
family=()
: >"$RAX_LOGS/bench-family.log"
for n in $family_sizes; do
	/usr/bin/python3 "$RAX_TOP/scripts/gen-rule-table.py" "$n" "$scratch/family/rule_table_$n"
	"$RAX_BUILD/userspace/cli/rax" build -q --cache "$RAX_SYSROOT_CACHE" \
		-k "$kbuild/kernel/rax/rax_signing_key.pem" -c "$kbuild/kernel/rax/rax_signing_key.pem" \
		-o "$scratch/objects/rule_$n.o" "$scratch/family/rule_table_$n" \
		>>"$RAX_LOGS/bench-family.log" 2>&1 ||
		rax_die "rax build of the $n-rule rule_table failed" "$RAX_LOGS/bench-family.log"
	family+=("rule_$n.o")
done
rax_stage_end

# BMC in the same boot, at the end: 5 rounds of 5 s per setup.
rax_stage "bench: rax_perf ($rounds rounds), rax_load_bench ($loads loads, then the family), BMC in one boot of $(basename "$kbuild")"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" --timeout $((4000 + 150 * ${#family[@]})) \
	--env RAX_TEST_OBJECTS=/mnt/objects -- \
	sh -c "$ksft/rax/rax_perf $rounds >/mnt/perf.jsonl && $ksft/rax/rax_load_bench $loads /mnt/loads.jsonl && "\
"$ksft/rax/rax_load_bench --family $loads /mnt/loadfamily.jsonl ${family[*]} && "\
"$RAX_TOP/scripts/guest-bmc.sh bench $ksft /mnt/objects 5 5 2 >/mnt/bmc.jsonl"
rax_stage_end
bmc_report

# The instruction profile: its own boot, whose clock counts instructions
# (vm-run.sh --gdb). First rax_load_bench times ILOADS loads of each side
# on that clock, which makes them counts of guest instructions: what TCG
# does not distort, where a load's time under TCG moves by a fifth with
# the kernel's code layout alone (performance.rst). Then rax_perf --spin
# runs the programs one test run at a time until the profiler sets its
# stop flag.
rax_stage "bench: instruction profile (insn-profile.py, a second boot)"
port=$((40000 + $$ % 20000))
rm -f "$scratch/console.log"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --scratch "$scratch" --timeout 3600 --gdb $port \
	--quiet --env RAX_TEST_OBJECTS=/mnt/objects -- \
	sh -c "$ksft/rax/rax_load_bench $iloads /mnt/loads-insns.jsonl >/mnt/loads-insns.txt && "\
"exec $ksft/rax/rax_perf --spin 3000" &
vm=$!
for _ in $(seq 900); do
	grep -q "rax-spin: stop flag" "$scratch/console.log" 2>/dev/null && break
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
grep -q "rax-spin: stop flag" "$scratch/console.log" 2>/dev/null ||
	{ kill $vm 2>/dev/null; rax_die "the profile boot never started spinning" "$scratch/console.log"; }
progs=$(sed -n 's/.*rax-spin: prog \([0-9]* [0-9a-f]*\): \(.*\)$/"\1": "\2",/p' "$scratch/console.log" | tr -d '\r' | tr '\n' ' ')
stop=$(sed -n 's/.*stop flag at \(0x[0-9a-f]*\).*/\1/p' "$scratch/console.log")
gdb -q -batch -ex "py insn_args = {'port': $port, 'progs': {${progs%, }}, 'stop': $stop, 'samples': 1, 'out': '$scratch/insns.json'}" \
	-x "$RAX_TOP/scripts/insn-profile.py" "$kbuild/vmlinux" >"$RAX_LOGS/bench-insns.log" 2>&1 ||
	{ kill $vm 2>/dev/null; rax_die "the instruction profile failed" "$RAX_LOGS/bench-insns.log"; }
wait $vm || rax_die "the profile boot failed" "$scratch/console.log"
rax_stage_end

mkdir -p "$RAX_TOP/bench/results"
cp "$scratch/perf.jsonl" "$RAX_TOP/bench/results/perf-$kernel.jsonl"
cp "$scratch/loads.jsonl" "$RAX_TOP/bench/results/perf-$kernel-loads.jsonl"
cp "$scratch/loadfamily.jsonl" "$RAX_TOP/bench/results/perf-$kernel-loadfamily.jsonl"
cp "$scratch/insns.json" "$RAX_TOP/bench/results/perf-$kernel-insns.json"
cp "$scratch/loads-insns.jsonl" "$RAX_TOP/bench/results/perf-$kernel-loads-insns.jsonl"
machine=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
emulator="QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9.]*\).*/\1/p') TCG"
/usr/bin/python3 "$RAX_TOP/scripts/perf-report.py" "$scratch/perf.jsonl" \
	--loads "$scratch/loads.jsonl" --loadfamily "$scratch/loadfamily.jsonl" \
	--insns "$scratch/insns.json" --loads-insns "$scratch/loads-insns.jsonl" \
	--bmc "$RAX_TOP/bench/results/bmc-$kernel.json" --kernel "$kernel" \
	--date "$(date -u +%Y-%m-%d)" --machine "$machine" --emulator "$emulator" \
	--json "$RAX_TOP/bench/results/perf-$kernel.json" \
	--rst "$RAX_TOP/Documentation/rax/performance.rst" --readme "$RAX_TOP/README.md" \
	--svg-prefix "$RAX_TOP/Documentation/rax/perf-$kernel"
