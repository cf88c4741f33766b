//! The attribution rules: construction, decoding, distance, median, decision — with property tests over random
//! vectors.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;
use codec::{Decode, Encode};
use proptest::prelude::*;
use sp_core::ConstU32;

type A = Attribution<ConstU32<8>>;

fn a(shares: &[(u64, u16)]) -> A {
	A::try_new(shares.to_vec()).unwrap()
}

#[test]
fn only_canonical_vectors_are_attributions() {
	assert_eq!(A::try_new(vec![]), Err(AttributionError::NotWhole));
	assert_eq!(A::try_new(vec![(1, 9_999)]), Err(AttributionError::NotWhole));
	assert_eq!(A::try_new(vec![(1, 5_000), (2, 5_001)]), Err(AttributionError::NotWhole));
	assert_eq!(A::try_new(vec![(2, 5_000), (1, 5_000)]), Err(AttributionError::DuplicateOrUnsorted));
	assert_eq!(A::try_new(vec![(1, 5_000), (1, 5_000)]), Err(AttributionError::DuplicateOrUnsorted));
	assert_eq!(A::try_new(vec![(1, 10_000), (2, 0)]), Err(AttributionError::ZeroWeight));
	let nine: Vec<_> = (0..9).map(|d| (d, if d == 0 { 2_000 } else { 1_000 })).collect();
	assert_eq!(A::try_new(nine.clone()), Err(AttributionError::TooManyDatasets));
	assert!(Attribution::<ConstU32<9>>::try_new(nine).is_ok());
	assert_eq!(a(&[(1, 6_000), (4, 4_000)]).shares(), &[(1, 6_000), (4, 4_000)]);
}

#[test]
fn scores_are_sorted_and_stripped_of_zeros_but_never_rescaled() {
	let from = A::from_scores([(5, 2_500), (2, 7_500), (9, 0)]).unwrap();
	assert_eq!(from.shares(), &[(2, 7_500), (5, 2_500)]);
	assert_eq!(A::from_scores([(1, 70_000)]), Err(AttributionError::NotWhole));
	assert_eq!(A::from_scores([(1, 5_000)]), Err(AttributionError::NotWhole));
	assert_eq!(A::from_scores([(1, 5_000), (1, 5_000)]), Err(AttributionError::DuplicateOrUnsorted));
}

#[test]
fn an_invalid_vector_does_not_decode() {
	let valid = a(&[(1, 6_000), (2, 4_000)]);
	assert_eq!(A::decode(&mut &valid.encode()[..]).unwrap(), valid);
	// Same encoding as the plain vector: storage written before the type existed decodes unchanged.
	assert_eq!(valid.encode(), vec![(1u64, 6_000u16), (2, 4_000)].encode());
	for invalid in [vec![(1u64, 6_000u16)], vec![(2, 5_000), (1, 5_000)], vec![(1, 10_000), (2, 0)], vec![]] {
		assert!(A::decode(&mut &invalid.encode()[..]).is_err(), "{invalid:?} decoded");
	}
	let nine: Vec<(u64, u16)> = (0..9).map(|d| (d, if d == 0 { 2_000 } else { 1_000 })).collect();
	assert!(A::decode(&mut &nine.encode()[..]).is_err());
}

#[test]
fn rebinding_checks_the_new_bound() {
	let three = Attribution::<Unbounded>::try_new(vec![(1, 4_000), (2, 3_000), (3, 3_000)]).unwrap();
	assert!(three.fits(3) && !three.fits(2));
	assert!(three.clone().rebound::<ConstU32<3>>().is_ok());
	assert_eq!(three.rebound::<ConstU32<2>>(), Err(AttributionError::TooManyDatasets));
}

#[test]
fn l1_counts_datasets_missing_from_either_side() {
	assert_eq!(l1_distance(&[(1, 10_000)], &[(1, 10_000)]), 0);
	assert_eq!(l1_distance(&[(1, 10_000)], &[(2, 10_000)]), 20_000);
	assert_eq!(l1_distance(&[(1, 6_000), (2, 4_000)], &[(1, 5_000), (3, 5_000)]), 1_000 + 4_000 + 5_000);
	assert_eq!(l1_distance(&[(3, 10_000)], &[(1, 5_000), (2, 5_000)]), 20_000);
}

#[test]
fn median_is_per_dataset_and_normalised() {
	let x = a(&[(1, 6_000), (2, 4_000)]);
	let y = a(&[(1, 5_000), (2, 5_000)]);
	let z = a(&[(1, 7_000), (3, 3_000)]);
	// Dataset 1: 5 000, 6 000, 7 000 → 6 000; dataset 2: 0, 4 000, 5 000 → 4 000; dataset 3: 0, 0, 3 000 → 0.
	assert_eq!(A::median(&[&x, &y, &z]), Some(a(&[(1, 6_000), (2, 4_000)])));
	// An even count takes the lower median: 5 000 and 4 000, scaled to 10 000 (5 555 + 4 444 + 1 remainder).
	assert_eq!(A::median(&[&x, &y]), Some(a(&[(1, 5_556), (2, 4_444)])));
	// Disjoint vectors have all-zero medians: no median.
	assert_eq!(A::median(&[&a(&[(1, 10_000)]), &a(&[(2, 10_000)])]), None);
	assert_eq!(A::median(&[]), None);
	// Too many datasets for the bound.
	let wide = Attribution::<ConstU32<2>>::try_new(vec![(1, 6_000), (2, 4_000)]).unwrap();
	let narrow = wide.clone().rebound::<ConstU32<1>>();
	assert!(narrow.is_err());
	assert!(Attribution::<ConstU32<2>>::median(&[&wide]).is_some());
}

#[test]
fn median_sums_to_ten_thousand_and_gives_the_remainder_to_the_largest() {
	let x = a(&[(1, 3_333), (2, 3_333), (3, 3_334)]);
	let y = a(&[(1, 3_000), (2, 3_000), (3, 4_000)]);
	let z = a(&[(1, 3_500), (2, 3_500), (3, 3_000)]);
	assert_eq!(A::median(&[&x, &y, &z]), Some(a(&[(1, 3_333), (2, 3_333), (3, 3_334)])));
}

#[test]
fn decide_confirms_replaces_or_finds_no_quorum() {
	let server = a(&[(1, 6_000), (2, 4_000)]);
	let near = a(&[(1, 6_200), (2, 3_800)]);
	let far = a(&[(3, 10_000)]);
	assert_eq!(A::decide(Some(&server), &[], 0, 500), Decision::Confirm);
	assert_eq!(A::decide(Some(&server), &[&near, &server, &far], 2, 500), Decision::Confirm);
	assert_eq!(A::decide(Some(&server), &[&far, &far, &near], 2, 500), Decision::Replace(far.clone()));
	assert_eq!(A::decide(Some(&server), &[&far, &near], 2, 500), Decision::NoQuorum);
	assert_eq!(A::decide(Some(&server), &[], 1, 500), Decision::NoQuorum);
	// A server that never revealed: only a quorum of the committee decides.
	assert_eq!(A::decide(None, &[&far, &far, &near], 2, 500), Decision::Replace(far.clone()));
	assert_eq!(A::decide(None, &[&far, &near], 2, 500), Decision::NoQuorum);
	assert_eq!(A::decide(None, &[], 0, 500), Decision::NoQuorum);
}

/// Random valid attributions: up to 8 distinct datasets below 20, weights summing to 10 000.
fn attribution() -> impl Strategy<Value = A> {
	proptest::collection::btree_map(0u64..20, 1u32..1_000, 1..=8).prop_map(|raw| {
		let sum: u32 = raw.values().sum();
		let mut scores: Vec<(u64, u32)> = raw.into_iter().map(|(d, w)| (d, w * 10_000 / sum)).collect();
		let short = 10_000 - scores.iter().map(|(_, w)| w).sum::<u32>();
		scores[0].1 += short;
		A::from_scores(scores).unwrap()
	})
}

proptest! {
	#[test]
	fn l1_is_a_metric_bounded_by_twenty_thousand(x in attribution(), y in attribution(), z in attribution()) {
		prop_assert_eq!(x.l1_distance(&x), 0);
		prop_assert_eq!(x.l1_distance(&y), y.l1_distance(&x));
		prop_assert!(x.l1_distance(&y) <= 20_000);
		prop_assert!(x.l1_distance(&z) <= x.l1_distance(&y) + y.l1_distance(&z));
	}

	#[test]
	fn the_median_is_an_attribution_and_of_one_is_itself(
		xs in proptest::collection::vec(attribution(), 1..7),
	) {
		let refs: Vec<&A> = xs.iter().collect();
		if let Some(median) = A::median(&refs) {
			// Valid by construction; re-checking the shares proves it.
			prop_assert_eq!(A::try_new(median.shares().to_vec()), Ok(median.clone()));
		}
		prop_assert_eq!(A::median(&[&xs[0]]), Some(xs[0].clone()));
	}

	#[test]
	fn a_unanimous_committee_confirms_and_roundtrips(x in attribution(), quorum in 0usize..4) {
		let reveals = vec![&x; 3];
		prop_assert_eq!(A::decide(Some(&x), &reveals, quorum, 0), Decision::Confirm);
		prop_assert_eq!(A::decode(&mut &x.encode()[..]).unwrap(), x);
	}
}
