//! Approving proposals and removing members; each makes a new version.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::{DataNetId, DatasetId, DatasetRegistry};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Approves the proposal of `dataset` to `id`; `who` must curate `id`. Returns the member count.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotCurator`], [`Error::UnknownProposal`].
	/// - [`Error::UnknownDataset`] if the dataset vanished (it cannot while referenced).
	/// - [`Error::ValidationPending`], [`Error::NotValidated`], [`Error::ScoreTooLow`] (the validation policy).
	/// - [`Error::DataNetFull`], [`Error::NearDuplicate`], [`Error::BucketFull`].
	pub fn do_approve(who: T::AccountId, id: DataNetId, dataset: DatasetId) -> Result<u32, DispatchError> {
		let mut datanet = Self::curated_by(id, &who)?;
		let proposal = Proposals::<T>::get(id, dataset).ok_or(Error::<T>::UnknownProposal)?;
		Self::ensure_validated(&datanet.policy.validation, &proposal)?;
		let summary = T::Datasets::summary(dataset).ok_or(Error::<T>::UnknownDataset)?;
		let mut members = Members::<T>::get(id);
		ensure!((members.len() as u32) < datanet.policy.max_datasets, Error::<T>::DataNetFull);
		Self::ensure_not_near_duplicate(id, dataset, &summary.sketch)?;

		let entry = (summary.content_hash, dataset);
		let position = members.binary_search(&entry).unwrap_or_else(|p| p);
		members.try_insert(position, entry).map_err(|_| Error::<T>::DataNetFull)?;
		Self::add_to_buckets(id, dataset, &summary.sketch)?;

		let version = Self::bump_version(id, &mut datanet, &members)?;
		datanet.open_proposals = datanet.open_proposals.checked_sub(1).ok_or(Error::<T>::Overflow)?;
		Self::release(HoldReason::ContributionDeposit, &proposal.proposer, proposal.deposit)?;
		Proposals::<T>::remove(id, dataset);
		MemberSince::<T>::insert(id, dataset, version);
		MembershipSpans::<T>::insert((id, dataset, version), MemberSpan { content_hash: summary.content_hash, until: None });
		let count = members.len() as u32;
		Members::<T>::insert(id, members);
		DataNets::<T>::insert(id, datanet);
		Self::deposit_event(Event::DatasetApproved { datanet: id, dataset, curator: who });
		Ok(count)
	}

	/// Removes member `dataset` from `id`; `who` must curate `id` or own the dataset. Returns the number
	/// of members before removal.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotMember`], [`Error::NotCurator`].
	pub fn do_remove_dataset(who: T::AccountId, id: DataNetId, dataset: DatasetId) -> Result<u32, DispatchError> {
		let mut datanet = DataNets::<T>::get(id).ok_or(Error::<T>::UnknownDataNet)?;
		let since = MemberSince::<T>::get(id, dataset).ok_or(Error::<T>::NotMember)?;
		let summary = T::Datasets::summary(dataset).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(datanet.curators.contains(&who) || summary.owner == who, Error::<T>::NotCurator);

		let mut members = Members::<T>::get(id);
		let count = members.len() as u32;
		members.retain(|(_, member)| *member != dataset);
		Self::remove_from_buckets(id, dataset, &summary.sketch);
		let version = Self::bump_version(id, &mut datanet, &members)?;
		MemberSince::<T>::remove(id, dataset);
		MembershipSpans::<T>::insert(
			(id, dataset, since),
			MemberSpan { content_hash: summary.content_hash, until: Some(version) },
		);
		T::Datasets::remove_reference(dataset)?;
		Members::<T>::insert(id, members);
		DataNets::<T>::insert(id, datanet);
		Self::deposit_event(Event::DatasetRemoved { datanet: id, dataset });
		Ok(count)
	}
}
