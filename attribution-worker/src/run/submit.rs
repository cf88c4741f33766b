//! `attribution-worker submit-dataset`: contributes a file to a DataNet in one command, for contributors who
//! script it. Everything a registration records is computed from the file by the protocol's own rules — pieces,
//! piece hashes and content hash (`openledger_primitives::content`), the MinHash sketch (`…::sketch`), the rows
//! (`attribution_engine::rows`) and the chunk root (`attribution_engine::chunk`) — and checked against the DataNet
//! before anything is paid: open, licence allowed, size within the policy and the runtime's inline limit, every row
//! parses, not a near duplicate of a member. Then it registers, uploads the pieces (several in flight, with a
//! progress bar) and proposes.
//!
//! Run it again after an interruption and it resumes: the chain keys datasets by content hash, so the same file
//! finds its registration, uploads only the pieces still missing, and proposes if that is still to do.

use super::{
	chain::{
		runtime::{
			self,
			runtime_types::{bounded_collections::bounded_vec::BoundedVec, pallet_datasets::types::RegistrationSource},
		},
		AtBlock, Chain,
	},
	keys::WorkerKey,
};
use crate::{loading::models, Common};
use anyhow::{bail, ensure, Context, Result};
use attribution_engine::{
	chunk::{chunk_root, chunk_text, ChunkParams},
	datanet::Dataset,
	embed::load_tokenizer,
	rows::{count_rows, ContentType, Rows},
};
use clap::Args;
use futures::{stream, StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use openledger_primitives::{
	content::{content_hash, piece_hash, PIECE_SIZE},
	dataset::{sketch_similarity, DailyContribution, DailyLimit, DataNetPolicy, MAX_LICENCE_LEN},
	sketch::minhash_sketch,
};
use serde::Serialize;
use std::{
	io::Read,
	path::{Path, PathBuf},
};
use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};
use subxt::utils::{AccountId32, H256};

/// Piece uploads in flight at once (each up to 64 KiB; a dev block takes dozens).
const UPLOADS_IN_FLIGHT: usize = 16;

/// What to contribute, where, and with which key.
#[derive(Args, Debug, Clone)]
pub struct SubmitArgs {
	/// The file: plain text (rows are paragraphs), JSON Lines (`.jsonl`) or CSV with a header (`.csv`).
	pub file: PathBuf,
	/// The DataNet to propose it to.
	#[arg(long)]
	pub datanet: u32,
	/// The node's WebSocket endpoint.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// The contributor's key as a seed URI (pays the deposits, owns the dataset, is paid for it); prefer --key-file.
	#[arg(long, conflicts_with = "key_file")]
	pub key: Option<String>,
	/// A file whose first line is the contributor's seed URI.
	#[arg(long)]
	pub key_file: Option<PathBuf>,
	/// SPDX licence identifier (the DataNet's policy may allow only some).
	#[arg(long, default_value = "CC-BY-4.0")]
	pub licence: String,
	/// A title for the dataset's metadata (default: the file's name).
	#[arg(long)]
	pub title: Option<String>,
	/// How rows are counted: text, jsonl or csv (default: from the file's extension).
	#[arg(long)]
	pub format: Option<ContentType>,
	/// Register the dataset at this URI (which must serve exactly the file's bytes) instead of uploading it.
	#[arg(long)]
	pub uri: Option<String>,
	/// Send the proposal even when the file is a near duplicate of a member (the chain then refuses it by name).
	#[arg(long)]
	pub force: bool,
	/// Check and print what would be sent; send nothing.
	#[arg(long)]
	pub dry_run: bool,
}

/// The file, as its registration records it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
	pub content_hash: H256,
	pub chunk_root: H256,
	pub bytes: u64,
	pub pieces: Vec<H256>,
	pub rows: Rows,
	#[serde(skip)]
	pub content: Vec<u8>,
	pub sketch: Vec<u32>,
}

impl Prepared {
	/// Hashes, counts and chunks `content`, read from `file` (`format` says how rows are counted).
	///
	/// # Errors
	/// Blank or non-UTF-8 content, rows that do not parse (each named by line), or a missing tokenizer.
	pub fn of(common: &Common, file: &Path, content: Vec<u8>, format: ContentType) -> Result<Self> {
		// The worker's own rule for what it can index: refused here, before any deposit, rather than by every
		// worker after approval.
		let checked = Dataset::from_bytes(0, String::new(), String::new(), file.to_path_buf(), content)
			.with_context(|| format!("{} is not a dataset workers can index; nothing sent", file.display()))?;
		let rows = count_rows(&checked.text, format);
		if rows.refused > 0 {
			let lines: Vec<String> =
				rows.first_refused.iter().map(|row| format!("line {}: {}", row.line, row.reason)).collect();
			bail!(
				"{} of {} rows do not parse as {}: {}{}; nothing sent",
				rows.refused,
				rows.refused.saturating_add(rows.rows),
				format.name(),
				lines.join("; "),
				if rows.refused > lines.len() as u64 { "; …" } else { "" }
			);
		}
		ensure!(rows.rows > 0, "the file has no {} rows; nothing sent", format.name());
		let tokenizer = load_tokenizer(&models(common).minilm())?;
		let chunks = chunk_text(&tokenizer, 0, &checked.text, ChunkParams::default())?;
		let content = checked.text.into_bytes();
		let pieces = content.chunks(PIECE_SIZE as usize).map(|piece| H256(piece_hash(piece).0)).collect();
		Ok(Self {
			content_hash: H256(content_hash(&content).0),
			chunk_root: H256(chunk_root(&chunks)),
			bytes: content.len() as u64,
			pieces,
			rows,
			sketch: minhash_sketch(&content).to_vec(),
			content,
		})
	}

	/// Piece `index`'s bytes.
	fn piece(&self, index: u32) -> Option<&[u8]> {
		self.content.chunks(PIECE_SIZE as usize).nth(usize::try_from(index).ok()?)
	}
}

/// The most similar member of the DataNet, by MinHash sketch.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Nearest {
	pub dataset: u64,
	/// Parts per million of the sketch's positions that agree.
	pub similarity: u32,
}

/// What `submit-dataset` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
	pub datanet: u32,
	/// The dataset's id (none in a dry run of a new file).
	pub dataset: Option<u64>,
	#[serde(flatten)]
	pub prepared: Prepared,
	/// Already registered by this contributor before this run (an interrupted run resumed).
	pub resumed: bool,
	/// Pieces this run uploaded.
	pub uploaded: u32,
	/// `proposed` (this run), `already proposed`, `already a member`, or `dry run`.
	pub proposal: &'static str,
	pub nearest: Option<Nearest>,
}

/// Submits the file; prints what was done.
pub fn submit_dataset(common: &Common, args: &SubmitArgs) -> Result<()> {
	let key = WorkerKey::from_args(args.key.as_deref(), args.key_file.as_deref(), "the contributor's key")?;
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
	let submitted = runtime.block_on(submit(common, args, &key))?;
	if common.json {
		println!("{}", serde_json::to_string_pretty(&submitted)?);
	} else {
		let id = submitted.dataset.map_or_else(|| "(not registered)".to_owned(), |id| id.to_string());
		println!(
			"dataset {id}: {} rows ({}), {} bytes in {} pieces, content hash {:?}, chunk root {:?}",
			submitted.prepared.rows.rows,
			submitted.prepared.rows.content_type.name(),
			submitted.prepared.bytes,
			submitted.prepared.pieces.len(),
			submitted.prepared.content_hash,
			submitted.prepared.chunk_root,
		);
		if let Some(nearest) = submitted.nearest {
			println!(
				"nearest member: dataset {} ({:.1} % of the sketch agrees)",
				nearest.dataset,
				f64::from(nearest.similarity) / 10_000.0
			);
		}
		println!(
			"{}uploaded {} pieces; DataNet {}: {}",
			if submitted.resumed { "resumed an earlier submission; " } else { "" },
			submitted.uploaded,
			submitted.datanet,
			submitted.proposal
		);
	}
	Ok(())
}

async fn submit(common: &Common, args: &SubmitArgs, key: &WorkerKey) -> Result<Submitted> {
	let file = std::fs::metadata(&args.file).with_context(|| format!("{}", args.file.display()))?;
	// A device or a pipe has no size to check against the limits below (/dev/zero would be read forever).
	ensure!(file.is_file(), "{} is not a regular file; nothing sent", args.file.display());
	let size = file.len();
	let chain = Chain::connect(&args.node).await?;
	let at = chain.at_best().await?;
	let max_pieces = at.constants().entry(runtime::constants().datasets().max_pieces())?;
	let threshold = at.constants().entry(runtime::constants().data_nets().near_duplicate_threshold())?.0;

	// The DataNet's policy, before the file is even read.
	let datanet = at
		.runtime_apis()
		.call(runtime::runtime_apis().data_nets_api().datanet(args.datanet))
		.await?
		.with_context(|| format!("DataNet {} does not exist (dataNets.UnknownDataNet); nothing sent", args.datanet))?
		.0;
	ensure!(
		matches!(datanet.status, openledger_primitives::dataset::DataNetStatus::Open),
		"DataNet {} is closed to proposals (dataNets.DataNetClosed); nothing sent",
		args.datanet
	);
	ensure!(
		datanet.allowed_licences.is_empty() || datanet.allowed_licences.iter().any(|l| l == args.licence.as_bytes()),
		"DataNet {} does not take licence {} (it takes {}: dataNets.LicenceNotAllowed); nothing sent",
		args.datanet,
		args.licence,
		datanet.allowed_licences.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join(", ")
	);
	ensure!(
		size <= datanet.max_dataset_bytes,
		"{} is {size} bytes; DataNet {} takes at most {} (dataNets.DatasetTooLarge); nothing sent",
		args.file.display(),
		args.datanet,
		datanet.max_dataset_bytes
	);
	let inline_cap = u64::from(max_pieces).saturating_mul(u64::from(PIECE_SIZE));
	ensure!(
		args.uri.is_some() || size <= inline_cap,
		"{} is {size} bytes, more than the {inline_cap} an inline dataset may hold ({max_pieces} pieces): host it \
		 and give --uri; nothing sent",
		args.file.display()
	);
	let max_uri = at.constants().entry(runtime::constants().datasets().max_uri_len())?;
	if let Some(uri) = &args.uri {
		ensure!(!uri.is_empty(), "--uri is empty (datasets.EmptyUri); nothing sent");
		ensure!(uri.len() <= max_uri as usize, "--uri is {} bytes, more than the {max_uri} the chain keeps; nothing sent", uri.len());
	}
	ensure!(
		args.licence.len() <= MAX_LICENCE_LEN as usize,
		"--licence is {} bytes, more than an SPDX identifier's {MAX_LICENCE_LEN}; nothing sent",
		args.licence.len()
	);
	// Read no more than the size checked above: a file growing meanwhile is refused, not read without end.
	let mut content = Vec::new();
	std::fs::File::open(&args.file)
		.and_then(|opened| opened.take(size.saturating_add(1)).read_to_end(&mut content))
		.with_context(|| format!("reading {}", args.file.display()))?;
	ensure!(content.len() as u64 == size, "{} changed while it was read; nothing sent", args.file.display());
	let format = args.format.unwrap_or_else(|| ContentType::of_path(&args.file));
	let prepared = Prepared::of(common, &args.file, content, format)?;

	let title = args.title.clone().unwrap_or_else(|| {
		args.file.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
	});
	let metadata = serde_json::to_vec(&serde_json::json!({ "title": title, "format": format.name() }))?;
	let max_metadata = at.constants().entry(runtime::constants().datasets().max_metadata_len())?;
	ensure!(
		metadata.len() <= max_metadata as usize,
		"the metadata (title) is {} bytes, more than the {max_metadata} the chain keeps: shorten --title; nothing sent",
		metadata.len()
	);

	// Registered before (an interrupted run) or by someone else?
	let existing = at
		.storage()
		.entry(runtime::storage().datasets().dataset_by_content())?
		.try_fetch((prepared.content_hash,))
		.await?
		.map(|value| value.decode())
		.transpose()?;
	// Inline content is uploaded; a URI dataset (registered now with --uri, or before) has nothing to upload.
	let mut inline = args.uri.is_none();
	if let Some(id) = existing {
		let record = chain.dataset(id).await?.with_context(|| format!("dataset {id} vanished"))?;
		inline = matches!(record.location, super::reads::Location::Inline);
		ensure!(
			record.owner == key.account(),
			"this content is already registered as dataset {id}, owned by {} (the chain registers content once: \
			 datasets.DuplicateContent); nothing sent",
			address(&record.owner)
		);
	}

	let members = chain.members(args.datanet, datanet.version).await?;
	let nearest = nearest_member(&chain, &members, existing, &prepared.sketch).await?;
	let membership = match existing {
		Some(id) if members.contains(&id) => Some("already a member"),
		Some(id) => at
			.storage()
			.entry(runtime::storage().data_nets().proposals())?
			.try_fetch((args.datanet, id))
			.await?
			.map(|_| "already proposed"),
		None => None,
	};
	if membership.is_none() {
		ensure!(
			datanet.dataset_count < datanet.max_datasets,
			"DataNet {} is full ({} datasets: dataNets.DataNetFull); nothing sent",
			args.datanet,
			datanet.max_datasets
		);
		if let Some(near) = nearest.filter(|near| near.similarity > threshold && !args.force) {
			bail!(
				"a near duplicate of dataset {}, a member of DataNet {}: {:.1} % of the MinHash sketch agrees, more \
				 than the {:.1} % the chain accepts (dataNets.NearDuplicate); nothing sent (--force sends it anyway)",
				near.dataset,
				args.datanet,
				f64::from(near.similarity) / 10_000.0,
				f64::from(threshold) / 10_000.0
			);
		}
		let policy = DataNetPolicy {
			allowed_licences: (),
			max_dataset_bytes: datanet.max_dataset_bytes,
			max_datasets: datanet.max_datasets,
			contribution_deposit: 0u128,
			max_proposals_per_day: datanet.max_proposals_per_day,
			max_bytes_per_day: datanet.max_bytes_per_day,
			validation: None,
		};
		check_daily_limits(&at, args, key, &policy, prepared.bytes).await?;
	}
	let mut submitted = Submitted {
		datanet: args.datanet,
		dataset: existing,
		prepared,
		resumed: existing.is_some(),
		uploaded: 0,
		proposal: membership.unwrap_or("dry run"),
		nearest,
	};
	if args.dry_run {
		return Ok(submitted);
	}

	let id = match existing {
		Some(id) => id,
		None => register(&chain, key, args, &submitted.prepared, metadata).await?,
	};
	submitted.dataset = Some(id);
	if inline {
		submitted.uploaded = upload_missing(&chain, key, id, &submitted.prepared, common.json).await?;
	}
	if membership.is_none() {
		let events = chain.submit(&runtime::tx().data_nets().propose(args.datanet, id), key).await?;
		ensure!(
			events.find_first::<runtime::data_nets::events::DatasetProposed>().is_some(),
			"the proposal was included but no DatasetProposed event was emitted"
		);
		submitted.proposal = "proposed";
	}
	Ok(submitted)
}

/// `account` in the chain's SS58 format.
fn address(account: &AccountId32) -> String {
	sp_core::crypto::AccountId32::new(account.0)
		.to_ss58check_with_version(Ss58AddressFormat::custom(openledger_primitives::token::SS58_PREFIX))
}

/// The member (other than `dataset` itself) whose sketch agrees most with `sketch`.
async fn nearest_member(chain: &Chain, members: &[u64], dataset: Option<u64>, sketch: &[u32]) -> Result<Option<Nearest>> {
	let at = chain.at_best().await?;
	let entry = at.storage().entry(runtime::storage().datasets().datasets())?;
	let mut nearest: Option<Nearest> = None;
	for &member in members.iter().filter(|&&member| Some(member) != dataset) {
		let Some(record) = entry.try_fetch((member,)).await?.map(|value| value.decode()).transpose()? else { continue };
		let similarity = sketch_similarity(&record.sketch.0, sketch).deconstruct();
		if nearest.is_none_or(|best| similarity > best.similarity) {
			nearest = Some(Nearest { dataset: member, similarity });
		}
	}
	Ok(nearest)
}

async fn register(
	chain: &Chain,
	key: &WorkerKey,
	args: &SubmitArgs,
	prepared: &Prepared,
	metadata: Vec<u8>,
) -> Result<u64> {
	let source = match &args.uri {
		Some(uri) => RegistrationSource::Uri(BoundedVec(uri.clone().into_bytes())),
		None => RegistrationSource::Inline { piece_hashes: BoundedVec(prepared.pieces.clone()) },
	};
	let call = runtime::tx().datasets().register(
		prepared.content_hash,
		prepared.chunk_root,
		prepared.rows.rows,
		prepared.bytes,
		BoundedVec(args.licence.clone().into_bytes()),
		BoundedVec(prepared.sketch.clone()),
		source,
		BoundedVec(metadata),
	);
	let events = chain.submit(&call, key).await?;
	match events.find_first::<runtime::datasets::events::DatasetRegistered>() {
		Some(event) => Ok(event?.dataset),
		None => bail!("the registration was included but no DatasetRegistered event was emitted"),
	}
}

/// Uploads the pieces of inline dataset `id` the chain does not have yet, [`UPLOADS_IN_FLIGHT`] at a time;
/// returns how many.
async fn upload_missing(chain: &Chain, key: &WorkerKey, id: u64, prepared: &Prepared, quiet: bool) -> Result<u32> {
	let at = chain.at_best().await?;
	let uploaded = at.storage().entry(runtime::storage().datasets().uploaded_pieces())?;
	let count = u32::try_from(prepared.pieces.len()).context("too many pieces")?;
	let mut missing = Vec::new();
	for index in 0..count {
		if uploaded.try_fetch((id, index)).await?.is_none() {
			missing.push(index);
		}
	}
	let bar = if quiet {
		ProgressBar::hidden()
	} else {
		ProgressBar::new(missing.len() as u64).with_style(
			ProgressStyle::with_template("uploading {bar:40} {pos}/{len} pieces ({elapsed}, {eta} left)")
				.unwrap_or_else(|_| ProgressStyle::default_bar()),
		)
	};
	let first_nonce = chain.next_nonce(key).await?;
	let uploads = missing.iter().enumerate().map(|(position, &index)| {
		let (bar, nonce) = (bar.clone(), first_nonce.saturating_add(position as u64));
		async move {
			let piece = prepared.piece(index).with_context(|| format!("piece {index} is out of range"))?;
			let call = runtime::tx().datasets().upload_piece(id, index, BoundedVec(piece.to_vec()));
			chain.submit_at(&call, key, nonce).await.with_context(|| format!("uploading piece {index}"))?;
			bar.inc(1);
			anyhow::Ok(())
		}
	});
	stream::iter(uploads).buffered(UPLOADS_IN_FLIGHT).try_collect::<Vec<()>>().await?;
	bar.finish_and_clear();
	u32::try_from(missing.len()).context("too many pieces")
}

/// Refuses before paying a proposal the DataNet's per-account daily limits would refuse, by the chain's own rule
/// (`DailyContribution::add`) on the count the chain keeps for this account today.
async fn check_daily_limits(
	at: &AtBlock,
	args: &SubmitArgs,
	key: &WorkerKey,
	policy: &DataNetPolicy<u128, ()>,
	bytes: u64,
) -> Result<()> {
	let day_length = at.constants().entry(runtime::constants().data_nets().day_length())?;
	let today = u32::try_from(at.block_number()).unwrap_or(u32::MAX).checked_div(day_length).unwrap_or(0);
	let counted = at
		.storage()
		.entry(runtime::storage().data_nets().daily_contributions())?
		.try_fetch((args.datanet, key.account()))
		.await?
		.map(|value| value.decode())
		.transpose()?
		.map(|c| DailyContribution { day: c.day, proposals: c.proposals, bytes: c.bytes })
		.unwrap_or_default()
		.on(today);
	match counted.add(policy, bytes) {
		Ok(_) => Ok(()),
		Err(DailyLimit::Proposals) => bail!(
			"you have made {} proposals to DataNet {} today, its limit per account (dataNets.DailyProposalLimitReached); \
			 nothing sent: the count starts again in {} blocks",
			counted.proposals,
			args.datanet,
			blocks_to_next_day(at.block_number(), day_length)
		),
		Err(DailyLimit::Bytes) => bail!(
			"{} bytes more would take you to {} bytes proposed to DataNet {} today, over its {} per account \
			 (dataNets.DailyByteLimitReached); nothing sent: the count starts again in {} blocks",
			bytes,
			counted.bytes.saturating_add(bytes),
			args.datanet,
			policy.max_bytes_per_day,
			blocks_to_next_day(at.block_number(), day_length)
		),
	}
}

fn blocks_to_next_day(now: u64, day_length: u32) -> u64 {
	let day = u64::from(day_length.max(1));
	day.saturating_sub(now % day)
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
	use super::*;

	fn common() -> Common {
		Common {
			models_dir: None,
			threads: None,
			validator: false,
			quantized: false,
			decode_weights: crate::DecodeWeights::Q8,
			products: crate::Products::protocol(),
			max_simd: crate::MaxSimd::Avx512,
			json: true,
		}
	}

	#[test]
	fn malformed_rows_are_refused_by_line_before_anything_is_loaded_or_sent() {
		let file = Path::new("rows.jsonl");
		let error = Prepared::of(&common(), file, b"{\"q\": 1}\nnot json\n[]\n".to_vec(), ContentType::Jsonl).unwrap_err();
		let message = error.to_string();
		assert!(message.starts_with("2 of 3 rows do not parse as jsonl: line 2: not JSON"), "{message}");
		assert!(message.contains("line 3: a JSON array where an object belongs") && message.ends_with("nothing sent"));
	}

	#[test]
	fn blank_and_non_utf8_files_are_refused_as_the_worker_would() {
		let file = Path::new("notes.txt");
		let error = Prepared::of(&common(), file, b" \n\n".to_vec(), ContentType::Text).unwrap_err();
		assert!(format!("{error:#}").starts_with("notes.txt is not a dataset workers can index"), "{error:#}");
		assert!(format!("{error:#}").ends_with("is empty"), "{error:#}");
		let error = Prepared::of(&common(), file, vec![b'a', 0xff, b'b'], ContentType::Text).unwrap_err();
		assert!(format!("{error:#}").ends_with("not valid UTF-8 at byte 1"), "{error:#}");
	}
}
