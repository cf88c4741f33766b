//! The pallet's logic, one file per capability.

mod close;
mod create;
mod curators;
mod deposits;
mod invariants;
mod membership;
mod near_duplicates;
mod proposals;
mod queries;
mod validation;
mod versions;
