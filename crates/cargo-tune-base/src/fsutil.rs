//! The one way cargo-tune writes a file (never half-written), and how it tells that a file changed.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that will be replaced atomically, opened before the work that produces its content:
/// a temporary file is created in the destination's directory at once, so that an unwritable
/// destination fails before anything else happens, and [`PendingWrite::commit`] renames it over
/// the destination at the end. Dropped without a commit, the temporary file is removed and the
/// destination is untouched.
#[derive(Debug)]
pub struct PendingWrite {
    path: PathBuf,
    dir: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl PendingWrite {
    /// Creates the temporary file beside `path`.
    pub fn create(path: &Path) -> std::io::Result<PendingWrite> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}{TEMP_INFIX}");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(TEMP_SUFFIX);
        // tempfile creates private files; a new file gets the mode any other program would give
        // it (0666 less the umask), an existing one keeps its own (set at commit).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        // A missing directory is told by the OS in its own words.
        std::fs::metadata(&dir)?;
        if path.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        let temp = builder.tempfile_in(&dir).map_err(|e| os_error_alone(&e))?;
        Ok(PendingWrite {
            path: path.to_owned(),
            dir,
            temp,
        })
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes`, flushes them to disk and renames the file over the destination, so a
    /// reader (or a crash) sees either the old or the new content. The destination's
    /// permissions are kept when it already exists.
    pub fn commit(mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.temp.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(&self.path) {
            self.temp.as_file().set_permissions(meta.permissions())?;
        }
        self.temp.as_file().sync_all()?;
        self.temp.persist(&self.path).map_err(|e| e.error)?;
        sync_dir(&self.dir);
        Ok(())
    }
}

/// tempfile's error without the temporary file's random name, which means nothing to the
/// reader: its kind is what matters ("permission denied").
fn os_error_alone(error: &std::io::Error) -> std::io::Error {
    match error.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::from(error.kind()),
    }
}

/// Temporary files are named `.<file name>.cargo-tune.<random>.tmp`, so that a killed process's
/// leftovers can be recognised and removed.
const TEMP_INFIX: &str = ".cargo-tune.";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically (see [`PendingWrite`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    PendingWrite::create(path)?.commit(bytes)
}

/// Removes temporary files that [`write_atomic`] left next to `path` when its process was killed
/// between creating and renaming them. Best effort.
pub fn remove_stale_temp_files(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!(".{}{TEMP_INFIX}", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename durable. Best effort: not every platform or filesystem supports it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Size and modification time (nanoseconds since the epoch) of `path`, without reading it: what
/// tells cargo-tune that a file it read or remembered has changed since.
pub fn file_stamp(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((meta.len(), mtime.as_nanos()))
}

/// Why a document could not be read; the message fits "failed to read {path}: {message}".
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file is not there.
    #[error("no such file")]
    Absent,
    /// The file could not be read, or is not the document expected.
    #[error("{0}")]
    Invalid(String),
}

/// A file's text; a missing file is [`ReadError::Absent`].
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    read_if_exists(path)
        .map_err(|e| ReadError::Invalid(e.to_string()))?
        .ok_or(ReadError::Absent)
}

/// A file's text; `None` when there is no such file.
pub fn read_if_exists(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A JSON document cargo-tune wrote (`what` names the command that writes it), of this format
/// version.
pub fn read_document<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    format_version: impl Fn(&T) -> u32,
) -> Result<T, ReadError> {
    let text = read_text(path)?;
    let report: T = serde_json::from_str(&text)
        .map_err(|e| ReadError::Invalid(format!("not a {what} document: {e}")))?;
    let version = format_version(&report);
    if version != cargo_tune_schema::FORMAT_VERSION {
        return Err(ReadError::Invalid(format!(
            "format_version {version} is not {}",
            cargo_tune_schema::FORMAT_VERSION
        )));
    }
    Ok(report)
}

/// FNV-1a, 64 bits, in hex: enough to notice that a file changed, without a dependency.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_keeps_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        write_atomic(&path, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_gets_the_usual_mode_and_an_uncommitted_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let pending = PendingWrite::create(&path).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(pending);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        write_atomic(&path, b"{}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            // Readable by others unless the umask forbids it, never private by accident.
            assert_eq!(mode & 0o600, 0o600);
            assert!(mode & 0o044 != 0 || umask_forbids_read(), "{mode:o}");
        }
    }

    #[cfg(unix)]
    fn umask_forbids_read() -> bool {
        let probe = tempfile::tempdir().unwrap();
        let file = probe.path().join("probe");
        std::fs::File::create(&file).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o044 == 0
    }

    #[test]
    fn failure_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir/Cargo.toml");
        let err = write_atomic(&missing, b"x").unwrap_err();
        assert!(!err.to_string().contains(".tmp"), "{err}");
        assert!(
            PendingWrite::create(dir.path()).is_err(),
            "a directory is no destination"
        );
    }
}
