//! The pallet's logic, one file per capability.

mod invariants;
mod lifecycle;
mod queries;
mod register;
mod registry;
