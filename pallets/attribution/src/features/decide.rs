//! Closing a committee round: tallying reveals, slashing who lost, and what happens next.

use alloc::vec::Vec;
use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision, Restriction},
	Get,
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::staking::{SlashReason, SlashValidator};
use sp_runtime::{Perbill, Saturating};

use openledger_primitives::attribution::Decision;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Decides `round` from its reveals (see [`decide`]): members who committed and did not reveal, and
	/// revealed outliers against a quorum, are slashed. A review round confirms the server's vector, replaces
	/// it by the committee's median (slashing the server) or refunds the fee; then the challenge window
	/// opens. A challenge round keeps or replaces the standing vector, settles the bond, and pays out.
	pub(crate) fn close_round(id: RequestId, request: &mut Request<T>, round: Round, now: BlockNumberFor<T>) {
		let params = Self::params();
		let committee = Committees::<T>::get(id, round).unwrap_or_default();
		let mut reveals: Vec<(T::AccountId, AttributionOf<T>)> = Vec::new();
		for member in committee.iter() {
			match Votes::<T>::get((id, round, member)) {
				Some(Vote { revealed: Some(weights), .. }) => reveals.push((member.clone(), weights)),
				Some(Vote { revealed: None, .. }) => {
					Self::penalise(id, member, params.member_slash, SlashReason::BrokenCommitment)
				},
				None => {},
			}
		}
		let quorum = match round {
			Round::Review => params.quorum,
			Round::Challenge => params.challenge_quorum,
		}
		.min(committee.len() as u32) as usize;
		// A round only opens on an answered request, which always has a standing attribution (`try_state`
		// checks it); without one there is nothing to decide about, so the fee goes back.
		let Some(standing) = Standing::<T>::get(id) else {
			return Self::refund(id, request, Closure::RefundedNoQuorum);
		};
		let vectors: Vec<&AttributionOf<T>> = reveals.iter().map(|(_, w)| w).collect();
		let decision = AttributionOf::<T>::decide(&standing, &vectors, quorum, params.tolerance);

		let stands = match decision {
			Decision::Confirm => standing.clone(),
			// A median within tolerance of the standing vector changes nothing.
			Decision::Replace(median) if median.l1_distance(&standing) <= params.tolerance => standing.clone(),
			Decision::Replace(median) => median,
			Decision::NoQuorum => {
				return match round {
					Round::Review => Self::refund(id, request, Closure::RefundedNoQuorum),
					Round::Challenge => {
						Self::settle_bond(id, request, false);
						Self::decided(id, request, round, Verdict::ChallengeInconclusive, now);
					},
				};
			},
		};
		// Revealed outliers: a quorum agreed, they did not.
		for (member, weights) in &reveals {
			if weights.l1_distance(&stands) > params.tolerance {
				Self::penalise(id, member, params.member_slash, SlashReason::WrongAttribution);
			}
		}
		let replaced = stands != standing;
		let verdict = match (round, replaced) {
			(Round::Review, false) => Verdict::Confirmed,
			(Round::Review, true) => {
				if let Some(server) = &request.server {
					Self::penalise(id, server, params.server_slash, SlashReason::WrongAttribution);
				}
				Verdict::Corrected
			},
			(Round::Challenge, false) => {
				Self::settle_bond(id, request, true);
				Verdict::ChallengeRejected
			},
			(Round::Challenge, true) => {
				Self::penalise_backers(id, request, &standing, &params);
				Self::settle_bond(id, request, false);
				Verdict::ChallengeUpheld
			},
		};
		Standing::<T>::insert(id, stands);
		Self::decided(id, request, round, verdict, now);
	}

	/// Records the verdict; after a review the challenge window opens, after a challenge the request is paid.
	pub(crate) fn decided(
		id: RequestId,
		request: &mut Request<T>,
		round: Round,
		verdict: Verdict,
		now: BlockNumberFor<T>,
	) {
		request.verdict = Some(verdict);
		match round {
			Round::Review => {
				let until = now.saturating_add(Self::params().challenge_window);
				request.phase = Phase::Challengeable { until };
				Self::move_deadline(id, None, until);
				Self::deposit_event(Event::Decided { request: id, round, verdict, until });
			},
			Round::Challenge => {
				Self::deposit_event(Event::Decided { request: id, round, verdict, until: now });
				Self::settle(id, request);
			},
		}
	}

	/// A challenge overturned `overturned`: whoever backed it is slashed for losing — the server if it was
	/// its own vector, and the review members whose reveals lay within tolerance of it.
	fn penalise_backers(
		id: RequestId,
		request: &Request<T>,
		overturned: &AttributionOf<T>,
		params: &Params<BalanceOf<T>, BlockNumberFor<T>>,
	) {
		if let (Some(Verdict::Confirmed), Some(server)) = (request.verdict, &request.server) {
			Self::penalise(id, server, params.server_slash, SlashReason::LostChallenge);
		}
		for member in Committees::<T>::get(id, Round::Review).unwrap_or_default().iter() {
			if let Some(Vote { revealed: Some(weights), .. }) = Votes::<T>::get((id, Round::Review, member)) {
				if weights.l1_distance(overturned) <= params.tolerance {
					Self::penalise(id, member, params.member_slash, SlashReason::LostChallenge);
				}
			}
		}
	}

	/// Slashes `validator` through the staking pallet and records it.
	fn penalise(id: RequestId, validator: &T::AccountId, fraction: Perbill, reason: SlashReason) {
		if fraction.is_zero() {
			return;
		}
		let amount = T::Slasher::slash(validator, fraction, reason);
		Self::deposit_event(Event::ValidatorSlashed { request: id, validator: validator.clone(), reason, amount });
	}

	/// Returns the challenger's bond, or sends it to the treasury when `forfeited`.
	pub(crate) fn settle_bond(id: RequestId, request: &Request<T>, forfeited: bool) {
		let Some((challenger, bond)) = request.challenge.clone() else { return };
		let reason = HoldReason::ChallengeBond.into();
		// The bond is held under this reason since the challenge, so neither can fail; `try_state` checks
		// that holds match open challenges.
		let _ = if forfeited {
			T::Currency::transfer_on_hold(
				&reason,
				&challenger,
				&T::Treasury::get(),
				bond,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)
		} else {
			T::Currency::release(&reason, &challenger, bond, Precision::BestEffort)
		};
		Self::deposit_event(Event::ChallengeBondSettled { request: id, challenger, bond, forfeited });
	}
}
