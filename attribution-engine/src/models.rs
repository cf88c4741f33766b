//! Where the weights live and how they are checked before use.
//!
//! `scripts/fetch-models.sh` unpacks the shipped weights into the models directory
//! (`$OPENLEDGER_MODELS_DIR`, default `~/.cache/openledger-appchain/models`). Every file of the shipped models
//! has its SHA-256 pinned in `pinned-weights.json` ([`crate::pinned`]); a mismatch (corrupt, truncated or swapped
//! file) is refused with the file's name.

use crate::{
	error::{IoContext, Result, WorkerError},
	pinned,
};
use sha2::{Digest, Sha256};
use std::{
	io::Read,
	path::{Path, PathBuf},
};

/// A file the worker loads, with the hash it must have (`None` for self-made test models).
#[derive(Clone, Debug)]
pub struct WeightFile {
	pub path: PathBuf,
	pub sha256: Option<&'static str>,
}

impl WeightFile {
	/// A file whose content is not pinned (self-made models in tests, user-supplied paths).
	pub fn unpinned(path: impl Into<PathBuf>) -> Self {
		Self { path: path.into(), sha256: None }
	}

	/// Checks that the file exists and, when pinned, that its SHA-256 matches. Returns its path.
	///
	/// # Errors
	/// [`WorkerError::MissingFile`] or [`WorkerError::HashMismatch`], naming the file.
	pub fn verified(&self) -> Result<&Path> {
		if !self.path.is_file() {
			return Err(WorkerError::MissingFile {
				path: self.path.clone(),
				hint: "run scripts/fetch-models.sh or pass --models-dir",
			});
		}
		if let Some(expected) = self.sha256 {
			let actual = sha256_file(&self.path)?;
			if actual != expected {
				return Err(WorkerError::HashMismatch {
					path: self.path.clone(),
					expected: expected.to_owned(),
					actual,
				});
			}
		}
		Ok(&self.path)
	}
}

/// SHA-256 of a file, hex-encoded, read in 1 MiB blocks.
///
/// # Errors
/// [`WorkerError::Io`] if the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String> {
	let mut file = std::fs::File::open(path).at(path)?;
	let mut hasher = Sha256::new();
	let mut buf = vec![0u8; 1 << 20];
	loop {
		let n = file.read(&mut buf).at(path)?;
		if n == 0 {
			break;
		}
		hasher.update(buf.get(..n).unwrap_or_default());
	}
	Ok(hex::encode(hasher.finalize()))
}

/// The files of a BERT sentence embedder (config, tokenizer, safetensors weights).
#[derive(Clone, Debug)]
pub struct EmbedderFiles {
	pub config: WeightFile,
	pub tokenizer: WeightFile,
	pub weights: WeightFile,
}

impl EmbedderFiles {
	/// Unpinned files in one directory (`config.json`, `tokenizer.json`, `model.safetensors`).
	pub fn in_dir(dir: &Path) -> Self {
		Self {
			config: WeightFile::unpinned(dir.join("config.json")),
			tokenizer: WeightFile::unpinned(dir.join("tokenizer.json")),
			weights: WeightFile::unpinned(dir.join("model.safetensors")),
		}
	}
}

/// The shipped models, laid out by `scripts/fetch-models.sh`.
#[derive(Clone, Debug)]
pub struct ModelsDir {
	pub root: PathBuf,
}

/// Directory of all-MiniLM-L6-v2 inside the models dir.
pub const MINILM_DIR: &str = "all-minilm-l6-v2";
/// Directory of SmolLM2-135M-Instruct inside the models dir.
pub const SMOLLM2_DIR: &str = "smollm2-135m-instruct";
/// The GGUF file of SmolLM2-135M-Instruct.
pub const SMOLLM2_GGUF: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

impl ModelsDir {
	/// `$OPENLEDGER_MODELS_DIR`, else `~/.cache/openledger-appchain/models`.
	pub fn from_env() -> Self {
		let root = std::env::var_os("OPENLEDGER_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
			let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
			home.join(".cache/openledger-appchain/models")
		});
		Self { root }
	}

	/// For tests on the shipped weights: `Ok(None)` when `OPENLEDGER_SKIP_REAL_WEIGHTS` is set (a machine without
	/// them), the directory when they are there, and an error naming the fix when they are missing.
	pub fn shipped_for_tests() -> std::result::Result<Option<Self>, String> {
		if std::env::var_os("OPENLEDGER_SKIP_REAL_WEIGHTS").is_some() {
			eprintln!("OPENLEDGER_SKIP_REAL_WEIGHTS set: skipping a test on the shipped weights");
			return Ok(None);
		}
		let dir = Self::from_env();
		if !dir.root.join(MINILM_DIR).join("model.safetensors").is_file() {
			return Err(format!(
				"the shipped weights are not in {} — run scripts/fetch-models.sh (or set OPENLEDGER_MODELS_DIR)",
				dir.root.display()
			));
		}
		Ok(Some(dir))
	}

	/// all-MiniLM-L6-v2, every file pinned.
	pub fn minilm(&self) -> EmbedderFiles {
		EmbedderFiles {
			config: self.pinned(&format!("{MINILM_DIR}/config.json")),
			tokenizer: self.pinned(&format!("{MINILM_DIR}/tokenizer.json")),
			weights: self.pinned(&format!("{MINILM_DIR}/model.safetensors")),
		}
	}

	/// SmolLM2-135M-Instruct (Q4_1 GGUF), pinned.
	pub fn smollm2(&self) -> WeightFile {
		self.pinned(&format!("{SMOLLM2_DIR}/{SMOLLM2_GGUF}"))
	}

	/// The shipped file at `path` (relative to the models directory), with its pinned hash.
	fn pinned(&self, path: &str) -> WeightFile {
		WeightFile { path: self.root.join(path), sha256: Some(pinned::sha256(path)) }
	}
}
