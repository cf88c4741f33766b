//! Property test: random sequences of bonding, unbonding, withdrawing, validating, chilling, slashing and
//! session changes never create or lose OPEN, and every ledger is exactly what is held.

use std::collections::BTreeMap;

use frame_support::traits::fungible::{Inspect, InspectHold};
use openledger_primitives::staking::SlashReason;
use proptest::{prelude::*, strategy::ValueTree};
use sp_runtime::Perbill;

use super::*;

const ACTORS: [AccountId; 5] = [ALICE, BOB, CHARLIE, DAVE, PAUPER];

#[derive(Debug, Clone)]
enum Step {
	Bond(usize, Balance),
	BondExtra(usize, Balance),
	Unbond(usize, Balance),
	Withdraw(usize),
	Validate(usize, bool),
	Chill(usize),
	Slash(usize, u32),
	Rotate,
}

fn step() -> impl Strategy<Value = Step> {
	let actor = 0..ACTORS.len();
	let amount = prop_oneof![1..50u128, 500..5_000u128, 100_000..2_000_000u128];
	prop_oneof![
		3 => (actor.clone(), amount.clone()).prop_map(|(a, v)| Step::Bond(a, v)),
		2 => (actor.clone(), amount.clone()).prop_map(|(a, v)| Step::BondExtra(a, v)),
		3 => (actor.clone(), amount).prop_map(|(a, v)| Step::Unbond(a, v)),
		2 => actor.clone().prop_map(Step::Withdraw),
		2 => (actor.clone(), any::<bool>()).prop_map(|(a, k)| Step::Validate(a, k)),
		1 => actor.clone().prop_map(Step::Chill),
		1 => (actor, 0..=100u32).prop_map(|(a, p)| Step::Slash(a, p)),
		3 => Just(Step::Rotate),
	]
}

/// What a sequence reached, so the generator can be checked for reaching the interesting states.
#[derive(Default, Debug)]
struct Reached {
	withdrawals: usize,
	slashes: usize,
	validations: usize,
	set_changes: usize,
}

/// Runs `steps` from genesis, checking after each that no OPEN was created or lost and that every ledger is
/// exactly what is held.
fn run(steps: Vec<Step>) -> Result<Reached, TestCaseError> {
	ExtBuilder::default().build().execute_with(|| -> Result<Reached, TestCaseError> {
		let issuance = Balances::total_issuance();
		let initial: BTreeMap<AccountId, Balance> =
			ACTORS.iter().map(|who| (*who, Balances::total_balance(who))).collect();
		let mut slashed: BTreeMap<AccountId, Balance> = BTreeMap::new();
		let mut reached = Reached::default();
		for step in steps {
			let origin = |i: usize| RuntimeOrigin::signed(ACTORS[i]);
			// Random input fails often; what matters is what holds afterwards.
			match step {
				Step::Bond(i, v) => drop(Staking::bond(origin(i), v)),
				Step::BondExtra(i, v) => drop(Staking::bond_extra(origin(i), v)),
				Step::Unbond(i, v) => drop(Staking::unbond(origin(i), v)),
				Step::Withdraw(i) => reached.withdrawals += usize::from(Staking::withdraw_unbonded(origin(i)).is_ok()),
				Step::Validate(i, keys) => {
					set_session_keys(ACTORS[i], keys);
					let ok = Staking::validate(origin(i), Perbill::zero(), worker(ACTORS[i])).is_ok();
					reached.validations += usize::from(ok);
				},
				Step::Chill(i) => drop(Staking::chill(origin(i))),
				Step::Slash(i, percent) => {
					let taken =
						Staking::do_slash(&ACTORS[i], Perbill::from_percent(percent), SlashReason::Governance);
					reached.slashes += usize::from(taken > 0);
					*slashed.entry(ACTORS[i]).or_default() += taken;
				},
				Step::Rotate => {
					let before = active();
					rotate_session();
					reached.set_changes += usize::from(active() != before);
				},
			}
			prop_assert_eq!(Balances::total_issuance(), issuance);
			for who in ACTORS {
				let lost = slashed.get(&who).copied().unwrap_or_default();
				prop_assert_eq!(Balances::total_balance(&who) + lost, initial[&who], "OPEN of {} changed", who);
				let held = Balances::balance_on_hold(&HoldReason::Staking.into(), &who);
				let bonded = Ledgers::<Test>::get(who).map(|l| l.total()).unwrap_or_default();
				prop_assert_eq!(held, bonded, "held ≠ ledger for {}", who);
			}
			let total_slashed = slashed.values().sum::<Balance>();
			prop_assert_eq!(Balances::total_balance(&TREASURY), 1 + total_slashed);
			prop_assert_eq!(TotalSlashed::<Test>::get(), total_slashed);
			prop_assert!(!active().is_empty(), "the chain never hands authority to nobody");
			Staking::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
		}
		Ok(reached)
	})
}

fn sequences() -> impl Strategy<Value = Vec<Step>> {
	prop::collection::vec(step(), 1..120)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

	#[test]
	fn open_is_conserved_and_ledgers_match_holds(steps in sequences()) {
		run(steps)?;
	}
}

/// The generator reaches withdrawals, real slashes, validations and set changes, so the property above is
/// tested on them and not only on refused calls.
#[test]
fn random_sequences_reach_the_interesting_states() {
	use proptest::test_runner::TestRunner;
	let mut runner = TestRunner::deterministic();
	let mut total = Reached::default();
	for _ in 0..64 {
		let steps = sequences().new_tree(&mut runner).unwrap().current();
		let reached = run(steps).unwrap();
		total.withdrawals += reached.withdrawals;
		total.slashes += reached.slashes;
		total.validations += reached.validations;
		total.set_changes += reached.set_changes;
	}
	eprintln!("reached over 64 sequences: {total:?}");
	assert!(total.withdrawals >= 20, "{total:?}");
	assert!(total.slashes >= 20, "{total:?}");
	assert!(total.validations >= 20, "{total:?}");
	assert!(total.set_changes >= 20, "{total:?}");
}
