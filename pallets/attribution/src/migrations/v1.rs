//! Storage version 0 → 1: servers commit to their attribution with their answer and reveal it later.
//!
//! - `Answers` lose their `weights`: each answer's vector becomes the server's review [`Vote`], already revealed
//!   (it was public under version 0), under a commitment with a zero salt, so that nothing in flight changes
//!   how it is decided.
//! - `Parameters` gain `absence_slash`, set to the default (0.1 %).
//!
//! Answers are pruned after `Params::retention`, so the migration touches the answers of the last retention
//! period only (two writes each).

use codec::{Decode, DecodeAll, Encode};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, storage_alias, traits::UncheckedOnRuntimeUpgrade,
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::attribution::commitment;
use sp_runtime::Perbill;

use crate::*;

/// The storage layouts of version 0.
pub mod v0 {
	use super::*;

	/// An answer of version 0: the server's attribution in the clear.
	#[derive(Encode, Decode, Clone, PartialEq, Debug)]
	pub struct Answer<AccountId, Output, Weights, BlockNumber> {
		pub server: AccountId,
		pub worker: AccountId,
		pub output: Output,
		pub weights: Weights,
		pub submitted_at: BlockNumber,
	}

	/// An answer of version 0 in `T`'s types.
	pub type AnswerOf<T> = Answer<
		<T as frame_system::Config>::AccountId,
		BoundedVec<u8, <T as Config>::MaxOutputLen>,
		AttributionOf<T>,
		BlockNumberFor<T>,
	>;

	/// The parameters of version 0: no `absence_slash`.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Debug)]
	pub struct Params<Balance, BlockNumber> {
		pub committee_size: u32,
		pub quorum: u32,
		pub tolerance: u32,
		pub response_window: BlockNumber,
		pub commit_window: BlockNumber,
		pub reveal_window: BlockNumber,
		pub challenge_window: BlockNumber,
		pub challenge_committee_size: u32,
		pub challenge_quorum: u32,
		pub min_challenge_bond: Balance,
		pub server_slash: Perbill,
		pub member_slash: Perbill,
		pub challenger_reward: Perbill,
		pub inconclusive_fee: Perbill,
		pub retention: BlockNumber,
	}

	impl<Balance, BlockNumber> Params<Balance, BlockNumber> {
		/// `params` as version 0 held them: without `absence_slash` (tests write it to play a version-0 chain).
		pub fn from_current(params: crate::Params<Balance, BlockNumber>) -> Self {
			let crate::Params {
				committee_size,
				quorum,
				tolerance,
				response_window,
				commit_window,
				reveal_window,
				challenge_window,
				challenge_committee_size,
				challenge_quorum,
				min_challenge_bond,
				server_slash,
				member_slash,
				absence_slash: _,
				challenger_reward,
				inconclusive_fee,
				retention,
			} = params;
			Self {
				committee_size,
				quorum,
				tolerance,
				response_window,
				commit_window,
				reveal_window,
				challenge_window,
				challenge_committee_size,
				challenge_quorum,
				min_challenge_bond,
				server_slash,
				member_slash,
				challenger_reward,
				inconclusive_fee,
				retention,
			}
		}
	}

	#[storage_alias]
	pub type Answers<T: Config> = StorageMap<Pallet<T>, Twox64Concat, RequestId, AnswerOf<T>>;

	#[storage_alias]
	pub type Parameters<T: Config> =
		StorageValue<Pallet<T>, Params<BalanceOf<T>, BlockNumberFor<T>>, OptionQuery>;
}

/// The value at `key` if it decodes exactly (every byte) as `Old`.
fn old_value<Old: Decode>(key: &[u8]) -> Option<Old> {
	let raw = frame_support::storage::unhashed::get_raw(key)?;
	Old::decode_all(&mut &raw[..]).ok()
}

/// The migration, without the version check: use [`MigrateV0ToV1`].
pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
	fn on_runtime_upgrade() -> Weight {
		// Each value is read raw and converted only if it decodes exactly as version 0: one already in the new
		// layout (never the case after a real version 0, but cheap to be sure of) is left as it is, where
		// `translate` would delete it.
		let mut answers = 0u64;
		let ids: alloc::vec::Vec<RequestId> = Answers::<T>::iter_keys().collect();
		for id in ids {
			answers = answers.saturating_add(1);
			let Some(old) = old_value::<v0::AnswerOf<T>>(&Answers::<T>::hashed_key_for(id)) else { continue };
			let hidden = commitment(id, Round::Review, &old.server, old.weights.shares(), &[0u8; 32]);
			Votes::<T>::insert(
				(id, Round::Review, &old.server),
				Vote { commitment: hidden, revealed: Some(old.weights) },
			);
			let new = Answer { server: old.server, worker: old.worker, output: old.output, submitted_at: old.submitted_at };
			Answers::<T>::insert(id, new);
		}
		if let Some(old) = old_value::<v0::Params<BalanceOf<T>, BlockNumberFor<T>>>(&Parameters::<T>::hashed_key()) {
			let new = Params {
				committee_size: old.committee_size,
				quorum: old.quorum,
				tolerance: old.tolerance,
				response_window: old.response_window,
				commit_window: old.commit_window,
				reveal_window: old.reveal_window,
				challenge_window: old.challenge_window,
				challenge_committee_size: old.challenge_committee_size,
				challenge_quorum: old.challenge_quorum,
				min_challenge_bond: old.min_challenge_bond,
				server_slash: old.server_slash,
				member_slash: old.member_slash,
				absence_slash: Pallet::<T>::default_params().absence_slash,
				challenger_reward: old.challenger_reward,
				inconclusive_fee: old.inconclusive_fee,
				retention: old.retention,
			};
			Parameters::<T>::put(new);
		}
		T::DbWeight::get().reads_writes(answers.saturating_add(1), answers.saturating_mul(2).saturating_add(1))
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok((v0::Answers::<T>::iter().count() as u64).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = u64::decode(&mut &state[..]).map_err(|_| "the pre-upgrade state does not decode")?;
		ensure!(Answers::<T>::iter().count() as u64 == before, "answers were lost");
		ensure!(Parameters::<T>::get().is_some(), "the parameters do not decode");
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 0 → 1, run once (checked against the on-chain storage version).
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	UncheckedMigrateV0ToV1<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
