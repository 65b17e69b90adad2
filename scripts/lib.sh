# SPDX-License-Identifier: GPL-2.0
# Common definitions for the Rax scripts. Sourced, never run.

RAX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RAX_CACHE=${RAX_CACHE:-/var/cache/rax}

rax_base_field() {
	sed -n "s/^$1=//p" "$RAX_TOP/patches/BASE"
}

RAX_BASE_PKG=$(rax_base_field package)
RAX_BASE_VERSION=$(rax_base_field version)
RAX_BASE_KERNEL=$(rax_base_field kernel)
# A path-safe key for the base: 6.12.117-1~deb12u1 -> 6.12.117-1_deb12u1
RAX_BASE_KEY=${RAX_BASE_VERSION//\~/_}
RAX_BASE_DIR=$RAX_CACHE/base-$RAX_BASE_KEY
# The git repository holding the pristine base (tag rax-base) and the
# applied series (branch rax). It is also the source tree of every build.
RAX_TREE=$RAX_BASE_DIR/linux
RAX_CCACHE_DIR=$RAX_CACHE/ccache
# The rax build sysroot cache, shared by the Catch2 build tests and the
# kselftest objects (scripts/make-test-objects.sh).
export RAX_SYSROOT_CACHE=${RAX_SYSROOT_CACHE:-$RAX_CACHE/rax-sysroot}
RAX_LOGS=${RAX_LOGS:-$RAX_CACHE/logs}

# Fixed identity and dates so that the base commit and the generated
# series are byte-for-byte reproducible.
export GIT_AUTHOR_NAME="Rax developers"
export GIT_AUTHOR_EMAIL="rax-dev@lists.example.org"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2026-11-24T00:00:00+0000"
export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"

if [ -t 2 ]; then
	_rax_red=$'\e[31m'; _rax_bold=$'\e[1m'; _rax_off=$'\e[0m'
else
	_rax_red=; _rax_bold=; _rax_off=
fi

rax_log() {
	printf '%s[rax]%s %s\n' "$_rax_bold" "$_rax_off" "$*" >&2
}

# rax_die MESSAGE [LOGFILE]: stop with a message naming the cause and,
# when given, the log file to read.
rax_die() {
	printf '%s[rax] error:%s %s\n' "$_rax_red" "$_rax_off" "$1" >&2
	if [ -n "${2:-}" ]; then
		printf '[rax] read: %s\n' "$2" >&2
		if [ -f "$2" ]; then
			printf '[rax] last lines of %s:\n' "$2" >&2
			tail -n 20 "$2" | sed 's/^/    /' >&2
		fi
	fi
	exit 1
}

# Stage timing: rax_stage NAME starts a stage, rax_stage_end ends it and
# prints how long it took.
rax_stage() {
	_rax_stage_name=$1
	_rax_stage_t0=$(date +%s.%N)
	rax_log "== $1"
}

rax_stage_end() {
	local t1
	t1=$(date +%s.%N)
	rax_log "== $_rax_stage_name: done in $(printf '%.1f' "$(echo "$t1 - $_rax_stage_t0" | bc)") s"
}

# rax_git_unstale DIR [REPO REF]: remove the lock files a killed git left in
# the cached work tree DIR (call it only where the scripts' use of DIR is
# serialised); with REPO and REF, first make DIR a detached work tree of
# REPO at REF if it is missing or its metadata is gone. Stops, naming the
# process, if a live one holds a lock.
rax_git_unstale() {
	local out
	out=$(python3 "$RAX_TOP/scripts/git_unstale.py" "$@" 2>&1) || rax_die "$out"
	[ -z "$out" ] || rax_log "$out"
}

rax_nproc() {
	echo $(( $(nproc) + 1 ))
}

# The userspace build directory (CMake), inside the clone.
RAX_BUILD=${RAX_BUILD:-$RAX_TOP/build}

# rax_userspace_ccache CMD...: run a userspace build through the shared
# ccache. Paths under the clone are hashed relative to it (and not the
# working directory), so a fresh clone anywhere hits the cache; the few
# absolute paths the build needs are in generated sources (rax/paths.hpp).
rax_userspace_ccache() {
	CCACHE_DIR=$RAX_CCACHE_DIR CCACHE_BASEDIR=$RAX_TOP CCACHE_NOHASHDIR=1 "$@"
}

# rax_userspace_build [TARGET...]: configure (once) and build userspace.
rax_userspace_build() {
	mkdir -p "$RAX_LOGS"
	local log=$RAX_LOGS/userspace-build.log
	if [ ! -f "$RAX_BUILD/CMakeCache.txt" ]; then
		cmake -S "$RAX_TOP" -B "$RAX_BUILD" -DRAX_WERROR=ON \
			-DCMAKE_CXX_COMPILER_LAUNCHER=ccache >"$log" 2>&1 ||
			rax_die "cmake configure failed" "$log"
	fi
	local t=()
	for x in "$@"; do t+=(--target "$x"); done
	rax_userspace_ccache cmake --build "$RAX_BUILD" -j"$(rax_nproc)" "${t[@]}" >>"$log" 2>&1 ||
		rax_die "userspace build failed" "$log"
}

# The configuration fragments of a variant, one a line: debug adds the
# debug checkers (debug.config), release the NMI trigger the benchmarks use
# (release.config).
rax_kconfig_frags() {
	echo "$RAX_TOP/scripts/config/vm.config"
	echo "$RAX_TOP/scripts/config/rax.config"
	echo "$RAX_TOP/scripts/config/${1:-debug}.config"
}

# The kernel build directory for a variant (debug or release).
rax_kbuild_dir() {
	local variant=${1:-debug} frags
	mapfile -t frags < <(rax_kconfig_frags "$variant")
	echo "$RAX_CACHE/build/$RAX_BASE_KEY-$variant-$( (cat "$RAX_TOP/patches/BASE"; cat "${frags[@]}") | sha256sum | cut -c1-12)"
}
