"""rag-api throughput and latency, on the real model and the embedded Qdrant engine.

1. Ingestion: the evaluation passages, repeated with distinct suffixes to ``--ingest-chunks``
   chunks, go through the whole pipeline (convert, clean, split, tag, embed, BM25, write) into a
   fresh store. In the same run, the same chunk texts are embedded by the same model with no
   pipeline around it (raw throughput); the two alternate for ``--rounds`` rounds on fresh
   texts so that load from other processes affects both alike. Prints the medians and ratio.
2. Retrieval: for each size in ``--sizes`` a fresh store is filled directly with synthetic points
   (random unit vectors, BM25 vectors of random engineering-word texts) plus the real evaluation
   passages, indexed (``optimize()``), then the evaluation queries run through the service's
   retrieve path: query embedding + dense and BM25 search + fusion + ranking. Prints p50/p99.

Run: ``.venv/bin/python -m bench.rag_perf [--sizes 10000 100000] [--queries 300]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from bench.rag_quality import build_engine, ingest_corpus, load_eval, quiet_logs


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ingestion(
    engine: Any, corpus: list[dict[str, Any]], n_chunks: int, rounds: int
) -> dict[str, float]:
    """Alternate raw embedding and full ingestion of fresh chunk sets, ``rounds`` times each,
    so that load from other processes drifts into both alike; report the medians."""
    from services.rag.ingest import IngestItem

    copies = max(1, n_chunks // len(corpus))
    model = engine.embedders.model
    batch = engine.settings.rag_embed_batch_size
    raw, piped, count = [], [], 0
    for r in range(rounds):
        items = [
            IngestItem(
                name=f"{p['id']}-{c}-{r}",
                data=f"{p['text']} (revision {c}, round {r})".encode(),
                content_type="text/plain",
                domain=p["domain"],
            )
            for c in range(copies)
            for p in corpus
        ]
        # The exact chunk texts the pipeline embeds, for the raw measurement.
        texts = [c.content for item in items for c in engine.ingestor.prepare(item)[1]]
        model.encode(texts[:batch], batch_size=batch, normalize_embeddings=True)  # warm-up
        started = time.perf_counter()
        model.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
        raw.append(len(texts) / (time.perf_counter() - started))

        started = time.perf_counter()
        results = engine.ingestor.ingest(items)
        elapsed = time.perf_counter() - started
        written = sum(r.new_chunks for r in results)
        assert written == len(texts), (written, len(texts))
        piped.append(written / elapsed)
        count = len(texts)
    return {
        "chunks": count,
        "rounds": rounds,
        "raw_per_s": statistics.median(raw),
        "ingest_per_s": statistics.median(piped),
    }


def _fill(store: Any, size: int, dim: int, rng: random.Random) -> None:
    from qdrant_edge import Bm25

    bm25 = Bm25()
    vocab = (
        "bolt torque flange pressure steel alloy yield strength corrosion pump bearing "
        "valve solvent acid reactor temperature weld fatigue hardness gasket seal shaft "
        "gear oil viscosity density coating zinc titanium polymer ceramic crack limit "
        "hazard flammable toxic exposure storage vessel pipe heat exchanger tube"
    ).split()
    np_rng = np.random.default_rng(rng.randrange(2**32))
    step = 5000
    for start in range(0, size, step):
        n = min(step, size - start)
        dense = np_rng.standard_normal((n, dim)).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        texts = [" ".join(rng.choices(vocab, k=40)) for _ in range(n)]
        ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n)]
        payloads = [
            {
                "content": t,
                "domain": rng.choice(["chem", "mech", "materials"]),
                "source": f"synthetic-{(start + i) // 50}",
            }
            for i, t in enumerate(texts)
        ]
        store.write_raw(ids, dense, [bm25.embed_document(t) for t in texts], payloads)


def retrieval(
    size: int,
    corpus: list[dict[str, Any]],
    queries: list[dict[str, Any]],
    n_queries: int,
    threads: int,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"rag-perf-{size}-") as tmp:
        engine = build_engine(Path(tmp), threads)
        try:
            ingest_corpus(engine, corpus)
            started = time.perf_counter()
            _fill(engine.store, size - len(corpus), engine.embedders.dimension, random.Random(size))
            fill_s = time.perf_counter() - started
            started = time.perf_counter()
            engine.store.optimize()
            index_s = time.perf_counter() - started
            texts = [q["query"] for q in queries]
            for text in texts[:10]:
                engine.retrieve(text, top_k=10)  # warm-up
            latencies, embed_only = [], []
            for i in range(n_queries):
                text = texts[i % len(texts)]
                t0 = time.perf_counter()
                engine.retrieve(text, top_k=10)
                latencies.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                engine.embedders.text.run(text=text)
                embed_only.append((time.perf_counter() - t0) * 1000)
            points = engine.store.count()
        finally:
            engine.close()
    return {
        "points": points,
        "fill_s": fill_s,
        "index_s": index_s,
        "p50": statistics.median(latencies),
        "p99": _pct(latencies, 0.99),
        "embed_p50": statistics.median(embed_only),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ingest-chunks", type=int, default=1320)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    quiet_logs()
    corpus, queries = load_eval()
    if not args.skip_ingest:
        with tempfile.TemporaryDirectory(prefix="rag-perf-ingest-") as tmp:
            engine = build_engine(Path(tmp), args.threads)
            try:
                ing = ingestion(engine, corpus, args.ingest_chunks, args.rounds)
            finally:
                engine.close()
        print(
            f"\ningestion ({ing['chunks']} chunks x {ing['rounds']} rounds, same model, "
            "same texts, same run; medians)"
        )
        print(f"{'raw embedding':<22}{ing['raw_per_s']:>10.1f} chunks/s")
        print(f"{'ingest pipeline':<22}{ing['ingest_per_s']:>10.1f} chunks/s")
        print(f"{'ratio':<22}{100 * ing['ingest_per_s'] / ing['raw_per_s']:>10.1f} %")
    rows = [retrieval(size, corpus, queries, args.queries, args.threads) for size in args.sizes]
    if not rows:
        return
    print(f"\nretrieval (top 10, hybrid, query embedding included; {args.queries} queries)")
    print(
        f"{'chunks':>8} {'fill s':>8} {'index s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'embed p50 ms':>13}"
    )
    for row in rows:
        print(
            f"{row['points']:>8} {row['fill_s']:>8.1f} {row['index_s']:>8.1f} "
            f"{row['p50']:>8.2f} {row['p99']:>8.2f} {row['embed_p50']:>13.2f}"
        )


if __name__ == "__main__":
    main()
