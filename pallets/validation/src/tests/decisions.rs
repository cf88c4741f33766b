//! Closing a job: the median stands with a quorum, who is paid and who is slashed, and the refund without one.

use openledger_primitives::staking::SlashReason;

use super::helpers::*;
use crate::{mock::*, *};

/// Every member commits and reveals `reports[i]`; runs to the decision.
fn decide(reports: [openledger_primitives::validation::ValidationReport; 3]) -> Vec<AccountId> {
	let (job, committee) = drawn_job();
	for (member, r) in committee.iter().zip(&reports) {
		commit(job, *member, r);
	}
	for (member, r) in committee.iter().zip(reports) {
		reveal(job, *member, r);
	}
	run_to(System::block_number() + 1);
	assert!(Jobs::<Test>::get(job).is_none(), "decided the block after the last reveal");
	committee
}

#[test]
fn agreeing_reports_give_their_median_to_the_datanet_and_share_the_fee() {
	new_test_ext().execute_with(|| {
		let before: Balance = (1..=4).map(total).sum::<Balance>() + total(PROPOSER);
		let committee = decide([report(3_000), report(3_040), report(3_020)]);
		assert_eq!(outcomes(), vec![(DATANET, DATASET, 0, Some(report(3_020)))]);
		assert_eq!(held(PROPOSER), 0);
		assert_eq!(total(PROPOSER), INITIAL_BALANCE - FEE);
		// 1 000 over three: 334, 333, 333 in the committee's order.
		let paid: Vec<Balance> = committee.iter().map(|m| total(*m) - INITIAL_BALANCE).collect();
		assert_eq!(paid, vec![334, 333, 333]);
		assert_eq!((1..=4).map(total).sum::<Balance>() + total(PROPOSER), before, "OPEN is conserved");
		assert!(slashes().is_empty());
		assert!(Committees::<Test>::get(0).is_none() && Votes::<Test>::iter_prefix(0).next().is_none());
	});
}

#[test]
fn an_outlier_is_slashed_and_unpaid_while_the_quorum_decides() {
	new_test_ext().execute_with(|| {
		let mut liar = report(3_000);
		liar.rows_in_datanet = 0; // hides the duplicates
		let committee = decide([report(3_000), liar, report(3_010)]);
		assert_eq!(outcomes()[0].3, Some(report(3_000)));
		assert_eq!(slashes(), vec![(committee[1], MemberSlash::get(), SlashReason::WrongValidation)]);
		assert_eq!(total(committee[1]), INITIAL_BALANCE);
		assert_eq!(total(committee[0]) + total(committee[2]) - 2 * INITIAL_BALANCE, FEE);
	});
}

#[test]
fn without_a_quorum_the_fee_is_refunded_and_no_report_stands() {
	new_test_ext().execute_with(|| {
		// Three reports, pairwise beyond tolerance: no two agree with the median.
		decide([report(1_000), report(3_000), report(5_000)]);
		assert_eq!(outcomes(), vec![(DATANET, DATASET, 0, None)]);
		assert_eq!(total(PROPOSER), INITIAL_BALANCE);
		assert_eq!(held(PROPOSER), 0);
	});
}

#[test]
fn absent_members_and_broken_commitments_are_slashed_and_one_reveal_is_no_quorum() {
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		let (a, b, c) = (committee[0], committee[1], committee[2]);
		commit(job, a, &report(3_000));
		commit(job, b, &report(3_000));
		run_to(System::block_number() + COMMIT_WINDOW);
		reveal(job, a, report(3_000));
		run_to(System::block_number() + REVEAL_WINDOW);
		assert!(Jobs::<Test>::get(job).is_none());
		let slashed = slashes();
		assert_eq!(slashed.len(), 2);
		assert!(slashed.contains(&(b, MemberSlash::get(), SlashReason::BrokenCommitment)));
		assert!(slashed.contains(&(c, AbsenceSlash::get(), SlashReason::Absent)));
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, None)]);
		assert_eq!(total(PROPOSER), INITIAL_BALANCE);
	});
}

#[test]
fn a_committee_nobody_commits_to_closes_at_the_commit_window() {
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		run_to(System::block_number() + COMMIT_WINDOW);
		assert!(Jobs::<Test>::get(job).is_none());
		assert_eq!(slashes().len(), committee.len());
		assert!(slashes().iter().all(|(_, _, reason)| *reason == SlashReason::Absent));
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, None)]);
		assert_eq!(total(PROPOSER), INITIAL_BALANCE);
	});
}

#[test]
fn with_nobody_left_to_draw_the_job_fails_and_refunds() {
	new_test_ext().execute_with(|| {
		let job = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
		set_validators(vec![]);
		run_to(1 + DRAW_DELAY);
		assert!(Jobs::<Test>::get(job).is_none());
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, None)]);
		assert_eq!(total(PROPOSER), INITIAL_BALANCE);
	});
}

#[test]
fn a_smaller_set_draws_a_smaller_committee_and_its_quorum_shrinks_with_it() {
	new_test_ext().execute_with(|| {
		set_validators(vec![2]);
		let (job, committee) = drawn_job();
		assert_eq!(committee, vec![2]);
		commit(job, 2, &report(3_000));
		reveal(job, 2, report(3_000));
		run_to(System::block_number() + 1);
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, Some(report(3_000)))]);
		assert_eq!(total(2), INITIAL_BALANCE + FEE);
	});
}

#[test]
fn the_block_is_charged_the_close_and_what_the_datanets_pallet_used_to_record_it() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		for member in &committee {
			commit(job, *member, &report(3_000));
		}
		for member in &committee {
			reveal(job, *member, report(3_000));
		}
		let next = System::block_number() + 1;
		System::set_block_number(next);
		let charged = Validation::on_initialize(next);
		assert!(Jobs::<Test>::get(job).is_none());
		let close = <() as WeightInfo>::close(committee.len() as u32);
		assert!(charged.all_gte(close.saturating_add(RECORDING_WEIGHT)), "{charged:?} < {close:?} + {RECORDING_WEIGHT:?}");
	});
}

#[test]
fn a_failed_draw_is_charged_what_the_datanets_pallet_used_to_record_it() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		let job = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
		set_validators(vec![]);
		System::set_block_number(1 + DRAW_DELAY);
		let charged = Validation::on_initialize(1 + DRAW_DELAY);
		assert!(Jobs::<Test>::get(job).is_none());
		let draw = <() as WeightInfo>::draw();
		assert!(charged.all_gte(draw.saturating_add(RECORDING_WEIGHT)), "{charged:?} < {draw:?} + {RECORDING_WEIGHT:?}");
	});
}
