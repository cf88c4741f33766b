//! The protocol's parameters.

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::Inspect, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{Perbill, Saturating};

use crate::*;

/// Blocks in a day at 2-second blocks.
const DAY: u32 = 24 * 60 * 30;

impl<T: Config> Pallet<T> {
	/// Production defaults at 2-second blocks (committees capped at `MaxCommittee`): a committee of 3 with a quorum of 2 and a tolerance of 5 %,
	/// a minute to answer, 30 s each to commit and reveal, 5 minutes to challenge (7 members, quorum 4),
	/// a challenge bond of 1 000 existential deposits; 10 % of a lying server's bond, 1 % of a member's and
	/// 0.1 % of an absent validator's;
	/// closed requests keep their prompt, answer and votes for a week. Genesis presets set their own.
	pub fn default_params() -> Params<BalanceOf<T>, BlockNumberFor<T>> {
		let max = T::MaxCommittee::get();
		let (committee_size, challenge_committee_size) =
			(openledger_primitives::attribution::DEFAULT_COMMITTEE_SIZE.min(max), 7.min(max));
		Params {
			committee_size,
			quorum: 2.min(committee_size),
			tolerance: openledger_primitives::attribution::DEFAULT_TOLERANCE_BPS,
			response_window: 30u32.into(),
			commit_window: 15u32.into(),
			reveal_window: 15u32.into(),
			challenge_window: 150u32.into(),
			challenge_committee_size,
			challenge_quorum: 4.min(challenge_committee_size),
			min_challenge_bond: T::Currency::minimum_balance().saturating_mul(1_000u32.into()),
			server_slash: Perbill::from_percent(10),
			member_slash: Perbill::from_percent(1),
			absence_slash: Perbill::from_parts(1_000_000),
			challenger_reward: Perbill::from_percent(50),
			inconclusive_fee: Perbill::from_percent(10),
			retention: (7u32 * DAY).into(),
		}
	}

	/// The parameters in force.
	pub fn params() -> Params<BalanceOf<T>, BlockNumberFor<T>> {
		Parameters::<T>::get().unwrap_or_else(Self::default_params)
	}

	/// Sets the parameters.
	///
	/// # Errors
	/// - [`Error::InvalidParams`].
	pub fn do_set_params(params: Params<BalanceOf<T>, BlockNumberFor<T>>) -> DispatchResult {
		ensure!(params.is_valid(T::MaxCommittee::get()), Error::<T>::InvalidParams);
		Parameters::<T>::put(params);
		Self::deposit_event(Event::ParamsSet { params });
		Ok(())
	}
}
