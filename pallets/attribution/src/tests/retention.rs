//! Retention: closed requests are pruned `Params::retention` blocks after they close, keeping their record,
//! standing weights and dataset index, and the requester's deposit comes back.

use frame_support::assert_ok;

use super::helpers::*;
use crate::{mock::*, *};

fn deposit() -> Balance {
	Attribution::request_deposit(prompt().len())
}

#[test]
fn a_request_holds_a_deposit_for_its_prompt_and_the_longest_answer() {
	ExtBuilder::default().build_and_execute(|| {
		let before = free(REQUESTER);
		let id = request();
		// Base 5 + 1 per byte of the prompt and of MAX_OUTPUT.
		assert_eq!(deposit(), 5 + prompt().len() as Balance + Balance::from(MAX_OUTPUT));
		assert_eq!(info(id).deposit, deposit());
		assert_eq!(deposits_held(REQUESTER), deposit());
		assert_eq!(free(REQUESTER), before - FEE - deposit());
		assert_eq!(info(id).retained_until, None, "an open request is not scheduled for pruning");
	});
}

#[test]
fn a_paid_request_is_pruned_when_its_retention_ends_and_its_deposit_comes_back() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let before = free(REQUESTER);
		let id = request();
		answer_alone(id, honest());
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		// Closed now, kept for 10 blocks.
		let closed = System::block_number();
		assert_eq!(info(id).retained_until, Some(closed + 10));
		let view = Attribution::inference(id).unwrap();
		assert!(view.prompt.is_some() && view.output.is_some());
		run_to_block(closed + 9);
		assert!(!Attribution::is_pruned(id), "kept until its retention ends");
		assert_eq!(deposits_held(REQUESTER), deposit());

		run_to_block(closed + 10);
		assert!(Attribution::is_pruned(id));
		assert!(events().contains(&Event::Pruned { request: id, requester: REQUESTER, deposit: deposit() }));
		assert_eq!(deposits_held(REQUESTER), 0);
		assert_eq!(free(REQUESTER), before - FEE, "the deposit is back; only the fee was spent");
		assert!(Prompts::<Test>::get(id).is_none() && Answers::<Test>::get(id).is_none());
		// What apps need stays: the record, how it closed, the standing attribution and the dataset index.
		let view = Attribution::inference(id).unwrap();
		assert_eq!((view.prompt, view.output, view.deposit), (None, None, 0));
		assert_eq!(view.weights.map(|w| w.shares().to_vec()), Some(vec![(10, 6_000), (12, 4_000)]));
		assert_eq!(Attribution::by_dataset(10, 0).answers.len(), 1);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
	});
}

#[test]
fn a_reviewed_request_loses_its_committees_and_votes_when_pruned() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		submit(id, honest());
		committee_votes(id, Round::Review, |_| honest());
		run_to_block(System::block_number() + 1);
		assert!(matches!(phase(id), Phase::Challengeable { .. }));
		assert!(Votes::<Test>::iter_prefix((id,)).next().is_some());
		let until = info(id).phase.until().unwrap();
		run_to_block(until);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		run_to_block(info(id).retained_until.unwrap());
		assert!(Attribution::is_pruned(id));
		assert!(Committees::<Test>::iter_prefix(id).next().is_none());
		assert!(Votes::<Test>::iter_prefix((id,)).next().is_none());
		assert!(Attribution::inference(id).unwrap().votes.is_empty());
	});
}

#[test]
fn a_refunded_request_is_pruned_too_and_a_reaped_requester_gets_both_fee_and_deposit_back() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let id = request();
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoAnswer));
		let until = info(id).retained_until.unwrap();
		run_to_block(until);
		assert!(Attribution::is_pruned(id));
		assert_eq!(owned(REQUESTER), INITIAL_BALANCE, "fee and deposit are both back");
	});
}

#[test]
fn retention_is_a_parameter_and_zero_is_refused() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let params = Params { retention: 0, ..test_params() };
		assert_eq!(Attribution::set_params(RuntimeOrigin::root(), params), Err(Error::<Test>::InvalidParams.into()));
		assert_ok!(Attribution::set_params(RuntimeOrigin::root(), Params { retention: 1, ..test_params() }));
		let id = request();
		answer_alone(id, honest());
		run_past_phase(id);
		let closed = System::block_number();
		assert_eq!(info(id).retained_until, Some(closed + 1));
		run_to_block(closed + 1);
		assert!(Attribution::is_pruned(id));
	});
}

#[test]
fn pruning_stays_within_the_deadline_weight_budget() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		// Four answers in one block: the mock settles three a block, so their prunings fall due over two
		// blocks. The budget fits one pruning a block: they are spread out.
		let ids: Vec<_> = (0..4).map(|_| request_undrawn()).collect();
		run_to_block(phase(ids[0]).until().unwrap() + 1);
		for id in &ids {
			submit_now(*id, honest());
		}
		// Three deadlines a block: the fourth draw comes a block later.
		run_to_block(System::block_number() + DRAW_DELAY + 1);
		for id in &ids {
			server_reveals(*id);
		}
		run_to_block(System::block_number() + 6);
		assert!(ids.iter().all(|id| phase(*id) == Phase::Closed(Closure::Paid)));
		let prune = <() as WeightInfo>::prune(0);
		crate::mock::DeadlineWeightBudget::set(prune);
		let first = ids.iter().filter_map(|id| info(*id).retained_until).min().unwrap();
		run_to_block(first);
		let pruned = ids.iter().filter(|id| Attribution::is_pruned(**id)).count();
		assert_eq!(pruned, 1, "one pruning a block when the budget fits one");
		run_to_block(first + 3);
		assert!(ids.iter().all(|id| Attribution::is_pruned(*id)));
	});
}

#[test]
fn the_migration_to_v1_hides_nothing_in_flight_and_extends_the_parameters() {
	use crate::migrations::v1::{v0, MigrateV0ToV1};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		// One answer already in the new layout (a chain cannot hold both; the migration must not lose it).
		let new = request();
		submit_now(new, other());
		let new_server = info(new).server.unwrap();
		// A version-0 chain: a request answered in the clear, its review committee committing, and the old
		// parameters.
		let id = request();
		submit(id, honest());
		let server = server(id);
		let answer = Answers::<Test>::take(id).unwrap();
		Votes::<Test>::remove((id, Round::Review, server));
		v0::Answers::<Test>::insert(
			id,
			v0::Answer {
				server: answer.server,
				worker: answer.worker,
				output: answer.output.clone(),
				weights: held(honest()),
				submitted_at: answer.submitted_at,
			},
		);
		let p = test_params();
		Parameters::<Test>::kill();
		v0::Parameters::<Test>::put(v0::Params { challenge_quorum: 3, ..v0::Params::from_current(p) });
		StorageVersion::new(0).put::<Attribution>();

		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert!(Answers::<Test>::contains_key(new), "an answer already in the new layout is kept");
		assert_eq!(Votes::<Test>::get((new, Round::Review, new_server)).unwrap().revealed, None);
		assert_eq!(Attribution::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(Attribution::params(), Params { challenge_quorum: 3, absence_slash: sp_runtime::Perbill::from_parts(1_000_000), ..p });
		assert_eq!(Answers::<Test>::get(id).unwrap().output, answer.output);
		// The server's vector was public: it is its revealed vote now, and the round goes on as before.
		assert_eq!(Votes::<Test>::get((id, Round::Review, server)).unwrap().revealed, Some(held(honest())));
		Attribution::do_try_state().unwrap();
		for member in committee(id, Round::Review) {
			commit(id, Round::Review, member, &honest());
		}
		for member in committee(id, Round::Review) {
			reveal(id, member, honest());
		}
		next_block();
		assert_eq!(info(id).verdict, Some(Verdict::Confirmed));
		// A second run does nothing: the version is 1.
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		Attribution::do_try_state().unwrap();
	});
}
