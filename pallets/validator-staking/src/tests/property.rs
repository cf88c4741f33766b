//! Property test: random sequences of bonding, unbonding, withdrawing, validating, chilling, slashing and
//! session changes never create or lose OPEN, and every ledger is exactly what is held.

use std::collections::BTreeMap;

use frame_support::traits::fungible::{Inspect, InspectHold};
use openledger_primitives::staking::SlashReason;
use proptest::prelude::*;
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

proptest! {
	#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

	#[test]
	fn open_is_conserved_and_ledgers_match_holds(steps in prop::collection::vec(step(), 1..120)) {
		ExtBuilder::default().build().execute_with(|| -> Result<(), TestCaseError> {
			let issuance = Balances::total_issuance();
			let initial: BTreeMap<AccountId, Balance> =
				ACTORS.iter().map(|who| (*who, Balances::total_balance(who))).collect();
			let mut slashed: BTreeMap<AccountId, Balance> = BTreeMap::new();
			for step in steps {
				let origin = |i: usize| RuntimeOrigin::signed(ACTORS[i]);
				// Failures are expected (random input); `assert_noop`-style atomicity is checked below.
				let _ = match step {
					Step::Bond(i, v) => Staking::bond(origin(i), v),
					Step::BondExtra(i, v) => Staking::bond_extra(origin(i), v),
					Step::Unbond(i, v) => Staking::unbond(origin(i), v),
					Step::Withdraw(i) => Staking::withdraw_unbonded(origin(i)),
					Step::Validate(i, keys) => {
						set_session_keys(ACTORS[i], keys);
						Staking::validate(origin(i), Perbill::zero(), worker(ACTORS[i]))
					},
					Step::Chill(i) => Staking::chill(origin(i)),
					Step::Slash(i, percent) => {
						let taken = Staking::do_slash(&ACTORS[i], Perbill::from_percent(percent), SlashReason::Governance);
						*slashed.entry(ACTORS[i]).or_default() += taken;
						Ok(())
					},
					Step::Rotate => {
						rotate_session();
						Ok(())
					},
				};
				// No OPEN created or lost: each account's total plus what was slashed from it is what it had,
				// and the treasury holds exactly the slashes.
				prop_assert_eq!(Balances::total_issuance(), issuance);
				for who in ACTORS {
					let lost = slashed.get(&who).copied().unwrap_or_default();
					prop_assert_eq!(Balances::total_balance(&who) + lost, initial[&who]);
					let held = Balances::balance_on_hold(&HoldReason::Staking.into(), &who);
					let bonded = Ledgers::<Test>::get(who).map(|l| l.total()).unwrap_or_default();
					prop_assert_eq!(held, bonded);
				}
				prop_assert_eq!(Balances::total_balance(&TREASURY), 1 + slashed.values().sum::<Balance>());
				prop_assert_eq!(TotalSlashed::<Test>::get(), slashed.values().sum::<Balance>());
				prop_assert!(!active().is_empty());
				Staking::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
			}
			Ok(())
		})?;
	}
}
