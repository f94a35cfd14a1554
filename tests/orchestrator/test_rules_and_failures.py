"""Rule-chosen steps with a model that cannot call tools (the embedded base model's case), and
failures that become notes in the frame instead of errors."""

from __future__ import annotations

import json

import httpx
import pytest

from services.gateway.conditioning.extract import Extractor
from services.kit.vocabulary import shares_to_multipliers
from tests.handler_server import closed_port_url, serve_handler
from tests.orchestrator.conftest import Orchestrator, chat, user
from tests.scripted_llm import call, say, scripted_llm

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def conditioned(extractor: Extractor, text: str, **retrieval: object) -> dict:
    """The body the gateway would forward: the message and the conditioning beside it."""
    conditioning = extractor.run(text).model_dump()
    conditioning["domain_weights"] = {"chem": 1 / 3, "mech": 1 / 3, "materials": 1 / 3}
    conditioning["retrieval"] = {"top_k": 5, "domain_weights": {}, "prefer_hard_facts": False}
    conditioning["retrieval"].update(retrieval)
    return {"messages": user(text), "conditioning": conditioning}


def test_a_unit_question_runs_convert_units_by_rule_and_the_frame_has_it(
    orchestrator: Orchestrator, extractor: Extractor
) -> None:
    with (
        scripted_llm(say("ok")) as llm,
        orchestrator(llm.url, llm_tool_calling="off") as client,
    ):
        answer = chat(client, **conditioned(extractor, "Convert 300 °F to kelvin"))
    assert "tools" not in llm.requests[0], "the model is offered nothing"
    frame = llm.system(0)
    assert "convert_units(quantity=300 degF, to=kelvin)" in frame
    assert '"value":422.038888889' in frame.replace(" ", "")
    (step,) = [s for s in answer["steps"] if s["node"] == "tool"]
    assert step["tool"] == "convert_units"
    assert step["result"]["value"] == pytest.approx(422.04, abs=0.01)


def test_a_calculator_question_runs_the_calculator_by_rule(
    orchestrator: Orchestrator, extractor: Extractor
) -> None:
    text = "Reynolds number for water at 2 m/s in a 50 mm pipe?"
    with scripted_llm(say("ok")) as llm, orchestrator(llm.url, llm_tool_calling="off") as client:
        answer = chat(client, **conditioned(extractor, text))
    (step,) = [s for s in answer["steps"] if s["node"] == "tool"]
    assert step["tool"] == "reynolds_regime" and step["outcome"] == "ok"
    # Re = rho * v * D / mu = 998.2 * 2 * 0.05 / 1.002e-3, about 99 621: turbulent.
    assert step["result"]["reynolds_number"] == pytest.approx(998.2 * 2 * 0.05 / 1.002e-3, rel=1e-6)
    assert step["result"]["regime"] == "turbulent"
    frame = llm.system(0)
    assert "reynolds_regime(" in frame and "turbulent" in frame
    assert "assumed water at 20 °C" in frame, "the filled-in fluid properties are said"


def test_a_domain_question_retrieves_with_that_domains_weights(
    orchestrator: Orchestrator, extractor: Extractor
) -> None:
    sent: list[dict] = []
    passage = {
        "id": "c1",
        "content": "Class 8.8 M12 bolts: proof load 48.5 kN.",
        "score": 0.9,
        "citation": {"source": "bolting.md", "chunk_id": "c1"},
    }

    def rag(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"documents": [passage]})

    weights = shares_to_multipliers({"chem": 0.05, "mech": 0.8, "materials": 0.15})
    with serve_handler(rag) as rag_url, scripted_llm(say("48.5 kN [1]")) as llm:
        with orchestrator(llm.url, orch_retrieval=True, rag_url=rag_url) as client:
            body = conditioned(extractor, "Proof load of an M12 bolt?", domain_weights=weights)
            answer = chat(client, **body)
    assert sent[0]["domain_weights"] == weights and sent[0]["query"] == "Proof load of an M12 bolt?"
    assert "[1] (bolting.md) Class 8.8 M12 bolts" in llm.system(0)
    assert answer["citations"][0]["source"] == "bolting.md"
    (step,) = [s for s in answer["steps"] if s["node"] == "retrieve"]
    assert "mech" in step["detail"] and step["outcome"] == "ok"


def test_a_dead_rag_api_and_registry_still_give_an_answer_that_says_so(
    orchestrator: Orchestrator, extractor: Extractor
) -> None:
    dead = closed_port_url()
    with scripted_llm(say("Without evidence: unknown.")) as llm:
        with orchestrator(
            llm.url, orch_retrieval=True, rag_url=dead, tools_url=closed_port_url()
        ) as client:
            answer = chat(client, **conditioned(extractor, "Convert 3 bar to kPa"))
    assert answer["choices"][0]["message"]["content"] == "Without evidence: unknown."
    frame = llm.system(0)
    assert "no evidence: rag-api" in frame and "unreachable" in frame
    assert "the tool registry" in frame and "unreachable" in frame
    (retrieve,) = [s for s in answer["steps"] if s["node"] == "retrieve"]
    assert retrieve["outcome"] == "error"


def test_a_tool_that_fails_mid_run_is_a_note_not_a_500(
    orchestrator: Orchestrator,
) -> None:
    """The model calls a tool with arguments the registry refuses: the model reads why."""
    with (
        scripted_llm(
            call("tools__convert_units", {"quantity": "3 m", "to": "bar"}), say("ok")
        ) as llm,
        orchestrator(llm.url) as client,
    ):
        answer = chat(client, user("3 m in bar?"))
    result = llm.requests[1]["messages"][-1]
    assert result["role"] == "tool" and result["content"].startswith("error:")
    assert "length" in result["content"] and "pressure" in result["content"]
    (step,) = [s for s in answer["steps"] if s["node"] == "call_tools"]
    assert step["outcome"] == "error"
