#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the series check itself: it passes on this repository, and it
# fails, naming the cause, on a copy with an unlisted new kernel file, an
# edited hunk, a deleted file, a kernel file edited without regenerating
# patches/, and a hand-edited patch. Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$RAX_TOP/scripts/prepare-tree.sh" --base-only >/dev/null || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

copy() {
	rm -rf "$tmp/repo"
	mkdir -p "$tmp/repo"
	(cd "$RAX_TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$tmp/repo" 2>/dev/null)
}

# expect NAME WANT-EXIT PATTERN MUTATION...
expect() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	copy
	(cd "$tmp/repo" && eval "$*")
	out=$(python3 "$tmp/repo/scripts/series.py" check 2>&1)
	rc=$?
	n=$((n + 1))
	if { [ "$want" = 0 ] && [ $rc -eq 0 ]; } ||
	   { [ "$want" != 0 ] && [ $rc -ne 0 ] && grep -qE "$pat" <<<"$out"; }; then
		echo "ok $n series check: $name"
	else
		failed=$((failed + 1))
		echo "not ok $n series check: $name (exit $rc)"
		sed 's/^/# /' <<<"$out"
	fi
}

echo "TAP version 13"
echo "1..6"
expect "passes on the repository" 0 "" true
expect "refuses an unlisted new kernel file" 1 "kernel/rax/extra.c.*|not in series/manifest" \
	"echo '// SPDX-License-Identifier: GPL-2.0' > kernel/rax/extra.c"
expect "refuses an edited hunk" 1 "run scripts/series.sh generate" \
	"sed -i 's|^+obj-\$(CONFIG_RAX) += rax/\$|+obj-\$(CONFIG_RAX) += rax/ # edited|' series/hunks/kernel-makefile.diff"
expect "refuses a deleted file" 1 "kernel/rax/sysctl.c, which does not exist" \
	"rm kernel/rax/sysctl.c"
expect "refuses a kernel file edited without regenerating" 1 "run scripts/series.sh generate" \
	"echo '/* edited */' >> kernel/rax/core.c"
expect "refuses a hand-edited patch" 1 "patches/ is stale" \
	"sed -i '0,/^+/s/^+\(.*\)$/+\1 /' patches/0001-*.patch"
[ $failed -eq 0 ]
