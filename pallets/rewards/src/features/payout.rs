//! Sharing out an accepted answer's fee.

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::Mutate,
		tokens::Preservation,
		Get,
	},
};
use openledger_primitives::{
	attribution::Attribution,
	dataset::{DatasetId, DatasetRegistry},
	rewards::{AcceptedAnswer, AnswerPayout},
};
use sp_runtime::{Perbill, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Each credited dataset with its owner, or with `None` when the dataset no longer exists (its owner
	/// retired it while the answer waited for its challenge window). The attribution is valid by construction
	/// (whole, no repeats, bounded), so nothing here can fail.
	fn credited_owners(weights: &Attribution<T::MaxWeights>) -> Vec<(DatasetId, Option<T::AccountId>, Perbill)> {
		weights
			.shares()
			.iter()
			.map(|(dataset, bps)| (*dataset, T::Datasets::summary(*dataset).map(|s| s.owner), fraction(*bps)))
			.collect()
	}

	/// Credits `part` to `validators` in proportion to their shares (each rounded down); returns what was
	/// credited.
	fn credit_validators(validators: &[(T::AccountId, u32)], part: BalanceOf<T>) -> BalanceOf<T> {
		let total = validators.iter().fold(0u32, |sum, (_, shares)| sum.saturating_add(*shares));
		let mut paid = BalanceOf::<T>::default();
		if total == 0 {
			return paid;
		}
		for (validator, shares) in validators {
			let amount = Perbill::from_rational(*shares, total).mul_floor(part);
			if amount == BalanceOf::<T>::default() {
				continue;
			}
			paid = paid.saturating_add(amount);
			Pending::<T>::mutate(validator, |pending| *pending = pending.saturating_add(amount));
			Self::deposit_event(Event::ValidatorCredited { validator: validator.clone(), amount });
		}
		paid
	}

	/// Takes `answer.fee` from `payer` and shares it by the split: contributors by weight, the model's owner,
	/// the validators who earned it (by their shares), and the treasury (with every rounding remainder, and the share of any credited
	/// dataset that no longer exists: retiring a dataset forfeits its pending credit, it cannot cancel the
	/// payout — models need not pin their datasets, and owners stay free to retire them).
	///
	/// # Errors
	/// - [`Error::InsufficientBalance`].
	pub fn do_pay(
		payer: &T::AccountId,
		answer: &AcceptedAnswer<T::AccountId, BalanceOf<T>, T::MaxWeights>,
	) -> DispatchResult {
		let owners = Self::credited_owners(&answer.weights);
		let account = Self::account_id();
		let fee = answer.fee;
		T::Currency::transfer(payer, &account, fee, Preservation::Expendable)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let split = Split::<T>::get();
		let contributors_part = fraction(split.contributors).mul_floor(fee);
		let model_owner_part = fraction(split.model_owner).mul_floor(fee);
		let validators_part = fraction(split.validators).mul_floor(fee);

		let mut credited = BalanceOf::<T>::default();
		for (dataset, owner, share) in owners {
			let amount = share.mul_floor(contributors_part);
			let Some(owner) = owner else {
				Self::deposit_event(Event::ShareForfeited { dataset, amount });
				continue;
			};
			credited = credited.saturating_add(amount);
			Pending::<T>::mutate(&owner, |pending| *pending = pending.saturating_add(amount));
			DatasetEarnings::<T>::mutate(dataset, |e| {
				e.total = e.total.saturating_add(amount);
				e.answers = e.answers.saturating_add(1);
			});
			Self::deposit_event(Event::DatasetCredited { dataset, owner, amount });
		}
		DataNetEarnings::<T>::mutate(answer.datanet, |e| {
			e.total = e.total.saturating_add(credited);
			e.answers = e.answers.saturating_add(1);
		});
		Pending::<T>::mutate(&answer.model_owner, |pending| *pending = pending.saturating_add(model_owner_part));
		let validators_paid = Self::credit_validators(&answer.validators, validators_part);

		// The treasury's part and every remainder: what is left of the fee (with the validators' part when
		// nobody earned it).
		let treasury_part = fee.saturating_sub(credited).saturating_sub(model_owner_part).saturating_sub(validators_paid);
		T::Currency::transfer(&account, &T::Treasury::get(), treasury_part, Preservation::Preserve)?;
		Self::deposit_event(Event::AnswerPaid {
			datanet: answer.datanet,
			fee,
			contributors: credited,
			model_owner: model_owner_part,
			validators: validators_paid,
			treasury: treasury_part,
		});
		Ok(())
	}
}

impl<T: Config> AnswerPayout<T::AccountId, BalanceOf<T>, T::MaxWeights> for Pallet<T> {
	fn pay(payer: &T::AccountId, answer: &AcceptedAnswer<T::AccountId, BalanceOf<T>, T::MaxWeights>) -> DispatchResult {
		frame_support::storage::with_storage_layer(|| Self::do_pay(payer, answer))
	}
}
