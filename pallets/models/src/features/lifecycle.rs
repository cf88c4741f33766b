//! Changing a model's fee and retiring it.

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Sets `model`'s fee per inference; `who` must own it and it must be active.
	///
	/// # Errors
	/// - [`Error::FeeTooLow`], [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::ModelRetired`].
	pub fn do_set_fee(who: T::AccountId, id: ModelId, fee: BalanceOf<T>) -> DispatchResult {
		ensure!(fee >= T::MinFee::get(), Error::<T>::FeeTooLow);
		Models::<T>::try_mutate(id, |model| {
			let model = Self::owned_active(model.as_mut(), &who)?;
			model.fee = fee;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::FeeChanged { model: id, fee });
		Ok(())
	}

	/// Retires `model` and releases its deposit; `who` must own it.
	///
	/// # Errors
	/// - [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::ModelRetired`].
	pub fn do_retire(who: T::AccountId, id: ModelId) -> DispatchResult {
		Models::<T>::try_mutate(id, |model| {
			let model = Self::owned_active(model.as_mut(), &who)?;
			T::Currency::release(&HoldReason::ModelDeposit.into(), &model.owner, model.deposit, Precision::Exact)?;
			model.status = ModelStatus::Retired;
			model.deposit = Default::default();
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ModelRetired { model: id });
		Ok(())
	}

	/// The model, if it exists, `who` owns it and it is active.
	///
	/// # Errors
	/// - [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::ModelRetired`].
	fn owned_active<'a>(model: Option<&'a mut Model<T>>, who: &T::AccountId) -> Result<&'a mut Model<T>, DispatchError> {
		let model = model.ok_or(Error::<T>::UnknownModel)?;
		ensure!(model.owner == *who, Error::<T>::NotOwner);
		ensure!(model.status == ModelStatus::Active, Error::<T>::ModelRetired);
		Ok(model)
	}

	/// The model `id` if it is active: what the attribution pallet serves requests for.
	pub fn active_model(id: ModelId) -> Option<Model<T>> {
		Models::<T>::get(id).filter(|model| model.status == ModelStatus::Active)
	}
}
