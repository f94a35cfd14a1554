"""Response validators: SI annotations and range checks, appended, never replacing sent text."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from services.gateway.main import create_app
from services.gateway.settings import Settings
from services.gateway.validation.stream import validate_body, validate_stream
from services.gateway.validation.validator import Validator
from services.kit.quantities import QuantityFinder
from tests.handler_server import serve_handler

pytestmark = pytest.mark.unit

KEY = "sk-unit-test-key-0123456789"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(QuantityFinder())


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("Cool it to -300 °C first.", ["absolute temperature below 0 K"]),
        ("The gauge shows -2 bar absolute.", ["negative absolute pressure"]),
        ("The pump efficiency of 120 % is excellent.", ["efficiency or conversion above 100 %"]),
        ("A tax rate of 120 % applies.", []),  # not an efficiency: no context word
        ("Steel density is 7.85 g/cm³ and water boils at 100 °C.", []),
        ("Osmium-like density of 90 g/cm³.", ["densities lie between"]),
    ],
)
def test_range_checks(validator: Validator, text: str, messages: list[str]) -> None:
    found = [f.message for f in validator.run(text).findings]
    assert len(found) == len(messages)
    for message, expected in zip(found, messages, strict=True):
        assert expected in message


def test_si_annotations_read_like_an_engineer_writes(validator: Validator) -> None:
    result = validator.run("Hold 3 bar at 25 °C; torque 40 N·m; 12 kN.")
    si = {q["text"]: q["si"] for q in result.quantities}
    assert si == {"3 bar": "300 kPa", "25 °C": "298.15 K", "40 N·m": "40 N·m", "12 kN": "12 kN"}
    note = result.note()
    assert note.startswith("\n\n[validation] SI: 3 bar (300 kPa); 25 °C (298.15 K)")
    assert "12 kN (" not in note  # already SI: nothing to add
    assert validator.run("No numbers here.").note() == ""


def chunk(content: str | None, finish: str | None = None, **extra) -> bytes:
    delta = {"content": content} if content is not None else {}
    payload = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "ai-stack",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


async def test_stream_appends_the_note_before_the_finish_chunk(validator: Validator) -> None:
    pieces = [
        b": keep-alive\n\n",
        chunk("The pump efficiency ", usage=None),
        chunk("of 120 % at 3 bar", usage=None)[:40],  # an event split across reads
        chunk("of 120 % at 3 bar", usage=None)[40:],
        chunk(".", "stop", usage=None),
        b'data: {"id": "c1", "choices": [], "usage": {"total_tokens": 9}}\n\n',
        b"data: [DONE]\n\n",
    ]

    async def upstream():
        for p in pieces:
            yield p

    out = b"".join([p async for p in validate_stream(upstream(), validator, with_note=True)])
    events = [e for e in out.decode().split("\n\n") if e]
    assert events[0] == ": keep-alive" and events[-1] == "data: [DONE]"
    data = [json.loads(e[6:]) for e in events[1:-1]]
    texts = [d["choices"][0]["delta"].get("content") for d in data if d["choices"]]
    assert texts[:3] == ["The pump efficiency ", "of 120 % at 3 bar", "."]
    assert texts[3].startswith("\n\n[validation]") and "above 100 %" in texts[3]
    final = data[4]
    assert final["choices"][0]["finish_reason"] == "stop" and final["usage"] is None
    assert final["validation"]["findings"][0]["text"] == "120 %"
    assert data[5]["usage"] == {"total_tokens": 9}
    assert all(d["choices"][0]["finish_reason"] is None for d in data[:4])


def test_body_gets_the_field_and_the_note(validator: Validator) -> None:
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "Cool to -5 K."}}]})
    out = json.loads(validate_body(body.encode(), validator, with_note=True))
    assert out["choices"][0]["message"]["content"].startswith("Cool to -5 K.\n\n[validation]")
    assert out["validation"]["findings"][0]["message"].startswith("absolute temperature")
    quiet = json.loads(validate_body(body.encode(), validator, with_note=False))
    assert quiet["choices"][0]["message"]["content"] == "Cool to -5 K."


def test_gateway_validates_answers_and_can_be_switched_off() -> None:
    answer = {"id": "x", "object": "chat.completion",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "At 3 bar."},
                           "finish_reason": "stop"}]}  # fmt: skip

    def orchestrator(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    ask = {"model": "ai-stack", "messages": [{"role": "user", "content": "p?"}]}
    auth = {"Authorization": f"Bearer {KEY}"}
    for enabled in (True, False):
        with serve_handler(orchestrator) as url:
            settings = Settings(
                gateway_api_keys=KEY,
                gateway_conditioning=False,
                gateway_validation=enabled,
                orchestrator_url=url,
            )
            with TestClient(create_app(settings)) as client:
                body = client.post("/v1/chat/completions", headers=auth, json=ask).json()
        assert ("validation" in body) is enabled
        assert body["choices"][0]["message"]["content"].endswith("(300 kPa)") is enabled
