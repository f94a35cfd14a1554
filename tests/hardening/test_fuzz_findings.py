"""What the fuzzer found, each kept as a plain test (in process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.gateway.main import create_app as gateway_app
from services.gateway.settings import Settings as GatewaySettings
from services.kit.conversion import ConversionError, convert, parse_quantity, parse_unit
from services.kit.openapi import SSE_EVENT
from tests.hardening.targets import KEY, SERVICE_TOKEN, tool_registry

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("unit", ["]", "m]", "kg/[m", "{", "1/0", "ã>Â\x06<\U00105c49]"])
def test_unreadable_units_are_conversion_errors(unit: str) -> None:
    # pint reads units with Python's tokenizer (TokenError on unbalanced brackets) and
    # evaluates them (ZeroDivisionError): both escaped as 500s from the tool registry.
    with pytest.raises(ConversionError):
        parse_unit(unit)
    with pytest.raises(ConversionError):
        parse_quantity(f"3 {unit}")
    with pytest.raises(ConversionError):
        convert("3 m", unit)


def test_tool_arguments_with_unreadable_units_are_422(tmp_path: Path) -> None:
    with tool_registry(tmp_path) as built, TestClient(built.app) as client:
        arguments = {"pressure": "3 ]", "diameter": "1 m", "wall_thickness": "1 (/0"}
        response = client.post(
            "/tools/hoop_stress/invoke",
            json={"arguments": arguments},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_arguments" and "unknown unit" in error["message"]


def test_conditioning_checks_the_key_before_reading_the_body() -> None:
    # The body used to be a FastAPI parameter, parsed (and refused with 400) before the
    # router's key check ran: a caller without a key learnt about its body first.
    settings = GatewaySettings(_env_file=None, gateway_api_keys=[KEY], gateway_conditioning=False)
    with TestClient(gateway_app(settings)) as client:
        response = client.post("/v1/conditioning", content=b"{not json")
        assert response.status_code == 401, response.text
        wrong = {"Authorization": "Bearer sk-wrong-key-0123456789abcdef"}
        response = client.post("/v1/conditioning", content=b"[1, 2", headers=wrong)
        assert response.status_code == 401, response.text


def test_streamed_chat_answers_are_documented_as_events() -> None:
    settings = GatewaySettings(_env_file=None, gateway_api_keys=[KEY], gateway_conditioning=False)
    operation = gateway_app(settings).openapi()["paths"]["/v1/chat/completions"]["post"]
    content = operation["responses"]["200"]["content"]
    assert content["text/event-stream"]["schema"] == SSE_EVENT
    assert "application/json" in content
