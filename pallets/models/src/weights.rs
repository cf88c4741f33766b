//! Weights for `pallet_models` — replaced by `scripts/benchmark.sh` output.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weights of the calls of `pallet_models`.
pub trait WeightInfo {
	fn register(d: u32, ) -> Weight;
	fn set_fee() -> Weight;
	fn retire() -> Weight;
}

/// Weights measured for `pallet_models`, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(d: u32, ) -> Weight { Weight::from_parts(60_000_000, 6000).saturating_add(Weight::from_parts(5_000_000, 3000).saturating_mul(d.into())).saturating_add(T::DbWeight::get().reads_writes(4, 4)).saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(d.into()))) }
	fn set_fee() -> Weight { Weight::from_parts(20_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1)) }
	fn retire() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3)) }
}

impl WeightInfo for () {
	fn register(d: u32, ) -> Weight { Weight::from_parts(60_000_000, 6000).saturating_add(Weight::from_parts(5_000_000, 3000).saturating_mul(d.into())).saturating_add(ParityDbWeight::get().reads_writes(4, 4)).saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(d.into()))) }
	fn set_fee() -> Weight { Weight::from_parts(20_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(1, 1)) }
	fn retire() -> Weight { Weight::from_parts(50_000_000, 4000).saturating_add(ParityDbWeight::get().reads_writes(3, 3)) }
}
