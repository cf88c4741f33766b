"""Python references for `attribution-worker bench speed`: sentence-transformers embeddings/s and faiss
IndexFlatIP exact top-k, on the same inputs and thread count as the Rust side. Prints one JSON line."""
import argparse
import json
import os
import pathlib
import statistics
import time

os.environ["HF_HUB_OFFLINE"] = "1"


def timed(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def embed(args):
    import torch
    from sentence_transformers import SentenceTransformer, models

    torch.set_num_threads(args.threads)
    models_dir = pathlib.Path(os.environ.get("OPENLEDGER_MODELS_DIR", pathlib.Path.home() / ".cache/openledger-appchain/models"))
    word = models.Transformer(str(models_dir / "all-minilm-l6-v2"), max_seq_length=256)
    model = SentenceTransformer(modules=[word, models.Pooling(384, "mean"), models.Normalize()], device="cpu")
    texts = [json.loads(line)["text"] for line in open(args.texts, encoding="utf-8") if line.strip()]
    seconds = timed(lambda: model.encode(texts, batch_size=args.batch_size, convert_to_numpy=True), args.reps)
    print(json.dumps({"embeddings_per_s": len(texts) / seconds, "texts": len(texts), "seconds": seconds, "threads": args.threads}))


def topk(args):
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(args.threads)
    xb = np.load(args.vectors).astype(np.float32)
    xq = np.load(args.queries).astype(np.float32)
    index = faiss.IndexFlatIP(xb.shape[1])
    index.add(xb)
    result = {}
    seconds = timed(lambda: result.update(out=index.search(xq, args.k)), args.reps)
    if args.out:
        ids = result["out"][1].tolist()
        pathlib.Path(args.out).write_text(json.dumps(ids))
    print(json.dumps({"seconds_per_query_batch": seconds, "queries": int(xq.shape[0]), "n": int(xb.shape[0]), "dim": int(xb.shape[1]), "threads": args.threads}))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed")
    e.add_argument("--texts", required=True)
    e.add_argument("--batch-size", type=int, default=32)
    e.add_argument("--threads", type=int, default=2)
    e.add_argument("--reps", type=int, default=3)
    t = sub.add_parser("topk")
    t.add_argument("--vectors", required=True)
    t.add_argument("--queries", required=True)
    t.add_argument("--k", type=int, default=10)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--reps", type=int, default=5)
    t.add_argument("--out")
    args = p.parse_args()
    {"embed": embed, "topk": topk}[args.cmd](args)


if __name__ == "__main__":
    main()
