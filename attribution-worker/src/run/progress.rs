//! What the worker has done, on disk, so a restart neither skips a block nor redoes a duty: the last finalized
//! block whose events were handled, and the vectors committed to (revealed later). Written atomically
//! (temporary file, then rename) after every block.

use anyhow::{Context, Result};
use openledger_primitives::attribution::Round;
use serde::{Deserialize, Serialize};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
};

/// The worker's progress.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
	/// The last finalized block whose events were handled.
	pub last_block: Option<u64>,
	/// The genesis hash of the chain this progress belongs to (a different chain starts over).
	pub genesis: Option<String>,
	/// Vectors committed to and not yet revealed, by "request/round".
	pub commitments: BTreeMap<String, Vec<(u64, u16)>>,
}

impl Progress {
	/// The progress file in `dir`.
	pub fn path(dir: &Path) -> PathBuf {
		dir.join("progress.json")
	}

	/// Loads the progress in `dir`, or starts afresh.
	pub fn load(dir: &Path) -> Result<Self> {
		let path = Self::path(dir);
		match std::fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display())),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
			Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
		}
	}

	/// Saves atomically.
	pub fn save(&self, dir: &Path) -> Result<()> {
		std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		let path = Self::path(dir);
		let temporary = path.with_extension("json.tmp");
		std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)
			.with_context(|| format!("writing {}", temporary.display()))?;
		std::fs::rename(&temporary, &path).with_context(|| format!("replacing {}", path.display()))
	}

	/// The key of the commitment to `request`'s `round`: "request/round".
	pub fn key(request: u64, round: Round) -> String {
		format!("{request}/{}", round_name(round))
	}

	/// The request and round a commitment's key names (`None` for a key this worker did not write).
	pub fn parse_key(key: &str) -> Option<(u64, Round)> {
		let (request, round) = key.split_once('/')?;
		let round = [Round::Review, Round::Challenge].into_iter().find(|r| round_name(*r) == round)?;
		Some((request.parse().ok()?, round))
	}

	/// The commitments not yet revealed, as (request, round).
	pub fn pending(&self) -> Vec<(u64, Round)> {
		self.commitments.keys().filter_map(|key| Self::parse_key(key)).collect()
	}
}

/// A round's name, in logs and commitment keys.
pub fn round_name(round: Round) -> &'static str {
	match round {
		Round::Review => "review",
		Round::Challenge => "challenge",
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn progress_round_trips_through_disk() {
		let dir = tempfile::tempdir().unwrap();
		assert_eq!(Progress::load(dir.path()).unwrap(), Progress::default());
		let mut progress = Progress { last_block: Some(42), genesis: Some("0xab".into()), ..Default::default() };
		progress.commitments.insert(Progress::key(3, Round::Review), vec![(1, 10_000)]);
		progress.save(dir.path()).unwrap();
		assert_eq!(Progress::load(dir.path()).unwrap(), progress);
		std::fs::write(Progress::path(dir.path()), b"{").unwrap();
		assert!(Progress::load(dir.path()).is_err());
	}

	#[test]
	fn commitment_keys_name_their_request_and_round() {
		for round in [Round::Review, Round::Challenge] {
			assert_eq!(Progress::parse_key(&Progress::key(7, round)), Some((7, round)));
		}
		assert_eq!(Progress::key(7, Round::Challenge), "7/challenge");
		for foreign in ["7", "7/", "x/review", "7/appeal", "-1/review", ""] {
			assert_eq!(Progress::parse_key(foreign), None, "{foreign}");
		}
		let mut progress = Progress::default();
		progress.commitments.insert(Progress::key(9, Round::Review), vec![(1, 10_000)]);
		progress.commitments.insert("junk".into(), vec![(1, 10_000)]);
		assert_eq!(progress.pending(), vec![(9, Round::Review)]);
	}
}
