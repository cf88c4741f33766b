//! Creating a DataNet.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::{DataNetId, DataNetStatus};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Creates a DataNet owned by `owner` at version 0 (empty), holding `DataNetDeposit`.
	///
	/// # Errors
	/// - [`Error::EmptyName`].
	/// - [`Error::InvalidPolicy`] if `max_datasets` is zero or above `MaxDatasets`.
	/// - [`Error::InvalidValidationPolicy`], [`Error::InvalidProbeSet`] (its validation policy).
	/// - [`Error::InsufficientBalance`] if `owner` cannot cover the deposit.
	pub fn do_create(
		owner: T::AccountId,
		name: BoundedVec<u8, T::MaxNameLen>,
		metadata: BoundedVec<u8, T::MaxMetadataLen>,
		policy: PolicyOf<T>,
	) -> Result<DataNetId, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(
			policy.max_datasets > 0 && policy.max_datasets <= T::MaxDatasets::get(),
			Error::<T>::InvalidPolicy
		);
		Self::check_validation_policy(&policy.validation)?;
		let id = NextDataNetId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let deposit = T::DataNetDeposit::get();
		Self::hold(HoldReason::DataNetDeposit, &owner, deposit)?;

		let curators = BoundedVec::try_from(alloc::vec![owner.clone()]).map_err(|_| Error::<T>::TooManyCurators)?;
		let datanet = DataNet {
			owner: owner.clone(),
			name,
			metadata,
			policy,
			curators,
			status: DataNetStatus::Open,
			deposit,
			version: 0,
			open_proposals: 0,
			created_at: frame_system::Pallet::<T>::block_number(),
		};
		let root = Self::record_version(id, 0, &Default::default());
		DataNets::<T>::insert(id, datanet);
		NextDataNetId::<T>::put(next);
		Self::deposit_event(Event::DataNetCreated { datanet: id, owner, root });
		Ok(id)
	}
}
