//! The worker's reads of chain state: typed runtime-API calls and metadata constants through subxt, generated
//! from the same metadata as the transactions it signs (`metadata/openledger.scale`). There is no JSON mirror of
//! a chain type: a runtime change to anything read here fails the codegen check in [`Chain::connect`] (and
//! `runtime/tests/worker_metadata.rs` in CI), not a parse in the middle of a duty.
//!
//! The one read that is not state is an inline dataset's bytes: they live in the node's indexed transaction
//! data, which only the node's own `datanets_datasetPiece` method serves (piece by piece, so a large dataset never
//! needs one huge response).

use super::chain::{runtime, AtBlock, Chain};
use anyhow::{Context, Result};
use openledger_primitives::{
	attribution::{InferenceView, RequestStatus, Round},
	dataset::{DataNetView, DatasetView, SourceKind},
	model::ModelView,
};
use subxt::{rpcs::rpc_params, utils::AccountId32};

/// An inference request as the runtime's `AttributionApi::inference` returns it (primitives' own type).
pub type Inference = InferenceView<AccountId32, u128, u32>;

/// A model as the runtime's `ModelsApi::model` returns it.
pub type Model = ModelView<AccountId32, u128, u32>;

/// The runtime's limits the worker must respect, read from its metadata's constants when it connects (never
/// hard-coded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
	/// The most datasets one attribution may credit (`Attribution::MaxWeights`).
	pub max_weights: u32,
	/// The longest answer stored, in bytes (`Attribution::MaxOutputLen`).
	pub max_output: u32,
}

/// Dataset ids per `DataNetsApi::version_members` page.
const MEMBERS_PAGE: u32 = 100;

impl Chain {
	/// A client at the best block: duties check the state they are about to change, which may be ahead of the
	/// finalized block whose events triggered them. One round trip when the best block has not changed since the
	/// last read (measured: building a client per read made a block of 250 model registrations take minutes).
	pub(super) async fn at_best(&self) -> Result<AtBlock> {
		let best: subxt::utils::H256 = self.call("chain_getBlockHash", rpc_params![]).await?;
		let mut cached = self.best.lock().await;
		if let Some(at) = cached.as_ref().filter(|at| at.block_hash() == best) {
			return Ok(at.clone());
		}
		let at = self.api.at_block(best).await.with_context(|| format!("reading the best block {best:?}"))?;
		*cached = Some(at.clone());
		Ok(at)
	}

	/// Inference request `id`: phase, model, prompt, answer, attribution and votes.
	pub async fn inference(&self, id: u64) -> Result<Option<Inference>> {
		let at = self.at_best().await?;
		let view = at.runtime_apis().call(runtime::runtime_apis().attribution_api().inference(id)).await?;
		Ok(view.map(|view| view.0))
	}

	/// Model `id`'s record.
	pub async fn model(&self, id: u32) -> Result<Option<Model>> {
		let at = self.at_best().await?;
		let view = at.runtime_apis().call(runtime::runtime_apis().models_api().model(id)).await?;
		Ok(view.map(|view| view.0))
	}

	/// The datasets of a DataNet version, ascending.
	pub async fn members(&self, datanet: u32, version: u32) -> Result<Vec<u64>> {
		let at = self.at_best().await?;
		let mut members: Vec<u64> = Vec::new();
		loop {
			let page = runtime::runtime_apis().data_nets_api().version_members(
				datanet,
				version,
				members.last().copied(),
				MEMBERS_PAGE,
			);
			let page = at.runtime_apis().call(page).await?;
			let done = page.len() < MEMBERS_PAGE as usize;
			members.extend(page);
			if done {
				return Ok(members);
			}
		}
	}

	/// DataNet `id` with its latest version and its validation policy.
	pub async fn datanet(&self, id: u32) -> Result<Option<DataNetView<AccountId32, u128, u32>>> {
		let at = self.at_best().await?;
		let view = at.runtime_apis().call(runtime::runtime_apis().data_nets_api().datanet(id)).await?;
		Ok(view.map(|view| view.0))
	}

	/// What the worker needs of dataset `id` to fetch and check its bytes.
	pub async fn dataset(&self, id: u64) -> Result<Option<DatasetSource>> {
		let at = self.at_best().await?;
		let Some(dataset) = at.runtime_apis().call(runtime::runtime_apis().data_nets_api().dataset(id)).await? else {
			return Ok(None);
		};
		DatasetSource::from_view(dataset.0).map(Some)
	}

	/// An inline dataset's content, fetched piece by piece (`datanets_datasetPiece`: each piece checked by the node
	/// against its hash, each response small whatever the dataset's size) and refused once it passes `declared`
	/// bytes. The caller checks the assembled content against the content hash.
	pub async fn inline_content(&self, id: u64, pieces: usize, declared: u64) -> Result<Vec<u8>> {
		let mut content = Vec::new();
		for index in 0..pieces {
			let hex: String = self.call("datanets_datasetPiece", rpc_params![id, index]).await?;
			let piece = hex::decode(hex.trim_start_matches("0x"))
				.with_context(|| format!("dataset {id}: the node returned a malformed piece {index}"))?;
			content.extend_from_slice(&piece);
			if u64::try_from(content.len()).unwrap_or(u64::MAX) > declared {
				anyhow::bail!("dataset {id}: more than the {declared} bytes the chain declares");
			}
		}
		Ok(content)
	}
}

/// Where a dataset's bytes are, and what they must hash to.
#[derive(Debug, Clone)]
pub struct DatasetSource {
	pub owner: AccountId32,
	pub content_hash: sp_core::H256,
	/// The declared size.
	pub bytes: u64,
	/// Inline pieces (0 for a URI dataset).
	pub pieces: usize,
	pub location: Location,
}

impl DatasetSource {
	fn from_view(dataset: DatasetView<AccountId32, u128, u32>) -> Result<Self> {
		let location = match (dataset.source, dataset.uri) {
			(SourceKind::Inline, _) => Location::Inline,
			(SourceKind::Uri, Some(uri)) => Location::Uri(String::from_utf8_lossy(&uri).into_owned()),
			(SourceKind::Uri, None) => anyhow::bail!("dataset {}: a URI dataset without a URI", dataset.id),
		};
		Ok(Self {
			owner: dataset.owner,
			content_hash: dataset.content_hash,
			bytes: dataset.bytes,
			pieces: dataset.pieces.len(),
			location,
		})
	}
}

/// Where a dataset's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
	/// Uploaded to the chain: the node serves them.
	Inline,
	/// Hosted at this URI.
	Uri(String),
}

/// How a request reads to a worker deciding what to do.
pub trait InferenceExt {
	/// The prompt, as text.
	fn prompt_text(&self) -> String;
	/// The server's answer, as text, once given.
	fn output_text(&self) -> Option<String>;
	/// Whether the request waits for `server`'s answer.
	fn awaits_answer_from(&self, server: &AccountId32) -> bool;
	/// Whether `round`'s committee is committing.
	fn is_committing(&self, round: Round) -> bool;
	/// Whether `round`'s committee is revealing.
	fn is_revealing(&self, round: Round) -> bool;
	/// Whether `validator` committed in `round` (as a member, or as the server in a review) and has yet to
	/// reveal, while the round is revealing.
	fn awaits_reveal_from(&self, round: Round, validator: &AccountId32) -> bool;
	/// Whether the request is over: paid, refunded or declined (nothing is revealed for it any more).
	fn is_closed(&self) -> bool;
}

impl InferenceExt for Inference {
	fn prompt_text(&self) -> String {
		// An open request always has its prompt: only closed ones are pruned.
		self.prompt.as_deref().map(|prompt| String::from_utf8_lossy(prompt).into_owned()).unwrap_or_default()
	}

	fn output_text(&self) -> Option<String> {
		self.output.as_ref().map(|output| String::from_utf8_lossy(output).into_owned())
	}

	fn awaits_answer_from(&self, server: &AccountId32) -> bool {
		self.status == RequestStatus::Assigned && self.server.as_ref() == Some(server)
	}

	fn is_committing(&self, round: Round) -> bool {
		self.status == RequestStatus::Committing && self.round == Some(round)
	}

	fn is_revealing(&self, round: Round) -> bool {
		self.status == RequestStatus::Revealing && self.round == Some(round)
	}

	fn awaits_reveal_from(&self, round: Round, validator: &AccountId32) -> bool {
		let member = matches!(self.seat(round, validator), Some(vote) if vote.commitment.is_some() && vote.revealed.is_none());
		let server = round == Round::Review
			&& self.server.as_ref() == Some(validator)
			&& self.server_commitment.is_some()
			&& self.submitted_weights.is_none();
		self.is_revealing(round) && (member || server)
	}

	fn is_closed(&self) -> bool {
		matches!(
			self.status,
			RequestStatus::Paid
				| RequestStatus::RefundedNoAnswer
				| RequestStatus::RefundedNoQuorum
				| RequestStatus::RefundedPayoutFailed
				| RequestStatus::Declined
		)
	}
}
