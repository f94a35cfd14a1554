"""The planner: which steps a run takes, and in what order.

Two halves, both small:

- :meth:`Planner.plan` applies the rule table (``rules.yaml``) to the gateway's conditioning
  when a run starts: unit conversions for quantities asked in other units, a calculator whose
  inputs the question names, retrieval weighted to the question's domains, or a recording's
  technical transcript passages instead of every document. Rules work with any model.
- the graph's edges choose the next node from the state (``next_step`` in the builder, from
  :func:`budget_left`, and :func:`after_generate`): the next planned step while the budget
  lasts, then the model; after the model, its server tool calls (executed, then the model
  again) or the end. The model's own calls
  come from the model; the budget (steps, per-step time, deadline) bounds the loop.

The edges are plain functions, not nodes: a LangGraph node costs 0.2-0.3 ms per visit here,
and a run with nothing planned must cost what it did before the planner existed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from services.kit import conversion
from services.orchestrator.graph.retrieve import retrieval_request
from services.orchestrator.graph.state import Action, ChatState
from services.orchestrator.tools.model import ServerTool

TRANSCRIPT_FILTER = {"tags": ["transcript:technical"]}


@dataclass(frozen=True)
class CalculatorRule:
    tool: str
    phrases: tuple[str, ...]
    min_filled: int | None = None


@dataclass(frozen=True)
class Rules:
    convert_tool: str
    calculators: tuple[CalculatorRule, ...]
    substances: dict[str, dict[str, str]]
    transcript_phrases: tuple[str, ...]


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """The shipped rule table (``graph/rules.yaml``)."""
    text = resources.files(__package__).joinpath("rules.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return Rules(
        convert_tool=data["convert"]["tool"],
        calculators=tuple(
            CalculatorRule(c["tool"], tuple(p.lower() for p in c["phrases"]), c.get("min_filled"))
            for c in data.get("calculators", [])
        ),
        substances={k.lower(): dict(v) for k, v in (data.get("substances") or {}).items()},
        transcript_phrases=tuple(p.lower() for p in data["transcripts"]["phrases"]),
    )


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


@dataclass
class _Mention:
    """A quantity in the question, with its kind and where it sits."""

    text: str
    argument: str
    kind: str
    start: int
    used: bool = field(default=False)


def _mentions(question: str, conditioning: dict[str, Any]) -> list[_Mention]:
    found = []
    cursor = 0
    for q in conditioning.get("quantities") or []:
        if q.get("si_value") is None:
            continue
        argument = f"{q['value']:g} {q['unit']}"
        kind = q.get("kind") or ""
        if not kind or kind == "other":
            try:
                kind = conversion.kind_of(conversion.parse_quantity(argument))
            except conversion.ConversionError:
                continue
        start = question.find(q["text"], cursor)
        cursor = max(cursor, start + 1)
        found.append(_Mention(q["text"], argument, kind, start))
    return found


def _distance(lowered: str, mention: _Mention, parameter: str) -> int:
    """Characters between the mention and the nearest word of ``parameter``'s name (a large
    number when the question never says it)."""
    end = mention.start + len(mention.text)
    best = 10**6
    for word in (w for w in parameter.split("_") if len(w) > 2):
        for found in re.finditer(rf"(?<!\w){re.escape(word)}", lowered):
            gap = (
                mention.start - found.end() if found.end() <= mention.start else found.start() - end
            )
            best = min(best, max(gap, 0))
    return best


class Planner:
    def __init__(self, rules: Rules, *, retrieval: bool, tools: bool) -> None:
        self.rules = rules
        self.retrieval = retrieval
        self.tools = tools

    def plan(
        self, question: str, conditioning: dict[str, Any] | None, registry: list[ServerTool]
    ) -> list[Action]:
        """The steps the rules choose for ``question`` (the last user message)."""
        conditioning = conditioning or {}
        lowered = question.lower()
        actions: list[Action] = []
        if self.tools and registry:
            actions += self._conversions(conditioning, registry)
            calculator = self._calculator(question, lowered, conditioning, registry)
            if calculator is not None:
                actions.append(calculator)
        if self.retrieval and question.strip():
            actions.append(self._retrieval(question, lowered, conditioning))
        return actions

    def _conversions(
        self, conditioning: dict[str, Any], registry: list[ServerTool]
    ) -> list[Action]:
        if not any(t.target == self.rules.convert_tool for t in registry):
            return []
        actions: list[Action] = []
        for q in conditioning.get("quantities") or []:
            if q.get("si_unit") is None:
                continue
            for target in conditioning.get("target_units") or []:
                if target.get("si_unit") and target["si_unit"] != q["si_unit"]:
                    continue  # another dimension: that unit is meant for another quantity
                if target["unit"] == q["unit"]:
                    continue  # already in that unit
                actions.append(
                    {
                        "kind": "tool",
                        "tool": self.rules.convert_tool,
                        "arguments": {
                            "quantity": f"{q['value']:g} {q['unit']}",
                            "to": target["unit"],
                        },
                        "why": f"{q['text']} asked in {target['text']}",
                    }
                )
        return actions

    def _candidates(self, lowered: str, registry: list[ServerTool]) -> list[ServerTool]:
        by_name = {t.target: t for t in registry if t.quantities}
        chosen: list[ServerTool] = []
        for rule in self.rules.calculators:
            tool = by_name.get(rule.tool)
            if tool is not None and any(_contains(lowered, p) for p in rule.phrases):
                chosen.append(tool)
        for tool in by_name.values():  # a dropped-in calculator, by its own name
            if tool not in chosen and _contains(lowered, tool.target.replace("_", " ")):
                chosen.append(tool)
        return chosen

    def _calculator(
        self,
        question: str,
        lowered: str,
        conditioning: dict[str, Any],
        registry: list[ServerTool],
    ) -> Action | None:
        minimum = {r.tool: r.min_filled for r in self.rules.calculators}
        best: tuple[int, Action] | None = None
        for tool in self._candidates(lowered, registry):
            arguments, assumed = self._fill(question, lowered, conditioning, tool)
            needed = minimum.get(tool.target) or max(1, len(tool.required))
            if not set(tool.required) <= set(arguments) or len(arguments) < needed:
                continue
            why = f"the question names {tool.target.replace('_', ' ')}'s inputs"
            if assumed:
                why += f"; assumed {assumed}"
            action: Action = {
                "kind": "tool",
                "tool": tool.target,
                "arguments": arguments,
                "why": why,
            }
            if best is None or len(arguments) > best[0]:
                best = (len(arguments), action)
        return best[1] if best else None

    def _fill(
        self, question: str, lowered: str, conditioning: dict[str, Any], tool: ServerTool
    ) -> tuple[dict[str, Any], str]:
        mentions = _mentions(question, conditioning)
        arguments: dict[str, Any] = {}
        # Pairs of a parameter and a mention of its kind, nearest to the parameter's name
        # first: "wall thickness of 10 mm, 500 mm diameter" puts each length where it belongs.
        pairs = sorted(
            (_distance(lowered, m, parameter), order, index, parameter, m)
            for order, (parameter, kind) in enumerate(tool.quantities.items())
            for index, m in enumerate(mentions)
            if m.kind == conversion.normalize_kind(kind)
        )
        for _, _, _, parameter, mention in pairs:
            if parameter in arguments or mention.used:
                continue
            mention.used = True
            arguments[parameter] = mention.argument
        assumed = ""
        for name, properties in self.rules.substances.items():
            if not _contains(lowered, name):
                continue
            for parameter, kind in tool.quantities.items():
                value = properties.get(conversion.normalize_kind(kind))
                if parameter not in arguments and value:
                    arguments[parameter] = value
                    assumed = properties.get("source", name)
            break
        return arguments, assumed

    def _retrieval(self, question: str, lowered: str, conditioning: dict[str, Any]) -> Action:
        request = retrieval_request(question, conditioning)
        if any(_contains(lowered, p) for p in self.rules.transcript_phrases):
            request["filters"] = dict(TRANSCRIPT_FILTER)
            return {
                "kind": "retrieve",
                "tool": "transcripts",
                "arguments": request,
                "why": "the question is about a recording: its technical segments only",
            }
        weights = request.get("domain_weights") or {}
        leaning = [d for d, w in weights.items() if w > 1]
        why = "evidence weighted to " + ", ".join(leaning) if leaning else "evidence"
        return {"kind": "retrieve", "tool": "documents", "arguments": request, "why": why}


# -- the edges ----------------------------------------------------------------------------------
def budget_left(state: ChatState, max_steps: int) -> bool:
    return state.get("steps_taken", 0) < max_steps and time.monotonic() < state["deadline"]


def after_generate(state: ChatState) -> str:
    """Edge after the model: run the server tools it called, or end."""
    from langgraph.graph import END

    return "call_tools" if state.get("pending") else END
