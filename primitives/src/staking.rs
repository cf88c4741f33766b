//! What the staking pallet offers the rest of the runtime: the validator set and its worker keys, slashing,
//! and a hook at the end of every session.
//!
//! The attribution pallet reads the set to assign requests and committees, checks proof signers against
//! worker keys, and slashes a validator whose attribution was outvoted; the rewards pallet pays validators
//! their share when a session ends. Each side sees only these traits, so pallets are tested with small
//! implementations in their mocks.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{Perbill, Weight};

/// A session's number. Sessions are counted from 0 at genesis.
pub type SessionIndex = u32;

/// Why a validator was slashed (recorded in the `Slashed` event).
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum SlashReason {
	/// Its submitted attribution was outvoted by the committee.
	WrongAttribution,
	/// It lost a challenge it was party to.
	LostChallenge,
	/// It committed to a vector and did not reveal it, or revealed one that did not match.
	BrokenCommitment,
	/// Signed two conflicting GRANDPA votes (reported with a key-ownership proof).
	Equivocation,
	/// Slashed by governance.
	Governance,
	/// Missed an assignment: a server that did not answer in time, or a committee member that did not commit.
	Absent,
	/// Revealed a validation report that disagreed with the median its committee agreed on.
	WrongValidation,
}

impl SlashReason {
	/// Whether the slash also takes the validator out of the set (chills and disables it). Misbehaviour does;
	/// an absence costs only its small slash, so that one missed block (a worker restarting) does not cost a
	/// validator its seat.
	pub fn removes_from_set(&self) -> bool {
		!matches!(self, SlashReason::Absent)
	}
}

/// The validator set and the worker keys its members registered.
pub trait ValidatorSet<AccountId> {
	/// The session now running.
	fn current_session() -> SessionIndex;
	/// The validators authoring blocks in the current session, in a canonical order.
	fn active_validators() -> Vec<AccountId>;
	/// The worker key `validator` registered with `validate`.
	fn worker_of(validator: &AccountId) -> Option<AccountId>;
	/// The validator whose worker key is `worker`.
	fn validator_of(worker: &AccountId) -> Option<AccountId>;
	/// The commission `validator` keeps from rewards shared with others (none yet: no nominators).
	fn commission_of(validator: &AccountId) -> Perbill;
}

/// Slashing a validator's bond.
pub trait SlashValidator<AccountId, Balance> {
	/// Moves `fraction` of `validator`'s bond — active and unbonding alike — to the treasury and chills it.
	/// Returns the amount moved (zero for an account that has nothing bonded).
	fn slash(validator: &AccountId, fraction: Perbill, reason: SlashReason) -> Balance;
}

/// Called when a session ends, with the validators that served it.
pub trait OnSessionEnd<AccountId> {
	/// Handles the end of `session`; returns the weight it used.
	fn on_session_end(session: SessionIndex, validators: &[AccountId]) -> Weight;
}

impl<AccountId> OnSessionEnd<AccountId> for () {
	fn on_session_end(_: SessionIndex, _: &[AccountId]) -> Weight {
		Weight::zero()
	}
}

/// Takes a slashed validator out of block production for the rest of its time in the validator set (the runtime:
/// pallet-session's disabling, within its strategy's limit, so that finality and production survive).
pub trait DisableValidator<AccountId> {
	/// Disables `validator` in the current session.
	fn disable(validator: &AccountId);
}

impl<AccountId> DisableValidator<AccountId> for () {
	fn disable(_: &AccountId) {}
}
