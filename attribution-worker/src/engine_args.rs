//! The arguments that say which engine to build — a DataNet version's index, the attribution knobs — and
//! their conversion into the engine's [`EngineConfig`]. The CLI's defaults are the protocol's
//! ([`EngineConfig::new`]), which the chain client uses.

use attribution_engine::{
	attribute::{AblationMode, AttributionConfig, ContextLayout},
	chunk::ChunkParams,
	generate::AnswerForm,
	EngineConfig, IndexConfig,
};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Where a DataNet version and its index are.
#[derive(Args, Debug, Clone)]
pub struct IndexArgs {
	/// The version's manifest (datanet.json).
	#[arg(long)]
	pub manifest: PathBuf,
	/// Directory holding indexes, one file per DataNet version.
	#[arg(long, default_value = "indexes")]
	pub index_dir: PathBuf,
	/// Word pieces per chunk.
	#[arg(long, default_value_t = 64)]
	pub chunk_tokens: usize,
	/// Word pieces shared by neighbouring chunks.
	#[arg(long, default_value_t = 16)]
	pub chunk_overlap: usize,
}

/// How the served answer is produced: the prompt's chunk order and where the answer ends. Part of the
/// protocol (the defaults are its values); benches change them to measure the alternatives.
#[derive(Args, Debug, Clone, Copy)]
pub struct AnswerArgs {
	/// Order of the retrieved chunks in the prompt.
	#[arg(long, value_enum, default_value_t = Layout::MostSimilarFirst)]
	pub layout: Layout,
	/// What the answer may look like: a sentence quoted from the context, one generated sentence, or free text
	/// up to the token limit.
	#[arg(long, value_enum, default_value_t = Form::Quote)]
	pub answer_form: Form,
}

impl AnswerArgs {
	/// `config` with these answer settings.
	pub fn apply(&self, config: AttributionConfig) -> AttributionConfig {
		AttributionConfig { layout: self.layout.into(), answer_form: self.answer_form.into(), ..config }
	}
}

/// `--layout`: the engine's [`ContextLayout`] on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Layout {
	/// Retrieval order: the most similar chunk first.
	MostSimilarFirst,
	/// The most similar chunk last, next to the question.
	MostSimilarLast,
	/// The best chunks at both ends (the most similar last, the second first, …), the weakest in the middle.
	BothEnds,
}

impl From<Layout> for ContextLayout {
	fn from(layout: Layout) -> Self {
		match layout {
			Layout::MostSimilarFirst => ContextLayout::MostSimilarFirst,
			Layout::MostSimilarLast => ContextLayout::MostSimilarLast,
			Layout::BothEnds => ContextLayout::BothEnds,
		}
	}
}

/// `--answer-form`: the engine's [`AnswerForm`] on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Form {
	/// Free text until the end-of-turn token or the token limit.
	Free,
	/// One sentence on one line, without repeated phrases.
	OneSentence,
	/// One sentence copied verbatim from one retrieved context.
	Quote,
}

impl From<Form> for AnswerForm {
	fn from(form: Form) -> Self {
		match form {
			Form::Free => AnswerForm::Free,
			Form::OneSentence => AnswerForm::OneSentence,
			Form::Quote => AnswerForm::Quote,
		}
	}
}

/// A question over an indexed DataNet version.
#[derive(Args, Debug, Clone)]
pub struct AskArgs {
	#[command(flatten)]
	pub index: IndexArgs,
	/// The question.
	#[arg(long)]
	pub question: String,
	/// Chunks in the prompt.
	#[arg(long, default_value_t = 8)]
	pub k: usize,
	/// Chunks valued by KNN-Shapley.
	#[arg(long, default_value_t = 16)]
	pub candidates: usize,
	/// How chunks are removed for the ablation credit.
	#[arg(long, value_enum, default_value_t = Ablation::Exact)]
	pub ablation: Ablation,
	#[command(flatten)]
	pub answer: AnswerArgs,
	/// LoRA adapter (safetensors) to apply to the generator.
	#[arg(long)]
	pub adapter: Option<PathBuf>,
	/// The adapter's influence sketches (`influence.safetensors` from `train`): credit answers also by
	/// training-gradient influence.
	#[arg(long, requires = "adapter")]
	pub influence: Option<PathBuf>,
}

/// `--ablation`: the engine's [`AblationMode`] on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Ablation {
	/// Drop the chunk from the prompt and recompute everything after it (true leave-one-out).
	Exact,
	/// Hide the chunk from the question and answer with the attention mask (one prefix pass; ≈ k/2× faster).
	Masked,
}

impl From<Ablation> for AblationMode {
	fn from(ablation: Ablation) -> Self {
		match ablation {
			Ablation::Exact => AblationMode::Exact,
			Ablation::Masked => AblationMode::Masked,
		}
	}
}

impl From<&IndexArgs> for IndexConfig {
	fn from(args: &IndexArgs) -> Self {
		Self {
			manifest: args.manifest.clone(),
			index_dir: args.index_dir.clone(),
			chunking: ChunkParams { tokens: args.chunk_tokens, overlap: args.chunk_overlap },
		}
	}
}

impl From<&AskArgs> for EngineConfig {
	fn from(args: &AskArgs) -> Self {
		let attribution = args.answer.apply(AttributionConfig {
			k: args.k,
			candidates: args.candidates,
			ablation: args.ablation.into(),
			..AttributionConfig::default()
		});
		Self { index: (&args.index).into(), attribution }
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	#[derive(Parser)]
	struct Ask {
		#[command(flatten)]
		args: AskArgs,
	}

	#[test]
	fn the_cli_defaults_are_the_protocols() {
		let ask = Ask::try_parse_from(["ask", "--manifest", "m/datanet.json", "--question", "q"]).unwrap();
		assert_eq!(EngineConfig::from(&ask.args), EngineConfig::new("m/datanet.json".into(), "indexes".into()));
	}

	#[test]
	fn every_ablation_flag_is_named_as_the_engine_reports_it() {
		for flag in Ablation::value_variants() {
			let name = flag.to_possible_value().unwrap().get_name().to_owned();
			assert_eq!(serde_json::to_value(AblationMode::from(*flag)).unwrap(), name);
		}
		for flag in Layout::value_variants() {
			let name = flag.to_possible_value().unwrap().get_name().to_owned();
			assert_eq!(serde_json::to_value(ContextLayout::from(*flag)).unwrap(), name);
		}
		for flag in Form::value_variants() {
			let name = flag.to_possible_value().unwrap().get_name().to_owned();
			assert_eq!(serde_json::to_value(AnswerForm::from(*flag)).unwrap(), name);
		}
	}
}
