//! The SHA-256 of every shipped weight file, read at compile time from `pinned-weights.json` at the repository
//! root: the one pin that `scripts/fetch-models.sh` (which downloads and unpacks the weights) and the
//! end-to-end tests read too. The base model's hash is also its id on chain (`models.register(base_model, …)`).

use serde::Deserialize;
use std::sync::LazyLock;

/// The pin file, embedded in the binary: a worker checks its weights against the pins it was built with.
const PIN_FILE: &str = include_str!("../../pinned-weights.json");

/// What a lookup returns for a file the pin file lacks: no file hashes to it, so loading fails closed (naming the
/// file) instead of loading unchecked weights.
const NOT_PINNED: &str = "(not in pinned-weights.json)";

#[derive(Deserialize)]
struct PinFile {
	files: Vec<PinnedFile>,
}

/// One unpacked file: its path under the models directory and its hash.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PinnedFile {
	path: String,
	sha256: String,
	/// The generator every model on chain is built on.
	#[serde(default)]
	base_model: bool,
}

/// Parsed once; a malformed pin file leaves no pins (every lookup fails closed; the unit tests catch it).
static PINS: LazyLock<Vec<PinnedFile>> =
	LazyLock::new(|| serde_json::from_str::<PinFile>(PIN_FILE).map(|pins| pins.files).unwrap_or_default());

/// The pinned SHA-256 (hex) of `path`, relative to the models directory (e.g. `all-minilm-l6-v2/config.json`).
pub fn sha256(path: &str) -> &'static str {
	PINS.iter().find(|file| file.path == path).map_or(NOT_PINNED, |file| file.sha256.as_str())
}

/// The pinned SHA-256 (hex) of the base model's weights (SmolLM2-135M-Instruct's GGUF file).
pub fn base_model_sha256() -> &'static str {
	PINS.iter().find(|file| file.base_model).map_or(NOT_PINNED, |file| file.sha256.as_str())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::models::{MINILM_DIR, SMOLLM2_DIR, SMOLLM2_GGUF};

	fn is_sha256(hex: &str) -> bool {
		hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
	}

	#[test]
	fn the_pin_file_parses_and_pins_every_shipped_file() {
		let pins: PinFile = serde_json::from_str(PIN_FILE).unwrap();
		assert!(pins.files.iter().all(|file| is_sha256(&file.sha256)));
		for file in ["config.json", "tokenizer.json", "model.safetensors"] {
			assert!(is_sha256(sha256(&format!("{MINILM_DIR}/{file}"))), "{file}");
		}
		assert!(is_sha256(sha256(&format!("{SMOLLM2_DIR}/{SMOLLM2_GGUF}"))));
		assert_eq!(sha256("absent/file.bin"), NOT_PINNED);
	}

	#[test]
	fn the_base_model_is_the_pinned_generator() {
		assert_eq!(PINS.iter().filter(|file| file.base_model).count(), 1);
		assert!(is_sha256(base_model_sha256()));
		assert_eq!(base_model_sha256(), sha256(&format!("{SMOLLM2_DIR}/{SMOLLM2_GGUF}")));
	}
}
