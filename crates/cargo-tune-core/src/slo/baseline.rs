//! The committed baseline file: read before a check, written atomically by
//! `--update-baseline`.

use std::path::{Path, PathBuf};

use cargo_tune_schema::{FORMAT_VERSION, GuardBaseline};

/// Why the baseline could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Unreadable.
    #[error("read the baseline {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Not a baseline of this format version.
    #[error("read the baseline {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Unwritable.
    #[error("write the baseline {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// The baseline at `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<GuardBaseline>, BaselineError> {
    let read = crate::fsutil::read_if_exists(path).map_err(|source| BaselineError::Read {
        path: path.to_owned(),
        source,
    });
    let Some(text) = read? else {
        return Ok(None);
    };
    let baseline: GuardBaseline =
        serde_json::from_str(&text).map_err(|e| BaselineError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    if baseline.format_version != FORMAT_VERSION {
        return Err(BaselineError::Parse {
            path: path.to_owned(),
            message: format!(
                "format version {} is not {FORMAT_VERSION}; record it again with --update-baseline",
                baseline.format_version
            ),
        });
    }
    Ok(Some(baseline))
}

/// Writes `baseline` to `path` atomically, as pretty JSON (it is committed and reviewed).
pub fn write(path: &Path, baseline: &GuardBaseline) -> Result<(), BaselineError> {
    let mut bytes = serde_json::to_vec_pretty(baseline).map_err(|e| BaselineError::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    crate::fsutil::write_atomic(path, &bytes).map_err(|source| BaselineError::Write {
        path: path.to_owned(),
        source,
    })
}
