//! Registering a model.

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, Get},
};
use openledger_primitives::dataset::DataNetVersions;
use sp_core::H256;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Registers a model owned by `owner` after checking its manifest against the DataNet version, and holds
	/// the deposit. Returns the new model's id.
	///
	/// # Errors
	/// - [`Error::NoDatasets`], [`Error::DatasetsNotSorted`], [`Error::UnknownDataNetVersion`],
	///   [`Error::DatasetNotInVersion`], [`Error::FeeTooLow`], [`Error::InsufficientBalance`], [`Error::Overflow`].
	pub fn do_register(
		owner: T::AccountId,
		base_model: H256,
		adapter: Option<H256>,
		manifest: Manifest<T>,
		fee: BalanceOf<T>,
		metadata: BoundedVec<u8, T::MaxMetadataLen>,
	) -> Result<ModelId, DispatchError> {
		Self::check_manifest(&manifest)?;
		ensure!(fee >= T::MinFee::get(), Error::<T>::FeeTooLow);
		let id = NextModelId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let deposit = T::ModelDeposit::get();
		T::Currency::hold(&HoldReason::ModelDeposit.into(), &owner, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let (datanet, version) = (manifest.datanet, manifest.version);
		Models::<T>::insert(
			id,
			Model {
				owner: owner.clone(),
				base_model,
				adapter,
				manifest,
				fee,
				metadata,
				status: ModelStatus::Active,
				deposit,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		NextModelId::<T>::put(next);
		Self::deposit_event(Event::ModelRegistered { model: id, owner, datanet, version });
		Ok(id)
	}

	/// Checks that the manifest lists datasets of its DataNet version, ascending and without repeats.
	///
	/// # Errors
	/// - [`Error::NoDatasets`], [`Error::DatasetsNotSorted`], [`Error::UnknownDataNetVersion`],
	///   [`Error::DatasetNotInVersion`].
	fn check_manifest(manifest: &Manifest<T>) -> DispatchResult {
		ensure!(!manifest.datasets.is_empty(), Error::<T>::NoDatasets);
		ensure!(manifest.datasets.windows(2).all(|w| matches!(w, [a, b] if a < b)), Error::<T>::DatasetsNotSorted);
		ensure!(T::DataNets::version_exists(manifest.datanet, manifest.version), Error::<T>::UnknownDataNetVersion);
		ensure!(
			manifest.datasets.iter().all(|d| T::DataNets::is_member(manifest.datanet, manifest.version, *d)),
			Error::<T>::DatasetNotInVersion
		);
		Ok(())
	}
}
