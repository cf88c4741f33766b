//! The worker key: an sr25519 key from a seed URI (`//Alice//worker`, a mnemonic, or 0x-hex seed), given on the
//! command line or in a file. It signs proofs (answers, commitments, reveals) and nothing else. The CLI's other
//! signing keys (a model owner's for `register-model`, a contributor's for `submit-dataset`) are read the same way.

use anyhow::{Context, Result};
use sp_core::{crypto::Pair as _, sr25519};
use std::path::Path;
use subxt::{
	tx::Signer,
	utils::{AccountId32, MultiSignature},
	PolkadotConfig,
};

/// The worker's signing key.
#[derive(Clone)]
pub struct WorkerKey {
	pair: sr25519::Pair,
}

impl WorkerKey {
	/// Parses a seed URI.
	pub fn from_uri(uri: &str) -> Result<Self> {
		let pair = sr25519::Pair::from_string(uri.trim(), None)
			.map_err(|e| anyhow::anyhow!("the key is not a valid sr25519 seed URI: {e:?}"))?;
		Ok(Self { pair })
	}

	/// Reads a seed URI from a file (first line).
	pub fn from_file(path: &Path) -> Result<Self> {
		let text =
			std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
		Self::from_uri(text.lines().next().unwrap_or_default())
	}

	/// The key given on the command line as `--key URI` or `--key-file PATH` (`whose` names it in the error when
	/// neither is given, e.g. "the worker key").
	pub fn from_args(key: Option<&str>, key_file: Option<&Path>, whose: &str) -> Result<Self> {
		match (key, key_file) {
			(Some(uri), _) => Self::from_uri(uri),
			(None, Some(path)) => Self::from_file(path),
			(None, None) => anyhow::bail!("give {whose} with --key-file (or --key)"),
		}
	}

	/// The key's account.
	pub fn account(&self) -> AccountId32 {
		AccountId32(self.pair.public().0)
	}

	/// 32 bytes derived from the secret key and `context`: unpredictable to anyone else, the same after a restart
	/// (commit/reveal salts need no storage).
	pub fn derive_secret(&self, context: &[u8]) -> [u8; 32] {
		let mut material = self.pair.to_raw_vec();
		material.extend_from_slice(b"ol/worker-salt");
		material.extend_from_slice(context);
		sp_crypto_hashing::blake2_256(&material)
	}
}

impl Signer<PolkadotConfig> for WorkerKey {
	fn account_id(&self) -> AccountId32 {
		self.account()
	}

	fn sign(&self, payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.pair.sign(payload).0)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_worker_key_is_the_known_account() {
		let key = WorkerKey::from_uri("//Alice//worker").unwrap();
		// The account the runtime's genesis registers as Alice's worker (runtime/src/genesis_config_presets.rs).
		assert_eq!(key.account().0[..4], [222, 8, 144, 226]);
		assert!(WorkerKey::from_uri("not a key").is_err());
	}

	#[test]
	fn salts_are_stable_and_depend_on_key_and_context() {
		let alice = WorkerKey::from_uri("//Alice//worker").unwrap();
		let bob = WorkerKey::from_uri("//Bob//worker").unwrap();
		assert_eq!(alice.derive_secret(b"1"), WorkerKey::from_uri("//Alice//worker").unwrap().derive_secret(b"1"));
		assert_ne!(alice.derive_secret(b"1"), alice.derive_secret(b"2"));
		assert_ne!(alice.derive_secret(b"1"), bob.derive_secret(b"1"));
	}
}
