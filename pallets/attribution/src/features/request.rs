//! Asking a model a question.

use frame_support::{
	pallet_prelude::*,
	traits::{
		Get,
		fungible::{Mutate, MutateHold},
		tokens::Preservation,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	model::{ModelId, ModelRegistry},
	staking::SlashReason,
};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Records a request for `model` to answer `prompt`, moves the model's fee into escrow, holds the
	/// request's deposit (see [`Self::request_deposit`]) and schedules its server's draw (`DrawDelay` blocks
	/// later: see `features/assignment.rs`). Returns the request's id.
	///
	/// # Errors
	/// - [`Error::UnknownModel`], [`Error::ModelRetired`], [`Error::FeeAboveMax`], [`Error::NoValidators`],
	///   [`Error::InsufficientBalance`], [`Error::Overflow`].
	pub fn do_request_inference(
		requester: T::AccountId,
		model: ModelId,
		prompt: BoundedVec<u8, T::MaxPromptLen>,
		max_fee: BalanceOf<T>,
	) -> Result<RequestId, DispatchError> {
		let terms = T::Models::terms(model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(terms.active, Error::<T>::ModelRetired);
		ensure!(terms.fee <= max_fee, Error::<T>::FeeAboveMax);
		let id = NextRequestId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		ensure!(!Self::servable(&[]).is_empty(), Error::<T>::NoValidators);
		T::Currency::transfer(&requester, &Self::escrow_account(), terms.fee, Preservation::Preserve)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let deposit = Self::request_deposit(prompt.len());
		T::Currency::hold(&HoldReason::RequestDeposit.into(), &requester, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		let draw_at = Self::draw_block(now);
		let request = Request {
			requester: requester.clone(),
			model,
			model_owner: terms.owner,
			datanet: terms.datanet,
			version: terms.version,
			fee: terms.fee,
			created_at: now,
			server: None,
			assignments: 1,
			phase: Phase::Drawing { draw: Draw::Server, until: draw_at },
			verdict: None,
			challenge: None,
			deposit,
			retained_until: None,
		};
		Requests::<T>::insert(id, request);
		Self::move_deadline(id, None, draw_at);
		Prompts::<T>::insert(id, prompt);
		NextRequestId::<T>::put(next);
		Self::deposit_event(Event::InferenceRequested {
			request: id,
			requester,
			model,
			datanet: terms.datanet,
			version: terms.version,
			fee: terms.fee,
			draw_at,
		});
		Ok(id)
	}

	/// What a request with a prompt of `prompt_len` bytes holds until it is pruned: `RequestDepositBase` plus
	/// `RequestDepositPerByte` for each byte of the prompt and of the longest answer.
	pub fn request_deposit(prompt_len: usize) -> BalanceOf<T> {
		let bytes = u32::try_from(prompt_len).unwrap_or(u32::MAX).saturating_add(T::MaxOutputLen::get());
		T::RequestDepositBase::get().saturating_add(T::RequestDepositPerByte::get().saturating_mul(bytes.into()))
	}

	/// A server missed its deadline: it pays `absence_slash` and the next one is drawn, once; after that, or
	/// when no other validator can serve, the fee is refunded.
	pub(crate) fn on_response_timeout(id: RequestId, request: &mut Request<T>, now: BlockNumberFor<T>) {
		if let Some(server) = &request.server {
			Self::penalise(id, server, Self::params().absence_slash, SlashReason::Absent);
		}
		if request.assignments < 2 {
			// The deadline was fixed when the server was drawn, so this draw's randomness was unknown then too.
			let previous = request.server.clone();
			let next = previous.as_ref().and_then(|p| Self::draw_server(id, request.assignments, core::slice::from_ref(p)));
			if let (Some(previous), Some(server)) = (previous, next) {
				return Self::assign_replacement(id, request, previous, server, now);
			}
		}
		Self::refund(id, request, Closure::RefundedNoAnswer);
	}
}
