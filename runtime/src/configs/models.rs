//! The model registry: deposits and bounds.

use frame_support::{parameter_types, traits::ConstU32};

use crate::{Balance, Balances, DataNets, Runtime, RuntimeHoldReason, MILLI_OPEN, OPEN};

parameter_types! {
	/// Held from a model's owner while the model is active.
	pub const ModelDeposit: Balance = 10 * OPEN;
	/// 0.01 OPEN per answer at least (about 17 transaction fees): an answer costs the server a generation and
	/// its committee as many recomputations.
	pub const MinInferenceFee: Balance = 10 * MILLI_OPEN;
}

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DataNets = DataNets;
	type ModelDeposit = ModelDeposit;
	type MinFee = MinInferenceFee;
	/// As many as a DataNet may hold.
	type MaxDatasets = ConstU32<1000>;
	type MaxMetadataLen = ConstU32<1024>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkVersions;
}

/// Makes a DataNet version for the model benchmarks by writing the DataNets pallet's version and membership
/// records directly (under a DataNet id no real DataNet uses): what `register` reads is what is measured.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkVersions;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_models::BenchmarkHelper for BenchmarkVersions {
	fn version_with(
		datasets: u32,
	) -> (
		openledger_primitives::dataset::DataNetId,
		openledger_primitives::dataset::VersionNumber,
		alloc::vec::Vec<openledger_primitives::dataset::DatasetId>,
	) {
		use openledger_primitives::dataset::VersionInfo;
		let (datanet, version) = (u32::MAX, 1);
		pallet_datanets::Versions::<Runtime>::insert(
			datanet,
			version,
			VersionInfo { root: Default::default(), dataset_count: datasets, created_at: 0 },
		);
		let members: alloc::vec::Vec<u64> = (0..u64::from(datasets)).collect();
		for dataset in &members {
			pallet_datanets::MembershipSpans::<Runtime>::insert(
				(datanet, *dataset, 0),
				pallet_datanets::MemberSpan { content_hash: Default::default(), until: None },
			);
		}
		(datanet, version, members)
	}
}
