//! A DataNet from PubMedQA (Jin et al., 2019): every question comes with the abstract it was written from, so
//! the dataset holding that abstract is the source an attribution should credit.
//!
//! The file is the PubMedQA format: a JSON object keyed by PubMed id, each item with `QUESTION`, `CONTEXTS`
//! (the abstract's sections, without its conclusion), `MESHES`, `final_decision` (yes / no / maybe) and
//! `LONG_ANSWER` (the conclusion); other fields are ignored. Items are taken in ascending PubMed id (numerically), so a run's order, its datasets and
//! its tuning split do not depend on the file's key order.

use crate::{
	datanet::{DataNetVersion, Dataset},
	error::{Result, WorkerError},
};
use serde::Deserialize;
use std::{
	collections::{BTreeMap, HashMap},
	ops::Range,
	path::{Path, PathBuf},
};

/// Largest question file read (the full PubMedQA-L of 1 000 items is ≈ 2.3 MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Most items used from one file.
pub const MAX_ITEMS: usize = 20_000;

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct RawItem {
	question: String,
	contexts: Vec<String>,
	#[serde(default)]
	meshes: Vec<String>,
	#[serde(default, rename = "final_decision")]
	final_decision: Option<String>,
	#[serde(default)]
	long_answer: Option<String>,
}

/// One question with its abstract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
	pub pubmed_id: String,
	pub question: String,
	/// The abstract's sections joined by spaces.
	pub abstract_text: String,
	pub meshes: Vec<String>,
	/// `yes`, `no` or `maybe` (lower case), if given.
	pub decision: Option<String>,
	/// The abstract's conclusion (`LONG_ANSWER`), if given: the reference answer of a probe question.
	pub long_answer: Option<String>,
}

/// Reads a PubMedQA-format file, in ascending PubMed id.
///
/// # Errors
/// [`WorkerError::Io`]; [`WorkerError::InvalidBenchmark`] for a file over [`MAX_FILE_BYTES`], malformed
/// JSON, an item without a question or abstract, or no items.
pub fn load(path: &Path) -> Result<Vec<Item>> {
	let invalid = |message: String| WorkerError::InvalidBenchmark { path: path.to_path_buf(), message };
	let size = std::fs::metadata(path).map_err(|source| WorkerError::Io { path: path.to_path_buf(), source })?.len();
	if size > MAX_FILE_BYTES {
		return Err(invalid(format!("{size} bytes; at most {MAX_FILE_BYTES} are read")));
	}
	let bytes = std::fs::read(path).map_err(|source| WorkerError::Io { path: path.to_path_buf(), source })?;
	let raw: BTreeMap<String, RawItem> =
		serde_json::from_slice(&bytes).map_err(|e| invalid(format!("not a PubMedQA file: {e}")))?;
	if raw.len() > MAX_ITEMS {
		return Err(invalid(format!("{} items; at most {MAX_ITEMS}", raw.len())));
	}
	let mut items = Vec::with_capacity(raw.len());
	for (id, item) in raw {
		let abstract_text =
			item.contexts.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" ");
		if item.question.trim().is_empty() || abstract_text.is_empty() {
			return Err(invalid(format!("item {id} has no question or no abstract")));
		}
		items.push(Item {
			pubmed_id: id,
			question: item.question.trim().to_owned(),
			abstract_text,
			meshes: item.meshes,
			decision: item.final_decision.map(|d| d.trim().to_lowercase()),
			long_answer: item.long_answer.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()),
		});
	}
	if items.is_empty() {
		return Err(invalid("no items".into()));
	}
	// Numeric order of the ids (shorter is smaller), then text.
	items.sort_by(|a, b| a.pubmed_id.len().cmp(&b.pubmed_id.len()).then_with(|| a.pubmed_id.cmp(&b.pubmed_id)));
	Ok(items)
}

/// How abstracts are grouped into datasets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
	/// `n` consecutive abstracts (by PubMed id) per dataset.
	Fixed(usize),
	/// By MeSH term: each abstract joins the dataset of its most common term among those held by at least 2
	/// and at most 5 % of the abstracts (broad check tags such as "Humans" or "Female" name no topic); ties go
	/// to the alphabetically first term. Abstracts with no such term share datasets of 10.
	Mesh,
}

/// The DataNet: datasets of abstracts, and where each item's abstract sits.
#[derive(Clone, Debug)]
pub struct PubMedQaDataNet {
	pub version: DataNetVersion,
	/// Per item (in [`load`]'s order): its dataset and the byte range of its abstract in that dataset's text.
	pub sources: Vec<(u64, Range<usize>)>,
	/// Per dataset: its name (the MeSH term, or the range of items).
	pub names: BTreeMap<u64, String>,
}

/// Groups `items` into datasets (ids from 1), abstracts separated by blank lines.
///
/// # Errors
/// [`WorkerError::InvalidInput`] for no items or a group size of 0.
pub fn datanet(items: &[Item], grouping: Grouping) -> Result<PubMedQaDataNet> {
	if items.is_empty() {
		return Err(WorkerError::InvalidInput("no PubMedQA items".into()));
	}
	let groups: Vec<(String, Vec<usize>)> = match grouping {
		Grouping::Fixed(0) => return Err(WorkerError::InvalidInput("a group size of 0".into())),
		Grouping::Fixed(n) => fixed_groups(0..items.len(), n, "items"),
		Grouping::Mesh => mesh_groups(items),
	};
	let mut datasets = Vec::with_capacity(groups.len());
	let mut sources = vec![(0u64, 0..0); items.len()];
	let mut names = BTreeMap::new();
	for (g, (name, members)) in groups.into_iter().enumerate() {
		let id = u64::try_from(g).unwrap_or(u64::MAX).saturating_add(1);
		let mut text = String::new();
		for i in members {
			let Some(item) = items.get(i) else { continue };
			if !text.is_empty() {
				text.push_str("\n\n");
			}
			let start = text.len();
			text.push_str(&item.abstract_text);
			if let Some(slot) = sources.get_mut(i) {
				*slot = (id, start..text.len());
			}
		}
		text.push('\n');
		datasets.push(Dataset::from_bytes(
			id,
			name.clone(),
			String::new(),
			PathBuf::from(format!("pubmedqa-{id}.txt")),
			text.into_bytes(),
		)?);
		names.insert(id, name);
	}
	Ok(PubMedQaDataNet { version: DataNetVersion::new(1, 1, datasets)?, sources, names })
}

fn fixed_groups(items: impl Iterator<Item = usize>, n: usize, label: &str) -> Vec<(String, Vec<usize>)> {
	let all: Vec<usize> = items.collect();
	all.chunks(n.max(1))
		.map(|c| {
			(format!("{label} {}–{}", c.first().copied().unwrap_or(0), c.last().copied().unwrap_or(0)), c.to_vec())
		})
		.collect()
}

fn mesh_groups(items: &[Item]) -> Vec<(String, Vec<usize>)> {
	let mut count: HashMap<&str, usize> = HashMap::new();
	for item in items {
		let mut terms: Vec<&str> = item.meshes.iter().map(String::as_str).collect();
		terms.sort_unstable();
		terms.dedup();
		for t in terms {
			*count.entry(t).or_insert(0) += 1;
		}
	}
	let broad = items.len().saturating_mul(5) / 100;
	let mut by_term: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
	let mut unplaced = Vec::new();
	for (i, item) in items.iter().enumerate() {
		let best = item
			.meshes
			.iter()
			.map(String::as_str)
			.filter_map(|t| count.get(t).map(|c| (t, *c)))
			.filter(|(_, c)| *c >= 2 && *c <= broad.max(2))
			.max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)));
		match best {
			Some((term, _)) => by_term.entry(term).or_default().push(i),
			None => unplaced.push(i),
		}
	}
	let mut groups: Vec<(String, Vec<usize>)> =
		by_term.into_iter().map(|(term, members)| (format!("MeSH: {term}"), members)).collect();
	groups.extend(fixed_groups(unplaced.into_iter(), 10, "no shared MeSH term, items"));
	groups
}

#[cfg(test)]
mod tests {
	use super::*;

	fn write(json: &str) -> (tempfile::TempDir, PathBuf) {
		let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
		let path = dir.path().join("q.json");
		std::fs::write(&path, json).unwrap_or_else(|e| panic!("{e}"));
		(dir, path)
	}

	const SAMPLE: &str = r#"{
		"200": {"QUESTION": "Q two?", "CONTEXTS": ["B1.", "B2."], "MESHES": ["Liver", "Humans"], "final_decision": "no"},
		"1000": {"QUESTION": "Q three?", "CONTEXTS": ["C."], "MESHES": ["Liver"], "final_decision": "Maybe"},
		"30": {"QUESTION": "Q one?", "CONTEXTS": ["A."], "MESHES": ["Heart"], "final_decision": "yes", "YEAR": "1999"}
	}"#;

	#[test]
	fn items_come_in_numeric_id_order_and_group_into_datasets() {
		let (_dir, path) = write(SAMPLE);
		let items = load(&path).unwrap_or_else(|e| panic!("{e}"));
		let ids: Vec<&str> = items.iter().map(|i| i.pubmed_id.as_str()).collect();
		assert_eq!(ids, ["30", "200", "1000"]);
		assert_eq!(items.get(1).map(|i| i.abstract_text.as_str()), Some("B1. B2."));
		assert_eq!(items.get(2).and_then(|i| i.decision.as_deref()), Some("maybe"));
		let net = datanet(&items, Grouping::Fixed(2)).unwrap_or_else(|e| panic!("{e}"));
		assert_eq!(net.version.datasets.len(), 2);
		for (item, (dataset, range)) in items.iter().zip(&net.sources) {
			let text = &net.version.dataset(*dataset).map(|d| d.text.clone()).unwrap_or_default();
			assert_eq!(text.get(range.clone()), Some(item.abstract_text.as_str()));
		}
		assert_eq!(net.sources.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 1, 2]);
		// By MeSH: "Liver" is shared by two items (and ≤ 5 % does not bind below 2); "Heart" by one only.
		let mesh = datanet(&items, Grouping::Mesh).unwrap_or_else(|e| panic!("{e}"));
		assert_eq!(mesh.names.values().cloned().collect::<Vec<_>>(), ["MeSH: Liver", "no shared MeSH term, items 0–0"]);
		assert_eq!(mesh.sources.iter().map(|s| s.0).collect::<Vec<_>>(), [2, 1, 1]);
	}

	#[test]
	fn malformed_files_are_refused_by_name() {
		for bad in [
			"[]",
			"{\"1\": {\"QUESTION\": \"q\"}}",
			"{\"1\": {\"QUESTION\": \" \", \"CONTEXTS\": [\"a\"]}}",
			"{}",
			"not json",
		] {
			let (_dir, path) = write(bad);
			assert!(matches!(load(&path), Err(WorkerError::InvalidBenchmark { .. })), "{bad}");
		}
		assert!(matches!(load(Path::new("/nonexistent/q.json")), Err(WorkerError::Io { .. })));
		let (_dir, path) = write(SAMPLE);
		let items = load(&path).unwrap_or_else(|e| panic!("{e}"));
		assert!(matches!(datanet(&items, Grouping::Fixed(0)), Err(WorkerError::InvalidInput(_))));
	}
}
