//! Helpers shared by the unit tests.

use std::path::Path;

/// Writes a fixture file, creating its directory.
#[expect(
    clippy::disallowed_methods,
    reason = "test fixtures are written directly"
)]
pub(crate) fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a file in a directory")).expect("mkdir");
    std::fs::write(path, text).expect("write fixture");
}
