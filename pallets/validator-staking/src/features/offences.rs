//! Offences proven on chain — GRANDPA equivocations, reported through pallet-grandpa's
//! `EquivocationReportSystem` with a pallet-session historical key-ownership proof — are slashed here.
//!
//! This pallet is the `ReportOffence` end of that system (the role pallet-offences plays on relay chains): it
//! refuses a report it has already seen, then slashes each offender the fraction the offence prescribes and
//! chills it.

use alloc::vec::Vec;
use codec::Encode;
use openledger_primitives::staking::SlashReason;
use sp_runtime::traits::{BlakeTwo256, Hash};
use sp_staking::offence::{Offence, OffenceError, ReportOffence};

use crate::*;

/// How pallet-session's historical proofs name an offender: the validator and its (empty) full
/// identification — a validator is identified by its own account; there is no exposure to nominators.
pub type OffenderOf<T> = (<T as frame_system::Config>::AccountId, ());

/// The key under which a report of offence kind `O` by `offender` at `slot` is remembered.
fn report_id<T: Config, O: Offence<OffenderOf<T>>>(offender: &T::AccountId, slot: &O::Slot) -> [u8; 32] {
	(O::ID, slot, offender).using_encoded(|bytes| BlakeTwo256::hash(bytes).0)
}

impl<T: Config, O: Offence<OffenderOf<T>>> ReportOffence<T::AccountId, OffenderOf<T>, O> for Pallet<T> {
	fn report_offence(_reporters: Vec<T::AccountId>, offence: O) -> Result<(), OffenceError> {
		let offenders = offence.offenders();
		let slot = offence.slot();
		if <Self as ReportOffence<T::AccountId, OffenderOf<T>, O>>::is_known_offence(&offenders, &slot) {
			return Err(OffenceError::DuplicateReport);
		}
		let count = u32::try_from(offenders.len()).unwrap_or(u32::MAX);
		let fraction = offence.slash_fraction(count);
		for (offender, ()) in offenders {
			let id = report_id::<T, O>(&offender, &slot);
			if ReportedOffences::<T>::contains_key(id) {
				continue;
			}
			ReportedOffences::<T>::insert(id, offence.session_index());
			Self::do_slash(&offender, fraction, SlashReason::Equivocation);
		}
		Ok(())
	}

	fn is_known_offence(offenders: &[OffenderOf<T>], slot: &O::Slot) -> bool {
		offenders.iter().all(|(offender, ())| ReportedOffences::<T>::contains_key(report_id::<T, O>(offender, slot)))
	}
}
