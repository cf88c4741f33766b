//! The pallet's logic, one file per capability.

mod deposit;
mod invariants;
mod metadata;
mod queries;
mod register;
mod registry;
mod retire;
mod upload;
