#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Generate or check the patch series: see scripts/series.py --help.
#   scripts/series.sh generate     rewrite patches/ from series/manifest
#   scripts/series.sh check        fail when patches/ is stale or does not round-trip
#   scripts/series.sh checkpatch   checkpatch.pl --strict on every patch
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$RAX_TOP/scripts/prepare-tree.sh" --base-only >/dev/null
exec python3 "$RAX_TOP/scripts/series.py" "$@"
