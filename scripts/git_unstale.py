#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Remove the lock files a killed git left in a cached work tree.

The kernel trees under the cache (the base tree and its scratch work trees
for the series check and build-each.sh) outlive the runs that use them. A
run stopped in the middle of a git command (a CI timeout, ^C, a session
that ends) leaves index.lock or a ref lock behind, and every later git
command in that tree fails with "Unable to create ... File exists".

Call this only while holding the lock that serialises the scripts' use of
the tree: then a lock file that no live process holds open, and that no
live git process could be about to rename, is stale. A lock file some
process still holds is not touched: the caller gets an error naming it.

  git_unstale.py DIR      remove stale locks of the work tree DIR; print
                          each removed path; exit 1 if one is in use
  git_unstale.py DIR REPO REF
                          the same for DIR, a detached work tree of REPO
                          at REF, made (again) first when it is missing or
                          its metadata is gone
"""

import os
import shutil
import subprocess
import sys


class LockInUse(Exception):
    pass


def _git_dir(tree, what):
    out = subprocess.run(["git", "rev-parse", what], cwd=tree, check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    p = out.decode().strip()
    return os.path.normpath(os.path.join(tree, p))


def _lock_files(gitdir, common):
    """The lock files git may leave: top-level ones of the work tree's and
    the repository's git directory (index, HEAD, ORIG_HEAD, config,
    packed-refs) and ref locks. Objects are never locked this way."""
    found = set()
    for n in os.listdir(gitdir):
        if n.endswith(".lock") and os.path.isfile(os.path.join(gitdir, n)):
            found.add(os.path.join(gitdir, n))
    # The repository's own, shared by every work tree of it (a linked work
    # tree's index.lock is in its gitdir, not here).
    for n in ("config.lock", "packed-refs.lock"):
        if os.path.isfile(os.path.join(common, n)):
            found.add(os.path.join(common, n))
    for root, _dirs, files in os.walk(os.path.join(common, "refs")):
        for n in files:
            if n.endswith(".lock"):
                found.add(os.path.join(root, n))
    return sorted(found)


def _holders(paths, trees):
    """Map each path to the live processes that have it open, plus every
    live git process whose working directory is in one of the trees (git
    closes some lock files before it renames them)."""
    held = {}
    trees = [os.path.realpath(t) for t in trees]
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        base = os.path.join("/proc", pid)
        try:
            with open(os.path.join(base, "comm")) as f:
                comm = f.read().strip()
            if comm == "git":
                cwd = os.path.realpath(os.readlink(os.path.join(base, "cwd")))
                if any(cwd == t or cwd.startswith(t + os.sep) for t in trees):
                    for p in paths:
                        held.setdefault(p, []).append("%s %s (cwd in the tree)" % (pid, comm))
            for fd in os.listdir(os.path.join(base, "fd")):
                try:
                    t = os.readlink(os.path.join(base, "fd", fd))
                except OSError:
                    continue
                if t in paths:
                    held.setdefault(t, []).append("%s %s" % (pid, comm))
        except OSError:
            continue  # the process ended while we looked
    return held


def clear_stale_locks(tree):
    """Remove the stale git lock files of work tree TREE; return their paths.
    Raise LockInUse when a live process holds one."""
    gitdir = _git_dir(tree, "--absolute-git-dir")
    common = _git_dir(tree, "--git-common-dir")
    locks = _lock_files(gitdir, common)
    if not locks:
        return []
    # The work trees git may be running in: this one and the repository's.
    held = _holders(locks, {tree, os.path.dirname(common)})
    if held:
        raise LockInUse("; ".join("%s is held by pid %s" % (p, ", ".join(h))
                                  for p, h in sorted(held.items()))
                        + ": another git command is running in this tree")
    for p in locks:
        os.unlink(p)
    return locks


def scratch_worktree(wt, repo, ref):
    """Make WT a usable detached work tree of REPO at REF, whatever a killed
    run left: one whose metadata is gone is made again, a missing one is
    added, and stale locks are cleared (clear_stale_locks()). Return what
    was done, a line each."""
    done = []
    if os.path.isdir(wt) and subprocess.run(["git", "rev-parse", "--git-dir"], cwd=wt,
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL).returncode:
        done.append("%s is no longer a work tree of %s: making it again" % (wt, repo))
        shutil.rmtree(wt)
    if not os.path.isdir(wt):
        for cmd in (["git", "worktree", "prune"],
                    ["git", "worktree", "add", "-q", "--detach", wt, ref]):
            subprocess.run(cmd, cwd=repo, check=True, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    done += ["removed %s, left by a git command that did not finish" % p
             for p in clear_stale_locks(wt)]
    return done


def main():
    if len(sys.argv) not in (2, 4) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    try:
        if len(sys.argv) == 4:
            done = scratch_worktree(sys.argv[1], sys.argv[2], sys.argv[3])
        else:
            done = ["removed %s, left by a git command that did not finish" % p
                    for p in clear_stale_locks(sys.argv[1])]
        for line in done:
            print(line)
    except LockInUse as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        print("error: %s failed for %s: %s" % (" ".join(e.cmd), sys.argv[1],
                                               e.stderr.decode().strip()), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
