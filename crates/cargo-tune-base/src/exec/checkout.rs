//! What a CI runner starts from: a fresh checkout (every file written anew, so every mtime is
//! new, at the same path every run, as runners keep it) and a target directory restored from
//! a cache with the mtimes it was saved with, as `tar` and the cache actions restore them.

use std::fs;
use std::io;
use std::path::Path;

/// Replaces `dest` with a copy of the workspace at `src`, leaving out `.git` and every path in
/// `exclude` (the target directory, which a checkout never has). Files get new mtimes.
pub fn fresh_checkout(src: &Path, dest: &Path, exclude: &[&Path]) -> io::Result<()> {
    remove(dest)?;
    copy_tree(src, dest, exclude, false)
}

/// Replaces `dest` with a copy of `src` keeping every file's mtime: a cache restore.
pub fn restore(src: &Path, dest: &Path) -> io::Result<()> {
    remove(dest)?;
    copy_tree(src, dest, &[], true)
}

/// Replaces `dest` with `src` itself, moved (mtimes and all): a restore or a save whose source
/// is not needed afterwards, without copying what may be gigabytes.
pub fn move_over(src: &Path, dest: &Path) -> io::Result<()> {
    remove(dest)?;
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::rename(src, dest)
}

/// Removes `path` if it exists.
pub fn remove(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn copy_tree(src: &Path, dest: &Path, exclude: &[&Path], keep_mtime: bool) -> io::Result<()> {
    fs::create_dir_all(dest)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        if entry.file_name() == ".git" || exclude.iter().any(|e| from == *e) {
            continue;
        }
        let to = dest.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&from, &to, exclude, keep_mtime)?;
        } else if kind.is_symlink() {
            symlink(&fs::read_link(&from)?, &to)?;
        } else {
            fs::copy(&from, &to)?;
            if keep_mtime {
                let modified = entry.metadata()?.modified()?;
                fs::File::options()
                    .write(true)
                    .open(&to)?
                    .set_modified(modified)?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    // Without symlinks, a copy of what it points to stands in for it.
    fs::copy(link.parent().unwrap_or(Path::new(".")).join(target), link).map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn a_checkout_has_new_mtimes_and_a_restore_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("ws");
        cargo_tune_test_support::write(&src.join("src/lib.rs"), "pub fn f() {}\n");
        cargo_tune_test_support::write(&src.join("target/debug/out"), "x");
        cargo_tune_test_support::write(&src.join(".git/HEAD"), "ref\n");
        let old = SystemTime::now() - Duration::from_secs(3600);
        for f in ["src/lib.rs", "target/debug/out"] {
            fs::File::options()
                .write(true)
                .open(src.join(f))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let co = dir.path().join("checkout");
        fs::create_dir_all(co.join("stale")).unwrap();
        fresh_checkout(&src, &co, &[&src.join("target")]).unwrap();
        assert!(!co.join("stale").exists() && !co.join(".git").exists());
        assert!(!co.join("target").exists());
        let mtime = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        assert!(mtime(&co.join("src/lib.rs")) > old + Duration::from_secs(1800));
        let restored = dir.path().join("restored");
        restore(&src.join("target"), &restored).unwrap();
        assert_eq!(mtime(&restored.join("debug/out")), old);
    }
}
