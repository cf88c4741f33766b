//! Closing a job: the committee's median report, who agreed with it, who is paid and who is slashed.

use alloc::vec::Vec;
use frame_support::{
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	weights::Weight,
};
use openledger_primitives::{
	staking::{SlashReason, SlashValidator},
	validation::{median_report, OnValidated, ReportTolerance, ValidationJobId, ValidationReport},
};
use sp_runtime::{
	traits::{CheckedDiv, Zero},
	Perbill, Saturating,
};

use crate::*;

/// What a committee's reveals decide: the median report and who agreed with it, or no agreement.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tally<A> {
	/// At least `quorum` reveals agree with the median.
	Agreed { report: ValidationReport, agreeing: Vec<A>, outliers: Vec<A> },
	/// Too few reveals, or too few within tolerance of their median.
	NoAgreement,
}

/// The committee's decision on `reveals`: the per-part median stands when at least `quorum` (≥ 1) reveals agree
/// with it within `tolerance`; the others are outliers.
pub(crate) fn tally<A: Clone>(
	reveals: &[(A, ValidationReport)],
	quorum: usize,
	tolerance: &ReportTolerance,
) -> Tally<A> {
	let reports: Vec<ValidationReport> = reveals.iter().map(|(_, r)| *r).collect();
	let Some(median) = median_report(&reports) else { return Tally::NoAgreement };
	let (agreeing, outliers): (Vec<_>, Vec<_>) =
		reveals.iter().partition(|(_, r)| r.agrees_with(&median, tolerance));
	if quorum == 0 || agreeing.len() < quorum {
		return Tally::NoAgreement;
	}
	Tally::Agreed {
		report: median,
		agreeing: agreeing.into_iter().map(|(a, _)| a.clone()).collect(),
		outliers: outliers.into_iter().map(|(a, _)| a.clone()).collect(),
	}
}

impl<T: Config> Pallet<T> {
	/// Decides `job` from its reveals: members who did not commit pay `absence_slash`, members who committed and
	/// did not reveal pay `member_slash`; then the median stands (outliers slashed, the fee shared by who agreed)
	/// or the job fails (the fee refunded). Either way the DataNets pallet is told and the job's state removed.
	/// Returns the weight the DataNets pallet used (the benchmarked `close` measures this pallet's part).
	pub(crate) fn close(id: ValidationJobId, job: &Job<T>) -> Weight {
		let params = Self::params();
		let committee = Committees::<T>::get(id).unwrap_or_default();
		let mut reveals: Vec<(T::AccountId, ValidationReport)> = Vec::new();
		for member in committee.iter() {
			match Votes::<T>::get(id, member) {
				Some(ReportVote { revealed: Some(report), .. }) => reveals.push((member.clone(), report)),
				Some(ReportVote { revealed: None, .. }) => {
					Self::penalise(id, member, params.member_slash, SlashReason::BrokenCommitment);
				},
				None => {
					Self::penalise(id, member, params.absence_slash, SlashReason::Absent);
				},
			}
		}
		let quorum = params.quorum.min(committee.len() as u32) as usize;
		let recorded = match tally(&reveals, quorum, &params.tolerance) {
			Tally::Agreed { report, agreeing, outliers } => {
				for member in &outliers {
					Self::penalise(id, member, params.member_slash, SlashReason::WrongValidation);
				}
				Self::pay(job, &agreeing);
				Self::deposit_event(Event::ValidationAgreed {
					job: id,
					datanet: job.datanet,
					dataset: job.dataset,
					report,
					paid: agreeing,
				});
				T::OnValidated::validated(job.datanet, job.dataset, id, Some(report))
			},
			Tally::NoAgreement => Self::fail(id, job, reveals.len() as u32),
		};
		Self::forget(id);
		recorded
	}

	/// Closes `job` without agreement: the fee goes back and the DataNets pallet records no score. Returns the
	/// weight the DataNets pallet used.
	pub(crate) fn fail(id: ValidationJobId, job: &Job<T>, reveals: u32) -> Weight {
		Self::refund(job);
		Self::deposit_event(Event::ValidationFailed { job: id, datanet: job.datanet, dataset: job.dataset, reveals });
		T::OnValidated::validated(job.datanet, job.dataset, id, None)
	}

	/// Removes a closed job's committee and votes (the job record is removed by the deadline that closed it).
	fn forget(id: ValidationJobId) {
		Committees::<T>::remove(id);
		let _ = Votes::<T>::clear_prefix(id, T::MaxCommittee::get(), None);
	}

	/// Shares the held fee equally among `members`; the first also gets what does not divide.
	fn pay(job: &Job<T>, members: &[T::AccountId]) {
		let count = BalanceOf::<T>::from(members.len() as u32);
		if job.fee.is_zero() || count.is_zero() {
			return;
		}
		let share = job.fee.checked_div(&count).unwrap_or_default();
		let remainder = job.fee.saturating_sub(share.saturating_mul(count));
		for (i, member) in members.iter().enumerate() {
			let amount = if i == 0 { share.saturating_add(remainder) } else { share };
			// The fee is held under this reason since the job opened and the shares sum to it; members are
			// bonded validators, so their accounts exist. If a transfer failed the share would stay held and
			// `try_state` would report it.
			let _ = T::Currency::transfer_on_hold(
				&HoldReason::ValidationFee.into(),
				&job.proposer,
				member,
				amount,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			);
		}
	}

	/// Slashes `validator` through the staking pallet and records it.
	fn penalise(id: ValidationJobId, validator: &T::AccountId, fraction: Perbill, reason: SlashReason) {
		if fraction.is_zero() {
			return;
		}
		let amount = T::Slasher::slash(validator, fraction, reason);
		Self::deposit_event(Event::ValidatorSlashed { job: id, validator: validator.clone(), reason, amount });
	}
}
