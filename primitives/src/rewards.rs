//! How an accepted answer's fee becomes OPEN its contributors can claim: the hand-off from the attribution
//! pallet to the rewards pallet.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use core::fmt::Display;
use serde::Serialize;

use crate::{
	attribution::Attribution,
	dataset::{DataNetId, DatasetId},
	json,
};

/// Basis points: parts of 10 000.
pub type BasisPoints = u16;

/// All the basis points there are.
pub const ALL_BASIS_POINTS: u32 = 10_000;

/// An answer whose attribution was finally accepted, with what it pays. `MaxWeights` bounds the attribution.
pub struct AcceptedAnswer<AccountId, Balance, MaxWeights: sp_core::Get<u32>> {
	/// The answered model's owner.
	pub model_owner: AccountId,
	/// The DataNet the model draws on.
	pub datanet: DataNetId,
	/// Each credited dataset's share of the contributors' part.
	pub weights: Attribution<MaxWeights>,
	/// The fee paid for the answer.
	pub fee: Balance,
	/// The validators who did the answer's work and agreed with the attribution that stands, each with its
	/// shares of the validators' part: the server 2 ([`SERVER_SHARES`]), each agreeing committee member 1.
	pub validators: Vec<(AccountId, u32)>,
}

/// The server's shares of an answer's validators' part against a committee member's one: it generates the
/// answer and attributes it, where a member only attributes. Attribution is most of the work (≈ 6 s of a
/// server's ≈ 9 s on the reference machine, docs/BENCHMARKS.md), so 2 : 1 pays the server at least its cost
/// ratio while keeping a reviewer's seat worth taking.
pub const SERVER_SHARES: u32 = 2;

// Hand-written so that the bound `MaxWeights` needs none of these traits itself.
impl<AccountId: Clone, Balance: Clone, MaxWeights: sp_core::Get<u32>> Clone
	for AcceptedAnswer<AccountId, Balance, MaxWeights>
{
	fn clone(&self) -> Self {
		Self {
			model_owner: self.model_owner.clone(),
			datanet: self.datanet,
			weights: self.weights.clone(),
			fee: self.fee.clone(),
			validators: self.validators.clone(),
		}
	}
}

impl<AccountId: PartialEq, Balance: PartialEq, MaxWeights: sp_core::Get<u32>> PartialEq
	for AcceptedAnswer<AccountId, Balance, MaxWeights>
{
	fn eq(&self, other: &Self) -> bool {
		self.model_owner == other.model_owner
			&& self.datanet == other.datanet
			&& self.weights == other.weights
			&& self.fee == other.fee
			&& self.validators == other.validators
	}
}

impl<AccountId: core::fmt::Debug, Balance: core::fmt::Debug, MaxWeights: sp_core::Get<u32>> core::fmt::Debug
	for AcceptedAnswer<AccountId, Balance, MaxWeights>
{
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("AcceptedAnswer")
			.field("model_owner", &self.model_owner)
			.field("datanet", &self.datanet)
			.field("weights", &self.weights)
			.field("fee", &self.fee)
			.field("validators", &self.validators)
			.finish()
	}
}

/// Pays out accepted answers.
pub trait AnswerPayout<AccountId, Balance, MaxWeights: sp_core::Get<u32>> {
	/// Moves `answer.fee` from `payer` (the attribution pallet's escrow account) and credits it by the fee
	/// split. Atomic: on error nothing moved.
	fn pay(payer: &AccountId, answer: &AcceptedAnswer<AccountId, Balance, MaxWeights>) -> sp_runtime::DispatchResult;
}

/// What a dataset or a DataNet has earned.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "Balance: Display"))]
pub struct Earnings<Balance> {
	/// OPEN credited over its lifetime.
	#[serde(serialize_with = "json::string")]
	pub total: Balance,
	/// Accepted answers it was credited in.
	pub answers: u64,
}

/// An account's rewards as wallets read them (`RewardsApi::rewards_of`, the `rewards_pending` RPC).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display"))]
pub struct AccountRewards<AccountId, Balance> {
	pub account: AccountId,
	/// Claimable now with `rewards.claim()`.
	#[serde(serialize_with = "json::string")]
	pub pending: Balance,
	/// Claimed over the account's lifetime.
	#[serde(serialize_with = "json::string")]
	pub claimed: Balance,
}

sp_api::decl_runtime_apis! {
	/// Read access to rewards for the node's `rewards_pending`, `rewards_datasetEarnings` and
	/// `rewards_datanetEarnings` RPC (which serve these views as they are), and polkadot.js (`api.call.rewardsApi.*`).
	pub trait RewardsApi<AccountId, Balance> where AccountId: codec::Codec, Balance: codec::Codec {
		/// OPEN `who` can claim now, and has claimed over its lifetime.
		fn rewards_of(who: AccountId) -> AccountRewards<AccountId, Balance>;
		/// What a dataset has earned.
		fn dataset_earnings(dataset: DatasetId) -> Earnings<Balance>;
		/// What a DataNet's datasets have earned together.
		fn datanet_earnings(datanet: DataNetId) -> Earnings<Balance>;
	}
}
