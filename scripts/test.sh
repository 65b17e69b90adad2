#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rax test command: every suite, ending with "N passed, N failed".
#
#   userspace   Catch2 tests of librax, the rax CLI and the test tools (ctest)
#   sanitizers  the malformed-object corpus under ASan and UBSan (when present)
#   series      patches/ is current and round-trips; checkpatch --strict on
#               every patch; negative tests of the series check
#   kconfig     kernel/rax/Kconfig refuses RAX with KASAN but not
#               KASAN_VMALLOC, or with CFI_CLANG; stack sizes by choice only
#   kunit       KUnit suites, built in, parsed from the guest console
#   btf         the rax crate's context bindings match the built kernel's BTF
#   kselftest   tools/testing/selftests/rax, run in the booted Rax kernel
#   bmc         the Memcached cache, Rax and its eBPF twin against plain
#               memcached: byte-identical replies, nothing stale
#   vm          the test boot's console is free of kernel reports
#   runner      negative controls of the VM runner (WARN, leak, hang, no init)
#
# Usage: scripts/test.sh [--skip-runner-controls]
# Needs root (apt-get, QEMU's 9p export of /). Logs: $RAX_CACHE/logs/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

controls=1
for a in "$@"; do
	case "$a" in
	--skip-runner-controls) controls=0 ;;
	-h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) rax_die "unknown option '$a' (try --help)" ;;
	esac
done

t_start=$(date +%s)
mkdir -p "$RAX_LOGS"
# One test run at a time per cache: they share the tree, builds and logs.
exec 9>"$RAX_CACHE/test.lock"
flock -n 9 || rax_die "another scripts/test.sh holds $RAX_CACHE/test.lock"
suites=()
total_pass=0 total_fail=0 total_skip=0

# record SUITE PASSED FAILED [SKIPPED]
record() {
	suites+=("$(printf '%-10s %4d passed, %d failed, %d skipped' "$1" "$2" "$3" "${4:-0}")")
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + ${4:-0}))
}

# fail_context "SUITE: FAIL NAME (FILE:LINE)": print what the failed test
# said, from its RUN line to its verdict (at most 20 lines), so a CI log shows
# why without the TAP file.
fail_context() {
	local loc f l
	loc=$(sed -n 's/.*(\(.*:[0-9][0-9]*\))$/\1/p' <<<"$1")
	f=${loc%:*} l=${loc##*:}
	[ -n "$loc" ] && [ -r "$f" ] || return 0
	awk -v l="$l" 'NR <= l { if (/RUN /) n = 0; buf[n++] = $0 }
		NR == l { s = n > 20 ? n - 20 : 0; for (i = s; i < n; i++) print "      " buf[i]; exit }' "$f" >&2
}

# from_tap SUITE FILE [--require-tap]: count a TAP file with rax-tap.
from_tap() {
	local suite=$1 file=$2 line p f
	shift 2
	line=$("$RAX_BUILD/userspace/testkit/rax-tap" --name "$suite" "$@" "$file" | tee -a "$RAX_LOGS/test-summary.log" | tail -n 1)
	"$RAX_BUILD/userspace/testkit/rax-tap" --name "$suite" "$@" "$file" | grep ': FAIL' |
		while IFS= read -r fl; do
			echo "$fl" >&2
			fail_context "$fl"
		done
	p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' <<<"$line")
	f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' <<<"$line")
	s=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<<"$line")
	record "$suite" "${p:-0}" "${f:-1}" "${s:-0}"
}

finish() {
	local t=$(( $(date +%s) - t_start ))
	echo
	rax_log "summary (${t} s; logs in $RAX_LOGS):"
	printf '    %s\n' "${suites[@]}" >&2
	rax_log "$total_skip skipped (not counted as passed)"
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
	exit $?
}

: >"$RAX_LOGS/test-summary.log"

rax_stage "dependencies"
"$RAX_TOP/scripts/setup-deps.sh" || rax_die "installing dependencies failed"
rax_stage_end

# --- userspace -----------------------------------------------------------
rax_stage "userspace: build and Catch2 tests"
rax_userspace_build
ulog=$RAX_LOGS/ctest.log
(cd "$RAX_BUILD" && ctest --output-on-failure -j"$(nproc)" --timeout 600) >"$ulog" 2>&1
line=$(grep -E '[0-9]+% tests passed' "$ulog" | tail -n 1)
ut=$(sed -n 's/.*out of \([0-9]*\).*/\1/p' <<<"$line")
uf=$(sed -n 's/.* \([0-9]*\) tests failed.*/\1/p' <<<"$line")
# Skipped tests are in ctest's total, and its percentage counts them passed.
us=$(grep -cE '^\s+[0-9]+ - .*\(Skipped\)' "$ulog" || true)
if [ -z "$ut" ]; then
	record userspace 0 1
	rax_log "ctest did not run: see $ulog"
else
	record userspace $((ut - uf - us)) "$uf" "$us"
	[ "$us" -eq 0 ] || grep -E '^\s+[0-9]+ - .*\(Skipped\)' "$ulog" >&2
	[ "$uf" -eq 0 ] || grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess)' "$ulog" >&2
fi
rax_stage_end

if grep -rqs 'corpus' "$RAX_TOP/userspace/tests/"test_corpus*.cpp 2>/dev/null; then
	rax_stage "sanitizers: malformed-object corpus under ASan and UBSan"
	slog=$RAX_LOGS/ctest-sanitize.log
	sbuild=$RAX_BUILD-sanitize
	if cmake -S "$RAX_TOP" -B "$sbuild" -DRAX_WERROR=ON -DRAX_SANITIZE=ON \
		-DCMAKE_CXX_COMPILER_LAUNCHER=ccache >"$slog" 2>&1 &&
	   rax_userspace_ccache cmake --build "$sbuild" -j"$(rax_nproc)" >>"$slog" 2>&1; then
		(cd "$sbuild" && ctest --output-on-failure -j"$(nproc)" -R 'corpus|elf|sign' --timeout 600) >>"$slog" 2>&1
		line=$(grep -E '[0-9]+% tests passed' "$slog" | tail -n 1)
		st=$(sed -n 's/.*out of \([0-9]*\).*/\1/p' <<<"$line")
		sf=$(sed -n 's/.* \([0-9]*\) tests failed.*/\1/p' <<<"$line")
		ss=$(grep -cE '^\s+[0-9]+ - .*\(Skipped\)' "$slog" || true)
		if [ -n "$st" ]; then record sanitizers $((st - sf - ss)) "$sf" "$ss"; else record sanitizers 0 1; fi
	else
		rax_log "sanitizer build failed: see $slog"
		record sanitizers 0 1
	fi
	rax_stage_end
fi

# --- series --------------------------------------------------------------
rax_stage "series: check, checkpatch, negative tests"
sp=0 sf=0
if "$RAX_TOP/scripts/series.sh" check >"$RAX_LOGS/series-check.log" 2>&1; then
	sp=$((sp + 1))
else
	sf=$((sf + 1))
	cat "$RAX_LOGS/series-check.log" >&2
fi
"$RAX_TOP/scripts/series.sh" checkpatch >"$RAX_LOGS/checkpatch.log" 2>&1
cp_ok=$(grep -c '^ok ' "$RAX_LOGS/checkpatch.log")
cp_bad=$(grep -c '^FAIL ' "$RAX_LOGS/checkpatch.log")
grep -E '^(FAIL|ok) |checkpatch --strict' "$RAX_LOGS/checkpatch.log" | grep -E 'FAIL|checkpatch' >&2
[ "$cp_ok" -gt 0 ] || cp_bad=$((cp_bad + 1))
record series $((sp + cp_ok)) $((sf + cp_bad))
"$RAX_TOP/scripts/test-series.sh" >"$RAX_LOGS/series-tests.tap" 2>&1
from_tap series-neg "$RAX_LOGS/series-tests.tap" --require-tap
rax_stage_end

# --- kernel --------------------------------------------------------------
if ! "$RAX_TOP/scripts/prepare-tree.sh" >/dev/null; then
	record kernel 0 1
	finish
fi
rax_stage "kconfig: what kernel/rax/Kconfig allows"
"$RAX_TOP/scripts/test-kconfig.sh" >"$RAX_LOGS/kconfig.tap" 2>&1
from_tap kconfig "$RAX_LOGS/kconfig.tap" --require-tap
rax_stage_end
if ! kbuild=$("$RAX_TOP/scripts/build-kernel.sh"); then
	record kernel 0 1
	finish
fi
# The rax crate's context bindings were generated from this kernel's BTF.
if "$RAX_BUILD/userspace/cli/rax" btf-bindings --btf "$kbuild/vmlinux" \
	--check "$RAX_TOP/userspace/rax/src/btf.rs" >"$RAX_LOGS/btf-bindings.log" 2>&1; then
	record btf 1 0
else
	cat "$RAX_LOGS/btf-bindings.log" >&2
	record btf 0 1
fi
if ! ksft=$("$RAX_TOP/scripts/build-selftests.sh"); then
	record kselftest 0 1
	finish
fi

# --- one boot for every in-guest suite -------------------------------------
rax_stage "vm: boot the Rax kernel and run the in-guest suites"
scratch=$RAX_CACHE/vm/test
rm -rf "$scratch"
mkdir -p "$scratch"
skid=$(openssl x509 -inform DER -in "$kbuild/kernel/rax/rax_signing_key.x509" -noout \
	-ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n')
openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 1 -batch -subj "/CN=Untrusted test key" \
	-keyout "$scratch/untrusted.pem" -out "$scratch/untrusted.crt" >/dev/null 2>&1
openssl x509 -in "$scratch/untrusted.crt" -outform DER -out "$scratch/untrusted.der"
cat "$scratch/untrusted.crt" >>"$scratch/untrusted.pem"
"$RAX_TOP/scripts/make-test-objects.sh" "$scratch/objects" "$kbuild/kernel/rax/rax_signing_key.pem" \
	"$scratch/untrusted.pem" >"$RAX_LOGS/test-objects.log" 2>&1 ||
	rax_die "making the signed test objects failed" "$RAX_LOGS/test-objects.log"
"$RAX_TOP/scripts/vm-run.sh" --quiet --scratch "$scratch" --timeout 1500 \
	--env RAX_BUILD_KEY_SKID="$skid" --env RAX_UNTRUSTED_CERT=/mnt/untrusted.der \
	--env RAX_TEST_OBJECTS=/mnt/objects \
	-- "$RAX_TOP/scripts/guest-tests.sh" "$ksft" 2>"$RAX_LOGS/vm-test.log"
vrc=$?
cat "$RAX_LOGS/vm-test.log" >&2
cp "$scratch/console.log" "$RAX_LOGS/vm-test-console.log" 2>/dev/null
case $vrc in
90) record vm 0 1 ;;
91|92|93) record vm 0 1 ;;
*) record vm 1 0 ;;
esac
nkunit=$(cat "$RAX_TOP"/kernel/rax/*kunit*.c | grep -cE '^[[:space:]]*KUNIT_CASE\(')
from_tap kunit "$scratch/console.log" --require-tap --expect "$nkunit"
# Every TEST() in the sources must report: a lost output is a failure.
nksft=$(cat "$RAX_TOP"/tools/testing/selftests/rax/*.c | grep -cE '^TEST(_F)?\(')
from_tap kselftest "$scratch/kselftest.tap" --require-tap --expect "$nksft"
# BMC against its eBPF twin and plain memcached (scripts/guest-bmc.sh).
from_tap bmc "$scratch/bmc.tap" --require-tap --expect 7
# The verifier-gap page must be what this run of rax_gap_test gives (but
# for run times): its table is generated, not written by hand.
"$RAX_TOP/scripts/gap-table.py" --date "$(date -u +%Y-%m-%d)" "$scratch/kselftest.tap" \
	>"$RAX_LOGS/verifier-gap.rst" 2>"$RAX_LOGS/verifier-gap.log" || true
if "$RAX_TOP/scripts/gap-table.py" --check "$RAX_TOP/Documentation/rax/verifier-gap.rst" \
	"$scratch/kselftest.tap" >>"$RAX_LOGS/verifier-gap.log" 2>&1; then
	record gap-doc 1 0
else
	cat "$RAX_LOGS/verifier-gap.log" >&2
	record gap-doc 0 1
fi
# The kernel's test_verifier: a failure not listed (and explained) in
# scripts/config/test_verifier.expected fails the suite.
"$RAX_TOP/scripts/test-verifier-tap.py" "$scratch/test_verifier.log" \
	"$RAX_TOP/scripts/config/test_verifier.expected" >"$scratch/test_verifier.tap"
from_tap verifier "$scratch/test_verifier.tap" --require-tap --expect 700
rax_stage_end

# --- negative controls of the runner --------------------------------------
if [ $controls -eq 1 ]; then
	rax_stage "runner: negative controls (4 boots)"
	"$RAX_TOP/scripts/test-runner.sh" >"$RAX_LOGS/runner-tests.tap" 2>&1
	from_tap runner "$RAX_LOGS/runner-tests.tap" --require-tap
	rax_stage_end
fi

finish
