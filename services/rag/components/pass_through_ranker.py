"""PassThroughRanker: no reranking, the retriever's order cut to ``top_k`` (RAG_RERANKER=none)."""

from __future__ import annotations

from typing import Any

from haystack import Document, component


@component
class PassThroughRanker:
    """No reranking: the retriever's order, cut to ``top_k`` (``RAG_RERANKER=none``)."""

    @component.output_types(documents=list[Document])
    def run(
        self,
        documents: list[Document],
        top_k: int = 10,
        domain_weights: dict[str, float] | None = None,
        prefer_hard_facts: bool = False,
    ) -> dict[str, Any]:
        return {"documents": documents[:top_k]}
