//! The OPEN token: the chain's native currency.
//!
//! OPEN has 18 decimals like most EVM-side tokens, so amounts bridge without rescaling. Micro-rewards to data
//! contributors are fractions of a milli-OPEN, which is why fees and the existential deposit are small.

use crate::Balance;

/// Symbol shown by wallets (chain property `tokenSymbol`).
pub const TOKEN_SYMBOL: &str = "OPEN";
/// Decimal places shown by wallets (chain property `tokenDecimals`).
pub const TOKEN_DECIMALS: u8 = 18;
/// SS58 address prefix (chain property `ss58Format`): the generic Substrate prefix, so development keys
/// show the addresses every Substrate tool knows.
pub const SS58_PREFIX: u16 = 42;

/// One OPEN in units.
pub const OPEN: Balance = 1_000_000_000_000_000_000;
/// One thousandth of an OPEN.
pub const MILLI_OPEN: Balance = OPEN / 1_000;
/// One millionth of an OPEN.
pub const MICRO_OPEN: Balance = OPEN / 1_000_000;

/// The smallest balance an account may hold; below it the account is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_OPEN;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn open_has_eighteen_decimals() {
		assert_eq!(OPEN, 10u128.pow(u32::from(TOKEN_DECIMALS)));
		assert_eq!(MILLI_OPEN * 1_000, OPEN);
		assert_eq!(MICRO_OPEN * 1_000, MILLI_OPEN);
	}
}
