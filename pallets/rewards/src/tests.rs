//! Unit tests: the split, crediting contributors and validators, claims, and every failure path.
#![allow(clippy::default_constructed_unit_structs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod property;

use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use openledger_primitives::{
	attribution::Attribution,
	rewards::{AcceptedAnswer, AnswerPayout},
};
use sp_runtime::DispatchError;

use crate::{mock::*, *};

/// The server (2 shares) and two agreeing reviewers (1 each).
const EARNERS: [(AccountId, u32); 3] = [(VALIDATOR_A, 2), (VALIDATOR_B, 1), (VALIDATOR_C, 1)];

fn answer(weights: &[(u64, u16)], fee: Balance) -> AcceptedAnswer<AccountId, Balance, MaxWeights> {
	let weights = Attribution::try_new(weights.to_vec()).expect("tests pay valid attributions");
	AcceptedAnswer { model_owner: MODEL_OWNER, datanet: 7, weights, fee, validators: EARNERS.to_vec() }
}

fn pay(weights: &[(u64, u16)], fee: Balance) -> sp_runtime::DispatchResult {
	<Rewards as AnswerPayout<AccountId, Balance, MaxWeights>>::pay(&ESCROW, &answer(weights, fee))
}

fn pay_earners(fee: Balance, validators: &[(AccountId, u32)]) -> sp_runtime::DispatchResult {
	let answer = AcceptedAnswer { validators: validators.to_vec(), ..answer(&[(0, 10_000)], fee) };
	<Rewards as AnswerPayout<AccountId, Balance, MaxWeights>>::pay(&ESCROW, &answer)
}

#[test]
fn a_fee_is_split_and_contributors_are_credited_by_weight() {
	ExtBuilder::default().build_and_execute(|| {
		// 1 000 000: contributors 500 000 (60/40), model owner 200 000, validators 200 000, treasury 100 000.
		assert_ok!(pay(&[(0, 6_000), (1, 4_000)], 1_000_000));
		assert_eq!(Pending::<Test>::get(DANA), 300_000);
		assert_eq!(Pending::<Test>::get(EVE), 200_000);
		assert_eq!(Pending::<Test>::get(MODEL_OWNER), 200_000);
		assert_eq!(Pending::<Test>::get(VALIDATOR_A), 100_000, "the server: 2 of 4 shares of the validators' part");
		assert_eq!(Pending::<Test>::get(VALIDATOR_B), 50_000);
		assert_eq!(Pending::<Test>::get(VALIDATOR_C), 50_000);
		assert_eq!(Balances::balance(&TREASURY), 1 + 100_000);
		assert_eq!(DatasetEarnings::<Test>::get(0), Earnings { total: 300_000, answers: 1 });
		assert_eq!(DataNetEarnings::<Test>::get(7), Earnings { total: 500_000, answers: 1 });
		assert_eq!(Balances::balance(&ESCROW), ESCROW_BALANCE - 1_000_000);
	});
}

#[test]
fn rounding_remainders_go_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		// 101: contributors 50 → thirds of 50 are 16 each (48), 2 left over; model 20, validators 20.
		assert_ok!(pay(&[(0, 3_334), (1, 3_333), (2, 3_333)], 101));
		let credited: Balance = [DANA, EVE, FRED].iter().map(Pending::<Test>::get).sum();
		assert_eq!(credited, 16 + 16 + 16);
		assert_eq!(Balances::balance(&TREASURY), 1 + (101 - credited - 20 - 20));
	});
}

#[test]
fn one_owner_of_two_datasets_gets_both_shares() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(pay(&[(3, 5_000), (4, 5_000)], 1_000));
		assert_eq!(Pending::<Test>::get(GINA), 500);
		assert_eq!(DatasetEarnings::<Test>::get(3).answers, 1);
	});
}

#[test]
fn a_vanished_datasets_share_goes_to_the_treasury_and_the_payout_stands() {
	ExtBuilder::default().build_and_execute(|| {
		// Dataset 42 was retired while its answer waited: the payout still happens, and its half of the
		// contributors' 500 goes to the treasury with the treasury's own 100.
		let treasury = Balances::balance(&TREASURY);
		assert_ok!(pay(&[(0, 5_000), (42, 5_000)], 1_000));
		assert_eq!(Pending::<Test>::get(DANA), 250);
		assert_eq!(DatasetEarnings::<Test>::get(42), Default::default());
		assert_eq!(DataNetEarnings::<Test>::get(7).total, 250, "only what owners were credited");
		assert_eq!(Balances::balance(&TREASURY), treasury + 100 + 250);
		System::assert_has_event(Event::ShareForfeited { dataset: 42, amount: 250 }.into());
		System::assert_has_event(
			Event::AnswerPaid { datanet: 7, fee: 1_000, contributors: 250, model_owner: 200, validators: 200, treasury: 350 }
				.into(),
		);
	});
}

#[test]
fn the_treasury_exists_from_genesis_without_a_balance_there() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Balances::balance(&TREASURY), Balances::minimum_balance());
		assert_ok!(pay(&[(0, 10_000)], 1_000));
		assert_eq!(Balances::balance(&TREASURY), Balances::minimum_balance() + 100);
	});
}

#[test]
fn bad_payouts_are_refused_and_move_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		// Broken vectors cannot reach the payout at all: they are not attributions (primitives' tests).
		let too_many: Vec<(u64, u16)> = (0..=u64::from(MAX_WEIGHTS)).map(|d| (d, 1)).collect();
		assert!(Attribution::<MaxWeights>::try_new(too_many).is_err());
		assert_noop!(pay(&[(0, 10_000)], ESCROW_BALANCE + 1), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn the_validators_part_goes_to_who_earned_it_by_shares_and_remainders_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		// Validators' part: 200 (floor of 20 % of 1 001), three equal shares: 66 each, 2 left over.
		let treasury = Balances::balance(&TREASURY);
		assert_ok!(pay_earners(1_001, &[(VALIDATOR_A, 1), (VALIDATOR_B, 1), (VALIDATOR_C, 1)]));
		assert_eq!([VALIDATOR_A, VALIDATOR_B, VALIDATOR_C].map(Pending::<Test>::get), [66, 66, 66]);
		System::assert_has_event(Event::ValidatorCredited { validator: VALIDATOR_B, amount: 66 }.into());
		// Treasury: its 10 % (100), the contributors' and validators' remainders (0 and 2), and 1 of the split.
		assert_eq!(Balances::balance(&TREASURY), treasury + 1_001 - 500 - 200 - 198);
		// One validator on both committees is credited twice, for the two reveals.
		assert_ok!(pay_earners(1_000, &[(VALIDATOR_A, 2), (VALIDATOR_B, 1), (VALIDATOR_B, 1)]));
		assert_eq!(Pending::<Test>::get(VALIDATOR_B), 66 + 50 + 50);
		Rewards::do_try_state().unwrap();
	});
}

#[test]
fn with_nobody_who_earned_it_the_validators_part_goes_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		let treasury = Balances::balance(&TREASURY);
		assert_ok!(pay_earners(1_000, &[]));
		assert_eq!(Balances::balance(&TREASURY), treasury + 100 + 200);
		System::assert_has_event(
			Event::AnswerPaid { datanet: 7, fee: 1_000, contributors: 500, model_owner: 200, validators: 0, treasury: 300 }
				.into(),
		);
		Rewards::do_try_state().unwrap();
	});
}

#[test]
fn the_migration_to_v1_moves_the_retired_pool_to_the_treasury_once() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		// Version 0: 700 of validators' fees pooled in the rewards account.
		StorageVersion::new(0).put::<Rewards>();
		migrations::v1::v0::ValidatorPool::<Test>::put(700);
		assert_ok!(<Balances as frame_support::traits::fungible::Mutate<AccountId>>::transfer(
			&ESCROW,
			&Rewards::account_id(),
			700,
			frame_support::traits::tokens::Preservation::Preserve
		));
		let treasury = Balances::balance(&TREASURY);
		migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Balances::balance(&TREASURY), treasury + 700);
		assert!(!migrations::v1::v0::ValidatorPool::<Test>::exists());
		assert_eq!(Rewards::on_chain_storage_version(), StorageVersion::new(1));
		System::assert_has_event(Event::PoolRetired { amount: 700 }.into());
		Rewards::do_try_state().unwrap();
		// Run again (the version says it is done): nothing moves.
		migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Balances::balance(&TREASURY), treasury + 700);
	});
}

#[test]
fn claim_pays_everything_pending_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(pay(&[(0, 10_000)], 1_000));
		let before = Balances::balance(&DANA);
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(DANA)));
		assert_eq!(Balances::balance(&DANA), before + 500);
		assert_eq!(Pending::<Test>::get(DANA), 0);
		assert_eq!(Claimed::<Test>::get(DANA), 500);
		System::assert_last_event(Event::Claimed { who: DANA, amount: 500 }.into());
		// A second claim has nothing to pay.
		let second = Rewards::claim(RuntimeOrigin::signed(DANA)).map_err(|e| e.error);
		assert_eq!(second, Err(Error::<Test>::NothingToClaim.into()));
		assert_eq!(Balances::balance(&DANA), before + 500);
	});
}

#[test]
fn claiming_nothing_is_charged_only_one_read() {
	ExtBuilder::default().build_and_execute(|| {
		let result = Rewards::claim(RuntimeOrigin::signed(EVE));
		let error = result.unwrap_err();
		assert_eq!(error.error, Error::<Test>::NothingToClaim.into());
		assert_eq!(error.post_info.actual_weight, Some(<<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<frame_support::weights::RuntimeDbWeight>>::get().reads(1)));
		assert_noop!(Rewards::claim(RuntimeOrigin::none()), DispatchError::BadOrigin);
	});
}

#[test]
fn only_root_sets_a_split_that_sums_to_ten_thousand() {
	ExtBuilder::default().build_and_execute(|| {
		let split = FeeSplit { treasury: 500, model_owner: 1_500, validators: 1_000, contributors: 7_000 };
		assert_noop!(Rewards::set_split(RuntimeOrigin::signed(DANA), split), DispatchError::BadOrigin);
		assert_noop!(
			Rewards::set_split(RuntimeOrigin::root(), FeeSplit { contributors: 6_999, ..split }),
			Error::<Test>::InvalidSplit
		);
		assert_ok!(Rewards::set_split(RuntimeOrigin::root(), split));
		assert_eq!(Split::<Test>::get(), split);
		assert_ok!(pay(&[(1, 10_000)], 1_000));
		assert_eq!(Pending::<Test>::get(EVE), 700);
	});
}
