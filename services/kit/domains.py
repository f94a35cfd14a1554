"""Nearest-prototype domain scoring (chem / mech / materials) on sentence embeddings.

Each domain is the normalised mean embedding of a few prototype sentences, kept in a YAML data
file (domain → sentences). A vector's cosine similarity to each centroid gives the best domain
(rag-api tags chunks) or, through a softmax, weights that sum to 1 (the gateway's conditioning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import yaml


def load_prototypes(package: str, resource: str) -> dict[str, list[str]]:
    """Read ``resource`` from ``package``: a mapping of domain → non-empty list of sentences.

    Raises:
        ValueError: the file does not have that shape.
    """
    data = yaml.safe_load(resources.files(package).joinpath(resource).read_text("utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) and v for v in data.values()):
        raise ValueError(f"{resource} must map each domain to a non-empty list of sentences")
    return {str(k): [str(s) for s in v] for k, v in data.items()}


class DomainCentroids:
    """Centroids built once (``warm_up``) from prototypes; ``embed`` returns unit vectors."""

    def __init__(
        self, embed: Callable[[Sequence[str]], Any], prototypes: dict[str, list[str]]
    ) -> None:
        self.embed = embed
        self.prototypes = prototypes
        self.domains = tuple(prototypes)
        self._centroids: Any = None

    def warm_up(self) -> None:
        if self._centroids is None:
            import numpy as np  # with the embedding model: not needed to import the service

            rows = [
                np.asarray(self.embed(self.prototypes[d]), dtype=np.float32) for d in self.domains
            ]
            centroids = np.stack([r.mean(axis=0) for r in rows])
            self._centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def similarities(self, vector: Sequence[float]) -> Any:
        import numpy as np

        self.warm_up()
        return self._centroids @ np.asarray(vector, dtype=np.float32)

    def best(self, vector: Sequence[float]) -> str:
        return self.domains[int(self.similarities(vector).argmax())]

    def weights(self, vector: Sequence[float], temperature: float) -> dict[str, float]:
        """Softmax of the similarities at ``temperature`` (rounded to 4 places)."""
        import numpy as np

        similarity = self.similarities(vector)
        scaled = np.exp((similarity - similarity.max()) / temperature)
        weights = scaled / scaled.sum()
        return {d: round(float(w), 4) for d, w in zip(self.domains, weights, strict=True)}
