"""Reciprocal rank fusion with per-leg weights, independent of input order.

``score(d) = Σ_leg weight_leg / (k + rank_leg(d))``. Determinism is by construction rather than
by luck: each leg is re-ranked by (score desc, id) so engine tie order does not matter, the
contributions of a chunk are summed with :func:`math.fsum` (exact, so the order of the legs does
not change the last bit), and the fused list is sorted by (score desc, id).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.rag.store.base import Hit


@dataclass
class Fused:
    id: str
    score: float
    payload: dict[str, Any]
    ranks: dict[str, int] = field(default_factory=dict)  # leg name → 1-based rank


def rank_leg(hits: Sequence[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: (-h.score, h.id))


def rrf(legs: dict[str, tuple[Sequence[Hit], float]], k: int = 60) -> list[Fused]:
    """Fuse named legs (hits, weight) into one list, best first."""
    contributions: dict[str, list[float]] = {}
    fused: dict[str, Fused] = {}
    for name in sorted(legs):
        hits, weight = legs[name]
        for rank, hit in enumerate(rank_leg(hits), start=1):
            entry = fused.setdefault(hit.id, Fused(hit.id, 0.0, hit.payload))
            entry.ranks[name] = rank
            contributions.setdefault(hit.id, []).append(weight / (k + rank))
    for chunk_id, parts in contributions.items():
        fused[chunk_id].score = math.fsum(parts)
    return sorted(fused.values(), key=lambda f: (-f.score, f.id))
