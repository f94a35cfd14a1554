"""Retrieval quality of the rag-api on the engineering evaluation set (bench/data/).

Ingests the 66 passages (domain given as metadata) into a fresh embedded store with the real
model and pipeline, runs the 56 graded queries and prints nDCG@10 and recall@10 for:

* ``sparse``: the BM25 leg alone;
* ``dense``: the embedding leg alone;
* ``hybrid``: both, fused with RRF;
* ``hybrid+dw``: hybrid with domain weights (``{named domain: W}``) on the queries that name a
  domain (the other queries run unweighted, so their figures equal ``hybrid``).

Run: ``.venv/bin/python -m bench.rag_quality [--domain-weight 2.0] [--k 10]``
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def load_eval() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    corpus = [json.loads(line) for line in (DATA / "rag_corpus.jsonl").read_text().splitlines()]
    queries = [json.loads(line) for line in (DATA / "rag_queries.jsonl").read_text().splitlines()]
    return corpus, queries


def ndcg(ranked: list[str], relevance: dict[str, int], k: int) -> float:
    gains = [
        (2 ** relevance.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:k])
    ]
    ideal = sorted(relevance.values(), reverse=True)[:k]
    best = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def recall(ranked: list[str], relevance: dict[str, int], k: int) -> float:
    relevant = {pid for pid, r in relevance.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def quiet_logs() -> None:
    from services.kit.logging import configure_logging
    from services.kit.settings import LogFormat

    configure_logging("bench", "warning", LogFormat.CONSOLE)


def build_engine(home: Path, threads: int = 0) -> Any:
    """A RagEngine on a fresh embedded store under ``home``, with the real model.

    ``threads``: torch intra-op threads (0: torch's default).
    """
    from services.rag.engine import RagEngine, load_embedders, open_store
    from services.rag.settings import Settings, enforce_offline_hub

    settings = Settings(_env_file=None, aistack_home=home, rag_torch_threads=threads)
    enforce_offline_hub(settings)
    embedders = load_embedders(settings)
    return RagEngine(settings, embedders, open_store(settings, embedders.dimension))


def ingest_corpus(engine: Any, corpus: list[dict[str, Any]]) -> None:
    from services.rag.ingest import IngestItem

    items = [
        IngestItem(
            name=p["id"],
            data=p["text"].encode(),
            content_type="text/plain",
            domain=p["domain"],
            meta={"title": p["source"]},
        )
        for p in corpus
    ]
    results = engine.ingestor.ingest(items)
    failed = [r.name for r in results if r.error is not None]
    if failed:
        raise SystemExit(f"ingest failed for {failed}")


def evaluate(engine: Any, queries: list[dict[str, Any]], k: int, weight: float) -> dict[str, Any]:
    runs = {"sparse": {}, "dense": {}, "hybrid": {}, "hybrid+dw": {}}
    for query in queries:
        for name in runs:
            mode = "hybrid" if name.startswith("hybrid") else name
            weights = {query["domain"]: weight} if name == "hybrid+dw" and query["domain"] else None
            docs = engine.retrieve(query["query"], top_k=k, mode=mode, domain_weights=weights)
            # One passage may give several chunks: rank passages by their best chunk.
            ranked = list(dict.fromkeys(d.meta["source"] for d in docs))
            runs[name][query["id"]] = ranked
    return runs


def table(runs: dict[str, Any], queries: list[dict[str, Any]], k: int) -> str:
    subsets = {
        "all": queries,
        "exact": [q for q in queries if q["kind"] == "exact"],
        "paraphrase": [q for q in queries if q["kind"] == "paraphrase"],
        "names a domain": [q for q in queries if q["domain"]],
    }
    header = f"{'leg':<11}" + "".join(
        f"| {name} (n={len(qs)}) nDCG@{k}  R@{k} ".ljust(32) for name, qs in subsets.items()
    )
    lines = [header, "-" * len(header)]
    for leg, ranked in runs.items():
        row = f"{leg:<11}"
        for qs in subsets.values():
            n = sum(ndcg(ranked[q["id"]], q["relevance"], k) for q in qs) / len(qs)
            r = sum(recall(ranked[q["id"]], q["relevance"], k) for q in qs) / len(qs)
            row += f"| {n:>18.3f} {r:>7.3f} ".ljust(32)
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--domain-weight", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    quiet_logs()
    corpus, queries = load_eval()
    with tempfile.TemporaryDirectory(prefix="rag-quality-") as tmp:
        engine = build_engine(Path(tmp), args.threads)
        try:
            started = time.perf_counter()
            ingest_corpus(engine, corpus)
            print(
                f"ingested {len(corpus)} passages in {time.perf_counter() - started:.1f}s; "
                f"{len(queries)} queries; domain weight {args.domain_weight}"
            )
            runs = evaluate(engine, queries, args.k, args.domain_weight)
        finally:
            engine.close()
    print(table(runs, queries, args.k))


if __name__ == "__main__":
    main()
