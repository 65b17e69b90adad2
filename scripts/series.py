#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate and check the Rax patch series.

The repository holds the kernel-side files at their in-tree paths and the
changes to existing kernel files as hunks (series/hunks/). series/manifest
says which patch adds which file and which hunk. This tool turns them into
patches/ (git format-patch output, a series file and a cover letter) on top
of the pristine base, and checks that patches/ is current and that git am
of it onto the base gives back the repository's files byte for byte.

  series.py generate            rewrite patches/
  series.py check               fail if patches/ is stale or does not round-trip
  series.py checkpatch          run checkpatch.pl --strict on every patch
  series.py hunk NAME FILE...   write series/hunks/NAME: the change of each
                                repository FILE since HEAD (without the
                                NAME of HEAD, if it exists)
  series.py hunk NAME --tree T FILE...
                                the same for files of a kernel tree T (a
                                git tree of the base and the series)
"""

import argparse
import fcntl
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

import git_unstale

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERIES_DIR = os.path.join(TOP, "series")
PATCHES = os.path.join(TOP, "patches")

# Kernel-side files of the repository: each must be listed in the manifest.
KERNEL_GLOBS = [
    "kernel/rax/*",
    "tools/testing/selftests/rax/*",
    "Documentation/rax/*",
    "include/linux/rax.h",
    "include/uapi/linux/rax.h",
]
KERNEL_DIRS = ["kernel", "include", "tools", "Documentation"]

SIGNOFF = "Signed-off-by: Rax developers <rax-dev@lists.example.org>"


class SeriesError(Exception):
    pass


def run(cmd, cwd=None, env=None, input=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, input=input,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise SeriesError("%s failed (exit %d):\n%s%s" % (
            " ".join(cmd), p.returncode,
            p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
    return p


def base_info():
    info = {}
    with open(os.path.join(PATCHES, "BASE")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                info[k] = v
    return info


def base_repo():
    cache = os.environ.get("RAX_CACHE", "/var/cache/rax")
    key = base_info()["version"].replace("~", "_")
    repo = os.path.join(cache, "base-" + key, "linux")
    if not os.path.isdir(os.path.join(repo, ".git")):
        raise SeriesError("no base tree at %s: run scripts/prepare-tree.sh --base-only" % repo)
    return repo


def git_env(index=None):
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "Rax developers",
        "GIT_AUTHOR_EMAIL": "rax-dev@lists.example.org",
        "GIT_COMMITTER_NAME": "Rax developers",
        "GIT_COMMITTER_EMAIL": "rax-dev@lists.example.org",
        "GIT_AUTHOR_DATE": "2026-11-24T00:00:00+0000",
        "GIT_COMMITTER_DATE": "2026-11-24T00:00:00+0000",
    })
    if index:
        env["GIT_INDEX_FILE"] = index
    return env


class Patch:
    def __init__(self, slug):
        self.slug = slug
        self.subject = None
        self.files = []
        self.hunks = []

    def message(self, src):
        path = os.path.join(src, "series", "msg", self.slug + ".txt")
        if not os.path.isfile(path):
            raise SeriesError("missing commit message %s" % os.path.relpath(path, src))
        with open(path) as f:
            body = f.read().strip()
        return "%s\n\n%s\n\n%s\n" % (self.subject, body, SIGNOFF)


def parse_manifest(src):
    patches = []
    cur = None
    path = os.path.join(src, "series", "manifest")
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"\[([a-z0-9-]+)\]", line.strip())
            if m:
                cur = Patch(m.group(1))
                patches.append(cur)
                continue
            m = re.fullmatch(r"(subject|file|hunk):\s*(.+)", line.strip())
            if not m or cur is None:
                raise SeriesError("series/manifest:%d: cannot parse '%s'" % (n, line))
            key, val = m.group(1), m.group(2).strip()
            if key == "subject":
                cur.subject = val
            elif key == "file":
                cur.files.append(val)
            else:
                cur.hunks.append(val)
    for p in patches:
        if not p.subject:
            raise SeriesError("series/manifest: patch [%s] has no subject" % p.slug)
    return patches


def kernel_side_files(src):
    found = []
    for d in KERNEL_DIRS:
        root = os.path.join(src, d)
        for dirpath, _, names in os.walk(root):
            for name in names:
                rel = os.path.relpath(os.path.join(dirpath, name), src)
                if any(fnmatch.fnmatch(rel, g) for g in KERNEL_GLOBS) or \
                   any(rel.startswith(g[:-1]) for g in KERNEL_GLOBS if g.endswith("/*")):
                    found.append(rel)
    return sorted(found)


def hunk_targets(path):
    targets = []
    with open(path) as f:
        for line in f:
            if line.startswith("+++ "):
                t = line[4:].strip().split("\t")[0]
                if t.startswith("b/"):
                    t = t[2:]
                targets.append(t)
    return targets


def validate(src, patches):
    listed = {}
    for p in patches:
        for f in p.files:
            if f in listed:
                raise SeriesError("series/manifest: %s is listed twice ([%s] and [%s])"
                                  % (f, listed[f], p.slug))
            listed[f] = p.slug
            if not os.path.isfile(os.path.join(src, f)):
                raise SeriesError("series/manifest: [%s] lists %s, which does not exist "
                                  "in the repository (deleted? remove it from the manifest)"
                                  % (p.slug, f))
        for h in p.hunks:
            if not os.path.isfile(os.path.join(src, "series", "hunks", h)):
                raise SeriesError("series/manifest: [%s] names hunk %s, which does not exist"
                                  % (p.slug, h))
    unlisted = [f for f in kernel_side_files(src) if f not in listed]
    if unlisted:
        raise SeriesError("kernel-side files not in series/manifest (add each to a patch):\n  "
                          + "\n  ".join(unlisted))
    return listed


def file_at_patch(src, patches, k, path, tmp):
    """The content of repository file PATH as patch K adds it: the final
    file with the hunks of later patches that touch it reverse-applied."""
    with open(os.path.join(src, path), "rb") as f:
        data = f.read()
    later = []
    for p in patches[k + 1:]:
        for h in p.hunks:
            hp = os.path.join(src, "series", "hunks", h)
            if path in hunk_targets(hp):
                later.append(hp)
    if not later:
        return data
    work = os.path.join(tmp, "rev")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.join(work, path)), exist_ok=True)
    with open(os.path.join(work, path), "wb") as f:
        f.write(data)
    for hp in reversed(later):
        p = run(["git", "apply", "-R", "--include=" + path, hp], cwd=work, check=False)
        if p.returncode != 0:
            raise SeriesError("hunk %s does not reverse-apply to %s: regenerate the hunk\n%s"
                              % (os.path.relpath(hp, src), path, p.stderr.decode(errors="replace")))
    with open(os.path.join(work, path), "rb") as f:
        return f.read()


def build_commits(src, repo, patches, tmp):
    """Create one commit per patch on top of rax-base without touching any
    work tree (a private index), and return the last commit's id."""
    index = os.path.join(tmp, "index")
    env = git_env(index)
    run(["git", "read-tree", "rax-base"], cwd=repo, env=env)
    parent = run(["git", "rev-parse", "rax-base^{commit}"], cwd=repo).stdout.decode().strip()
    for k, p in enumerate(patches):
        for f in p.files:
            data = file_at_patch(src, patches, k, f, tmp)
            blob = run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=data).stdout.decode().strip()
            mode = "100755" if os.access(os.path.join(src, f), os.X_OK) else "100644"
            run(["git", "update-index", "--add", "--cacheinfo", "%s,%s,%s" % (mode, blob, f)],
                cwd=repo, env=env)
        for h in p.hunks:
            hp = os.path.join(src, "series", "hunks", h)
            r = run(["git", "apply", "--cached", hp], cwd=repo, env=env, check=False)
            if r.returncode != 0:
                raise SeriesError("hunk series/hunks/%s does not apply in [%s]:\n%s"
                                  % (h, p.slug, r.stderr.decode(errors="replace")))
        tree = run(["git", "write-tree"], cwd=repo, env=env).stdout.decode().strip()
        parent = run(["git", "commit-tree", tree, "-p", parent], cwd=repo, env=env,
                     input=p.message(src).encode()).stdout.decode().strip()
    return parent


def cover_letter(src, patches):
    with open(os.path.join(src, "series", "cover.txt")) as f:
        text = f.read().strip()
    subject, _, blurb = text.partition("\n\n")
    return subject.strip(), blurb.strip()


def generate_into(src, out):
    patches = parse_manifest(src)
    validate(src, patches)
    repo = base_repo()
    with tempfile.TemporaryDirectory(prefix="rax-series-") as tmp:
        head = build_commits(src, repo, patches, tmp)
        fp = os.path.join(tmp, "fp")
        run(["git", "format-patch", "-q", "--no-signature", "--cover-letter",
             "--base=rax-base", "-o", fp,
             "rax-base.." + head], cwd=repo, env=git_env())
        os.makedirs(out, exist_ok=True)
        for name in os.listdir(out):
            if name.endswith(".patch") or name == "series":
                os.unlink(os.path.join(out, name))
        names = sorted(os.listdir(fp))
        subject, blurb = cover_letter(src, patches)
        for name in names:
            with open(os.path.join(fp, name)) as f:
                text = f.read()
            if name.startswith("0000-"):
                text = text.replace("*** SUBJECT HERE ***", subject)
                text = text.replace("*** BLURB HERE ***", blurb)
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
        with open(os.path.join(out, "series"), "w") as f:
            for name in names:
                if not name.startswith("0000-"):
                    f.write(name + "\n")
    return patches


def cmd_generate(args):
    patches = generate_into(TOP, PATCHES)
    print("[rax] wrote %d patches and a cover letter to patches/" % len(patches), file=sys.stderr)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_current(src):
    """Fail when patches/ differs from what the manifest generates."""
    with tempfile.TemporaryDirectory(prefix="rax-series-check-") as tmp:
        out = os.path.join(tmp, "patches")
        generate_into(src, out)
        have = sorted(n for n in os.listdir(os.path.join(src, "patches"))
                      if n.endswith(".patch") or n == "series")
        want = sorted(os.listdir(out))
        stale = sorted(set(have) ^ set(want))
        for n in set(have) & set(want):
            if sha256(os.path.join(src, "patches", n)) != sha256(os.path.join(out, n)):
                stale.append(n)
        if stale:
            raise SeriesError("patches/ is stale (differs in: %s).\n"
                              "    A kernel-side file, hunk or message changed without regenerating the "
                              "series: run scripts/series.sh generate, then commit patches/."
                              % ", ".join(sorted(stale)))


def check_roundtrip(src):
    """git am patches/ onto the pristine base in a scratch work tree and
    compare every listed file with the repository, byte for byte."""
    patches = parse_manifest(src)
    listed = validate(src, patches)
    repo = base_repo()
    wt = os.path.join(os.path.dirname(repo), "check-wt")
    # One check at a time uses the scratch work tree (two at once, from two
    # clones, would git am into each other's rebase).
    with open(wt + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return roundtrip_in(src, listed, repo, wt)


def roundtrip_in(src, listed, repo, wt):
    try:
        for line in git_unstale.scratch_worktree(wt, repo, "rax-base"):
            print("[rax] series check: " + line, file=sys.stderr)
    except git_unstale.LockInUse as e:
        raise SeriesError(str(e))
    except subprocess.CalledProcessError as e:
        raise SeriesError("%s failed (exit %d):\n%s" % (" ".join(e.cmd), e.returncode,
                                                       e.stderr.decode(errors="replace")))
    run(["git", "am", "--abort"], cwd=wt, check=False)
    run(["git", "checkout", "-q", "-f", "--detach", "rax-base"], cwd=wt)
    run(["git", "clean", "-q", "-f", "-d", "-x"], cwd=wt)
    with open(os.path.join(src, "patches", "series")) as f:
        names = [l.strip() for l in f if l.strip()]
    for n in names:
        r = run(["git", "am", "-q", os.path.join(src, "patches", n)], cwd=wt,
                env=git_env(), check=False)
        if r.returncode != 0:
            run(["git", "am", "--abort"], cwd=wt, check=False)
            raise SeriesError("git am of patches/%s onto the base failed:\n%s"
                              % (n, r.stderr.decode(errors="replace")))
    bad = []
    for f in sorted(listed):
        a = os.path.join(src, f)
        b = os.path.join(wt, f)
        if not os.path.isfile(b) or sha256(a) != sha256(b):
            bad.append(f)
    if bad:
        raise SeriesError("git am of patches/ does not give back these repository files:\n  "
                          + "\n  ".join(bad) + "\n    run scripts/series.sh generate")
    return len(names), len(listed)


def cmd_check(args):
    check_current(TOP)
    n, files = check_roundtrip(TOP)
    print("[rax] series check: patches/ is current; git am of %d patches gives back %d files"
          % (n, files), file=sys.stderr)


def cmd_checkpatch(args):
    repo = base_repo()
    with open(os.path.join(PATCHES, "series")) as f:
        names = [l.strip() for l in f if l.strip()]
    # checkpatch runs scripts/spdxcheck.py with "env python3": use Debian's.
    env = dict(os.environ)
    env["PATH"] = "/usr/bin:/bin:" + env.get("PATH", "")
    total_err = total_warn = total_chk = 0
    failed = []
    for n in names:
        r = run([os.path.join(repo, "scripts", "checkpatch.pl"), "--strict", "--no-summary-file",
                 "--showfile", "--color=never", os.path.join(PATCHES, n)], cwd=repo, env=env, check=False)
        out = r.stdout.decode(errors="replace")
        if "spdxcheck.py" in r.stderr.decode(errors="replace"):
            raise SeriesError("checkpatch's SPDX check failed to run (python3-ply and python3-git "
                              "missing? run scripts/setup-deps.sh)\n" + r.stderr.decode(errors="replace")[-500:])
        m = re.search(r"total: (\d+) errors, (\d+) warnings, (\d+) checks", out)
        e, w, c = (int(x) for x in m.groups()) if m else (1, 0, 0)
        total_err += e
        total_warn += w
        total_chk += c
        lines = [l for l in out.splitlines() if re.search(r"\b(ERROR|WARNING|CHECK): ", l)]
        status = "ok" if e == 0 else "FAIL"
        print("%-4s %s: %d errors, %d warnings, %d checks" % (status, n, e, w, c))
        for l in lines:
            print("       " + l)
        if e:
            failed.append(n)
    print("checkpatch --strict: %d errors, %d warnings, %d checks in %d patches"
          % (total_err, total_warn, total_chk, len(names)))
    if failed:
        raise SeriesError("checkpatch errors in: " + ", ".join(failed))


def cmd_hunk(args):
    hp = os.path.join(SERIES_DIR, "hunks", args.name)
    rel_hp = os.path.relpath(hp, TOP)
    chunks = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in args.files:
            root = args.tree or TOP
            p = run(["git", "show", "HEAD:" + f], cwd=root, check=False)
            if p.returncode != 0:
                raise SeriesError("%s is not in HEAD of %s: a new file goes into the "
                                  "manifest as file:, not as a hunk" % (f, root))
            work = os.path.join(tmp, "old")
            os.makedirs(os.path.dirname(os.path.join(work, f)), exist_ok=True)
            with open(os.path.join(work, f), "wb") as o:
                o.write(p.stdout)
            old_hunk = run(["git", "show", "HEAD:" + rel_hp], cwd=TOP, check=False)
            if not args.tree and old_hunk.returncode == 0:
                h = os.path.join(tmp, "old.diff")
                with open(h, "wb") as o:
                    o.write(old_hunk.stdout)
                if f in hunk_targets(h):
                    run(["git", "apply", "-R", "--include=" + f, h], cwd=work)
            d = run(["diff", "-u", "--label", "a/" + f, "--label", "b/" + f,
                     os.path.join(work, f), os.path.join(root, f)], check=False)
            if d.returncode > 1:
                raise SeriesError("diff failed: %s" % d.stderr.decode(errors="replace"))
            if d.returncode == 0:
                raise SeriesError("%s has no change for hunk %s" % (f, args.name))
            chunks.append(d.stdout.decode())
    with open(hp, "w") as o:
        o.write("".join(chunks))
    print("[rax] wrote %s (%d file(s))" % (rel_hp, len(args.files)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("generate", help="rewrite patches/ from the manifest")
    sub.add_parser("check", help="fail if patches/ is stale or does not round-trip")
    sub.add_parser("checkpatch", help="checkpatch.pl --strict on every patch")
    h = sub.add_parser("hunk", help="write a hunk from the changes since HEAD")
    h.add_argument("name")
    h.add_argument("--tree", help="a kernel git tree holding the files")
    h.add_argument("files", nargs="+")
    args = ap.parse_args()
    try:
        {"generate": cmd_generate, "check": cmd_check, "checkpatch": cmd_checkpatch,
         "hunk": cmd_hunk}[args.cmd](args)
    except SeriesError as e:
        print("[rax] error: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
