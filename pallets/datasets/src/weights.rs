//! Weights for pallet_datasets.
//! PROVISIONAL until replaced by `benchmark pallet` output (see docs/BUILD.md).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, RuntimeDbWeight, Weight}};

pub trait WeightInfo {
	fn register(p: u32) -> Weight;
	fn upload_piece(b: u32) -> Weight;
	fn update_metadata() -> Weight;
	fn retire(p: u32) -> Weight;
}

fn register(db: RuntimeDbWeight, p: u32) -> Weight {
	Weight::from_parts(50_000_000, 4000)
		.saturating_add(Weight::from_parts(100_000, 0).saturating_mul(p.into()))
		.saturating_add(db.reads_writes(2, 4))
}
fn upload_piece(db: RuntimeDbWeight, b: u32) -> Weight {
	Weight::from_parts(40_000_000, 40000)
		.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(b.into()))
		.saturating_add(db.reads_writes(3, 2))
}
fn update_metadata(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(40_000_000, 4000).saturating_add(db.reads_writes(3, 2))
}
fn retire(db: RuntimeDbWeight, p: u32) -> Weight {
	Weight::from_parts(50_000_000, 4000)
		.saturating_add(db.writes(1).saturating_mul(p.into()))
		.saturating_add(db.reads_writes(2, 4))
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(p: u32) -> Weight { register(T::DbWeight::get(), p) }
	fn upload_piece(b: u32) -> Weight { upload_piece(T::DbWeight::get(), b) }
	fn update_metadata() -> Weight { update_metadata(T::DbWeight::get()) }
	fn retire(p: u32) -> Weight { retire(T::DbWeight::get(), p) }
}

impl WeightInfo for () {
	fn register(p: u32) -> Weight { register(ParityDbWeight::get(), p) }
	fn upload_piece(b: u32) -> Weight { upload_piece(ParityDbWeight::get(), b) }
	fn update_metadata() -> Weight { update_metadata(ParityDbWeight::get()) }
	fn retire(p: u32) -> Weight { retire(ParityDbWeight::get(), p) }
}
