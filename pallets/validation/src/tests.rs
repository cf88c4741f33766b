//! Tests: opening a job, the committee's commit–reveal, the decision and its money, every failure path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod calls;
mod decisions;
mod helpers;
mod params;
mod property;
