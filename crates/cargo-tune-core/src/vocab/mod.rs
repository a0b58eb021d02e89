//! The words every layer speaks: the build scenarios cargo-tune measures and the linkers it can
//! switch to.

mod linker;
mod scenario;

pub use linker::Linker;
pub use scenario::Scenario;
