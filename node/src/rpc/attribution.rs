//! `attribution_inference` and `attribution_byDataset`: inference requests, their answers, attribution and
//! committee votes as JSON, from the runtime API at the best block (or `at`).

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::{
	attribution::{AttributionApi, RequestId, Round},
	dataset::{DataNetId, DatasetId, VersionNumber},
	model::ModelId,
	rewards::BasisPoints,
};
use openledger_runtime::{opaque::Block, AccountId, BlockNumber, Runtime};
use pallet_attribution::{Closure, DatasetPage, InferenceView, Phase, Verdict};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	H256,
};

use super::datanets::api_error;

/// One dataset's share of an attribution.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightJson {
	pub dataset: DatasetId,
	/// Basis points (of 10 000).
	pub bps: BasisPoints,
}

/// A committee member's vote.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteJson {
	/// `review` or `challenge`.
	pub round: &'static str,
	pub member: String,
	/// The commitment, once made.
	pub commitment: Option<H256>,
	/// The revealed vector, once revealed.
	pub revealed: Option<Vec<WeightJson>>,
}

/// An inference request as JSON (balances as decimal strings, accounts as SS58, text as UTF-8).
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceJson {
	pub id: RequestId,
	/// `assigned`, `committing`, `revealing`, `challengeable`, `paid`, `refundedNoAnswer`,
	/// `refundedNoQuorum` or `refundedPayoutFailed`.
	pub status: &'static str,
	/// The round being decided, while committing or revealing.
	pub round: Option<&'static str>,
	/// The block the current phase ends at (open requests).
	pub until: Option<BlockNumber>,
	pub requester: String,
	pub model: ModelId,
	pub datanet: DataNetId,
	pub version: VersionNumber,
	pub fee: String,
	pub created_at: BlockNumber,
	/// The validator assigned to answer, and how many have been.
	pub server: String,
	pub assignments: u8,
	pub prompt: String,
	/// The answer, once given.
	pub output: Option<String>,
	/// The worker key that signed the answer.
	pub worker: Option<String>,
	/// The server's own attribution.
	pub submitted_weights: Option<Vec<WeightJson>>,
	/// The attribution that stands (final once paid).
	pub weights: Option<Vec<WeightJson>>,
	/// `confirmed`, `corrected`, `challengeRejected`, `challengeUpheld` or `challengeInconclusive`.
	pub verdict: Option<&'static str>,
	pub challenger: Option<String>,
	pub challenge_bond: Option<String>,
	pub votes: Vec<VoteJson>,
}

/// A page of the paid answers that credited a dataset.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetAnswersJson {
	pub dataset: DatasetId,
	pub page: u32,
	/// Paid answers crediting the dataset, over all pages.
	pub total: u32,
	pub answers: Vec<DatasetAnswerJson>,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetAnswerJson {
	pub request: RequestId,
	pub bps: BasisPoints,
}

#[rpc(server, namespace = "attribution")]
pub trait AttributionRpc {
	/// An inference request: status, model, prompt, answer, attribution and committee votes.
	#[method(name = "inference")]
	fn inference(&self, id: RequestId, at: Option<H256>) -> RpcResult<Option<InferenceJson>>;

	/// The `page`-th page (50 per page, oldest first) of the paid answers that credited `dataset`.
	#[method(name = "byDataset")]
	fn by_dataset(&self, dataset: DatasetId, page: Option<u32>, at: Option<H256>) -> RpcResult<DatasetAnswersJson>;
}

/// Serves [`AttributionRpcServer`] from a client.
pub struct Attribution<C> {
	client: Arc<C>,
	ss58: Ss58AddressFormat,
}

impl<C> Attribution<C> {
	pub fn new(client: Arc<C>, ss58_prefix: u16) -> Self {
		Self { client, ss58: Ss58AddressFormat::custom(ss58_prefix) }
	}

	fn account(&self, who: &AccountId) -> String {
		who.to_ss58check_with_version(self.ss58)
	}
}

fn weights_json(weights: &[(DatasetId, BasisPoints)]) -> Vec<WeightJson> {
	weights.iter().map(|(dataset, bps)| WeightJson { dataset: *dataset, bps: *bps }).collect()
}

fn round_name(round: Round) -> &'static str {
	match round {
		Round::Review => "review",
		Round::Challenge => "challenge",
	}
}

fn status(phase: &Phase<BlockNumber>) -> (&'static str, Option<&'static str>) {
	match phase {
		Phase::Assigned { .. } => ("assigned", None),
		Phase::Committing { round, .. } => ("committing", Some(round_name(*round))),
		Phase::Revealing { round, .. } => ("revealing", Some(round_name(*round))),
		Phase::Challengeable { .. } => ("challengeable", None),
		Phase::Closed(Closure::Paid) => ("paid", None),
		Phase::Closed(Closure::RefundedNoAnswer) => ("refundedNoAnswer", None),
		Phase::Closed(Closure::RefundedNoQuorum) => ("refundedNoQuorum", None),
		Phase::Closed(Closure::RefundedPayoutFailed) => ("refundedPayoutFailed", None),
	}
}

fn verdict_name(verdict: Verdict) -> &'static str {
	match verdict {
		Verdict::Confirmed => "confirmed",
		Verdict::Corrected => "corrected",
		Verdict::ChallengeRejected => "challengeRejected",
		Verdict::ChallengeUpheld => "challengeUpheld",
		Verdict::ChallengeInconclusive => "challengeInconclusive",
	}
}

impl<C> AttributionRpcServer for Attribution<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AttributionApi<Block, InferenceView<Runtime>, DatasetPage>,
{
	fn inference(&self, id: RequestId, at: Option<H256>) -> RpcResult<Option<InferenceJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let Some(view) = self.client.runtime_api().inference(at, id).map_err(api_error)? else {
			return Ok(None);
		};
		let request = &view.request;
		let (status, round) = status(&request.phase);
		Ok(Some(InferenceJson {
			id,
			status,
			round,
			until: request.phase.until(),
			requester: self.account(&request.requester),
			model: request.model,
			datanet: request.datanet,
			version: request.version,
			fee: request.fee.to_string(),
			created_at: request.created_at,
			server: self.account(&request.server),
			assignments: request.assignments,
			prompt: String::from_utf8_lossy(&view.prompt).into_owned(),
			output: view.answer.as_ref().map(|a| String::from_utf8_lossy(&a.output).into_owned()),
			worker: view.answer.as_ref().map(|a| self.account(&a.worker)),
			submitted_weights: view.answer.as_ref().map(|a| weights_json(a.weights.shares())),
			weights: view.weights.as_ref().map(|w| weights_json(w.shares())),
			verdict: request.verdict.map(verdict_name),
			challenger: request.challenge.as_ref().map(|(who, _)| self.account(who)),
			challenge_bond: request.challenge.as_ref().map(|(_, bond)| bond.to_string()),
			votes: view
				.votes
				.iter()
				.map(|(round, member, vote)| VoteJson {
					round: round_name(*round),
					member: self.account(member),
					commitment: vote.as_ref().map(|v| v.commitment),
					revealed: vote.as_ref().and_then(|v| v.revealed.as_ref()).map(|w| weights_json(w.shares())),
				})
				.collect(),
		}))
	}

	fn by_dataset(&self, dataset: DatasetId, page: Option<u32>, at: Option<H256>) -> RpcResult<DatasetAnswersJson> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let page = page.unwrap_or(0);
		let found = self.client.runtime_api().by_dataset(at, dataset, page).map_err(api_error)?;
		Ok(DatasetAnswersJson {
			dataset,
			page,
			total: found.total,
			answers: found.answers.into_iter().map(|(request, bps)| DatasetAnswerJson { request, bps }).collect(),
		})
	}
}
