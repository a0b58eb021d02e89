//! Requirements on a duplicated package, and the releases of its parents that admit the newest
//! version, from cargo's local index cache.

use semver::{Version, VersionReq};

use crate::cargo::metadata::Package;
use crate::workspace::RegistryIndex;

use super::*;

/// How one dependent asks for one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The requirements it declares for that package that select this version (several when it
    /// is, say, both a normal and a build dependency).
    pub reqs: Vec<VersionReq>,
}

impl Requirement {
    /// Whether every requirement also admits `version` (and there is at least one).
    pub fn admits(&self, version: &Version) -> bool {
        !self.reqs.is_empty() && self.reqs.iter().all(|r| r.matches(version))
    }

    pub(super) fn display(&self) -> String {
        if self.reqs.is_empty() {
            return "?".to_owned();
        }
        self.reqs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The requirements `parent` declares on `child` (by package name and source) that `child`'s
/// version satisfies.
pub fn requirement_on(parent: &Package, child: &Package) -> Requirement {
    let mut reqs: Vec<VersionReq> = parent
        .dependencies
        .iter()
        .filter(|d| {
            d.name == child.name.as_str() && same_source(d.source.as_ref(), child.source.as_ref())
        })
        .filter(|d| {
            d.path
                .as_deref()
                .is_none_or(|path| child.manifest_path.parent() == Some(path))
        })
        .filter(|d| d.req.matches(&child.version))
        .map(|d| d.req.clone())
        .collect();
    reqs.dedup();
    Requirement { reqs }
}

/// A newer release of a blocking parent whose requirement admits the wanted version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParentRelease {
    /// The release.
    pub version: Version,
    /// Whether `cargo update` can reach it without any manifest edit (semver-compatible).
    pub compatible: bool,
    /// Whether it no longer depends on the package at all.
    pub drops_dependency: bool,
}

/// The oldest release of `parent` newer than `current` (and not yanked or pre-release) whose
/// non-dev requirements on `child` admit `wanted`, preferring a semver-compatible one.
pub fn unblocking_release(
    index: &RegistryIndex,
    parent: &str,
    current: &Version,
    child: &str,
    wanted: &Version,
) -> Option<ParentRelease> {
    let key = format!("unblock {parent}@{current} {child}@{wanted}");
    index.memoized(parent, &key, || {
        let compatible_req = VersionReq::parse(&format!("^{current}")).ok()?;
        let mut candidates: Vec<ParentRelease> = index
            .releases_where(parent, |v| v > current && v.pre.is_empty())
            .into_iter()
            .filter(|r| !r.yanked)
            .filter_map(|r| {
                let on_child: Vec<_> = r
                    .deps
                    .iter()
                    .filter(|d| d.package == child && d.kind != "dev")
                    .collect();
                on_child
                    .iter()
                    .all(|d| d.req.matches(wanted))
                    .then(|| ParentRelease {
                        compatible: compatible_req.matches(&r.version),
                        drops_dependency: on_child.is_empty(),
                        version: r.version,
                    })
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.compatible
                .cmp(&a.compatible)
                .then_with(|| a.version.cmp(&b.version))
        });
        candidates.into_iter().next()
    })
}
