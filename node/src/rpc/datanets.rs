//! `datanets_*` JSON-RPC methods about DataNets and datasets, answered from the runtime API at the best
//! block (or `at`), and inline dataset content served from the node's indexed transaction data.
//!
//! Balances are decimal strings (u128 does not fit a JSON number), hashes and bytes are 0x-hex, accounts are
//! SS58 with the chain's prefix.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use openledger_primitives::{
	content::{content_hash, piece_hash},
	dataset::{ContentSource, DataNetId, DataNetStatus, DataNetsApi, DatasetId, VersionNumber},
};
use openledger_runtime::{opaque::Block, BlockNumber, Runtime};
use sc_client_api::BlockBackend;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	Bytes, H256,
};

type DataNetRecord = pallet_datanets::DataNet<Runtime>;
type DatasetRecord = pallet_datasets::DatasetOf<Runtime>;

/// A DataNet as JSON.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataNetJson {
	pub id: DataNetId,
	pub owner: String,
	pub name: String,
	pub metadata: Bytes,
	pub curators: Vec<String>,
	pub status: &'static str,
	pub deposit: String,
	pub version: VersionNumber,
	pub root: H256,
	pub dataset_count: u32,
	pub open_proposals: u32,
	pub allowed_licences: Vec<String>,
	pub max_dataset_bytes: u64,
	pub max_datasets: u32,
	pub contribution_deposit: String,
	pub created_at: BlockNumber,
}

/// One DataNet version as JSON.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionJson {
	pub datanet: DataNetId,
	pub version: VersionNumber,
	pub root: H256,
	pub dataset_count: u32,
	pub created_at: BlockNumber,
}

/// A dataset as JSON.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetJson {
	pub id: DatasetId,
	pub owner: String,
	pub content_hash: H256,
	pub chunk_root: H256,
	pub rows: u64,
	pub bytes: u64,
	pub licence: String,
	/// `inline` or `uri`.
	pub source: &'static str,
	pub uri: Option<String>,
	pub uploaded_pieces: Option<u32>,
	pub pieces: Vec<H256>,
	pub available: bool,
	pub metadata: Bytes,
	pub deposit: String,
	pub references: u32,
	pub registered_at: BlockNumber,
}

#[rpc(server, namespace = "datanets")]
pub trait DataNetsRpc {
	/// A DataNet, with its latest version's root.
	#[method(name = "datanet")]
	fn datanet(&self, id: DataNetId, at: Option<H256>) -> RpcResult<Option<DataNetJson>>;

	/// One version of a DataNet.
	#[method(name = "version")]
	fn datanet_version(&self, id: DataNetId, version: VersionNumber, at: Option<H256>) -> RpcResult<Option<VersionJson>>;

	/// Dataset ids in a version, ascending, after `start_after`, at most `limit` (default and cap 1000).
	#[method(name = "members")]
	fn datanet_members(
		&self,
		id: DataNetId,
		version: VersionNumber,
		start_after: Option<DatasetId>,
		limit: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<DatasetId>>;

	/// A dataset.
	#[method(name = "dataset")]
	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetJson>>;

	/// The whole content of an inline dataset, assembled from indexed transaction data and checked
	/// against its content hash. Bounded by the node's RPC response size (`--rpc-max-response-size`,
	/// 10 MiB by default, i.e. ~5 MiB of content as hex); fetch larger datasets with `datasetPiece`.
	#[method(name = "datasetContent")]
	fn dataset_content(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Bytes>;

	/// One piece of an inline dataset, checked against its piece hash.
	#[method(name = "datasetPiece")]
	fn dataset_piece(&self, id: DatasetId, index: u32, at: Option<H256>) -> RpcResult<Bytes>;
}

/// Serves [`DataNetsRpcServer`] from a client.
pub struct DataNets<C> {
	client: Arc<C>,
	ss58: Ss58AddressFormat,
}

impl<C> DataNets<C> {
	pub fn new(client: Arc<C>, ss58_prefix: u16) -> Self {
		Self { client, ss58: Ss58AddressFormat::custom(ss58_prefix) }
	}
}

const MAX_PAGE: u32 = 1000;

pub(super) fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

pub(super) fn api_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(1, format!("runtime API call failed: {e}"))
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

impl<C> DataNets<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockBackend<Block> + Send + Sync + 'static,
	C::Api: DataNetsApi<Block, DataNetRecord, DatasetRecord, BlockNumber>,
{
	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}

	fn account(&self, account: &openledger_runtime::AccountId) -> String {
		account.to_ss58check_with_version(self.ss58)
	}

	/// Piece `index` of dataset `id` from the node's indexed transaction data, checked against its hash.
	fn indexed_piece(&self, id: DatasetId, index: usize, hash: H256) -> Result<Vec<u8>, ErrorObjectOwned> {
		let bytes = self
			.client
			.indexed_transaction(hash)
			.map_err(|e| error(4, format!("reading piece {index} ({hash:?}): {e}")))?
			.ok_or_else(|| error(5, format!("piece {index} ({hash:?}) of dataset {id} is not on this node yet")))?;
		if piece_hash(&bytes) != hash {
			return Err(error(6, format!("piece {index} of dataset {id} does not match its hash")));
		}
		Ok(bytes)
	}
}

impl<C> DataNetsRpcServer for DataNets<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockBackend<Block> + Send + Sync + 'static,
	C::Api: DataNetsApi<Block, DataNetRecord, DatasetRecord, BlockNumber>,
{
	fn datanet(&self, id: DataNetId, at: Option<H256>) -> RpcResult<Option<DataNetJson>> {
		let at = self.at(at);
		let api = self.client.runtime_api();
		let Some(d) = api.datanet(at, id).map_err(api_error)? else { return Ok(None) };
		let version = api.version(at, id, d.version).map_err(api_error)?;
		Ok(Some(DataNetJson {
			id,
			owner: self.account(&d.owner),
			name: text(&d.name),
			metadata: d.metadata.to_vec().into(),
			curators: d.curators.iter().map(|c| self.account(c)).collect(),
			status: match d.status {
				DataNetStatus::Open => "open",
				DataNetStatus::Closed => "closed",
			},
			deposit: d.deposit.to_string(),
			version: d.version,
			root: version.as_ref().map(|v| v.root).unwrap_or_default(),
			dataset_count: version.as_ref().map_or(0, |v| v.dataset_count),
			open_proposals: d.open_proposals,
			allowed_licences: d.policy.allowed_licences.iter().map(|l| text(l)).collect(),
			max_dataset_bytes: d.policy.max_dataset_bytes,
			max_datasets: d.policy.max_datasets,
			contribution_deposit: d.policy.contribution_deposit.to_string(),
			created_at: d.created_at,
		}))
	}

	fn datanet_version(&self, id: DataNetId, version: VersionNumber, at: Option<H256>) -> RpcResult<Option<VersionJson>> {
		let info = self.client.runtime_api().version(self.at(at), id, version).map_err(api_error)?;
		Ok(info.map(|v| VersionJson {
			datanet: id,
			version,
			root: v.root,
			dataset_count: v.dataset_count,
			created_at: v.created_at,
		}))
	}

	fn datanet_members(
		&self,
		id: DataNetId,
		version: VersionNumber,
		start_after: Option<DatasetId>,
		limit: Option<u32>,
		at: Option<H256>,
	) -> RpcResult<Vec<DatasetId>> {
		let limit = limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
		self.client
			.runtime_api()
			.version_members(self.at(at), id, version, start_after, limit)
			.map_err(api_error)
	}

	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetJson>> {
		let at = self.at(at);
		let api = self.client.runtime_api();
		let Some(d) = api.dataset(at, id).map_err(api_error)? else { return Ok(None) };
		let pieces = api.dataset_pieces(at, id).map_err(api_error)?;
		let (source, uri, uploaded_pieces, available) = match &d.source {
			ContentSource::Inline { uploaded_pieces } =>
				("inline", None, Some(*uploaded_pieces), *uploaded_pieces as usize == pieces.len()),
			ContentSource::Uri(uri) => ("uri", Some(text(uri)), None, true),
		};
		Ok(Some(DatasetJson {
			id,
			owner: self.account(&d.owner),
			content_hash: d.content_hash,
			chunk_root: d.chunk_root,
			rows: d.rows,
			bytes: d.bytes,
			licence: text(&d.licence),
			source,
			uri,
			uploaded_pieces,
			pieces,
			available,
			metadata: d.metadata.to_vec().into(),
			deposit: d.deposit.to_string(),
			references: d.references,
			registered_at: d.registered_at,
		}))
	}

	fn dataset_content(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Bytes> {
		let at = self.at(at);
		let api = self.client.runtime_api();
		let dataset = api.dataset(at, id).map_err(api_error)?.ok_or_else(|| error(2, format!("no dataset {id}")))?;
		if matches!(dataset.source, ContentSource::Uri(_)) {
			return Err(error(3, format!("dataset {id} is hosted at a URI, not inline")));
		}
		let mut content = Vec::with_capacity(usize::try_from(dataset.bytes).unwrap_or(0));
		for (index, piece) in api.dataset_pieces(at, id).map_err(api_error)?.into_iter().enumerate() {
			content.extend_from_slice(&self.indexed_piece(id, index, piece)?);
		}
		if content_hash(&content) != dataset.content_hash {
			return Err(error(6, format!("dataset {id}: assembled content does not match its content hash")));
		}
		Ok(content.into())
	}

	fn dataset_piece(&self, id: DatasetId, index: u32, at: Option<H256>) -> RpcResult<Bytes> {
		let pieces = self.client.runtime_api().dataset_pieces(self.at(at), id).map_err(api_error)?;
		let piece = pieces
			.get(index as usize)
			.copied()
			.ok_or_else(|| error(2, format!("dataset {id} has no inline piece {index}")))?;
		Ok(self.indexed_piece(id, index as usize, piece)?.into())
	}
}
