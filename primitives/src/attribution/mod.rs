//! Inference requests and their attribution: the [`Attribution`] type (valid by construction) and the rules that
//! compare and combine them ([`l1_distance`], [`Attribution::median`], [`Attribution::decide`]), the commitment a committee member publishes before revealing
//! its attribution, and the runtime API the node, apps and the worker read requests through.

mod products;
mod tally;
#[cfg(test)]
mod tests;
mod vector;
mod view;

pub use products::{
	bf16_bits, bf16_operand, bf16_pair_step, bf16_to_f32, round_to_bf16, ProductArithmetic, ATTRIBUTION_PRODUCTS,
};
pub use tally::{l1_distance, Decision};
pub use vector::{Attribution, AttributionError, Share, Unbounded};
pub use view::{DatasetAnswer, DatasetAnswers, DeclineReason, InferenceView, RequestStatus, Verdict, VoteView};

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::dataset::DatasetId;

/// An inference request's number.
pub type RequestId = u64;

/// The L1 distance (basis points) within which two attribution vectors agree, as production and the
/// development presets set it: a committee confirms an answer's credit when a quorum of reveals lie this close
/// to it. The chain reads its tolerance from storage (root may change it); workers' agreement checks compare
/// with this default.
pub const DEFAULT_TOLERANCE_BPS: u32 = 500;

/// Members of the committee drawn to review each answer, as production and the development presets set it
/// (capped by the runtime's `MaxCommittee`; root may change it). Each of them recomputes the answer's attribution.
pub const DEFAULT_COMMITTEE_SIZE: u32 = 3;

/// Which committee a vote belongs to: the one drawn when the answer arrived, or the larger one a challenge
/// draws.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Round {
	/// The committee that checks the server's answer.
	Review,
	/// The committee a challenge draws.
	Challenge,
}

/// The hash a committee member commits to: blake2-256 of the SCALE encoding of
/// `(request, round, validator, weights, salt)`. Binding the request, round and validator means a
/// commitment cannot be copied from another member or replayed on another request.
pub fn commitment<AccountId: Encode>(
	request: RequestId,
	round: Round,
	validator: &AccountId,
	weights: &[Share],
	salt: &[u8; 32],
) -> sp_core::H256 {
	sp_core::H256(sp_crypto_hashing::blake2_256(&(request, round, validator, weights, salt).encode()))
}

sp_api::decl_runtime_apis! {
	/// Read access to inference requests for the node's `attribution_inference` and `attribution_byDataset`
	/// RPC (which serve these views as they are), polkadot.js (`api.call.attributionApi.*`) and the worker.
	pub trait AttributionApi<AccountId, Balance, BlockNumber> where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// A request: status, model, prompt, answer, attribution and committee votes.
		fn inference(id: RequestId) -> Option<InferenceView<AccountId, Balance, BlockNumber>>;
		/// The `page`-th page (oldest first) of the paid answers that credited `dataset`.
		fn by_dataset(dataset: DatasetId, page: u32) -> DatasetAnswers;
	}
}
