//! Whole-build peak memory: the sum of the resident set sizes of every live process of the
//! build, sampled, and never below the largest single process the kernel accounted. `getrusage` only knows the largest single process, and creating a cgroup
//! (whose `memory.peak` would be exact) is not something a build tool may do on a shared host.

#[cfg(target_os = "linux")]
mod linux;

use cargo_tune_schema::MemoryMethod;

/// Interval between samples. Short enough to catch rustc processes that live a fraction of a
/// second, long enough that sampling costs well under 1 % of one core.
pub const SAMPLE_INTERVAL_MS: u64 = 50;

/// The whole build's peak: the sampled peak, but never less than the largest single process
/// (from the kernel's accounting), which a sample can miss when the process lives between two
/// samples. A tree holds that process, so its peak is at least that process's.
pub fn whole_tree_peak(sampled: Option<u64>, largest_process: Option<u64>) -> Option<u64> {
    match (sampled, largest_process) {
        (Some(s), Some(l)) => Some(s.max(l)),
        (s, l) => s.or(l),
    }
}

/// One sample of a process tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeSample {
    /// Processes seen, the root included.
    pub processes: usize,
    /// Sum of their resident set sizes, bytes.
    pub total_rss: u64,
    /// The largest of them, bytes.
    pub max_rss: u64,
}

/// Samples the tree under one root process.
#[derive(Debug)]
pub struct TreeSampler {
    #[cfg_attr(
        not(target_os = "linux"),
        expect(dead_code, reason = "only Linux samples")
    )]
    root: u32,
    #[cfg(target_os = "linux")]
    inner: linux::Sampler,
}

impl TreeSampler {
    /// A sampler for the tree rooted at `root`.
    pub fn new(root: u32) -> Self {
        TreeSampler {
            root,
            #[cfg(target_os = "linux")]
            inner: linux::Sampler::new(),
        }
    }

    /// How this platform measures, for the report.
    pub fn method() -> MemoryMethod {
        if cfg!(target_os = "linux") {
            MemoryMethod {
                kind: "proc-tree-sampling".to_owned(),
                interval_ms: Some(SAMPLE_INTERVAL_MS),
            }
        } else {
            MemoryMethod {
                kind: "none".to_owned(),
                interval_ms: None,
            }
        }
    }

    /// Takes one sample; `None` when the root is gone or the platform has no implementation.
    pub fn sample(&mut self) -> Option<TreeSample> {
        #[cfg(target_os = "linux")]
        {
            self.inner.sample(self.root)
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}
