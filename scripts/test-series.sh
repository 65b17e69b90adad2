#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the series check itself: it passes on this repository, and it
# fails, naming the cause, on a copy with an unlisted new kernel file, an
# edited hunk, a deleted file, a kernel file edited without regenerating
# patches/, and a hand-edited patch. It recovers from what a killed run
# leaves in its cached scratch work tree (stale git locks, a work tree whose
# metadata is gone) and names the process when a live one holds a lock.
# Prints TAP.
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
echo "1..10"
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

# What a run killed in the middle of a git command leaves in the scratch
# work tree of the check (made by the first case above).
wtgit=$RAX_TREE/.git/worktrees/check-wt
expect "recovers from stale locks of a killed git" 0 "" \
	"touch '$wtgit/index.lock' '$wtgit/HEAD.lock' '$RAX_TREE/.git/refs/tags/rax-base.lock'"
n=$((n + 1))
if [ ! -e "$wtgit/index.lock" ] && [ ! -e "$RAX_TREE/.git/refs/tags/rax-base.lock" ]; then
	echo "ok $n series check: the stale locks are gone"
else
	failed=$((failed + 1))
	echo "not ok $n series check: the stale locks are gone"
	rm -f "$wtgit/index.lock" "$wtgit/HEAD.lock" "$RAX_TREE/.git/refs/tags/rax-base.lock"
fi
expect "makes again a work tree whose metadata is gone" 0 "" "rm -rf '$wtgit'"
# A lock a live process holds open is not taken away from it.
touch "$wtgit/index.lock"
sleep 600 <"$wtgit/index.lock" &
holder=$!
expect "names the live process that holds a lock" 1 "index.lock is held by pid $holder" true
kill $holder
wait $holder 2>/dev/null
rm -f "$wtgit/index.lock"
[ $failed -eq 0 ]
