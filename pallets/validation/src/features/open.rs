//! Opening a job: the DataNets pallet asks when a dataset is proposed to a DataNet that validates.

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use openledger_primitives::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	staking::ValidatorSet,
	validation::{ValidationJobId, ValidationJobs},
};
use sp_runtime::{traits::Zero, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Holds `fee` from `proposer` and opens a job whose committee is drawn `DrawDelay` blocks from now.
	///
	/// # Errors
	/// - [`Error::NoValidators`], [`Error::InsufficientBalance`], [`Error::Overflow`].
	pub fn do_open(
		proposer: &T::AccountId,
		datanet: DataNetId,
		dataset: DatasetId,
		version: VersionNumber,
		fee: BalanceOf<T>,
	) -> Result<ValidationJobId, DispatchError> {
		ensure!(!T::Validators::active_validators().is_empty(), Error::<T>::NoValidators);
		let job = NextJobId::<T>::get();
		let next = job.checked_add(1).ok_or(Error::<T>::Overflow)?;
		if !fee.is_zero() {
			T::Currency::hold(&HoldReason::ValidationFee.into(), proposer, fee)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		let now = frame_system::Pallet::<T>::block_number();
		let until = now.saturating_add(T::DrawDelay::get());
		Jobs::<T>::insert(
			job,
			Job { proposer: proposer.clone(), datanet, dataset, version, fee, phase: JobPhase::Drawing { until } },
		);
		Deadlines::<T>::insert(until, job, ());
		NextJobId::<T>::put(next);
		Self::deposit_event(Event::ValidationRequested {
			job,
			datanet,
			dataset,
			version,
			proposer: proposer.clone(),
			fee,
			draw_at: until,
		});
		Ok(job)
	}

	/// Gives the fee of a job that closed without agreement back to its proposer.
	pub(crate) fn refund(job: &Job<T>) {
		// The fee is held under this reason since the job opened, so this cannot fail; `try_state` checks
		// that holds match open jobs.
		let _ = T::Currency::release(&HoldReason::ValidationFee.into(), &job.proposer, job.fee, Precision::BestEffort);
	}
}

impl<T: Config> ValidationJobs<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn open(
		proposer: &T::AccountId,
		datanet: DataNetId,
		dataset: DatasetId,
		version: VersionNumber,
		fee: BalanceOf<T>,
	) -> Result<ValidationJobId, DispatchError> {
		Self::do_open(proposer, datanet, dataset, version, fee)
	}

	fn open_weight() -> Weight {
		T::WeightInfo::open()
	}
}
