#!/usr/bin/env python3
"""Builds a cargo local registry (`[source.x] local-registry = "DEST"`) from package sources.

Usage: scripts/make-local-registry.py SRC DEST

SRC holds one directory per package version (`tiny-width-0.2.0/` with a Cargo.toml and its
files). DEST gets `<name>-<version>.crate` archives and an `index/` in crates.io's layout, so
that fixtures can resolve, `cargo update --precise` and build registry packages offline (a
directory source ignores `--precise`; a local registry does not). The archives are reproducible:
fixed mtimes and ordering, so regenerating changes no bytes.
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tomllib


def index_path(name):
    n = name.lower()
    if len(n) <= 2:
        return os.path.join(str(len(n)), n)
    if len(n) == 3:
        return os.path.join("3", n[0], n)
    return os.path.join(n[0:2], n[2:4], n)


def crate_bytes(src, prefix):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, src)
                with open(path, "rb") as f:
                    data = f.read()
                info = tarfile.TarInfo(f"{prefix}/{rel}")
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def deps_of(manifest):
    out = []
    for kind, table in (("normal", "dependencies"), ("dev", "dev-dependencies"),
                        ("build", "build-dependencies")):
        for name, spec in manifest.get(table, {}).items():
            if isinstance(spec, str):
                spec = {"version": spec}
            out.append({
                "name": spec.get("package", name),
                "req": spec.get("version", "*"),
                "features": spec.get("features", []),
                "optional": spec.get("optional", False),
                "default_features": spec.get("default-features", True),
                "target": None,
                "kind": kind,
                **({"package": spec["package"]} if "package" in spec else {}),
            })
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dest = sys.argv[1], sys.argv[2]
    entries = {}
    for pkg in sorted(os.listdir(src)):
        path = os.path.join(src, pkg)
        with open(os.path.join(path, "Cargo.toml"), "rb") as f:
            manifest = tomllib.load(f)
        name = manifest["package"]["name"]
        version = manifest["package"]["version"]
        data = crate_bytes(path, f"{name}-{version}")
        os.makedirs(dest, exist_ok=True)
        with open(os.path.join(dest, f"{name}-{version}.crate"), "wb") as f:
            f.write(data)
        entries.setdefault(name, []).append({
            "name": name,
            "vers": version,
            "deps": deps_of(manifest),
            "cksum": hashlib.sha256(data).hexdigest(),
            "features": manifest.get("features", {}),
            "yanked": False,
        })
    for name, lines in entries.items():
        path = os.path.join(dest, "index", index_path(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            for line in lines:
                f.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
