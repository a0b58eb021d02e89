//! (in progress)

use super::{AnalysisCtx, FindingSink};

/// Runs this analysis.
pub fn run(_ctx: &AnalysisCtx<'_>, _sink: &mut FindingSink) {}

/// Facts about the toolchain for the report.
pub fn summary(_ctx: &AnalysisCtx<'_>) -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::new()
}
