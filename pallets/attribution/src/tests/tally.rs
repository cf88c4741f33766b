//! The integer tally: distances, medians, decisions.

use crate::features::tally::{decide, l1_distance, median, Decision};

#[test]
fn l1_counts_datasets_missing_from_either_side() {
	assert_eq!(l1_distance(&[(1, 10_000)], &[(1, 10_000)]), 0);
	assert_eq!(l1_distance(&[(1, 10_000)], &[(2, 10_000)]), 20_000);
	assert_eq!(l1_distance(&[(1, 6_000), (2, 4_000)], &[(1, 5_000), (3, 5_000)]), 1_000 + 4_000 + 5_000);
}

#[test]
fn median_is_per_dataset_and_normalised() {
	let a = [(1, 6_000), (2, 4_000)];
	let b = [(1, 5_000), (2, 5_000)];
	let c = [(1, 7_000), (3, 3_000)];
	// Dataset 1: 5 000, 6 000, 7 000 → 6 000; dataset 2: 0, 4 000, 5 000 → 4 000; dataset 3: 0, 0, 3 000 → 0.
	assert_eq!(median(&[&a, &b, &c], 8), Some(vec![(1, 6_000), (2, 4_000)]));
	// An even count takes the lower median: 5 000 and 4 000, scaled to 10 000 (5 555 + 4 444 + 1 remainder).
	assert_eq!(median(&[&a, &b], 8), Some(vec![(1, 5_556), (2, 4_444)]));
	// Disjoint vectors have all-zero medians: no median.
	assert_eq!(median(&[&[(1, 10_000)], &[(2, 10_000)]], 8), None);
	assert_eq!(median(&[], 8), None);
	// Too many datasets for an attribution.
	assert_eq!(median(&[&a], 1), None);
}

#[test]
fn median_sums_to_ten_thousand_and_gives_the_remainder_to_the_largest() {
	let a = [(1, 3_333), (2, 3_333), (3, 3_334)];
	let b = [(1, 3_000), (2, 3_000), (3, 4_000)];
	let c = [(1, 3_500), (2, 3_500), (3, 3_000)];
	let m = median(&[&a, &b, &c], 8).unwrap();
	assert_eq!(m.iter().map(|(_, w)| u32::from(*w)).sum::<u32>(), 10_000);
	assert_eq!(m, vec![(1, 3_333), (2, 3_333), (3, 3_334)]);
}

#[test]
fn decide_confirms_replaces_or_finds_no_quorum() {
	let server = [(1, 6_000), (2, 4_000)];
	let near = [(1, 6_200), (2, 3_800)];
	let far = [(3, 10_000)];
	assert_eq!(decide(&server, &[], 0, 500, 8), Decision::Confirm);
	assert_eq!(decide(&server, &[&near, &server, &far], 2, 500, 8), Decision::Confirm);
	assert_eq!(decide(&server, &[&far, &far, &near], 2, 500, 8), Decision::Replace(vec![(3, 10_000)]));
	assert_eq!(decide(&server, &[&far, &near], 2, 500, 8), Decision::NoQuorum);
	assert_eq!(decide(&server, &[], 1, 500, 8), Decision::NoQuorum);
}
