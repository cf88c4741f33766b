//! Inference requests as apps and workers read them: the runtime API's answers, served as JSON by the node's
//! `attribution_*` RPC exactly as they are (see [`crate::json`]).

use alloc::vec::Vec;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use core::fmt::Display;
use serde::Serialize;
use sp_core::H256;

use super::{Attribution, RequestId, Round, Unbounded};
use crate::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	json,
	model::ModelId,
	rewards::BasisPoints,
};

/// How the attribution that stands was decided.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
	/// The server's vector, confirmed by a quorum of the review committee (or unchecked: no committee).
	Confirmed,
	/// The review committee's median, the server's vector outvoted.
	Corrected,
	/// A challenge committee confirmed the standing vector: the challenger lost its bond.
	ChallengeRejected,
	/// A challenge committee's median replaced the standing vector.
	ChallengeUpheld,
	/// A challenge committee reached no quorum: the standing vector stays and the bond is returned.
	ChallengeInconclusive,
}

/// Where a request is, by name.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestStatus {
	/// Waiting for the assigned server's answer.
	Assigned,
	/// A committee commits to hashes of its own vectors.
	Committing,
	/// A committee reveals its vectors.
	Revealing,
	/// Decided; anyone may challenge until `until`.
	Challengeable,
	/// Paid out by the standing attribution.
	Paid,
	/// Nobody answered in time, twice: refunded.
	RefundedNoAnswer,
	/// The committee reached no quorum: refunded.
	RefundedNoQuorum,
	/// The payout failed (a credited dataset vanished): refunded.
	RefundedPayoutFailed,
	/// Waiting for its server (no `round`) or its `round`'s committee to be drawn, at `until`, from
	/// randomness nobody knew when the request, answer or challenge was signed.
	Drawing,
	/// Two servers in turn declined to answer (the data could not ground an answer): refunded.
	Declined,
}

/// Why a server declined to answer a request (`decline`): nobody is paid and the fee goes back, after a
/// second, independently drawn server has declined too. The worker's rule is in docs/ATTRIBUTION.md ("Declining").
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum DeclineReason {
	/// The DataNet holds nothing close to the question: no answer could be grounded in it.
	NothingRelevant,
	/// The model's answer from the retrieved context is too unlikely under the model itself to be worth paying
	/// for (a vacuous or garbled answer).
	NotConfident,
	/// The model cannot take the prompt at all (blank, or longer than its context window).
	Unanswerable,
}

/// A committee member's seat and vote.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteView<AccountId> {
	pub round: Round,
	pub member: AccountId,
	/// The commitment, once made.
	pub commitment: Option<H256>,
	/// The revealed attribution, once revealed.
	pub revealed: Option<Attribution<Unbounded>>,
}

/// An inference request as apps and workers read it (`AttributionApi::inference`, `attribution_inference`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display, BlockNumber: Serialize"))]
pub struct InferenceView<AccountId, Balance, BlockNumber> {
	pub id: RequestId,
	pub status: RequestStatus,
	/// The round being decided, while committing or revealing.
	pub round: Option<Round>,
	/// The block the current phase ends at (open requests).
	pub until: Option<BlockNumber>,
	pub requester: AccountId,
	pub model: ModelId,
	pub datanet: DataNetId,
	pub version: VersionNumber,
	#[serde(serialize_with = "json::string")]
	pub fee: Balance,
	pub created_at: BlockNumber,
	/// The validator assigned to answer (none until drawn), and how many have been.
	pub server: Option<AccountId>,
	pub assignments: u8,
	/// The question; `None` once pruned (`retained_until` passed).
	#[serde(serialize_with = "json::optional_text")]
	pub prompt: Option<Vec<u8>>,
	/// The answer, once given.
	#[serde(serialize_with = "json::optional_text")]
	pub output: Option<Vec<u8>>,
	/// The worker key that signed the answer.
	pub worker: Option<AccountId>,
	/// The server's commitment to its own attribution, made with its answer.
	pub server_commitment: Option<H256>,
	/// The server's own attribution, once it revealed it with its review committee.
	pub submitted_weights: Option<Attribution<Unbounded>>,
	/// The attribution that stands (final once paid).
	pub weights: Option<Attribution<Unbounded>>,
	pub verdict: Option<Verdict>,
	pub challenger: Option<AccountId>,
	#[serde(serialize_with = "json::optional_string")]
	pub challenge_bond: Option<Balance>,
	/// Each round's committee, members in the order drawn (empty once pruned).
	pub votes: Vec<VoteView<AccountId>>,
	/// Held from the requester until the request is pruned; zero after.
	#[serde(serialize_with = "json::string")]
	pub deposit: Balance,
	/// Once closed: the block its prompt, answer, committees and votes are pruned at (its record, standing
	/// weights and the per-dataset index stay).
	pub retained_until: Option<BlockNumber>,
}

impl<AccountId: PartialEq, Balance, BlockNumber> InferenceView<AccountId, Balance, BlockNumber> {
	/// `member`'s seat on `round`'s committee, if it has one.
	pub fn seat(&self, round: Round, member: &AccountId) -> Option<&VoteView<AccountId>> {
		self.votes.iter().find(|vote| vote.round == round && vote.member == *member)
	}
}

/// One paid answer that credited a dataset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetAnswer {
	pub request: RequestId,
	/// The dataset's share of the answer's credit.
	pub bps: BasisPoints,
}

/// A page of the paid answers that credited a dataset (`AttributionApi::by_dataset`, `attribution_byDataset`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetAnswers {
	pub dataset: DatasetId,
	pub page: u32,
	/// Paid answers crediting the dataset, over all pages.
	pub total: u32,
	/// This page, oldest first.
	pub answers: Vec<DatasetAnswer>,
}
