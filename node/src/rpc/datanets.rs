//! `datanets_*`: DataNets and datasets (the runtime API's views as they are), and inline datasets' bytes, which
//! only the node can serve: they live in its indexed transaction data, not in state.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use openledger_primitives::{
	content::{content_hash, piece_hash},
	dataset::{
		DataNetId, DataNetView, DataNetsApi, DatasetId, DatasetView, ProposalView, SourceKind, VersionNumber, VersionView,
	},
};
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use sc_client_api::BlockBackend;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};

use super::{api_error, error, Reader};

#[rpc(server, namespace = "datanets")]
pub trait DataNetsRpc {
	/// A DataNet, with its latest version's root.
	#[method(name = "datanet")]
	fn datanet(&self, id: DataNetId, at: Option<H256>) -> RpcResult<Option<DataNetView<AccountId, Balance, BlockNumber>>>;

	/// One version of a DataNet.
	#[method(name = "version")]
	fn datanet_version(&self, id: DataNetId, version: VersionNumber, at: Option<H256>) -> RpcResult<Option<VersionView<BlockNumber>>>;

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
	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetView<AccountId, Balance, BlockNumber>>>;

	/// An open proposal, with its validation: pending (the job), scored (the committee's report and the score), or
	/// unscored.
	#[method(name = "proposal")]
	fn proposal(
		&self,
		datanet: DataNetId,
		dataset: DatasetId,
		at: Option<H256>,
	) -> RpcResult<Option<ProposalView<AccountId, Balance, BlockNumber>>>;

	/// The whole content of an inline dataset of at most 4 MiB (8 MiB as hex, under the node's default 10 MiB
	/// response limit), assembled from indexed transaction data and checked against its content hash. Larger ones
	/// are refused (code 8): fetch them with `datasetPiece`, as workers do.
	#[method(name = "datasetContent")]
	fn dataset_content(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Bytes>;

	/// One piece of an inline dataset, checked against its piece hash.
	#[method(name = "datasetPiece")]
	fn dataset_piece(&self, id: DatasetId, index: u32, at: Option<H256>) -> RpcResult<Bytes>;
}

/// Serves [`DataNetsRpcServer`] from a client.
pub struct DataNets<C>(Reader<C>);

impl<C: HeaderBackend<Block>> DataNets<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self(Reader::new(client))
	}
}

const MAX_PAGE: u32 = 1000;

/// The largest dataset `datasetContent` assembles in one response.
const MAX_CONTENT_BYTES: u64 = 4 << 20;

impl<C> DataNets<C>
where
	C: BlockBackend<Block>,
{
	/// Piece `index` of dataset `id` from the node's indexed transaction data, checked against its hash.
	fn indexed_piece(&self, id: DatasetId, index: usize, hash: H256) -> Result<Vec<u8>, ErrorObjectOwned> {
		let bytes = self
			.0
			.client()
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
	C::Api: DataNetsApi<Block, AccountId, Balance, BlockNumber>,
{
	fn datanet(&self, id: DataNetId, at: Option<H256>) -> RpcResult<Option<DataNetView<AccountId, Balance, BlockNumber>>> {
		self.0.api().datanet(self.0.at(at), id).map_err(api_error)
	}

	fn datanet_version(
		&self,
		id: DataNetId,
		version: VersionNumber,
		at: Option<H256>,
	) -> RpcResult<Option<VersionView<BlockNumber>>> {
		self.0.api().version(self.0.at(at), id, version).map_err(api_error)
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
		self.0.api().version_members(self.0.at(at), id, version, start_after, limit).map_err(api_error)
	}

	fn dataset(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Option<DatasetView<AccountId, Balance, BlockNumber>>> {
		self.0.api().dataset(self.0.at(at), id).map_err(api_error)
	}

	fn proposal(
		&self,
		datanet: DataNetId,
		dataset: DatasetId,
		at: Option<H256>,
	) -> RpcResult<Option<ProposalView<AccountId, Balance, BlockNumber>>> {
		self.0.api().proposal(self.0.at(at), datanet, dataset).map_err(api_error)
	}

	fn dataset_content(&self, id: DatasetId, at: Option<H256>) -> RpcResult<Bytes> {
		let dataset =
			self.0.api().dataset(self.0.at(at), id).map_err(api_error)?.ok_or_else(|| error(2, format!("no dataset {id}")))?;
		if dataset.source == SourceKind::Uri {
			return Err(error(3, format!("dataset {id} is hosted at a URI, not inline")));
		}
		if dataset.bytes > MAX_CONTENT_BYTES {
			return Err(error(
				8,
				format!("dataset {id} has {} bytes, over the {MAX_CONTENT_BYTES} this method returns: read it with datanets_datasetPiece", dataset.bytes),
			));
		}
		let mut content = Vec::with_capacity(usize::try_from(dataset.bytes).unwrap_or(0));
		for (index, piece) in dataset.pieces.into_iter().enumerate() {
			content.extend_from_slice(&self.indexed_piece(id, index, piece)?);
		}
		if content_hash(&content) != dataset.content_hash {
			return Err(error(6, format!("dataset {id}: assembled content does not match its content hash")));
		}
		Ok(content.into())
	}

	fn dataset_piece(&self, id: DatasetId, index: u32, at: Option<H256>) -> RpcResult<Bytes> {
		let pieces = self.0.api().dataset_pieces(self.0.at(at), id).map_err(api_error)?;
		let piece = pieces
			.get(index as usize)
			.copied()
			.ok_or_else(|| error(2, format!("dataset {id} has no inline piece {index}")))?;
		Ok(self.indexed_piece(id, index as usize, piece)?.into())
	}
}
