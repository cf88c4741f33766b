//! Opening, committing and revealing: what each call records, and every way each is refused with its state
//! untouched.

use frame_support::{assert_noop, assert_ok};
use openledger_primitives::validation::report_commitment;
use sp_core::H256;

use super::helpers::*;
use crate::{mock::*, *};

#[test]
fn a_job_holds_the_fee_and_draws_a_committee_of_distinct_active_validators_after_the_delay() {
	new_test_ext().execute_with(|| {
		let job = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
		assert_eq!(held(PROPOSER), FEE);
		let draw_at = 1 + DRAW_DELAY;
		System::assert_last_event(
			Event::ValidationRequested {
				job,
				datanet: DATANET,
				dataset: DATASET,
				version: VERSION,
				proposer: PROPOSER,
				fee: FEE,
				draw_at,
			}
			.into(),
		);
		assert!(Committees::<Test>::get(job).is_none(), "nothing is drawn before the delay");
		run_to(draw_at);
		let mut committee = Committees::<Test>::get(job).unwrap().to_vec();
		assert_eq!(committee.len(), COMMITTEE as usize);
		committee.sort();
		committee.dedup();
		assert_eq!(committee.len(), COMMITTEE as usize);
		assert!(committee.iter().all(|m| (1..=4).contains(m)));
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, JobPhase::Committing { until: draw_at + COMMIT_WINDOW });
	});
}

#[test]
fn the_committee_depends_on_the_entropy_at_the_draw_not_at_the_proposal() {
	let committee_with = |entropy: u8| {
		new_test_ext().execute_with(|| {
			let job = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
			set_entropy(H256::repeat_byte(entropy));
			run_to(1 + DRAW_DELAY);
			Committees::<Test>::get(job).unwrap().to_vec()
		})
	};
	let drawn: std::collections::BTreeSet<Vec<AccountId>> = (0..16).map(committee_with).collect();
	assert!(drawn.len() > 1, "the draw must follow the entropy of the draw block");
}

#[test]
fn opening_is_refused_without_validators_or_without_the_fee() {
	new_test_ext().execute_with(|| {
		assert_noop!(Validation::do_open(&PAUPER, DATANET, DATASET, VERSION, FEE), Error::<Test>::InsufficientBalance);
		set_validators(vec![]);
		assert_noop!(Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE), Error::<Test>::NoValidators);
	});
}

#[test]
fn commits_are_refused_by_name_with_state_untouched() {
	new_test_ext().execute_with(|| {
		let early = Validation::do_open(&PROPOSER, DATANET, DATASET, VERSION, FEE).unwrap();
		let hash = H256::repeat_byte(1);
		assert_noop!(Validation::commit_report(RuntimeOrigin::signed(worker(1)), early, hash), Error::<Test>::WrongPhase);
		assert_noop!(Validation::commit_report(RuntimeOrigin::signed(worker(1)), 99, hash), Error::<Test>::UnknownJob);
		run_to(1 + DRAW_DELAY);
		let committee = Committees::<Test>::get(early).unwrap().to_vec();
		let outsider = (1..=4).find(|v| !committee.contains(v)).unwrap();
		let member = committee[0];
		assert_noop!(
			Validation::commit_report(RuntimeOrigin::signed(worker(outsider)), early, hash),
			Error::<Test>::NotOnCommittee
		);
		// The validator's own account is not its worker key.
		assert_noop!(
			Validation::commit_report(RuntimeOrigin::signed(member), early, hash),
			Error::<Test>::NotOnCommittee
		);
		assert_ok!(Validation::commit_report(RuntimeOrigin::signed(worker(member)), early, hash));
		assert_noop!(
			Validation::commit_report(RuntimeOrigin::signed(worker(member)), early, hash),
			Error::<Test>::DuplicateCommit
		);
	});
}

#[test]
fn reveals_are_refused_by_name_with_state_untouched() {
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		let (a, b, c) = (committee[0], committee[1], committee[2]);
		commit(job, a, &report(3_000));
		assert_noop!(
			Validation::reveal_report(RuntimeOrigin::signed(worker(a)), job, report(3_000), salt(a)),
			Error::<Test>::WrongPhase
		);
		commit(job, b, &report(3_000));
		run_to(System::block_number() + COMMIT_WINDOW);
		assert!(matches!(Jobs::<Test>::get(job).unwrap().phase, JobPhase::Revealing { .. }));
		assert_noop!(
			Validation::reveal_report(RuntimeOrigin::signed(worker(c)), job, report(3_000), salt(c)),
			Error::<Test>::NoCommitment
		);
		assert_noop!(
			Validation::reveal_report(RuntimeOrigin::signed(worker(a)), job, report(3_000), salt(b)),
			Error::<Test>::RevealMismatch
		);
		assert_noop!(
			Validation::reveal_report(RuntimeOrigin::signed(worker(a)), job, report(3_001), salt(a)),
			Error::<Test>::RevealMismatch
		);
		reveal(job, a, report(3_000));
		assert_noop!(
			Validation::reveal_report(RuntimeOrigin::signed(worker(a)), job, report(3_000), salt(a)),
			Error::<Test>::AlreadyRevealed
		);
		assert_noop!(
			Validation::commit_report(RuntimeOrigin::signed(worker(c)), job, H256::zero()),
			Error::<Test>::WrongPhase
		);
	});
}

#[test]
fn a_commitment_binds_the_job_and_the_member() {
	let r = report(3_000);
	assert_ne!(report_commitment(1, &1u64, &r, &[0; 32]), report_commitment(2, &1u64, &r, &[0; 32]));
	assert_ne!(report_commitment(1, &1u64, &r, &[0; 32]), report_commitment(1, &2u64, &r, &[0; 32]));
}

#[test]
fn successful_reports_are_free_for_the_worker() {
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		let hash = report_commitment(job, &committee[0], &report(3_000), &salt(committee[0]));
		let info = Validation::commit_report(RuntimeOrigin::signed(worker(committee[0])), job, hash).unwrap();
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
	});
}
