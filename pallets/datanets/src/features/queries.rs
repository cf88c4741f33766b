//! Reads for the runtime API (off-chain callers only: these iterate).

use openledger_primitives::dataset::{DataNetId, DatasetId, VersionNumber};
use sp_core::H256;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The members of `version` of `id` with their content hashes, in ascending dataset id.
	pub fn members_of_version(id: DataNetId, version: VersionNumber) -> alloc::vec::Vec<(DatasetId, H256)> {
		let mut members: alloc::vec::Vec<(DatasetId, H256)> = MembershipSpans::<T>::iter_prefix((id,))
			.filter(|((_, from), span)| *from <= version && span.until.is_none_or(|until| version < until))
			.map(|((dataset, _), span)| (dataset, span.content_hash))
			.collect();
		members.sort_unstable();
		members
	}

	/// A page of `members_of_version`: ids after `start_after`, at most `limit`.
	pub fn version_members_page(
		id: DataNetId,
		version: VersionNumber,
		start_after: Option<DatasetId>,
		limit: u32,
	) -> alloc::vec::Vec<DatasetId> {
		Self::members_of_version(id, version)
			.into_iter()
			.map(|(dataset, _)| dataset)
			.filter(|dataset| start_after.is_none_or(|after| *dataset > after))
			.take(limit as usize)
			.collect()
	}
}

impl<T: Config> openledger_primitives::dataset::DataNetVersions for Pallet<T> {
	fn version_exists(datanet: DataNetId, version: VersionNumber) -> bool {
		Versions::<T>::contains_key(datanet, version)
	}

	/// Reads the dataset's membership spans in this DataNet (one per time it joined): O(spans).
	fn is_member(datanet: DataNetId, version: VersionNumber, dataset: DatasetId) -> bool {
		MembershipSpans::<T>::iter_prefix((datanet, dataset))
			.any(|(from, span)| from <= version && span.until.is_none_or(|until| version < until))
	}
}

/// A DataNet as the runtime API returns it.
pub type DataNetViewOf<T> = openledger_primitives::dataset::DataNetView<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A DataNet version as the runtime API returns it.
pub type VersionViewOf<T> = openledger_primitives::dataset::VersionView<frame_system::pallet_prelude::BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
	/// DataNet `id` with its latest version, as apps read it.
	pub fn datanet_view(id: DataNetId) -> Option<DataNetViewOf<T>> {
		let datanet = DataNets::<T>::get(id)?;
		let latest = Versions::<T>::get(id, datanet.version);
		Some(openledger_primitives::dataset::DataNetView {
			id,
			owner: datanet.owner,
			name: datanet.name.into_inner(),
			metadata: datanet.metadata.into_inner(),
			curators: datanet.curators.into_inner(),
			status: datanet.status,
			deposit: datanet.deposit,
			version: datanet.version,
			root: latest.as_ref().map(|v| v.root).unwrap_or_default(),
			dataset_count: latest.as_ref().map_or(0, |v| v.dataset_count),
			open_proposals: datanet.open_proposals,
			allowed_licences: datanet.policy.allowed_licences.into_iter().map(|l| l.into_inner()).collect(),
			max_dataset_bytes: datanet.policy.max_dataset_bytes,
			max_datasets: datanet.policy.max_datasets,
			contribution_deposit: datanet.policy.contribution_deposit,
			max_proposals_per_day: datanet.policy.max_proposals_per_day,
			max_bytes_per_day: datanet.policy.max_bytes_per_day,
			validation: datanet.policy.validation.as_ref().map(Into::into),
			created_at: datanet.created_at,
		})
	}

	/// `version` of DataNet `id`, as apps read it.
	pub fn version_view(id: DataNetId, version: VersionNumber) -> Option<VersionViewOf<T>> {
		Versions::<T>::get(id, version).map(|info| openledger_primitives::dataset::VersionView {
			datanet: id,
			version,
			root: info.root,
			dataset_count: info.dataset_count,
			created_at: info.created_at,
		})
	}
}

/// A proposal as the runtime API returns it.
pub type ProposalViewOf<T> = openledger_primitives::dataset::ProposalView<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

impl<T: Config> Pallet<T> {
	/// The open proposal of `dataset` to `id`, with its validation, as apps and workers read it.
	pub fn proposal_view(id: DataNetId, dataset: DatasetId) -> Option<ProposalViewOf<T>> {
		let proposal = Proposals::<T>::get(id, dataset)?;
		Some(openledger_primitives::dataset::ProposalView {
			datanet: id,
			dataset,
			proposer: proposal.proposer,
			deposit: proposal.deposit,
			proposed_at: proposal.proposed_at,
			version: proposal.version,
			validation: proposal.validation,
		})
	}
}
