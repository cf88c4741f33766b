//! The pallet's logic, one file per capability.

mod bonding;
mod candidacy;
mod election;
mod genesis;
mod invariants;
mod offences;
mod params;
mod slashing;
mod validator_set;

pub use offences::OffenderOf;
pub use params::SessionLengthOf;
