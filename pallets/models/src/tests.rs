//! Unit tests: every call's success and failure paths.
#![allow(clippy::default_constructed_unit_structs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec};
use sp_core::H256;
use sp_runtime::{DispatchError, DispatchResult};

use crate::{mock::*, *};

fn manifest(datanet: u32, version: u32, datasets: &[u64]) -> Manifest<Test> {
	Manifest {
		datanet,
		version,
		datasets: BoundedVec::truncate_from(datasets.to_vec()),
		hyperparameters_hash: H256::repeat_byte(7),
		influence_hash: H256::repeat_byte(8),
	}
}

fn register(who: AccountId, manifest: Manifest<Test>) -> DispatchResult {
	ModelsPallet::register(
		RuntimeOrigin::signed(who),
		H256::repeat_byte(1),
		Some(H256::repeat_byte(2)),
		manifest,
		25,
		BoundedVec::truncate_from(b"{\"name\":\"cardiology\"}".to_vec()),
	)
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ModelDeposit.into(), &who)
}

#[test]
fn register_records_the_model_and_holds_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(ALICE, manifest(0, 1, &[10, 12])));
		let model = Models::<Test>::get(0).unwrap();
		assert_eq!(model.owner, ALICE);
		assert_eq!(model.adapter, Some(H256::repeat_byte(2)));
		assert_eq!(model.manifest.datasets.to_vec(), vec![10, 12]);
		assert_eq!((model.fee, model.status, model.deposit), (25, ModelStatus::Active, MODEL_DEPOSIT));
		assert_eq!(held(ALICE), MODEL_DEPOSIT);
		assert_eq!(NextModelId::<Test>::get(), 1);
		System::assert_last_event(Event::ModelRegistered { model: 0, owner: ALICE, datanet: 0, version: 1 }.into());
		assert!(Pallet::<Test>::active_model(0).is_some());
	});
}

#[test]
fn register_refuses_manifests_that_do_not_match_the_version() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(register(ALICE, manifest(0, 1, &[])), Error::<Test>::NoDatasets);
		assert_noop!(register(ALICE, manifest(0, 1, &[11, 10])), Error::<Test>::DatasetsNotSorted);
		assert_noop!(register(ALICE, manifest(0, 1, &[10, 10])), Error::<Test>::DatasetsNotSorted);
		assert_noop!(register(ALICE, manifest(0, 2, &[10])), Error::<Test>::UnknownDataNetVersion);
		assert_noop!(register(ALICE, manifest(5, 1, &[10])), Error::<Test>::UnknownDataNetVersion);
		assert_noop!(register(ALICE, manifest(0, 1, &[10, 13])), Error::<Test>::DatasetNotInVersion);
		assert_noop!(register(PAUPER, manifest(0, 1, &[10])), Error::<Test>::InsufficientBalance);
		// A zero fee (below `MinFee`): every answer would cost validators work for nothing.
		assert_noop!(
			ModelsPallet::register(RuntimeOrigin::signed(ALICE), H256::zero(), None, manifest(0, 1, &[10]), 0, BoundedVec::new()),
			Error::<Test>::FeeTooLow
		);
		assert_noop!(
			ModelsPallet::register(
				RuntimeOrigin::none(),
				H256::zero(),
				None,
				manifest(0, 1, &[10]),
				1,
				BoundedVec::new()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_refuses_when_ids_run_out() {
	ExtBuilder::default().build_and_execute(|| {
		NextModelId::<Test>::put(ModelId::MAX);
		assert_noop!(register(ALICE, manifest(0, 1, &[10])), Error::<Test>::Overflow);
	});
}

#[test]
fn the_owner_changes_the_fee() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(ALICE, manifest(0, 1, &[10])));
		assert_ok!(ModelsPallet::set_fee(RuntimeOrigin::signed(ALICE), 0, 99));
		assert_eq!(Models::<Test>::get(0).unwrap().fee, 99);
		System::assert_last_event(Event::FeeChanged { model: 0, fee: 99 }.into());
		assert_noop!(ModelsPallet::set_fee(RuntimeOrigin::signed(ALICE), 0, 0), Error::<Test>::FeeTooLow);
		assert_noop!(ModelsPallet::set_fee(RuntimeOrigin::signed(BOB), 0, 1), Error::<Test>::NotOwner);
		assert_noop!(ModelsPallet::set_fee(RuntimeOrigin::signed(ALICE), 7, 1), Error::<Test>::UnknownModel);
	});
}

#[test]
fn retiring_releases_the_deposit_and_freezes_the_model() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(ALICE, manifest(0, 1, &[10])));
		assert_noop!(ModelsPallet::retire(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotOwner);
		assert_noop!(ModelsPallet::retire(RuntimeOrigin::signed(ALICE), 3), Error::<Test>::UnknownModel);
		assert_ok!(ModelsPallet::retire(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Models::<Test>::get(0).unwrap().status, ModelStatus::Retired);
		assert!(Pallet::<Test>::active_model(0).is_none());
		System::assert_last_event(Event::ModelRetired { model: 0 }.into());
		assert_noop!(ModelsPallet::retire(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ModelRetired);
		assert_noop!(ModelsPallet::set_fee(RuntimeOrigin::signed(ALICE), 0, 1), Error::<Test>::ModelRetired);
	});
}

#[test]
fn the_registry_trait_reports_terms_and_manifest_membership() {
	use openledger_primitives::model::ModelRegistry;
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(<Pallet<Test> as ModelRegistry<_, _>>::terms(0), None);
		assert_ok!(register(ALICE, manifest(0, 1, &[10, 12])));
		let terms = <Pallet<Test> as ModelRegistry<_, _>>::terms(0).unwrap();
		assert_eq!((terms.owner, terms.fee, terms.datanet, terms.version, terms.active), (ALICE, 25, 0, 1, true));
		assert!(<Pallet<Test> as ModelRegistry<AccountId, Balance>>::credits_all(0, &[10, 12]));
		assert!(<Pallet<Test> as ModelRegistry<AccountId, Balance>>::credits_all(0, &[12]));
		assert!(!<Pallet<Test> as ModelRegistry<AccountId, Balance>>::credits_all(0, &[10, 11]));
		assert!(!<Pallet<Test> as ModelRegistry<AccountId, Balance>>::credits_all(1, &[10]));
		assert_ok!(ModelsPallet::retire(RuntimeOrigin::signed(ALICE), 0));
		assert!(!<Pallet<Test> as ModelRegistry<AccountId, Balance>>::terms(0).unwrap().active);
	});
}
