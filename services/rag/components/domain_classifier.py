"""DomainClassifier: chem / mech / materials for chunks that arrive without a domain.

A nearest-prototype classifier on the chunk's own dense embedding: each domain is described by a
few sentences, embedded once in ``warm_up``; a chunk takes the domain whose prototype is most
similar. A domain given at ingest (meta ``domain``) always wins and is kept as
``domain_source="given"``; classified chunks say ``"classified"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from haystack import Document, component

DOMAINS = ("chem", "mech", "materials")
PROTOTYPES = {
    "chem": [
        "chemical reaction, reagents, solvents, CAS number, concentration, pH and molarity",
        "chemical process safety: flammable, toxic and corrosive substances, exposure limits",
        "reactor, distillation, catalyst, reaction kinetics, stoichiometry and yield",
    ],
    "mech": [
        "mechanical design: bolts, threads, tightening torque, gears, bearings and shafts",
        "machine elements, fasteners, preload, fatigue of components, vibration and tolerances",
        "pumps, valves, pressure vessels, hydraulics, kinematics and dynamics of machines",
    ],
    "materials": [
        "materials science: alloys, steel grades, heat treatment, microstructure and hardness",
        "mechanical properties of materials: yield strength, tensile strength, fracture toughness",
        "polymers, ceramics, composites, corrosion resistance, coatings and material selection",
    ],
}


@component
class DomainClassifier:
    """Fill ``domain`` from embeddings when it is missing.

    Args:
        embed: turns texts into L2-normalised vectors (the same model as the chunks).
    """

    def __init__(self, embed: Callable[[Sequence[str]], Any]) -> None:
        self.embed = embed
        self._prototypes: np.ndarray | None = None

    def warm_up(self) -> None:
        if self._prototypes is None:
            rows = [np.asarray(self.embed(PROTOTYPES[d]), dtype=np.float32) for d in DOMAINS]
            centroids = np.stack([r.mean(axis=0) for r in rows])
            self._prototypes = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def classify(self, embedding: Sequence[float]) -> str:
        self.warm_up()
        assert self._prototypes is not None
        scores = self._prototypes @ np.asarray(embedding, dtype=np.float32)
        return DOMAINS[int(np.argmax(scores))]

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        for doc in documents:
            if doc.meta.get("domain"):
                doc.meta.setdefault("domain_source", "given")
            elif doc.embedding is not None:
                doc.meta["domain"] = self.classify(doc.embedding)
                doc.meta["domain_source"] = "classified"
        return {"documents": documents}
