//! The protocol end to end on the mock: answers confirmed, corrected, refunded, challenged; timeouts;
//! deadlines.

use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
	weights::Weight,
};
use openledger_primitives::{
	attribution::{DatasetAnswer, DatasetAnswers as AnswersPage, RequestStatus},
	staking::SlashReason,
};
use sp_runtime::Perbill;

use super::helpers::*;
use crate::{mock::*, *};

fn slashed(reason: SlashReason) -> Vec<AccountId> {
	slashes().into_iter().filter(|(_, _, r)| *r == reason).map(|(v, _, _)| v).collect()
}

#[test]
fn with_one_validator_an_answer_is_paid_after_the_challenge_window() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		assert_eq!(owned(REQUESTER), before - FEE);
		assert_eq!(escrow(), 1 + FEE);
		assert_eq!(server(id), 1);
		answer_alone(id, honest());
		// Nobody to review: decided once the server revealed, challengeable for 4 blocks.
		let now = System::block_number();
		assert_eq!(phase(id), Phase::Challengeable { until: now + 4 });
		assert_eq!(info(id).verdict, Some(Verdict::Confirmed));
		run_to_block(now + 3);
		assert!(payouts().is_empty());
		run_to_block(now + 4);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		let paid = payouts();
		assert_eq!(paid.len(), 1);
		assert_eq!((paid[0].fee, paid[0].model_owner, paid[0].datanet), (FEE, MODEL_OWNER, 3));
		assert_eq!(paid[0].weights, held(honest()));
		assert_eq!(paid[0].validators, vec![(1, 2)], "the server earned the validators' part alone");
		assert_eq!(escrow(), 1);
		assert_eq!(
			Attribution::by_dataset(10, 0),
			AnswersPage { dataset: 10, page: 0, total: 1, answers: vec![DatasetAnswer { request: id, bps: 6_000 }] }
		);
		assert_eq!(Attribution::by_dataset(11, 0).total, 0);
		assert!(events().contains(&Event::AnswerPaid { request: id, fee: FEE }));
		let view = Attribution::inference(id).unwrap();
		assert_eq!((view.id, view.status, view.round, view.until), (id, RequestStatus::Paid, None, None));
		assert_eq!((view.requester, view.server, view.fee, view.verdict), (REQUESTER, Some(1), FEE, Some(Verdict::Confirmed)));
		assert_eq!(view.output, Some(output().into_inner()));
		assert_eq!(view.weights.map(|w| w.into_inner()), Some(held(honest()).into_inner()));
		assert_eq!(view.submitted_weights.map(|w| w.into_inner()), Some(held(honest()).into_inner()));
		assert_eq!(view.prompt, Some(prompt().into_inner()));
		assert_eq!((view.challenger, view.challenge_bond), (None, None));
	});
}

#[test]
fn a_committee_that_agrees_confirms_the_answer_and_an_outlier_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let server = server(id);
		submit(id, honest());
		let members = committee(id, Round::Review);
		assert_eq!(members.len(), 3);
		assert!(!members.contains(&server));
		assert!(matches!(phase(id), Phase::Committing { round: Round::Review, .. }));
		committee_votes(id, Round::Review, |i| if i == 2 { other() } else { w(&[(10, 6_100), (12, 3_900)]) });
		// Everyone revealed: decided in the next block.
		next_block();
		assert_eq!(info(id).verdict, Some(Verdict::Confirmed));
		assert_eq!(Standing::<Test>::get(id), Some(held(honest())));
		assert_eq!(slashed(SlashReason::WrongAttribution), vec![members[2]]);
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		assert_eq!(payouts()[0].weights, held(honest()));
		let view = Attribution::inference(id).unwrap();
		assert_eq!(view.votes.len(), 3);
		assert!(view.votes.iter().all(|vote| vote.round == Round::Review && vote.revealed.is_some()));
		assert_eq!(view.votes.iter().map(|vote| vote.member).collect::<Vec<_>>(), members);
	});
}

#[test]
fn a_committee_that_agrees_on_another_vector_corrects_the_answer_and_the_server_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let server = server(id);
		submit(id, other());
		committee_votes(id, Round::Review, |i| if i == 0 { other() } else { honest() });
		next_block();
		assert_eq!(info(id).verdict, Some(Verdict::Corrected));
		assert_eq!(Standing::<Test>::get(id), Some(held(honest())));
		let view = Attribution::inference(id).unwrap();
		assert_eq!(view.submitted_weights.map(|w| w.into_inner()), Some(held(other()).into_inner()), "the server's vector stays on record");
		let members = committee(id, Round::Review);
		assert_eq!(
			slashes(),
			vec![
				(members[0], Perbill::from_percent(1), SlashReason::WrongAttribution),
				(server, Perbill::from_percent(10), SlashReason::WrongAttribution),
			]
		);
		run_past_phase(id);
		assert_eq!(payouts()[0].weights, held(honest()));
	});
}

#[test]
fn without_a_quorum_the_fee_is_refunded_and_silent_committers_are_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		submit(id, honest());
		let members = committee(id, Round::Review);
		commit(id, Round::Review, members[0], &honest());
		commit(id, Round::Review, members[1], &other());
		run_past_phase(id);
		assert!(matches!(phase(id), Phase::Revealing { .. }));
		server_reveals(id);
		reveal(id, members[0], honest());
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoQuorum));
		assert_eq!(owned(REQUESTER), before, "the fee came back; the deposit is held until pruning");
		assert_eq!(escrow(), 1);
		assert_eq!(slashed(SlashReason::BrokenCommitment), vec![members[1]]);
		assert_eq!(slashes().iter().find(|(v, ..)| *v == members[1]).map(|s| s.1), Some(Perbill::from_percent(1)));
		assert_eq!(slashed(SlashReason::Absent), vec![members[2]], "the member that never committed");
		assert!(payouts().is_empty());
	});
}

#[test]
fn when_no_member_commits_the_server_alone_cannot_decide_and_absent_members_pay() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		submit(id, honest());
		let members = committee(id, Round::Review);
		run_past_phase(id);
		// The server committed with its answer: it reveals; nobody else can.
		assert!(matches!(phase(id), Phase::Revealing { round: Round::Review, .. }));
		server_reveals(id);
		next_block();
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoQuorum));
		let mut absent = slashed(SlashReason::Absent);
		absent.sort();
		let mut expected = members.clone();
		expected.sort();
		assert_eq!(absent, expected);
		assert!(slashes().iter().all(|(_, fraction, _)| *fraction == Perbill::from_parts(1_000_000)));
		assert!(payouts().is_empty());
	});
}

#[test]
fn a_server_that_hides_its_vector_is_slashed_as_if_outvoted_and_the_committee_decides() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let server = server(id);
		submit(id, other());
		let members = committee(id, Round::Review);
		for member in &members {
			commit(id, Round::Review, *member, &honest());
		}
		// The server sees the committee's reveals and keeps its own vector to itself.
		for member in &members {
			reveal(id, *member, honest());
		}
		run_past_phase(id);
		assert_eq!(info(id).verdict, Some(Verdict::Corrected));
		assert_eq!(Standing::<Test>::get(id), Some(held(honest())));
		assert_eq!(slashes(), vec![(server, Perbill::from_percent(10), SlashReason::BrokenCommitment)]);
		run_past_phase(id);
		let paid = payouts();
		let mut earners: Vec<_> = paid[0].validators.clone();
		earners.sort();
		let mut expected: Vec<_> = members.iter().map(|m| (*m, 1)).collect();
		expected.sort();
		assert_eq!(earners, expected, "the reviewers who agreed earned it; the server nothing");
	});
}

#[test]
fn nobody_can_read_the_servers_vector_before_the_committee_has_committed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		submit(id, honest());
		let members = committee(id, Round::Review);
		let server = server(id);
		// Committing: only a hash of the server's vector is on chain, in the view and in storage.
		let view = Attribution::inference(id).unwrap();
		assert_eq!(view.submitted_weights, None);
		assert_eq!(view.server_commitment, Some(server_commitment(id, &honest())));
		assert_eq!(Standing::<Test>::get(id), None);
		assert_eq!(Votes::<Test>::get((id, Round::Review, server)).unwrap().revealed, None);
		// The server cannot reveal early, so it cannot show its vector to the committee on chain.
		assert_noop!(
			Attribution::reveal(RuntimeOrigin::signed(worker(server)), id, honest(), salt(server)),
			Error::<Test>::WrongPhase
		);
		for member in &members {
			commit(id, Round::Review, *member, &honest());
		}
		assert!(matches!(phase(id), Phase::Revealing { .. }));
		server_reveals(id);
		assert_eq!(
			Attribution::inference(id).unwrap().submitted_weights.map(|w| w.into_inner()),
			Some(held(honest()).into_inner())
		);
	});
}

#[test]
fn the_validators_part_pays_the_server_and_the_reviewers_who_agreed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let server = server(id);
		submit(id, honest());
		committee_votes(id, Round::Review, |i| if i == 0 { other() } else { honest() });
		next_block();
		assert_eq!(info(id).verdict, Some(Verdict::Confirmed));
		run_past_phase(id);
		let members = committee(id, Round::Review);
		let paid = payouts();
		assert_eq!(
			paid[0].validators,
			vec![(server, 2), (members[1], 1), (members[2], 1)],
			"the server two shares, the agreeing reviewers one each, the outlier nothing"
		);
	});
}

#[test]
fn a_silent_server_is_replaced_once_then_the_fee_is_refunded() {
	ExtBuilder::default().build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		let first = server(id);
		run_past_phase(id);
		let second = server(id);
		assert_ne!(first, second);
		assert_eq!(info(id).assignments, 2);
		let until = System::block_number() + test_params().response_window;
		assert_eq!(phase(id), Phase::Assigned { until });
		assert!(events().contains(&Event::ServerReplaced { request: id, previous: first, server: second, until }));
		// The first server is too late now.
		assert_eq!(
			Attribution::submit_result(RuntimeOrigin::signed(worker(first)), id, 0, 2, output(), sp_core::H256::zero()),
			Err(Error::<Test>::NotAssignedWorker.into())
		);
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoAnswer));
		assert_eq!(owned(REQUESTER), before, "the fee came back; the deposit is held until pruning");
		assert_eq!(
			slashes(),
			vec![
				(first, Perbill::from_parts(1_000_000), SlashReason::Absent),
				(second, Perbill::from_parts(1_000_000), SlashReason::Absent)
			],
			"each silent server paid its absence"
		);
	});
}

#[test]
fn a_replacement_server_can_answer() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		run_past_phase(id);
		submit(id, honest());
		assert_eq!(Answers::<Test>::get(id).unwrap().server, server(id));
	});
}

#[test]
fn with_one_validator_a_silent_server_means_a_refund() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let id = request();
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedNoAnswer));
	});
}

#[test]
fn a_failed_payout_refunds_the_fee() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		answer_alone(id, honest());
		make_payouts_fail(true);
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::RefundedPayoutFailed));
		assert_eq!(owned(REQUESTER), before, "the fee came back; the deposit is held until pruning");
		assert_eq!(Attribution::by_dataset(10, 0).total, 0);
	});
}

/// Request, answer `honest`, review confirmed; returns the request in its challenge window.
fn confirmed_request() -> RequestId {
	let id = request();
	submit(id, honest());
	committee_votes(id, Round::Review, |_| honest());
	run_to_block(System::block_number() + 1);
	assert!(matches!(phase(id), Phase::Challengeable { .. }));
	id
}

#[test]
fn a_challenge_the_larger_committee_rejects_forfeits_the_bond() {
	ExtBuilder::default().validators((1..=6).collect()).build_and_execute(|| {
		let id = confirmed_request();
		let treasury = free(TREASURY);
		assert_ok!(Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND));
		assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &CHALLENGER), MIN_BOND);
		assert!(matches!(phase(id), Phase::Drawing { draw: Draw::Committee(Round::Challenge), .. }));
		assert!(committee(id, Round::Challenge).is_empty(), "not drawn in the challenge's own block");
		run_past_phase(id);
		let members = committee(id, Round::Challenge);
		assert_eq!(members.len(), 5);
		assert!(!members.contains(&server(id)));
		committee_votes(id, Round::Challenge, |_| honest());
		run_to_block(System::block_number() + 1);
		assert_eq!(info(id).verdict, Some(Verdict::ChallengeRejected));
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		assert_eq!(free(TREASURY), treasury + MIN_BOND);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &CHALLENGER), 0);
		assert_eq!(free(CHALLENGER), INITIAL_BALANCE - MIN_BOND);
	});
}

#[test]
fn an_upheld_challenge_slashes_the_server_and_its_backers_rewards_the_challenger_and_pays_by_the_new_vector() {
	ExtBuilder::default().validators((1..=6).collect()).build_and_execute(|| {
		let id = confirmed_request();
		let treasury = free(TREASURY);
		let reviewers = committee(id, Round::Review);
		assert_ok!(Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND));
		run_past_phase(id);
		committee_votes(id, Round::Challenge, |_| other());
		run_to_block(System::block_number() + 1);
		assert_eq!(info(id).verdict, Some(Verdict::ChallengeUpheld));
		assert_eq!(Standing::<Test>::get(id), Some(held(other())));
		let mut lost = slashed(SlashReason::LostChallenge);
		lost.sort();
		let mut expected = reviewers.clone();
		expected.push(server(id));
		expected.sort();
		assert_eq!(lost, expected);
		// The server lost 10 % of its (mock) 10 000 bond, each of the three reviewers 1 %: 1 300 slashed, half
		// of it to the challenger, with its bond back.
		assert_eq!(free(CHALLENGER), INITIAL_BALANCE + 650, "the bond is returned and half the slashes paid");
		assert_eq!(free(TREASURY), treasury + 1_300 - 650);
		assert!(events().contains(&Event::ChallengerRewarded { request: id, challenger: CHALLENGER, amount: 650 }));
		assert_eq!(payouts()[0].weights, held(other()));
	});
}

#[test]
fn an_inconclusive_challenge_costs_a_tenth_of_the_bond_and_the_answer_stands() {
	ExtBuilder::default().validators((1..=6).collect()).build_and_execute(|| {
		let id = confirmed_request();
		let treasury = free(TREASURY);
		assert_ok!(Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND));
		run_past_phase(id);
		run_past_phase(id);
		assert_eq!(info(id).verdict, Some(Verdict::ChallengeInconclusive));
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		assert_eq!(free(CHALLENGER), INITIAL_BALANCE - MIN_BOND / 10, "a tenth of the bond is the price");
		// The challenge committee never committed: each member pays its absence (0.1 % of its 10 000 bond).
		let absent = committee(id, Round::Challenge).len() as Balance;
		assert_eq!(slashed(SlashReason::Absent).len() as Balance, absent);
		assert_eq!(free(TREASURY), treasury + MIN_BOND / 10 + 10 * absent);
		assert!(events().contains(&Event::ChallengeBondSettled {
			request: id,
			challenger: CHALLENGER,
			bond: MIN_BOND,
			forfeited: MIN_BOND / 10
		}));
		assert_eq!(payouts()[0].weights, held(honest()));
	});
}

#[test]
fn deadlines_beyond_the_per_block_limit_wait_for_the_next_block() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		// Five requests made in one block, so their draws are all due at the same block; the mock processes
		// three deadlines a block.
		let ids: Vec<_> = (0..5).map(|_| request_undrawn()).collect();
		let due = phase(ids[0]).until().unwrap();
		assert!(ids.iter().all(|id| phase(*id).until() == Some(due)));
		run_to_block(due);
		let drawn = |ids: &[RequestId]| ids.iter().filter(|id| info(**id).server.is_some()).count();
		assert_eq!(drawn(&ids), 3);
		assert_eq!(DeadlineCursor::<Test>::get(), due);
		run_to_block(due + 1);
		assert_eq!(drawn(&ids), 5);
		// What is left is each request's response deadline.
		assert!(Deadlines::<Test>::iter().all(|(at, id, ())| phase(id) == Phase::Assigned { until: at }));
		assert_eq!(Deadlines::<Test>::iter().count(), 5);
	});
}

#[test]
fn deadlines_stop_at_the_weight_budget_and_no_block_exceeds_it() {
	use frame_support::traits::Hooks;
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let db: frame_support::weights::RuntimeDbWeight = <Test as frame_system::Config>::DbWeight::get();
		// Room for exactly two draws a block (the per-block count limit, 3, would allow three).
		let one = <() as crate::WeightInfo>::response_timeout() + db.reads_writes(3, 2);
		let budget = db.reads_writes(1, 1) + one * 2;
		crate::mock::DeadlineWeightBudget::set(budget);
		let ids: Vec<_> = (0..5).map(|_| request_undrawn()).collect();
		let due = phase(ids[0]).until().unwrap();
		assert!(ids.iter().all(|id| phase(*id).until() == Some(due)));
		// 10 000 more deadlines queued behind them, due a block later (of requests that no longer exist).
		for id in 1_000..11_000 {
			Deadlines::<Test>::insert(due + 1, id, ());
		}
		run_to_block(due - 1);
		let closed = |ids: &[RequestId]| ids.iter().filter(|id| info(**id).server.is_some()).count();
		let mut blocks = 0;
		for now in due.. {
			System::set_block_number(now);
			let used = Attribution::on_initialize(now);
			assert!(used.all_lte(budget), "block {now} used {used:?} of {budget:?}");
			blocks += 1;
			if now == due {
				assert_eq!(closed(&ids), 2, "two fit the budget");
			}
			if now == due + 1 {
				assert_eq!(closed(&ids), 4, "two more; the next block's wait");
			}
			if Deadlines::<Test>::iter_key_prefix(due).chain(Deadlines::<Test>::iter_key_prefix(due + 1)).next().is_none()
			{
				break;
			}
		}
		assert_eq!(closed(&ids), 5);
		// Three a block at most: the queue drains at the count limit once the costly ones are done.
		assert!(blocks >= 10_005 / 3, "{blocks} blocks");
		assert!(DeadlineCursor::<Test>::get() >= due);
	});
}

#[test]
fn a_deadline_dearer_than_the_whole_budget_still_moves_one_a_block() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		crate::mock::DeadlineWeightBudget::set(Weight::from_parts(1, 1));
		let ids: Vec<_> = (0..2).map(|_| request_undrawn()).collect();
		let draw_at = phase(ids[0]).until().unwrap();
		run_to_block(draw_at);
		assert_eq!(ids.iter().filter(|id| info(**id).server.is_some()).count(), 1, "one draw a block");
		run_to_block(draw_at + 1);
		assert_eq!(ids.iter().filter(|id| info(**id).server.is_some()).count(), 2);
	});
}

#[test]
fn answers_are_paged_per_dataset() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let ids: Vec<_> = (0..3)
			.map(|_| {
				let id = request();
				answer_alone(id, honest());
				id
			})
			.collect();
		run_to_block(System::block_number() + 10);
		let (first, second) = (Attribution::by_dataset(12, 0), Attribution::by_dataset(12, 1));
		assert_eq!((first.total, first.answers.len(), second.total, second.answers.len()), (3, 2, 3, 1));
		let mut paged: Vec<_> = first.answers.into_iter().chain(second.answers).collect();
		paged.sort();
		assert_eq!(paged, ids.iter().map(|id| DatasetAnswer { request: *id, bps: 4_000 }).collect::<Vec<_>>());
		assert_eq!(Attribution::by_dataset(12, 2).answers, vec![]);
		assert_eq!(Attribution::by_dataset(12, u32::MAX).answers, vec![]);
	});
}
