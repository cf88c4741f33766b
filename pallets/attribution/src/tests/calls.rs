//! Every call's failure paths: named errors, state untouched, escrow intact.

use codec::Encode;
use frame_support::{assert_noop, assert_ok, dispatch::Pays, BoundedVec};
use openledger_primitives::attribution::commitment;
use sp_runtime::{DispatchError, Perbill};

use super::helpers::*;
use crate::{mock::*, *};

#[test]
fn request_inference_refuses_bad_requests() {
	ExtBuilder::default().build_and_execute(|| {
		let ask =
			|who, model, max_fee| Attribution::request_inference(RuntimeOrigin::signed(who), model, prompt(), max_fee);
		assert_noop!(ask(REQUESTER, 9, FEE), Error::<Test>::UnknownModel);
		assert_noop!(ask(REQUESTER, 1, FEE), Error::<Test>::ModelRetired);
		assert_noop!(ask(REQUESTER, 0, FEE - 1), Error::<Test>::FeeAboveMax);
		assert_noop!(ask(PAUPER, 0, FEE), Error::<Test>::InsufficientBalance);
		// Enough for the fee, not for the deposit the request's storage needs.
		let short = 53;
		<Balances as frame_support::traits::fungible::Mutate<AccountId>>::set_balance(
			&short,
			FEE + Attribution::request_deposit(prompt().len()) - 1,
		);
		assert_noop!(ask(short, 0, FEE), Error::<Test>::InsufficientBalance);
		assert_noop!(Attribution::request_inference(RuntimeOrigin::none(), 0, prompt(), FEE), DispatchError::BadOrigin);
		set_validators(vec![]);
		assert_noop!(ask(REQUESTER, 0, FEE), Error::<Test>::NoValidators);
		retire_model(0);
		set_validators(vec![1]);
		assert_noop!(ask(REQUESTER, 0, FEE), Error::<Test>::ModelRetired);
		assert_eq!(escrow(), 1);
	});
}

#[test]
fn a_prompt_over_the_limit_does_not_even_decode() {
	ExtBuilder::default().build_and_execute(|| {
		// The call's encoding with a prompt one byte too long, as a client would send it.
		let mut encoded = vec![2u8, 0]; // pallet index of Attribution, call index of request_inference
		encoded.extend((0u32, vec![b'?'; MAX_PROMPT as usize + 1], FEE).encode());
		assert!(<RuntimeCall as codec::Decode>::decode(&mut &encoded[..]).is_err());
		let mut fits = vec![2u8, 0];
		fits.extend((0u32, vec![b'?'; MAX_PROMPT as usize], FEE).encode());
		assert!(<RuntimeCall as codec::Decode>::decode(&mut &fits[..]).is_ok());
	});
}

#[test]
fn submit_result_is_free_for_the_assigned_worker() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let hash = server_commitment(id, &honest());
		let result = Attribution::submit_result(RuntimeOrigin::signed(worker(server(id))), id, 0, 2, output(), hash);
		assert_eq!(result.unwrap().pays_fee, Pays::No);
	});
}

#[test]
fn submit_result_refuses_bad_proofs() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let server_worker = worker(server(id));
		let other_validator = (1..=4).find(|v| *v != server(id)).unwrap();
		let hash = server_commitment(id, &honest());
		let submit_as = |who, request, model, version| {
			Attribution::submit_result(RuntimeOrigin::signed(who), request, model, version, output(), hash)
		};
		assert_noop!(submit_as(server_worker, 9, 0, 2), Error::<Test>::UnknownRequest);
		assert_noop!(submit_as(worker(other_validator), id, 0, 2), Error::<Test>::NotAssignedWorker);
		assert_noop!(submit_as(server(id), id, 0, 2), Error::<Test>::NotAssignedWorker);
		// A proof made for another model or DataNet version.
		assert_noop!(submit_as(server_worker, id, 7, 2), Error::<Test>::ProofMismatch);
		assert_noop!(submit_as(server_worker, id, 0, 1), Error::<Test>::ProofMismatch);
		assert_noop!(
			Attribution::submit_result(RuntimeOrigin::root(), id, 0, 2, output(), hash),
			DispatchError::BadOrigin
		);
		assert_eq!(escrow(), 1 + FEE);
		assert_ok!(submit_as(server_worker, id, 0, 2));
		assert_noop!(submit_as(server_worker, id, 0, 2), Error::<Test>::WrongPhase);
		// The answer is public; the vector is not.
		let view = Attribution::inference(id).unwrap();
		assert_eq!(view.server_commitment, Some(hash));
		assert_eq!(view.submitted_weights, None);
		assert_eq!(view.weights, None);
	});
}

#[test]
fn the_servers_reveal_is_checked_like_a_members() {
	// Each broken vector, committed to by a server: its reveal is refused by name and nothing changes.
	let broken: [(Weights<Test>, Error<Test>); 6] = [
		(w(&[(10, 6_000), (12, 3_999)]), Error::<Test>::WeightsNotWhole),
		(w(&[]), Error::<Test>::WeightsNotWhole),
		(w(&[(10, 5_000), (10, 5_000)]), Error::<Test>::DuplicateOrUnsortedDataset),
		(w(&[(12, 5_000), (10, 5_000)]), Error::<Test>::DuplicateOrUnsortedDataset),
		(w(&[(10, 10_000), (12, 0)]), Error::<Test>::ZeroWeight),
		(w(&[(10, 5_000), (14, 5_000)]), Error::<Test>::DatasetNotInModel),
	];
	for (vector, error) in broken {
		ExtBuilder::default().build_and_execute(|| {
			let id = request();
			submit(id, vector.clone());
			let members = committee(id, Round::Review);
			for member in &members {
				commit(id, Round::Review, *member, &honest());
			}
			let server = server(id);
			// In the reveal phase: a vector it did not commit to is a mismatch, the one it did is checked.
			assert_noop!(
				Attribution::reveal(RuntimeOrigin::signed(worker(server)), id, honest(), salt(server)),
				Error::<Test>::RevealMismatch
			);
			assert_noop!(Attribution::reveal(RuntimeOrigin::signed(worker(server)), id, vector, salt(server)), error);
		});
	}
}

#[test]
fn a_proof_cannot_be_replayed_on_another_request() {
	ExtBuilder::default().build_and_execute(|| {
		let first = request();
		submit(first, honest());
		// The same answer sent for another request: signed by the first request's server's worker, which is
		// only accepted if that validator is also the second request's server — and then it is its answer.
		let second = request();
		let replayer = worker(Answers::<Test>::get(first).unwrap().server);
		let hash = server_commitment(first, &honest());
		if worker(server(second)) != replayer {
			assert_noop!(
				Attribution::submit_result(RuntimeOrigin::signed(replayer), second, 0, 2, output(), hash),
				Error::<Test>::NotAssignedWorker
			);
		}
		// And the first request, answered, takes nothing more.
		assert_noop!(
			Attribution::submit_result(RuntimeOrigin::signed(replayer), first, 0, 2, output(), hash),
			Error::<Test>::WrongPhase
		);
	});
}

#[test]
fn commit_refuses_outsiders_duplicates_and_wrong_phases() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let hash = sp_core::H256::repeat_byte(1);
		assert_noop!(Attribution::commit(RuntimeOrigin::signed(worker(1)), 9, hash), Error::<Test>::UnknownRequest);
		assert_noop!(Attribution::commit(RuntimeOrigin::signed(worker(1)), id, hash), Error::<Test>::WrongPhase);
		submit(id, honest());
		let members = committee(id, Round::Review);
		assert_noop!(
			Attribution::commit(RuntimeOrigin::signed(worker(server(id))), id, hash),
			Error::<Test>::NotOnCommittee
		);
		assert_noop!(Attribution::commit(RuntimeOrigin::signed(REQUESTER), id, hash), Error::<Test>::NotOnCommittee);
		// A member's validator account is not its worker key.
		assert_noop!(Attribution::commit(RuntimeOrigin::signed(members[0]), id, hash), Error::<Test>::NotOnCommittee);
		let result = Attribution::commit(RuntimeOrigin::signed(worker(members[0])), id, hash);
		assert_eq!(result.unwrap().pays_fee, Pays::No);
		assert_noop!(
			Attribution::commit(RuntimeOrigin::signed(worker(members[0])), id, hash),
			Error::<Test>::DuplicateCommit
		);
	});
}

#[test]
fn reveal_must_match_its_commitment_once() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		submit(id, honest());
		let members = committee(id, Round::Review);
		let (a, b) = (members[0], members[1]);
		commit(id, Round::Review, a, &honest());
		let reveal_as =
			|member, weights, salt| Attribution::reveal(RuntimeOrigin::signed(worker(member)), id, weights, salt);
		assert_noop!(reveal_as(a, honest(), salt(a)), Error::<Test>::WrongPhase);
		// Committing to an invalid vector: the commitment is accepted, the reveal is not.
		let invalid = w(&[(10, 9_000)]);
		let hash = commitment(id, Round::Review, &b, &invalid, &salt(b));
		assert_ok!(Attribution::commit(RuntimeOrigin::signed(worker(b)), id, hash));
		run_past_phase(id);
		assert!(matches!(phase(id), Phase::Revealing { .. }));
		assert_noop!(
			Attribution::reveal(RuntimeOrigin::signed(worker(a)), 9, honest(), salt(a)),
			Error::<Test>::UnknownRequest
		);
		assert_noop!(
			Attribution::reveal(RuntimeOrigin::signed(REQUESTER), id, honest(), salt(a)),
			Error::<Test>::NotOnCommittee
		);
		// The server reveals too, but only what it committed to with its answer.
		assert_noop!(reveal_as(server(id), honest(), salt(a)), Error::<Test>::RevealMismatch);
		assert_noop!(reveal_as(members[2], honest(), salt(members[2])), Error::<Test>::NoCommitment);
		assert_noop!(reveal_as(a, honest(), [0; 32]), Error::<Test>::RevealMismatch);
		assert_noop!(reveal_as(a, other(), salt(a)), Error::<Test>::RevealMismatch);
		// Another member's commitment does not open with this member's identity.
		assert_noop!(reveal_as(b, honest(), salt(a)), Error::<Test>::RevealMismatch);
		assert_noop!(reveal_as(b, invalid, salt(b)), Error::<Test>::WeightsNotWhole);
		let result = reveal_as(a, honest(), salt(a));
		assert_eq!(result.unwrap().pays_fee, Pays::No);
		assert_noop!(reveal_as(a, honest(), salt(a)), Error::<Test>::AlreadyRevealed);
	});
}

#[test]
fn challenge_refuses_wrong_phases_small_bonds_and_paupers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let challenge = |who, bond| Attribution::challenge(RuntimeOrigin::signed(who), id, bond);
		assert_noop!(
			Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), 9, MIN_BOND),
			Error::<Test>::UnknownRequest
		);
		assert_noop!(challenge(CHALLENGER, MIN_BOND), Error::<Test>::WrongPhase);
		submit(id, honest());
		committee_votes(id, Round::Review, |_| honest());
		next_block();
		assert_noop!(challenge(CHALLENGER, MIN_BOND - 1), Error::<Test>::BondTooSmall);
		assert_noop!(challenge(PAUPER, MIN_BOND), Error::<Test>::InsufficientBalance);
		assert_ok!(challenge(CHALLENGER, MIN_BOND));
		// One challenge per request: the request is no longer challengeable.
		assert_noop!(challenge(REQUESTER, MIN_BOND), Error::<Test>::WrongPhase);
	});
}

#[test]
fn with_one_validator_there_is_nobody_to_challenge_with() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {
		let id = request();
		answer_alone(id, honest());
		assert_noop!(
			Attribution::challenge(RuntimeOrigin::signed(CHALLENGER), id, MIN_BOND),
			Error::<Test>::NoChallengeCommittee
		);
	});
}

#[test]
fn set_params_is_root_only_and_checked() {
	ExtBuilder::default().build_and_execute(|| {
		let mut params = test_params();
		params.response_window = 9;
		assert_noop!(Attribution::set_params(RuntimeOrigin::signed(REQUESTER), params), DispatchError::BadOrigin);
		let invalid = [
			Params { quorum: 4, ..params },
			Params { committee_size: MAX_COMMITTEE + 1, ..params },
			Params { challenge_committee_size: 2, ..params },
			Params { challenge_quorum: 6, ..params },
			Params { tolerance: 20_000, ..params },
			Params { commit_window: 0, ..params },
			Params { challenge_window: 0, ..params },
		];
		for bad in invalid {
			assert_noop!(Attribution::set_params(RuntimeOrigin::root(), bad), Error::<Test>::InvalidParams);
		}
		assert_ok!(Attribution::set_params(RuntimeOrigin::root(), params));
		assert_eq!(Attribution::params(), params);
		let id = request();
		assert_eq!(phase(id), Phase::Assigned { until: System::block_number() + 9 });
		let _ = Perbill::zero();
		let _: BoundedVec<u8, <Test as Config>::MaxPromptLen> = prompt();
	});
}
