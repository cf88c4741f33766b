//! How an accepted answer's fee becomes OPEN its contributors can claim: the hand-off from the attribution
//! pallet to the rewards pallet.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::dataset::{DataNetId, DatasetId};

/// Basis points: parts of 10 000.
pub type BasisPoints = u16;

/// All the basis points there are.
pub const ALL_BASIS_POINTS: u32 = 10_000;

/// An answer whose attribution was finally accepted, with what it pays.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AcceptedAnswer<AccountId, Balance> {
	/// The answered model's owner.
	pub model_owner: AccountId,
	/// The DataNet the model draws on.
	pub datanet: DataNetId,
	/// Each credited dataset's share of the contributors' part, in basis points summing to 10 000.
	pub weights: Vec<(DatasetId, BasisPoints)>,
	/// The fee paid for the answer.
	pub fee: Balance,
}

/// Pays out accepted answers.
pub trait AnswerPayout<AccountId, Balance> {
	/// Moves `answer.fee` from `payer` (the attribution pallet's escrow account) and credits it by the fee
	/// split. Atomic: on error nothing moved.
	fn pay(payer: &AccountId, answer: &AcceptedAnswer<AccountId, Balance>) -> sp_runtime::DispatchResult;
}

/// What a dataset or a DataNet has earned.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen, Debug)]
pub struct Earnings<Balance> {
	/// OPEN credited over its lifetime.
	pub total: Balance,
	/// Accepted answers it was credited in.
	pub answers: u64,
}

sp_api::decl_runtime_apis! {
	/// Read access to rewards for the node's `attribution_pendingRewards`, `attribution_datasetEarnings` and
	/// `attribution_datanetEarnings` RPC, and polkadot.js (`api.call.rewardsApi.*`).
	pub trait RewardsApi<AccountId, Balance> where AccountId: codec::Codec, Balance: codec::Codec {
		/// OPEN `who` can claim now, and has claimed over its lifetime.
		fn rewards_of(who: AccountId) -> (Balance, Balance);
		/// What a dataset has earned.
		fn dataset_earnings(dataset: DatasetId) -> Earnings<Balance>;
		/// What a DataNet's datasets have earned together.
		fn datanet_earnings(datanet: DataNetId) -> Earnings<Balance>;
	}
}
