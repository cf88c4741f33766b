//! A synthetic DataNet for measuring attribution: each dataset is a formulary note on one fictional drug,
//! with facts found nowhere else (its indication, dose, side effect, manufacturer); each question asks for one
//! fact, so the dataset that should be credited is known. Generated from a seed, so runs are comparable.

use crate::{
	datanet::{DataNetVersion, Dataset},
	error::Result,
	rng::SplitMix64,
};
use std::path::PathBuf;

const PREFIXES: [&str; 16] =
	["Zor", "Mel", "Quin", "Tral", "Vex", "Dor", "Lum", "Cal", "Ner", "Sab", "Fen", "Pril", "Os", "Tem", "Gav", "Rhu"];
const MIDDLES: [&str; 8] = ["va", "qui", "lo", "ter", "ma", "ri", "po", "xa"];
const SUFFIXES: [&str; 8] = ["tin", "zole", "pril", "mab", "vir", "dine", "cillin", "stat"];
const CONDITIONS: [&str; 16] = [
	"atrial fibrillation",
	"fungal keratitis",
	"migraine with aura",
	"plaque psoriasis",
	"community-acquired pneumonia",
	"gout flares",
	"restless legs syndrome",
	"chronic hepatitis B",
	"iron-deficiency anaemia",
	"acute mountain sickness",
	"rheumatoid arthritis",
	"overactive bladder",
	"open-angle glaucoma",
	"Lyme disease",
	"cluster headache",
	"ulcerative colitis",
];
const EFFECTS: [&str; 12] = [
	"a metallic taste",
	"blue-tinted vision",
	"night sweats",
	"hiccups",
	"ankle swelling",
	"a dry cough",
	"vivid dreams",
	"hair thinning",
	"ringing in the ears",
	"muscle cramps",
	"photosensitivity",
	"heartburn",
];
const MAKERS: [&str; 10] = [
	"Halvorsen Labs",
	"Quillfeather Pharma",
	"Brightwater Therapeutics",
	"Ostrava Biologics",
	"Kestrel Medica",
	"Marlowe & Finch",
	"Tidewell Health",
	"Corvid Pharmaceuticals",
	"Aldergrove Bio",
	"Sunreach Labs",
];

/// A question with the dataset that holds its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
	pub question: String,
	pub dataset: u64,
	/// The fact's distinctive words (to check an answer).
	pub expected: String,
}

/// A generated DataNet and its probes.
#[derive(Clone, Debug)]
pub struct SyntheticDataNet {
	pub version: DataNetVersion,
	pub probes: Vec<Probe>,
}

/// One of `items`, drawn with `rng`.
fn pick<'a>(rng: &mut SplitMix64, items: &[&'a str]) -> &'a str {
	items.get(rng.below(items.len())).copied().unwrap_or_default()
}

/// Generates `datasets` formulary notes (ids 1..=datasets) with one probe per fact.
///
/// # Errors
/// Only if `datasets` is 0.
pub fn formulary(datasets: usize, seed: u64) -> Result<SyntheticDataNet> {
	let mut rng = SplitMix64(seed);
	let mut names = std::collections::BTreeSet::new();
	let mut out = Vec::with_capacity(datasets);
	let mut probes = Vec::new();
	for i in 0..datasets {
		let id = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
		let name = loop {
			let n = format!("{}{}{}", pick(&mut rng, &PREFIXES), pick(&mut rng, &MIDDLES), pick(&mut rng, &SUFFIXES));
			if names.insert(n.clone()) {
				break n;
			}
		};
		let condition = pick(&mut rng, &CONDITIONS);
		let effect = pick(&mut rng, &EFFECTS);
		let maker = pick(&mut rng, &MAKERS);
		let dose = 5u64.saturating_add(rng.next() % 96).saturating_mul(5);
		let text = format!(
			"Formulary note: {name}.\n\
			 {name} is a prescription medicine used to treat {condition}. \
			 The standard adult dose of {name} is {dose} mg once daily, taken with food. \
			 The most common side effect of {name} is {effect}, reported by about one patient in ten. \
			 {name} is manufactured by {maker}. \
			 Store {name} below 25 degrees and keep it away from children. \
			 Patients should not stop taking {name} without talking to their clinician.\n"
		);
		probes.push(Probe {
			question: format!("What is the standard adult dose of {name}?"),
			dataset: id,
			expected: format!("{dose} mg"),
		});
		probes.push(Probe {
			question: format!("What condition is {name} used to treat?"),
			dataset: id,
			expected: condition.into(),
		});
		probes.push(Probe {
			question: format!("What is the most common side effect of {name}?"),
			dataset: id,
			expected: effect.into(),
		});
		probes.push(Probe {
			question: format!("Which company manufactures {name}?"),
			dataset: id,
			expected: maker.into(),
		});
		out.push(Dataset::from_bytes(
			id,
			name.to_lowercase(),
			String::new(),
			PathBuf::from(format!("{name}.txt")),
			text.into_bytes(),
		)?);
	}
	Ok(SyntheticDataNet { version: DataNetVersion::new(1, 1, out)?, probes })
}
