//! Validation: a DataNet's policy for it, the jobs proposals open, the scores they come back with, and the
//! approval gate (docs/VALIDATION.md).

use frame_support::pallet_prelude::*;
use openledger_primitives::{
	dataset::{ContentType, DataNetId, DatasetId, DatasetRegistry, ProposalValidation},
	validation::{OnValidated, ValidationJobId, ValidationJobs, ValidationReport},
};

use crate::*;

/// The largest score.
const MAX_SCORE: u8 = 100;

impl<T: Config> Pallet<T> {
	/// Checks a validation policy: a score out of 100, required fields only where rows have fields, and a probe
	/// set that is a registered dataset whose content can be fetched.
	///
	/// # Errors
	/// - [`Error::InvalidValidationPolicy`], [`Error::InvalidProbeSet`].
	pub(crate) fn check_validation_policy(policy: &Option<ValidationPolicyOf<T>>) -> DispatchResult {
		let Some(policy) = policy else { return Ok(()) };
		ensure!(policy.min_score <= MAX_SCORE, Error::<T>::InvalidValidationPolicy);
		ensure!(
			policy.content_type != ContentType::Text || policy.required_fields.is_empty(),
			Error::<T>::InvalidValidationPolicy
		);
		ensure!(policy.required_fields.iter().all(|f| !f.is_empty()), Error::<T>::InvalidValidationPolicy);
		if let Some(probe_set) = policy.probe_set {
			let summary = T::Datasets::summary(probe_set).ok_or(Error::<T>::InvalidProbeSet)?;
			ensure!(summary.available, Error::<T>::InvalidProbeSet);
		}
		Ok(())
	}

	/// Sets `id`'s validation policy; `who` must curate it.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotCurator`], [`Error::InvalidValidationPolicy`],
	///   [`Error::InvalidProbeSet`].
	pub fn do_set_validation(who: T::AccountId, id: DataNetId, policy: Option<ValidationPolicyOf<T>>) -> DispatchResult {
		let mut datanet = Self::curated_by(id, &who)?;
		Self::check_validation_policy(&policy)?;
		datanet.policy.validation = policy.clone();
		DataNets::<T>::insert(id, datanet);
		Self::deposit_event(Event::ValidationPolicySet { datanet: id, curator: who, policy });
		Ok(())
	}

	/// Opens the validation job of a proposal of `dataset` to `id` at `version`, if the DataNet validates.
	///
	/// # Errors
	/// The validation pallet's (no validator to draw, the fee not covered).
	pub(crate) fn open_validation(
		who: &T::AccountId,
		id: DataNetId,
		dataset: DatasetId,
		version: u32,
		policy: &Option<ValidationPolicyOf<T>>,
	) -> Result<ProposalValidation, DispatchError> {
		let Some(policy) = policy else { return Ok(ProposalValidation::NotRequired) };
		let job = T::Validation::open(who, id, dataset, version, policy.fee)?;
		Ok(ProposalValidation::Pending(job))
	}

	/// Whether a curator may approve `proposal` under the policy in force: a pending validation must finish, and a
	/// DataNet with a minimum score needs a score at least that high.
	///
	/// # Errors
	/// - [`Error::ValidationPending`], [`Error::NotValidated`], [`Error::ScoreTooLow`].
	pub(crate) fn ensure_validated(policy: &Option<ValidationPolicyOf<T>>, proposal: &ProposalOf<T>) -> DispatchResult {
		let Some(policy) = policy else { return Ok(()) };
		match proposal.validation {
			// Opened before the DataNet validated: curators judge it as they did then.
			ProposalValidation::NotRequired => Ok(()),
			ProposalValidation::Pending(_) => Err(Error::<T>::ValidationPending.into()),
			ProposalValidation::Unscored if policy.min_score > 0 => Err(Error::<T>::NotValidated.into()),
			ProposalValidation::Unscored => Ok(()),
			ProposalValidation::Scored { score, .. } => {
				ensure!(score >= policy.min_score, Error::<T>::ScoreTooLow);
				Ok(())
			},
		}
	}
}

impl<T: Config> OnValidated for Pallet<T> {
	/// Records the committee's report and its score with the proposal that opened `job`; a proposal withdrawn or
	/// rejected meanwhile (or proposed again, with another job) is left alone.
	fn validated(id: DataNetId, dataset: DatasetId, job: ValidationJobId, report: Option<ValidationReport>) -> Weight {
		let weight = T::DbWeight::get().reads_writes(2, 1);
		let Some(mut proposal) = Proposals::<T>::get(id, dataset) else { return weight };
		if proposal.validation != ProposalValidation::Pending(job) {
			return weight;
		}
		let declared = T::Datasets::summary(dataset).map_or(0, |s| u32::try_from(s.rows).unwrap_or(u32::MAX));
		let (validation, score) = match report {
			Some(report) => {
				let score = report.score(declared).score;
				(ProposalValidation::Scored { report, score }, Some(score))
			},
			None => (ProposalValidation::Unscored, None),
		};
		proposal.validation = validation;
		Proposals::<T>::insert(id, dataset, proposal);
		Self::deposit_event(Event::ProposalValidated { datanet: id, dataset, job, score });
		weight
	}
}
