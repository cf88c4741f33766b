//! Small self-made models for tests: a 2-layer BERT with a word-piece vocabulary, and a 2-layer llama GGUF
//! with a byte-level BPE vocabulary and the ChatML tokens. Random weights; the tests check mechanics
//! (shapes, caching, batching, determinism, error paths), never quality.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use attribution_engine::{
	chunk::ChunkParams,
	datanet::{DataNetVersion, Dataset},
	embed::Embedder,
	generate::{llama::Llama, Generator},
	index::store::{build_index, StoredIndex},
	models::{EmbedderFiles, WeightFile},
};
use candle::{
	quantized::{gguf_file, GgmlDType, QTensor},
	DType, Device, Tensor,
};
use std::path::Path;
use tokenizers::{
	models::wordpiece::WordPiece, normalizers::BertNormalizer, pre_tokenizers::bert::BertPreTokenizer,
	processors::bert::BertProcessing, Tokenizer,
};

/// Makes glibc fill every block `malloc` hands out with one byte pattern (and every freed block with another),
/// for the rest of this test's process (nextest runs each test in its own). A kernel that leaves part of its
/// output unwritten then shows garbage (`0x5a5a5a5a` is about 1.5 · 10¹⁶ as f32) instead of an earlier pass's
/// freed buffer holding the right values. Returns whether glibc took it (false elsewhere: nothing is poisoned).
pub fn poison_allocations() -> bool {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		// SAFETY: mallopt only sets glibc's tuning parameters; glibc refuses by returning 0 what it does not take.
		unsafe { libc::mallopt(libc::M_PERTURB, 0xa5) == 1 }
	}
	#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
	{
		false
	}
}

pub const WORDS: &str = "the a of is and to in for with dose mg daily drug treats used side effect common patients \
	zorvatin melquizole tralpril store below degrees made by company fever cough pain heart lung liver what which \
	standard adult most condition manufactured";

/// Writes config.json, tokenizer.json and model.safetensors of a tiny BERT into `dir`.
pub fn tiny_bert(dir: &Path) -> EmbedderFiles {
	std::fs::create_dir_all(dir).unwrap();
	let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].iter().map(|s| s.to_string()).collect();
	vocab.extend(WORDS.split_whitespace().map(str::to_owned));
	vocab.extend("abcdefghijklmnopqrstuvwxyz0123456789".chars().map(|c| c.to_string()));
	vocab.extend("abcdefghijklmnopqrstuvwxyz0123456789".chars().map(|c| format!("##{c}")));
	vocab.extend([".", ",", "?", ":", ";", "-", "'"].iter().map(|s| s.to_string()));
	let vocab_path = dir.join("vocab.txt");
	std::fs::write(&vocab_path, vocab.join("\n")).unwrap();
	let wp = WordPiece::from_file(vocab_path.to_str().unwrap()).unk_token("[UNK]".into()).build().unwrap();
	let mut tok = Tokenizer::new(wp);
	tok.with_normalizer(Some(BertNormalizer::default())).unwrap();
	tok.with_pre_tokenizer(Some(BertPreTokenizer));
	tok.with_post_processor(Some(BertProcessing::new(("[SEP]".into(), 3), ("[CLS]".into(), 2))));
	tok.save(dir.join("tokenizer.json"), false).unwrap();
	let config = serde_json::json!({
		"vocab_size": vocab.len(), "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
		"intermediate_size": 64, "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "max_position_embeddings": 512,
		"type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0
	});
	std::fs::write(dir.join("config.json"), serde_json::to_vec(&config).unwrap()).unwrap();
	let cfg: candle_transformers::models::bert::Config = serde_json::from_value(config).unwrap();
	let varmap = candle_nn::VarMap::new();
	let vb = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
	candle_transformers::models::bert::BertModel::load(vb, &cfg).unwrap();
	varmap.save(dir.join("model.safetensors")).unwrap();
	EmbedderFiles::in_dir(dir)
}

/// Seeded pseudo-random tensor in [-scale, scale].
pub fn seeded(shape: (usize, usize), seed: u64, scale: f32) -> Tensor {
	let mut s = seed;
	let n = shape.0 * shape.1;
	let data: Vec<f32> = (0..n)
		.map(|_| {
			s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
			((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
		})
		.collect();
	Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
}

pub const LLAMA_DIM: usize = 32;
pub const LLAMA_FF: usize = 64;

/// Writes a tiny llama GGUF (2 layers, 4 heads, 2 KV heads, Q8_0 projections) with a ChatML vocabulary.
pub fn tiny_llama(path: &Path) -> WeightFile {
	let mut alphabet: Vec<char> = tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet().into_iter().collect();
	alphabet.sort_unstable();
	let mut tokens: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
	// A few merges so the BPE is exercised.
	let merges = ["t h", "th e", "Ġ th", "Ġth e", "i n", "o n"];
	for m in merges {
		tokens.push(m.replace(' ', ""));
	}
	tokens.extend(["<|endoftext|>", "<|im_start|>", "<|im_end|>"].iter().map(|s| s.to_string()));
	let n = tokens.len();
	let types: Vec<gguf_file::Value> = (0..n).map(|i| gguf_file::Value::I32(if i + 3 >= n { 3 } else { 1 })).collect();
	let (dim, ff, kv) = (LLAMA_DIM, LLAMA_FF, LLAMA_DIM / 2);
	let v = |x| gguf_file::Value::U32(x);
	let md: Vec<(&str, gguf_file::Value)> = vec![
		("general.architecture", gguf_file::Value::String("llama".into())),
		("llama.attention.head_count", v(4)),
		("llama.attention.head_count_kv", v(2)),
		("llama.block_count", v(2)),
		("llama.embedding_length", v(dim as u32)),
		("llama.context_length", v(512)),
		("llama.rope.freq_base", gguf_file::Value::F32(10_000.0)),
		("llama.rope.dimension_count", v((dim / 4) as u32)),
		("llama.attention.layer_norm_rms_epsilon", gguf_file::Value::F32(1e-5)),
		("tokenizer.ggml.model", gguf_file::Value::String("gpt2".into())),
		(
			"tokenizer.ggml.tokens",
			gguf_file::Value::Array(tokens.iter().map(|t| gguf_file::Value::String(t.clone())).collect()),
		),
		(
			"tokenizer.ggml.merges",
			gguf_file::Value::Array(merges.iter().map(|m| gguf_file::Value::String(m.to_string())).collect()),
		),
		("tokenizer.ggml.token_type", gguf_file::Value::Array(types)),
		("tokenizer.ggml.eos_token_id", v((n - 1) as u32)),
	];
	let q =
		|t: Tensor, quant: bool| QTensor::quantize(&t, if quant { GgmlDType::Q8_0 } else { GgmlDType::F32 }).unwrap();
	let ones = |len: usize| Tensor::ones((len,), DType::F32, &Device::Cpu).unwrap();
	let mut tensors: Vec<(String, QTensor)> = vec![
		("token_embd.weight".into(), q(seeded((n, dim), 1, 1.0), false)),
		("output_norm.weight".into(), QTensor::quantize(&ones(dim), GgmlDType::F32).unwrap()),
	];
	for l in 0..2u64 {
		let p = format!("blk.{l}");
		let s = 100 * (l + 1);
		tensors.push((format!("{p}.attn_q.weight"), q(seeded((dim, dim), s + 1, 0.3), true)));
		tensors.push((format!("{p}.attn_k.weight"), q(seeded((kv, dim), s + 2, 0.3), true)));
		tensors.push((format!("{p}.attn_v.weight"), q(seeded((kv, dim), s + 3, 0.3), true)));
		tensors.push((format!("{p}.attn_output.weight"), q(seeded((dim, dim), s + 4, 0.3), true)));
		tensors.push((format!("{p}.ffn_gate.weight"), q(seeded((ff, dim), s + 5, 0.3), true)));
		tensors.push((format!("{p}.ffn_up.weight"), q(seeded((ff, dim), s + 6, 0.3), true)));
		tensors.push((format!("{p}.ffn_down.weight"), q(seeded((dim, ff), s + 7, 0.3), true)));
		tensors.push((format!("{p}.attn_norm.weight"), QTensor::quantize(&ones(dim), GgmlDType::F32).unwrap()));
		tensors.push((format!("{p}.ffn_norm.weight"), QTensor::quantize(&ones(dim), GgmlDType::F32).unwrap()));
	}
	let mut f = std::fs::File::create(path).unwrap();
	let md_refs: Vec<(&str, &gguf_file::Value)> = md.iter().map(|(k, v)| (*k, v)).collect();
	let t_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
	gguf_file::write(&mut f, &md_refs, &t_refs).unwrap();
	WeightFile::unpinned(path)
}

pub fn tiny_generator(dir: &Path) -> Generator {
	Generator::load(&tiny_llama(&dir.join("tiny.gguf")), false).unwrap()
}

pub fn tiny_llama_model(dir: &Path) -> Llama {
	Llama::from_gguf_file(&tiny_llama(&dir.join("tiny-model.gguf")).path, false, &Device::Cpu).unwrap().0
}

/// A small DataNet version in memory.
pub fn tiny_version(texts: &[(u64, &str)]) -> DataNetVersion {
	let datasets = texts
		.iter()
		.map(|(id, t)| {
			Dataset::from_bytes(
				*id,
				format!("d{id}"),
				String::new(),
				format!("d{id}.txt").into(),
				t.as_bytes().to_vec(),
			)
			.unwrap()
		})
		.collect();
	DataNetVersion::new(1, 1, datasets).unwrap()
}

pub fn tiny_index(embedder: &Embedder, version: &DataNetVersion) -> StoredIndex {
	build_index(embedder, "tiny-bert", version, ChunkParams { tokens: 12, overlap: 4 }, None, &mut |_, _| {}).unwrap().0
}

pub fn load_tiny_embedder(dir: &Path) -> Embedder {
	Embedder::load(&tiny_bert(dir)).unwrap()
}
