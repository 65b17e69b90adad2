#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Negative controls of the VM runner: each boot below must fail, and the
# runner must name the cause. Prints TAP.
#   a WARN through LKDTM          -> kernel report (exit 90, "WARNING")
#   a leak through kmemleak-test  -> kernel report (exit 90, "kmemleak")
#   a guest that never reaches the command (init missing) -> exit 91
#   a hung command                -> timeout (exit 92)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kbuild=$(rax_kbuild_dir debug)
n=0 failed=0
# control NAME WANT-EXIT PATTERN VM-RUN-ARGS...
control() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$RAX_TOP/scripts/vm-run.sh" --quiet "$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ $rc -eq "$want" ] && grep -qE "$pat" <<<"$out"; then
		echo "ok $n vm-run fails on $name: $(grep -m1 'vm-run: FAIL' <<<"$out" | sed 's/^vm-run: FAIL: //')"
	else
		failed=$((failed + 1))
		echo "not ok $n vm-run fails on $name (exit $rc, want $want)"
		sed 's/^/# /' <<<"$out"
	fi
}

echo "TAP version 13"
echo "1..4"
control "a WARN (LKDTM)" 90 "FAIL: the guest console holds kernel reports.*WARNING" \
	--timeout 180 -- sh -c 'echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT'
control "a memory leak (kmemleak-test)" 90 "FAIL: the guest console holds kernel reports.*kmemleak" \
	--timeout 180 -- insmod "$kbuild/samples/kmemleak/kmemleak-test.ko"
control "a guest that never reaches the command" 91 "FAIL: the guest never reached the command.*Requested init /nonexistent" \
	--timeout 180 --init /nonexistent -- true
control "a hung command" 92 "FAIL: timeout" \
	--timeout 50 -- sleep 1000
[ $failed -eq 0 ]
