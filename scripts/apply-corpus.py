#!/usr/bin/env python3
"""Runs `cargo tune apply --all --execute` over copies of real workspaces and prints a table.

For each checkout given (a directory with a Cargo.toml, usually a git clone), a scratch copy is
made and, once as `--all` and once as `--all --include hygiene`:

1. `cargo tune apply ... --execute --allow-dirty` writes the plan (or refuses);
2. every TOML file it changed keeps every comment line, each next to the same line or table
   header (checked on the text, line by line, with the rule "a comment belongs to the next key
   or header when no blank line separates them, otherwise to what is above it"), and no new key
   is written under a comment that headed other keys;
3. every `cargo update` it ran removed the duplicate it was for and added none: `cargo tree -d
   --workspace --target all` lists that package in fewer versions than before, and no package
   in more; and none of the audit's `cargo update` suggestions was left out by apply (the audit
   offers only updates cargo can make and that remove the version);
4. a second `cargo tune apply` with the same options plans nothing (one step reaches the fixed
   point);
5. `cargo tune undo` restores every byte of every file.

With --check, `cargo check --workspace --all-targets` runs before, and after each apply where it
passed before: an apply must never break a build.

A workspace whose toolchain pin is not installed is run with RUSTUP_TOOLCHAIN=stable, or nightly
where stable cannot read it (said in the table); one that cargo cannot read is listed with the
reason.

Usage: scripts/apply-corpus.py [--cargo-tune BIN] [--check] DIR...
Nothing in the given directories is modified.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def run(cmd, cwd, env=None, timeout=3600):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired:
        return 124, "", "timed out", time.monotonic() - start


def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "target")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                yield path


def tree_hashes(root):
    out = {}
    for path in walk(root):
        with open(path, "rb") as f:
            out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def toml_texts(root):
    """Every TOML file apply may edit (manifests and cargo configuration), by relative path."""
    out = {}
    for path in walk(root):
        if path.endswith(".toml") or path.endswith(os.path.join(".cargo", "config")):
            try:
                with open(path, encoding="utf-8") as f:
                    out[os.path.relpath(path, root)] = f.read()
            except (UnicodeDecodeError, OSError):
                pass
    return out


def copy(src, dst):
    if os.path.isdir(os.path.join(src, ".git")):
        code, _, err, _ = run(["git", "clone", "-q", src, dst], cwd="/")
        if code == 0:
            return
        shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("target"))


# --- comments, judged on the text alone -----------------------------------------------------


def scan(line):
    """The comment after an unquoted `#` (or None), and the change in bracket depth."""
    depth, quote, i = 0, None, 0
    while i < len(line):
        c = line[i]
        if quote == '"' and c == "\\":
            i += 2
            continue
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            return line[i:].strip(), depth
        i += 1
    return None, depth


def parse_toml_lines(text):
    """Each line as (kind, identity, table): kind is blank, comment, header, key or inside (a
    line of a multi-line value); identity is the comment text, the header or `table key`."""
    lines, trailing = [], []
    table, depth = "<top>", 0
    for raw in text.splitlines():
        t = raw.strip()
        if depth > 0:
            comment, change = scan(t)
            if comment:
                trailing.append(comment)
            depth += change
            lines.append(("inside", None, table))
        elif not t:
            lines.append(("blank", None, table))
        elif t.startswith("#"):
            lines.append(("comment", t, table))
        elif t.startswith("["):
            comment, _ = scan(t)
            if comment:
                trailing.append(comment)
                t = t[: len(t) - len(comment)].strip()
            table = re.sub(r"\s", "", t)
            lines.append(("header", table, table))
        else:
            comment, change = scan(t)
            if comment:
                trailing.append(comment)
            depth += change
            # A dotted key is known by its first part: `foo.path = …` rewritten as
            # `foo.workspace = true` is the same dependency.
            key = re.sub(r"\s", "", t.split("=", 1)[0]).split(".")[0]
            lines.append(("key", f"{table} {key}", table))
    return lines, trailing


def comment_problems(before, after):
    """How `after` moved a comment of `before` away from what it belongs to, or lost one."""
    b, b_trailing = parse_toml_lines(before)
    a, a_trailing = parse_toml_lines(after)

    def ident(line):
        return line[1] if line[0] in ("header", "key") else None

    def above(p, i):
        for line in reversed(p[:i]):
            if ident(line):
                return ident(line)
        return "<top>"

    def after_run(p, i):
        for line in p[i:]:
            if line[0] != "comment":
                return line
        return None

    def owner(p, i):
        nxt = after_run(p, i)
        if nxt and ident(nxt):
            return "below", ident(nxt)
        return "above", above(p, i)

    def position(p, ident_):
        for i, line in enumerate(p):
            if ident(line) == ident_:
                return i
        return None

    def occurrences(p):
        out = {}
        for i, line in enumerate(p):
            if line[0] == "comment":
                out.setdefault(line[1], []).append(i)
        return out

    problems = []
    old, new = occurrences(b), occurrences(a)
    for text, places in old.items():
        moved = new.get(text, [])
        if len(moved) < len(places):
            problems.append(f"lost `{text}`")
            continue
        for i, j in zip(places, moved):
            side, id_ = owner(b, i)
            # Directly above a header, it is about that header whatever is written before it.
            above_header = side == "below" and " " not in id_ and position(a, id_) is not None
            if not above_header and b[i][2] != a[j][2]:
                problems.append(f"`{text}` moved from {b[i][2]} to {a[j][2]}")
                continue
            if id_ == "<top>" or position(a, id_) is not None:
                if side == "below":
                    nxt = after_run(a, j)
                    ok = nxt is not None and ident(nxt) == id_
                else:
                    nxt = after_run(a, j)
                    ok = above(a, j) == id_ and not (
                        nxt and ident(nxt) and position(b, ident(nxt)) is None
                    )
                if not ok:
                    problems.append(f"`{text}` no longer next to `{id_}`")
                continue
            # Its key was removed: it stays between the same surviving lines.
            up = next((ident(l) for l in reversed(b[:i]) if ident(l) and position(a, ident(l)) is not None), None)
            down = next((ident(l) for l in b[i:] if ident(l) and position(a, ident(l)) is not None), None)
            if (up and position(a, up) > j) or (down and position(a, down) < j):
                problems.append(f"`{text}` left the place of its removed key")
    for j, line in enumerate(a):
        if line[0] != "key" or position(b, line[1]) is not None:
            continue
        k = j - 1
        while k >= 0 and a[k][0] in ("key", "inside"):
            k -= 1
        if k >= 0 and a[k][0] == "comment" and a[k][1] in old:
            side, id_ = owner(b, old[a[k][1]][0])
            if side == "below" and " " in id_:
                problems.append(f"new key `{line[1]}` under `{a[k][1]}`")
    kept = "\n".join([l[1] for l in a if l[0] == "comment"] + a_trailing)
    for comment in b_trailing:
        body = comment.lstrip("#").strip()
        if body and body not in kept:
            problems.append(f"lost `{comment}` after a value")
    return problems


# --- duplicates, as cargo lists them --------------------------------------------------------


def duplicates(ws, env):
    code, out, err, _ = run(
        ["cargo", "tree", "-d", "--workspace", "--target", "all", "-e", "normal,build,dev",
         "--depth", "0", "--prefix", "none"], ws, env)
    if code != 0:
        return None
    dups = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1].startswith("v"):
            dups.setdefault(words[0], set()).add(words[1][1:])
    return dups


def lock_verdict(report, before, after):
    """Whether every update the apply ran removed its duplicate and added none."""
    updated = []
    for change in report.get("changes", []):
        if any(e.startswith("run `cargo update") for e in change.get("edits", [])):
            finding = change.get("finding") or ""
            code, _, subject = finding.partition(":")
            if code.startswith("duplicate-version"):
                updated.append(subject)
    if not report.get("commands"):
        return "no update"
    if before is None or after is None:
        return "cargo tree -d failed"
    problems = []
    for name in sorted(set(updated)):
        if len(after.get(name, ())) >= len(before.get(name, ())) and name in after:
            problems.append(f"{name} still {len(after[name])}")
    for name, versions in after.items():
        if len(versions) > len(before.get(name, {None})):
            problems.append(f"{name} now {len(versions)}")
    n = len(report["commands"])
    return f"yes ({n})" if not problems else "NO: " + ", ".join(problems)[:100]


# --- one workspace --------------------------------------------------------------------------


MODES = [("default", []), ("hygiene", ["--include", "hygiene"])]


def one(tune, src, scratch, check):
    name = os.path.basename(os.path.abspath(src))
    rows = []
    base = {"workspace": name}
    code, commit, _, _ = run(["git", "rev-parse", "--short=12", "HEAD"], src)
    base["commit"] = commit.strip() if code == 0 else "-"
    ws = os.path.join(scratch, name)
    copy(src, ws)
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = os.path.join(scratch, name + "-target")
    for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_TARGET_DIR"):
        env.pop(var, None)
    code, out, err, _ = run(["cargo", "metadata", "--format-version", "1"], ws, env)
    # A pinned toolchain that is not installed: stable, or nightly where the configuration
    # needs -Z flags (rust-clippy).
    for toolchain in ("stable", "nightly"):
        if code == 0 or ("is not installed" not in err and "RUSTUP_TOOLCHAIN" not in env):
            break
        env["RUSTUP_TOOLCHAIN"] = toolchain
        code, out, err, _ = run(["cargo", "metadata", "--format-version", "1"], ws, env)
    if "RUSTUP_TOOLCHAIN" in env:
        base["workspace"] += f" ({env['RUSTUP_TOOLCHAIN']})"
    if code != 0:
        line = next((l for l in err.splitlines() if l.startswith("error")), "")
        rows.append({**base, "mode": "-", "apply": "metadata fails: " + line[:80]})
        shutil.rmtree(ws, ignore_errors=True)
        return rows
    meta = json.loads(out)
    base["members"] = len(meta["workspace_members"])
    base["packages"] = len(meta["packages"])
    before = tree_hashes(ws)
    texts = toml_texts(ws)
    dups_before = duplicates(ws, env)
    checked_ok = False
    if check:
        code, _, err, secs = run(["cargo", "check", "--workspace", "--all-targets"], ws, env)
        base["check before"] = f"ok {secs:.0f}s" if code == 0 else "fails"
        checked_ok = code == 0

    for mode, extra in MODES:
        row = dict(base, mode=mode)
        rows.append(row)
        args = [tune, "apply", "--all", *extra, "--allow-dirty", "--format", "json"]
        code, out, err, secs = run(args + ["--execute"], ws, env)
        row["apply"] = f"exit {code}" if code else f"ok {secs:.0f}s"
        try:
            report = json.loads(out)
        except ValueError:
            report = {}
            row["apply"] += ": " + (err.strip().splitlines() or [""])[-1][:80]
        row["steps"] = len(report.get("changes", []))
        row["skipped"] = len(report.get("skipped", []))
        # Updates the audit suggested and apply left out: the audit should offer none.
        row["updates left out"] = sum(
            1
            for s in report.get("skipped", [])
            if (s.get("finding") or "").startswith("duplicate-version")
            and s.get("reason") != "only a person can make this change"
        )
        row["left out"] = len(report.get("left_out", []))
        row["files"] = len(report.get("files", []))
        if not report.get("applied"):
            row["undo"] = "untouched" if tree_hashes(ws) == before else "TOUCHED"
            continue
        now = toml_texts(ws)
        problems = []
        for rel, text in now.items():
            if rel in texts and texts[rel] != text:
                problems += [f"{rel}: {p}" for p in comment_problems(texts[rel], text)]
        row["comments"] = "kept" if not problems else "MOVED: " + "; ".join(problems)[:160]
        row["updates"] = lock_verdict(report, dups_before, duplicates(ws, env))
        if checked_ok:
            code, _, err, secs = run(["cargo", "check", "--workspace", "--all-targets"], ws, env)
            row["check after"] = f"ok {secs:.0f}s" if code == 0 else "FAILS: " + next(
                (l for l in err.splitlines() if l.startswith("error")), "")[:100]
        code, out, _, _ = run(args + ["--check"], ws, env)
        try:
            pending = len(json.loads(out).get("changes", []))
        except ValueError:
            pending = "?"
        row["settled"] = "yes" if code == 0 else f"NO ({pending} steps left)"
        code, _, _, _ = run([tune, "undo"], ws, env)
        row["undo"] = "restored" if tree_hashes(ws) == before else "BYTES DIFFER"
        if code != 0:
            row["undo"] += f" (exit {code})"
    shutil.rmtree(ws, ignore_errors=True)
    return rows


COLUMNS = [
    "workspace", "commit", "members", "packages", "mode", "apply", "steps", "skipped",
    "left out", "files", "settled", "comments", "updates", "updates left out", "check before",
    "check after", "undo",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--cargo-tune", default="cargo-tune")
    ap.add_argument("--check", action="store_true",
                    help="run cargo check before and after each apply")
    args = ap.parse_args()
    tune = (
        os.path.abspath(args.cargo_tune)
        if os.sep in args.cargo_tune
        else shutil.which(args.cargo_tune) or args.cargo_tune
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="apply-corpus-") as scratch:
        for d in args.dirs:
            for row in one(tune, d, scratch, args.check):
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
            name = os.path.basename(os.path.abspath(d))
            shutil.rmtree(os.path.join(scratch, name + "-target"), ignore_errors=True)
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "-")) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()
