//! Errors the worker reports. Every variant names the file or input at fault, so an operator can act on it.

use std::path::PathBuf;

/// Everything that can go wrong in the worker's engine.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// A weight, tokenizer or index file is not where it should be.
	#[error("{}: not found ({hint})", path.display())]
	MissingFile { path: PathBuf, hint: &'static str },
	/// A file's SHA-256 differs from the pinned one: corrupt, truncated or a different model.
	#[error("{}: sha256 is {actual}, expected {expected} (corrupt or truncated; delete it and run scripts/fetch-models.sh)", path.display())]
	HashMismatch { path: PathBuf, expected: String, actual: String },
	/// A model or tokenizer file exists but cannot be used.
	#[error("{}: {message}", path.display())]
	InvalidModel { path: PathBuf, message: String },
	/// A dataset has no text to index.
	#[error("dataset {dataset} ({}) is empty", path.display())]
	EmptyDataset { dataset: u64, path: PathBuf },
	/// A dataset's bytes are not UTF-8 text.
	#[error("dataset {dataset} ({}): not valid UTF-8 at byte {offset}", path.display())]
	NotUtf8 { dataset: u64, path: PathBuf, offset: usize },
	/// A DataNet manifest is malformed or inconsistent.
	#[error("{}: {message}", path.display())]
	InvalidManifest { path: PathBuf, message: String },
	/// A benchmark's question file is malformed, too large, or has nothing to ask.
	#[error("{}: {message}", path.display())]
	InvalidBenchmark { path: PathBuf, message: String },
	/// The prompt, with its context, does not fit the generator's context window.
	#[error("prompt is {tokens} tokens with its context; the model's context holds {limit}")]
	PromptTooLong { tokens: usize, limit: usize },
	/// An input that cannot be processed (empty question, k = 0, …).
	#[error("invalid input: {0}")]
	InvalidInput(String),
	/// A saved index is unreadable or belongs to another DataNet version or embedder.
	#[error("index {}: {message}", path.display())]
	InvalidIndex { path: PathBuf, message: String },
	/// A LoRA adapter needs more memory than the whole adapter budget.
	#[error("{}: the adapter holds {bytes} bytes, more than the whole adapter memory budget ({budget} bytes)", path.display())]
	AdapterOverBudget { path: PathBuf, bytes: usize, budget: usize },
	/// Tokenizer failure.
	#[error("tokenizer: {0}")]
	Tokenizer(String),
	/// Tensor computation failure.
	#[error("tensor computation: {0}")]
	Candle(#[from] candle::Error),
	/// File-system failure, with the path involved.
	#[error("{}: {source}", path.display())]
	Io { path: PathBuf, source: std::io::Error },
}

/// Shorthand used throughout the crate.
pub type Result<T, E = WorkerError> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
	fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
	fn at(self, path: &std::path::Path) -> Result<T> {
		self.map_err(|source| WorkerError::Io { path: path.to_path_buf(), source })
	}
}

pub(crate) fn tokenizer_error(e: impl std::fmt::Display) -> WorkerError {
	WorkerError::Tokenizer(e.to_string())
}
