//! (in progress)

use super::{AnalysisCtx, FindingSink};

/// Runs this analysis.
pub fn run(_ctx: &AnalysisCtx<'_>, _sink: &mut FindingSink) {}

/// Every profile after inheritance and defaults.
pub fn effective_profiles(
    _model: &crate::workspace::WorkspaceModel,
) -> Vec<cargo_tune_schema::EffectiveProfile> {
    Vec::new()
}
