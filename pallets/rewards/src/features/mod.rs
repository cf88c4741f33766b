//! The pallet's logic, one file per capability.

mod account;
mod claim;
mod invariants;
mod payout;
