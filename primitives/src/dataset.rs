//! Datasets and DataNets as the chain records them, shared by the pallets, the runtime API, the node's RPC
//! and the worker.

use alloc::vec::Vec;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use core::fmt::Display;
use serde::Serialize;

use crate::json;
use sp_core::{ConstU32, H256};
use sp_runtime::{BoundedVec, Permill};

/// Identifies a registered dataset.
pub type DatasetId = u64;
/// Identifies a DataNet.
pub type DataNetId = u32;
/// A DataNet version; version 0 is the empty DataNet at creation.
pub type VersionNumber = u32;

/// An SPDX licence identifier such as `CC-BY-4.0` (at most 32 bytes).
pub type Licence = BoundedVec<u8, ConstU32<MAX_LICENCE_LEN>>;
/// The longest licence identifier, in bytes.
pub const MAX_LICENCE_LEN: u32 = 32;

/// Values in a MinHash sketch.
pub const SKETCH_LEN: u32 = 64;
/// LSH bands over the sketch; a near duplicate shares at least one whole band with high probability.
pub const LSH_BANDS: u32 = 16;
/// Sketch values per band.
pub const LSH_ROWS: u32 = SKETCH_LEN / LSH_BANDS;

/// A MinHash sketch of a dataset's shingles: [`SKETCH_LEN`] minimum hash values, one per hash function,
/// computed by the contributor's tooling (the worker's `sketch` routine) and checked by curators' workers.
pub type Sketch = BoundedVec<u32, ConstU32<SKETCH_LEN>>;

/// The estimated Jaccard similarity of two sketches: the share of positions that agree.
pub fn sketch_similarity(a: &[u32], b: &[u32]) -> Permill {
	let agreeing = a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as u32;
	Permill::from_rational(agreeing, SKETCH_LEN)
}

/// The LSH bucket key of `band` of a sketch: the band's values hashed together with the band index.
pub fn lsh_band_key(sketch: &[u32], band: u32) -> Option<u64> {
	let start = band.checked_mul(LSH_ROWS)? as usize;
	let end = start.checked_add(LSH_ROWS as usize)?;
	let rows = sketch.get(start..end)?;
	let hash = sp_crypto_hashing::twox_64(&(band, rows).encode());
	Some(u64::from_le_bytes(hash))
}

/// Where a dataset's bytes can be fetched.
///
/// `Uri` is the runtime's bounded URI type (`BoundedVec<u8, MaxUriLen>`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub enum ContentSource<Uri> {
	/// Uploaded piece by piece as indexed transaction data (in block bodies, not in state).
	Inline {
		/// How many of the dataset's pieces have been uploaded so far.
		uploaded_pieces: u32,
	},
	/// Hosted elsewhere; workers fetch it and check the content hash.
	Uri(Uri),
}

/// A registered dataset. `Uri` and `Metadata` are the runtime's bounded byte vectors.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct Dataset<AccountId, Balance, BlockNumber, Uri, Metadata> {
	/// Who registered it and is paid for it.
	pub owner: AccountId,
	/// Merkle root of the content's piece hashes (see `content`).
	pub content_hash: H256,
	/// Merkle root of the dataset's chunks as the worker cuts them (for per-chunk proofs).
	pub chunk_root: H256,
	/// Rows (examples, documents) in the dataset.
	pub rows: u64,
	/// Size of the content in bytes.
	pub bytes: u64,
	/// SPDX licence identifier.
	pub licence: Licence,
	/// MinHash sketch, used to refuse near duplicates.
	pub sketch: Sketch,
	/// Where the bytes are.
	pub source: ContentSource<Uri>,
	/// Free-form metadata (JSON by convention: title, description, language).
	pub metadata: Metadata,
	/// Deposit held from the owner for the state this record occupies.
	pub deposit: Balance,
	/// DataNets that list it or have it under proposal; it cannot be retired while this is not zero.
	pub references: u32,
	/// Block of registration.
	pub registered_at: BlockNumber,
}

/// What a DataNet needs to know about a dataset.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct DatasetSummary<AccountId> {
	pub owner: AccountId,
	pub content_hash: H256,
	pub bytes: u64,
	/// Rows its owner declared.
	pub rows: u64,
	pub licence: Licence,
	pub sketch: Sketch,
	/// Every byte can be fetched (URI datasets always; inline ones once every piece is uploaded).
	pub available: bool,
}

/// The dataset registry as other pallets see it.
pub trait DatasetRegistry<AccountId> {
	/// The dataset's summary, if it is registered.
	fn summary(id: DatasetId) -> Option<DatasetSummary<AccountId>>;
	/// Records that a DataNet now references the dataset (proposal or membership).
	fn add_reference(id: DatasetId) -> sp_runtime::DispatchResult;
	/// Records that a DataNet stopped referencing the dataset.
	fn remove_reference(id: DatasetId) -> sp_runtime::DispatchResult;
}

/// DataNet versions as other pallets (models) see them.
pub trait DataNetVersions {
	/// Whether `version` of `datanet` exists.
	fn version_exists(datanet: DataNetId, version: VersionNumber) -> bool;
	/// Whether `dataset` is a member of `version` of `datanet`.
	fn is_member(datanet: DataNetId, version: VersionNumber, dataset: DatasetId) -> bool;
}

/// How a dataset's text is split into rows (the worker's `rows` module parses each): a DataNet's policy declares
/// it, and validators parse proposals by it.
#[derive(
	Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
	/// Paragraphs separated by blank lines (a Q/A pair in the demo datasets).
	#[default]
	Text,
	/// One JSON object per line (`.jsonl`, `.ndjson`).
	Jsonl,
	/// Comma-separated values with a header line (`.csv`).
	Csv,
}

impl ContentType {
	/// Every type, by name.
	pub const ALL: [Self; 3] = [Self::Text, Self::Jsonl, Self::Csv];

	/// The type's name as the command line and the metadata spell it.
	pub fn name(self) -> &'static str {
		match self {
			Self::Text => "text",
			Self::Jsonl => "jsonl",
			Self::Csv => "csv",
		}
	}

	/// The type a file's extension names (`.jsonl`/`.ndjson`, `.csv`), else plain text.
	#[cfg(feature = "std")]
	pub fn of_path(path: &std::path::Path) -> Self {
		match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
			Some("jsonl" | "ndjson") => Self::Jsonl,
			Some("csv") => Self::Csv,
			_ => Self::Text,
		}
	}
}

impl core::str::FromStr for ContentType {
	type Err = alloc::string::String;

	fn from_str(name: &str) -> Result<Self, Self::Err> {
		Self::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| {
			let names: Vec<&str> = Self::ALL.iter().map(|kind| kind.name()).collect();
			alloc::format!("`{name}` is not a content type ({})", names.join(", "))
		})
	}
}

/// The longest name of a required field, in bytes.
pub const MAX_FIELD_NAME_LEN: u32 = 32;
/// Most fields a DataNet may require of each row.
pub const MAX_REQUIRED_FIELDS: u32 = 8;
/// A field every row must have (a JSON key, or a CSV column).
pub type FieldName = BoundedVec<u8, ConstU32<MAX_FIELD_NAME_LEN>>;
/// The fields every row must have.
pub type RequiredFields = BoundedVec<FieldName, ConstU32<MAX_REQUIRED_FIELDS>>;

/// How a DataNet validates proposals (docs/VALIDATION.md): validators parse each proposal by `content_type` and
/// `required_fields`, measure it against the DataNet and its probe set, and agree on a report; curators cannot
/// approve a proposal that scored below `min_score`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct ValidationPolicy<Balance> {
	/// How rows are split.
	pub content_type: ContentType,
	/// Fields every row must have (JSON Lines and CSV only).
	pub required_fields: RequiredFields,
	/// A registered dataset of JSON Lines rows `{"question", "answer"}` kept by the curators: what the value
	/// parts are measured on. Without one, the score is relevance alone.
	pub probe_set: Option<DatasetId>,
	/// Lowest score (0–100) a proposal may be approved with.
	pub min_score: u8,
	/// Paid by the proposer with each proposal; shared by the validators whose reports agreed.
	pub fee: Balance,
}

/// The validation policy of this runtime's DataNets.
pub type ValidationPolicyOf<Balance> = ValidationPolicy<Balance>;

/// Where a proposal's validation stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProposalValidation {
	/// The DataNet validates nothing.
	NotRequired,
	/// A validation committee is measuring it (job id).
	Pending(u64),
	/// The committee agreed on this report, and its score for the proposal's declared rows.
	Scored { report: crate::validation::ValidationReport, score: u8 },
	/// The committee did not agree (too few reports, or too few within tolerance of their median): no score.
	Unscored,
}

/// What a DataNet accepts. `Licences` is the runtime's bounded list of [`Licence`]s.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct DataNetPolicy<Balance, Licences> {
	/// Licences a dataset must have to be proposed.
	pub allowed_licences: Licences,
	/// Largest dataset accepted, in bytes.
	pub max_dataset_bytes: u64,
	/// Most datasets the DataNet may hold at once.
	pub max_datasets: u32,
	/// Held from a proposer while the proposal is open; returned when it is decided or withdrawn.
	pub contribution_deposit: Balance,
	/// Most proposals one account may make to the DataNet per day (the runtime's `DayLength` in blocks); 0: no
	/// limit. Withdrawn and rejected proposals still count: the limit is on what curators must look at.
	pub max_proposals_per_day: u32,
	/// Most bytes of datasets one account may propose to the DataNet per day; 0: no limit.
	pub max_bytes_per_day: u64,
	/// How proposals are validated; `None`: they are not (curators judge alone).
	pub validation: Option<ValidationPolicy<Balance>>,
}

/// Which of a policy's daily limits refuses a proposal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DailyLimit {
	/// `max_proposals_per_day`.
	Proposals,
	/// `max_bytes_per_day`.
	Bytes,
}

/// What one account proposed to one DataNet on one day: the count the policy's daily limits apply to.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct DailyContribution {
	/// The day: the block number divided by the runtime's `DayLength`.
	pub day: u32,
	/// Proposals made that day.
	pub proposals: u32,
	/// Bytes of the datasets proposed that day.
	pub bytes: u64,
}

impl DailyContribution {
	/// The count as of `day`: a record of an earlier day counts nothing.
	#[must_use]
	pub fn on(self, day: u32) -> Self {
		if self.day == day {
			self
		} else {
			Self { day, proposals: 0, bytes: 0 }
		}
	}

	/// The count after one more proposal of `bytes` under `policy`'s daily limits, or the limit it would break.
	/// The rule the chain applies and the tools check before a contributor pays.
	///
	/// # Errors
	/// The [`DailyLimit`] the proposal would go over.
	pub fn add<Balance, Licences>(self, policy: &DataNetPolicy<Balance, Licences>, bytes: u64) -> Result<Self, DailyLimit> {
		let proposals = self.proposals.saturating_add(1);
		let total = self.bytes.saturating_add(bytes);
		if policy.max_proposals_per_day != 0 && proposals > policy.max_proposals_per_day {
			return Err(DailyLimit::Proposals);
		}
		if policy.max_bytes_per_day != 0 && total > policy.max_bytes_per_day {
			return Err(DailyLimit::Bytes);
		}
		Ok(Self { day: self.day, proposals, bytes: total })
	}
}

/// Whether a DataNet takes proposals.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum DataNetStatus {
	Open,
	/// Closed by its owner: no proposals; its versions stay readable for models trained on them.
	Closed,
}

/// A version of a DataNet: the exact set of approved datasets at that point.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct VersionInfo<BlockNumber> {
	/// `content::version_root` of the member datasets' content hashes.
	pub root: H256,
	/// Datasets in this version.
	pub dataset_count: u32,
	/// Block at which this version was made.
	pub created_at: BlockNumber,
}

/// A DataNet as apps read it (`DataNetsApi::datanet`, the `datanets_datanet` RPC), with its latest version.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display, BlockNumber: Serialize"))]
pub struct DataNetView<AccountId, Balance, BlockNumber> {
	pub id: DataNetId,
	pub owner: AccountId,
	#[serde(serialize_with = "json::text")]
	pub name: Vec<u8>,
	#[serde(serialize_with = "json::hex")]
	pub metadata: Vec<u8>,
	pub curators: Vec<AccountId>,
	pub status: DataNetStatus,
	/// Held from the owner for the DataNet's state.
	#[serde(serialize_with = "json::string")]
	pub deposit: Balance,
	/// The latest version.
	pub version: VersionNumber,
	/// The latest version's root.
	pub root: H256,
	/// Datasets in the latest version.
	pub dataset_count: u32,
	pub open_proposals: u32,
	#[serde(serialize_with = "json::texts")]
	pub allowed_licences: Vec<Vec<u8>>,
	pub max_dataset_bytes: u64,
	pub max_datasets: u32,
	#[serde(serialize_with = "json::string")]
	pub contribution_deposit: Balance,
	/// Per account per day; 0: no limit.
	pub max_proposals_per_day: u32,
	/// Per account per day; 0: no limit.
	pub max_bytes_per_day: u64,
	/// How proposals are validated; `None`: they are not.
	pub validation: Option<ValidationView<Balance>>,
	pub created_at: BlockNumber,
}

/// A DataNet's validation policy as apps and workers read it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "Balance: Display"))]
pub struct ValidationView<Balance> {
	pub content_type: ContentType,
	#[serde(serialize_with = "json::texts")]
	pub required_fields: Vec<Vec<u8>>,
	pub probe_set: Option<DatasetId>,
	pub min_score: u8,
	#[serde(serialize_with = "json::string")]
	pub fee: Balance,
}

impl<Balance: Clone> From<&ValidationPolicy<Balance>> for ValidationView<Balance> {
	fn from(policy: &ValidationPolicy<Balance>) -> Self {
		Self {
			content_type: policy.content_type,
			required_fields: policy.required_fields.iter().map(|f| f.to_vec()).collect(),
			probe_set: policy.probe_set,
			min_score: policy.min_score,
			fee: policy.fee.clone(),
		}
	}
}

/// An open proposal as apps and workers read it (`DataNetsApi::proposal`, the `datanets_proposal` RPC).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display, BlockNumber: Serialize"))]
pub struct ProposalView<AccountId, Balance, BlockNumber> {
	pub datanet: DataNetId,
	pub dataset: DatasetId,
	pub proposer: AccountId,
	#[serde(serialize_with = "json::string")]
	pub deposit: Balance,
	pub proposed_at: BlockNumber,
	/// The DataNet version it was validated against (the latest when it was proposed).
	pub version: VersionNumber,
	pub validation: ProposalValidation,
}

/// One version of a DataNet as apps read it (`DataNetsApi::version`, the `datanets_version` RPC).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionView<BlockNumber> {
	pub datanet: DataNetId,
	pub version: VersionNumber,
	/// `content::version_root` of the member datasets' content hashes.
	pub root: H256,
	pub dataset_count: u32,
	pub created_at: BlockNumber,
}

/// Where a dataset's bytes are, as apps read it.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceKind {
	/// Uploaded to the chain as indexed transaction data.
	Inline,
	/// Hosted at `uri`.
	Uri,
}

/// A dataset as apps and workers read it (`DataNetsApi::dataset`, the `datanets_dataset` RPC).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "AccountId: Serialize, Balance: Display, BlockNumber: Serialize"))]
pub struct DatasetView<AccountId, Balance, BlockNumber> {
	pub id: DatasetId,
	/// Who registered it and is paid for it.
	pub owner: AccountId,
	pub content_hash: H256,
	pub chunk_root: H256,
	pub rows: u64,
	/// The declared size of the content.
	pub bytes: u64,
	#[serde(serialize_with = "json::text")]
	pub licence: Vec<u8>,
	pub source: SourceKind,
	/// The URI of a URI dataset.
	#[serde(serialize_with = "json::optional_text")]
	pub uri: Option<Vec<u8>>,
	/// Pieces uploaded so far, for an inline dataset.
	pub uploaded_pieces: Option<u32>,
	/// An inline dataset's piece hashes, in order.
	pub pieces: Vec<H256>,
	/// Every byte can be fetched (URI datasets always; inline ones once every piece is uploaded).
	pub available: bool,
	#[serde(serialize_with = "json::hex")]
	pub metadata: Vec<u8>,
	#[serde(serialize_with = "json::string")]
	pub deposit: Balance,
	/// DataNets that list it or have it under proposal.
	pub references: u32,
	pub registered_at: BlockNumber,
}

sp_api::decl_runtime_apis! {
	/// Read access to DataNets and datasets for the node's `datanets_*` RPC (which serves these views as they
	/// are, see [`crate::json`]), polkadot.js (`api.call.dataNetsApi.*`) and the worker.
	pub trait DataNetsApi<AccountId, Balance, BlockNumber> where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// A DataNet, with its latest version.
		fn datanet(id: DataNetId) -> Option<DataNetView<AccountId, Balance, BlockNumber>>;
		/// One version of a DataNet.
		fn version(id: DataNetId, version: VersionNumber) -> Option<VersionView<BlockNumber>>;
		/// Members of a version in ascending dataset id, after `start_after`, at most `limit`.
		fn version_members(
			id: DataNetId,
			version: VersionNumber,
			start_after: Option<DatasetId>,
			limit: u32,
		) -> Vec<DatasetId>;
		/// A dataset.
		fn dataset(id: DatasetId) -> Option<DatasetView<AccountId, Balance, BlockNumber>>;
		/// An inline dataset's piece hashes (the keys of its indexed transaction data), in order.
		fn dataset_pieces(id: DatasetId) -> Vec<H256>;
		/// An open proposal, with its validation.
		fn proposal(datanet: DataNetId, dataset: DatasetId) -> Option<ProposalView<AccountId, Balance, BlockNumber>>;
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
	use super::*;

	fn limits(proposals: u32, bytes: u64) -> DataNetPolicy<u128, ()> {
		DataNetPolicy {
			allowed_licences: (),
			max_dataset_bytes: 1_000,
			max_datasets: 10,
			contribution_deposit: 0,
			max_proposals_per_day: proposals,
			max_bytes_per_day: bytes,
			validation: None,
		}
	}

	#[test]
	fn daily_limits_count_proposals_and_bytes_per_day_and_zero_is_no_limit() {
		let policy = limits(2, 100);
		let first = DailyContribution::default().on(7).add(&policy, 60).unwrap();
		assert_eq!(first, DailyContribution { day: 7, proposals: 1, bytes: 60 });
		assert_eq!(first.add(&policy, 41), Err(DailyLimit::Bytes), "60 + 41 bytes is over 100");
		let second = first.add(&policy, 40).unwrap();
		assert_eq!(second.add(&policy, 0), Err(DailyLimit::Proposals), "a third proposal is over 2");
		assert_eq!(second.on(8).add(&policy, 100).unwrap(), DailyContribution { day: 8, proposals: 1, bytes: 100 }, "a new day");
		let unlimited = limits(0, 0);
		let mut count = DailyContribution::default();
		for _ in 0..1_000 {
			count = count.add(&unlimited, u64::MAX / 2).unwrap();
		}
		assert_eq!((count.proposals, count.bytes), (1_000, u64::MAX), "saturates, never wraps");
	}


	#[test]
	fn similarity_counts_agreeing_positions() {
		let a: alloc::vec::Vec<u32> = (0..SKETCH_LEN).collect();
		let mut b = a.clone();
		for v in b.iter_mut().take(16) {
			*v += 1000;
		}
		assert_eq!(sketch_similarity(&a, &a), Permill::one());
		assert_eq!(sketch_similarity(&a, &b), Permill::from_percent(75));
	}

	#[test]
	fn band_keys_depend_on_band_rows_only() {
		let a: alloc::vec::Vec<u32> = (0..SKETCH_LEN).collect();
		let mut b = a.clone();
		b[SKETCH_LEN as usize - 1] = 9999;
		assert_eq!(lsh_band_key(&a, 0), lsh_band_key(&b, 0));
		assert_ne!(lsh_band_key(&a, LSH_BANDS - 1), lsh_band_key(&b, LSH_BANDS - 1));
		assert_eq!(lsh_band_key(&a, LSH_BANDS), None);
	}
}
