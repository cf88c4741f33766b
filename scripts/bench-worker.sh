#!/usr/bin/env bash
# The worker's benchmarks: speed (as ratios against sentence-transformers and faiss, measured in the same run)
# attribution quality on a synthetic DataNet and on PubMedQA, and OpenLoRA (1 000 adapters on one base, tokens/s
# against one adapter). Sets up its own Python reference env (~6 GB, once) for speed.
# Also the bf16 products alone, on every kernel this CPU runs, as a share of their instruction's peak (products).
# Results: target/bench-worker/{speed,products,quality,pubmedqa,datainf,grounding,openlora}.json (+ pubmedqa.png, pubmedqa-records.jsonl);
# docs/BENCHMARKS.md, docs/ATTRIBUTION.md and docs/MODELFACTORY.md quote them.
#   scripts/bench-worker.sh [speed|products|quality|pubmedqa|datainf|grounding|openlora|all]   (default all)
# PUBMEDQA_LIMIT (default 24) questions per part; about 2–3 minutes each on 2 cores (the 256-subset table).
# DATAINF_TRAIN / DATAINF_TEST (default 90 / 10, the paper's) sentences per class; ≈ 45 min at 90 / 10 on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
what=${1:-all}
load_env
cd "$PROJECT_ROOT"
bash "$here/fetch-models.sh"

step "build (the same one build as test.sh and dev.sh)"
build_all
ok
worker="$CARGO_TARGET_DIR/release/attribution-worker"
out="$PROJECT_ROOT/target/bench-worker"
mkdir -p "$out"

if [ "$what" = speed ] || [ "$what" = all ]; then
	step "Python reference env (sentence-transformers, faiss)"
	python=$(bash "$PROJECT_ROOT/attribution-worker/reference/setup-env.sh")
	ok "$python"
	step "speed: embeddings/s, exact top-10 over 100 000 × 384, generation, attribution (2 threads)"
	"$worker" --threads 2 --json bench speed --python "$python" --work-dir "$out" | tee "$out/speed.json"
	ok
fi
if [ "$what" = products ] || [ "$what" = all ]; then
	step "products: the bf16 kernels alone at SmolLM2's projection shapes, as a share of their peak (2 threads)"
	"$worker" --threads 2 --json bench products --rows 860 --rounds 15 | tee "$out/products.json"
	ok
fi
if [ "$what" = quality ] || [ "$what" = all ]; then
	step "quality: precision@1 and the deletion test on a synthetic DataNet (validator mode)"
	"$worker" --validator --json bench quality --datasets 40 --probes "${QUALITY_PROBES:-24}" | tee "$out/quality.json"
	ok
fi
if [ "$what" = pubmedqa ] || [ "$what" = all ]; then
	step "PubMedQA: recall, gold recovery, top-k drop and LDS per method, tuning and held-out parts (validator mode)"
	# Records are kept: a second run with the same limit only recomputes the report.
	"$worker" --json bench pubmedqa --limit "${PUBMEDQA_LIMIT:-24}" --records "$out/pubmedqa-records.jsonl" \
		--plot "$out/pubmedqa.png" | tee "$out/pubmedqa.json"
	ok
fi
if [ "$what" = datainf ] || [ "$what" = all ]; then
	step "DataInf: influence of training examples on a LoRA fine-tune, 10 sentence transformations (validator mode)"
	"$worker" --validator --json bench datainf --train "${DATAINF_TRAIN:-90}" --test "${DATAINF_TEST:-10}" \
		| tee "$out/datainf.json"
	ok
fi
if [ "$what" = grounding ] || [ "$what" = all ]; then
	step "grounding: when a server declines — the rule on held-out formulary, absent-drug, off-topic and on-topic questions"
	"$worker" --validator --json bench grounding --seed 11 --probes 40 --absent 20 --off-topic 40 --on-topic 40 \
		--pubmedqa-start 7 --records "$out/grounding-rows.jsonl" | tee "$out/grounding.json"
	ok
fi
if [ "$what" = openlora ] || [ "$what" = all ]; then
	step "OpenLoRA: 1 000 adapters (≈ 1.8 GB of files, written once) against one adapter (2 threads)"
	"$worker" --threads 2 --json bench openlora --adapters 1000 --work-dir "$out/openlora" | tee "$out/openlora.json"
	ok
fi
