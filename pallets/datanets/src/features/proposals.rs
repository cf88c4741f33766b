//! Proposing datasets, and withdrawing or rejecting proposals.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::{DailyLimit, DataNetId, DataNetStatus, DatasetId, DatasetRegistry};
use sp_runtime::SaturatedConversion;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Today, in the days of the policies' daily limits: the block number divided by `DayLength`.
	pub fn today() -> u32 {
		let now: u32 = frame_system::Pallet::<T>::block_number().saturated_into();
		now.checked_div(T::DayLength::get()).unwrap_or(0)
	}

	/// Proposes `dataset`, owned by `who`, to `id`, holding the policy's contribution deposit.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::DataNetClosed`], [`Error::UnknownDataset`].
	/// - [`Error::NotDatasetOwner`], [`Error::DatasetNotAvailable`] (inline pieces missing).
	/// - [`Error::LicenceNotAllowed`], [`Error::DatasetTooLarge`] (policy).
	/// - [`Error::AlreadyMember`], [`Error::AlreadyProposed`], [`Error::DataNetFull`].
	/// - [`Error::NearDuplicate`] if a member is too similar.
	/// - [`Error::DailyProposalLimitReached`], [`Error::DailyByteLimitReached`] (the policy's per-account daily
	///   limits; withdrawn and rejected proposals count).
	/// - [`Error::InsufficientBalance`] if `who` cannot cover the deposit.
	/// - On a DataNet that validates, the validation pallet's errors (no validator, the fee not covered).
	pub fn do_propose(who: T::AccountId, id: DataNetId, dataset: DatasetId) -> DispatchResult {
		let mut datanet = DataNets::<T>::get(id).ok_or(Error::<T>::UnknownDataNet)?;
		ensure!(datanet.status == DataNetStatus::Open, Error::<T>::DataNetClosed);
		let summary = T::Datasets::summary(dataset).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(summary.owner == who, Error::<T>::NotDatasetOwner);
		ensure!(summary.available, Error::<T>::DatasetNotAvailable);
		let licences = &datanet.policy.allowed_licences;
		ensure!(licences.is_empty() || licences.contains(&summary.licence), Error::<T>::LicenceNotAllowed);
		ensure!(summary.bytes <= datanet.policy.max_dataset_bytes, Error::<T>::DatasetTooLarge);
		ensure!(!MemberSince::<T>::contains_key(id, dataset), Error::<T>::AlreadyMember);
		ensure!(!Proposals::<T>::contains_key(id, dataset), Error::<T>::AlreadyProposed);
		ensure!((Members::<T>::decode_len(id).unwrap_or(0) as u32) < datanet.policy.max_datasets, Error::<T>::DataNetFull);
		Self::ensure_not_near_duplicate(id, dataset, &summary.sketch)?;
		let today = DailyContributions::<T>::get(id, &who)
			.unwrap_or_default()
			.on(Self::today())
			.add(&datanet.policy, summary.bytes)
			.map_err(|limit| match limit {
				DailyLimit::Proposals => Error::<T>::DailyProposalLimitReached,
				DailyLimit::Bytes => Error::<T>::DailyByteLimitReached,
			})?;

		let deposit = datanet.policy.contribution_deposit;
		datanet.open_proposals = datanet.open_proposals.checked_add(1).ok_or(Error::<T>::Overflow)?;
		Self::hold(HoldReason::ContributionDeposit, &who, deposit)?;
		let validation = Self::open_validation(&who, id, dataset, datanet.version, &datanet.policy.validation)?;
		T::Datasets::add_reference(dataset)?;
		Proposals::<T>::insert(
			id,
			dataset,
			Proposal {
				proposer: who.clone(),
				deposit,
				proposed_at: frame_system::Pallet::<T>::block_number(),
				version: datanet.version,
				validation,
			},
		);
		DataNets::<T>::insert(id, datanet);
		DailyContributions::<T>::insert(id, &who, today);
		Self::deposit_event(Event::DatasetProposed { datanet: id, dataset, proposer: who });
		Ok(())
	}

	/// Withdraws `who`'s proposal of `dataset` to `id`.
	///
	/// # Errors
	/// - [`Error::UnknownProposal`], [`Error::NotProposer`].
	pub fn do_withdraw(who: T::AccountId, id: DataNetId, dataset: DatasetId) -> DispatchResult {
		let proposal = Proposals::<T>::get(id, dataset).ok_or(Error::<T>::UnknownProposal)?;
		ensure!(proposal.proposer == who, Error::<T>::NotProposer);
		Self::close_proposal(id, dataset, &proposal)?;
		T::Datasets::remove_reference(dataset)?;
		Self::deposit_event(Event::ProposalWithdrawn { datanet: id, dataset });
		Ok(())
	}

	/// Rejects the proposal of `dataset` to `id`; `who` must curate `id`.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotCurator`], [`Error::UnknownProposal`].
	pub fn do_reject(who: T::AccountId, id: DataNetId, dataset: DatasetId, reason: u8) -> DispatchResult {
		Self::curated_by(id, &who)?;
		let proposal = Proposals::<T>::get(id, dataset).ok_or(Error::<T>::UnknownProposal)?;
		Self::close_proposal(id, dataset, &proposal)?;
		T::Datasets::remove_reference(dataset)?;
		Self::deposit_event(Event::DatasetRejected { datanet: id, dataset, curator: who, reason });
		Ok(())
	}

	/// Removes a decided or withdrawn proposal and returns its deposit. The dataset reference is the
	/// caller's to keep (approval) or drop.
	pub(crate) fn close_proposal(id: DataNetId, dataset: DatasetId, proposal: &ProposalOf<T>) -> DispatchResult {
		DataNets::<T>::try_mutate(id, |datanet| {
			let datanet = datanet.as_mut().ok_or(Error::<T>::UnknownDataNet)?;
			datanet.open_proposals = datanet.open_proposals.checked_sub(1).ok_or(Error::<T>::Overflow)?;
			Ok::<_, DispatchError>(())
		})?;
		Self::release(HoldReason::ContributionDeposit, &proposal.proposer, proposal.deposit)?;
		Proposals::<T>::remove(id, dataset);
		Ok(())
	}
}
