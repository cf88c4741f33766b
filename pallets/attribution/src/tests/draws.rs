//! Draws nobody can steer: a requester that sees everything on chain, times its requests and pads them to
//! pick its server gets that server no more often than chance. The same strategy wins every time against a
//! draw made from what is on chain when the request is signed, which is what the draws used to be.

use std::collections::BTreeMap;

use frame_support::{assert_ok, traits::fungible::Mutate};

use super::helpers::*;
use crate::{mock::*, *};

/// The validator the requester wants to answer its requests.
const TARGET: AccountId = 1;
/// Requests the requester may put in front of its own to shift its id.
const MAX_PADDING: u64 = 4;

/// What the requester predicts its request `id` would draw: the draw as the pallet would make it now, from the
/// entropy on chain when the request is signed.
fn predicted_server(id: RequestId) -> Option<AccountId> {
	Attribution::draw_server(id, 0, &[])
}

#[test]
fn a_requester_cannot_steer_its_server_by_timing_or_padding() {
	ExtBuilder::default().validators(vec![1, 2, 3, 4]).build_and_execute(|| {
		let _ = Balances::mint_into(&REQUESTER, 1_000_000_000);
		let rounds = 300u32;
		let (mut wanted, mut waited) = (Vec::new(), 0u32);
		while wanted.len() < rounds as usize {
			let next = NextRequestId::<Test>::get();
			// Timing and padding: in this block, is there a number of padding requests after which the request
			// would draw the target, as far as anything on chain tells?
			let Some(padding) = (0..=MAX_PADDING).find(|k| predicted_server(next + k) == Some(TARGET)) else {
				waited += 1;
				next_block();
				continue;
			};
			for _ in 0..padding {
				request_undrawn();
			}
			let id = request_undrawn();
			// Against a draw made now, the strategy always wins.
			assert_eq!(predicted_server(id), Some(TARGET));
			wanted.push(id);
			next_block();
		}
		// Draws beyond the per-block limit wait for the next blocks (later randomness still).
		let first_servers = || -> BTreeMap<RequestId, AccountId> {
			events()
				.into_iter()
				.filter_map(|e| match e {
					Event::ServerAssigned { request, server, .. } => Some((request, server)),
					_ => None,
				})
				.collect()
		};
		let mut first_server = first_servers();
		for _ in 0..10_000 {
			if wanted.iter().all(|id| first_server.contains_key(id)) {
				break;
			}
			next_block();
			first_server = first_servers();
		}
		let drawn: Vec<AccountId> = wanted.iter().map(|id| first_server[id]).collect();
		let got_target = drawn.iter().filter(|s| **s == TARGET).count() as u32;
		println!("requester got its chosen server {got_target} times in {rounds}; waited {waited} blocks");
		// Chance is 1/4; three standard deviations of a binomial over `rounds` draws above it.
		let (n, p) = (f64::from(rounds), 0.25);
		let bound = n * p + 3.0 * (n * p * (1.0 - p)).sqrt();
		assert!(
			f64::from(got_target) <= bound,
			"the requester got its server {got_target} times in {rounds} (chance: {}; bound {bound:.0})",
			n * p
		);
		// The strategy was played: it waited for blocks and padded.
		assert!(waited > 0);
		assert!(NextRequestId::<Test>::get() > u64::from(rounds));
		// And the draws are not degenerate: every validator served some of them.
		for v in 1..=4 {
			assert!(drawn.contains(&v), "validator {v} never drawn");
		}
	});
}

#[test]
fn a_server_does_not_know_its_review_committee_when_it_answers() {
	ExtBuilder::default().validators((1..=6).collect()).build_and_execute(|| {
		let (mut same, rounds) = (0u32, 100u32);
		for _ in 0..rounds {
			let id = request();
			let server = server(id);
			// What the committee would be if drawn in the answer's block.
			let predicted = Attribution::draw_committee(id, Round::Review, &server, 3).into_inner();
			submit_now(id, honest());
			assert!(matches!(phase(id), Phase::Drawing { draw: Draw::Committee(Round::Review), .. }));
			run_past_phase(id);
			let mut drawn = committee(id, Round::Review);
			let mut predicted = predicted;
			drawn.sort();
			predicted.sort();
			if drawn == predicted {
				same += 1;
			}
		}
		// 3 of the 5 others: 10 possible committees, so a prediction is right by chance 1 time in 10.
		assert!(same <= 10 + 9, "the answer's block predicted the committee {same} times in {rounds}");
	});
}

#[test]
fn a_challenger_does_not_know_its_challenge_committee_when_it_challenges() {
	ExtBuilder::default().validators((1..=9).collect()).build_and_execute(|| {
		let (mut same, rounds) = (0u32, 60u32);
		let size = test_params().challenge_committee_size;
		for _ in 0..rounds {
			let id = request();
			submit(id, honest());
			committee_votes(id, Round::Review, |_| honest());
			next_block();
			assert!(matches!(phase(id), Phase::Challengeable { .. }));
			// What the challenge committee would be if drawn in the challenge's block.
			let mut predicted = Attribution::draw_committee(id, Round::Challenge, &server(id), size).into_inner();
			assert_ok!(Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND));
			run_past_phase(id);
			let mut drawn = committee(id, Round::Challenge);
			assert_eq!(drawn.len(), size as usize);
			predicted.sort();
			drawn.sort();
			if drawn == predicted {
				same += 1;
			}
			// Nobody commits: the challenge ends inconclusive and the request is paid.
			for _ in 0..4 {
				if phase(id).is_open() {
					run_past_phase(id);
				}
			}
			assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		}
		// 5 of the 8 validators other than the server: 56 possible committees; chance is about one hit in 60
		// rounds, and the bound three standard deviations above it.
		assert!(same <= 6, "the challenge's block predicted its committee {same} times in {rounds}");
	});
}

#[test]
fn entropy_changes_every_block_and_draws_wait_for_it() {
	ExtBuilder::default().build_and_execute(|| {
		let before = DrawEntropy::<Test>::get();
		next_block();
		let after = DrawEntropy::<Test>::get();
		assert_ne!(before, after);
		let id = request_undrawn();
		assert_eq!(phase(id), Phase::Drawing { draw: Draw::Server, until: System::block_number() + DRAW_DELAY });
		assert_eq!(info(id).server, None);
		assert!(events().iter().any(|e| matches!(e, Event::InferenceRequested { request, draw_at, .. }
			if *request == id && *draw_at == System::block_number() + DRAW_DELAY)));
		let view = Attribution::inference(id).unwrap();
		assert_eq!((view.status, view.server), (openledger_primitives::attribution::RequestStatus::Drawing, None));
		// A worker cannot answer before the draw.
		assert_eq!(
			Attribution::submit_result(RuntimeOrigin::signed(worker(1)), id, 0, 2, output(), sp_core::H256::zero()),
			Err(Error::<Test>::WrongPhase.into())
		);
		next_block();
		assert_eq!(info(id).server, None, "not drawn before DRAW_DELAY blocks");
		next_block();
		let server = server(id);
		let until = System::block_number() + test_params().response_window;
		assert!(events().contains(&Event::ServerAssigned { request: id, server, until }));
		submit_now(id, honest());
	});
}

#[test]
fn validators_gone_by_the_draw_refund_the_request_and_end_a_challenge_inconclusive() {
	ExtBuilder::default().build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request_undrawn();
		set_validators(vec![]);
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoAnswer));
		assert_eq!(owned(REQUESTER), before, "the fee came back; the deposit is held until pruning");
	});
	ExtBuilder::default().validators(vec![1, 2]).build_and_execute(|| {
		let id = request();
		submit(id, honest());
		committee_votes(id, Round::Review, |_| honest());
		next_block();
		assert_ok!(Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND));
		// Only the server is left to draw from.
		set_validators(vec![server(id)]);
		run_past_phase(id);
		assert_eq!(info(id).verdict, Some(Verdict::ChallengeInconclusive));
		assert_eq!(free(CHALLENGER), INITIAL_BALANCE, "the bond came back");
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
	});
}
