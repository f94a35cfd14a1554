"""The stack's shared retrieval vocabulary and policy: one home, every service imports it.

- ``DOMAINS``: the engineering domains a document, a chunk or a prompt belongs to.
- ``DEFAULT_TOP_K``: how many passages a retrieval returns when the caller does not say.
- ``transcript_tag(segment_tag)``: the rag-api tag of transcript passages by the ASR tagger's
  verdict (``transcript:technical``, ``transcript:narrative``), so retrieval can take the
  technical segments of recordings only (the seed's §12).
- Domain weights, one convention end to end: **multipliers where 1 is neutral** (2 doubles a
  domain's score, 0 hides it, a missing domain is 1). The gateway's conditioning measures a
  prompt as shares that sum to 1 (``Conditioning.domain_weights``) and converts them once,
  with :func:`shares_to_multipliers`, into the multipliers its retrieval parameters carry;
  the orchestrator passes those on unchanged and rag-api applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

Domain = Literal["chem", "mech", "materials"]
DOMAINS: tuple[str, ...] = get_args(Domain)

DEFAULT_TOP_K = 5

TECHNICAL = "technical"


def transcript_tag(segment_tag: str) -> str:
    """The knowledge-base tag of transcript passages with this ASR segment tag."""
    return f"transcript:{segment_tag}"


def shares_to_multipliers(shares: Mapping[str, float]) -> dict[str, float]:
    """Shares of a prompt per domain (summing to 1) as retrieval multipliers: an even split is
    neutral (every multiplier 1), a domain twice as likely as even weighs twice."""
    count = len(shares)
    return {domain: round(share * count, 4) for domain, share in shares.items()}
