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
exit "${PIPESTATUS[0]}"
