//! Weights for pallet_datanets.
//! PROVISIONAL until replaced by `benchmark pallet` output (see docs/BUILD.md).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, RuntimeDbWeight, Weight}};

pub trait WeightInfo {
	fn create() -> Weight;
	fn add_curator() -> Weight;
	fn remove_curator() -> Weight;
	fn propose() -> Weight;
	fn approve(m: u32) -> Weight;
	fn reject() -> Weight;
	fn withdraw() -> Weight;
	fn remove_dataset(m: u32) -> Weight;
	fn close() -> Weight;
}

fn create_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(2, 3))
}
fn add_curator_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(1, 1))
}
fn remove_curator_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(1, 1))
}
fn propose_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(8, 4))
}
fn approve_weight(db: RuntimeDbWeight, m: u32) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(Weight::from_parts(50_000, 40).saturating_mul(m.into()))
		.saturating_add(db.reads_writes(24, 24))
}
fn reject_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(4, 4))
}
fn withdraw_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(4, 4))
}
fn remove_dataset_weight(db: RuntimeDbWeight, m: u32) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(Weight::from_parts(50_000, 40).saturating_mul(m.into()))
		.saturating_add(db.reads_writes(6, 24))
}
fn close_weight(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(60_000_000, 6000)
		.saturating_add(db.reads_writes(2, 2))
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create() -> Weight { create_weight(T::DbWeight::get()) }
	fn add_curator() -> Weight { add_curator_weight(T::DbWeight::get()) }
	fn remove_curator() -> Weight { remove_curator_weight(T::DbWeight::get()) }
	fn propose() -> Weight { propose_weight(T::DbWeight::get()) }
	fn approve(m: u32) -> Weight { approve_weight(T::DbWeight::get(), m) }
	fn reject() -> Weight { reject_weight(T::DbWeight::get()) }
	fn withdraw() -> Weight { withdraw_weight(T::DbWeight::get()) }
	fn remove_dataset(m: u32) -> Weight { remove_dataset_weight(T::DbWeight::get(), m) }
	fn close() -> Weight { close_weight(T::DbWeight::get()) }
}

impl WeightInfo for () {
	fn create() -> Weight { create_weight(ParityDbWeight::get()) }
	fn add_curator() -> Weight { add_curator_weight(ParityDbWeight::get()) }
	fn remove_curator() -> Weight { remove_curator_weight(ParityDbWeight::get()) }
	fn propose() -> Weight { propose_weight(ParityDbWeight::get()) }
	fn approve(m: u32) -> Weight { approve_weight(ParityDbWeight::get(), m) }
	fn reject() -> Weight { reject_weight(ParityDbWeight::get()) }
	fn withdraw() -> Weight { withdraw_weight(ParityDbWeight::get()) }
	fn remove_dataset(m: u32) -> Weight { remove_dataset_weight(ParityDbWeight::get(), m) }
	fn close() -> Weight { close_weight(ParityDbWeight::get()) }
}
