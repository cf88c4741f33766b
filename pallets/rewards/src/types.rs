//! Types of the rewards pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible::Inspect;
use openledger_primitives::rewards::{BasisPoints, ALL_BASIS_POINTS};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::Perbill;

use crate::Config;

/// A balance of OPEN.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// How an answer's fee is shared, in basis points summing to 10 000.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct FeeSplit {
	/// To the protocol treasury (which also receives every rounding remainder).
	pub treasury: BasisPoints,
	/// To the answered model's owner.
	pub model_owner: BasisPoints,
	/// To the validators, pooled and paid when the session ends.
	pub validators: BasisPoints,
	/// To the owners of the credited datasets, by their attribution weights.
	pub contributors: BasisPoints,
}

impl FeeSplit {
	/// Whether the parts add up to exactly 10 000.
	pub fn is_valid(&self) -> bool {
		[self.treasury, self.model_owner, self.validators, self.contributors]
			.iter()
			.map(|bps| u32::from(*bps))
			.sum::<u32>() ==
			ALL_BASIS_POINTS
	}
}

impl Default for FeeSplit {
	/// Half to the data, a fifth each to the model's owner and the validators, a tenth to the treasury.
	fn default() -> Self {
		Self { treasury: 1_000, model_owner: 2_000, validators: 2_000, contributors: 5_000 }
	}
}

/// `bps` basis points as a fraction.
pub fn fraction(bps: BasisPoints) -> Perbill {
	Perbill::from_rational(u32::from(bps), ALL_BASIS_POINTS)
}

pub use openledger_primitives::rewards::Earnings;
