//! A server declining to answer: its model could not ground an answer in the DataNet (or cannot answer the
//! prompt at all). Nobody is paid for a declined request. The first decline does not refund at once: a second
//! server is drawn, `DrawDelay` blocks later (so the decliner cannot pick it by picking its block), and only
//! when it declines too is the fee refunded. An honest worker in validator mode decides bit-identically, so two
//! honest servers agree; one lazy or hostile server cannot deny an answer alone.

use frame_support::pallet_prelude::*;
use openledger_primitives::{attribution::DeclineReason, dataset::VersionNumber, model::ModelId};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Records that `id`'s server, signed by its worker key, declines to answer it for `reason`: the first
	/// time, a replacement server is drawn `DrawDelay` blocks later; the second time (or after a replacement
	/// for a timeout), the fee is refunded ([`Closure::Declined`]).
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`], [`Error::ProofMismatch`].
	pub fn do_decline(
		worker: T::AccountId,
		id: RequestId,
		model: ModelId,
		version: VersionNumber,
		reason: DeclineReason,
	) -> DispatchResult {
		let (mut request, server, until) = Self::awaiting(&worker, id, model, version)?;
		Self::deposit_event(Event::Declined { request: id, server, reason });
		if request.assignments < 2 {
			let now = frame_system::Pallet::<T>::block_number();
			Self::schedule_draw(id, &mut request, Draw::Server, Some(until), now);
		} else {
			Deadlines::<T>::remove(until, id);
			Self::refund(id, &mut request, Closure::Declined);
		}
		Requests::<T>::insert(id, request);
		Ok(())
	}
}
