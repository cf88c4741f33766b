//! Reads for the runtime API: a dataset as apps and workers read it.

use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::dataset::{ContentSource, DatasetId, DatasetView, SourceKind};
use sp_core::H256;

use crate::*;

/// A dataset as the runtime API returns it.
pub type DatasetViewOf<T> = DatasetView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
	/// An inline dataset's piece hashes, in order (empty for a URI dataset or an unknown id).
	pub fn pieces(id: DatasetId) -> Vec<H256> {
		PieceHashes::<T>::get(id).map(|pieces| pieces.into_inner()).unwrap_or_default()
	}

	/// Dataset `id` as apps and workers read it.
	pub fn dataset_view(id: DatasetId) -> Option<DatasetViewOf<T>> {
		let dataset = Datasets::<T>::get(id)?;
		let pieces = Self::pieces(id);
		let (source, uri, uploaded_pieces, available) = match dataset.source {
			ContentSource::Inline { uploaded_pieces } =>
				(SourceKind::Inline, None, Some(uploaded_pieces), uploaded_pieces as usize == pieces.len()),
			ContentSource::Uri(uri) => (SourceKind::Uri, Some(uri.into_inner()), None, true),
		};
		Some(DatasetView {
			id,
			owner: dataset.owner,
			content_hash: dataset.content_hash,
			chunk_root: dataset.chunk_root,
			rows: dataset.rows,
			bytes: dataset.bytes,
			licence: dataset.licence.into_inner(),
			source,
			uri,
			uploaded_pieces,
			pieces,
			available,
			metadata: dataset.metadata.into_inner(),
			deposit: dataset.deposit,
			references: dataset.references,
			registered_at: dataset.registered_at,
		})
	}
}
