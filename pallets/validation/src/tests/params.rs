//! Governance's parameters: who may set them, which are refused, and that every later step of a job uses them.

use frame_support::{assert_noop, assert_ok};
use openledger_primitives::{staking::SlashReason, validation::ReportTolerance};
use sp_runtime::{DispatchError, Perbill};

use super::helpers::*;
use crate::{mock::*, *};

fn defaults() -> Params<u64> {
	DefaultParams::get()
}

#[test]
fn the_defaults_hold_until_governance_sets_parameters() {
	new_test_ext().execute_with(|| {
		assert_eq!(Parameters::<Test>::get(), None);
		assert_eq!(Validation::params(), defaults());
		let params = Params { committee_size: 4, quorum: 3, ..defaults() };
		assert_ok!(Validation::set_params(RuntimeOrigin::root(), params));
		assert_eq!(Validation::params(), params);
		System::assert_last_event(Event::ParamsSet { params }.into());
	});
}

#[test]
fn only_the_admin_origin_may_set_parameters() {
	new_test_ext().execute_with(|| {
		let params = Params { committee_size: 1, quorum: 1, ..defaults() };
		assert_noop!(Validation::set_params(RuntimeOrigin::signed(1), params), DispatchError::BadOrigin);
		assert_noop!(Validation::set_params(RuntimeOrigin::signed(worker(1)), params), DispatchError::BadOrigin);
		assert_eq!(Parameters::<Test>::get(), None);
	});
}

#[test]
fn inconsistent_parameters_are_refused_by_name_with_state_untouched() {
	new_test_ext().execute_with(|| {
		let d = defaults();
		let wide = |t: ReportTolerance| Params { tolerance: t, ..d };
		for (what, params) in [
			("no committee", Params { committee_size: 0, quorum: 0, ..d }),
			("a committee beyond MaxCommittee", Params { committee_size: MaxCommittee::get() + 1, ..d }),
			("no quorum", Params { quorum: 0, ..d }),
			("a quorum beyond the committee", Params { quorum: d.committee_size + 1, ..d }),
			("no commit window", Params { commit_window: 0, ..d }),
			("no reveal window", Params { reveal_window: 0, ..d }),
			("relevance tolerance over 100 %", wide(ReportTolerance { relevance_bps: 10_001, ..d.tolerance })),
			("support tolerance over its range", wide(ReportTolerance { support_gain_bps: 20_001, ..d.tolerance })),
		] {
			assert!(!params.is_valid(MaxCommittee::get()), "{what}");
			assert_noop!(Validation::set_params(RuntimeOrigin::root(), params), Error::<Test>::InvalidParams);
		}
		assert_eq!(Parameters::<Test>::get(), None);
		// The widest accepted: every active validator, each part's whole range.
		let widest = Params {
			committee_size: MaxCommittee::get(),
			quorum: 1,
			tolerance: ReportTolerance { relevance_bps: 10_000, answer_gain_millinats: u32::MAX, support_gain_bps: 20_000 },
			commit_window: 1,
			reveal_window: 1,
			..d
		};
		assert_ok!(Validation::set_params(RuntimeOrigin::root(), widest));
	});
}

#[test]
fn a_job_draws_waits_and_decides_with_the_parameters_in_force() {
	new_test_ext().execute_with(|| {
		let params = Params {
			committee_size: 4,
			quorum: 3,
			commit_window: 2,
			reveal_window: 3,
			member_slash: Perbill::from_percent(5),
			..defaults()
		};
		assert_ok!(Validation::set_params(RuntimeOrigin::root(), params));
		let (job, committee) = drawn_job();
		assert_eq!(committee.len(), 4, "every one of the four validators");
		let drawn_at = System::block_number();
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, JobPhase::Committing { until: drawn_at + 2 });
		let mut liar = report(3_000);
		liar.rows_in_datanet = 0;
		let reports = [report(3_000), report(3_010), report(3_020), liar];
		for (member, r) in committee.iter().zip(&reports) {
			commit(job, *member, r);
		}
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, JobPhase::Revealing { until: drawn_at + 3 });
		for (member, r) in committee.iter().zip(reports) {
			reveal(job, *member, r);
		}
		run_to(System::block_number() + 1);
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, Some(report(3_000)))], "the lower median");
		assert_eq!(slashes(), vec![(committee[3], Perbill::from_percent(5), SlashReason::WrongValidation)]);
	});
}

#[test]
fn a_quorum_raised_after_the_draw_applies_at_the_decision() {
	new_test_ext().execute_with(|| {
		let (job, committee) = drawn_job();
		for member in &committee[..2] {
			commit(job, *member, &report(3_000));
		}
		// Two agreeing reveals met the default quorum of 2; governance now asks for 3 before the decision.
		assert_ok!(Validation::set_params(RuntimeOrigin::root(), Params { quorum: 3, ..defaults() }));
		run_to(System::block_number() + COMMIT_WINDOW);
		for member in &committee[..2] {
			reveal(job, *member, report(3_000));
		}
		run_to(System::block_number() + 1);
		assert_eq!(outcomes(), vec![(DATANET, DATASET, job, None)], "two of three is no longer a quorum");
		assert_eq!(total(PROPOSER), INITIAL_BALANCE, "the fee is refunded");
	});
}
