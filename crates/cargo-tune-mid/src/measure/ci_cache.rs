//! What a CI cache holds and what restoring it costs: the dependencies-only layout
//! `Swatinem/rust-cache` saves by default, and the size of a cache as `actions/cache` stores it
//! (a tar archive compressed with zstd), which a runner downloads before every build.

use std::io::{self, Read};
use std::path::Path;
use std::process::Stdio;

use crate::cargo::ToolCommand;

/// GitHub's cache bandwidth as cargo-tune charges it unless told otherwise, bytes per second.
pub const DEFAULT_BANDWIDTH: f64 = 100e6;

/// GitHub's cache quota per repository, bytes.
pub const DEFAULT_LIMIT: u64 = 10_000_000_000;

/// Drops the workspace members' own artifacts from a saved target directory, as
/// `Swatinem/rust-cache` does before saving: the members' units in `deps`, `.fingerprint` and
/// `build`, the final artifacts at the top of each profile directory, and the incremental
/// caches. `members` are package and crate names (`my-lib`, `my_lib`).
pub fn keep_dependencies_only(saved: &Path, members: &[String]) -> io::Result<()> {
    let is_member = |file: &str| {
        let stem = file
            .strip_prefix("lib")
            .filter(|_| file.contains('.'))
            .unwrap_or(file);
        // `name-0123abcd…`, `name-0123abcd….d`, `libname-0123….rlib`: the name is before the
        // last `-` and its hash.
        let name = stem.rsplit_once('-').map_or(stem, |(n, _)| n);
        members.iter().any(|m| m == name)
    };
    for profile in std::fs::read_dir(saved)? {
        let profile = profile?;
        if !profile.file_type()?.is_dir() || !profile.path().join(".fingerprint").exists() {
            continue;
        }
        for entry in std::fs::read_dir(profile.path())? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if entry.file_type()?.is_file() {
                // Final binaries and libraries of the members, and their dep-info.
                std::fs::remove_file(&path)?;
            } else if name == "incremental" {
                crate::exec::checkout::remove(&path)?;
            } else if matches!(name.as_str(), "deps" | ".fingerprint" | "build") {
                for unit in std::fs::read_dir(&path)? {
                    let unit = unit?;
                    if is_member(&unit.file_name().to_string_lossy()) {
                        crate::exec::checkout::remove(&unit.path())?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The size of `dirs` archived and compressed as `actions/cache` stores a cache (`tar --posix`
/// through `zstd -T0`), in bytes. Nothing is written: the archive is counted as it streams.
pub fn compressed_size(dirs: &[&Path]) -> io::Result<u64> {
    let mut tar =
        ToolCommand::new("tar").args(["--posix", "--use-compress-program", "zstd -T0", "-cf", "-"]);
    for dir in dirs.iter().filter(|d| d.exists()) {
        tar = tar.arg("-C").arg(dir).arg(".");
    }
    let display = tar.display();
    let mut child = tar
        .to_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("run `{display}`: {e}")))?;
    let mut out = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = out.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    let done = child.wait_with_output()?;
    if !done.status.success() {
        return Err(io::Error::other(format!(
            "`{display}` failed ({}): {} (is zstd installed?)",
            done.status,
            String::from_utf8_lossy(&done.stderr).trim()
        )));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dependencies_layout_keeps_only_what_is_not_a_member() {
        let dir = tempfile::tempdir().unwrap();
        let debug = dir.path().join("debug");
        for f in [
            ".fingerprint/serde-0a1b/lib-serde",
            ".fingerprint/my-app-77aa/bin-my-app",
            "build/serde-44cc/output",
            "deps/libserde-0a1b.rlib",
            "deps/serde-0a1b.d",
            "deps/libmy_lib-99ee.rlib",
            "deps/my_app-77aa",
            "incremental/my_app-1/s-x/dep-graph.bin",
            "my-app",
            "my-app.d",
        ] {
            let path = debug.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            crate::fsutil::write_atomic(&path, b"x").unwrap();
        }
        let members: Vec<String> = ["my-app", "my_app", "my-lib", "my_lib"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        keep_dependencies_only(dir.path(), &members).unwrap();
        for kept in [
            ".fingerprint/serde-0a1b/lib-serde",
            "build/serde-44cc/output",
            "deps/libserde-0a1b.rlib",
            "deps/serde-0a1b.d",
        ] {
            assert!(debug.join(kept).exists(), "{kept}");
        }
        for gone in [
            ".fingerprint/my-app-77aa",
            "deps/libmy_lib-99ee.rlib",
            "deps/my_app-77aa",
            "incremental",
            "my-app",
            "my-app.d",
        ] {
            assert!(!debug.join(gone).exists(), "{gone}");
        }
    }

    #[test]
    fn a_cache_is_counted_compressed_and_grows_with_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        crate::fsutil::write_atomic(&dir.path().join("same"), &vec![b'a'; 1 << 20]).unwrap();
        let small = compressed_size(&[dir.path()]).unwrap();
        // A mebibyte of one byte compresses to far less than a mebibyte.
        assert!(small > 0 && small < 64 << 10, "{small}");
        // What does not compress counts in full.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..1 << 20)
            .map(|_| {
                // xorshift64: no pattern a compressor can find.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        crate::fsutil::write_atomic(&dir.path().join("noise"), &noise).unwrap();
        let big = compressed_size(&[dir.path()]).unwrap();
        assert!(big > small + (512 << 10), "{big} vs {small}");
    }
}
