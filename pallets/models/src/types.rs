//! Types of the model registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::fungible::Inspect, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::dataset::{DataNetId, DatasetId, VersionNumber};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::Config;

/// A balance of the deposit and fee currency.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

pub use openledger_primitives::model::{ModelId, ModelStatus};

/// What a model was trained on and how: enough for a validator to reproduce its attribution.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Manifest<T: Config> {
	/// The DataNet the training data came from.
	pub datanet: DataNetId,
	/// Its exact version.
	pub version: VersionNumber,
	/// The datasets of that version it was trained on (or retrieves from), ascending, no repeats.
	pub datasets: BoundedVec<DatasetId, T::MaxDatasets>,
	/// Hash of the training hyper-parameters (rank, alpha, targets, seed, steps…).
	pub hyperparameters_hash: H256,
	/// Hash of the per-dataset influence vectors (training-gradient sketches); zero when there are none.
	pub influence_hash: H256,
}

/// A registered model.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Model<T: Config> {
	/// Who registered it; receives the model owner's share of fees, may change the fee and retire it.
	pub owner: T::AccountId,
	/// Hash of the base model's weights (e.g. SmolLM2-135M's GGUF).
	pub base_model: H256,
	/// Hash of the LoRA adapter, for a fine-tuned model.
	pub adapter: Option<H256>,
	/// Training data and parameters.
	pub manifest: Manifest<T>,
	/// Fee per inference, in OPEN units.
	pub fee: BalanceOf<T>,
	/// Free-form metadata (JSON by convention: name, description, prompt template).
	pub metadata: BoundedVec<u8, T::MaxMetadataLen>,
	/// Active or retired.
	pub status: ModelStatus,
	/// Held from the owner while active.
	pub deposit: BalanceOf<T>,
	/// Block of registration.
	pub registered_at: BlockNumberFor<T>,
}
