//! Pallet configuration: one file per concern.

mod attribution;
mod consensus;
mod currency;
mod datanets;
pub mod governance;
mod models;
mod rewards;
mod staking;
mod system;
mod validation;

#[cfg(test)]
pub(crate) use rewards::register_uri_dataset;
pub use consensus::BABE_GENESIS_EPOCH_CONFIG;
pub use staking::{treasury_account, TREASURY_PALLET_ID};
pub use currency::{LENGTH_FEE_PER_BYTE, WEIGHT_FEE_PER_PICOSECOND};
pub use system::RuntimeBlockWeights;
