//! Registering a dataset.

use frame_support::pallet_prelude::*;
use openledger_primitives::{
	content::{merkle_root, piece_count},
	dataset::{ContentSource, Dataset, DatasetId, SKETCH_LEN},
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Registers a dataset owned by `owner`, holding its deposit.
	///
	/// # Errors
	/// - [`Error::EmptyDataset`] if `rows` or `bytes` is zero.
	/// - [`Error::InvalidSketch`] if the sketch does not have `SKETCH_LEN` values.
	/// - [`Error::DuplicateContent`] if the content hash is already registered.
	/// - [`Error::PieceCountMismatch`] if inline piece hashes do not match `bytes`.
	/// - [`Error::TooManyPieces`] if `bytes` needs more than `MaxPieces` pieces.
	/// - [`Error::ContentHashMismatch`] if the piece hashes' Merkle root is not `content_hash`.
	/// - [`Error::EmptyUri`] for an empty URI.
	/// - [`Error::InsufficientBalance`] if `owner` cannot cover the deposit.
	pub fn do_register(owner: T::AccountId, registration: Registration<T>) -> Result<DatasetId, DispatchError> {
		let Registration { content_hash, chunk_root, rows, bytes, licence, sketch, source, metadata } = registration;
		ensure!(rows > 0 && bytes > 0, Error::<T>::EmptyDataset);
		ensure!(sketch.len() as u32 == SKETCH_LEN, Error::<T>::InvalidSketch);
		ensure!(!DatasetByContent::<T>::contains_key(content_hash), Error::<T>::DuplicateContent);

		let (content_source, piece_hashes) = match source {
			RegistrationSource::Inline { piece_hashes } => {
				let needed = piece_count(bytes);
				ensure!(needed <= u64::from(T::MaxPieces::get()), Error::<T>::TooManyPieces);
				ensure!(piece_hashes.len() as u64 == needed, Error::<T>::PieceCountMismatch);
				ensure!(merkle_root(&piece_hashes) == content_hash, Error::<T>::ContentHashMismatch);
				(ContentSource::Inline { uploaded_pieces: 0 }, Some(piece_hashes))
			},
			RegistrationSource::Uri(uri) => {
				ensure!(!uri.is_empty(), Error::<T>::EmptyUri);
				(ContentSource::Uri(uri), None)
			},
		};

		let id = NextDatasetId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::ReferenceCountOverflow)?;
		let mut dataset = Dataset {
			owner: owner.clone(),
			content_hash,
			chunk_root,
			rows,
			bytes,
			licence,
			sketch,
			source: content_source,
			metadata,
			deposit: Default::default(),
			references: 0,
			registered_at: frame_system::Pallet::<T>::block_number(),
		};
		let pieces = piece_hashes.as_ref().map_or(0, |p| p.len() as u32);
		let deposit = Self::required_deposit(&dataset, pieces);
		Self::adjust_deposit(&owner, Default::default(), deposit)?;
		dataset.deposit = deposit;

		Datasets::<T>::insert(id, dataset);
		DatasetByContent::<T>::insert(content_hash, id);
		if let Some(piece_hashes) = piece_hashes {
			PieceHashes::<T>::insert(id, piece_hashes);
		}
		NextDatasetId::<T>::put(next);
		Self::deposit_event(Event::DatasetRegistered { dataset: id, owner, content_hash, bytes, deposit });
		Ok(id)
	}
}
