"""The rerank stage's registry: ``RAG_RERANKER`` names one of these factories.

A reranker is any Haystack component with ``run(documents, top_k, domain_weights,
prefer_hard_facts) -> {"documents": [...]}``. Register another (e.g. a cross-encoder wrapped to
that signature) by adding a factory here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.rag.components.metadata_score_ranker import MetadataScoreRanker
from services.rag.components.pass_through_ranker import PassThroughRanker
from services.rag.settings import Settings

RERANKERS: dict[str, Callable[[Settings], Any]] = {
    "metadata": lambda s: MetadataScoreRanker(hard_fact_boost=s.rag_hard_fact_boost),
    "none": lambda s: PassThroughRanker(),
}
