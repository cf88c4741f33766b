//! Versions: every change of membership makes version n+1 whose root commits to the exact member set.

use frame_support::pallet_prelude::*;
use openledger_primitives::{
	content::merkle_root,
	dataset::{DataNetId, DatasetId, VersionInfo, VersionNumber},
};
use sp_core::H256;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Records `version` of `id` for `members` (sorted by content hash) and returns its root.
	pub(crate) fn record_version(
		id: DataNetId,
		version: VersionNumber,
		members: &BoundedVec<(H256, DatasetId), T::MaxDatasets>,
	) -> H256 {
		let hashes: alloc::vec::Vec<H256> = members.iter().map(|(hash, _)| *hash).collect();
		// Members are kept sorted by content hash, so this is `content::version_root` without re-sorting.
		let root = merkle_root(&hashes);
		let dataset_count = members.len() as u32;
		Versions::<T>::insert(
			id,
			version,
			VersionInfo { root, dataset_count, created_at: frame_system::Pallet::<T>::block_number() },
		);
		root
	}

	/// Moves `datanet` to its next version with `members`, emitting `VersionCreated`.
	///
	/// # Errors
	/// - [`Error::Overflow`] if the version number would overflow.
	pub(crate) fn bump_version(
		id: DataNetId,
		datanet: &mut DataNetOf<T>,
		members: &BoundedVec<(H256, DatasetId), T::MaxDatasets>,
	) -> Result<VersionNumber, DispatchError> {
		let version = datanet.version.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let root = Self::record_version(id, version, members);
		datanet.version = version;
		Self::deposit_event(Event::VersionCreated { datanet: id, version, root, dataset_count: members.len() as u32 });
		Ok(version)
	}
}
