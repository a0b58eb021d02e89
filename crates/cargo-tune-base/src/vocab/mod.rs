//! The words every layer speaks: the build scenarios cargo-tune measures, the linkers it can
//! switch to, what a command tells its caller while it works, and how it fails.

mod cache_layout;
mod events;
mod failure;
mod linker;
mod scenario;

pub use cache_layout::CacheLayout;
pub use events::{Events, Progress, Quiet, RunLabel};
pub use failure::{Cause, Failure};
pub use linker::Linker;
pub use scenario::Scenario;
