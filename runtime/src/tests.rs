//! Tests of the runtime's genesis presets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;

use frame_support::traits::Get;
use sp_runtime::BuildStorage;

use crate::{
	configs::treasury_account,
	genesis_config_presets::{get_preset, worker_key, DEV_ENDOWMENT, DEV_SESSION_LENGTH, DEV_VALIDATOR_BOND},
	Runtime, RuntimeGenesisConfig,
};

fn build(preset: &str) -> sp_io::TestExternalities {
	let json = get_preset(&PresetId::from(preset)).expect("preset exists");
	let mut config = RuntimeGenesisConfig::default();
	// A preset is a patch over the default config.
	let mut full = serde_json::to_value(&config).unwrap();
	json_patch(&mut full, serde_json::from_slice(&json).unwrap());
	config = serde_json::from_value(full).unwrap();
	config.build_storage().unwrap().into()
}

fn json_patch(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(b), Value::Object(p)) =>
			for (k, v) in p {
				json_patch(b.entry(k).or_insert(Value::Null), v);
			},
		(b, p) => *b = p,
	}
}

#[test]
fn development_has_alice_as_sole_authority_and_sudo() {
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_babe::Authorities::<crate::Runtime>::get().len(), 1);
		assert_eq!(crate::Grandpa::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<crate::Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
		assert_eq!(crate::Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), DEV_ENDOWMENT);
	});
}

#[test]
fn development_has_alice_bonded_as_the_elected_validator() {
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let ledger = pallet_validator_staking::Ledgers::<Runtime>::get(&alice).unwrap();
		assert_eq!(ledger.active, DEV_VALIDATOR_BOND);
		assert_eq!(crate::Balances::free_balance(&alice), DEV_ENDOWMENT - DEV_VALIDATOR_BOND);
		assert_eq!(pallet_validator_staking::ActiveValidators::<Runtime>::get().to_vec(), vec![alice.clone()]);
		assert_eq!(pallet_session::Validators::<Runtime>::get(), vec![alice.clone()]);
		assert_eq!(pallet_validator_staking::Workers::<Runtime>::get(&alice), worker_key(Sr25519Keyring::Alice));
		assert_eq!(pallet_validator_staking::SessionLength::<Runtime>::get(), DEV_SESSION_LENGTH);
		// A session is a BABE epoch, and every BABE slot has a VRF-proven leader (the attribution draws need it).
		assert_eq!(<Runtime as pallet_babe::Config>::EpochDuration::get(), u64::from(DEV_SESSION_LENGTH));
		assert_eq!(
			pallet_babe::EpochConfig::<Runtime>::get().map(|c| c.allowed_slots),
			Some(sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots)
		);
		assert!(crate::Balances::free_balance(treasury_account()) > 0);
		pallet_validator_staking::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn local_testnet_has_four_bonded_validators_as_authorities() {
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_babe::Authorities::<crate::Runtime>::get().len(), 4);
		assert_eq!(crate::Grandpa::grandpa_authorities().len(), 4);
		assert_eq!(pallet_validator_staking::ActiveValidators::<Runtime>::get().len(), 4);
		assert_eq!(pallet_validator_staking::Candidates::<Runtime>::count(), 4);
		// A session change with the same stake keeps the same authorities.
		crate::Session::rotate_session();
		crate::Session::rotate_session();
		assert_eq!(pallet_babe::Authorities::<crate::Runtime>::get().len(), 4);
		assert_eq!(pallet_validator_staking::CurrentSession::<Runtime>::get(), 2);
	});
}

#[test]
fn dev_worker_keys_are_the_worker_derivations() {
	use sp_core::{crypto::Pair as _, sr25519};
	for who in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave] {
		let pair = sr25519::Pair::from_string(&format!("//{who}//worker"), None).unwrap();
		let expected: crate::AccountId = pair.public().into();
		assert_eq!(worker_key(who), Some(expected), "{who}");
	}
}

#[test]
fn unknown_preset_is_refused() {
	assert!(get_preset(&PresetId::from("mainnet")).is_none());
}

/// A GRANDPA prevote equivocation by `who` in `round` of set `set_id`: two votes for different blocks.
fn prevote_equivocation(
	who: sp_keyring::Ed25519Keyring,
	set_id: u64,
	round: u64,
) -> sp_consensus_grandpa::EquivocationProof<crate::Hash, crate::BlockNumber> {
	let vote = |target: u8| {
		let prevote = finality_grandpa::Prevote { target_hash: crate::Hash::repeat_byte(target), target_number: 1 };
		let payload =
			sp_consensus_grandpa::localized_payload(round, set_id, &finality_grandpa::Message::Prevote(prevote.clone()));
		(prevote, who.sign(&payload).into())
	};
	sp_consensus_grandpa::EquivocationProof::new(
		set_id,
		sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
			round_number: round,
			identity: who.public().into(),
			first: vote(1),
			second: vote(2),
		}),
	)
}

#[test]
fn a_grandpa_equivocation_with_a_key_ownership_proof_slashes_chills_and_disables_the_validator() {
	use frame_support::traits::KeyOwnerProofSystem;
	use sp_keyring::Ed25519Keyring;
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		crate::System::set_block_number(1);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let before = pallet_validator_staking::Ledgers::<Runtime>::get(&bob).unwrap().active;
		let treasury_before = crate::Balances::free_balance(treasury_account());
		let proof = prevote_equivocation(Ed25519Keyring::Bob, crate::Grandpa::current_set_id(), 1);
		let key_owner_proof =
			crate::Historical::prove((sp_consensus_grandpa::KEY_TYPE, grandpa_id(Ed25519Keyring::Bob))).unwrap();

		assert!(crate::Grandpa::report_equivocation_unsigned(
			crate::RuntimeOrigin::none(),
			Box::new(proof.clone()),
			key_owner_proof.clone()
		)
		.is_ok());

		// One offender of four: (3 · 1/4)² = 56.25 % of the bond, into the treasury; Bob is chilled.
		let after = pallet_validator_staking::Ledgers::<Runtime>::get(&bob).unwrap().active;
		let slashed = before - after;
		assert_eq!(slashed, sp_runtime::Perbill::from_rational(9u32, 16u32).mul_floor(before));
		assert_eq!(crate::Balances::free_balance(treasury_account()), treasury_before + slashed);
		assert!(!pallet_validator_staking::Candidates::<Runtime>::contains_key(&bob));
		// …and disabled at once: drawn for no more attribution work, and out of BABE's authors this session.
		assert!(pallet_validator_staking::Disabled::<Runtime>::get().contains(&bob));
		let index = pallet_session::Validators::<Runtime>::get().iter().position(|v| *v == bob).unwrap() as u32;
		assert!(pallet_session::DisabledValidators::<Runtime>::get().iter().any(|(i, _)| *i == index));
		// The same report cannot be made twice.
		assert!(crate::Grandpa::report_equivocation_unsigned(
			crate::RuntimeOrigin::none(),
			Box::new(proof),
			key_owner_proof
		)
		.is_err());
		pallet_validator_staking::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn an_equivocation_proof_signed_by_someone_else_is_refused() {
	use frame_support::traits::KeyOwnerProofSystem;
	use sp_keyring::Ed25519Keyring;
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		crate::System::set_block_number(1);
		// Charlie's votes, presented with Bob's key-ownership proof.
		let proof = prevote_equivocation(Ed25519Keyring::Charlie, crate::Grandpa::current_set_id(), 1);
		let key_owner_proof =
			crate::Historical::prove((sp_consensus_grandpa::KEY_TYPE, grandpa_id(Ed25519Keyring::Bob))).unwrap();
		assert!(crate::Grandpa::report_equivocation_unsigned(
			crate::RuntimeOrigin::none(),
			Box::new(proof),
			key_owner_proof
		)
		.is_err());
		assert_eq!(pallet_validator_staking::TotalSlashed::<Runtime>::get(), 0);
	});
}

fn grandpa_id(who: sp_keyring::Ed25519Keyring) -> sp_consensus_grandpa::AuthorityId {
	who.public().into()
}

#[test]
fn the_runtimes_migrations_take_a_version_0_chain_to_the_current_versions_once() {
	use frame_support::traits::{fungible::Mutate, GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		// A version-0 chain: 10 OPEN of validators' fees pooled, and the old parameters' layout.
		let account = pallet_rewards::Pallet::<Runtime>::account_id();
		crate::Balances::mint_into(&account, 10 * crate::OPEN).unwrap();
		pallet_rewards::migrations::v1::v0::ValidatorPool::<Runtime>::put(10 * crate::OPEN);
		let p = crate::Attribution::params();
		pallet_attribution::Parameters::<Runtime>::kill();
		let old = pallet_attribution::migrations::v1::v0::Params::from_current(p);
		pallet_attribution::migrations::v1::v0::Parameters::<Runtime>::put(old);
		StorageVersion::new(0).put::<crate::Attribution>();
		StorageVersion::new(0).put::<crate::Rewards>();
		// A DataNet whose policy has no daily limits (datanets storage version 0).
		let datanet = pallet_datanets::migrations::v1::v0::DataNet::<Runtime> {
			owner: Sr25519Keyring::Alice.to_account_id(),
			name: frame_support::BoundedVec::truncate_from(b"version 0".to_vec()),
			metadata: Default::default(),
			policy: pallet_datanets::migrations::v1::v0::Policy {
				allowed_licences: Default::default(),
				max_dataset_bytes: 1_000,
				max_datasets: 3,
				contribution_deposit: crate::OPEN,
			},
			curators: Default::default(),
			status: openledger_primitives::dataset::DataNetStatus::Open,
			deposit: 0,
			version: 0,
			open_proposals: 0,
			created_at: 1,
		};
		pallet_datanets::migrations::v1::v0::DataNets::<Runtime>::insert(77, datanet.clone());
		StorageVersion::new(0).put::<crate::DataNets>();
		let treasury = crate::Balances::free_balance(treasury_account());

		let weight = <crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert!(weight.ref_time() > 0);
		assert_eq!(crate::Attribution::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(crate::Rewards::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(crate::DataNets::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(
			pallet_datanets::DataNets::<Runtime>::get(77),
			Some(datanet.into_current()),
			"no daily limits, no validation"
		);
		assert_eq!(crate::Attribution::params(), p, "the parameters decode, absence_slash at its default");
		assert_eq!(crate::Balances::free_balance(treasury_account()), treasury + 10 * crate::OPEN);
		pallet_attribution::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_rewards::Pallet::<Runtime>::do_try_state().unwrap();
		// Applied once: a second upgrade finds version 1 and changes nothing.
		<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert_eq!(crate::Balances::free_balance(treasury_account()), treasury + 10 * crate::OPEN);
	});
}

/// Registers a URI dataset owned by `owner`; returns its id.
fn register_dataset(owner: &crate::AccountId, seed: u32) -> u64 {
	crate::configs::register_uri_dataset(owner, seed).unwrap()
}

/// On the development preset, Charlie's and Dave's datasets credited by Bob's model (fee 10 OPEN), Ferdie
/// asks and Alice's worker answers crediting them 75/25. Returns the request, the last block of its challenge
/// window and the two datasets.
fn answered_on_development() -> (u64, u32, u64, u64) {
	use frame_support::BoundedVec;
	let (bob, charlie, dave) =
		(Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Charlie.to_account_id(), Sr25519Keyring::Dave.to_account_id());
	let (cardiology, neurology) = (register_dataset(&charlie, 1), register_dataset(&dave, 2));
	// A model crediting both datasets (written directly: the manifest check is the models pallet's tests').
	pallet_models::Models::<Runtime>::insert(
		0,
		pallet_models::Model {
			owner: bob,
			base_model: Default::default(),
			adapter: None,
			manifest: pallet_models::Manifest {
				datanet: 0,
				version: 1,
				datasets: BoundedVec::truncate_from(vec![cardiology, neurology]),
				hyperparameters_hash: Default::default(),
				influence_hash: Default::default(),
			},
			fee: 10 * crate::OPEN,
			metadata: BoundedVec::new(),
			status: pallet_models::ModelStatus::Active,
			deposit: 0,
			registered_at: 0,
		},
	);
	let id = crate::Attribution::do_request_inference(
		Sr25519Keyring::Ferdie.to_account_id(),
		0,
		BoundedVec::truncate_from(b"Aspirin after an infarction?".to_vec()),
		10 * crate::OPEN,
	)
	.unwrap();
	// The server is drawn `DrawDelay` blocks later, from BABE's randomness (none in these blocks: the parent hash
	// stands in).
	let phase = |id| pallet_attribution::Requests::<Runtime>::get(id).unwrap().phase;
	run_to(phase(id).until().unwrap());
	let request = pallet_attribution::Requests::<Runtime>::get(id).unwrap();
	assert_eq!(request.server, Some(Sr25519Keyring::Alice.to_account_id()), "the only validator serves");
	let weights: pallet_attribution::Weights<Runtime> =
		BoundedVec::truncate_from(vec![(cardiology, 7_500), (neurology, 2_500)]);
	let (alice, salt) = (Sr25519Keyring::Alice.to_account_id(), [9u8; 32]);
	let worker = worker_key(Sr25519Keyring::Alice).unwrap();
	let hidden = openledger_primitives::attribution::commitment(
		id,
		openledger_primitives::attribution::Round::Review,
		&alice,
		&weights,
		&salt,
	);
	crate::Attribution::do_submit_result(worker.clone(), id, 0, 1, BoundedVec::truncate_from(b"75 mg daily.".to_vec()), hidden)
		.unwrap();
	// One validator: nobody reviews; once the empty committee is drawn the server reveals alone, and the
	// answer waits out its challenge window.
	run_to(phase(id).until().unwrap());
	crate::Attribution::do_reveal(worker, id, weights, salt).unwrap();
	run_to(phase(id).until().unwrap());
	let until = phase(id).until().unwrap();
	(id, until, cardiology, neurology)
}

/// Runs the attribution pallet's block hook from the next block up to block `until`.
fn run_to(until: u32) {
	use frame_support::traits::Hooks;
	for n in crate::System::block_number().saturating_add(1)..=until {
		crate::System::set_block_number(n);
		crate::Attribution::on_initialize(n);
	}
}

#[test]
fn an_answer_on_development_is_paid_to_the_data_owners_through_rewards() {
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		let (bob, charlie, dave) =
			(Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Charlie.to_account_id(), Sr25519Keyring::Dave.to_account_id());
		let (id, until, cardiology, _) = answered_on_development();
		run_to(until);
		let closed = pallet_attribution::Requests::<Runtime>::get(id).unwrap().phase;
		assert_eq!(closed, pallet_attribution::Phase::Closed(pallet_attribution::Closure::Paid));
		// Contributors get 50 % of 10 OPEN by weight; the model owner 20 %.
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&charlie), 3_750_000_000_000_000_000);
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&dave), 1_250_000_000_000_000_000);
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&bob), 2 * crate::OPEN);
		// The validators' 20 % to Alice, who answered alone.
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&alice), 2 * crate::OPEN);
		assert_eq!(
			crate::Attribution::by_dataset(cardiology, 0).answers,
			vec![openledger_primitives::attribution::DatasetAnswer { request: id, bps: 7_500 }]
		);
		pallet_attribution::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_rewards::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn retiring_a_credited_dataset_during_the_challenge_window_forfeits_its_share_and_the_answer_is_still_paid() {
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		let (charlie, dave, ferdie) = (
			Sr25519Keyring::Charlie.to_account_id(),
			Sr25519Keyring::Dave.to_account_id(),
			Sr25519Keyring::Ferdie.to_account_id(),
		);
		let (id, until, _, neurology) = answered_on_development();
		// Dave (colluding with the requester, who would get the fee back if the payout failed) retires his
		// credited dataset while the answer waits.
		crate::Datasets::do_retire(dave.clone(), neurology).unwrap();
		let (treasury, paid_by_ferdie) =
			(crate::Balances::free_balance(treasury_account()), crate::Balances::free_balance(&ferdie));
		run_to(until);
		let closed = pallet_attribution::Requests::<Runtime>::get(id).unwrap().phase;
		assert_eq!(closed, pallet_attribution::Phase::Closed(pallet_attribution::Closure::Paid), "no refund");
		assert_eq!(crate::Balances::free_balance(&ferdie), paid_by_ferdie, "the requester got nothing back");
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&charlie), 3_750_000_000_000_000_000);
		assert_eq!(pallet_rewards::Pending::<Runtime>::get(&dave), 0, "the retired dataset's share is forfeited");
		// The treasury's 10 % plus neurology's 1.25 OPEN.
		assert_eq!(crate::Balances::free_balance(treasury_account()), treasury + crate::OPEN + 1_250_000_000_000_000_000);
		pallet_attribution::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_rewards::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn the_treasury_exists_even_when_the_balances_genesis_leaves_it_out() {
	let config = RuntimeGenesisConfig::default();
	assert!(config.balances.balances.is_empty());
	sp_io::TestExternalities::from(config.build_storage().unwrap()).execute_with(|| {
		assert_eq!(crate::Balances::free_balance(treasury_account()), crate::EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn genesis_writes_every_pallets_storage_version_so_migrations_can_check_it() {
	use frame_support::traits::GetStorageVersion;
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		macro_rules! same_version {
			($($pallet:ident),*) => {$(
				assert_eq!(
					crate::$pallet::on_chain_storage_version(),
					crate::$pallet::in_code_storage_version(),
					concat!(stringify!($pallet), ": the on-chain storage version is not the code's")
				);
			)*};
		}
		same_version!(Datasets, DataNets, Models, ValidatorStaking, Attribution, Rewards, Preimage);
	});
}

/// Two headers Bob sealed for the same BABE slot (differing in their state root).
fn babe_equivocation(slot: u64) -> sp_consensus_babe::EquivocationProof<crate::Header> {
	use sp_consensus_babe::digests::{CompatibleDigestItem, PreDigest, SecondaryPlainPreDigest};
	use sp_core::Pair as _;
	use sp_runtime::{traits::Header as _, Digest, DigestItem};
	let bob = Sr25519Keyring::Bob;
	let authority_index = pallet_babe::Authorities::<Runtime>::get()
		.iter()
		.position(|(id, _)| *id == sp_consensus_babe::AuthorityId::from(bob.public()))
		.unwrap() as u32;
	let slot = sp_consensus_babe::Slot::from(slot);
	let header = |state_root: u8| {
		let pre = PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index, slot });
		let digest = Digest { logs: vec![<DigestItem as CompatibleDigestItem>::babe_pre_digest(pre)] };
		let mut header = crate::Header::new(1, Default::default(), [state_root; 32].into(), Default::default(), digest);
		let seal = bob.pair().sign(header.hash().as_ref());
		header.digest_mut().push(<DigestItem as CompatibleDigestItem>::babe_seal(seal.into()));
		header
	};
	sp_consensus_babe::EquivocationProof { offender: bob.public().into(), slot, first_header: header(1), second_header: header(2) }
}

#[test]
fn a_babe_equivocation_with_a_key_ownership_proof_slashes_chills_and_disables_the_validator() {
	use frame_support::traits::KeyOwnerProofSystem;
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		crate::System::set_block_number(1);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let before = pallet_validator_staking::Ledgers::<Runtime>::get(&bob).unwrap().active;
		let key_owner_proof = crate::Historical::prove((
			sp_consensus_babe::KEY_TYPE,
			sp_consensus_babe::AuthorityId::from(Sr25519Keyring::Bob.public()),
		))
		.unwrap();
		let proof = babe_equivocation(1);
		assert!(crate::Babe::report_equivocation_unsigned(
			crate::RuntimeOrigin::none(),
			Box::new(proof.clone()),
			key_owner_proof.clone()
		)
		.is_ok());
		let after = pallet_validator_staking::Ledgers::<Runtime>::get(&bob).unwrap().active;
		assert!(after < before, "slashed");
		assert!(!pallet_validator_staking::Candidates::<Runtime>::contains_key(&bob), "chilled");
		assert!(pallet_validator_staking::Disabled::<Runtime>::get().contains(&bob), "disabled");
		// Once only.
		assert!(crate::Babe::report_equivocation_unsigned(crate::RuntimeOrigin::none(), Box::new(proof), key_owner_proof)
			.is_err());
		pallet_validator_staking::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn two_thirds_of_the_council_may_govern_and_fewer_may_not() {
	use crate::configs::governance::{CouncilCollective, RootOrCouncil};
	use frame_support::traits::EnsureOrigin;
	let motion = |ayes, members| {
		crate::RuntimeOrigin::from(pallet_collective::RawOrigin::<crate::AccountId, CouncilCollective>::Members(ayes, members))
	};
	assert!(RootOrCouncil::try_origin(motion(3, 4)).is_ok());
	assert!(RootOrCouncil::try_origin(motion(2, 3)).is_ok());
	assert!(RootOrCouncil::try_origin(motion(2, 4)).is_err(), "half is not two thirds");
	assert!(RootOrCouncil::try_origin(crate::RuntimeOrigin::root()).is_ok());
	assert!(RootOrCouncil::try_origin(crate::RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id())).is_err());
}

#[test]
fn the_local_testnet_has_no_sudo_key_and_its_validators_form_the_council() {
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		let mut council = pallet_collective::Members::<Runtime, crate::configs::governance::CouncilCollective>::get();
		council.sort();
		let mut validators: Vec<_> = [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
			.iter()
			.map(|k| k.to_account_id())
			.collect();
		validators.sort();
		assert_eq!(council, validators);
	});
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
	});
}
