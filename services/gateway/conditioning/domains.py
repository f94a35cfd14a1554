"""Domain weights (chem / mech / materials) for a prompt, from its sentence embedding.

The prototypes live in ``domains.yaml`` beside this file; the nearest-centroid scoring is the
kit's (shared with rag-api's chunk classifier). Weights are a softmax of the similarities, so
they sum to 1 and a prompt close to two domains weighs both.
"""

from __future__ import annotations

from services.kit.domains import DomainCentroids, load_prototypes
from services.kit.embedding import Embedder


def load_prototypes_file() -> dict[str, list[str]]:
    return load_prototypes(__package__, "domains.yaml")


class DomainScorer:
    def __init__(
        self,
        embedder: Embedder,
        prototypes: dict[str, list[str]] | None = None,
        temperature: float = 0.05,
    ) -> None:
        self.embedder = embedder
        self.centroids = DomainCentroids(embedder.encode, prototypes or load_prototypes_file())
        # Cosine similarities of short texts sit in a narrow band: a low temperature spreads them.
        self.temperature = temperature

    def warm_up(self) -> None:
        self.centroids.warm_up()

    def run(self, text: str) -> dict[str, float]:
        domains = self.centroids.domains
        if not text.strip():
            return dict.fromkeys(domains, round(1 / len(domains), 4))
        return self.centroids.weights(self.embedder.encode([text])[0], self.temperature)
