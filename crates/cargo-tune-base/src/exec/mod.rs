//! Running processes: the one supervised runner every measurement, workload and PGO step goes
//! through, the process-group and resource-accounting primitives under it, whole-tree memory
//! sampling, finding programs on `PATH`, and the checkouts and target directories a run starts
//! from.

pub mod checkout;
pub mod memory;
pub mod process;
pub mod stopwatch;
pub mod supervise;
pub mod which;

pub use supervise::{Finished, Keep, Supervision, run};
