//! A cargo home of cargo-tune's own beside the user's, so that read-only resolves run side by
//! side.
//!
//! cargo lets one process at a time resolve with a cargo home: each holds the home's
//! package-cache lock while it reads the index and the packages' sources. Two unit graphs asked
//! of one home take as long as both. A side home links every entry of the user's home but the
//! lock files, so a cargo run there takes a lock of its own and reads the same registry and git
//! checkouts. That is safe only for a run that writes nothing there: the caller asks for one
//! when every package's sources are already on disk, and the run is `--offline --locked`, so
//! that cargo fails rather than fetches, unpacks or rewrites the lockfile. A run that fails
//! there is run again with the user's home.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::CargoCli;

/// Entries of a cargo home a side home does not link: the package-cache lock files (the point
/// of a side home), and the database of when each cached file was last used, which cargo
/// writes under that lock.
const NOT_LINKED: &[&str] = &[".package-cache", ".global-cache"];

/// A prepared side home.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideHome {
    path: PathBuf,
}

impl SideHome {
    /// Links the entries of `home` into `dir`, creating it, for cargo runs from `cwd`. `None`
    /// where links cannot be made, or where the home's configuration would be read from another
    /// place: cargo resolves a configuration file's relative paths against the directory above
    /// its `.cargo`, so the home's `config.toml` is left out when cargo reaches it from `cwd`
    /// anyway (as `~/.cargo` from anywhere below `~`), and a home configuration cargo reaches
    /// only as the home's is not moved at all.
    pub fn prepare(dir: &Path, home: &Path, cwd: &Path) -> Option<SideHome> {
        // Links to a relative home would resolve against the side home's directory.
        let home = std::path::absolute(home).ok()?;
        if !cfg!(unix) || !home.is_dir() {
            return None;
        }
        let on_walk = cwd.ancestors().any(|a| a.join(".cargo") == home);
        let mut wanted: Vec<(OsString, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(&home).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let text = name.to_string_lossy();
            if NOT_LINKED.iter().any(|p| text.starts_with(p)) {
                continue;
            }
            if matches!(text.as_ref(), "config" | "config.toml") {
                if on_walk {
                    continue;
                }
                return None;
            }
            wanted.push((name, entry.path()));
        }
        std::fs::create_dir_all(dir).ok()?;
        // Links made by an earlier run are kept as they are (a concurrent run may be reading
        // through them); one the home no longer has is removed.
        for entry in std::fs::read_dir(dir).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let is_link = entry.file_type().ok()?.is_symlink();
            if is_link && !wanted.iter().any(|(n, _)| *n == name) {
                std::fs::remove_file(entry.path()).ok()?;
            }
        }
        for (name, target) in &wanted {
            let link = dir.join(name);
            match std::fs::read_link(&link) {
                Ok(now) if now == *target => {}
                Ok(_) => {
                    std::fs::remove_file(&link).ok()?;
                    symlink(target, &link)?;
                }
                Err(_) => symlink(target, &link)?,
            }
        }
        Some(SideHome {
            path: dir.to_owned(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `cli` run in this home, offline and locked so that it writes nothing. Cargo cleans its
    /// caches now and then from what its database says was used; this home's database sees
    /// only its own runs, so cleaning is off here.
    pub fn run_in(&self, cli: CargoCli) -> CargoCli {
        cli.writing_nothing()
            .env("CARGO_HOME", &self.path)
            .env("CARGO_CACHE_AUTO_CLEAN_FREQUENCY", "never")
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Option<()> {
    std::os::unix::fs::symlink(target, link).ok()
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> Option<()> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use cargo_tune_test_support::write;

    #[test]
    fn links_all_but_the_locks_and_follows_the_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home/.cargo");
        write(&home.join("registry/index/x"), "");
        write(&home.join(".package-cache"), "");
        write(&home.join(".package-cache-mutate"), "");
        write(&home.join(".global-cache"), "");
        write(&home.join("credentials.toml"), "");
        let side = dir.path().join("side");
        let cwd = dir.path().join("elsewhere");
        let prepared = SideHome::prepare(&side, &home, &cwd).unwrap();
        assert_eq!(prepared.path(), side);
        let mut names: Vec<String> = std::fs::read_dir(&side)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["credentials.toml", "registry"]);
        assert!(side.join("registry/index/x").is_file());

        // An entry gone from the home goes from the side home; one added appears.
        std::fs::remove_file(home.join("credentials.toml")).unwrap();
        write(&home.join("git/db/y"), "");
        SideHome::prepare(&side, &home, &cwd).unwrap();
        assert!(!side.join("credentials.toml").exists());
        assert!(side.join("git/db/y").is_file());
    }

    #[test]
    fn the_homes_configuration_is_never_read_from_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home/.cargo");
        write(&home.join("config.toml"), "[build]\njobs = 1\n");
        let side = dir.path().join("side");
        // Reached only as the home's: its relative paths would resolve against the side home.
        assert_eq!(
            SideHome::prepare(&side, &home, &dir.path().join("elsewhere")),
            None
        );
        // Reached by cargo's walk from the working directory anyway: not linked.
        let below = dir.path().join("home/project");
        SideHome::prepare(&side, &home, &below).unwrap();
        assert!(!side.join("config.toml").exists());
    }
}
