//! Weights for `pallet_rewards` — replaced by `scripts/benchmark.sh` output.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weights of the calls of `pallet_rewards`.
pub trait WeightInfo {
	fn claim() -> Weight;
	fn set_split() -> Weight;
	fn pay(w: u32, ) -> Weight;
	fn on_session_end(v: u32, ) -> Weight;
}

/// Weights measured for `pallet_rewards`, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn claim() -> Weight { Weight::from_parts(60_000_000, 6000).saturating_add(T::DbWeight::get().reads_writes(4, 4)) }
	fn set_split() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1)) }
	fn pay(w: u32, ) -> Weight { Weight::from_parts(100_000_000, 6000).saturating_add(Weight::from_parts(20_000_000, 3000).saturating_mul(w.into())).saturating_add(T::DbWeight::get().reads_writes(6, 6)).saturating_add(T::DbWeight::get().reads_writes((3_u64).saturating_mul(w.into()), (2_u64).saturating_mul(w.into()))) }
	fn on_session_end(v: u32, ) -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(Weight::from_parts(5_000_000, 2600).saturating_mul(v.into())).saturating_add(T::DbWeight::get().reads_writes((1_u64).saturating_mul(v.into()), (1_u64).saturating_mul(v.into()))) }
}

impl WeightInfo for () {
	fn claim() -> Weight { Weight::from_parts(60_000_000, 6000).saturating_add(ParityDbWeight::get().reads_writes(4, 4)) }
	fn set_split() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(ParityDbWeight::get().writes(1)) }
	fn pay(w: u32, ) -> Weight { Weight::from_parts(100_000_000, 6000).saturating_add(Weight::from_parts(20_000_000, 3000).saturating_mul(w.into())).saturating_add(ParityDbWeight::get().reads_writes(6, 6)).saturating_add(ParityDbWeight::get().reads_writes((3_u64).saturating_mul(w.into()), (2_u64).saturating_mul(w.into()))) }
	fn on_session_end(v: u32, ) -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(Weight::from_parts(5_000_000, 2600).saturating_mul(v.into())).saturating_add(ParityDbWeight::get().reads_writes((1_u64).saturating_mul(v.into()), (1_u64).saturating_mul(v.into()))) }
}
