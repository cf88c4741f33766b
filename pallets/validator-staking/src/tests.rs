//! Unit tests: every call's success and failure paths, the election, slashing and the session hook.
#![allow(clippy::default_constructed_unit_structs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod property;

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold, Mutate},
};
use openledger_primitives::staking::{SlashReason, SlashValidator, ValidatorSet};
use sp_runtime::{DispatchError, Perbill};

use crate::{mock::*, *};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Staking.into(), &who)
}

fn ledger(who: AccountId) -> StakingLedger<Test> {
	Ledgers::<Test>::get(who).unwrap()
}

/// Bonds `bond`, registers keys and validates with the conventional worker key.
fn make_validator(who: AccountId, bond: Balance) {
	assert_ok!(Staking::bond(RuntimeOrigin::signed(who), bond));
	set_session_keys(who, true);
	assert_ok!(Staking::validate(RuntimeOrigin::signed(who), Perbill::from_percent(5), worker(who)));
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_validators_are_bonded_validating_and_active() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 2_000)]).build_and_execute(|| {
			assert_eq!(active(), vec![ALICE, BOB]);
			assert_eq!(held(ALICE), 5_000);
			assert_eq!(Workers::<Test>::get(BOB), Some(worker(BOB)));
			assert_eq!(SessionLength::<Test>::get(), 10);
			assert_eq!(BondingSessions::<Test>::get(), BONDING_SESSIONS);
			assert_eq!(<Staking as ValidatorSet<AccountId>>::validator_of(&worker(ALICE)), Some(ALICE));
		});
	}
}

mod bond {
	use super::*;

	#[test]
	fn bond_holds_the_amount_and_opens_a_ledger() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::bond(RuntimeOrigin::signed(BOB), 500));
			assert_eq!(held(BOB), 500);
			assert_eq!(ledger(BOB), StakingLedger::new(500));
			assert_eq!(Balances::balance(&BOB), INITIAL_BALANCE - 500);
			System::assert_last_event(Event::Bonded { stash: BOB, amount: 500 }.into());
		});
	}

	#[test]
	fn bond_fails_below_minimum_twice_or_unaffordable() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::bond(RuntimeOrigin::signed(BOB), MIN_BOND - 1), Error::<Test>::BondBelowMinimum);
			assert_noop!(Staking::bond(RuntimeOrigin::signed(PAUPER), MIN_BOND), Error::<Test>::InsufficientBalance);
			// The whole free balance would kill the account: the existential deposit stays free.
			assert_noop!(
				Staking::bond(RuntimeOrigin::signed(BOB), INITIAL_BALANCE),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(Staking::bond(RuntimeOrigin::signed(ALICE), 100), Error::<Test>::AlreadyBonded);
			assert_noop!(Staking::bond(RuntimeOrigin::none(), 100), DispatchError::BadOrigin);
		});
	}

	#[test]
	fn bond_extra_adds_to_the_active_bond() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(ALICE), 1_000));
			assert_eq!(ledger(ALICE).active, 6_000);
			assert_eq!(held(ALICE), 6_000);
		});
	}

	#[test]
	fn bond_extra_fails_unbonded_zero_or_unaffordable() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(BOB), 100), Error::<Test>::NotBonded);
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ZeroAmount);
			assert_noop!(
				Staking::bond_extra(RuntimeOrigin::signed(ALICE), INITIAL_BALANCE),
				Error::<Test>::InsufficientBalance
			);
		});
	}
}

mod unbond {
	use super::*;

	#[test]
	fn unbond_moves_funds_into_a_chunk_that_stays_held() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(ALICE), 1_000));
			let l = ledger(ALICE);
			assert_eq!(l.active, 4_000);
			assert_eq!(l.unlocking.to_vec(), vec![UnlockChunk { value: 1_000, unlock_session: BONDING_SESSIONS }]);
			assert_eq!(held(ALICE), 5_000);
			System::assert_last_event(
				Event::Unbonded { stash: ALICE, amount: 1_000, unlock_session: BONDING_SESSIONS }.into(),
			);
			// Same session: merged into the same chunk.
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(ALICE), 500));
			assert_eq!(ledger(ALICE).unlocking.len(), 1);
			assert_eq!(ledger(ALICE).unlocking[0].value, 1_500);
		});
	}

	#[test]
	fn unbond_fails_on_bad_amounts() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(BOB), 1), Error::<Test>::NotBonded);
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ZeroAmount);
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(ALICE), 5_001), Error::<Test>::UnbondExceedsActive);
			assert_noop!(
				Staking::unbond(RuntimeOrigin::signed(ALICE), 5_000 - MIN_BOND + 1),
				Error::<Test>::WouldLeaveDust
			);
		});
	}

	#[test]
	fn unbond_fails_with_too_many_chunks() {
		ExtBuilder::default().build_and_execute(|| {
			for _ in 0..MAX_CHUNKS {
				assert_ok!(Staking::unbond(RuntimeOrigin::signed(ALICE), 100));
				rotate_session();
			}
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(ALICE), 100), Error::<Test>::TooManyUnlockingChunks);
		});
	}

	#[test]
	fn unbonding_below_the_validator_minimum_chills() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 5_000)]).build_and_execute(|| {
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(BOB), 4_500));
			assert!(!Candidates::<Test>::contains_key(BOB));
			System::assert_last_event(Event::Chilled { stash: BOB }.into());
			// Still in the set pallet-session queued; gone the session after.
			rotate_session();
			assert_eq!(active(), vec![ALICE, BOB]);
			rotate_session();
			assert_eq!(active(), vec![ALICE]);
			// The worker key stays while the ledger does: BOB served until now.
			assert_eq!(Workers::<Test>::get(BOB), Some(worker(BOB)));
		});
	}
}

mod withdraw {
	use super::*;

	#[test]
	fn withdraw_fails_before_the_period_and_works_after() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::bond(RuntimeOrigin::signed(BOB), 500));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(BOB), 200));
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(BOB)), Error::<Test>::NothingToWithdraw);
			rotate_session();
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(BOB)), Error::<Test>::NothingToWithdraw);
			rotate_session();
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
			assert_eq!(held(BOB), 300);
			assert_eq!(Balances::balance(&BOB), INITIAL_BALANCE - 300);
			assert!(ledger(BOB).unlocking.is_empty());
			System::assert_last_event(Event::Withdrawn { stash: BOB, amount: 200 }.into());
		});
	}

	#[test]
	fn withdrawing_everything_removes_the_ledger_and_worker_key() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 5_000)]).build_and_execute(|| {
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(BOB), 5_000));
			run_to_session(BONDING_SESSIONS);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
			assert!(!Ledgers::<Test>::contains_key(BOB));
			assert_eq!(Workers::<Test>::get(BOB), None);
			assert_eq!(WorkerOwners::<Test>::get(worker(BOB)), None);
			assert_eq!(Balances::balance(&BOB), INITIAL_BALANCE);
		});
	}

	#[test]
	fn withdraw_fails_without_a_ledger() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(BOB)), Error::<Test>::NotBonded);
		});
	}
}

mod validate {
	use super::*;

	#[test]
	fn validate_registers_terms_and_worker_key() {
		ExtBuilder::default().build_and_execute(|| {
			make_validator(BOB, 2_000);
			assert_eq!(
				Candidates::<Test>::get(BOB),
				Some(ValidatorPrefs { commission: Perbill::from_percent(5), worker: worker(BOB) })
			);
			assert_eq!(WorkerOwners::<Test>::get(worker(BOB)), Some(BOB));
			assert_eq!(<Staking as ValidatorSet<AccountId>>::commission_of(&BOB), Perbill::from_percent(5));
			// Updating the worker key frees the old one.
			assert_ok!(Staking::validate(RuntimeOrigin::signed(BOB), Perbill::zero(), 777));
			assert_eq!(WorkerOwners::<Test>::get(worker(BOB)), None);
			assert_eq!(<Staking as ValidatorSet<AccountId>>::worker_of(&BOB), Some(777));
		});
	}

	#[test]
	fn validate_fails_without_bond_keys_or_enough_stake() {
		ExtBuilder::default().build_and_execute(|| {
			let validate = |who| Staking::validate(RuntimeOrigin::signed(who), Perbill::zero(), worker(who));
			assert_noop!(validate(BOB), Error::<Test>::NotBonded);
			assert_ok!(Staking::bond(RuntimeOrigin::signed(BOB), MIN_VALIDATOR_BOND - 1));
			set_session_keys(BOB, true);
			assert_noop!(validate(BOB), Error::<Test>::BondBelowValidatorMinimum);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(BOB), 1));
			set_session_keys(BOB, false);
			assert_noop!(validate(BOB), Error::<Test>::NoSessionKeys);
		});
	}

	#[test]
	fn validate_fails_with_another_validators_worker_key() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::bond(RuntimeOrigin::signed(BOB), 2_000));
			set_session_keys(BOB, true);
			assert_noop!(
				Staking::validate(RuntimeOrigin::signed(BOB), Perbill::zero(), worker(ALICE)),
				Error::<Test>::WorkerKeyInUse
			);
		});
	}

	#[test]
	fn validate_fails_when_candidates_are_full() {
		ExtBuilder::default()
			.validators(vec![(ALICE, 5_000), (BOB, 5_000), (CHARLIE, 5_000), (DAVE, 5_000)])
			.build_and_execute(|| {
				Balances::set_balance(&7, INITIAL_BALANCE);
				make_validator(7, 2_000);
				Balances::set_balance(&8, INITIAL_BALANCE);
				assert_ok!(Staking::bond(RuntimeOrigin::signed(8), 2_000));
				set_session_keys(8, true);
				assert_noop!(
					Staking::validate(RuntimeOrigin::signed(8), Perbill::zero(), worker(8)),
					Error::<Test>::TooManyCandidates
				);
				// An existing candidate may still update its terms.
				assert_ok!(Staking::validate(RuntimeOrigin::signed(7), Perbill::one(), worker(7)));
			});
	}

	#[test]
	fn chill_leaves_the_candidate_list() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::chill(RuntimeOrigin::signed(ALICE)));
			assert!(!Candidates::<Test>::contains_key(ALICE));
			assert_noop!(Staking::chill(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotValidating);
			assert_noop!(Staking::chill(RuntimeOrigin::signed(BOB)), Error::<Test>::NotValidating);
		});
	}
}

mod election {
	use super::*;

	#[test]
	fn a_new_validator_authors_from_the_session_after_next() {
		ExtBuilder::default().build_and_execute(|| {
			make_validator(BOB, 2_000);
			rotate_session();
			assert_eq!(active(), vec![ALICE]);
			rotate_session();
			assert_eq!(active(), vec![ALICE, BOB]);
		});
	}

	#[test]
	fn the_largest_bonds_win_ties_by_account() {
		ExtBuilder::default()
			.validators(vec![(ALICE, 1_000), (BOB, 3_000), (CHARLIE, 2_000), (DAVE, 2_000)])
			.build_and_execute(|| {
				assert_eq!(Staking::elect().to_vec(), vec![BOB, CHARLIE, DAVE]);
				assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(ALICE), 5_000));
				assert_eq!(Staking::elect().to_vec(), vec![ALICE, BOB, CHARLIE]);
			});
	}

	#[test]
	fn candidates_without_session_keys_are_not_elected() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 5_000)]).build_and_execute(|| {
			set_session_keys(BOB, false);
			assert_eq!(Staking::elect().to_vec(), vec![ALICE]);
		});
	}

	#[test]
	fn with_no_qualified_candidate_the_set_is_kept() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Staking::chill(RuntimeOrigin::signed(ALICE)));
			run_to_session(4);
			assert_eq!(active(), vec![ALICE]);
		});
	}

	#[test]
	fn an_unchanged_set_is_not_replanned() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(<Staking as pallet_session::SessionManager<AccountId>>::new_session(5), None);
			assert_eq!(PlannedValidators::<Test>::iter().count(), 0);
		});
	}

	#[test]
	fn the_session_hook_sees_each_session_and_its_validators() {
		ExtBuilder::default().build_and_execute(|| {
			make_validator(BOB, 2_000);
			run_to_session(3);
			assert_eq!(ended_sessions(), vec![(0, vec![ALICE]), (1, vec![ALICE]), (2, vec![ALICE, BOB])]);
			assert_eq!(<Staking as ValidatorSet<AccountId>>::current_session(), 3);
		});
	}
}

mod slashing {
	use super::*;

	#[test]
	fn slash_takes_a_fraction_of_active_and_unlocking_into_the_treasury() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(BOB), 2_000));
			let taken = <Staking as SlashValidator<AccountId, Balance>>::slash(
				&BOB,
				Perbill::from_percent(10),
				SlashReason::WrongAttribution,
			);
			assert_eq!(taken, 400);
			assert_eq!(ledger(BOB).active, 1_800);
			assert_eq!(ledger(BOB).unlocking[0].value, 1_800);
			assert_eq!(held(BOB), 3_600);
			assert_eq!(Balances::balance(&TREASURY), 1 + 400);
			assert_eq!(TotalSlashed::<Test>::get(), 400);
			assert!(!Candidates::<Test>::contains_key(BOB));
			System::assert_has_event(
				Event::Slashed { stash: BOB, amount: 400, reason: SlashReason::WrongAttribution }.into(),
			);
		});
	}

	#[test]
	fn a_slashed_validator_is_disabled_at_once_until_it_leaves_the_set() {
		use openledger_primitives::staking::ValidatorSet;
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000), (CHARLIE, 3_000)]).build_and_execute(|| {
			assert_eq!(Staking::active_validators(), vec![ALICE, BOB, CHARLIE]);
			Staking::do_slash(&BOB, Perbill::from_percent(1), SlashReason::WrongAttribution);
			System::assert_last_event(Event::Disabled { stash: BOB }.into());
			assert_eq!(Staking::active_validators(), vec![ALICE, CHARLIE], "drawn for nothing more");
			assert_eq!(disabled_calls(), vec![BOB], "and out of block production");
			// Slashed again: disabled already.
			Staking::do_slash(&BOB, Perbill::from_percent(1), SlashReason::WrongAttribution);
			assert_eq!(Disabled::<Test>::get().into_inner(), vec![BOB]);
			// The queued session still has BOB (pallet-session queues a session ahead): disabled again there.
			rotate_session();
			assert!(active().contains(&BOB));
			assert_eq!(Staking::active_validators(), vec![ALICE, CHARLIE]);
			assert_eq!(disabled_calls().iter().filter(|v| **v == BOB).count(), 3);
			// Chilled by the slash, BOB is not elected again: once out of the set, it is forgotten.
			rotate_session();
			assert!(!active().contains(&BOB));
			assert!(Disabled::<Test>::get().is_empty());
			Staking::do_try_state().unwrap();
		});
	}

	#[test]
	fn an_absence_costs_its_slash_but_not_the_seat() {
		use openledger_primitives::staking::ValidatorSet;
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			let treasury = Balances::free_balance(TREASURY);
			let amount = Staking::do_slash(&BOB, Perbill::from_percent(1), SlashReason::Absent);
			assert_eq!(amount, 40);
			assert_eq!(Balances::free_balance(TREASURY), treasury + 40);
			System::assert_last_event(Event::Slashed { stash: BOB, amount: 40, reason: SlashReason::Absent }.into());
			assert!(Candidates::<Test>::contains_key(BOB), "still a candidate");
			assert!(Disabled::<Test>::get().is_empty(), "and not disabled");
			assert_eq!(Staking::active_validators(), vec![ALICE, BOB]);
			assert!(disabled_calls().is_empty());
			// An absence that leaves a candidate below the validator minimum chills it, as unbonding would.
			make_validator(DAVE, MIN_VALIDATOR_BOND);
			Staking::do_slash(&DAVE, Perbill::from_percent(1), SlashReason::Absent);
			assert!(!Candidates::<Test>::contains_key(DAVE));
			Staking::do_try_state().unwrap();
		});
	}

	#[test]
	fn validating_again_requalifies_and_a_slash_outside_the_set_disables_nobody() {
		use openledger_primitives::staking::ValidatorSet;
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			Staking::do_slash(&BOB, Perbill::from_percent(1), SlashReason::WrongAttribution);
			assert_eq!(Staking::active_validators(), vec![ALICE]);
			assert_ok!(Staking::validate(RuntimeOrigin::signed(BOB), Perbill::zero(), worker(BOB)));
			assert_eq!(Staking::active_validators(), vec![ALICE, BOB], "re-qualified");
			assert!(Disabled::<Test>::get().is_empty());

			make_validator(DAVE, 2_000);
			let calls = disabled_calls().len();
			Staking::do_slash(&DAVE, Perbill::from_percent(1), SlashReason::Governance);
			assert!(Disabled::<Test>::get().is_empty(), "a candidate outside the set serves nothing");
			assert_eq!(disabled_calls().len(), calls);
		});
	}

	#[test]
	fn a_full_slash_removes_the_ledger_and_worker_key() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			Staking::do_slash(&BOB, Perbill::one(), SlashReason::Governance);
			assert!(!Ledgers::<Test>::contains_key(BOB));
			assert_eq!(WorkerOwners::<Test>::get(worker(BOB)), None);
			assert_eq!(Balances::total_balance(&BOB), INITIAL_BALANCE - 4_000);
		});
	}

	#[test]
	fn slashing_an_unbonded_account_changes_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(Staking::do_slash(&BOB, Perbill::one(), SlashReason::Governance), 0);
			assert_eq!(Balances::balance(&TREASURY), 1);
		});
	}
}

mod force_slash {
	use super::*;

	#[test]
	fn root_slashes_and_chills() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			assert_ok!(Staking::force_slash(RuntimeOrigin::root(), BOB, Perbill::from_percent(50)));
			assert_eq!(ledger(BOB).active, 2_000);
			assert_eq!(Balances::balance(&TREASURY), 1 + 2_000);
			assert!(!Candidates::<Test>::contains_key(BOB));
		});
	}

	#[test]
	fn force_slash_needs_root_and_a_bond() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Staking::force_slash(RuntimeOrigin::signed(BOB), ALICE, Perbill::one()),
				DispatchError::BadOrigin
			);
			assert_noop!(Staking::force_slash(RuntimeOrigin::root(), BOB, Perbill::one()), Error::<Test>::NotBonded);
		});
	}
}

mod offences {
	use super::*;
	use sp_staking::offence::{Kind, Offence, OffenceError, ReportOffence};

	/// An offence as pallet-grandpa reports one: offenders at a slot, with a prescribed fraction.
	struct TestOffence {
		offenders: Vec<(AccountId, ())>,
		slot: u64,
	}

	impl Offence<(AccountId, ())> for TestOffence {
		const ID: Kind = *b"test:equivocatio";
		type Slot = u64;

		fn offenders(&self) -> Vec<(AccountId, ())> {
			self.offenders.clone()
		}
		fn session_index(&self) -> u32 {
			0
		}
		fn validator_set_count(&self) -> u32 {
			4
		}
		fn slot(&self) -> u64 {
			self.slot
		}
		fn slash_fraction(&self, _offenders: u32) -> Perbill {
			Perbill::from_percent(20)
		}
	}

	fn report(offenders: &[AccountId], slot: u64) -> Result<(), OffenceError> {
		let offence = TestOffence { offenders: offenders.iter().map(|who| (*who, ())).collect(), slot };
		<Staking as ReportOffence<AccountId, (AccountId, ()), TestOffence>>::report_offence(vec![], offence)
	}

	#[test]
	fn a_reported_offence_slashes_and_chills_each_offender_once() {
		ExtBuilder::default().validators(vec![(ALICE, 5_000), (BOB, 4_000)]).build_and_execute(|| {
			assert_ok!(report(&[BOB], 7));
			assert_eq!(ledger(BOB).active, 3_200);
			assert!(!Candidates::<Test>::contains_key(BOB));
			System::assert_has_event(
				Event::Slashed { stash: BOB, amount: 800, reason: SlashReason::Equivocation }.into(),
			);
			System::assert_last_event(Event::Disabled { stash: BOB }.into());
			// The same report again is refused and changes nothing.
			assert_eq!(report(&[BOB], 7), Err(OffenceError::DuplicateReport));
			assert_eq!(ledger(BOB).active, 3_200);
			// A report naming BOB again alongside a new offender slashes only the new one.
			assert_ok!(report(&[BOB, ALICE], 7));
			assert_eq!(ledger(BOB).active, 3_200);
			assert_eq!(ledger(ALICE).active, 4_000);
			// Another slot is another offence.
			assert_ok!(report(&[BOB], 8));
			assert_eq!(ledger(BOB).active, 2_560);
		});
	}
}

mod params {
	use super::*;

	#[test]
	fn root_sets_the_bonding_period_and_nobody_the_session_length() {
		ExtBuilder::default().build_and_execute(|| {
			let length = SessionLength::<Test>::get();
			assert_ok!(Staking::set_bonding_sessions(RuntimeOrigin::root(), 3));
			assert_eq!(BondingSessions::<Test>::get(), 3);
			System::assert_last_event(Event::BondingSessionsSet { bonding_sessions: 3 }.into());
			assert_eq!(SessionLength::<Test>::get(), length);
			assert_eq!(<SessionLengthOf<Test> as frame_support::traits::Get<u64>>::get(), length);
		});
	}

	#[test]
	fn the_bonding_period_needs_root_and_two_sessions() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::set_bonding_sessions(RuntimeOrigin::signed(ALICE), 3), DispatchError::BadOrigin);
			assert_noop!(Staking::set_bonding_sessions(RuntimeOrigin::root(), 1), Error::<Test>::InvalidSessionParams);
		});
	}
}

mod genesis_rules {
	use super::*;

	#[test]
	fn genesis_refuses_what_the_calls_refuse() {
		ExtBuilder::default().build_and_execute(|| {
			// ALICE is bonded already; BOB's worker key is ALICE's.
			assert_eq!(
				Staking::do_build_genesis(None, None, &[(ALICE, 5_000, worker(ALICE))]),
				Err(Error::<Test>::AlreadyBonded.into())
			);
			assert_eq!(
				Staking::do_build_genesis(Some(10), Some(1), &[]),
				Err(Error::<Test>::InvalidSessionParams.into())
			);
			assert_eq!(
				Staking::do_build_genesis(None, None, &[(PAUPER, MIN_BOND, 300)]),
				Err(Error::<Test>::InsufficientBalance.into())
			);
		});
	}
}
