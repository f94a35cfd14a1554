"""Domain weights (chem / mech / materials) from sentence embeddings against prototype sentences.

Each domain is the normalised mean of its prototypes' embeddings (``domains.yaml``); a prompt's
weights are a softmax of its cosine similarity to each domain, so they sum to 1 and a prompt
that is close to two domains weighs both.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from services.kit.embedding import Embedder


def load_prototypes() -> dict[str, list[str]]:
    text = resources.files(__package__).joinpath("domains.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not all(isinstance(v, list) and v for v in data.values()):
        raise ValueError("domains.yaml must map each domain to a non-empty list of sentences")
    return {str(k): [str(s) for s in v] for k, v in data.items()}


class DomainScorer:
    def __init__(
        self,
        embedder: Embedder,
        prototypes: dict[str, list[str]] | None = None,
        temperature: float = 0.05,
    ) -> None:
        self.embedder = embedder
        self.prototypes = prototypes or load_prototypes()
        # Cosine similarities of short texts sit in a narrow band: a low temperature spreads them.
        self.temperature = temperature
        self._centroids: Any = None

    def warm_up(self) -> None:
        import numpy as np

        self.embedder.warm_up()
        rows = []
        for sentences in self.prototypes.values():
            mean = self.embedder.encode(sentences).mean(axis=0)
            rows.append(mean / np.linalg.norm(mean))
        self._centroids = np.stack(rows)

    def run(self, text: str) -> dict[str, float]:
        import numpy as np

        if self._centroids is None:
            self.warm_up()
        if not text.strip():
            return dict.fromkeys(self.prototypes, round(1 / len(self.prototypes), 4))
        similarity = self._centroids @ self.embedder.encode([text])[0]
        scaled = np.exp((similarity - similarity.max()) / self.temperature)
        weights = scaled / scaled.sum()
        return {name: round(float(w), 4) for name, w in zip(self.prototypes, weights, strict=True)}
