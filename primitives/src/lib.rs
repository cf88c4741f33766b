//! Types shared by the OpenLedger runtime, the node and the attribution worker.
//!
//! Everything here is `no_std` and SCALE-encodable so the same definitions serve on chain, over RPC and in
//! the worker's chain client.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod attribution;
pub mod content;
pub mod dataset;
pub mod draw;
pub mod json;
pub mod model;
pub mod rewards;
pub mod sketch;
pub mod staking;
pub mod token;
pub mod validation;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// A transaction signature: sr25519, ed25519 or ecdsa, as polkadot.js produces.
pub type Signature = MultiSignature;

/// An account: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of OPEN in its smallest unit (1 OPEN = 10^18 units, see [`token`]).
pub type Balance = u128;

/// A block height.
pub type BlockNumber = u32;

/// The number of transactions an account has sent.
pub type Nonce = u32;

/// A 256-bit hash (blake2-256 throughout: blocks, content, Merkle roots).
pub type Hash = sp_core::H256;
