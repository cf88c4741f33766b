//! Closing a committee round: tallying reveals, slashing who lost, and what happens next.

use alloc::vec::Vec;
use frame_support::traits::{
	fungible::{Mutate, MutateHold},
	tokens::{Fortitude, Precision, Preservation, Restriction},
	Get,
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::staking::{SlashReason, SlashValidator};
use sp_runtime::{Perbill, Saturating};

use openledger_primitives::attribution::Decision;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Decides `round` from its reveals (see [`decide`]): members who did not commit pay `absence_slash`;
	/// members who committed and did not reveal, and revealed outliers against a quorum, are slashed. A
	/// review round confirms the server's revealed vector, replaces it by the committee's median (slashing
	/// the server; a server that did not reveal is slashed as if outvoted) or refunds the fee; then the
	/// challenge window opens. A challenge round keeps or replaces the standing vector, settles the bond, and
	/// pays out.
	pub(crate) fn close_round(id: RequestId, request: &mut Request<T>, round: Round, now: BlockNumberFor<T>) {
		let params = Self::params();
		let committee = Committees::<T>::get(id, round).unwrap_or_default();
		let mut reveals: Vec<(T::AccountId, AttributionOf<T>)> = Vec::new();
		for member in committee.iter() {
			match Votes::<T>::get((id, round, member)) {
				Some(Vote { revealed: Some(weights), .. }) => reveals.push((member.clone(), weights)),
				Some(Vote { revealed: None, .. }) => {
					Self::penalise(id, member, params.member_slash, SlashReason::BrokenCommitment);
				},
				None => {
					Self::penalise(id, member, params.absence_slash, SlashReason::Absent);
				},
			}
		}
		let quorum = match round {
			Round::Review => params.quorum,
			Round::Challenge => params.challenge_quorum,
		}
		.min(committee.len() as u32) as usize;
		// What the round decides about: in a review the server's revealed vector (none if it did not reveal:
		// hiding it after seeing the committee's reveals costs as much as being outvoted); in a challenge the
		// attribution that stands, which every challengeable request has (`try_state` checks it).
		let standing = match round {
			Round::Review => Self::server_reveal(id, request, &params),
			Round::Challenge => {
				let Some(standing) = Standing::<T>::get(id) else {
					return Self::refund(id, request, Closure::RefundedNoQuorum);
				};
				Some(standing)
			},
		};
		let vectors: Vec<&AttributionOf<T>> = reveals.iter().map(|(_, w)| w).collect();
		let decision = AttributionOf::<T>::decide(standing.as_ref(), &vectors, quorum, params.tolerance);

		let stands = match (decision, &standing) {
			(Decision::Confirm, Some(standing)) => standing.clone(),
			// A median within tolerance of the standing vector changes nothing.
			(Decision::Replace(median), Some(standing)) if median.l1_distance(standing) <= params.tolerance => {
				standing.clone()
			},
			(Decision::Replace(median), _) => median,
			(Decision::Confirm | Decision::NoQuorum, _) => {
				return match round {
					Round::Review => Self::refund(id, request, Closure::RefundedNoQuorum),
					Round::Challenge => {
						Self::settle_bond(id, request, params.inconclusive_fee);
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
		let replaced = standing.as_ref() != Some(&stands);
		let verdict = match (round, replaced) {
			(Round::Review, false) => Verdict::Confirmed,
			(Round::Review, true) => {
				// A server that did not reveal was slashed for it already.
				if let (Some(server), Some(_)) = (&request.server, &standing) {
					Self::penalise(id, server, params.server_slash, SlashReason::WrongAttribution);
				}
				Verdict::Corrected
			},
			(Round::Challenge, false) => {
				Self::settle_bond(id, request, Perbill::one());
				Verdict::ChallengeRejected
			},
			(Round::Challenge, true) => {
				let slashed = standing
					.as_ref()
					.map(|overturned| Self::penalise_backers(id, request, overturned, &params))
					.unwrap_or_default();
				Self::settle_bond(id, request, Perbill::zero());
				Self::reward_challenger(id, request, params.challenger_reward.mul_floor(slashed));
				Verdict::ChallengeUpheld
			},
		};
		Standing::<T>::insert(id, stands);
		Self::decided(id, request, round, verdict, now);
	}

	/// The server's revealed vector for `id`'s review; a server that committed with its answer and did not
	/// reveal is slashed `server_slash` for breaking its commitment.
	fn server_reveal(
		id: RequestId,
		request: &Request<T>,
		params: &Params<BalanceOf<T>, BlockNumberFor<T>>,
	) -> Option<AttributionOf<T>> {
		let server = request.server.as_ref()?;
		match Votes::<T>::get((id, Round::Review, server)) {
			Some(Vote { revealed: Some(weights), .. }) => Some(weights),
			Some(Vote { revealed: None, .. }) => {
				Self::penalise(id, server, params.server_slash, SlashReason::BrokenCommitment);
				None
			},
			None => None,
		}
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
	/// its own vector, and the review members whose reveals lay within tolerance of it. Returns what was slashed.
	fn penalise_backers(
		id: RequestId,
		request: &Request<T>,
		overturned: &AttributionOf<T>,
		params: &Params<BalanceOf<T>, BlockNumberFor<T>>,
	) -> BalanceOf<T> {
		let mut slashed = BalanceOf::<T>::default();
		if let (Some(Verdict::Confirmed), Some(server)) = (request.verdict, &request.server) {
			slashed = slashed.saturating_add(Self::penalise(id, server, params.server_slash, SlashReason::LostChallenge));
		}
		for member in Committees::<T>::get(id, Round::Review).unwrap_or_default().iter() {
			if let Some(Vote { revealed: Some(weights), .. }) = Votes::<T>::get((id, Round::Review, member)) {
				if weights.l1_distance(overturned) <= params.tolerance {
					let amount = Self::penalise(id, member, params.member_slash, SlashReason::LostChallenge);
					slashed = slashed.saturating_add(amount);
				}
			}
		}
		slashed
	}

	/// Slashes `validator` through the staking pallet and records it; returns the amount.
	pub(crate) fn penalise(id: RequestId, validator: &T::AccountId, fraction: Perbill, reason: SlashReason) -> BalanceOf<T> {
		if fraction.is_zero() {
			return BalanceOf::<T>::default();
		}
		let amount = T::Slasher::slash(validator, fraction, reason);
		Self::deposit_event(Event::ValidatorSlashed { request: id, validator: validator.clone(), reason, amount });
		amount
	}

	/// Pays an upheld challenge's challenger `amount` (its share of the slashes) from the treasury, where the
	/// slashes went.
	fn reward_challenger(id: RequestId, request: &Request<T>, amount: BalanceOf<T>) {
		let Some((challenger, _)) = request.challenge.clone() else { return };
		if amount == BalanceOf::<T>::default() {
			return;
		}
		// The treasury just received at least `amount` (and keeps its existential deposit): this cannot fail;
		// if it did, the challenger would simply go without.
		if T::Currency::transfer(&T::Treasury::get(), &challenger, amount, Preservation::Preserve).is_ok() {
			Self::deposit_event(Event::ChallengerRewarded { request: id, challenger, amount });
		}
	}

	/// Sends `forfeit` of the challenger's bond to the treasury and returns the rest.
	pub(crate) fn settle_bond(id: RequestId, request: &Request<T>, forfeit: Perbill) {
		let Some((challenger, bond)) = request.challenge.clone() else { return };
		let reason = HoldReason::ChallengeBond.into();
		let forfeited = forfeit.mul_floor(bond);
		// The bond is held under this reason since the challenge, so neither can fail; `try_state` checks
		// that holds match open challenges.
		let _ = T::Currency::transfer_on_hold(
			&reason,
			&challenger,
			&T::Treasury::get(),
			forfeited,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		);
		let _ = T::Currency::release(&reason, &challenger, bond.saturating_sub(forfeited), Precision::BestEffort);
		Self::deposit_event(Event::ChallengeBondSettled { request: id, challenger, bond, forfeited });
	}
}
