//! Unit and property tests of the datasets pallet.
#![allow(clippy::default_constructed_unit_structs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec};
use openledger_primitives::{
	content::{content_hash, piece_hash, PIECE_SIZE},
	dataset::{ContentSource, DatasetRegistry, Sketch, SKETCH_LEN},
};
use sp_core::H256;

use frame_support::pallet_prelude::DispatchResult;

use crate::{mock::*, *};

fn sketch() -> Sketch {
	BoundedVec::truncate_from((0..SKETCH_LEN).collect())
}

fn licence() -> openledger_primitives::dataset::Licence {
	BoundedVec::truncate_from(b"CC-BY-4.0".to_vec())
}

/// Deterministic content of `len` bytes, different for each `seed`.
fn content(len: usize, seed: u8) -> Vec<u8> {
	(0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn pieces_of(content: &[u8]) -> Vec<Vec<u8>> {
	content.chunks(PIECE_SIZE as usize).map(|c| c.to_vec()).collect()
}

fn inline_source(content: &[u8]) -> RegistrationSourceOf<Test> {
	let hashes = pieces_of(content).iter().map(|p| piece_hash(p)).collect::<Vec<_>>();
	RegistrationSource::Inline { piece_hashes: BoundedVec::truncate_from(hashes) }
}

fn register_inline(who: AccountId, content: &[u8]) -> DispatchResult {
	Registry::register(
		RuntimeOrigin::signed(who),
		content_hash(content),
		H256::repeat_byte(7),
		10,
		content.len() as u64,
		licence(),
		sketch(),
		inline_source(content),
		BoundedVec::truncate_from(b"{\"title\":\"t\"}".to_vec()),
	)
}

fn register_uri(who: AccountId, hash: H256) -> DispatchResult {
	Registry::register(
		RuntimeOrigin::signed(who),
		hash,
		H256::zero(),
		1,
		1_000_000_000,
		licence(),
		sketch(),
		RegistrationSource::Uri(BoundedVec::truncate_from(b"ipfs://bafy".to_vec())),
		BoundedVec::new(),
	)
}

fn upload(id: u64, index: u32, data: Vec<u8>) -> DispatchResult {
	Registry::upload_piece(RuntimeOrigin::signed(BOB), id, index, BoundedVec::truncate_from(data))
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::DatasetDeposit.into(), &who)
}

#[test]
fn register_inline_holds_a_deposit_that_grows_with_pieces() {
	ExtBuilder::default().build_and_execute(|| {
		let small = content(100, 1);
		let large = content(PIECE_SIZE as usize * 3, 2);
		assert_ok!(register_inline(ALICE, &small));
		let small_deposit = held(ALICE);
		assert_ok!(register_inline(ALICE, &large));
		let large_deposit = held(ALICE) - small_deposit;
		assert_eq!(large_deposit - small_deposit, 2 * 32, "two more piece hashes at 1 per byte");
		let record = Datasets::<Test>::get(0).unwrap();
		assert_eq!(record.owner, ALICE);
		assert_eq!(record.deposit, small_deposit);
		assert_eq!(record.source, ContentSource::Inline { uploaded_pieces: 0 });
		assert_eq!(DatasetByContent::<Test>::get(content_hash(&small)), Some(0));
		System::assert_has_event(
			Event::DatasetRegistered { dataset: 1, owner: ALICE, content_hash: content_hash(&large), bytes: large.len() as u64, deposit: large_deposit }
				.into(),
		);
	});
}

#[test]
fn register_uri_needs_no_pieces() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register_uri(ALICE, H256::repeat_byte(1)));
		assert!(PieceHashes::<Test>::get(0).is_none());
		assert!(Registry::summary(0).unwrap().available);
	});
}

#[test]
fn register_refuses_bad_input_without_changing_state() {
	ExtBuilder::default().build_and_execute(|| {
		let data = content(1000, 3);
		assert_ok!(register_inline(ALICE, &data));
		let call = |hash: H256, rows: u64, bytes: u64, sketch: Sketch, source: RegistrationSourceOf<Test>, who: AccountId| {
			Registry::register(RuntimeOrigin::signed(who), hash, H256::zero(), rows, bytes, licence(), sketch, source, BoundedVec::new())
		};
		let other = content(2000, 4);
		let h = content_hash(&other);
		let len = other.len() as u64;
		assert_noop!(call(h, 0, len, sketch(), inline_source(&other), BOB), Error::<Test>::EmptyDataset);
		assert_noop!(call(h, 1, 0, sketch(), inline_source(&other), BOB), Error::<Test>::EmptyDataset);
		assert_noop!(call(h, 1, len, BoundedVec::truncate_from(vec![1, 2]), inline_source(&other), BOB), Error::<Test>::InvalidSketch);
		assert_noop!(call(content_hash(&data), 1, data.len() as u64, sketch(), inline_source(&data), BOB), Error::<Test>::DuplicateContent);
		assert_noop!(call(h, 1, len + PIECE_SIZE as u64, sketch(), inline_source(&other), BOB), Error::<Test>::PieceCountMismatch);
		assert_noop!(call(h, 1, PIECE_SIZE as u64 * 9, sketch(), inline_source(&other), BOB), Error::<Test>::TooManyPieces);
		assert_noop!(call(H256::repeat_byte(9), 1, len, sketch(), inline_source(&other), BOB), Error::<Test>::ContentHashMismatch);
		assert_noop!(call(h, 1, len, sketch(), RegistrationSource::Uri(BoundedVec::new()), BOB), Error::<Test>::EmptyUri);
		assert_noop!(call(h, 1, len, sketch(), inline_source(&other), PAUPER), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn uploading_every_piece_makes_the_dataset_available() {
	ExtBuilder::default().build_and_execute(|| {
		let data = content(PIECE_SIZE as usize + 500, 5);
		assert_ok!(register_inline(ALICE, &data));
		let pieces = pieces_of(&data);
		assert!(!Registry::summary(0).unwrap().available);
		assert_ok!(upload(0, 1, pieces[1].clone()));
		assert!(!Registry::summary(0).unwrap().available);
		assert_ok!(upload(0, 0, pieces[0].clone()));
		assert!(Registry::summary(0).unwrap().available);
		System::assert_has_event(Event::PieceUploaded { dataset: 0, index: 1, piece_hash: piece_hash(&pieces[1]) }.into());
		System::assert_last_event(Event::DatasetAvailable { dataset: 0 }.into());
		assert_eq!(Datasets::<Test>::get(0).unwrap().source, ContentSource::Inline { uploaded_pieces: 2 });
	});
}

#[test]
fn upload_refuses_bad_pieces_without_changing_state() {
	ExtBuilder::default().build_and_execute(|| {
		let data = content(PIECE_SIZE as usize + 500, 6);
		let pieces = pieces_of(&data);
		assert_ok!(register_inline(ALICE, &data));
		assert_ok!(register_uri(ALICE, H256::repeat_byte(2)));
		assert_ok!(upload(0, 0, pieces[0].clone()));
		assert_noop!(upload(9, 0, pieces[0].clone()), Error::<Test>::UnknownDataset);
		assert_noop!(upload(1, 0, pieces[0].clone()), Error::<Test>::NotInline);
		assert_noop!(upload(0, 2, pieces[1].clone()), Error::<Test>::PieceOutOfRange);
		assert_noop!(upload(0, 0, pieces[0].clone()), Error::<Test>::PieceAlreadyUploaded);
		assert_noop!(upload(0, 1, pieces[1][..499].to_vec()), Error::<Test>::PieceLengthMismatch);
		let mut tampered = pieces[1].clone();
		tampered[0] ^= 1;
		assert_noop!(upload(0, 1, tampered), Error::<Test>::PieceHashMismatch);
	});
}

#[test]
fn metadata_updates_resize_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register_uri(ALICE, H256::repeat_byte(3)));
		let before = held(ALICE);
		assert_ok!(Registry::update_metadata(RuntimeOrigin::signed(ALICE), 0, BoundedVec::truncate_from(vec![b'x'; 100])));
		assert_eq!(held(ALICE), before + 100 + 1, "100 bytes of metadata, one more byte of length prefix");
		assert_ok!(Registry::update_metadata(RuntimeOrigin::signed(ALICE), 0, BoundedVec::new()));
		assert_eq!(held(ALICE), before);
		assert_noop!(
			Registry::update_metadata(RuntimeOrigin::signed(BOB), 0, BoundedVec::new()),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Registry::update_metadata(RuntimeOrigin::signed(ALICE), 5, BoundedVec::new()),
			Error::<Test>::UnknownDataset
		);
	});
}

#[test]
fn metadata_growth_needs_balance() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register_uri(ALICE, H256::repeat_byte(3)));
		// Leave ALICE just enough to stay alive, not enough for more deposit.
		let free = Balances::free_balance(ALICE);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(ALICE), BOB, free - 2));
		assert_noop!(
			Registry::update_metadata(RuntimeOrigin::signed(ALICE), 0, BoundedVec::truncate_from(vec![b'x'; 200])),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn retire_releases_everything_unless_referenced() {
	ExtBuilder::default().build_and_execute(|| {
		let data = content(300, 7);
		assert_ok!(register_inline(ALICE, &data));
		assert_ok!(upload(0, 0, data.clone()));
		assert_ok!(Registry::add_reference(0));
		assert_noop!(Registry::retire(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::DatasetInUse);
		assert_ok!(Registry::remove_reference(0));
		assert_noop!(Registry::retire(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotOwner);
		assert_noop!(Registry::retire(RuntimeOrigin::signed(ALICE), 1), Error::<Test>::UnknownDataset);
		assert_ok!(Registry::retire(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		assert!(Datasets::<Test>::get(0).is_none());
		assert!(DatasetByContent::<Test>::get(content_hash(&data)).is_none());
		assert_eq!(UploadedPieces::<Test>::iter_prefix(0).count(), 0);
		// The same content may be registered again once retired.
		assert_ok!(register_inline(BOB, &data));
	});
}

#[test]
fn reference_counts_cannot_underflow() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register_uri(ALICE, H256::repeat_byte(4)));
		assert_noop!(Registry::remove_reference(0), Error::<Test>::ReferenceCountOverflow);
		assert_noop!(Registry::add_reference(3), Error::<Test>::UnknownDataset);
	});
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	/// A random step. Targets are picked among the datasets that exist when it runs (`pick`); the actor is
	/// the owner when `honest`, someone else otherwise, so sequences reach uploads, updates and
	/// retirements and still exercise the refusals.
	#[derive(Debug, Clone)]
	enum Step {
		Register { who: AccountId, seed: u8, len: usize, uri: bool },
		Upload { pick: usize, index: u32, honest: bool },
		UpdateMetadata { pick: usize, len: usize, honest: bool },
		Retire { pick: usize, honest: bool },
		AddReference { pick: usize },
		RemoveReference { pick: usize },
	}

	fn step() -> impl Strategy<Value = Step> {
		let who = prop_oneof![Just(ALICE), Just(BOB), Just(PAUPER)];
		let honest = || proptest::bool::weighted(0.85);
		prop_oneof![
			3 => (who, 0u8..6, 1usize..(PIECE_SIZE as usize * 2), any::<bool>())
				.prop_map(|(who, seed, len, uri)| Step::Register { who, seed, len, uri }),
			4 => (any::<usize>(), 0u32..3, honest()).prop_map(|(pick, index, honest)| Step::Upload { pick, index, honest }),
			2 => (any::<usize>(), 0usize..200, honest()).prop_map(|(pick, len, honest)| Step::UpdateMetadata { pick, len, honest }),
			1 => (any::<usize>(), honest()).prop_map(|(pick, honest)| Step::Retire { pick, honest }),
			1 => any::<usize>().prop_map(|pick| Step::AddReference { pick }),
			1 => any::<usize>().prop_map(|pick| Step::RemoveReference { pick }),
		]
	}

	fn run(step: Step, contents: &mut std::collections::BTreeMap<u64, Vec<u8>>) -> DispatchResult {
		let ids: Vec<u64> = { let mut v: Vec<u64> = Datasets::<Test>::iter_keys().collect(); v.sort(); v };
		let pick = |at: usize| (!ids.is_empty()).then(|| ids[at % ids.len()]);
		let owner = |id: u64| Datasets::<Test>::get(id).map_or(PAUPER, |d| d.owner);
		let actor = |id: u64, honest: bool| if honest { owner(id) } else if owner(id) == BOB { ALICE } else { BOB };
		match step {
			Step::Register { who, seed, len, uri } => {
				let data = content(len, seed);
				let id = NextDatasetId::<Test>::get();
				let result = if uri { register_uri(who, content_hash(&data)) } else { register_inline(who, &data) };
				if result.is_ok() {
					contents.insert(id, data);
				}
				result
			},
			Step::Upload { pick: at, index, honest } => {
				let Some(id) = pick(at) else { return Ok(()) };
				let piece = contents.get(&id).and_then(|c| pieces_of(c).get(index as usize).cloned()).unwrap_or_default();
				let piece = if honest { piece } else { piece.into_iter().map(|b| b ^ 1).collect() };
				upload(id, index, piece)
			},
			Step::UpdateMetadata { pick: at, len, honest } => {
				let Some(id) = pick(at) else { return Ok(()) };
				Registry::update_metadata(RuntimeOrigin::signed(actor(id, honest)), id, BoundedVec::truncate_from(vec![1; len]))
			},
			Step::Retire { pick: at, honest } => {
				let Some(id) = pick(at) else { return Ok(()) };
				Registry::retire(RuntimeOrigin::signed(actor(id, honest)), id).map(|_| ()).map_err(|e| e.error)
			},
			Step::AddReference { pick: at } => pick(at).map_or(Ok(()), Registry::add_reference),
			Step::RemoveReference { pick: at } => pick(at).map_or(Ok(()), Registry::remove_reference),
		}
	}

	proptest! {
		#![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

		/// Whatever happens, deposits held equal what the records say, indexes stay in sync, and no OPEN
		/// is created or lost.
		#[test]
		fn invariants_hold_over_random_sequences(steps in proptest::collection::vec(step(), 1..40)) {
			ExtBuilder::default().build().execute_with(|| {
				let issuance = Balances::total_issuance();
				let mut contents = Default::default();
				for step in steps {
					let _ = run(step, &mut contents);
					Pallet::<Test>::do_try_state().unwrap();
					prop_assert_eq!(Balances::total_issuance(), issuance);
				}
				Ok(())
			})?;
		}
	}

	/// The generator reaches uploads and retirements, so the property above is not vacuous.
	#[test]
	fn random_sequences_reach_uploads_and_retirements() {
		use proptest::{strategy::ValueTree, test_runner::{Config, RngAlgorithm, TestRng, TestRunner}};
		let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
		let (mut uploaded, mut retired) = (0usize, 0u64);
		for _ in 0..20 {
			let steps = proptest::collection::vec(step(), 30..40).new_tree(&mut runner).unwrap().current();
			ExtBuilder::default().build().execute_with(|| {
				let mut contents = Default::default();
				for step in steps {
					let _ = run(step, &mut contents);
				}
				uploaded += UploadedPieces::<Test>::iter().count();
				retired += NextDatasetId::<Test>::get() - Datasets::<Test>::iter().count() as u64;
			});
		}
		assert!(uploaded >= 20 && retired >= 5, "uploaded {uploaded} pieces, retired {retired} datasets");
	}
}
