#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test guest (through scripts/vm-run.sh): every in-guest
# suite in one boot. KUnit has already run at boot and is read from the
# console by the host. Results go to the scratch directory (/mnt).
#
# Usage: guest-tests.sh KSELFTEST_INSTALL_DIR
set -u
ksft=$1

echo "== kselftests ($ksft)"
# run_kselftest.sh writes TAP on stdout; keep a copy for the host.
(cd "$ksft" && ./run_kselftest.sh) 2>&1 | tee /mnt/kselftest.tap
rc=${PIPESTATUS[0]}

# The kernel's own test_verifier, which loads its bpf_testmod.ko from the
# working directory. The host turns its output into TAP
# (scripts/test-verifier-tap.py) against the list of expected failures.
# Unprivileged BPF is allowed for the run, so that the tests of the
# unprivileged verifier run too (test_verifier drops its capabilities for
# them), and switched back off after it.
echo "== test_verifier"
unpriv=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)
echo 0 >/proc/sys/kernel/unprivileged_bpf_disabled
start=$(date +%s)
(cd "$ksft/verifier" && ./test_verifier) >/mnt/test_verifier.log 2>&1
echo "test_verifier: exit $? after $(($(date +%s) - start)) s; $(tail -n 1 /mnt/test_verifier.log)"
echo "$unpriv" >/proc/sys/kernel/unprivileged_bpf_disabled

# BMC, the Memcached cache, against Debian's memcached: Rax, its eBPF twin
# and no cache give the same replies (TAP for the host).
echo "== bmc"
start=$(date +%s)
"$(dirname "$0")/guest-bmc.sh" test "$ksft" "${RAX_TEST_OBJECTS:-/mnt/objects}" >/mnt/bmc.tap 2>/mnt/bmc.log
echo "bmc: exit $? after $(($(date +%s) - start)) s; $(grep -c '^ok' /mnt/bmc.tap) ok, $(grep -c '^not ok' /mnt/bmc.tap) not ok"
exit "$rc"
