"""EngineeringTagger: quantities (SI-normalised), constraint/safety statements, identifiers.

Adds to each chunk's meta:

* ``quantities``: ``[{text, value, unit, si_value, si_unit, kind}]`` and ``quantity_kinds``;
* ``constraints`` (sentences) and ``constraint_kinds`` (limit, prohibition, requirement, hazard);
* ``identifiers`` (CAS numbers, thread sizes, standards, part numbers);
* ``hard_fact``: true when the chunk states a quantity or a constraint, which retrieval can
  prefer (``prefer_hard_facts``).
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component

from services.kit.quantities import QuantityFinder
from services.rag.constraints import find_constraints
from services.rag.identifiers import find_identifiers


@component
class EngineeringTagger:
    """Tag chunks with quantities, constraints and identifiers (pure text rules, no model)."""

    def __init__(self, max_quantities: int = 50) -> None:
        self.max_quantities = max_quantities
        # The kit's finder: the same grammar and SI conversion as the gateway and asr-api.
        self.finder = QuantityFinder()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        tagged = []
        for doc in documents:
            text = doc.content or ""
            quantities = self.finder.run(text)[: self.max_quantities]
            sentences, kinds = find_constraints(text)
            meta = {
                **doc.meta,
                "quantities": [q.as_dict() for q in quantities],
                "quantity_kinds": sorted({q.kind for q in quantities}),
                "constraints": sentences,
                "constraint_kinds": kinds,
                "identifiers": find_identifiers(text),
                "hard_fact": bool(quantities)
                or bool(set(kinds) & {"limit", "prohibition", "hazard"}),
            }
            tagged.append(Document(id=doc.id, content=text, meta=meta))
        return {"documents": tagged}
