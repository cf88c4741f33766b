//! Property test: random sequences of requests, answers, declines, commits, reveals, challenges and passing blocks
//! keep the escrow exactly equal to the open requests' fees, never pay or refund a fee twice, conserve OPEN,
//! and close every request in the end.

use std::collections::{BTreeMap, BTreeSet};

use openledger_primitives::attribution::commitment;
use proptest::{prelude::*, strategy::ValueTree};

use super::helpers::*;
use crate::{mock::*, *};

#[derive(Clone, Debug)]
enum Step {
	/// Model 0 (valid), 1 (retired), 2 (too expensive) or 9 (unknown); by REQUESTER or PAUPER.
	Request { model: u32, pauper: bool },
	/// The server (or, when `wrong_signer`, another worker) answers honestly, with another vector, or with
	/// broken weights.
	Submit { pick: u8, answer: u8, wrong_signer: bool },
	/// The server (or, when `wrong_signer`, another worker) declines.
	Decline { pick: u8, wrong_signer: bool },
	/// A committee member commits to the honest or the other vector.
	Commit { pick: u8, member: u8, honest: bool },
	/// A member reveals what it committed to, or something else.
	Reveal { pick: u8, member: u8, faithful: bool },
	/// CHALLENGER (or PAUPER) challenges with a bond above or below the minimum.
	Challenge { pick: u8, enough: bool, pauper: bool },
	/// Blocks pass.
	Advance { blocks: u64 },
}

fn step() -> impl Strategy<Value = Step> {
	prop_oneof![
		1 => (prop::sample::select(vec![0u32, 0, 0, 1, 2, 9]), prop::bool::weighted(0.1))
			.prop_map(|(model, pauper)| Step::Request { model, pauper }),
		3 => (any::<u8>(), 0u8..3, prop::bool::weighted(0.1))
			.prop_map(|(pick, answer, wrong_signer)| Step::Submit { pick, answer, wrong_signer }),
		1 => (any::<u8>(), prop::bool::weighted(0.1))
			.prop_map(|(pick, wrong_signer)| Step::Decline { pick, wrong_signer }),
		6 => (any::<u8>(), any::<u8>(), prop::bool::weighted(0.5))
			.prop_map(|(pick, member, honest)| Step::Commit { pick, member, honest }),
		6 => (any::<u8>(), any::<u8>(), prop::bool::weighted(0.9))
			.prop_map(|(pick, member, faithful)| Step::Reveal { pick, member, faithful }),
		2 => (any::<u8>(), prop::bool::weighted(0.8), prop::bool::weighted(0.1))
			.prop_map(|(pick, enough, pauper)| Step::Challenge { pick, enough, pauper }),
		2 => (1u64..3).prop_map(|blocks| Step::Advance { blocks }),
	]
}

/// The request `pick` points at: usually an open one (so that rounds complete), sometimes any.
fn pick_request(pick: u8) -> Option<RequestId> {
	let all: Vec<RequestId> = (0..NextRequestId::<Test>::get()).collect();
	let open: Vec<RequestId> = all.iter().copied().filter(|id| info(*id).phase.is_open()).collect();
	let from = if pick.is_multiple_of(8) || open.is_empty() { &all } else { &open };
	(!from.is_empty()).then(|| from[usize::from(pick / 8) % from.len()])
}

/// The current round and its committee, if the request is in one.
fn current_round(id: RequestId) -> Option<(Round, Vec<AccountId>)> {
	match Requests::<Test>::get(id)?.phase {
		Phase::Committing { round, .. } | Phase::Revealing { round, .. } => Some((round, committee(id, round))),
		_ => None,
	}
}

fn apply(step: &Step, intents: &mut BTreeMap<(RequestId, Round, AccountId), Weights<Test>>) {
	match step.clone() {
		Step::Request { model, pauper } => {
			let who = if pauper { PAUPER } else { REQUESTER };
			let _ = Attribution::request_inference(RuntimeOrigin::signed(who), model, prompt(), FEE);
		},
		Step::Submit { pick, answer, wrong_signer } => {
			let Some(id) = pick_request(pick) else { return };
			let weights = match answer {
				0 => honest(),
				1 => other(),
				_ => w(&[(10, 1)]),
			};
			// Before its server is drawn, the requester's own key tries.
			let server = info(id).server.unwrap_or(REQUESTER);
			let signer = if wrong_signer { worker(server % 5 + 1) } else { worker(server) };
			let hash = commitment(id, Round::Review, &server, &weights, &salt(server));
			if Attribution::submit_result(RuntimeOrigin::signed(signer), id, 0, 2, output(), hash).is_ok() {
				intents.insert((id, Round::Review, server), weights);
			}
		},
		Step::Decline { pick, wrong_signer } => {
			let Some(id) = pick_request(pick) else { return };
			let server = info(id).server.unwrap_or(REQUESTER);
			let signer = if wrong_signer { worker(server % 5 + 1) } else { worker(server) };
			let _ = Attribution::decline(
				RuntimeOrigin::signed(signer),
				id,
				0,
				2,
				openledger_primitives::attribution::DeclineReason::NothingRelevant,
			);
		},
		Step::Commit { pick, member, honest: is_honest } => {
			let Some(id) = pick_request(pick) else { return };
			let Some((round, members)) = current_round(id) else { return };
			let Some(member) = members.get(usize::from(member) % members.len().max(1)).copied() else { return };
			let weights = if is_honest { honest() } else { other() };
			let hash = commitment(id, round, &member, &weights, &salt(member));
			if Attribution::commit(RuntimeOrigin::signed(worker(member)), id, hash).is_ok() {
				intents.insert((id, round, member), weights);
			}
		},
		Step::Reveal { pick, member, faithful } => {
			let Some(id) = pick_request(pick) else { return };
			let Some((round, mut members)) = current_round(id) else { return };
			// In a review the server reveals too.
			if let (Round::Review, Some(server)) = (round, info(id).server) {
				members.push(server);
			}
			let Some(member) = members.get(usize::from(member) % members.len().max(1)).copied() else { return };
			let weights = match (intents.get(&(id, round, member)), faithful) {
				(Some(weights), true) => weights.clone(),
				_ => other(),
			};
			let _ = Attribution::reveal(RuntimeOrigin::signed(worker(member)), id, weights, salt(member));
		},
		Step::Challenge { pick, enough, pauper } => {
			let Some(id) = pick_request(pick) else { return };
			let who = if pauper { PAUPER } else { CHALLENGER };
			let bond = if enough { MIN_BOND } else { MIN_BOND - 1 };
			let _ = Attribution::challenge(RuntimeOrigin::signed(who), id, bond);
		},
		Step::Advance { blocks } => run_to_block(System::block_number() + blocks),
	}
}

/// The mock's parameters with a challenge quorum of 2 of 4 and 6-block windows, so that random sequences
/// complete challenge rounds too.
fn property_params() -> Params<Balance, u64> {
	Params { challenge_committee_size: 4, challenge_quorum: 2, commit_window: 6, reveal_window: 6, ..test_params() }
}

/// Requests paid and refunded, from the events; panics if any request was paid or refunded twice, or both.
fn closures() -> (BTreeSet<RequestId>, BTreeSet<RequestId>) {
	let (mut paid, mut refunded, mut pruned) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
	for event in events() {
		match event {
			Event::Pruned { request, .. } => assert!(pruned.insert(request), "request {request} pruned twice"),
			Event::AnswerPaid { request, .. } => assert!(paid.insert(request), "request {request} paid twice"),
			Event::Refunded { request, .. } => assert!(refunded.insert(request), "request {request} refunded twice"),
			_ => {},
		}
	}
	assert!(paid.is_disjoint(&refunded), "a request was both paid and refunded");
	(paid, refunded)
}

fn check(issuance: Balance) {
	Attribution::do_try_state().unwrap();
	assert_eq!(Balances::total_issuance(), issuance);
	let (paid, refunded) = closures();
	assert_eq!(paid.len(), payouts().len());
	let fees: Balance = paid.iter().map(|id| info(*id).fee).sum();
	assert_eq!(free(PAYOUT_SINK), INITIAL_BALANCE + fees, "payouts moved exactly the paid fees");
	for id in 0..NextRequestId::<Test>::get() {
		let open = info(id).phase.is_open();
		assert_eq!(open, !paid.contains(&id) && !refunded.contains(&id), "request {id}: phase and events disagree");
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(128))]
	#[test]
	fn escrow_matches_open_fees_and_no_fee_moves_twice(steps in prop::collection::vec(step(), 1..150)) {
		ExtBuilder::default().validators((1..=5).collect()).params(property_params()).build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let mut intents = BTreeMap::new();
			for step in &steps {
				apply(step, &mut intents);
				check(issuance);
			}
			// Every request closes once its windows have passed.
			run_to_block(System::block_number() + 40);
			check(issuance);
			assert!((0..NextRequestId::<Test>::get()).all(|id| !info(id).phase.is_open()));
			assert_eq!(escrow(), 1);
			// …and is pruned once its retention has passed, its deposit back.
			run_to_block(System::block_number() + test_params().retention + 1);
			check(issuance);
			assert!((0..NextRequestId::<Test>::get()).all(Attribution::is_pruned));
			assert_eq!(deposits_held(REQUESTER), 0);
		});
	}
}

/// The generator reaches the interesting outcomes; a property test that never got there would prove little.
#[test]
fn the_random_sequences_reach_every_outcome() {
	let mut runner = proptest::test_runner::TestRunner::deterministic();
	let strategy = prop::collection::vec(step(), 200..300);
	let mut verdicts = BTreeMap::<String, u32>::new();
	let mut closures_seen = BTreeMap::<String, u32>::new();
	for _ in 0..160 {
		let steps = strategy.new_tree(&mut runner).unwrap().current();
		ExtBuilder::default().validators((1..=5).collect()).params(property_params()).build_and_execute(|| {
			let mut intents = BTreeMap::new();
			for step in &steps {
				apply(step, &mut intents);
			}
			run_to_block(System::block_number() + 40);
			for id in 0..NextRequestId::<Test>::get() {
				let request = info(id);
				if let Some(verdict) = request.verdict {
					*verdicts.entry(format!("{verdict:?}")).or_default() += 1;
				}
				*closures_seen.entry(format!("{:?}", request.phase)).or_default() += 1;
			}
		});
	}
	for verdict in ["Confirmed", "Corrected", "ChallengeRejected", "ChallengeUpheld", "ChallengeInconclusive"] {
		assert!(verdicts.contains_key(verdict), "no {verdict} in {verdicts:?}");
	}
	for closure in ["Closed(Paid)", "Closed(RefundedNoAnswer)", "Closed(RefundedNoQuorum)", "Closed(Declined)"] {
		assert!(closures_seen.contains_key(closure), "no {closure} in {closures_seen:?}");
	}
	println!("verdicts {verdicts:?}; closures {closures_seen:?}");
}
