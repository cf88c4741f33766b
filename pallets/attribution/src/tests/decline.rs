//! Declining: a second server is drawn, and only two declines refund; nobody is slashed or paid for declining.

use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, dispatch::Pays};
use openledger_primitives::{attribution::DeclineReason, staking::SlashReason};
use sp_runtime::{DispatchError, Perbill};

use super::helpers::*;
use crate::{mock::*, *};

fn decline(id: RequestId, validator: AccountId) -> frame_support::dispatch::DispatchResult {
	Attribution::decline(RuntimeOrigin::signed(worker(validator)), id, 0, 2, DeclineReason::NothingRelevant)
}

#[test]
fn a_declined_request_goes_to_a_second_server_and_two_declines_refund_the_fee() {
	ExtBuilder::default().build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		let first = server(id);
		assert_ok!(decline(id, first));
		assert!(events().contains(&Event::Declined { request: id, server: first, reason: DeclineReason::NothingRelevant }));
		// The replacement is drawn from randomness the decliner did not know when it signed.
		let until = System::block_number() + DRAW_DELAY;
		assert_eq!(phase(id), Phase::Drawing { draw: Draw::Server, until });
		assert_eq!(escrow(), 1 + FEE, "the fee waits for the second server");
		run_past_phase(id);
		let second = server(id);
		assert_ne!(first, second, "the decliner is not drawn again");
		assert_eq!(info(id).assignments, 2);
		let until = System::block_number() + test_params().response_window;
		assert_eq!(phase(id), Phase::Assigned { until });
		assert!(events().contains(&Event::ServerReplaced { request: id, previous: first, server: second, until }));
		assert_noop!(decline(id, first), Error::<Test>::NotAssignedWorker);

		assert_ok!(decline(id, second));
		assert_eq!(phase(id), Phase::Closed(Closure::Declined));
		assert_eq!(Attribution::inference(id).map(|v| v.status), Some(openledger_primitives::attribution::RequestStatus::Declined));
		assert!(events().contains(&Event::Refunded {
			request: id,
			requester: REQUESTER,
			fee: FEE,
			closure: Closure::Declined
		}));
		assert_eq!(owned(REQUESTER), before, "the fee came back; the deposit is held until pruning");
		assert_eq!(escrow(), 1);
		assert!(slashes().is_empty(), "declining is not slashed");
		assert!(payouts().is_empty(), "nobody is paid for a declined request");
	});
}

#[test]
fn the_second_server_may_answer_what_the_first_declined_and_only_it_is_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let first = server(id);
		assert_ok!(decline(id, first));
		run_past_phase(id);
		let second = server(id);
		submit(id, honest());
		assert_eq!(Answers::<Test>::get(id).unwrap().server, second);
		committee_votes(id, Round::Review, |_| honest());
		next_block();
		let earners = Attribution::earners(id, &info(id), &held(honest()));
		let shares = openledger_primitives::rewards::SERVER_SHARES;
		assert!(earners.contains(&(second, shares)), "the server that answered earns the server's shares");
		// The decliner may sit on the review committee: it earns a member's share for reviewing, nothing for declining.
		assert!(earners.iter().filter(|(v, _)| *v == first).all(|(_, s)| *s == 1), "{earners:?}");
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::Paid));
		assert!(slashes().is_empty());
	});
}

#[test]
fn a_replacement_for_a_silent_server_that_declines_refunds_at_once() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let silent = server(id);
		run_past_phase(id);
		let second = server(id);
		assert_ok!(decline(id, second));
		assert_eq!(phase(id), Phase::Closed(Closure::Declined));
		assert_eq!(slashes(), vec![(silent, Perbill::from_parts(1_000_000), SlashReason::Absent)], "only the silent one");
	});
}

#[test]
fn with_nobody_else_to_draw_one_decline_refunds() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let before = owned(REQUESTER);
		let id = request();
		assert_ok!(decline(id, 1));
		run_past_phase(id);
		assert_eq!(phase(id), Phase::Closed(Closure::Declined));
		assert_eq!(owned(REQUESTER), before);
	});
}

#[test]
fn decline_refuses_whoever_is_not_the_assigned_server_at_its_phase() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(decline(9, 1), Error::<Test>::UnknownRequest);
		let waiting = request_undrawn();
		assert_noop!(decline(waiting, 1), Error::<Test>::WrongPhase);
		let id = request();
		let server = server(id);
		let other = (1..=4).find(|v| *v != server).unwrap();
		assert_noop!(decline(id, other), Error::<Test>::NotAssignedWorker);
		assert_noop!(
			Attribution::decline(RuntimeOrigin::signed(server), id, 0, 2, DeclineReason::NothingRelevant),
			Error::<Test>::NotAssignedWorker
		);
		assert_noop!(
			Attribution::decline(RuntimeOrigin::signed(worker(server)), id, 1, 2, DeclineReason::NothingRelevant),
			Error::<Test>::ProofMismatch
		);
		assert_noop!(
			Attribution::decline(RuntimeOrigin::signed(worker(server)), id, 0, 3, DeclineReason::Unanswerable),
			Error::<Test>::ProofMismatch
		);
		assert_noop!(
			Attribution::decline(RuntimeOrigin::none(), id, 0, 2, DeclineReason::NothingRelevant),
			DispatchError::BadOrigin
		);
		// Once answered, the answer stands: it is too late to decline.
		submit_now(id, honest());
		assert_noop!(decline(id, server), Error::<Test>::WrongPhase);
		assert_eq!(escrow(), 1 + 2 * FEE);
	});
}

#[test]
fn declining_is_never_free() {
	ExtBuilder::default().build_and_execute(|| {
		let call = crate::Call::<Test>::decline { request: 0, model: 0, version: 2, reason: DeclineReason::NothingRelevant };
		assert_eq!(call.get_dispatch_info().pays_fee, Pays::Yes, "opting out of work costs the worker its fee");
	});
}
