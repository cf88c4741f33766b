//! A proposal's validation report and the score computed from it: the one rule the worker that measures a
//! dataset and the chain that stores its score share (docs/VALIDATION.md defines every part).
//!
//! The report counts each parsed row once, under the first verdict that fits, in this order: empty or
//! boilerplate, another script than the DataNet's, a duplicate of a row of the DataNet's current version, a
//! duplicate of an earlier row of the same dataset; rows left are *usable*. Beside the counts it carries three
//! measurements made with the DataNet's own retriever and generator: relevance, and — when the DataNet has a
//! probe set — how much adding the dataset raises the probe answers' log-probability and their retrieval support.
//!
//! The score (0–100) is `usable share × merit`:
//! * usable share = usable rows ÷ max(rows parsed + rows refused, rows declared): refused rows, duplicates, empty
//!   rows and rows declared but absent all count against it;
//! * merit = relevance alone without a probe set, else
//!   [`RELEVANCE_WEIGHT`] % relevance + [`VALUE_WEIGHT`] % value, each part scaled to 0–1 between a floor and a
//!   full mark ([`RELEVANCE_FLOOR_BPS`]…[`RELEVANCE_FULL_BPS`], 0…[`ANSWER_GAIN_FULL_MILLINATS`],
//!   0…[`SUPPORT_GAIN_FULL_BPS`]); value is the mean of the answer part and the support part.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Basis points in one.
pub const BPS: u32 = 10_000;

/// Mean nearest-neighbour similarity (basis points of cosine) at or below which relevance counts nothing. The
/// floor and the full mark come from `attribution-worker bench validation` (docs/VALIDATION.md): off-topic prose
/// measured 0.15–0.19 against PubMedQA DataNets, new on-topic abstracts 0.39–0.47.
pub const RELEVANCE_FLOOR_BPS: u16 = 2_000;
/// Mean nearest-neighbour similarity at or above which relevance counts fully.
pub const RELEVANCE_FULL_BPS: u16 = 4_000;
/// Gain of the probe answers' mean log-probability per token (millinats) that counts fully: about a quarter of
/// what the probe questions' own abstracts give (0.16–0.50 nats/token measured), i.e. a dataset that answers a
/// quarter of the probe set that well gets the full mark.
pub const ANSWER_GAIN_FULL_MILLINATS: i32 = 100;
/// Gain of the probe answers' retrieval support (basis points of cosine) that counts fully: about a quarter of
/// what the probe questions' own abstracts give (0.31–0.38 measured).
pub const SUPPORT_GAIN_FULL_BPS: i16 = 800;
/// Share of merit (%) given to relevance when the DataNet has a probe set.
pub const RELEVANCE_WEIGHT: u32 = 40;
/// Share of merit (%) given to value when the DataNet has a probe set.
pub const VALUE_WEIGHT: u32 = 60;

/// How far two honest validators' measured parts may lie apart. Counts have no tolerance: they come from
/// parsing and integer hashing and are the same on every machine.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct ReportTolerance {
	pub relevance_bps: u16,
	pub answer_gain_millinats: u32,
	pub support_gain_bps: u16,
}

/// The tolerance validators' reports are compared with (docs/VALIDATION.md, "Agreement between validators").
pub const DEFAULT_REPORT_TOLERANCE: ReportTolerance =
	ReportTolerance { relevance_bps: 50, answer_gain_millinats: 20, support_gain_bps: 50 };

/// What a validator's worker measured on one proposed dataset.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	Debug,
	Default,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
	/// Rows that parse as the DataNet's content type (with its required fields).
	pub rows_parsed: u32,
	/// Rows that do not.
	pub rows_refused: u32,
	/// Parsed rows with too little text to be data (fewer than 3 words, or mostly not letters).
	pub rows_empty: u32,
	/// Parsed rows mostly written in another script than the DataNet's.
	pub rows_other_script: u32,
	/// Parsed rows that repeat a row of the DataNet's current version (same words, any order, ≥ 80 % shared).
	pub rows_in_datanet: u32,
	/// Parsed rows that repeat an earlier row of the same dataset (same measure).
	pub rows_repeated: u32,
	/// Mean over (up to 128 evenly spaced) usable rows of the cosine similarity to the nearest chunk of the
	/// DataNet's current version, in basis points (negative similarities count 0).
	pub relevance_bps: u16,
	/// Probe questions asked (0: the DataNet has no probe set, and the value parts are 0).
	pub probes: u16,
	/// Mean over probe questions of the gain in the reference answer's log-probability per token when the
	/// dataset joins the DataNet, in millinats.
	pub answer_gain_millinats: i32,
	/// Mean over probe questions of the gain in retrieval support (the best retrieved chunk's cosine similarity
	/// to the reference answer), in basis points.
	pub support_gain_bps: i16,
}

/// The score and the parts it is made of, each in basis points.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
	pub usable_bps: u32,
	pub relevance_bps: u32,
	/// 0 without a probe set.
	pub value_bps: u32,
	pub merit_bps: u32,
	/// 0–100.
	pub score: u8,
}

/// `x` scaled to basis points between `floor` (0) and `full` (10 000), clamped.
fn scaled(x: i64, floor: i64, full: i64) -> u32 {
	if x <= floor || full <= floor {
		return 0;
	}
	let span = full.saturating_sub(floor);
	let above = x.saturating_sub(floor).min(span);
	u32::try_from(above.saturating_mul(i64::from(BPS)).checked_div(span).unwrap_or(0)).unwrap_or(BPS)
}

impl ValidationReport {
	/// Rows that are neither empty, nor in another script, nor a duplicate.
	pub fn usable_rows(&self) -> u32 {
		self.rows_parsed
			.saturating_sub(self.rows_empty)
			.saturating_sub(self.rows_other_script)
			.saturating_sub(self.rows_in_datanet)
			.saturating_sub(self.rows_repeated)
	}

	/// The score of this report for a proposal that declared `declared_rows`.
	pub fn score(&self, declared_rows: u32) -> Score {
		let total = u64::from(self.rows_parsed.saturating_add(self.rows_refused).max(declared_rows));
		let usable_bps = u64::from(self.usable_rows())
			.saturating_mul(u64::from(BPS))
			.checked_div(total)
			.map_or(0, |x| u32::try_from(x.min(u64::from(BPS))).unwrap_or(BPS));
		let relevance_bps =
			scaled(i64::from(self.relevance_bps), i64::from(RELEVANCE_FLOOR_BPS), i64::from(RELEVANCE_FULL_BPS));
		let (value_bps, merit_bps) = if self.probes == 0 {
			(0, relevance_bps)
		} else {
			let answer = scaled(i64::from(self.answer_gain_millinats), 0, i64::from(ANSWER_GAIN_FULL_MILLINATS));
			let support = scaled(i64::from(self.support_gain_bps), 0, i64::from(SUPPORT_GAIN_FULL_BPS));
			let value = answer.saturating_add(support) / 2;
			let merit = RELEVANCE_WEIGHT
				.saturating_mul(relevance_bps)
				.saturating_add(VALUE_WEIGHT.saturating_mul(value))
				.checked_div(RELEVANCE_WEIGHT.saturating_add(VALUE_WEIGHT))
				.unwrap_or(0);
			(value, merit)
		};
		// usable × merit in bps² → 0–100, rounded to nearest.
		let product = u64::from(usable_bps).saturating_mul(u64::from(merit_bps));
		let score = product.saturating_add(500_000) / 1_000_000;
		Score { usable_bps, relevance_bps, value_bps, merit_bps, score: u8::try_from(score.min(100)).unwrap_or(100) }
	}
}

impl ValidationReport {
	/// Whether `other` agrees with this report: every count equal, every measured part within `tolerance`.
	pub fn agrees_with(&self, other: &Self, tolerance: &ReportTolerance) -> bool {
		let counts = |r: &Self| {
			(r.rows_parsed, r.rows_refused, r.rows_empty, r.rows_other_script, r.rows_in_datanet, r.rows_repeated, r.probes)
		};
		counts(self) == counts(other)
			&& self.relevance_bps.abs_diff(other.relevance_bps) <= tolerance.relevance_bps
			&& self.answer_gain_millinats.abs_diff(other.answer_gain_millinats) <= tolerance.answer_gain_millinats
			&& self.support_gain_bps.abs_diff(other.support_gain_bps) <= tolerance.support_gain_bps
	}
}

/// The lower median of `values` (sorted in place); `None` for none.
fn lower_median<V: Ord + Copy>(values: &mut [V]) -> Option<V> {
	values.sort_unstable();
	values.get(values.len().saturating_sub(1) / 2).copied()
}

/// A committee's report: the (lower) median of each part over `reports`, part by part; `None` for no report.
/// With a majority of honest reports within the tolerance of each other, every part of the median lies within
/// the range of honest values, whatever the others say.
pub fn median_report(reports: &[ValidationReport]) -> Option<ValidationReport> {
	fn part<V: Ord + Copy>(reports: &[ValidationReport], get: impl Fn(&ValidationReport) -> V) -> Option<V> {
		let mut values: alloc::vec::Vec<V> = reports.iter().map(get).collect();
		lower_median(&mut values)
	}
	Some(ValidationReport {
		rows_parsed: part(reports, |r| r.rows_parsed)?,
		rows_refused: part(reports, |r| r.rows_refused)?,
		rows_empty: part(reports, |r| r.rows_empty)?,
		rows_other_script: part(reports, |r| r.rows_other_script)?,
		rows_in_datanet: part(reports, |r| r.rows_in_datanet)?,
		rows_repeated: part(reports, |r| r.rows_repeated)?,
		relevance_bps: part(reports, |r| r.relevance_bps)?,
		probes: part(reports, |r| r.probes)?,
		answer_gain_millinats: part(reports, |r| r.answer_gain_millinats)?,
		support_gain_bps: part(reports, |r| r.support_gain_bps)?,
	})
}

/// Identifies a validation job (one per validated proposal).
pub type ValidationJobId = u64;

/// What a committee member commits to before revealing its report: the hash of the job, the member (its
/// validator account), the report and a secret salt, so that nobody can copy another member's report.
pub fn report_commitment<AccountId: Encode>(
	job: ValidationJobId,
	validator: &AccountId,
	report: &ValidationReport,
	salt: &[u8; 32],
) -> sp_core::H256 {
	sp_core::H256(sp_crypto_hashing::blake2_256(&(b"ol/validation", job, validator, report, salt).encode()))
}

/// Validation jobs as the DataNets pallet asks for them (the validation pallet).
pub trait ValidationJobs<AccountId, Balance> {
	/// Takes `fee` from `proposer` and opens a job measuring `dataset` against `version` of `datanet`.
	///
	/// # Errors
	/// When the fee cannot be paid, no validator is active, or a counter overflows.
	fn open(
		proposer: &AccountId,
		datanet: crate::dataset::DataNetId,
		dataset: crate::dataset::DatasetId,
		version: crate::dataset::VersionNumber,
		fee: Balance,
	) -> Result<ValidationJobId, sp_runtime::DispatchError>;

	/// The weight of [`ValidationJobs::open`], which the caller adds to its own.
	fn open_weight() -> sp_runtime::Weight;
}

/// Told when a validation job closes: with the committee's agreed report, or `None` without agreement.
pub trait OnValidated {
	/// Records the outcome of `job` on `dataset`'s proposal to `datanet`; returns the weight used.
	fn validated(
		datanet: crate::dataset::DataNetId,
		dataset: crate::dataset::DatasetId,
		job: ValidationJobId,
		report: Option<ValidationReport>,
	) -> sp_runtime::Weight;
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]
	use super::*;
	use proptest::prelude::*;

	fn report() -> impl Strategy<Value = ValidationReport> {
		(
			(0u32..50, 0u32..50, 0u32..50, 0u32..50, 0u32..50, 0u32..50),
			(any::<u16>(), any::<u16>(), any::<i32>(), any::<i16>()),
		)
			.prop_map(|((parsed, refused, empty, other, member, repeated), (relevance, probes, answer, support))| {
				ValidationReport {
					rows_parsed: parsed,
					rows_refused: refused,
					rows_empty: empty,
					rows_other_script: other,
					rows_in_datanet: member,
					rows_repeated: repeated,
					relevance_bps: relevance,
					probes,
					answer_gain_millinats: answer,
					support_gain_bps: support,
				}
			})
	}

	proptest! {
		#[test]
		fn the_median_report_lies_within_the_honest_majority(
			honest in report(),
			jitter in proptest::collection::vec((0u16..=50, 0i32..=20, 0i16..=50), 2..5),
			liars in proptest::collection::vec(report(), 0..2),
		) {
			// A majority of reports within the tolerance of `honest`, the rest anything at all.
			let mut reports: alloc::vec::Vec<ValidationReport> = jitter
				.iter()
				.map(|(r, a, s)| ValidationReport {
					relevance_bps: honest.relevance_bps.saturating_sub(*r),
					answer_gain_millinats: honest.answer_gain_millinats.saturating_add(*a),
					support_gain_bps: honest.support_gain_bps.saturating_sub(*s),
					..honest
				})
				.collect();
			let honest_count = reports.len();
			prop_assume!(liars.len() < honest_count);
			reports.extend(liars.iter().copied());
			let median = median_report(&reports).unwrap();
			let honest_reports = &reports[..honest_count];
			for r in honest_reports {
				prop_assert!(r.agrees_with(&honest, &DEFAULT_REPORT_TOLERANCE));
			}
			// Every part of the median lies within the honest reports' range for that part.
			macro_rules! within { ($f:ident) => {{
				let lo = honest_reports.iter().map(|r| r.$f).min().unwrap();
				let hi = honest_reports.iter().map(|r| r.$f).max().unwrap();
				prop_assert!(lo <= median.$f && median.$f <= hi, "{} {:?} outside {:?}..={:?}", stringify!($f), median.$f, lo, hi);
			}}; }
			within!(rows_parsed);
			within!(rows_in_datanet);
			within!(relevance_bps);
			within!(answer_gain_millinats);
			within!(support_gain_bps);
			within!(probes);
		}

		#[test]
		fn agreement_is_symmetric_and_reflexive(a in report(), b in report()) {
			prop_assert!(a.agrees_with(&a, &DEFAULT_REPORT_TOLERANCE));
			prop_assert_eq!(a.agrees_with(&b, &DEFAULT_REPORT_TOLERANCE), b.agrees_with(&a, &DEFAULT_REPORT_TOLERANCE));
		}
	}

	#[test]
	fn agreement_needs_equal_counts_and_close_measurements() {
		let a = useful();
		let tolerance = DEFAULT_REPORT_TOLERANCE;
		let within = ValidationReport {
			relevance_bps: a.relevance_bps + tolerance.relevance_bps,
			answer_gain_millinats: a.answer_gain_millinats - tolerance.answer_gain_millinats as i32,
			..a
		};
		assert!(a.agrees_with(&within, &tolerance));
		assert!(!a.agrees_with(&ValidationReport { relevance_bps: within.relevance_bps + 1, ..within }, &tolerance));
		assert!(!a.agrees_with(&ValidationReport { rows_repeated: 1, ..a }, &tolerance), "a count differs");
		assert_eq!(median_report(&[]), None);
		assert_eq!(median_report(&[a]), Some(a));
	}

	fn useful() -> ValidationReport {
		ValidationReport {
			rows_parsed: 10,
			relevance_bps: RELEVANCE_FULL_BPS,
			probes: 5,
			answer_gain_millinats: ANSWER_GAIN_FULL_MILLINATS,
			support_gain_bps: SUPPORT_GAIN_FULL_BPS,
			..Default::default()
		}
	}

	#[test]
	fn a_clean_relevant_valuable_dataset_scores_100() {
		let score = useful().score(10);
		assert_eq!(score, Score { usable_bps: BPS, relevance_bps: BPS, value_bps: BPS, merit_bps: BPS, score: 100 });
		// Over the full marks changes nothing.
		let more = ValidationReport {
			relevance_bps: 9_000,
			answer_gain_millinats: 5_000,
			support_gain_bps: 9_000,
			..useful()
		};
		assert_eq!(more.score(10).score, 100);
	}

	#[test]
	fn every_bad_row_and_every_missing_declared_row_counts_against_it() {
		for (report, declared, expected) in [
			(ValidationReport { rows_refused: 10, ..useful() }, 10, 50),
			(useful(), 20, 50),
			(useful(), 5, 100),
			(ValidationReport { rows_in_datanet: 5, ..useful() }, 10, 50),
			(ValidationReport { rows_repeated: 2, rows_empty: 3, rows_other_script: 1, ..useful() }, 10, 40),
			(ValidationReport { rows_in_datanet: 10, ..useful() }, 10, 0),
			(ValidationReport { rows_parsed: 0, ..useful() }, 0, 0),
			// Counted twice (a bad report): saturates at no usable rows, never wraps.
			(ValidationReport { rows_in_datanet: 8, rows_repeated: 8, ..useful() }, 10, 0),
		] {
			assert_eq!(report.score(declared).score, expected, "{report:?} declared {declared}");
		}
	}

	#[test]
	fn merit_weighs_relevance_and_value() {
		let floor = ValidationReport { relevance_bps: RELEVANCE_FLOOR_BPS, ..useful() };
		assert_eq!(floor.score(10).score, 60, "no relevance: value's 60 %");
		let no_value = ValidationReport { answer_gain_millinats: -300, support_gain_bps: -10, ..useful() };
		assert_eq!(no_value.score(10).score, 40, "a negative gain counts 0: relevance's 40 %");
		let half =
			ValidationReport { answer_gain_millinats: ANSWER_GAIN_FULL_MILLINATS, support_gain_bps: 0, ..useful() };
		assert_eq!(
			half.score(10),
			Score { usable_bps: BPS, relevance_bps: BPS, value_bps: 5_000, merit_bps: 7_000, score: 70 }
		);
		// Without a probe set merit is relevance alone.
		let no_probes = ValidationReport { probes: 0, answer_gain_millinats: 0, support_gain_bps: 0, ..useful() };
		assert_eq!(no_probes.score(10).score, 100);
		let midway = (u32::from(RELEVANCE_FLOOR_BPS) + u32::from(RELEVANCE_FULL_BPS)) / 2;
		let mid = ValidationReport { relevance_bps: midway as u16, ..no_probes };
		assert_eq!(mid.score(10).score, 50);
	}

	#[test]
	fn extremes_never_overflow() {
		let max = ValidationReport {
			rows_parsed: u32::MAX,
			rows_refused: u32::MAX,
			rows_empty: 0,
			rows_other_script: 0,
			rows_in_datanet: 0,
			rows_repeated: 0,
			relevance_bps: u16::MAX,
			probes: u16::MAX,
			answer_gain_millinats: i32::MAX,
			support_gain_bps: i16::MAX,
		};
		assert!(max.score(u32::MAX).score <= 100);
		let min = ValidationReport { answer_gain_millinats: i32::MIN, support_gain_bps: i16::MIN, ..max };
		assert!(min.score(0).score <= 100);
	}
}
