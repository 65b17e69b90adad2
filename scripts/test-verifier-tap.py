#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the output of the kernel's test_verifier into TAP.

    test-verifier-tap.py LOG EXPECTED

LOG is what test_verifier printed in the guest; EXPECTED lists the tests
expected to fail on the Rax debug kernel, one per line as
"MODE<TAB>DESCRIPTION<TAB>WHY" (MODE p or u, as test_verifier prints it),
each explained by the guest's configuration.

Every test becomes one TAP result: OK passes, SKIP is a skip with
test_verifier's reason, a listed failure is "not ok ... # TODO" (counted
as skipped, with its reason), and any other failure fails. A listed test
that now passes is reported, not failed. Output without test_verifier's
summary line (a crash, an oops, a timeout) or whose counts disagree with
the summary fails.
"""
import re
import sys

LINE = re.compile(r"^#(\d+)/([up]) (.*)$")
STATUS = re.compile(r"^(.*) (OK|FAIL|SKIP)((?:[ :].*)?)$")
CASES = re.compile(r" \d+ cases$")
SUMMARY = re.compile(r"^Summary: (\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED")


def load_expected(path):
    exp = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[0] not in ("p", "u") or not parts[2].strip():
                sys.exit("%s:%d: want MODE<TAB>DESCRIPTION<TAB>WHY" % (path, n))
            exp[(parts[0], parts[1])] = parts[2]
    return exp


def parse(path):
    results, summary = [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = SUMMARY.match(line)
            if m:
                summary = tuple(int(x) for x in m.groups())
                continue
            m = LINE.match(line)
            if m:
                s = STATUS.match(m.group(3))
                if not s:
                    # The status comes on a later line only for a test
                    # that died mid-way; keep it as a failure.
                    results.append([m.group(2), m.group(3), "FAIL", "no verdict", []])
                    continue
                descr = CASES.sub("", s.group(1))
                results.append([m.group(2), descr, s.group(2), s.group(3).strip(" :"), []])
            elif results:
                results[-1][4].append(line)
    return results, summary


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    expected = load_expected(sys.argv[2])
    results, summary = parse(sys.argv[1])
    print("TAP version 13")
    print("1..%d" % (len(results) + 1))
    seen = set()
    counts = {"OK": 0, "SKIP": 0, "FAIL": 0}
    for i, (mode, descr, status, detail, more) in enumerate(results, 1):
        name = "%s/%s" % (descr, mode)
        key = (mode, descr)
        seen.add(key)
        counts[status] += 1
        if status == "OK":
            print("ok %d %s" % (i, name))
            if key in expected:
                print("# listed as an expected failure but passes now: remove it "
                      "from the list (%s)" % expected[key])
        elif status == "SKIP":
            print("ok %d %s # SKIP %s" % (i, name, detail or "unprivileged BPF is disabled"))
        elif key in expected:
            print("not ok %d %s # TODO expected: %s" % (i, name, expected[key]))
        else:
            print("not ok %d %s" % (i, name))
            for line in ([detail] if detail else []) + more[:20]:
                print("# | " + line)
    for key in sorted(set(expected) - seen):
        print("# listed test not run: %s/%s" % (key[1], key[0]))
    n = len(results) + 1
    if summary is None:
        print("not ok %d summary # test_verifier printed no summary: it crashed or "
              "was stopped" % n)
    elif summary != (counts["OK"], counts["SKIP"], counts["FAIL"]):
        print("not ok %d summary # test_verifier says %d passed, %d skipped, %d failed; "
              "%d, %d, %d parsed" % ((n,) + summary + (counts["OK"], counts["SKIP"],
                                                      counts["FAIL"])))
    else:
        print("ok %d summary: %d passed, %d skipped, %d failed" % ((n,) + summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
