"""DomainClassifier: chem / mech / materials for chunks that arrive without a domain.

A nearest-prototype classifier on the chunk's own dense embedding: each domain is described by a
few sentences, embedded once in ``warm_up``; a chunk takes the domain whose prototype is most
similar. A domain given at ingest (meta ``domain``) always wins and is kept as
``domain_source="given"``; classified chunks say ``"classified"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from haystack import Document, component

from services.kit.domains import DomainCentroids, load_prototypes


@component
class DomainClassifier:
    """Fill ``domain`` from embeddings when it is missing (prototypes in ``domains.yaml``).

    Args:
        embed: turns texts into L2-normalised vectors (the same model as the chunks).
    """

    def __init__(self, embed: Callable[[Sequence[str]], Any]) -> None:
        self.centroids = DomainCentroids(
            embed, load_prototypes("services.rag.components", "domains.yaml")
        )

    def warm_up(self) -> None:
        self.centroids.warm_up()

    def classify(self, embedding: Sequence[float]) -> str:
        return self.centroids.best(embedding)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        for doc in documents:
            if doc.meta.get("domain"):
                doc.meta.setdefault("domain_source", "given")
            elif doc.embedding is not None:
                doc.meta["domain"] = self.classify(doc.embedding)
                doc.meta["domain_source"] = "classified"
        return {"documents": documents}
