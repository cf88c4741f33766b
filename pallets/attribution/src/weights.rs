//! Weights for `pallet_attribution` — provisional, replaced by `scripts/benchmark.sh pallet_attribution`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weights of the calls of `pallet_attribution`.
pub trait WeightInfo {
	fn request_inference(p: u32, ) -> Weight;
	fn submit_result(w: u32, o: u32, ) -> Weight;
	fn commit() -> Weight;
	fn reveal(w: u32, ) -> Weight;
	fn challenge() -> Weight;
	fn set_params() -> Weight;
	fn response_timeout() -> Weight;
	fn close_round(c: u32, w: u32, ) -> Weight;
	fn settle(w: u32, ) -> Weight;
}

/// Weights measured for `pallet_attribution`, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn request_inference(_p: u32, ) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(8, 6)) }
	fn submit_result(_w: u32, _o: u32, ) -> Weight { Weight::from_parts(200_000_000, 40_000).saturating_add(T::DbWeight::get().reads_writes(30, 8)) }
	fn commit() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 4)) }
	fn reveal(_w: u32, ) -> Weight { Weight::from_parts(150_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(20, 4)) }
	fn challenge() -> Weight { Weight::from_parts(150_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(30, 6)) }
	fn set_params() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1)) }
	fn response_timeout() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 4)) }
	fn close_round(_c: u32, _w: u32, ) -> Weight { Weight::from_parts(2_000_000_000, 100_000).saturating_add(T::DbWeight::get().reads_writes(200, 150)) }
	fn settle(_w: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 50_000).saturating_add(T::DbWeight::get().reads_writes(200, 200)) }
}

impl WeightInfo for () {
	fn request_inference(_p: u32, ) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(8, 6)) }
	fn submit_result(_w: u32, _o: u32, ) -> Weight { Weight::from_parts(200_000_000, 40_000).saturating_add(ParityDbWeight::get().reads_writes(30, 8)) }
	fn commit() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 4)) }
	fn reveal(_w: u32, ) -> Weight { Weight::from_parts(150_000_000, 20_000).saturating_add(ParityDbWeight::get().reads_writes(20, 4)) }
	fn challenge() -> Weight { Weight::from_parts(150_000_000, 20_000).saturating_add(ParityDbWeight::get().reads_writes(30, 6)) }
	fn set_params() -> Weight { Weight::from_parts(10_000_000, 0).saturating_add(ParityDbWeight::get().writes(1)) }
	fn response_timeout() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 4)) }
	fn close_round(_c: u32, _w: u32, ) -> Weight { Weight::from_parts(2_000_000_000, 100_000).saturating_add(ParityDbWeight::get().reads_writes(200, 150)) }
	fn settle(_w: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 50_000).saturating_add(ParityDbWeight::get().reads_writes(200, 200)) }
}
