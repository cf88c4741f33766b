//! Weights for `pallet_validator_staking` — replaced by `scripts/benchmark.sh` output.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weights of the calls of `pallet_validator_staking`.
pub trait WeightInfo {
	fn bond() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn validate() -> Weight;
	fn chill() -> Weight;
	fn set_session_params() -> Weight;
	fn elect(c: u32, ) -> Weight;
	fn force_slash(c: u32, ) -> Weight;
}

/// Weights measured for `pallet_validator_staking`, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn bond() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn bond_extra() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
	fn unbond() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(4, 2)) }
	fn withdraw_unbonded(c: u32, ) -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(Weight::from_parts(100_000, 0).saturating_mul(c.into())).saturating_add(T::DbWeight::get().reads_writes(4, 4)) }
	fn validate() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(6, 5)) }
	fn chill() -> Weight { Weight::from_parts(20_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(2, 2)) }
	fn set_session_params() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(2)) }
	fn elect(c: u32, ) -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into())).saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(c.into()))) }
	fn force_slash(c: u32, ) -> Weight { Weight::from_parts(60_000_000, 4000).saturating_add(Weight::from_parts(100_000, 0).saturating_mul(c.into())).saturating_add(T::DbWeight::get().reads_writes(5, 5)) }
}

impl WeightInfo for () {
	fn bond() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(3, 3)) }
	fn bond_extra() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(3, 3)) }
	fn unbond() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(4, 2)) }
	fn withdraw_unbonded(c: u32, ) -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(Weight::from_parts(100_000, 0).saturating_mul(c.into())).saturating_add(ParityDbWeight::get().reads_writes(4, 4)) }
	fn validate() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(6, 5)) }
	fn chill() -> Weight { Weight::from_parts(20_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(2, 2)) }
	fn set_session_params() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(ParityDbWeight::get().writes(2)) }
	fn elect(c: u32, ) -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into())).saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(c.into()))) }
	fn force_slash(c: u32, ) -> Weight { Weight::from_parts(60_000_000, 4000).saturating_add(Weight::from_parts(100_000, 0).saturating_mul(c.into())).saturating_add(ParityDbWeight::get().reads_writes(5, 5)) }
}
