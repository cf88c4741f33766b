//! Shared steps.

use frame_support::assert_ok;
use openledger_primitives::validation::{report_commitment, ValidationJobId, ValidationReport};

use crate::{mock::*, *};

pub const DATANET: u32 = 7;
pub const DATASET: u64 = 42;
pub const VERSION: u32 = 3;

/// An honest report; `relevance` varies the measured part.
pub fn report(relevance: u16) -> ValidationReport {
	ValidationReport {
		rows_parsed: 10,
		rows_refused: 1,
		rows_empty: 1,
		rows_other_script: 0,
		rows_in_datanet: 2,
		rows_repeated: 0,
		relevance_bps: relevance,
		probes: 8,
		answer_gain_millinats: 120,
		support_gain_bps: 400,
	}
}

pub fn salt(member: AccountId) -> [u8; 32] {
	[member as u8; 32]
}

/// Opens a job for PROPOSER and runs to its draw; returns the job and its committee.
pub fn drawn_job() -> (ValidationJobId, Vec<AccountId>) {
	let job = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
	run_to(System::block_number() + DRAW_DELAY);
	let committee = Committees::<Test>::get(job).unwrap().to_vec();
	(job, committee)
}

pub fn commit(job: ValidationJobId, member: AccountId, report: &ValidationReport) {
	let hash = report_commitment(job, &member, report, &salt(member));
	assert_ok!(Validation::commit_report(RuntimeOrigin::signed(worker(member)), job, hash));
}

pub fn reveal(job: ValidationJobId, member: AccountId, report: ValidationReport) {
	assert_ok!(Validation::reveal_report(RuntimeOrigin::signed(worker(member)), job, report, salt(member)));
}

/// What an account owns, free and held.
pub fn total(account: AccountId) -> Balance {
	use frame_support::traits::fungible::Inspect;
	<Balances as Inspect<AccountId>>::total_balance(&account)
}

pub fn held(account: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&HoldReason::ValidationFee.into(), &account)
}
