//! Types of the validator staking pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::fungible::Inspect,
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use openledger_primitives::staking::SessionIndex;
use scale_info::TypeInfo;
use sp_runtime::{Perbill, Saturating};

use crate::Config;

/// A balance of the staking currency.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Part of a bond on its way out: it stays held (and slashable) until `unlock_session` starts.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct UnlockChunk<Balance> {
	/// How much.
	pub value: Balance,
	/// The first session in which it may be withdrawn.
	pub unlock_session: SessionIndex,
}

/// What an account has bonded. Everything in it — active and unlocking — is held under
/// [`crate::HoldReason::Staking`].
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct StakingLedger<T: Config> {
	/// The bond that counts for election.
	pub active: BalanceOf<T>,
	/// Unbonded parts waiting for their session, oldest first.
	pub unlocking: BoundedVec<UnlockChunk<BalanceOf<T>>, T::MaxUnlockingChunks>,
}

impl<T: Config> StakingLedger<T> {
	/// A ledger with `active` bonded and nothing unlocking.
	pub fn new(active: BalanceOf<T>) -> Self {
		Self { active, unlocking: BoundedVec::new() }
	}

	/// Active plus unlocking: what is held.
	pub fn total(&self) -> BalanceOf<T> {
		self.unlocking.iter().fold(self.active, |sum, chunk| sum.saturating_add(chunk.value))
	}

	/// Whether nothing is left.
	pub fn is_empty(&self) -> bool {
		self.total() == Default::default()
	}

	/// Adds `value` to the chunk unlocking at `unlock_session`, or opens a chunk for it.
	///
	/// Returns `false`, changing nothing, when a new chunk would exceed `MaxUnlockingChunks`.
	pub fn push_unlocking(&mut self, value: BalanceOf<T>, unlock_session: SessionIndex) -> bool {
		if let Some(chunk) = self.unlocking.iter_mut().find(|c| c.unlock_session == unlock_session) {
			chunk.value = chunk.value.saturating_add(value);
			return true;
		}
		self.unlocking.try_push(UnlockChunk { value, unlock_session }).is_ok()
	}

	/// Removes the chunks that have unlocked by `session` and returns their sum.
	pub fn take_unlocked(&mut self, session: SessionIndex) -> BalanceOf<T> {
		let mut unlocked = BalanceOf::<T>::default();
		self.unlocking.retain(|chunk| {
			let ready = chunk.unlock_session <= session;
			if ready {
				unlocked = unlocked.saturating_add(chunk.value);
			}
			!ready
		});
		unlocked
	}

	/// Takes `fraction` of the active bond and of every chunk; returns the total taken.
	pub fn slash(&mut self, fraction: Perbill) -> BalanceOf<T> {
		let from_active = fraction.mul_floor(self.active);
		self.active = self.active.saturating_sub(from_active);
		self.unlocking.iter_mut().fold(from_active, |taken, chunk| {
			let cut = fraction.mul_floor(chunk.value);
			chunk.value = chunk.value.saturating_sub(cut);
			taken.saturating_add(cut)
		})
	}
}

/// A validator candidate's terms.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct ValidatorPrefs<AccountId> {
	/// The share of rewards it keeps before sharing with others.
	pub commission: Perbill,
	/// The key its attribution worker signs proofs with (an account of its own).
	pub worker: AccountId,
}
