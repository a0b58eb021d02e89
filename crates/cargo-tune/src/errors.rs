//! The errors a user can expect: the engine's [`Failure`], each with a documented exit code.

pub(crate) use cargo_tune_core::vocab::Failure as ExpectedError;
