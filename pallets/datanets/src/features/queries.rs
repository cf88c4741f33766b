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
