//! Uploading inline content, piece by piece, as indexed transaction data.

use frame_support::pallet_prelude::*;
use openledger_primitives::{
	content::{piece_hash, piece_len},
	dataset::{ContentSource, DatasetId},
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks piece `index` of inline dataset `id` and indexes it in the current block's body.
	///
	/// # Errors
	/// - [`Error::UnknownDataset`], [`Error::NotInline`].
	/// - [`Error::PieceOutOfRange`] if the dataset has no such piece.
	/// - [`Error::PieceAlreadyUploaded`] if it was uploaded before.
	/// - [`Error::PieceLengthMismatch`] if `data` is not as long as that piece must be.
	/// - [`Error::PieceHashMismatch`] if `data` does not hash to the registered piece hash.
	/// - [`Error::NoExtrinsicIndex`] if called outside an extrinsic.
	pub fn do_upload_piece(id: DatasetId, index: u32, data: &[u8]) -> DispatchResult {
		let mut dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
		let ContentSource::Inline { uploaded_pieces } = dataset.source else {
			return Err(Error::<T>::NotInline.into());
		};
		let expected_hash = PieceHashes::<T>::get(id)
			.and_then(|hashes| hashes.get(index as usize).copied())
			.ok_or(Error::<T>::PieceOutOfRange)?;
		ensure!(!UploadedPieces::<T>::contains_key(id, index), Error::<T>::PieceAlreadyUploaded);
		ensure!(piece_len(dataset.bytes, u64::from(index)) == Some(data.len() as u32), Error::<T>::PieceLengthMismatch);
		let hash = piece_hash(data);
		ensure!(hash == expected_hash, Error::<T>::PieceHashMismatch);

		let extrinsic = frame_system::Pallet::<T>::extrinsic_index().ok_or(Error::<T>::NoExtrinsicIndex)?;
		sp_io::transaction_index::index(extrinsic, data.len() as u32, hash.0);

		let uploaded = uploaded_pieces.checked_add(1).ok_or(Error::<T>::ReferenceCountOverflow)?;
		dataset.source = ContentSource::Inline { uploaded_pieces: uploaded };
		let complete = u64::from(uploaded) == openledger_primitives::content::piece_count(dataset.bytes);
		Datasets::<T>::insert(id, dataset);
		UploadedPieces::<T>::insert(id, index, ());
		Self::deposit_event(Event::PieceUploaded { dataset: id, index, piece_hash: hash });
		if complete {
			Self::deposit_event(Event::DatasetAvailable { dataset: id });
		}
		Ok(())
	}
}
