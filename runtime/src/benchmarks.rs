//! The pallets whose weights are measured with `frame-benchmarking` (node built with
//! `--features runtime-benchmarks`, see docs/BUILD.md).

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_datasets, Datasets]
	[pallet_datanets, DataNets]
	[pallet_validator_staking, ValidatorStaking]
	[pallet_models, Models]
	[pallet_rewards, Rewards]
	[pallet_attribution, Attribution]
	[pallet_validation, Validation]
);
