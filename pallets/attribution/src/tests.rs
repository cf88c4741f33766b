//! Unit tests: every call's success and failure paths, the protocol's rounds, and a property test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod calls;
mod decline;
mod draws;
mod helpers;
mod property;
mod protocol;
mod retention;
