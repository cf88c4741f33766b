//! Benchmarks of the validation pallet (`benchmark pallet --pallet pallet_validation`), each at its worst case:
//! opening a job and drawing its committee against the largest active set, the commit and the reveal that
//! complete a committee of `MaxCommittee`, and closing a job whose committee of `c` all committed, a quorum
//! revealed and agreed (paid) and every other member broke its commitment (slashed); and setting the parameters.

use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use openledger_primitives::{
	staking::ValidatorSet,
	validation::{report_commitment, ValidationJobId, ValidationReport},
};
use sp_runtime::traits::{Bounded, CheckedDiv};

use crate::*;

/// The salt every benchmark commitment uses.
const SALT: [u8; 32] = [7u8; 32];

/// The report every benchmark member measures.
fn report() -> ValidationReport {
	ValidationReport {
		rows_parsed: 1_000,
		rows_refused: 10,
		rows_empty: 5,
		rows_other_script: 1,
		rows_in_datanet: 20,
		rows_repeated: 3,
		relevance_bps: 6_500,
		probes: 32,
		answer_gain_millinats: 150,
		support_gain_bps: 400,
	}
}

/// A proposer with a thousandth of the largest balance.
fn funded_proposer<T: Config>() -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account("proposer", 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value().checked_div(&1_000u32.into()).unwrap_or_default());
	who
}

/// The fee every benchmark job holds.
fn fee<T: Config>() -> BalanceOf<T> {
	1_000_000u32.into()
}

/// The worker key of `validator`.
fn worker<T: Config>(validator: &T::AccountId) -> Result<T::AccountId, BenchmarkError> {
	T::Validators::worker_of(validator).ok_or(BenchmarkError::Stop("a benchmark validator has no worker key"))
}

/// Opens a job for a funded proposer; returns it.
fn opened<T: Config>() -> Result<ValidationJobId, BenchmarkError>
where
	T::Currency: Mutate<T::AccountId>,
{
	Pallet::<T>::do_open(&funded_proposer::<T>(), 1, 2, 3, fee::<T>()).map_err(|_| BenchmarkError::Stop("open failed"))
}

/// Runs `on_initialize`'s deadline processing at `id`'s current deadline.
fn run_deadline<T: Config>(id: ValidationJobId) -> Result<(), BenchmarkError> {
	let until = Jobs::<T>::get(id).map(|j| j.phase.until()).ok_or(BenchmarkError::Stop("job not open"))?;
	frame_system::Pallet::<T>::set_block_number(until);
	DeadlineCursor::<T>::put(until);
	Pallet::<T>::process_deadlines(until);
	Ok(())
}

/// A job opened and drawn, its committee then replaced by `members` (the drawn committee is `committee_size`
/// strong; the benchmarks measure up to `MaxCommittee`).
fn drawn<T: Config>(members: &[T::AccountId]) -> Result<ValidationJobId, BenchmarkError>
where
	T::Currency: Mutate<T::AccountId>,
{
	let id = opened::<T>()?;
	run_deadline::<T>(id)?;
	ensure_phase::<T>(id, |p| matches!(p, JobPhase::Committing { .. }))?;
	Committees::<T>::insert(id, Committee::<T>::truncate_from(members.to_vec()));
	Ok(id)
}

/// Fails the benchmark unless `id`'s phase passes `check`.
fn ensure_phase<T: Config>(
	id: ValidationJobId,
	check: impl Fn(&JobPhase<frame_system::pallet_prelude::BlockNumberFor<T>>) -> bool,
) -> Result<(), BenchmarkError> {
	let phase = Jobs::<T>::get(id).map(|j| j.phase).ok_or(BenchmarkError::Stop("job not open"))?;
	if check(&phase) {
		Ok(())
	} else {
		Err(BenchmarkError::Stop("the job is not in the expected phase"))
	}
}

/// Each of `members` commits to [`report`].
fn commit<T: Config>(id: ValidationJobId, members: &[T::AccountId]) -> Result<(), BenchmarkError> {
	for member in members {
		let hash = report_commitment(id, member, &report(), &SALT);
		Pallet::<T>::do_commit(worker::<T>(member)?, id, hash).map_err(|_| BenchmarkError::Stop("commit failed"))?;
	}
	Ok(())
}

/// Each of `members` reveals [`report`].
fn reveal<T: Config>(id: ValidationJobId, members: &[T::AccountId]) -> Result<(), BenchmarkError> {
	for member in members {
		Pallet::<T>::do_reveal(worker::<T>(member)?, id, report(), SALT)
			.map_err(|_| BenchmarkError::Stop("reveal failed"))?;
	}
	Ok(())
}

/// `count` active validators, or an error if the runtime made fewer.
fn validators<T: Config>(count: u32) -> Result<Vec<T::AccountId>, BenchmarkError> {
	let validators = T::BenchmarkHelper::validators(count);
	if (validators.len() as u32) < count {
		return Err(BenchmarkError::Stop("the runtime made fewer validators than the benchmark needs"));
	}
	Ok(validators)
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	/// A proposal opens a job: the active set read, the fee held, the job and its deadline stored.
	#[benchmark]
	fn open() -> Result<(), BenchmarkError> {
		T::BenchmarkHelper::validators(u32::MAX);
		let proposer = funded_proposer::<T>();
		let opened;

		#[block]
		{
			opened = Pallet::<T>::do_open(&proposer, 1, 2, 3, fee::<T>()).ok();
		}

		ensure_phase::<T>(opened.ok_or(BenchmarkError::Stop("open failed"))?, |p| matches!(p, JobPhase::Drawing { .. }))
	}

	/// The committee is drawn from the largest active set the runtime allows.
	#[benchmark]
	fn draw() -> Result<(), BenchmarkError> {
		T::BenchmarkHelper::validators(u32::MAX);
		let job = opened::<T>()?;

		#[block]
		{
			run_deadline::<T>(job)?;
		}

		ensure_phase::<T>(job, |p| matches!(p, JobPhase::Committing { .. }))?;
		if Committees::<T>::decode_len(job).unwrap_or(0) as u32 != Pallet::<T>::params().committee_size {
			return Err(BenchmarkError::Stop("the committee drawn is not committee_size strong"));
		}
		Ok(())
	}

	/// The last commitment of a committee of `MaxCommittee`: every member's vote is read, and the reveal phase
	/// starts.
	#[benchmark]
	fn commit_report() -> Result<(), BenchmarkError> {
		let members = validators::<T>(T::MaxCommittee::get())?;
		let job = drawn::<T>(&members)?;
		let (last, others) = members.split_last().ok_or(BenchmarkError::Stop("no members"))?;
		commit::<T>(job, others)?;
		let hash = report_commitment(job, last, &report(), &SALT);

		#[extrinsic_call]
		_(RawOrigin::Signed(worker::<T>(last)?), job, hash);

		ensure_phase::<T>(job, |p| matches!(p, JobPhase::Revealing { .. }))
	}

	/// The last reveal of a committee of `MaxCommittee`: the commitment checked, every vote read, and the decision
	/// moved to the next block.
	#[benchmark]
	fn reveal_report() -> Result<(), BenchmarkError> {
		let members = validators::<T>(T::MaxCommittee::get())?;
		let job = drawn::<T>(&members)?;
		commit::<T>(job, &members)?;
		let (last, others) = members.split_last().ok_or(BenchmarkError::Stop("no members"))?;
		reveal::<T>(job, others)?;
		let until = Jobs::<T>::get(job).map(|j| j.phase.until()).ok_or(BenchmarkError::Stop("job not open"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(worker::<T>(last)?), job, report(), SALT);

		ensure_phase::<T>(job, |p| p.until() < until)
	}

	/// Closing a job with a committee of `c`: every member committed, a quorum revealed the same report (the fee
	/// is shared among them) and every other member broke its commitment (each slashed through the staking
	/// pallet). The DataNets pallet's part is added from the weight it returns.
	#[benchmark]
	fn close(c: Linear<1, { T::MaxCommittee::get() }>) -> Result<(), BenchmarkError> {
		let members = validators::<T>(c)?;
		let members = members.get(..c as usize).ok_or(BenchmarkError::Stop("too few validators"))?;
		let job = drawn::<T>(members)?;
		commit::<T>(job, members)?;
		let quorum = Pallet::<T>::params().quorum.clamp(1, c) as usize;
		reveal::<T>(job, members.get(..quorum).ok_or(BenchmarkError::Stop("quorum beyond the committee"))?)?;

		#[block]
		{
			run_deadline::<T>(job)?;
		}

		if Jobs::<T>::contains_key(job) || Committees::<T>::contains_key(job) {
			return Err(BenchmarkError::Stop("the job did not close"));
		}
		Ok(())
	}

	#[benchmark]
	fn set_params() {
		let params = Params { committee_size: T::MaxCommittee::get(), ..T::DefaultParams::get() };

		#[extrinsic_call]
		_(RawOrigin::Root, params);

		assert_eq!(Parameters::<T>::get(), Some(params));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
