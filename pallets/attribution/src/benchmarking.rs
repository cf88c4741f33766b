//! Benchmarks of the attribution pallet (`benchmark pallet --pallet pallet_attribution`): the calls, with
//! `submit_result` and `reveal` at up to `MaxWeights` credited datasets and the longest output; and the three
//! things a deadline can do — replace a silent server, close a round (a challenge upheld by up to
//! `MaxCommittee` members, slashing the server and its backers, then paying out by up to `MaxWeights`
//! datasets), and pay a decided answer out.

use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use openledger_primitives::{
	attribution::{commitment, DeclineReason},
	dataset::DatasetId,
	model::{ModelId, ModelRegistry},
	rewards::ALL_BASIS_POINTS,
	staking::ValidatorSet,
};
use sp_runtime::{
	traits::{Bounded, CheckedDiv, One},
	Perbill, Saturating,
};

use crate::*;

/// The parameters with committees of `size`, quorums of one, and the windows of the defaults.
fn params_with<T: Config>(size: u32) -> Params<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>> {
	Params {
		committee_size: size,
		quorum: size.min(1),
		challenge_committee_size: size,
		challenge_quorum: size.min(1),
		server_slash: Perbill::from_percent(10),
		member_slash: Perbill::from_percent(1),
		absence_slash: Perbill::from_parts(1_000_000),
		..Pallet::<T>::default_params()
	}
}

fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value().checked_div(&1_000u32.into()).unwrap_or_default());
	who
}

/// `w` entries of `datasets` starting at `offset`, equal shares summing to 10 000 (the first takes the rest).
fn weights<T: Config>(datasets: &[DatasetId], offset: usize, w: u32) -> Weights<T> {
	let each = ALL_BASIS_POINTS.checked_div(w).unwrap_or(ALL_BASIS_POINTS);
	let first = ALL_BASIS_POINTS.saturating_sub(each.saturating_mul(w.saturating_sub(1)));
	let entries = datasets
		.iter()
		.skip(offset)
		.take(w as usize)
		.enumerate()
		.map(|(i, d)| (*d, u16::try_from(if i == 0 { first } else { each }).unwrap_or(u16::MAX)))
		.collect::<Vec<_>>();
	BoundedVec::truncate_from(entries)
}

/// The worker key of `validator`.
fn worker<T: Config>(validator: &T::AccountId) -> Result<T::AccountId, BenchmarkError> {
	T::Validators::worker_of(validator).ok_or(BenchmarkError::Stop("a benchmark validator has no worker key"))
}

/// A request for `model` with the longest prompt, its server drawn.
fn requested<T: Config>(model: ModelId) -> Result<RequestId, BenchmarkError> {
	let requester = funded::<T>("requester");
	let fee = T::Models::terms(model).map(|t| t.fee).unwrap_or_default();
	let prompt = BoundedVec::truncate_from(alloc::vec![b'?'; T::MaxPromptLen::get() as usize]);
	let id = Pallet::<T>::do_request_inference(requester, model, prompt, fee)
		.map_err(|_| BenchmarkError::Stop("request failed"))?;
	run_deadline::<T>(id)?;
	Ok(id)
}

/// `id`'s drawn server.
fn server_of<T: Config>(id: RequestId) -> Result<T::AccountId, BenchmarkError> {
	Requests::<T>::get(id).and_then(|r| r.server).ok_or(BenchmarkError::Stop("no server drawn"))
}

/// Request, answer committing to `standing`, and the review committee drawn; returns the request.
fn answered<T: Config>(model: ModelId, standing: Weights<T>) -> Result<RequestId, BenchmarkError> {
	let id = requested::<T>(model)?;
	let server = server_of::<T>(id)?;
	let output = BoundedVec::truncate_from(alloc::vec![b'!'; T::MaxOutputLen::get() as usize]);
	let version = Requests::<T>::get(id).map(|r| r.version).unwrap_or_default();
	let hash = commitment(id, Round::Review, &server, &standing, &SALT);
	Pallet::<T>::do_submit_result(worker::<T>(&server)?, id, model, version, output, hash)
		.map_err(|_| BenchmarkError::Stop("submit failed"))?;
	run_deadline::<T>(id)?;
	Ok(id)
}

/// `challenger` challenges `id` and the challenge committee is drawn.
fn challenged<T: Config>(id: RequestId) -> Result<(), BenchmarkError> {
	Pallet::<T>::do_challenge(funded::<T>("challenger"), id, Pallet::<T>::params().min_challenge_bond)
		.map_err(|_| BenchmarkError::Stop("challenge failed"))?;
	run_deadline::<T>(id)
}

/// Request, answer with `standing`, and a review committee of `size` all revealing it; returns the request in
/// its challenge window.
fn reviewed<T: Config>(model: ModelId, standing: &Weights<T>, size: u32) -> Result<RequestId, BenchmarkError> {
	let id = answered::<T>(model, standing.clone())?;
	vote::<T>(id, Round::Review, standing, size as usize, size as usize)?;
	next_block::<T>();
	run_deadline::<T>(id)?;
	Ok(id)
}

/// The salt every benchmark vote uses.
const SALT: [u8; 32] = [7u8; 32];

/// The first `commits` members of `id`'s current `round` committee commit to `vote`; then, if any reveal, the
/// server reveals its own vector first (in a review) and the first `reveals` members reveal theirs.
fn vote<T: Config>(
	id: RequestId,
	round: Round,
	vote: &Weights<T>,
	commits: usize,
	reveals: usize,
) -> Result<(), BenchmarkError> {
	let members = Committees::<T>::get(id, round).unwrap_or_default();
	let salt = SALT;
	for member in members.iter().take(commits) {
		let hash = commitment(id, round, member, vote, &salt);
		Pallet::<T>::do_commit(worker::<T>(member)?, id, hash).map_err(|_| BenchmarkError::Stop("commit failed"))?;
	}
	// Every review here votes for the vector the server committed to (`answered`).
	if round == Round::Review && reveals > 0 {
		let server = server_of::<T>(id)?;
		Pallet::<T>::do_reveal(worker::<T>(&server)?, id, vote.clone(), salt)
			.map_err(|_| BenchmarkError::Stop("the server's reveal failed"))?;
	}
	for member in members.iter().take(reveals) {
		Pallet::<T>::do_reveal(worker::<T>(member)?, id, vote.clone(), salt)
			.map_err(|_| BenchmarkError::Stop("reveal failed"))?;
	}
	Ok(())
}

/// Runs `on_initialize` at `id`'s current deadline, processing just that deadline.
fn run_deadline<T: Config>(id: RequestId) -> Result<(), BenchmarkError> {
	let until = Requests::<T>::get(id).and_then(|r| r.phase.until()).ok_or(BenchmarkError::Stop("request not open"))?;
	frame_system::Pallet::<T>::set_block_number(until);
	DeadlineCursor::<T>::put(until);
	Pallet::<T>::process_deadlines(until);
	Ok(())
}

/// Moves to the block after the current one (so deadlines set now are due).
fn next_block<T: Config>() {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(One::one()));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request_inference(p: Linear<0, { T::MaxPromptLen::get() }>) -> Result<(), BenchmarkError> {
		let (_, model, _) = T::BenchmarkHelper::setup(u32::MAX, 1);
		let requester = funded::<T>("requester");
		let fee = T::Models::terms(model).map(|t| t.fee).unwrap_or_default();
		let prompt = BoundedVec::truncate_from(alloc::vec![b'?'; p as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(requester), model, prompt, fee);

		assert!(Requests::<T>::contains_key(0));
		Ok(())
	}

	#[benchmark]
	fn submit_result(o: Linear<0, { T::MaxOutputLen::get() }>) -> Result<(), BenchmarkError> {
		let (_, model, _) = T::BenchmarkHelper::setup(u32::MAX, 1);
		Parameters::<T>::put(params_with::<T>(T::MaxCommittee::get()));
		let id = requested::<T>(model)?;
		let request = Requests::<T>::get(id).ok_or(BenchmarkError::Stop("no request"))?;
		let signer = worker::<T>(&server_of::<T>(id)?)?;
		let output = BoundedVec::truncate_from(alloc::vec![b'!'; o as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(signer), id, model, request.version, output, H256::repeat_byte(1));

		assert!(Answers::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn commit() -> Result<(), BenchmarkError> {
		let size = T::MaxCommittee::get();
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get());
		Parameters::<T>::put(params_with::<T>(size));
		let standing = weights::<T>(&datasets, 0, 1);
		let id = answered::<T>(model, standing.clone())?;
		// Everyone but the last has committed; the last commit starts the reveal phase.
		vote::<T>(id, Round::Review, &standing, size.saturating_sub(1) as usize, 0)?;
		let last = Committees::<T>::get(id, Round::Review)
			.and_then(|c| c.last().cloned())
			.ok_or(BenchmarkError::Stop("empty committee"))?;
		let hash = commitment(id, Round::Review, &last, &standing, &SALT);

		#[extrinsic_call]
		_(RawOrigin::Signed(worker::<T>(&last)?), id, hash);

		assert!(matches!(Requests::<T>::get(id).map(|r| r.phase), Some(Phase::Revealing { .. })));
		Ok(())
	}

	#[benchmark]
	fn reveal(w: Linear<1, { T::MaxWeights::get() }>) -> Result<(), BenchmarkError> {
		let size = T::MaxCommittee::get();
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get());
		Parameters::<T>::put(params_with::<T>(size));
		let standing = weights::<T>(&datasets, 0, w);
		let id = answered::<T>(model, standing.clone())?;
		// All committed, all but the last revealed; the last reveal moves the decision to the next block.
		vote::<T>(id, Round::Review, &standing, size as usize, size.saturating_sub(1) as usize)?;
		let last = Committees::<T>::get(id, Round::Review)
			.and_then(|c| c.last().cloned())
			.ok_or(BenchmarkError::Stop("empty committee"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(worker::<T>(&last)?), id, standing, SALT);

		assert!(Votes::<T>::get((id, Round::Review, &last)).is_some_and(|v| v.revealed.is_some()));
		Ok(())
	}

	#[benchmark]
	fn challenge() -> Result<(), BenchmarkError> {
		let size = T::MaxCommittee::get();
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get());
		Parameters::<T>::put(params_with::<T>(size));
		let id = reviewed::<T>(model, &weights::<T>(&datasets, 0, 1), size)?;
		let challenger = funded::<T>("challenger");
		let bond = Pallet::<T>::params().min_challenge_bond;

		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), id, bond);

		assert!(matches!(
			Requests::<T>::get(id).map(|r| r.phase),
			Some(Phase::Drawing { draw: Draw::Committee(Round::Challenge), .. })
		));
		Ok(())
	}

	#[benchmark]
	fn set_params() {
		let params = params_with::<T>(T::MaxCommittee::get());

		#[extrinsic_call]
		_(RawOrigin::Root, params);

		assert_eq!(Parameters::<T>::get(), Some(params));
	}

	/// The second server declines: the fee is refunded (heavier than the first decline, which only schedules a
	/// draw).
	#[benchmark]
	fn decline() -> Result<(), BenchmarkError> {
		let (_, model, _) = T::BenchmarkHelper::setup(u32::MAX, 1);
		let id = requested::<T>(model)?;
		let mut request = Requests::<T>::get(id).ok_or(BenchmarkError::Stop("no request"))?;
		request.assignments = 2;
		Requests::<T>::insert(id, &request);
		let signer = worker::<T>(&server_of::<T>(id)?)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(signer), id, model, request.version, DeclineReason::NothingRelevant);

		assert_eq!(Requests::<T>::get(id).map(|r| r.phase), Some(Phase::Closed(Closure::Declined)));
		Ok(())
	}

	/// A server missed its deadline and another is drawn.
	#[benchmark]
	fn response_timeout() -> Result<(), BenchmarkError> {
		let (_, model, _) = T::BenchmarkHelper::setup(u32::MAX, 1);
		let id = requested::<T>(model)?;

		#[block]
		{
			run_deadline::<T>(id)?;
		}

		assert_eq!(Requests::<T>::get(id).map(|r| r.assignments), Some(2));
		Ok(())
	}

	/// A challenge round of `c` members all revealing `w`-dataset vectors disjoint from the standing one: the
	/// challenge is upheld, the server and `c` review members are slashed, and the answer is paid by the
	/// challenge committee's median.
	#[benchmark]
	fn close_round(
		c: Linear<1, { T::MaxCommittee::get() }>,
		w: Linear<1, { T::MaxWeights::get() }>,
	) -> Result<(), BenchmarkError> {
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get().saturating_mul(2));
		Parameters::<T>::put(params_with::<T>(c));
		let id = reviewed::<T>(model, &weights::<T>(&datasets, 0, w), c)?;
		challenged::<T>(id)?;
		let replacement = weights::<T>(&datasets, T::MaxWeights::get() as usize, w);
		vote::<T>(id, Round::Challenge, &replacement, c as usize, c as usize)?;
		next_block::<T>();

		#[block]
		{
			run_deadline::<T>(id)?;
		}

		let request = Requests::<T>::get(id).ok_or(BenchmarkError::Stop("no request"))?;
		assert_eq!(request.verdict, Some(Verdict::ChallengeUpheld));
		assert_eq!(request.phase, Phase::Closed(Closure::Paid));
		Ok(())
	}

	/// A decided answer crediting `w` datasets is paid out when its challenge window ends.
	#[benchmark]
	fn settle(w: Linear<1, { T::MaxWeights::get() }>) -> Result<(), BenchmarkError> {
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get());
		// No review committee: the server reveals alone and the answer goes to its challenge window.
		Parameters::<T>::put(params_with::<T>(0));
		let standing = weights::<T>(&datasets, 0, w);
		let id = answered::<T>(model, standing.clone())?;
		vote::<T>(id, Round::Review, &standing, 0, 1)?;
		next_block::<T>();
		run_deadline::<T>(id)?;

		#[block]
		{
			run_deadline::<T>(id)?;
		}

		assert_eq!(Requests::<T>::get(id).map(|r| r.phase), Some(Phase::Closed(Closure::Paid)));
		Ok(())
	}

	/// A paid request whose review and challenge committees of `c` members each committed and revealed is
	/// pruned when its retention ends: prompt, answer, both committees and `2c` votes removed, deposit released.
	#[benchmark]
	fn prune(c: Linear<1, { T::MaxCommittee::get() }>) -> Result<(), BenchmarkError> {
		let (_, model, datasets) = T::BenchmarkHelper::setup(u32::MAX, T::MaxWeights::get().saturating_mul(2));
		Parameters::<T>::put(params_with::<T>(c));
		let standing = weights::<T>(&datasets, 0, 1);
		let id = reviewed::<T>(model, &standing, c)?;
		challenged::<T>(id)?;
		vote::<T>(id, Round::Challenge, &standing, c as usize, c as usize)?;
		next_block::<T>();
		run_deadline::<T>(id)?;
		let until = Requests::<T>::get(id).and_then(|r| r.retained_until).ok_or(BenchmarkError::Stop("not closed"))?;

		#[block]
		{
			frame_system::Pallet::<T>::set_block_number(until);
			DeadlineCursor::<T>::put(until);
			Pallet::<T>::process_deadlines(until);
		}

		assert!(Pallet::<T>::is_pruned(id));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
