"""MetadataScoreRanker: the default rerank stage — domain weights and "prefer hard facts".

``score' = score * domain_weights.get(domain, 1) * (hard_fact_boost if prefer_hard_facts and the
chunk states a quantity or constraint, else 1)``, then sorted by (score desc, id) and cut to
``top_k``. With every weight at 1 and no preference the order is exactly the retriever's.

Another stage (a cross-encoder, say) plugs in by offering the same ``run`` signature; see
:data:`services.rag.components.rerankers.RERANKERS`.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component


@component
class MetadataScoreRanker:
    """Re-score by metadata.

    Args:
        hard_fact_boost: multiplier for chunks tagged ``hard_fact`` when asked to prefer them.
    """

    def __init__(self, hard_fact_boost: float = 1.25) -> None:
        self.hard_fact_boost = hard_fact_boost

    @component.output_types(documents=list[Document])
    def run(
        self,
        documents: list[Document],
        top_k: int = 10,
        domain_weights: dict[str, float] | None = None,
        prefer_hard_facts: bool = False,
    ) -> dict[str, Any]:
        weights = domain_weights or {}
        ranked = []
        for doc in documents:
            factor = weights.get(str(doc.meta.get("domain")), 1.0)
            if prefer_hard_facts and doc.meta.get("hard_fact"):
                factor *= self.hard_fact_boost
            ranked.append(
                Document(
                    id=doc.id, content=doc.content, meta=doc.meta, score=(doc.score or 0.0) * factor
                )
            )
        ranked.sort(key=lambda d: (-(d.score or 0.0), d.id))
        return {"documents": ranked[:top_k]}
