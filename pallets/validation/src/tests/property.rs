//! Property tests: whatever members do, OPEN is conserved, the fee is paid or refunded exactly once, and an honest
//! majority's report stands whatever the others reveal.

use proptest::prelude::*;

use super::helpers::*;
use crate::{
	features::{tally, Tally},
	mock::*,
	*,
};
use openledger_primitives::validation::{ValidationReport, DEFAULT_REPORT_TOLERANCE};

/// What one member does: nothing, commit only, or commit and reveal a report with this relevance.
#[derive(Clone, Debug)]
enum Behaviour {
	Absent,
	CommitOnly,
	Reveal(u16),
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
	prop_oneof![Just(Behaviour::Absent), Just(Behaviour::CommitOnly), (2_900u16..3_200).prop_map(Behaviour::Reveal)]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	#[test]
	fn open_is_conserved_and_the_fee_moves_once(behaviours in proptest::collection::vec(behaviour(), 3), jobs in 1usize..3) {
		new_test_ext().execute_with(|| {
			let accounts = [1, 2, 3, 4, PROPOSER];
			let before: Balance = accounts.iter().map(|a| total(*a)).sum();
			for _ in 0..jobs {
				let (job, committee) = drawn_job();
				for (member, b) in committee.iter().zip(&behaviours) {
					match b {
						Behaviour::Absent => {},
						Behaviour::CommitOnly => commit(job, *member, &report(3_000)),
						Behaviour::Reveal(r) => commit(job, *member, &report(*r)),
					}
				}
				run_to(System::block_number() + COMMIT_WINDOW);
				for (member, b) in committee.iter().zip(&behaviours) {
					if let Behaviour::Reveal(r) = b {
						if matches!(Jobs::<Test>::get(job).map(|j| j.phase), Some(JobPhase::Revealing { .. })) {
							reveal(job, *member, report(*r));
						}
					}
				}
				run_to(System::block_number() + REVEAL_WINDOW);
				prop_assert!(Jobs::<Test>::get(job).is_none());
			}
			prop_assert_eq!(accounts.iter().map(|a| total(*a)).sum::<Balance>(), before);
			prop_assert_eq!(held(PROPOSER), 0);
			let agreed = outcomes().iter().filter(|o| o.3.is_some()).count() as u128;
			prop_assert_eq!(total(PROPOSER), INITIAL_BALANCE - agreed * FEE);
			prop_assert_eq!(outcomes().len(), jobs);
			Ok(())
		})?;
	}

	#[test]
	fn an_honest_majority_stands_whatever_the_others_reveal(
		honest in proptest::collection::vec(3_000u16..3_000 + DEFAULT_REPORT_TOLERANCE.relevance_bps, 2..5),
		liars in proptest::collection::vec((any::<u32>(), any::<u16>(), any::<i32>()), 0..2),
	) {
		let mut reveals: Vec<(u32, ValidationReport)> =
			honest.iter().enumerate().map(|(i, r)| (i as u32, report(*r))).collect();
		for (i, (rows, relevance, gain)) in liars.iter().enumerate() {
			let mut lie = report(*relevance);
			lie.rows_parsed = *rows;
			lie.answer_gain_millinats = *gain;
			reveals.push((100 + i as u32, lie));
		}
		prop_assume!(honest.len() > liars.len());
		let quorum = honest.len();
		match tally(&reveals, quorum, &DEFAULT_REPORT_TOLERANCE) {
			Tally::Agreed { report: median, agreeing, .. } => {
				prop_assert!((0..honest.len() as u32).all(|i| agreeing.contains(&i)));
				prop_assert!(honest.contains(&median.relevance_bps));
				prop_assert_eq!(median.rows_parsed, report(0).rows_parsed);
			},
			Tally::NoAgreement => prop_assert!(false, "an honest majority must decide"),
		}
	}
}
