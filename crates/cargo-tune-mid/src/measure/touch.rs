//! The one file `dev-incremental` edits: a real change before each run, and the original bytes
//! and modification time put back afterwards, on error, on panic and on Ctrl-C. Restoring the
//! mtime matters: cargo decides freshness by mtime, so a newer mtime on unchanged bytes would
//! make the user's next build recompile the crate for nothing.

use std::fs::{File, FileTimes};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A source file under edit. Dropping it restores the original.
#[derive(Debug)]
pub struct TouchedFile {
    path: PathBuf,
    original: Vec<u8>,
    modified: SystemTime,
    accessed: Option<SystemTime>,
    /// Distinguishes this session's edits from the ones an earlier session left in a kept
    /// target directory, so that no run rebuilds content rustc has already seen.
    nonce: u128,
    edits: u64,
    dirty: bool,
}

impl TouchedFile {
    /// Snapshots `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        let original = std::fs::read(path)?;
        let meta = std::fs::metadata(path)?;
        Ok(TouchedFile {
            path: path.to_owned(),
            original,
            modified: meta.modified()?,
            accessed: meta.accessed().ok(),
            nonce: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            edits: 0,
            dirty: false,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a new version: a different comment line above the original content each time.
    /// Every span of the file moves, so rustc really recompiles the crate, as after a real edit
    /// near the top of a file.
    pub fn edit(&mut self) -> io::Result<()> {
        self.edits += 1;
        let mut bytes =
            format!("// cargo-tune edit {} ({:x})\n", self.edits, self.nonce).into_bytes();
        bytes.extend_from_slice(&self.original);
        self.dirty = true;
        crate::fsutil::write_atomic(&self.path, &bytes)
    }

    /// Puts the original bytes and times back.
    pub fn restore(&mut self) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        crate::fsutil::write_atomic(&self.path, &self.original)?;
        let mut times = FileTimes::new().set_modified(self.modified);
        if let Some(accessed) = self.accessed {
            times = times.set_accessed(accessed);
        }
        File::options()
            .write(true)
            .open(&self.path)?
            .set_times(times)?;
        self.dirty = false;
        Ok(())
    }
}

impl Drop for TouchedFile {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_change_bytes_and_restore_puts_back_bytes_and_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.rs");
        crate::fsutil::write_atomic(&path, b"pub fn f() {}\n").unwrap();
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(FileTimes::new().set_modified(old))
            .unwrap();
        {
            let mut touched = TouchedFile::open(&path).unwrap();
            touched.edit().unwrap();
            let first = std::fs::read(&path).unwrap();
            touched.edit().unwrap();
            assert_ne!(first, std::fs::read(&path).unwrap());
            assert!(std::fs::metadata(&path).unwrap().modified().unwrap() > old);
            // Dropped without an explicit restore, as when a build fails or panics.
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"pub fn f() {}\n");
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), old);
    }
}
