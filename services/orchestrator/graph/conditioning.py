"""Turn the gateway's derived facts into the first frame blocks.

Constraints and SI units come before any evidence, so the model reads the limits first. The
user's own messages are not touched. This is framing, not a graph step: a LangGraph node costs
a few hundred microseconds of CPU per request, too much for a pure function of the state.
"""

from __future__ import annotations

from typing import Any

from services.orchestrator.graph.state import ContextBlock


def _number(value: float) -> str:
    return f"{value:.6g}"


def conditioning_blocks(conditioning: dict[str, Any] | None) -> list[ContextBlock]:
    if not conditioning:
        return []
    blocks: list[ContextBlock] = []
    constraints = conditioning.get("constraints") or []
    if constraints:
        lines = "\n".join(f"- {c}" for c in constraints)
        blocks.append(
            {"title": "Constraints stated in the question (respect them first)", "text": lines}
        )
    quantities = [q for q in conditioning.get("quantities") or [] if q.get("si_unit")]
    if quantities:
        lines = "\n".join(
            f"- {q['text']} = {_number(q['si_value'])} {q['si_unit']}" for q in quantities
        )
        blocks.append({"title": "Quantities in the question, in SI units", "text": lines})
    targets = conditioning.get("target_units") or []
    if targets:
        wanted = ", ".join(
            f"{t['text']}" + (f" (SI: {t['si_unit']})" if t.get("si_unit") else "") for t in targets
        )
        blocks.append(
            {"title": "Units for the answer", "text": f"Give values in SI and also in: {wanted}"}
        )
    return blocks
