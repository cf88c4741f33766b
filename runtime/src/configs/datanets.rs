//! Datasets and DataNets: deposits and bounds.

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Permill;

use crate::{Balance, Balances, Datasets, Runtime, RuntimeHoldReason, DAYS, MICRO_OPEN, MILLI_OPEN, OPEN};

parameter_types! {
	/// Every dataset holds at least this (0.01 OPEN)…
	pub const DatasetDepositBase: Balance = 10 * MILLI_OPEN;
	/// …plus this per byte of state: a 1 KiB record holds ≈ 0.01 OPEN more.
	pub const DatasetDepositPerByte: Balance = 10 * MICRO_OPEN;
	/// Held from a DataNet's owner while it is open.
	pub const DataNetDeposit: Balance = OPEN;
	/// A dataset more than 90 % similar (MinHash) to a member of the DataNet is refused.
	pub NearDuplicateThreshold: Permill = Permill::from_percent(90);
	/// A day in blocks: the period of a DataNet policy's per-account daily limits.
	pub const DayLength: u32 = DAYS;
}

impl pallet_datasets::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DatasetDepositBase;
	type DepositPerByte = DatasetDepositPerByte;
	type MaxUriLen = ConstU32<256>;
	type MaxMetadataLen = ConstU32<1024>;
	/// 256 pieces of 64 KiB: inline datasets up to 16 MiB; larger ones go by URI.
	type MaxPieces = ConstU32<256>;
	type WeightInfo = pallet_datasets::weights::SubstrateWeight<Runtime>;
}

impl pallet_datanets::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Datasets = Datasets;
	type DataNetDeposit = DataNetDeposit;
	type MaxNameLen = ConstU32<64>;
	type MaxMetadataLen = ConstU32<1024>;
	type MaxCurators = ConstU32<16>;
	type MaxLicences = ConstU32<8>;
	type MaxDatasets = ConstU32<1000>;
	type MaxBucketLen = ConstU32<8>;
	type NearDuplicateThreshold = NearDuplicateThreshold;
	type DayLength = DayLength;
	/// Proposals to DataNets that validate open a job with the validation committees.
	type Validation = crate::Validation;
	type WeightInfo = pallet_datanets::weights::SubstrateWeight<Runtime>;
}
