//! (in progress)

use super::{AnalysisCtx, FindingSink};

/// Runs this analysis.
pub fn run(_ctx: &AnalysisCtx<'_>, _sink: &mut FindingSink) {}
