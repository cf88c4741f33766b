//! Shorthands for the tests.

use frame_support::{assert_ok, BoundedVec};
use openledger_primitives::attribution::commitment;

use crate::{mock::*, *};

/// An attribution from pairs.
pub fn w(pairs: &[(u64, u16)]) -> Weights<Test> {
	BoundedVec::truncate_from(pairs.to_vec())
}

/// What honest workers compute in these tests.
/// `weights` as the pallet holds them once checked.
pub fn held(weights: Weights<Test>) -> AttributionOf<Test> {
	AttributionOf::<Test>::try_from(weights).expect("a valid attribution")
}

pub fn honest() -> Weights<Test> {
	w(&[(10, 6_000), (12, 4_000)])
}

/// A vector far from [`honest`].
pub fn other() -> Weights<Test> {
	w(&[(11, 7_000), (13, 3_000)])
}

pub fn prompt() -> BoundedVec<u8, <Test as Config>::MaxPromptLen> {
	BoundedVec::truncate_from(b"What dose of aspirin after a myocardial infarction?".to_vec())
}

pub fn output() -> BoundedVec<u8, <Test as Config>::MaxOutputLen> {
	BoundedVec::truncate_from(b"75-100 mg daily, indefinitely.".to_vec())
}

/// REQUESTER asks model 0 and blocks run until its server is drawn; returns the request id.
pub fn request() -> RequestId {
	let id = request_undrawn();
	run_past_phase(id);
	id
}

/// REQUESTER asks model 0 (its server is drawn `DRAW_DELAY` blocks later); returns the request id.
pub fn request_undrawn() -> RequestId {
	let id = NextRequestId::<Test>::get();
	assert_ok!(Attribution::request_inference(RuntimeOrigin::signed(REQUESTER), 0, prompt(), FEE));
	id
}

pub fn info(id: RequestId) -> Request<Test> {
	Requests::<Test>::get(id).unwrap()
}

pub fn phase(id: RequestId) -> Phase<u64> {
	info(id).phase
}

pub fn server(id: RequestId) -> AccountId {
	info(id).server.expect("the server was drawn")
}

std::thread_local! {
	/// What each request's server committed to, for [`server_reveals`].
	static COMMITTED: core::cell::RefCell<std::collections::BTreeMap<RequestId, Weights<Test>>> = Default::default();
}

/// The server's commitment to `weights` for `id`.
pub fn server_commitment(id: RequestId, weights: &Weights<Test>) -> sp_core::H256 {
	commitment(id, Round::Review, &server(id), weights, &salt(server(id)))
}

/// The server's worker answers, committing to `weights` (the review committee is drawn `DRAW_DELAY` blocks
/// later).
pub fn submit_now(id: RequestId, weights: Weights<Test>) {
	let hash = server_commitment(id, &weights);
	assert_ok!(Attribution::submit_result(RuntimeOrigin::signed(worker(server(id))), id, 0, 2, output(), hash));
	COMMITTED.with(|c| c.borrow_mut().insert(id, weights));
}

/// The server's worker answers, committing to `weights`, and blocks run until the review committee is drawn.
pub fn submit(id: RequestId, weights: Weights<Test>) {
	submit_now(id, weights);
	run_past_phase(id);
}

/// With nobody to review (one validator): the server answers, committing to `weights`, reveals it alone, and
/// the round is decided (the request is in its challenge window).
pub fn answer_alone(id: RequestId, weights: Weights<Test>) {
	submit(id, weights);
	assert!(matches!(phase(id), Phase::Revealing { round: Round::Review, .. }), "no committee: straight to the reveal");
	server_reveals(id);
	next_block();
}

/// The server reveals what it committed to.
pub fn server_reveals(id: RequestId) {
	let weights = COMMITTED.with(|c| c.borrow().get(&id).cloned()).expect("the server answered");
	reveal(id, server(id), weights);
}

pub fn committee(id: RequestId, round: Round) -> Vec<AccountId> {
	Committees::<Test>::get(id, round).unwrap_or_default().into_inner()
}

pub fn salt(member: AccountId) -> [u8; 32] {
	[member as u8; 32]
}

/// `member` commits to `weights` with its salt.
pub fn commit(id: RequestId, round: Round, member: AccountId, weights: &Weights<Test>) {
	let hash = commitment(id, round, &member, weights, &salt(member));
	assert_ok!(Attribution::commit(RuntimeOrigin::signed(worker(member)), id, hash));
}

pub fn reveal(id: RequestId, member: AccountId, weights: Weights<Test>) {
	assert_ok!(Attribution::reveal(RuntimeOrigin::signed(worker(member)), id, weights, salt(member)));
}

/// Every member of the round's committee commits to and reveals the vector `vote(member)` gives; in a review
/// the server reveals its own first.
pub fn committee_votes(id: RequestId, round: Round, vote: impl Fn(usize) -> Weights<Test>) {
	let members = committee(id, round);
	for (i, member) in members.iter().enumerate() {
		commit(id, round, *member, &vote(i));
	}
	if round == Round::Review {
		server_reveals(id);
	}
	for (i, member) in members.iter().enumerate() {
		reveal(id, *member, vote(i));
	}
}

/// Runs one block.
pub fn next_block() {
	run_to_block(System::block_number() + 1);
}

/// Runs blocks until the request's phase ends and the next one begins.
pub fn run_past_phase(id: RequestId) {
	let until = phase(id).until().unwrap();
	run_to_block(until);
}

pub fn escrow() -> Balance {
	Balances::free_balance(Attribution::escrow_account())
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// Free and held together: what `who` owns, request deposits included.
pub fn owned(who: AccountId) -> Balance {
	<Balances as frame_support::traits::fungible::Inspect<AccountId>>::total_balance(&who)
}

/// What `who` holds as request deposits.
pub fn deposits_held(who: AccountId) -> Balance {
	<Balances as frame_support::traits::fungible::InspectHold<AccountId>>::balance_on_hold(
		&crate::HoldReason::RequestDeposit.into(),
		&who,
	)
}

pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| if let RuntimeEvent::Attribution(event) = record.event { Some(event) } else { None })
		.collect()
}
