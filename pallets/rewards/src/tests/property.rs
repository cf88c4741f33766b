//! Property test: over thousands of random payouts (to random sets of earning validators) and claims, no OPEN
//! is created or lost, the rewards account holds exactly what is owed, and nobody is paid twice.

use std::collections::BTreeMap;

use openledger_primitives::rewards::AnswerPayout;
use proptest::prelude::*;

use super::*;

const VALIDATORS: [AccountId; 3] = [VALIDATOR_A, VALIDATOR_B, VALIDATOR_C];
const CLAIMANTS: [AccountId; 8] = [DANA, EVE, FRED, GINA, MODEL_OWNER, VALIDATOR_A, VALIDATOR_B, VALIDATOR_C];

#[derive(Debug, Clone)]
enum Step {
	/// Datasets (some unknown) with raw weights, normalised to 10 000 unless `skew` breaks the sum, and the
	/// validators who earned the answer with their shares (repeats allowed: one can sit on both committees).
	Pay(Vec<(u64, u16)>, Balance, bool, Vec<(usize, u32)>),
	Claim(usize),
}

fn step() -> impl Strategy<Value = Step> {
	prop_oneof![
		4 => (
			prop::collection::vec((0u64..6, 1u16..5_000), 1..6),
			0u128..10_000_000,
			prop::bool::weighted(0.1),
			prop::collection::vec((0usize..3, 1u32..3), 0..5),
		)
			.prop_map(|(w, fee, skew, earners)| Step::Pay(w, fee, skew, earners)),
		3 => (0..CLAIMANTS.len()).prop_map(Step::Claim),
	]
}

/// Scales raw weights to sum to exactly 10 000 (the last one takes the remainder).
fn normalised(raw: &[(u64, u16)], skew: bool) -> Vec<(u64, u16)> {
	let total: u32 = raw.iter().map(|(_, w)| u32::from(*w)).sum();
	let mut out: Vec<(u64, u16)> = raw.iter().map(|(d, w)| (*d, (u32::from(*w) * 10_000 / total) as u16)).collect();
	let sum: u32 = out.iter().map(|(_, w)| u32::from(*w)).sum();
	if let Some(last) = out.last_mut() {
		last.1 += (10_000 - sum) as u16;
		if skew {
			last.1 -= 1;
		}
	}
	out
}

fn has_repeats(raw: &[(u64, u16)]) -> bool {
	let mut datasets: Vec<u64> = raw.iter().map(|(d, _)| *d).collect();
	datasets.sort_unstable();
	datasets.windows(2).any(|pair| pair[0] == pair[1])
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

	#[test]
	fn open_is_conserved_and_nothing_is_paid_twice(steps in prop::collection::vec(step(), 1..200)) {
		ExtBuilder::default().build().execute_with(|| -> Result<(), TestCaseError> {
			let issuance = Balances::total_issuance();
			let mut credited: BTreeMap<AccountId, Balance> = BTreeMap::new();
			let mut payouts = 0u32;
			for step in steps {
				match step {
					Step::Pay(raw, fee, skew, earners) => {
						let scores = normalised(&raw, skew).into_iter().map(|(d, w)| (d, u32::from(w)));
						// A skewed vector does not sum to 10 000: it is not an attribution and cannot be paid.
						let Ok(weights) = openledger_primitives::attribution::Attribution::<MaxWeights>::from_scores(scores)
						else {
							prop_assert!(skew || raw.is_empty() || has_repeats(&raw));
							continue;
						};
						let before: BTreeMap<AccountId, Balance> =
							CLAIMANTS.iter().map(|a| (*a, Pending::<Test>::get(a))).collect();
						let answer = openledger_primitives::rewards::AcceptedAnswer {
							model_owner: MODEL_OWNER, datanet: 1, weights, fee,
							validators: earners.iter().map(|(i, shares)| (VALIDATORS[*i], *shares)).collect(),
						};
						if <Rewards as AnswerPayout<AccountId, Balance, MaxWeights>>::pay(&ESCROW, &answer).is_ok() {
							payouts += 1;
						}
						for who in CLAIMANTS {
							*credited.entry(who).or_default() += Pending::<Test>::get(who) - before[&who];
						}
					},
					Step::Claim(i) => {
						let who = CLAIMANTS[i];
						let pending = Pending::<Test>::get(who);
						let result = Rewards::claim(RuntimeOrigin::signed(who));
						prop_assert_eq!(result.is_ok(), pending > 0);
					},
				}
				prop_assert_eq!(Balances::total_issuance(), issuance);
				for who in CLAIMANTS {
					// Everything credited is either still pending or was claimed — once.
					let total = credited.get(&who).copied().unwrap_or_default();
					prop_assert_eq!(Pending::<Test>::get(who) + Claimed::<Test>::get(who), total);
				}
				Rewards::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
			}
			// Most sequences pay out several answers, so claims are exercised on real amounts.
			prop_assume!(payouts > 0);
			Ok(())
		})?;
	}
}
