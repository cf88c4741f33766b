//! Unit and property tests of the DataNets pallet (with the real datasets pallet as registry).
#![allow(clippy::default_constructed_unit_structs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use frame_support::{assert_noop, assert_ok, pallet_prelude::DispatchResult, traits::fungible::InspectHold, BoundedVec};
use openledger_primitives::{
	content::{content_hash, piece_hash, version_root},
	dataset::{DataNetPolicy, DataNetStatus, Licence, Sketch, SKETCH_LEN},
};
use sp_core::H256;

use crate::{mock::*, *};

mod validation;

const CC_BY: &[u8] = b"CC-BY-4.0";
const CONTRIBUTION: Balance = 50;

fn licence(name: &[u8]) -> Licence {
	BoundedVec::truncate_from(name.to_vec())
}

/// A sketch sharing nothing with other seeds' sketches.
fn sketch(seed: u32) -> Sketch {
	BoundedVec::truncate_from((0..SKETCH_LEN).map(|i| seed * 10_000 + i).collect())
}

/// A sketch agreeing with `sketch(seed)` in all but `changed` positions.
fn near_sketch(seed: u32, changed: u32) -> Sketch {
	BoundedVec::truncate_from((0..SKETCH_LEN).map(|i| if i < changed { 999_999 - i } else { seed * 10_000 + i }).collect())
}

fn policy(max_datasets: u32, max_bytes: u64) -> PolicyOf<Test> {
	DataNetPolicy {
		allowed_licences: BoundedVec::truncate_from(vec![licence(CC_BY)]),
		max_dataset_bytes: max_bytes,
		max_datasets,
		contribution_deposit: CONTRIBUTION,
		max_proposals_per_day: 0,
		max_bytes_per_day: 0,
		validation: None,
	}
}

fn create(who: AccountId) -> DispatchResult {
	DataNetsPallet::create(
		RuntimeOrigin::signed(who),
		BoundedVec::truncate_from(b"medical-qa".to_vec()),
		BoundedVec::new(),
		policy(3, 10_000),
	)
}

/// Registers a URI dataset owned by `who`; returns its id.
fn register(who: AccountId, seed: u32, sketch: Sketch, licence_name: &[u8], bytes: u64) -> u64 {
	let id = pallet_datasets::NextDatasetId::<Test>::get();
	assert_ok!(Registry::register(
		RuntimeOrigin::signed(who),
		H256::from_low_u64_be(u64::from(seed) + 1),
		H256::zero(),
		1,
		bytes,
		licence(licence_name),
		sketch,
		pallet_datasets::RegistrationSource::Uri(BoundedVec::truncate_from(b"ipfs://x".to_vec())),
		BoundedVec::new(),
	));
	id
}

fn dataset(who: AccountId, seed: u32) -> u64 {
	register(who, seed, sketch(seed), CC_BY, 1_000)
}

fn propose(who: AccountId, datanet: u32, dataset: u64) -> DispatchResult {
	DataNetsPallet::propose(RuntimeOrigin::signed(who), datanet, dataset)
}

fn approve(who: AccountId, datanet: u32, dataset: u64) -> DispatchResult {
	DataNetsPallet::approve(RuntimeOrigin::signed(who), datanet, dataset).map(|_| ()).map_err(|e| e.error)
}

fn remove(who: AccountId, datanet: u32, dataset: u64) -> DispatchResult {
	DataNetsPallet::remove_dataset(RuntimeOrigin::signed(who), datanet, dataset).map(|_| ()).map_err(|e| e.error)
}

fn held(reason: HoldReason, who: AccountId) -> Balance {
	Balances::balance_on_hold(&reason.into(), &who)
}

fn hash_of(dataset: u64) -> H256 {
	pallet_datasets::Datasets::<Test>::get(dataset).unwrap().content_hash
}

#[test]
fn create_holds_the_deposit_and_makes_an_empty_version_zero() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let datanet = DataNets::<Test>::get(0).unwrap();
		assert_eq!(datanet.owner, ALICE);
		assert_eq!(datanet.curators.to_vec(), vec![ALICE]);
		assert_eq!(datanet.version, 0);
		assert_eq!(Versions::<Test>::get(0, 0).unwrap().root, version_root(&[]));
		assert_eq!(held(HoldReason::DataNetDeposit, ALICE), 1_000);
		System::assert_last_event(Event::DataNetCreated { datanet: 0, owner: ALICE, root: H256::zero() }.into());
	});
}

#[test]
fn create_refuses_bad_input() {
	ExtBuilder::default().build_and_execute(|| {
		let call = |who, name: &[u8], policy| {
			DataNetsPallet::create(RuntimeOrigin::signed(who), BoundedVec::truncate_from(name.to_vec()), BoundedVec::new(), policy)
		};
		assert_noop!(call(ALICE, b"", policy(3, 1)), Error::<Test>::EmptyName);
		assert_noop!(call(ALICE, b"n", policy(0, 1)), Error::<Test>::InvalidPolicy);
		assert_noop!(call(ALICE, b"n", policy(6, 1)), Error::<Test>::InvalidPolicy);
		assert_noop!(call(PAUPER, b"n", policy(3, 1)), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn curators_are_managed_by_the_owner_only() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let add = |who, curator| DataNetsPallet::add_curator(RuntimeOrigin::signed(who), 0, curator);
		let rm = |who, curator| DataNetsPallet::remove_curator(RuntimeOrigin::signed(who), 0, curator);
		assert_ok!(add(ALICE, CHARLIE));
		assert_noop!(add(BOB, BOB), Error::<Test>::NotOwner);
		assert_noop!(add(ALICE, CHARLIE), Error::<Test>::AlreadyCurator);
		assert_noop!(DataNetsPallet::add_curator(RuntimeOrigin::signed(ALICE), 7, BOB), Error::<Test>::UnknownDataNet);
		assert_ok!(add(ALICE, BOB));
		assert_noop!(add(ALICE, PAUPER), Error::<Test>::TooManyCurators);
		assert_noop!(rm(ALICE, ALICE), Error::<Test>::CannotRemoveOwner);
		assert_noop!(rm(CHARLIE, BOB), Error::<Test>::NotOwner);
		assert_ok!(rm(ALICE, BOB));
		assert_noop!(rm(ALICE, BOB), Error::<Test>::NotCurator);
		System::assert_last_event(Event::CuratorRemoved { datanet: 0, curator: BOB }.into());
	});
}

#[test]
fn approval_makes_a_version_whose_root_commits_to_the_members() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let first = dataset(BOB, 1);
		let second = dataset(CHARLIE, 2);
		let free_before = Balances::free_balance(BOB);
		assert_ok!(propose(BOB, 0, first));
		assert_eq!(held(HoldReason::ContributionDeposit, BOB), CONTRIBUTION);
		assert_ok!(approve(ALICE, 0, first));
		assert_eq!(held(HoldReason::ContributionDeposit, BOB), 0, "deposit returned on approval");
		assert_eq!(Balances::free_balance(BOB), free_before);
		assert_ok!(propose(CHARLIE, 0, second));
		assert_ok!(approve(ALICE, 0, second));

		let datanet = DataNets::<Test>::get(0).unwrap();
		assert_eq!(datanet.version, 2);
		let v1 = Versions::<Test>::get(0, 1).unwrap();
		let v2 = Versions::<Test>::get(0, 2).unwrap();
		assert_eq!((v1.root, v1.dataset_count), (version_root(&[hash_of(first)]), 1));
		assert_eq!((v2.root, v2.dataset_count), (version_root(&[hash_of(second), hash_of(first)]), 2));
		assert_eq!(DataNetsPallet::version_members_page(0, 2, None, 10), vec![first, second]);
		assert_eq!(DataNetsPallet::version_members_page(0, 2, Some(first), 10), vec![second]);
		assert_eq!(DataNetsPallet::version_members_page(0, 1, None, 10), vec![first]);
		System::assert_has_event(Event::VersionCreated { datanet: 0, version: 2, root: v2.root, dataset_count: 2 }.into());
	});
}

#[test]
fn propose_refuses_bad_input_without_changing_state() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let ok = dataset(BOB, 1);
		let wrong_licence = register(BOB, 2, sketch(2), b"proprietary", 100);
		let too_large = register(BOB, 3, sketch(3), CC_BY, 10_001);
		let near = register(BOB, 4, near_sketch(1, 4), CC_BY, 100);
		// An inline dataset whose piece was never uploaded.
		let bytes = b"hello".to_vec();
		let pending = pallet_datasets::NextDatasetId::<Test>::get();
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(BOB),
			content_hash(&bytes),
			H256::zero(),
			1,
			bytes.len() as u64,
			licence(CC_BY),
			sketch(5),
			pallet_datasets::RegistrationSource::Inline { piece_hashes: BoundedVec::truncate_from(vec![piece_hash(&bytes)]) },
			BoundedVec::new(),
		));

		assert_noop!(propose(BOB, 9, ok), Error::<Test>::UnknownDataNet);
		assert_noop!(propose(BOB, 0, 99), Error::<Test>::UnknownDataset);
		assert_noop!(propose(CHARLIE, 0, ok), Error::<Test>::NotDatasetOwner);
		assert_noop!(propose(BOB, 0, pending), Error::<Test>::DatasetNotAvailable);
		assert_noop!(propose(BOB, 0, wrong_licence), Error::<Test>::LicenceNotAllowed);
		assert_noop!(propose(BOB, 0, too_large), Error::<Test>::DatasetTooLarge);
		assert_ok!(propose(BOB, 0, ok));
		assert_noop!(propose(BOB, 0, ok), Error::<Test>::AlreadyProposed);
		assert_ok!(approve(ALICE, 0, ok));
		assert_noop!(propose(BOB, 0, ok), Error::<Test>::AlreadyMember);
		assert_noop!(propose(BOB, 0, near), Error::<Test>::NearDuplicate);
	});
}

#[test]
fn propose_needs_the_contribution_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		// PAUPER cannot even afford a dataset deposit; BOB gives it one and then spends its balance.
		let id = dataset(BOB, 1);
		let free = Balances::free_balance(BOB);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(BOB), CHARLIE, free - 10));
		assert_noop!(propose(BOB, 0, id), Error::<Test>::InsufficientBalance);
	});
}

fn create_with_daily_limits(proposals: u32, bytes: u64) -> u32 {
	let id = NextDataNetId::<Test>::get();
	assert_ok!(DataNetsPallet::create(
		RuntimeOrigin::signed(ALICE),
		BoundedVec::truncate_from(b"limited".to_vec()),
		BoundedVec::new(),
		DataNetPolicy { max_proposals_per_day: proposals, max_bytes_per_day: bytes, ..policy(5, 10_000) },
	));
	id
}

#[test]
fn the_daily_proposal_limit_refuses_by_name_counts_withdrawals_and_resets_the_next_day() {
	ExtBuilder::default().build_and_execute(|| {
		let limited = create_with_daily_limits(2, 0);
		let [a, b, c] = [dataset(BOB, 1), dataset(BOB, 2), dataset(BOB, 3)];
		assert_ok!(propose(BOB, limited, a));
		assert_ok!(DataNetsPallet::withdraw(RuntimeOrigin::signed(BOB), limited, a));
		assert_ok!(propose(BOB, limited, b));
		// Two proposals today, one withdrawn: the third is refused, and nothing changes.
		assert_noop!(propose(BOB, limited, c), Error::<Test>::DailyProposalLimitReached);
		assert_eq!(DailyContributions::<Test>::get(limited, BOB).map(|d| (d.proposals, d.bytes)), Some((2, 2_000)));
		// Another account has its own count; another DataNet (no limits) is not affected.
		let other = dataset(CHARLIE, 4);
		assert_ok!(propose(CHARLIE, limited, other));
		assert_ok!(create(ALICE));
		assert_ok!(propose(BOB, limited + 1, c));
		// The next day (DayLength = 100 blocks in the mock) counts from zero.
		System::set_block_number(100);
		assert_ok!(propose(BOB, limited, a));
		assert_eq!(DailyContributions::<Test>::get(limited, BOB).map(|d| (d.day, d.proposals)), Some((1, 1)));
	});
}

#[test]
fn the_daily_byte_limit_refuses_what_would_go_over_it() {
	ExtBuilder::default().build_and_execute(|| {
		let limited = create_with_daily_limits(0, 2_500);
		let [a, b] = [dataset(BOB, 1), dataset(BOB, 2)];
		let big = register(BOB, 3, sketch(3), CC_BY, 600);
		let small = register(BOB, 4, sketch(4), CC_BY, 500);
		assert_ok!(propose(BOB, limited, a));
		assert_ok!(propose(BOB, limited, b));
		// 2 000 bytes proposed today: 600 more would be 2 600, over 2 500; 500 more is exactly the limit.
		assert_noop!(propose(BOB, limited, big), Error::<Test>::DailyByteLimitReached);
		assert_ok!(propose(BOB, limited, small));
		assert_eq!(DailyContributions::<Test>::get(limited, BOB).map(|d| d.bytes), Some(2_500));
	});
}

#[test]
fn the_v1_migration_gives_existing_datanets_no_daily_limits() {
	use crate::migrations::v1::{v0, MigrateV0ToV1};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		let old = v0::DataNet::<Test> {
			owner: ALICE,
			name: BoundedVec::truncate_from(b"from version 0".to_vec()),
			metadata: BoundedVec::new(),
			policy: v0::Policy {
				allowed_licences: BoundedVec::truncate_from(vec![licence(CC_BY)]),
				max_dataset_bytes: 7_000,
				max_datasets: 4,
				contribution_deposit: CONTRIBUTION,
			},
			curators: BoundedVec::truncate_from(vec![ALICE]),
			status: DataNetStatus::Open,
			deposit: 0,
			version: 0,
			open_proposals: 0,
			created_at: 1,
		};
		v0::DataNets::<Test>::insert(3, old.clone());
		StorageVersion::new(0).put::<DataNetsPallet>();
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(DataNetsPallet::on_chain_storage_version(), 1);
		// Run again: the version guard makes it a no-op.
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(DataNetsPallet::on_chain_storage_version(), 1);
		crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		let migrated = DataNets::<Test>::get(3).expect("still there, now decodable");
		assert_eq!(migrated, old.clone().into_current());
		assert_eq!(
			(migrated.policy.max_dataset_bytes, migrated.policy.max_proposals_per_day, migrated.policy.max_bytes_per_day),
			(7_000, 0, 0)
		);
		assert_eq!(migrated.policy.validation, None);
		assert_eq!(DataNetsPallet::on_chain_storage_version(), 2);
		// The try_state of build_and_execute would flag this DataNet (no version 0): remove it.
		DataNets::<Test>::remove(3);
	});
}

#[test]
fn a_full_datanet_refuses_more() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		for seed in 1..=3 {
			let id = dataset(BOB, seed);
			assert_ok!(propose(BOB, 0, id));
			assert_ok!(approve(ALICE, 0, id));
		}
		let extra = dataset(BOB, 4);
		assert_noop!(propose(BOB, 0, extra), Error::<Test>::DataNetFull);
	});
}

#[test]
fn approve_refuses_non_curators_unknown_proposals_and_late_near_duplicates() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let original = dataset(BOB, 1);
		let copy = register(CHARLIE, 2, near_sketch(1, 3), CC_BY, 100);
		assert_ok!(propose(BOB, 0, original));
		assert_ok!(propose(CHARLIE, 0, copy));
		assert_noop!(approve(BOB, 0, original), Error::<Test>::NotCurator);
		assert_noop!(approve(ALICE, 0, 42), Error::<Test>::UnknownProposal);
		assert_noop!(approve(ALICE, 5, original), Error::<Test>::UnknownDataNet);
		assert_ok!(approve(ALICE, 0, original));
		assert_noop!(approve(ALICE, 0, original), Error::<Test>::UnknownProposal);
		assert_noop!(approve(ALICE, 0, copy), Error::<Test>::NearDuplicate);
	});
}

#[test]
fn reject_and_withdraw_return_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let a = dataset(BOB, 1);
		let b = dataset(BOB, 2);
		assert_ok!(propose(BOB, 0, a));
		assert_ok!(propose(BOB, 0, b));
		assert_noop!(DataNetsPallet::reject(RuntimeOrigin::signed(BOB), 0, a, 3), Error::<Test>::NotCurator);
		assert_noop!(DataNetsPallet::reject(RuntimeOrigin::signed(ALICE), 0, 77, 3), Error::<Test>::UnknownProposal);
		assert_ok!(DataNetsPallet::reject(RuntimeOrigin::signed(ALICE), 0, a, 3));
		System::assert_last_event(Event::DatasetRejected { datanet: 0, dataset: a, curator: ALICE, reason: 3 }.into());
		assert_noop!(DataNetsPallet::withdraw(RuntimeOrigin::signed(CHARLIE), 0, b), Error::<Test>::NotProposer);
		assert_ok!(DataNetsPallet::withdraw(RuntimeOrigin::signed(BOB), 0, b));
		assert_noop!(DataNetsPallet::withdraw(RuntimeOrigin::signed(BOB), 0, b), Error::<Test>::UnknownProposal);
		assert_eq!(held(HoldReason::ContributionDeposit, BOB), 0);
		assert_eq!(DataNets::<Test>::get(0).unwrap().version, 0, "no version without approval");
		// Once no DataNet references it, the dataset can be retired.
		assert_ok!(Registry::retire(RuntimeOrigin::signed(BOB), a));
	});
}

#[test]
fn removal_makes_a_new_version_and_keeps_history() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let a = dataset(BOB, 1);
		let b = dataset(CHARLIE, 2);
		for (who, id) in [(BOB, a), (CHARLIE, b)] {
			assert_ok!(propose(who, 0, id));
			assert_ok!(approve(ALICE, 0, id));
		}
		assert_noop!(
			Registry::retire(RuntimeOrigin::signed(BOB), a),
			pallet_datasets::Error::<Test>::DatasetInUse
		);
		assert_noop!(remove(PAUPER, 0, a), Error::<Test>::NotCurator);
		assert_noop!(remove(ALICE, 0, 99), Error::<Test>::NotMember);
		// The dataset's owner may take it out.
		assert_ok!(remove(BOB, 0, a));
		assert_eq!(DataNets::<Test>::get(0).unwrap().version, 3);
		assert_eq!(Versions::<Test>::get(0, 3).unwrap().root, version_root(&[hash_of(b)]));
		assert_eq!(DataNetsPallet::version_members_page(0, 2, None, 10), vec![a, b], "version 2 unchanged");
		assert_eq!(DataNetsPallet::version_members_page(0, 3, None, 10), vec![b]);
		assert_ok!(Registry::retire(RuntimeOrigin::signed(BOB), a));
		// Version 2's root is still recomputable after the dataset is gone (try_state checks it).
	});
}

#[test]
fn close_needs_no_open_proposals_and_releases_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let a = dataset(BOB, 1);
		assert_ok!(propose(BOB, 0, a));
		assert_noop!(DataNetsPallet::close(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::HasOpenProposals);
		assert_ok!(approve(ALICE, 0, a));
		assert_noop!(DataNetsPallet::close(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotOwner);
		assert_ok!(DataNetsPallet::close(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(held(HoldReason::DataNetDeposit, ALICE), 0);
		assert_eq!(DataNets::<Test>::get(0).unwrap().status, DataNetStatus::Closed);
		assert_noop!(DataNetsPallet::close(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::DataNetClosed);
		let b = dataset(BOB, 2);
		assert_noop!(propose(BOB, 0, b), Error::<Test>::DataNetClosed);
		// Members can still leave a closed DataNet.
		assert_ok!(remove(BOB, 0, a));
	});
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	/// A random step. Targets are picked among what exists when the step runs (`pick`), and the actor is
	/// the one entitled to act when `honest`, else someone who is not — so sequences reach deep states
	/// (many versions, removals, retirements) and still exercise every refusal.
	#[derive(Debug, Clone)]
	enum Step {
		Create { who: AccountId },
		Register { who: AccountId, seed: u32, near_of: Option<u32> },
		Propose { pick: usize, net: usize, honest: bool },
		Approve { pick: usize, honest: bool },
		Reject { pick: usize, honest: bool },
		Withdraw { pick: usize, honest: bool },
		Remove { pick: usize, honest: bool },
		Retire { pick: usize },
		Close { pick: usize, honest: bool },
	}

	fn step() -> impl Strategy<Value = Step> {
		let who = || prop_oneof![Just(ALICE), Just(BOB), Just(CHARLIE), Just(PAUPER)];
		let honest = || proptest::bool::weighted(0.85);
		prop_oneof![
			1 => who().prop_map(|who| Step::Create { who }),
			3 => (who(), 1u32..40, proptest::option::weighted(0.2, 1u32..40))
				.prop_map(|(who, seed, near_of)| Step::Register { who, seed, near_of }),
			4 => (any::<usize>(), any::<usize>(), honest()).prop_map(|(pick, net, honest)| Step::Propose { pick, net, honest }),
			4 => (any::<usize>(), honest()).prop_map(|(pick, honest)| Step::Approve { pick, honest }),
			1 => (any::<usize>(), honest()).prop_map(|(pick, honest)| Step::Reject { pick, honest }),
			1 => (any::<usize>(), honest()).prop_map(|(pick, honest)| Step::Withdraw { pick, honest }),
			2 => (any::<usize>(), honest()).prop_map(|(pick, honest)| Step::Remove { pick, honest }),
			1 => any::<usize>().prop_map(|pick| Step::Retire { pick }),
			1 => (any::<usize>(), proptest::bool::weighted(0.3)).prop_map(|(pick, honest)| Step::Close { pick, honest }),
		]
	}

	fn pick<T: Clone>(items: &[T], at: usize) -> Option<T> {
		(!items.is_empty()).then(|| items[at % items.len()].clone())
	}

	fn other_than(who: AccountId) -> AccountId {
		if who == CHARLIE { BOB } else { CHARLIE }
	}

	fn owner_of_dataset(id: u64) -> AccountId {
		pallet_datasets::Datasets::<Test>::get(id).map_or(PAUPER, |d| d.owner)
	}

	fn owner_of_datanet(id: u32) -> AccountId {
		DataNets::<Test>::get(id).map_or(PAUPER, |d| d.owner)
	}

	fn run(step: Step) -> DispatchResult {
		let datasets: Vec<u64> = { let mut v: Vec<u64> = pallet_datasets::Datasets::<Test>::iter_keys().collect(); v.sort(); v };
		let nets: Vec<u32> = { let mut v: Vec<u32> = DataNets::<Test>::iter_keys().collect(); v.sort(); v };
		let proposals: Vec<(u32, u64)> = { let mut v: Vec<_> = Proposals::<Test>::iter_keys().collect(); v.sort(); v };
		let members: Vec<(u32, u64)> = { let mut v: Vec<_> = MemberSince::<Test>::iter_keys().collect(); v.sort(); v };
		let actor = |rightful: AccountId, honest: bool| if honest { rightful } else { other_than(rightful) };
		match step {
			Step::Create { who } => create(who),
			Step::Register { who, seed, near_of } => {
				let s = near_of.map_or_else(|| sketch(seed), |of| near_sketch(of, 5));
				Registry::register(
					RuntimeOrigin::signed(who),
					H256::from_low_u64_be(u64::from(seed) * 1000 + u64::from(near_of.unwrap_or(0))),
					H256::zero(), 1, 100, licence(CC_BY), s,
					pallet_datasets::RegistrationSource::Uri(BoundedVec::truncate_from(b"u".to_vec())),
					BoundedVec::new(),
				)
			},
			Step::Propose { pick: p, net, honest } => {
				let (Some(dataset), Some(datanet)) = (pick(&datasets, p), pick(&nets, net)) else { return Ok(()) };
				propose(actor(owner_of_dataset(dataset), honest), datanet, dataset)
			},
			Step::Approve { pick: p, honest } => {
				let Some((datanet, dataset)) = pick(&proposals, p) else { return Ok(()) };
				approve(actor(owner_of_datanet(datanet), honest), datanet, dataset)
			},
			Step::Reject { pick: p, honest } => {
				let Some((datanet, dataset)) = pick(&proposals, p) else { return Ok(()) };
				DataNetsPallet::reject(RuntimeOrigin::signed(actor(owner_of_datanet(datanet), honest)), datanet, dataset, 1)
			},
			Step::Withdraw { pick: p, honest } => {
				let Some((datanet, dataset)) = pick(&proposals, p) else { return Ok(()) };
				let proposer = Proposals::<Test>::get(datanet, dataset).map_or(PAUPER, |p| p.proposer);
				DataNetsPallet::withdraw(RuntimeOrigin::signed(actor(proposer, honest)), datanet, dataset)
			},
			Step::Remove { pick: p, honest } => {
				let Some((datanet, dataset)) = pick(&members, p) else { return Ok(()) };
				remove(actor(owner_of_datanet(datanet), honest), datanet, dataset)
			},
			Step::Retire { pick: p } => {
				let Some(dataset) = pick(&datasets, p) else { return Ok(()) };
				Registry::retire(RuntimeOrigin::signed(owner_of_dataset(dataset)), dataset).map(|_| ()).map_err(|e| e.error)
			},
			Step::Close { pick: p, honest } => {
				let Some(datanet) = pick(&nets, p) else { return Ok(()) };
				DataNetsPallet::close(RuntimeOrigin::signed(actor(owner_of_datanet(datanet), honest)), datanet)
			},
		}
	}

	proptest! {
		#![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

		/// Version roots stay recomputable from membership, held deposits equal the records, and OPEN
		/// is neither created nor lost, whatever the sequence of calls.
		#[test]
		fn invariants_hold_over_random_sequences(steps in proptest::collection::vec(step(), 1..80)) {
			ExtBuilder::default().build().execute_with(|| {
				let issuance = Balances::total_issuance();
				for step in steps {
					let _ = run(step);
					Pallet::<Test>::do_try_state().unwrap();
					pallet_datasets::Pallet::<Test>::do_try_state().unwrap();
					prop_assert_eq!(Balances::total_issuance(), issuance);
				}
				Ok(())
			})?;
		}
	}

	/// The generator reaches deep states: across a fixed set of seeds, DataNets reach several versions.
	#[test]
	fn random_sequences_reach_many_versions() {
		use proptest::{strategy::ValueTree, test_runner::{Config, TestRunner, RngAlgorithm, TestRng}};
		let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
		let mut total_versions = 0u32;
		for _ in 0..20 {
			let steps = proptest::collection::vec(step(), 60..80).new_tree(&mut runner).unwrap().current();
			ExtBuilder::default().build().execute_with(|| {
				for step in steps {
					let _ = run(step);
				}
				total_versions += DataNets::<Test>::iter().map(|(_, d)| d.version).sum::<u32>();
			});
		}
		assert!(total_versions >= 40, "only {total_versions} versions over 20 random sequences");
	}
}

#[test]
fn versions_answer_membership_for_other_pallets() {
	use openledger_primitives::dataset::DataNetVersions;
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let first = dataset(BOB, 1);
		let second = dataset(CHARLIE, 2);
		assert_ok!(propose(BOB, 0, first));
		assert_ok!(approve(ALICE, 0, first)); // v1: first
		assert_ok!(propose(CHARLIE, 0, second));
		assert_ok!(approve(ALICE, 0, second)); // v2: first, second
		assert_ok!(remove(ALICE, 0, first)); // v3: second
		for version in 0..=3 {
			assert!(DataNetsPallet::version_exists(0, version));
		}
		assert!(!DataNetsPallet::version_exists(0, 4));
		assert!(!DataNetsPallet::version_exists(1, 0));
		let member = |version, dataset| DataNetsPallet::is_member(0, version, dataset);
		assert_eq!([0, 1, 2, 3].map(|v| member(v, first)), [false, true, true, false]);
		assert_eq!([0, 1, 2, 3].map(|v| member(v, second)), [false, false, true, true]);
		assert!(!DataNetsPallet::is_member(1, 2, first));
	});
}
