//! Validation: the policy, the job a proposal opens, the score it comes back with, and the approval gate.

use frame_support::{assert_noop, assert_ok, BoundedVec};
use openledger_primitives::{
	dataset::{ContentType, DataNetPolicy, ProposalValidation, ValidationPolicy},
	validation::{OnValidated, ValidationReport},
};

use super::*;

const FEE: Balance = 25;

fn validation(min_score: u8) -> ValidationPolicyOf<Test> {
	ValidationPolicy {
		content_type: ContentType::Jsonl,
		required_fields: BoundedVec::truncate_from(vec![BoundedVec::truncate_from(b"text".to_vec())]),
		probe_set: None,
		min_score,
		fee: FEE,
	}
}

/// A DataNet of ALICE's that validates with `min_score`.
fn create_validating(min_score: u8) -> u32 {
	let id = NextDataNetId::<Test>::get();
	assert_ok!(DataNetsPallet::create(
		RuntimeOrigin::signed(ALICE),
		BoundedVec::truncate_from(b"validated".to_vec()),
		BoundedVec::new(),
		DataNetPolicy { validation: Some(validation(min_score)), ..policy(5, 10_000) },
	));
	id
}

/// A report whose score, for one declared row, is `score_of(report)`.
fn report(relevance_bps: u16) -> ValidationReport {
	ValidationReport { rows_parsed: 1, relevance_bps, ..Default::default() }
}

fn score_of(report: ValidationReport) -> u8 {
	report.score(1).score
}

#[test]
fn a_validation_policy_is_checked_at_creation_and_when_a_curator_sets_it() {
	ExtBuilder::default().build_and_execute(|| {
		let with = |v: ValidationPolicyOf<Test>| DataNetPolicy { validation: Some(v), ..policy(5, 10_000) };
		let name = || BoundedVec::truncate_from(b"n".to_vec());
		let bad = || [
			(ValidationPolicy { min_score: 101, ..validation(0) }, Error::<Test>::InvalidValidationPolicy),
			(ValidationPolicy { content_type: ContentType::Text, ..validation(0) }, Error::<Test>::InvalidValidationPolicy),
			(
				ValidationPolicy { required_fields: BoundedVec::truncate_from(vec![BoundedVec::new()]), ..validation(0) },
				Error::<Test>::InvalidValidationPolicy,
			),
			(ValidationPolicy { probe_set: Some(999), ..validation(0) }, Error::<Test>::InvalidProbeSet),
		];
		for (policy, error) in bad() {
			assert_noop!(DataNetsPallet::create(RuntimeOrigin::signed(ALICE), name(), BoundedVec::new(), with(policy)), error);
		}
		assert_ok!(create(ALICE));
		for (policy, error) in bad() {
			assert_noop!(DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), 0, Some(policy)), error);
		}
		assert_noop!(
			DataNetsPallet::set_validation(RuntimeOrigin::signed(BOB), 0, Some(validation(10))),
			Error::<Test>::NotCurator
		);
		assert_noop!(
			DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), 9, Some(validation(10))),
			Error::<Test>::UnknownDataNet
		);
		let probes = dataset(BOB, 40);
		let good = ValidationPolicy { probe_set: Some(probes), ..validation(10) };
		assert_ok!(DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), 0, Some(good.clone())));
		System::assert_last_event(Event::ValidationPolicySet { datanet: 0, curator: ALICE, policy: Some(good.clone()) }.into());
		assert_eq!(DataNets::<Test>::get(0).unwrap().policy.validation, Some(good));
		assert_eq!(DataNetsPallet::datanet_view(0).unwrap().validation.unwrap().probe_set, Some(probes));
		assert_ok!(DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), 0, None));
		assert_eq!(DataNets::<Test>::get(0).unwrap().policy.validation, None);
	});
}

#[test]
fn a_proposal_to_a_validating_datanet_opens_a_job_and_waits_for_its_score() {
	ExtBuilder::default().build_and_execute(|| {
		let net = create_validating(30);
		let data = dataset(BOB, 1);
		assert_ok!(propose(BOB, net, data));
		assert_eq!(opened_jobs(), vec![(BOB, net, data, 0, FEE)]);
		let proposal = Proposals::<Test>::get(net, data).unwrap();
		assert_eq!((proposal.version, proposal.validation), (0, ProposalValidation::Pending(0)));
		assert_noop!(approve(ALICE, net, data), Error::<Test>::ValidationPending);

		DataNetsPallet::validated(net, data, 0, Some(report(3_500)));
		let score = score_of(report(3_500));
		assert!(score >= 30, "{score}");
		System::assert_last_event(Event::ProposalValidated { datanet: net, dataset: data, job: 0, score: Some(score) }.into());
		let view = DataNetsPallet::proposal_view(net, data).unwrap();
		assert_eq!(view.validation, ProposalValidation::Scored { report: report(3_500), score });
		assert_ok!(approve(ALICE, net, data));
	});
}

#[test]
fn a_score_below_the_minimum_or_no_agreed_score_cannot_be_approved() {
	ExtBuilder::default().build_and_execute(|| {
		let net = create_validating(60);
		let (low, unscored) = (dataset(BOB, 1), dataset(BOB, 2));
		assert_ok!(propose(BOB, net, low));
		assert_ok!(propose(BOB, net, unscored));
		DataNetsPallet::validated(net, low, 0, Some(report(2_500)));
		assert!(score_of(report(2_500)) < 60);
		DataNetsPallet::validated(net, unscored, 1, None);
		assert_noop!(approve(ALICE, net, low), Error::<Test>::ScoreTooLow);
		assert_noop!(approve(ALICE, net, unscored), Error::<Test>::NotValidated);
		// Rejecting stays possible, and returns the deposit.
		assert_ok!(DataNetsPallet::reject(RuntimeOrigin::signed(ALICE), net, low, 1));
		// With no minimum, a decided but unscored proposal is the curators' call.
		assert_ok!(DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), net, Some(validation(0))));
		assert_ok!(approve(ALICE, net, unscored));
	});
}

#[test]
fn a_late_outcome_for_a_withdrawn_or_reproposed_dataset_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let net = create_validating(10);
		let data = dataset(BOB, 1);
		assert_ok!(propose(BOB, net, data));
		assert_ok!(DataNetsPallet::withdraw(RuntimeOrigin::signed(BOB), net, data));
		DataNetsPallet::validated(net, data, 0, Some(report(4_000)));
		assert!(Proposals::<Test>::get(net, data).is_none());
		assert_ok!(propose(BOB, net, data));
		DataNetsPallet::validated(net, data, 0, Some(report(4_000)));
		assert_eq!(Proposals::<Test>::get(net, data).unwrap().validation, ProposalValidation::Pending(1));
	});
}

#[test]
fn a_proposal_the_validation_pallet_refuses_is_not_made() {
	ExtBuilder::default().build_and_execute(|| {
		let net = create_validating(10);
		let data = dataset(BOB, 1);
		refuse_jobs(true);
		assert_noop!(propose(BOB, net, data), sp_runtime::DispatchError::Other("no validators"));
	});
}

#[test]
fn proposals_opened_before_the_datanet_validated_are_judged_as_before() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(create(ALICE));
		let data = dataset(BOB, 1);
		assert_ok!(propose(BOB, 0, data));
		assert!(opened_jobs().is_empty());
		assert_ok!(DataNetsPallet::set_validation(RuntimeOrigin::signed(ALICE), 0, Some(validation(90))));
		assert_eq!(Proposals::<Test>::get(0, data).unwrap().validation, ProposalValidation::NotRequired);
		assert_ok!(approve(ALICE, 0, data));
	});
}
