//! Models as the node, apps and the worker read them.

use alloc::vec::Vec;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use core::fmt::Display;
use serde::Serialize;
use sp_core::H256;

use crate::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	json,
};

/// A model's number.
pub type ModelId = u32;

/// Whether a model takes requests.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ModelStatus {
	/// Serving inference requests.
	Active,
	/// Retired by its owner: no new requests; the record stays for the answers it gave.
	Retired,
}

/// A model as apps and workers read it (`ModelsApi::model`, the `models_model` RPC).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display, BlockNumber: Serialize"))]
pub struct ModelView<AccountId, Balance, BlockNumber> {
	pub id: ModelId,
	pub owner: AccountId,
	/// The base model's id: the SHA-256 of its weights file.
	pub base_model: H256,
	/// The SHA-256 of its LoRA adapter file, if it has one.
	pub adapter: Option<H256>,
	/// The DataNet version it was trained on, and which of its datasets.
	pub datanet: DataNetId,
	pub version: VersionNumber,
	pub datasets: Vec<DatasetId>,
	pub hyperparameters_hash: H256,
	/// Hash of the per-dataset influence vectors (training-gradient sketches); zero when there are none.
	pub influence_hash: H256,
	#[serde(serialize_with = "json::string")]
	pub fee: Balance,
	#[serde(serialize_with = "json::hex")]
	pub metadata: Vec<u8>,
	pub status: ModelStatus,
	#[serde(serialize_with = "json::string")]
	pub deposit: Balance,
	pub registered_at: BlockNumber,
}

sp_api::decl_runtime_apis! {
	/// Read access to the model registry for the node's `models_model` RPC (which serves the view as it is),
	/// polkadot.js (`api.call.modelsApi.model`) and the worker.
	pub trait ModelsApi<AccountId, Balance, BlockNumber> where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// A model.
		fn model(id: ModelId) -> Option<ModelView<AccountId, Balance, BlockNumber>>;
	}
}

/// What a request for a model's answer needs to know about the model.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServingTerms<AccountId, Balance> {
	/// Who registered the model: paid the model owner's share of each fee.
	pub owner: AccountId,
	/// The fee per inference.
	pub fee: Balance,
	/// The DataNet the model draws on.
	pub datanet: DataNetId,
	/// The version of that DataNet it was registered against.
	pub version: VersionNumber,
	/// Whether it still takes requests (retired models do not).
	pub active: bool,
}

/// The model registry, as the attribution pallet sees it.
pub trait ModelRegistry<AccountId, Balance> {
	/// The terms `model` is served on, `None` if no model has this id.
	fn terms(model: ModelId) -> Option<ServingTerms<AccountId, Balance>>;
	/// Whether every one of `datasets` is in `model`'s manifest (and so in its DataNet version).
	fn credits_all(model: ModelId, datasets: &[DatasetId]) -> bool;
}
