//! The pallet's logic, one part per file.

mod close;

#[cfg(test)]
pub(crate) use close::{tally, Tally};
mod deadlines;
mod draw;
#[cfg(any(test, feature = "try-runtime"))]
mod invariants;
mod open;
mod params;
mod votes;
